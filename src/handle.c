/*
 * handle.c
 *		The handle type: an @handle kept in the form the user typed (NFC) and
 *		identified by its NFKC_Casefold key.
 *
 * Input validates and normalises once; every comparison, sort and hash
 * afterwards is a memcmp or hash_any over the stored key, without ICU.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"

#include "handle.h"

PG_FUNCTION_INFO_V1(handle_in);
PG_FUNCTION_INFO_V1(handle_out);
PG_FUNCTION_INFO_V1(handle_recv);
PG_FUNCTION_INFO_V1(handle_send);
PG_FUNCTION_INFO_V1(handle_key);
PG_FUNCTION_INFO_V1(handle_skeleton);
PG_FUNCTION_INFO_V1(handle_is_suspicious);
PG_FUNCTION_INFO_V1(handle_prefix_pattern);
PG_FUNCTION_INFO_V1(handle_icu_unicode_version);
PG_FUNCTION_INFO_V1(handle_eq);
PG_FUNCTION_INFO_V1(handle_ne);
PG_FUNCTION_INFO_V1(handle_lt);
PG_FUNCTION_INFO_V1(handle_le);
PG_FUNCTION_INFO_V1(handle_gt);
PG_FUNCTION_INFO_V1(handle_ge);
PG_FUNCTION_INFO_V1(handle_cmp);
PG_FUNCTION_INFO_V1(handle_sortsupport);
PG_FUNCTION_INFO_V1(handle_hash);
PG_FUNCTION_INFO_V1(handle_hash_extended);

/* The ways an input string can break the rules. */
typedef enum HandleRule
{
	HANDLE_RULE_CHARACTER,		/* not a letter, mark, digit, _ or . */
	HANDLE_RULE_MARK,			/* combining mark not after a letter */
	HANDLE_RULE_EDGE_DOT,		/* begins or ends with . */
	HANDLE_RULE_DOUBLE_DOT,		/* contains .. */
	HANDLE_RULE_FOLDED			/* key form has a character not allowed */
} HandleRule;

pg_noreturn static void ReportRule(const char *input, HandleRule rule, const char *utf8,
					   int off, int len, UChar32 c, int pos);
pg_noreturn static void ReportLength(const char *input, int nchars,
						 bool too_many_bytes);
pg_noreturn static void CheckFolded(const char *input, const char *s,
						int len);

/*
 * --------------------------------------------------------------------------
 * VALUE ACCESS
 * --------------------------------------------------------------------------
 */

/* A decoded handle: where its key and display form are. */
typedef struct HandleView
{
	const char *key;
	int			keylen;
	const char *disp;
	int			displen;
	bool		ascii;			/* key is disp, lowercased when read */
} HandleView;

/* Locate the key and display form of a (possibly short-header) handle. */
static inline void
HandleDecode(const struct varlena *h, HandleView *v)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(h);
	int			size = VARSIZE_ANY_EXHDR(h);

	if (p[0] & HANDLE_FLAG_ASCII)
	{
		v->ascii = true;
		v->key = v->disp = (const char *) p + 1;
		v->keylen = v->displen = size - 1;
		return;
	}
	v->ascii = false;
	v->keylen = p[1] | (p[2] << 8);
	v->key = (const char *) p + HANDLE_HDRSZ;
	if (p[0] & HANDLE_FLAG_SHARED)
	{
		v->disp = v->key;
		v->displen = v->keylen;
	}
	else
	{
		v->disp = v->key + v->keylen;
		v->displen = size - HANDLE_HDRSZ - v->keylen;
	}
}

/* Byte i of a decoded handle's key. */
static inline unsigned char
KeyByte(const HandleView *v, int i)
{
	unsigned char c = v->key[i];

	return v->ascii ? pg_ascii_tolower(c) : c;
}

/*
 * The key of a decoded handle as a contiguous string: the stored bytes, or a
 * lowercased copy in buf (HANDLE_MAX_CHARS bytes) for an ASCII handle.
 */
static inline const char *
KeyBytes(const HandleView *v, char *buf)
{
	if (!v->ascii)
		return v->key;
	if (v->keylen > HANDLE_MAX_CHARS)
		elog(ERROR, "corrupt handle: ASCII form of %d bytes", v->keylen);
	for (int i = 0; i < v->keylen; i++)
		buf[i] = pg_ascii_tolower((unsigned char) v->key[i]);
	return buf;
}

/* Build a pure-ASCII handle: flags then the display form. */
static struct varlena *
HandleMakeAscii(const char *disp, int len)
{
	Size		size = VARHDRSZ + 1 + len;
	struct varlena *h = palloc(size);
	uint8	   *p = (uint8 *) VARDATA(h);

	SET_VARSIZE(h, size);
	p[0] = HANDLE_FLAG_ASCII;
	memcpy(p + 1, disp, len);
	return h;
}

/* Build a handle from its key and display form (stored once if equal). */
static struct varlena *
HandleMake(const char *key, int keylen, const char *disp, int displen)
{
	bool		shared = (keylen == displen && memcmp(key, disp, keylen) == 0);
	Size		size = VARHDRSZ + HANDLE_HDRSZ + keylen + (shared ? 0 : displen);
	struct varlena *h;
	uint8	   *p;

	if (keylen > PG_UINT16_MAX)
		elog(ERROR, "handle key of %d bytes is too long", keylen);
	h = palloc(size);
	p = (uint8 *) VARDATA(h);
	SET_VARSIZE(h, size);
	p[0] = shared ? HANDLE_FLAG_SHARED : 0;
	p[1] = keylen & 0xff;
	p[2] = (keylen >> 8) & 0xff;
	memcpy(p + HANDLE_HDRSZ, key, keylen);
	if (!shared)
		memcpy(p + HANDLE_HDRSZ + keylen, disp, displen);
	return h;
}

/* Three-way comparison of two handles by key, in byte (code point) order. */
static inline int
HandleCompare(const struct varlena *a, const struct varlena *b)
{
	HandleView	va;
	HandleView	vb;
	int			n;

	HandleDecode(a, &va);
	HandleDecode(b, &vb);
	n = Min(va.keylen, vb.keylen);
	if (!va.ascii && !vb.ascii)
	{
		int			r = memcmp(va.key, vb.key, n);

		if (r != 0)
			return r;
	}
	else
	{
		for (int i = 0; i < n; i++)
		{
			unsigned char ca = KeyByte(&va, i);
			unsigned char cb = KeyByte(&vb, i);

			if (ca != cb)
				return ca < cb ? -1 : 1;
		}
	}
	return (va.keylen > vb.keylen) - (va.keylen < vb.keylen);
}

/* Equality of two handles by key. */
static inline bool
HandleEqual(const struct varlena *a, const struct varlena *b)
{
	HandleView	va;
	HandleView	vb;

	HandleDecode(a, &va);
	HandleDecode(b, &vb);
	if (va.keylen != vb.keylen)
		return false;
	if (!va.ascii && !vb.ascii)
		return memcmp(va.key, vb.key, va.keylen) == 0;
	for (int i = 0; i < va.keylen; i++)
	{
		if (KeyByte(&va, i) != KeyByte(&vb, i))
			return false;
	}
	return true;
}

/* Key bytes as text in the database encoding. */
static text *
Utf8ToText(const char *utf8, int len)
{
	char	   *s = pg_any_to_server(utf8, len, PG_UTF8);
	text	   *t = cstring_to_text_with_len(s, s == utf8 ? len : (int) strlen(s));

	if (s != utf8)
		pfree(s);
	return t;
}

/*
 * --------------------------------------------------------------------------
 * PARSING AND VALIDATION
 * --------------------------------------------------------------------------
 */

/* The input as quoted in an error message: cut to its first 64 bytes. */
static const char *
InputForMessage(const char *input)
{
	int			len = strlen(input);
	int			cut;

	if (len <= HANDLE_MESSAGE_BYTES)
		return input;
	cut = pg_mbcliplen(input, len, HANDLE_MESSAGE_BYTES);
	return psprintf("%.*s...", cut, input);
}

/* Raise the error for a broken character rule. */
static void
ReportRule(const char *input, HandleRule rule, const char *utf8, int off,
		   int len, UChar32 c, int pos)
{
	char		glyph[32] = "";
	const char *shown = InputForMessage(input);
	unsigned int cp = (unsigned int) c;

	/* Show the glyph itself, quoted, when it is printable here. */
	if (u_isprint(c) && len < (int) sizeof(glyph) - 4 &&
		GetDatabaseEncoding() == PG_UTF8)
	{
		glyph[0] = '"';
		memcpy(glyph + 1, utf8 + off, len);
		glyph[len + 1] = '"';
		glyph[len + 2] = ' ';
		glyph[len + 3] = '\0';
	}

	switch (rule)
	{
		case HANDLE_RULE_CHARACTER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid handle \"%s\": only letters, digits, \"_\" and \".\" are allowed",
							shown),
					 errdetail("Character %s(U+%04X) at position %d is not allowed.",
							   glyph, cp, pos)));
			break;
		case HANDLE_RULE_FOLDED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid handle \"%s\": only letters, digits, \"_\" and \".\" are allowed",
							shown),
					 errdetail("Character %s(U+%04X) at position %d is not allowed: its compatibility form is not made of letters and digits.",
							   glyph, cp, pos)));
			break;
		case HANDLE_RULE_MARK:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid handle \"%s\": a combining mark must follow a letter",
							shown),
					 errdetail("Character %s(U+%04X) at position %d does not follow a letter.",
							   glyph, cp, pos)));
			break;
		case HANDLE_RULE_EDGE_DOT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid handle \"%s\": a handle must not begin or end with \".\"",
							shown),
					 pos == 1 ?
					 errdetail("Character %s(U+%04X) at position %d begins the handle.",
							   glyph, cp, pos) :
					 errdetail("Character %s(U+%04X) at position %d ends the handle.",
							   glyph, cp, pos)));
			break;
		case HANDLE_RULE_DOUBLE_DOT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid handle \"%s\": a handle must not contain \"..\"",
							shown),
					 errdetail("Character %s(U+%04X) at position %d follows another \".\".",
							   glyph, cp, pos)));
			break;
	}
	elog(ERROR, "unknown handle rule %d", (int) rule);
}

/* Raise the error for a handle that is too short or too long. */
static void
ReportLength(const char *input, int nchars, bool too_many_bytes)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid handle \"%s\": a handle must have %d to %d characters",
					InputForMessage(input), HANDLE_MIN_CHARS, HANDLE_MAX_CHARS),
			 too_many_bytes ?
			 errdetail("It has more than %d bytes in UTF-8.", HANDLE_MAX_BYTES) :
			 errdetail_plural("It has %d character.", "It has %d characters.",
							  nchars, nchars)));
}

/*
 * Check a pure-ASCII handle (after the @) in place and return its number of
 * characters.  ASCII is already NFC, and its NFKC_Casefold is lowercase.
 */
static int
CheckAscii(const char *input, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_')
			continue;
		if (c != '.')
			ReportRule(input, HANDLE_RULE_CHARACTER, s, i, 1, c, i + 1);
		if (i == 0 || i == len - 1)
			ReportRule(input, HANDLE_RULE_EDGE_DOT, s, i, 1, c, i + 1);
		if (s[i - 1] == '.')
			ReportRule(input, HANDLE_RULE_DOUBLE_DOT, s, i, 1, c, i + 1);
	}
	return len;
}

/*
 * Check an NFC UTF-8 handle and return its number of characters, a letter
 * and the combining marks that follow it counting as one.  Positions in
 * errors count code points from 1.
 */
static int
CheckUnicode(const char *input, const char *s, int len)
{
	int			off = 0;
	int			pos = 0;
	int			nchars = 0;
	bool		after_letter = false;
	UChar32		prev = 0;

	while (off < len)
	{
		int			start = off;
		UChar32		c;
		int8_t		type;

		U8_NEXT(s, off, len, c);
		pos++;
		if (c < 0)
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid handle \"%s\": invalid UTF-8", InputForMessage(input))));
		type = u_charType(c);
		if (U_MASK(type) & U_GC_M_MASK)
		{
			if (!after_letter)
				ReportRule(input, HANDLE_RULE_MARK, s, start, off - start, c, pos);
			prev = c;
			continue;
		}
		nchars++;
		after_letter = (U_MASK(type) & U_GC_L_MASK) != 0;
		if (!after_letter && type != U_DECIMAL_DIGIT_NUMBER && c != '_')
		{
			if (c != '.')
				ReportRule(input, HANDLE_RULE_CHARACTER, s, start, off - start, c, pos);
			if (pos == 1 || off == len)
				ReportRule(input, HANDLE_RULE_EDGE_DOT, s, start, off - start, c, pos);
			if (prev == '.')
				ReportRule(input, HANDLE_RULE_DOUBLE_DOT, s, start, off - start, c, pos);
		}
		prev = c;
	}
	return nchars;
}

/* True if a code point may appear in a key. */
static inline bool
KeyCharAllowed(UChar32 c)
{
	int8_t		type = u_charType(c);

	return (U_MASK(type) & (U_GC_L_MASK | U_GC_M_MASK)) != 0 ||
		type == U_DECIMAL_DIGIT_NUMBER || c == '_' || c == '.';
}

/* True if every code point of a UTF-8 key may appear in a key. */
static bool
KeyAllowed(const char *key, int len)
{
	int			off = 0;

	while (off < len)
	{
		UChar32		c;

		U8_NEXT(key, off, len, c);
		if (c < 0 || !KeyCharAllowed(c))
			return false;
	}
	return true;
}

/*
 * Report the first character of a valid NFC handle whose NFKC_Casefold form
 * has a character that is not allowed (U+FDFA folds to words with spaces).
 * Only called once the whole key has been found wanting.
 */
static void
CheckFolded(const char *input, const char *s, int len)
{
	int			off = 0;
	int			pos = 0;

	while (off < len)
	{
		int			start = off;
		UChar32		c;
		char	   *folded;
		int			flen;

		U8_NEXT(s, off, len, c);
		pos++;
		folded = FgIcuNormalize(FG_NORM_NFKC_CASEFOLD, s + start, off - start,
								&flen);
		if (!KeyAllowed(folded, flen))
			ReportRule(input, HANDLE_RULE_FOLDED, s, start, off - start, c, pos);
		pfree(folded);
	}
	elog(ERROR, "handle key of \"%s\" has a character that is not allowed",
		 input);
}

/*
 * Parse and validate a handle given in the database encoding; returns the
 * new value.  A leading @ is dropped.
 */
static struct varlena *
HandleParse(const char *input, int len)
{
	const char *s = input;
	char	   *utf8;
	char	   *nfc;
	char	   *key;
	int			nfclen;
	int			keylen;
	int			nchars;
	bool		ascii = true;
	struct varlena *result;

	if (len > 0 && s[0] == '@')
	{
		s++;
		len--;
	}
	if (len > HANDLE_MAX_INPUT_BYTES)
		ReportLength(input, 0, true);

	for (int i = 0; i < len; i++)
	{
		if (IS_HIGHBIT_SET(s[i]))
		{
			ascii = false;
			break;
		}
	}

	if (ascii)
	{
		/* Fast path: no ICU; the key is the display form lowercased. */
		nchars = CheckAscii(input, s, len);
		if (nchars < HANDLE_MIN_CHARS || nchars > HANDLE_MAX_CHARS)
			ReportLength(input, nchars, false);
		return HandleMakeAscii(s, len);
	}

	utf8 = pg_server_to_any(s, len, PG_UTF8);
	if (utf8 == s && GetDatabaseEncoding() != PG_UTF8 &&
		!pg_verify_mbstr(PG_UTF8, s, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid handle \"%s\": invalid UTF-8", InputForMessage(input))));
	nfc = FgIcuNormalize(FG_NORM_NFC, utf8, utf8 == s ? len : (int) strlen(utf8),
						 &nfclen);
	nchars = CheckUnicode(input, nfc, nfclen);
	if (nfclen > HANDLE_MAX_BYTES)
		ReportLength(input, nchars, true);
	if (nchars < HANDLE_MIN_CHARS || nchars > HANDLE_MAX_CHARS)
		ReportLength(input, nchars, false);

	key = FgIcuNormalize(FG_NORM_NFKC_CASEFOLD, nfc, nfclen, &keylen);
	if (!KeyAllowed(key, keylen))
		CheckFolded(input, nfc, nfclen);
	result = HandleMake(key, keylen, nfc, nfclen);
	pfree(nfc);
	pfree(key);
	return result;
}

/*
 * --------------------------------------------------------------------------
 * INPUT/OUTPUT
 * --------------------------------------------------------------------------
 */

/* Text input: validate, normalise and compute the key. */
Datum
handle_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_POINTER(HandleParse(str, strlen(str)));
}

/* Text output: the NFC display form, without @. */
Datum
handle_out(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char	   *s;

	HandleDecode(h, &v);
	s = pg_any_to_server(v.disp, v.displen, PG_UTF8);
	if (s == v.disp)
		s = pnstrdup(v.disp, v.displen);
	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_CSTRING(s);
}

/*
 * Binary input: the display form as text, validated and normalised again so
 * that a key never comes from the wire.
 */
Datum
handle_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_POINTER(HandleParse(str, nbytes));
}

/* Binary output: the display form as text. */
Datum
handle_send(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char	   *s;
	StringInfoData buf;

	HandleDecode(h, &v);
	s = pg_any_to_server(v.disp, v.displen, PG_UTF8);
	pq_begintypsend(&buf);
	pq_sendtext(&buf, s, s == v.disp ? v.displen : (int) strlen(s));
	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * --------------------------------------------------------------------------
 * FUNCTIONS
 * --------------------------------------------------------------------------
 */

/* The NFKC_Casefold key, as text. */
Datum
handle_key(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char		buf[HANDLE_MAX_CHARS];
	text	   *result;

	HandleDecode(h, &v);
	result = Utf8ToText(KeyBytes(&v, buf), v.keylen);

	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_TEXT_P(result);
}

/* The case-folded UTS #39 confusable skeleton of the key. */
Datum
handle_skeleton(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char		buf[HANDLE_MAX_CHARS];
	int			len;
	char	   *skel;
	text	   *result;

	HandleDecode(h, &v);
	skel = FgIcuSkeleton(KeyBytes(&v, buf), v.keylen, &len);
	result = Utf8ToText(skel, len);

	pfree(skel);
	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_TEXT_P(result);
}

/* True if the key mixes scripts beyond ICU's highly restrictive level. */
Datum
handle_is_suspicious(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	bool		ok;

	HandleDecode(h, &v);
	/* Pure ASCII is Latin and Common only: it cannot mix scripts. */
	ok = v.ascii || FgIcuIsHighlyRestrictive(v.key, v.keylen);
	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_BOOL(!ok);
}

/*
 * A LIKE pattern matching the keys that start with the key of a prefix: an
 * optional @ is dropped, the rest NFKC_Casefold-ed, LIKE's special
 * characters escaped and % appended.
 */
Datum
handle_prefix_pattern(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *utf8;
	char	   *folded;
	int			flen;
	StringInfoData buf;
	text	   *result;

	if (len > 0 && s[0] == '@')
	{
		s++;
		len--;
	}
	utf8 = pg_server_to_any(s, len, PG_UTF8);
	folded = FgIcuNormalize(FG_NORM_NFKC_CASEFOLD, utf8,
							utf8 == s ? len : (int) strlen(utf8), &flen);
	initStringInfo(&buf);
	for (int i = 0; i < flen; i++)
	{
		if (folded[i] == '%' || folded[i] == '_' || folded[i] == '\\')
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, folded[i]);
	}
	appendStringInfoChar(&buf, '%');
	result = Utf8ToText(buf.data, buf.len);
	pfree(buf.data);
	pfree(folded);
	PG_FREE_IF_COPY(t, 0);
	PG_RETURN_TEXT_P(result);
}

/* The Unicode version of the ICU library keys and skeletons come from. */
Datum
handle_icu_unicode_version(PG_FUNCTION_ARGS)
{
	char		buf[32];

	FgIcuUnicodeVersion(buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/*
 * --------------------------------------------------------------------------
 * OPERATORS
 * --------------------------------------------------------------------------
 */

/* Compare two handle arguments by key; frees any detoasted copies. */
static inline int
CompareArgs(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	struct varlena *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	int			r = HandleCompare(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

/* Test two handle arguments for equality; frees any detoasted copies. */
static inline bool
EqualArgs(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	struct varlena *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	bool		r = HandleEqual(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

/* handle = handle */
Datum
handle_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EqualArgs(fcinfo));
}

/* handle <> handle */
Datum
handle_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!EqualArgs(fcinfo));
}

/* handle < handle */
Datum
handle_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) < 0);
}

/* handle <= handle */
Datum
handle_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) <= 0);
}

/* handle > handle */
Datum
handle_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) > 0);
}

/* handle >= handle */
Datum
handle_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) >= 0);
}

/*
 * --------------------------------------------------------------------------
 * INDEXING
 * --------------------------------------------------------------------------
 */

/* btree support 1: three-way comparison. */
Datum
handle_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CompareArgs(fcinfo));
}

/* Sort comparator: memcmp on the keys, no fmgr call. */
static int
HandleFastCmp(Datum x, Datum y, SortSupport ssup)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(x);
	struct varlena *b = PG_DETOAST_DATUM_PACKED(y);
	int			r = HandleCompare(a, b);

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

/* btree support 2: sort support for index builds and sorts. */
Datum
handle_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = HandleFastCmp;
	PG_RETURN_VOID();
}

/* hash support 1: hash of the key. */
Datum
handle_hash(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char		buf[HANDLE_MAX_CHARS];
	Datum		r;

	HandleDecode(h, &v);
	r = hash_any((const unsigned char *) KeyBytes(&v, buf), v.keylen);

	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_DATUM(r);
}

/* hash support 2: seeded 64-bit hash of the key. */
Datum
handle_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	char		buf[HANDLE_MAX_CHARS];
	Datum		r;

	HandleDecode(h, &v);
	r = hash_any_extended((const unsigned char *) KeyBytes(&v, buf),
						  v.keylen, PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_DATUM(r);
}
