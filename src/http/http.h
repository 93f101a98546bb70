/* http.h -- HTTP/1.1 message-head parsing and body framing, zero-copy.
 *
 * Parsers are pure functions over a caller's buffer, picohttpparser style:
 * they return the head length once the blank line is in, HTTP_INCOMPLETE
 * while more bytes are needed, or HTTP_BAD with the status code to answer
 * (400, 414, 431, 501, 505) and a reason.  Outputs are slices into the
 * buffer; nothing is allocated.  Line endings must be CRLF, except that a
 * bare LF is accepted as Go's net/http does; obs-fold and whitespace before
 * the colon are rejected (request smuggling vectors). */
#ifndef DA_HTTP_H
#define DA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	100
#define HTTP_INCOMPLETE		(-2)
#define HTTP_BAD		(-1)

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* leading/trailing whitespace trimmed */
	size_t		 value_len;
};

struct http_head {
	/* request line, or status line for responses */
	const char	*method;	/* requests */
	size_t		 method_len;
	const char	*target;	/* requests: request-target as sent */
	size_t		 target_len;
	int		 status;	/* responses */
	const char	*reason;	/* responses */
	size_t		 reason_len;
	int		 minor;		/* HTTP/1.<minor> */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t		 nheaders;
	size_t		 head_len;	/* bytes up to and including the blank line */
};

/* Framing of the body that follows a head. */
struct http_framing {
	int		 chunked;	/* Transfer-Encoding: chunked */
	int64_t		 length;	/* Content-Length, or -1 if none */
	int		 upgrade;	/* Connection: upgrade with an Upgrade header */
	int		 close;		/* Connection: close (or HTTP/1.0 without keep-alive) */
	int		 expect_continue; /* Expect: 100-continue */
	int		 until_eof;	/* responses: body runs to connection close */
	int		 no_body;	/* responses: 1xx/204/304 or reply to HEAD */
};

/* Parse a request head in buf[0..len).  max_head caps the head size
 * (HTTP_BAD with 431 past it, or 414 when the request line alone is too
 * long).  On HTTP_BAD *status and *why are set. */
int	http_parse_request(const char *buf, size_t len, size_t max_head,
	    struct http_head *h, int *status, const char **why);

/* Parse a response head; HTTP_BAD means the upstream spoke garbage. */
int	http_parse_response(const char *buf, size_t len, size_t max_head,
	    struct http_head *h, const char **why);

/* Request body framing; HTTP_BAD (status 400/501) for conflicting or
 * invalid Content-Length / Transfer-Encoding. */
int	http_request_framing(const struct http_head *h, struct http_framing *f,
	    int *status, const char **why);

/* Response body framing for a response to a request with method
 * req_method. */
int	http_response_framing(const struct http_head *h, const char *req_method,
	    size_t req_method_len, struct http_framing *f, const char **why);

/* First header named name (case-insensitive), or NULL. */
const struct http_header *http_header_get(const struct http_head *h,
	    const char *name);
/* Last header named name (Go's net/http keeps all; Header.Get returns the
 * first -- use this only where "last" is the documented behaviour). */
int	http_token_has(const char *list, size_t len, const char *token);

/* Incremental chunked-body decoder.  Zero it before use. */
struct http_chunked {
	int		 state;
	uint64_t	 remaining;	/* bytes left in the current chunk */
	size_t		 line_len;	/* bytes of the current size/trailer line */
	int		 done;		/* saw the last chunk and trailers */
};

/* Feed n bytes; returns the number consumed (stops right after the final
 * CRLF, so bytes of a pipelined next message are left), or HTTP_BAD for a
 * malformed stream (*why set).  Decoded data is appended to `data` when it
 * is not NULL; if that fails (limit) *data_overflow is set and decoding
 * continues without it. */
struct buf;
long	http_chunked_feed(struct http_chunked *c, const char *p, size_t n,
	    struct buf *data, int *data_overflow, const char **why);

/* Percent-decode src[0..n) into dst (size dstlen, NUL-terminated);
 * '+' stays '+' unless plus_space.  Returns the decoded length or -1 for
 * bad escapes, embedded NUL or overflow. */
long	http_pct_decode(const char *src, size_t n, char *dst, size_t dstlen,
	    int plus_space);

/* Media types (mediatype.c), exactly as Go's mime.ParseMediaType reads a
 * Content-Type value (go1.19: dockerd 20.10).  http_media_type_parse puts
 * the lower-cased type ("application/json") in type and returns 0, or -1
 * when Go returns an error; *dup_only is then set when the only error was
 * a repeated parameter name with an equal value, which newer Go accepts. */
int	http_media_type_parse(const char *v, size_t n, char *type,
	    size_t typelen, int *dup_only);
#define HTTP_MT_OTHER	0	/* another type, malformed, or absent (v NULL) */
#define HTTP_MT_MATCH	1	/* Go reads this media type */
#define HTTP_MT_UNSURE	2	/* go1.19 refuses it, newer Go reads it */
/* Is v[0..n) the media type want (lower case)? */
int	http_media_type_is(const char *v, size_t n, const char *want);
/* dockerd's CheckForJSON on the FIRST Content-Type header (ct NULL when
 * there is none): HTTP_MT_MATCH when it lets the body be decoded (JSON,
 * or no Content-Type and no body), HTTP_MT_OTHER when it refuses the
 * call, HTTP_MT_UNSURE when Go versions disagree. */
int	http_check_for_json(const char *ct, size_t n, int has_body);

/* Reason phrase for a status code we generate. */
const char *http_reason(int status);

#endif
