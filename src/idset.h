/*
 * idset.h
 *		Private declarations of the idset type: a compact, sorted set of
 *		distinct bigint ids.
 *
 * The first part (the codec) is plain C with no PostgreSQL dependency so
 * that test/fuzz can drive the parsers and decoders without a server.  The
 * second part is visible only to the server-side files, which include
 * postgres.h before this header.
 *
 * Stored form (after the varlena header, native byte order, read with
 * memcpy so no alignment is assumed):
 *
 *	byte 0		version (IDSET_VERSION)
 *	byte 1		format: IDSET_FORMAT_RAW or IDSET_FORMAT_BLOCKED
 *	bytes 2-3	zero
 *	bytes 4-7	cardinality (uint32)
 *	RAW:		cardinality int64 values, strictly ascending
 *	BLOCKED:	a directory with, for each block of IDSET_BLOCK_SIZE values,
 *				its first value (int64 array), the end offset of its packed
 *				bytes (uint32 array) and its bit width w (uint8 array); then
 *				the packed area: for each block, the gaps (value - previous
 *				- 1) of its values after the first, w bits each, in
 *				little-endian bit order ("frame of reference" packing: a
 *				block of gaps below 2^w costs w bits per value and decodes
 *				without branches).
 *
 * The encoder picks the smaller format (RAW on a tie) and the smallest width
 * of each block, so a set has exactly one stored form: equality and hashing work on the bytes.  The block
 * directory lets membership tests and skewed intersections decode only the
 * blocks they need.
 *
 * Wire form (send/recv): version byte, int32 count, count int64 values in
 * strictly ascending order, all in network byte order.
 *
 * The codec (idset_format.c and idset_algebra.c) is built two ways: in the
 * server, where it includes postgres.h and miscadmin.h first, so IDSET_ASSERT
 * is Assert and IDSET_CHECK_INTERRUPTS is CHECK_FOR_INTERRUPTS; and alone for
 * test/fuzz with -DIDSET_STANDALONE, where IDSET_ASSERT is assert() and
 * interrupts do not exist.  Loops that can run over IDSET_MAX_ELEMENTS values
 * check for interrupts once per IDSET_INTERRUPT_STRIDE values, outside the
 * inner loop, so the inner loops stay as tight as they were.
 */
#ifndef IDSET_H
#define IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDSET_VERSION			1
#define IDSET_FORMAT_RAW		0
#define IDSET_FORMAT_BLOCKED	1
#define IDSET_HEADER_SIZE		8
#define IDSET_BLOCK_SIZE		128
#define IDSET_BLOCK_DIR_SIZE	13	/* first (8) + end (4) + width (1) */
#define IDSET_WIRE_VERSION		1
#define IDSET_WIRE_HEADER_SIZE	5

/* Largest cardinality: keeps every form and its decoded array below 1 GB. */
#define IDSET_MAX_ELEMENTS		100000000

/*
 * Longest text form, in bytes without the terminating NUL: PostgreSQL's
 * MaxAllocSize (1 GB - 1).  A set of more than about 51 million elements
 * can exceed it, and such a value could not be printed, copied as text or
 * dumped; every constructor refuses to build one (54000).
 */
#define IDSET_MAX_TEXT_LEN		((size_t) 0x3fffffff)

/* Values handled between two interrupt checks in the codec's long loops. */
#define IDSET_INTERRUPT_STRIDE	65536

#ifdef IDSET_STANDALONE
#include <assert.h>
#define IDSET_ASSERT(c)				assert(c)
#define IDSET_ASSERT_ONLY			__attribute__((unused))
#define IDSET_CHECK_INTERRUPTS()	((void) 0)
#else
#define IDSET_ASSERT(c)				Assert(c)
#define IDSET_ASSERT_ONLY			PG_USED_FOR_ASSERTS_ONLY
#define IDSET_CHECK_INTERRUPTS()	CHECK_FOR_INTERRUPTS()
#endif

/* Outcome of a parse or decode. */
typedef enum IdsetStatus
{
	IDSET_OK = 0,
	IDSET_ERR_SYNTAX,			/* malformed text (22P02) */
	IDSET_ERR_RANGE,			/* number outside bigint (22003) */
	IDSET_ERR_TOO_MANY,			/* more than IDSET_MAX_ELEMENTS (54000) */
	IDSET_ERR_CORRUPT			/* malformed binary or stored value */
} IdsetStatus;

/* Where and why a parse failed (position is 1-based, 0 if none). */
typedef struct IdsetError
{
	IdsetStatus status;
	size_t		position;
	const char *reason;
} IdsetError;

/* Random access to the blocks of a stored value. */
typedef struct IdsetReader
{
	const uint8_t *buf;
	size_t		len;
	uint32_t	count;
	uint32_t	nblocks;
	int			format;
	const uint8_t *firsts;		/* RAW: the values themselves */
	const uint8_t *ends;
	const uint8_t *widths;
	const uint8_t *packed;
	size_t		packed_len;
} IdsetReader;

/* idset_format.c */
extern size_t IdsetTextMaxElements(const char *s, size_t len);
extern IdsetStatus IdsetParseText(const char *s, size_t len, int64_t *out,
								  size_t cap, size_t *n, IdsetError *err);
extern size_t IdsetCanonicalize(int64_t *v, size_t n, int64_t *tmp);
extern bool IdsetIsCanonical(const int64_t *v, size_t n);
extern size_t IdsetEncodedSize(const int64_t *v, size_t n, int *format);
extern size_t IdsetEncode(const int64_t *v, size_t n, uint8_t *out);
extern IdsetStatus IdsetReaderInit(IdsetReader *r, const uint8_t *buf,
								   size_t len);
extern IdsetStatus IdsetReaderInitSplit(IdsetReader *r, const uint8_t *head,
										size_t headlen, const uint8_t *packed,
										size_t packed_len);
extern int64_t IdsetBlockFirst(const IdsetReader *r, uint32_t b);
extern int	IdsetDecodeBlock(const IdsetReader *r, uint32_t b, int64_t *out);
extern int	IdsetDecodeBlock32(const IdsetReader *r, uint32_t b, int64_t base,
							   uint32_t limit, uint32_t *out, uint32_t *lastp);
extern IdsetStatus IdsetDecode(const uint8_t *buf, size_t len, int64_t *out,
							   size_t cap, size_t *n);
extern bool IdsetPeekCount(const uint8_t *buf, size_t len, uint32_t *count);
extern IdsetStatus IdsetParseWire(const uint8_t *buf, size_t len, int64_t *out,
								  size_t cap, size_t *n, IdsetError *err);
extern size_t IdsetWireSize(size_t n);
extern void IdsetWriteWire(const int64_t *v, size_t n, uint8_t *out);
extern size_t IdsetTextLength(const int64_t *v, size_t n);
extern bool IdsetTextFits(const int64_t *v, size_t n, size_t *len);
extern size_t IdsetFormatText(const int64_t *v, size_t n, char *out);

/*
 * idset_simd.c: SIMD kernels, used when IdsetSimdConfigure(true) found the
 * CPU able to run them (x86-64 with AVX2, built by GCC or clang).  They
 * decode blocks of width 1 to IDSET_SIMD_MAX_WIDTH and read up to
 * IDSET_SIMD_PAD bytes past a block's packed gaps.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define IDSET_HAVE_AVX2			1
#else
#define IDSET_HAVE_AVX2			0
#endif
#define IDSET_SIMD_MAX_WIDTH	24
#define IDSET_SIMD_PAD			32
/* Slots past a block's values that IdsetDecodeBlock32() may overwrite. */
#define IDSET_DECODE32_SLACK	8

extern bool idset_use_avx2;
extern bool IdsetSimdConfigure(bool allow);
#if IDSET_HAVE_AVX2
extern void IdsetDecodeGapsAvx2(const uint8_t *packed, int w, int k,
								int64_t first, int64_t *out);
extern size_t IdsetIntersectRunsAvx2(const int64_t *a, int na, int *pi,
									 const int64_t *b, int nb, int *pj,
									 int64_t *out, size_t k, size_t cap);
extern uint32_t IdsetDecodeGapsAvx2U32(const uint8_t *packed, int w, int k,
									   uint32_t first, uint32_t *out);
extern size_t IdsetIntersectRuns32Avx2(const uint32_t *a, int na, int *pi,
									   const uint32_t *b, int nb, int *pj,
									   int64_t base, int64_t *out, size_t k,
									   size_t cap);
extern size_t IdsetCountRuns32x2Avx2(const uint32_t *a, int *pi0, int na0,
									 int *pi1, int na1, const uint32_t *b,
									 int *pj0, int nb0, int *pj1, int nb1);
extern size_t IdsetIntersectRuns32x2Avx2(const uint32_t *a, int *pi0,
										 int na0, int *pi1, int na1,
										 const uint32_t *b, int *pj0, int nb0,
										 int *pj1, int nb1, int64_t base,
										 int64_t *out0, size_t *pk0,
										 size_t cap0, int64_t *out1,
										 size_t *pk1, size_t cap1);
#endif

/* idset_algebra.c */
extern size_t IdsetLowerBound(const int64_t *v, size_t n, int64_t x);

/*
 * Set algebra on canonical (strictly ascending) inputs.  Output-size
 * contract: each function writes only inside out[0 .. bound), so out needs
 * exactly that many slots (the server's callers allocate this, and the fuzz
 * harness allocates no more); slots past the returned count may have been
 * written (the branch-free loops store a candidate before testing it, but
 * only while the count is below the bound):
 *
 *	IdsetIntersect			min(na, nb)
 *	IdsetIntersectStored	min(ra->count, rb->count)
 *	IdsetIntersectFlat32	ra->count (the side cut in halves)
 *	IdsetIntersectReader	na (the decoded side)
 *	...Limit(..., limit)	min(the bound above, limit); stop at limit matches
 *	IdsetIntersectStored*	none when out is NULL: they only count
 *	IdsetUnion				na + nb
 *	IdsetDifference			na
 *
 * An output may alias neither input.  The stored and reader forms return
 * SIZE_MAX if a block of a stored set is malformed.
 */
extern size_t IdsetIntersect(const int64_t *a, size_t na, const int64_t *b,
							 size_t nb, int64_t *out);
extern size_t IdsetUnion(const int64_t *a, size_t na, const int64_t *b,
						 size_t nb, int64_t *out);
extern size_t IdsetDifference(const int64_t *a, size_t na, const int64_t *b,
							  size_t nb, int64_t *out);
extern size_t IdsetIntersectStored(const IdsetReader *ra,
								   const IdsetReader *rb, int64_t *out);
extern size_t IdsetIntersectReader(const int64_t *a, size_t na,
								   const IdsetReader *r, int64_t *out);
extern size_t IdsetIntersectStoredLimit(const IdsetReader *ra,
										const IdsetReader *rb, int64_t *out,
										size_t limit);
extern size_t IdsetIntersectReaderLimit(const int64_t *a, size_t na,
										const IdsetReader *r, int64_t *out,
										size_t limit);
extern bool IdsetOverlap(const int64_t *a, size_t na, const int64_t *b,
						 size_t nb);
extern size_t IdsetFlat32Slots(const IdsetReader *r);
extern bool IdsetSpan32(const IdsetReader *ra, const IdsetReader *rb,
						int64_t *base, uint32_t *limit, bool *bad);
extern size_t IdsetIntersectCountFlat32(const IdsetReader *ra,
										const IdsetReader *rb, int64_t base,
										uint32_t limit, uint32_t *sa,
										uint32_t *sb);
extern size_t IdsetIntersectFlat32(const IdsetReader *ra,
								   const IdsetReader *rb, int64_t base,
								   uint32_t limit, uint32_t *sa, uint32_t *sb,
								   int64_t *out);
extern size_t IdsetIntersectStoredCount(const IdsetReader *ra,
										const IdsetReader *rb);
extern bool IdsetDenseOverlap(const IdsetReader *a, const IdsetReader *b,
							  uint32_t min_count);

/* idset_count64.c */
extern size_t IdsetIntersectCountWide(const IdsetReader *ra,
									  const IdsetReader *rb);

#ifdef PG_VERSION_NUM

#include "fg_compat.h"
#include "fmgr.h"
#include "miscadmin.h"

/* A detoasted idset argument: the varlena and its payload. */
typedef struct IdsetArg
{
	struct varlena *datum;
	const uint8_t *buf;
	size_t		len;
	IdsetReader reader;
} IdsetArg;

/* A decoded set in memory. */
typedef struct IdsetVec
{
	int64_t    *v;
	size_t		n;
} IdsetVec;

#define IDSET_SIZE_BYTES(n)	((size_t) (n) * sizeof(int64))

/* idset.c */
extern void IdsetDefineGucs(void);
extern void IdsetOpen(IdsetArg *a, Datum d);
extern IdsetVec IdsetDecodeArg(const IdsetArg *a);
extern int64 *IdsetAllocValues(size_t n);
extern struct varlena *IdsetFromValues(const int64 *v, size_t n);
extern size_t IdsetCanonicalizeValues(int64 *v, size_t n);
extern void IdsetCheckCount(size_t n);
extern void IdsetCheckText(const int64 *v, size_t n);
pg_noreturn extern void IdsetCorrupt(void);
extern void IdsetClose(IdsetArg *a, Datum d);

/* idset_stream.c */
extern bool IdsetStreamIntersect(Datum da, Datum db, uint32 max_ratio,
								 int64 *count, int64 **out);

#endif							/* PG_VERSION_NUM */

#endif							/* IDSET_H */
