/*
 * fg_bound_walk.h
 *		The leaf pages of an int8 btree with an int8 INCLUDE column
 *		(item_bound_newest, item_pkey), highest key first, one page at a
 *		time (fg_bound_walk.c).
 */
#ifndef FG_BOUND_WALK_H
#define FG_BOUND_WALK_H

#include "access/attnum.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* A walk over the leaf pages of (key) INCLUDE (value), right to left. */
typedef struct FgBoundWalk
{
	Relation	heap;
	Relation	index;
	bool		has_below;		/* start below this key, not at the top */
	int64		below;
	Buffer		buf;			/* the page read last, pinned */
	Snapshot	snapshot;
	bool		serializable;	/* take SSI predicate locks on the leaves */
	BlockNumber next;			/* the leaf read last; InvalidBlockNumber
								 * before the first page */
	BlockNumber left;			/* its left sibling when it was read */
	bool		done;			/* no page left of the last one */
	int			n;				/* entries of the page read last */
	int64	   *newest;			/* its keys, highest first */
	int64	   *author;			/* and their INCLUDE column */
	ItemPointerData *tid;		/* and their heap TIDs */
} FgBoundWalk;

extern bool FgBoundWalkSupported(Relation index, AttrNumber key_att,
								 AttrNumber include_att);
extern void FgBoundWalkBegin(FgBoundWalk *w, Relation heap, Relation index,
							 bool has_below, int64 below);
extern int	FgBoundWalkPage(FgBoundWalk *w);
extern void FgBoundWalkEnd(FgBoundWalk *w);

#endif							/* FG_BOUND_WALK_H */
