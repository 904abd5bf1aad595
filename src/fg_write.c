/*
 * fg_write.c
 *		follow() and unfollow(): the only way single edges and counts change.
 *
 * The four calls that touch an unordered pair {a,b} (follow and unfollow,
 * both directions) must agree on who counts the pair's mutual: of two racing
 * follow(a,b) and follow(b,a), exactly one may add it.  They agree through a
 * short critical section per pair, not through a lock held to commit:
 *
 *	1. enter the pair's critical section: RowExclusiveLock on the lock object
 *	   follow_graph.pair_gate (a fast-path lock that only a bulk writer's
 *	   ShareRowExclusiveLock blocks), then an exclusive heavyweight lock on a
 *	   fake tuple of pair_gate whose block and offset are a hash of the
 *	   ordered pair (min, max).  Two pairs with the same hash only take turns
 *	   for a few microseconds;
 *	2. look for the edge and for its reverse in the primary key with a dirty
 *	   snapshot.  If another transaction is inserting or deleting either,
 *	   leave the section, wait for that transaction to end (as a btree unique
 *	   check does) and start again: nothing inside the section ever waits
 *	   for a transaction;
 *	3. with both edges settled, insert or delete the edge with the
 *	   follower/following deltas to a counter stripe nobody else holds (FOR
 *	   UPDATE SKIP LOCKED), in one statement, and leave the section;
 *	4. if the reverse edge exists, add the mutual delta to both accounts,
 *	   lower id first; an account that had no free stripe (a new account,
 *	   or every stripe held by concurrent writers) gets its delta here too,
 *	   in a new stripe with a random number.
 *
 * Sections of one pair are totally ordered, and each starts from both edges
 * settled, so the reverse edge cannot change between the look and the
 * count: a later writer of either edge finds our change in progress and
 * waits for our outcome before it changes anything.  Exactly one of two
 * racing writers counts, no lock outlives the call, and unrelated pairs never
 * wait on each other.  A writer waits only for a transaction that changed
 * one of the two edges of its own pair and has not ended, so a deadlock needs
 * two transactions that each changed a pair the other one then touches
 * (two pairs, in opposite roles); the deadlock detector reports it (40P01).
 * A transaction that touches one pair several times, in either direction,
 * cannot deadlock on it.
 *
 * Under REPEATABLE READ and SERIALIZABLE a writer also reads both edges in
 * the transaction snapshot: if one differs from what it is (a concurrent
 * transaction changed the pair after the snapshot), or a transaction it
 * waited for committed, the call fails with 40001 instead of counting from a
 * state the snapshot cannot see.
 *
 * One statement may follow millions of times (SELECT follow(a, b) FROM t).
 * Every update of a stripe row inside one transaction leaves a row version
 * that cannot be pruned before commit, so finding the row through its index
 * gets slower with each update of a hot account.  A small direct-mapped cache
 * remembers, per account, the stripe version this transaction wrote last;
 * once an account is in it, writes go step by step and update that version
 * straight by ctid.  The cache is fixed-size (no memory grows with the number
 * of calls) and is emptied at the end of every transaction and at every
 * subtransaction abort, so an entry always names a row version this
 * transaction wrote and still holds locked.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_follow);
PG_FUNCTION_INFO_V1(fg_unfollow);

/* Prepared statements, kept for the life of the backend. */
static SPIPlanPtr plan_insert_edge = NULL;
static SPIPlanPtr plan_delete_edge = NULL;
static SPIPlanPtr plan_bump_stripe = NULL;
static SPIPlanPtr plan_new_stripe = NULL;
static SPIPlanPtr plan_bump_tid = NULL;
static SPIPlanPtr plan_follow_fast = NULL;
static SPIPlanPtr plan_unfollow_fast = NULL;

/*
 * The stripe version this transaction last wrote for an account.  An entry
 * is valid only while its generation is the current one; ending a
 * transaction or aborting a subtransaction starts a new generation, which
 * empties the cache without touching it.
 */
typedef struct FgStripeCacheEntry
{
	uint64		generation;
	int64		account;
	ItemPointerData tid;
} FgStripeCacheEntry;

#define FG_STRIPE_CACHE_SIZE 4096

static FgStripeCacheEntry stripe_cache[FG_STRIPE_CACHE_SIZE];
static uint64 stripe_generation = 1;

/* A pair's critical section: the locks held inside it. */
typedef struct FgPairSection
{
	LOCKTAG		gate;
	LOCKTAG		pair;
} FgPairSection;

static const char *const sql_insert_edge =
"INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
" VALUES ($1, $2, pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"         pg_catalog.now())"
" ON CONFLICT (follower, followee) DO NOTHING";

static const char *const sql_delete_edge =
"DELETE FROM follow_graph.edge AS e"
" WHERE e.follower OPERATOR(pg_catalog.=) $1"
"   AND e.followee OPERATOR(pg_catalog.=) $2";

static const char *const sql_bump_stripe =
"WITH pick AS ("
"  SELECT c.stripe FROM follow_graph.counter AS c"
"  WHERE c.account OPERATOR(pg_catalog.=) $1"
"  LIMIT 1 FOR UPDATE SKIP LOCKED)"
" UPDATE follow_graph.counter AS c"
" SET followers = c.followers OPERATOR(pg_catalog.+) $2,"
"     following = c.following OPERATOR(pg_catalog.+) $3,"
"     mutuals = c.mutuals OPERATOR(pg_catalog.+) $4"
" FROM pick"
" WHERE c.account OPERATOR(pg_catalog.=) $1"
"   AND c.stripe OPERATOR(pg_catalog.=) pick.stripe"
" RETURNING c.ctid";

static const char *const sql_new_stripe =
"INSERT INTO follow_graph.counter AS c"
"  (account, stripe, followers, following, mutuals)"
" VALUES ($1, $5, $2, $3, $4)"
" ON CONFLICT (account, stripe) DO UPDATE"
" SET followers = c.followers OPERATOR(pg_catalog.+) excluded.followers,"
"     following = c.following OPERATOR(pg_catalog.+) excluded.following,"
"     mutuals = c.mutuals OPERATOR(pg_catalog.+) excluded.mutuals"
" RETURNING c.ctid";

static const char *const sql_bump_tid =
"UPDATE follow_graph.counter AS c"
" SET followers = c.followers OPERATOR(pg_catalog.+) $2,"
"     following = c.following OPERATOR(pg_catalog.+) $3,"
"     mutuals = c.mutuals OPERATOR(pg_catalog.+) $4"
" WHERE c.ctid OPERATOR(pg_catalog.=) $5"
"   AND c.account OPERATOR(pg_catalog.=) $1"
" RETURNING c.ctid";

/*
 * The usual follow or unfollow in one statement: insert or delete the edge,
 * and if that changed a row add the follower/following deltas to a free
 * stripe of each account.  It always returns one row whose first column
 * counts the edges changed, with the ctid and account of each stripe updated
 * (an account with no free stripe returns none).  The mutual count is left
 * to the caller, which looks for the reverse edge before it leaves the
 * pair's critical section.  $1 follower, $2 followee, $3 sign.
 */
#define FG_FAST_COUNTERS \
" d (account, dfollowers, dfollowing) AS (" \
"  VALUES ($1, 0::pg_catalog.int8, $3), ($2, $3, 0::pg_catalog.int8))," \
" pick AS MATERIALIZED (" \
"  SELECT d.account, d.dfollowers, d.dfollowing," \
"         (SELECT c.stripe FROM follow_graph.counter AS c" \
"          WHERE c.account OPERATOR(pg_catalog.=) d.account" \
"          LIMIT 1 FOR UPDATE SKIP LOCKED) AS stripe" \
"  FROM d WHERE EXISTS (SELECT 1 FROM changed))," \
" upd AS (" \
"  UPDATE follow_graph.counter AS c" \
"  SET followers = c.followers OPERATOR(pg_catalog.+) p.dfollowers," \
"      following = c.following OPERATOR(pg_catalog.+) p.dfollowing" \
"  FROM pick AS p" \
"  WHERE c.account OPERATOR(pg_catalog.=) p.account" \
"    AND c.stripe OPERATOR(pg_catalog.=) p.stripe" \
"  RETURNING c.ctid, c.account)" \
" SELECT (SELECT pg_catalog.count(*) FROM changed), u.ctid, u.account" \
" FROM (SELECT 1) AS one LEFT JOIN upd AS u ON true"

static const char *const sql_follow_fast =
"WITH changed AS ("
"  INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
"  VALUES ($1, $2, pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"          pg_catalog.now())"
"  ON CONFLICT (follower, followee) DO NOTHING RETURNING 1),"
FG_FAST_COUNTERS;

static const char *const sql_unfollow_fast =
"WITH changed AS ("
"  DELETE FROM follow_graph.edge AS e"
"  WHERE e.follower OPERATOR(pg_catalog.=) $1"
"    AND e.followee OPERATOR(pg_catalog.=) $2 RETURNING 1),"
FG_FAST_COUNTERS;

/* Parameter types of the statements above. */
static const Oid edge_types[] = {INT8OID, INT8OID};
static const Oid fast_types[] = {INT8OID, INT8OID, INT8OID};
static const Oid bump_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT4OID};
static const Oid bump_tid_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, TIDOID};

/*
 * Empty the stripe cache when a transaction ends or a subtransaction aborts:
 * a version written by an aborted subtransaction is not ours any more, and
 * its place may be reused by a stripe row another transaction holds.
 */
static void
StripeCacheXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			stripe_generation++;
			break;
		default:
			break;
	}
}

/*
 * Subtransaction counterpart of StripeCacheXactCallback.
 */
static void
StripeCacheSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		stripe_generation++;
}

/*
 * Register the write path's transaction callbacks; called once from _PG_init.
 */
void
FgWriteInit(void)
{
	RegisterXactCallback(StripeCacheXactCallback, NULL);
	RegisterSubXactCallback(StripeCacheSubXactCallback, NULL);
}

/*
 * Enter the critical section of the unordered pair {a,b} (see the top of
 * the file).  The fake tuple of pair_gate is a 47-bit hash of (min, max):
 * block from 32 bits, offset from 16 bits, kept at 1 or more.
 */
static void
PairEnter(FgPairSection *cs, int64 a, int64 b)
{
	Oid			gate = FgPairGateId();
	uint64		lo = (uint64) Min(a, b);
	uint64		hi = (uint64) Max(a, b);
	uint64		h = hash_combine64(hash_bytes_uint32_extended((uint32) lo, lo >> 32),
								   hash_bytes_uint32_extended((uint32) hi, hi >> 32));

	SET_LOCKTAG_RELATION(cs->gate, MyDatabaseId, gate);
	SET_LOCKTAG_TUPLE(cs->pair, MyDatabaseId, gate, (BlockNumber) (h >> 32),
					  (OffsetNumber) ((h & 0xfffe) + 1));
	(void) LockAcquire(&cs->gate, RowExclusiveLock, false, false);
	(void) LockAcquire(&cs->pair, ExclusiveLock, false, false);
}

/*
 * Leave the pair's critical section.
 */
static void
PairLeave(FgPairSection *cs)
{
	LockRelease(&cs->pair, ExclusiveLock, false);
	LockRelease(&cs->gate, RowExclusiveLock, false);
}

/*
 * The stripe cache entry of an account.
 */
static FgStripeCacheEntry *
StripeCacheEntry(int64 account)
{
	return &stripe_cache[hash_bytes_uint32_extended((uint32) account,
													(uint64) account >> 32)
						 % FG_STRIPE_CACHE_SIZE];
}

/*
 * Does this transaction already hold a stripe of the account?
 */
static bool
HoldsStripe(int64 account)
{
	FgStripeCacheEntry *e = StripeCacheEntry(account);

	return e->generation == stripe_generation && e->account == account;
}

/*
 * Remember the stripe version in column col of result row 'row' as the one
 * this transaction last wrote for the account; false if the column is NULL.
 */
static bool
RememberStripe(int64 account, uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);
	FgStripeCacheEntry *e;

	if (isnull)
		return false;
	e = StripeCacheEntry(account);
	e->generation = stripe_generation;
	e->account = account;
	ItemPointerCopy((ItemPointer) DatumGetPointer(d), &e->tid);
	return true;
}

/*
 * Add deltas to one counter stripe of an account.
 */
static void
BumpCounts(int64 account, int64 followers, int64 following, int64 mutuals)
{
	FgStripeCacheEntry *e;
	Datum		values[5];

	values[0] = Int64GetDatum(account);
	values[1] = Int64GetDatum(followers);
	values[2] = Int64GetDatum(following);
	values[3] = Int64GetDatum(mutuals);

	/* This transaction already holds a stripe of the account: reuse it. */
	e = StripeCacheEntry(account);
	if (e->generation == stripe_generation && e->account == account)
	{
		values[4] = PointerGetDatum(&e->tid);
		if (FgSpiExecPlan(FgSpiPrepareKeep(&plan_bump_tid, sql_bump_tid, 5,
										   bump_tid_types),
						  values, SPI_OK_UPDATE_RETURNING) > 0)
		{
			RememberStripe(account, 0, 1);
			return;
		}
	}

	if (FgSpiExecPlan(FgSpiPrepareKeep(&plan_bump_stripe, sql_bump_stripe, 4,
									   bump_types),
					  values, SPI_OK_UPDATE_RETURNING) > 0)
	{
		RememberStripe(account, 0, 1);
		return;
	}

	/*
	 * The account has no stripe yet, or every stripe is held by a concurrent
	 * writer: start a new one.  A random stripe number makes a clash with a
	 * concurrent insert practically impossible, and the upsert keeps the
	 * count exact if it ever happens.
	 */
	values[4] = Int32GetDatum((int32) (pg_prng_uint32(&pg_global_prng_state) & 0x7fffffff));
	FgSpiExecPlan(FgSpiPrepareKeep(&plan_new_stripe, sql_new_stripe, 5,
								   bump_types),
				  values, SPI_OK_INSERT_RETURNING);
	RememberStripe(account, 0, 1);
}

/*
 * Apply the count changes of one edge follower -> followee appearing
 * (sign = 1) or disappearing (sign = -1), given whether the reverse edge
 * exists, except the follower/following deltas already applied to an
 * account marked done.
 */
static void
ApplyEdgeDelta(int64 follower, int64 followee, int sign, bool reverse,
			   bool done_follower, bool done_followee)
{
	int64		mutual = reverse ? sign : 0;
	bool		need_follower = !done_follower || mutual != 0;
	bool		need_followee = !done_followee || mutual != 0;

	/* Lower id first, so that no two writers wait on each other in a cycle. */
	if (follower < followee && need_follower)
		BumpCounts(follower, 0, done_follower ? 0 : sign, mutual);
	if (need_followee)
		BumpCounts(followee, done_followee ? 0 : sign, 0, mutual);
	if (follower > followee && need_follower)
		BumpCounts(follower, 0, done_follower ? 0 : sign, mutual);
}

/*
 * Checks shared by follow() and unfollow().
 */
static void
CheckEdgeArgs(FunctionCallInfo fcinfo, int64 *follower, int64 *followee)
{
	*follower = FgGetIdArg(fcinfo, 0, "follower");
	*followee = FgGetIdArg(fcinfo, 1, "followee");
	if (*follower == *followee)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an account cannot follow itself"),
				 errdetail("Both follower and followee are " INT64_FORMAT ".",
						   *follower)));
}

/*
 * The one-statement write (see sql_follow_fast).  Returns whether the edge
 * changed and which accounts already had their follower/following delta.
 */
static bool
ChangeEdgeFast(int64 follower, int64 followee, int sign,
			   bool *done_follower, bool *done_followee)
{
	Datum		values[3];
	uint64		n;
	bool		isnull;
	bool		changed;

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	values[2] = Int64GetDatum(sign);
	if (sign > 0)
		n = FgSpiExecPlan(FgSpiPrepareKeep(&plan_follow_fast, sql_follow_fast,
										   3, fast_types),
						  values, SPI_OK_SELECT);
	else
		n = FgSpiExecPlan(FgSpiPrepareKeep(&plan_unfollow_fast,
										   sql_unfollow_fast, 3, fast_types),
						  values, SPI_OK_SELECT);

	changed = n > 0 &&
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull)) > 0;
	for (uint64 i = 0; changed && i < n; i++)
	{
		int64		account = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
															  SPI_tuptable->tupdesc,
															  3, &isnull));

		if (!RememberStripe(account, i, 2))
			continue;
		if (account == follower)
			*done_follower = true;
		else
			*done_followee = true;
	}
	return changed;
}

/*
 * Insert or delete the edge alone (the step-by-step path); true if a row
 * changed.
 */
static bool
ChangeEdgeOnly(int64 follower, int64 followee, bool insert)
{
	Datum		values[2];

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	if (insert)
		return FgSpiExecPlan(FgSpiPrepareKeep(&plan_insert_edge,
											  sql_insert_edge, 2, edge_types),
							 values, SPI_OK_INSERT) > 0;
	return FgSpiExecPlan(FgSpiPrepareKeep(&plan_delete_edge, sql_delete_edge,
										  2, edge_types),
						 values, SPI_OK_DELETE) > 0;
}

/*
 * Enter the pair's critical section with both edges of the pair settled: no
 * other transaction is inserting or deleting follower -> followee or its
 * reverse.  Returns whether the edge exists for this call, and in *reverse
 * whether the reverse edge does.  Waits, outside the section, for each
 * transaction found changing one of them, then looks again.  For unfollow()
 * (insert false) an edge whose insertion we waited for counts as absent, as
 * for a DELETE whose snapshot predates that insertion.
 *
 * Under REPEATABLE READ and SERIALIZABLE both edges must look in the
 * transaction snapshot as they are, and a transaction we waited for must not
 * have committed; otherwise the call fails with 40001.
 */
static bool
EnterSettled(FgPairSection *cs, Relation heap, int64 follower, int64 followee,
			 bool insert, bool *reverse)
{
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	FgEdgeVersion own;
	FgEdgeVersion rev;
	bool		waited_insert = false;

	for (;;)
	{
		TransactionId wait;

		CHECK_FOR_INTERRUPTS();
		PairEnter(cs, follower, followee);
		FgProbeDirtyPair(heap, follower, followee, &own, &rev);
		wait = own.found ? own.wait : InvalidTransactionId;
		if (TransactionIdIsValid(wait))
			waited_insert |= TransactionIdEquals(wait, own.xmin);
		else
			wait = rev.found ? rev.wait : InvalidTransactionId;
		if (!TransactionIdIsValid(wait))
			break;
		PairLeave(cs);
		XactLockTableWait(wait, heap, NULL, XLTW_None);
		if (xact_snapshot && TransactionIdDidCommit(wait))
			FgSerializationFailure();
	}

	/* The snapshot must see both edges as they are. */
	if (xact_snapshot &&
		(FgProbeSnapshot(heap, follower, followee) != own.found ||
		 FgProbeSnapshot(heap, followee, follower) != rev.found))
	{
		PairLeave(cs);
		FgSerializationFailure();
	}
	*reverse = rev.found;
	return own.found && (insert || !waited_insert);
}

/*
 * Insert or delete the edge follower -> followee and apply every count
 * change; true if a row changed (see the top of the file).
 */
static bool
ChangeEdge(FunctionCallInfo fcinfo, bool insert)
{
	int64		follower;
	int64		followee;
	int			sign = insert ? 1 : -1;
	bool		done_follower = false;
	bool		done_followee = false;
	bool		changed;
	bool		reverse;
	Relation	heap;
	FgPairSection cs;

	CheckEdgeArgs(fcinfo, &follower, &followee);

	/*
	 * Take the edge table's lock before the pair's section: an import that
	 * holds it exclusively holds it to commit.
	 */
	heap = FgOpenTable(FG_EDGE_TABLE, RowExclusiveLock);
	SPI_connect();

	if (EnterSettled(&cs, heap, follower, followee, insert, &reverse) == insert)
	{
		/* Nothing to do: follow of an edge that exists, or the converse. */
		PairLeave(&cs);
		SPI_finish();
		table_close(heap, NoLock);
		return false;
	}

	if (!HoldsStripe(follower) && !HoldsStripe(followee))
		changed = ChangeEdgeFast(follower, followee, sign,
								 &done_follower, &done_followee);
	else
	{
		/*
		 * This transaction already wrote a stripe of one of the accounts:
		 * go step by step, so that BumpCounts reuses it by ctid.
		 */
		changed = ChangeEdgeOnly(follower, followee, insert);
	}
	if (!changed)
		elog(ERROR, "edge " INT64_FORMAT " -> " INT64_FORMAT " changed under the pair's critical section",
			 follower, followee);

	/*
	 * From here on a writer of either edge finds ours in progress and waits
	 * for our outcome, so the section may end before the counts are done.
	 */
	PairLeave(&cs);
	ApplyEdgeDelta(follower, followee, sign, reverse,
				   done_follower, done_followee);
	SPI_finish();
	table_close(heap, NoLock);
	return true;
}

/*
 * follow(follower, followee): true if a new edge was made.
 */
Datum
fg_follow(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ChangeEdge(fcinfo, true));
}

/*
 * unfollow(follower, followee): true if an edge was removed.
 */
Datum
fg_unfollow(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ChangeEdge(fcinfo, false));
}

/* Item counts (fg_feed.c): the same stripes and stripe cache. */
static SPIPlanPtr plan_items_tid = NULL;
static SPIPlanPtr plan_items_stripe = NULL;
static SPIPlanPtr plan_items_new = NULL;

static const char *const sql_items_tid =
"UPDATE follow_graph.counter AS c"
" SET items = c.items OPERATOR(pg_catalog.+) $2"
" WHERE c.ctid OPERATOR(pg_catalog.=) $3"
"   AND c.account OPERATOR(pg_catalog.=) $1"
" RETURNING c.ctid";

static const char *const sql_items_stripe =
"WITH pick AS ("
"  SELECT c.stripe FROM follow_graph.counter AS c"
"  WHERE c.account OPERATOR(pg_catalog.=) $1"
"  LIMIT 1 FOR UPDATE SKIP LOCKED)"
" UPDATE follow_graph.counter AS c"
" SET items = c.items OPERATOR(pg_catalog.+) $2"
" FROM pick"
" WHERE c.account OPERATOR(pg_catalog.=) $1"
"   AND c.stripe OPERATOR(pg_catalog.=) pick.stripe"
" RETURNING c.ctid";

static const char *const sql_items_new =
"INSERT INTO follow_graph.counter AS c (account, stripe, items)"
" VALUES ($1, $3, $2)"
" ON CONFLICT (account, stripe) DO UPDATE"
" SET items = c.items OPERATOR(pg_catalog.+) excluded.items"
" RETURNING c.ctid";

/*
 * Does this transaction already hold a counter stripe of the account?
 */
bool
FgStripeHeld(int64 account)
{
	return HoldsStripe(account);
}

/*
 * Remember the stripe version in column col of SPI result row 'row' as the
 * one this transaction last wrote for the account; false if it is NULL.
 */
bool
FgStripeRemember(int64 account, uint64 row, int col)
{
	return RememberStripe(account, row, col);
}

/*
 * Add delta to the item count of an account, as BumpCounts does for the
 * edge counts: the stripe this transaction holds, else a free one, else a
 * new one.  Inside SPI_connect.
 */
void
FgBumpItems(int64 account, int64 delta)
{
	Datum		values[3];
	Oid			types[3] = {INT8OID, INT8OID, TIDOID};
	FgStripeCacheEntry *e = StripeCacheEntry(account);

	values[0] = Int64GetDatum(account);
	values[1] = Int64GetDatum(delta);
	if (e->generation == stripe_generation && e->account == account)
	{
		values[2] = PointerGetDatum(&e->tid);
		if (FgSpiExecPlan(FgSpiPrepareKeep(&plan_items_tid, sql_items_tid, 3,
										   types),
						  values, SPI_OK_UPDATE_RETURNING) > 0)
		{
			RememberStripe(account, 0, 1);
			return;
		}
	}
	if (FgSpiExecPlan(FgSpiPrepareKeep(&plan_items_stripe, sql_items_stripe, 2,
									   types),
					  values, SPI_OK_UPDATE_RETURNING) > 0)
	{
		RememberStripe(account, 0, 1);
		return;
	}
	types[2] = INT4OID;
	values[2] = Int32GetDatum((int32) (pg_prng_uint32(&pg_global_prng_state) & 0x7fffffff));
	FgSpiExecPlan(FgSpiPrepareKeep(&plan_items_new, sql_items_new, 3, types),
				  values, SPI_OK_INSERT_RETURNING);
	RememberStripe(account, 0, 1);
}
