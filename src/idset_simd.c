/*
 * idset_simd.c
 *		SIMD kernels of the idset codec (AVX2, chosen at run time) and the
 *		switch that selects them.
 *
 * The stored form is not changed: these kernels read the same bit-packed
 * blocks as the portable code in idset_format.c and must produce exactly
 * the same values (test/fuzz decodes every block both ways and compares).
 * They are compiled with a per-function target attribute, so the library
 * is built for the baseline x86-64 and runs on any CPU: IdsetSimdConfigure()
 * enables them only when the CPU and the OS support AVX2 (the compiler's
 * __builtin_cpu_supports checks both), and the server turns them off with
 * the GUC follow_graph.idset_simd.  On other architectures and compilers
 * only the portable code exists.
 *
 * Plain C with no PostgreSQL dependency, like idset_format.c.
 */
#ifndef IDSET_STANDALONE
#include "postgres.h"
#include "miscadmin.h"
#endif

#include <string.h>

#include "idset.h"
#include "idset_int.h"

#if IDSET_HAVE_AVX2
#include <immintrin.h>
#endif

/* Is the AVX2 kernel in use?  Read by the codec's hot paths. */
bool		idset_use_avx2 = false;

/*
 * Enable the SIMD kernels if allowed and the CPU supports them; returns
 * whether they are now in use.  Cheap enough to call on every GUC change.
 */
bool
IdsetSimdConfigure(bool allow)
{
#if IDSET_HAVE_AVX2
	static int	cpu_avx2 = -1;

	if (cpu_avx2 < 0)
	{
		__builtin_cpu_init();
		cpu_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	idset_use_avx2 = allow && cpu_avx2 == 1;
#else
	(void) allow;
	idset_use_avx2 = false;
#endif
	return idset_use_avx2;
}

#if IDSET_HAVE_AVX2

/*
 * 8 (or 4, ...) times (x <= y), computed without a branch: the kernels
 * below advance by it on every step, and which side advances is as good as
 * random on interleaved sets, so a branch there (which the compiler chose
 * for the plain expression) mispredicted about every other step.  The
 * empty asm makes the comparison a value in a register.
 */
#define IDSET_STEP_IF_LE(x, y, step) \
	__extension__ ({ \
		int			le_ = (x) <= (y); \
		__asm__("" : "+r"(le_)); \
		le_ * (step); \
	})

/*
 * Shuffle and shift patterns for unpacking eight w-bit gaps into eight
 * 32-bit lanes, for 1 <= w <= IDSET_SIMD_MAX_WIDTH.  Eight gaps take
 * exactly w bytes, so the pattern is the same for every group of eight.
 * The low 128-bit lane reads 16 bytes from the group's first byte, the
 * high lane 16 bytes from the byte holding gap 4 (both within 16 bytes
 * because 7 + 4 * 24 < 128); each lane gathers the 4 bytes holding its gap
 * and shifts it down.
 */
typedef struct UnpackPattern
{
	uint8_t		shuffle[32];
	uint32_t	shift[8];
	uint32_t	high_offset;	/* byte of gap 4 from the group's start */
} UnpackPattern;

static UnpackPattern patterns[IDSET_SIMD_MAX_WIDTH + 1];
static bool patterns_ready = false;

/* Fill patterns[] once (pure computation, idempotent). */
static void
InitPatterns(void)
{
	for (int w = 1; w <= IDSET_SIMD_MAX_WIDTH; w++)
	{
		UnpackPattern *p = &patterns[w];

		p->high_offset = (uint32_t) (4 * w) >> 3;
		for (int j = 0; j < 8; j++)
		{
			uint32_t	bit = (uint32_t) (j * w);
			uint32_t	byte;

			if (j >= 4)
				bit -= 8 * p->high_offset;
			byte = bit >> 3;
			p->shift[j] = bit & 7;
			for (int t = 0; t < 4; t++)
			{
				uint32_t	src = byte + (uint32_t) t;

				/* Bytes past the 16 loaded are never needed (w <= 24). */
				p->shuffle[j * 4 + t] = src < 16 ? (uint8_t) src : 0x80;
			}
		}
	}
	patterns_ready = true;
}

/*
 * Decode the k - 1 gaps after a block's first value with AVX2 and write
 * out[1 .. k): out[i] = first + the sum of (gap + 1) up to i.  packed must
 * be readable for PackedBytes(k - 1, w) + IDSET_SIMD_PAD bytes; the caller
 * has checked that no value overflows (then every partial sum fits in 31
 * bits: 127 * 2^24 < 2^31).  Values past k are computed from the padding
 * but not stored.
 */
__attribute__((target("avx2")))
void
IdsetDecodeGapsAvx2(const uint8_t *packed, int w, int k, int64_t first,
					int64_t *out)
{
	const UnpackPattern *p;
	__m256i		shuffle;
	__m256i		shift;
	__m256i		mask;
	__m256i		one = _mm256_set1_epi32(1);
	__m256i		carry = _mm256_setzero_si256();
	__m256i		base = _mm256_set1_epi64x(first);
	__m256i		bcast3 = _mm256_set1_epi32(3);
	__m256i		bcast7 = _mm256_set1_epi32(7);
	__m256i		highhalf = _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1);
	int			ngaps = k - 1;
	int			g;

	IDSET_ASSERT(w >= 1 && w <= IDSET_SIMD_MAX_WIDTH);
	IDSET_ASSERT(k >= 1 && k <= IDSET_BLOCK_SIZE);
	if (unlikely_codec(!patterns_ready))
		InitPatterns();
	p = &patterns[w];
	shuffle = _mm256_loadu_si256((const __m256i *) p->shuffle);
	shift = _mm256_loadu_si256((const __m256i *) p->shift);
	mask = _mm256_set1_epi32((int) ((UINT32_C(1) << w) - 1));
	for (g = 0; g < ngaps; g += 8)
	{
		const uint8_t *src = packed + (size_t) (g / 8) * (size_t) w;
		__m128i		lo = _mm_loadu_si128((const __m128i *) src);
		__m128i		hi = _mm_loadu_si128((const __m128i *) (src + p->high_offset));
		__m256i		v = _mm256_set_m128i(hi, lo);
		__m256i		total;
		__m256i		lo64;
		__m256i		hi64;

		v = _mm256_shuffle_epi8(v, shuffle);
		v = _mm256_srlv_epi32(v, shift);
		v = _mm256_and_si256(v, mask);
		v = _mm256_add_epi32(v, one);
		/* Prefix sums: within each 128-bit lane, then across. */
		v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
		v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
		v = _mm256_add_epi32(v, _mm256_and_si256(_mm256_permutevar8x32_epi32(v, bcast3), highhalf));
		/* The carry chain is one add per group; the permute is off it. */
		total = _mm256_permutevar8x32_epi32(v, bcast7);
		v = _mm256_add_epi32(v, carry);
		carry = _mm256_add_epi32(carry, total);
		lo64 = _mm256_add_epi64(base, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(v)));
		hi64 = _mm256_add_epi64(base, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(v, 1)));
		if (likely_codec(ngaps - g >= 8))
		{
			_mm256_storeu_si256((__m256i *) (out + 1 + g), lo64);
			_mm256_storeu_si256((__m256i *) (out + 5 + g), hi64);
		}
		else
		{
			int64_t		tail[8];

			_mm256_storeu_si256((__m256i *) tail, lo64);
			_mm256_storeu_si256((__m256i *) (tail + 4), hi64);
			memcpy(out + 1 + g, tail, (size_t) (ngaps - g) * sizeof(int64_t));
		}
	}
}

/*
 * IdsetDecodeGapsAvx2() for 32-bit offsets: write out[1 .. k) as first plus
 * the sum of (gap + 1) up to i, modulo 2^32 (the caller detects a wrap: the
 * sums stay below 2^31, so a wrapped block ends below its first offset).
 * Same reads and padding rule as IdsetDecodeGapsAvx2(); half the stores.
 * Every group of eight is stored whole, so out[k .. k + 7) may be
 * overwritten too (IDSET_DECODE32_SLACK): no partial store for the last
 * group of a block.  Returns out[k - 1].
 */
__attribute__((target("avx2")))
uint32_t
IdsetDecodeGapsAvx2U32(const uint8_t *packed, int w, int k, uint32_t first,
					   uint32_t *out)
{
	const UnpackPattern *p;
	__m256i		shuffle;
	__m256i		shift;
	__m256i		mask;
	__m256i		one = _mm256_set1_epi32(1);
	__m256i		carry = _mm256_set1_epi32((int) first);
	__m256i		bcast3 = _mm256_set1_epi32(3);
	__m256i		bcast7 = _mm256_set1_epi32(7);
	__m256i		highhalf = _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1);
	__m256i		last = carry;
	int			ngaps = k - 1;
	const uint8_t *src;
	size_t		high_offset;

	IDSET_ASSERT(w >= 1 && w <= IDSET_SIMD_MAX_WIDTH);
	IDSET_ASSERT(k >= 1 && k <= IDSET_BLOCK_SIZE);
	if (unlikely_codec(!patterns_ready))
		InitPatterns();
	p = &patterns[w];
	shuffle = _mm256_loadu_si256((const __m256i *) p->shuffle);
	shift = _mm256_loadu_si256((const __m256i *) p->shift);
	mask = _mm256_set1_epi32((int) ((UINT32_C(1) << w) - 1));
	/*
	 * The source moves by w bytes per group and the high half's offset is
	 * read once: (g / 8) * w and a reload of p->high_offset (the stores to
	 * out may alias it) were a third of the loop's scalar work.
	 */
	high_offset = p->high_offset;
	src = packed;
	for (int g = 0; g < ngaps; g += 8, src += w)
	{
		__m128i		lo = _mm_loadu_si128((const __m128i *) src);
		__m128i		hi = _mm_loadu_si128((const __m128i *) (src + high_offset));
		__m256i		v = _mm256_set_m128i(hi, lo);
		__m256i		total;

		v = _mm256_shuffle_epi8(v, shuffle);
		v = _mm256_srlv_epi32(v, shift);
		v = _mm256_and_si256(v, mask);
		v = _mm256_add_epi32(v, one);
		v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
		v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
		v = _mm256_add_epi32(v, _mm256_and_si256(_mm256_permutevar8x32_epi32(v, bcast3), highhalf));
		/* As above: the carry chain is one add per group. */
		total = _mm256_permutevar8x32_epi32(v, bcast7);
		v = _mm256_add_epi32(v, carry);
		carry = _mm256_add_epi32(carry, total);
		_mm256_storeu_si256((__m256i *) (out + 1 + g), v);
		last = v;
	}
	/* out[k - 1] from the register: reading it back would wait on the store. */
	if (ngaps == 0)
		return first;
	return (uint32_t) _mm256_cvtsi256_si32(
		_mm256_permutevar8x32_epi32(last, _mm256_set1_epi32((ngaps - 1) & 7)));
}

/*
 * Intersect two sorted runs of 32-bit offsets eight values of each at a
 * time while both have at least eight left: compare a's eight against b's
 * eight in every pairing (four rotations within each 128-bit lane, of b
 * and of b with its lanes swapped), then move past whichever eight end
 * lower (both if they end equal), as IdsetIntersectRunsAvx2() does with
 * four.  With out, appends base + each match (ascending) while k is below
 * cap and returns cap as soon as out is full; without out (NULL), only
 * counts.  Returns the new count and leaves *pi and *pj where it stopped.
 */
__attribute__((target("avx2,popcnt")))
size_t
IdsetIntersectRuns32Avx2(const uint32_t *a, int na, int *pi,
						 const uint32_t *b, int nb, int *pj, int64_t base,
						 int64_t *out, size_t k, size_t cap)
{
	int			i = *pi;
	int			j = *pj;

	IDSET_ASSERT(k < cap);
	while (i + 8 <= na && j + 8 <= nb)
	{
		__m256i		va = _mm256_loadu_si256((const __m256i *) (a + i));
		__m256i		vb = _mm256_loadu_si256((const __m256i *) (b + j));
		__m256i		vs = _mm256_permute2x128_si256(vb, vb, 1);
		__m256i		m1;
		__m256i		m2;
		__m256i		m3;
		__m256i		m4;
		unsigned	mask;
		uint32_t	amax = a[i + 7];
		uint32_t	bmax = b[j + 7];

		m1 = _mm256_or_si256(_mm256_cmpeq_epi32(va, vb),
							 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x39)));
		m2 = _mm256_or_si256(_mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x4e)),
							 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x93)));
		m3 = _mm256_or_si256(_mm256_cmpeq_epi32(va, vs),
							 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x39)));
		m4 = _mm256_or_si256(_mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x4e)),
							 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x93)));
		mask = (unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(
			_mm256_or_si256(_mm256_or_si256(m1, m2), _mm256_or_si256(m3, m4))));
		if (out == NULL)
			k += (size_t) __builtin_popcount(mask);
		else
		{
			while (unlikely_codec(mask != 0))
			{
				out[k++] = base + (int64_t) a[i + __builtin_ctz(mask)];
				if (k == cap)
					return k;
				mask &= mask - 1;
			}
		}
		i += IDSET_STEP_IF_LE(amax, bmax, 8);
		j += IDSET_STEP_IF_LE(bmax, amax, 8);
	}
	*pi = i;
	*pj = j;
	return k;
}

/* Bit i set when a[i] equals one of b[0 .. 8) (both eight sorted offsets). */
__attribute__((target("avx2"), always_inline))
static inline unsigned
Match8x8(const uint32_t *a, const uint32_t *b)
{
	__m256i		va = _mm256_loadu_si256((const __m256i *) a);
	__m256i		vb = _mm256_loadu_si256((const __m256i *) b);
	__m256i		vs = _mm256_permute2x128_si256(vb, vb, 1);
	__m256i		m1;
	__m256i		m2;
	__m256i		m3;
	__m256i		m4;

	m1 = _mm256_or_si256(_mm256_cmpeq_epi32(va, vb),
						 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x39)));
	m2 = _mm256_or_si256(_mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x4e)),
						 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vb, 0x93)));
	m3 = _mm256_or_si256(_mm256_cmpeq_epi32(va, vs),
						 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x39)));
	m4 = _mm256_or_si256(_mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x4e)),
						 _mm256_cmpeq_epi32(va, _mm256_shuffle_epi32(vs, 0x93)));
	return (unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(
		_mm256_or_si256(_mm256_or_si256(m1, m2), _mm256_or_si256(m3, m4))));
}

/*
 * Two independent pairs of sorted runs of 32-bit offsets at once,
 * a[*pi0 .. na0) with b[*pj0 .. nb0) and a[*pi1 .. na1) with
 * b[*pj1 .. nb1), eight by eight as IdsetIntersectRuns32Avx2() does, while
 * every run has eight values left.  One merge alone waits on its own loads
 * at every step (the next position depends on the comparison of the last
 * two maxima); two interleaved keep the core busy during that wait.  With
 * out0 (and out1), appends base + each match of the first pair at
 * out0[*pk0] on and of the second at out1[*pk1] on, ascending, and
 * advances *pk0 and *pk1, never past cap0 and cap1: a value of a sorted
 * run matches at most once, so a slot per value of its run of a is
 * enough, and runs out of order (a damaged raw block) drop the matches
 * that do not fit.  Without them (NULL), only counts.
 * Returns the number of matches and leaves the four positions where it
 * stopped, for the caller to finish each pair.  Inlined into both callers,
 * so the count keeps its branch-free loop.
 */
__attribute__((target("avx2,popcnt"), always_inline))
static inline size_t
Runs32x2(const uint32_t *a, int *pi0, int na0, int *pi1, int na1,
		 const uint32_t *b, int *pj0, int nb0, int *pj1, int nb1,
		 int64_t base, int64_t *out0, size_t *pk0, size_t cap0,
		 int64_t *out1, size_t *pk1, size_t cap1)
{
	int			i0 = *pi0;
	int			j0 = *pj0;
	int			i1 = *pi1;
	int			j1 = *pj1;
	size_t		k = 0;
	size_t		k0 = out0 != NULL ? *pk0 : 0;
	size_t		k1 = out0 != NULL ? *pk1 : 0;

	while (i0 + 8 <= na0 && j0 + 8 <= nb0 && i1 + 8 <= na1 && j1 + 8 <= nb1)
	{
		uint32_t	amax0 = a[i0 + 7];
		uint32_t	bmax0 = b[j0 + 7];
		uint32_t	amax1 = a[i1 + 7];
		uint32_t	bmax1 = b[j1 + 7];
		unsigned	m0 = Match8x8(a + i0, b + j0);
		unsigned	m1 = Match8x8(a + i1, b + j1);

		if (out0 == NULL)
			k += (size_t) __builtin_popcount(m0) + (size_t) __builtin_popcount(m1);
		else
		{
			while (unlikely_codec(m0 != 0) && k0 < cap0)
			{
				out0[k0++] = base + (int64_t) a[i0 + __builtin_ctz(m0)];
				m0 &= m0 - 1;
			}
			while (unlikely_codec(m1 != 0) && k1 < cap1)
			{
				out1[k1++] = base + (int64_t) a[i1 + __builtin_ctz(m1)];
				m1 &= m1 - 1;
			}
		}
		i0 += IDSET_STEP_IF_LE(amax0, bmax0, 8);
		j0 += IDSET_STEP_IF_LE(bmax0, amax0, 8);
		i1 += IDSET_STEP_IF_LE(amax1, bmax1, 8);
		j1 += IDSET_STEP_IF_LE(bmax1, amax1, 8);
	}
	*pi0 = i0;
	*pj0 = j0;
	*pi1 = i1;
	*pj1 = j1;
	if (out0 != NULL)
	{
		k = (k0 - *pk0) + (k1 - *pk1);
		*pk0 = k0;
		*pk1 = k1;
	}
	return k;
}

/* Runs32x2() counting only. */
__attribute__((target("avx2,popcnt")))
size_t
IdsetCountRuns32x2Avx2(const uint32_t *a, int *pi0, int na0, int *pi1,
					   int na1, const uint32_t *b, int *pj0, int nb0,
					   int *pj1, int nb1)
{
	return Runs32x2(a, pi0, na0, pi1, na1, b, pj0, nb0, pj1, nb1,
					0, NULL, NULL, 0, NULL, NULL, 0);
}

/* Runs32x2() writing the matches of each pair to its own output. */
__attribute__((target("avx2,popcnt")))
size_t
IdsetIntersectRuns32x2Avx2(const uint32_t *a, int *pi0, int na0, int *pi1,
						   int na1, const uint32_t *b, int *pj0, int nb0,
						   int *pj1, int nb1, int64_t base, int64_t *out0,
						   size_t *pk0, size_t cap0, int64_t *out1,
						   size_t *pk1, size_t cap1)
{
	IDSET_ASSERT(out0 != NULL && out1 != NULL);
	IDSET_ASSERT(*pk0 <= cap0 && *pk1 <= cap1);
	return Runs32x2(a, pi0, na0, pi1, na1, b, pj0, nb0, pj1, nb1,
					base, out0, pk0, cap0, out1, pk1, cap1);
}

/*
 * Intersect two sorted runs four values of each at a time while both have
 * at least four left: compare a's four against every rotation of b's four,
 * append the matches of a (ascending; at most one per value) to out while k
 * is below cap, then move past whichever four end lower (both if they end
 * equal).  Returns the new count and leaves *pi and *pj where it stopped,
 * or returns cap as soon as out is full; without out (NULL), only counts.  A value of a that stays for the
 * next step can only meet larger values of b, so no match is reported
 * twice and the output stays ascending.
 */
__attribute__((target("avx2,popcnt")))
size_t
IdsetIntersectRunsAvx2(const int64_t *a, int na, int *pi, const int64_t *b,
					   int nb, int *pj, int64_t *out, size_t k, size_t cap)
{
	int			i = *pi;
	int			j = *pj;

	IDSET_ASSERT(k < cap);
	while (i + 4 <= na && j + 4 <= nb)
	{
		__m256i		va = _mm256_loadu_si256((const __m256i *) (a + i));
		__m256i		vb = _mm256_loadu_si256((const __m256i *) (b + j));
		__m256i		m;
		int			mask;
		int64_t		amax = a[i + 3];
		int64_t		bmax = b[j + 3];

		m = _mm256_cmpeq_epi64(va, vb);
		m = _mm256_or_si256(m, _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x39)));
		m = _mm256_or_si256(m, _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x4e)));
		m = _mm256_or_si256(m, _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64(vb, 0x93)));
		mask = _mm256_movemask_pd(_mm256_castsi256_pd(m));
		if (out == NULL)
			k += (size_t) __builtin_popcount((unsigned) mask);
		else
		{
			while (unlikely_codec(mask != 0))
			{
				out[k++] = a[i + __builtin_ctz((unsigned) mask)];
				if (k == cap)
					return k;
				mask &= mask - 1;
			}
		}
		i += IDSET_STEP_IF_LE(amax, bmax, 4);
		j += IDSET_STEP_IF_LE(bmax, amax, 4);
	}
	*pi = i;
	*pj = j;
	return k;
}

#endif							/* IDSET_HAVE_AVX2 */
