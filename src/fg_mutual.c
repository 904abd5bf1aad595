/*
 * fg_mutual.c
 *		The mutual range: follow_graph.mutual holds both rows (a, b) and
 *		(b, a) of every pair that follows each other, so that the Friends of
 *		an account are one btree range in id order.
 *
 * The range changes exactly where a mutual count changes, from the same
 * decision, so it is as exact as the counts in every snapshot:
 *
 *	- the pair writers (fg_write.c) call FgMutualPair() inside the pair's
 *	  critical section, right after they change the edge whose reverse they
 *	  found settled.  A later writer of either edge of the pair finds that
 *	  change in progress and waits for our outcome, so the rows and the
 *	  edges commit or abort together;
 *	- the account and bulk writers (fg_states.c, fg_bulk.c) insert or delete
 *	  the rows in the statement that applies their mutual count deltas, from
 *	  the same pairs (FG_MUTUAL_INSERT_CTE, FG_MUTUAL_DELETE_CTE in fg.h),
 *	  while they hold the pair gate or the edge table locked;
 *	- verify() reports every row the edges do not give and every mutual
 *	  pair of edges without its rows; rebuild_counts() repairs both.
 *
 * A catalog older than 0.3.0 has no mutual table (the library was updated
 * but ALTER EXTENSION UPDATE has not run): then nothing maintains it and
 * the reads intersect the account's two edge lists, as 0.2.0 did.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"

#include "fg.h"

static SPIPlanPtr plan_mutual_insert = NULL;
static SPIPlanPtr plan_mutual_delete = NULL;

/* Both rows of the pair {$1, $2}. */
static const char *const sql_mutual_insert =
"INSERT INTO follow_graph.mutual (account, friend) VALUES ($1, $2), ($2, $1)"
" ON CONFLICT (account, friend) DO NOTHING";

static const char *const sql_mutual_delete =
"DELETE FROM follow_graph.mutual AS m"
" USING (VALUES ($1, $2), ($2, $1)) AS k (a, b)"
" WHERE m.account OPERATOR(pg_catalog.=) k.a"
"   AND m.friend OPERATOR(pg_catalog.=) k.b";

static const Oid mutual_types[] = {INT8OID, INT8OID};

/*
 * Does the catalog have the mutual range (0.3.0 or later)?
 */
bool
FgMutualInstalled(void)
{
	return OidIsValid(FgRelationIdIfExists(FG_MUTUAL_TABLE));
}

/*
 * Open follow_graph.mutual for reading; close it with table_close(rel,
 * NoLock).
 */
Relation
FgOpenMutual(void)
{
	return FgOpenTable(FG_MUTUAL_TABLE, AccessShareLock);
}

/*
 * The pair {a,b} became mutual (mutual true) or stopped being mutual: add
 * or remove both of its rows.  Called by a pair writer inside the pair's
 * critical section, with SPI connected, exactly when it changes the pair's
 * mutual count.  The rows are written directly (fg_direct.c), or through
 * SQL when a DBA changed the table.  A conflicting row (a range damaged
 * around the API) is left for verify() to report rather than failing the
 * write.
 */
void
FgMutualPair(int64 a, int64 b, bool mutual)
{
	Datum		values[2];

	Assert(a != b);
	if (!FgMutualInstalled())
		return;
	if (FgDirectMutualPair(a, b, mutual))
		return;					/* written without SPI (fg_direct.c) */
	if (mutual)
		FgCheckArbiterIndex(FG_MUTUAL_TABLE, FG_MUTUAL_PKEY);
	values[0] = Int64GetDatum(a);
	values[1] = Int64GetDatum(b);
	if (mutual)
		FgSpiExecPlan(FgSpiPrepareKeep(&plan_mutual_insert, sql_mutual_insert,
									   2, mutual_types),
					  values, SPI_OK_INSERT);
	else
		FgSpiExecPlan(FgSpiPrepareKeep(&plan_mutual_delete, sql_mutual_delete,
									   2, mutual_types),
					  values, SPI_OK_DELETE);
}

/*
 * One page of mutuals(account, page_size, after) from the mutual range:
 * the account's friends in ascending id order, past the cursor if given.
 * The caller checked that the catalog has the range and that neither the
 * account nor page_size is NULL.
 */
Datum
FgMutualPage(FunctionCallInfo fcinfo, int64 account)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		page_size = PG_GETARG_INT32(1);
	Relation	heap;
	FgScan	   *s;
	int64		friend;
	int32		n = 0;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	FgCheckPageSize(page_size);
	heap = FgOpenMutual();
	s = FgScanBegin(heap, FG_MUTUAL_PKEY, ForwardScanDirection, false);
	if (PG_ARGISNULL(2))
		FgScanSeek(s, account, InvalidStrategy, 0);
	else
		FgScanSeek(s, account, BTGreaterStrategyNumber, PG_GETARG_INT64(2));
	while (n < page_size && FgScanNextId(s, &friend))
	{
		Datum		value = Int64GetDatum(friend);
		bool		isnull = false;

		CHECK_FOR_INTERRUPTS();
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		n++;
	}
	FgScanEnd(s);
	table_close(heap, NoLock);
	return (Datum) 0;
}
