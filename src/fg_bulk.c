/*
 * fg_bulk.c
 *		Writes at scale: import_edges() loads a table of edges set-based and
 *		remove_account() removes every edge of one account.
 *
 * Both keep the counts exact against concurrent follow() and unfollow() by
 * the rule those follow themselves: whoever changes the edges of a pair
 * holds the pair_lock slot of that pair, and reads the reverse edge only
 * once it holds the slot.  A bulk writer locks every slot it needs in one
 * statement, in slot order (so two bulk writers never deadlock, and a
 * single-pair writer, which takes its slot before it touches the edge,
 * never deadlocks with them), bumps them as follow() does, and only then
 * reads the graph with a fresh snapshot (READ COMMITTED), which sees every
 * earlier holder of those slots.  Under REPEATABLE READ and SERIALIZABLE a
 * slot changed after the transaction's snapshot raises 40001 when it is
 * bumped, and a single-pair writer that waited for a bumped slot raises
 * 40001 in turn, exactly as between two follow() calls.
 *
 * remove_account() removes only the edges in the slots it locked, chosen from
 * the account's counterparts at its first statement: an edge made meanwhile
 * by a follow() of a pair that had no edge then comes after the removal and
 * keeps its own, already counted, contribution.
 *
 * import_edges() reads its source once with the caller's rights into a
 * temporary table of distinct pairs (with how many source rows gave each and
 * its rank in followed_at order, the future seq), then writes as the owner
 * of the storage.  It has two plans.  The incremental one inserts through
 * the live indexes and blocks only the follow() calls whose pair shares a
 * slot with an imported pair.  When the import is at least
 * FG_IMPORT_REBUILD_MIN edges and larger than the graph it joins, it locks
 * the edge table (reads included), drops the four indexes, appends the rows
 * and builds the indexes again, several times faster than maintaining them
 * row by row.
 *
 * Count changes go to one existing stripe of each account (the lowest
 * numbered one), or a new stripe 0, in account order.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_pair_slot);
PG_FUNCTION_INFO_V1(fg_import_edges);
PG_FUNCTION_INFO_V1(fg_remove_account);

/* Smallest import that may take the rebuild-the-indexes plan. */
#define FG_IMPORT_REBUILD_MIN	10000

/* Seconds into an import after which its phases are reported as NOTICEs. */
#define FG_IMPORT_PROGRESS_SECS	2.0

/* Bytes of a bitmap with one bit per pair_lock slot. */
#define FG_SLOT_BITMAP_BYTES	(FG_PAIR_SLOTS / 8)

/* Timing of one import_edges() call, for its progress notices. */
typedef struct FgImportClock
{
	TimestampTz start;
	TimestampTz phase;
} FgImportClock;

/*
 * Seconds between two timestamps.
 */
static double
SecondsBetween(TimestampTz from, TimestampTz to)
{
	return (double) (to - from) / 1000000.0;
}

/*
 * Report the end of one phase of an import with its duration: a NOTICE once
 * the import has run FG_IMPORT_PROGRESS_SECS, DEBUG1 before that, so short
 * imports stay quiet.
 */
static void
ImportProgress(FgImportClock *clock, const char *what, int64 rows)
{
	TimestampTz now = GetCurrentTimestamp();
	int			level = SecondsBetween(clock->start, now) >= FG_IMPORT_PROGRESS_SECS ?
		NOTICE : DEBUG1;

	ereport(level,
			(errmsg("import_edges: %s: " INT64_FORMAT " rows in %.1f s (%.1f s so far)",
					what, rows, SecondsBetween(clock->phase, now),
					SecondsBetween(clock->start, now))));
	clock->phase = now;
}

/*
 * Run one SQL statement through SPI, check its result code, and return the
 * number of rows it processed.
 */
static uint64
RunSql(const char *sql, int nargs, Oid *types, Datum *values, int expected)
{
	int			rc;

	if (nargs > 0)
		rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	else
		rc = SPI_execute(sql, false, 0);
	if (rc != expected)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * A bigint column of the last SPI result; NULL reads as 0.
 */
static int64
ResultInt64(uint64 row, int col)
{
	bool		isnull;
	Datum		d;

	if (row >= SPI_processed)
		elog(ERROR, "SPI result has no row " UINT64_FORMAT, row);
	d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * The owner of follow_graph's storage, whose rights the bulk writers use
 * once they have read their input with the caller's.
 */
static Oid
StorageOwner(void)
{
	Oid			relid = FgRelationId(FG_EDGE_TABLE);
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Check that the source has column name of type want; false if the column
 * is missing and optional.
 */
static bool
CheckSourceColumn(Relation rel, const char *name, Oid want, bool required)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (att->atttypid != want)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of source \"%s\" is of type %s, not %s",
							name, RelationGetRelationName(rel),
							format_type_be(att->atttypid), format_type_be(want)),
					 errhint("Cast it in a view and import the view.")));
		return true;
	}
	if (required)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("source \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name),
				 errdetail("import_edges reads the columns follower bigint, followee bigint and, optionally, followed_at timestamptz.")));
	return false;
}

/*
 * Validate the source relation; return its quoted qualified name and
 * whether it has a followed_at column.
 */
static char *
CheckSource(Oid relid, bool *has_at)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	char		kind = rel->rd_rel->relkind;
	char	   *name;

	if (kind != RELKIND_RELATION && kind != RELKIND_VIEW &&
		kind != RELKIND_MATVIEW && kind != RELKIND_FOREIGN_TABLE &&
		kind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source \"%s\" is not a table or view",
						RelationGetRelationName(rel))));
	CheckSourceColumn(rel, "follower", INT8OID, true);
	CheckSourceColumn(rel, "followee", INT8OID, true);
	*has_at = CheckSourceColumn(rel, "followed_at", TIMESTAMPTZOID, false);
	name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
	relation_close(rel, NoLock);
	return name;
}

/*
 * Raise 22004 naming the first source row, in scan order, with a NULL id.
 */
static void
ReportNullRow(const char *src)
{
	StringInfoData sql;
	int64		rowno;
	bool		follower_null;
	bool		isnull;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT x.n, x.follower IS NULL FROM"
					 " (SELECT pg_catalog.row_number() OVER () AS n, s.follower, s.followee"
					 "  FROM %s AS s) AS x"
					 " WHERE x.follower IS NULL OR x.followee IS NULL"
					 " LIMIT 1", src);
	if (RunSql(sql.data, 0, NULL, NULL, SPI_OK_SELECT) != 1)
		elog(ERROR, "null id vanished from the import source");
	rowno = ResultInt64(0, 1);
	follower_null = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2, &isnull));
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("row " INT64_FORMAT " of source %s has a null %s",
					rowno, src, follower_null ? "follower" : "followee"),
			 errdetail("Rows are numbered in the order a scan of the source returns them. Nothing was imported.")));
}

/* Statements of import_edges(); pg_temp tables live until the call ends. */
static const char *const sql_drop_temp =
"DROP TABLE pg_temp.fg_import_stage, pg_temp.fg_import_new";

/*
 * Stage the distinct pairs with their earliest followed_at, how many source
 * rows gave each, and their rank in followed_at order (rn), which becomes
 * their seq.  %1$s: followed_at of a row; %2$s: the rank's leading sort key;
 * %3$s: the source.
 */
static const char *const sql_stage_fmt =
"CREATE TEMP TABLE fg_import_stage ON COMMIT DROP AS"
" SELECT s.follower, s.followee,"
"        pg_catalog.min(%1$s) AS followed_at,"
"        pg_catalog.count(*) AS n,"
"        pg_catalog.row_number() OVER (ORDER BY %2$s s.follower, s.followee) AS rn"
" FROM %3$s AS s GROUP BY s.follower, s.followee";

static const char *const sql_stage_stats =
"SELECT pg_catalog.count(*) FILTER (WHERE s.follower IS NULL OR s.followee IS NULL),"
"       pg_catalog.sum(s.n) FILTER (WHERE s.follower OPERATOR(pg_catalog.=) s.followee)"
"         ::pg_catalog.int8,"
"       pg_catalog.sum(s.n OPERATOR(pg_catalog.-) 1)"
"         FILTER (WHERE s.follower OPERATOR(pg_catalog.<>) s.followee)::pg_catalog.int8,"
"       pg_catalog.count(*) FILTER (WHERE s.follower OPERATOR(pg_catalog.<>) s.followee),"
"       pg_catalog.sum(s.n)::pg_catalog.int8,"
"       pg_catalog.count(*)"
" FROM pg_temp.fg_import_stage AS s";

static const char *const sql_count_existing =
"SELECT pg_catalog.count(*) FROM"
" (SELECT 1 FROM follow_graph.edge LIMIT $1) AS e";

/*
 * Lock the slots in slot order, then bump them as follow() does, so that a
 * REPEATABLE READ follow() of one of these pairs that started before we
 * commit fails with 40001 instead of counting from its old snapshot.
 */
static const char *const sql_lock_import_slots =
"WITH l AS ("
"  SELECT p.slot FROM follow_graph.pair_lock AS p"
"  WHERE p.slot IN (SELECT follow_graph.pair_slot(s.follower, s.followee)"
"                   FROM pg_temp.fg_import_stage AS s"
"                   WHERE s.follower OPERATOR(pg_catalog.<>) s.followee)"
"  ORDER BY p.slot FOR UPDATE OF p)"
" UPDATE follow_graph.pair_lock AS p SET n = p.n OPERATOR(pg_catalog.+) 1"
" FROM l WHERE p.slot OPERATOR(pg_catalog.=) l.slot";

static const char *const sql_create_new =
"CREATE TEMP TABLE fg_import_new (follower bigint, followee bigint, seq bigint)"
" ON COMMIT DROP";

/* Incremental plan: live indexes, seq from the sequence in followed_at order. */
static const char *const sql_insert_live =
"WITH ins AS ("
"  INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
"  SELECT o.follower, o.followee,"
"         pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"         o.followed_at"
"  FROM (SELECT s.follower, s.followee, s.followed_at"
"        FROM pg_temp.fg_import_stage AS s"
"        WHERE s.follower OPERATOR(pg_catalog.<>) s.followee"
"        ORDER BY s.rn) AS o"
"  ON CONFLICT (follower, followee) DO NOTHING"
"  RETURNING follower, followee, seq)"
" INSERT INTO pg_temp.fg_import_new SELECT * FROM ins";

/* Rebuild plan. */
static const char *const sql_lock_edge_shared =
"LOCK TABLE follow_graph.edge IN ROW EXCLUSIVE MODE";

static const char *const sql_lock_edge =
"LOCK TABLE follow_graph.edge IN ACCESS EXCLUSIVE MODE";

/*
 * With the edge table locked no single-pair writer is in flight, so the
 * slots can be bumped in any order; the bump is only there to make a
 * REPEATABLE READ import fail with 40001 if a writer committed after its
 * snapshot was taken.
 */
static const char *const sql_bump_all_slots =
"UPDATE follow_graph.pair_lock SET n = n OPERATOR(pg_catalog.+) 1";

static const char *const sql_edge_empty =
"SELECT NOT EXISTS (SELECT 1 FROM follow_graph.edge)";

static const char *const sql_drop_indexes =
"DROP INDEX follow_graph.edge_followee_follower, follow_graph.edge_followee_seq,"
" follow_graph.edge_follower_seq;"
" ALTER TABLE follow_graph.edge DROP CONSTRAINT edge_pkey";

/*
 * Reserve $1 values of the sequence.  Safe only while the edge table is
 * locked: every other caller of nextval() inserts an edge right away and
 * waits for the lock before it gets there.
 */
static const char *const sql_reserve_seq =
"SELECT pg_catalog.setval('follow_graph.edge_seq'::pg_catalog.regclass,"
"  pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass)"
"  OPERATOR(pg_catalog.+) $1 OPERATOR(pg_catalog.-) 1)"
"  OPERATOR(pg_catalog.-) $1 OPERATOR(pg_catalog.+) 1";

static const char *const sql_append_fmt =
"%s INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
"  SELECT s.follower, s.followee,"
"         s.rn OPERATOR(pg_catalog.+) $1 OPERATOR(pg_catalog.-) 1,"
"         s.followed_at"
"  FROM pg_temp.fg_import_stage AS s"
"  WHERE s.follower OPERATOR(pg_catalog.<>) s.followee %s"
"%s";

static const char *const sql_append_anti =
" AND NOT EXISTS (SELECT 1 FROM follow_graph.edge AS e"
"   WHERE e.follower OPERATOR(pg_catalog.=) s.follower"
"     AND e.followee OPERATOR(pg_catalog.=) s.followee)";

/* The four indexes, built one by one so that progress shows between them. */
static const char *const sql_build_indexes[] = {
	"ALTER TABLE follow_graph.edge ADD CONSTRAINT edge_pkey PRIMARY KEY (follower, followee)",
	"CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower)",
	"CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)",
	"CREATE INDEX edge_follower_seq ON follow_graph.edge (follower, seq)"
};

/*
 * Count changes of an import.  %1$s: the new edges (follower, followee);
 * %2$s: the new mutual pairs (lo, hi), each once; %3$s: the stripe to add
 * to; %4$s: what to do when that stripe exists.
 */
static const char *const sql_import_counts_fmt =
"WITH m AS MATERIALIZED (%2$s),"
" fr AS (SELECT x.followee AS account, pg_catalog.count(*) AS n FROM %1$s AS x GROUP BY 1),"
" fg AS (SELECT x.follower AS account, pg_catalog.count(*) AS n FROM %1$s AS x GROUP BY 1),"
" mu AS (SELECT y.account, pg_catalog.count(*) AS n"
"        FROM (SELECT m.lo AS account FROM m UNION ALL SELECT m.hi FROM m) AS y GROUP BY 1),"
" d AS ("
"  SELECT COALESCE(fr.account, fg.account) AS account,"
"         COALESCE(fr.n, 0) AS fr, COALESCE(fg.n, 0) AS fg, COALESCE(mu.n, 0) AS mu"
"  FROM fr FULL JOIN fg ON fg.account OPERATOR(pg_catalog.=) fr.account"
"  LEFT JOIN mu ON mu.account OPERATOR(pg_catalog.=) COALESCE(fr.account, fg.account))"
" INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals)"
" SELECT d.account, %3$s, d.fr, d.fg, d.mu"
" FROM d ORDER BY d.account %4$s";

/* Add to the lowest existing stripe of each account, or make stripe 0. */
static const char *const sql_counts_stripe_any =
"COALESCE((SELECT pg_catalog.min(k.stripe) FROM follow_graph.counter AS k"
"          WHERE k.account OPERATOR(pg_catalog.=) d.account), 0)";

static const char *const sql_counts_upsert =
" ON CONFLICT (account, stripe) DO UPDATE"
" SET followers = c.followers OPERATOR(pg_catalog.+) excluded.followers,"
"     following = c.following OPERATOR(pg_catalog.+) excluded.following,"
"     mutuals = c.mutuals OPERATOR(pg_catalog.+) excluded.mutuals";

/*
 * Is the counter table empty?  Asked only with the edge table locked, when
 * no single-pair writer can reach the counters.
 */
static const char *const sql_counter_empty =
"SELECT NOT EXISTS (SELECT 1 FROM follow_graph.counter)";

/* All new edges, graph empty before: a pair is mutual if both directions came. */
static const char *const sql_new_all =
"(SELECT s.follower, s.followee FROM pg_temp.fg_import_stage AS s"
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee)";

static const char *const sql_mutual_all =
"SELECT s.follower AS lo, s.followee AS hi"
" FROM pg_temp.fg_import_stage AS s JOIN pg_temp.fg_import_stage AS r"
"   ON r.follower OPERATOR(pg_catalog.=) s.followee"
"  AND r.followee OPERATOR(pg_catalog.=) s.follower"
" WHERE s.follower OPERATOR(pg_catalog.<) s.followee"
"   AND r.follower OPERATOR(pg_catalog.>) r.followee";

/*
 * Graph not empty before: a new edge whose reverse is old makes a mutual
 * pair; when the reverse is new too (seq from this import, $1 = its first
 * value), the lower follower's edge counts the pair.
 */
static const char *const sql_new_some = "pg_temp.fg_import_new";

static const char *const sql_mutual_some =
"SELECT n.follower AS lo, n.followee AS hi FROM pg_temp.fg_import_new AS n"
" JOIN follow_graph.edge AS e"
"   ON e.follower OPERATOR(pg_catalog.=) n.followee"
"  AND e.followee OPERATOR(pg_catalog.=) n.follower"
" WHERE e.seq OPERATOR(pg_catalog.<) $1"
"    OR n.follower OPERATOR(pg_catalog.<) n.followee";

/*
 * follow_graph.pair_slot(a, b): the pair_lock slot of the pair {a,b}.
 */
Datum
fg_pair_slot(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(FgPairSlot(PG_GETARG_INT64(0), PG_GETARG_INT64(1)));
}

/*
 * Insert the staged edges with the indexes dropped and built again; the
 * graph is locked.  Returns the number of new edges and their first seq.
 */
static int64
AppendRebuild(int64 groups, bool empty, int64 *first_seq,
			  FgImportClock *clock)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	StringInfoData sql;
	int64		added;

	RunSql(sql_drop_indexes, 0, NULL, NULL, SPI_OK_UTILITY);
	values[0] = Int64GetDatum(groups);
	RunSql(sql_reserve_seq, 1, types, values, SPI_OK_SELECT);
	*first_seq = ResultInt64(0, 1);

	values[0] = Int64GetDatum(*first_seq);
	initStringInfo(&sql);
	if (empty)
		appendStringInfo(&sql, sql_append_fmt, "", "", "");
	else
		appendStringInfo(&sql, sql_append_fmt, "WITH ins AS (", sql_append_anti,
						 " RETURNING follower, followee, seq)"
						 " INSERT INTO pg_temp.fg_import_new SELECT * FROM ins");
	added = (int64) RunSql(sql.data, 1, types, values, SPI_OK_INSERT);
	ImportProgress(clock, "appended new edges", added);

	for (size_t i = 0; i < lengthof(sql_build_indexes); i++)
	{
		RunSql(sql_build_indexes[i], 0, NULL, NULL, SPI_OK_UTILITY);
		ImportProgress(clock, i == 0 ? "built the primary key" : "built an index", added);
	}
	return added;
}

/*
 * Insert the staged edges through the live indexes.  Returns the number of
 * new edges and the smallest seq they got.
 */
static int64
InsertLive(int64 *first_seq, FgImportClock *clock)
{
	int64		added;

	added = (int64) RunSql(sql_insert_live, 0, NULL, NULL, SPI_OK_INSERT);
	ImportProgress(clock, "inserted new edges", added);
	RunSql("SELECT pg_catalog.min(n.seq) FROM pg_temp.fg_import_new AS n",
		   0, NULL, NULL, SPI_OK_SELECT);
	*first_seq = ResultInt64(0, 1);
	return added;
}

/*
 * import_edges(source regclass): load every edge of a table or view; returns
 * the number of new edges.
 */
Datum
fg_import_edges(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *src;
	bool		has_at;
	StringInfoData sql;
	FgImportClock clock;
	int64		null_groups;
	int64		self_rows;
	int64		dup_rows;
	int64		candidates;
	int64		source_rows;
	int64		groups;
	int64		added = 0;
	int64		first_seq = 0;
	bool		empty = false;
	bool		isnull;
	Oid			save_userid;
	int			save_sec_context;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be null")));
	relid = PG_GETARG_OID(0);
	src = CheckSource(relid, &has_at);
	clock.start = clock.phase = GetCurrentTimestamp();

	SPI_connect();

	/* Read the source with the caller's rights: deduplicated, counted. */
	initStringInfo(&sql);
	appendStringInfo(&sql, sql_stage_fmt,
					 has_at ? "COALESCE(s.followed_at, pg_catalog.now())"
					 : "pg_catalog.now()",
					 has_at ? "pg_catalog.min(COALESCE(s.followed_at, pg_catalog.now()))," : "",
					 src);
	RunSql(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
	RunSql(sql_stage_stats, 0, NULL, NULL, SPI_OK_SELECT);
	null_groups = ResultInt64(0, 1);
	self_rows = ResultInt64(0, 2);
	dup_rows = ResultInt64(0, 3);
	candidates = ResultInt64(0, 4);
	source_rows = ResultInt64(0, 5);
	groups = ResultInt64(0, 6);
	if (null_groups > 0)
		ReportNullRow(src);
	ImportProgress(&clock, "read and deduplicated the source", source_rows);

	/* From here on, write as the owner of the storage. */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(StorageOwner(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	RunSql(sql_create_new, 0, NULL, NULL, SPI_OK_UTILITY);

	if (candidates > 0)
	{
		bool		rebuild = false;
		Oid			types[1] = {INT8OID};
		Datum		values[1];

		if (candidates >= FG_IMPORT_REBUILD_MIN)
		{
			values[0] = Int64GetDatum(candidates);
			RunSql(sql_count_existing, 1, types, values, SPI_OK_SELECT);
			rebuild = ResultInt64(0, 1) < candidates;
		}
		if (rebuild)
		{
			RunSql(sql_lock_edge, 0, NULL, NULL, SPI_OK_UTILITY);
			RunSql(sql_bump_all_slots, 0, NULL, NULL, SPI_OK_UPDATE);
		}
		else
		{
			/*
			 * Take the table lock the insert needs before the slots, so that
			 * a concurrent rebuild-plan import, which locks the table and
			 * then every slot, waits for us instead of deadlocking.
			 */
			RunSql(sql_lock_edge_shared, 0, NULL, NULL, SPI_OK_UTILITY);
			RunSql(sql_lock_import_slots, 0, NULL, NULL, SPI_OK_UPDATE);
		}
		if (rebuild)
		{
			RunSql(sql_edge_empty, 0, NULL, NULL, SPI_OK_SELECT);
			empty = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1,
											   &isnull));
			added = AppendRebuild(groups, empty, &first_seq, &clock);
		}
		else
			added = InsertLive(&first_seq, &clock);

		if (added > 0)
		{
			bool		fresh = false;

			/* A first load into empty storage can skip the upsert. */
			if (empty)
			{
				RunSql(sql_counter_empty, 0, NULL, NULL, SPI_OK_SELECT);
				fresh = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1,
												   &isnull));
			}
			resetStringInfo(&sql);
			appendStringInfo(&sql, sql_import_counts_fmt,
							 empty ? sql_new_all : sql_new_some,
							 empty ? sql_mutual_all : sql_mutual_some,
							 fresh ? "0" : sql_counts_stripe_any,
							 fresh ? "" : sql_counts_upsert);
			values[0] = Int64GetDatum(first_seq);
			RunSql(sql.data, empty ? 0 : 1, types, values, SPI_OK_INSERT);
			ImportProgress(&clock, "updated the counts of accounts", SPI_processed);
		}
	}
	RunSql(sql_drop_temp, 0, NULL, NULL, SPI_OK_UTILITY);

	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();

	ereport(NOTICE,
			(errmsg("import_edges: " INT64_FORMAT " new edges from " INT64_FORMAT " source rows",
					added, source_rows),
			 errdetail("Skipped " INT64_FORMAT " already existing, " INT64_FORMAT " duplicate and " INT64_FORMAT " self-follow rows.",
					   candidates - added, dup_rows, self_rows)));
	PG_RETURN_INT64(added);
}

/* Statements of remove_account(). */
static const char *const sql_lock_account_slots =
"WITH l AS ("
"  SELECT p.slot FROM follow_graph.pair_lock AS p"
"  WHERE p.slot IN ("
"    SELECT follow_graph.pair_slot(e.follower, e.followee) FROM follow_graph.edge AS e"
"    WHERE e.follower OPERATOR(pg_catalog.=) $1"
"    UNION"
"    SELECT follow_graph.pair_slot(e.follower, e.followee) FROM follow_graph.edge AS e"
"    WHERE e.followee OPERATOR(pg_catalog.=) $1)"
"  ORDER BY p.slot FOR UPDATE OF p)"
" UPDATE follow_graph.pair_lock AS p SET n = p.n OPERATOR(pg_catalog.+) 1"
" FROM l WHERE p.slot OPERATOR(pg_catalog.=) l.slot RETURNING p.slot";

/*
 * Delete the account's edges in the locked slots ($2, a bitmap) and apply
 * every count change, counterparts in account order.  Returns the number of
 * edges deleted.
 */
static const char *const sql_remove_edges =
"WITH d AS ("
"  DELETE FROM follow_graph.edge AS e"
"  WHERE (e.follower OPERATOR(pg_catalog.=) $1 OR e.followee OPERATOR(pg_catalog.=) $1)"
"    AND pg_catalog.get_bit($2, follow_graph.pair_slot(e.follower, e.followee))"
"        OPERATOR(pg_catalog.=) 1"
"  RETURNING e.follower, e.followee),"
" per AS ("
"  SELECT CASE WHEN d.follower OPERATOR(pg_catalog.=) $1 THEN d.followee"
"              ELSE d.follower END AS x,"
"         pg_catalog.bool_or(d.follower OPERATOR(pg_catalog.=) $1) AS out_e,"
"         pg_catalog.bool_or(d.followee OPERATOR(pg_catalog.=) $1) AS in_e"
"  FROM d GROUP BY 1),"
" delta AS ("
"  SELECT per.x AS account,"
"         OPERATOR(pg_catalog.-) per.out_e::pg_catalog.int4::pg_catalog.int8 AS fr,"
"         OPERATOR(pg_catalog.-) per.in_e::pg_catalog.int4::pg_catalog.int8 AS fg,"
"         OPERATOR(pg_catalog.-) (per.out_e AND per.in_e)::pg_catalog.int4::pg_catalog.int8 AS mu"
"  FROM per"
"  UNION ALL"
"  SELECT $1,"
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.in_e),"
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.out_e),"
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.in_e AND per.out_e)"
"  FROM per),"
" up AS ("
"  INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals)"
"  SELECT delta.account,"
"         COALESCE((SELECT pg_catalog.min(k.stripe) FROM follow_graph.counter AS k"
"                              WHERE k.account OPERATOR(pg_catalog.=) delta.account), 0),"
"         delta.fr, delta.fg, delta.mu"
"  FROM delta"
"  WHERE delta.fr OPERATOR(pg_catalog.<>) 0 OR delta.fg OPERATOR(pg_catalog.<>) 0"
"  ORDER BY delta.account"
"  ON CONFLICT (account, stripe) DO UPDATE"
"  SET followers = c.followers OPERATOR(pg_catalog.+) excluded.followers,"
"      following = c.following OPERATOR(pg_catalog.+) excluded.following,"
"      mutuals = c.mutuals OPERATOR(pg_catalog.+) excluded.mutuals"
"  RETURNING 1)"
" SELECT pg_catalog.count(*) FROM d";

/*
 * remove_account(account): remove every edge to and from an account and fix
 * every counterpart's counts; returns the number of edges removed.
 */
Datum
fg_remove_account(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	Oid			types[2] = {INT8OID, BYTEAOID};
	Datum		values[2];
	bytea	   *bitmap;
	uint64		nslots;
	int64		removed = 0;

	SPI_connect();
	values[0] = Int64GetDatum(account);

	/*
	 * Lock the slots of every pair the account is part of.  Only the edges
	 * in those slots are removed: an edge made by a follow() that commits
	 * while this runs, in a pair that had no edge when we looked, comes
	 * after the removal and keeps its counts.
	 */
	nslots = RunSql(sql_lock_account_slots, 1, types, values, SPI_OK_UPDATE_RETURNING);
	if (nslots > 0)
	{
		bitmap = (bytea *) palloc0(VARHDRSZ + FG_SLOT_BITMAP_BYTES);
		SET_VARSIZE(bitmap, VARHDRSZ + FG_SLOT_BITMAP_BYTES);
		for (uint64 i = 0; i < nslots; i++)
		{
			bool		isnull;
			int32		slot = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc,
														   1, &isnull));

			if (slot < 0 || slot >= FG_PAIR_SLOTS)
				elog(ERROR, "pair_lock slot %d out of range", slot);
			((unsigned char *) VARDATA(bitmap))[slot / 8] |= (unsigned char) (1 << (slot % 8));
		}
		values[1] = PointerGetDatum(bitmap);
		RunSql(sql_remove_edges, 2, types, values, SPI_OK_SELECT);
		removed = ResultInt64(0, 1);
	}
	SPI_finish();
	PG_RETURN_INT64(removed);
}
