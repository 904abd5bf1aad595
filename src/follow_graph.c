/*
 * follow_graph.c
 *		Module entry point and helpers shared by every area of the extension.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "fg.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* OIDs of the storage relations, looked up once and kept until invalidated. */
typedef struct FgRelCacheEntry
{
	const char *name;
	Oid			relid;
} FgRelCacheEntry;

#define FG_REL_CACHE_SIZE 16

static FgRelCacheEntry fg_rel_cache[FG_REL_CACHE_SIZE];
static int	fg_rel_cache_used = 0;

/*
 * Forget every cached OID.  Called for any relcache or namespace
 * invalidation, so DROP/CREATE EXTENSION in a live backend never leaves a
 * stale OID behind.
 */
static void
FgResetRelCache(Datum arg, Oid relid)
{
	fg_rel_cache_used = 0;
}

/*
 * The same for namespace changes.
 */
static void
FgResetRelCacheNamespace(Datum arg, int cacheid, uint32 hashvalue)
{
	fg_rel_cache_used = 0;
}

/*
 * Module load: reserve the GUC prefix and register the cache and
 * transaction callbacks.
 */
void
_PG_init(void)
{
	MarkGUCPrefixReserved("follow_graph");
	FgWriteInit();
	CacheRegisterRelcacheCallback(FgResetRelCache, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, FgResetRelCacheNamespace,
								  (Datum) 0);
}

/*
 * Look up one of the extension's storage relations by name; relname must be
 * a string constant (the cache keeps the pointer).
 */
Oid
FgRelationId(const char *relname)
{
	Oid			nsp;
	Oid			relid = InvalidOid;

	for (int i = 0; i < fg_rel_cache_used; i++)
		if (fg_rel_cache[i].name == relname ||
			strcmp(fg_rel_cache[i].name, relname) == 0)
			return fg_rel_cache[i].relid;

	nsp = get_namespace_oid(FG_SCHEMA, true);
	if (OidIsValid(nsp))
		relid = get_relname_relid(relname, nsp);
	if (OidIsValid(relid) && fg_rel_cache_used < FG_REL_CACHE_SIZE)
	{
		fg_rel_cache[fg_rel_cache_used].name = relname;
		fg_rel_cache[fg_rel_cache_used].relid = relid;
		fg_rel_cache_used++;
	}
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("follow_graph storage relation \"%s\" does not exist",
						relname),
				 errhint("Run CREATE EXTENSION follow_graph in this database.")));
	return relid;
}

/*
 * Fetch a bigint id argument of a write function; NULL is an error that
 * names the argument.
 */
int64
FgGetIdArg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
	return PG_GETARG_INT64(argno);
}

/*
 * Reject a page size that is not positive or absurdly large.
 */
void
FgCheckPageSize(int32 page_size)
{
	if (page_size <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("page_size must be positive"),
				 errdetail("The page_size given was %d.", page_size)));
	if (page_size > FG_MAX_PAGE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("page_size must be at most %d", FG_MAX_PAGE_SIZE),
				 errdetail("The page_size given was %d.", page_size)));
}
