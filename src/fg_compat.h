/*
 * fg_compat.h
 *		The few places where PostgreSQL's C API differs between the majors
 *		follow_graph supports (15 to 18), each as one small macro, so that
 *		the code reads as if written for one version.
 */
#ifndef FG_COMPAT_H
#define FG_COMPAT_H

#include "postgres.h"

/* 16 renamed a relation's RelFileNode (rd_node) to RelFileLocator (rd_locator). */
#if PG_VERSION_NUM >= 160000
#define FgRelFileLocator			RelFileLocator
#define FgRelationLocator(rel)		((rel)->rd_locator)
#define FgRelFileLocatorEquals(x, y)	RelFileLocatorEquals((x), (y))
#else
#define FgRelFileLocator			RelFileNode
#define FgRelationLocator(rel)		((rel)->rd_node)
#define FgRelFileLocatorEquals(x, y)	RelFileNodeEquals((x), (y))
#endif

/*
 * One shared-buffer hit of a relation's block in pg_stat_io (16 and later;
 * 18 added the count and the bytes), for a read that bypasses ReadBuffer().
 */
#if PG_VERSION_NUM >= 180000
#define FgCountIoHit()	pgstat_count_io_op(IOOBJECT_RELATION, IOCONTEXT_NORMAL, IOOP_HIT, 1, 0)
#elif PG_VERSION_NUM >= 160000
#define FgCountIoHit()	pgstat_count_io_op(IOOBJECT_RELATION, IOCONTEXT_NORMAL, IOOP_HIT)
#else
#define FgCountIoHit()	((void) 0)
#endif

/* 16 moved the varlena macros (VARDATA, SET_VARSIZE, ...) to varatt.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* 18 replaced pg_attribute_noreturn() with the prefix pg_noreturn. */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/* 18 added an instrumentation argument to index_beginscan(). */
#if PG_VERSION_NUM >= 180000
#define FgIndexBeginScan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#else
#define FgIndexBeginScan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#endif

/* 17 added an "or stronger" argument to LockHeldByMe(); we ask for one mode. */
#if PG_VERSION_NUM >= 170000
#define FgLockHeldByMe(tag, mode)	LockHeldByMe((tag), (mode), false)
#else
#define FgLockHeldByMe(tag, mode)	LockHeldByMe((tag), (mode))
#endif

/* 16 added an "update indexes" result argument to simple_heap_update(). */
#if PG_VERSION_NUM >= 160000
#define FgSimpleHeapUpdate(rel, otid, tup) \
	do { \
		TU_UpdateIndexes fg_update_indexes_; \
		simple_heap_update((rel), (otid), (tup), &fg_update_indexes_); \
	} while (0)
#else
#define FgSimpleHeapUpdate(rel, otid, tup)	simple_heap_update((rel), (otid), (tup))
#endif

/*
 * 17 added index_insert_cleanup(), which releases what an access method
 * kept across index_insert() calls (BRIN keeps its revmap buffer pinned).
 */
#if PG_VERSION_NUM >= 170000
#define FgIndexInsertCleanup(index, info)	index_insert_cleanup((index), (info))
#else
#define FgIndexInsertCleanup(index, info)	((void) 0)
#endif

/*
 * Was the relation created, or given new storage (TRUNCATE, CLUSTER, ...),
 * in the current transaction?  16 renamed relfilenode to relfilelocator.
 */
#if PG_VERSION_NUM >= 160000
#define FgRelStorageNewInXact(rel) \
	((rel)->rd_createSubid != InvalidSubTransactionId || \
	 (rel)->rd_firstRelfilelocatorSubid != InvalidSubTransactionId)
#else
#define FgRelStorageNewInXact(rel) \
	((rel)->rd_createSubid != InvalidSubTransactionId || \
	 (rel)->rd_firstRelfilenodeSubid != InvalidSubTransactionId)
#endif

/*
 * 17 removed old_snapshot_threshold: before, a scan reading index pages by
 * itself tests each page read as nbtree does (an error if the page lost
 * rows the snapshot needs, or was recycled, after the threshold).
 */
#if PG_VERSION_NUM >= 170000
#define FgTestForOldSnapshot(snapshot, rel, page)	((void) 0)
#else
#define FgTestForOldSnapshot(snapshot, rel, page) \
	TestForOldSnapshot((snapshot), (rel), (page))
#endif

#endif							/* FG_COMPAT_H */
