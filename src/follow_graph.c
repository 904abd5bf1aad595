/*
 * follow_graph.c
 *		Module entry point and helpers shared by every area of the extension.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opfamily.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "storage/lmgr.h"
#include "storage/sinval.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "fg.h"
#include "idset.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* OIDs of the storage relations, looked up once and kept until invalidated. */
typedef struct FgRelCacheEntry
{
	const char *name;
	Oid			relid;
} FgRelCacheEntry;

#define FG_REL_CACHE_SIZE 64

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
 * Define one bound of the discovery walks: a user-settable integer GUC from 1
 * to max whose default is the variable's initial value.
 */
static void
DefineBoundGuc(const char *name, const char *desc, int *var, int max)
{
	DefineCustomIntVariable(name, desc, NULL, var, *var, 1, max,
							PGC_USERSET, 0, NULL, NULL, NULL);
}

/*
 * Module load: define the GUCs, reserve their prefix and register the cache and
 * transaction callbacks.
 */
void
_PG_init(void)
{
	DefineBoundGuc("follow_graph.suggest_middles",
				   "Followees of the viewer that suggest_follows() reads, most recent first.",
				   &fg_suggest_middles, 10000);
	DefineBoundGuc("follow_graph.suggest_fanout",
				   "Followees of each middle account that suggest_follows() reads: a window of its list in id order, placed by a hash of its id.",
				   &fg_suggest_fanout, 10000);
	DefineBoundGuc("follow_graph.similar_sample",
				   "Followers of the account that similar_accounts() samples, most recent first.",
				   &fg_similar_sample, 100000);
	DefineBoundGuc("follow_graph.similar_fanout",
				   "Followees of each sampled follower that similar_accounts() reads: a window of its list in id order, placed by a hash of its id.",
				   &fg_similar_fanout, 10000);
	IdsetDefineGucs();
	MarkGUCPrefixReserved("follow_graph");
	FgWriteInit();
	CacheRegisterRelcacheCallback(FgResetRelCache, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, FgResetRelCacheNamespace,
								  (Datum) 0);
}

/*
 * The OID of a storage relation by name, from the cache or the catalog;
 * InvalidOid if there is none.
 */
static Oid
LookupRelation(const char *relname)
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
	return relid;
}

/*
 * Look up one of the extension's storage relations by name and lock it in
 * lockmode (NoLock: look up only); relname must be a string constant (the
 * cache keeps the pointer).
 *
 * As RangeVarGetRelidExtended does, the name is looked up again after the
 * lock is granted whenever invalidation messages arrived meanwhile: a
 * concurrent DROP or rename could have given the name to another relation
 * (or to none) while we waited, and we must return the OID we hold locked.
 */
Oid
FgRelationIdLocked(const char *relname, LOCKMODE lockmode)
{
	Oid			relid = InvalidOid;
	bool		retry = false;

	for (;;)
	{
		uint64		inval_count = SharedInvalidMessageCounter;
		Oid			found = LookupRelation(relname);

		if (retry)
		{
			/* Same relation as before the wait: we hold the right lock. */
			if (found == relid)
				break;
			if (OidIsValid(relid))
				UnlockRelationOid(relid, lockmode);
		}
		relid = found;
		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"%s.%s\" does not exist",
							FG_SCHEMA, relname),
					 errhint("Run CREATE EXTENSION follow_graph in this database; if it is installed, its storage was dropped or renamed.")));
		if (lockmode == NoLock)
			break;
		LockRelationOid(relid, lockmode);
		if (inval_count == SharedInvalidMessageCounter)
			break;
		retry = true;
	}
	return relid;
}

/*
 * The OID of a storage relation by name, InvalidOid if the catalog has none
 * (a relation added after 0.1.0, in a database not updated yet).
 */
Oid
FgRelationIdIfExists(const char *relname)
{
	return LookupRelation(relname);
}

/*
 * Look up a storage relation by name without locking it (for callers that
 * lock it themselves, through SPI or table_open).
 */
Oid
FgRelationId(const char *relname)
{
	return FgRelationIdLocked(relname, NoLock);
}

/*
 * The lock object of the pair protocol (fg_write.c, fg_bulk.c):
 * follow_graph.pair_gate.  In a database whose catalog is still 0.1.0's (the
 * library was updated but ALTER EXTENSION follow_graph UPDATE has not run)
 * it is 0.1.0's pair_lock table instead, whose rows nothing locks any more,
 * so that writes go on working until the update.  The update itself waits
 * for writers in flight and keeps new ones out until it commits (see the
 * upgrade script), so no two writers ever use different lock objects.
 */
Oid
FgPairGateId(void)
{
	Oid			relid = LookupRelation(FG_PAIR_GATE);

	if (!OidIsValid(relid))
		relid = LookupRelation(FG_PAIR_GATE_0_1);
	if (!OidIsValid(relid))
		relid = FgRelationId(FG_PAIR_GATE);		/* raises 42P01 */
	return relid;
}

/*
 * Open a storage table by name, the lock taken before the name is trusted.
 * Close it with table_close(rel, NoLock): the lock is kept to commit.
 */
Relation
FgOpenTable(const char *relname, LOCKMODE lockmode)
{
	Assert(lockmode != NoLock);
	return table_open(FgRelationIdLocked(relname, lockmode), NoLock);
}

/*
 * The leading key columns the library keys on, by position, in each storage
 * index it reads (as every version's install script creates them); a NULL
 * second where it keys on the first alone.  A DBA may add key columns after
 * these, or INCLUDE columns (the readers check those themselves), except
 * where exact: the direct writers insert entries of exactly these columns.
 * unique: the install script makes it a primary key, unique on exactly
 * these columns (INCLUDE columns aside).  def is the install script's
 * definition, for the hint: a primary key's, or the index's column list.
 */
static const struct
{
	const char *index;
	const char *keys[2];
	bool		exact;
	bool		unique;
	const char *def;			/* the install script's, for the hint */
}			fg_index_keys[] = {
	{FG_EDGE_PKEY, {"follower", "followee"}, false, true,
	 "PRIMARY KEY (follower, followee)"},
	{FG_EDGE_BY_FOLLOWEE, {"followee", "follower"}, false, false,
	 "(followee, follower)"},
	{FG_EDGE_FOLLOWEE_SEQ, {"followee", "seq"}, false, false,
	 "(followee, seq) INCLUDE (follower, followed_at)"},
	{FG_EDGE_FOLLOWER_SEQ, {"follower", "seq"}, false, false,
	 "(follower, seq)"},
	{FG_COUNTER_PKEY, {"account", "stripe"}, true, true,
	 "PRIMARY KEY (account, stripe)"},
	{FG_ACCOUNT_STATE_PKEY, {"account", NULL}, false, true,
	 "PRIMARY KEY (account)"},
	{FG_REQUEST_PKEY, {"requester", "account"}, false, true,
	 "PRIMARY KEY (requester, account)"},
	{FG_REQUEST_ACCOUNT_SEQ, {"account", "seq"}, false, false,
	 "(account, seq)"},
	{FG_HIDDEN_PKEY, {"follower", "followee"}, false, true,
	 "PRIMARY KEY (follower, followee)"},
	{FG_HIDDEN_BY_FOLLOWEE, {"followee", "follower"}, false, false,
	 "(followee, follower)"},
	{FG_BLOCK_PKEY, {"blocker", "blocked"}, false, true,
	 "PRIMARY KEY (blocker, blocked)"},
	{FG_BLOCK_BLOCKER_SEQ, {"blocker", "seq"}, false, false,
	 "(blocker, seq)"},
	{FG_BLOCK_BY_BLOCKED, {"blocked", "blocker"}, false, false,
	 "(blocked, blocker)"},
	{FG_MUTE_PKEY, {"muter", "muted"}, false, true,
	 "PRIMARY KEY (muter, muted)"},
	{FG_MUTE_MUTER_SEQ, {"muter", "seq"}, false, false,
	 "(muter, seq)"},
	{FG_MUTE_BY_MUTED, {"muted", "muter"}, false, false,
	 "(muted, muter)"},
	{FG_ITEM_PKEY, {"item", NULL}, false, true,
	 "PRIMARY KEY (item) INCLUDE (author)"},
	{FG_ITEM_AUTHOR_ITEM, {"author", "item"}, false, false,
	 "(author, item)"},
	{FG_ITEM_BOUND_AUTHOR, {"author", NULL}, false, false,
	 "(author, newest)"},	/* newest: from the heap */
	{FG_ITEM_BOUND_NEWEST, {"newest", NULL}, false, false,
	 "(newest) INCLUDE (author)"},
	{FG_MUTUAL_PKEY, {"account", "friend"}, true, true,
	 "PRIMARY KEY (account, friend)"},
	{"dismissal_pkey", {"account", "candidate"}, false, true,
	 "PRIMARY KEY (account, candidate)"},	/* fg_discovery.c */
};

/*
 * The entry of fg_index_keys for the storage index of that name, or -1.
 */
static int
IndexKeysEntry(const char *relname)
{
	for (int i = 0; i < (int) lengthof(fg_index_keys); i++)
		if (strcmp(fg_index_keys[i].index, relname) == 0)
			return i;
	return -1;
}

/*
 * What keeps a storage index from standing for its columns: NULL, or "a
 * partial index" (it misses rows), "an index on expressions" (its keys are
 * other values), "a hash index" (or of another access method than btree:
 * the walks read btree key ranges), "an index on other key columns" (the
 * walks key on its leading columns by position), "an index with more
 * columns" (one the direct writers fill entry by entry), "a non-unique
 * index", "a deferrable unique index", "a unique index on more key
 * columns" or "a unique index that is not the primary key" (for a primary
 * key: the SQL writers name it as the arbiter of ON CONFLICT, the edge
 * writer checks uniqueness only in a unique index, and bulk loads and
 * cluster nodes name the constraint), or "an index with another operator
 * class" (the walks compare the keys as int8 and int4 in their default
 * order, and take the index's entries to come in that order).  The install scripts create none of
 * these; one a DBA recreated that way under the same name would give wrong
 * answers or worse.  A descending column, a key column after those the
 * library keys on and INCLUDE columns are shapes the readers handle
 * (index_desc, probe_small, feed_walk).  Runs on every open: a few tests of
 * the relcache entry, no catalog lookup.  (Every key column of the storage
 * is an integer, so no index of it has a collation to check.)
 */
const char *
FgIndexShapeProblem(Relation index)
{
	TupleDesc	desc = RelationGetDescr(index);
	int			entry;
	int			nkeys;

	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
		return "a partial index";
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL))
		return "an index on expressions";
	if (index->rd_rel->relam != BTREE_AM_OID)
		return psprintf("a %s index", get_am_name(index->rd_rel->relam));
	entry = IndexKeysEntry(RelationGetRelationName(index));
	if (entry < 0)
		return NULL;
	nkeys = fg_index_keys[entry].keys[1] == NULL ? 1 : 2;
	if (IndexRelationGetNumberOfKeyAttributes(index) < nkeys)
		return "an index on other key columns";
	for (int i = 0; i < nkeys; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname),
				   fg_index_keys[entry].keys[i]) != 0)
			return "an index on other key columns";
	if (fg_index_keys[entry].exact && IndexRelationGetNumberOfAttributes(index) != nkeys)
		return "an index with more columns";
	if (fg_index_keys[entry].unique)
	{
		if (!index->rd_index->indisunique)
			return "a non-unique index";
		if (!index->rd_index->indimmediate)
			return "a deferrable unique index";
		if (IndexRelationGetNumberOfKeyAttributes(index) != nkeys)
			return "a unique index on more key columns";
	}
	for (int i = 0; i < nkeys; i++)
		if (index->rd_opfamily[i] != INTEGER_BTREE_FAM_OID ||
			index->rd_opcintype[i] != TupleDescAttr(desc, i)->atttypid)
			return "an index with another operator class";
	/* Bulk loads drop and add it, cluster nodes name it, as a constraint. */
	if (fg_index_keys[entry].unique && !index->rd_index->indisprimary)
		return "a unique index that is not the primary key";
	return NULL;
}

/*
 * For the messages about the storage index of that name: the leading key
 * columns the library keys on, "(a, b)", the install script's definition
 * and whether that is a primary key; generic words for an unknown name.
 */
static void
IndexKeysText(const char *relname, char **keys, const char **def, bool *unique)
{
	int			entry = IndexKeysEntry(relname);

	if (entry < 0)
	{
		*keys = pstrdup("its columns");
		*def = "its columns";
		*unique = false;
	}
	else
	{
		*keys = fg_index_keys[entry].keys[1] == NULL ?
			psprintf("(%s)", fg_index_keys[entry].keys[0]) :
			psprintf("(%s, %s)", fg_index_keys[entry].keys[0],
					 fg_index_keys[entry].keys[1]);
		*def = fg_index_keys[entry].def;
		*unique = fg_index_keys[entry].unique;
	}
}

/*
 * The same for a storage index; close it with index_close(rel, NoLock).
 * One recreated in a shape that cannot stand for its columns (see
 * FgIndexShapeProblem()) is refused (55000) rather than read.
 */
Relation
FgOpenIndex(const char *relname, LOCKMODE lockmode)
{
	Relation	index;
	const char *problem;

	Assert(lockmode != NoLock);
	index = index_open(FgRelationIdLocked(relname, lockmode), NoLock);
	if ((problem = FgIndexShapeProblem(index)) != NULL)
	{
		char	   *keys;
		const char *def;
		bool		unique;

		index_close(index, NoLock);
		IndexKeysText(relname, &keys, &def, &unique);
		if (unique)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("follow_graph cannot use index \"%s.%s\"", FG_SCHEMA, relname),
					 errdetail("The index is %s; follow_graph reads it as a unique btree index on %s.",
							   problem, keys),
					 errhint("Drop the index (or its constraint) and add the constraint again as the install script does: %s.",
							 def)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("follow_graph cannot use index \"%s.%s\"", FG_SCHEMA, relname),
				 errdetail("The index is %s; follow_graph reads it as a btree index whose key starts with %s.",
						   problem, keys),
				 errhint("Drop the index and create it again as the install script does: on %s, without WHERE, expressions or named operator classes.",
						 def)));
	}
	return index;
}

/*
 * Refuse, as FgOpenIndex() does, a storage index that a writer reaches only
 * through SQL, as the arbiter of an ON CONFLICT: one recreated non-unique
 * would fail there with 42P10 (no unique constraint matching), and one in
 * another refused shape would be written through unchecked.  Takes ACCESS
 * SHARE on the table, then on the index, before the statement takes its
 * own locks: those conflict with ACCESS EXCLUSIVE only, which no writer
 * takes on these tables, so no writer's lock order changes.
 */
void
FgCheckArbiterIndex(const char *tablename, const char *indexname)
{
	Relation	heap = FgOpenTable(tablename, AccessShareLock);

	index_close(FgOpenIndex(indexname, AccessShareLock), NoLock);
	table_close(heap, NoLock);
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

/*
 * qsort order for int64: ascending.
 */
int
FgCompareInt64(const void *a, const void *b)
{
	return FgCmpInt64(*(const int64 *) a, *(const int64 *) b);
}
