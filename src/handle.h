/*
 * handle.h
 *		Private declarations of the handle type and of the ICU glue it uses.
 *
 * A handle value is a varlena whose payload is, for a pure-ASCII handle,
 *
 *		byte 0		HANDLE_FLAG_ASCII
 *		display		the handle as typed; its key is the same bytes lowercased
 *
 * (as small as citext: NFC is the identity on ASCII and NFKC_Casefold is
 * lowercasing), and otherwise
 *
 *		byte 0		flags (HANDLE_FLAG_SHARED or 0)
 *		bytes 1-2	length of the key in bytes, little-endian
 *		key			NFKC_Casefold form, UTF-8: identity, order and hash
 *		display		NFC form as typed, UTF-8 (absent when it equals the key)
 *
 * so that comparisons and hashing read the key bytes directly and never call
 * ICU.  Both forms are UTF-8 whatever the database encoding.
 */
#ifndef HANDLE_H
#define HANDLE_H

#include "postgres.h"

#include "fg_compat.h"

#include "fmgr.h"

/* Limits of a handle's display form and of its key, both counted alike. */
#define HANDLE_MIN_CHARS		2
#define HANDLE_MAX_CHARS		30
#define HANDLE_MAX_BYTES		255		/* NFC form and key, in UTF-8 */
#define HANDLE_MAX_INPUT_BYTES	1024	/* input in UTF-8, before normalisation */
#define HANDLE_MESSAGE_BYTES	64		/* input quoted in errors, at most */

/* Payload header. */
#define HANDLE_HDRSZ			3
#define HANDLE_FLAG_ASCII		0x01	/* ASCII layout: no key stored */
#define HANDLE_FLAG_SHARED		0x02	/* display form equals the key */

/* Normal forms the ICU glue computes. */
typedef enum FgNormForm
{
	FG_NORM_NFC,
	FG_NORM_NFKC_CASEFOLD
} FgNormForm;

/* handle_icu.c */
extern char *FgIcuNormalize(FgNormForm form, const char *utf8, int len,
							int *outlen);
extern char *FgIcuSkeleton(const char *utf8, int len, int *outlen);
extern bool FgIcuIsHighlyRestrictive(const char *utf8, int len);
extern void FgIcuUnicodeVersion(char *buf, int buflen);
extern void FgIcuLibraryVersion(char *buf, int buflen);

#endif							/* HANDLE_H */
