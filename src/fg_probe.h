/*
 * fg_probe.h
 *		Equality probes into one owner's range of an edge btree, one leaf
 *		page per probe (fg_probe.c).
 */
#ifndef FG_PROBE_H
#define FG_PROBE_H

#include "access/relscan.h"
#include "access/tableam.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* A pivot key copied from a level-1 page: natts columns kept (0 to 2). */
typedef struct FgProbeSep
{
	int			natts;
	bool		tid_truncated;
	int64		a;
	int64		b;
} FgProbeSep;

/* The state of a series of probes into one owner's range. */
typedef struct FgProbe
{
	Relation	heap;
	Relation	index;
	int64		owner;
	Snapshot	snapshot;
	bool		serializable;	/* take SSI predicate locks */
	Buffer		vmbuffer;
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	/* the copy of a level-1 page: keys from (low_a, low_b) to high */
	bool		have_copy;
	bool		rightmost;		/* the copied page has no high key */
	int64		low_a;
	int64		low_b;
	FgProbeSep	high;
	int			nchild;			/* downlinks of the copy; 0: empty index */
	BlockNumber root_leaf;		/* the tree is this one leaf, or invalid */
	char	   *copy;			/* the copied level-1 page */
	ItemPointerData *tids;		/* scratch: heap TIDs of one leaf's matches */
	Buffer		kept;			/* pinned leaf of the last probe, or invalid */
	int64		kept_id;		/* the key of that probe */
} FgProbe;

extern bool FgProbeSupported(Relation index);
extern void FgProbeBegin(FgProbe *p, Relation heap, Relation index, int64 owner);
extern bool FgProbeFind(FgProbe *p, int64 id);
extern void FgProbeOwnerIds(FgProbe *p, int64 **ids, int *n, int *cap);
extern bool FgProbeOwnerIdsUpTo(FgProbe *p, int64 **ids, int *n, int *cap,
								int max);
extern int	FgProbeRangeLeaves(FgProbe *p);
extern void FgProbeEnd(FgProbe *p);

#endif							/* FG_PROBE_H */
