/*
 * idset_codec.c
 *		The idset codec: text parsing and printing, the stored form (block
 *		directory plus delta varints), the wire form, canonical sorting and
 *		the sorted-array set algebra.
 *
 * Plain C with no PostgreSQL dependency and no allocation: callers pass
 * buffers sized by the helpers here.  Every reader is bounds-checked and
 * reports malformed input instead of trusting it, so the same code serves
 * the server and the fuzz harness in test/fuzz.
 */
#include <string.h>

#include "idset.h"

/* Map a signed value to an unsigned one with the same order. */
#define IDSET_FLIP(x)	((uint64_t) (x) ^ UINT64_C(0x8000000000000000))

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

/* Bytes of a LEB128 varint for x. */
static inline size_t
VarintSize(uint64_t x)
{
	size_t		n = 1;

	while (x >= 0x80)
	{
		x >>= 7;
		n++;
	}
	return n;
}

/* Write x as LEB128; returns the bytes written. */
static inline size_t
VarintPut(uint8_t *p, uint64_t x)
{
	size_t		n = 0;

	while (x >= 0x80)
	{
		p[n++] = (uint8_t) (x | 0x80);
		x >>= 7;
	}
	p[n++] = (uint8_t) x;
	return n;
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

	for (size_t i = 0; i < len; i++)
		n += (s[i] == ',');
	return n;
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
	while (i < len && IsSpace(s[i]))
		i++;
	if (i >= len)
		return ParseFail(err, IDSET_ERR_SYNTAX, i, "Expected \"{\"");
	if (s[i] != '{')
		return ParseFail(err, IDSET_ERR_SYNTAX, i, "Expected \"{\"");
	i++;
	while (i < len && IsSpace(s[i]))
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

			while (i < len && IsSpace(s[i]))
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
			while (i < len && s[i] >= '0' && s[i] <= '9')
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
			while (i < len && IsSpace(s[i]))
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
	while (i < len && IsSpace(s[i]))
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
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] >= v[i])
			return false;
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

	for (size_t i = 1; i < n; i++)
		if (v[i - 1] > v[i])
		{
			sorted = false;
			break;
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

			for (size_t i = 0; i < n; i++)
			{
				uint8_t		k = (uint8_t) (IDSET_FLIP(src[i]) >> shift);

				counts[k]++;
				same &= (k == first);
			}
			if (same)
				continue;
			for (int k = 0; k < 256; k++)
			{
				size_t		c = counts[k];

				counts[k] = pos;
				pos += c;
			}
			for (size_t i = 0; i < n; i++)
				dst[counts[(uint8_t) (IDSET_FLIP(src[i]) >> shift)]++] = src[i];
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
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[kept - 1])
			v[kept++] = v[i];
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
	size_t		blocked = IDSET_HEADER_SIZE + nblocks * (sizeof(int64_t) + sizeof(uint32_t));

	for (size_t i = 1; i < n && blocked <= raw; i++)
		if (i % IDSET_BLOCK_SIZE != 0)
			blocked += VarintSize((uint64_t) v[i] - (uint64_t) v[i - 1] - 1);
	if (blocked < raw)
	{
		*format = IDSET_FORMAT_BLOCKED;
		return blocked;
	}
	*format = IDSET_FORMAT_RAW;
	return raw;
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
		uint8_t    *deltas = ends + nblocks * sizeof(uint32_t);
		size_t		pos = 0;

		for (size_t b = 0; b < nblocks; b++)
		{
			size_t		lo = b * IDSET_BLOCK_SIZE;
			size_t		hi = lo + IDSET_BLOCK_SIZE < n ? lo + IDSET_BLOCK_SIZE : n;
			uint32_t	end;

			memcpy(firsts + b * sizeof(int64_t), &v[lo], sizeof(int64_t));
			for (size_t i = lo + 1; i < hi; i++)
				pos += VarintPut(deltas + pos,
								 (uint64_t) v[i] - (uint64_t) v[i - 1] - 1);
			end = (uint32_t) pos;
			memcpy(ends + b * sizeof(uint32_t), &end, sizeof(end));
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
 * Check the header and directory of a stored value and prepare block
 * access.  Cheap: O(number of blocks).
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
		size_t		dir = (size_t) r->nblocks * (sizeof(int64_t) + sizeof(uint32_t));
		uint32_t	prev = 0;

		if (r->count == 0 || len - IDSET_HEADER_SIZE < dir)
			return IDSET_ERR_CORRUPT;
		r->ends = r->firsts + (size_t) r->nblocks * sizeof(int64_t);
		r->deltas = r->ends + (size_t) r->nblocks * sizeof(uint32_t);
		r->deltas_len = len - IDSET_HEADER_SIZE - dir;
		for (uint32_t b = 0; b < r->nblocks; b++)
		{
			uint32_t	end = LoadU32(r->ends + b * sizeof(uint32_t));

			if (end < prev ||
				(b > 0 && LoadI64(r->firsts + (b - 1) * sizeof(int64_t)) >=
				 LoadI64(r->firsts + b * sizeof(int64_t))))
				return IDSET_ERR_CORRUPT;
			prev = end;
		}
		if (prev != r->deltas_len)
			return IDSET_ERR_CORRUPT;
	}
	else
		return IDSET_ERR_CORRUPT;
	return IDSET_OK;
}

/*
 * First value of block b.
 */
int64_t
IdsetBlockFirst(const IdsetReader *r, uint32_t b)
{
	return LoadI64(r->firsts + (size_t) b * sizeof(int64_t));
}

/*
 * Decode block b into out (IDSET_BLOCK_SIZE slots); returns its number of
 * values, or -1 if the block is malformed.
 */
int
IdsetDecodeBlock(const IdsetReader *r, uint32_t b, int64_t *out)
{
	size_t		lo = (size_t) b * IDSET_BLOCK_SIZE;
	int			k = (int) (r->count - lo < IDSET_BLOCK_SIZE ? r->count - lo : IDSET_BLOCK_SIZE);
	const uint8_t *p;
	const uint8_t *stop;
	uint64_t	prev;

	if (r->format == IDSET_FORMAT_RAW)
	{
		memcpy(out, r->firsts + lo * sizeof(int64_t), k * sizeof(int64_t));
		return k;
	}
	p = r->deltas + (b == 0 ? 0 : LoadU32(r->ends + (b - 1) * sizeof(uint32_t)));
	stop = r->deltas + LoadU32(r->ends + b * sizeof(uint32_t));
	out[0] = IdsetBlockFirst(r, b);
	prev = IDSET_FLIP(out[0]);
	for (int i = 1; i < k; i++)
	{
		uint64_t	d;

		if (p < stop && *p < 0x80)
			d = *p++;			/* the common one-byte gap */
		else
		{
			int			shift = 0;

			d = 0;
			for (;;)
			{
				uint8_t		byte;

				if (p >= stop || shift > 63)
					return -1;
				byte = *p++;
				if (shift == 63 && byte > 1)
					return -1;
				d |= (uint64_t) (byte & 0x7F) << shift;
				if (byte < 0x80)
					break;
				shift += 7;
			}
		}
		/* The next value is prev + d + 1; it must not pass the top. */
		if (d >= UINT64_MAX - prev)
			return -1;
		prev += d + 1;
		out[i] = (int64_t) IDSET_FLIP(prev);
	}
	if (p != stop)
		return -1;
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
		for (int i = 0; i < 8; i++)
			out[IDSET_WIRE_HEADER_SIZE + k * 8 + i] =
				(uint8_t) ((uint64_t) v[k] >> (56 - 8 * i));
}

/*
 * Print "{a,b,...}"; out must hold 2 + 21 * n bytes.  Returns the length
 * written (a terminating NUL is added after it).
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

/*
 * a ∩ b into out (min(na, nb) slots).  Merges sets of similar size and
 * gallops through the larger one when they differ by more than 32x.
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
			j += IdsetLowerBound(b + j, nb - j, a[i]);
			if (j < nb && b[j] == a[i])
				out[k++] = a[i];
		}
		return k;
	}
	while (i < na && j < nb)
	{
		int64_t		x = a[i];
		int64_t		y = b[j];

		/* Branch-light merge: advance whichever is smaller, both if equal. */
		out[k] = x;
		k += (x == y);
		i += (x <= y);
		j += (y <= x);
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
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
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

	while (i < na)
	{
		if (j >= nb || a[i] < b[j])
			out[k++] = a[i++];
		else if (a[i] > b[j])
			j++;
		else
		{
			i++;
			j++;
		}
	}
	return k;
}
