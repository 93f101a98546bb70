/* parse.c -- HTTP/1.1 request and response heads (see http.h).
 *
 * Strict where laxity enables smuggling (no obs-fold, no space before the
 * colon, no control bytes), lenient where Go's net/http is (bare LF line
 * ends).  The head is located first, then parsed in one pass. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

/* RFC 9110 tchar */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* Length of the head (through the blank line) or 0 if not complete. */
static size_t
find_head_end(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		const char *q = nl + 1;

		if (q < end && *q == '\n')
			return (size_t)(q + 1 - buf);
		if (q + 1 < end && q[0] == '\r' && q[1] == '\n')
			return (size_t)(q + 2 - buf);
		p = q;
	}
	return 0;
}

/* One line [p, eol) without its CR LF; returns the next line start. */
static const char *
next_line(const char *p, const char *end, const char **eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL)
		return NULL;
	*eol = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
	return nl + 1;
}

static int
parse_version(const char *p, const char *e, int *minor)
{
	if (e - p != 8 || memcmp(p, "HTTP/1.", 7) != 0)
		return -1;
	if (p[7] != '0' && p[7] != '1')
		return -1;
	*minor = p[7] - '0';
	return 0;
}

/* Parse header lines from p up to the blank line.  Returns 0 or -1. */
static int
parse_headers(const char *p, const char *end, struct http_head *h,
    int *status, const char **why)
{
	const char *eol, *next;

	h->nheaders = 0;
	for (;;) {
		const char *c, *v, *ve;

		if ((next = next_line(p, end, &eol)) == NULL)
			return (*why = "truncated header block", -1);
		if (eol == p)
			return 0;	/* blank line */
		for (const char *x = p; x < eol; x++)
			if (*x == '\r')
				return (*status = 400, *why = "stray CR in header", -1);
		if (*p == ' ' || *p == '\t')
			return (*status = 400, *why = "obsolete line folding", -1);
		for (c = p; c < eol && tchar[(unsigned char)*c]; c++)
			;
		if (c == p || c == eol || *c != ':')
			return (*status = 400,
			    *why = c < eol && (*c == ' ' || *c == '\t') ?
			    "whitespace before colon in header" :
			    "malformed header line", -1);
		v = c + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *x = v; x < ve; x++) {
			unsigned char u = (unsigned char)*x;
			if ((u < 0x20 && u != '\t') || u == 0x7f)
				return (*status = 400,
				    *why = "control character in header value", -1);
		}
		if (h->nheaders == HTTP_MAX_HEADERS)
			return (*status = 431, *why = "too many header fields", -1);
		h->headers[h->nheaders++] = (struct http_header){
			p, (size_t)(c - p), v, (size_t)(ve - v) };
		p = next;
	}
}

/* "METHOD SP request-target SP HTTP/1.x" in [buf, eol). */
static int
parse_request_line(const char *buf, const char *eol, struct http_head *h,
    int *status, const char **why)
{
	const char *sp1, *sp2;

	for (sp1 = buf; sp1 < eol && tchar[(unsigned char)*sp1]; sp1++)
		;
	if (sp1 == buf || sp1 == eol || *sp1 != ' ')
		return (*why = "malformed request line (method)", HTTP_BAD);
	sp2 = sp1 + 1;
	while (sp2 < eol && *sp2 != ' ') {
		unsigned char u = (unsigned char)*sp2;
		if (u <= 0x20 || u == 0x7f)
			return (*why = "control character in request target", HTTP_BAD);
		sp2++;
	}
	if (sp2 == sp1 + 1 || sp2 == eol)
		return (*why = "malformed request line (target)", HTTP_BAD);
	if (parse_version(sp2 + 1, eol, &h->minor) != 0) {
		if (eol - sp2 > 6 && memcmp(sp2 + 1, "HTTP/", 5) == 0)
			return (*status = 505, *why = "HTTP version not supported",
			    HTTP_BAD);
		return (*why = "malformed request line (version)", HTTP_BAD);
	}
	h->method = buf;
	h->method_len = (size_t)(sp1 - buf);
	h->target = sp1 + 1;
	h->target_len = (size_t)(sp2 - sp1 - 1);
	return 0;
}

int
http_parse_request(const char *buf, size_t len, size_t max_head,
    struct http_head *h, int *status, const char **why)
{
	const char *end, *eol, *next;
	size_t hl;

	*status = 400;
	memset(h, 0, offsetof(struct http_head, headers));
	hl = find_head_end(buf, len < max_head ? len : max_head);
	if (hl == 0) {
		/* Refuse a bad request line as soon as it is complete,
		 * instead of waiting for a blank line that may never come. */
		next = next_line(buf, buf + (len < max_head ? len : max_head), &eol);
		if (next != NULL &&
		    parse_request_line(buf, eol, h, status, why) != 0)
			return HTTP_BAD;
		if (len >= max_head) {
			if (next == NULL)
				return (*status = 414, *why = "request line too long",
				    HTTP_BAD);
			return (*status = 431, *why = "request header block too large",
			    HTTP_BAD);
		}
		return HTTP_INCOMPLETE;
	}
	end = buf + hl;
	if ((next = next_line(buf, end, &eol)) == NULL)
		return (*why = "malformed request line", HTTP_BAD);
	if (parse_request_line(buf, eol, h, status, why) != 0)
		return HTTP_BAD;
	if (parse_headers(next, end, h, status, why) != 0)
		return HTTP_BAD;
	h->head_len = hl;
	return (int)hl;
}

int
http_parse_response(const char *buf, size_t len, size_t max_head,
    struct http_head *h, const char **why)
{
	const char *end, *eol, *next, *p;
	size_t hl;
	int status = 0;

	hl = find_head_end(buf, len < max_head ? len : max_head);
	if (hl == 0) {
		if (len >= max_head)
			return (*why = "response head too large", HTTP_BAD);
		return HTTP_INCOMPLETE;
	}
	end = buf + hl;
	memset(h, 0, offsetof(struct http_head, headers));
	if ((next = next_line(buf, end, &eol)) == NULL || eol - buf < 12 ||
	    parse_version(buf, buf + 8, &h->minor) != 0 || buf[8] != ' ')
		return (*why = "malformed status line", HTTP_BAD);
	for (p = buf + 9; p < buf + 12; p++) {
		if (*p < '0' || *p > '9')
			return (*why = "malformed status code", HTTP_BAD);
		status = status * 10 + (*p - '0');
	}
	if (status < 100 || (p < eol && *p != ' '))
		return (*why = "malformed status code", HTTP_BAD);
	h->status = status;
	if (p < eol)
		p++;
	h->reason = p;
	h->reason_len = (size_t)(eol - p);
	if (parse_headers(next, end, h, &status, why) != 0)
		return HTTP_BAD;
	h->head_len = hl;
	return (int)hl;
}

const struct http_header *
http_header_get(const struct http_head *h, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].name_len == n &&
		    strncasecmp(h->headers[i].name, name, n) == 0)
			return &h->headers[i];
	return NULL;
}

int
http_token_has(const char *list, size_t len, const char *token)
{
	size_t tl = strlen(token);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *s, *e;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		s = p;
		while (p < end && *p != ',')
			p++;
		e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0)
			return 1;
	}
	return 0;
}
