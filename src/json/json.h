/* json.h -- a small JSON reader with Go encoding/json semantics, and a writer.
 *
 * Why not jansson or json-c: dockerd decodes request bodies with Go's
 * encoding/json, where object keys match struct fields case-insensitively
 * (Go's own folding, see json_get) and
 * the LAST occurrence of a key (in document order, any letter case) wins.
 * The audit record must describe what dockerd executed, so the reader keeps
 * every member in document order, duplicates included, and json_get() applies
 * Go's rule.  The library parsers fold or reject duplicates.
 *
 * Reader: json_parse() builds an immutable tree in one allocation arena owned
 * by the returned root; json_free() releases it.  Strict RFC 8259 input
 * (no comments, no trailing commas, no leading zeros, valid UTF-8 escapes,
 * lone surrogates replaced by U+FFFD as Go does), nesting depth limited to
 * JSON_MAX_DEPTH; anything else is DA_E_PARSE with a message giving the byte
 * offset.  Strings are stored decoded, NUL-terminated, with their length
 * (they may contain NUL bytes).
 *
 * Writer: struct jw appends to a struct buf, inserting commas itself.  Keys
 * and strings are escaped; invalid UTF-8 is replaced by U+FFFD so output is
 * always valid JSON. */
#ifndef DA_JSON_H
#define DA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json;	/* opaque node */

/* Parse n bytes at s (need not be NUL-terminated).  Trailing whitespace is
 * allowed, anything else after the value is an error.  On failure returns
 * NULL and, when err is not NULL, writes a message such as
 * "byte 5: unexpected character '1', expected ':' after object key" or
 * "byte 5: trailing comma in array" into err[DA_ERRLEN] (offsets
 * count from 0 and point at the offending byte, or at the opening quote of
 * an unterminated string).  Inputs of 4 GiB or more are refused. */
struct json	*json_parse(const char *s, size_t n, char *err);
/* Like json_parse, but parse only the first value, as Go's json.Decoder
 * does: a dockerd that decodes a body with Decoder.Decode and does not
 * check what follows accepts trailing bytes that json_parse refuses, so a
 * caller can still see what was executed.  *used gets the bytes consumed,
 * value and trailing whitespace included; the rest is left to the caller. */
struct json	*json_parse_first(const char *s, size_t n, size_t *used,
		    char *err);
void		 json_free(struct json *root);	/* root of a parse only */

enum json_type	 json_type(const struct json *v);	/* JSON_NULL for v==NULL */
int		 json_is_true(const struct json *v);	/* v is JSON true */

/* Strings: NULL / 0 unless v is a string. */
const char	*json_str(const struct json *v);
size_t		 json_strlen(const struct json *v);
/* Numbers: the literal text as written, and conversions.  json_int returns
 * 0 and sets *out only when the literal is an integer that fits. */
const char	*json_num_text(const struct json *v);
int		 json_int(const struct json *v, int64_t *out);
double		 json_double(const struct json *v);

/* Arrays and objects: element / member count, and access by index in
 * document order (for objects, json_key_at gives the key as written). */
size_t		 json_len(const struct json *v);
const struct json *json_at(const struct json *v, size_t i);
const char	*json_key_at(const struct json *v, size_t i);
size_t		 json_keylen_at(const struct json *v, size_t i);	/* keys may hold NUL */

/* Object member by key with Go semantics: case-insensitive as Go's
 * encoding/json matches keys to struct fields, the last matching member in
 * document order wins.  NULL if absent or v is not an object.
 *
 * Matching (json_key_match): for an all-ASCII key (every Docker field
 * name), a member name matches when it has the key's letters in any ASCII
 * case, its other bytes equal, except that U+017F (long s) may stand for
 * an s and U+212A (Kelvin sign) for a k: {"NetworKMode":...} with a Kelvin
 * sign is NetworkMode to dockerd.  Nothing else folds: U+0130 and U+0131
 * (dotted and dotless I) do NOT match I, so {"Prıvileged":false} is an
 * unknown key that leaves Privileged alone.  go1.19 (equalFoldRight) and
 * Go >= 1.21 (foldName, the smallest rune of each SimpleFold orbit) accept
 * exactly these keys (reference/moby-decoding.md section 2).  Keys are
 * compared after unescaping ("\u0050rivileged" is Privileged).  For a
 * key with non-ASCII bytes the rule is simpler: same length, ASCII
 * letters compared case-insensitively, every other byte exactly.
 *
 * Last-wins is Go's rule for scalars.  A repeated key holding an object or
 * array is decoded INTO what the earlier one built, and null leaves a
 * bool or string alone: event/extract.h replays those rules for fields. */
const struct json *json_get(const struct json *v, const char *key);
int		 json_key_match(const char *name, size_t namelen,
		    const char *key);
/* json_key_match, and U+0130/U+0131 also stand for an i: Go >= 1.21's
 * fold of every rune whose orbit reaches an ASCII letter.  Not what
 * dockerd matches; for redaction, where matching more is the safe side. */
int		 json_key_match_wide(const char *name, size_t namelen,
		    const char *key);
/* For loops over every member matching key (duplicates, case variants):
 * the first member at index >= *i that matches, with *i set to its index;
 * NULL when there is none or obj is not an object.
 *	for (i = 0; (m = json_next_match(obj, "Env", &i)) != NULL; i++) */
const struct json *json_next_match(const struct json *obj, const char *key,
		    size_t *i);
/* Dotted path of json_get steps: json_path(v, "HostConfig.Privileged"). */
const struct json *json_path(const struct json *v, const char *dotted);

/* Re-serialize v compactly (document order, duplicates kept). */
int		 json_dump(const struct json *v, struct buf *out);

/* ---- writer ---- */

/* Every jw_* call is a no-op once err is set: check it (or the buffer)
 * once at the end.  Nesting deeper than JSON_MAX_DEPTH sets DA_E_TOOBIG. */
struct jw {
	struct buf	*b;
	int		 depth;
	unsigned char	 need_comma[JSON_MAX_DEPTH + 1];
	int		 err;	/* first error from the buffer, sticky */
};

void	jw_init(struct jw *w, struct buf *b);
/* key is NULL inside arrays and at top level, else the member name. */
void	jw_obj_begin(struct jw *w, const char *key);
void	jw_obj_end(struct jw *w);
void	jw_arr_begin(struct jw *w, const char *key);
void	jw_arr_end(struct jw *w);
void	jw_str(struct jw *w, const char *key, const char *s);	/* NULL -> null */
void	jw_strn(struct jw *w, const char *key, const char *s, size_t n);
void	jw_int(struct jw *w, const char *key, int64_t v);
void	jw_uint(struct jw *w, const char *key, uint64_t v);
void	jw_bool(struct jw *w, const char *key, int v);
void	jw_null(struct jw *w, const char *key);
/* Insert already-valid JSON text as a value. */
void	jw_raw(struct jw *w, const char *key, const char *json, size_t n);
/* Insert a parsed value (json_dump semantics). */
void	jw_value(struct jw *w, const char *key, const struct json *v);
/* Write the separator and key of a member whose value the caller then
 * appends to w->b itself (exactly one valid JSON value).  Returns DA_OK or
 * the sticky error; a caller whose append fails stores it in w->err. */
int	jw_value_begin(struct jw *w, const char *key);
/* Append s escaped as JSON string content (no quotes) to b: '"' and '\\'
 * escaped, control characters as \u00XX, U+2028 and U+2029 as \u2028 and
 * \u2029, each byte of invalid UTF-8 as \ufffd (as Go's encoder does);
 * '<', '>' and '&' stay literal.  Returns DA_OK or the buffer's error. */
int	json_escape(struct buf *b, const char *s, size_t n);

#endif
