/*
 * fg_bulk.c
 *		Writes at scale: import_edges() loads a table of edges set-based and
 *		remove_account() removes every edge of one account.
 *
 * Both keep the counts exact against concurrent follow() and unfollow() with
 * the protocol of fg_write.c, made set-based.  A single-pair writer changes
 * an edge and reads its reverse inside a critical section that holds
 * RowExclusiveLock on follow_graph.pair_gate.  A bulk writer takes
 * ShareRowExclusiveLock on pair_gate instead, which excludes every
 * single-pair section and every other bulk writer, for its set-based phase
 * only, and releases it before commit:
 *
 *	1. with a dirty snapshot, look for another transaction still changing
 *	   one of the edges it is about to change (an import: the staged pairs
 *	   and their reverses; a removal: the account's edges being deleted).
 *	   If there is one, release the gate, wait for those transactions and
 *	   start again, so that nothing waits for a transaction while the gate
 *	   is held;
 *	2. change the edges in one statement, and find what its count deltas
 *	   must take into account: an import counts from the settled graph; a
 *	   removal notes each surviving edge of the account, made by a
 *	   transaction still in progress or committed after its statement
 *	   began, whose reverse it has just deleted;
 *	3. release the gate, then (a removal) wait for each transaction noted and,
 *	   if its edge exists for good, remove that edge too with its counts and
 *	   the mutual its maker counted.
 *
 * Count changes go to a counter stripe nobody else holds (FOR UPDATE SKIP
 * LOCKED) or to a new stripe, so a bulk writer never waits for a stripe held
 * by a follow() that may be waiting for it.  A follow() waits for the gate
 * only during a bulk writer's set-based phase, and for the bulk writer's
 * transaction only when it touches a pair the bulk writer changed.  Under
 * REPEATABLE READ and SERIALIZABLE, a bulk writer whose snapshot does not see
 * the edges it changes or counts from as they are fails with 40001.
 *
 * remove_account() removes the account's edges visible to its statement, and
 * then each edge made meanwhile in a pair that had an edge (it waits for the
 * maker's outcome): no pair it found keeps an edge.  An edge made meanwhile
 * by a follow() of a pair that had none comes after the removal and keeps
 * its own, already counted, contribution.
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
 * under the protocol above.  When the import is at least
 * FG_IMPORT_REBUILD_MIN edges and larger than the graph it joins, it locks
 * the edge table (reads included) until commit, drops the four indexes,
 * appends the rows and builds the indexes again, several times faster than
 * maintaining them row by row; with the table locked no pair needs a lock.
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
 *	   any other storage lock (follow() takes its ROW EXCLUSIVE on the edge
 *	   table before it enters a pair's critical section, so no single-pair
 *	   writer is in flight once we hold it).
 *	   The incremental plan: ROW EXCLUSIVE on follow_graph.edge, then the
 *	   pair_gate (SHARE ROW EXCLUSIVE) for the settle-and-insert phase only.
 *	3. follow_graph.counter (ROW EXCLUSIVE) last.
 *
 * Count changes of the rebuild plan go to one existing stripe of each
 * account (the lowest numbered one), or a new stripe 0, in account order;
 * those of the incremental plan to a stripe nobody holds, or a new one.
 */
#include "postgres.h"

#include <sys/resource.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tupdesc.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
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
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fg.h"
#include "fg_import.h"

PG_FUNCTION_INFO_V1(fg_pair_slot);
PG_FUNCTION_INFO_V1(fg_import_edges);
PG_FUNCTION_INFO_V1(fg_remove_account);

/* Smallest import that may take the rebuild-the-indexes plan. */
#define FG_IMPORT_REBUILD_MIN	10000

/*
 * Seconds into an import after which its phases are reported as NOTICEs,
 * and the fewest source rows for which they are: a small import on a slow
 * machine stays as quiet as on a fast one.
 */
#define FG_IMPORT_PROGRESS_SECS	2.0
#define FG_IMPORT_PROGRESS_ROWS	100000

/* Most transactions a bulk writer collects before it waits for them. */
#define FG_MAX_WAITS			1024

/* Transactions to wait for, collected while the gate is held. */
typedef struct FgWaitList
{
	int			n;
	TransactionId xids[FG_MAX_WAITS];
} FgWaitList;

/* Names of the ephemeral relations the owner's SQL of an import reads. */
#define FG_IMPORT_STAGE		"fg_import_stage"	/* distinct source pairs */
#define FG_IMPORT_NEW		"fg_import_new" /* edges the import added */
#define FG_IMPORT_DELTA		"fg_import_delta"	/* count deltas (fg_import.c) */
#define FG_IMPORT_MUTUAL	"fg_import_mutual"	/* new mutual pairs (fg_import.c) */

/* Timing of one import_edges() call, for its progress notices. */
typedef struct FgImportClock
{
	TimestampTz start;
	TimestampTz phase;
	double		phase_cpu;		/* BackendCpuSeconds() at phase */
	int64		source_rows;	/* rows of the source, once read */
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
	FgPairArray *pairs;			/* the staged pairs, for fg_import.c */
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
 * CPU seconds (user and system) this backend has used so far: steadier than
 * wall time on a loaded machine.
 */
static double
BackendCpuSeconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0.0;
	return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		(double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000000.0;
}

/*
 * Report the end of one phase of an import with its duration: a NOTICE once
 * an import of FG_IMPORT_PROGRESS_ROWS source rows or more has run
 * FG_IMPORT_PROGRESS_SECS, DEBUG1 otherwise, so short imports stay quiet.
 */
static void
ImportProgress(FgImportClock *clock, const char *what, int64 rows)
{
	TimestampTz now = GetCurrentTimestamp();
	int			level = SecondsBetween(clock->start, now) >= FG_IMPORT_PROGRESS_SECS &&
		Max(clock->source_rows, rows) >= FG_IMPORT_PROGRESS_ROWS ? NOTICE : DEBUG1;

	double		cpu = BackendCpuSeconds();

	ereport(level,
			(errmsg("%s: " INT64_FORMAT " rows in %.1f s, CPU %.1f s (%.1f s so far)",
					what, rows, SecondsBetween(clock->phase, now),
					cpu - clock->phase_cpu, SecondsBetween(clock->start, now))));
	clock->phase = now;
	clock->phase_cpu = cpu;
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
				 errmsg("cannot import from relation \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail_relkind_not_supported(kind)));
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
	if (FgSpiExec(sql.data, 0, NULL, NULL, SPI_OK_SELECT) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source %s has a null follower or followee", src),
				 errdetail("A second read of the source found no such row. Nothing was imported.")));
	rowno = FgSpiGetInt64(0, 1);
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
 * A staged pair s that becomes a visible edge: no block either way and both
 * accounts active (docs/states-design.md).  Pairs with a deactivated
 * account become hidden edges instead (sql_import_hidden); blocked pairs
 * are skipped.
 */
#define FG_IMPORT_NOT_BLOCKED \
" AND NOT EXISTS (SELECT 1 FROM follow_graph.block AS b" \
"   WHERE b.blocker OPERATOR(pg_catalog.=) s.follower AND b.blocked OPERATOR(pg_catalog.=) s.followee)" \
" AND NOT EXISTS (SELECT 1 FROM follow_graph.block AS b" \
"   WHERE b.blocker OPERATOR(pg_catalog.=) s.followee AND b.blocked OPERATOR(pg_catalog.=) s.follower)"
#define FG_IMPORT_INACTIVE_FOLLOWER \
"EXISTS (SELECT 1 FROM follow_graph.account_state AS st" \
"   WHERE st.account OPERATOR(pg_catalog.=) s.follower AND NOT st.active)"
#define FG_IMPORT_INACTIVE_FOLLOWEE \
"EXISTS (SELECT 1 FROM follow_graph.account_state AS st" \
"   WHERE st.account OPERATOR(pg_catalog.=) s.followee AND NOT st.active)"
#define FG_IMPORT_VISIBLE \
FG_IMPORT_NOT_BLOCKED \
" AND NOT " FG_IMPORT_INACTIVE_FOLLOWER \
" AND NOT " FG_IMPORT_INACTIVE_FOLLOWEE

/* Staged pairs skipped because of a block either way. */
static const char *const sql_import_blocked =
"SELECT pg_catalog.count(*) FROM fg_import_stage AS s"
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee"
"   AND (EXISTS (SELECT 1 FROM follow_graph.block AS b"
"         WHERE b.blocker OPERATOR(pg_catalog.=) s.follower AND b.blocked OPERATOR(pg_catalog.=) s.followee)"
"     OR EXISTS (SELECT 1 FROM follow_graph.block AS b"
"         WHERE b.blocker OPERATOR(pg_catalog.=) s.followee AND b.blocked OPERATOR(pg_catalog.=) s.follower))";

/*
 * Pending requests an imported edge makes redundant: the visible ones go
 * with their requests counts (a stripe nobody holds, or a new one), the
 * hidden ones (pairs with a deactivated account) give way to the hidden
 * edge.  Returns the requests dropped.
 */
static const char *const sql_import_drop_requests =
"WITH dr AS ("
"  DELETE FROM follow_graph.request AS r USING fg_import_stage AS s"
"  WHERE r.requester OPERATOR(pg_catalog.=) s.follower"
"    AND r.account OPERATOR(pg_catalog.=) s.followee" FG_IMPORT_NOT_BLOCKED
"  RETURNING r.account),"
" dh AS ("
"  DELETE FROM follow_graph.hidden_edge AS h USING fg_import_stage AS s"
"  WHERE h.follower OPERATOR(pg_catalog.=) s.follower"
"    AND h.followee OPERATOR(pg_catalog.=) s.followee AND h.pending" FG_IMPORT_NOT_BLOCKED
"  RETURNING 1),"
" d AS (SELECT dr.account, pg_catalog.count(*) AS n FROM dr GROUP BY dr.account),"
" up AS ("
"  INSERT INTO follow_graph.counter AS c (account, stripe, requests)"
"  SELECT d.account,"
"         COALESCE((SELECT k.stripe FROM follow_graph.counter AS k"
"                   WHERE k.account OPERATOR(pg_catalog.=) d.account"
"                   ORDER BY k.stripe LIMIT 1 FOR UPDATE SKIP LOCKED),"
"                  (pg_catalog.random() OPERATOR(pg_catalog.*) 2147483646)::pg_catalog.int4),"
"         OPERATOR(pg_catalog.-) d.n"
"  FROM d ORDER BY d.account"
"  ON CONFLICT (account, stripe) DO UPDATE"
"  SET requests = c.requests OPERATOR(pg_catalog.+) excluded.requests"
"  RETURNING 1)"
" SELECT (SELECT pg_catalog.count(*) FROM dr) OPERATOR(pg_catalog.+)"
"        (SELECT pg_catalog.count(*) FROM dh)";

/*
 * Staged pairs with a deactivated account become hidden edges (seq from
 * edge_seq in followed_at order), unless the pair has one already.
 */
static const char *const sql_import_hidden =
"INSERT INTO follow_graph.hidden_edge (follower, followee, seq, followed_at, pending)"
" SELECT o.follower, o.followee,"
"        pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"        o.followed_at, false"
" FROM (SELECT s.follower, s.followee, s.followed_at"
"       FROM fg_import_stage AS s"
"       WHERE s.follower OPERATOR(pg_catalog.<>) s.followee" FG_IMPORT_NOT_BLOCKED
"         AND (" FG_IMPORT_INACTIVE_FOLLOWER " OR " FG_IMPORT_INACTIVE_FOLLOWEE ")"
"       ORDER BY s.rn) AS o"
" ON CONFLICT (follower, followee) DO NOTHING";

/* Is there a block or a deactivated account at all?  (0 or 1) */
static const char *const sql_import_any_filter =
"SELECT (EXISTS (SELECT 1 FROM follow_graph.block)"
"     OR EXISTS (SELECT 1 FROM follow_graph.account_state AS st WHERE NOT st.active))::pg_catalog.int4::pg_catalog.int8";

/* Is there a pending request, visible or hidden, at all?  (0 or 1) */
static const char *const sql_import_any_requests =
"SELECT (EXISTS (SELECT 1 FROM follow_graph.request)"
"     OR EXISTS (SELECT 1 FROM follow_graph.hidden_edge AS h WHERE h.pending))::pg_catalog.int4::pg_catalog.int8";

/* The staged pairs, for the settling loop of the incremental plan. */
static const char *const sql_staged_pairs =
"SELECT s.follower, s.followee FROM fg_import_stage AS s"
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee";

/*
 * Incremental plan: live indexes, seq from the sequence in followed_at
 * order; the new edges go to fg_import_new.
 */
#define SQL_INSERT_LIVE(filter) \
"INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)" \
" SELECT o.follower, o.followee," \
"        pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass)," \
"        o.followed_at" \
" FROM (SELECT s.follower, s.followee, s.followed_at" \
"       FROM fg_import_stage AS s" \
"       WHERE s.follower OPERATOR(pg_catalog.<>) s.followee" filter \
"       ORDER BY s.rn) AS o" \
" ON CONFLICT (follower, followee) DO NOTHING" \
" RETURNING follower, followee, seq"

/*
 * Each statement that reads the staged pairs as edges comes in two forms:
 * [0] for a catalog still at 0.1.0 (no state tables yet: the library was
 * updated, ALTER EXTENSION UPDATE has not run), [1] with the states.
 */
static const char *const sql_insert_live[2] = {
	SQL_INSERT_LIVE(""), SQL_INSERT_LIVE(FG_IMPORT_VISIBLE)
};

static const char *const sql_min_new_seq =
"SELECT pg_catalog.min(n.seq) FROM fg_import_new AS n";

/* Incremental plan: taken before the gate (see the lock order above). */
static const char *const sql_lock_edge_shared =
"LOCK TABLE follow_graph.edge IN ROW EXCLUSIVE MODE";


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
#define SQL_APPEND_FMT(filter) \
"INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)" \
" SELECT s.follower, s.followee," \
"        s.rn OPERATOR(pg_catalog.+) $1 OPERATOR(pg_catalog.-) 1," \
"        s.followed_at" \
" FROM fg_import_stage AS s" \
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee" filter " %1$s"

static const char *const sql_append_fmt[2] = {
	SQL_APPEND_FMT(""), SQL_APPEND_FMT(FG_IMPORT_VISIBLE)
};

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

/* The third one as a 0.3.0 catalog has it: covering followers() pages. */
#define FG_BUILD_FOLLOWEE_SEQ	2
static const char *const sql_build_followee_seq_covering =
"CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)"
" INCLUDE (follower, followed_at)";

/*
 * Count changes of an import.  %1$s: the new edges (follower, followee);
 * %2$s: the new mutual pairs (lo, hi), each once; %3$s: the stripe to add
 * to; %4$s: what to do when that stripe exists; %5$s: the insert of the
 * new mutual pairs into the mutual range (sql_import_mutual), or nothing.
 */
static const char *const sql_import_counts_fmt =
"WITH m AS MATERIALIZED (%2$s),%5$s"
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

/*
 * Count changes of a first load computed in memory (fg_import.c): the rows
 * of fg_import_delta (account, fr, fg, mu) come in account order, the new
 * mutual pairs in fg_import_mutual (lo, hi).  %1$s: the stripe; %2$s: the
 * upsert or nothing; %3$s: sql_import_mutual or nothing.
 */
static const char *const sql_import_counts_delta_fmt =
"WITH m AS MATERIALIZED (SELECT p.lo, p.hi FROM fg_import_mutual AS p),%3$s"
" d AS (SELECT x.account, x.fr, x.fg, x.mu FROM fg_import_delta AS x)"
" INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals)"
" SELECT d.account, %1$s, d.fr, d.fg, d.mu FROM d %2$s";

/* The new mutual pairs m (lo, hi) into the mutual range, both rows each. */
static const char *const sql_import_mutual =
FG_MUTUAL_INSERT_CTE("mi", "SELECT m.lo, m.hi FROM m");

/*
 * Add to the lowest existing stripe of each account, or make stripe 0; only
 * with the edge table locked, when no single-pair writer holds a stripe.
 */
static const char *const sql_counts_stripe_any =
"COALESCE((SELECT pg_catalog.min(k.stripe) FROM follow_graph.counter AS k"
"          WHERE k.account OPERATOR(pg_catalog.=) d.account), 0)";

/*
 * Add to a stripe of the account nobody holds, or to a new one with a random
 * number (a clash with an existing stripe only makes the upsert add to it).
 */
static const char *const sql_counts_stripe_free =
"COALESCE((SELECT k.stripe FROM follow_graph.counter AS k"
"          WHERE k.account OPERATOR(pg_catalog.=) d.account"
"          ORDER BY k.stripe LIMIT 1 FOR UPDATE SKIP LOCKED),"
"         (pg_catalog.random() OPERATOR(pg_catalog.*) 2147483646)::pg_catalog.int4)";

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
#define SQL_NEW_ALL(filter) \
"(SELECT s.follower, s.followee FROM fg_import_stage AS s" \
" WHERE s.follower OPERATOR(pg_catalog.<>) s.followee" filter ")"

static const char *const sql_new_all[2] = {
	SQL_NEW_ALL(""), SQL_NEW_ALL(FG_IMPORT_VISIBLE)
};

/* Blocks and flags are the same for a pair and its reverse: s decides. */
#define SQL_MUTUAL_ALL(filter) \
"SELECT s.follower AS lo, s.followee AS hi" \
" FROM fg_import_stage AS s JOIN fg_import_stage AS r" \
"   ON r.follower OPERATOR(pg_catalog.=) s.followee" \
"  AND r.followee OPERATOR(pg_catalog.=) s.follower" \
" WHERE s.follower OPERATOR(pg_catalog.<) s.followee" \
"   AND r.follower OPERATOR(pg_catalog.>) r.followee" filter

static const char *const sql_mutual_all[2] = {
	SQL_MUTUAL_ALL(""), SQL_MUTUAL_ALL(FG_IMPORT_VISIBLE)
};

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
 * follow_graph.pair_slot(a, b) of 0.1.0, gone in 0.2.0.  The symbol stays so
 * that the frozen 0.1.0 install script loads before ALTER EXTENSION UPDATE.
 */
Datum
fg_pair_slot(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("pair_slot() was removed in follow_graph 0.2.0"),
			 errhint("Run ALTER EXTENSION follow_graph UPDATE.")));
	PG_RETURN_NULL();
}

/*
 * Add a transaction to wait for; false if the list is full.
 */
static bool
AddWait(FgWaitList *w, TransactionId xid)
{
	if (w->n >= FG_MAX_WAITS)
		return false;
	w->xids[w->n++] = xid;
	return true;
}

/*
 * Release the gate and wait for every transaction in the list, which is
 * emptied; true if one of them committed.
 */
static bool
ReleaseAndWait(Oid gate, FgWaitList *w)
{
	bool		committed = false;

	UnlockRelationOid(gate, ShareRowExclusiveLock);
	for (int i = 0; i < w->n; i++)
	{
		XactLockTableWait(w->xids[i], NULL, NULL, XLTW_None);
		committed |= TransactionIdDidCommit(w->xids[i]);
	}
	w->n = 0;
	return committed;
}

/*
 * Fold one edge a -> b into an order-independent digest of a set of edges.
 */
static void
DigestAdd(uint64 *digest, int64 *count, int64 a, int64 b)
{
	*digest += hash_bytes_uint32_extended((uint32) a, (uint64) b ^ ((uint64) a >> 32));
	(*count)++;
}

/*
 * The states of one staged pair f -> e an import reads, probed with a dirty
 * snapshot in each table given (NULL: the table has no row): blocks either
 * way, the request and hidden row f -> e, both accounts' flags.  Adds the
 * transactions changing one to w; false if w filled up.
 */
static bool
ProbeStagedStates(FgWaitList *w, int64 f, int64 e, Relation block_heap,
				  Relation request_heap, Relation hidden_heap,
				  Relation state_heap)
{
	FgEdgeVersion own;
	FgEdgeVersion rev;
	bool		ok = true;

	if (block_heap)
	{
		FgProbeDirtyKeys(block_heap, FG_BLOCK_PKEY, f, e, &own, &rev);
		if (own.found && TransactionIdIsValid(own.wait))
			ok = AddWait(w, own.wait);
		if (ok && rev.found && TransactionIdIsValid(rev.wait))
			ok = AddWait(w, rev.wait);
	}
	if (ok && request_heap)
	{
		FgProbeDirtyKeys(request_heap, FG_REQUEST_PKEY, f, e, &own, NULL);
		if (own.found && TransactionIdIsValid(own.wait))
			ok = AddWait(w, own.wait);
	}
	if (ok && hidden_heap)
	{
		FgProbeDirtyKeys(hidden_heap, FG_HIDDEN_PKEY, f, e, &own, NULL);
		if (own.found && TransactionIdIsValid(own.wait))
			ok = AddWait(w, own.wait);
	}
	for (int i = 0; ok && state_heap && i < 2; i++)
	{
		bool		is_private;
		bool		is_active;

		FgProbeDirtyAccount(state_heap, i == 0 ? f : e, &own, &is_private,
							&is_active);
		if (own.found && TransactionIdIsValid(own.wait))
			ok = AddWait(w, own.wait);
	}
	return ok;
}

/*
 * FgProbeDirty through a scan of the primary key kept open (with its dirty
 * snapshot) for all the probes of a settling pass: a staged pair costs an
 * index descent, not a scan's set-up and tear-down.
 */
static void
ProbeDirtyWith(FgScan *s, Snapshot dirty, int64 a, int64 b, FgEdgeVersion *v)
{
	memset(v, 0, sizeof(FgEdgeVersion));
	FgScanSeek(s, a, BTEqualStrategyNumber, b);
	if (FgScanNextTuple(s))
		FgNoteVersion(s->slot, dirty, v);
}

/*
 * Incremental plan: hold the gate with no staged pair or reverse changed by
 * a transaction in progress (waiting for such transactions with the gate
 * released).  Under REPEATABLE READ and SERIALIZABLE, fail with 40001 if
 * the snapshot sees one of them otherwise than as it is.
 */
static void
SettleStagedPairs(Relation heap, Oid gate, bool states)
{
	FgWaitList *w = palloc(sizeof(FgWaitList));
	SnapshotData dirty;
	FgScan	   *probe;
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	Relation	block_heap = NULL;
	Relation	request_heap = NULL;
	Relation	hidden_heap = NULL;
	Relation	state_heap = NULL;

	if (states)
	{
		block_heap = FgOpenTable(FG_BLOCK_TABLE, AccessShareLock);
		request_heap = FgOpenTable(FG_REQUEST_TABLE, AccessShareLock);
		hidden_heap = FgOpenTable(FG_HIDDEN_TABLE, AccessShareLock);
		state_heap = FgOpenTable(FG_ACCOUNT_STATE_TABLE, AccessShareLock);
	}

	InitDirtySnapshot(dirty);
	probe = FgScanBeginSnapshot(heap, FG_EDGE_PKEY, &dirty,
								ForwardScanDirection, true);
	w->n = 0;
	for (;;)
	{
		Portal		portal;
		bool		full = false;
		bool		has_block;
		bool		has_request;
		bool		has_hidden;
		bool		has_state;

		LockRelationOid(gate, ShareRowExclusiveLock);

		/*
		 * The states an import reads besides the edges (blocks, requests,
		 * hidden rows, flags): a table with no row at all, in flight
		 * included, keeps none while we hold the gate, and needs no probe.
		 */
		has_block = states && FgStateTableHasRows(FG_BLOCK_TABLE);
		has_request = states && FgStateTableHasRows(FG_REQUEST_TABLE);
		has_hidden = states && FgStateTableHasRows(FG_HIDDEN_TABLE);
		has_state = states && FgStateTableHasRows(FG_ACCOUNT_STATE_TABLE);

		/* Unnamed: SPI picks a name no cursor of the caller's has. */
		portal = SPI_cursor_open_with_args(NULL, sql_staged_pairs,
										   0, NULL, NULL, NULL, false, 0);
		while (!full)
		{
			SPI_cursor_fetch(portal, true, 1000);
			if (SPI_processed == 0)
			{
				SPI_freetuptable(SPI_tuptable);
				break;
			}
			for (uint64 i = 0; i < SPI_processed && !full; i++)
			{
				int64		f = FgSpiGetInt64(i, 1);
				int64		e = FgSpiGetInt64(i, 2);

				CHECK_FOR_INTERRUPTS();
				for (int dir = 0; dir < 2; dir++)
				{
					FgEdgeVersion v;
					int64		a = dir == 0 ? f : e;
					int64		b = dir == 0 ? e : f;

					ProbeDirtyWith(probe, &dirty, a, b, &v);
					if (v.found && TransactionIdIsValid(v.wait))
						full = !AddWait(w, v.wait);
					else if (xact_snapshot && w->n == 0 &&
							 FgProbeSnapshot(heap, a, b) != v.found)
						FgSerializationFailure();
				}
				if (!full)
					full = !ProbeStagedStates(w, f, e, has_block ? block_heap : NULL,
											  has_request ? request_heap : NULL,
											  has_hidden ? hidden_heap : NULL,
											  has_state ? state_heap : NULL);
			}
			/* SPI keeps every batch until SPI_finish otherwise. */
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(portal);
		if (w->n == 0)
		{
			/* The states read with the pairs must be as the snapshot sees them. */
			if (xact_snapshot && states)
				FgCheckStateTablesSnapshot();
			break;
		}

		/* Under a transaction snapshot a change we waited for is a conflict. */
		if (ReleaseAndWait(gate, w) && xact_snapshot)
			FgSerializationFailure();
	}
	FgScanEnd(probe);
	pfree(w);
	if (states)
	{
		table_close(block_heap, NoLock);
		table_close(request_heap, NoLock);
		table_close(hidden_heap, NoLock);
		table_close(state_heap, NoLock);
	}
}

/*
 * Rebuild plan under REPEATABLE READ or SERIALIZABLE: with the edge table
 * locked, fail with 40001 if an edge change committed after the snapshot
 * (the snapshot and the latest state give different edge sets).
 */
static void
CheckRebuildSnapshot(Relation heap)
{
	Snapshot	snaps[2];
	uint64		digest[2] = {0, 0};
	int64		count[2] = {0, 0};

	snaps[0] = RegisterSnapshot(GetTransactionSnapshot());
	snaps[1] = RegisterSnapshot(GetLatestSnapshot());
	for (int i = 0; i < 2; i++)
	{
		TableScanDesc scan = table_beginscan(heap, snaps[i], 0, NULL);
		TupleTableSlot *slot = table_slot_create(heap, NULL);

		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			DigestAdd(&digest[i], &count[i],
					  DatumGetInt64(slot_getattr(slot, FG_EDGE_ATT_FOLLOWER, &isnull)),
					  DatumGetInt64(slot_getattr(slot, FG_EDGE_ATT_FOLLOWEE, &isnull)));
		}
		ExecDropSingleTupleTableSlot(slot);
		table_endscan(scan);
		UnregisterSnapshot(snaps[i]);
	}
	if (digest[0] != digest[1] || count[0] != count[1])
		FgSerializationFailure();
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
		FgSpiUnexpected("SPI_register_relation", rc, SPI_OK_REL_REGISTER, name);
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
	FgPairArrayAdd(r->pairs, DatumGetInt64(values[0]), DatumGetInt64(values[1]));
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
 * id as an error.  The store and its rows live in cxt; the pairs are also
 * kept in pairs, while they fit its budget.
 */
static Tuplestorestate *
ReadSource(const char *src, bool has_at, MemoryContext cxt,
		   TupleDesc *desc, FgImportStats *stats, FgPairArray *pairs)
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
	r->store = tuplestore_begin_heap(false, false,
									 Max(work_mem, maintenance_work_mem));
	r->pairs = pairs;
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

	/*
	 * A bulk load sorts in maintenance_work_mem, as CREATE INDEX does.
	 * Without times the rank follows the group key, so one sort serves the
	 * grouping and the ranking; a hash aggregate would be sorted again
	 * (with a poor estimate of the groups, a spilling one).
	 */
	if (maintenance_work_mem > work_mem)
	{
		char		kb[32];

		snprintf(kb, sizeof(kb), "%d", maintenance_work_mem);
		(void) set_config_option("work_mem", kb, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	if (!has_at)
		(void) set_config_option("enable_hashagg", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	memset(&options, 0, sizeof(options));
	options.dest = (DestReceiver *) r;
	rc = SPI_execute_extended(sql.data, &options);
	if (rc != SPI_OK_SELECT)
		FgSpiUnexpected("SPI_execute_extended", rc, SPI_OK_SELECT, sql.data);
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
		FgSpiUnexpected("SPI_prepare", SPI_result, 0, sql);
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
		FgSpiUnexpected("SPI_execute_plan_extended", rc,
						SPI_OK_INSERT_RETURNING, sql);
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
AppendRebuild(int64 groups, bool empty, bool states, Tuplestorestate *stage,
			  TupleDesc stage_desc, Tuplestorestate *store,
			  MemoryContext cxt, int64 *first_seq, FgImportClock *clock)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	StringInfoData sql;
	int64		added;
	bool		covering;

	/* Build the indexes again as the catalog has them (fg_pages.c). */
	covering = FgEdgeIndexCovers(FG_EDGE_FOLLOWEE_SEQ);
	FgSpiExec(sql_drop_indexes, 0, NULL, NULL, SPI_OK_UTILITY);
	values[0] = Int64GetDatum(groups);
	FgSpiExec(sql_reserve_seq, 1, types, values, SPI_OK_SELECT);
	*first_seq = FgSpiGetInt64(0, 1);

	/*
	 * Into an empty table with every staged pair an edge: multi-row heap
	 * inserts straight from the stage (fg_import.c), unless the table has
	 * a layout, index or trigger of a DBA's.
	 */
	added = -1;
	if (empty && !states)
	{
		Relation	heap = FgOpenTable(FG_EDGE_TABLE, AccessExclusiveLock);

		added = FgImportAppend(heap, stage, stage_desc, *first_seq);
		table_close(heap, NoLock);
	}
	values[0] = Int64GetDatum(*first_seq);
	initStringInfo(&sql);
	appendStringInfo(&sql, sql_append_fmt[states], empty ? "" : sql_append_anti);
	if (added >= 0)
		;
	else if (empty)
		added = (int64) FgSpiExec(sql.data, 1, types, values, SPI_OK_INSERT);
	else
		added = (int64) RunSqlInto(sql.data, 1, values, store, cxt);
	ImportProgress(clock, "appended new edges", added);

	for (size_t i = 0; i < lengthof(sql_build_indexes); i++)
	{
		FgSpiExec(covering && i == FG_BUILD_FOLLOWEE_SEQ ?
				  sql_build_followee_seq_covering : sql_build_indexes[i],
				  0, NULL, NULL, SPI_OK_UTILITY);
		ImportProgress(clock, i == 0 ? "built the primary key" : "built an index", added);
	}
	return added;
}

/* What the states made of an import's pairs. */
typedef struct FgImportStates
{
	int64		blocked;		/* pairs skipped for a block either way */
	int64		hidden;			/* pairs stored as hidden edges */
	int64		dropped;		/* pending requests the new edges replace */
} FgImportStates;

/*
 * Before the edges go in, with the pairs settled: count the blocked pairs,
 * drop the pending requests the import makes redundant and store the pairs
 * with a deactivated account as hidden edges.
 */
static void
ImportStates(FgImportStates *out, bool filter)
{
	if (filter)
	{
		FgSpiExec(sql_import_blocked, 0, NULL, NULL, SPI_OK_SELECT);
		out->blocked = FgSpiGetInt64(0, 1);
	}
	FgSpiExec(sql_import_any_requests, 0, NULL, NULL, SPI_OK_SELECT);
	if (FgSpiGetInt64(0, 1) != 0)
	{
		FgSpiExec(sql_import_drop_requests, 0, NULL, NULL, SPI_OK_SELECT);
		out->dropped = FgSpiGetInt64(0, 1);
	}
	if (filter)
		out->hidden = (int64) FgSpiExec(sql_import_hidden, 0, NULL, NULL, SPI_OK_INSERT);
}

/*
 * Rebuild plan, the edge table locked: does a state turn any staged pair
 * away from the edge table (a block, a deactivated account)?  Every writer
 * of those rows takes ROW EXCLUSIVE on the edge table first and keeps it to
 * commit, so none is in flight, and under REPEATABLE READ the snapshot was
 * checked to see the state tables as they are.  When none does, the edges
 * are written and counted with the plain statements, without the four
 * anti-joins per pair of FG_IMPORT_VISIBLE.
 */
static bool
ImportNeedsFilter(void)
{
	FgSpiExec(sql_import_any_filter, 0, NULL, NULL, SPI_OK_SELECT);
	return FgSpiGetInt64(0, 1) != 0;
}

/*
 * Counts of a first load whose every staged pair became an edge, computed
 * in memory (fg_import.c) and applied by one statement over the ephemeral
 * relations fg_import_delta and fg_import_mutual.  stripe and upsert as in
 * sql_import_counts_fmt; sql is an empty buffer to use.
 */
static void
ImportCountsInMemory(FgPairArray *pairs, MemoryContext cxt, StringInfo sql,
					 const char *stripe, const char *upsert, FgImportClock *clock)
{
	static const char *const delta_names[] = {"account", "fr", "fg", "mu"};
	static const char *const mutual_names[] = {"lo", "hi"};
	TupleDesc	ddesc = MakeDesc(4, delta_names, 0);
	TupleDesc	mdesc = MakeDesc(2, mutual_names, 0);
	Tuplestorestate *delta;
	Tuplestorestate *mutual;
	int64		ndelta;
	int64		nmutual;

	FgImportCounts(pairs, cxt, ddesc, &delta, &ndelta, mdesc, &mutual, &nmutual);
	ImportProgress(clock, "counted the new edges in memory", ndelta);
	RegisterStore(FG_IMPORT_DELTA, delta, ddesc, ndelta);
	RegisterStore(FG_IMPORT_MUTUAL, mutual, mdesc, nmutual);
	appendStringInfo(sql, sql_import_counts_delta_fmt, stripe, upsert,
					 FgMutualInstalled() && nmutual > 0 ? sql_import_mutual : "");
	FgSpiExec(sql->data, 0, NULL, NULL, SPI_OK_INSERT);
	SPI_unregister_relation(FG_IMPORT_DELTA);
	SPI_unregister_relation(FG_IMPORT_MUTUAL);
	tuplestore_end(delta);
	tuplestore_end(mutual);
}

/*
 * Insert the staged edges through the live indexes, the new ones going to
 * store.  Returns the number of new edges; the smallest seq they got is
 * read once store is registered.
 */
static int64
InsertLive(bool states, Tuplestorestate *store, MemoryContext cxt,
		   FgImportClock *clock)
{
	int64		added;

	added = (int64) RunSqlInto(sql_insert_live[states], 0, NULL, store, cxt);
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
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist",
						FG_SCHEMA, FG_EDGE_TABLE),
				 errhint("Run CREATE EXTENSION follow_graph in this database; if it is installed, its storage was dropped or renamed.")));
	*may_rebuild = true;
	return relid;
}

/*
 * The primary keys that import_edges() and remove_account() name in ON
 * CONFLICT only: refused in a shape the library cannot use (after the edge
 * table's lock; ACCESS SHARE, which changes no lock order).
 */
static void
CheckBulkArbiters(bool states_on)
{
	FgCheckArbiterIndex(FG_COUNTER_TABLE, FG_COUNTER_PKEY);
	if (states_on)
		FgCheckArbiterIndex(FG_HIDDEN_TABLE, FG_HIDDEN_PKEY);
	if (FgMutualInstalled())
		FgCheckArbiterIndex(FG_MUTUAL_TABLE, FG_MUTUAL_PKEY);
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
	FgPairArray pairs;
	FgImportStates states = {0, 0, 0};
	bool		states_on = FgStatesInstalled();
	bool		filter = states_on;
	bool		empty = false;
	int			guc_level;
	bool		isnull;
	Oid			save_userid;
	int			save_sec_context;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be null")));
	relid = PG_GETARG_OID(0);
	edge_relid = LockEdgesForImport(&may_rebuild);
	CheckBulkArbiters(states_on);
	owner = StorageOwner(edge_relid);
	src = CheckSource(relid, &has_at);
	clock.start = clock.phase = GetCurrentTimestamp();
	clock.phase_cpu = BackendCpuSeconds();
	clock.source_rows = 0;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "import_edges stage",
								ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Read the source with the caller's rights: deduplicated, counted. */
	FgPairArrayInit(&pairs, cxt);
	stage = ReadSource(src, has_at, cxt, &stage_desc, &st, &pairs);
	ImportProgress(&clock, "read and deduplicated the source", st.source_rows);
	clock.source_rows = st.source_rows;

	/*
	 * From here on, write as the owner of the storage, restricted as
	 * PostgreSQL's own maintenance commands are when they run as a table's
	 * owner; only our own SQL runs, over storage and ephemeral relations.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	RegisterStore(FG_IMPORT_STAGE, stage, stage_desc, st.candidates);

	/*
	 * The owner's statements each run once over up to millions of rows, with
	 * plans that are cheap to execute per row: compiling them with JIT cost
	 * more than it saved (about a second per statement at 1M edges).
	 */
	guc_level = NewGUCNestLevel();
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

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
			FgSpiExec(sql_count_existing, 1, types, values, SPI_OK_SELECT);
			rebuild = FgSpiGetInt64(0, 1) < st.candidates;
		}
		if (rebuild)
		{
			Relation	heap;

			LockRelationOid(edge_relid, AccessExclusiveLock);
			if (IsolationUsesXactSnapshot())
			{
				heap = FgOpenEdges();
				CheckRebuildSnapshot(heap);
				table_close(heap, NoLock);
				if (states_on)
					FgCheckStateTablesSnapshot();
			}
		}

		old = MemoryContextSwitchTo(cxt);
		added_store = tuplestore_begin_heap(false, false, work_mem);
		MemoryContextSwitchTo(old);
		if (rebuild)
		{
			FgSpiExec(sql_edge_empty, 0, NULL, NULL, SPI_OK_SELECT);
			empty = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1,
											   &isnull));
			if (states_on)
			{
				filter = ImportNeedsFilter();
				ImportStates(&states, filter);
			}
			added = AppendRebuild(st.groups, empty, filter, stage, stage_desc,
								  added_store, cxt, &first_seq, &clock);
		}
		else
		{
			Oid			gate = FgPairGateId();
			Relation	heap;

			/*
			 * Take the table lock the insert needs before the gate, so that
			 * a concurrent rebuild-plan import, which locks the table until
			 * commit, waits for us or we for it with no gate held.
			 */
			FgSpiExec(sql_lock_edge_shared, 0, NULL, NULL, SPI_OK_UTILITY);
			heap = FgOpenEdges();
			SettleStagedPairs(heap, gate, states_on);
			if (states_on)
				ImportStates(&states, true);
			added = InsertLive(states_on, added_store, cxt, &clock);
			table_close(heap, NoLock);

			/*
			 * Every staged pair and reverse was settled and the insert made
			 * the rest: a writer of one of them from now on sees our edges in
			 * progress and waits for us, so the counts below may read the
			 * graph with the gate released.
			 */
			UnlockRelationOid(gate, ShareRowExclusiveLock);
		}
		if (!empty)
		{
			RegisterStore(FG_IMPORT_NEW, added_store, MakeDesc(3, new_names, 0),
						  added);
			if (!rebuild && added > 0)
			{
				FgSpiExec(sql_min_new_seq, 0, NULL, NULL, SPI_OK_SELECT);
				first_seq = FgSpiGetInt64(0, 1);
			}
		}

		if (added > 0)
		{
			bool		fresh = false;

			/* A first load into empty storage can skip the upsert. */
			if (empty)
			{
				FgSpiExec(sql_counter_empty, 0, NULL, NULL, SPI_OK_SELECT);
				fresh = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1,
												   &isnull));
			}
			initStringInfo(&sql);
			if (empty && !filter && FgPairArrayUsable(&pairs, added))
			{
				/* Every staged pair is an edge: count them in memory. */
				ImportCountsInMemory(&pairs, cxt, &sql,
									 fresh ? "0" : sql_counts_stripe_any,
									 fresh ? "" : sql_counts_upsert, &clock);
			}
			else
			{
				appendStringInfo(&sql, sql_import_counts_fmt,
								 empty ? sql_new_all[filter] : sql_new_some,
								 empty ? sql_mutual_all[filter] : sql_mutual_some,
								 fresh ? "0" : rebuild ? sql_counts_stripe_any :
								 sql_counts_stripe_free,
								 fresh ? "" : sql_counts_upsert,
								 FgMutualInstalled() ? sql_import_mutual : "");
				values[0] = Int64GetDatum(first_seq);
				FgSpiExec(sql.data, empty ? 0 : 1, types, values, SPI_OK_INSERT);
			}
			ImportProgress(&clock, "updated the counts of accounts", SPI_processed);
		}
	}

	AtEOXact_GUC(true, guc_level);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	tuplestore_end(stage);
	if (added_store != NULL)
		tuplestore_end(added_store);
	MemoryContextDelete(cxt);

	ereport(NOTICE,
			(errmsg("imported " INT64_FORMAT " new edges from " INT64_FORMAT " source rows",
					added, st.source_rows),
			 states.blocked == 0 && states.hidden == 0 && states.dropped == 0 ?
			 errdetail("Skipped " INT64_FORMAT " already existing, " INT64_FORMAT " duplicate and " INT64_FORMAT " self-follow rows.",
					   st.candidates - added, st.dup_rows, st.self_rows) :
			 errdetail("Skipped " INT64_FORMAT " already existing, " INT64_FORMAT " duplicate and " INT64_FORMAT " self-follow rows, and " INT64_FORMAT " blocked pairs. Stored " INT64_FORMAT " pairs with a deactivated account as hidden edges. Dropped " INT64_FORMAT " pending requests the new edges replace.",
					   st.candidates - added - states.blocked - states.hidden,
					   st.dup_rows, st.self_rows, states.blocked,
					   states.hidden, states.dropped)));
	PG_RETURN_INT64(added);
}

/*
 * Statement of remove_account(): delete every edge of account $1 visible to
 * the statement and apply every count change, counterparts in account
 * order, each to a stripe nobody else holds (or a new one).  Returns the
 * number of edges deleted.
 */
#define SQL_REMOVE_EDGES(mutual) \
"WITH d AS (" \
"  DELETE FROM follow_graph.edge AS e" \
"  WHERE e.follower OPERATOR(pg_catalog.=) $1 OR e.followee OPERATOR(pg_catalog.=) $1" \
"  RETURNING e.follower, e.followee)," \
" per AS (" \
"  SELECT CASE WHEN d.follower OPERATOR(pg_catalog.=) $1 THEN d.followee" \
"              ELSE d.follower END AS x," \
"         pg_catalog.bool_or(d.follower OPERATOR(pg_catalog.=) $1) AS out_e," \
"         pg_catalog.bool_or(d.followee OPERATOR(pg_catalog.=) $1) AS in_e" \
"  FROM d GROUP BY 1)," \
" delta AS (" \
"  SELECT per.x AS account," \
"         OPERATOR(pg_catalog.-) per.out_e::pg_catalog.int4::pg_catalog.int8 AS fr," \
"         OPERATOR(pg_catalog.-) per.in_e::pg_catalog.int4::pg_catalog.int8 AS fg," \
"         OPERATOR(pg_catalog.-) (per.out_e AND per.in_e)::pg_catalog.int4::pg_catalog.int8 AS mu" \
"  FROM per" \
"  UNION ALL" \
"  SELECT $1," \
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.in_e)," \
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.out_e)," \
"         OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE per.in_e AND per.out_e)" \
"  FROM per)," mutual \
" up AS (" \
"  INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals)" \
"  SELECT d.account, %s, d.fr, d.fg, d.mu" \
"  FROM delta AS d" \
"  WHERE d.fr OPERATOR(pg_catalog.<>) 0 OR d.fg OPERATOR(pg_catalog.<>) 0" \
"  ORDER BY d.account" \
"  %s" \
"  RETURNING 1)" \
" SELECT pg_catalog.count(*) FROM d"

static const char *const sql_remove_edges[2] = {
	SQL_REMOVE_EDGES(""),
	SQL_REMOVE_EDGES(FG_MUTUAL_DELETE_CTE("dm", "SELECT $1, per.x FROM per WHERE per.out_e AND per.in_e"))
};

/*
 * Delete one edge $1 -> $2 that survived the removal of $3 and take back
 * its counts, with the mutual its maker counted (the reverse edge is gone).
 * Returns the number of edges deleted.
 */
#define SQL_REMOVE_SURVIVOR(mutual) \
"WITH d AS (" \
"  DELETE FROM follow_graph.edge AS e" \
"  WHERE e.follower OPERATOR(pg_catalog.=) $1" \
"    AND e.followee OPERATOR(pg_catalog.=) $2" \
"  RETURNING 1)," mutual \
" delta (account, fr, fg, mu) AS (" \
"  VALUES ($1, 0::pg_catalog.int8, -1::pg_catalog.int8, -1::pg_catalog.int8)," \
"         ($2, -1::pg_catalog.int8, 0::pg_catalog.int8, -1::pg_catalog.int8))," \
" up AS (" \
"  INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals)" \
"  SELECT d.account, %s, d.fr, d.fg, d.mu" \
"  FROM delta AS d WHERE EXISTS (SELECT 1 FROM d AS x)" \
"  ORDER BY d.account" \
"  %s" \
"  RETURNING 1)" \
" SELECT pg_catalog.count(*) FROM d"

static const char *const sql_remove_survivor[2] = {
	SQL_REMOVE_SURVIVOR(""),
	SQL_REMOVE_SURVIVOR(FG_MUTUAL_DELETE_CTE("dm", "SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM d)"))
};

/* An edge of the removed account that survived its statement. */
typedef struct FgSurvivor
{
	int64		other;
	bool		outgoing;		/* account -> other, else other -> account */
	FgEdgeVersion v;
} FgSurvivor;

/*
 * Did this transaction delete a version of the edge a -> b?  Read with
 * SnapshotAny; only our own deletion can be pending on the versions we
 * look at, so their headers are stable.
 */
static bool
DeletedByUs(Relation heap, int64 a, int64 b)
{
	FgScan	   *s = FgScanBeginSnapshot(heap, FG_EDGE_PKEY, SnapshotAny,
										ForwardScanDirection, true);
	bool		deleted = false;

	FgScanSeek(s, a, BTEqualStrategyNumber, b);
	while (!deleted && FgScanNextTuple(s))
	{
		HeapTupleHeader tup = ExecFetchSlotHeapTuple(s->slot, false, NULL)->t_data;
		TransactionId xmax;

		if (tup->t_infomask & HEAP_XMAX_INVALID ||
			HEAP_XMAX_IS_LOCKED_ONLY(tup->t_infomask))
			continue;
		xmax = HeapTupleHeaderGetUpdateXid(tup);
		deleted = TransactionIdIsCurrentTransactionId(xmax);
	}
	FgScanEnd(s);
	return deleted;
}

/*
 * Walk every edge of the account visible to a dirty snapshot, both
 * directions.  With waits given, collect the transactions deleting one
 * (false if the list filled up); with survivors given, collect the edges
 * whose reverse this transaction deleted; with digest given, fold in the
 * edges that exist now (committed, or ours).
 */
static bool
ScanAccountDirty(Relation heap, int64 account, FgWaitList *waits,
				 List **survivors, uint64 *digest, int64 *count)
{
	static const char *const indexes[2] = {FG_EDGE_PKEY, FG_EDGE_BY_FOLLOWEE};
	bool		ok = true;

	for (int dir = 0; dir < 2 && ok; dir++)
	{
		SnapshotData dirty;
		FgScan	   *s;

		InitDirtySnapshot(dirty);
		s = FgScanBeginSnapshot(heap, indexes[dir], &dirty,
								ForwardScanDirection, true);
		FgScanSeek(s, account, InvalidStrategy, 0);
		while (ok && FgScanNextTuple(s))
		{
			bool		isnull;
			int64		other = DatumGetInt64(slot_getattr(s->slot,
														   dir == 0 ? FG_EDGE_ATT_FOLLOWEE :
														   FG_EDGE_ATT_FOLLOWER,
														   &isnull));
			int64		from = dir == 0 ? account : other;
			int64		to = dir == 0 ? other : account;

			if (waits && TransactionIdIsValid(dirty.xmax))
				ok = AddWait(waits, dirty.xmax);
			if (digest && !TransactionIdIsValid(dirty.xmin) &&
				!TransactionIdIsValid(dirty.xmax))
				DigestAdd(digest, count, from, to);
			if (survivors && DeletedByUs(heap, to, from))
			{
				FgSurvivor *sv = palloc(sizeof(FgSurvivor));

				sv->other = other;
				sv->outgoing = dir == 0;
				FgNoteVersion(s->slot, &dirty, &sv->v);
				*survivors = lappend(*survivors, sv);
			}
		}
		FgScanEnd(s);
	}
	return ok;
}

/*
 * Under REPEATABLE READ and SERIALIZABLE, fail with 40001 unless the
 * transaction snapshot sees exactly the account's edges that exist now.
 */
static void
CheckAccountSnapshot(Relation heap, int64 account)
{
	static const char *const indexes[2] = {FG_EDGE_PKEY, FG_EDGE_BY_FOLLOWEE};
	uint64		digest[2] = {0, 0};
	int64		count[2] = {0, 0};

	ScanAccountDirty(heap, account, NULL, NULL, &digest[0], &count[0]);
	PushActiveSnapshot(GetTransactionSnapshot());
	for (int dir = 0; dir < 2; dir++)
	{
		FgScan	   *s = FgScanBegin(heap, indexes[dir], ForwardScanDirection, false);
		int64		other;

		FgScanSeek(s, account, InvalidStrategy, 0);
		while (FgScanNextId(s, &other))
			DigestAdd(&digest[1], &count[1], dir == 0 ? account : other,
					  dir == 0 ? other : account);
		FgScanEnd(s);
	}
	PopActiveSnapshot();
	if (digest[0] != digest[1] || count[0] != count[1])
		FgSerializationFailure();
}

/*
 * Run a statement with the stripe choice of a bulk writer that may meet
 * single-pair writers: a free stripe, or a new one (see
 * sql_counts_stripe_free).  fmt takes the stripe expression and the upsert.
 */
static uint64
RunCountsSql(const char *fmt, int nargs, Oid *types, Datum *values, int expected)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, fmt, sql_counts_stripe_free, sql_counts_upsert);
	return FgSpiExec(sql.data, nargs, types, values, expected);
}

/*
 * remove_account(account): remove every edge to and from an account and fix
 * every counterpart's counts; returns the number of edges removed.
 */
Datum
fg_remove_account(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	Oid			gate;
	Relation	heap;
	FgWaitList *waits = palloc(sizeof(FgWaitList));
	List	   *survivors = NIL;
	ListCell   *lc;
	int64		removed;
	bool		states_on = FgStatesInstalled();
	bool		mutual;

	/*
	 * The state writers' lock first (deactivation and reactivation wait for
	 * us), then the edge table's: a rebuild-plan import holds it to commit.
	 */
	if (states_on)
		FgLockStateWriters();
	heap = FgOpenTable(FG_EDGE_TABLE, RowExclusiveLock);

	/*
	 * Only now: an update to 0.3.0 in flight holds the edges in SHARE mode
	 * with the range created and filled, and we must see it once it commits.
	 */
	mutual = FgMutualInstalled();
	CheckBulkArbiters(states_on);
	gate = FgPairGateId();
	SPI_connect();
	values[0] = Int64GetDatum(account);

	/*
	 * Hold the gate with none of the account's edges being deleted by
	 * another transaction, so that the DELETE below never waits for a row.
	 */
	waits->n = 0;
	for (;;)
	{
		LockRelationOid(gate, ShareRowExclusiveLock);
		if (ScanAccountDirty(heap, account, waits, NULL, NULL, NULL) &&
			waits->n == 0)
		{
			/* Its requests and hidden rows must be settled too. */
			TransactionId busy = states_on ? FgStateRowsInFlight(account) :
				InvalidTransactionId;

			if (!TransactionIdIsValid(busy))
				break;
			AddWait(waits, busy);
		}
		if (ReleaseAndWait(gate, waits) && IsolationUsesXactSnapshot())
			FgSerializationFailure();
	}
	if (IsolationUsesXactSnapshot())
	{
		CheckAccountSnapshot(heap, account);
		if (states_on)
			FgCheckStateRowsSnapshot(account);
	}

	RunCountsSql(sql_remove_edges[mutual], 1, types, values, SPI_OK_SELECT);
	removed = FgSpiGetInt64(0, 1);
	if (states_on)
		removed += FgRemoveAccountStates(account);

	/*
	 * An edge of the account that survived the statement was made by a
	 * transaction in progress, or committed after the statement began.  If
	 * we deleted its reverse, the pair had an edge when we began: wait for
	 * that transaction (with the gate released) and remove its edge too.
	 */
	ScanAccountDirty(heap, account, NULL, &survivors, NULL, NULL);
	UnlockRelationOid(gate, ShareRowExclusiveLock);

	foreach(lc, survivors)
	{
		FgSurvivor *sv = (FgSurvivor *) lfirst(lc);
		Oid			stypes[2] = {INT8OID, INT8OID};
		Datum		svalues[2];

		if (!FgVersionExists(heap, &sv->v))
			continue;
		if (IsolationUsesXactSnapshot())
			FgSerializationFailure();

		/*
		 * Its pair had an edge when we began, so the edge goes too, as if
		 * it had been there: remove_account() leaves no edge of a pair it
		 * found.  Its maker counted the mutual with the reverse we removed.
		 */
		svalues[0] = Int64GetDatum(sv->outgoing ? account : sv->other);
		svalues[1] = Int64GetDatum(sv->outgoing ? sv->other : account);
		RunCountsSql(sql_remove_survivor[mutual], 2, stypes, svalues, SPI_OK_SELECT);
		removed += FgSpiGetInt64(0, 1);
	}

	/* Blocks, mutes and flags count nothing: no gate needed. */
	if (states_on)
		FgRemoveAccountMarks(account);
	FgDeleteDismissals(account);	/* issue 14: dismissals naming it go too */
	/* The account's home feed items go too (fg_feed.c). */
	(void) FgRemoveAccountItems(account);
	SPI_finish();
	table_close(heap, NoLock);
	PG_RETURN_INT64(removed);
}
