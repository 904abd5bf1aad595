/*
 * fg_discovery.c
 *		Discovery: follow suggestions (friends of friends, Adamic-Adar),
 *		similar accounts (Jaccard of follower sets), "followed by N you
 *		follow" for a page of targets, and the fans / not-following-back
 *		lists.
 *
 * The two graph walks of more than one hop read a bounded number of index
 * entries whatever the graph: suggest_follows() reads the viewer's
 * follow_graph.suggest_middles most recent followees (the "middles") and
 * follow_graph.suggest_fanout followees of each; similar_accounts() reads the
 * account's follow_graph.similar_sample most recent followers and
 * follow_graph.similar_fanout followees of each.  "Most recent" is the order
 * of the edge sequence (a heap visit per entry, once per call).  The second
 * hop, read once per middle or sampled follower, takes a window of the list
 * in id order from the index alone: fanout consecutive ids (wrapping around)
 * from a start that a hash of the owner's id picks between its smallest and
 * largest id, so that every middle contributes a different, deterministic
 * sample of its list.  A list the counters say fits under its bound is read
 * whole.  Everything is deterministic for a snapshot; when no bound bites
 * the answers are exact; the number of entries read is reported at DEBUG1.
 *
 * Like every read, these see follow_graph.edge, which holds the visible
 * edges only (see docs/states-design.md); the suggestions also consult the
 * state tables for their exclusions (requests, blocks, mutes, deactivated
 * accounts) and follow_graph.dismissal.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/binaryheap.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fg.h"

/* Scores closer than this are equal (issue 14: ties judged at 1e-9). */
#define FG_SCORE_EPSILON	1e-9

/* Name of the dismissal table and its primary key (account, candidate). */
#define FG_DISMISSAL_TABLE	"dismissal"
#define FG_DISMISSAL_PKEY	"dismissal_pkey"
#define FG_MUTE_ATT_EXPIRES	5

/* The bounds (GUCs, defined in _PG_init). */
int			fg_suggest_middles = 1000;
int			fg_suggest_fanout = 100;
int			fg_similar_sample = 1000;
int			fg_similar_fanout = 100;

PG_FUNCTION_INFO_V1(fg_suggest_follows);
PG_FUNCTION_INFO_V1(fg_dismiss_suggestion);
PG_FUNCTION_INFO_V1(fg_similar_accounts);
PG_FUNCTION_INFO_V1(fg_known_followers_summary);
PG_FUNCTION_INFO_V1(fg_fans);
PG_FUNCTION_INFO_V1(fg_not_following_back);

static SPIPlanPtr plan_dismiss = NULL;

static const char *const sql_dismiss =
"INSERT INTO follow_graph.dismissal (account, candidate, dismissed_at)"
" VALUES ($1, $2, pg_catalog.now())"
" ON CONFLICT (account, candidate) DO NOTHING";

static const char *const sql_delete_dismissals =
"DELETE FROM follow_graph.dismissal AS d"
" WHERE d.account OPERATOR(pg_catalog.=) $1"
"    OR d.candidate OPERATOR(pg_catalog.=) $1";

/*
 * The neighbour walks of one call: an index-only walk in id order and a
 * newest-first walk with the heap tuple, for one direction.
 */
typedef struct FgNeighbourScans
{
	FgScan	   *by_id;
	FgScan	   *by_id_back;
	FgScan	   *by_seq;
	AttrNumber	other_att;
	int64		entries;		/* index entries read so far */
} FgNeighbourScans;

/* A candidate of suggest_follows() or similar_accounts(). */
typedef struct FgCandidate
{
	int64		id;				/* hash key */
	char		status;			/* simplehash's */
	double		score;			/* Adamic-Adar or Jaccard */
	int64		co;				/* similar: sampled followers that follow it */
	int64		via;			/* suggest: the middle it came through */
	int64		via_followers;
	int64		followers;
	int			group;
} FgCandidate;

/*
 * Follower count of one account.
 */
static int64
FollowersOf(FgCounterReader *r, int64 account)
{
	FgCounts	c;

	FgCounterRead(r, account, &c);
	return c.followers;
}

/*
 * Open the two walks of one direction: followees (followers = false) or
 * followers of an owner.
 */
static void
NeighbourScansBegin(FgNeighbourScans *ns, Relation heap, bool followers)
{
	ns->by_id = FgScanBegin(heap, followers ? FG_EDGE_BY_FOLLOWEE : FG_EDGE_PKEY,
							ForwardScanDirection, false);
	ns->by_id_back = FgScanBegin(heap, followers ? FG_EDGE_BY_FOLLOWEE : FG_EDGE_PKEY,
								 BackwardScanDirection, false);
	ns->by_seq = FgScanBegin(heap, followers ? FG_EDGE_FOLLOWEE_SEQ : FG_EDGE_FOLLOWER_SEQ,
							 BackwardScanDirection, true);
	ns->other_att = followers ? FG_EDGE_ATT_FOLLOWER : FG_EDGE_ATT_FOLLOWEE;
	ns->entries = 0;
}

/*
 * Close both walks.
 */
static void
NeighbourScansEnd(FgNeighbourScans *ns)
{
	FgScanEnd(ns->by_id);
	FgScanEnd(ns->by_id_back);
	FgScanEnd(ns->by_seq);
}

/*
 * A 64-bit mix of an id (the finalizer of splitmix64), for window starts.
 */
static inline uint64
MixId(int64 id)
{
	uint64		x = (uint64) id;

	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* An open-addressing hash table of candidates by id (lib/simplehash.h). */
#define SH_PREFIX			cand_hash
#define SH_ELEMENT_TYPE		FgCandidate
#define SH_KEY_TYPE			int64
#define SH_KEY				id
#define SH_HASH_KEY(tb, key)	((uint32) MixId(key))
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * Read owner's neighbours whose id compares to bound by strategy
 * (InvalidStrategy: all), in id order from the index alone, into
 * out[n..limit); returns the new n.
 */
static int
ReadIdRange(FgNeighbourScans *ns, int64 owner, StrategyNumber strategy,
			int64 bound, int n, int limit, int64 *out)
{
	FgScanSeek(ns->by_id, owner, strategy, bound);
	while (n < limit && FgScanNextId(ns->by_id, &out[n]))
		n++;
	return n;
}

/*
 * Up to limit neighbours of owner into out[]; returns how many.  When the
 * counters say the whole list fits (count <= limit) it is read whole, in id
 * order from the index alone.  Otherwise recent picks the limit most recent
 * (edge sequence order, with a heap visit each), and !recent a window of
 * limit consecutive ids from a start that a hash of owner picks between its
 * smallest and largest id, wrapping around (two extra index entries read).
 * Never more than limit + 2 entries are read.
 */
static int
ReadNeighbours(FgNeighbourScans *ns, int64 owner, int64 count, int limit,
			   bool recent, int64 *out)
{
	int			n = 0;

	Assert(limit > 0);
	if (count <= limit)
		n = ReadIdRange(ns, owner, InvalidStrategy, 0, 0, limit, out);
	else if (recent)
	{
		FgScanSeek(ns->by_seq, owner, InvalidStrategy, 0);
		while (n < limit && FgScanNextTuple(ns->by_seq))
		{
			bool		isnull;

			out[n++] = DatumGetInt64(slot_getattr(ns->by_seq->slot,
												  ns->other_att, &isnull));
		}
	}
	else
	{
		int64		lo;
		int64		hi;
		uint64		span;
		uint64		offset;
		int64		start;

		FgScanSeek(ns->by_id, owner, InvalidStrategy, 0);
		FgScanSeek(ns->by_id_back, owner, InvalidStrategy, 0);
		if (!FgScanNextId(ns->by_id, &lo) || !FgScanNextId(ns->by_id_back, &hi))
			return 0;
		ns->entries += 2;
		span = (uint64) hi - (uint64) lo;
		offset = span == PG_UINT64_MAX ? MixId(owner) : MixId(owner) % (span + 1);
		start = (int64) ((uint64) lo + offset);
		n = ReadIdRange(ns, owner, BTGreaterEqualStrategyNumber, start, 0, limit, out);
		if (n < limit)
			n = ReadIdRange(ns, owner, BTLessStrategyNumber, start, n, limit, out);
	}
	ns->entries += n;
	return n;
}

/*
 * Reject a max_results or sample that is not positive.
 */
static void
CheckPositive(int32 value, const char *argname)
{
	if (value <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", argname),
				 errdetail("The %s given was %d.", argname, value)));
}

/*
 * Order for candidates by exact score descending, then id ascending.
 */
static int
CompareCandidateScore(const void *a, const void *b)
{
	const FgCandidate *x = a;
	const FgCandidate *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return FgCmpInt64(x->id, y->id);
}

/*
 * binaryheap order for candidate pointers: the best score on top.
 */
static int
HeapCompareScore(Datum a, Datum b, void *arg)
{
	return -CompareCandidateScore(DatumGetPointer(a), DatumGetPointer(b));
}

/*
 * Order for candidates by co-follower count desc, then id asc.
 */
static int
CompareCandidateCo(const void *a, const void *b)
{
	const FgCandidate *x = a;
	const FgCandidate *y = b;

	if (x->co != y->co)
		return x->co > y->co ? -1 : 1;
	return FgCmpInt64(x->id, y->id);
}

/*
 * binaryheap order for candidate pointers: the most co-followers on top.
 */
static int
HeapCompareCo(Datum a, Datum b, void *arg)
{
	return -CompareCandidateCo(DatumGetPointer(a), DatumGetPointer(b));
}

/*
 * Final order of candidates: score group, follower_count desc, id asc.
 */
static int
CompareCandidateFinal(const void *a, const void *b)
{
	const FgCandidate *x = a;
	const FgCandidate *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->followers != y->followers)
		return x->followers > y->followers ? -1 : 1;
	return FgCmpInt64(x->id, y->id);
}

/*
 * Put candidates already sorted by score descending in their final order:
 * consecutive scores within FG_SCORE_EPSILON of the previous one share its
 * group, and each group is ordered by follower_count.
 */
static void
RankCandidates(FgCandidate *c, int n)
{
	int			g = 0;

	for (int i = 0; i < n; i++)
	{
		if (i > 0 && c[i - 1].score - c[i].score > FG_SCORE_EPSILON)
			g++;
		c[i].group = g;
	}
	qsort(c, n, sizeof(FgCandidate), CompareCandidateFinal);
}

/*
 * A heap in the given order over copies of the candidates of a hash table;
 * *n is set to their number.
 */
static binaryheap *
CandidateHeap(cand_hash_hash *hash, binaryheap_comparator compare, int *n)
{
	FgCandidate *cands = palloc(sizeof(FgCandidate) * Max(hash->members, 1));
	binaryheap *order = binaryheap_allocate(Max(hash->members, 1), compare, NULL);
	cand_hash_iterator it;
	FgCandidate *entry;

	*n = 0;
	cand_hash_start_iterate(hash, &it);
	while ((entry = cand_hash_iterate(hash, &it)) != NULL)
	{
		cands[*n] = *entry;
		binaryheap_add_unordered(order, PointerGetDatum(&cands[*n]));
		(*n)++;
	}
	binaryheap_build(order);
	return order;
}

/* The relations a suggestion's exclusions are probed in. */
typedef struct FgExclusions
{
	int64		account;
	Relation	edge;
	Relation	request;
	Relation	block;
	Relation	mute;
	Relation	dismissal;
	Relation	state;
	Relation	state_index;
	FgScan	   *follows;
	FgScan	   *requests;
	FgScan	   *blocks;
	FgScan	   *mutes;
	FgScan	   *dismissals;
	IndexScanDesc state_scan;
	TupleTableSlot *state_slot;
	ScanKeyData state_key;
	int64		probes;
} FgExclusions;

/*
 * Open the relations of the exclusions of account's suggestions.
 */
static void
ExclusionsBegin(FgExclusions *x, Relation edge, int64 account)
{
	x->account = account;
	x->edge = edge;
	x->request = FgOpenTable(FG_REQUEST_TABLE, AccessShareLock);
	x->block = FgOpenTable(FG_BLOCK_TABLE, AccessShareLock);
	x->mute = FgOpenTable(FG_MUTE_TABLE, AccessShareLock);
	x->dismissal = FgOpenTable(FG_DISMISSAL_TABLE, AccessShareLock);
	x->state = FgOpenTable(FG_ACCOUNT_STATE_TABLE, AccessShareLock);
	x->state_index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	x->follows = FgScanBegin(edge, FG_EDGE_PKEY, ForwardScanDirection, false);
	x->requests = FgScanBegin(x->request, FG_REQUEST_PKEY, ForwardScanDirection, false);
	x->blocks = FgScanBegin(x->block, FG_BLOCK_PKEY, ForwardScanDirection, false);
	x->mutes = FgScanBegin(x->mute, FG_MUTE_PKEY, ForwardScanDirection, true);
	x->dismissals = FgScanBegin(x->dismissal, FG_DISMISSAL_PKEY, ForwardScanDirection, false);
	x->state_scan = FgIndexBeginScan(x->state, x->state_index,
									 GetActiveSnapshot(), 1, 0);
	x->state_slot = table_slot_create(x->state, NULL);
	x->probes = 0;
}

/*
 * Does account mute candidate now (a mute with no expiry or a later one)?
 */
static bool
Mutes(FgExclusions *x, int64 candidate)
{
	bool		isnull;
	Datum		expires;

	FgScanSeek(x->mutes, x->account, BTEqualStrategyNumber, candidate);
	if (!FgScanNextTuple(x->mutes))
		return false;
	expires = slot_getattr(x->mutes->slot, FG_MUTE_ATT_EXPIRES, &isnull);
	return FgExpiryInForce(expires, isnull);
}

/*
 * Is the account deactivated (account_state.active false)?
 */
static bool
Deactivated(FgExclusions *x, int64 candidate)
{
	bool		isnull;
	bool		active = true;

	ScanKeyInit(&x->state_key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(candidate));
	index_rescan(x->state_scan, &x->state_key, 1, NULL, 0);
	if (index_getnext_slot(x->state_scan, ForwardScanDirection, x->state_slot))
		active = DatumGetBool(slot_getattr(x->state_slot, FG_STATE_ATT_ACTIVE,
										   &isnull));
	return !active;
}

/*
 * Must candidate be left out of account's suggestions?  The account itself,
 * accounts it follows or has a pending request to, blocks either way,
 * active mutes by the account, deactivated accounts, dismissed candidates.
 */
static bool
Excluded(FgExclusions *x, int64 candidate)
{
	x->probes++;
	return candidate == x->account ||
		FgScanProbe(x->follows, x->account, candidate) ||
		FgScanProbe(x->requests, x->account, candidate) ||
		FgScanProbe(x->blocks, x->account, candidate) ||
		FgScanProbe(x->blocks, candidate, x->account) ||
		Mutes(x, candidate) ||
		FgScanProbe(x->dismissals, x->account, candidate) ||
		Deactivated(x, candidate);
}

/*
 * Close what ExclusionsBegin opened (not the edge table).
 */
static void
ExclusionsEnd(FgExclusions *x)
{
	FgScanEnd(x->follows);
	FgScanEnd(x->requests);
	FgScanEnd(x->blocks);
	FgScanEnd(x->mutes);
	FgScanEnd(x->dismissals);
	index_endscan(x->state_scan);
	ExecDropSingleTupleTableSlot(x->state_slot);
	index_close(x->state_index, NoLock);
	table_close(x->state, NoLock);
	table_close(x->request, NoLock);
	table_close(x->block, NoLock);
	table_close(x->mute, NoLock);
	table_close(x->dismissal, NoLock);
}

/*
 * suggest_follows(account, max_results): accounts followed by the accounts
 * account follows, by Adamic-Adar score (each middle m adds
 * 1 / ln(2 + following_count(m))), ties by follower_count desc then id.
 */
Datum
fg_suggest_follows(PG_FUNCTION_ARGS)
{
	int64		account = PG_GETARG_INT64(0);
	int32		max_results = PG_GETARG_INT32(1);
	int			middles_max = fg_suggest_middles;
	int			fanout = fg_suggest_fanout;
	ReturnSetInfo *rsinfo;
	MemoryContext cxt;
	MemoryContext old;
	FgCounterReader cr;
	FgNeighbourScans ns;
	FgExclusions ex;
	Relation	heap;
	cand_hash_hash *hash;
	binaryheap *order;
	FgCandidate *entry;
	FgCandidate *accepted;
	int64	   *middles;
	int64	   *out;
	FgCounts	counts;
	int			nmiddles;
	int			ncands = 0;
	int			nacc = 0;
	int64		candidate_entries;

	CheckPositive(max_results, "max_results");
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "suggest_follows work",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	heap = FgOpenEdges();
	FgCounterReaderBegin(&cr, false);
	NeighbourScansBegin(&ns, heap, false);

	/* The middles: the viewer's most recent followees, in id order. */
	FgCounterRead(&cr, account, &counts);
	middles = palloc(sizeof(int64) * middles_max);
	nmiddles = ReadNeighbours(&ns, account, counts.following, middles_max, true, middles);
	qsort(middles, nmiddles, sizeof(int64), FgCompareInt64);

	/* Their followees, each middle's weight summed in middle id order. */
	hash = cand_hash_create(cxt, Max(nmiddles * 8, 64), NULL);
	out = palloc(sizeof(int64) * fanout);
	for (int i = 0; i < nmiddles; i++)
	{
		int64		m = middles[i];
		double		weight;
		int			n;

		FgCounterRead(&cr, m, &counts);
		weight = 1.0 / log(2.0 + (double) counts.following);
		n = ReadNeighbours(&ns, m, counts.following, fanout, false, out);
		for (int j = 0; j < n; j++)
		{
			bool		found;

			if (out[j] == account)
				continue;
			entry = cand_hash_insert(hash, out[j], &found);
			if (!found)
			{
				entry->score = 0.0;
				entry->via = m;
				entry->via_followers = counts.followers;
			}
			else if (counts.followers > entry->via_followers)
			{
				/* Middles come in id order: an equal count keeps the first. */
				entry->via = m;
				entry->via_followers = counts.followers;
			}
			entry->score += weight;
		}
	}
	candidate_entries = ns.entries - nmiddles;
	NeighbourScansEnd(&ns);

	/* Best first: a heap, since only the top and its ties are looked at. */
	order = CandidateHeap(hash, HeapCompareScore, &ncands);

	/*
	 * Walk the candidates best first, dropping the excluded, until
	 * max_results are kept and the next score is below the last kept one
	 * by more than the tie margin; the ties are then ordered by
	 * follower_count.
	 */
	ExclusionsBegin(&ex, heap, account);
	accepted = palloc(sizeof(FgCandidate) * Max(Min(ncands, max_results), 1));
	while (!binaryheap_empty(order))
	{
		FgCandidate *c = (FgCandidate *) DatumGetPointer(binaryheap_first(order));

		if (nacc >= max_results &&
			accepted[nacc - 1].score - c->score > FG_SCORE_EPSILON)
			break;
		(void) binaryheap_remove_first(order);
		if (Excluded(&ex, c->id))
			continue;
		if (nacc >= max_results && nacc % max_results == 0)
			accepted = repalloc(accepted, sizeof(FgCandidate) * (nacc + max_results));
		c->followers = FollowersOf(&cr, c->id);
		accepted[nacc++] = *c;
	}
	ExclusionsEnd(&ex);
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);

	RankCandidates(accepted, nacc);

	elog(DEBUG1, "suggest_follows read %d middle and " INT64_FORMAT " candidate entries (bounds %d and %d per middle), probed " INT64_FORMAT " candidates",
		 nmiddles, candidate_entries, middles_max, fanout, ex.probes);

	MemoryContextSwitchTo(old);
	for (int i = 0; i < Min(nacc, max_results); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(accepted[i].id);
		values[1] = Float8GetDatum(accepted[i].score);
		values[2] = Int64GetDatum(accepted[i].via);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/*
 * dismiss_suggestion(account, candidate): never suggest candidate to account
 * again; true if the dismissal is new.
 */
Datum
fg_dismiss_suggestion(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	int64		candidate = FgGetIdArg(fcinfo, 1, "candidate");
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2];
	uint64		n;

	if (account == candidate)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an account cannot dismiss itself as a suggestion")));
	FgCheckArbiterIndex(FG_DISMISSAL_TABLE, "dismissal_pkey");
	values[0] = Int64GetDatum(account);
	values[1] = Int64GetDatum(candidate);
	SPI_connect();
	n = FgSpiExecPlan(FgSpiPrepareKeep(&plan_dismiss, sql_dismiss, 2, types),
					  values, SPI_OK_INSERT);
	SPI_finish();
	PG_RETURN_BOOL(n > 0);
}

/*
 * Delete the dismissals naming account, on either side (remove_account();
 * inside the caller's SPI connection).  Nothing to do in a database whose
 * catalog predates the table (the library was updated, the extension not
 * yet).
 */
void
FgDeleteDismissals(int64 account)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	/* A catalog still at 0.1.0 (before ALTER EXTENSION UPDATE) has none. */
	if (!FgStatesInstalled())
		return;
	values[0] = Int64GetDatum(account);
	FgSpiExec(sql_delete_dismissals, 1, types, values, SPI_OK_DELETE);
}

/*
 * Restore the min-heap property of heap[0..n) downward from i.
 */
static void
SiftDown(double *heap, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			m = i;
		double		t;

		if (l < n && heap[l] < heap[m])
			m = l;
		if (l + 1 < n && heap[l + 1] < heap[m])
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/*
 * Add a value to a min-heap of the k largest values seen; *n grows to k.
 */
static void
KeepLargest(double *heap, int *n, int k, double value)
{
	if (*n < k)
	{
		int			i = (*n)++;

		heap[i] = value;
		while (i > 0 && heap[(i - 1) / 2] > heap[i])
		{
			double		t = heap[i];

			heap[i] = heap[(i - 1) / 2];
			heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	}
	else if (value > heap[0])
	{
		heap[0] = value;
		SiftDown(heap, *n, 0);
	}
}

/*
 * similar_accounts(account, max_results): accounts whose followers overlap
 * most with account's, by Jaccard of the follower sets.  The overlap is
 * counted on a bounded sample (see the top of the file) and scaled by
 * follower_count / sample size; it is exact when no bound bites.
 */
Datum
fg_similar_accounts(PG_FUNCTION_ARGS)
{
	int64		account = PG_GETARG_INT64(0);
	int32		max_results = PG_GETARG_INT32(1);
	int			sample_max = fg_similar_sample;
	int			fanout = fg_similar_fanout;
	ReturnSetInfo *rsinfo;
	MemoryContext cxt;
	MemoryContext old;
	FgCounterReader cr;
	FgNeighbourScans fs;
	FgNeighbourScans ns;
	Relation	heap;
	cand_hash_hash *hash;
	binaryheap *order;
	FgCandidate *entry;
	FgCandidate *done;
	double	   *top;
	int64	   *sample;
	int64	   *out;
	FgCounts	counts;
	int64		fa;
	int			nsample;
	int			ncands = 0;
	int			ndone = 0;
	int			ntop = 0;
	int			k;
	double		scale;

	CheckPositive(max_results, "max_results");
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "similar_accounts work",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	heap = FgOpenEdges();
	FgCounterReaderBegin(&cr, false);
	NeighbourScansBegin(&fs, heap, true);
	NeighbourScansBegin(&ns, heap, false);

	FgCounterRead(&cr, account, &counts);
	fa = counts.followers;
	sample = palloc(sizeof(int64) * sample_max);
	nsample = ReadNeighbours(&fs, account, fa, sample_max, true, sample);

	hash = cand_hash_create(cxt, Max(nsample * 8, 64), NULL);
	out = palloc(sizeof(int64) * fanout);
	for (int i = 0; i < nsample; i++)
	{
		int			n;

		FgCounterRead(&cr, sample[i], &counts);
		n = ReadNeighbours(&ns, sample[i], counts.following, fanout, false, out);
		for (int j = 0; j < n; j++)
		{
			bool		found;

			if (out[j] == account)
				continue;
			entry = cand_hash_insert(hash, out[j], &found);
			if (!found)
				entry->co = 0;
			entry->co++;
		}
	}
	NeighbourScansEnd(&fs);
	NeighbourScansEnd(&ns);

	order = CandidateHeap(hash, HeapCompareCo, &ncands);

	/*
	 * The overlap of a candidate is estimated as co * fa / nsample (exact
	 * when the sample is every follower).  Since the union has at least fa
	 * members, overlap / fa bounds the Jaccard from above, and it falls
	 * with co: once it is below the max_results-th best Jaccard by more than
	 * the tie margin, no later candidate can enter the answer.
	 */
	scale = (nsample > 0 && fa > nsample) ? (double) fa / nsample : 1.0;
	k = Min(max_results, Max(ncands, 1));
	top = palloc(sizeof(double) * k);
	done = palloc(sizeof(FgCandidate) * Max(ncands, 1));
	while (!binaryheap_empty(order))
	{
		FgCandidate *c = (FgCandidate *) DatumGetPointer(binaryheap_remove_first(order));
		double		overlap = (double) c->co * scale;
		double		denominator;

		if (ntop == k && fa > 0 && top[0] - overlap / fa > FG_SCORE_EPSILON)
			break;
		c->followers = FollowersOf(&cr, c->id);
		overlap = Min(overlap, (double) Min(fa, c->followers));
		denominator = (double) fa + (double) c->followers - overlap;
		c->score = denominator > 0 ? overlap / denominator : 0.0;
		KeepLargest(top, &ntop, k, c->score);
		done[ndone++] = *c;
	}
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);

	qsort(done, ndone, sizeof(FgCandidate), CompareCandidateScore);
	RankCandidates(done, ndone);

	elog(DEBUG1, "similar_accounts read %d follower and " INT64_FORMAT " candidate entries (bounds %d and %d per follower), scored %d candidates",
		 nsample, ns.entries, sample_max, fanout, ndone);

	MemoryContextSwitchTo(old);
	for (int i = 0; i < Min(ndone, max_results); i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int64GetDatum(done[i].id);
		values[1] = Float8GetDatum(done[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/* known_followers_summary(): the viewer's followees and their counts. */
typedef struct FgKnown
{
	int64	   *ids;			/* ascending */
	int64	   *followers;		/* -1 until looked up */
	int			n;
} FgKnown;

/*
 * Order for positions into known ids: follower_count desc, id asc.
 */
static int
CompareKnownPos(const void *a, const void *b, void *arg)
{
	const FgKnown *known = arg;
	int			x = *(const int *) a;
	int			y = *(const int *) b;
	int64		fx = known->followers[x];
	int64		fy = known->followers[y];

	if (fx != fy)
		return fx > fy ? -1 : 1;
	return FgCmpInt64(x, y);
}

/*
 * The position of the first id >= target in ids[lo..n), by binary search.
 */
static int
LowerBound(const int64 *ids, int lo, int n, int64 target)
{
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * known_followers_summary(viewer, targets, sample): per distinct target, in
 * input order, how many accounts viewer follows follow it, and up to sample
 * of them, highest follower_count first.
 */
Datum
fg_known_followers_summary(PG_FUNCTION_ARGS)
{
	int64		viewer = PG_GETARG_INT64(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	int32		sample = PG_GETARG_INT32(2);
	ReturnSetInfo *rsinfo;
	MemoryContext cxt;
	MemoryContext old;
	FgArrayItem *targets;
	FgKnown		known;
	FgCounterReader cr;
	Relation	heap;
	FgScan	   *ids;
	FgScan	   *probe;
	FgScan	   *walk;
	int			ntargets;
	int			cap;
	int		   *members;
	FgCounts	counts;

	CheckPositive(sample, "sample");
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"known_followers_summary work",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	targets = FgDistinctIds(arr, "targets", false, 0, &ntargets);
	FgInInputOrder(targets, ntargets);

	heap = FgOpenEdges();
	FgCounterReaderBegin(&cr, false);

	/* The viewer's followees, once, in id order. */
	FgCounterRead(&cr, viewer, &counts);
	cap = (int) Min(Max(counts.following, 16), (int64) MaxAllocSize / sizeof(int64) / 2);
	known.ids = palloc(sizeof(int64) * cap);
	known.n = 0;
	ids = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	FgScanSeek(ids, viewer, InvalidStrategy, 0);
	for (;;)
	{
		int64		id;

		if (!FgScanNextId(ids, &id))
			break;
		if (known.n == cap)
		{
			cap *= 2;
			known.ids = repalloc_huge(known.ids, sizeof(int64) * cap);
		}
		known.ids[known.n++] = id;
	}
	FgScanEnd(ids);
	known.followers = palloc(sizeof(int64) * Max(known.n, 1));
	for (int i = 0; i < known.n; i++)
		known.followers[i] = -1;
	members = palloc(sizeof(int) * Max(known.n, 1));

	probe = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	walk = FgScanBegin(heap, FG_EDGE_BY_FOLLOWEE, ForwardScanDirection, false);
	for (int t = 0; t < ntargets; t++)
	{
		int64		target = targets[t].id;
		int			nmembers = 0;
		int			nsample;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		Datum	   *elems;

		CHECK_FOR_INTERRUPTS();
		if (known.n > 0)
		{
			int64		target_followers = FollowersOf(&cr, target);

			if ((int64) known.n * FG_PROBE_RATIO < target_followers)
			{
				/* Far more followers than followees: probe each followee. */
				for (int i = 0; i < known.n; i++)
					if (FgScanProbe(probe, known.ids[i], target))
						members[nmembers++] = i;
			}
			else
			{
				/* Merge the target's followers with the followees. */
				int			j = 0;
				int64		f;
				bool		more;

				FgScanSeek(walk, target, BTGreaterEqualStrategyNumber,
						   known.ids[0]);
				more = FgScanNextId(walk, &f);
				while (more && j < known.n)
				{
					if (f == known.ids[j])
					{
						members[nmembers++] = j++;
						more = FgScanNextId(walk, &f);
					}
					else if (f < known.ids[j])
						more = FgAdvanceTo(walk, &f, known.ids[j]);
					else
						j = LowerBound(known.ids, j, known.n, f);
				}
			}
		}

		for (int i = 0; i < nmembers; i++)
			if (known.followers[members[i]] < 0)
				known.followers[members[i]] = FollowersOf(&cr, known.ids[members[i]]);
		qsort_arg(members, nmembers, sizeof(int), CompareKnownPos, &known);
		nsample = Min(nmembers, sample);
		elems = palloc(sizeof(Datum) * Max(nsample, 1));
		for (int i = 0; i < nsample; i++)
			elems[i] = Int64GetDatum(known.ids[members[i]]);

		values[0] = Int64GetDatum(target);
		values[1] = Int64GetDatum((int64) nmembers);
		values[2] = PointerGetDatum(construct_array(elems, nsample, INT8OID,
													sizeof(int64), FLOAT8PASSBYVAL,
													TYPALIGN_DOUBLE));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(elems);
	}
	FgScanEnd(probe);
	FgScanEnd(walk);
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	PG_FREE_IF_COPY(arr, 1);
	return (Datum) 0;
}

/*
 * One page of the ids of one list of account that are not in its other list,
 * ascending, past the cursor: followers not followed back (fans) or followees
 * not following back.  The two lists are merged in id order, the other list
 * re-descended when it falls far behind, or, when the other list is far
 * longer, each id is probed in it; the walk costs the page plus the skipped
 * mutuals.
 */
static Datum
DifferencePage(FunctionCallInfo fcinfo, bool fans)
{
	ReturnSetInfo *rsinfo;
	int64		account;
	int32		page_size;
	bool		has_after;
	int64		after = 0;
	Relation	heap;
	FgScan	   *list;
	FgScan	   *other;
	FgScan	   *pkey;
	FgCounterReader cr;
	FgCounts	counts;
	int64		total = PG_INT64_MAX;
	int64		id;
	int64		cur = 0;
	bool		other_more;
	bool		probe;
	int32		n = 0;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	account = PG_GETARG_INT64(0);
	page_size = PG_GETARG_INT32(1);
	FgCheckPageSize(page_size);
	has_after = !PG_ARGISNULL(2);
	if (has_after)
		after = PG_GETARG_INT64(2);

	heap = FgOpenEdges();
	list = FgScanBegin(heap, fans ? FG_EDGE_BY_FOLLOWEE : FG_EDGE_PKEY,
					   ForwardScanDirection, false);
	other = FgScanBegin(heap, fans ? FG_EDGE_PKEY : FG_EDGE_BY_FOLLOWEE,
						ForwardScanDirection, false);
	pkey = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	if (has_after)
	{
		FgScanSeek(list, account, BTGreaterStrategyNumber, after);
		FgScanSeek(other, account, BTGreaterStrategyNumber, after);
	}
	else
	{
		FgScanSeek(list, account, InvalidStrategy, 0);
		FgScanSeek(other, account, InvalidStrategy, 0);
	}
	/*
	 * When the other list is far longer than this one, probe it for each id
	 * (a descent that stops at the key) instead of merging, whose every
	 * re-descent would read a whole leaf page of the long list.
	 */
	FgCounterReaderBegin(&cr, false);
	FgCounterRead(&cr, account, &counts);
	FgCounterReaderEnd(&cr);

	/*
	 * A first page can stop once it holds every row the list has: the
	 * counters, read in the same snapshot as the edges, say how many
	 * (follower_count - mutual_count, following_count - mutual_count).
	 */
	if (!has_after)
		total = fans ? counts.followers - counts.mutuals :
			counts.following - counts.mutuals;
	probe = fans ? counts.following > FG_PROBE_RATIO * counts.followers :
		counts.followers > FG_PROBE_RATIO * counts.following;
	other_more = !probe && FgScanNextId(other, &cur);
	while (n < page_size && n < total && FgScanNextId(list, &id))
	{
		Datum		value = Int64GetDatum(id);
		bool		isnull = false;

		if (probe)
		{
			if (fans ? FgScanProbe(pkey, account, id) : FgScanProbe(pkey, id, account))
				continue;
		}
		else
		{
			if (other_more && cur < id)
				other_more = FgAdvanceTo(other, &cur, id);
			if (other_more && cur == id)
				continue;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		n++;
	}
	FgScanEnd(pkey);
	FgScanEnd(list);
	FgScanEnd(other);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/*
 * fans(account, page_size, after): followers account does not follow back.
 */
Datum
fg_fans(PG_FUNCTION_ARGS)
{
	return DifferencePage(fcinfo, true);
}

/*
 * not_following_back(account, page_size, after): accounts account follows
 * that do not follow it back.
 */
Datum
fg_not_following_back(PG_FUNCTION_ARGS)
{
	return DifferencePage(fcinfo, false);
}

/*
 * Node-side halves of the router's suggest_follows() and similar_accounts()
 * (follow_graph_proxy; sql/install/94_node_discovery.sql).  Each runs on the
 * node holding the accounts it reads, with the single node's walks above,
 * so that the router, merging them in the single node's order, gives the
 * single node's answer: the account's node picks the middles (or the
 * sampled followers), each middle's node reads its window and its counts,
 * the account's node applies the exclusions.
 */
PG_FUNCTION_INFO_V1(fg_node_suggest_middles);
PG_FUNCTION_INFO_V1(fg_node_suggest_expand);
PG_FUNCTION_INFO_V1(fg_node_suggest_keep);
PG_FUNCTION_INFO_V1(fg_node_similar_sample);
PG_FUNCTION_INFO_V1(fg_node_similar_expand);

/*
 * A bound passed by the router, checked as its GUC is checked.
 */
static int
NodeBoundArg(FunctionCallInfo fcinfo, int argno, const char *name, int max)
{
	int32		value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	value = PG_GETARG_INT32(argno);
	if (value < 1 || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 1 and %d", name, max),
				 errdetail("The %s given was %d.", name, value)));
	return value;
}

/*
 * An int8[] of n ids.
 */
static Datum
IdArrayDatum(const int64 *ids, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	return PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * One row (a count and an id array) of a function returning a composite.
 */
static Datum
CountAndIds(FunctionCallInfo fcinfo, int64 count, const int64 *ids, int n)
{
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	values[0] = Int64GetDatum(count);
	values[1] = IdArrayDatum(ids, n);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

/*
 * The first hop from account, as the single node reads it: up to max of its
 * followees (followers = false) or followers, read whole when they fit, else
 * the most recent.  Returns the account's count of that side; *ids (sorted
 * by id) and *n get the accounts read.
 */
static int64
FirstHop(int64 account, bool followers, int max, int64 **ids, int *n)
{
	FgCounterReader cr;
	FgNeighbourScans ns;
	FgCounts	counts;
	Relation	heap = FgOpenEdges();
	int64		count;

	FgCounterReaderBegin(&cr, false);
	NeighbourScansBegin(&ns, heap, followers);
	FgCounterRead(&cr, account, &counts);
	count = followers ? counts.followers : counts.following;
	*ids = palloc(sizeof(int64) * max);
	*n = ReadNeighbours(&ns, account, count, max, true, *ids);
	qsort(*ids, *n, sizeof(int64), FgCompareInt64);
	NeighbourScansEnd(&ns);
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);
	return count;
}

/*
 * node_suggest_middles(account, max_middles): the account's following
 * count and its middles (the most recent max_middles followees), by id.
 */
Datum
fg_node_suggest_middles(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	int			max = NodeBoundArg(fcinfo, 1, "suggest_middles", 10000);
	int64	   *ids;
	int			n;
	int64		following = FirstHop(account, false, max, &ids, &n);

	PG_RETURN_DATUM(CountAndIds(fcinfo, following, ids, n));
}

/*
 * node_suggest_expand(account, middles, fanout): for each distinct middle,
 * its Adamic-Adar weight, its follower count and the window of its
 * followees the single node reads (account left out).  The middles are
 * this node's accounts: their counts and lists are exact here.
 */
Datum
fg_node_suggest_expand(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	int			fanout = NodeBoundArg(fcinfo, 2, "suggest_fanout", 10000);
	ReturnSetInfo *rsinfo;
	FgArrayItem *middles;
	FgCounterReader cr;
	FgNeighbourScans ns;
	Relation	heap;
	int64	   *out;
	int			nmiddles;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("middles must not be null")));
	middles = FgDistinctIds(PG_GETARG_ARRAYTYPE_P(1), "middles", false, 0, &nmiddles);
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	heap = FgOpenEdges();
	FgCounterReaderBegin(&cr, false);
	NeighbourScansBegin(&ns, heap, false);
	out = palloc(sizeof(int64) * fanout);
	for (int i = 0; i < nmiddles; i++)
	{
		int64		m = middles[i].id;
		FgCounts	counts;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int			n;
		int			k = 0;

		CHECK_FOR_INTERRUPTS();
		FgCounterRead(&cr, m, &counts);
		n = ReadNeighbours(&ns, m, counts.following, fanout, false, out);
		for (int j = 0; j < n; j++)
			if (out[j] != account)
				out[k++] = out[j];
		values[0] = Int64GetDatum(m);
		values[1] = Float8GetDatum(1.0 / log(2.0 + (double) counts.following));
		values[2] = Int64GetDatum(counts.followers);
		values[3] = IdArrayDatum(out, k);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	NeighbourScansEnd(&ns);
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/*
 * node_suggest_keep(account, candidates): the distinct candidates the
 * single node would keep in account's suggestions (not excluded), by id.
 * Runs on the account's node, which holds its follows, requests, blocks
 * either way, mutes and dismissals, and every account's active flag.
 */
Datum
fg_node_suggest_keep(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	FgArrayItem *cands;
	FgExclusions ex;
	Relation	heap;
	int64	   *kept;
	int			ncands;
	int			n = 0;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("candidates must not be null")));
	cands = FgDistinctIds(PG_GETARG_ARRAYTYPE_P(1), "candidates", false, 0, &ncands);
	kept = palloc(sizeof(int64) * Max(ncands, 1));
	heap = FgOpenEdges();
	ExclusionsBegin(&ex, heap, account);
	for (int i = 0; i < ncands; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!Excluded(&ex, cands[i].id))
			kept[n++] = cands[i].id;
	}
	ExclusionsEnd(&ex);
	table_close(heap, NoLock);
	PG_RETURN_DATUM(IdArrayDatum(kept, n));
}

/*
 * node_similar_sample(account, max_sample): the account's follower count
 * and its sample (the most recent max_sample followers), by id.
 */
Datum
fg_node_similar_sample(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	int			max = NodeBoundArg(fcinfo, 1, "similar_sample", 100000);
	int64	   *ids;
	int			n;
	int64		followers = FirstHop(account, true, max, &ids, &n);

	PG_RETURN_DATUM(CountAndIds(fcinfo, followers, ids, n));
}

/*
 * node_similar_expand(account, sample, fanout): per candidate, how many of
 * the distinct sampled followers (this node's accounts) have it in the
 * window of their followees the single node reads (account left out).
 */
Datum
fg_node_similar_expand(PG_FUNCTION_ARGS)
{
	int64		account = FgGetIdArg(fcinfo, 0, "account");
	int			fanout = NodeBoundArg(fcinfo, 2, "similar_fanout", 10000);
	ReturnSetInfo *rsinfo;
	FgArrayItem *sample;
	FgCounterReader cr;
	FgNeighbourScans ns;
	Relation	heap;
	MemoryContext cxt;
	MemoryContext old;
	cand_hash_hash *hash;
	cand_hash_iterator it;
	FgCandidate *entry;
	int64	   *out;
	int			nsample;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sample must not be null")));
	sample = FgDistinctIds(PG_GETARG_ARRAYTYPE_P(1), "sample", false, 0, &nsample);
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "node_similar_expand work",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	heap = FgOpenEdges();
	FgCounterReaderBegin(&cr, false);
	NeighbourScansBegin(&ns, heap, false);
	hash = cand_hash_create(cxt, Max(nsample * 8, 64), NULL);
	out = palloc(sizeof(int64) * fanout);
	for (int i = 0; i < nsample; i++)
	{
		FgCounts	counts;
		int			n;

		CHECK_FOR_INTERRUPTS();
		FgCounterRead(&cr, sample[i].id, &counts);
		n = ReadNeighbours(&ns, sample[i].id, counts.following, fanout, false, out);
		for (int j = 0; j < n; j++)
		{
			bool		found;

			if (out[j] == account)
				continue;
			entry = cand_hash_insert(hash, out[j], &found);
			if (!found)
				entry->co = 0;
			entry->co++;
		}
	}
	NeighbourScansEnd(&ns);
	FgCounterReaderEnd(&cr);
	table_close(heap, NoLock);

	MemoryContextSwitchTo(old);
	cand_hash_start_iterate(hash, &it);
	while ((entry = cand_hash_iterate(hash, &it)) != NULL)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int64GetDatum(entry->id);
		values[1] = Int64GetDatum(entry->co);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
