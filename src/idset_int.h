/*
 * idset_int.h
 *		Helpers shared by idset_format.c and idset_algebra.c (plain C, no
 *		PostgreSQL dependency); not for other files.
 */
#ifndef IDSET_INT_H
#define IDSET_INT_H

#include "idset.h"

/* Map a signed value to an unsigned one with the same order. */
#define IDSET_FLIP(x)	((uint64_t) (x) ^ UINT64_C(0x8000000000000000))

/* Branch hint usable without PostgreSQL's c.h. */
#define unlikely_codec(x)	__builtin_expect((x) != 0, 0)
#define likely_codec(x)		__builtin_expect((x) != 0, 1)

/* The smaller of two sizes. */
static inline size_t
MinSize(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* End of the stride of a loop over n items that starts at i. */
static inline size_t
StrideEnd(size_t i, size_t n)
{
	return n - i > IDSET_INTERRUPT_STRIDE ? i + IDSET_INTERRUPT_STRIDE : n;
}

#endif							/* IDSET_INT_H */
