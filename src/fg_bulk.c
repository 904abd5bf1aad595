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
 * import_edges() reads its source once with the caller's rights, under
 * SECURITY_RESTRICTED_OPERATION, into a tuplestore of distinct pairs (with
 * how many source rows gave each and its rank in followed_at order, the
 * future seq), then writes as the owner of the storage.  The owner's SQL
 * reads the pairs, and later the new edges, as ephemeral named relations
 * (as trigger transition tables are read): memory of this backend that no
 * SQL object stands for, so the caller has nothing to alter, replace or
 * attach code to, and no catalog object is created.  Nothing the caller owns
 * or could have changed is ever read or run with the owner's rights.
 *
 * It has two plans.  The incremental one inserts through the live indexes
 * and blocks only the follow() calls whose pair shares a slot with an
 * imported pair.  When the import is at least FG_IMPORT_REBUILD_MIN edges
 * and larger than the graph it joins, it locks the edge table (reads
 * included), drops the four indexes, appends the rows and builds the indexes
 * again, several times faster than maintaining them row by row.
 *
 * Lock order of an import (a writer that can end up asking for ACCESS
 * EXCLUSIVE must not hold a weaker lock another such writer waits behind):
 *	1. SHARE UPDATE EXCLUSIVE on follow_graph.edge, before anything else
 *	   touches the table (the source may be a view over it).  It conflicts
 *	   with itself, so imports choose their plan one at a time and the
 *	   upgrade to ACCESS EXCLUSIVE never meets another import holding ACCESS
 *	   SHARE; it does not conflict with follow(), unfollow() or the readers
 *	   (ROW EXCLUSIVE, ACCESS SHARE).  A transaction that already holds a
 *	   weaker lock on the table (it read or wrote the graph earlier) takes
 *	   it only if it is free, and else imports incrementally without it, so
 *	   that it never waits while holding what a rebuilding import waits for.
 *	2. The rebuild plan: ACCESS EXCLUSIVE on follow_graph.edge next, before
 *	   any row or other storage lock (pair_lock slots, counter).
 *	   The incremental plan: ROW EXCLUSIVE on follow_graph.edge, then the
 *	   pair_lock slots in slot order.
 *	3. follow_graph.counter (ROW EXCLUSIVE) last.
 *
 * Count changes go to one existing stripe of each account (the lowest
 * numbered one), or a new stripe 0, in account order.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tupdesc.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/params.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

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

/* Names of the ephemeral relations the owner's SQL of an import reads. */
#define FG_IMPORT_STAGE		"fg_import_stage"	/* distinct source pairs */
#define FG_IMPORT_NEW		"fg_import_new" /* edges the import added */

/* Timing of one import_edges() call, for its progress notices. */
typedef struct FgImportClock
{
	TimestampTz start;
	TimestampTz phase;
} FgImportClock;

/* What the read of an import's source found. */
typedef struct FgImportStats
{
	int64		null_groups;	/* groups with a NULL follower or followee */
	int64		self_rows;		/* source rows with follower = followee */
	int64		dup_rows;		/* source rows repeating a staged pair */
	int64		candidates;		/* distinct pairs, self-follows excluded */
	int64		source_rows;	/* every row of the source */
	int64		groups;			/* distinct pairs, self-follows included */
} FgImportStats;

/*
 * Receiver of the caller-rights read of the source: counts what it sees and
 * stages the distinct pairs that can become edges.
 */
typedef struct FgStageReceiver
{
	DestReceiver pub;
	Tuplestorestate *store;
	TupleDesc	desc;			/* of the staged rows */
	FgImportStats stats;
} FgStageReceiver;

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
			(errmsg("%s: " INT64_FORMAT " rows in %.1f s (%.1f s so far)",
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
 * The owner of follow_graph's storage (of the edge table relid), whose rights
 * the bulk writers use once they have read their input with the caller's.
 */
static Oid
StorageOwner(Oid relid)
{
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
 * Runs with the caller's rights, as the read of the source did.
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
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source %s has a null follower or followee", src),
				 errdetail("A second read of the source found no such row. Nothing was imported.")));
	rowno = ResultInt64(0, 1);
	follower_null = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2, &isnull));
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("row " INT64_FORMAT " of source %s has a null %s",
					rowno, src, follower_null ? "follower" : "followee"),
			 errdetail("Rows are numbered in the order a scan of the source returns them. Nothing was imported.")));
}

/*
 * Read the source: the distinct pairs with their earliest followed_at, how
 * many source rows gave each, and their rank in followed_at order (rn),
 * which becomes their seq.  %1$s: followed_at of a row; %2$s: the rank's
 * leading sort key; %3$s: the source.  Runs with the caller's rights.
 */
static const char *const sql_read_source_fmt =
"SELECT s.follower, s.followee,"
"       pg_catalog.min(%1$s) AS followed_at,"
"       pg_catalog.count(*) AS n,"
"       pg_catalog.row_number() OVER (ORDER BY %2$s s.follower, s.followee) AS rn"
" FROM %3$s AS s GROUP BY s.follower, s.followee";

/* Columns of the read above. */
#define FG_READ_FOLLOWER	0
#define FG_READ_FOLLOWEE	1
#define FG_READ_AT			2
#define FG_READ_N			3
#define FG_READ_RN			4
#define FG_READ_NATTS		5

/*
 * The rest runs with the owner's rights and reads the staged pairs as the
 * ephemeral relation fg_import_stage (follower, followee, followed_at, rn),
 * self-follows excluded, and the new edges as fg_import_new (follower,
 * followee, seq).  Both are referred to unqualified: a registered ephemeral
 * relation is found before any table, so a relation of that name the caller
 * put in pg_temp is never read.
 */
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
"                   FROM fg_import_stage AS s"
"                   WHERE s.follower OPERATOR(pg_catalog.<>) s.followee)"
"  ORDER BY p.slot FOR UPDATE OF p)"
" UPDATE follow_graph.pair_lock AS p SET n = p.n OPERATOR(pg_catalog.+) 1"
" FROM l WHERE p.slot OPERATOR(pg_catalog.=) l.slot";

/*
 * Incremental plan: live indexes, seq from the sequence in followed_at
 * order; the new edges go to fg_import_new.
 */
static const char *const sql_insert_live =
"INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
" SELECT o.follower, o.followee,"
"        pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"        o.followed_at"
" FROM (SELECT s.follower, s.followee, s.followed_at"
"       FROM fg_import_stage AS s"
"       WHERE s.follower OPERATOR(pg_catalog.<>) s.followee"
"       ORDER BY s.rn) AS o"
" ON CONFLICT (follower, followee) DO NOTHING"
" RETURNING follower, followee, seq";

static const char *const sql_min_new_seq =
"SELECT pg_catalog.min(n.seq) FROM fg_import_new AS n";

/* Incremental plan: taken before the slots (see the lock order above). */
static const char *const sql_lock_edge_shared =
"LOCK TABLE follow_graph.edge IN ROW EXCLUSIVE MODE";

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

/* Rebuild plan: %1$s is sql_append_anti when the graph was not empty. */
static const char *const sql_append_fmt =
"INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
" SELECT s.follower, s.followee,"
"        s.rn OPERATOR(pg_catalog.+) $1 OPERATOR(pg_catalog.-) 1,"
"        s.followed_at"
" FROM fg_import_stage AS s"
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee %1$s";

static const char *const sql_append_anti =
" AND NOT EXISTS (SELECT 1 FROM follow_graph.edge AS e"
"   WHERE e.follower OPERATOR(pg_catalog.=) s.follower"
"     AND e.followee OPERATOR(pg_catalog.=) s.followee)"
" RETURNING follower, followee, seq";

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
"(SELECT s.follower, s.followee FROM fg_import_stage AS s"
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee)";

static const char *const sql_mutual_all =
"SELECT s.follower AS lo, s.followee AS hi"
" FROM fg_import_stage AS s JOIN fg_import_stage AS r"
"   ON r.follower OPERATOR(pg_catalog.=) s.followee"
"  AND r.followee OPERATOR(pg_catalog.=) s.follower"
" WHERE s.follower OPERATOR(pg_catalog.<) s.followee"
"   AND r.follower OPERATOR(pg_catalog.>) r.followee";

/*
 * Graph not empty before: a new edge whose reverse is old makes a mutual
 * pair; when the reverse is new too (seq from this import, $1 = its first
 * value), the lower follower's edge counts the pair.
 */
static const char *const sql_new_some = "fg_import_new";

static const char *const sql_mutual_some =
"SELECT n.follower AS lo, n.followee AS hi FROM fg_import_new AS n"
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
 * A tuple descriptor of bigint columns (and one timestamptz column at
 * position at_col, if at_col > 0), named as given.
 */
static TupleDesc
MakeDesc(int natts, const char *const *names, int at_col)
{
	TupleDesc	desc = CreateTemplateTupleDesc(natts);

	for (int i = 0; i < natts; i++)
		TupleDescInitEntry(desc, (AttrNumber) (i + 1), names[i],
						   i + 1 == at_col ? TIMESTAMPTZOID : INT8OID, -1, 0);
	return desc;
}

/*
 * Make a tuplestore visible to the SQL of the current SPI connection as the
 * ephemeral relation name.
 */
static void
RegisterStore(const char *name, Tuplestorestate *store, TupleDesc desc,
			  int64 ntuples)
{
	EphemeralNamedRelation enr = palloc0(sizeof(EphemeralNamedRelationData));
	int			rc;

	enr->md.name = pstrdup(name);
	enr->md.reliddesc = InvalidOid;
	enr->md.tupdesc = desc;
	enr->md.enrtype = ENR_NAMED_TUPLESTORE;
	enr->md.enrtuples = (double) ntuples;
	enr->reldata = store;
	rc = SPI_register_relation(enr);
	if (rc != SPI_OK_REL_REGISTER)
		elog(ERROR, "SPI_register_relation failed: %s", SPI_result_code_string(rc));
}

/* Start of the read: nothing to set up. */
static void
StageStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

/*
 * One row of the read: count it, and stage it if it can become an edge.
 * NULL ids are only counted; the caller reports them before anything is
 * written.
 */
static bool
StageReceive(TupleTableSlot *slot, DestReceiver *self)
{
	FgStageReceiver *r = (FgStageReceiver *) self;
	FgImportStats *st = &r->stats;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		n;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	Assert(slot->tts_tupleDescriptor->natts == FG_READ_NATTS);
	Assert(!slot->tts_isnull[FG_READ_N] && !slot->tts_isnull[FG_READ_RN]);
	n = DatumGetInt64(slot->tts_values[FG_READ_N]);
	st->groups++;
	st->source_rows += n;
	if (slot->tts_isnull[FG_READ_FOLLOWER] || slot->tts_isnull[FG_READ_FOLLOWEE])
	{
		st->null_groups++;
		return true;
	}
	values[0] = slot->tts_values[FG_READ_FOLLOWER];
	values[1] = slot->tts_values[FG_READ_FOLLOWEE];
	if (DatumGetInt64(values[0]) == DatumGetInt64(values[1]))
	{
		st->self_rows += n;
		return true;
	}
	st->dup_rows += n - 1;
	st->candidates++;
	values[2] = slot->tts_values[FG_READ_AT];
	nulls[2] = slot->tts_isnull[FG_READ_AT];
	values[3] = slot->tts_values[FG_READ_RN];
	tuplestore_putvalues(r->store, r->desc, values, nulls);
	return true;
}

/* End of the read: nothing to release. */
static void
StageShutdown(DestReceiver *self)
{
}

/* The receiver lives as long as the import: nothing to free here. */
static void
StageDestroy(DestReceiver *self)
{
}

/*
 * Read the source with the caller's rights into a new tuplestore of the
 * pairs that can become edges, under SECURITY_RESTRICTED_OPERATION and with
 * every setting the source's code changes undone afterwards.  Reports a NULL
 * id as an error.  The store and its rows live in cxt.
 */
static Tuplestorestate *
ReadSource(const char *src, bool has_at, MemoryContext cxt,
		   TupleDesc *desc, FgImportStats *stats)
{
	static const char *const names[] = {"follower", "followee", "followed_at", "rn"};
	FgStageReceiver *r;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SPIExecuteOptions options;
	StringInfoData sql;
	Oid			userid;
	int			sec_context;
	int			nestlevel;
	int			rc;

	r = palloc0(sizeof(FgStageReceiver));
	r->pub.receiveSlot = StageReceive;
	r->pub.rStartup = StageStartup;
	r->pub.rShutdown = StageShutdown;
	r->pub.rDestroy = StageDestroy;
	r->pub.mydest = DestTuplestore;
	r->desc = MakeDesc(4, names, 3);
	r->store = tuplestore_begin_heap(false, false, work_mem);
	MemoryContextSwitchTo(old);

	initStringInfo(&sql);
	appendStringInfo(&sql, sql_read_source_fmt,
					 has_at ? "COALESCE(s.followed_at, pg_catalog.now())"
					 : "pg_catalog.now()",
					 has_at ? "pg_catalog.min(COALESCE(s.followed_at, pg_catalog.now()))," : "",
					 src);

	GetUserIdAndSecContext(&userid, &sec_context);
	SetUserIdAndSecContext(userid, sec_context | SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();

	memset(&options, 0, sizeof(options));
	options.dest = (DestReceiver *) r;
	rc = SPI_execute_extended(sql.data, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
	if (r->stats.null_groups > 0)
		ReportNullRow(src);

	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(userid, sec_context);

	*desc = r->desc;
	*stats = r->stats;
	return r->store;
}

/*
 * Run one INSERT ... RETURNING follower, followee, seq with the bigint
 * parameters given, its rows going into store.  Returns the rows inserted.
 */
static uint64
RunSqlInto(const char *sql, int nargs, Datum *values,
		   Tuplestorestate *store, MemoryContext cxt)
{
	Oid			types[1] = {INT8OID};
	SPIPlanPtr	plan;
	SPIExecuteOptions options;
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	int			rc;

	Assert(nargs <= (int) lengthof(types));
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SetTuplestoreDestReceiverParams(dest, store, cxt, false, NULL, NULL);
	memset(&options, 0, sizeof(options));
	if (nargs > 0)
	{
		ParamListInfo params = makeParamList(nargs);

		for (int i = 0; i < nargs; i++)
		{
			params->params[i].value = values[i];
			params->params[i].isnull = false;
			params->params[i].pflags = PARAM_FLAG_CONST;
			params->params[i].ptype = types[i];
		}
		options.params = params;
	}
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	SPI_freeplan(plan);
	dest->rDestroy(dest);
	return SPI_processed;
}

/*
 * Insert the staged edges with the indexes dropped and built again; the
 * graph is locked.  When it was not empty, the new edges go to store.
 * Returns the number of new edges and their first seq.
 */
static int64
AppendRebuild(int64 groups, bool empty, Tuplestorestate *store,
			  MemoryContext cxt, int64 *first_seq, FgImportClock *clock)
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
	appendStringInfo(&sql, sql_append_fmt, empty ? "" : sql_append_anti);
	if (empty)
		added = (int64) RunSql(sql.data, 1, types, values, SPI_OK_INSERT);
	else
		added = (int64) RunSqlInto(sql.data, 1, values, store, cxt);
	ImportProgress(clock, "appended new edges", added);

	for (size_t i = 0; i < lengthof(sql_build_indexes); i++)
	{
		RunSql(sql_build_indexes[i], 0, NULL, NULL, SPI_OK_UTILITY);
		ImportProgress(clock, i == 0 ? "built the primary key" : "built an index", added);
	}
	return added;
}

/*
 * Insert the staged edges through the live indexes, the new ones going to
 * store.  Returns the number of new edges; the smallest seq they got is
 * read once store is registered.
 */
static int64
InsertLive(Tuplestorestate *store, MemoryContext cxt, FgImportClock *clock)
{
	int64		added;

	added = (int64) RunSqlInto(sql_insert_live, 0, NULL, store, cxt);
	ImportProgress(clock, "inserted new edges", added);
	return added;
}

/*
 * Lock follow_graph.edge for an import, first of all its locks on the
 * storage (see the lock order at the top of the file), resolving the name
 * with the lock taken.  Returns the table's OID; *may_rebuild says whether
 * the import may take ACCESS EXCLUSIVE for the rebuild plan.
 */
static Oid
LockEdgesForImport(bool *may_rebuild)
{
	Oid			relid = FgRelationId(FG_EDGE_TABLE);
	LOCKTAG		tag;
	bool		weak = false;

	/*
	 * A lock this transaction already holds (it read or wrote the graph
	 * before) is never given up.  SHARE UPDATE EXCLUSIVE or stronger keeps
	 * other imports out already.  A weaker one must not wait for an import
	 * that may be about to ask for ACCESS EXCLUSIVE, which would wait for it
	 * in turn: take our lock only if it is free, else import incrementally.
	 */
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE mode = ShareUpdateExclusiveLock; mode <= AccessExclusiveLock; mode++)
		if (FgLockHeldByMe(&tag, mode))
		{
			*may_rebuild = true;
			return relid;
		}
	for (LOCKMODE mode = AccessShareLock; mode < ShareUpdateExclusiveLock; mode++)
		weak |= FgLockHeldByMe(&tag, mode);
	if (weak)
	{
		*may_rebuild = ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock);
		return relid;
	}

	relid = RangeVarGetRelidExtended(makeRangeVar(FG_SCHEMA, FG_EDGE_TABLE, -1),
									 ShareUpdateExclusiveLock, RVR_MISSING_OK,
									 NULL, NULL);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("follow_graph storage relation \"%s\" does not exist",
						FG_EDGE_TABLE),
				 errhint("Run CREATE EXTENSION follow_graph in this database.")));
	*may_rebuild = true;
	return relid;
}

/*
 * import_edges(source regclass): load every edge of a table or view; returns
 * the number of new edges.
 */
Datum
fg_import_edges(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			edge_relid;
	Oid			owner;
	char	   *src;
	bool		has_at;
	bool		may_rebuild;
	StringInfoData sql;
	FgImportClock clock;
	FgImportStats st;
	MemoryContext cxt;
	Tuplestorestate *stage;
	Tuplestorestate *added_store = NULL;
	TupleDesc	stage_desc;
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
	edge_relid = LockEdgesForImport(&may_rebuild);
	owner = StorageOwner(edge_relid);
	src = CheckSource(relid, &has_at);
	clock.start = clock.phase = GetCurrentTimestamp();
	cxt = AllocSetContextCreate(CurrentMemoryContext, "import_edges stage",
								ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Read the source with the caller's rights: deduplicated, counted. */
	stage = ReadSource(src, has_at, cxt, &stage_desc, &st);
	ImportProgress(&clock, "read and deduplicated the source", st.source_rows);

	/*
	 * From here on, write as the owner of the storage, restricted as
	 * PostgreSQL's own maintenance commands are when they run as a table's
	 * owner; only our own SQL runs, over storage and ephemeral relations.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	RegisterStore(FG_IMPORT_STAGE, stage, stage_desc, st.candidates);

	if (st.candidates > 0)
	{
		static const char *const new_names[] = {"follower", "followee", "seq"};
		bool		rebuild = false;
		MemoryContext old;
		Oid			types[1] = {INT8OID};
		Datum		values[1];

		/*
		 * The count and the choice are stable: no other import can change
		 * the graph's size in between (our SHARE UPDATE EXCLUSIVE), and
		 * single-pair writers change it by a few edges at most.
		 */
		if (st.candidates >= FG_IMPORT_REBUILD_MIN && may_rebuild)
		{
			values[0] = Int64GetDatum(st.candidates);
			RunSql(sql_count_existing, 1, types, values, SPI_OK_SELECT);
			rebuild = ResultInt64(0, 1) < st.candidates;
		}
		if (rebuild)
		{
			LockRelationOid(edge_relid, AccessExclusiveLock);
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

		old = MemoryContextSwitchTo(cxt);
		added_store = tuplestore_begin_heap(false, false, work_mem);
		MemoryContextSwitchTo(old);
		if (rebuild)
		{
			RunSql(sql_edge_empty, 0, NULL, NULL, SPI_OK_SELECT);
			empty = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1,
											   &isnull));
			added = AppendRebuild(st.groups, empty, added_store, cxt,
								  &first_seq, &clock);
		}
		else
			added = InsertLive(added_store, cxt, &clock);
		if (!empty)
		{
			RegisterStore(FG_IMPORT_NEW, added_store, MakeDesc(3, new_names, 0),
						  added);
			if (!rebuild && added > 0)
			{
				RunSql(sql_min_new_seq, 0, NULL, NULL, SPI_OK_SELECT);
				first_seq = ResultInt64(0, 1);
			}
		}

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
			initStringInfo(&sql);
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

	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	tuplestore_end(stage);
	if (added_store != NULL)
		tuplestore_end(added_store);
	MemoryContextDelete(cxt);

	ereport(NOTICE,
			(errmsg("imported " INT64_FORMAT " new edges from " INT64_FORMAT " source rows",
					added, st.source_rows),
			 errdetail("Skipped " INT64_FORMAT " already existing, " INT64_FORMAT " duplicate and " INT64_FORMAT " self-follow rows.",
					   st.candidates - added, st.dup_rows, st.self_rows)));
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
