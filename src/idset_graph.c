/*
 * idset_graph.c
 *		The graph as sets: followers_set(), following_set() and
 *		mutuals_set() build an idset straight from the edge btrees, whose
 *		second column already comes out ascending and distinct.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/table.h"
#include "miscadmin.h"

#include "fg.h"
#include "idset.h"

PG_FUNCTION_INFO_V1(idset_followers_set);
PG_FUNCTION_INFO_V1(idset_following_set);
PG_FUNCTION_INFO_V1(idset_mutuals_set);

/*
 * All ids of one owner in the named index, ascending, into a fresh array.
 */
static IdsetVec
CollectIds(Relation heap, const char *indexname, int64 owner)
{
	FgScan	   *s = FgScanBegin(heap, indexname, ForwardScanDirection, false);
	IdsetVec	res;
	size_t		cap = 1024;
	int64		id;

	res.v = IdsetAllocValues(cap);
	res.n = 0;
	FgScanSeek(s, owner, InvalidStrategy, 0);
	while (FgScanNextId(s, &id))
	{
		if (res.n == cap)
		{
			IdsetCheckCount(cap + 1);
			cap *= 2;
			res.v = repalloc_huge(res.v, IDSET_SIZE_BYTES(cap));
		}
		res.v[res.n++] = id;
	}
	FgScanEnd(s);
	return res;
}

/*
 * The set of ids in one index of the edge table for one owner.
 */
static Datum
GraphSet(const char *indexname, int64 owner)
{
	Relation	heap = FgOpenEdges();
	IdsetVec	s = CollectIds(heap, indexname, owner);

	table_close(heap, NoLock);
	PG_RETURN_POINTER(IdsetFromValues(s.v, s.n));
}

/*
 * followers_set(account): every follower of account.
 */
Datum
idset_followers_set(PG_FUNCTION_ARGS)
{
	return GraphSet(FG_EDGE_BY_FOLLOWEE, PG_GETARG_INT64(0));
}

/*
 * following_set(account): every account that account follows.
 */
Datum
idset_following_set(PG_FUNCTION_ARGS)
{
	return GraphSet(FG_EDGE_PKEY, PG_GETARG_INT64(0));
}

/*
 * mutuals_set(account): accounts that account follows and that follow it.
 */
Datum
idset_mutuals_set(PG_FUNCTION_ARGS)
{
	int64		account = PG_GETARG_INT64(0);
	Relation	heap;
	IdsetVec	followers;
	IdsetVec	following;
	int64	   *out;
	size_t		n;

	/* One range of the mutual table when the catalog has it (0.3.0). */
	if (FgMutualInstalled())
	{
		IdsetVec	m;

		heap = FgOpenMutual();
		m = CollectIds(heap, FG_MUTUAL_PKEY, account);
		table_close(heap, NoLock);
		PG_RETURN_POINTER(IdsetFromValues(m.v, m.n));
	}

	heap = FgOpenEdges();
	followers = CollectIds(heap, FG_EDGE_BY_FOLLOWEE, account);
	following = CollectIds(heap, FG_EDGE_PKEY, account);
	out = IdsetAllocValues(Min(followers.n, following.n));

	table_close(heap, NoLock);
	n = IdsetIntersect(followers.v, followers.n, following.v, following.n, out);
	PG_RETURN_POINTER(IdsetFromValues(out, n));
}
