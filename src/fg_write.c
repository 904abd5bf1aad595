/*
 * fg_write.c
 *		follow() and unfollow(): the only way edges and counts change.
 *
 * A write runs three kinds of statement through SPI, with plans prepared
 * once per backend:
 *
 *	1. update the pair_lock slot of the unordered pair {a,b} and, in the
 *	   same statement once the slot is held, insert or delete the edge (the
 *	   edge statement reads the slot CTE, so the slot comes first and a
 *	   bulk writer holding many slots never deadlocks with it).  The slot's
 *	   row lock is held to commit, so the four calls that touch a pair
 *	   (follow and unfollow, both directions) take turns from here on;
 *	2. look for the reverse edge with a fresh snapshot (READ COMMITTED), which
 *	   therefore sees every earlier holder of the slot: exactly one of two
 *	   racing follow(a,b) and follow(b,a) counts the new mutual;
 *	3. add the deltas to one counter stripe of each account, lower id first.
 *	   The stripe is any row of the account nobody holds (SKIP LOCKED), or a
 *	   new one, so many writers of one account never queue on one row.
 *
 * Under REPEATABLE READ and SERIALIZABLE a slot or stripe changed by a
 * concurrent transaction makes the call fail with 40001 instead of counting
 * from a stale snapshot.
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

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_follow);
PG_FUNCTION_INFO_V1(fg_unfollow);

/* Prepared statements, kept for the life of the backend. */
static SPIPlanPtr plan_insert_edge = NULL;
static SPIPlanPtr plan_delete_edge = NULL;
static SPIPlanPtr plan_edge_exists = NULL;
static SPIPlanPtr plan_bump_stripe = NULL;
static SPIPlanPtr plan_new_stripe = NULL;
static SPIPlanPtr plan_bump_tid = NULL;
static SPIPlanPtr plan_bump_pair = NULL;

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

static const char *const sql_edge_exists =
"SELECT 1 FROM follow_graph.edge AS e"
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
 * The common case in one statement: look for the reverse edge and add the
 * deltas to a free stripe of each account.  Returns a row per stripe updated
 * (an account whose stripes are all held, or that has none, returns none)
 * with the mutual delta applied.  $1 follower, $2 followee, $3 sign.
 */
static const char *const sql_bump_pair =
"WITH rev AS MATERIALIZED ("
"  SELECT CASE WHEN EXISTS (SELECT 1 FROM follow_graph.edge AS e"
"                           WHERE e.follower OPERATOR(pg_catalog.=) $2"
"                             AND e.followee OPERATOR(pg_catalog.=) $1)"
"              THEN $3 ELSE 0::pg_catalog.int8 END AS m),"
" d (account, dfollowers, dfollowing) AS ("
"  VALUES ($1, 0::pg_catalog.int8, $3), ($2, $3, 0::pg_catalog.int8)),"
" pick AS MATERIALIZED ("
"  SELECT d.account, d.dfollowers, d.dfollowing,"
"         (SELECT c.stripe FROM follow_graph.counter AS c"
"          WHERE c.account OPERATOR(pg_catalog.=) d.account"
"          LIMIT 1 FOR UPDATE SKIP LOCKED) AS stripe"
"  FROM d)"
" UPDATE follow_graph.counter AS c"
" SET followers = c.followers OPERATOR(pg_catalog.+) p.dfollowers,"
"     following = c.following OPERATOR(pg_catalog.+) p.dfollowing,"
"     mutuals = c.mutuals OPERATOR(pg_catalog.+) rev.m"
" FROM pick AS p, rev"
" WHERE c.account OPERATOR(pg_catalog.=) p.account"
"   AND c.stripe OPERATOR(pg_catalog.=) p.stripe"
" RETURNING c.ctid, c.account, rev.m";

/*
 * Prepare a statement once and keep it for the life of the backend.
 */
static SPIPlanPtr
PreparePlan(SPIPlanPtr *cache, const char *sql, int nargs, Oid last_type)
{
	Oid			types[5] = {INT8OID, INT8OID, INT8OID, INT8OID, last_type};

	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

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
 * Is there an edge from -> to, as of a fresh snapshot?
 */
static bool
EdgeExists(int64 from, int64 to)
{
	Datum		values[2] = {Int64GetDatum(from), Int64GetDatum(to)};

	return RunPlan(PreparePlan(&plan_edge_exists, sql_edge_exists, 2, InvalidOid),
				   values, SPI_OK_SELECT) > 0;
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

	return e->lxid == MyProc->lxid && e->account == account;
}

/*
 * Remember the stripe version an update or insert just returned.
 */
static void
RememberStripe(FgStripeCacheEntry *e, int64 account)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								  1, &isnull);

	if (isnull)
		return;
	e->lxid = MyProc->lxid;
	e->account = account;
	ItemPointerCopy((ItemPointer) DatumGetPointer(d), &e->tid);
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
	if (e->lxid == MyProc->lxid && e->account == account)
	{
		values[4] = PointerGetDatum(&e->tid);
		if (RunPlan(PreparePlan(&plan_bump_tid, sql_bump_tid, 5, TIDOID),
					values, SPI_OK_UPDATE_RETURNING) > 0)
		{
			RememberStripe(e, account);
			return;
		}
	}

	if (RunPlan(PreparePlan(&plan_bump_stripe, sql_bump_stripe, 4, InvalidOid),
				values, SPI_OK_UPDATE_RETURNING) > 0)
	{
		RememberStripe(e, account);
		return;
	}

	/*
	 * The account has no stripe yet, or every stripe is held by a concurrent
	 * writer: start a new one.  A random stripe number makes a clash with a
	 * concurrent insert practically impossible, and the upsert keeps the
	 * count exact if it ever happens.
	 */
	values[4] = Int32GetDatum((int32) (pg_prng_uint32(&pg_global_prng_state) & 0x7fffffff));
	RunPlan(PreparePlan(&plan_new_stripe, sql_new_stripe, 5, INT4OID),
			values, SPI_OK_INSERT_RETURNING);
	RememberStripe(e, account);
}

/*
 * Apply the count changes of one edge follower -> followee appearing
 * (sign = 1) or disappearing (sign = -1).  Must run after the edge statement
 * took the pair's slot.
 */
static void
ApplyEdgeDelta(int64 follower, int64 followee, int sign)
{
	int64		mutual;
	bool		done_follower = false;
	bool		done_followee = false;

	if (!HoldsStripe(follower) && !HoldsStripe(followee))
	{
		/* Usual case: the reverse check and both stripes in one statement. */
		Datum		values[3] = {Int64GetDatum(follower), Int64GetDatum(followee),
		Int64GetDatum(sign)};
		uint64		n = RunPlan(PreparePlan(&plan_bump_pair, sql_bump_pair, 3,
											InvalidOid),
								values, SPI_OK_UPDATE_RETURNING);
		bool		known = false;

		mutual = 0;
		for (uint64 i = 0; i < n; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int64		account = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
			FgStripeCacheEntry *e = StripeCacheEntry(account);

			e->lxid = MyProc->lxid;
			e->account = account;
			ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 1, &isnull)),
							&e->tid);
			mutual = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
			known = true;
			if (account == follower)
				done_follower = true;
			else
				done_followee = true;
		}
		if (done_follower && done_followee)
			return;
		if (!known)
			mutual = EdgeExists(followee, follower) ? sign : 0;
	}
	else
		mutual = EdgeExists(followee, follower) ? sign : 0;

	/*
	 * The rest, one account at a time, lower id first, so that no two
	 * writers wait on each other in a cycle.
	 */
	if (follower < followee)
	{
		if (!done_follower)
			BumpCounts(follower, 0, sign, mutual);
		if (!done_followee)
			BumpCounts(followee, sign, 0, mutual);
	}
	else
	{
		if (!done_followee)
			BumpCounts(followee, sign, 0, mutual);
		if (!done_follower)
			BumpCounts(follower, 0, sign, mutual);
	}
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
 * Insert or delete the edge together with the pair slot; true if a row
 * changed, in which case the counts follow.
 */
static bool
ChangeEdge(FunctionCallInfo fcinfo, bool insert)
{
	int64		follower;
	int64		followee;
	Datum		values[3];
	bool		changed;

	CheckEdgeArgs(fcinfo, &follower, &followee);

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	values[2] = Int32GetDatum(FgPairSlot(follower, followee));

	SPI_connect();
	if (insert)
		changed = RunPlan(PreparePlan(&plan_insert_edge, sql_insert_edge, 3, InvalidOid),
						  values, SPI_OK_INSERT) > 0;
	else
		changed = RunPlan(PreparePlan(&plan_delete_edge, sql_delete_edge, 3, InvalidOid),
						  values, SPI_OK_DELETE) > 0;
	if (changed)
		ApplyEdgeDelta(follower, followee, insert ? 1 : -1);
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
