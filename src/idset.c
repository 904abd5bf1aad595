/*
 * idset.c
 *		The idset type: input/output, casts, set algebra, comparison and
 *		hashing.  Aggregates live in idset_agg.c, the GIN opclass in
 *		idset_gin.c and the graph-backed constructors in idset_graph.c; the
 *		byte formats are in idset_format.c and the set algebra on them in
 *		idset_algebra.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "idset.h"

/* GUC follow_graph.idset_simd: may the codec use its SIMD kernels? */
static bool idset_simd_guc = true;

/* Size ratio above which an intersection gallops instead of merging. */
#define IDSET_GALLOP_RATIO	32

PG_FUNCTION_INFO_V1(idset_in);
PG_FUNCTION_INFO_V1(idset_out);
PG_FUNCTION_INFO_V1(idset_recv);
PG_FUNCTION_INFO_V1(idset_send);
PG_FUNCTION_INFO_V1(idset_from_array);
PG_FUNCTION_INFO_V1(idset_to_array);
PG_FUNCTION_INFO_V1(idset_cardinality);
PG_FUNCTION_INFO_V1(idset_unnest);
PG_FUNCTION_INFO_V1(idset_jaccard);
PG_FUNCTION_INFO_V1(idset_intersect);
PG_FUNCTION_INFO_V1(idset_intersect_cardinality);
PG_FUNCTION_INFO_V1(idset_cardinality_support);
PG_FUNCTION_INFO_V1(idset_union);
PG_FUNCTION_INFO_V1(idset_minus);
PG_FUNCTION_INFO_V1(idset_add_elem);
PG_FUNCTION_INFO_V1(idset_remove_elem);
PG_FUNCTION_INFO_V1(idset_contains);
PG_FUNCTION_INFO_V1(idset_contained);
PG_FUNCTION_INFO_V1(idset_overlaps);
PG_FUNCTION_INFO_V1(idset_contains_elem);
PG_FUNCTION_INFO_V1(idset_eq);
PG_FUNCTION_INFO_V1(idset_ne);
PG_FUNCTION_INFO_V1(idset_lt);
PG_FUNCTION_INFO_V1(idset_le);
PG_FUNCTION_INFO_V1(idset_gt);
PG_FUNCTION_INFO_V1(idset_ge);
PG_FUNCTION_INFO_V1(idset_cmp);
PG_FUNCTION_INFO_V1(idset_hash);
PG_FUNCTION_INFO_V1(idset_hash_extended);

/*
 * ARR_DATA_PTR() as a function: its ARR_DATA_OFFSET() mixes a signed and an
 * unsigned operand in ?:, which -Wextra reports (-Wsign-compare) in every
 * file that expands it, on 15 and 18 alike.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
static inline char *
ArrayData(ArrayType *arr)
{
	return ARR_DATA_PTR(arr);
}
#pragma GCC diagnostic pop

/* GUC assign hook: switch the codec's kernels. */
static void
AssignIdsetSimd(bool newval, void *extra)
{
	IdsetSimdConfigure(newval);
}

/*
 * Define the idset GUCs (from _PG_init) and pick the codec's kernels.
 */
void
IdsetDefineGucs(void)
{
	DefineCustomBoolVariable("follow_graph.idset_simd",
							 "Lets idset decoding use SIMD instructions (AVX2) when the CPU has them.",
							 "Off forces the portable code, which gives the same results.",
							 &idset_simd_guc, true, PGC_USERSET, 0,
							 NULL, AssignIdsetSimd, NULL);
}

/*
 * Report a stored value that does not decode ("cannot happen" unless the
 * data was damaged).
 */
void
IdsetCorrupt(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt idset value")));
}

/*
 * Reject a cardinality above the type's limit.
 */
void
IdsetCheckCount(size_t n)
{
	if (n > IDSET_MAX_ELEMENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("idset has too many elements"),
				 errdetail("The result would have %zu elements; the limit is %d.",
						   n, IDSET_MAX_ELEMENTS)));
}

StaticAssertDecl(IDSET_MAX_TEXT_LEN == MaxAllocSize,
				 "the idset text limit is MaxAllocSize");

/*
 * Reject canonical values whose text form would exceed IDSET_MAX_TEXT_LEN
 * bytes: such a set could not be printed, copied as text or dumped, so no
 * constructor may build one.  Costs a pass over the values only above
 * about 51 million elements.
 */
void
IdsetCheckText(const int64 *v, size_t n)
{
	size_t		len;

	if (!IdsetTextFits(v, n, &len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("idset is too large for its text form"),
				 errdetail("Its text form would be %zu bytes; the limit is %zu bytes.",
						   len, IDSET_MAX_TEXT_LEN),
				 errhint("Such a set could not be output as text, copied in text format or dumped; split it into smaller sets.")));
}

/*
 * Room for n values in the current memory context (huge allocations
 * allowed; at least one slot).
 */
int64 *
IdsetAllocValues(size_t n)
{
	return palloc_extended(IDSET_SIZE_BYTES(Max(n, 1)), MCXT_ALLOC_HUGE);
}

/*
 * Sort and deduplicate values in place; returns the new count.
 */
size_t
IdsetCanonicalizeValues(int64 *v, size_t n)
{
	int64	   *tmp;
	size_t		kept;

	if (IdsetIsCanonical(v, n))
		return n;
	tmp = IdsetAllocValues(n);
	kept = IdsetCanonicalize(v, n, tmp);
	pfree(tmp);
	return kept;
}

/*
 * Build a stored idset from canonical values.
 */
struct varlena *
IdsetFromValues(const int64 *v, size_t n)
{
	int			format;
	size_t		size;
	struct varlena *res;

	IdsetCheckCount(n);
	IdsetCheckText(v, n);
	size = IdsetEncodedSize(v, n, &format);
	res = palloc(VARHDRSZ + size);
	SET_VARSIZE(res, VARHDRSZ + size);
	IdsetEncode(v, n, (uint8_t *) VARDATA(res));
	return res;
}

/*
 * Detoast an idset datum and check its header and block directory.
 */
void
IdsetOpen(IdsetArg *a, Datum d)
{
	a->datum = PG_DETOAST_DATUM_PACKED(d);
	a->buf = (const uint8_t *) VARDATA_ANY(a->datum);
	a->len = VARSIZE_ANY_EXHDR(a->datum);
	if (IdsetReaderInit(&a->reader, a->buf, a->len) != IDSET_OK)
		IdsetCorrupt();
}

/*
 * Free the detoasted copy of an argument, if one was made.
 */
void
IdsetClose(IdsetArg *a, Datum d)
{
	if ((Pointer) a->datum != DatumGetPointer(d))
		pfree(a->datum);
}

/*
 * Decode an opened argument into a fresh array.
 */
IdsetVec
IdsetDecodeArg(const IdsetArg *a)
{
	IdsetVec	res;

	res.v = IdsetAllocValues(a->reader.count);
	if (IdsetDecode(a->buf, a->len, res.v, a->reader.count, &res.n) != IDSET_OK)
		IdsetCorrupt();
	return res;
}

/*
 * Turn a codec parse error into the matching SQL error.
 */
static void
ReportParseError(const IdsetError *err, const char *input)
{
	if (err->status == IDSET_ERR_RANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range for type bigint in idset: \"%s\"",
						input),
				 errdetail("%s at position %zu.", err->reason, err->position)));
	if (err->status == IDSET_ERR_TOO_MANY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("idset has too many elements"),
				 errdetail("The limit is %d.", IDSET_MAX_ELEMENTS)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type idset: \"%s\"", input),
			 errdetail("%s at position %zu.", err->reason, err->position)));
}

/*
 * Text input: "{3,17,42}" in any order, duplicates allowed.
 */
Datum
idset_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	size_t		len = strlen(str);
	size_t		cap = IdsetTextMaxElements(str, len);
	int64	   *v = IdsetAllocValues(Min(cap, (size_t) IDSET_MAX_ELEMENTS + 1));
	size_t		n;
	IdsetError	err;

	if (IdsetParseText(str, len, v, Min(cap, (size_t) IDSET_MAX_ELEMENTS + 1),
					   &n, &err) != IDSET_OK)
		ReportParseError(&err, str);
	n = IdsetCanonicalizeValues(v, n);
	PG_RETURN_POINTER(IdsetFromValues(v, n));
}

/*
 * Text output: ascending, no spaces.
 */
Datum
idset_out(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	IdsetVec	s;
	size_t		len;
	char	   *out;

	IdsetOpen(&a, d);
	s = IdsetDecodeArg(&a);
	/* Only a value stored before the limit existed can fail here. */
	if (!IdsetTextFits(s.v, s.n, &len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("idset is too large for its text form"),
				 errdetail("Its text form would be %zu bytes; the limit is %zu bytes.",
						   len, IDSET_MAX_TEXT_LEN),
				 errhint("Copy it with COPY ... (FORMAT binary) or read it through the binary protocol; pg_dump copies table data as text, so split the set before dumping.")));
	out = palloc_extended(len + 1, MCXT_ALLOC_HUGE);
	len = IdsetFormatText(s.v, s.n, out);
	Assert(len <= IDSET_MAX_TEXT_LEN);
	PG_RETURN_CSTRING(out);
}

/*
 * Binary input: version byte, int32 count, ascending int64 values.
 */
Datum
idset_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const uint8_t *p = (const uint8_t *) buf->data + buf->cursor;
	size_t		len = buf->len - buf->cursor;
	size_t		cap = (len > IDSET_WIRE_HEADER_SIZE) ?
		(len - IDSET_WIRE_HEADER_SIZE) / 8 : 0;
	int64	   *v = IdsetAllocValues(Min(cap, (size_t) IDSET_MAX_ELEMENTS));
	size_t		n;
	IdsetError	err;
	IdsetStatus st;

	st = IdsetParseWire(p, len, v, Min(cap, (size_t) IDSET_MAX_ELEMENTS), &n, &err);
	if (st == IDSET_ERR_TOO_MANY)
		ReportParseError(&err, "");
	if (st != IDSET_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary input for type idset"),
				 errdetail("%s at byte %zu.", err.reason, err.position)));
	buf->cursor = buf->len;
	PG_RETURN_POINTER(IdsetFromValues(v, n));
}

/*
 * Binary output.
 */
Datum
idset_send(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	IdsetVec	s;
	size_t		size;
	bytea	   *res;

	IdsetOpen(&a, d);
	s = IdsetDecodeArg(&a);
	size = IdsetWireSize(s.n);
	res = palloc_extended(VARHDRSZ + size, MCXT_ALLOC_HUGE);
	SET_VARSIZE(res, VARHDRSZ + size);
	IdsetWriteWire(s.v, s.n, (uint8_t *) VARDATA(res));
	PG_RETURN_BYTEA_P(res);
}

/*
 * Cast bigint[] -> idset.  NULL elements are an error.
 */
Datum
idset_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			nelems;
	int64	   *v;
	size_t		n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cannot cast a multidimensional array to idset"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(arr))));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("idset elements must not be null"),
				 errdetail("The array contains a null element.")));
	nelems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	IdsetCheckCount(nelems);
	v = IdsetAllocValues(nelems);
	if (nelems > 0)
		memcpy(v, ArrayData(arr), IDSET_SIZE_BYTES(nelems));
	n = IdsetCanonicalizeValues(v, nelems);
	PG_FREE_IF_COPY(arr, 0);
	PG_RETURN_POINTER(IdsetFromValues(v, n));
}

/*
 * Cast idset -> bigint[], ascending.
 */
Datum
idset_to_array(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	size_t		nbytes;
	ArrayType  *res;
	int			dims[1];
	int			lbs[1] = {1};

	IdsetOpen(&a, d);
	if (a.reader.count == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	dims[0] = a.reader.count;
	nbytes = ARR_OVERHEAD_NONULLS(1) + IDSET_SIZE_BYTES(a.reader.count);
	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("idset is too large to cast to bigint[]")));
	res = palloc0(nbytes);
	SET_VARSIZE(res, nbytes);
	res->ndim = 1;
	res->dataoffset = 0;
	res->elemtype = INT8OID;
	memcpy(ARR_DIMS(res), dims, sizeof(dims));
	memcpy(ARR_LBOUND(res), lbs, sizeof(lbs));
	{
		size_t		n;

		if (IdsetDecode(a.buf, a.len, (int64_t *) ArrayData(res),
						a.reader.count, &n) != IDSET_OK)
			IdsetCorrupt();
	}
	IdsetClose(&a, d);
	PG_RETURN_ARRAYTYPE_P(res);
}

/*
 * cardinality(idset): read only the header, through a detoast slice, so a
 * large out-of-line value costs one TOAST chunk.
 */
Datum
idset_cardinality(PG_FUNCTION_ARGS)
{
	struct varlena *head = PG_DETOAST_DATUM_SLICE(PG_GETARG_DATUM(0), 0,
												  IDSET_HEADER_SIZE);
	uint32_t	count;

	if (!IdsetPeekCount((const uint8_t *) VARDATA_ANY(head),
						VARSIZE_ANY_EXHDR(head), &count))
		IdsetCorrupt();
	PG_RETURN_INT64((int64) count);
}

/*
 * unnest(idset): the elements, ascending, decoded a block at a time.
 */
typedef struct IdsetUnnestState
{
	IdsetArg	arg;
	uint32		block;
	int			pos;
	int			n;
	int64		vals[IDSET_BLOCK_SIZE];
} IdsetUnnestState;

/* unnest(idset) as a value-per-call set-returning function. */
Datum
idset_unnest(PG_FUNCTION_ARGS)
{
	FuncCallContext *fctx;
	IdsetUnnestState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		fctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(fctx->multi_call_memory_ctx);
		st = palloc0(sizeof(IdsetUnnestState));
		IdsetOpen(&st->arg, PG_GETARG_DATUM(0));
		fctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	fctx = SRF_PERCALL_SETUP();
	st = fctx->user_fctx;
	if (st->pos >= st->n)
	{
		if (st->block >= st->arg.reader.nblocks)
			SRF_RETURN_DONE(fctx);
		st->n = IdsetDecodeBlock(&st->arg.reader, st->block, st->vals);
		if (st->n <= 0)
			IdsetCorrupt();
		st->block++;
		st->pos = 0;
	}
	SRF_RETURN_NEXT(fctx, Int64GetDatum(st->vals[st->pos++]));
}

/*
 * Intersect a decoded set with a stored one by galloping over its blocks.
 */
static size_t
IntersectWithReader(const int64 *a, size_t na, const IdsetReader *r,
					int64 *out)
{
	size_t		k = IdsetIntersectReader(a, na, r, out);

	if (k == SIZE_MAX)
		IdsetCorrupt();
	return k;
}

/*
 * Intersection of two opened arguments into a fresh array; the algorithm
 * depends on the size ratio: galloping over the large set's blocks when
 * skewed, else streaming both sets block by block (through a bitmap when
 * dense, by a merge otherwise), without decoding either whole.
 */
static IdsetVec
IntersectArgs(const IdsetArg *a, const IdsetArg *b)
{
	IdsetVec	res;
	const IdsetArg *small = a;
	const IdsetArg *large = b;
	IdsetVec	s;

	if (a->reader.count > b->reader.count)
	{
		small = b;
		large = a;
	}
	res.v = IdsetAllocValues(small->reader.count);
	res.n = 0;
	if (small->reader.count == 0)
		return res;
	if (large->reader.count / small->reader.count <= IDSET_GALLOP_RATIO)
	{
		res.n = IdsetIntersectStored(&small->reader, &large->reader, res.v);
		if (res.n == SIZE_MAX)
			IdsetCorrupt();
		return res;
	}
	s = IdsetDecodeArg(small);
	res.n = IntersectWithReader(s.v, s.n, &large->reader, res.v);
	pfree(s.v);
	return res;
}

/*
 * Open both idset arguments of a binary function.
 */
static inline void
OpenArgs(FunctionCallInfo fcinfo, IdsetArg *a, IdsetArg *b)
{
	IdsetOpen(a, PG_GETARG_DATUM(0));
	IdsetOpen(b, PG_GETARG_DATUM(1));
}

/*
 * idset & idset
 */
Datum
idset_intersect(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	IdsetVec	r;
	int64		n;

	/* Two large values stored out of line: read by segments. */
	if (IdsetStreamIntersect(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
							 IDSET_GALLOP_RATIO, &n, &r.v))
		PG_RETURN_POINTER(IdsetFromValues(r.v, (size_t) n));
	OpenArgs(fcinfo, &a, &b);
	r = IntersectArgs(&a, &b);
	PG_RETURN_POINTER(IdsetFromValues(r.v, r.n));
}

/*
 * idset_intersect_cardinality(a, b): |a & b|, never building the
 * intersection when the sizes differ by at most IDSET_GALLOP_RATIO: two
 * large values stored out of line are read from TOAST a segment at a time
 * (IdsetStreamIntersect()), others are detoasted and counted block by block
 * (IdsetIntersectStoredCount()).  A skewed pair is intersected as & does.
 * cardinality(a & b) is rewritten into it by idset_cardinality_support().
 */
Datum
idset_intersect_cardinality(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	const IdsetArg *small;
	const IdsetArg *large;
	int64		total;
	size_t		count;
	IdsetVec	r;

	if (IdsetStreamIntersect(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
							 IDSET_GALLOP_RATIO, &total, NULL))
		PG_RETURN_INT64(total);
	OpenArgs(fcinfo, &a, &b);
	small = a.reader.count <= b.reader.count ? &a : &b;
	large = small == &a ? &b : &a;
	if (small->reader.count == 0)
		PG_RETURN_INT64(0);
	if (large->reader.count / small->reader.count <= IDSET_GALLOP_RATIO)
	{
		count = IdsetIntersectStoredCount(&small->reader, &large->reader);
		if (count == SIZE_MAX)
			IdsetCorrupt();
		PG_RETURN_INT64((int64) count);
	}
	r = IntersectArgs(&a, &b);
	pfree(r.v);
	PG_RETURN_INT64((int64) r.n);
}

/*
 * Planner support for cardinality(idset): simplify cardinality(a & b) into
 * idset_intersect_cardinality(a, b) of the same schema, which need not
 * build the intersection.  Left alone when that function does not exist
 * (a catalog from before 0.3.0 never attaches this function anyway).
 */
Datum
idset_cardinality_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	Node	   *arg;
	Oid			inner;
	List	   *args;
	Oid			nsp;
	Oid			argtypes[2];
	Oid			target;
	char	   *inner_name;
	FuncExpr   *call;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	if (list_length(req->fcall->args) != 1)
		PG_RETURN_POINTER(NULL);
	arg = (Node *) linitial(req->fcall->args);
	if (IsA(arg, OpExpr))
	{
		set_opfuncid((OpExpr *) arg);
		inner = ((OpExpr *) arg)->opfuncid;
		args = ((OpExpr *) arg)->args;
	}
	else if (IsA(arg, FuncExpr))
	{
		inner = ((FuncExpr *) arg)->funcid;
		args = ((FuncExpr *) arg)->args;
	}
	else
		PG_RETURN_POINTER(NULL);
	nsp = get_func_namespace(req->fcall->funcid);
	if (list_length(args) != 2 || get_func_namespace(inner) != nsp)
		PG_RETURN_POINTER(NULL);
	inner_name = get_func_name(inner);
	if (inner_name == NULL || strcmp(inner_name, "idset_intersect") != 0)
		PG_RETURN_POINTER(NULL);
	argtypes[0] = exprType(linitial(args));
	argtypes[1] = exprType(lsecond(args));
	target = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									   makeString("idset_intersect_cardinality")),
							2, argtypes, true);
	if (!OidIsValid(target) || get_func_rettype(target) != INT8OID)
		PG_RETURN_POINTER(NULL);
	call = makeFuncExpr(target, INT8OID, args, InvalidOid, InvalidOid,
						COERCE_EXPLICIT_CALL);
	call->location = req->fcall->location;
	PG_RETURN_POINTER(call);
}

/*
 * idset | idset
 */
Datum
idset_union(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	IdsetVec	x;
	IdsetVec	y;
	int64	   *out;
	size_t		n;

	OpenArgs(fcinfo, &a, &b);
	x = IdsetDecodeArg(&a);
	y = IdsetDecodeArg(&b);
	out = IdsetAllocValues(x.n + y.n);
	n = IdsetUnion(x.v, x.n, y.v, y.n, out);

	PG_RETURN_POINTER(IdsetFromValues(out, n));
}

/*
 * idset - idset
 */
Datum
idset_minus(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	IdsetVec	x;
	IdsetVec	y;
	int64	   *out;
	size_t		n;

	OpenArgs(fcinfo, &a, &b);
	x = IdsetDecodeArg(&a);
	y = IdsetDecodeArg(&b);
	out = IdsetAllocValues(x.n);
	n = IdsetDifference(x.v, x.n, y.v, y.n, out);

	PG_RETURN_POINTER(IdsetFromValues(out, n));
}

/*
 * Is x in the stored set?  Binary search on the block directory, then on
 * one decoded block.
 */
static bool
ReaderContains(const IdsetReader *r, int64 x)
{
	int64		vals[IDSET_BLOCK_SIZE];
	int64		one = x;

	return IntersectWithReader(&one, 1, r, vals) == 1;
}

/*
 * idset + bigint
 */
Datum
idset_add_elem(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	int64		x = PG_GETARG_INT64(1);
	IdsetArg	a;
	IdsetVec	s;
	int64	   *out;
	size_t		pos;

	IdsetOpen(&a, d);
	if (a.reader.count > 0 && ReaderContains(&a.reader, x))
		PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(d));
	s = IdsetDecodeArg(&a);
	out = IdsetAllocValues(s.n + 1);
	pos = IdsetLowerBound(s.v, s.n, x);
	memcpy(out, s.v, IDSET_SIZE_BYTES(pos));
	out[pos] = x;
	memcpy(out + pos + 1, s.v + pos, IDSET_SIZE_BYTES(s.n - pos));
	PG_RETURN_POINTER(IdsetFromValues(out, s.n + 1));
}

/*
 * idset - bigint
 */
Datum
idset_remove_elem(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	int64		x = PG_GETARG_INT64(1);
	IdsetArg	a;
	IdsetVec	s;
	size_t		pos;

	IdsetOpen(&a, d);
	if (a.reader.count == 0 || !ReaderContains(&a.reader, x))
		PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(d));
	s = IdsetDecodeArg(&a);
	pos = IdsetLowerBound(s.v, s.n, x);
	memmove(s.v + pos, s.v + pos + 1, IDSET_SIZE_BYTES(s.n - pos - 1));
	PG_RETURN_POINTER(IdsetFromValues(s.v, s.n - 1));
}

/*
 * Does a contain every element of b?
 */
static bool
ContainsArgs(const IdsetArg *a, const IdsetArg *b)
{
	IdsetVec	r;

	if (b->reader.count > a->reader.count)
		return false;
	if (b->reader.count == 0)
		return true;
	r = IntersectArgs(a, b);
	pfree(r.v);
	return r.n == b->reader.count;
}

/*
 * idset @> idset
 */
Datum
idset_contains(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	bool		res;

	OpenArgs(fcinfo, &a, &b);
	res = ContainsArgs(&a, &b);

	IdsetClose(&a, PG_GETARG_DATUM(0));
	IdsetClose(&b, PG_GETARG_DATUM(1));
	PG_RETURN_BOOL(res);
}

/*
 * idset <@ idset
 */
Datum
idset_contained(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	bool		res;

	OpenArgs(fcinfo, &a, &b);
	res = ContainsArgs(&b, &a);

	IdsetClose(&a, PG_GETARG_DATUM(0));
	IdsetClose(&b, PG_GETARG_DATUM(1));
	PG_RETURN_BOOL(res);
}

/*
 * Do two opened arguments have an element in common?  The paths of
 * IntersectArgs(), each stopping at the first common element, and without
 * building the intersection.
 */
static bool
OverlapArgs(const IdsetArg *a, const IdsetArg *b)
{
	const IdsetArg *small = a;
	const IdsetArg *large = b;
	int64		one;
	size_t		k;
	IdsetVec	s;
	bool		res;

	if (a->reader.count > b->reader.count)
	{
		small = b;
		large = a;
	}
	if (small->reader.count == 0)
		return false;
	if (large->reader.count / small->reader.count <= IDSET_GALLOP_RATIO)
	{
		k = IdsetIntersectStoredLimit(&small->reader, &large->reader, &one, 1);
		if (k == SIZE_MAX)
			IdsetCorrupt();
		return k > 0;
	}
	s = IdsetDecodeArg(small);
	k = IdsetIntersectReaderLimit(s.v, s.n, &large->reader, &one, 1);
	if (k == SIZE_MAX)
		IdsetCorrupt();
	res = k > 0;
	pfree(s.v);
	return res;
}

/*
 * idset && idset
 */
Datum
idset_overlaps(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	bool		res;

	OpenArgs(fcinfo, &a, &b);
	res = OverlapArgs(&a, &b);
	IdsetClose(&a, PG_GETARG_DATUM(0));
	IdsetClose(&b, PG_GETARG_DATUM(1));
	PG_RETURN_BOOL(res);
}

/*
 * idset @> bigint
 */
Datum
idset_contains_elem(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	bool		res;

	IdsetOpen(&a, d);
	res = a.reader.count > 0 && ReaderContains(&a.reader, PG_GETARG_INT64(1));
	IdsetClose(&a, d);
	PG_RETURN_BOOL(res);
}

/*
 * jaccard(a, b) = |a ∩ b| / |a ∪ b|; 1 for two empty sets.
 */
Datum
idset_jaccard(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	IdsetVec	r;
	double		uni;

	OpenArgs(fcinfo, &a, &b);
	if (a.reader.count == 0 && b.reader.count == 0)
		PG_RETURN_FLOAT8(1.0);
	r = IntersectArgs(&a, &b);
	uni = (double) a.reader.count + (double) b.reader.count - (double) r.n;
	PG_RETURN_FLOAT8((double) r.n / uni);
}

/*
 * Total order: element by element, a proper prefix first (so {} is the
 * least value).  Compares block by block; blocks line up because every
 * block but the last holds IDSET_BLOCK_SIZE values.
 */
static int
CompareArgs(const IdsetArg *a, const IdsetArg *b)
{
	int64		x[IDSET_BLOCK_SIZE];
	int64		y[IDSET_BLOCK_SIZE];
	uint32		nb = Min(a->reader.nblocks, b->reader.nblocks);

	if (a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0)
		return 0;
	for (uint32 blk = 0; blk < nb; blk++)
	{
		int			nx = IdsetDecodeBlock(&a->reader, blk, x);
		int			ny = IdsetDecodeBlock(&b->reader, blk, y);
		int			m;

		if (blk % (IDSET_INTERRUPT_STRIDE / IDSET_BLOCK_SIZE) == 0)
			CHECK_FOR_INTERRUPTS();

		if (nx <= 0 || ny <= 0)
			IdsetCorrupt();
		m = Min(nx, ny);
		for (int i = 0; i < m; i++)
			if (x[i] != y[i])
				return x[i] < y[i] ? -1 : 1;
	}
	if (a->reader.count != b->reader.count)
		return a->reader.count < b->reader.count ? -1 : 1;
	return 0;
}

/*
 * Equality: the stored form is canonical, so equal sets have equal bytes.
 */
static bool
EqualArgs(const IdsetArg *a, const IdsetArg *b)
{
	return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/* Define a boolean operator function from an expression over a and b. */
#define IDSET_BOOL_OP(name, expr) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	IdsetArg	a; \
	IdsetArg	b; \
	bool		res; \
	OpenArgs(fcinfo, &a, &b); \
	res = (expr); \
	IdsetClose(&a, PG_GETARG_DATUM(0)); \
	IdsetClose(&b, PG_GETARG_DATUM(1)); \
	PG_RETURN_BOOL(res); \
}

/* idset = idset */
IDSET_BOOL_OP(idset_eq, EqualArgs(&a, &b))
/* idset <> idset */
IDSET_BOOL_OP(idset_ne, !EqualArgs(&a, &b))
/* idset < idset */
IDSET_BOOL_OP(idset_lt, CompareArgs(&a, &b) < 0)
/* idset <= idset */
IDSET_BOOL_OP(idset_le, CompareArgs(&a, &b) <= 0)
/* idset > idset */
IDSET_BOOL_OP(idset_gt, CompareArgs(&a, &b) > 0)
/* idset >= idset */
IDSET_BOOL_OP(idset_ge, CompareArgs(&a, &b) >= 0)

/*
 * btree support: three-way comparison.
 */
Datum
idset_cmp(PG_FUNCTION_ARGS)
{
	IdsetArg	a;
	IdsetArg	b;
	int			res;

	OpenArgs(fcinfo, &a, &b);
	res = CompareArgs(&a, &b);

	IdsetClose(&a, PG_GETARG_DATUM(0));
	IdsetClose(&b, PG_GETARG_DATUM(1));
	PG_RETURN_INT32(res);
}

/*
 * hash support: a hash of the canonical stored bytes.
 */
Datum
idset_hash(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	Datum		h;

	IdsetOpen(&a, d);
	h = hash_any(a.buf, (int) a.len);
	IdsetClose(&a, d);
	PG_RETURN_DATUM(h);
}

/*
 * hash support: seeded 64-bit hash of the canonical stored bytes.
 */
Datum
idset_hash_extended(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	IdsetArg	a;
	Datum		h;

	IdsetOpen(&a, d);
	h = hash_any_extended(a.buf, (int) a.len, PG_GETARG_INT64(1));
	IdsetClose(&a, d);
	PG_RETURN_DATUM(h);
}
