/*
 * fg_write.c
 *		The pair writers: follow(), unfollow(), remove_follower(), block(),
 *		unblock(), accept_request() and reject_request(), the only way
 *		single edges, requests, blocks and their counts change.
 *
 * Each of them follows the protocol below for edges, extended to the
 * relationship states (see RELATIONSHIP STATES further down, and
 * docs/states-design.md): inside the pair's critical section every row the
 * call depends on is probed settled before anything is written.
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
 *	3. with both edges settled, insert or delete the edge (fg_direct.c:
 *	   heap and index access methods, no executor) and leave the section;
 *	4. add the follower/following deltas, and the mutual delta if the
 *	   reverse edge exists, to a counter stripe of each account nobody else
 *	   holds (as FOR UPDATE SKIP LOCKED would pick it), lower id first; an
 *	   account with no free stripe (a new account, or every stripe held by
 *	   concurrent writers) gets a new stripe with a random number.
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
 * One statement may follow millions of times (SELECT follow(a, b) FROM t),
 * so a call runs no SQL of its own on the usual path (issue 15: executor
 * start-up of one statement per call was most of its cost).  Every update
 * of a stripe row inside one transaction leaves a row version that cannot
 * be pruned before commit, so finding the row through its index gets slower
 * with each update of a hot account.  A small direct-mapped cache remembers,
 * per account, the stripe version this transaction wrote last, and the next
 * write of that account updates that version straight by ctid.  The cache
 * is fixed-size (no memory grows with the number of calls) and is emptied
 * at the end of every transaction and at every subtransaction abort, so an
 * entry always names a row version this transaction wrote and still holds
 * locked.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
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
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_follow);
PG_FUNCTION_INFO_V1(fg_unfollow);
PG_FUNCTION_INFO_V1(fg_remove_follower);
PG_FUNCTION_INFO_V1(fg_block);
PG_FUNCTION_INFO_V1(fg_unblock);
PG_FUNCTION_INFO_V1(fg_accept_request);
PG_FUNCTION_INFO_V1(fg_reject_request);

/* Prepared statements, kept for the life of the backend. */
static SPIPlanPtr plan_insert_edge = NULL;

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

/* Parameter types of the statements above. */
static const Oid edge_types[] = {INT8OID, INT8OID};

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
 * Add deltas to one counter stripe of an account (fg_direct.c).
 */
static void
BumpCounts(int64 account, int64 followers, int64 following, int64 mutuals)
{
	int64		deltas[3];

	deltas[0] = followers;
	deltas[1] = following;
	deltas[2] = mutuals;
	FgDirectStripeAdd(account, deltas, 3);
}

/*
 * Add follower, following, mutual and pending request deltas to an account,
 * in one stripe update.  Only pair writers of the states move requests, so
 * the catalog has that column when requests is not 0.
 */
static void
BumpStripe(int64 account, int64 followers, int64 following, int64 mutuals,
		   int64 requests)
{
	int64		deltas[4];

	deltas[0] = followers;
	deltas[1] = following;
	deltas[2] = mutuals;
	deltas[3] = requests;
	FgDirectStripeAdd(account, deltas, requests != 0 ? 4 : 3);
}

/*
 * Apply the count changes of one edge follower -> followee appearing
 * (sign = 1) or disappearing (sign = -1), given whether the reverse edge
 * exists; requests is a delta of the followee's pending requests applied
 * with them (an accepted request).  This is where a single-pair writer
 * changes the mutual count of a pair (block() removes both edges at once
 * and counts them in fg_block; the bulk writers count set by set).
 */
static void
ApplyEdgeDelta(int64 follower, int64 followee, int sign, bool reverse,
			   int64 requests)
{
	int64		mutual = reverse ? sign : 0;

	/* Lower id first, so that no two writers wait on each other in a cycle. */
	if (follower < followee)
		BumpCounts(follower, 0, sign, mutual);
	BumpStripe(followee, sign, 0, mutual, requests);
	if (follower > followee)
		BumpCounts(follower, 0, sign, mutual);
}

/*
 * Fetch the two account arguments of a pair writer: 22004 on NULL, 22023
 * (with the given message) when both are the same account.
 */
static void
CheckPairArgs(FunctionCallInfo fcinfo, const char *name0, const char *name1,
			  const char *selfmsg, int64 *a, int64 *b)
{
	*a = FgGetIdArg(fcinfo, 0, name0);
	*b = FgGetIdArg(fcinfo, 1, name1);
	if (*a == *b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", selfmsg),
				 errdetail("Both %s and %s are " INT64_FORMAT ".",
						   name0, name1, *a)));
}

/*
 * Insert the edge follower -> followee through SQL (an edge table whose
 * layout FgDirectEdgeInsert does not know); true if a row was inserted.
 */
static bool
InsertEdgeSql(int64 follower, int64 followee)
{
	Datum		values[2];

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	return FgSpiExecPlan(FgSpiPrepareKeep(&plan_insert_edge, sql_insert_edge,
										  2, edge_types),
						 values, SPI_OK_INSERT) > 0;
}

/*
 * Insert the edge follower -> followee or delete the version of it at tid,
 * found by the pair's probe: directly (fg_direct.c), or through SQL if the
 * edge table's layout is not the one the direct insert knows.
 */
static void
ChangeEdge(Relation edge, ItemPointer tid, int64 follower, int64 followee,
		   bool insert)
{
	if (!insert)
		FgDirectEdgeDelete(edge, tid);
	else if (!FgDirectEdgeInsert(edge, follower, followee) &&
			 !InsertEdgeSql(follower, followee))
		elog(ERROR, "edge " INT64_FORMAT " -> " INT64_FORMAT " changed under the pair's critical section",
			 follower, followee);
}

/*
 * Insert or delete an edge with every count change, inside the pair's
 * section whose probes found it absent (insert) or present at tid (delete);
 * the section is left as soon as the edge row is written.  reverse: whether
 * the reverse edge exists; requests: a delta of the followee's pending
 * requests.
 */
static void
WriteEdge(FgPairSection *cs, Relation edge, ItemPointer tid, int64 follower,
		  int64 followee, bool insert, bool reverse, int64 requests)
{
	ChangeEdge(edge, tid, follower, followee, insert);
	if (reverse)
		FgMutualPair(follower, followee, insert);	/* the mutual range */

	/*
	 * From here on a writer of either edge finds ours in progress and waits
	 * for our outcome, so the section may end before the counts are done.
	 */
	PairLeave(cs);
	ApplyEdgeDelta(follower, followee, insert ? 1 : -1, reverse, requests);
}

/*
 * RELATIONSHIP STATES
 *
 * Every pair writer works inside the pair's critical section on rows it
 * found settled (see docs/states-design.md): PairSettle probes, with a dirty
 * snapshot, every row the call depends on (the PROBE_* it asks for, besides
 * both edges); if another transaction is changing one, it leaves the
 * section, waits for that transaction and starts again.  The probes stay
 * true until the call leaves the section, since every writer of those rows
 * (pair writers here, account writers behind the pair gate) changes them
 * only after probing them settled in turn.
 */
#define PROBE_FLAGS				0x01	/* flags of both accounts */
#define PROBE_BLOCKS			0x02	/* block a -> b and b -> a */
#define PROBE_REQUEST			0x04	/* request a -> b */
#define PROBE_REQUEST_REV		0x08	/* request b -> a too */
#define PROBE_REQUEST_PRIVATE	0x10	/* request a -> b if b is private */
#define PROBE_HIDDEN			0x20	/* hidden_edge a -> b */
#define PROBE_STOP_AT_EDGE		0x40	/* an edge a -> b settles the call */

/* The storage a pair writer probes and writes, opened before its section. */
typedef struct FgPairRels
{
	Relation	edge;
	Relation	state;
	Relation	block;
	Relation	request;
	Relation	hidden;
} FgPairRels;

/* What a pair writer found for the pair a -> b (see PairProbe). */
typedef struct FgPairState
{
	int64		a;
	int64		b;
	int			probes;			/* PROBE_* asked for */
	bool		stopped;		/* edge a -> b found: nothing else probed */
	bool		request_probed;
	FgEdgeVersion edge;			/* edge a -> b */
	FgEdgeVersion rev;			/* edge b -> a */
	FgEdgeVersion flag_a;
	FgEdgeVersion flag_b;
	bool		private_a;
	bool		active_a;
	bool		private_b;
	bool		active_b;
	FgEdgeVersion block_ab;
	FgEdgeVersion block_ba;
	FgEdgeVersion request_ab;
	FgEdgeVersion request_ba;
	FgEdgeVersion hidden_ab;
	/* a transaction we waited for inserted the version found since */
	bool		waited_edge;
	bool		waited_block;
	bool		waited_request;
	bool		waited_hidden;
} FgPairState;

static SPIPlanPtr plan_insert_request = NULL;
static SPIPlanPtr plan_delete_request = NULL;
static SPIPlanPtr plan_delete_hidden = NULL;
static SPIPlanPtr plan_insert_block = NULL;
static SPIPlanPtr plan_delete_block = NULL;

static const char *const sql_insert_request =
"INSERT INTO follow_graph.request (requester, account, seq, requested_at)"
" VALUES ($1, $2, pg_catalog.nextval('follow_graph.state_seq'::pg_catalog.regclass),"
"         pg_catalog.now())";

static const char *const sql_delete_request =
"DELETE FROM follow_graph.request AS r"
" WHERE r.requester OPERATOR(pg_catalog.=) $1"
"   AND r.account OPERATOR(pg_catalog.=) $2";

/* $3: only a hidden request (pending), not a hidden edge. */
static const char *const sql_delete_hidden =
"DELETE FROM follow_graph.hidden_edge AS h"
" WHERE h.follower OPERATOR(pg_catalog.=) $1"
"   AND h.followee OPERATOR(pg_catalog.=) $2"
"   AND (h.pending OR NOT $3)";

static const char *const sql_insert_block =
"INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)"
" VALUES ($1, $2, pg_catalog.nextval('follow_graph.state_seq'::pg_catalog.regclass),"
"         pg_catalog.now())";

static const char *const sql_delete_block =
"DELETE FROM follow_graph.block AS k"
" WHERE k.blocker OPERATOR(pg_catalog.=) $1"
"   AND k.blocked OPERATOR(pg_catalog.=) $2";

static const Oid hidden_types[] = {INT8OID, INT8OID, BOOLOID};

/*
 * Open the storage a pair writer needs, each table in the given mode (NoLock:
 * not needed), before it enters the pair's section: no lock is ever waited
 * for inside it.
 */
static void
OpenPairRels(FgPairRels *r, LOCKMODE state, LOCKMODE block, LOCKMODE request,
			 LOCKMODE hidden)
{
	/* The edge table first: an import that holds it exclusively does so to commit. */
	r->edge = FgOpenTable(FG_EDGE_TABLE, RowExclusiveLock);
	r->state = state != NoLock ? FgOpenTable(FG_ACCOUNT_STATE_TABLE, state) : NULL;
	r->block = block != NoLock ? FgOpenTable(FG_BLOCK_TABLE, block) : NULL;
	r->request = request != NoLock ? FgOpenTable(FG_REQUEST_TABLE, request) : NULL;
	r->hidden = hidden != NoLock ? FgOpenTable(FG_HIDDEN_TABLE, hidden) : NULL;
}

/*
 * Close what OpenPairRels opened; the locks stay to commit.
 */
static void
ClosePairRels(FgPairRels *r)
{
	table_close(r->edge, NoLock);
	if (r->state)
		table_close(r->state, NoLock);
	if (r->block)
		table_close(r->block, NoLock);
	if (r->request)
		table_close(r->request, NoLock);
	if (r->hidden)
		table_close(r->hidden, NoLock);
}

/*
 * The transaction changing a probed version, or InvalidTransactionId if it
 * is settled (or absent).  *waited_insert notes that the transaction is the
 * version's inserter.
 */
static TransactionId
PendingXid(const FgEdgeVersion *v, bool *waited_insert)
{
	if (!v->found || !TransactionIdIsValid(v->wait))
		return InvalidTransactionId;
	if (waited_insert && TransactionIdEquals(v->wait, v->xmin))
		*waited_insert = true;
	return v->wait;
}

/*
 * The flags of both accounts of the pair, with a dirty snapshot, in one
 * index scan (as FgProbeDirtyAccount does for one account): found, inserter
 * and the transaction changing each row, and the flags (public and active
 * for an account without a row).
 */
static void
ProbeDirtyFlags(Relation heap, FgPairState *st)
{
	SnapshotData dirty;
	Relation	index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan;

	InitDirtySnapshot(dirty);
	scan = FgIndexBeginScan(heap, index, &dirty, 1, 0);
	for (int i = 0; i < 2; i++)
	{
		FgEdgeVersion *v = i == 0 ? &st->flag_a : &st->flag_b;
		bool	   *is_private = i == 0 ? &st->private_a : &st->private_b;
		bool	   *is_active = i == 0 ? &st->active_a : &st->active_b;
		ScanKeyData key;

		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
					Int64GetDatum(i == 0 ? st->a : st->b));
		index_rescan(scan, &key, 1, NULL, 0);
		if (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;

			FgNoteVersion(slot, &dirty, v);
			*is_private = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_PRIVATE,
													&isnull));
			*is_active = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_ACTIVE,
												   &isnull));
			ExecClearTuple(slot);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
}

/*
 * One round of dirty probes inside the pair's section: returns the first
 * transaction found changing a row the call depends on, or
 * InvalidTransactionId when every probed row is settled.
 */
static TransactionId
PairProbe(FgPairRels *r, FgPairState *st)
{
	TransactionId w;
	int64		a = st->a;
	int64		b = st->b;

	st->stopped = false;
	st->request_probed = false;
	memset(&st->flag_a, 0, sizeof(FgEdgeVersion));
	memset(&st->flag_b, 0, sizeof(FgEdgeVersion));
	st->private_a = st->private_b = false;
	st->active_a = st->active_b = true;
	memset(&st->block_ab, 0, sizeof(FgEdgeVersion));
	memset(&st->block_ba, 0, sizeof(FgEdgeVersion));
	memset(&st->request_ab, 0, sizeof(FgEdgeVersion));
	memset(&st->request_ba, 0, sizeof(FgEdgeVersion));
	memset(&st->hidden_ab, 0, sizeof(FgEdgeVersion));

	FgProbeDirtyPair(r->edge, a, b, &st->edge, &st->rev);
	if (TransactionIdIsValid(w = PendingXid(&st->edge, &st->waited_edge)) ||
		TransactionIdIsValid(w = PendingXid(&st->rev, NULL)))
		return w;

	/* An edge a -> b exists: both accounts are active, no block, no request. */
	if ((st->probes & PROBE_STOP_AT_EDGE) && st->edge.found)
	{
		st->stopped = true;
		return InvalidTransactionId;
	}

	if (st->probes & PROBE_FLAGS)
	{
		ProbeDirtyFlags(r->state, st);
		if (TransactionIdIsValid(w = PendingXid(&st->flag_a, NULL)) ||
			TransactionIdIsValid(w = PendingXid(&st->flag_b, NULL)))
			return w;
	}

	if (st->probes & PROBE_BLOCKS)
	{
		FgProbeDirtyKeys(r->block, FG_BLOCK_PKEY, a, b, &st->block_ab,
						 &st->block_ba);
		if (TransactionIdIsValid(w = PendingXid(&st->block_ab, &st->waited_block)) ||
			TransactionIdIsValid(w = PendingXid(&st->block_ba, NULL)))
			return w;
	}

	/* A public account has no pending request (docs/states-design.md). */
	if ((st->probes & PROBE_REQUEST) ||
		((st->probes & PROBE_REQUEST_PRIVATE) && st->private_b))
	{
		st->request_probed = true;
		FgProbeDirtyKeys(r->request, FG_REQUEST_PKEY, a, b, &st->request_ab,
						 (st->probes & PROBE_REQUEST_REV) ? &st->request_ba : NULL);
		if (TransactionIdIsValid(w = PendingXid(&st->request_ab, &st->waited_request)) ||
			TransactionIdIsValid(w = PendingXid(&st->request_ba, NULL)))
			return w;
	}

	if (st->probes & PROBE_HIDDEN)
	{
		FgProbeDirtyKeys(r->hidden, FG_HIDDEN_PKEY, a, b, &st->hidden_ab, NULL);
		if (TransactionIdIsValid(w = PendingXid(&st->hidden_ab, &st->waited_hidden)))
			return w;
	}
	return InvalidTransactionId;
}

/*
 * Does the transaction snapshot see the account's flags as they are?
 */
static bool
SnapshotFlagsAgree(Relation heap, int64 account, bool is_private,
				   bool is_active)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	Relation	index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan;
	ScanKeyData key;
	bool		snap_private = false;
	bool		snap_active = true;

	scan = FgIndexBeginScan(heap, index, snapshot, 1, 0);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		snap_private = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_PRIVATE,
												 &isnull));
		snap_active = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_ACTIVE,
												&isnull));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	UnregisterSnapshot(snapshot);
	return snap_private == is_private && snap_active == is_active;
}

/*
 * Under REPEATABLE READ and SERIALIZABLE: does the transaction snapshot see
 * every probed row as it is?
 */
static bool
PairSnapshotAgrees(FgPairRels *r, FgPairState *st)
{
	int64		a = st->a;
	int64		b = st->b;

	if (FgProbeSnapshot(r->edge, a, b) != st->edge.found ||
		FgProbeSnapshot(r->edge, b, a) != st->rev.found)
		return false;
	if (st->stopped)
		return true;
	if ((st->probes & PROBE_FLAGS) &&
		(!SnapshotFlagsAgree(r->state, a, st->private_a, st->active_a) ||
		 !SnapshotFlagsAgree(r->state, b, st->private_b, st->active_b)))
		return false;
	if ((st->probes & PROBE_BLOCKS) &&
		(FgProbeSnapshotKeys(r->block, FG_BLOCK_PKEY, a, b) != st->block_ab.found ||
		 FgProbeSnapshotKeys(r->block, FG_BLOCK_PKEY, b, a) != st->block_ba.found))
		return false;
	if (st->request_probed &&
		(FgProbeSnapshotKeys(r->request, FG_REQUEST_PKEY, a, b) != st->request_ab.found ||
		 ((st->probes & PROBE_REQUEST_REV) &&
		  FgProbeSnapshotKeys(r->request, FG_REQUEST_PKEY, b, a) != st->request_ba.found)))
		return false;
	if ((st->probes & PROBE_HIDDEN) &&
		FgProbeSnapshotKeys(r->hidden, FG_HIDDEN_PKEY, a, b) != st->hidden_ab.found)
		return false;
	return true;
}

/*
 * Enter the section of the pair {a,b} with every row the call depends on
 * settled (st->probes); waits, outside the section, for each transaction
 * found changing one, then looks again.  Under REPEATABLE READ and
 * SERIALIZABLE the snapshot must see those rows as they are, and a
 * transaction we waited for must not have committed; otherwise 40001.
 */
static void
PairSettle(FgPairSection *cs, FgPairRels *r, FgPairState *st, int64 a,
		   int64 b, int probes)
{
	bool		xact_snapshot = IsolationUsesXactSnapshot();

	memset(st, 0, sizeof(FgPairState));
	st->a = a;
	st->b = b;
	st->probes = probes;
	for (;;)
	{
		TransactionId wait;

		CHECK_FOR_INTERRUPTS();
		PairEnter(cs, a, b);
		wait = PairProbe(r, st);
		if (!TransactionIdIsValid(wait))
			break;
		PairLeave(cs);
		XactLockTableWait(wait, r->edge, NULL, XLTW_None);
		if (xact_snapshot && TransactionIdDidCommit(wait))
			FgSerializationFailure();
	}

	if (xact_snapshot && !PairSnapshotAgrees(r, st))
	{
		PairLeave(cs);
		FgSerializationFailure();
	}
}

/*
 * 55000 (leaving the section) if account first or second is deactivated,
 * first named first.
 */
static void
CheckActive(FgPairSection *cs, const FgPairState *st, bool a_first)
{
	int64		first = a_first ? st->a : st->b;
	int64		second = a_first ? st->b : st->a;
	bool		first_active = a_first ? st->active_a : st->active_b;
	bool		second_active = a_first ? st->active_b : st->active_a;

	if (first_active && second_active)
		return;
	Assert(st->probes & PROBE_FLAGS);
	PairLeave(cs);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("account " INT64_FORMAT " is deactivated",
					first_active ? second : first)));
}

/*
 * Run a prepared statement on the pair (x, y) (with a flag for
 * sql_delete_hidden); the number of rows it changed.
 */
static uint64
PairExec(SPIPlanPtr *plan, const char *sql, int expected, int64 x, int64 y,
		 bool flag)
{
	Datum		values[3];

	values[0] = Int64GetDatum(x);
	values[1] = Int64GetDatum(y);
	values[2] = BoolGetDatum(flag);
	return FgSpiExecPlan(FgSpiPrepareKeep(plan, sql,
										  plan == &plan_delete_hidden ? 3 : 2,
										  plan == &plan_delete_hidden ? hidden_types : edge_types),
						 values, expected);
}

/*
 * Add deltas to the stripes of two accounts, lower id first, skipping an
 * account with nothing to add.
 */
static void
BumpPair(int64 a, const int64 da[4], int64 b, const int64 db[4])
{
	bool		any_a = da[0] || da[1] || da[2] || da[3];
	bool		any_b = db[0] || db[1] || db[2] || db[3];

	if (a < b && any_a)
		BumpStripe(a, da[0], da[1], da[2], da[3]);
	if (any_b)
		BumpStripe(b, db[0], db[1], db[2], db[3]);
	if (a > b && any_a)
		BumpStripe(a, da[0], da[1], da[2], da[3]);
}

/*
 * follow(follower, followee): an edge, or a pending request to a private
 * followee; true if either is new.
 */
static bool
PairFollow(int64 a, int64 b)
{
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	bool		result = false;
	bool		states = FgStatesInstalled();

	if (states)
		OpenPairRels(&r, AccessShareLock, AccessShareLock, RowExclusiveLock,
					 NoLock);
	else
		OpenPairRels(&r, NoLock, NoLock, NoLock, NoLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, a, b,
			   states ? (PROBE_STOP_AT_EDGE | PROBE_FLAGS | PROBE_BLOCKS |
						 PROBE_REQUEST_PRIVATE) : PROBE_STOP_AT_EDGE);
	if (st.stopped)
		PairLeave(&cs);			/* the edge exists */
	else
	{
		CheckActive(&cs, &st, true);
		if (st.block_ab.found || st.block_ba.found)
		{
			PairLeave(&cs);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("account " INT64_FORMAT " blocks account " INT64_FORMAT,
							st.block_ab.found ? a : b,
							st.block_ab.found ? b : a),
					 errdetail("No follow is possible while either account blocks the other.")));
		}
		if (!st.private_b)
		{
			WriteEdge(&cs, r.edge, NULL, a, b, true, st.rev.found, 0);
			result = true;
		}
		else if (st.request_ab.found)
			PairLeave(&cs);		/* already pending */
		else
		{
			PairExec(&plan_insert_request, sql_insert_request, SPI_OK_INSERT,
					 a, b, false);
			PairLeave(&cs);
			BumpStripe(b, 0, 0, 0, 1);
			result = true;
		}
	}
	SPI_finish();
	ClosePairRels(&r);
	return result;
}

/*
 * unfollow(follower, followee) and remove_follower(followee, follower):
 * remove the edge, the pending request or the hidden row a -> b; true if
 * one was removed.  A row whose insertion we waited for counts as absent,
 * as for a DELETE whose snapshot predates it.
 */
static bool
PairUnfollow(int64 a, int64 b)
{
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	bool		result = true;
	bool		states = FgStatesInstalled();

	if (states)
		OpenPairRels(&r, NoLock, NoLock, RowExclusiveLock, RowExclusiveLock);
	else
		OpenPairRels(&r, NoLock, NoLock, NoLock, NoLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, a, b,
			   states ? (PROBE_STOP_AT_EDGE | PROBE_REQUEST | PROBE_HIDDEN) :
			   PROBE_STOP_AT_EDGE);
	if (st.edge.found)
	{
		if (st.waited_edge)
		{
			PairLeave(&cs);
			result = false;
		}
		else
			WriteEdge(&cs, r.edge, &st.edge.tid, a, b, false, st.rev.found, 0);
	}
	else if (st.request_ab.found && !st.waited_request)
	{
		PairExec(&plan_delete_request, sql_delete_request, SPI_OK_DELETE,
				 a, b, false);
		PairLeave(&cs);
		BumpStripe(b, 0, 0, 0, -1);
	}
	else if (st.hidden_ab.found && !st.waited_hidden)
	{
		/* Hidden rows are not counted. */
		PairExec(&plan_delete_hidden, sql_delete_hidden, SPI_OK_DELETE,
				 a, b, false);
		PairLeave(&cs);
	}
	else
	{
		PairLeave(&cs);
		result = false;
	}
	SPI_finish();
	ClosePairRels(&r);
	return result;
}

/*
 * The (follower, followee) arguments of follow() and unfollow().
 */
static void
CheckFollowArgs(FunctionCallInfo fcinfo, int64 *follower, int64 *followee)
{
	CheckPairArgs(fcinfo, "follower", "followee",
				  "an account cannot follow itself", follower, followee);
}

/*
 * follow(follower, followee): true if a new edge or a new pending request
 * was made.
 */
Datum
fg_follow(PG_FUNCTION_ARGS)
{
	int64		follower;
	int64		followee;

	CheckFollowArgs(fcinfo, &follower, &followee);
	PG_RETURN_BOOL(PairFollow(follower, followee));
}

/*
 * unfollow(follower, followee): true if an edge or a pending request was
 * removed.
 */
Datum
fg_unfollow(PG_FUNCTION_ARGS)
{
	int64		follower;
	int64		followee;

	CheckFollowArgs(fcinfo, &follower, &followee);
	PG_RETURN_BOOL(PairUnfollow(follower, followee));
}

/*
 * remove_follower(account, follower): unfollow(follower, account), asked by
 * the account followed.
 */
Datum
fg_remove_follower(PG_FUNCTION_ARGS)
{
	int64		account;
	int64		follower;

	CheckPairArgs(fcinfo, "account", "follower",
				  "an account cannot remove itself as a follower",
				  &account, &follower);
	PG_RETURN_BOOL(PairUnfollow(follower, account));
}

/*
 * block(blocker, blocked): true if the block is new.  Removes the edges and
 * the pending requests of the pair in both directions, with their counts.
 */
Datum
fg_block(PG_FUNCTION_ARGS)
{
	int64		a;
	int64		b;
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	int64		da[4] = {0, 0, 0, 0};
	int64		db[4] = {0, 0, 0, 0};
	bool		mutual;

	CheckPairArgs(fcinfo, "blocker", "blocked",
				  "an account cannot block itself", &a, &b);
	OpenPairRels(&r, AccessShareLock, RowExclusiveLock, RowExclusiveLock,
				 NoLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, a, b,
			   PROBE_FLAGS | PROBE_BLOCKS | PROBE_REQUEST | PROBE_REQUEST_REV);
	CheckActive(&cs, &st, true);

	if (!st.block_ab.found)
		PairExec(&plan_insert_block, sql_insert_block, SPI_OK_INSERT,
				 a, b, false);
	if (st.edge.found)
		ChangeEdge(r.edge, &st.edge.tid, a, b, false);
	if (st.rev.found)
		ChangeEdge(r.edge, &st.rev.tid, b, a, false);
	if (st.edge.found && st.rev.found)
		FgMutualPair(a, b, false);	/* the mutual range */
	if (st.request_ab.found)
		PairExec(&plan_delete_request, sql_delete_request, SPI_OK_DELETE,
				 a, b, false);
	if (st.request_ba.found)
		PairExec(&plan_delete_request, sql_delete_request, SPI_OK_DELETE,
				 b, a, false);
	PairLeave(&cs);

	/* followers, following, mutuals, requests of a and of b */
	mutual = st.edge.found && st.rev.found;
	da[0] = -(int64) st.rev.found;
	da[1] = -(int64) st.edge.found;
	da[2] = mutual ? -1 : 0;
	da[3] = -(int64) st.request_ba.found;
	db[0] = -(int64) st.edge.found;
	db[1] = -(int64) st.rev.found;
	db[2] = mutual ? -1 : 0;
	db[3] = -(int64) st.request_ab.found;
	BumpPair(a, da, b, db);

	SPI_finish();
	ClosePairRels(&r);
	PG_RETURN_BOOL(!st.block_ab.found);
}

/*
 * unblock(blocker, blocked): true if a block was removed; restores nothing.
 */
Datum
fg_unblock(PG_FUNCTION_ARGS)
{
	int64		a;
	int64		b;
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	bool		result;

	CheckPairArgs(fcinfo, "blocker", "blocked",
				  "an account cannot unblock itself", &a, &b);
	OpenPairRels(&r, NoLock, RowExclusiveLock, NoLock, NoLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, a, b, PROBE_BLOCKS);
	result = st.block_ab.found && !st.waited_block;
	if (result)
		PairExec(&plan_delete_block, sql_delete_block, SPI_OK_DELETE,
				 a, b, false);
	PairLeave(&cs);
	SPI_finish();
	ClosePairRels(&r);
	PG_RETURN_BOOL(result);
}

/*
 * accept_request(account, requester): the pending request requester ->
 * account becomes an edge (new cursor, followed_at now()); false if none
 * was pending.
 */
Datum
fg_accept_request(PG_FUNCTION_ARGS)
{
	int64		account;
	int64		requester;
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	bool		result = false;

	CheckPairArgs(fcinfo, "account", "requester",
				  "an account cannot accept a request from itself",
				  &account, &requester);
	OpenPairRels(&r, AccessShareLock, NoLock, RowExclusiveLock, NoLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, requester, account, PROBE_FLAGS | PROBE_REQUEST);
	CheckActive(&cs, &st, false);
	if (!st.request_ab.found || st.waited_request)
		PairLeave(&cs);
	else
	{
		/* A request and an edge of the same direction never coexist. */
		if (st.edge.found)
			elog(ERROR, "edge " INT64_FORMAT " -> " INT64_FORMAT " exists beside a pending request",
				 requester, account);
		PairExec(&plan_delete_request, sql_delete_request, SPI_OK_DELETE,
				 requester, account, false);
		WriteEdge(&cs, r.edge, NULL, requester, account, true, st.rev.found, -1);
		result = true;
	}
	SPI_finish();
	ClosePairRels(&r);
	PG_RETURN_BOOL(result);
}

/*
 * reject_request(account, requester): drop the pending request requester ->
 * account, visible or hidden; false if none was pending.
 */
Datum
fg_reject_request(PG_FUNCTION_ARGS)
{
	int64		account;
	int64		requester;
	FgPairRels	r;
	FgPairState st;
	FgPairSection cs;
	bool		result = false;

	CheckPairArgs(fcinfo, "account", "requester",
				  "an account cannot reject a request from itself",
				  &account, &requester);
	OpenPairRels(&r, NoLock, NoLock, RowExclusiveLock, RowExclusiveLock);
	SPI_connect();
	PairSettle(&cs, &r, &st, requester, account, PROBE_REQUEST | PROBE_HIDDEN);
	if (st.request_ab.found && !st.waited_request)
	{
		PairExec(&plan_delete_request, sql_delete_request, SPI_OK_DELETE,
				 requester, account, false);
		PairLeave(&cs);
		BumpStripe(account, 0, 0, 0, -1);
		result = true;
	}
	else
	{
		if (st.hidden_ab.found && !st.waited_hidden)
			result = PairExec(&plan_delete_hidden, sql_delete_hidden,
							  SPI_OK_DELETE, requester, account, true) > 0;
		PairLeave(&cs);
	}
	SPI_finish();
	ClosePairRels(&r);
	PG_RETURN_BOOL(result);
}

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
 * The stripe version this transaction last wrote for an account, if the
 * cache still has it (fg_direct.c).
 */
bool
FgStripeCacheLookup(int64 account, ItemPointer tid)
{
	FgStripeCacheEntry *e = StripeCacheEntry(account);

	if (e->generation != stripe_generation || e->account != account)
		return false;
	ItemPointerCopy(&e->tid, tid);
	return true;
}

/*
 * Remember tid as the stripe version this transaction last wrote for an
 * account (fg_direct.c).
 */
void
FgStripeCacheStore(int64 account, ItemPointer tid)
{
	FgStripeCacheEntry *e = StripeCacheEntry(account);

	e->generation = stripe_generation;
	e->account = account;
	ItemPointerCopy(tid, &e->tid);
}

/*
 * Add delta to the item count of an account, as BumpCounts does for the
 * edge counts: the stripe this transaction holds, else a free one, else a
 * new one.
 */
void
FgBumpItems(int64 account, int64 delta)
{
	int64		deltas[5] = {0, 0, 0, 0, delta};

	FgDirectStripeAdd(account, deltas, 5);
}
