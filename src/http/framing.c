/* framing.c -- where an HTTP body ends: Content-Length, chunked, upgrade,
 * read-to-close; the incremental chunked decoder; percent-decoding. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/text.h"
#include "http/http.h"

#define CHUNK_LINE_MAX	4096	/* size line with extensions, or a trailer line */
#define CHUNK_SIZE_MAX	((uint64_t)1 << 60)

static int
hdr_is(const struct http_header *hd, const char *name)
{
	size_t n = strlen(name);

	return hd->name_len == n && strncasecmp(hd->name, name, n) == 0;
}

/* Content-Length value: 1*DIGIT, no sign, no spaces. */
static int
parse_length(const char *v, size_t n, int64_t *out)
{
	int64_t x = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Shared by requests and responses: Content-Length, Transfer-Encoding,
 * Connection, Upgrade, Expect. */
static int
scan_headers(const struct http_head *h, struct http_framing *f, int *status,
    const char **why)
{
	int have_te = 0, have_upgrade = 0, conn_upgrade = 0, keep_alive = 0;

	memset(f, 0, sizeof(*f));
	f->length = -1;
	for (size_t i = 0; i < h->nheaders; i++) {
		const struct http_header *hd = &h->headers[i];

		if (hdr_is(hd, "Content-Length")) {
			int64_t v;

			if (parse_length(hd->value, hd->value_len, &v) != 0)
				return (*status = 400, *why = "invalid Content-Length",
				    HTTP_BAD);
			if (f->length >= 0 && f->length != v)
				return (*status = 400,
				    *why = "conflicting Content-Length headers", HTTP_BAD);
			f->length = v;
		} else if (hdr_is(hd, "Transfer-Encoding")) {
			if (have_te++)
				return (*status = 400,
				    *why = "repeated Transfer-Encoding header", HTTP_BAD);
			if (hd->value_len != 7 ||
			    strncasecmp(hd->value, "chunked", 7) != 0)
				return (*status = 501,
				    *why = "unsupported Transfer-Encoding (only chunked)",
				    HTTP_BAD);
			f->chunked = 1;
		} else if (hdr_is(hd, "Connection")) {
			if (http_token_has(hd->value, hd->value_len, "close"))
				f->close = 1;
			if (http_token_has(hd->value, hd->value_len, "upgrade"))
				conn_upgrade = 1;
			if (http_token_has(hd->value, hd->value_len, "keep-alive"))
				keep_alive = 1;
		} else if (hdr_is(hd, "Upgrade")) {
			have_upgrade = 1;
		} else if (hdr_is(hd, "Expect")) {
			if (hd->value_len == 12 &&
			    strncasecmp(hd->value, "100-continue", 12) == 0)
				f->expect_continue = 1;
		}
	}
	if (h->minor == 0 && !keep_alive)
		f->close = 1;
	f->upgrade = have_upgrade && conn_upgrade;
	if (f->chunked && f->length >= 0)
		return (*status = 400,
		    *why = "both Content-Length and Transfer-Encoding (request smuggling)",
		    HTTP_BAD);
	return 0;
}

int
http_request_framing(const struct http_head *h, struct http_framing *f,
    int *status, const char **why)
{
	if (scan_headers(h, f, status, why) != 0)
		return HTTP_BAD;
	if (f->chunked && h->minor == 0)
		return (*status = 400, *why = "chunked body in HTTP/1.0", HTTP_BAD);
	if (!f->chunked && f->length < 0)
		f->length = 0;
	return 0;
}

int
http_response_framing(const struct http_head *h, const char *req_method,
    size_t req_method_len, struct http_framing *f, const char **why)
{
	int status;

	if (scan_headers(h, f, &status, why) != 0) {
		/* An upstream response with both: chunked wins (RFC 9112 6.3). */
		if (!(f->chunked && f->length >= 0))
			return HTTP_BAD;
		f->length = -1;
	}
	if (h->status == 101) {
		f->upgrade = 1;
		f->length = -1;
		f->chunked = 0;
		return 0;
	}
	f->upgrade = 0;
	if ((req_method_len == 4 && memcmp(req_method, "HEAD", 4) == 0) ||
	    h->status < 200 || h->status == 204 || h->status == 304) {
		f->no_body = 1;
		f->chunked = 0;
		f->length = 0;
		return 0;
	}
	if (!f->chunked && f->length < 0)
		f->until_eof = 1;
	return 0;
}

enum {
	CK_SIZE0,	/* first hex digit of a size line */
	CK_SIZE,	/* more hex digits */
	CK_EXT,		/* chunk extension, up to LF */
	CK_SIZE_LF,	/* saw CR after size */
	CK_DATA,
	CK_DATA_CR,
	CK_DATA_LF,
	CK_TRAILER,	/* start of a trailer line */
	CK_TRAILER_LINE,
	CK_TRAILER_LF,	/* CR at the start of a line: end of trailers */
	CK_DONE
};

long
http_chunked_feed(struct http_chunked *c, const char *p, size_t n,
    struct buf *data, int *data_overflow, const char **why)
{
	size_t i = 0;

	while (i < n && c->state != CK_DONE) {
		char ch = p[i];
		int v;

		switch (c->state) {
		case CK_SIZE0:
		case CK_SIZE:
			if ((v = text_hexval((unsigned char)ch)) >= 0) {
				if (c->remaining >= CHUNK_SIZE_MAX / 16)
					return (*why = "chunk size too large", HTTP_BAD);
				c->remaining = c->remaining * 16 + (uint64_t)v;
				c->state = CK_SIZE;
				i++;
				break;
			}
			if (c->state == CK_SIZE0)
				return (*why = "malformed chunk size", HTTP_BAD);
			if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CK_EXT;
				c->line_len = 0;
			} else if (ch == '\r') {
				c->state = CK_SIZE_LF;
			} else if (ch == '\n') {
				c->state = c->remaining ? CK_DATA : CK_TRAILER;
			} else {
				return (*why = "malformed chunk size", HTTP_BAD);
			}
			i++;
			break;
		case CK_EXT:
			if (++c->line_len > CHUNK_LINE_MAX)
				return (*why = "chunk extension too long", HTTP_BAD);
			if (ch == '\n')
				c->state = c->remaining ? CK_DATA : CK_TRAILER;
			i++;
			break;
		case CK_SIZE_LF:
			if (ch != '\n')
				return (*why = "malformed chunk size line", HTTP_BAD);
			c->state = c->remaining ? CK_DATA : CK_TRAILER;
			i++;
			break;
		case CK_DATA: {
			size_t take = n - i;

			if (take > c->remaining)
				take = (size_t)c->remaining;
			if (data != NULL && !*data_overflow &&
			    buf_append(data, p + i, take) != 0)
				*data_overflow = 1;
			c->remaining -= take;
			i += take;
			if (c->remaining == 0)
				c->state = CK_DATA_CR;
			break;
		}
		case CK_DATA_CR:
			if (ch == '\r')
				c->state = CK_DATA_LF;
			else if (ch == '\n')
				c->state = CK_SIZE0;
			else
				return (*why = "missing CRLF after chunk data", HTTP_BAD);
			i++;
			break;
		case CK_DATA_LF:
			if (ch != '\n')
				return (*why = "missing CRLF after chunk data", HTTP_BAD);
			c->state = CK_SIZE0;
			i++;
			break;
		case CK_TRAILER:
			c->line_len = 0;
			if (ch == '\r')
				c->state = CK_TRAILER_LF;
			else if (ch == '\n')
				c->state = CK_DONE;
			else
				c->state = CK_TRAILER_LINE;
			i++;
			break;
		case CK_TRAILER_LINE:
			if (++c->line_len > CHUNK_LINE_MAX)
				return (*why = "chunk trailer too long", HTTP_BAD);
			if (ch == '\n')
				c->state = CK_TRAILER;
			i++;
			break;
		case CK_TRAILER_LF:
			if (ch != '\n')
				return (*why = "malformed chunk trailer", HTTP_BAD);
			c->state = CK_DONE;
			i++;
			break;
		}
	}
	c->done = c->state == CK_DONE;
	return (long)i;
}

long
http_pct_decode(const char *src, size_t n, char *dst, size_t dstlen,
    int plus_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = src[i];

		if (ch == '%') {
			int hi, lo;

			if (n - i < 3)
				return -1;
			if ((hi = text_hexval((unsigned char)src[i + 1])) < 0 ||
			    (lo = text_hexval((unsigned char)src[i + 2])) < 0)
				return -1;
			ch = (char)(hi * 16 + lo);
			i += 2;
		} else if (ch == '+' && plus_space) {
			ch = ' ';
		}
		if (ch == '\0' || o + 1 >= dstlen)
			return -1;
		dst[o++] = ch;
	}
	if (dstlen == 0)
		return -1;
	dst[o] = '\0';
	return (long)o;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
