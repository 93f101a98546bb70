/* form.c -- dockerd's request form (form.h): Go's url.ParseQuery over an
 * urlencoded body and the URL query, in r.Form's order, and dockerd's
 * httputils.BoolValue.  Used by the route matcher (conditions such as
 * images/create's fromImage), the query rendering of records
 * (capture/query.c) and extraction. */
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "event/form.h"

/* Are the escapes of s[0..n) all valid (Go's unescape)? */
static int
escapes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= n || text_hexval((unsigned char)s[i + 1]) < 0 ||
		    text_hexval((unsigned char)s[i + 2]) < 0)
			return 0;
		i += 2;
	}
	return 1;
}

long
form_unescape(const char *s, size_t n, char *dst)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n ||
			    (hi = text_hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = text_hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			dst[o++] = s[i] == '+' ? ' ' : s[i];
	}
	return (long)o;
}

/* The text a position lies in: 0 body, 1 query, -1 past the end. */
static int
locate(const struct form *f, size_t pos, const char **t, size_t *tn,
    size_t *off)
{
	size_t blen = f->body != NULL ? f->body_len + 1 : 0;

	if (pos < blen) {
		*t = f->body;
		*tn = f->body_len;
		*off = pos;
		return 0;
	}
	if (f->query != NULL && pos - blen <= f->query_len) {
		*t = f->query;
		*tn = f->query_len;
		*off = pos - blen;
		return 1;
	}
	return -1;
}

/* The next raw pair (kept or not) from *pos; 0 at the end. *bad gets the
 * FORM_BAD_* reason Go drops it for, or 0. */
static int
next_raw(const struct form *f, size_t *pos, struct form_pair *p,
    unsigned *bad)
{
	const char *t;
	size_t tn, off;
	int which;

	while ((which = locate(f, *pos, &t, &tn, &off)) >= 0) {
		const char *pair = t + off;
		const char *amp = memchr(pair, '&', tn - off);
		size_t pl = amp != NULL ? (size_t)(amp - pair) : tn - off;
		const char *eq;

		*pos += pl + 1;		/* past the '&' or the text's end */
		if (pl == 0)
			continue;
		*bad = 0;
		p->from_body = which == 0;
		if (memchr(pair, ';', pl) != NULL) {
			*bad = FORM_BAD_SEMICOLON;
			return 1;
		}
		eq = memchr(pair, '=', pl);
		p->key = pair;
		p->key_len = eq != NULL ? (size_t)(eq - pair) : pl;
		p->val = eq != NULL ? eq + 1 : pair + pl;
		p->val_len = eq != NULL ? pl - p->key_len - 1 : 0;
		if (!escapes_ok(p->key, p->key_len) ||
		    !escapes_ok(p->val, p->val_len))
			*bad = FORM_BAD_ESCAPE;
		return 1;
	}
	return 0;
}

int
form_next(const struct form *f, size_t *pos, struct form_pair *p)
{
	unsigned bad;

	while (next_raw(f, pos, p, &bad))
		if (bad == 0)
			return 1;
	return 0;
}

unsigned
form_rejected(const struct form *f)
{
	struct form_pair p;
	size_t pos = 0;
	unsigned bad, all = 0;

	while (next_raw(f, &pos, &p, &bad))
		all |= bad;
	return all;
}

int
form_key_is(const struct form_pair *p, const char *key)
{
	size_t kl = strlen(key), o = 0;

	for (size_t i = 0; i < p->key_len; i++, o++) {
		int c = (unsigned char)p->key[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {	/* valid: form_next checked it */
			c = text_hexval((unsigned char)p->key[i + 1]) << 4 |
			    text_hexval((unsigned char)p->key[i + 2]);
			i += 2;
		}
		if (o >= kl || (unsigned char)key[o] != c)
			return 0;
	}
	return o == kl;
}

long
form_get(const struct form *f, const char *key, char *dst, size_t cap)
{
	struct form_pair p;
	size_t pos = 0;

	while (form_next(f, &pos, &p)) {
		size_t o = 0;

		if (!form_key_is(&p, key))
			continue;
		for (size_t i = 0; i < p.val_len; i++, o++) {
			char c = p.val[i];

			if (c == '+')
				c = ' ';
			else if (c == '%') {
				c = (char)(text_hexval((unsigned char)p.val[i + 1]) << 4 |
				    text_hexval((unsigned char)p.val[i + 2]));
				i += 2;
			}
			if (o < cap)
				dst[o] = c;
		}
		return (long)o;
	}
	return -1;
}

int
form_has(const struct form *f, const char *key)
{
	char c;

	return form_get(f, key, &c, 0) >= 0;
}

int
go_bool_value(const char *s, size_t n)
{
	static const char *const falses[] = { "", "0", "no", "false", "none" };
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, end = 0, l;

	/* strings.TrimSpace: the span from the first to the last rune
	 * that is not white space */
	int seen = 0;
	while (i < n) {
		uint32_t r = text_utf8_rune(u + i, n - i, &l);

		if (!text_go_is_space(r)) {
			if (!seen++)
				start = i;
			end = i + l;
		}
		i += l;
	}
	if (!seen)
		return 0;
	/* strings.ToLower: no non-ASCII rune lowers to a letter of these
	 * words (only U+0130 -> 'i' and U+212A -> 'k' reach ASCII) */
	for (size_t k = 0; k < sizeof(falses) / sizeof(falses[0]); k++) {
		size_t fl = strlen(falses[k]), j;

		if (fl != end - start)
			continue;
		for (j = 0; j < fl; j++) {
			unsigned char c = u[start + j];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c != (unsigned char)falses[k][j])
				break;
		}
		if (j == fl)
			return 0;
	}
	return 1;
}

int
form_bool(const struct form *f, const char *key)
{
	char small[256], *v = small;
	long n = form_get(f, key, small, sizeof(small));
	int r;

	if (n < 0)
		return 0;
	if ((size_t)n > sizeof(small)) {
		/* long: white space around a false word is still false */
		if ((v = malloc((size_t)n)) == NULL)
			return 1;	/* true claims more: the safe side */
		form_get(f, key, v, (size_t)n);
	}
	r = go_bool_value(v, (size_t)n);
	if (v != small)
		free(v);
	return r;
}
