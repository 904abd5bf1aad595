/*
 * idset_gin.c
 *		GIN support for idset: every element is an int8 key (compared with
 *		the built-in btint8cmp), so one index answers @> (set and element),
 *		<@, && and =.
 *
 * Empty sets are indexed as GIN's "empty item" and found on purpose with
 * the search modes: "@> {}" matches everything (GIN_SEARCH_MODE_ALL), and
 * "<@ q" and "= q" must also see the empty sets (GIN_SEARCH_MODE_INCLUDE_EMPTY).
 * Those two need a recheck: the index cannot know whether an item has keys
 * outside the query.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"
#include "fmgr.h"

#include "idset.h"

/* Strategy numbers of the opclass (must match the install script). */
#define IDSET_GIN_OVERLAP		1	/* idset && idset */
#define IDSET_GIN_CONTAINS		2	/* idset @> idset */
#define IDSET_GIN_CONTAINED		3	/* idset <@ idset */
#define IDSET_GIN_EQUAL			4	/* idset = idset */
#define IDSET_GIN_CONTAINS_ELEM	5	/* idset @> bigint */

PG_FUNCTION_INFO_V1(idset_gin_extract_value);
PG_FUNCTION_INFO_V1(idset_gin_extract_query);
PG_FUNCTION_INFO_V1(idset_gin_consistent);
PG_FUNCTION_INFO_V1(idset_gin_triconsistent);

/*
 * The elements of an idset datum as int8 key datums.
 */
static Datum *
ExtractKeys(Datum d, int32 *nkeys)
{
	IdsetArg	a;
	IdsetVec	s;
	Datum	   *keys;

	IdsetOpen(&a, d);
	s = IdsetDecodeArg(&a);
	*nkeys = (int32) s.n;
	if (s.n == 0)
		return NULL;
	keys = palloc_extended(sizeof(Datum) * s.n, MCXT_ALLOC_HUGE);
	for (size_t i = 0; i < s.n; i++)
		keys[i] = Int64GetDatum(s.v[i]);
	pfree(s.v);
	IdsetClose(&a, d);
	return keys;
}

/*
 * extractValue: one key per element; an empty set has none.
 */
Datum
idset_gin_extract_value(PG_FUNCTION_ARGS)
{
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);

	PG_RETURN_POINTER(ExtractKeys(PG_GETARG_DATUM(0), nkeys));
}

/*
 * extractQuery: the query's elements, with the search mode each strategy
 * needs for empty sets.
 */
Datum
idset_gin_extract_query(PG_FUNCTION_ARGS)
{
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);
	Datum	   *keys;

	if (strategy == IDSET_GIN_CONTAINS_ELEM)
	{
		keys = palloc(sizeof(Datum));
		keys[0] = PG_GETARG_DATUM(0);
		*nkeys = 1;
		PG_RETURN_POINTER(keys);
	}
	keys = ExtractKeys(PG_GETARG_DATUM(0), nkeys);
	switch (strategy)
	{
		case IDSET_GIN_OVERLAP:
			/* No keys: nothing overlaps the empty set. */
			*searchMode = GIN_SEARCH_MODE_DEFAULT;
			break;
		case IDSET_GIN_CONTAINS:
			if (*nkeys == 0)
				*searchMode = GIN_SEARCH_MODE_ALL;
			break;
		case IDSET_GIN_CONTAINED:
		case IDSET_GIN_EQUAL:
			*searchMode = GIN_SEARCH_MODE_INCLUDE_EMPTY;
			break;
		default:
			elog(ERROR, "idset GIN: unrecognized strategy number %d", strategy);
	}
	PG_RETURN_POINTER(keys);
}

/*
 * consistent: does an item with these keys present match?
 */
Datum
idset_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	bool		res;

	*recheck = false;
	switch (strategy)
	{
		case IDSET_GIN_OVERLAP:
			res = false;
			for (int32 i = 0; i < nkeys && !res; i++)
				res = check[i];
			break;
		case IDSET_GIN_CONTAINS:
		case IDSET_GIN_CONTAINS_ELEM:
			res = true;
			for (int32 i = 0; i < nkeys && res; i++)
				res = check[i];
			break;
		case IDSET_GIN_EQUAL:
			/* Every query key must be present; extra keys need the heap. */
			res = true;
			for (int32 i = 0; i < nkeys && res; i++)
				res = check[i];
			*recheck = true;
			break;
		case IDSET_GIN_CONTAINED:
			res = true;
			*recheck = true;
			break;
		default:
			elog(ERROR, "idset GIN: unrecognized strategy number %d", strategy);
			res = false;
	}
	PG_RETURN_BOOL(res);
}

/*
 * triConsistent: the same decisions with GIN_MAYBE for unknown keys.
 */
Datum
idset_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	GinTernaryValue res;

	switch (strategy)
	{
		case IDSET_GIN_OVERLAP:
			res = GIN_FALSE;
			for (int32 i = 0; i < nkeys; i++)
			{
				if (check[i] == GIN_TRUE)
				{
					res = GIN_TRUE;
					break;
				}
				if (check[i] == GIN_MAYBE)
					res = GIN_MAYBE;
			}
			break;
		case IDSET_GIN_CONTAINS:
		case IDSET_GIN_CONTAINS_ELEM:
		case IDSET_GIN_EQUAL:
			res = GIN_TRUE;
			for (int32 i = 0; i < nkeys; i++)
			{
				if (check[i] == GIN_FALSE)
				{
					res = GIN_FALSE;
					break;
				}
				if (check[i] == GIN_MAYBE)
					res = GIN_MAYBE;
			}
			if (strategy == IDSET_GIN_EQUAL && res == GIN_TRUE)
				res = GIN_MAYBE;	/* recheck */
			break;
		case IDSET_GIN_CONTAINED:
			res = GIN_MAYBE;	/* recheck */
			break;
		default:
			elog(ERROR, "idset GIN: unrecognized strategy number %d", strategy);
			res = GIN_FALSE;
	}
	PG_RETURN_GIN_TERNARY_VALUE(res);
}
