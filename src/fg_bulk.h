/*
 * fg_bulk.h
 *		Declarations shared between the single-edge writers (fg_write.c) and
 *		the bulk writers (fg_bulk.c).
 */
#ifndef FG_BULK_H
#define FG_BULK_H

#include "postgres.h"

/* fg_write.c: the pair_lock slot of the unordered pair {a,b}. */
extern int32 FgPairSlot(int64 a, int64 b);

#endif							/* FG_BULK_H */
