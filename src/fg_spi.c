/*
 * fg_spi.c
 *		The SPI helpers every area of follow_graph that runs SQL shares: run a
 *		statement and check its result code, read a bigint column of the last
 *		result, prepare a statement once per backend.
 *
 * SPI raises the errors of the statement itself with their own SQLSTATE.
 * What is left for these helpers is a result code the caller did not expect,
 * which means a bug in follow_graph or a damaged installation, not bad input:
 * it is reported as an internal error (XX000) that names the SPI code and
 * the statement, except for the few codes a client can act on.
 */
#include "postgres.h"

#include "executor/spi.h"

#include "fg.h"

/*
 * The SQLSTATE for an unexpected SPI result code.
 */
static int
SpiErrcode(int rc)
{
	switch (rc)
	{
		case SPI_ERROR_TRANSACTION:
			return ERRCODE_INVALID_TRANSACTION_STATE;
		case SPI_ERROR_COPY:
		case SPI_ERROR_REL_DUPLICATE:
		case SPI_ERROR_REL_NOT_FOUND:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		default:
			return ERRCODE_INTERNAL_ERROR;
	}
}

/*
 * Report a result code other than the expected one (0: any success) of the
 * SPI call what.
 */
void
FgSpiUnexpected(const char *what, int rc, int expected, const char *sql)
{
	if (expected == 0)
		ereport(ERROR,
				(errcode(SpiErrcode(rc)),
				 errmsg_internal("%s failed: %s", what,
								 SPI_result_code_string(rc)),
				 errdetail_internal("Statement: %s", sql)));
	ereport(ERROR,
			(errcode(SpiErrcode(rc)),
			 errmsg_internal("%s returned %s where %s was expected",
							 what, SPI_result_code_string(rc),
							 SPI_result_code_string(expected)),
			 errdetail_internal("Statement: %s", sql)));
}

/*
 * Run one SQL statement (with nargs parameters when nargs > 0), check its
 * result code and return the number of rows it processed.
 */
uint64
FgSpiExec(const char *sql, int nargs, const Oid *types, const Datum *values,
		  int expected)
{
	int			rc;

	if (nargs > 0)
		rc = SPI_execute_with_args(sql, nargs, (Oid *) types, (Datum *) values,
								   NULL, false, 0);
	else
		rc = SPI_execute(sql, false, 0);
	if (rc != expected)
		FgSpiUnexpected("SPI_execute", rc, expected, sql);
	return SPI_processed;
}

/*
 * Prepare a statement once and keep it in *cache for the life of the
 * backend.
 */
SPIPlanPtr
FgSpiPrepareKeep(SPIPlanPtr *cache, const char *sql, int nargs,
				 const Oid *types)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, (Oid *) types);

		if (plan == NULL)
			FgSpiUnexpected("SPI_prepare", SPI_result, 0, sql);
		if (SPI_keepplan(plan) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg_internal("SPI_keepplan failed"),
					 errdetail_internal("Statement: %s", sql)));
		*cache = plan;
	}
	return *cache;
}

/*
 * Run a prepared statement, check its result code and return the number of
 * rows it processed.
 */
uint64
FgSpiExecPlan(SPIPlanPtr plan, const Datum *values, int expected)
{
	int			rc = SPI_execute_plan(plan, (Datum *) values, NULL, false, 0);

	if (rc != expected)
		FgSpiUnexpected("SPI_execute_plan", rc, expected, "(prepared)");
	return SPI_processed;
}

/*
 * A bigint column of row 'row' of the last SPI result; NULL reads as 0.
 */
int64
FgSpiGetInt64(uint64 row, int col)
{
	bool		isnull;
	Datum		d;

	if (row >= SPI_processed)
		elog(ERROR, "SPI result has no row " UINT64_FORMAT, row);
	d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col,
					  &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}
