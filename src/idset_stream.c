/*
 * idset_stream.c
 *		|a ∩ b| and a ∩ b of two large stored idsets read from their TOAST
 *		chunks a segment at a time, without detoasting either whole.
 *
 * Detoasting a million-element set copies it whole into one fresh
 * allocation of megabytes, which the allocator often maps anew on every
 * call; on the sparse 62-bit 1M x 1M pair (5.7 MB per argument) the copy
 * and its page faults took about 60% of cardinality(a & b).  An
 * intersection does not need the whole values at once: the blocks of a set
 * are ordered by value, so the result over the whole range is the
 * concatenation of the results over consecutive value ranges.  So the
 * directories of both sets are read (13 bytes per block of 128 ids), then
 * one set is walked in segments of IDSET_SEGMENT_BLOCKS blocks: the
 * segment's packed gaps and those of the blocks of the other set that can
 * meet it (found in its directory) are read by idset_toast.c straight from
 * the TOAST chunks holding them into a buffer per set kept for the call
 * (the TOAST relation and its index opened once per set and call; through
 * detoast_attr_slice(), which opens both and scans the index anew for every
 * slice, reading took about a third of the dense 1M x 1M count's CPU);
 * each pair of segments is counted or intersected as sub-values with the
 * codec's own checks (IdsetIntersectFlat32() when they lie within 2^32,
 * else IdsetIntersectCountWide() or IdsetIntersectStored(); see
 * SegmentPair()).
 * Blocks of the other set below a segment, and segments wholly below the
 * other set's first value or above its last, are never read.  Nothing is
 * kept after the call but the buffers the calls reuse (see KeptBuffer
 * below); their contents never outlive a call.
 *
 * Applies only to two values stored out of line without compression (the
 * type's STORAGE external) in the blocked form, whose sizes differ by at
 * most the caller's ratio; otherwise the caller detoasts as before.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/heaptoast.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "fg_compat.h"
#include "idset.h"
#include "idset_toast.h"

/* Blocks of a per segment: 32768 ids, at most about 260 KB of gaps. */
#define IDSET_SEGMENT_BLOCKS	256

/* Largest packed size of one block: 127 gaps of 64 bits. */
#define IDSET_MAX_BLOCK_BYTES	((IDSET_BLOCK_SIZE - 1) * 8)

/*
 * Buffers kept for the backend between calls (in TopMemoryContext) while
 * each holds at most its keep bytes: per argument the block directory
 * (13 bytes per block: 1M ids take about 100 KB) and a segment's packed
 * gaps (the sparse 62-bit 1M set about 180 KB), and the dense count's two
 * scratch arrays (about 128 KB each).  All are above glibc's initial mmap
 * threshold, and after one is freed glibc trims the heap top it leaves, so
 * allocating them anew per call mapped and zeroed fresh pages every time:
 * the page faults, brk calls and the copies into cold pages took about a
 * tenth of the sparse 1M x 1M count, and 64 page faults per dense count.
 * Their contents never outlive a call, and a call cannot run inside
 * another (nothing it calls runs user code).  One grown past its keep is
 * freed at the end of the call, or, when the call fails, when the memory
 * context it was called in goes (DropOversized() as its reset callback).
 * At most about 1.6 MB stays with a backend after large intersections.
 */
typedef struct KeptBuffer
{
	void	   *buf;
	size_t		cap;			/* bytes allocated at buf */
	size_t		keep;			/* kept between calls while cap <= keep */
} KeptBuffer;

/* 65536 values of a dense count's scratch array (256 KB). */
#define IDSET_SCRATCH_KEEP		(65536 * sizeof(uint32))
/* A whole segment of the widest blocks (260 KB), with room for the other set's. */
#define IDSET_PACK_KEEP			(320 * 1024)
/* The directory of sets up to about 2.5M ids. */
#define IDSET_DIR_KEEP			(256 * 1024)

enum
{
	KEPT_SA, KEPT_SB, KEPT_PACK_A, KEPT_PACK_B, KEPT_DIR_A, KEPT_DIR_B, KEPT_N
};

static KeptBuffer kept[KEPT_N] = {
	{NULL, 0, IDSET_SCRATCH_KEEP},
	{NULL, 0, IDSET_SCRATCH_KEEP},
	{NULL, 0, IDSET_PACK_KEEP},
	{NULL, 0, IDSET_PACK_KEEP},
	{NULL, 0, IDSET_DIR_KEEP},
	{NULL, 0, IDSET_DIR_KEEP},
};
static MemoryContext drop_context;	/* where DropOversized() is registered */

/* Free the kept buffers that grew past what is kept. */
static void
DropOversized(void)
{
	for (int i = 0; i < KEPT_N; i++)
	{
		if (kept[i].cap > kept[i].keep)
		{
			void	   *buf = kept[i].buf;

			kept[i].buf = NULL;
			kept[i].cap = 0;
			pfree(buf);
		}
	}
}

/* DropOversized() as the reset callback of context arg. */
static void
DropOversizedCallback(void *arg)
{
	if (drop_context == (MemoryContext) arg)
		drop_context = NULL;
	DropOversized();
}

/*
 * Make k hold at least need bytes (grown by doubling in TopMemoryContext;
 * the old contents are not kept).
 */
static void *
KeptGet(KeptBuffer *k, size_t need)
{
	if (need > k->cap)
	{
		size_t		grown = Max(need, k->cap * 2);

		/*
		 * Doubling must not take a buffer that could be kept past what is
		 * kept: the other set's part of a segment varies by a block or two,
		 * and a dense scratch array grown from about 33000 values to twice
		 * that was freed at the end of nearly every dense count.
		 */
		if (need <= k->keep)
			grown = Min(grown, k->keep);
		if (k->buf != NULL)
		{
			void	   *buf = k->buf;

			k->buf = NULL;
			k->cap = 0;
			pfree(buf);
		}

		/*
		 * Past what is kept: whatever happens to this call, the buffer goes
		 * with the context the call runs in, at the latest (registered
		 * before the allocation, which may fail).
		 */
		if (grown > k->keep && drop_context != CurrentMemoryContext)
		{
			MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

			cb->func = DropOversizedCallback;
			cb->arg = CurrentMemoryContext;
			MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
			drop_context = CurrentMemoryContext;
		}
		k->buf = MemoryContextAlloc(TopMemoryContext, grown);
		k->cap = grown;
	}
	return k->buf;
}

/* One argument, read from its TOAST chunks a range at a time. */
typedef struct StreamSet
{
	struct varlena *ptr;		/* the TOAST pointer */
	int32		extsize;		/* bytes of the stored value */
	uint32		count;
	uint32		nblocks;
	char	   *dir;			/* the directory: firsts, ends, widths */
	KeptBuffer *dirbuf;			/* where dir is kept */
	KeptBuffer *pack;			/* the packed gaps of the loaded segment */
	bool		toast_open;		/* toast is open (at the first fetch) */
	IdsetToast	toast;
	char	   *seg;			/* header and directory of the segment */
	size_t		segcap;			/* bytes allocated at seg */
} StreamSet;

/* Load an unaligned end offset of the directory. */
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
 * len bytes at offset off of the stored value into dest, straight from the
 * TOAST chunks (idset_toast.c): one index scan, one copy per chunk, the
 * TOAST relation and its index opened at the first fetch and kept for the
 * call (detoast_attr_slice() opened both and allocated a result per slice).
 */
static void
FetchInto(StreamSet *s, int32 off, int32 len, char *dest)
{
	struct varatt_external ptr;

	if (off < 0 || len <= 0 || len > s->extsize - off)
		IdsetCorrupt();
	VARATT_EXTERNAL_GET_POINTER(ptr, s->ptr);
	if (!s->toast_open)
	{
		IdsetToastOpen(&s->toast, ptr.va_toastrelid);
		s->toast_open = true;
	}
	IdsetToastFetch(&s->toast, ptr.va_valueid, s->extsize, off, len, dest);
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
 * Open a candidate d: read its header; for the blocked form set its count
 * and number of blocks (s->count stays 0 for the raw form).
 */
static void
StreamOpen(StreamSet *s, Datum d)
{
	struct varatt_external ptr;
	uint8		h[IDSET_HEADER_SIZE];

	s->ptr = (struct varlena *) DatumGetPointer(d);
	VARATT_EXTERNAL_GET_POINTER(ptr, s->ptr);
	s->extsize = (int32) VARATT_EXTERNAL_GET_EXTSIZE(ptr);
	if (s->extsize < IDSET_HEADER_SIZE)
		IdsetCorrupt();
	FetchInto(s, 0, IDSET_HEADER_SIZE, (char *) h);
	if (h[0] != IDSET_VERSION || h[2] != 0 || h[3] != 0)
		IdsetCorrupt();
	if (h[1] == IDSET_FORMAT_BLOCKED)
	{
		memcpy(&s->count, h + 4, 4);
		if (s->count == 0 || s->count > IDSET_MAX_ELEMENTS)
			IdsetCorrupt();
		s->nblocks = (s->count + IDSET_BLOCK_SIZE - 1) / IDSET_BLOCK_SIZE;
	}
}

/* Load the block directory of an opened blocked value. */
static void
StreamLoadDirectory(StreamSet *s)
{
	size_t		dirlen = (size_t) s->nblocks * IDSET_BLOCK_DIR_SIZE;

	if (dirlen > (size_t) s->extsize - IDSET_HEADER_SIZE)
		IdsetCorrupt();
	s->dir = KeptGet(s->dirbuf, dirlen);
	FetchInto(s, IDSET_HEADER_SIZE, (int32) dirlen, s->dir);
	if ((size_t) DirEnd(s, s->nblocks - 1) !=
		(size_t) s->extsize - IDSET_HEADER_SIZE - dirlen)
		IdsetCorrupt();
}

/* Free what the stream allocated. */
static void
StreamClose(StreamSet *s)
{
	if (s->seg != NULL)
		pfree(s->seg);
	if (s->toast_open)
		IdsetToastClose(&s->toast);
}

/*
 * Open r on blocks [b0, b1) of s: their directory entries, rebased, in
 * s->seg, and their packed gaps read as one range into s->pack.
 */
static void
LoadSegment(StreamSet *s, uint32 b0, uint32 b1, IdsetReader *r)
{
	static const uint8 no_gaps[1] = {0};
	uint32		n = b1 - b0;
	uint32		base = b0 == 0 ? 0 : DirEnd(s, b0 - 1);
	uint32		last = DirEnd(s, b1 - 1);
	uint32		count;
	size_t		dirlen = (size_t) n * IDSET_BLOCK_DIR_SIZE;
	size_t		need = IDSET_HEADER_SIZE + dirlen;
	char	   *firsts;
	char	   *ends;
	const uint8 *packed = no_gaps;

	Assert(b0 < b1 && b1 <= s->nblocks);
	if (last < base || (size_t) (last - base) > (size_t) n * IDSET_MAX_BLOCK_BYTES)
		IdsetCorrupt();
	if (need > s->segcap)
	{
		if (s->seg != NULL)
			pfree(s->seg);
		s->segcap = Max(need, s->segcap * 2);
		s->seg = palloc(s->segcap);
	}
	if (last > base)
	{
		int64		off64 = IDSET_HEADER_SIZE + (int64) s->nblocks * IDSET_BLOCK_DIR_SIZE + base;
		int32		off;
		int32		end;
		char	   *pack;

		if (off64 + (last - base) > s->extsize)
			IdsetCorrupt();
		off = (int32) off64;
		end = off + (int32) (last - base);
		pack = KeptGet(s->pack, last - base);

		/* Straight from the chunks into the kept buffer: one copy. */
		FetchInto(s, off, end - off, pack);
		packed = (const uint8 *) pack;
	}
	firsts = s->seg + IDSET_HEADER_SIZE;
	ends = firsts + (size_t) n * 8;
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
	if (IdsetReaderInitSplit(r, (const uint8_t *) s->seg, need, packed,
							 last - base) != IDSET_OK)
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
 * ra ∩ rb of one pair of segments: with out, written there (a slot per
 * value of ra), else only counted.  When both lie within 2^32 of each
 * other and AVX2 is in use, decoded whole into the scratch arrays and
 * merged in two halves at once (IdsetIntersectFlat32()); otherwise block
 * by block, and *flat is cleared so that later segments do not try again.
 * SIZE_MAX if a block is malformed.
 */
static size_t
SegmentPair(const IdsetReader *ra, const IdsetReader *rb, bool *flat,
			int64 *out)
{
	int64		base;
	uint32		limit;
	bool		bad = false;

	if (*flat)
	{
		if (IdsetSpan32(ra, rb, &base, &limit, &bad))
		{
			uint32	   *sa = KeptGet(&kept[KEPT_SA], IdsetFlat32Slots(ra) * sizeof(uint32));
			uint32	   *sb = KeptGet(&kept[KEPT_SB], IdsetFlat32Slots(rb) * sizeof(uint32));

			return IdsetIntersectFlat32(ra, rb, base, limit, sa, sb, out);
		}
		if (bad)
			return SIZE_MAX;
		*flat = false;
	}
	if (out != NULL)
		return IdsetIntersectStored(ra, rb, out);
	return IdsetIntersectCountWide(ra, rb);
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
	bool		flat = true;

	/* Nothing is read unless both are candidates and sizes allow. */
	if (!StreamCandidate(da) || !StreamCandidate(db))
		return false;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.dirbuf = &kept[KEPT_DIR_A];
	a.pack = &kept[KEPT_PACK_A];
	b.dirbuf = &kept[KEPT_DIR_B];
	b.pack = &kept[KEPT_PACK_B];
	StreamOpen(&a, da);
	StreamOpen(&b, db);
	if (a.count == 0 || b.count == 0 ||
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
			k = SegmentPair(&ra, &rb, &flat, out != NULL ? *out + total : NULL);
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
	/* Kept for the next call, unless large. */
	DropOversized();
	return ok;
}
