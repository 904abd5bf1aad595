/*
 * fg_states.c
 *		The account writers of the relationship states: set_private(),
 *		deactivate_account() and reactivate_account(), their reads
 *		is_private() and is_active(), and the parts of remove_account() and
 *		import_edges() (fg_bulk.c) that concern the state tables.
 *
 * An account writer changes every row of one account at once, with the
 * bulk-writer protocol of fg_bulk.c (see docs/states-design.md):
 *
 *	1. deactivate_account() and reactivate_account() (and remove_account())
 *	   first take the state writers' lock, an exclusive lock on object 1 of
 *	   follow_graph.account_state held to commit: they run one at a time, so
 *	   that a reactivation reads every counterpart's active flag settled;
 *	2. the account's own flag row is written first (an upsert into
 *	   account_state).  From then on a pair writer (fg_write.c) that touches
 *	   the account finds its flag being changed and waits for our outcome;
 *	3. take ShareRowExclusiveLock on pair_gate, which waits for every pair
 *	   section in flight (one may have read the old flag), and look with a
 *	   dirty snapshot for a row of the account, in the tables the statement
 *	   reads or moves, that another transaction is still changing.  If there
 *	   is one, release the gate, wait for that transaction and start again,
 *	   so that nothing waits for a transaction while the gate is held;
 *	4. move the rows set-based in one statement that also applies every
 *	   count delta (counterparts in account order, each to a stripe nobody
 *	   holds or a new one), and release the gate.
 *
 * Under REPEATABLE READ and SERIALIZABLE the statement reads the
 * transaction snapshot, so before it runs the writer checks that the
 * snapshot sees the account's rows exactly as they are (and, for a
 * reactivation, every counterpart's flag), and fails with 40001 otherwise;
 * so does a writer that waited for a transaction that committed.
 *
 * set_private() does steps 2 to 4 without step 1: the row lock of its flag
 * row orders it against any other writer of the same account's flags.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_set_private);
PG_FUNCTION_INFO_V1(fg_is_private);
PG_FUNCTION_INFO_V1(fg_deactivate_account);
PG_FUNCTION_INFO_V1(fg_reactivate_account);
PG_FUNCTION_INFO_V1(fg_is_active);

/* Attribute numbers of follow_graph.hidden_edge. */
#define FG_HIDDEN_ATT_FOLLOWER	1
#define FG_HIDDEN_ATT_FOLLOWEE	2

/* Most transactions collected by one dirty scan before waiting for them. */
#define FG_STATE_MAX_WAITS		256

/* One range of rows of an account: the entries of one index for the account. */
typedef struct FgRange
{
	const char *table;
	const char *index;
	AttrNumber	other;			/* column of the counterpart, for flags */
} FgRange;

/* Every row naming the account: edges, requests, hidden rows, both ways. */
static const FgRange ranges_all[] = {
	{FG_EDGE_TABLE, FG_EDGE_PKEY, 0},
	{FG_EDGE_TABLE, FG_EDGE_BY_FOLLOWEE, 0},
	{FG_REQUEST_TABLE, FG_REQUEST_PKEY, 0},
	{FG_REQUEST_TABLE, FG_REQUEST_ACCOUNT_SEQ, 0},
	{FG_HIDDEN_TABLE, FG_HIDDEN_PKEY, FG_HIDDEN_ATT_FOLLOWEE},
	{FG_HIDDEN_TABLE, FG_HIDDEN_BY_FOLLOWEE, FG_HIDDEN_ATT_FOLLOWER},
	{NULL, NULL, 0}
};

/* What making an account public reads: requests to it, its own edges. */
static const FgRange ranges_public[] = {
	{FG_REQUEST_TABLE, FG_REQUEST_ACCOUNT_SEQ, 0},
	{FG_HIDDEN_TABLE, FG_HIDDEN_BY_FOLLOWEE, 0},
	{FG_EDGE_TABLE, FG_EDGE_PKEY, 0},
	{NULL, NULL, 0}
};

/* What remove_account() deletes besides the edges (fg_bulk.c). */
static const FgRange ranges_remove[] = {
	{FG_REQUEST_TABLE, FG_REQUEST_PKEY, 0},
	{FG_REQUEST_TABLE, FG_REQUEST_ACCOUNT_SEQ, 0},
	{FG_HIDDEN_TABLE, FG_HIDDEN_PKEY, 0},
	{FG_HIDDEN_TABLE, FG_HIDDEN_BY_FOLLOWEE, 0},
	{NULL, NULL, 0}
};

/* Transactions to wait for, collected while the gate is held. */
typedef struct FgStateWaits
{
	int			n;
	TransactionId xids[FG_STATE_MAX_WAITS];
} FgStateWaits;

/*
 * A stripe of account d.account nobody holds, or a new one with a random
 * number (a clash with an existing stripe only makes the upsert add to it).
 */
#define FG_STATE_STRIPE_FREE \
"COALESCE((SELECT k.stripe FROM follow_graph.counter AS k" \
"          WHERE k.account OPERATOR(pg_catalog.=) d.account" \
"          ORDER BY k.stripe LIMIT 1 FOR UPDATE SKIP LOCKED)," \
"         (pg_catalog.random() OPERATOR(pg_catalog.*) 2147483646)::pg_catalog.int4)"

/*
 * The last CTE of every account writer's statement: add the rows of delta
 * (account, fr, fg, mu, rq; bigint, one row per account), multiplied by the
 * sign $2, to the counters, accounts in order.
 */
#define FG_STATE_APPLY_DELTAS \
" up AS (" \
"  INSERT INTO follow_graph.counter AS c" \
"    (account, stripe, followers, following, mutuals, requests)" \
"  SELECT d.account, " FG_STATE_STRIPE_FREE "," \
"         d.fr OPERATOR(pg_catalog.*) $2, d.fg OPERATOR(pg_catalog.*) $2," \
"         d.mu OPERATOR(pg_catalog.*) $2, d.rq OPERATOR(pg_catalog.*) $2" \
"  FROM delta AS d" \
"  WHERE d.fr OPERATOR(pg_catalog.<>) 0 OR d.fg OPERATOR(pg_catalog.<>) 0" \
"     OR d.mu OPERATOR(pg_catalog.<>) 0 OR d.rq OPERATOR(pg_catalog.<>) 0" \
"  ORDER BY d.account" \
"  ON CONFLICT (account, stripe) DO UPDATE" \
"  SET followers = c.followers OPERATOR(pg_catalog.+) excluded.followers," \
"      following = c.following OPERATOR(pg_catalog.+) excluded.following," \
"      mutuals = c.mutuals OPERATOR(pg_catalog.+) excluded.mutuals," \
"      requests = c.requests OPERATOR(pg_catalog.+) excluded.requests" \
"  RETURNING 1)"

/*
 * The count deltas of rows moved (follower, followee, pending) into or out
 * of visibility, all naming account $1: each edge counts for both its
 * accounts (a mutual pair when both directions moved: no edge of $1 stays
 * visible while its rows are hidden), each request for its followee.  One
 * row per account: the counterparts of edges (per, unique, never $1) and
 * $1 itself, joined with the requests per followee.
 */
#define FG_STATE_MOVED_DELTAS \
" per AS (" \
"  SELECT CASE WHEN m.follower OPERATOR(pg_catalog.=) $1 THEN m.followee" \
"              ELSE m.follower END AS x," \
"         pg_catalog.bool_or(m.follower OPERATOR(pg_catalog.=) $1) AS out_e," \
"         pg_catalog.bool_or(m.followee OPERATOR(pg_catalog.=) $1) AS in_e" \
"  FROM moved AS m WHERE NOT m.pending GROUP BY 1)," \
" ed (account, fr, fg, mu) AS (" \
"  SELECT per.x, per.out_e::pg_catalog.int4::pg_catalog.int8," \
"         per.in_e::pg_catalog.int4::pg_catalog.int8," \
"         (per.out_e AND per.in_e)::pg_catalog.int4::pg_catalog.int8" \
"  FROM per" \
"  UNION ALL" \
"  SELECT $1, pg_catalog.count(*) FILTER (WHERE per.in_e)," \
"         pg_catalog.count(*) FILTER (WHERE per.out_e)," \
"         pg_catalog.count(*) FILTER (WHERE per.in_e AND per.out_e)" \
"  FROM per)," \
" rqd (account, rq) AS (" \
"  SELECT m.followee, pg_catalog.count(*) FROM moved AS m WHERE m.pending GROUP BY 1)," \
" delta (account, fr, fg, mu, rq) AS (" \
"  SELECT COALESCE(ed.account, rqd.account), COALESCE(ed.fr, 0), COALESCE(ed.fg, 0)," \
"         COALESCE(ed.mu, 0), COALESCE(rqd.rq, 0)" \
"  FROM ed FULL JOIN rqd ON rqd.account OPERATOR(pg_catalog.=) ed.account),"

/*
 * The mutual pairs among the rows moved (after FG_STATE_MOVED_DELTAS): one
 * per counterpart both of whose edges with $1 moved, as its mu delta says.
 */
#define FG_STATE_MUTUAL_PAIRS \
"SELECT $1, per.x FROM per WHERE per.out_e AND per.in_e"

/*
 * deactivate_account($1): every edge and request naming $1 moves to
 * hidden_edge as it is; counts drop ($2 = -1).  Returns the edges hidden.
 */
#define SQL_DEACTIVATE(mutual) \
"WITH de AS (" \
"  DELETE FROM follow_graph.edge AS e" \
"  WHERE e.follower OPERATOR(pg_catalog.=) $1 OR e.followee OPERATOR(pg_catalog.=) $1" \
"  RETURNING e.follower, e.followee, e.seq, e.followed_at)," \
" dr AS (" \
"  DELETE FROM follow_graph.request AS r" \
"  WHERE r.requester OPERATOR(pg_catalog.=) $1 OR r.account OPERATOR(pg_catalog.=) $1" \
"  RETURNING r.requester, r.account, r.seq, r.requested_at)," \
" moved AS (" \
"  SELECT de.follower, de.followee, de.seq, de.followed_at, false AS pending FROM de" \
"  UNION ALL" \
"  SELECT dr.requester, dr.account, dr.seq, dr.requested_at, true FROM dr)," \
" hid AS (" \
"  INSERT INTO follow_graph.hidden_edge (follower, followee, seq, followed_at, pending)" \
"  SELECT m.follower, m.followee, m.seq, m.followed_at, m.pending FROM moved AS m" \
"  RETURNING 1)," \
FG_STATE_MOVED_DELTAS mutual \
FG_STATE_APPLY_DELTAS \
" SELECT pg_catalog.count(*) FROM de"

static const char *const sql_deactivate[2] = {
	SQL_DEACTIVATE(""),
	SQL_DEACTIVATE(FG_MUTUAL_DELETE_CTE("dm", FG_STATE_MUTUAL_PAIRS))
};

/*
 * reactivate_account($1): every hidden row naming $1 whose other account is
 * active goes back to edge or request with its seq and time; counts come
 * back ($2 = 1).  Returns the edges made visible.
 */
#define SQL_REACTIVATE(mutual) \
"WITH moved AS (" \
"  DELETE FROM follow_graph.hidden_edge AS h" \
"  WHERE (h.follower OPERATOR(pg_catalog.=) $1 OR h.followee OPERATOR(pg_catalog.=) $1)" \
"    AND NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s" \
"                    WHERE s.account OPERATOR(pg_catalog.=)" \
"                          CASE WHEN h.follower OPERATOR(pg_catalog.=) $1" \
"                               THEN h.followee ELSE h.follower END" \
"                      AND NOT s.active)" \
"  RETURNING h.follower, h.followee, h.seq, h.followed_at, h.pending)," \
" ie AS (" \
"  INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)" \
"  SELECT m.follower, m.followee, m.seq, m.followed_at FROM moved AS m" \
"  WHERE NOT m.pending RETURNING 1)," \
" ir AS (" \
"  INSERT INTO follow_graph.request (requester, account, seq, requested_at)" \
"  SELECT m.follower, m.followee, m.seq, m.followed_at FROM moved AS m" \
"  WHERE m.pending RETURNING 1)," \
FG_STATE_MOVED_DELTAS mutual \
FG_STATE_APPLY_DELTAS \
" SELECT pg_catalog.count(*) FILTER (WHERE NOT m.pending) FROM moved AS m"

static const char *const sql_reactivate[2] = {
	SQL_REACTIVATE(""),
	SQL_REACTIVATE(FG_MUTUAL_INSERT_CTE("im", FG_STATE_MUTUAL_PAIRS))
};

/*
 * set_private($1, false): accept every request to $1, visible ones into
 * edge with their counts, hidden ones into hidden edges; the new edges get
 * edge_seq values in the order the requests were made, and followed_at
 * now().  $2 = 1.  Returns the requests accepted.
 */
#define SQL_MAKE_PUBLIC(mutual) \
"WITH r AS (" \
"  DELETE FROM follow_graph.request AS r WHERE r.account OPERATOR(pg_catalog.=) $1" \
"  RETURNING r.requester AS follower, r.seq, true AS visible)," \
" h AS (" \
"  DELETE FROM follow_graph.hidden_edge AS h" \
"  WHERE h.followee OPERATOR(pg_catalog.=) $1 AND h.pending" \
"  RETURNING h.follower, h.seq, false AS visible)," \
" acc AS MATERIALIZED (" \
"  SELECT o.follower, o.visible," \
"         pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass) AS seq" \
"  FROM (SELECT r.follower, r.seq, r.visible FROM r" \
"        UNION ALL SELECT h.follower, h.seq, h.visible FROM h" \
"        ORDER BY 2) AS o)," \
" ie AS (" \
"  INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)" \
"  SELECT a.follower, $1, a.seq, pg_catalog.now() FROM acc AS a WHERE a.visible" \
"  RETURNING 1)," \
" ih AS (" \
"  INSERT INTO follow_graph.hidden_edge (follower, followee, seq, followed_at, pending)" \
"  SELECT a.follower, $1, a.seq, pg_catalog.now(), false FROM acc AS a WHERE NOT a.visible" \
"  RETURNING 1)," \
" accv AS MATERIALIZED (" \
"  SELECT a.follower," \
"         EXISTS (SELECT 1 FROM follow_graph.edge AS e" \
"                 WHERE e.follower OPERATOR(pg_catalog.=) $1" \
"                   AND e.followee OPERATOR(pg_catalog.=) a.follower) AS mutual" \
"  FROM acc AS a WHERE a.visible)," \
" delta (account, fr, fg, mu, rq) AS (" \
"  SELECT v.follower, 0::pg_catalog.int8, 1::pg_catalog.int8," \
"         v.mutual::pg_catalog.int4::pg_catalog.int8, 0::pg_catalog.int8" \
"  FROM accv AS v" \
"  UNION ALL" \
"  SELECT $1, pg_catalog.count(*), 0, pg_catalog.count(*) FILTER (WHERE v.mutual)," \
"         OPERATOR(pg_catalog.-) pg_catalog.count(*)" \
"  FROM accv AS v)," mutual \
FG_STATE_APPLY_DELTAS \
" SELECT pg_catalog.count(*) FROM acc"

static const char *const sql_make_public[2] = {
	SQL_MAKE_PUBLIC(""),
	SQL_MAKE_PUBLIC(FG_MUTUAL_INSERT_CTE("im", "SELECT $1, v.follower FROM accv AS v WHERE v.mutual"))
};

/*
 * remove_account($1), inside the gate: delete every request and hidden row
 * naming $1, visible requests with their counts ($2 = -1).  Returns the
 * hidden edges (not requests) deleted.
 */
static const char *const sql_remove_states =
"WITH dr AS ("
"  DELETE FROM follow_graph.request AS r"
"  WHERE r.requester OPERATOR(pg_catalog.=) $1 OR r.account OPERATOR(pg_catalog.=) $1"
"  RETURNING r.account),"
" dh AS ("
"  DELETE FROM follow_graph.hidden_edge AS h"
"  WHERE h.follower OPERATOR(pg_catalog.=) $1 OR h.followee OPERATOR(pg_catalog.=) $1"
"  RETURNING h.pending),"
" delta (account, fr, fg, mu, rq) AS ("
"  SELECT dr.account, 0::pg_catalog.int8, 0::pg_catalog.int8, 0::pg_catalog.int8,"
"         pg_catalog.count(*) FROM dr GROUP BY dr.account),"
FG_STATE_APPLY_DELTAS
" SELECT pg_catalog.count(*) FILTER (WHERE NOT dh.pending) FROM dh";

/* remove_account($1), after the gate: blocks, mutes and flags. */
static const char *const sql_remove_marks =
"WITH db AS ("
"  DELETE FROM follow_graph.block AS b"
"  WHERE b.blocker OPERATOR(pg_catalog.=) $1 OR b.blocked OPERATOR(pg_catalog.=) $1"
"  RETURNING 1),"
" dm AS ("
"  DELETE FROM follow_graph.mute AS m"
"  WHERE m.muter OPERATOR(pg_catalog.=) $1 OR m.muted OPERATOR(pg_catalog.=) $1"
"  RETURNING 1)"
" DELETE FROM follow_graph.account_state AS s WHERE s.account OPERATOR(pg_catalog.=) $1";

static const char *const sql_set_private =
"INSERT INTO follow_graph.account_state AS s (account, private) VALUES ($1, $2)"
" ON CONFLICT (account) DO UPDATE SET private = excluded.private";

static const char *const sql_set_active =
"INSERT INTO follow_graph.account_state AS s (account, active) VALUES ($1, $2)"
" ON CONFLICT (account) DO UPDATE SET active = excluded.active";

/*
 * Does the catalog have 0.2.0's storage (the state tables, items and
 * dismissals, which arrive together)?  Not while a database still has the
 * 0.1.0 catalog under this library (ALTER EXTENSION UPDATE not run yet):
 * the writers, remove_account(), import_edges(), verify() and
 * rebuild_counts() then work on the edges alone, as in 0.1.0.
 */
bool
FgStatesInstalled(void)
{
	return OidIsValid(FgRelationIdIfExists(FG_ACCOUNT_STATE_TABLE));
}

/*
 * Take the state writers' lock (see the top of the file), held to commit.
 */
void
FgLockStateWriters(void)
{
	LockDatabaseObject(RelationRelationId, FgRelationId(FG_ACCOUNT_STATE_TABLE),
					   1, ExclusiveLock);
}

/*
 * Fold one row version (by its place in range number which) into an
 * order-independent digest.
 */
static void
DigestTid(uint64 *digest, int64 *count, int which, ItemPointer tid)
{
	*digest += hash_bytes_uint32_extended(ItemPointerGetBlockNumber(tid),
										  ((uint64) which << 16) |
										  ItemPointerGetOffsetNumber(tid));
	(*count)++;
}

/*
 * Walk one range of the account's rows through the snapshot.  With a dirty
 * snapshot and waits given, collect the other transactions still changing a
 * row (false if the list filled up); with digest given, fold in every row
 * version seen.
 */
static bool
ScanRange(const FgRange *r, int which, int64 account, Snapshot snapshot,
		  FgStateWaits *waits, uint64 *digest, int64 *count)
{
	Relation	heap = FgOpenTable(r->table, AccessShareLock);
	FgScan	   *s = FgScanBeginSnapshot(heap, r->index, snapshot,
										ForwardScanDirection, true);
	bool		ok = true;

	FgScanSeek(s, account, InvalidStrategy, 0);
	while (ok && FgScanNextTuple(s))
	{
		if (waits && snapshot->snapshot_type == SNAPSHOT_DIRTY)
		{
			TransactionId xid = TransactionIdIsValid(snapshot->xmin) ?
				snapshot->xmin : snapshot->xmax;

			if (TransactionIdIsValid(xid))
			{
				if (waits->n >= FG_STATE_MAX_WAITS)
					ok = false;
				else
					waits->xids[waits->n++] = xid;
			}
		}
		if (digest)
			DigestTid(digest, count, which, &s->slot->tts_tid);
	}
	FgScanEnd(s);
	table_close(heap, NoLock);
	return ok;
}

/*
 * Read an account's flags through the snapshot; false (and public, active)
 * if it has no row.
 */
static bool
ReadFlags(int64 account, Snapshot snapshot, bool *is_private, bool *is_active)
{
	Relation	heap = FgOpenTable(FG_ACCOUNT_STATE_TABLE, AccessShareLock);
	Relation	index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	bool		found;

	*is_private = false;
	*is_active = true;
	found = FgFetchByKey(heap, index, snapshot, account, slot);
	if (found)
	{
		bool		isnull;

		*is_private = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_PRIVATE, &isnull));
		*is_active = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_ACTIVE, &isnull));
	}
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return found;
}

/*
 * Under a transaction snapshot: fail with 40001 unless the snapshot sees
 * the account's rows in every range exactly as they are now (with the gate
 * held and nothing in flight, a dirty snapshot sees the latest state).
 * With flags, also every counterpart's flags in the ranges that name one.
 */
static void
CheckRangesSnapshot(const FgRange *ranges, int64 account, bool flags)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	uint64		digest[2] = {0, 0};
	int64		count[2] = {0, 0};
	int			which = 0;

	for (const FgRange *r = ranges; r->table != NULL; r++, which++)
	{
		SnapshotData dirty;

		InitDirtySnapshot(dirty);
		ScanRange(r, which, account, &dirty, NULL, &digest[0], &count[0]);
		ScanRange(r, which, account, snapshot, NULL, &digest[1], &count[1]);
	}
	if (digest[0] != digest[1] || count[0] != count[1])
	{
		UnregisterSnapshot(snapshot);
		FgSerializationFailure();
	}

	for (const FgRange *r = ranges; flags && r->table != NULL; r++)
	{
		Relation	heap;
		FgScan	   *s;
		SnapshotData dirty;

		if (r->other == 0)
			continue;
		heap = FgOpenTable(r->table, AccessShareLock);
		s = FgScanBeginSnapshot(heap, r->index, snapshot,
								ForwardScanDirection, true);
		FgScanSeek(s, account, InvalidStrategy, 0);
		InitDirtySnapshot(dirty);
		while (FgScanNextTuple(s))
		{
			bool		isnull;
			int64		other = DatumGetInt64(slot_getattr(s->slot, r->other, &isnull));
			bool		p[2];
			bool		a[2];

			/* Only the active flag counts (no row is active too). */
			(void) ReadFlags(other, &dirty, &p[0], &a[0]);
			(void) ReadFlags(other, snapshot, &p[1], &a[1]);
			if (a[0] != a[1])
			{
				FgScanEnd(s);
				UnregisterSnapshot(snapshot);
				FgSerializationFailure();
			}
		}
		FgScanEnd(s);
		table_close(heap, NoLock);
	}
	UnregisterSnapshot(snapshot);
}

/*
 * Take the gate with no row of the account in the given ranges being
 * changed by another transaction (waiting for such transactions with the
 * gate released), and under a transaction snapshot check that the snapshot
 * sees those rows as they are.  The gate is held on return.
 */
static void
SettleAccount(Oid gate, const FgRange *ranges, int64 account, bool flags)
{
	FgStateWaits *w = palloc(sizeof(FgStateWaits));
	bool		xact_snapshot = IsolationUsesXactSnapshot();

	for (;;)
	{
		bool		ok = true;
		bool		committed = false;
		int			which = 0;

		CHECK_FOR_INTERRUPTS();
		w->n = 0;
		LockRelationOid(gate, ShareRowExclusiveLock);
		for (const FgRange *r = ranges; r->table != NULL && ok; r++, which++)
		{
			SnapshotData dirty;

			InitDirtySnapshot(dirty);
			ok = ScanRange(r, which, account, &dirty, w, NULL, NULL);
		}
		if (ok && w->n == 0)
			break;
		UnlockRelationOid(gate, ShareRowExclusiveLock);
		for (int i = 0; i < w->n; i++)
		{
			XactLockTableWait(w->xids[i], NULL, NULL, XLTW_None);
			committed |= TransactionIdDidCommit(w->xids[i]);
		}
		if (committed && xact_snapshot)
			FgSerializationFailure();
	}
	pfree(w);
	if (xact_snapshot)
		CheckRangesSnapshot(ranges, account, flags);
}

/* The account writers' statements, prepared once per backend. */
static SPIPlanPtr plan_deactivate[2] = {NULL, NULL};
static SPIPlanPtr plan_reactivate[2] = {NULL, NULL};
static SPIPlanPtr plan_make_public[2] = {NULL, NULL};
static SPIPlanPtr plan_remove_states = NULL;
static SPIPlanPtr plan_remove_marks = NULL;
static SPIPlanPtr plan_set_private = NULL;
static SPIPlanPtr plan_set_active = NULL;

/*
 * Where the kept plan of one of the account writers' statements lives.
 */
static SPIPlanPtr *
AccountPlanSlot(const char *sql)
{
	/* the forms without and with the mutual range (0.2.0, 0.3.0 catalogs) */
	for (int i = 0; i < 2; i++)
	{
		if (sql == sql_deactivate[i])
			return &plan_deactivate[i];
		if (sql == sql_reactivate[i])
			return &plan_reactivate[i];
		if (sql == sql_make_public[i])
			return &plan_make_public[i];
	}
	if (sql == sql_remove_states)
		return &plan_remove_states;
	if (sql == sql_remove_marks)
		return &plan_remove_marks;
	if (sql == sql_set_private)
		return &plan_set_private;
	if (sql == sql_set_active)
		return &plan_set_active;
	elog(ERROR, "unknown account writer statement");
	return NULL;				/* keep compiler quiet */
}

/*
 * Run one of the account writers' statements through its kept plan; the
 * number of rows it processed.
 */
static uint64
AccountExec(const char *sql, int nargs, const Oid *types, const Datum *values,
			int expected)
{
	return FgSpiExecPlan(FgSpiPrepareKeep(AccountPlanSlot(sql), sql, nargs,
										  types),
						 values, expected);
}

/*
 * Run one account writer's statement with parameters ($1 account, $2 sign)
 * and return its single bigint result.
 */
static int64
RunAccountSql(const char *sql, int64 account, int64 sign)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2];

	values[0] = Int64GetDatum(account);
	values[1] = Int64GetDatum(sign);
	if (AccountExec(sql, 2, types, values, SPI_OK_SELECT) != 1)
		elog(ERROR, "account writer statement returned no row");
	return FgSpiGetInt64(0, 1);
}

/*
 * Write the account's own flag row: column private or active set to value.
 */
static void
WriteFlag(int64 account, bool active_flag, bool value)
{
	Oid			types[2] = {INT8OID, BOOLOID};
	Datum		values[2];

	values[0] = Int64GetDatum(account);
	values[1] = BoolGetDatum(value);
	AccountExec(active_flag ? sql_set_active : sql_set_private, 2, types,
				values, SPI_OK_INSERT);
}

/*
 * Lock the storage an account writer changes, in the order of the design
 * note (the edge table before the gate), for the rest of the transaction.
 */
static void
LockAccountStorage(void)
{
	static const char *const tables[] = {
		FG_EDGE_TABLE, FG_REQUEST_TABLE, FG_HIDDEN_TABLE, FG_ACCOUNT_STATE_TABLE
	};

	for (size_t i = 0; i < lengthof(tables); i++)
		table_close(FgOpenTable(tables[i], RowExclusiveLock), NoLock);

	/* The primary keys its statements name in ON CONFLICT. */
	FgCheckArbiterIndex(FG_ACCOUNT_STATE_TABLE, FG_ACCOUNT_STATE_PKEY);
	FgCheckArbiterIndex(FG_HIDDEN_TABLE, FG_HIDDEN_PKEY);
	FgCheckArbiterIndex(FG_COUNTER_TABLE, FG_COUNTER_PKEY);
	if (FgMutualInstalled())
		FgCheckArbiterIndex(FG_MUTUAL_TABLE, FG_MUTUAL_PKEY);
}

/*
 * Deactivate (active false) or reactivate an account; returns the number of
 * edges whose visibility changed.
 */
static int64
ChangeActive(int64 account, bool active)
{
	Oid			gate;
	int64		n;
	bool		mutual;

	FgLockStateWriters();
	LockAccountStorage();
	gate = FgPairGateId();
	SPI_connect();
	WriteFlag(account, true, active);
	SettleAccount(gate, ranges_all, account, active);
	mutual = FgMutualInstalled();
	n = RunAccountSql(active ? sql_reactivate[mutual] : sql_deactivate[mutual],
					  account, active ? 1 : -1);
	UnlockRelationOid(gate, ShareRowExclusiveLock);
	SPI_finish();
	return n;
}

/*
 * deactivate_account(account): hide every edge and request of the account;
 * returns the number of edges hidden.
 */
Datum
fg_deactivate_account(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ChangeActive(FgGetIdArg(fcinfo, 0, "account"), false));
}

/*
 * reactivate_account(account): bring back every hidden edge and request of
 * the account whose other account is active; returns the edges made visible.
 */
Datum
fg_reactivate_account(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ChangeActive(FgGetIdArg(fcinfo, 0, "account"), true));
}

/*
 * set_private(account, private): set the flag; making the account public
 * accepts every pending request to it and returns how many.
 */
Datum
fg_set_private(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	bool		is_private;
	int64		n = 0;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("private must not be null")));
	is_private = PG_GETARG_BOOL(1);

	LockAccountStorage();
	SPI_connect();
	WriteFlag(account, false, is_private);
	if (!is_private)
	{
		Oid			gate = FgPairGateId();

		SettleAccount(gate, ranges_public, account, false);
		n = RunAccountSql(sql_make_public[FgMutualInstalled()], account, 1);
		UnlockRelationOid(gate, ShareRowExclusiveLock);
	}
	SPI_finish();
	PG_RETURN_INT64(n);
}

/*
 * is_private(account): false for an account that never set the flag.
 */
Datum
fg_is_private(PG_FUNCTION_ARGS)
{
	bool		is_private;
	bool		is_active;

	ReadFlags(PG_GETARG_INT64(0), GetActiveSnapshot(), &is_private, &is_active);
	PG_RETURN_BOOL(is_private);
}

/*
 * is_active(account): true for an account that was never deactivated.
 */
Datum
fg_is_active(PG_FUNCTION_ARGS)
{
	bool		is_private;
	bool		is_active;

	ReadFlags(PG_GETARG_INT64(0), GetActiveSnapshot(), &is_private, &is_active);
	PG_RETURN_BOOL(is_active);
}

/*
 * remove_account(): the first transaction changing a request or hidden row
 * of the account, or InvalidTransactionId; the caller holds the gate.
 */
TransactionId
FgStateRowsInFlight(int64 account)
{
	FgStateWaits *w = palloc(sizeof(FgStateWaits));
	TransactionId xid = InvalidTransactionId;
	int			which = 0;

	w->n = 0;
	for (const FgRange *r = ranges_remove; r->table != NULL && w->n == 0; r++, which++)
	{
		SnapshotData dirty;

		InitDirtySnapshot(dirty);
		(void) ScanRange(r, which, account, &dirty, w, NULL, NULL);
	}
	if (w->n > 0)
		xid = w->xids[0];
	pfree(w);
	return xid;
}

/*
 * remove_account() under a transaction snapshot: 40001 unless the snapshot
 * sees the account's requests and hidden rows as they are.
 */
void
FgCheckStateRowsSnapshot(int64 account)
{
	CheckRangesSnapshot(ranges_remove, account, false);
}

/*
 * remove_account(), with the gate held and the rows settled: delete the
 * account's requests (with the requests counts) and hidden rows; returns
 * the hidden edges deleted.  Inside the caller's SPI connection.
 */
int64
FgRemoveAccountStates(int64 account)
{
	return RunAccountSql(sql_remove_states, account, -1);
}

/*
 * remove_account(), after the gate: delete the account's blocks, mutes and
 * flags (none of them counts).  Inside the caller's SPI connection.
 */
void
FgRemoveAccountMarks(int64 account)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(account);
	AccountExec(sql_remove_marks, 1, types, values, SPI_OK_DELETE);
}

/*
 * import_edges(), with the gate or the edge table held: does the state
 * table have any row, committed or in flight?  A table with none cannot
 * get one before the gate is released (its writers need the gate), so its
 * per-pair probes can be skipped.
 */
bool
FgStateTableHasRows(const char *table)
{
	Relation	heap = FgOpenTable(table, AccessShareLock);
	SnapshotData dirty;
	TableScanDesc scan;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	bool		found;

	InitDirtySnapshot(dirty);
	scan = table_beginscan(heap, &dirty, 0, NULL);
	found = table_scan_getnextslot(scan, ForwardScanDirection, slot);
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(heap, NoLock);
	return found;
}

/*
 * import_edges() under a transaction snapshot, its pairs settled: 40001
 * unless the snapshot sees every row of the state tables an import reads
 * (flags, requests, hidden rows, blocks) exactly as they are.
 */
void
FgCheckStateTablesSnapshot(void)
{
	static const char *const tables[] = {
		FG_ACCOUNT_STATE_TABLE, FG_REQUEST_TABLE, FG_HIDDEN_TABLE, FG_BLOCK_TABLE
	};
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	uint64		digest[2] = {0, 0};
	int64		count[2] = {0, 0};

	for (size_t i = 0; i < lengthof(tables); i++)
	{
		Relation	heap = FgOpenTable(tables[i], AccessShareLock);

		for (int k = 0; k < 2; k++)
		{
			SnapshotData dirty;
			TableScanDesc scan;
			TupleTableSlot *slot = table_slot_create(heap, NULL);

			InitDirtySnapshot(dirty);
			scan = table_beginscan(heap, k == 0 ? &dirty : snapshot, 0, NULL);
			while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
			{
				CHECK_FOR_INTERRUPTS();
				DigestTid(&digest[k], &count[k], (int) i, &slot->tts_tid);
			}
			table_endscan(scan);
			ExecDropSingleTupleTableSlot(slot);
		}
		table_close(heap, NoLock);
	}
	UnregisterSnapshot(snapshot);
	if (digest[0] != digest[1] || count[0] != count[1])
		FgSerializationFailure();
}
