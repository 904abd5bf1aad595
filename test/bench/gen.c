/*
 * gen.c
 *		Deterministic follow-graph generator for the benchmark harness.
 *
 *		gen SCALE [EDGEFACTOR [SEED]]
 *
 * Writes COPY text lines "follower<TAB>followee<TAB>usec" to stdout, where
 * usec is microseconds after 2016-01-01 00:00:00 UTC (ten years are used).
 *
 * The graph is Graph500 R-MAT (a=0.57, b=0.19, c=0.19, d=0.05) over 2^SCALE
 * vertices with EDGEFACTOR * 2^SCALE sampled edges, self-loops and
 * duplicates dropped; plus one celebrity (vertex 2^SCALE) followed by about
 * half of all vertices, who follows back about 1% of them.  A vertex number
 * becomes an account id through a fixed bijection of the 62-bit range, so ids
 * look like scattered snowflake ids.  Same arguments, same bytes out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MASK62		((UINT64_C(1) << 62) - 1)
#define TIME_RANGE	(UINT64_C(3653) * 86400 * 1000000)	/* 10 years in usec */

static uint64_t rng_state;

/* splitmix64: small, fast and good enough for sampling. */
static inline uint64_t
next_random(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A 64-bit hash of one value (the splitmix64 finaliser). */
static inline uint64_t
hash64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * Vertex number to account id: xor-shifts and odd multiplications modulo
 * 2^62 are each invertible on the 62-bit range, so this is a bijection.
 */
static inline int64_t
account_id(uint64_t v)
{
	uint64_t	x = (v ^ UINT64_C(0x2545f4914f6cdd1d)) & MASK62;

	x ^= x >> 31;
	x = (x * UINT64_C(0xbf58476d1ce4e5b9)) & MASK62;
	x ^= x >> 29;
	x = (x * UINT64_C(0x94d049bb133111eb)) & MASK62;
	x ^= x >> 32;
	return (int64_t) x;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

static char outbuf[1 << 20];
static size_t outlen;

static inline void
put_int(uint64_t v)
{
	char		tmp[24];
	int			n = 0;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		outbuf[outlen++] = tmp[--n];
}

/* One COPY line for the edge from vertex u to vertex v. */
static void
emit(uint64_t u, uint64_t v, uint64_t seed)
{
	uint64_t	t = hash64(hash64((u << 32) | v) ^ seed) % TIME_RANGE;

	if (outlen > sizeof(outbuf) - 128)
	{
		fwrite(outbuf, 1, outlen, stdout);
		outlen = 0;
	}
	put_int((uint64_t) account_id(u));
	outbuf[outlen++] = '\t';
	put_int((uint64_t) account_id(v));
	outbuf[outlen++] = '\t';
	put_int(t);
	outbuf[outlen++] = '\n';
}

int
main(int argc, char **argv)
{
	int			scale;
	uint64_t	edgefactor = 16;
	uint64_t	seed = 20260101;
	uint64_t	n;
	uint64_t	m;
	uint64_t	kept = 0;
	uint64_t	celeb_in = 0;
	uint64_t	celeb_out = 0;
	uint64_t   *edges;

	if (argc < 2)
	{
		fprintf(stderr, "usage: gen SCALE [EDGEFACTOR [SEED]]\n");
		return 2;
	}
	scale = atoi(argv[1]);
	if (argc > 2)
		edgefactor = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		seed = strtoull(argv[3], NULL, 10);
	if (scale < 2 || scale > 30)
	{
		fprintf(stderr, "gen: SCALE must be between 2 and 30\n");
		return 2;
	}
	n = UINT64_C(1) << scale;
	m = edgefactor * n;
	rng_state = seed;

	edges = malloc(sizeof(uint64_t) * m);
	if (edges == NULL)
	{
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}

	/* R-MAT: pick one quadrant per bit level. */
	for (uint64_t e = 0; e < m; e++)
	{
		uint64_t	u = 0;
		uint64_t	v = 0;

		for (int level = 0; level < scale; level++)
		{
			/* 53 random bits as a double in [0,1). */
			double		r = (double) (next_random() >> 11) * (1.0 / 9007199254740992.0);

			u <<= 1;
			v <<= 1;
			if (r < 0.57)
				;						/* a: top left */
			else if (r < 0.76)
				v |= 1;					/* b: top right */
			else if (r < 0.95)
				u |= 1;					/* c: bottom left */
			else
			{
				u |= 1;					/* d: bottom right */
				v |= 1;
			}
		}
		edges[e] = (u << 32) | v;
	}

	qsort(edges, m, sizeof(uint64_t), cmp_u64);
	for (uint64_t e = 0; e < m; e++)
	{
		uint64_t	u = edges[e] >> 32;
		uint64_t	v = edges[e] & 0xffffffffu;

		if (u == v || (e > 0 && edges[e] == edges[e - 1]))
			continue;
		emit(u, v, seed);
		kept++;
	}
	free(edges);

	/* The celebrity: vertex n. */
	for (uint64_t u = 0; u < n; u++)
	{
		uint64_t	h = hash64(u ^ (seed * 31));

		if (h & 1)
			continue;
		emit(u, n, seed);
		celeb_in++;
		if ((h >> 1) % 100 == 0)
		{
			emit(n, u, seed);
			celeb_out++;
		}
	}
	fwrite(outbuf, 1, outlen, stdout);
	fprintf(stderr, "gen: scale %d, %llu accounts, %llu R-MAT edges kept of %llu, celebrity %lld: %llu followers, follows %llu back\n",
			scale, (unsigned long long) (n + 1), (unsigned long long) kept,
			(unsigned long long) m, (long long) account_id(n),
			(unsigned long long) celeb_in, (unsigned long long) celeb_out);
	return 0;
}
