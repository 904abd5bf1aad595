/*
 * idset_fuzz.c
 *		libFuzzer harness for the idset codec (src/idset_format.c,
 *		src/idset_algebra.c, src/idset_simd.c and src/idset_count64.c),
 *		built without a server by test/fuzz/run.sh.
 *
 * The first input byte picks a target; the rest is the input:
 *	0  text input:  accepted text must canonicalise, print, re-parse to the
 *				  same values, and survive the stored and wire forms
 *	1  wire input:  accepted bytes must re-encode to exactly themselves and
 *				  survive the stored form
 *	2  stored form: arbitrary bytes through the validating decoder; what is
 *				  accepted must be canonical and re-encode to the same values
 *	3  set algebra: two sets built from the bytes; &, |, -, the galloping
 *				  path and the lower bound must agree with naive versions
 *	4  galloping:   a few elements against a large regular set
 *	5  streams:     multi-block sets shaped by the input; the block-streaming
 *				  and galloping intersections of stored forms must agree
 *				  with the array intersection
 *	6  nested:      a dense set and a subset, superset or shifted copy of it
 *				  (the shapes where one side is used up while the other
 *				  still has candidates), every intersection path against a
 *				  reference merge, plus union and difference
 *	7  widths:      a multi-block set whose blocks have a chosen bit width
 *				  (0 to 64) and length, decoded by the SIMD and the
 *				  portable kernels (identical values required), and
 *				  intersected with a thinned copy of itself
 * The last input byte's low bit picks the kernel (SIMD where the CPU has
 * it, or the portable code) for everything else the input runs, so both
 * are fuzzed; the stored-form decoders always compare the two.
 * Every output buffer is allocated with exactly the slots the contract in
 * idset.h promises (min(na, nb) for an intersection, na + nb for a union,
 * na for a difference), as the server's callers allocate them, so that
 * AddressSanitizer sees a write one slot past the end.  Any disagreement
 * aborts, which libFuzzer reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"

/* Abort with a message: libFuzzer records the input. */
#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "idset_fuzz: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort(); \
		} \
	} while (0)

/* The smaller of two sizes. */
static size_t
MinSize(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Exactly n values (malloc(0) for none, so any write is an overrun). */
static int64_t *
Slots(size_t n)
{
	int64_t    *p = malloc(n * sizeof(int64_t));

	CHECK(p != NULL || n == 0);
	return p;
}

/*
 * Decode every block of r with the SIMD kernel (where available) and with
 * the portable code: same result, same values.  Restores the kernel choice.
 */
static void
CheckKernels(const IdsetReader *r)
{
	bool		was = idset_use_avx2;

	for (uint32_t b = 0; b < r->nblocks && b < 256; b++)
	{
		int64_t		x[IDSET_BLOCK_SIZE];
		int64_t		y[IDSET_BLOCK_SIZE];
		int			nx;
		int			ny;

		IdsetSimdConfigure(true);
		nx = IdsetDecodeBlock(r, b, x);
		IdsetSimdConfigure(false);
		ny = IdsetDecodeBlock(r, b, y);
		CHECK(nx == ny && (nx <= 0 || memcmp(x, y, (size_t) nx * sizeof(int64_t)) == 0));
	}
	IdsetSimdConfigure(was);
}

/* The stored, wire and text forms of canonical values must round-trip. */
static void
CheckForms(const int64_t *v, size_t n)
{
	int			format;
	size_t		size = IdsetEncodedSize(v, n, &format);
	uint8_t    *stored = malloc(size);
	int64_t    *back = malloc((n + 1) * sizeof(int64_t));
	size_t		m;
	uint8_t    *wire = malloc(IdsetWireSize(n));
	char	   *text = malloc(IdsetTextLength(v, n) + 1);
	size_t		tlen;
	IdsetError	err;
	IdsetReader r;

	CHECK(IdsetEncode(v, n, stored) == size);
	CHECK(size <= IDSET_HEADER_SIZE + 8 * n);
	CHECK(IdsetDecode(stored, size, back, n, &m) == IDSET_OK);
	CHECK(m == n && (n == 0 || memcmp(back, v, n * sizeof(int64_t)) == 0));
	CHECK(IdsetReaderInit(&r, stored, size) == IDSET_OK && r.count == n);
	CheckKernels(&r);
	/* The galloping reader agrees with the merge on probes in and around v. */
	{
		int64_t		probe[64];
		int64_t		tmp[64];
		int64_t    *got;
		int64_t    *want;
		size_t		np = 0;
		size_t		kg;
		size_t		kw;

		for (size_t i = 0; i < n && np + 3 <= 64; i += 1 + n / 20)
		{
			probe[np++] = v[i];
			probe[np++] = (int64_t) ((uint64_t) v[i] + 1);
			probe[np++] = (int64_t) ((uint64_t) v[i] - 1);
		}
		probe[np++] = INT64_MIN;
		np = IdsetCanonicalize(probe, np, tmp);
		got = Slots(np);
		want = Slots(MinSize(np, n));
		kg = IdsetIntersectReader(probe, np, &r, got);
		kw = IdsetIntersect(probe, np, v, n, want);
		CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
		free(got);
		free(want);
	}
	/* A lying header must be caught. */
	if (n > 0)
	{
		stored[4] ^= 1;
		(void) IdsetDecode(stored, size, back, n + 1, &m);
		stored[4] ^= 1;
		CHECK(IdsetDecode(stored, size - 1, back, n, &m) != IDSET_OK);
	}

	IdsetWriteWire(v, n, wire);
	CHECK(IdsetParseWire(wire, IdsetWireSize(n), back, n, &m, &err) == IDSET_OK);
	CHECK(m == n && (n == 0 || memcmp(back, v, n * sizeof(int64_t)) == 0));

	tlen = IdsetFormatText(v, n, text);
	CHECK(tlen == strlen(text) && tlen == IdsetTextLength(v, n));
	{
		size_t		flen;

		CHECK(IdsetTextFits(v, n, &flen) && flen >= tlen && flen <= 21 * n + 2);
	}
	CHECK(IdsetParseText(text, tlen, back, IdsetTextMaxElements(text, tlen), &m, &err) == IDSET_OK);
	CHECK(m == n && (n == 0 || memcmp(back, v, n * sizeof(int64_t)) == 0));

	free(stored);
	free(back);
	free(wire);
	free(text);
}

/* Target 0: text input. */
static void
FuzzText(const uint8_t *data, size_t size)
{
	size_t		cap = IdsetTextMaxElements((const char *) data, size);
	int64_t    *v = malloc(cap * sizeof(int64_t));
	int64_t    *tmp = malloc(cap * sizeof(int64_t));
	size_t		n;
	IdsetError	err;

	if (IdsetParseText((const char *) data, size, v, cap, &n, &err) == IDSET_OK)
	{
		n = IdsetCanonicalize(v, n, tmp);
		CHECK(IdsetIsCanonical(v, n));
		CheckForms(v, n);
	}
	else
		CHECK(err.position >= 1 && err.position <= size + 1 && err.reason != NULL);
	free(v);
	free(tmp);
}

/* Target 1: wire input. */
static void
FuzzWire(const uint8_t *data, size_t size)
{
	size_t		cap = size / 8 + 1;
	int64_t    *v = malloc(cap * sizeof(int64_t));
	size_t		n;
	IdsetError	err;

	if (IdsetParseWire(data, size, v, cap, &n, &err) == IDSET_OK)
	{
		uint8_t    *wire = malloc(IdsetWireSize(n));

		CHECK(IdsetIsCanonical(v, n));
		IdsetWriteWire(v, n, wire);
		CHECK(IdsetWireSize(n) == size && memcmp(wire, data, size) == 0);
		free(wire);
		CheckForms(v, n);
	}
	free(v);
}

/* Target 2: the stored form, as if read from a damaged page. */
static void
FuzzStored(const uint8_t *data, size_t size)
{
	IdsetReader r;
	int64_t    *v;
	size_t		n;

	if (IdsetReaderInit(&r, data, size) != IDSET_OK)
		return;
	CheckKernels(&r);
	/*
	 * The whole-set 32-bit count stays in bounds on damaged blocks (its
	 * value is only checked for a value that decodes: a damaged one that
	 * passes the per-block checks may count anything, as the other count
	 * paths may).
	 */
	if (r.count > 0)
	{
		int64_t		base;
		uint32_t	limit;
		bool		bad = false;

		if (IdsetSpan32(&r, &r, &base, &limit, &bad))
		{
			uint32_t   *f1 = malloc(IdsetFlat32Slots(&r) * sizeof(uint32_t));
			uint32_t   *f2 = malloc(IdsetFlat32Slots(&r) * sizeof(uint32_t));
			int64_t    *all = malloc(((size_t) r.count + 1) * sizeof(int64_t));
			int64_t    *self = Slots(r.count);
			size_t		c = IdsetIntersectCountFlat32(&r, &r, base, limit, f1, f2);
			size_t		w = IdsetIntersectFlat32(&r, &r, base, limit, f1, f2, self);
			size_t		m;

			if (IdsetDecode(data, size, all, r.count, &m) == IDSET_OK)
				CHECK(c == r.count && w == r.count &&
					  memcmp(self, all, r.count * sizeof(int64_t)) == 0);
			else
				CHECK(w == SIZE_MAX || w <= r.count);
			free(self);
			free(all);
			free(f1);
			free(f2);
		}
	}
	/* Blocks alone must stay in bounds too. */
	for (uint32_t b = 0; b < r.nblocks && b < 64; b++)
	{
		int64_t		blk[IDSET_BLOCK_SIZE];

		(void) IdsetDecodeBlock(&r, b, blk);
	}
	{
		int64_t		probe[3] = {INT64_MIN, 0, INT64_MAX};
		int64_t    *got = Slots(3);

		(void) IdsetIntersectReader(probe, 3, &r, got);
		free(got);
	}
	v = malloc(((size_t) r.count + 1) * sizeof(int64_t));
	if (IdsetDecode(data, size, v, r.count, &n) == IDSET_OK)
	{
		CHECK(n == r.count && IdsetIsCanonical(v, n));
		CheckForms(v, n);
	}
	free(v);
}

static void CheckIntersections(const int64_t *a, size_t na, const int64_t *b,
							   size_t nb);

/* Naive membership for the algebra check. */
static bool
Member(const int64_t *v, size_t n, int64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Target 3: set algebra against naive definitions. */
static void
FuzzAlgebra(const uint8_t *data, size_t size)
{
	size_t		half;
	size_t		na;
	size_t		nb;
	int64_t    *a;
	int64_t    *b;
	int64_t    *tmp;
	int64_t    *out;
	int64_t    *uni;
	int64_t    *dif;
	size_t		k;
	int			stretch;
	static const int64_t scale[4] = {1, INT64_C(1) << 8, INT64_C(1) << 24, INT64_C(1) << 55};

	if (size < 2)
		return;
	stretch = data[0] % 4;		/* spread values so gaps vary */
	half = 1 + data[1] % (size - 1);
	data += 2;
	size -= 2;
	if (half > size)
		half = size;
	na = half;
	nb = size - half;
	a = malloc((na + 1) * sizeof(int64_t));
	b = malloc((nb + 1) * sizeof(int64_t));
	tmp = malloc((na + nb + 1) * sizeof(int64_t));
	for (size_t i = 0; i < na; i++)
		a[i] = ((int64_t) data[i] - 128) * scale[stretch];
	for (size_t i = 0; i < nb; i++)
		b[i] = ((int64_t) data[na + i] - 128) * scale[stretch];
	na = IdsetCanonicalize(a, na, tmp);
	nb = IdsetCanonicalize(b, nb, tmp);
	out = Slots(MinSize(na, nb));
	uni = Slots(na + nb);
	dif = Slots(na);

	k = IdsetIntersect(a, na, b, nb, out);
	CHECK(IdsetIsCanonical(out, k));
	for (size_t i = 0; i < k; i++)
		CHECK(Member(a, na, out[i]) && Member(b, nb, out[i]));
	for (size_t i = 0; i < na; i++)
		CHECK(Member(b, nb, a[i]) == Member(out, k, a[i]));

	/* The block-streaming intersection of the stored forms agrees. */
	if (na > 0 && nb > 0)
	{
		int			f;
		size_t		sa = IdsetEncodedSize(a, na, &f);
		size_t		sb = IdsetEncodedSize(b, nb, &f);
		uint8_t    *ea = malloc(sa);
		uint8_t    *eb = malloc(sb);
		int64_t    *o2 = Slots(MinSize(na, nb));
		IdsetReader ra;
		IdsetReader rb;
		size_t		k2;

		IdsetEncode(a, na, ea);
		IdsetEncode(b, nb, eb);
		CHECK(IdsetReaderInit(&ra, ea, sa) == IDSET_OK && IdsetReaderInit(&rb, eb, sb) == IDSET_OK);
		k2 = IdsetIntersectStored(&ra, &rb, o2);
		CHECK(k2 == k && (k == 0 || memcmp(o2, out, k * sizeof(int64_t)) == 0));
		k2 = IdsetIntersectStored(&rb, &ra, o2);
		CHECK(k2 == k && (k == 0 || memcmp(o2, out, k * sizeof(int64_t)) == 0));
		free(ea);
		free(eb);
		free(o2);
	}

	k = IdsetUnion(a, na, b, nb, uni);
	CHECK(IdsetIsCanonical(uni, k));
	for (size_t i = 0; i < k; i++)
		CHECK(Member(a, na, uni[i]) || Member(b, nb, uni[i]));
	CHECK(k >= na && k >= nb);

	k = IdsetDifference(a, na, b, nb, dif);
	CHECK(IdsetIsCanonical(dif, k));
	for (size_t i = 0; i < na; i++)
		CHECK(Member(dif, k, a[i]) == !Member(b, nb, a[i]));

	for (size_t i = 0; i < nb; i++)
	{
		size_t		pos = IdsetLowerBound(a, na, b[i]);

		CHECK(pos == na || a[pos] >= b[i]);
		CHECK(pos == 0 || a[pos - 1] < b[i]);
	}
	CheckForms(a, na);
	CheckIntersections(a, na, b, nb);
	free(a);
	free(b);
	free(tmp);
	free(out);
	free(uni);
	free(dif);
}

/* Galloping path: a few elements against a large generated set. */
static void
FuzzGallop(const uint8_t *data, size_t size)
{
	size_t		nb = 5000;
	int64_t    *b = malloc(nb * sizeof(int64_t));
	int64_t		a[16];
	int64_t    *out;
	int64_t		tmp[16];
	size_t		na = size < 16 ? size : 16;
	size_t		k;

	for (size_t i = 0; i < nb; i++)
		b[i] = (int64_t) i * 3;
	for (size_t i = 0; i < na; i++)
		a[i] = (int64_t) data[i] * 59;
	na = IdsetCanonicalize(a, na, tmp);
	out = Slots(MinSize(na, nb));
	k = IdsetIntersect(a, na, b, nb, out);
	for (size_t i = 0; i < na; i++)
		CHECK(Member(out, k, a[i]) == (a[i] % 3 == 0 && a[i] < 15000));
	free(out);
	free(b);
}

/* A small deterministic generator for FuzzStreams. */
static uint64_t
NextRandom(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *state >> 11;
}

/*
 * Target 5: two multi-block sets shaped by the input (sizes, densities,
 * offsets, runs): the block-streaming and galloping intersections of the
 * stored forms must agree with the array intersection.
 */
static void
FuzzStreams(const uint8_t *data, size_t size)
{
	uint64_t	state = 0x9E3779B97F4A7C15u;
	size_t		na;
	size_t		nb;
	int64_t    *v[2];
	size_t		n[2];
	uint8_t    *enc[2];
	size_t		sz[2];
	IdsetReader r[2];
	int64_t    *tmp;
	int64_t    *want;
	int64_t    *got;
	size_t		kw;
	size_t		kg;

	for (size_t i = 0; i < size; i++)
		state = (state ^ data[i]) * UINT64_C(1099511628211);
	na = 1 + NextRandom(&state) % 1200;
	nb = 1 + NextRandom(&state) % 1200;
	tmp = malloc((na + nb) * sizeof(int64_t));
	for (int s = 0; s < 2; s++)
	{
		size_t		len = s == 0 ? na : nb;
		uint64_t	gap = 1 + NextRandom(&state) % (s == 0 ? 300 : 600);
		int64_t		x = (int64_t) (NextRandom(&state) % 100000) - 50000;
		int			f;

		v[s] = malloc(len * sizeof(int64_t));
		for (size_t i = 0; i < len; i++)
		{
			/* Mostly small gaps, sometimes a jump that empties blocks. */
			uint64_t	step = NextRandom(&state) % 64 == 0 ? gap * 1000 : 1 + NextRandom(&state) % gap;

			x += (int64_t) step;
			v[s][i] = x;
		}
		n[s] = IdsetCanonicalize(v[s], len, tmp);
		sz[s] = IdsetEncodedSize(v[s], n[s], &f);
		enc[s] = malloc(sz[s]);
		IdsetEncode(v[s], n[s], enc[s]);
		CHECK(IdsetReaderInit(&r[s], enc[s], sz[s]) == IDSET_OK);
	}
	want = Slots(MinSize(n[0], n[1]));
	got = Slots(MinSize(n[0], n[1]));
	kw = IdsetIntersect(v[0], n[0], v[1], n[1], want);
	kg = IdsetIntersectStored(&r[0], &r[1], got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	kg = IdsetIntersectStored(&r[1], &r[0], got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	free(got);
	got = Slots(n[0]);
	kg = IdsetIntersectReader(v[0], n[0], &r[1], got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	for (int s = 0; s < 2; s++)
	{
		free(v[s]);
		free(enc[s]);
	}
	free(tmp);
	free(want);
	free(got);
}

/* Reference intersection: a plain merge into a roomy buffer. */
static size_t
NaiveIntersect(const int64_t *a, size_t na, const int64_t *b, size_t nb,
			   int64_t *out)
{
	size_t		i = 0;
	size_t		j = 0;
	size_t		k = 0;

	while (i < na && j < nb)
	{
		if (a[i] < b[j])
			i++;
		else if (b[j] < a[i])
			j++;
		else
		{
			out[k++] = a[i];
			i++;
			j++;
		}
	}
	return k;
}

/* Check every intersection path of two canonical sets with exact buffers. */
static void
CheckIntersections(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	size_t		cap = MinSize(na, nb);
	int64_t    *want = Slots(na + nb + 1);
	int64_t    *got = Slots(cap);
	size_t		kw = NaiveIntersect(a, na, b, nb, want);
	size_t		kg;
	int			f;
	size_t		sa = IdsetEncodedSize(a, na, &f);
	size_t		sb = IdsetEncodedSize(b, nb, &f);
	uint8_t    *ea = malloc(sa);
	uint8_t    *eb = malloc(sb);
	IdsetReader ra;
	IdsetReader rb;

	kg = IdsetIntersect(a, na, b, nb, got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	kg = IdsetIntersect(b, nb, a, na, got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	IdsetEncode(a, na, ea);
	IdsetEncode(b, nb, eb);
	CHECK(IdsetReaderInit(&ra, ea, sa) == IDSET_OK && IdsetReaderInit(&rb, eb, sb) == IDSET_OK);
	if (na > 0 && nb > 0)
	{
		kg = IdsetIntersectStored(&ra, &rb, got);
		CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
		kg = IdsetIntersectStored(&rb, &ra, got);
		CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
		/* Counting only (no output) takes the same paths. */
		CHECK(IdsetIntersectStoredCount(&ra, &rb) == kw);
		CHECK(IdsetIntersectStoredCount(&rb, &ra) == kw);
		/* By windows of blocks, two merges at once (sparse sets). */
		CHECK(IdsetIntersectCountWide(&ra, &rb) == kw);
		CHECK(IdsetIntersectCountWide(&rb, &ra) == kw);
		/* Decoded whole to 32-bit offsets, two halves at once. */
		{
			int64_t		base;
			uint32_t	limit;
			bool		bad = false;

			if (IdsetSpan32(&ra, &rb, &base, &limit, &bad))
			{
				uint32_t   *fa = malloc(IdsetFlat32Slots(&ra) * sizeof(uint32_t));
				uint32_t   *fb = malloc(IdsetFlat32Slots(&rb) * sizeof(uint32_t));

				int64_t    *ga = Slots(na);
				int64_t    *gb = Slots(nb);

				CHECK(IdsetIntersectCountFlat32(&ra, &rb, base, limit, fa, fb) == kw);
				CHECK(IdsetIntersectCountFlat32(&rb, &ra, base, limit, fb, fa) == kw);
				/* The same halves writing the intersection, into exactly ra->count slots. */
				kg = IdsetIntersectFlat32(&ra, &rb, base, limit, fa, fb, ga);
				CHECK(kg == kw && (kw == 0 || memcmp(ga, want, kw * sizeof(int64_t)) == 0));
				kg = IdsetIntersectFlat32(&rb, &ra, base, limit, fb, fa, gb);
				CHECK(kg == kw && (kw == 0 || memcmp(gb, want, kw * sizeof(int64_t)) == 0));
				free(ga);
				free(gb);
				free(fa);
				free(fb);
			}
			CHECK(!bad);
		}
	}
	free(got);
	got = Slots(na);
	kg = IdsetIntersectReader(a, na, &rb, got);
	CHECK(kg == kw && (kw == 0 || memcmp(got, want, kw * sizeof(int64_t)) == 0));
	free(got);
	/* Overlap: the early exits, into one slot. */
	CHECK(IdsetOverlap(a, na, b, nb) == (kw > 0));
	CHECK(IdsetOverlap(b, nb, a, na) == (kw > 0));
	got = Slots(1);
	kg = IdsetIntersectReaderLimit(a, na, &rb, got, 1);
	CHECK(kg == (kw > 0) && (kw == 0 || got[0] == want[0]));
	if (na > 0 && nb > 0)
	{
		kg = IdsetIntersectStoredLimit(&ra, &rb, got, 1);
		CHECK(kg == (kw > 0) && (kw == 0 || got[0] == want[0]));
		kg = IdsetIntersectStoredLimit(&rb, &ra, got, 1);
		CHECK(kg == (kw > 0) && (kw == 0 || got[0] == want[0]));
	}
	free(got);
	got = Slots(na + nb);
	kg = IdsetUnion(a, na, b, nb, got);
	CHECK(kg == na + nb - kw && IdsetIsCanonical(got, kg));
	free(got);
	got = Slots(na);
	kg = IdsetDifference(a, na, b, nb, got);
	CHECK(kg == na - kw && IdsetIsCanonical(got, kg));
	free(got);
	free(want);
	free(ea);
	free(eb);
}

/*
 * Target 6: a dense set b and a set a derived from it: a subset (every
 * s-th element of a run), a superset (b plus extra elements) or a copy
 * shifted by a few values, at sizes around the codec's thresholds (a
 * block, 1024, a window).  These are the shapes where one side runs out
 * while the other still has candidates in the same window.
 */
static void
FuzzNested(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {1, 2, 127, 128, 129, 1023, 1024, 1025,
	1500, 2000, 4096, 5000};
	uint64_t	state = 0x2545F4914F6CDD1Du;
	size_t		nb;
	size_t		na = 0;
	int64_t    *a;
	int64_t    *b;
	int64_t    *tmp;
	int64_t		x;
	int			shape;
	uint64_t	gap;

	if (size < 3)
		return;
	for (size_t i = 0; i < size; i++)
		state = (state ^ data[i]) * UINT64_C(1099511628211);
	nb = sizes[data[0] % 12] + (data[1] % 3) - 1;
	if (nb == 0)
		nb = 1;
	shape = data[2] % 3;
	gap = 1 + NextRandom(&state) % 4;
	x = (int64_t) (NextRandom(&state) % 200000) - 100000;
	if (data[1] & 0x80)
		x = INT64_MAX - (int64_t) (nb * 8);
	b = Slots(nb);
	a = Slots(2 * nb);
	tmp = Slots(2 * nb);
	for (size_t i = 0; i < nb; i++)
	{
		b[i] = x;
		x += (int64_t) (1 + (gap > 1 ? NextRandom(&state) % gap : 0));
	}
	if (shape == 0)
	{
		/* Subset: a run of b, thinned by a stride. */
		size_t		lo = NextRandom(&state) % nb;
		size_t		stride = 1 + NextRandom(&state) % 3;

		for (size_t i = lo; i < nb; i += stride)
			a[na++] = b[i];
	}
	else if (shape == 1)
	{
		/* Superset: b plus values in its gaps and past its ends. */
		for (size_t i = 0; i < nb; i++)
		{
			a[na++] = b[i];
			if (NextRandom(&state) % 4 == 0)
				a[na++] = (int64_t) ((uint64_t) b[i] - 1);
		}
		na = IdsetCanonicalize(a, na, tmp);
	}
	else
	{
		/* Shifted copy. */
		int64_t		d = (int64_t) (NextRandom(&state) % 5) - 2;

		for (size_t i = 0; i < nb; i++)
			if (b[i] <= INT64_MAX - 2 && b[i] >= INT64_MIN + 2)
				a[na++] = b[i] + d;
	}
	CHECK(IdsetIsCanonical(a, na));
	CheckIntersections(a, na, b, nb);
	CheckIntersections(b, nb, a, na);
	free(a);
	free(b);
	free(tmp);
}

/*
 * Target 7: blocks of a chosen width.  Gaps are drawn below 2^w with one
 * gap of exactly 2^w - 1 per block, so each block is packed at width w;
 * values start at the bottom of the range (or, with data[3]'s top bit, near
 * the top) and stop before they would pass the top.  CheckKernels() compares
 * the SIMD kernels (the AVX2 decoder to width 24, the unrolled wide decoder
 * for 25-56) with the portable loop block by block.
 */
static void
FuzzWidths(const uint8_t *data, size_t size)
{
	uint64_t	state = 0xD1B54A32D192ED03u;
	int			w;
	size_t		want;
	size_t		n = 0;
	size_t		na = 0;
	size_t		stride;
	int64_t    *v;
	int64_t    *a;
	uint64_t	x;
	int			f;
	size_t		sz;
	uint8_t    *enc;
	int64_t    *back;
	size_t		m;
	IdsetReader r;

	if (size < 4)
		return;
	for (size_t i = 0; i < size; i++)
		state = (state ^ data[i]) * UINT64_C(1099511628211);
	w = data[0] % 65;
	want = 1 + ((size_t) data[1] | (size_t) data[2] << 8) % 1500;
	stride = 1 + (data[3] & 0x7f) % 5;
	v = Slots(want);
	a = Slots(want);
	x = (uint64_t) (NextRandom(&state) % 1000);
	/*
	 * With data[3]'s top bit, start about 100 blocks' worth of full gaps
	 * below the top instead, so that the last blocks fail the decoders'
	 * no-overflow test and take the checked loop (the unrolled wide decoder
	 * of widths 25-56 runs only where that test passes); from width 51 on,
	 * full gaps reach the top from the bottom.
	 */
	if ((data[3] & 0x80) && w >= 1 && w <= 50)
		x = UINT64_MAX - ((UINT64_C(100) * IDSET_BLOCK_SIZE) << w) / 2 -
			NextRandom(&state) % 1000;
	for (size_t i = 0; i < want; i++)
	{
		uint64_t	mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
		uint64_t	gap = i % IDSET_BLOCK_SIZE == 1 ? mask :
			((NextRandom(&state) << 11) ^ NextRandom(&state)) & mask;

		if (i > 0)
		{
			if (gap >= UINT64_MAX - x)
				break;
			x += gap + 1;
		}
		v[n++] = (int64_t) (x ^ UINT64_C(0x8000000000000000));
	}
	sz = IdsetEncodedSize(v, n, &f);
	enc = malloc(sz);
	back = Slots(n);
	IdsetEncode(v, n, enc);
	CHECK(IdsetReaderInit(&r, enc, sz) == IDSET_OK && r.count == n);
	CheckKernels(&r);
	CHECK(IdsetDecode(enc, sz, back, n, &m) == IDSET_OK && m == n &&
		  memcmp(back, v, n * sizeof(int64_t)) == 0);
	for (size_t i = 0; i < n; i += stride)
		a[na++] = v[i];
	CheckIntersections(a, na, v, n);
	CheckIntersections(v, n, a, na);
	free(v);
	free(a);
	free(enc);
	free(back);
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	IdsetSimdConfigure((data[size - 1] & 1) == 0);
	switch (data[0] % 8)
	{
		case 0:
			FuzzText(data + 1, size - 1);
			break;
		case 1:
			FuzzWire(data + 1, size - 1);
			break;
		case 2:
			FuzzStored(data + 1, size - 1);
			break;
		case 3:
			FuzzAlgebra(data + 1, size - 1);
			break;
		case 4:
			FuzzGallop(data + 1, size - 1);
			break;
		case 5:
			FuzzStreams(data + 1, size - 1);
			break;
		case 6:
			FuzzNested(data + 1, size - 1);
			break;
		case 7:
			FuzzWidths(data + 1, size - 1);
			break;
	}
	return 0;
}
