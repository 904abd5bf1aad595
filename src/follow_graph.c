/*
 * follow_graph.c
 *		Module entry point and helpers shared by every area of the extension.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "fg.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: reserve the GUC prefix and let each area register itself.
 */
void
_PG_init(void)
{
	MarkGUCPrefixReserved("follow_graph");
}

/*
 * Look up one of the extension's storage relations by name.  Done per call
 * (two syscache probes) so that DROP/CREATE EXTENSION in a live backend
 * never leaves a stale OID behind.
 */
Oid
FgRelationId(const char *relname)
{
	Oid			nsp = get_namespace_oid(FG_SCHEMA, true);
	Oid			relid = InvalidOid;

	if (OidIsValid(nsp))
		relid = get_relname_relid(relname, nsp);
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
