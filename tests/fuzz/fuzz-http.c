/* fuzz-http.c -- libFuzzer target: HTTP request heads and body framing,
 * driven as capture/proxy_request.c drives them.
 *
 * The input is what a client sends on the socket.  It is parsed as a
 * request head (with a large and a small head limit), its framing decided,
 * its target classified and its query rendered; a chunked body after the
 * head is decoded in one piece and again one byte at a time, and the two
 * must agree.  The same bytes go through the response parser too.
 * Invariants beyond "no crash, no leak, no UB": slices stay inside the
 * head, a head parses the same from a buffer cut right after it, and the
 * rendered query is JSON. */
#include "fuzz.h"

#include "base/buf.h"
#include "http/http.h"
#include "query-compat.h"

static int
inside(const char *p, size_t n, const char *lo, size_t len)
{
	return p >= lo && n <= len && (size_t)(p - lo) <= len - n;
}

/* Decode body[0..n) at once, and byte by byte: same verdict, same data.
 * limit is the decoded-data cap (the proxy's body_limit): past it both
 * must say overflow. */
static void
chunked_both_ways(const char *body, size_t n, size_t limit)
{
	struct http_chunked a, b;
	struct buf da, db;
	const char *why = NULL;
	int ova = 0, ovb = 0, bad_b = 0;
	long used_a;
	size_t used_b = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	buf_init(&da, limit);
	buf_init(&db, limit);
	used_a = http_chunked_feed(&a, body, n, &da, &ova, &why);
	if (used_a < 0)
		FUZZ_CHECK(why != NULL, "HTTP_BAD without a reason");
	else
		FUZZ_CHECK((size_t)used_a <= n, "consumed %ld of %zu", used_a, n);
	while (used_b < n && !b.done) {
		long r = http_chunked_feed(&b, body + used_b, 1, &db, &ovb, &why);

		if (r < 0) {
			bad_b = 1;
			break;
		}
		FUZZ_CHECK(r <= 1, "fed 1 byte, consumed %ld", r);
		if (r == 0)
			break;
		used_b += (size_t)r;
	}
	FUZZ_CHECK((used_a < 0) == bad_b, "at once %ld, byte-wise bad=%d",
	    used_a, bad_b);
	if (used_a >= 0) {
		FUZZ_CHECK((size_t)used_a == used_b && a.done == b.done,
		    "at once %ld done=%d, byte-wise %zu done=%d", used_a,
		    a.done, used_b, b.done);
		FUZZ_CHECK(ova == ovb, "overflow %d at once, %d byte-wise",
		    ova, ovb);
		FUZZ_CHECK(ova || (da.len == db.len && (da.len == 0 ||
		    memcmp(da.data, db.data, da.len) == 0)),
		    "decoded data differs");
	}
	buf_free(&da);
	buf_free(&db);
}

static void
request(const char *p, size_t n, size_t max_head)
{
	struct http_head h, h2;
	struct http_framing f;
	struct route_match m;
	const char *why = NULL;
	char method[16];
	struct buf out;
	int status = 0, rc, rc2;

	rc = http_parse_request(p, n, max_head, &h, &status, &why);
	if (rc == HTTP_INCOMPLETE)
		return;
	if (rc == HTTP_BAD) {
		FUZZ_CHECK(why != NULL && status >= 400 && status < 600,
		    "HTTP_BAD with status %d", status);
		return;
	}
	FUZZ_CHECK(rc > 0 && (size_t)rc <= n && (size_t)rc <= max_head &&
	    h.head_len == (size_t)rc, "head length %d of %zu", rc, n);
	FUZZ_CHECK(inside(h.method, h.method_len, p, (size_t)rc) &&
	    h.method_len > 0, "method outside the head");
	FUZZ_CHECK(inside(h.target, h.target_len, p, (size_t)rc) &&
	    h.target_len > 0, "target outside the head");
	FUZZ_CHECK(h.nheaders <= HTTP_MAX_HEADERS, "%zu headers", h.nheaders);
	for (size_t i = 0; i < h.nheaders; i++)
		FUZZ_CHECK(inside(h.headers[i].name, h.headers[i].name_len, p,
		    (size_t)rc) && inside(h.headers[i].value,
		    h.headers[i].value_len, p, (size_t)rc),
		    "header %zu outside the head", i);

	/* the same head, cut right after its blank line */
	rc2 = http_parse_request(p, (size_t)rc, max_head, &h2, &status, &why);
	FUZZ_CHECK(rc2 == rc && h2.nheaders == h.nheaders,
	    "head of %d bytes parses as %d when cut there", rc, rc2);

	/* what parse_head() does next */
	if (h.method_len < sizeof(method)) {
		memcpy(method, h.method, h.method_len);
		method[h.method_len] = '\0';
		buf_init(&out, 64 * 1024);
		fuzz_query_record(method, h.target, h.target_len, NULL, 0, &m,
		    &out);
		FUZZ_CHECK(m.action != NULL, "no action");
		FUZZ_CHECK(memchr(m.object_ref, '\0', sizeof(m.object_ref)) &&
		    memchr(m.api_version, '\0', sizeof(m.api_version)),
		    "unterminated route fields");
		fuzz_query_check(m.action, &out);
		buf_free(&out);
	}
	(void)http_header_get(&h, "Content-Type");
	if (http_request_framing(&h, &f, &status, &why) != 0) {
		FUZZ_CHECK(why != NULL && status >= 400, "framing: status %d",
		    status);
		return;
	}
	FUZZ_CHECK(!(f.chunked && f.length >= 0), "chunked with a length");
	FUZZ_CHECK(f.chunked || f.length >= 0, "no framing");
	if (f.chunked) {
		chunked_both_ways(p + rc, n - (size_t)rc, 1 << 20);
		chunked_both_ways(p + rc, n - (size_t)rc, 16);
	}
}

static void
response(const char *p, size_t n)
{
	struct http_head h;
	struct http_framing f;
	const char *why = NULL;
	int rc = http_parse_response(p, n, 64 * 1024, &h, &why);

	if (rc <= 0)
		return;
	FUZZ_CHECK(h.status >= 100 && h.status <= 999, "status %d", h.status);
	FUZZ_CHECK(inside(h.reason, h.reason_len, p, (size_t)rc),
	    "reason outside the head");
	if (http_response_framing(&h, "GET", 3, &f, &why) == 0 && f.chunked)
		chunked_both_ways(p + rc, n - (size_t)rc, 1 << 20);
	(void)http_response_framing(&h, "HEAD", 4, &f, &why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char dec[512];

	request(p, size, 64 * 1024);
	request(p, size, 128);
	response(p, size);
	/* the percent-decoder on its own, into a small buffer */
	(void)http_pct_decode(p, size < 2048 ? size : 2048, dec, sizeof(dec), 1);
	(void)http_pct_decode(p, size < 2048 ? size : 2048, dec, sizeof(dec), 0);
	return 0;
}
