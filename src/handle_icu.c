/*
 * fg_icu.c
 *		ICU glue for the handle type: Unicode normalisation, UTS #39
 *		confusable skeletons and restriction-level checks.
 *
 * Strings cross this interface as UTF-8 in palloc'd buffers.  The only ICU
 * object we own is one USpoofChecker per backend, opened on first use and
 * kept for the life of the process; the normalisers come from ICU's own
 * singletons and are never closed.  Every other buffer is palloc'd, so an
 * ereport from here leaks nothing.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

#include "handle.h"

/* Backend-lifetime ICU state (never freed; owned by ICU or by us). */
static const UNormalizer2 *NfcNormalizer = NULL;
static const UNormalizer2 *NfkcCasefoldNormalizer = NULL;
static USpoofChecker *SpoofChecker = NULL;

pg_noreturn static void IcuError(const char *what, UErrorCode status);

/*
 * Report a failed ICU call.
 */
static void
IcuError(const char *what, UErrorCode status)
{
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("ICU call %s failed: %s", what, u_errorName(status))));
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
				IcuError("unorm2_getNFCInstance", status);
			NfcNormalizer = n;
		}
		return NfcNormalizer;
	}
	if (NfkcCasefoldNormalizer == NULL)
	{
		const UNormalizer2 *n = unorm2_getNFKCCasefoldInstance(&status);

		if (U_FAILURE(status))
			IcuError("unorm2_getNFKCCasefoldInstance", status);
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
		IcuError("uspoof_open", status);
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL, &status);
	if (U_SUCCESS(status))
		uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	if (U_FAILURE(status))
	{
		uspoof_close(sc);
		IcuError("uspoof_setChecks", status);
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

	/* A UTF-8 string never has more UTF-16 units than bytes. */
	u_strFromUTF8(buf, len + 1, outlen, utf8, len, &status);
	if (U_FAILURE(status))
		IcuError("u_strFromUTF8", status);
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
		IcuError("u_strToUTF8", status);
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
		IcuError("unorm2_normalize", status);
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
	UChar	   *u = Utf8ToUChars(utf8, len, &ulen);
	UChar	   *n = NormalizeUChars(form, u, ulen, &nlen);
	char	   *result = UCharsToUtf8(n, nlen, outlen);

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
	USpoofChecker *sc = GetSpoofChecker();
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		ulen;
	UChar	   *u = Utf8ToUChars(utf8, len, &ulen);
	int32_t		cap = ulen * 2 + 16;
	UChar	   *skel = palloc(cap * sizeof(UChar));
	int32_t		slen;
	int32_t		flen;
	UChar	   *folded;
	char	   *result;

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
		IcuError("uspoof_getSkeleton", status);

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
	USpoofChecker *sc = GetSpoofChecker();
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		result;

	result = uspoof_check2UTF8(sc, utf8, len, NULL, &status);
	if (U_FAILURE(status))
		IcuError("uspoof_check2UTF8", status);
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
