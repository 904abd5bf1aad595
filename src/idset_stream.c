/*
 * idset_stream.c
 *		|a ∩ b| and a ∩ b of two large stored idsets read from TOAST a
 *		segment at a time, without detoasting either whole.
 *
 * Detoasting a million-element set copies megabytes into freshly mapped
 * memory; on a 1M x 1M intersection that copy and its page faults took
 * about 60% of the time (the sparse 62-bit pair: 5.7 MB per argument).
 * Counting does not need the whole values at once: the blocks of a set are
 * ordered by value, so the count over the whole range is the sum of the
 * counts over consecutive value ranges.  idset_intersect_cardinality()
 * therefore reads the two block directories, then walks a in segments of
 * IDSET_SEGMENT_BLOCKS blocks, fetches that segment's packed gaps and those
 * of the blocks of b that can meet it (found in b's directory) as TOAST
 * slices into two buffers reused for every segment (they stay in the
 * caches), and counts (or intersects) each pair of segments with
 * IdsetIntersectStoredCount() (IdsetIntersectStored()) on sub-values built
 * in the buffers, which are ordinary stored values, so
 * every check of the codec still applies.  Blocks of b below a's segment,
 * and segments of a below b's first value or above b's last, are never
 * fetched.
 *
 * Applies only to two values stored out of line without compression (the
 * type's STORAGE external) in the blocked form; otherwise the caller
 * detoasts as before.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/table.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/rel.h"

#include "fg_compat.h"
#include "idset.h"

/* Blocks of a per segment: 32768 ids, at most about 260 KB of gaps. */
#define IDSET_SEGMENT_BLOCKS	256

/* Largest packed size of one block: 127 gaps of 64 bits. */
#define IDSET_MAX_BLOCK_BYTES	((IDSET_BLOCK_SIZE - 1) * 8)

/* One argument read from its TOAST relation. */
typedef struct StreamSet
{
	Relation	toastrel;
	Oid			valueid;
	int32		extsize;		/* bytes of the stored value */
	uint32		count;
	uint32		nblocks;
	char	   *dir;			/* the directory: firsts, ends, widths */
	char	   *seg;			/* a sub-value: header, directory, gaps */
	size_t		segcap;			/* bytes allocated at seg */
} StreamSet;

/* Load an unaligned uint32 or int64 of the directory. */
static inline uint32
DirEnd(const StreamSet *s, uint32 b)
{
	uint32		x;

	memcpy(&x, s->dir + (size_t) s->nblocks * 8 + (size_t) b * 4, 4);
	return x;
}

/* First value of block b, from the directory. */
static inline int64
DirFirst(const StreamSet *s, uint32 b)
{
	int64		x;

	memcpy(&x, s->dir + (size_t) b * 8, 8);
	return x;
}

/*
 * VARATT_EXTERNAL_IS_COMPRESSED() as a function: it compares a uint32 with
 * an int, which -Wextra reports (-Wsign-compare) on 15.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
static inline bool
ExternalIsCompressed(struct varatt_external ptr)
{
	return VARATT_EXTERNAL_IS_COMPRESSED(ptr);
}
#pragma GCC diagnostic pop

/*
 * Fetch len bytes at offset off of the stored value into dest (which needs
 * VARHDRSZ writable bytes before it: the fetch writes a varlena's data).
 */
static void
FetchSlice(StreamSet *s, int32 off, int32 len, char *dest)
{
	if (len <= 0)
		return;
	if (off < 0 || len > s->extsize - off)
		IdsetCorrupt();
	table_relation_fetch_toast_slice(s->toastrel, s->valueid, s->extsize,
									 off, len,
									 (struct varlena *) (dest - VARHDRSZ));
}

/*
 * Is d stored out of line without compression?  (Only looks at the
 * pointer.)
 */
static bool
StreamCandidate(Datum d)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);
	struct varatt_external ptr;

	if (!VARATT_IS_EXTERNAL_ONDISK(p))
		return false;
	VARATT_EXTERNAL_GET_POINTER(ptr, p);
	return !ExternalIsCompressed(ptr);
}

/*
 * Open d for streaming: true if it is stored out of line, uncompressed;
 * then its header is loaded, and if it has the blocked form, its count and
 * number of blocks are set (s->count stays 0 for the raw form).
 */
static bool
StreamOpen(StreamSet *s, Datum d)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);
	struct varatt_external ptr;
	char		head[VARHDRSZ + IDSET_HEADER_SIZE];

	memset(s, 0, sizeof(*s));
	if (!VARATT_IS_EXTERNAL_ONDISK(p))
		return false;
	VARATT_EXTERNAL_GET_POINTER(ptr, p);
	if (ExternalIsCompressed(ptr))
		return false;
	s->extsize = (int32) VARATT_EXTERNAL_GET_EXTSIZE(ptr);
	s->valueid = ptr.va_valueid;
	if (s->extsize < IDSET_HEADER_SIZE)
		IdsetCorrupt();
	s->toastrel = table_open(ptr.va_toastrelid, AccessShareLock);
	FetchSlice(s, 0, IDSET_HEADER_SIZE, head + VARHDRSZ);
	if (head[VARHDRSZ] != IDSET_VERSION || head[VARHDRSZ + 2] != 0 ||
		head[VARHDRSZ + 3] != 0)
		IdsetCorrupt();
	if (head[VARHDRSZ + 1] != IDSET_FORMAT_BLOCKED)
		return true;			/* raw: the caller detoasts (count 0) */
	memcpy(&s->count, head + VARHDRSZ + 4, 4);
	if (s->count == 0 || s->count > IDSET_MAX_ELEMENTS)
		IdsetCorrupt();
	s->nblocks = (s->count + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
	return true;
}

/* Load the block directory of an opened blocked value. */
static void
StreamLoadDirectory(StreamSet *s)
{
	size_t		dirlen = (size_t) s->nblocks * IDSET_BLOCK_DIR_SIZE;

	if (dirlen > (size_t) s->extsize - IDSET_HEADER_SIZE)
		IdsetCorrupt();
	s->dir = (char *) palloc(VARHDRSZ + dirlen) + VARHDRSZ;
	FetchSlice(s, IDSET_HEADER_SIZE, (int32) dirlen, s->dir);
	if ((size_t) DirEnd(s, s->nblocks - 1) !=
		(size_t) s->extsize - IDSET_HEADER_SIZE - dirlen)
		IdsetCorrupt();
}

/* Close what StreamOpen() opened. */
static void
StreamClose(StreamSet *s)
{
	if (s->toastrel != NULL)
		table_close(s->toastrel, AccessShareLock);
	if (s->dir != NULL)
		pfree(s->dir - VARHDRSZ);
	if (s->seg != NULL)
		pfree(s->seg - VARHDRSZ);
}

/*
 * Build in s->seg the stored value made of blocks [b0, b1) of s (their
 * directory entries, rebased, and their packed gaps fetched from TOAST)
 * and open r on it.
 */
static void
LoadSegment(StreamSet *s, uint32 b0, uint32 b1, IdsetReader *r)
{
	uint32		n = b1 - b0;
	uint32		base = b0 == 0 ? 0 : DirEnd(s, b0 - 1);
	uint32		last = DirEnd(s, b1 - 1);
	uint32		count;
	size_t		dirlen = (size_t) n * IDSET_BLOCK_DIR_SIZE;
	size_t		need;
	char	   *firsts;
	char	   *ends;
	char	   *packed;

	Assert(b0 < b1 && b1 <= s->nblocks);
	if (last < base || (size_t) (last - base) > (size_t) n * IDSET_MAX_BLOCK_BYTES)
		IdsetCorrupt();
	need = IDSET_HEADER_SIZE + dirlen + (last - base) + IDSET_SIMD_PAD;
	if (need > s->segcap)
	{
		if (s->seg != NULL)
			pfree(s->seg - VARHDRSZ);
		s->segcap = Max(need, s->segcap * 2);
		s->seg = (char *) palloc(VARHDRSZ + s->segcap) + VARHDRSZ;
	}
	firsts = s->seg + IDSET_HEADER_SIZE;
	ends = firsts + (size_t) n * 8;
	packed = ends + (size_t) n * 5;

	/* The gaps first: the fetch may write the 4 bytes before packed. */
	FetchSlice(s, (int32) (IDSET_HEADER_SIZE + (size_t) s->nblocks * IDSET_BLOCK_DIR_SIZE + base),
			   (int32) (last - base), packed);
	count = b1 == s->nblocks ? s->count - b0 * IDSET_BLOCK_SIZE : n * IDSET_BLOCK_SIZE;
	s->seg[0] = IDSET_VERSION;
	s->seg[1] = IDSET_FORMAT_BLOCKED;
	s->seg[2] = s->seg[3] = 0;
	memcpy(s->seg + 4, &count, 4);
	memcpy(firsts, s->dir + (size_t) b0 * 8, (size_t) n * 8);
	for (uint32 b = b0; b < b1; b++)
	{
		uint32		e = DirEnd(s, b);

		if (e < base || e > last)
			IdsetCorrupt();
		e -= base;
		memcpy(ends + (size_t) (b - b0) * 4, &e, 4);
	}
	memcpy(ends + (size_t) n * 4, s->dir + (size_t) s->nblocks * 12 + b0, n);
	if (IdsetReaderInit(r, (const uint8_t *) s->seg,
						IDSET_HEADER_SIZE + dirlen + (last - base)) != IDSET_OK)
		IdsetCorrupt();
}

/*
 * First block of s whose first value is above x (s->nblocks if none).
 */
static uint32
BlockAbove(const StreamSet *s, int64 x, uint32 lo)
{
	uint32		hi = s->nblocks;

	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (DirFirst(s, mid) <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Last value of the stored value behind r (decodes its last block). */
static int64
ReaderLast(const IdsetReader *r)
{
	int64_t		vals[IDSET_BLOCK_SIZE];
	int			k = IdsetDecodeBlock(r, r->nblocks - 1, vals);

	if (k <= 0)
		IdsetCorrupt();
	return vals[k - 1];
}

/*
 * |a ∩ b| of two idset datums by segments (see the file header), and with
 * out, a ∩ b itself: *out is set to a fresh array (as many slots as the set
 * walked in segments has values) holding the *count common values,
 * ascending (each segment's matches are values of its own range of that
 * set, so appending them keeps the order).  False, with nothing computed,
 * when either is not an uncompressed out-of-line blocked value or their
 * sizes differ by more than max_ratio (then the caller detoasts and
 * intersects as before).
 */
bool
IdsetStreamIntersect(Datum da, Datum db, uint32 max_ratio, int64 *count,
					 int64 **out)
{
	StreamSet	a;
	StreamSet	b;
	IdsetReader ra;
	IdsetReader rb;
	int64		total = 0;
	int64		blast;
	bool		ok = false;

	/* Nothing is read unless both are candidates and sizes allow. */
	if (!StreamCandidate(da) || !StreamCandidate(db))
		return false;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (!StreamOpen(&a, da) || !StreamOpen(&b, db) ||
		a.count == 0 || b.count == 0 ||
		Max(a.count, b.count) / Min(a.count, b.count) > max_ratio)
		goto done;
	ok = true;
	StreamLoadDirectory(&a);
	StreamLoadDirectory(&b);

	/* Walk the set with fewer blocks in segments; b is the other. */
	if (a.nblocks > b.nblocks)
	{
		StreamSet	t = a;

		a = b;
		b = t;
	}

	/*
	 * A segment's intersection may write as many slots as a has values in
	 * it (see idset.h), after the matches of the segments before it: a's
	 * count bounds both.
	 */
	if (out != NULL)
		*out = IdsetAllocValues(a.count);
	LoadSegment(&b, b.nblocks - 1, b.nblocks, &rb);
	blast = ReaderLast(&rb);
	for (uint32 a0 = 0; a0 < a.nblocks;)
	{
		uint32		a1 = Min(a0 + IDSET_SEGMENT_BLOCKS, a.nblocks);
		int64		lo = DirFirst(&a, a0);
		int64		hi;
		uint32		b0;
		uint32		b1;
		size_t		k;

		CHECK_FOR_INTERRUPTS();
		if (lo > blast)
			break;
		/* A segment wholly below b's first value is not fetched. */
		if (a1 < a.nblocks && DirFirst(&a, a1) <= DirFirst(&b, 0))
		{
			a0 = a1;
			continue;
		}
		LoadSegment(&a, a0, a1, &ra);
		hi = ReaderLast(&ra);
		/* Blocks of b that can hold a value in [lo, hi]. */
		b0 = BlockAbove(&b, lo, 0);
		b0 = b0 > 0 ? b0 - 1 : 0;
		b1 = BlockAbove(&b, hi, b0);
		if (b1 > b0)
		{
			LoadSegment(&b, b0, b1, &rb);
			if (out == NULL)
				k = IdsetIntersectStoredCount(&ra, &rb);
			else
				k = IdsetIntersectStored(&ra, &rb, *out + total);
			if (k == SIZE_MAX)
				IdsetCorrupt();
			total += (int64) k;
		}
		a0 = a1;
	}
	*count = total;
done:
	StreamClose(&a);
	StreamClose(&b);
	return ok;
}
