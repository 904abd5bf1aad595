/*
 * fg_states_read.c
 *		Reads of the relationship states (blocks, follow requests, mutes), the
 *		state columns of relationships(), and the mute writers.
 *
 * Blocks, requests and mutes live in their own tables beside the edges (see
 * sql/install/60_states.sql and docs/states-design.md).  Each table has a
 * primary key on the ordered pair and an (owner, seq) index for its newest
 * first list, so every read here is an index walk or probe under the
 * caller's snapshot, as in fg_read.c.
 *
 * A mute carries an optional expiry: a mute whose expires_at is not after
 * now() (the transaction's start time) is absent for every read and for the
 * writers, which replace or drop it.  Expired rows are left in place until
 * the next mute() or unmute() of the pair (or remove_account) rewrites them.
 *
 * Mutes change no edge or count, so their writers need none of the pair
 * protocol of fg_write.c: one upsert or delete on the mute row, whose
 * primary key orders concurrent writers of the same pair (under REPEATABLE
 * READ and SERIALIZABLE a conflict with a row the snapshot cannot see is
 * PostgreSQL's own 40001).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fg.h"

/* How many index entries a state walk steps over before it re-descends. */
#define FG_STATE_GALLOP_STEPS 64

/* requested_by: walk the viewer's incoming requests up to this many times
 * the number of targets, else probe per target. */
#define FG_STATE_WALK_RATIO 16

/* Attribute numbers of the state tables (60_states.sql). */
#define FG_REQUEST_ATT_REQUESTER	1
#define FG_REQUEST_ATT_SEQ			3
#define FG_REQUEST_ATT_AT			4
#define FG_BLOCK_ATT_BLOCKED		2
#define FG_BLOCK_ATT_SEQ			3
#define FG_BLOCK_ATT_AT				4
#define FG_MUTE_ATT_MUTED			2
#define FG_MUTE_ATT_SEQ				3
#define FG_MUTE_ATT_AT				4
#define FG_MUTE_ATT_EXPIRES			5

PG_FUNCTION_INFO_V1(fg_mute);
PG_FUNCTION_INFO_V1(fg_unmute);
PG_FUNCTION_INFO_V1(fg_is_muting);
PG_FUNCTION_INFO_V1(fg_mutes);
PG_FUNCTION_INFO_V1(fg_is_blocking);
PG_FUNCTION_INFO_V1(fg_blocks);
PG_FUNCTION_INFO_V1(fg_follow_requests);

/* Prepared statements of the mute writers, kept for the life of the backend. */
static SPIPlanPtr plan_mute = NULL;
static SPIPlanPtr plan_unmute = NULL;

/*
 * mute(): insert the mute, or on a row already there either refresh an
 * expired one (new seq and muted_at: a new mute) or change the expiry of an
 * active one.  The returned seq is $4 exactly when the mute is new.
 * $1 muter, $2 muted, $3 expires_at, $4 a fresh state_seq value.
 */
static const char *const sql_mute =
"INSERT INTO follow_graph.mute AS m (muter, muted, seq, muted_at, expires_at)"
" VALUES ($1, $2, $4, pg_catalog.now(), $3)"
" ON CONFLICT (muter, muted) DO UPDATE"
" SET seq = CASE WHEN m.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()"
"                THEN excluded.seq ELSE m.seq END,"
"     muted_at = CASE WHEN m.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()"
"                     THEN excluded.muted_at ELSE m.muted_at END,"
"     expires_at = excluded.expires_at"
" RETURNING m.seq";

/*
 * unmute(): drop the row; it was a mute only if it had not expired.
 */
static const char *const sql_unmute =
"DELETE FROM follow_graph.mute AS m"
" WHERE m.muter OPERATOR(pg_catalog.=) $1"
"   AND m.muted OPERATOR(pg_catalog.=) $2"
" RETURNING m.expires_at IS NULL"
"        OR m.expires_at OPERATOR(pg_catalog.>) pg_catalog.now()";

/*
 * The two ids of a mute writer: 22004 for NULL, 22023 for the same account.
 */
static void
CheckMuteArgs(FunctionCallInfo fcinfo, int64 *muter, int64 *muted)
{
	*muter = FgGetIdArg(fcinfo, 0, "muter");
	*muted = FgGetIdArg(fcinfo, 1, "muted");
	if (*muter == *muted)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an account cannot mute itself"),
				 errdetail("Both muter and muted are " INT64_FORMAT ".",
						   *muter)));
}

/*
 * mute(muter, muted, expires_at DEFAULT NULL): true if the mute is new
 * (none was in force); otherwise its expiry is updated and false returned.
 */
Datum
fg_mute(PG_FUNCTION_ARGS)
{
	static const Oid types[4] = {INT8OID, INT8OID, TIMESTAMPTZOID, INT8OID};
	int64		muter;
	int64		muted;
	int64		seq;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnew;
	int			rc;

	CheckMuteArgs(fcinfo, &muter, &muted);
	FgCheckArbiterIndex(FG_MUTE_TABLE, FG_MUTE_PKEY);
	seq = nextval_internal(FgRelationId("state_seq"), false);

	values[0] = Int64GetDatum(muter);
	values[1] = Int64GetDatum(muted);
	values[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		nulls[2] = 'n';
	values[3] = Int64GetDatum(seq);

	SPI_connect();
	FgSpiPrepareKeep(&plan_mute, sql_mute, 4, types);
	rc = SPI_execute_plan(plan_mute, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT_RETURNING)
		FgSpiUnexpected("SPI_execute_plan", rc, SPI_OK_INSERT_RETURNING,
						sql_mute);
	isnew = FgSpiGetInt64(0, 1) == seq;
	SPI_finish();
	PG_RETURN_BOOL(isnew);
}

/*
 * unmute(muter, muted): true if a mute in force was removed.
 */
Datum
fg_unmute(PG_FUNCTION_ARGS)
{
	static const Oid types[2] = {INT8OID, INT8OID};
	int64		muter;
	int64		muted;
	Datum		values[2];
	bool		removed = false;

	CheckMuteArgs(fcinfo, &muter, &muted);
	values[0] = Int64GetDatum(muter);
	values[1] = Int64GetDatum(muted);

	SPI_connect();
	if (FgSpiExecPlan(FgSpiPrepareKeep(&plan_unmute, sql_unmute, 2, types),
					  values, SPI_OK_DELETE_RETURNING) > 0)
	{
		bool		isnull;

		removed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1,
											 &isnull));
	}
	SPI_finish();
	PG_RETURN_BOOL(removed);
}

/*
 * Is the mute muter -> muted in force?  hs is a heap-fetching walk over
 * mute_pkey (want_heap), reused across calls.
 */
static bool
ProbeMute(FgScan *hs, int64 muter, int64 muted)
{
	CHECK_FOR_INTERRUPTS();
	FgScanSeek(hs, muter, BTEqualStrategyNumber, muted);
	while (FgScanNextTuple(hs))
	{
		bool		isnull;
		Datum		expires = slot_getattr(hs->slot, FG_MUTE_ATT_EXPIRES,
										   &isnull);

		if (FgExpiryInForce(expires, isnull))
			return true;
	}
	return false;
}

/*
 * Is there a visible entry (a, b) in the named two-bigint index of a state
 * table?
 */
static bool
ProbeKeys(const char *table, const char *indexname, int64 a, int64 b)
{
	Relation	heap = FgOpenTable(table, AccessShareLock);
	FgScan	   *s = FgScanBegin(heap, indexname, ForwardScanDirection, false);
	bool		found = FgScanProbe(s, a, b);

	FgScanEnd(s);
	table_close(heap, NoLock);
	return found;
}

/*
 * is_muting(muter, muted): an expired mute is no mute.
 */
Datum
fg_is_muting(PG_FUNCTION_ARGS)
{
	Relation	heap = FgOpenTable(FG_MUTE_TABLE, AccessShareLock);
	FgScan	   *hs = FgScanBegin(heap, FG_MUTE_PKEY, ForwardScanDirection, true);
	bool		result = ProbeMute(hs, PG_GETARG_INT64(0), PG_GETARG_INT64(1));

	FgScanEnd(hs);
	table_close(heap, NoLock);
	PG_RETURN_BOOL(result);
}

/*
 * is_blocking(blocker, blocked)
 */
Datum
fg_is_blocking(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ProbeKeys(FG_BLOCK_TABLE, FG_BLOCK_PKEY,
							 PG_GETARG_INT64(0), PG_GETARG_INT64(1)));
}

/*
 * blocks(account, page_size, before): accounts blocked, newest first.
 */
Datum
fg_blocks(PG_FUNCTION_ARGS)
{
	static const FgSeqList list = {
		FG_BLOCK_TABLE, FG_BLOCK_BLOCKER_SEQ,
		FG_BLOCK_ATT_BLOCKED, FG_BLOCK_ATT_AT, FG_BLOCK_ATT_SEQ, InvalidAttrNumber
	};

	return FgSeqListPage(fcinfo, &list);
}

/*
 * follow_requests(account, page_size, before): pending incoming requests,
 * newest first.
 */
Datum
fg_follow_requests(PG_FUNCTION_ARGS)
{
	static const FgSeqList list = {
		FG_REQUEST_TABLE, FG_REQUEST_ACCOUNT_SEQ,
		FG_REQUEST_ATT_REQUESTER, FG_REQUEST_ATT_AT, FG_REQUEST_ATT_SEQ,
		InvalidAttrNumber
	};

	return FgSeqListPage(fcinfo, &list);
}

/*
 * mutes(account, page_size, before): mutes in force, newest first.
 */
Datum
fg_mutes(PG_FUNCTION_ARGS)
{
	static const FgSeqList list = {
		FG_MUTE_TABLE, FG_MUTE_MUTER_SEQ,
		FG_MUTE_ATT_MUTED, FG_MUTE_ATT_AT, FG_MUTE_ATT_SEQ, FG_MUTE_ATT_EXPIRES
	};

	return FgSeqListPage(fcinfo, &list);
}

/*
 * The next visible entry of a MarkWalk: its other id from the index tuple.
 * As FgScanNextId, the heap is read only for an entry on a page not known
 * all-visible; *in_slot then says the entry's heap tuple is in s->slot.
 */
static inline bool
NextEntry(FgScan *s, int64 *id, bool *in_slot)
{
	ItemPointer tid;

	while ((tid = index_getnext_tid(s->scan, s->dir)) != NULL)
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		*in_slot = false;
		if (!VM_ALL_VISIBLE(s->heap, ItemPointerGetBlockNumber(tid),
							&s->vmbuffer))
		{
			if (!index_fetch_heap(s->scan, s->slot))
				continue;
			*in_slot = true;
		}
		else if (IsolationIsSerializable() && IsMVCCSnapshot(s->snapshot))
			PredicateLockPage(s->heap, ItemPointerGetBlockNumber(tid),
							  s->snapshot);
		*id = DatumGetInt64(index_getattr(s->scan->xs_itup, 2,
										  s->scan->xs_itupdesc, &isnull));
		return true;
	}
	return false;
}

/*
 * Is the mute entry NextEntry just returned in force?  Its heap tuple is
 * read only now, for an entry that matched a target: a viewer's other
 * mutes cost no heap visit.  The index entry points at the root of its HOT
 * chain, so this fetch finds the version the snapshot sees.
 */
static bool
MuteEntryInForce(FgScan *s, bool in_slot)
{
	bool		isnull;
	Datum		expires;

	if (!in_slot && !index_fetch_heap(s->scan, s->slot))
		return false;			/* not visible after all: no mute */
	expires = slot_getattr(s->slot, FG_MUTE_ATT_EXPIRES, &isnull);
	return FgExpiryInForce(expires, isnull);
}

/*
 * Mark, in column col of flags, every id of the sorted ids[] that owner has
 * an entry for in the named index (owner, other).  The owner's entries are
 * walked from ids[0] on and merged with ids[]; after FG_STATE_GALLOP_STEPS
 * entries that land on no id the walk descends the btree again to the next
 * id, so a long list costs at most those steps and a descent per id, and an
 * owner with no entries costs one descent.  The walk reads the index only
 * (as an index-only scan does); with mutes (mute_pkey) the heap tuple of an
 * entry that matches an id is read too, and the match counts only while the
 * mute is in force.  *vmbuf is a visibility map pin of heap to reuse, and
 * gets the walk's pin back (the caller releases it).
 */
static void
MarkWalk(Relation heap, const char *indexname, int64 owner,
		 const int64 *ids, int n, bool *flags, int col, bool mutes,
		 Buffer *vmbuf)
{
	FgScan	   *s = FgScanBegin(heap, indexname, ForwardScanDirection, false);
	int			j = 0;
	int			missed = 0;
	int64		id;
	bool		in_slot;

	Assert(n > 0);
	s->vmbuffer = *vmbuf;
	FgScanSeek(s, owner, BTGreaterEqualStrategyNumber, ids[0]);
	while (NextEntry(s, &id, &in_slot))
	{
		if (id < ids[j])
		{
			if (++missed >= FG_STATE_GALLOP_STEPS)
			{
				FgScanSeek(s, owner, BTGreaterEqualStrategyNumber, ids[j]);
				missed = 0;
			}
			continue;
		}
		missed = 0;
		while (j < n && ids[j] < id)
			j++;
		if (j == n)
			break;
		if (ids[j] == id)
		{
			if (!mutes || MuteEntryInForce(s, in_slot))
				flags[j * FG_REL_COLUMNS + col] = true;
			if (++j == n)
				break;
		}
	}
	*vmbuf = s->vmbuffer;
	s->vmbuffer = InvalidBuffer;
	FgScanEnd(s);
}

/*
 * Release a visibility map pin MarkWalk handed back, and forget it.
 */
static void
ReleaseVmPin(Buffer *vmbuf)
{
	if (BufferIsValid(*vmbuf))
		ReleaseBuffer(*vmbuf);
	*vmbuf = InvalidBuffer;
}

/*
 * requested_by: requests from each id to viewer.  The viewer's incoming
 * requests are listed only by (account, seq), not in requester order, so a
 * short list is read whole, sorted and merged; once it proves longer than
 * FG_STATE_WALK_RATIO times the ids, each id is probed in the primary key
 * instead.  Either way the cost stays within a small multiple of the ids.
 */
static void
MarkRequestedBy(Relation heap, int64 viewer, const int64 *ids, int n,
				bool *flags)
{
	int64		limit = (int64) FG_STATE_WALK_RATIO * n;
	int			cap = 64;
	int64	   *req = palloc(sizeof(int64) * cap);
	int			nreq = 0;
	bool		complete = true;
	FgScan	   *s;

	s = FgScanBegin(heap, FG_REQUEST_ACCOUNT_SEQ, ForwardScanDirection, true);
	FgScanSeek(s, viewer, InvalidStrategy, 0);
	while (FgScanNextTuple(s))
	{
		bool		isnull;

		if (nreq == limit)
		{
			complete = false;
			break;
		}
		if (nreq == cap)
		{
			cap *= 2;
			req = repalloc(req, sizeof(int64) * cap);
		}
		req[nreq++] = DatumGetInt64(slot_getattr(s->slot,
												 FG_REQUEST_ATT_REQUESTER,
												 &isnull));
	}
	FgScanEnd(s);

	if (complete)
	{
		int			j = 0;

		qsort(req, nreq, sizeof(int64), FgCompareInt64);
		for (int i = 0; i < nreq && j < n; i++)
		{
			while (j < n && ids[j] < req[i])
				j++;
			if (j < n && ids[j] == req[i])
				flags[j * FG_REL_COLUMNS + FG_REL_REQUESTED_BY] = true;
		}
	}
	else
	{
		s = FgScanBegin(heap, FG_REQUEST_PKEY, ForwardScanDirection, false);
		for (int i = 0; i < n; i++)
			flags[i * FG_REL_COLUMNS + FG_REL_REQUESTED_BY] =
				FgScanProbe(s, ids[i], viewer);
		FgScanEnd(s);
	}
	pfree(req);
}

/*
 * The flag columns of relationships(viewer, ids): for each of the n
 * distinct ids (sorted ascending, viewer not among them), FG_REL_COLUMNS
 * flags at flags[i * FG_REL_COLUMNS + FG_REL_...], which the caller zeroed;
 * the state columns only with_states (a catalog still at 0.1.0 has none).
 *
 * Every column but requested_by has an index that begins with the viewer
 * and lists the other account in id order, so each is one galloping walk
 * (MarkWalk) merged with the sorted ids: as cheap as a hashed EXISTS plan
 * when the viewer's list is short, a probe per id at most when it is long,
 * and one btree descent when the viewer has no such row at all, which is
 * the common case for the states.  No count is read to choose.
 */
void
FgRelationshipFlags(int64 viewer, const int64 *ids, int n, bool with_states,
					bool *flags)
{
	Relation	heap;
	Buffer		vmbuf = InvalidBuffer;

	if (n == 0)
		return;

	heap = FgOpenEdges();
	MarkWalk(heap, FG_EDGE_PKEY, viewer, ids, n, flags, FG_REL_FOLLOWING,
			 false, &vmbuf);
	MarkWalk(heap, FG_EDGE_BY_FOLLOWEE, viewer, ids, n, flags,
			 FG_REL_FOLLOWED_BY, false, &vmbuf);
	ReleaseVmPin(&vmbuf);
	table_close(heap, NoLock);
	if (!with_states)
		return;

	heap = FgOpenTable(FG_REQUEST_TABLE, AccessShareLock);
	MarkWalk(heap, FG_REQUEST_PKEY, viewer, ids, n, flags, FG_REL_REQUESTED,
			 false, &vmbuf);
	ReleaseVmPin(&vmbuf);
	MarkRequestedBy(heap, viewer, ids, n, flags);
	table_close(heap, NoLock);

	heap = FgOpenTable(FG_BLOCK_TABLE, AccessShareLock);
	MarkWalk(heap, FG_BLOCK_PKEY, viewer, ids, n, flags, FG_REL_BLOCKING,
			 false, &vmbuf);
	MarkWalk(heap, FG_BLOCK_BY_BLOCKED, viewer, ids, n, flags,
			 FG_REL_BLOCKED_BY, false, &vmbuf);
	ReleaseVmPin(&vmbuf);
	table_close(heap, NoLock);

	heap = FgOpenTable(FG_MUTE_TABLE, AccessShareLock);
	MarkWalk(heap, FG_MUTE_PKEY, viewer, ids, n, flags, FG_REL_MUTING, true,
			 &vmbuf);
	ReleaseVmPin(&vmbuf);
	table_close(heap, NoLock);
}

/*
 * The states relationship(viewer, target) ranks above the edges: whether
 * viewer blocks target, target blocks viewer, and viewer has a pending
 * request to target.
 */
void
FgPairStates(int64 viewer, int64 target, bool *blocking, bool *blocked_by,
			 bool *requested)
{
	Relation	heap;
	FgScan	   *s;

	/* A catalog still at 0.1.0 (before ALTER EXTENSION UPDATE) has none. */
	*blocking = *blocked_by = *requested = false;
	if (!OidIsValid(FgRelationIdIfExists(FG_BLOCK_TABLE)))
		return;

	heap = FgOpenTable(FG_BLOCK_TABLE, AccessShareLock);
	s = FgScanBegin(heap, FG_BLOCK_PKEY, ForwardScanDirection, false);
	*blocking = FgScanProbe(s, viewer, target);
	*blocked_by = FgScanProbe(s, target, viewer);
	FgScanEnd(s);
	table_close(heap, NoLock);
	*requested = ProbeKeys(FG_REQUEST_TABLE, FG_REQUEST_PKEY, viewer, target);
}
