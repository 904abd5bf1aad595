/*
 * fg_write.c
 *		follow() and unfollow(): the only way single edges and counts change.
 *
 * A write is one SPI statement in the usual case, with plans prepared once
 * per backend:
 *
 *	1. update the pair_lock slot of the unordered pair {a,b}; once it is held,
 *	   insert or delete the edge; if that changed a row, add the follower and
 *	   following deltas to a counter stripe of each account that nobody else
 *	   holds (FOR UPDATE SKIP LOCKED).  The slot's row lock is held to commit,
 *	   so the four calls that touch a pair (follow and unfollow, both
 *	   directions) take turns, and bulk writers that lock many slots in slot
 *	   order never deadlock with them;
 *	2. look for the reverse edge in the primary key, directly from C, with a
 *	   snapshot taken after the slot is held (fresh under READ COMMITTED), so
 *	   it sees every earlier holder of the slot: exactly one of two racing
 *	   follow(a,b) and follow(b,a) counts the new mutual;
 *	3. only when there is a mutual to count, or an account had no free stripe
 *	   (a new account, or every stripe held by concurrent writers), one more
 *	   statement per account, lower id first: the mutual delta, or a new
 *	   stripe with a random number.
 *
 * So a follow storm on one account never queues on one row, and a count is
 * the sum of an account's few stripes.  Under REPEATABLE READ and
 * SERIALIZABLE a slot or stripe changed by a concurrent transaction makes the
 * call fail with 40001 instead of counting from a stale snapshot.
 *
 * One statement may follow millions of times (SELECT follow(a, b) FROM t).
 * Every update of a stripe row inside one transaction leaves a row version
 * that cannot be pruned before commit, so finding the row through its index
 * gets slower with each update of a hot account.  A small direct-mapped cache
 * remembers, per account, the stripe version this transaction wrote last;
 * once an account is in it, writes go step by step and update that version
 * straight by ctid.  The cache is fixed-size (no memory grows with the number
 * of calls), tagged with the local transaction id, and only an optimisation:
 * a stale entry finds no row and the normal path runs.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/itemptr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "access/table.h"

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

/* The stripe version this transaction last wrote for an account. */
typedef struct FgStripeCacheEntry
{
	LocalTransactionId lxid;
	int64		account;
	ItemPointerData tid;
} FgStripeCacheEntry;

#define FG_STRIPE_CACHE_SIZE 4096

static FgStripeCacheEntry stripe_cache[FG_STRIPE_CACHE_SIZE];

static const char *const sql_insert_edge =
"WITH slot AS ("
"  UPDATE follow_graph.pair_lock SET n = n OPERATOR(pg_catalog.+) 1"
"  WHERE slot OPERATOR(pg_catalog.=) $3 RETURNING 1)"
" INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
" SELECT $1, $2, pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"        pg_catalog.now() FROM slot"
" ON CONFLICT (follower, followee) DO NOTHING";

static const char *const sql_delete_edge =
"WITH slot AS ("
"  UPDATE follow_graph.pair_lock SET n = n OPERATOR(pg_catalog.+) 1"
"  WHERE slot OPERATOR(pg_catalog.=) $3 RETURNING 1)"
" DELETE FROM follow_graph.edge AS e USING slot"
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
 * The usual follow or unfollow in one statement: take the pair slot, insert
 * or delete the edge, and if that changed a row add the follower/following
 * deltas to a free stripe of each account.  It always returns one row whose
 * first column counts the edges changed, with the ctid and account of each
 * stripe updated (an account with no free stripe returns none).  The mutual
 * count is left to the caller, which must look for the reverse edge with a
 * snapshot taken after this statement holds the slot.
 * $1 follower, $2 followee, $3 slot, $4 sign.
 */
#define FG_FAST_COUNTERS \
" d (account, dfollowers, dfollowing) AS (" \
"  VALUES ($1, 0::pg_catalog.int8, $4), ($2, $4, 0::pg_catalog.int8))," \
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
"WITH slot AS ("
"  UPDATE follow_graph.pair_lock SET n = n OPERATOR(pg_catalog.+) 1"
"  WHERE slot OPERATOR(pg_catalog.=) $3 RETURNING 1),"
" changed AS ("
"  INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)"
"  SELECT $1, $2, pg_catalog.nextval('follow_graph.edge_seq'::pg_catalog.regclass),"
"         pg_catalog.now() FROM slot"
"  ON CONFLICT (follower, followee) DO NOTHING RETURNING 1),"
FG_FAST_COUNTERS;

static const char *const sql_unfollow_fast =
"WITH slot AS ("
"  UPDATE follow_graph.pair_lock SET n = n OPERATOR(pg_catalog.+) 1"
"  WHERE slot OPERATOR(pg_catalog.=) $3 RETURNING 1),"
" changed AS ("
"  DELETE FROM follow_graph.edge AS e USING slot"
"  WHERE e.follower OPERATOR(pg_catalog.=) $1"
"    AND e.followee OPERATOR(pg_catalog.=) $2 RETURNING 1),"
FG_FAST_COUNTERS;

/* Parameter types of the statements above. */
static const Oid edge_types[] = {INT8OID, INT8OID, INT4OID};
static const Oid fast_types[] = {INT8OID, INT8OID, INT4OID, INT8OID};
static const Oid bump_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT4OID};
static const Oid bump_tid_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, TIDOID};

/*
 * Prepare a statement once and keep it for the life of the backend.
 */
static SPIPlanPtr
PreparePlan(SPIPlanPtr *cache, const char *sql, int nargs, const Oid *types)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, (Oid *) types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*cache = plan;
	}
	return *cache;
}

/*
 * Run a prepared statement and return the number of rows it processed.
 */
static uint64
RunPlan(SPIPlanPtr plan, Datum *values, int expected)
{
	int			rc = SPI_execute_plan(plan, values, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * The pair_lock slot of the unordered pair {a,b}.  Also used by the bulk
 * writers in fg_bulk.c, which lock many slots at once.
 */
int32
FgPairSlot(int64 a, int64 b)
{
	uint64		lo = (uint64) Min(a, b);
	uint64		hi = (uint64) Max(a, b);

	return (int32) (hash_combine64(hash_bytes_uint32_extended((uint32) lo, lo >> 32),
								   hash_bytes_uint32_extended((uint32) hi, hi >> 32))
					% FG_PAIR_SLOTS);
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

	return e->lxid == FgMyLocalXid() && e->account == account;
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
	e->lxid = FgMyLocalXid();
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
	if (e->lxid == FgMyLocalXid() && e->account == account)
	{
		values[4] = PointerGetDatum(&e->tid);
		if (RunPlan(PreparePlan(&plan_bump_tid, sql_bump_tid, 5, bump_tid_types),
					values, SPI_OK_UPDATE_RETURNING) > 0)
		{
			RememberStripe(account, 0, 1);
			return;
		}
	}

	if (RunPlan(PreparePlan(&plan_bump_stripe, sql_bump_stripe, 4, bump_types),
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
	RunPlan(PreparePlan(&plan_new_stripe, sql_new_stripe, 5, bump_types),
			values, SPI_OK_INSERT_RETURNING);
	RememberStripe(account, 0, 1);
}

/*
 * Is there an edge from -> to, as of a snapshot taken now?  Read straight
 * from the primary key.  Under READ COMMITTED the snapshot is fresh, so it
 * sees every transaction that held the pair slot before us.
 */
static bool
ReverseEdgeExists(int64 from, int64 to)
{
	Relation	heap;
	FgScan	   *s;
	bool		found;

	PushActiveSnapshot(GetTransactionSnapshot());
	heap = FgOpenEdges();
	s = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	found = FgScanProbe(s, from, to);
	FgScanEnd(s);
	table_close(heap, AccessShareLock);
	PopActiveSnapshot();
	return found;
}

/*
 * Apply the count changes of one edge follower -> followee appearing
 * (sign = 1) or disappearing (sign = -1), except the follower/following
 * deltas already applied to an account marked done.  Must run after the edge
 * statement took the pair's slot.
 */
static void
ApplyEdgeDelta(int64 follower, int64 followee, int sign,
			   bool done_follower, bool done_followee)
{
	int64		mutual = ReverseEdgeExists(followee, follower) ? sign : 0;
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
ChangeEdgeFast(int64 follower, int64 followee, int32 slot, int sign,
			   bool *done_follower, bool *done_followee)
{
	Datum		values[4];
	uint64		n;
	bool		isnull;
	bool		changed;

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	values[2] = Int32GetDatum(slot);
	values[3] = Int64GetDatum(sign);
	if (sign > 0)
		n = RunPlan(PreparePlan(&plan_follow_fast, sql_follow_fast, 4, fast_types),
					values, SPI_OK_SELECT);
	else
		n = RunPlan(PreparePlan(&plan_unfollow_fast, sql_unfollow_fast, 4, fast_types),
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
 * Insert or delete the edge together with the pair slot; true if a row
 * changed, in which case the counts follow.
 */
static bool
ChangeEdge(FunctionCallInfo fcinfo, bool insert)
{
	int64		follower;
	int64		followee;
	int32		slot;
	int			sign = insert ? 1 : -1;
	bool		changed;

	CheckEdgeArgs(fcinfo, &follower, &followee);
	slot = FgPairSlot(follower, followee);

	SPI_connect();
	if (!HoldsStripe(follower) && !HoldsStripe(followee))
	{
		bool		done_follower = false;
		bool		done_followee = false;

		changed = ChangeEdgeFast(follower, followee, slot, sign,
								 &done_follower, &done_followee);
		if (changed)
			ApplyEdgeDelta(follower, followee, sign,
						   done_follower, done_followee);
	}
	else
	{
		/*
		 * This transaction already wrote a stripe of one of the accounts:
		 * go step by step, so that BumpCounts reuses it by ctid.
		 */
		Datum		values[3];

		values[0] = Int64GetDatum(follower);
		values[1] = Int64GetDatum(followee);
		values[2] = Int32GetDatum(slot);
		if (insert)
			changed = RunPlan(PreparePlan(&plan_insert_edge, sql_insert_edge, 3, edge_types),
							  values, SPI_OK_INSERT) > 0;
		else
			changed = RunPlan(PreparePlan(&plan_delete_edge, sql_delete_edge, 3, edge_types),
							  values, SPI_OK_DELETE) > 0;
		if (changed)
			ApplyEdgeDelta(follower, followee, sign, false, false);
	}
	SPI_finish();
	return changed;
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
