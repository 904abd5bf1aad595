/*
 * idset_toast.h
 *		Reading a byte range of an uncompressed out-of-line value straight
 *		from its TOAST chunks (idset_toast.c), for idset_stream.c.
 */
#ifndef IDSET_TOAST_H
#define IDSET_TOAST_H

#include "storage/block.h"
#include "utils/relcache.h"

/* A TOAST relation and its indexes, opened for IdsetToastFetch(). */
typedef struct IdsetToast
{
	Relation	rel;
	Relation   *indexes;
	int			nindexes;
	int			valid;			/* the index to scan */
	BlockNumber nblocks;		/* heap blocks when opened */
} IdsetToast;

extern void IdsetToastOpen(IdsetToast *t, Oid relid);
extern void IdsetToastClose(IdsetToast *t);
extern void IdsetToastFetch(IdsetToast *t, Oid valueid, int32 extsize,
							int32 off, int32 len, char *dest);

#endif							/* IDSET_TOAST_H */
