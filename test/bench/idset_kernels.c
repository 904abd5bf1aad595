/*
 * test/bench/idset_kernels.c: the sparse 62-bit count's kernels alone, out
 * of the server (built by idset_kernels.sh with the codec, as test/fuzz
 * builds it).  Two sets of 1M random 62-bit ids sharing 1% are encoded as
 * idset stores them; then, each the minimum over many trials (a short trial
 * is rarely interrupted, so the minimum is the undisturbed speed):
 *
 *   decode, L2:   1,024 blocks of one set decoded again and again (their
 *                 5.8 KB of gaps per 8 blocks stay in the cache): ns per value
 *   segment:      IdsetIntersectCountWide() on two sets of 32,768 ids with the
 *                 same gaps (one stream segment each, about 187 KB, cached):
 *                 decode and merge, ns per value of both sets
 *   whole:        IdsetIntersectCountWide() on the two 1M sets in memory
 *
 * Usage: idset_kernels [trials]   (default 50; the cached rows run 20x that)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "idset.h"

static uint64_t rng = 88172645463325252ULL;

/* xorshift64 */
static uint64_t
Next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* qsort order for int64_t */
static int
Cmp(const void *x, const void *y)
{
	int64_t		a = *(const int64_t *) x;
	int64_t		b = *(const int64_t *) y;

	return a < b ? -1 : a > b;
}

/* Milliseconds on the monotonic clock. */
static double
Now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * Encode n random ids below span (+1) into *r, the first shared ones of
 * shared (NULL: none) copied in; returns the sorted distinct values.
 */
static int64_t *
Build(size_t n, uint64_t span, const int64_t *shared, size_t nshared,
	  IdsetReader *r, size_t *count)
{
	int64_t    *v = malloc(n * sizeof(int64_t));
	int64_t    *tmp = malloc(n * sizeof(int64_t));
	uint8_t    *buf;
	size_t		len;
	int			format;

	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t) (Next() % span) + 1;
	for (size_t i = 0; i < nshared && i < n; i++)
		v[i] = shared[i];
	qsort(v, n, sizeof(int64_t), Cmp);
	*count = IdsetCanonicalize(v, n, tmp);
	free(tmp);
	len = IdsetEncodedSize(v, *count, &format);
	buf = malloc(len + 64);
	IdsetEncode(v, *count, buf);
	if (IdsetReaderInit(r, buf, len) != IDSET_OK)
	{
		fprintf(stderr, "idset_kernels: encoding failed\n");
		exit(1);
	}
	return v;
}

int
main(int argc, char **argv)
{
	int			trials = argc > 1 ? atoi(argv[1]) : 50;
	uint64_t	span = UINT64_C(1) << 62;
	IdsetReader ra;
	IdsetReader rb;
	IdsetReader sa;
	IdsetReader sb;
	size_t		na;
	size_t		nb;
	size_t		ma;
	size_t		mb;
	int64_t    *a;
	int64_t    *x;
	int64_t		vals[IDSET_BLOCK_SIZE];
	int64_t		sink = 0;
	double		best;
	size_t		k = 0;

	IdsetSimdConfigure(true);
	a = Build(1000000, span, NULL, 0, &ra, &na);
	Build(1000000, span, a, 10000, &rb, &nb);
	x = Build(32768, span / 1000000 * 32768, NULL, 0, &sa, &ma);
	Build(32768, span / 1000000 * 32768, x, 328, &sb, &mb);
	printf("sets: %zu and %zu ids, %.2f bytes per id; AVX2 %s\n", na, nb,
		   (double) ra.len / na, idset_use_avx2 ? "on" : "off");

	best = 1e9;
	for (int t = 0; t < trials * 20; t++)
	{
		double		t0 = Now();

		for (uint32_t blk = 1000; blk < 2024; blk++)
		{
			IdsetDecodeBlock(&ra, blk, vals);
			sink += vals[5];
		}
		{ double d = Now() - t0; if (d < best) best = d; }
	}
	printf("decode, L2: %.3f ns per value\n", best * 1e6 / (1024.0 * IDSET_BLOCK_SIZE));

	best = 1e9;
	for (int t = 0; t < trials * 20; t++)
	{
		double		t0 = Now();

		k = IdsetIntersectCountWide(&sa, &sb);
		{ double d = Now() - t0; if (d < best) best = d; }
	}
	printf("segment: %zu common, %.3f ns per value\n", k, best * 1e6 / (ma + mb));

	best = 1e9;
	for (int t = 0; t < trials; t++)
	{
		double		t0 = Now();

		k = IdsetIntersectCountWide(&ra, &rb);
		{ double d = Now() - t0; if (d < best) best = d; }
	}
	printf("whole: %zu common, %.3f ms\n", k, best);
	return sink == 42;
}
