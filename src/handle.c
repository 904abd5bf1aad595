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
PG_FUNCTION_INFO_V1(handle_icu_library_version);
PG_FUNCTION_INFO_V1(handle_check);
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
	HANDLE_RULE_INVISIBLE,		/* a default-ignorable code point */
	HANDLE_RULE_MARK,			/* combining mark not after a letter */
	HANDLE_RULE_EDGE_DOT,		/* begins or ends with . */
	HANDLE_RULE_DOUBLE_DOT,		/* contains .. */
	HANDLE_RULE_FOLDED,			/* key form has a character not allowed */
	HANDLE_RULE_UTF8,			/* not valid UTF-8 */
	HANDLE_RULE_INPUT_BYTES,	/* input over HANDLE_MAX_INPUT_BYTES */
	HANDLE_RULE_LENGTH,			/* too few or too many characters */
	HANDLE_RULE_NFC_BYTES,		/* NFC form over HANDLE_MAX_BYTES */
	HANDLE_RULE_KEY_LENGTH,		/* key has too few or too many characters */
	HANDLE_RULE_KEY_BYTES		/* key over HANDLE_MAX_BYTES */
} HandleRule;

/*
 * A broken rule and what its message points at: the character (UTF-8 bytes,
 * code point, position counting code points from 1) for the character
 * rules, a number of characters or bytes for the length rules.
 */
typedef struct HandleProblem
{
	HandleRule	rule;
	const char *utf8;
	int			len;
	UChar32		c;
	int			pos;
	int			count;
} HandleProblem;

pg_noreturn static void ReportProblem(const char *input, const HandleProblem *p);

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
 *
 * Validation never raises for a broken rule: it describes the first one in
 * a HandleProblem, which input turns into an error and handle_check() into
 * a reason, so that both always say the same thing.
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

/* Record a broken character rule; returns -1 for a checker to return. */
static int
BreakChar(HandleProblem *p, HandleRule rule, const char *utf8, int off,
		  int len, UChar32 c, int pos)
{
	p->rule = rule;
	p->utf8 = utf8 + off;
	p->len = len;
	p->c = c;
	p->pos = pos;
	p->count = 0;
	return -1;
}

/* Record a broken rule about the whole string (length, encoding). */
static void
BreakLength(HandleProblem *p, HandleRule rule, int count)
{
	p->rule = rule;
	p->utf8 = NULL;
	p->len = 0;
	p->c = 0;
	p->pos = 0;
	p->count = count;
}

/*
 * The rule a problem breaks (*rule, the end of the primary message) and its
 * detail (*detail, palloc'd, or NULL).
 */
static void
DescribeProblem(const HandleProblem *p, const char **rule, char **detail)
{
	char		glyph[32] = "";
	unsigned int cp = (unsigned int) p->c;
	const char *one_many;

	/*
	 * Show a character itself, quoted, when it is visible and printable in
	 * this database; default-ignorable ones are invisible by definition.
	 */
	if (p->utf8 != NULL && u_isprint(p->c) &&
		!u_hasBinaryProperty(p->c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) &&
		p->len < (int) sizeof(glyph) - 4 && GetDatabaseEncoding() == PG_UTF8)
	{
		glyph[0] = '"';
		memcpy(glyph + 1, p->utf8, p->len);
		glyph[p->len + 1] = '"';
		glyph[p->len + 2] = ' ';
		glyph[p->len + 3] = '\0';
	}
	one_many = p->count == 1 ? "character" : "characters";

	*detail = NULL;
	switch (p->rule)
	{
		case HANDLE_RULE_CHARACTER:
			*rule = "only letters, digits, \"_\" and \".\" are allowed";
			*detail = psprintf("Character %s(U+%04X) at position %d is not allowed.",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_INVISIBLE:
			*rule = "invisible characters are not allowed";
			*detail = psprintf("Character %s(U+%04X) at position %d is a default-ignorable code point.",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_FOLDED:
			*rule = "only letters, digits, \"_\" and \".\" are allowed";
			*detail = psprintf("Character %s(U+%04X) at position %d is not allowed: its compatibility form is not made of letters and digits.",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_MARK:
			*rule = "a combining mark must follow a letter";
			*detail = psprintf("Character %s(U+%04X) at position %d does not follow a letter.",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_EDGE_DOT:
			*rule = "a handle must not begin or end with \".\"";
			*detail = psprintf(p->pos == 1 ?
							   "Character %s(U+%04X) at position %d begins the handle." :
							   "Character %s(U+%04X) at position %d ends the handle.",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_DOUBLE_DOT:
			*rule = "a handle must not contain \"..\"";
			*detail = psprintf("Character %s(U+%04X) at position %d follows another \".\".",
							   glyph, cp, p->pos);
			return;
		case HANDLE_RULE_UTF8:
			*rule = "invalid UTF-8";
			return;
		case HANDLE_RULE_INPUT_BYTES:
			*rule = psprintf("a handle must have %d to %d characters",
							 HANDLE_MIN_CHARS, HANDLE_MAX_CHARS);
			*detail = psprintf("The input has %d bytes in UTF-8 before normalization; at most %d are accepted.",
							   p->count, HANDLE_MAX_INPUT_BYTES);
			return;
		case HANDLE_RULE_LENGTH:
			*rule = psprintf("a handle must have %d to %d characters",
							 HANDLE_MIN_CHARS, HANDLE_MAX_CHARS);
			*detail = psprintf("It has %d %s.", p->count, one_many);
			return;
		case HANDLE_RULE_NFC_BYTES:
			*rule = psprintf("a handle must have %d to %d characters",
							 HANDLE_MIN_CHARS, HANDLE_MAX_CHARS);
			*detail = psprintf("Its NFC form has %d bytes in UTF-8; at most %d are allowed.",
							   p->count, HANDLE_MAX_BYTES);
			return;
		case HANDLE_RULE_KEY_LENGTH:
			*rule = psprintf("a handle must have %d to %d characters",
							 HANDLE_MIN_CHARS, HANDLE_MAX_CHARS);
			*detail = psprintf("Its key (NFKC_Casefold form) has %d %s.",
							   p->count, one_many);
			return;
		case HANDLE_RULE_KEY_BYTES:
			*rule = psprintf("a handle must have %d to %d characters",
							 HANDLE_MIN_CHARS, HANDLE_MAX_CHARS);
			*detail = psprintf("Its key (NFKC_Casefold form) has %d bytes in UTF-8; at most %d are allowed.",
							   p->count, HANDLE_MAX_BYTES);
			return;
	}
	elog(ERROR, "unknown handle rule %d", (int) p->rule);
}

/* Raise the error for a broken rule: 22P02, or 22021 for invalid UTF-8. */
static void
ReportProblem(const char *input, const HandleProblem *p)
{
	const char *rule;
	char	   *detail;

	DescribeProblem(p, &rule, &detail);
	ereport(ERROR,
			(errcode(p->rule == HANDLE_RULE_UTF8 ?
					 ERRCODE_CHARACTER_NOT_IN_REPERTOIRE :
					 ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid handle \"%s\": %s", InputForMessage(input), rule),
			 detail ? errdetail_internal("%s", detail) : 0));
}

/*
 * Check a pure-ASCII handle (after the @) in place and return its number of
 * characters, or -1 with *p filled.  ASCII is already NFC, and its
 * NFKC_Casefold is lowercase; no ASCII character is default-ignorable.
 */
static int
CheckAscii(const char *s, int len, HandleProblem *p)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_')
			continue;
		if (c != '.')
			return BreakChar(p, HANDLE_RULE_CHARACTER, s, i, 1, c, i + 1);
		if (i == 0 || i == len - 1)
			return BreakChar(p, HANDLE_RULE_EDGE_DOT, s, i, 1, c, i + 1);
		if (s[i - 1] == '.')
			return BreakChar(p, HANDLE_RULE_DOUBLE_DOT, s, i, 1, c, i + 1);
	}
	return len;
}

/*
 * Check an NFC UTF-8 handle and return its number of characters, a letter
 * and the combining marks that follow it counting as one, or -1 with *p
 * filled.  Positions count code points from 1.
 */
static int
CheckUnicode(const char *s, int len, HandleProblem *p)
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
		{
			BreakLength(p, HANDLE_RULE_UTF8, 0);
			return -1;
		}

		/*
		 * Before the other rules: Hangul fillers are letters and variation
		 * selectors marks, but like every default-ignorable code point they
		 * vanish from the key and would make invisible handles.
		 */
		if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
			return BreakChar(p, HANDLE_RULE_INVISIBLE, s, start, off - start, c, pos);
		type = u_charType(c);
		if (U_MASK(type) & U_GC_M_MASK)
		{
			if (!after_letter)
				return BreakChar(p, HANDLE_RULE_MARK, s, start, off - start, c, pos);
			prev = c;
			continue;
		}
		nchars++;
		after_letter = (U_MASK(type) & U_GC_L_MASK) != 0;
		if (!after_letter && type != U_DECIMAL_DIGIT_NUMBER && c != '_')
		{
			if (c != '.')
				return BreakChar(p, HANDLE_RULE_CHARACTER, s, start, off - start, c, pos);
			if (pos == 1 || off == len)
				return BreakChar(p, HANDLE_RULE_EDGE_DOT, s, start, off - start, c, pos);
			if (prev == '.')
				return BreakChar(p, HANDLE_RULE_DOUBLE_DOT, s, start, off - start, c, pos);
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

/*
 * The number of characters of a UTF-8 key if every code point may appear
 * in a key, counted as for the display form; -1 otherwise.
 */
static int
KeyChars(const char *key, int len)
{
	int			off = 0;
	int			nchars = 0;

	while (off < len)
	{
		UChar32		c;

		U8_NEXT(key, off, len, c);
		if (c < 0 || !KeyCharAllowed(c))
			return -1;
		if ((U_MASK(u_charType(c)) & U_GC_M_MASK) == 0)
			nchars++;
	}
	return nchars;
}

/*
 * Find the first character of a valid NFC handle whose NFKC_Casefold form
 * has a character that is not allowed (U+FDFA folds to words with spaces)
 * and fill *p.  Only called once the whole key has been found wanting.
 */
static void
CheckFolded(const char *s, int len, HandleProblem *p)
{
	int			off = 0;
	int			pos = 0;

	while (off < len)
	{
		int			start = off;
		UChar32		c;
		char	   *folded;
		int			flen;
		bool		allowed;

		U8_NEXT(s, off, len, c);
		pos++;
		folded = FgIcuNormalize(FG_NORM_NFKC_CASEFOLD, s + start, off - start,
								&flen);
		allowed = KeyChars(folded, flen) >= 0;
		pfree(folded);
		if (!allowed)
		{
			BreakChar(p, HANDLE_RULE_FOLDED, s, start, off - start, c, pos);
			return;
		}
	}
	elog(ERROR, "handle key of \"%.*s\" has a character that is not allowed",
		 len, s);
}

/*
 * Validate a handle given in the database encoding, without its NUL; a
 * leading @ is dropped.  Returns the new value, or NULL with the first
 * broken rule in *p.
 */
static struct varlena *
HandleValidate(const char *input, int len, HandleProblem *p)
{
	const char *s = input;
	char	   *utf8;
	int			utf8len;
	char	   *nfc;
	char	   *key;
	int			nfclen;
	int			keylen;
	int			nchars;
	int			keychars;
	bool		ascii = true;
	struct varlena *result;

	if (len > 0 && s[0] == '@')
	{
		s++;
		len--;
	}
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
		if (len > HANDLE_MAX_INPUT_BYTES)
		{
			BreakLength(p, HANDLE_RULE_INPUT_BYTES, len);
			return NULL;
		}
		nchars = CheckAscii(s, len, p);
		if (nchars < 0)
			return NULL;
		if (nchars < HANDLE_MIN_CHARS || nchars > HANDLE_MAX_CHARS)
		{
			BreakLength(p, HANDLE_RULE_LENGTH, nchars);
			return NULL;
		}
		return HandleMakeAscii(s, len);
	}

	utf8 = pg_server_to_any(s, len, PG_UTF8);
	utf8len = utf8 == s ? len : (int) strlen(utf8);
	if (utf8 == s && GetDatabaseEncoding() != PG_UTF8 &&
		!pg_verify_mbstr(PG_UTF8, s, len, true))
	{
		BreakLength(p, HANDLE_RULE_UTF8, 0);
		return NULL;
	}
	/* Bounds the work ICU does; no longer input can normalise to a handle. */
	if (utf8len > HANDLE_MAX_INPUT_BYTES)
	{
		BreakLength(p, HANDLE_RULE_INPUT_BYTES, utf8len);
		return NULL;
	}

	nfc = FgIcuNormalize(FG_NORM_NFC, utf8, utf8len, &nfclen);
	nchars = CheckUnicode(nfc, nfclen, p);
	if (nchars < 0)
		return NULL;
	if (nfclen > HANDLE_MAX_BYTES)
	{
		BreakLength(p, HANDLE_RULE_NFC_BYTES, nfclen);
		return NULL;
	}
	if (nchars < HANDLE_MIN_CHARS || nchars > HANDLE_MAX_CHARS)
	{
		BreakLength(p, HANDLE_RULE_LENGTH, nchars);
		return NULL;
	}

	/*
	 * The key must pass the same length rules: folding can shrink a handle
	 * (compatibility jamo compose into one syllable) or grow it (ligatures,
	 * sharp s).
	 */
	key = FgIcuNormalize(FG_NORM_NFKC_CASEFOLD, nfc, nfclen, &keylen);
	keychars = KeyChars(key, keylen);
	if (keychars < 0)
	{
		CheckFolded(nfc, nfclen, p);
		return NULL;
	}
	if (keychars < HANDLE_MIN_CHARS || keychars > HANDLE_MAX_CHARS)
	{
		BreakLength(p, HANDLE_RULE_KEY_LENGTH, keychars);
		return NULL;
	}
	if (keylen > HANDLE_MAX_BYTES)
	{
		BreakLength(p, HANDLE_RULE_KEY_BYTES, keylen);
		return NULL;
	}

	result = HandleMake(key, keylen, nfc, nfclen);
	pfree(nfc);
	pfree(key);
	return result;
}

/* Parse a handle given in the database encoding, or raise the broken rule. */
static struct varlena *
HandleParse(const char *input, int len)
{
	HandleProblem p;
	struct varlena *result = HandleValidate(input, len, &p);

	if (result == NULL)
		ReportProblem(input, &p);
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

/* The version of the ICU library in use. */
Datum
handle_icu_library_version(PG_FUNCTION_ARGS)
{
	char		buf[32];

	FgIcuLibraryVersion(buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* True if a stored value's header and lengths are consistent. */
static bool
HandleLayoutValid(const struct varlena *h)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(h);
	int			size = VARSIZE_ANY_EXHDR(h);
	int			keylen;

	if (size < 1)
		return false;
	if (p[0] & HANDLE_FLAG_ASCII)
		return p[0] == HANDLE_FLAG_ASCII;
	if (size < HANDLE_HDRSZ || (p[0] & ~HANDLE_FLAG_SHARED) != 0)
		return false;
	keylen = p[1] | (p[2] << 8);
	if (p[0] & HANDLE_FLAG_SHARED)
		return keylen == size - HANDLE_HDRSZ;
	return keylen <= size - HANDLE_HDRSZ;
}

/*
 * Why a stored handle would be rejected if typed again, as text, or NULL if
 * it would be accepted: the check a restore makes when it reads the dumped
 * display form back through input.  Values stored by an earlier release
 * (0.1.0 accepted default-ignorable letters and keys of any length) or
 * damaged on disk are the ones that fail; reasons for damaged values start
 * with "damaged value" (handle_invalid_values() then does not print them).
 */
Datum
handle_check(PG_FUNCTION_ARGS)
{
	struct varlena *h = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	HandleView	v;
	HandleProblem p;
	char	   *s;
	const char *rule;
	char	   *detail;
	text	   *result;

	if (!HandleLayoutValid(h))
		PG_RETURN_TEXT_P(cstring_to_text("damaged value: its header does not match its length"));
	HandleDecode(h, &v);
	if (!pg_verify_mbstr(PG_UTF8, v.disp, v.displen, true) ||
		!pg_verify_mbstr(PG_UTF8, v.key, v.keylen, true))
		PG_RETURN_TEXT_P(cstring_to_text("damaged value: invalid UTF-8"));

	/* What handle_out gives a dump; it raises if the database cannot show it. */
	s = pg_any_to_server(v.disp, v.displen, PG_UTF8);
	if (s == v.disp)
		s = pnstrdup(v.disp, v.displen);
	if (HandleValidate(s, strlen(s), &p) != NULL)
	{
		PG_FREE_IF_COPY(h, 0);
		PG_RETURN_NULL();
	}
	DescribeProblem(&p, &rule, &detail);
	result = cstring_to_text(detail ? psprintf("%s: %s", rule, detail) : rule);
	PG_FREE_IF_COPY(h, 0);
	PG_RETURN_TEXT_P(result);
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
