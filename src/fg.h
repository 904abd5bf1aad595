/*
 * fg.h
 *		Private declarations shared by follow_graph's graph code: storage
 *		lookup, argument checks and the neighbour scan used by every read.
 */
#ifndef FG_H
#define FG_H

#include "postgres.h"

#include "fg_compat.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/lockdefs.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

#define FG_SCHEMA				"follow_graph"

/* Storage relations, by name inside FG_SCHEMA. */
#define FG_EDGE_TABLE			"edge"
#define FG_EDGE_PKEY			"edge_pkey"				/* (follower, followee) */
#define FG_EDGE_BY_FOLLOWEE		"edge_followee_follower"	/* (followee, follower) */
#define FG_EDGE_FOLLOWEE_SEQ	"edge_followee_seq"		/* (followee, seq) */
#define FG_EDGE_FOLLOWER_SEQ	"edge_follower_seq"		/* (follower, seq) */
#define FG_COUNTER_TABLE		"counter"
#define FG_COUNTER_PKEY			"counter_pkey"			/* (account, stripe) */

/* Attribute numbers of follow_graph.edge and follow_graph.counter. */
#define FG_EDGE_ATT_FOLLOWER	1
#define FG_EDGE_ATT_FOLLOWEE	2
#define FG_EDGE_ATT_SEQ			3
#define FG_EDGE_ATT_FOLLOWED_AT	4
#define FG_COUNTER_ATT_FOLLOWERS	3
#define FG_COUNTER_ATT_FOLLOWING	4
#define FG_COUNTER_ATT_MUTUALS		5
#define FG_COUNTER_ATT_REQUESTS		6
#define FG_COUNTER_ATT_ITEMS		7

/* Relationship states (see sql/install/60_states.sql, docs/states-design.md). */
#define FG_ACCOUNT_STATE_TABLE	"account_state"
#define FG_ACCOUNT_STATE_PKEY	"account_state_pkey"	/* (account) */
#define FG_REQUEST_TABLE		"request"
#define FG_REQUEST_PKEY			"request_pkey"			/* (requester, account) */
#define FG_REQUEST_ACCOUNT_SEQ	"request_account_seq"	/* (account, seq) */
#define FG_HIDDEN_TABLE			"hidden_edge"
#define FG_HIDDEN_PKEY			"hidden_edge_pkey"		/* (follower, followee) */
#define FG_HIDDEN_BY_FOLLOWEE	"hidden_edge_followee_follower"
#define FG_BLOCK_TABLE			"block"
#define FG_BLOCK_PKEY			"block_pkey"			/* (blocker, blocked) */
#define FG_BLOCK_BLOCKER_SEQ	"block_blocker_seq"		/* (blocker, seq) */
#define FG_BLOCK_BY_BLOCKED		"block_blocked_blocker"	/* (blocked, blocker) */
#define FG_MUTE_TABLE			"mute"
#define FG_MUTE_PKEY			"mute_pkey"				/* (muter, muted) */
#define FG_MUTE_MUTER_SEQ		"mute_muter_seq"		/* (muter, seq) */
#define FG_MUTE_BY_MUTED		"mute_muted_muter"		/* (muted, muter) */
#define FG_STATE_ATT_PRIVATE	2
#define FG_STATE_ATT_ACTIVE		3

#define FG_PAIR_GATE			"pair_gate"				/* lock object only */
#define FG_PAIR_GATE_0_1		"pair_lock"				/* its 0.1.0 stand-in */

/* Largest array accepted by relationships() and counts(). */
#define FG_MAX_ARRAY_ELEMENTS	1000000

/* Largest page a list or set function returns in one call. */
#define FG_MAX_PAGE_SIZE		100000000

/* Size ratio above which a set walk probes the longer list instead of merging. */
#define FG_PROBE_RATIO			16
/* The probe path reads a small side whole into an array up to this size. */
#define FG_PROBE_READ_MAX		1024
/*
 * A small side is merged with a range of at most this many leaves (read
 * whole), taken as FG_PROBE_LEAF_IDS ids each, rather than probing it.
 */
#define FG_PROBE_MERGE_LEAVES	4
#define FG_PROBE_LEAF_IDS		256

/*
 * -1, 0 or 1 as a is below, equal to or above b.
 */
static inline int
FgCmpInt64(int64 a, int64 b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * The flag columns of relationships() after target, as offsets in the flags
 * FgRelationshipFlags() fills for each target.
 */
#define FG_REL_FOLLOWING		0
#define FG_REL_FOLLOWED_BY		1
#define FG_REL_REQUESTED		2
#define FG_REL_REQUESTED_BY		3
#define FG_REL_BLOCKING			4
#define FG_REL_BLOCKED_BY		5
#define FG_REL_MUTING			6
#define FG_REL_COLUMNS			7

/* fg_states_read.c */
extern void FgRelationshipFlags(int64 viewer, const int64 *ids, int n,
								bool with_states, bool *flags);
extern void FgPairStates(int64 viewer, int64 target, bool *blocking,
						 bool *blocked_by, bool *requested);

/* fg_write.c */
extern void FgWriteInit(void);
extern bool FgStripeHeld(int64 account);
extern bool FgStripeRemember(int64 account, uint64 row, int col);
extern void FgBumpItems(int64 account, int64 delta);
extern bool FgStripeCacheLookup(int64 account, ItemPointer tid);
extern void FgStripeCacheStore(int64 account, ItemPointer tid);

/* fg_direct.c: edge and stripe writes without the executor */
extern void FgDirectStripeAdd(int64 account, const int64 *deltas, int ndeltas);
extern void FgDirectStripeAddCommuting(int64 account, const int64 *deltas, int ndeltas);
extern bool FgDirectEdgeInsert(Relation heap, int64 follower, int64 followee);
extern void FgDirectEdgeDelete(Relation heap, ItemPointer tid);
extern bool FgDirectMutualPair(int64 a, int64 b, bool mutual);

/* fg_feed.c (home feed storage; see sql/install/70_feed.sql) */
#define FG_ITEM_TABLE			"item"
#define FG_ITEM_PKEY			"item_pkey"				/* (item) INCLUDE (author) */
#define FG_ITEM_AUTHOR_ITEM		"item_author_item"		/* (author, item) */
#define FG_ITEM_BOUND_TABLE		"item_bound"			/* 0.3.0 */
#define FG_ITEM_BOUND_AUTHOR	"item_bound_author"		/* (author, newest) */
#define FG_ITEM_BOUND_NEWEST	"item_bound_newest"		/* (newest) INCLUDE (author) */
extern int64 FgRemoveAccountItems(int64 account);

/* fg_items.c: direct writes of items and author-recency bounds */
extern int	FgDirectItemInsert(int64 author, int64 item);
extern int	FgDirectItemDelete(int64 author, int64 item);
extern bool FgDirectWriteOk(Relation heap);
extern bool FgBoundInstalled(void);
extern void FgBoundCover(int64 author, int64 item);
extern void FgBoundRemove(int64 account);

/* fg_states.c: account writers' parts of remove_account() and import_edges() */
extern bool FgStatesInstalled(void);
extern void FgLockStateWriters(void);
extern TransactionId FgStateRowsInFlight(int64 account);
extern void FgCheckStateRowsSnapshot(int64 account);
extern int64 FgRemoveAccountStates(int64 account);
extern void FgRemoveAccountMarks(int64 account);
extern bool FgStateTableHasRows(const char *table);
extern void FgCheckStateTablesSnapshot(void);
/* fg_discovery.c: the bounds of the discovery walks (GUCs) */
extern int	fg_suggest_middles;
extern int	fg_suggest_fanout;
extern int	fg_similar_sample;
extern int	fg_similar_fanout;
extern void FgDeleteDismissals(int64 account);

/* follow_graph.c */
extern Oid	FgRelationIdLocked(const char *relname, LOCKMODE lockmode);
extern Oid	FgRelationId(const char *relname);
extern Oid	FgRelationIdIfExists(const char *relname);
extern Oid	FgPairGateId(void);
extern Relation FgOpenTable(const char *relname, LOCKMODE lockmode);
extern Relation FgOpenIndex(const char *relname, LOCKMODE lockmode);
extern const char *FgIndexShapeProblem(Relation index);
extern void FgCheckArbiterIndex(const char *tablename, const char *indexname);
extern int64 FgGetIdArg(FunctionCallInfo fcinfo, int argno, const char *argname);
extern void FgCheckPageSize(int32 page_size);
extern int	FgCompareInt64(const void *a, const void *b);

/* fg_spi.c: SPI with checked result codes (inside SPI_connect/SPI_finish). */
extern uint64 FgSpiExec(const char *sql, int nargs, const Oid *types,
						const Datum *values, int expected);
extern SPIPlanPtr FgSpiPrepareKeep(SPIPlanPtr *cache, const char *sql,
								   int nargs, const Oid *types);
extern uint64 FgSpiExecPlan(SPIPlanPtr plan, const Datum *values,
							int expected);
extern int64 FgSpiGetInt64(uint64 row, int col);
extern pg_noreturn void FgSpiUnexpected(const char *what, int rc,
										 int expected, const char *sql);

/*
 * A forward or backward walk over one btree of follow_graph.edge restricted
 * to one owner id (the first key column), optionally bounded on the second
 * column.  Neighbour ids are read from the index tuple when the heap page is
 * all-visible, as an index-only scan does.
 */
typedef struct FgScan
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer;
	Snapshot	snapshot;
	ScanDirection dir;
	int64		owner;
	ScanKeyData keys[2];
} FgScan;

/*
 * One version of an edge as a dirty snapshot saw it (see FgProbeDirty): where
 * it is, its raw inserter, and the other transaction still inserting or
 * deleting it (InvalidTransactionId if none).
 */
typedef struct FgEdgeVersion
{
	bool		found;
	ItemPointerData tid;
	TransactionId xmin;
	TransactionId wait;
} FgEdgeVersion;

/* fg_scan.c */
extern Relation FgOpenEdges(void);
extern FgScan *FgScanBegin(Relation heap, const char *indexname,
						   ScanDirection dir, bool want_heap);
extern FgScan *FgScanBeginSnapshot(Relation heap, const char *indexname,
								   Snapshot snapshot, ScanDirection dir,
								   bool want_heap);
extern void FgProbeDirty(Relation heap, int64 a, int64 b, FgEdgeVersion *v);
extern void FgProbeDirtyPair(Relation heap, int64 a, int64 b,
							 FgEdgeVersion *own, FgEdgeVersion *rev);
extern void FgProbeDirtyKeys(Relation heap, const char *indexname, int64 a,
							 int64 b, FgEdgeVersion *own, FgEdgeVersion *rev);
extern void FgProbeDirtyAccount(Relation heap, int64 account,
								FgEdgeVersion *v, bool *is_private,
								bool *is_active);
extern bool FgProbeSnapshotKeys(Relation heap, const char *indexname,
								int64 a, int64 b);
extern void FgNoteVersion(TupleTableSlot *slot, Snapshot dirty,
						  FgEdgeVersion *v);
extern bool FgVersionExists(Relation heap, FgEdgeVersion *v);
extern bool FgProbeSnapshot(Relation heap, int64 a, int64 b);
extern pg_noreturn void FgSerializationFailure(void);
extern void FgScanSeek(FgScan *s, int64 owner, StrategyNumber strategy,
					   int64 bound);
extern bool FgScanNextId(FgScan *s, int64 *id);
extern bool FgScanNextTuple(FgScan *s);
extern bool FgScanProbe(FgScan *s, int64 owner, int64 other);
extern void FgScanEnd(FgScan *s);
extern bool FgFetchByKey(Relation heap, Relation index, Snapshot snapshot,
						 int64 key, TupleTableSlot *slot);

/* The counts of one account. */
typedef struct FgCounts
{
	int64		followers;
	int64		following;
	int64		mutuals;
	int64		requests;		/* pending incoming follow requests */
} FgCounts;

/* An open walk over follow_graph.counter for repeated count lookups. */
typedef struct FgCounterReader
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
} FgCounterReader;

/* An id of an array argument with its position, for order-keeping dedup. */
typedef struct FgArrayItem
{
	int64		id;
	int			pos;
	int			keep;
} FgArrayItem;

/*
 * A newest-first list: the (owner, seq) index of a table and the columns of
 * its page rows (other, at, [expires_at,] seq).
 */
typedef struct FgSeqList
{
	const char *table;
	const char *index;			/* (owner, seq) */
	AttrNumber	other_att;
	AttrNumber	at_att;
	AttrNumber	seq_att;
	AttrNumber	expires_att;	/* InvalidAttrNumber if the rows never expire */
} FgSeqList;

/* fg_read.c: counter lookups, array arguments, list pages and set walks */
extern void FgCounterReaderBegin(FgCounterReader *r, bool size_hint);
extern void FgCounterRead(FgCounterReader *r, int64 account, FgCounts *c);
extern void FgCounterReaderEnd(FgCounterReader *r);
extern FgArrayItem *FgDistinctIds(ArrayType *arr, const char *argname,
								  bool has_skip, int64 skip, int *count);
extern void FgInInputOrder(FgArrayItem *items, int n);
extern bool FgExpiryInForce(Datum expires_at, bool isnull);
extern Datum FgSeqListPage(FunctionCallInfo fcinfo, const FgSeqList *list);
extern bool FgAdvanceTo(FgScan *s, int64 *cur, int64 target);

/*
 * fg_mutual.c: the mutual range (follow_graph.mutual, 0.3.0), both rows
 * (a, b) and (b, a) of every mutual pair.  Writers change it exactly where
 * they change a mutual count; on an older catalog it is absent and the
 * reads intersect the edges instead.
 */
#define FG_MUTUAL_TABLE			"mutual"
#define FG_MUTUAL_PKEY			"mutual_pkey"			/* (account, friend) */
extern bool FgMutualInstalled(void);
extern void FgMutualPair(int64 a, int64 b, bool mutual);
extern Datum FgMutualPage(FunctionCallInfo fcinfo, int64 account);
extern Relation FgOpenMutual(void);

/*
 * CTEs for the set-based writers (each ends with a comma): insert or delete
 * both rows of every pair (a, b) the query yields, a pair counted once.
 * Rows go in in key order, so that a large import fills the btree densely.
 */
#define FG_MUTUAL_INSERT_CTE(name, pairs) \
" " name " AS (" \
"  INSERT INTO follow_graph.mutual (account, friend)" \
"  SELECT k.a, k.b FROM (" pairs ") AS p (a, b)," \
"       LATERAL (VALUES (p.a, p.b), (p.b, p.a)) AS k (a, b)" \
"  ORDER BY k.a, k.b" \
"  ON CONFLICT (account, friend) DO NOTHING RETURNING 1),"
#define FG_MUTUAL_DELETE_CTE(name, pairs) \
" " name " AS (" \
"  DELETE FROM follow_graph.mutual AS m" \
"  USING (" pairs ") AS p (a, b)," \
"       LATERAL (VALUES (p.a, p.b), (p.b, p.a)) AS k (a, b)" \
"  WHERE m.account OPERATOR(pg_catalog.=) k.a" \
"    AND m.friend OPERATOR(pg_catalog.=) k.b RETURNING 1),"

/* fg_pages.c: followers() pages from the covering index (0.3.0) */
extern bool FgEdgeIndexCovers(const char *indexname);
extern Datum FgFollowersPage(FunctionCallInfo fcinfo, const char *indexname);

#endif							/* FG_H */
