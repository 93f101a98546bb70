/* parse.c -- the JSON reader: strict RFC 8259 in, an immutable tree out,
 * with Go encoding/json's string decoding (see json.h; reading the tree is
 * access.c, the node layout node.h).
 *
 * Memory: one arena of blocks owned by the root (usually a single malloc
 * sized from the input), plus a scratch stack for the children of open
 * containers that starts on the C stack.  A container's children are copied
 * into the arena contiguously when it closes, so access is by index.
 * Strings: a run without escapes or non-ASCII bytes (the common case) is
 * found 8 bytes at a time and copied with one memcpy; anything else is
 * decoded in two passes (measure, then write) straight into the arena. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "json/json.h"
#include "json/node.h"

#define STK_INLINE	64

struct parser {
	const unsigned char	*start;
	const unsigned char	*p;
	const unsigned char	*end;
	struct ablk		*blk;	/* newest block, head of the list */
	struct json		*stk;	/* children of the open containers */
	size_t			 nstk;
	size_t			 capstk;
	int			 stk_heap;
	int			 depth;
	char			*err;
};

/* 1 for bytes that end a plain string run: '"', '\\', controls, non-ASCII. */
static const unsigned char str_stop[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

static int	parse_value(struct parser *, struct json *);

static int
perr(struct parser *ps, const unsigned char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *ps, const unsigned char *at, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (ps->err == NULL)
		return -1;
	k = snprintf(ps->err, DA_ERRLEN, "byte %zu: ", (size_t)(at - ps->start));
	if (k < 0 || k >= DA_ERRLEN)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + k, DA_ERRLEN - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static int
perr_nomem(struct parser *ps)
{
	if (ps->err != NULL)
		da_seterr(ps->err, DA_E_NOMEM, "out of memory");
	return -1;
}

/* ---- arena ---- */

static struct ablk *
blk_new(size_t cap, struct ablk *next)
{
	struct ablk *b;

	if (cap > SIZE_MAX / 2 || (b = malloc(sizeof(*b) + cap)) == NULL)
		return NULL;
	b->next = next;
	b->cap = cap;
	b->used = 0;
	return b;
}

static void *
ar_alloc(struct parser *ps, size_t n, size_t align)
{
	struct ablk *b = ps->blk, *nb;
	size_t off = (b->used + align - 1) & ~(align - 1);

	if (off > b->cap || n > b->cap - off) {
		size_t cap = b->cap * 2;

		if (cap < n + align)
			cap = n + align;
		if ((nb = blk_new(cap, b)) == NULL)
			return NULL;
		ps->blk = b = nb;
		off = 0;
	}
	b->used = off + n;
	return b->data + off;
}

static void
blk_free_all(struct ablk *b)
{
	struct ablk *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

/* ---- scratch stack ---- */

static struct json *
stk_push(struct parser *ps)
{
	if (ps->nstk == ps->capstk) {
		size_t ncap = ps->capstk * 2;
		struct json *n;

		if (ncap > SIZE_MAX / sizeof(*n))
			return NULL;
		if (ps->stk_heap) {
			n = realloc(ps->stk, ncap * sizeof(*n));
		} else if ((n = malloc(ncap * sizeof(*n))) != NULL) {
			memcpy(n, ps->stk, ps->nstk * sizeof(*n));
		}
		if (n == NULL)
			return NULL;
		ps->stk = n;
		ps->capstk = ncap;
		ps->stk_heap = 1;
	}
	return &ps->stk[ps->nstk++];
}

/* Move the children pushed since base into the arena as v's kids. */
static int
stk_close(struct parser *ps, size_t base, struct json *v, enum json_type t)
{
	size_t n = ps->nstk - base;

	v->type = (uint8_t)t;
	v->len = (uint32_t)n;
	v->u.kids = NULL;
	if (n > 0) {
		v->u.kids = ar_alloc(ps, n * sizeof(struct json),
		    _Alignof(struct json));
		if (v->u.kids == NULL)
			return perr_nomem(ps);
		memcpy(v->u.kids, ps->stk + base, n * sizeof(struct json));
	}
	ps->nstk = base;
	return 0;
}

/* ---- strings ---- */

static inline void
skip_ws(struct parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	ps->p = p;
}

static inline int
hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

/* The 4 hex digits at p (p+4 <= end checked by the caller), or -1. */
static inline int
hex4(const unsigned char *p)
{
	int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]),
	    d = hexval(p[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return a << 12 | b << 8 | c << 4 | d;
}

static inline size_t
put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		if (d)
			d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (d) {
			d[0] = (char)(0xc0 | cp >> 6);
			d[1] = (char)(0x80 | (cp & 0x3f));
		}
		return 2;
	}
	if (cp < 0x10000) {
		if (d) {
			d[0] = (char)(0xe0 | cp >> 12);
			d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			d[2] = (char)(0x80 | (cp & 0x3f));
		}
		return 3;
	}
	if (d) {
		d[0] = (char)(0xf0 | cp >> 18);
		d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[3] = (char)(0x80 | (cp & 0x3f));
	}
	return 4;
}

/* Decode the string body starting at q (just after the opening quote),
 * writing to dst unless it is NULL; *outlen gets the decoded length and
 * *close the closing quote.  Go's rules: \u escapes that are lone or
 * mismatched surrogates, and each byte of invalid UTF-8, become U+FFFD. */
static int
str_decode(struct parser *ps, const unsigned char *open,
    const unsigned char *q, char *dst, size_t *outlen,
    const unsigned char **close)
{
	const unsigned char *end = ps->end, *run;
	size_t o = 0, k;
	char ch;
	int cp, lo;

	for (;;) {
		run = q;
		while (q < end && !str_stop[*q])
			q++;
		if (dst != NULL && q > run)
			memcpy(dst + o, run, (size_t)(q - run));
		o += (size_t)(q - run);
		if (q == end)
			return perr(ps, open, "unterminated string");
		if (*q == '"')
			break;
		if (*q < 0x20)
			return perr(ps, q, "control character 0x%02x in string",
			    *q);
		if (*q >= 0x80) {
			if ((k = json__utf8_len(q, (size_t)(end - q))) != 0) {
				if (dst != NULL)
					memcpy(dst + o, q, k);
				o += k;
				q += k;
			} else {
				o += put_utf8(dst ? dst + o : NULL, 0xfffd);
				q++;
			}
			continue;
		}
		/* backslash */
		if (end - q < 2)
			return perr(ps, open, "unterminated string");
		switch (q[1]) {
		case '"':	ch = '"'; break;
		case '\\':	ch = '\\'; break;
		case '/':	ch = '/'; break;
		case 'b':	ch = '\b'; break;
		case 'f':	ch = '\f'; break;
		case 'n':	ch = '\n'; break;
		case 'r':	ch = '\r'; break;
		case 't':	ch = '\t'; break;
		case 'u':
			if (end - q < 6 || (cp = hex4(q + 2)) < 0)
				return perr(ps, q, "invalid \\u escape in string "
				    "(need 4 hex digits)");
			q += 6;
			if (cp >= 0xd800 && cp < 0xe000) {
				if (cp < 0xdc00 && end - q >= 6 && q[0] == '\\' &&
				    q[1] == 'u' && (lo = hex4(q + 2)) >= 0xdc00 &&
				    lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					q += 6;
				} else {
					cp = 0xfffd;
				}
			}
			o += put_utf8(dst ? dst + o : NULL, (unsigned)cp);
			continue;
		default:
			if (q[1] >= 0x20 && q[1] < 0x7f)
				return perr(ps, q, "invalid escape '\\%c' in string",
				    q[1]);
			return perr(ps, q, "invalid escape (byte 0x%02x) in string",
			    q[1]);
		}
		if (dst != NULL)
			dst[o] = ch;
		o++;
		q += 2;
	}
	*outlen = o;
	*close = q;
	return 0;
}

#define SWAR_ONES	0x0101010101010101ULL
#define SWAR_HIGHS	0x8080808080808080ULL

/* Nonzero if any of the 8 bytes in w is '"', '\\', < 0x20 or >= 0x80. */
static inline uint64_t
swar_stop(uint64_t w)
{
	uint64_t q = w ^ (SWAR_ONES * '"'), b = w ^ (SWAR_ONES * '\\');

	return (((q - SWAR_ONES) & ~q) | ((b - SWAR_ONES) & ~b) |
	    ((w - SWAR_ONES * 0x20) & ~w) | w) & SWAR_HIGHS;
}

/* Parse the string whose opening quote is at ps->p into the arena. */
static int
parse_string(struct parser *ps, const char **out, uint32_t *outlen,
    int *ascii)
{
	const unsigned char *open = ps->p, *q = open + 1, *end = ps->end;
	const unsigned char *close;
	uint64_t w;
	size_t n;
	char *d;

	while (end - q >= 8) {
		memcpy(&w, q, 8);
		if (swar_stop(w))
			break;
		q += 8;
	}
	while (q < end && !str_stop[*q])
		q++;
	if (q < end && *q == '"') {
		/* plain run: no escapes, ASCII only */
		n = (size_t)(q - open - 1);
		close = q;
		if ((d = ar_alloc(ps, n + 1, 1)) == NULL)
			return perr_nomem(ps);
		memcpy(d, open + 1, n);
		*ascii = 1;
	} else {
		if (str_decode(ps, open, open + 1, NULL, &n, &close) != 0)
			return -1;
		if (n >= UINT32_MAX)	/* U+FFFD triples invalid bytes */
			return perr(ps, open, "string too long");
		if ((d = ar_alloc(ps, n + 1, 1)) == NULL)
			return perr_nomem(ps);
		(void)str_decode(ps, open, open + 1, d, &n, &close);
		*ascii = 0;	/* escapes: json_next_match falls back to folding */
	}
	d[n] = '\0';
	*out = d;
	*outlen = (uint32_t)n;
	ps->p = close + 1;
	return 0;
}

/* ---- numbers and literals ---- */

#define IS_DIGIT(c)	((unsigned)(c) - '0' < 10)

static int
parse_number(struct parser *ps, struct json *v)
{
	const unsigned char *p = ps->p, *q = p, *end = ps->end;
	size_t n;
	char *d;

	if (*q == '-')
		q++;
	if (q == end || !IS_DIGIT(*q))
		return perr(ps, q, "invalid number: digit expected");
	if (*q == '0') {
		q++;
		if (q < end && IS_DIGIT(*q))
			return perr(ps, q, "invalid number: leading zero");
	} else {
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	if (q < end && *q == '.') {
		q++;
		if (q == end || !IS_DIGIT(*q))
			return perr(ps, q, "invalid number: digit expected "
			    "after '.'");
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || !IS_DIGIT(*q))
			return perr(ps, q, "invalid number: digit expected "
			    "in exponent");
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	n = (size_t)(q - p);
	if ((d = ar_alloc(ps, n + 1, 1)) == NULL)
		return perr_nomem(ps);
	memcpy(d, p, n);
	d[n] = '\0';
	v->type = JSON_NUMBER;
	v->u.s = d;
	v->len = (uint32_t)n;
	ps->p = q;
	return 0;
}

static int
parse_literal(struct parser *ps, struct json *v, const char *lit, size_t n,
    enum json_type t)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
		return perr(ps, ps->p, "invalid literal (expected %s)", lit);
	ps->p += n;
	v->type = (uint8_t)t;
	return 0;
}

/* ---- containers ---- */

static int
unexpected(struct parser *ps, const char *what)
{
	const unsigned char *p = ps->p;

	if (p == ps->end)
		return perr(ps, p, "unexpected end of input, expected %s", what);
	if (*p >= 0x20 && *p < 0x7f)
		return perr(ps, p, "unexpected character '%c', expected %s",
		    *p, what);
	return perr(ps, p, "unexpected byte 0x%02x, expected %s", *p, what);
}

static int
parse_array(struct parser *ps, struct json *v)
{
	size_t base = ps->nstk;
	struct json *slot, el;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return stk_close(ps, base, v, JSON_ARRAY);
	}
	for (;;) {
		if (parse_value(ps, &el) != 0)
			return -1;
		if ((slot = stk_push(ps)) == NULL)
			return perr_nomem(ps);
		*slot = el;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == ']')
				return perr(ps, ps->p, "trailing comma in array");
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return stk_close(ps, base, v, JSON_ARRAY);
		}
		return unexpected(ps, "',' or ']' after array element");
	}
}

static int
parse_object(struct parser *ps, struct json *v)
{
	size_t base = ps->nstk;
	struct json *slot, val;
	const char *key;
	uint32_t keylen;
	int ascii;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return stk_close(ps, base, v, JSON_OBJECT);
	}
	for (;;) {
		if (ps->p == ps->end || *ps->p != '"')
			return unexpected(ps, "a string for the object key");
		if (parse_string(ps, &key, &keylen, &ascii) != 0)
			return -1;
		skip_ws(ps);
		if (ps->p == ps->end || *ps->p != ':')
			return unexpected(ps, "':' after object key");
		ps->p++;
		if (parse_value(ps, &val) != 0)
			return -1;
		val.key = key;
		val.keylen = keylen;
		val.flags = ascii ? JSON_F_KEY_ASCII : 0;
		if ((slot = stk_push(ps)) == NULL)
			return perr_nomem(ps);
		*slot = val;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == '}')
				return perr(ps, ps->p, "trailing comma in object");
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return stk_close(ps, base, v, JSON_OBJECT);
		}
		return unexpected(ps, "',' or '}' after object member");
	}
}

static int
parse_value(struct parser *ps, struct json *v)
{
	int rc, ascii;

	memset(v, 0, sizeof(*v));
	skip_ws(ps);
	if (ps->p == ps->end)
		return unexpected(ps, "a value");
	switch (*ps->p) {
	case '{':
	case '[':
		if (ps->depth >= JSON_MAX_DEPTH)
			return perr(ps, ps->p, "nesting deeper than %d levels",
			    JSON_MAX_DEPTH);
		ps->depth++;
		rc = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
		ps->depth--;
		return rc;
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->u.s, &v->len, &ascii);
	case 't':
		return parse_literal(ps, v, "true", 4, JSON_TRUE);
	case 'f':
		return parse_literal(ps, v, "false", 5, JSON_FALSE);
	case 'n':
		return parse_literal(ps, v, "null", 4, JSON_NULL);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(ps, v);
	default:
		return unexpected(ps, "a value");
	}
}

static struct json *
parse(const char *s, size_t n, size_t *used, char *err)
{
	struct json small[STK_INLINE];
	struct parser ps;
	struct json_doc *doc;
	size_t est;

	if (err != NULL)
		err[0] = '\0';
	if (s == NULL)
		n = 0;
	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = (const unsigned char *)(s ? s : "");
	ps.end = ps.start + n;
	ps.err = err;
	ps.stk = small;
	ps.capstk = STK_INLINE;
	if (n >= UINT32_MAX) {
		perr(&ps, ps.start, "input of %zu bytes is too large", n);
		return NULL;
	}
	/* Docker bodies need about 2-3 bytes of nodes and strings per input
	 * byte, so this is usually the only block. */
	est = sizeof(*doc) + 256 + (n < SIZE_MAX / 4 ? n * 3 : n);
	if ((ps.blk = blk_new(est, NULL)) == NULL) {
		perr_nomem(&ps);
		return NULL;
	}
	doc = ar_alloc(&ps, sizeof(*doc), _Alignof(struct json_doc));
	if (parse_value(&ps, &doc->root) != 0)
		goto fail;
	skip_ws(&ps);
	if (used != NULL) {
		*used = (size_t)(ps.p - ps.start);
	} else if (ps.p != ps.end) {
		perr(&ps, ps.p, "unexpected data after the JSON value");
		goto fail;
	}
	if (ps.stk_heap)
		free(ps.stk);
	doc->blocks = ps.blk;
	return &doc->root;
fail:
	if (ps.stk_heap)
		free(ps.stk);
	blk_free_all(ps.blk);
	return NULL;
}

struct json *
json_parse(const char *s, size_t n, char *err)
{
	return parse(s, n, NULL, err);
}

struct json *
json_parse_first(const char *s, size_t n, size_t *used, char *err)
{
	size_t dummy;

	return parse(s, n, used ? used : &dummy, err);
}

void
json_free(struct json *root)
{
	if (root != NULL)
		blk_free_all(((struct json_doc *)(void *)root)->blocks);
}
