/*
 * idset_count64.c
 *		|a ∩ b| of two stored sets whose values lie too far apart for the
 *		32-bit kernel (sparse 62-bit ids): decoded a window of blocks at a
 *		time, counted by two interleaved four-by-four merges (AVX2).
 *
 * The block merge of idset_algebra.c (IntersectStoredMerge()) moves one
 * decoded block of each side at a time and runs one merge, whose every step
 * waits on the loads chosen by the comparison of the step before.  Here each
 * side decodes up to WIDE_WINDOW_BLOCKS blocks into one run; the runs are
 * counted up to the smaller of their last values, cut in two at the middle
 * value of a's part (b's where that value falls), and the two pairs are
 * merged at once, as IdsetIntersectCountFlat32() does with 32-bit offsets,
 * so that one merge's loads overlap the other's.  The values past that bound
 * stay for the next window.
 *
 * Plain C with no PostgreSQL dependency, like idset_format.c (test/fuzz
 * compares it with the portable count).
 */
#ifndef IDSET_STANDALONE
#include "postgres.h"
#include "miscadmin.h"
#endif

#include <string.h>
#ifdef IDSET_STANDALONE
#include <stdlib.h>
#endif

#include "idset.h"
#include "idset_int.h"

#if IDSET_HAVE_AVX2
#include <immintrin.h>

/*
 * Blocks a side decodes per window (2 in the fuzzer's build, whose sets are
 * small, so that its inputs cross windows; test/bench/idset_kernels.sh sets
 * the server's).
 */
#if defined(WIDE_WINDOW_BLOCKS)
#elif defined(IDSET_STANDALONE)
#define WIDE_WINDOW_BLOCKS	2
#else
#define WIDE_WINDOW_BLOCKS	16
#endif

/* Values a side holds: a window and what was left from the one before. */
#define WIDE_CAP			(2 * WIDE_WINDOW_BLOCKS * IDSET_BLOCK_SIZE)

/* A side refills when fewer values than this are left. */
#define WIDE_LOW			(WIDE_WINDOW_BLOCKS * IDSET_BLOCK_SIZE / 2)

/* Decoded blocks of one stored set. */
typedef struct WideSide
{
	const IdsetReader *r;
	uint32_t	block;			/* next block to decode */
	int			pos;
	int			n;
	bool		any;			/* a block was decoded */
	int64_t		last;			/* last value decoded */
	int64_t		vals[WIDE_CAP];
} WideSide;

/*
 * Keep what is left from pos on at the front and decode up to
 * WIDE_WINDOW_BLOCKS blocks after it.  When nothing is left, blocks wholly
 * below floor are stepped over undecoded.  False if a block is malformed or
 * does not start above the last value decoded before it.
 */
static bool
WideFill(WideSide *s, int64_t floor)
{
	const IdsetReader *r = s->r;
	int			rem = s->n - s->pos;

	IDSET_ASSERT(rem >= 0 && rem < WIDE_LOW);
	if (rem > 0 && s->pos > 0)
		memmove(s->vals, s->vals + s->pos, (size_t) rem * sizeof(int64_t));
	s->pos = 0;
	s->n = rem;
	if (rem == 0)
		while (s->block + 1 < r->nblocks && IdsetBlockFirst(r, s->block + 1) <= floor)
			s->block++;
	for (int t = 0; t < WIDE_WINDOW_BLOCKS && s->block < r->nblocks; t++)
	{
		int			k;

		/* The packed gaps of the block after this one, while this decodes. */
		if (s->block + 1 < r->nblocks)
		{
			uint32_t	from;
			uint32_t	to;

			memcpy(&from, r->ends + (size_t) s->block * 4, 4);
			memcpy(&to, r->ends + (size_t) (s->block + 1) * 4, 4);
			if (from <= to && to <= r->packed_len)
				for (uint32_t o = from; o < to; o += 64)
					__builtin_prefetch(r->packed + o, 0, 3);
		}
		k = IdsetDecodeBlock(r, s->block, s->vals + s->n);

		if (k <= 0 || (s->any && s->vals[s->n] <= s->last))
			return false;
		s->any = true;
		s->n += k;
		s->last = s->vals[s->n - 1];
		s->block++;
	}
	return true;
}

/*
 * 8 (or 4, ...) times (x <= y) without a branch (see IDSET_STEP_IF_LE in
 * idset_simd.c).
 */
#define WIDE_STEP_IF_LE(x, y, step) \
	__extension__ ({ \
		int			le_ = (x) <= (y); \
		__asm__("" : "+r"(le_)); \
		le_ * (step); \
	})

/* The smaller of two ints. */
static inline int
MinInt(int x, int y)
{
	return x < y ? x : y;
}

/* Bit i set when a[i] equals one of b[0 .. 4) (both four sorted values). */
__attribute__((target("avx2"), always_inline))
static inline unsigned
Match4x4(const int64_t *a, const int64_t *b)
{
	__m256i		va = _mm256_loadu_si256((const __m256i *) a);
	__m256i		vb = _mm256_loadu_si256((const __m256i *) b);
	__m256i		m1;
	__m256i		m2;

	m1 = _mm256_or_si256(_mm256_cmpeq_epi64(va, vb),
						 _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x39)));
	m2 = _mm256_or_si256(_mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x4e)),
						 _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x93)));
	return (unsigned) _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_or_si256(m1, m2)));
}

/*
 * Count the common values of two independent pairs of sorted runs at once,
 * a[*pi0 .. na0) with b[*pj0 .. nb0) and a[*pi1 .. na1) with
 * b[*pj1 .. nb1), four by four while every run has four values left
 * (moving past whichever four end lower, both if equal).  Leaves the four
 * positions where it stopped.
 */
__attribute__((target("avx2,popcnt")))
static size_t
CountRuns64x2(const int64_t *a, int *pi0, int na0, int *pi1, int na1,
			  const int64_t *b, int *pj0, int nb0, int *pj1, int nb1)
{
	int			i0 = *pi0;
	int			j0 = *pj0;
	int			i1 = *pi1;
	int			j1 = *pj1;
	size_t		k = 0;

	for (;;)
	{
		/*
		 * A step moves each run on by four at most, so this many steps all
		 * start with four values left in every run: no bound test inside.
		 */
		int			steps = MinInt(MinInt(na0 - i0, nb0 - j0),
								   MinInt(na1 - i1, nb1 - j1)) / 4;

		if (steps <= 0)
			break;
		while (steps-- > 0)
		{
			int64_t		amax0 = a[i0 + 3];
			int64_t		bmax0 = b[j0 + 3];
			int64_t		amax1 = a[i1 + 3];
			int64_t		bmax1 = b[j1 + 3];

			k += (size_t) __builtin_popcount(Match4x4(a + i0, b + j0));
			k += (size_t) __builtin_popcount(Match4x4(a + i1, b + j1));
			i0 += WIDE_STEP_IF_LE(amax0, bmax0, 4);
			j0 += WIDE_STEP_IF_LE(bmax0, amax0, 4);
			i1 += WIDE_STEP_IF_LE(amax1, bmax1, 4);
			j1 += WIDE_STEP_IF_LE(bmax1, amax1, 4);
		}
	}
	*pi0 = i0;
	*pj0 = j0;
	*pi1 = i1;
	*pj1 = j1;
	return k;
}

/* Common values of the sorted runs a[i .. na) and b[j .. nb). */
static size_t
CountRuns64(const int64_t *a, int i, int na, const int64_t *b, int j, int nb)
{
	size_t		k = 0;

	if (i + 4 <= na && j + 4 <= nb)
		k = IdsetIntersectRunsAvx2(a, na, &i, b, nb, &j, NULL, 0, SIZE_MAX);
	while (i < na && j < nb)
	{
		int64_t		x = a[i];
		int64_t		y = b[j];

		k += (x == y);
		i += (x <= y);
		j += (y <= x);
	}
	return k;
}

/*
 * Common values of a[i .. na) and b[j .. nb): cut at a's middle value, the
 * two pairs merged at once, then each finished alone.
 */
static size_t
CountWindow(const int64_t *a, int i, int na, const int64_t *b, int j, int nb)
{
	int			mid = i + (na - i) / 2;
	int			bmid;
	int			i1 = mid;
	int			j1;
	size_t		k;

	if (na - i < 16 || nb - j < 16)
		return CountRuns64(a, i, na, b, j, nb);
	/* First value of b not below a's middle value. */
	bmid = j + (int) IdsetLowerBound(b + j, (size_t) (nb - j), a[mid]);
	j1 = bmid;
	k = CountRuns64x2(a, &i, mid, &i1, na, b, &j, bmid, &j1, nb);
	k += CountRuns64(a, i, mid, b, j, bmid);
	k += CountRuns64(a, i1, na, b, j1, nb);
	return k;
}

/* Number of values of s from pos on that are <= x. */
static inline int
WideEnd(const WideSide *s, int64_t x)
{
	if (s->vals[s->n - 1] <= x)
		return s->n;
	/* x is below the last value, so x + 1 does not overflow. */
	return s->pos + (int) IdsetLowerBound(s->vals + s->pos,
										  (size_t) (s->n - s->pos), x + 1);
}

#endif							/* IDSET_HAVE_AVX2 */

/*
 * |a ∩ b| of two stored sets (see the file header); the same answer as
 * IdsetIntersectStoredCount(), which does the work without AVX2, for raw
 * values and for dense sets.  SIZE_MAX if a block is malformed.
 */
size_t
IdsetIntersectCountWide(const IdsetReader *ra, const IdsetReader *rb)
{
#if IDSET_HAVE_AVX2
	WideSide   *a;
	WideSide   *b;
	size_t		k = 0;
	size_t		res;
	uint32_t	rounds = 0;

	if (!idset_use_avx2 || ra->format != IDSET_FORMAT_BLOCKED ||
		rb->format != IDSET_FORMAT_BLOCKED || ra->count == 0 ||
		rb->count == 0 || IdsetDenseOverlap(ra, rb, 0))
		return IdsetIntersectStoredCount(ra, rb);
#ifdef IDSET_STANDALONE
	a = malloc(sizeof(WideSide));
	b = malloc(sizeof(WideSide));
	assert(a != NULL && b != NULL);
#else
	a = palloc(sizeof(WideSide));
	b = palloc(sizeof(WideSide));
#endif
	a->r = ra;
	b->r = rb;
	a->block = b->block = 0;
	a->pos = a->n = b->pos = b->n = 0;
	a->any = b->any = false;
	a->last = b->last = 0;
	res = SIZE_MAX;
	if (!WideFill(a, INT64_MIN) || !WideFill(b, INT64_MIN))
		goto out;
	while (a->pos < a->n && b->pos < b->n)
	{
		int64_t		bound = a->vals[a->n - 1] < b->vals[b->n - 1] ?
			a->vals[a->n - 1] : b->vals[b->n - 1];
		int			ea = WideEnd(a, bound);
		int			eb = WideEnd(b, bound);

		if ((++rounds & 15) == 0)
			IDSET_CHECK_INTERRUPTS();
		k += CountWindow(a->vals, a->pos, ea, b->vals, b->pos, eb);
		a->pos = ea;
		b->pos = eb;
		/* A side left empty steps over blocks below the other's next value. */
		if (a->n - a->pos < WIDE_LOW &&
			!WideFill(a, b->pos < b->n ? b->vals[b->pos] : INT64_MIN))
			goto out;
		if (b->n - b->pos < WIDE_LOW &&
			!WideFill(b, a->pos < a->n ? a->vals[a->pos] : INT64_MIN))
			goto out;
	}
	res = k;
out:
#ifdef IDSET_STANDALONE
	free(a);
	free(b);
#else
	pfree(a);
	pfree(b);
#endif
	return res;
#else
	return IdsetIntersectStoredCount(ra, rb);
#endif
}
