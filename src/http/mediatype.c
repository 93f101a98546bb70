/* mediatype.c -- a Content-Type value read exactly as Go's
 * mime.ParseMediaType (go1.19, dockerd 20.10) reads it, and dockerd's
 * CheckForJSON on top of it (moby-decoding.md section 3).
 *
 * Go takes the text before the first ';', lower-cases it with Unicode
 * rules, trims Unicode white space, and wants ASCII token '/' token.
 * Only two non-ASCII runes lower-case to ASCII letters: U+0130 -> 'i' and
 * U+212A -> 'k'; every other non-ASCII rune left after trimming fails the
 * token test, and invalid UTF-8 becomes U+FFFD, which fails it too.  Then
 * parameters: '; name=value' with white space allowed around each part,
 * names lower-cased, values a token or a quoted string (which may hold
 * ';'); a trailing ';' is allowed, anything else that is not a parameter
 * ('; foo', ';;') is an error, and so is a repeated name (newer Go
 * accepts a repeat with an equal value: reported as "duplicate only"). */
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "http/http.h"

/* Bytes of white space at the front of s[0..n) (TrimLeftFunc IsSpace). */
static size_t
space_prefix(const char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n && text_go_is_space(text_utf8_rune((const unsigned char *)s + i,
	    n - i, &len)))
		i += len;
	return i;
}

/* Where the white space at the end of s[0..n) starts (TrimRightFunc
 * IsSpace). */
static size_t
space_suffix_start(const char *s, size_t n)
{
	size_t end = n;

	while (end > 0) {
		size_t st = end - 1, len;
		uint32_t r;

		/* back up to the start of the last rune (at most 4 bytes) */
		while (st > 0 && end - st < 4 &&
		    ((unsigned char)s[st] & 0xc0) == 0x80)
			st--;
		r = text_utf8_rune((const unsigned char *)s + st, end - st, &len);
		/* not a whole rune (a lone byte, U+FFFD) is not space */
		if (st + len != end || !text_go_is_space(r))
			break;
		end = st;
	}
	return end;
}

static int
is_tspecial(char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL && c != '\0';
}

static int
is_token_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

static size_t
token_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_token_char(s[i]))
		i++;
	return i;
}

/* The media type: lower-case, trim, then checkMediaTypeDisposition: a
 * token, optionally followed by '/' and a token, and nothing else. */
static int
parse_base(const char *s, size_t n, char *out, size_t outlen)
{
	size_t b = space_prefix(s, n), e = space_suffix_start(s, n), o = 0;
	size_t i, len, t, st;

	if (e < b)
		e = b;
	for (i = b; i < e; i += len) {
		uint32_t r = text_utf8_rune((const unsigned char *)s + i, e - i, &len);
		char c;

		if (r == 0x130)
			c = 'i';
		else if (r == 0x212a)
			c = 'k';
		else if (r < 0x80)
			c = (char)(r >= 'A' && r <= 'Z' ? r + 32 : r);
		else
			return -1;	/* stays non-ASCII: not a token char */
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	t = token_len(out, o);
	if (t == 0)
		return -1;		/* "mime: no media type" */
	if (t == o)
		return 0;
	if (out[t] != '/')
		return -1;
	st = token_len(out + t + 1, o - t - 1);
	if (st == 0 || t + 1 + st != o)
		return -1;
	return 0;
}

#define MT_MAX_PARAMS 32

struct mt_param {
	const char	*name;		/* as sent; compared without case */
	size_t		 name_len;
	const char	*val;		/* raw: a token, or a quoted string */
	size_t		 val_len;
};

/* A quoted string at s[0] == '"': its length including both quotes, or 0
 * when it does not end (or holds CR/LF).  A backslash escapes the next
 * byte only when that is a tspecial (go1.8+, for MSIE's file paths). */
static size_t
quoted_len(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && is_tspecial(s[i + 1])) {
			i++;
			continue;
		}
		if (s[i] == '"')
			return i + 1;
		if (s[i] == '\r' || s[i] == '\n')
			return 0;
	}
	return 0;
}

/* The decoded value of a raw parameter value into out (for comparing two
 * values of the same name). */
static size_t
unquote(const char *v, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (n < 2 || v[0] != '"') {
		n = n < outlen ? n : outlen;
		memcpy(out, v, n);
		return n;
	}
	for (size_t i = 1; i + 1 < n && o < outlen; i++) {
		/* MSIE rule: a backslash escapes only a tspecial */
		if (v[i] == '\\' && i + 2 < n && is_tspecial(v[i + 1]))
			i++;
		out[o++] = v[i];
	}
	return o;
}

static int
same_name(const struct mt_param *a, const struct mt_param *b)
{
	if (a->name_len != b->name_len)
		return 0;
	for (size_t i = 0; i < a->name_len; i++) {
		char x = a->name[i], y = b->name[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

static int
same_value(const struct mt_param *a, const struct mt_param *b)
{
	char x[512], y[512];
	size_t xn, yn;

	if (a->val_len > sizeof(x) || b->val_len > sizeof(y))
		return 0;
	xn = unquote(a->val, a->val_len, x, sizeof(x));
	yn = unquote(b->val, b->val_len, y, sizeof(y));
	return xn == yn && memcmp(x, y, xn) == 0;
}

/* Parameters after the base: s starts at the first ';'. */
static int
parse_params(const char *s, size_t n, int *dup_only)
{
	struct mt_param p[MT_MAX_PARAMS];
	size_t np = 0, i = 0;
	int dup_equal = 0;

	for (;;) {
		size_t start, k, vl;

		i += space_prefix(s + i, n - i);
		if (i >= n)
			break;
		start = i;
		/* consumeMediaParam */
		if (s[i] != ';')
			goto not_param;
		i++;
		i += space_prefix(s + i, n - i);
		k = token_len(s + i, n - i);
		if (k == 0)
			goto not_param;
		if (np == MT_MAX_PARAMS)
			return -1;	/* more than any client sends: refuse */
		p[np].name = s + i;
		p[np].name_len = k;
		i += k;
		i += space_prefix(s + i, n - i);
		if (i >= n || s[i] != '=')
			goto not_param;
		i++;
		i += space_prefix(s + i, n - i);
		if (i < n && s[i] == '"') {
			vl = quoted_len(s + i, n - i);
			if (vl <= 2)	/* unterminated, or "" (empty value) */
				goto not_param;
		} else {
			vl = token_len(s + i, n - i);
			if (vl == 0)
				goto not_param;
		}
		p[np].val = s + i;
		p[np].val_len = vl;
		i += vl;
		/* a repeated name ("a*" and "a" live in separate maps in Go,
		 * but they differ as names here too) */
		for (size_t j = 0; j < np; j++) {
			if (!same_name(&p[j], &p[np]))
				continue;
			if (!same_value(&p[j], &p[np]))
				return -1;
			dup_equal = 1;
		}
		np++;
		continue;
not_param:
		/* only a trailing ';' (and white space) is not an error */
		i = start;
		{
			size_t b = space_prefix(s + i, n - i);
			size_t e = space_suffix_start(s + i, n - i);

			if (e > b && e - b == 1 && s[i + b] == ';')
				break;
		}
		return -1;
	}
	if (dup_equal) {
		*dup_only = 1;
		return -1;
	}
	return 0;
}

int
http_media_type_parse(const char *v, size_t n, char *type, size_t typelen,
    int *dup_only)
{
	const char *semi = memchr(v, ';', n);
	size_t bl = semi ? (size_t)(semi - v) : n;

	*dup_only = 0;
	if (typelen == 0)
		return -1;
	type[0] = '\0';
	if (parse_base(v, bl, type, typelen) != 0) {
		type[0] = '\0';
		return -1;
	}
	if (semi != NULL && parse_params(semi, n - bl, dup_only) != 0)
		return -1;
	return 0;
}

int
http_media_type_is(const char *v, size_t n, const char *want)
{
	char type[128];
	int dup_only;

	if (v == NULL)
		return HTTP_MT_OTHER;
	if (http_media_type_parse(v, n, type, sizeof(type), &dup_only) == 0)
		return strcmp(type, want) == 0 ? HTTP_MT_MATCH : HTTP_MT_OTHER;
	/* go1.19 refuses a repeated parameter; newer Go accepts equal ones */
	if (dup_only && strcmp(type, want) == 0)
		return HTTP_MT_UNSURE;
	return HTTP_MT_OTHER;
}

int
http_check_for_json(const char *ct, size_t n, int has_body)
{
	if (ct == NULL || n == 0)
		return has_body ? HTTP_MT_OTHER : HTTP_MT_MATCH;
	return http_media_type_is(ct, n, "application/json");
}
