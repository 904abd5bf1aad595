/*
 * fg_import.h
 *		The in-memory pass of a first load by import_edges() (fg_import.c).
 */
#ifndef FG_IMPORT_H
#define FG_IMPORT_H

#include "access/tupdesc.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

/* One staged pair: follower a -> followee b. */
typedef struct FgPair
{
	int64		a;
	int64		b;
} FgPair;

/* The distinct staged pairs of an import, if they fit the memory budget. */
typedef struct FgPairArray
{
	FgPair	   *pairs;
	int64		n;
	int64		cap;
	int64		max;			/* most pairs the budget holds */
	bool		overflow;		/* more than max came: pairs freed */
	MemoryContext cxt;
} FgPairArray;

extern void FgPairArrayInit(FgPairArray *pa, MemoryContext cxt);
extern void FgPairArrayAdd(FgPairArray *pa, int64 a, int64 b);
extern bool FgPairArrayUsable(const FgPairArray *pa, int64 expected);
extern int64 FgImportAppend(Relation heap, Tuplestorestate *stage,
							TupleDesc desc, int64 first_seq);
extern void FgImportCounts(FgPairArray *pa, MemoryContext cxt,
						   TupleDesc ddesc, Tuplestorestate **delta, int64 *ndelta,
						   TupleDesc mdesc, Tuplestorestate **mutual, int64 *nmutual);

#endif							/* FG_IMPORT_H */
