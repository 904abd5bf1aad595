/*
 * idset_agg.c
 *		Aggregates building idsets: idset_agg(bigint), union_agg(idset) and
 *		intersect_agg(idset), with combine, serialise and deserialise
 *		functions for parallel aggregation.
 *
 * The transition state is a growable int64 array.  idset_agg and union_agg
 * append and canonicalise lazily (when the array has doubled since the last
 * time), so n inputs cost O(n log n) overall.  Final functions canonicalise
 * the state in place, which leaves it a valid state for the same set: a
 * window aggregate may keep adding rows after a final call.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "idset.h"

/* Values appended before the first lazy canonicalisation. */
#define IDSET_AGG_MIN_SORT	4096

/* Transition state shared by the three aggregates. */
typedef struct IdsetAggState
{
	int64	   *v;
	size_t		n;
	size_t		cap;
	size_t		canon_n;		/* n after the last canonicalisation */
	bool		canonical;		/* v[0..n) is strictly ascending */
} IdsetAggState;

PG_FUNCTION_INFO_V1(idset_agg_add);
PG_FUNCTION_INFO_V1(idset_union_add);
PG_FUNCTION_INFO_V1(idset_intersect_add);
PG_FUNCTION_INFO_V1(idset_union_combine);
PG_FUNCTION_INFO_V1(idset_intersect_combine);
PG_FUNCTION_INFO_V1(idset_agg_final);
PG_FUNCTION_INFO_V1(idset_agg_serialize);
PG_FUNCTION_INFO_V1(idset_agg_deserialize);

/*
 * The aggregate memory context, or an error outside an aggregate.
 */
static MemoryContext
AggContext(FunctionCallInfo fcinfo)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "idset aggregate function called in non-aggregate context");
	return ctx;
}

/*
 * A new empty state in ctx.
 */
static IdsetAggState *
NewState(MemoryContext ctx, size_t cap)
{
	IdsetAggState *st = MemoryContextAllocZero(ctx, sizeof(IdsetAggState));

	st->cap = Max(cap, 16);
	st->v = MemoryContextAllocHuge(ctx, IDSET_SIZE_BYTES(st->cap));
	st->canonical = true;
	return st;
}

/*
 * Sort and deduplicate the state in place.
 */
static void
Canonicalize(IdsetAggState *st)
{
	if (!st->canonical)
	{
		st->n = IdsetCanonicalizeValues(st->v, st->n);
		st->canonical = true;
	}
	st->canon_n = st->n;
}

/*
 * Make room for extra more values (canonicalising first when that is due).
 */
static void
Reserve(IdsetAggState *st, size_t extra)
{
	if (!st->canonical && st->n > 2 * st->canon_n + IDSET_AGG_MIN_SORT)
		Canonicalize(st);
	if (st->n + extra > st->cap)
	{
		size_t		cap = Max(st->cap * 2, st->n + extra);

		if (cap > (size_t) IDSET_MAX_ELEMENTS * 2 + IDSET_AGG_MIN_SORT)
		{
			Canonicalize(st);
			IdsetCheckCount(st->n + extra);
			cap = Max(cap, st->n + extra);
		}
		st->v = repalloc_huge(st->v, IDSET_SIZE_BYTES(cap));
		st->cap = cap;
	}
}

/*
 * Append values to the state.
 */
static void
Append(IdsetAggState *st, const int64 *v, size_t n)
{
	if (n == 0)
		return;
	Reserve(st, n);
	if (st->n > 0 && st->v[st->n - 1] >= v[0])
		st->canonical = false;
	memcpy(st->v + st->n, v, IDSET_SIZE_BYTES(n));
	st->n += n;
	CHECK_FOR_INTERRUPTS();
}

/*
 * Replace a canonical state by its intersection with canonical values.
 */
static void
IntersectInto(IdsetAggState *st, const int64 *v, size_t n)
{
	int64	   *tmp = IdsetAllocValues(Min(st->n, n));
	size_t		k = IdsetIntersect(st->v, st->n, v, n, tmp);

	memcpy(st->v, tmp, IDSET_SIZE_BYTES(k));
	pfree(tmp);
	st->n = k;
	st->canon_n = k;
	CHECK_FOR_INTERRUPTS();
}

/*
 * idset_agg transition: add one id (NULLs are skipped).
 */
Datum
idset_agg_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	IdsetAggState *st = PG_ARGISNULL(0) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(0);
	int64		x;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (st == NULL)
		st = NewState(ctx, 64);
	x = PG_GETARG_INT64(1);
	Append(st, &x, 1);
	PG_RETURN_POINTER(st);
}

/*
 * union_agg transition: add every element of a set (NULLs are skipped).
 */
Datum
idset_union_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	IdsetAggState *st = PG_ARGISNULL(0) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(0);
	IdsetArg	a;
	IdsetVec	s;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	IdsetOpen(&a, PG_GETARG_DATUM(1));
	if (st == NULL)
		st = NewState(ctx, a.reader.count);
	s = IdsetDecodeArg(&a);
	Append(st, s.v, s.n);
	pfree(s.v);
	IdsetClose(&a, PG_GETARG_DATUM(1));
	PG_RETURN_POINTER(st);
}

/*
 * intersect_agg transition: keep the elements common to every set seen
 * (NULLs are skipped).
 */
Datum
idset_intersect_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	IdsetAggState *st = PG_ARGISNULL(0) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(0);
	IdsetArg	a;
	IdsetVec	s;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	IdsetOpen(&a, PG_GETARG_DATUM(1));
	s = IdsetDecodeArg(&a);
	if (st == NULL)
	{
		st = NewState(ctx, s.n);
		Append(st, s.v, s.n);
	}
	else
		IntersectInto(st, s.v, s.n);
	pfree(s.v);
	IdsetClose(&a, PG_GETARG_DATUM(1));
	PG_RETURN_POINTER(st);
}

/*
 * Combine for idset_agg and union_agg: append one partial state to the
 * other.
 */
Datum
idset_union_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	IdsetAggState *a = PG_ARGISNULL(0) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(0);
	IdsetAggState *b = PG_ARGISNULL(1) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = NewState(ctx, b->n);
	Append(a, b->v, b->n);
	if (!b->canonical)
		a->canonical = false;
	PG_RETURN_POINTER(a);
}

/*
 * Combine for intersect_agg: intersect two partial states.
 */
Datum
idset_intersect_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	IdsetAggState *a = PG_ARGISNULL(0) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(0);
	IdsetAggState *b = PG_ARGISNULL(1) ? NULL : (IdsetAggState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = NewState(ctx, b->n);
		Append(a, b->v, b->n);
		PG_RETURN_POINTER(a);
	}
	IntersectInto(a, b->v, b->n);
	PG_RETURN_POINTER(a);
}

/*
 * Final function of all three: the state as an idset.  Canonicalises the
 * state in place but leaves it valid for further transitions.
 */
Datum
idset_agg_final(PG_FUNCTION_ARGS)
{
	IdsetAggState *st;

	(void) AggContext(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (IdsetAggState *) PG_GETARG_POINTER(0);
	Canonicalize(st);
	PG_RETURN_POINTER(IdsetFromValues(st->v, st->n));
}

/*
 * Serialise a state for a parallel worker: canonical values as bytes.
 */
Datum
idset_agg_serialize(PG_FUNCTION_ARGS)
{
	IdsetAggState *st = (IdsetAggState *) PG_GETARG_POINTER(0);
	bytea	   *res;
	size_t		size;

	(void) AggContext(fcinfo);
	Canonicalize(st);
	size = IDSET_SIZE_BYTES(st->n);
	res = palloc_extended(VARHDRSZ + size, MCXT_ALLOC_HUGE);
	SET_VARSIZE(res, VARHDRSZ + size);
	if (size > 0)
		memcpy(VARDATA(res), st->v, size);
	PG_RETURN_BYTEA_P(res);
}

/*
 * Rebuild a state from idset_agg_serialize()'s bytes.
 */
Datum
idset_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = AggContext(fcinfo);
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	size_t		n = VARSIZE_ANY_EXHDR(b) / sizeof(int64);
	IdsetAggState *st = NewState(ctx, n);

	if (n > 0)
		memcpy(st->v, VARDATA_ANY(b), IDSET_SIZE_BYTES(n));
	st->n = n;
	st->canon_n = n;
	st->canonical = IdsetIsCanonical(st->v, n);
	PG_FREE_IF_COPY(b, 0);
	PG_RETURN_POINTER(st);
}
