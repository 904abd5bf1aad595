/*
 * handle_icu.c
 *		ICU glue for the handle type: Unicode normalisation, UTS #39
 *		confusable skeletons and restriction-level checks, and the check of
 *		the ICU version the database's handle data was computed with.
 *
 * Strings cross this interface as UTF-8 in palloc'd buffers.  The only ICU
 * object we own is one USpoofChecker per backend, opened on first use and
 * kept for the life of the process; the normalisers come from ICU's own
 * singletons and are never closed.  Every other buffer is palloc'd, so an
 * ereport from here leaks nothing.
 *
 * The first time a backend computes something with ICU it compares the
 * versions recorded in follow_graph.handle_icu_version (at install, or by
 * handle_refresh_icu_version()) with the library's, and warns once if they
 * differ, as PostgreSQL does for a collation whose version changed.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "handle.h"

/* Where the recorded versions live; must match the install script. */
#define HANDLE_SCHEMA			"follow_graph"
#define HANDLE_ICU_VERSION_TABLE "handle_icu_version"
#define HANDLE_ICU_VERSION_ATT_ICU		1
#define HANDLE_ICU_VERSION_ATT_UNICODE	2

/* Backend-lifetime ICU state (never freed; owned by ICU or by us). */
static const UNormalizer2 *NfcNormalizer = NULL;
static const UNormalizer2 *NfkcCasefoldNormalizer = NULL;
static USpoofChecker *SpoofChecker = NULL;

/* Whether this backend has compared the recorded ICU version yet. */
static bool IcuVersionChecked = false;

pg_noreturn static void IcuError(const char *what, UErrorCode status);

/*
 * Report a failed ICU call; what says what we were doing ("normalize text").
 * The SQLSTATE follows what ICU says went wrong: memory, bad input, missing
 * data; anything else means we called ICU wrongly and is an internal error.
 */
static void
IcuError(const char *what, UErrorCode status)
{
	switch (status)
	{
		case U_MEMORY_ALLOCATION_ERROR:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("ICU could not allocate memory to %s.", what)));
			break;
		case U_INVALID_CHAR_FOUND:
		case U_ILLEGAL_CHAR_FOUND:
		case U_TRUNCATED_CHAR_FOUND:
		case U_ILLEGAL_ESCAPE_SEQUENCE:
		case U_UNSUPPORTED_ESCAPE_SEQUENCE:
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid UTF-8 in handle data"),
					 errdetail("ICU could not %s: %s.", what, u_errorName(status))));
			break;
		case U_INDEX_OUTOFBOUNDS_ERROR:
		case U_INPUT_TOO_LONG_ERROR:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("string too long for ICU"),
					 errdetail("ICU could not %s: %s.", what, u_errorName(status))));
			break;
		case U_MISSING_RESOURCE_ERROR:
		case U_FILE_ACCESS_ERROR:
		case U_INVALID_FORMAT_ERROR:
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not load ICU data"),
					 errdetail("ICU could not %s: %s.", what, u_errorName(status))));
			break;
		default:
			/* Bad arguments, buffer sizes we computed: our bug. */
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("ICU could not %s: %s", what, u_errorName(status))));
			break;
	}
	pg_unreachable();
}

/*
 * The version of the ICU library, as "72.1".
 */
void
FgIcuLibraryVersion(char *buf, int buflen)
{
	UVersionInfo v;
	char		full[U_MAX_VERSION_STRING_LENGTH];

	u_getVersion(v);
	u_versionToString(v, full);
	strlcpy(buf, full, buflen);
}

/*
 * The recorded versions, or false if the table or its row is missing (the
 * extension is being created or updated, or the row was deleted).  The
 * table is read directly, as a catalog is: its contents are public (the
 * table is granted to PUBLIC) and this must work for any role.
 */
static bool
ReadRecordedVersions(char **icu, char **unicode)
{
	Oid			nsp = get_namespace_oid(HANDLE_SCHEMA, true);
	Oid			relid;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid(HANDLE_ICU_VERSION_TABLE, nsp);
	if (!OidIsValid(relid))
		return false;
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return false;
	if (rel->rd_rel->relkind == RELKIND_RELATION &&
		RelationGetDescr(rel)->natts >= HANDLE_ICU_VERSION_ATT_UNICODE)
	{
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
		{
			TupleDesc	desc = RelationGetDescr(rel);
			bool		null1;
			bool		null2;
			Datum		d1 = heap_getattr(tup, HANDLE_ICU_VERSION_ATT_ICU, desc, &null1);
			Datum		d2 = heap_getattr(tup, HANDLE_ICU_VERSION_ATT_UNICODE, desc, &null2);

			if (!null1 && !null2)
			{
				*icu = TextDatumGetCString(d1);
				*unicode = TextDatumGetCString(d2);
				found = true;
			}
		}
		systable_endscan(scan);
	}
	relation_close(rel, AccessShareLock);
	return found;
}

/*
 * On a backend's first ICU computation, warn if the database's handle data
 * was recorded with another ICU or Unicode version.  Parallel workers leave
 * it to their leader, so that a query warns once.
 */
static void
CheckIcuVersion(void)
{
	char	   *rec_icu;
	char	   *rec_unicode;
	char		icu[U_MAX_VERSION_STRING_LENGTH];
	char		unicode[32];

	if (likely(IcuVersionChecked))
		return;
	if (!IsTransactionState() || IsParallelWorker())
		return;
	IcuVersionChecked = true;
	if (!ReadRecordedVersions(&rec_icu, &rec_unicode))
		return;
	FgIcuLibraryVersion(icu, sizeof(icu));
	FgIcuUnicodeVersion(unicode, sizeof(unicode));
	if (strcmp(rec_icu, icu) != 0 || strcmp(rec_unicode, unicode) != 0)
		ereport(WARNING,
				(errmsg("ICU data of follow_graph handles has version mismatch"),
				 errdetail("Handle keys and skeletons in this database were computed with ICU %s (Unicode %s), but the server now uses ICU %s (Unicode %s).",
						   rec_icu, rec_unicode, icu, unicode),
				 errhint("Rebuild the indexes listed by follow_graph.handle_icu_indexes and rewrite stored handles whose key changed, then run SELECT follow_graph.handle_refresh_icu_version().")));
	pfree(rec_icu);
	pfree(rec_unicode);
}

/*
 * The normaliser for a normal form, fetched from ICU once per backend.
 */
static const UNormalizer2 *
GetNormalizer(FgNormForm form)
{
	UErrorCode	status = U_ZERO_ERROR;

	if (form == FG_NORM_NFC)
	{
		if (NfcNormalizer == NULL)
		{
			const UNormalizer2 *n = unorm2_getNFCInstance(&status);

			if (U_FAILURE(status))
				IcuError("load the NFC normalizer", status);
			NfcNormalizer = n;
		}
		return NfcNormalizer;
	}
	if (NfkcCasefoldNormalizer == NULL)
	{
		const UNormalizer2 *n = unorm2_getNFKCCasefoldInstance(&status);

		if (U_FAILURE(status))
			IcuError("load the NFKC_Casefold normalizer", status);
		NfkcCasefoldNormalizer = n;
	}
	return NfkcCasefoldNormalizer;
}

/*
 * The backend's spoof checker, opened and configured on first use.  It is
 * stored only once fully configured, and closed before any error is raised
 * while it is being set up.
 */
static USpoofChecker *
GetSpoofChecker(void)
{
	UErrorCode	status = U_ZERO_ERROR;
	USpoofChecker *sc;

	if (SpoofChecker != NULL)
		return SpoofChecker;

	sc = uspoof_open(&status);
	if (U_FAILURE(status))
		IcuError("open a spoof checker", status);
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL, &status);
	if (U_SUCCESS(status))
		uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	if (U_FAILURE(status))
	{
		uspoof_close(sc);
		IcuError("configure a spoof checker", status);
	}
	SpoofChecker = sc;
	return SpoofChecker;
}

/*
 * UTF-8 to a palloc'd UTF-16 string; *outlen gets its length in code units.
 */
static UChar *
Utf8ToUChars(const char *utf8, int len, int32_t *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	UChar	   *buf = palloc((len + 1) * sizeof(UChar));

	/*
	 * A UTF-8 string never has more UTF-16 units than bytes.  Invalid UTF-8
	 * (only from a damaged stored value) fails with U_INVALID_CHAR_FOUND
	 * instead of being replaced.
	 */
	u_strFromUTF8(buf, len + 1, outlen, utf8, len, &status);
	if (U_FAILURE(status))
		IcuError("convert UTF-8 to UTF-16", status);
	return buf;
}

/*
 * UTF-16 to a palloc'd, NUL-terminated UTF-8 string.
 */
static char *
UCharsToUtf8(const UChar *s, int32_t len, int *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		cap = len * 3 + 1;	/* at most 3 bytes per UTF-16 unit */
	char	   *buf = palloc(cap);
	int32_t		n;

	u_strToUTF8(buf, cap, &n, s, len, &status);
	if (U_FAILURE(status))
		IcuError("convert UTF-16 to UTF-8", status);
	*outlen = n;
	return buf;
}

/*
 * Normalise a UTF-16 string into a palloc'd buffer, growing it once if ICU
 * says it is too small.
 */
static UChar *
NormalizeUChars(FgNormForm form, const UChar *s, int32_t len, int32_t *outlen)
{
	const UNormalizer2 *norm = GetNormalizer(form);
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		cap = len * 2 + 16;
	UChar	   *buf = palloc(cap * sizeof(UChar));
	int32_t		n;

	n = unorm2_normalize(norm, s, len, buf, cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(buf);
		cap = n + 1;
		buf = palloc(cap * sizeof(UChar));
		status = U_ZERO_ERROR;
		n = unorm2_normalize(norm, s, len, buf, cap, &status);
	}
	if (U_FAILURE(status))
		IcuError("normalize text", status);
	*outlen = n;
	return buf;
}

/*
 * Normalise a UTF-8 string to NFC or NFKC_Casefold; the result is a palloc'd
 * NUL-terminated UTF-8 string.
 */
char *
FgIcuNormalize(FgNormForm form, const char *utf8, int len, int *outlen)
{
	int32_t		ulen;
	int32_t		nlen;
	UChar	   *u;
	UChar	   *n;
	char	   *result;

	CheckIcuVersion();
	u = Utf8ToUChars(utf8, len, &ulen);
	n = NormalizeUChars(form, u, ulen, &nlen);
	result = UCharsToUtf8(n, nlen, outlen);
	pfree(u);
	pfree(n);
	return result;
}

/*
 * The UTS #39 skeleton of a string, case-folded again with NFKC_Casefold
 * because the confusable data maps some characters to capitals (0 -> O).
 */
char *
FgIcuSkeleton(const char *utf8, int len, int *outlen)
{
	USpoofChecker *sc;
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		ulen;
	UChar	   *u;
	int32_t		cap;
	UChar	   *skel;
	int32_t		slen;
	int32_t		flen;
	UChar	   *folded;
	char	   *result;

	CheckIcuVersion();
	sc = GetSpoofChecker();
	u = Utf8ToUChars(utf8, len, &ulen);
	cap = ulen * 2 + 16;
	skel = palloc(cap * sizeof(UChar));
	slen = uspoof_getSkeleton(sc, 0, u, ulen, skel, cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(skel);
		cap = slen + 1;
		skel = palloc(cap * sizeof(UChar));
		status = U_ZERO_ERROR;
		slen = uspoof_getSkeleton(sc, 0, u, ulen, skel, cap, &status);
	}
	if (U_FAILURE(status))
		IcuError("compute a confusable skeleton", status);

	folded = NormalizeUChars(FG_NORM_NFKC_CASEFOLD, skel, slen, &flen);
	result = UCharsToUtf8(folded, flen, outlen);
	pfree(u);
	pfree(skel);
	pfree(folded);
	return result;
}

/*
 * True if the string passes ICU's highly restrictive level: one script, or
 * Latin with Han and Hiragana/Katakana, Bopomofo or Hangul.
 */
bool
FgIcuIsHighlyRestrictive(const char *utf8, int len)
{
	USpoofChecker *sc;
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		result;

	CheckIcuVersion();
	sc = GetSpoofChecker();
	result = uspoof_check2UTF8(sc, utf8, len, NULL, &status);
	if (U_FAILURE(status))
		IcuError("check the script restriction level", status);
	return (result & USPOOF_RESTRICTION_LEVEL) == 0;
}

/*
 * The Unicode version of ICU's character data, as "15.0".
 */
void
FgIcuUnicodeVersion(char *buf, int buflen)
{
	UVersionInfo v;
	char		full[U_MAX_VERSION_STRING_LENGTH];

	u_getUnicodeVersion(v);
	/* Keep major.minor, which is what Unicode data changes with. */
	snprintf(full, sizeof(full), "%d.%d", v[0], v[1]);
	strlcpy(buf, full, buflen);
}
