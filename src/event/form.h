/* form.h -- dockerd's request form (Go's r.Form), read as Go reads it.
 *
 * net/http's ParseForm builds r.Form from two urlencoded texts: for a
 * POST, PUT or PATCH whose Content-Type media type is
 * application/x-www-form-urlencoded, the BODY's pairs first, then the URL
 * query's.  r.Form.Get / FormValue return the first value of a key, so a
 * body value wins over the query.  Each text is read by url.ParseQuery:
 * pairs split on '&' only; a pair holding ';' or a bad %XX escape is left
 * out (ParseQuery then reports an error: dockerd answers 400 where it
 * calls ParseForm, and silently drops the pair where it does not, as on
 * /build); '+' is a space; keys are case-sensitive; a pair without '='
 * has the value ""; empty pairs ("&&") are skipped.  Values are bytes:
 * %00 and invalid UTF-8 pass through.
 *
 * Pairs are walked in place and decoded into buffers the caller gives (a
 * decoded text is never longer than the encoded one); only form_bool
 * allocates, for a value longer than 256 bytes. */
#ifndef DA_FORM_H
#define DA_FORM_H

#include <stddef.h>

struct form {
	const char	*body;		/* urlencoded body ParseForm reads, or NULL */
	size_t		 body_len;
	const char	*query;		/* the URL's query (after '?'), or NULL */
	size_t		 query_len;
};

/* One pair, still encoded; from_body tells which text it came from. */
struct form_pair {
	const char	*key;
	size_t		 key_len;
	const char	*val;
	size_t		 val_len;
	int		 from_body;
};

/* Pairs ParseQuery rejects, as bits (form_rejected). */
#define FORM_BAD_SEMICOLON	0x01	/* "invalid semicolon separator in query" */
#define FORM_BAD_ESCAPE		0x02	/* invalid URL escape "%.." */

/* The next pair of f that Go keeps, in r.Form order; *pos starts at 0.
 * Returns 1 with *p set, 0 at the end. */
int	form_next(const struct form *f, size_t *pos, struct form_pair *p);

/* Which rejected pairs the texts hold (FORM_BAD_*; 0: none). */
unsigned form_rejected(const struct form *f);

/* Go's QueryUnescape of s[0..n) into dst (room for n bytes): '+' is a
 * space.  Returns the decoded length, -1 on a bad escape. */
long	form_unescape(const char *s, size_t n, char *dst);

/* Does the pair's decoded key equal key? */
int	form_key_is(const struct form_pair *p, const char *key);

/* r.Form.Get(key): the first value, decoded into dst (at most cap bytes,
 * not NUL-terminated).  Returns its full decoded length (which may be
 * more than cap), or -1 when the key is absent. */
long	form_get(const struct form *f, const char *key, char *dst, size_t cap);

/* Is the key in r.Form at all (BoolValueOrDefault's test)? */
int	form_has(const struct form *f, const char *key);

/* dockerd's httputils.BoolValue(r, key): false only for "", "0", "no",
 * "false" and "none" after strings.TrimSpace (Unicode white space) and
 * strings.ToLower; anything else ("off", "n", "2", "fals\u017fe") is
 * true.  An absent key is false. */
int	form_bool(const struct form *f, const char *key);

/* The same test on one value. */
int	go_bool_value(const char *s, size_t n);

#endif
