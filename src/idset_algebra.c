/*
 * idset_algebra.c
 *		The idset set algebra on sorted arrays and stored forms:
 *		intersection (merge, galloping, windowed bitmap, block-skipping over
 *		stored sets), union, difference and overlap.  The formats they read
 *		are in idset_format.c.
 *
 * Plain C with no allocation, like idset_format.c: every function writes
 * only inside the output bound stated in idset.h, and test/fuzz builds it
 * with -DIDSET_STANDALONE and no PostgreSQL headers.
 */
#ifndef IDSET_STANDALONE
#include "postgres.h"
#include "miscadmin.h"
#endif

#include <string.h>

#include "idset.h"
#include "idset_int.h"

/*
 * First index i with v[i] >= x, by galloping from the front then binary
 * search; O(log i).
 */
size_t
IdsetLowerBound(const int64_t *v, size_t n, int64_t x)
{
	size_t		lo = 0;
	size_t		step = 1;
	size_t		hi;

	while (lo + step < n && v[lo + step] < x)
	{
		lo += step;
		step <<= 1;
	}
	hi = lo + step < n ? lo + step : n;
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Window of the bitmap intersection: 2^16 values, an 8 KB bitmap. */
#define IDSET_WINDOW_BITS	16
#define IDSET_WINDOW		(UINT64_C(1) << IDSET_WINDOW_BITS)

/*
 * a ∩ b for dense sets of similar size: walk the value range in windows of
 * IDSET_WINDOW values; set a bit for each element of a in the window, then
 * test each element of b.  Unlike a merge, no step waits for the previous
 * comparison, so the loops run at memory speed without mispredictions.
 */
static size_t
IntersectBitmap(const int64_t *a, size_t na, const int64_t *b, size_t nb,
				int64_t *out)
{
	uint64_t	bits[IDSET_WINDOW / 64];
	size_t		cap = MinSize(na, nb);
	size_t		i = 0;
	size_t		j = 0;
	size_t		k = 0;

	memset(bits, 0, sizeof(bits));
	while (i < na && j < nb)
	{
		uint64_t	base;
		size_t		i0;

		IDSET_CHECK_INTERRUPTS();

		/* Skip the lower head up to the other, start the window there. */
		if (a[i] < b[j])
			i += IdsetLowerBound(a + i, na - i, b[j]);
		else if (b[j] < a[i])
			j += IdsetLowerBound(b + j, nb - j, a[i]);
		if (i >= na || j >= nb)
			break;
		base = IDSET_FLIP(a[i] < b[j] ? a[i] : b[j]);
		i0 = i;
		while (i < na && IDSET_FLIP(a[i]) - base < IDSET_WINDOW)
		{
			uint64_t	off = IDSET_FLIP(a[i]) - base;

			bits[off >> 6] |= UINT64_C(1) << (off & 63);
			i++;
		}
		while (j < nb && IDSET_FLIP(b[j]) - base < IDSET_WINDOW)
		{
			uint64_t	off = IDSET_FLIP(b[j]) - base;

			/*
			 * Branch-free: store the candidate, count it if it matched.
			 * out has exactly cap = min(na, nb) slots, so the store is
			 * safe only while k < cap; k == cap means the smaller set is
			 * used up, and the intersection is complete.
			 */
			IDSET_ASSERT(k < cap);
			out[k] = b[j];
			k += (bits[off >> 6] >> (off & 63)) & 1;
			j++;
			if (unlikely_codec(k == cap))
				return k;
		}
		/* Clear only what was set. */
		for (size_t t = i0; t < i; t++)
			bits[(IDSET_FLIP(a[t]) - base) >> 6] = 0;
	}
	return k;
}

/*
 * a ∩ b into out (min(na, nb) slots, see idset.h), by the shape of the inputs: galloping
 * through the larger one when they differ by more than 32x in size, a
 * bitmap over value windows when they are dense (average gap below 256), a
 * branch-light merge otherwise.
 */
size_t
IdsetIntersect(const int64_t *a, size_t na, const int64_t *b, size_t nb,
			   int64_t *out)
{
	size_t		i = 0;
	size_t		j = 0;
	size_t		k = 0;

	if (na > nb)
	{
		const int64_t *t = a;
		size_t		tn = na;

		a = b;
		na = nb;
		b = t;
		nb = tn;
	}
	if (na == 0)
		return 0;
	if (nb / na > 32)
	{
		for (i = 0; i < na && j < nb; i++)
		{
			if (i % IDSET_INTERRUPT_STRIDE == 0)
				IDSET_CHECK_INTERRUPTS();
			j += IdsetLowerBound(b + j, nb - j, a[i]);
			if (j < nb && b[j] == a[i])
			{
				IDSET_ASSERT(k < na);
				out[k++] = a[i];
			}
		}
		return k;
	}
	if (na >= 1024)
	{
		uint64_t	lo = IDSET_FLIP(a[0] > b[0] ? a[0] : b[0]);
		uint64_t	hi = IDSET_FLIP(a[na - 1] < b[nb - 1] ? a[na - 1] : b[nb - 1]);

		if (hi < lo || (hi - lo) / na < 256)
			return hi < lo ? 0 : IntersectBitmap(a, na, b, nb, out);
	}
	while (i < na && j < nb)
	{
		size_t		iend = StrideEnd(i, na);
		size_t		jend = StrideEnd(j, nb);

		IDSET_CHECK_INTERRUPTS();
		while (i < iend && j < jend)
		{
			int64_t		x = a[i];
			int64_t		y = b[j];

			/*
			 * Branch-light merge: advance whichever is smaller, both if
			 * equal.  The store before the test stays in bounds because
			 * k <= i < na = min(na, nb) here.
			 */
			IDSET_ASSERT(k <= i && i < na);
			out[k] = x;
			k += (x == y);
			i += (x <= y);
			j += (y <= x);
		}
	}
	return k;
}

/*
 * a ∪ b into out (na + nb slots).
 */
size_t
IdsetUnion(const int64_t *a, size_t na, const int64_t *b, size_t nb,
		   int64_t *out)
{
	size_t		i = 0;
	size_t		j = 0;
	size_t		k = 0;

	while (i < na && j < nb)
	{
		size_t		iend = StrideEnd(i, na);
		size_t		jend = StrideEnd(j, nb);

		IDSET_CHECK_INTERRUPTS();
		while (i < iend && j < jend)
		{
			if (a[i] < b[j])
				out[k++] = a[i++];
			else if (a[i] > b[j])
				out[k++] = b[j++];
			else
			{
				out[k++] = a[i++];
				j++;
			}
		}
	}
	/* k <= i + j, so the tails fit in na + nb slots. */
	IDSET_ASSERT(k <= i + j);
	if (i < na)
		memcpy(out + k, a + i, (na - i) * sizeof(int64_t));
	k += na - i;
	if (j < nb)
		memcpy(out + k, b + j, (nb - j) * sizeof(int64_t));
	k += nb - j;
	IDSET_ASSERT(k <= na + nb);
	return k;
}

/*
 * a − b into out (na slots).
 */
size_t
IdsetDifference(const int64_t *a, size_t na, const int64_t *b, size_t nb,
				int64_t *out)
{
	size_t		i = 0;
	size_t		j = 0;
	size_t		k = 0;

	while (i < na && j < nb)
	{
		size_t		iend = StrideEnd(i, na);
		size_t		jend = StrideEnd(j, nb);

		IDSET_CHECK_INTERRUPTS();
		while (i < iend && j < jend)
		{
			if (a[i] < b[j])
				out[k++] = a[i++];
			else if (a[i] > b[j])
				j++;
			else
			{
				i++;
				j++;
			}
		}
	}
	/* k <= i: what is left of a is kept whole. */
	IDSET_ASSERT(k <= i);
	if (i < na)
		memcpy(out + k, a + i, (na - i) * sizeof(int64_t));
	k += na - i;
	IDSET_ASSERT(k <= na);
	return k;
}

/*
 * Do a and b have an element in common?  Stops at the first one: galloping
 * through the larger when they differ by more than 32x in size, a merge
 * otherwise.
 */
bool
IdsetOverlap(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	size_t		i = 0;
	size_t		j = 0;

	if (na > nb)
		return IdsetOverlap(b, nb, a, na);
	if (na == 0 || a[na - 1] < b[0] || b[nb - 1] < a[0])
		return false;
	if (nb / na > 32)
	{
		for (i = 0; i < na && j < nb; i++)
		{
			if (i % IDSET_INTERRUPT_STRIDE == 0)
				IDSET_CHECK_INTERRUPTS();
			j += IdsetLowerBound(b + j, nb - j, a[i]);
			if (j < nb && b[j] == a[i])
				return true;
		}
		return false;
	}
	while (i < na && j < nb)
	{
		size_t		iend = StrideEnd(i, na);
		size_t		jend = StrideEnd(j, nb);

		IDSET_CHECK_INTERRUPTS();
		while (i < iend && j < jend)
		{
			if (a[i] < b[j])
				i++;
			else if (b[j] < a[i])
				j++;
			else
				return true;
		}
	}
	return false;
}

/*
 * a ∩ (stored set behind r) into out (na slots) without decoding all of
 * the stored set: gallop over its block directory and decode only blocks
 * that can hold an element of a.  For a small a against a huge set.
 * Returns SIZE_MAX if a block is malformed.
 */
size_t
IdsetIntersectReader(const int64_t *a, size_t na, const IdsetReader *r,
					 int64_t *out)
{
	return IdsetIntersectReaderLimit(a, na, r, out, SIZE_MAX);
}

/*
 * IdsetIntersectReader() that stops after limit matches (out needs
 * min(na, limit) slots): limit 1 answers "do they overlap?".
 */
size_t
IdsetIntersectReaderLimit(const int64_t *a, size_t na, const IdsetReader *r,
						  int64_t *out, size_t limit)
{
	int64_t		vals[IDSET_BLOCK_SIZE];
	int64_t		decoded = -1;
	int			nvals = 0;
	uint32_t	b = 0;
	size_t		k = 0;

	if (r->nblocks == 0 || limit == 0)
		return 0;
	for (size_t i = 0; i < na; i++)
	{
		int64_t		x = a[i];
		uint32_t	step = 1;
		uint32_t	lo;
		uint32_t	hi;
		size_t		pos;

		if (i % IDSET_INTERRUPT_STRIDE == 0)
			IDSET_CHECK_INTERRUPTS();
		if (x < IdsetBlockFirst(r, b))
			continue;
		/* Largest block at or after b whose first value is <= x. */
		lo = b;
		while (lo + step < r->nblocks && IdsetBlockFirst(r, lo + step) <= x)
		{
			lo += step;
			step <<= 1;
		}
		hi = lo + step < r->nblocks ? lo + step : r->nblocks;
		while (hi - lo > 1)
		{
			uint32_t	mid = lo + (hi - lo) / 2;

			if (IdsetBlockFirst(r, mid) <= x)
				lo = mid;
			else
				hi = mid;
		}
		b = lo;
		if (decoded != (int64_t) b)
		{
			nvals = IdsetDecodeBlock(r, b, vals);
			if (nvals <= 0)
				return SIZE_MAX;
			decoded = b;
		}
		pos = IdsetLowerBound(vals, (size_t) nvals, x);
		if (pos < (size_t) nvals && vals[pos] == x)
		{
			IDSET_ASSERT(k < na && k < limit);
			out[k++] = x;
			if (k >= limit)
				return k;
		}
	}
	return k;
}

/* One decoded block at a time of a stored set. */
typedef struct BlockCursor
{
	const IdsetReader *r;
	uint32_t	block;			/* next block to load */
	int			pos;
	int			n;				/* values in vals; 0 before the first load */
	int64_t		vals[IDSET_BLOCK_SIZE + 4];	/* a block and up to 3 kept values */
} BlockCursor;

/*
 * Load the next block; false at the end or if it is malformed (*bad),
 * including a block that does not start above the last value of the block
 * loaded before it.
 */
static bool
CursorNext(BlockCursor *c, bool *bad)
{
	int64_t		last = c->n > 0 ? c->vals[c->n - 1] : INT64_MIN;
	bool		first_load = c->n == 0;

	if (c->block >= c->r->nblocks)
		return false;
	c->n = IdsetDecodeBlock(c->r, c->block, c->vals);
	if (c->n <= 0 || (!first_load && c->vals[0] <= last))
	{
		*bad = true;
		c->n = 0;
		return false;
	}
	c->block++;
	c->pos = 0;
	return true;
}

/*
 * Keep at least four values ahead of pos while blocks remain: move the
 * (at most three) values left to the front and decode the next block after
 * them.  False if that block is malformed or out of order (*bad).
 */
static bool
CursorTopUp(BlockCursor *c, bool *bad)
{
	int			rem = c->n - c->pos;
	int64_t		last = c->vals[c->n - 1];
	int			k;

	if (rem >= 4 || c->block >= c->r->nblocks)
		return true;
	memmove(c->vals, c->vals + c->pos, (size_t) rem * sizeof(int64_t));
	k = IdsetDecodeBlock(c->r, c->block, c->vals + rem);
	if (k <= 0 || c->vals[rem] <= last)
	{
		*bad = true;
		c->n = 0;
		return false;
	}
	c->block++;
	c->pos = 0;
	c->n = rem + k;
	return true;
}

/*
 * Move to the first value >= x, stepping over whole blocks by their first
 * values without decoding them.  False if there is none.
 */
static bool
CursorSeek(BlockCursor *c, int64_t x, bool *bad)
{
	if (c->vals[c->n - 1] < x)
	{
		while (c->block + 1 < c->r->nblocks &&
			   IdsetBlockFirst(c->r, c->block + 1) <= x)
			c->block++;
		if (!CursorNext(c, bad))
			return false;
		if (c->vals[c->n - 1] < x && !CursorNext(c, bad))
			return false;
	}
	c->pos += (int) IdsetLowerBound(c->vals + c->pos, (size_t) (c->n - c->pos), x);
	return c->pos < c->n;
}

/*
 * End of the run of the cursor's block inside the window starting at base
 * (all values from pos on are >= base).  Usually the whole block fits, and
 * the loops over the run need no per-value test.
 */
static inline int
WindowEnd(const BlockCursor *c, uint64_t base)
{
	int			end;

	if (IDSET_FLIP(c->vals[c->n - 1]) - base < IDSET_WINDOW)
		return c->n;
	end = c->pos;
	while (end < c->n && IDSET_FLIP(c->vals[end]) - base < IDSET_WINDOW)
		end++;
	return end;
}

/*
 * Do two stored sets of at least min_count elements each overlap on a value
 * range where their average gap is small (below 256)?  Then bitmap windows
 * beat a merge.  Estimated from the block directories.
 */
bool
IdsetDenseOverlap(const IdsetReader *a, const IdsetReader *b, uint32_t min_count)
{
	int64_t		lo = IdsetBlockFirst(a, 0);
	int64_t		hi = IdsetBlockFirst(a, a->nblocks - 1);
	int64_t		blo = IdsetBlockFirst(b, 0);
	int64_t		bhi = IdsetBlockFirst(b, b->nblocks - 1);
	uint32_t	n = a->count < b->count ? a->count : b->count;

	lo = lo > blo ? lo : blo;
	hi = hi < bhi ? hi : bhi;
	if (n < min_count || hi <= lo)
		return false;
	return ((uint64_t) hi - (uint64_t) lo) / n < 256;
}

/*
 * The merge form of IdsetIntersectStoredLimit(), for sets that are not
 * dense: merge one decoded block of each side at a time (branch-light, as
 * IdsetIntersect() does, or four values of each side per step with AVX2),
 * stepping over whole blocks by their first values when one side runs
 * ahead.  No allocation: a million-element pair needs two 1 KB buffers
 * instead of two 8 MB arrays.  (On dense sets the AVX2 merge measured no
 * faster than the bitmap windows, which stay there.)
 */
static size_t
IntersectStoredMerge(BlockCursor *ca, BlockCursor *cb, int64_t *out,
					 size_t cap, bool *bad)
{
	size_t		k = 0;
	uint32_t	rounds = 0;

	for (;;)
	{
		int			i = ca->pos;
		int			j = cb->pos;

		if ((++rounds & 255) == 0)
			IDSET_CHECK_INTERRUPTS();
		/* A block wholly below the other side's position: seek past it. */
		if (ca->vals[ca->n - 1] < cb->vals[j])
		{
			if (!CursorSeek(ca, cb->vals[j], bad))
				break;
			continue;
		}
		if (cb->vals[cb->n - 1] < ca->vals[i])
		{
			if (!CursorSeek(cb, ca->vals[i], bad))
				break;
			continue;
		}
#if IDSET_HAVE_AVX2
		if (idset_use_avx2)
		{
			/* Four at a time across block ends; the scalar loop below only
			 * finishes the last few values of a set. */
			if (!CursorTopUp(ca, bad) || !CursorTopUp(cb, bad))
				break;
			i = ca->pos;
			j = cb->pos;
			k = IdsetIntersectRunsAvx2(ca->vals, ca->n, &i, cb->vals, cb->n,
									   &j, out, k, cap);
			if (k == cap)
				return k;
			ca->pos = i;
			cb->pos = j;
			if (i < ca->n && j < cb->n &&
				((ca->n - i < 4 && ca->block < ca->r->nblocks) ||
				 (cb->n - j < 4 && cb->block < cb->r->nblocks)))
			{
				if (!CursorTopUp(ca, bad) || !CursorTopUp(cb, bad))
					break;
				continue;
			}
		}
#endif
		while (i < ca->n && j < cb->n)
		{
			int64_t		x = ca->vals[i];
			int64_t		y = cb->vals[j];

			/* Store within cap only, as in IntersectBitmap(). */
			IDSET_ASSERT(k < cap);
			if (out != NULL)
				out[k] = x;
			k += (x == y);
			i += (x <= y);
			j += (y <= x);
			if (unlikely_codec(k == cap))
				return k;
		}
		ca->pos = i;
		cb->pos = j;
		if (i == ca->n && !CursorNext(ca, bad))
			break;
		if (j == cb->n && !CursorNext(cb, bad))
			break;
	}
	return k;
}

#if IDSET_HAVE_AVX2

/* Most blocks one refill of a Cursor32 decodes. */
#define CURSOR32_BLOCKS		8

/*
 * Decoded blocks of a stored set, as 32-bit offsets from a base shared with
 * the other set (IntersectStored32()).  A refill decodes up to
 * CURSOR32_BLOCKS blocks into one run, so the eight-by-eight kernel runs
 * across block boundaries instead of returning at every block; after a
 * seek, one block, doubling on each refill that follows.
 */
typedef struct Cursor32
{
	const IdsetReader *r;
	int64_t		base;
	uint32_t	limit;			/* largest offset of either set */
	uint32_t	block;			/* next block to load */
	int			pos;
	int			n;
	int			batch;			/* blocks the next refill decodes */
	bool		have_last;
	uint32_t	last;			/* last offset of the last block loaded */
	/* up to 7 kept values, the blocks, and the decoder's slack */
	uint32_t	vals[8 + CURSOR32_BLOCKS * IDSET_BLOCK_SIZE + IDSET_DECODE32_SLACK];
} Cursor32;

/*
 * Decode the next blocks (c->batch of them, fewer at the end) after the (at
 * most seven) values left from pos on, which move to the front.  False at
 * the end, or if a block is malformed or does not start above the block
 * before it (*bad).
 */
static bool
Cursor32Fill(Cursor32 *c, bool *bad)
{
	int			rem = c->n - c->pos;
	int			n;
	uint32_t	stop;

	IDSET_ASSERT(rem >= 0 && rem < 8);
	IDSET_ASSERT(c->batch >= 1 && c->batch <= CURSOR32_BLOCKS);
	if (c->block >= c->r->nblocks)
		return false;
	if (rem > 0)
		memmove(c->vals, c->vals + c->pos, (size_t) rem * sizeof(uint32_t));
	n = rem;
	stop = c->r->nblocks - c->block > (uint32_t) c->batch ?
		c->block + (uint32_t) c->batch : c->r->nblocks;
	while (c->block < stop)
	{
		uint32_t	last;
		int			k = IdsetDecodeBlock32(c->r, c->block, c->base, c->limit,
										   c->vals + n, &last);

		if (k <= 0 || (c->have_last && c->vals[n] <= c->last))
		{
			*bad = true;
			c->pos = c->n = 0;
			return false;
		}
		n += k;
		c->last = last;
		c->have_last = true;
		c->block++;
	}
	IDSET_ASSERT(n <= 8 + CURSOR32_BLOCKS * IDSET_BLOCK_SIZE);
	c->batch = c->batch < CURSOR32_BLOCKS ? c->batch * 2 : CURSOR32_BLOCKS;
	c->pos = 0;
	c->n = n;
	return true;
}

/*
 * Drop the loaded values (all below x) and load the block that can hold
 * the first value >= x, stepping over whole blocks by their first values
 * without decoding them.  False if there is none (or *bad).
 */
static bool
Cursor32Seek(Cursor32 *c, uint32_t x, bool *bad)
{
	int64_t		target = c->base + (int64_t) x;

	while (c->block + 1 < c->r->nblocks &&
		   IdsetBlockFirst(c->r, c->block + 1) <= target)
		c->block++;
	c->pos = c->n = 0;
	c->batch = 1;
	return Cursor32Fill(c, bad);
}

/*
 * Last value of a stored set (decodes its last block); false if that block
 * is malformed.
 */
static bool
LastValue(const IdsetReader *r, int64_t *last)
{
	int64_t		vals[IDSET_BLOCK_SIZE];
	int			k = IdsetDecodeBlock(r, r->nblocks - 1, vals);

	if (k <= 0)
		return false;
	*last = vals[k - 1];
	return true;
}

/*
 * a ∩ b of two stored sets whose values all lie within 2^32 of the
 * smaller first value, as IdsetIntersectStoredLimit() (which calls it when
 * AVX2 is in use): blocks decode straight to 32-bit offsets, and runs of
 * eight offsets of each side are compared at once.  Writes base + each
 * match to out while below cap, or only counts them when out is NULL.
 * Sets *done to false (and returns 0) when the values span more than
 * 2^32, for the caller's general path.
 */
static size_t
IntersectStored32(const IdsetReader *ra, const IdsetReader *rb, int64_t *out,
				  size_t cap, bool *done, bool *bad)
{
	Cursor32	ca;
	Cursor32	cb;
	int64_t		base;
	int64_t		la;
	int64_t		lb;
	uint64_t	span;
	size_t		k = 0;
	uint32_t	rounds = 0;

	*done = false;
	if (!LastValue(ra, &la) || !LastValue(rb, &lb))
	{
		*bad = *done = true;
		return 0;
	}
	base = IdsetBlockFirst(ra, 0) < IdsetBlockFirst(rb, 0) ?
		IdsetBlockFirst(ra, 0) : IdsetBlockFirst(rb, 0);
	la = la > lb ? la : lb;
	span = IDSET_FLIP(la) - IDSET_FLIP(base);
	if (la < base || span > UINT32_MAX)
		return 0;
	*done = true;
	memset(&ca, 0, offsetof(Cursor32, vals));
	memset(&cb, 0, offsetof(Cursor32, vals));
	ca.r = ra;
	cb.r = rb;
	ca.base = cb.base = base;
	ca.limit = cb.limit = (uint32_t) span;
	ca.batch = cb.batch = 1;
	if (!Cursor32Fill(&ca, bad) || !Cursor32Fill(&cb, bad))
		return 0;
	for (;;)
	{
		int			i;
		int			j;

		if ((++rounds & 255) == 0)
			IDSET_CHECK_INTERRUPTS();
		/* Keep eight values ahead on each side while blocks remain. */
		if (ca.n - ca.pos < 8 && ca.block < ra->nblocks && !Cursor32Fill(&ca, bad))
			break;
		if (cb.n - cb.pos < 8 && cb.block < rb->nblocks && !Cursor32Fill(&cb, bad))
			break;
		if (ca.pos == ca.n || cb.pos == cb.n)
			break;
		/* Everything loaded on one side below the other's position. */
		if (ca.vals[ca.n - 1] < cb.vals[cb.pos])
		{
			if (!Cursor32Seek(&ca, cb.vals[cb.pos], bad))
				break;
			continue;
		}
		if (cb.vals[cb.n - 1] < ca.vals[ca.pos])
		{
			if (!Cursor32Seek(&cb, ca.vals[ca.pos], bad))
				break;
			continue;
		}
		if (ca.n - ca.pos >= 8 && cb.n - cb.pos >= 8)
		{
			k = IdsetIntersectRuns32Avx2(ca.vals, ca.n, &ca.pos, cb.vals, cb.n,
										 &cb.pos, base, out, k, cap);
			if (k == cap)
				return k;
			continue;
		}

		/*
		 * A side with fewer than eight values left has no block left:
		 * merge one at a time until either side's loaded values run out.
		 */
		i = ca.pos;
		j = cb.pos;
		while (i < ca.n && j < cb.n)
		{
			uint32_t	x = ca.vals[i];
			uint32_t	y = cb.vals[j];

			if (x == y)
			{
				if (out != NULL)
					out[k] = base + (int64_t) x;
				if (++k == cap)
					return k;
			}
			i += (x <= y);
			j += (y <= x);
		}
		ca.pos = i;
		cb.pos = j;
	}
	return k;
}

#endif							/* IDSET_HAVE_AVX2 */

/* Index of the first of the n ascending values of v not below x. */
static inline size_t
IdsetLowerBound32(const uint32_t *v, size_t n, uint32_t x)
{
	size_t		lo = 0;

	while (n > 0)
	{
		size_t		half = n / 2;

		if (v[lo + half] < x)
		{
			lo += half + 1;
			n -= half + 1;
		}
		else
			n = half;
	}
	return lo;
}

/*
 * Slots of scratch IdsetIntersectCountFlat32() needs for the values of r.
 */
size_t
IdsetFlat32Slots(const IdsetReader *r)
{
	return (size_t) r->nblocks * IDSET_BLOCK_SIZE + IDSET_DECODE32_SLACK;
}

/*
 * Can a ∩ b take the 32-bit path?  True when AVX2 is in use and every value
 * of both lies within 2^32 of the smaller first value: then *base is that
 * value and *limit the largest offset.  Decodes the last block of each;
 * false with *bad if one is malformed.  Both must be non-empty.
 */
bool
IdsetSpan32(const IdsetReader *ra, const IdsetReader *rb, int64_t *base,
			uint32_t *limit, bool *bad)
{
#if IDSET_HAVE_AVX2
	int64_t		la;
	int64_t		lb;
	uint64_t	span;

	IDSET_ASSERT(ra->count > 0 && rb->count > 0);
	if (!idset_use_avx2)
		return false;
	if (!LastValue(ra, &la) || !LastValue(rb, &lb))
	{
		*bad = true;
		return false;
	}
	*base = IdsetBlockFirst(ra, 0) < IdsetBlockFirst(rb, 0) ?
		IdsetBlockFirst(ra, 0) : IdsetBlockFirst(rb, 0);
	la = la > lb ? la : lb;
	span = IDSET_FLIP(la) - IDSET_FLIP(*base);
	if (la < *base || span > UINT32_MAX)
		return false;
	*limit = (uint32_t) span;
	return true;
#else
	(void) ra;
	(void) rb;
	(void) base;
	(void) limit;
	(void) bad;
	return false;
#endif
}

#if IDSET_HAVE_AVX2

/*
 * Decode every block of r as offsets from base into out
 * (IdsetFlat32Slots(r) slots); the number of values, or -1 if a block is
 * malformed, holds a value outside [base, base + limit] or does not start
 * above the block before it.
 */
static int64_t
DecodeFlat32(const IdsetReader *r, int64_t base, uint32_t limit,
			 uint32_t *out)
{
	size_t		n = 0;
	uint32_t	prev = 0;

	for (uint32_t b = 0; b < r->nblocks; b++)
	{
		uint32_t	last;
		int			k;

		if ((b & 255) == 255)
			IDSET_CHECK_INTERRUPTS();
		k = IdsetDecodeBlock32(r, b, base, limit, out + n, &last);
		if (k <= 0 || (n > 0 && out[n] <= prev))
			return -1;
		n += (size_t) k;
		prev = last;
	}
	return (int64_t) n;
}

/*
 * Common values of the sorted runs a[i .. na) and b[j .. nb): eight by
 * eight, then one by one.
 */
static size_t
CountRuns32(const uint32_t *a, int na, int i, const uint32_t *b, int nb,
			int j)
{
	size_t		k = 0;

	if (i + 8 <= na && j + 8 <= nb)
		k = IdsetIntersectRuns32Avx2(a, na, &i, b, nb, &j, 0, NULL, 0,
									 SIZE_MAX);
	while (i < na && j < nb)
	{
		uint32_t	x = a[i];
		uint32_t	y = b[j];

		k += (x == y);
		i += (x <= y);
		j += (y <= x);
	}
	return k;
}

/*
 * Appends base + each common value of the sorted runs a[i .. na) and
 * b[j .. nb) to out from out[k] on, never at or past out[cap]; the new
 * count.
 */
static size_t
IntersectRuns32(const uint32_t *a, int na, int i, const uint32_t *b, int nb,
				int j, int64_t base, int64_t *out, size_t k, size_t cap)
{
	IDSET_ASSERT(k <= cap);
	if (k == cap)
		return k;
	if (i + 8 <= na && j + 8 <= nb)
	{
		k = IdsetIntersectRuns32Avx2(a, na, &i, b, nb, &j, base, out, k, cap);
		/* Full (sorted runs: every value of a matched); i was not advanced. */
		if (k == cap)
			return k;
	}
	while (i < na && j < nb)
	{
		uint32_t	x = a[i];
		uint32_t	y = b[j];

		if (x == y)
		{
			out[k++] = base + (int64_t) x;
			if (k == cap)
				break;
		}
		i += (x <= y);
		j += (y <= x);
	}
	return k;
}

#endif							/* IDSET_HAVE_AVX2 */

/*
 * a ∩ b of two non-empty stored sets for which IdsetSpan32() gave base and
 * limit: both are decoded whole to 32-bit offsets into the scratch arrays
 * sa and sb (IdsetFlat32Slots() slots each), a is cut in two halves at its
 * middle value, b where that value falls, and the two pairs of halves are
 * merged at once (Runs32x2() in idset_simd.c), then each is finished
 * alone.  For sets of a few hundred blocks (the segments of
 * idset_stream.c), which a refill per block would otherwise interrupt.
 * With out (ra->count slots), the first pair's matches are written from
 * out[0] on and the second's from out[mid] on (a half of a has no more
 * matches than values), then the second's are moved behind the first's;
 * without it (NULL), they are only counted.  The number of common values,
 * or SIZE_MAX if a block is malformed.
 */
size_t
IdsetIntersectFlat32(const IdsetReader *ra, const IdsetReader *rb,
					 int64_t base, uint32_t limit, uint32_t *sa, uint32_t *sb,
					 int64_t *out)
{
#if IDSET_HAVE_AVX2
	int64_t		na = DecodeFlat32(ra, base, limit, sa);
	int64_t		nb = DecodeFlat32(rb, base, limit, sb);
	int			mid;
	int			bmid;
	int			i0 = 0;
	int			j0 = 0;
	int			i1;
	int			j1;
	size_t		k0 = 0;
	size_t		k1 = 0;
	int64_t    *out1;

	if (na <= 0 || nb <= 0)
		return SIZE_MAX;
	IDSET_ASSERT(na <= INT32_MAX && nb <= INT32_MAX);
	IDSET_ASSERT((size_t) na == ra->count);
	mid = (int) (na / 2);
	/* First value of b not below a's middle value. */
	bmid = (int) IdsetLowerBound32(sb, (size_t) nb, sa[mid]);
	i1 = mid;
	j1 = bmid;
	if (out == NULL)
	{
		k0 = IdsetCountRuns32x2Avx2(sa, &i0, mid, &i1, (int) na, sb, &j0,
									bmid, &j1, (int) nb);
		k0 += CountRuns32(sa, mid, i0, sb, bmid, j0);
		k1 = CountRuns32(sa, (int) na, i1, sb, (int) nb, j1);
		return k0 + k1;
	}
	/*
	 * Each half writes at most a slot per value of its half of a, so no
	 * write leaves out[0 .. na) even when a damaged raw block is out of
	 * order (blocked values decode strictly ascending, raw ones are copied
	 * as stored).
	 */
	out1 = out + mid;
	(void) IdsetIntersectRuns32x2Avx2(sa, &i0, mid, &i1, (int) na, sb, &j0,
									  bmid, &j1, (int) nb, base, out, &k0,
									  (size_t) mid, out1, &k1,
									  (size_t) (na - mid));
	k0 = IntersectRuns32(sa, mid, i0, sb, bmid, j0, base, out, k0,
						 (size_t) mid);
	k1 = IntersectRuns32(sa, (int) na, i1, sb, (int) nb, j1, base, out1, k1,
						 (size_t) (na - mid));
	IDSET_ASSERT(k0 <= (size_t) mid && k1 <= (size_t) (na - mid));
	if (k1 > 0 && k0 < (size_t) mid)
		memmove(out + k0, out1, k1 * sizeof(int64_t));
	return k0 + k1;
#else
	(void) ra;
	(void) rb;
	(void) base;
	(void) limit;
	(void) sa;
	(void) sb;
	(void) out;
	return SIZE_MAX;
#endif
}

/* IdsetIntersectFlat32() counting only. */
size_t
IdsetIntersectCountFlat32(const IdsetReader *ra, const IdsetReader *rb,
						  int64_t base, uint32_t limit, uint32_t *sa,
						  uint32_t *sb)
{
	return IdsetIntersectFlat32(ra, rb, base, limit, sa, sb, NULL);
}

/*
 * |a ∩ b| of two stored sets without writing the intersection: the same
 * paths as IdsetIntersectStored() (32-bit runs with AVX2 when the sets lie
 * within 2^32 of each other, else bitmap windows or the block merge), each
 * only counting.  SIZE_MAX if a block is malformed.
 */
size_t
IdsetIntersectStoredCount(const IdsetReader *ra, const IdsetReader *rb)
{
	return IdsetIntersectStoredLimit(ra, rb, NULL, SIZE_MAX);
}

/*
 * a ∩ b of two stored sets into out (min of the counts slots; see idset.h
 * for the contract), decoding one
 * block of each at a time into L1-resident buffers instead of whole arrays.
 * Dense overlapping sets are intersected by bitmap windows as
 * IntersectBitmap() does, others by a block merge.  Blocks wholly before
 * the other set's position are skipped undecoded.  Returns SIZE_MAX if a
 * block is malformed.
 */
size_t
IdsetIntersectStored(const IdsetReader *ra, const IdsetReader *rb,
					 int64_t *out)
{
	return IdsetIntersectStoredLimit(ra, rb, out, SIZE_MAX);
}

/*
 * IdsetIntersectStored() that stops after limit matches (out needs
 * min(counts, limit) slots): limit 1 answers "do they overlap?".  With out
 * NULL it only counts.
 */
size_t
IdsetIntersectStoredLimit(const IdsetReader *ra, const IdsetReader *rb,
						  int64_t *out, size_t limit)
{
	BlockCursor ca;
	BlockCursor cb;
	uint64_t	bits[IDSET_WINDOW / 64];
	bool		bad = false;
	size_t		cap = MinSize(MinSize(ra->count, rb->count), limit);
	size_t		k = 0;

	if (cap == 0)
		return 0;
#if IDSET_HAVE_AVX2
	if (idset_use_avx2)
	{
		bool		done;

		k = IntersectStored32(ra, rb, out, cap, &done, &bad);
		if (done)
			return bad ? SIZE_MAX : k;
	}
#endif
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	ca.r = ra;
	cb.r = rb;
	if (!CursorNext(&ca, &bad) || !CursorNext(&cb, &bad))
		return bad ? SIZE_MAX : 0;
	if (!IdsetDenseOverlap(ra, rb, 1024))
	{
		k = IntersectStoredMerge(&ca, &cb, out, cap, &bad);
		return bad ? SIZE_MAX : k;
	}
	memset(bits, 0, sizeof(bits));
	for (;;)
	{
		int64_t		x = ca.vals[ca.pos];
		int64_t		y = cb.vals[cb.pos];
		uint64_t	base;
		uint64_t	w0 = 0;
		uint64_t	w1 = 0;
		bool		set_any = false;
		bool		more_a = true;
		bool		more_b = true;

		IDSET_CHECK_INTERRUPTS();
		if (x < y)
		{
			if (!CursorSeek(&ca, y, &bad))
				break;
			x = ca.vals[ca.pos];
		}
		else if (y < x)
		{
			if (!CursorSeek(&cb, x, &bad))
				break;
			y = cb.vals[cb.pos];
		}
		base = IDSET_FLIP(x < y ? x : y);
		for (;;)
		{
			int			end = WindowEnd(&ca, base);

			if (end > ca.pos)
			{
				if (!set_any)
					w0 = (IDSET_FLIP(ca.vals[ca.pos]) - base) >> 6;
				w1 = (IDSET_FLIP(ca.vals[end - 1]) - base) >> 6;
				set_any = true;
			}
			for (int p = ca.pos; p < end; p++)
			{
				uint64_t	off = IDSET_FLIP(ca.vals[p]) - base;

				bits[off >> 6] |= UINT64_C(1) << (off & 63);
			}
			ca.pos = end;
			if (ca.pos < ca.n)
				break;
			if (!CursorNext(&ca, &bad))
			{
				more_a = false;
				break;
			}
		}
		for (;;)
		{
			int			end = WindowEnd(&cb, base);

			for (int p = cb.pos; p < end; p++)
			{
				uint64_t	off = IDSET_FLIP(cb.vals[p]) - base;

				/* Store within cap only, as in IntersectBitmap(). */
				IDSET_ASSERT(k < cap);
				if (out != NULL)
					out[k] = cb.vals[p];
				k += (bits[off >> 6] >> (off & 63)) & 1;
				if (unlikely_codec(k == cap))
					return k;
			}
			cb.pos = end;
			if (cb.pos < cb.n)
				break;
			if (!CursorNext(&cb, &bad))
			{
				more_b = false;
				break;
			}
		}
		if (set_any)
			memset(bits + w0, 0, (size_t) (w1 - w0 + 1) * sizeof(uint64_t));
		if (!more_a || !more_b || bad)
			break;
	}
	return bad ? SIZE_MAX : k;
}
