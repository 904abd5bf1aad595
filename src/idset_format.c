/*
 * idset_format.c
 *		The idset formats: text parsing and printing, the stored form (block
 *		directory plus delta varints), the wire form, and the canonical
 *		sorting that every constructor goes through.  The set algebra on
 *		these forms is in idset_algebra.c.
 *
 * Plain C with no allocation: callers pass buffers sized by the helpers
 * here or by the output-size contract stated in idset.h.  Every reader is
 * bounds-checked and reports malformed input instead of trusting it, so the
 * same code serves the server and the fuzz harness in test/fuzz.  In the
 * server it uses only Assert and CHECK_FOR_INTERRUPTS, through the
 * IDSET_ASSERT and IDSET_CHECK_INTERRUPTS hooks; test/fuzz builds it with
 * -DIDSET_STANDALONE and no PostgreSQL headers.
 */
#ifndef IDSET_STANDALONE
#include "postgres.h"
#include "miscadmin.h"
#endif

#include <string.h>

#include "idset.h"
#include "idset_int.h"

/* Read and write native-order integers at any alignment. */
static inline uint32_t
LoadU32(const uint8_t *p)
{
	uint32_t	x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Load an int64 stored at any alignment. */
static inline int64_t
LoadI64(const uint8_t *p)
{
	int64_t		x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Bits needed to hold x (0 for 0). */
static inline int
BitWidth(uint64_t x)
{
	return x == 0 ? 0 : 64 - __builtin_clzll(x);
}

/* Bytes of k values packed at w bits each. */
static inline size_t
PackedBytes(size_t k, int w)
{
	return (k * (size_t) w + 7) / 8;
}

/* Number of values in block b of a set of count values. */
static inline size_t
BlockLength(size_t count, size_t b)
{
	size_t		lo = b * IDSET_BLOCK_SIZE;

	return count - lo < IDSET_BLOCK_SIZE ? count - lo : IDSET_BLOCK_SIZE;
}

/* Largest gap (v[i] - v[i-1] - 1) inside the block starting at lo. */
static inline uint64_t
BlockMaxGap(const int64_t *v, size_t lo, size_t k)
{
	uint64_t	m = 0;

	for (size_t i = lo + 1; i < lo + k; i++)
	{
		uint64_t	d = (uint64_t) v[i] - (uint64_t) v[i - 1] - 1;

		m = d > m ? d : m;
	}
	return m;
}

/*
 * Whitespace accepted around elements and braces (the C locale's).
 */
static inline bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
		c == '\f';
}

/*
 * Upper bound on the number of elements of a text value: one more than its
 * commas.
 */
size_t
IdsetTextMaxElements(const char *s, size_t len)
{
	size_t		n = 1;

	for (size_t lo = 0; lo < len; lo = StrideEnd(lo, len))
	{
		size_t		hi = StrideEnd(lo, len);

		IDSET_CHECK_INTERRUPTS();
		for (size_t i = lo; i < hi; i++)
			n += (s[i] == ',');
	}
	return n;
}

/*
 * Always true; checks for interrupts once per IDSET_INTERRUPT_STRIDE bytes,
 * so that runs of spaces or leading zeros as long as the input (up to 1 GB)
 * can be cancelled.
 */
static inline bool
Tick(size_t i)
{
	if (i % IDSET_INTERRUPT_STRIDE == 0)
		IDSET_CHECK_INTERRUPTS();
	return true;
}

/* Record a parse failure at a 0-based offset. */
static IdsetStatus
ParseFail(IdsetError *err, IdsetStatus st, size_t offset, const char *reason)
{
	if (err)
	{
		err->status = st;
		err->position = offset + 1;
		err->reason = reason;
	}
	return st;
}

/*
 * Parse "{a,b,...}" into out[] in input order (not canonical).  cap must be
 * at least IdsetTextMaxElements().  Whitespace is allowed around braces and
 * elements; elements are optionally signed decimal integers.
 */
IdsetStatus
IdsetParseText(const char *s, size_t len, int64_t *out, size_t cap,
			   size_t *n, IdsetError *err)
{
	size_t		i = 0;
	size_t		count = 0;

	*n = 0;
	while (i < len && IsSpace(s[i]) && Tick(i))
		i++;
	if (i >= len)
		return ParseFail(err, IDSET_ERR_SYNTAX, i, "Expected \"{\"");
	if (s[i] != '{')
		return ParseFail(err, IDSET_ERR_SYNTAX, i, "Expected \"{\"");
	i++;
	while (i < len && IsSpace(s[i]) && Tick(i))
		i++;
	if (i < len && s[i] == '}')
		i++;
	else
	{
		for (;;)
		{
			bool		neg = false;
			uint64_t	mag = 0;
			uint64_t	limit;
			size_t		start;

			if (count % IDSET_INTERRUPT_STRIDE == 0)
				IDSET_CHECK_INTERRUPTS();
			while (i < len && IsSpace(s[i]) && Tick(i))
				i++;
			start = i;
			if (i < len && (s[i] == '-' || s[i] == '+'))
			{
				neg = (s[i] == '-');
				i++;
			}
			if (i >= len)
				return ParseFail(err, IDSET_ERR_SYNTAX, i,
								 "Unexpected end of input");
			if (s[i] < '0' || s[i] > '9')
				return ParseFail(err, IDSET_ERR_SYNTAX, i,
								 s[i] == ',' || s[i] == '}' ?
								 "Missing element" : "Expected a digit");
			limit = neg ? UINT64_C(0x8000000000000000) :
				UINT64_C(0x7FFFFFFFFFFFFFFF);
			while (i < len && s[i] >= '0' && s[i] <= '9' && Tick(i))
			{
				uint64_t	d = (uint64_t) (s[i] - '0');

				if (mag > (limit - d) / 10)
					return ParseFail(err, IDSET_ERR_RANGE, start,
									 "Value out of range for type bigint");
				mag = mag * 10 + d;
				i++;
			}
			if (count >= cap)
				return ParseFail(err, IDSET_ERR_SYNTAX, start,
								 "Too many elements");
			if (count >= IDSET_MAX_ELEMENTS)
				return ParseFail(err, IDSET_ERR_TOO_MANY, start,
								 "Too many elements");
			out[count++] = neg ? (int64_t) (UINT64_C(0) - mag) : (int64_t) mag;
			while (i < len && IsSpace(s[i]) && Tick(i))
				i++;
			if (i >= len)
				return ParseFail(err, IDSET_ERR_SYNTAX, i,
								 "Unexpected end of input");
			if (s[i] == '}')
			{
				i++;
				break;
			}
			if (s[i] != ',')
				return ParseFail(err, IDSET_ERR_SYNTAX, i,
								 "Expected \",\" or \"}\"");
			i++;
		}
	}
	while (i < len && IsSpace(s[i]) && Tick(i))
		i++;
	if (i < len)
		return ParseFail(err, IDSET_ERR_SYNTAX, i,
						 "Junk after closing brace");
	*n = count;
	return IDSET_OK;
}

/*
 * Are the values strictly ascending (the canonical form)?
 */
bool
IdsetIsCanonical(const int64_t *v, size_t n)
{
	for (size_t lo = 1; lo < n; lo = StrideEnd(lo, n))
	{
		size_t		hi = StrideEnd(lo, n);

		IDSET_CHECK_INTERRUPTS();
		for (size_t i = lo; i < hi; i++)
			if (v[i - 1] >= v[i])
				return false;
	}
	return true;
}

/*
 * Sort ascending and drop duplicates in place; returns the new count.
 * Already-sorted input costs one pass; otherwise an LSD radix sort on the
 * order-preserving unsigned image, skipping byte positions where all keys
 * agree.  tmp must hold n values.
 */
size_t
IdsetCanonicalize(int64_t *v, size_t n, int64_t *tmp)
{
	bool		sorted = true;
	size_t		kept;

	for (size_t lo = 1; lo < n && sorted; lo = StrideEnd(lo, n))
	{
		size_t		hi = StrideEnd(lo, n);

		IDSET_CHECK_INTERRUPTS();
		for (size_t i = lo; i < hi; i++)
			if (v[i - 1] > v[i])
			{
				sorted = false;
				break;
			}
	}
	if (!sorted)
	{
		int64_t    *src = v;
		int64_t    *dst = tmp;

		for (int shift = 0; shift < 64; shift += 8)
		{
			size_t		counts[256] = {0};
			size_t		pos = 0;
			uint8_t		first = (uint8_t) (IDSET_FLIP(src[0]) >> shift);
			bool		same = true;

			for (size_t lo = 0; lo < n; lo = StrideEnd(lo, n))
			{
				size_t		hi = StrideEnd(lo, n);

				IDSET_CHECK_INTERRUPTS();
				for (size_t i = lo; i < hi; i++)
				{
					uint8_t		k = (uint8_t) (IDSET_FLIP(src[i]) >> shift);

					counts[k]++;
					same &= (k == first);
				}
			}
			if (same)
				continue;
			for (int k = 0; k < 256; k++)
			{
				size_t		c = counts[k];

				counts[k] = pos;
				pos += c;
			}
			for (size_t lo = 0; lo < n; lo = StrideEnd(lo, n))
			{
				size_t		hi = StrideEnd(lo, n);

				IDSET_CHECK_INTERRUPTS();
				for (size_t i = lo; i < hi; i++)
					dst[counts[(uint8_t) (IDSET_FLIP(src[i]) >> shift)]++] = src[i];
			}
			{
				int64_t    *t = src;

				src = dst;
				dst = t;
			}
		}
		if (src != v)
			memcpy(v, src, n * sizeof(int64_t));
	}
	kept = n > 0 ? 1 : 0;
	for (size_t lo = 1; lo < n; lo = StrideEnd(lo, n))
	{
		size_t		hi = StrideEnd(lo, n);

		IDSET_CHECK_INTERRUPTS();
		for (size_t i = lo; i < hi; i++)
			if (v[i] != v[kept - 1])
				v[kept++] = v[i];
	}
	IDSET_ASSERT(kept <= n);
	return kept;
}

/*
 * Size of the stored form of canonical values (without varlena header),
 * and which format the encoder will use.
 */
size_t
IdsetEncodedSize(const int64_t *v, size_t n, int *format)
{
	size_t		raw = IDSET_HEADER_SIZE + n * sizeof(int64_t);
	size_t		nblocks = (n + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
	size_t		blocked = IDSET_HEADER_SIZE + nblocks * IDSET_BLOCK_DIR_SIZE;

	for (size_t b = 0; b < nblocks && blocked < raw; b++)
	{
		size_t		k = BlockLength(n, b);

		if (b % (IDSET_INTERRUPT_STRIDE / IDSET_BLOCK_SIZE) == 0)
			IDSET_CHECK_INTERRUPTS();

		blocked += PackedBytes(k - 1, BitWidth(BlockMaxGap(v, b * IDSET_BLOCK_SIZE, k)));
	}
	if (blocked < raw)
	{
		*format = IDSET_FORMAT_BLOCKED;
		return blocked;
	}
	*format = IDSET_FORMAT_RAW;
	return raw;
}

/*
 * Pack the gaps of one block at w bits each into out (PackedBytes()
 * bytes), little-endian bit order.
 */
static void
PackBlock(const int64_t *v, size_t k, int w, uint8_t *out)
{
	uint8_t		buf[IDSET_BLOCK_SIZE * 8 + 16];
	size_t		nbytes = PackedBytes(k - 1, w);

	if (w == 0)
		return;
	memset(buf, 0, nbytes + 16);
	for (size_t i = 1; i < k; i++)
	{
		uint64_t	d = (uint64_t) v[i] - (uint64_t) v[i - 1] - 1;
		size_t		bit = (i - 1) * (size_t) w;
		size_t		byte = bit >> 3;
		int			shift = (int) (bit & 7);
		uint64_t	word;

		memcpy(&word, buf + byte, 8);
		word |= d << shift;
		memcpy(buf + byte, &word, 8);
		if (shift > 0 && w + shift > 64)
			buf[byte + 8] |= (uint8_t) (d >> (64 - shift));
	}
	memcpy(out, buf, nbytes);
}

/*
 * Write the stored form of canonical values; out must hold
 * IdsetEncodedSize() bytes.  Returns the bytes written.
 */
size_t
IdsetEncode(const int64_t *v, size_t n, uint8_t *out)
{
	int			format;
	size_t		size = IdsetEncodedSize(v, n, &format);
	uint32_t	count = (uint32_t) n;

	out[0] = IDSET_VERSION;
	out[1] = (uint8_t) format;
	out[2] = 0;
	out[3] = 0;
	memcpy(out + 4, &count, sizeof(count));
	if (format == IDSET_FORMAT_RAW)
	{
		if (n > 0)
			memcpy(out + IDSET_HEADER_SIZE, v, n * sizeof(int64_t));
	}
	else
	{
		size_t		nblocks = (n + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
		uint8_t    *firsts = out + IDSET_HEADER_SIZE;
		uint8_t    *ends = firsts + nblocks * sizeof(int64_t);
		uint8_t    *widths = ends + nblocks * sizeof(uint32_t);
		uint8_t    *packed = widths + nblocks;
		size_t		pos = 0;

		for (size_t b = 0; b < nblocks; b++)
		{
			size_t		lo = b * IDSET_BLOCK_SIZE;
			size_t		k = BlockLength(n, b);
			int			w = BitWidth(BlockMaxGap(v, lo, k));
			uint32_t	end;

			if (b % (IDSET_INTERRUPT_STRIDE / IDSET_BLOCK_SIZE) == 0)
				IDSET_CHECK_INTERRUPTS();

			memcpy(firsts + b * sizeof(int64_t), &v[lo], sizeof(int64_t));
			PackBlock(v + lo, k, w, packed + pos);
			pos += PackedBytes(k - 1, w);
			end = (uint32_t) pos;
			memcpy(ends + b * sizeof(uint32_t), &end, sizeof(end));
			widths[b] = (uint8_t) w;
		}
	}
	return size;
}

/*
 * The cardinality from the first IDSET_HEADER_SIZE bytes of a stored value.
 */
bool
IdsetPeekCount(const uint8_t *buf, size_t len, uint32_t *count)
{
	if (len < IDSET_HEADER_SIZE || buf[0] != IDSET_VERSION)
		return false;
	*count = LoadU32(buf + 4);
	return true;
}

/*
 * Check the header of a stored value and prepare block access.  O(1): each
 * block's offsets and width are checked when it is decoded, and the order
 * across blocks by IdsetDecode(), so a skewed intersection never walks the
 * directory.
 */
IdsetStatus
IdsetReaderInit(IdsetReader *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	if (len < IDSET_HEADER_SIZE || buf[0] != IDSET_VERSION ||
		buf[2] != 0 || buf[3] != 0)
		return IDSET_ERR_CORRUPT;
	r->buf = buf;
	r->len = len;
	r->count = LoadU32(buf + 4);
	r->format = buf[1];
	if (r->count > IDSET_MAX_ELEMENTS)
		return IDSET_ERR_CORRUPT;
	r->nblocks = (r->count + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
	r->firsts = buf + IDSET_HEADER_SIZE;
	if (r->format == IDSET_FORMAT_RAW)
	{
		if (len != IDSET_HEADER_SIZE + (size_t) r->count * sizeof(int64_t))
			return IDSET_ERR_CORRUPT;
	}
	else if (r->format == IDSET_FORMAT_BLOCKED)
	{
		size_t		dir = (size_t) r->nblocks * IDSET_BLOCK_DIR_SIZE;

		if (r->count == 0 || len - IDSET_HEADER_SIZE < dir)
			return IDSET_ERR_CORRUPT;
		r->ends = r->firsts + (size_t) r->nblocks * sizeof(int64_t);
		r->widths = r->ends + (size_t) r->nblocks * sizeof(uint32_t);
		r->packed = r->widths + r->nblocks;
		r->packed_len = len - IDSET_HEADER_SIZE - dir;
		if (LoadU32(r->ends + (size_t) (r->nblocks - 1) * sizeof(uint32_t)) != r->packed_len)
			return IDSET_ERR_CORRUPT;
	}
	else
		return IDSET_ERR_CORRUPT;
	return IDSET_OK;
}

/*
 * IdsetReaderInit() for a blocked value held in two pieces: its header and
 * directory at head (headlen bytes) and its packed gaps at packed
 * (packed_len bytes), as idset_stream.c reads them.  The same checks.
 */
IdsetStatus
IdsetReaderInitSplit(IdsetReader *r, const uint8_t *head, size_t headlen,
					 const uint8_t *packed, size_t packed_len)
{
	memset(r, 0, sizeof(*r));
	if (headlen < IDSET_HEADER_SIZE || head[0] != IDSET_VERSION ||
		head[1] != IDSET_FORMAT_BLOCKED || head[2] != 0 || head[3] != 0)
		return IDSET_ERR_CORRUPT;
	r->count = LoadU32(head + 4);
	if (r->count == 0 || r->count > IDSET_MAX_ELEMENTS)
		return IDSET_ERR_CORRUPT;
	r->format = IDSET_FORMAT_BLOCKED;
	r->nblocks = (r->count + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
	if (headlen != IDSET_HEADER_SIZE + (size_t) r->nblocks * IDSET_BLOCK_DIR_SIZE)
		return IDSET_ERR_CORRUPT;
	r->buf = head;
	r->len = headlen + packed_len;
	r->firsts = head + IDSET_HEADER_SIZE;
	r->ends = r->firsts + (size_t) r->nblocks * sizeof(int64_t);
	r->widths = r->ends + (size_t) r->nblocks * sizeof(uint32_t);
	r->packed = packed;
	r->packed_len = packed_len;
	if (LoadU32(r->ends + (size_t) (r->nblocks - 1) * sizeof(uint32_t)) != packed_len)
		return IDSET_ERR_CORRUPT;
	return IDSET_OK;
}

/*
 * First value of block b.
 */
int64_t
IdsetBlockFirst(const IdsetReader *r, uint32_t b)
{
	if (r->format == IDSET_FORMAT_RAW)
		return LoadI64(r->firsts + (size_t) b * IDSET_BLOCK_SIZE * sizeof(int64_t));
	return LoadI64(r->firsts + (size_t) b * sizeof(int64_t));
}

/*
 * Gaps k - 1 .. of a block packed at a compile-time width w: out[i] =
 * out[0] + the sum of the first i gaps plus i, in unsigned arithmetic (the
 * stored order flips the sign bit, which adding leaves alone).  Eight gaps
 * fill exactly w bytes, so each group of eight is eight unaligned loads at
 * constant offsets from one pointer, shifted and masked by constants; the
 * only chain between gaps is the running sum.  Reads up to 8 bytes past the
 * packed gaps (the caller's padding); the caller has checked that no gap can
 * climb past the top.
 */
static inline __attribute__((always_inline)) void
DecodeGapsWide(const uint8_t *src, const int w, int k, int64_t *out)
{
	const uint64_t mask = (UINT64_C(1) << w) - 1;
	uint64_t	v = (uint64_t) out[0];
	int			groups = (k - 1) / 8;
	int			i = 1;

	for (int g = 0; g < groups; g++, i += 8)
	{
		const uint8_t *p = src + (size_t) g * (size_t) w;
		uint64_t	run[8];
		uint64_t	acc = 0;

		/*
		 * The group's own running sums first, then each added to v: the
		 * chain from one group to the next is one add, not one per gap (a
		 * three-part lea, two cycles on Zen, per gap before).
		 */
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
		{
			uint64_t	word;

			memcpy(&word, p + ((j * w) >> 3), 8);
			acc += ((word >> ((j * w) & 7)) & mask) + 1;
			run[j] = acc;
		}
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			out[i + j] = (int64_t) (v + run[j]);
		v += acc;
	}
	for (; i < k; i++)
	{
		size_t		bit = (size_t) (i - 1) * (size_t) w;
		uint64_t	word;

		memcpy(&word, src + (bit >> 3), 8);
		v += ((word >> (bit & 7)) & mask) + 1;
		out[i] = (int64_t) v;
	}
}

/* DecodeGapsWide() instantiated for each w from IDSET_WIDE_MIN to 56. */
#define IDSET_WIDE_MIN	25
#define WIDE_CASE(n)	case n: DecodeGapsWide(src, n, k, out); return true
static bool
DecodeGapsWideSwitch(const uint8_t *src, int w, int k, int64_t *out)
{
	switch (w)
	{
			WIDE_CASE(25); WIDE_CASE(26); WIDE_CASE(27); WIDE_CASE(28);
			WIDE_CASE(29); WIDE_CASE(30); WIDE_CASE(31); WIDE_CASE(32);
			WIDE_CASE(33); WIDE_CASE(34); WIDE_CASE(35); WIDE_CASE(36);
			WIDE_CASE(37); WIDE_CASE(38); WIDE_CASE(39); WIDE_CASE(40);
			WIDE_CASE(41); WIDE_CASE(42); WIDE_CASE(43); WIDE_CASE(44);
			WIDE_CASE(45); WIDE_CASE(46); WIDE_CASE(47); WIDE_CASE(48);
			WIDE_CASE(49); WIDE_CASE(50); WIDE_CASE(51); WIDE_CASE(52);
			WIDE_CASE(53); WIDE_CASE(54); WIDE_CASE(55); WIDE_CASE(56);
		default:
			return false;
	}
}
#undef WIDE_CASE

/*
 * Decode block b into out (IDSET_BLOCK_SIZE slots); returns its number of
 * values, or -1 if the block is malformed.  The packed gaps are read in
 * place when at least IDSET_SIMD_PAD bytes follow them in the value, else
 * from a padded local copy, so every unpack is one unaligned load with no
 * bounds test; the loop has no data-dependent branch.  Blocks of width 1 to
 * IDSET_SIMD_MAX_WIDTH go through the AVX2 kernel when it is enabled.
 */
int
IdsetDecodeBlock(const IdsetReader *r, uint32_t b, int64_t *out)
{
	size_t		lo = (size_t) b * IDSET_BLOCK_SIZE;
	int			k = (int) BlockLength(r->count, b);
	uint8_t		buf[IDSET_BLOCK_SIZE * 8 + IDSET_SIMD_PAD];
	const uint8_t *src;
	uint32_t	start;
	uint32_t	end;
	int			w;
	uint64_t	mask;
	uint64_t	prev;
	uint64_t	room;
	uint64_t	sum = 0;

	if (r->format == IDSET_FORMAT_RAW)
	{
		memcpy(out, r->firsts + lo * sizeof(int64_t), (size_t) k * sizeof(int64_t));
		return k;
	}
	start = b == 0 ? 0 : LoadU32(r->ends + (size_t) (b - 1) * sizeof(uint32_t));
	end = LoadU32(r->ends + (size_t) b * sizeof(uint32_t));
	w = r->widths[b];
	if (w > 64 || start > end || end > r->packed_len ||
		end - start != PackedBytes((size_t) k - 1, w))
		return -1;
	out[0] = IdsetBlockFirst(r, b);
	prev = IDSET_FLIP(out[0]);
	room = UINT64_MAX - prev;	/* how far the block may climb */
	if (w == 0)
	{
		if ((uint64_t) (k - 1) > room)
			return -1;
		for (int i = 1; i < k; i++)
			out[i] = out[i - 1] + 1;
		return k;
	}
	/* Read in place when padding follows, else from a padded copy. */
	if ((size_t) end + IDSET_SIMD_PAD <= r->packed_len)
		src = r->packed + start;
	else
	{
		memcpy(buf, r->packed + start, end - start);
		memset(buf + (end - start), 0, IDSET_SIMD_PAD);
		src = buf;
	}
	mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
	if (w <= 56 && ((uint64_t) (k - 1) << w) <= room)
	{
		/* Common case: no gap can spill a load or overflow the block. */
#if IDSET_HAVE_AVX2
		if (idset_use_avx2 && w <= IDSET_SIMD_MAX_WIDTH)
		{
			IdsetDecodeGapsAvx2(src, w, k, out[0], out);
			return k;
		}
#endif
		/* Wide gaps (sparse ids): unrolled per width, with the fast kernels. */
		if (idset_use_avx2 && w >= IDSET_WIDE_MIN &&
			DecodeGapsWideSwitch(src, w, k, out))
			return k;
		for (int i = 1; i < k; i++)
		{
			size_t		bit = (size_t) (i - 1) * (size_t) w;
			uint64_t	word;

			memcpy(&word, src + (bit >> 3), 8);
			sum += ((word >> (bit & 7)) & mask) + 1;
			out[i] = (int64_t) IDSET_FLIP(prev + sum);
		}
		return k;
	}
	for (int i = 1; i < k; i++)
	{
		size_t		bit = (size_t) (i - 1) * (size_t) w;
		int			shift = (int) (bit & 7);
		uint64_t	word;
		uint64_t	d;

		memcpy(&word, src + (bit >> 3), 8);
		d = word >> shift;
		if (w + shift > 64)
			d |= (uint64_t) src[(bit >> 3) + 8] << (64 - shift);
		d &= mask;
		/* The next value is prev + d + 1; it must not pass the top. */
		if (d >= room - sum)
			return -1;
		sum += d + 1;
		out[i] = (int64_t) IDSET_FLIP(prev + sum);
	}
	return k;
}

/*
 * Decode block b as 32-bit offsets from base into out (IDSET_BLOCK_SIZE +
 * IDSET_DECODE32_SLACK slots; those past the block's values may be
 * overwritten): out[i] = value i - base; *lastp = the last of them.  Returns its number of values, or -1 if
 * the block is malformed or holds a value outside [base, base + limit].
 * Blocks of width 1 to IDSET_SIMD_MAX_WIDTH decode straight to offsets
 * with AVX2 when it is enabled; the others go through IdsetDecodeBlock().
 */
int
IdsetDecodeBlock32(const IdsetReader *r, uint32_t b, int64_t base,
				   uint32_t limit, uint32_t *out, uint32_t *lastp)
{
	int64_t		vals[IDSET_BLOCK_SIZE];
	int			k;
	uint64_t	lo = IDSET_FLIP(base);

#if IDSET_HAVE_AVX2
	if (idset_use_avx2 && r->format == IDSET_FORMAT_BLOCKED)
	{
		uint32_t	start = b == 0 ? 0 : LoadU32(r->ends + (size_t) (b - 1) * sizeof(uint32_t));
		uint32_t	end = LoadU32(r->ends + (size_t) b * sizeof(uint32_t));
		int			w = r->widths[b];
		uint64_t	rel = IDSET_FLIP(IdsetBlockFirst(r, b)) - lo;

		k = (int) BlockLength(r->count, b);
		if (w >= 1 && w <= IDSET_SIMD_MAX_WIDTH && rel <= limit &&
			start <= end && end <= r->packed_len &&
			end - start == PackedBytes((size_t) k - 1, w))
		{
			uint8_t		buf[IDSET_BLOCK_SIZE * 8 + IDSET_SIMD_PAD];
			const uint8_t *src;
			uint32_t	last;

			if ((size_t) end + IDSET_SIMD_PAD <= r->packed_len)
				src = r->packed + start;
			else
			{
				memcpy(buf, r->packed + start, end - start);
				memset(buf + (end - start), 0, IDSET_SIMD_PAD);
				src = buf;
			}
			out[0] = (uint32_t) rel;
			last = IdsetDecodeGapsAvx2U32(src, w, k, (uint32_t) rel, out);

			/*
			 * The block climbs by less than 2^31 (127 gaps below 2^24), so it
			 * wrapped past 2^32 exactly when it ends below its start.
			 */
			if (last < (uint32_t) rel || last > limit)
				return -1;
			*lastp = last;
			return k;
		}
	}
#endif
	k = IdsetDecodeBlock(r, b, vals);
	if (k <= 0 || IDSET_FLIP(vals[0]) < lo ||
		IDSET_FLIP(vals[k - 1]) - lo > limit)
		return -1;
	for (int i = 0; i < k; i++)
		out[i] = (uint32_t) (IDSET_FLIP(vals[i]) - lo);
	*lastp = out[k - 1];
	return k;
}

/*
 * Decode and fully validate a stored value into out (cap values).
 */
IdsetStatus
IdsetDecode(const uint8_t *buf, size_t len, int64_t *out, size_t cap,
			size_t *n)
{
	IdsetReader r;
	IdsetStatus st;

	*n = 0;
	if ((st = IdsetReaderInit(&r, buf, len)) != IDSET_OK)
		return st;
	if (r.count > cap)
		return IDSET_ERR_CORRUPT;
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		size_t		lo = (size_t) b * IDSET_BLOCK_SIZE;

		if (b % (IDSET_INTERRUPT_STRIDE / IDSET_BLOCK_SIZE) == 0)
			IDSET_CHECK_INTERRUPTS();
		if (IdsetDecodeBlock(&r, b, out + lo) < 0)
			return IDSET_ERR_CORRUPT;
	}
	if (!IdsetIsCanonical(out, r.count))
		return IDSET_ERR_CORRUPT;
	*n = r.count;
	return IDSET_OK;
}

/* Big-endian loads for the wire form. */
static inline uint64_t
LoadBE64(const uint8_t *p)
{
	uint64_t	x = 0;

	for (int i = 0; i < 8; i++)
		x = (x << 8) | p[i];
	return x;
}

/*
 * Parse the wire form: version, int32 count, count ascending int64 values,
 * nothing after them.
 */
IdsetStatus
IdsetParseWire(const uint8_t *buf, size_t len, int64_t *out, size_t cap,
			   size_t *n, IdsetError *err)
{
	uint32_t	count;

	*n = 0;
	if (len < IDSET_WIRE_HEADER_SIZE)
		return ParseFail(err, IDSET_ERR_CORRUPT, len, "Truncated header");
	if (buf[0] != IDSET_WIRE_VERSION)
		return ParseFail(err, IDSET_ERR_CORRUPT, 0, "Unsupported version");
	count = ((uint32_t) buf[1] << 24) | ((uint32_t) buf[2] << 16) |
		((uint32_t) buf[3] << 8) | buf[4];
	if (count > IDSET_MAX_ELEMENTS)
		return ParseFail(err, IDSET_ERR_TOO_MANY, 1, "Too many elements");
	if ((len - IDSET_WIRE_HEADER_SIZE) / 8 < count)
		return ParseFail(err, IDSET_ERR_CORRUPT, len,
						 "Fewer elements than the count says");
	if (len - IDSET_WIRE_HEADER_SIZE != (size_t) count * 8)
		return ParseFail(err, IDSET_ERR_CORRUPT,
						 IDSET_WIRE_HEADER_SIZE + (size_t) count * 8,
						 "Trailing bytes after the elements");
	if (count > cap)
		return ParseFail(err, IDSET_ERR_CORRUPT, 1, "Too many elements");
	for (uint32_t i = 0; i < count; i++)
	{
		size_t		off = IDSET_WIRE_HEADER_SIZE + (size_t) i * 8;

		if (i % IDSET_INTERRUPT_STRIDE == 0)
			IDSET_CHECK_INTERRUPTS();
		out[i] = (int64_t) LoadBE64(buf + off);
		if (i > 0 && out[i] <= out[i - 1])
			return ParseFail(err, IDSET_ERR_CORRUPT, off,
							 out[i] == out[i - 1] ? "Duplicate element" :
							 "Elements not in ascending order");
	}
	*n = count;
	return IDSET_OK;
}

/*
 * Bytes of the wire form of n values.
 */
size_t
IdsetWireSize(size_t n)
{
	return IDSET_WIRE_HEADER_SIZE + n * 8;
}

/*
 * Write the wire form of canonical values.
 */
void
IdsetWriteWire(const int64_t *v, size_t n, uint8_t *out)
{
	out[0] = IDSET_WIRE_VERSION;
	for (int i = 0; i < 4; i++)
		out[1 + i] = (uint8_t) ((uint32_t) n >> (24 - 8 * i));
	for (size_t k = 0; k < n; k++)
	{
		if (k % IDSET_INTERRUPT_STRIDE == 0)
			IDSET_CHECK_INTERRUPTS();
		for (int i = 0; i < 8; i++)
			out[IDSET_WIRE_HEADER_SIZE + k * 8 + i] =
				(uint8_t) ((uint64_t) v[k] >> (56 - 8 * i));
	}
}

/* Powers of ten up to 10^19, the largest below 2^64. */
static const uint64_t PowersOfTen[20] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
	UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
	UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
	UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000),
	UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)
};

/*
 * Characters of x in decimal, with its sign.  log10 is estimated from the
 * bit width (1233 / 4096 is just above log10(2)) and corrected by one
 * comparison.
 */
static inline size_t
DecimalLength(int64_t x)
{
	uint64_t	mag = x < 0 ? UINT64_C(0) - (uint64_t) x : (uint64_t) x;
	int			t = (BitWidth(mag) * 1233) >> 12;

	return (size_t) (x < 0) + (size_t) t + (mag >= PowersOfTen[t]) + (mag == 0);
}

/*
 * Length of the text form of canonical values, without its NUL, computed
 * without printing it: braces, separators and the digits of each value.
 */
size_t
IdsetTextLength(const int64_t *v, size_t n)
{
	size_t		len = n > 0 ? 2 + (n - 1) : 2;

	for (size_t lo = 0; lo < n; lo = StrideEnd(lo, n))
	{
		size_t		hi = StrideEnd(lo, n);

		IDSET_CHECK_INTERRUPTS();
		for (size_t i = lo; i < hi; i++)
			len += DecimalLength(v[i]);
	}
	return len;
}

/*
 * Is the text form at most IDSET_MAX_TEXT_LEN bytes?  Sets *len to its
 * exact length, or to the bound 21 * n + 1 (every value printed in at most
 * 20 characters, n - 1 separators, two braces) when that bound already fits, which spares
 * the pass over the values for every set below about 51 million elements.
 */
bool
IdsetTextFits(const int64_t *v, size_t n, size_t *len)
{
	if (n <= (IDSET_MAX_TEXT_LEN - 1) / 21)
		*len = n == 0 ? 2 : 21 * n + 1;
	else
		*len = IdsetTextLength(v, n);
	return *len <= IDSET_MAX_TEXT_LEN;
}

/*
 * Print "{a,b,...}"; out must hold IdsetTextLength() + 1 bytes (at most
 * 21 * n + 2).  Returns the length written (a terminating NUL is added
 * after it).
 */
size_t
IdsetFormatText(const int64_t *v, size_t n, char *out)
{
	size_t		pos = 0;

	out[pos++] = '{';
	for (size_t k = 0; k < n; k++)
	{
		char		digits[20];
		int			nd = 0;
		uint64_t	mag;

		if (k % IDSET_INTERRUPT_STRIDE == 0)
			IDSET_CHECK_INTERRUPTS();
		if (k > 0)
			out[pos++] = ',';
		if (v[k] < 0)
		{
			out[pos++] = '-';
			mag = UINT64_C(0) - (uint64_t) v[k];
		}
		else
			mag = (uint64_t) v[k];
		do
		{
			digits[nd++] = (char) ('0' + mag % 10);
			mag /= 10;
		} while (mag > 0);
		while (nd > 0)
			out[pos++] = digits[--nd];
	}
	out[pos++] = '}';
	out[pos] = '\0';
	return pos;
}
