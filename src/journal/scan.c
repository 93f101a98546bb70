/* scan.c -- a fast, allocation-free check that text is valid JSON.
 *
 * The journal needs only a yes/no (and where) for whole lines: at submit,
 * so that a producer's bug can never put a line in the journal that
 * recovery would later cut (taking good records after it along), and in
 * `verify`, which must keep up with SHA-256 at disk speed.  Building a tree
 * with json_parse() for that costs several times more than the check.  The
 * rules are RFC 8259 as json.h states them: no comments or trailing commas,
 * no leading zeros, UTF-8 text (no overlong forms, no surrogates, nothing
 * past U+10FFFF), escapes \" \\ \/ \b \f \n \r \t \u and four hex digits (a lone surrogate
 * escape is accepted, as Go does), nesting to JSON_MAX_DEPTH. */
#include <stddef.h>
#include <stdint.h>

#include "journal/internal.h"
#include "json/json.h"

/* 1 for bytes that may appear raw inside a string with no further check */
static unsigned char plain[256];
static int plain_ready;

static void
init_plain(void)
{
	for (int c = 0; c < 256; c++)
		plain[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
	__atomic_store_n(&plain_ready, 1, __ATOMIC_RELEASE);
}

static int
hexd(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* One UTF-8 sequence starting at p (first byte >= 0x80); length or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* > U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* p just past the opening quote; returns the byte after the closing one. */
static const unsigned char *
scan_string(const unsigned char *p, const unsigned char *end)
{
	for (;;) {
		while (p < end && plain[*p])
			p++;
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			if (end - p < 2)
				return NULL;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				if (end - p < 6 || !hexd(p[2]) || !hexd(p[3]) ||
				    !hexd(p[4]) || !hexd(p[5]))
					return NULL;
				p += 6;
				continue;
			default:
				return NULL;
			}
		}
		if (*p < 0x20)
			return NULL;
		{
			size_t n = utf8_len(p, end);

			if (n == 0)
				return NULL;
			p += n;
		}
	}
}

static const unsigned char *
scan_number(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end)
		return NULL;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Check s[0..n) as one JSON value, or (members) as the body of an object
 * without its braces.  0 if valid, else -1 and *at = offset of the error. */
int
jrn__json_scan(const char *s, size_t n, int members, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *q;
	unsigned char stack[JSON_MAX_DEPTH + 1];	/* '{' or '[' */
	int depth = 0;

	if (!__atomic_load_n(&plain_ready, __ATOMIC_ACQUIRE))
		init_plain();
	if (members) {
		stack[depth++] = '{';
		p = skip_ws(p, end);
		if (p == end)
			return 0;
		goto key;
	}
value:
	p = skip_ws(p, end);
	if (p >= end)
		goto bad;
	switch (*p) {
	case '{':
		if (depth >= JSON_MAX_DEPTH)
			goto bad;
		stack[depth++] = '{';
		p = skip_ws(p + 1, end);
		if (p < end && *p == '}') {
			p++;
			depth--;
			goto after;
		}
		goto key;
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			goto bad;
		stack[depth++] = '[';
		p = skip_ws(p + 1, end);
		if (p < end && *p == ']') {
			p++;
			depth--;
			goto after;
		}
		goto value;
	case '"':
		if ((q = scan_string(p + 1, end)) == NULL)
			goto bad;
		p = q;
		goto after;
	case 't':
		if (end - p < 4 || p[1] != 'r' || p[2] != 'u' || p[3] != 'e')
			goto bad;
		p += 4;
		goto after;
	case 'f':
		if (end - p < 5 || p[1] != 'a' || p[2] != 'l' || p[3] != 's' ||
		    p[4] != 'e')
			goto bad;
		p += 5;
		goto after;
	case 'n':
		if (end - p < 4 || p[1] != 'u' || p[2] != 'l' || p[3] != 'l')
			goto bad;
		p += 4;
		goto after;
	default:
		if ((q = scan_number(p, end)) == NULL)
			goto bad;
		p = q;
		goto after;
	}
key:
	p = skip_ws(p, end);
	if (p >= end || *p != '"' || (q = scan_string(p + 1, end)) == NULL)
		goto bad;
	p = skip_ws(q, end);
	if (p >= end || *p != ':')
		goto bad;
	p++;
	goto value;
after:
	p = skip_ws(p, end);
	if (depth == 0)
		goto done;
	if (p >= end) {
		if (members && depth == 1)
			return 0;
		goto bad;
	}
	if (*p == ',') {
		p++;
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	}
	if ((*p == '}' && stack[depth - 1] == '{') ||
	    (*p == ']' && stack[depth - 1] == '[')) {
		if (members && depth == 1)
			goto bad;	/* the body closed its own object */
		p++;
		depth--;
		goto after;
	}
	goto bad;
done:
	if (p == end)
		return 0;
bad:
	if (at != NULL)
		*at = (size_t)(p - (const unsigned char *)s);
	return -1;
}
