/* test-http.c -- the HTTP/1.1 head parser, body framing, chunked decoder
 * and percent-decoding: what is accepted, what is refused and with which
 * status.  Inputs are fed whole and byte by byte from the end of a heap
 * block so an over-read trips ASan. */
#include "unit.h"

#include "base/buf.h"
#include "http/http.h"

/* Copy s to the end of a fresh allocation (over-reads hit the redzone). */
static char *
at_end(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	memcpy(p, s, n);
	return p;
}

static int
parse_req(const char *s, struct http_head *h, int *status, const char **why)
{
	size_t n = strlen(s);
	char *p = at_end(s, n);
	int rc = http_parse_request(p, n, 64 * 1024, h, status, why);
	free(p);
	return rc;
}

TEST(request_basic)
{
	struct http_head h;
	const char *why;
	int st, rc;
	const char *req = "POST /v1.41/containers/create?name=x HTTP/1.1\r\n"
	    "Host: docker\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}";

	rc = http_parse_request(req, strlen(req), 65536, &h, &st, &why);
	ASSERT_EQ(rc, strlen(req) - 2);
	ASSERT_EQ(h.method_len, 4);
	ASSERT(memcmp(h.method, "POST", 4) == 0);
	ASSERT_EQ(h.target_len, strlen("/v1.41/containers/create?name=x"));
	ASSERT_EQ(h.minor, 1);
	ASSERT_EQ(h.nheaders, 3);
	ASSERT(http_header_get(&h, "content-type") != NULL);
	ASSERT_NULL(http_header_get(&h, "X-None"));
}

TEST(request_incremental_every_prefix)
{
	const char *req = "GET /_ping HTTP/1.1\r\nHost: d\r\nUser-Agent: x\r\n\r\n";
	size_t n = strlen(req);
	struct http_head h;
	const char *why;
	int st;

	for (size_t i = 0; i < n; i++) {
		char *p = at_end(req, i);
		int rc = http_parse_request(p, i, 65536, &h, &st, &why);
		free(p);
		if (rc != HTTP_INCOMPLETE)
			UNIT_FAIL("prefix %zu: rc %d", i, rc);
	}
	ASSERT_EQ(parse_req(req, &h, &st, &why), n);
}

TEST(request_bare_lf_accepted_like_go)
{
	struct http_head h;
	const char *why;
	int st;

	ASSERT(parse_req("GET /x HTTP/1.1\nHost: a\n\n", &h, &st, &why) > 0);
	ASSERT_EQ(h.nheaders, 1);
}

TEST(request_rejections)
{
	static const struct { const char *in; int status; const char *why; } cases[] = {
		{ "garbage garbage\r\n\r\n", 400, "malformed request line" },
		{ "GET\r\n\r\n", 400, "malformed request line" },
		{ "GET /x HTTP/2.0\r\n\r\n", 505, "HTTP version not supported" },
		{ "GET /x FTP/1.1\r\n\r\n", 400, "version" },
		{ "GET /x HTTP/1.1\r\n Host: a\r\n\r\n", 400, "folding" },
		{ "GET /x HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace before colon" },
		{ "GET /x HTTP/1.1\r\nHo\x01st: a\r\n\r\n", 400, "malformed header" },
		{ "GET /x HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400, "control character" },
		{ "GET /a\x7f HTTP/1.1\r\n\r\n", 400, "control character in request target" },
		{ "\x16\x03\x01\x02\x01\xfc\x03\x03 x\n", 400, "malformed" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_head h;
		const char *why = "";
		int st = 0;

		if (parse_req(cases[i].in, &h, &st, &why) != HTTP_BAD)
			UNIT_FAIL("case %zu accepted", i);
		ASSERT_EQ(st, cases[i].status);
		ASSERT_CONTAINS(why, cases[i].why);
	}
}

TEST(request_garbage_without_newline_waits_then_limits)
{
	struct http_head h;
	const char *why = "";
	int st = 0;
	char big[70000];

	memset(big, 'A', sizeof(big));
	ASSERT_EQ(http_parse_request(big, 100, 65536, &h, &st, &why), HTTP_INCOMPLETE);
	ASSERT_EQ(http_parse_request(big, sizeof(big), 65536, &h, &st, &why), HTTP_BAD);
	ASSERT_EQ(st, 414);
}

TEST(request_oversized_headers_431)
{
	struct buf b;
	struct http_head h;
	const char *why = "";
	int st = 0;

	buf_init(&b, BUF_UNLIMITED);
	buf_puts(&b, "GET /x HTTP/1.1\r\n");
	while (b.len < 100 * 1024)
		buf_puts(&b, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	ASSERT_EQ(http_parse_request(b.data, b.len, 65536, &h, &st, &why), HTTP_BAD);
	ASSERT_EQ(st, 431);
	buf_free(&b);
}

TEST(request_too_many_headers_431)
{
	struct buf b;
	struct http_head h;
	const char *why = "";
	int st = 0;

	buf_init(&b, BUF_UNLIMITED);
	buf_puts(&b, "GET /x HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		buf_printf(&b, "X-H%d: v\r\n", i);
	buf_puts(&b, "\r\n");
	ASSERT_EQ(http_parse_request(b.data, b.len, 65536, &h, &st, &why), HTTP_BAD);
	ASSERT_EQ(st, 431);
	buf_free(&b);
}

static int
framing(const char *req, struct http_framing *f, int *st, const char **why)
{
	struct http_head h;
	int rc;

	if (http_parse_request(req, strlen(req), 65536, &h, st, why) <= 0)
		UNIT_FAIL("head rejected: %s", *why);
	rc = http_request_framing(&h, f, st, why);
	return rc;
}

TEST(framing_requests)
{
	struct http_framing f;
	const char *why = "";
	int st = 0;

	ASSERT_EQ(framing("GET /x HTTP/1.1\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.length, 0);
	ASSERT_EQ(f.chunked, 0);
	ASSERT_EQ(framing("POST /x HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.length, 12);
	ASSERT_EQ(framing("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.chunked, 1);
	ASSERT_EQ(framing("POST /exec/1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.upgrade, 1);
	ASSERT_EQ(framing("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.expect_continue, 1);
	ASSERT_EQ(framing("GET /x HTTP/1.0\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.close, 1);
	ASSERT_EQ(framing("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", &f, &st, &why), 0);
	ASSERT_EQ(f.close, 1);
	/* identical duplicates are fine, as in Go */
	ASSERT_EQ(framing("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", &f, &st, &why), 0);
}

TEST(framing_smuggling_rejected)
{
	static const struct { const char *in; int st; const char *why; } cases[] = {
		{ "POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "smuggling" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "conflicting" },
		{ "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "invalid Content-Length" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400, "invalid Content-Length" },
		{ "POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400, "invalid Content-Length" },
		{ "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "unsupported" },
		{ "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "repeated" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_framing f;
		const char *why = "";
		int st = 0;

		if (framing(cases[i].in, &f, &st, &why) != HTTP_BAD)
			UNIT_FAIL("case %zu accepted", i);
		ASSERT_EQ(st, cases[i].st);
		ASSERT_CONTAINS(why, cases[i].why);
	}
}

static void
resp_framing(const char *resp, const char *method, struct http_framing *f)
{
	struct http_head h;
	const char *why = "";

	if (http_parse_response(resp, strlen(resp), 65536, &h, &why) <= 0)
		UNIT_FAIL("response rejected: %s", why);
	if (http_response_framing(&h, method, strlen(method), f, &why) != 0)
		UNIT_FAIL("framing rejected: %s", why);
}

TEST(framing_responses)
{
	struct http_framing f;
	struct http_head h;
	const char *why;

	resp_framing("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", "POST", &f);
	ASSERT_EQ(f.upgrade, 1);
	resp_framing("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n", "POST", &f);
	ASSERT_EQ(f.until_eof, 1);
	resp_framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HEAD", &f);
	ASSERT_EQ(f.no_body, 1);
	resp_framing("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n", "HEAD", &f);
	ASSERT_EQ(f.no_body, 1);
	resp_framing("HTTP/1.1 204 No Content\r\n\r\n", "POST", &f);
	ASSERT_EQ(f.no_body, 1);
	resp_framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", &f);
	ASSERT_EQ(f.chunked, 1);
	resp_framing("HTTP/1.1 404 Not Found\r\nContent-Length: 29\r\n\r\n", "GET", &f);
	ASSERT_EQ(f.length, 29);
	ASSERT_EQ(http_parse_response("HTTP/1.1 2x0 OK\r\n\r\n", 19, 65536, &h, &why), HTTP_BAD);
	ASSERT_EQ(http_parse_response("HTTP/1.1 200 OK\r\n", 17, 65536, &h, &why), HTTP_INCOMPLETE);
	ASSERT_EQ(http_parse_response("HTTP/1.1 200\r\n\r\n", 16, 65536, &h, &why), 16);
	ASSERT_EQ(h.status, 200);
}

static long
feed_all(struct http_chunked *c, const char *s, struct buf *out, const char **why)
{
	size_t n = strlen(s);
	char *p = at_end(s, n);
	int ovf = 0;
	long r = http_chunked_feed(c, p, n, out, &ovf, why);
	free(p);
	return r;
}

TEST(chunked_decode_whole_and_bytewise)
{
	const char *in = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	struct http_chunked c;
	struct buf out;
	const char *why = NULL;
	long used;

	memset(&c, 0, sizeof(c));
	buf_init(&out, BUF_UNLIMITED);
	used = feed_all(&c, in, &out, &why);
	ASSERT_EQ(used, strlen(in) - 4);	/* stops before NEXT */
	ASSERT(c.done);
	ASSERT_STREQ(out.data, "Wikipedia in\r\n\r\nchunks.");

	memset(&c, 0, sizeof(c));
	buf_reset(&out);
	for (size_t i = 0; i < strlen(in) - 4; i++) {
		int ovf = 0;
		char *p = at_end(in + i, 1);
		long r = http_chunked_feed(&c, p, 1, &out, &ovf, &why);
		free(p);
		ASSERT_EQ(r, 1);
	}
	ASSERT(c.done);
	ASSERT_STREQ(out.data, "Wikipedia in\r\n\r\nchunks.");
	buf_free(&out);
}

TEST(chunked_bad)
{
	static const char *bad[] = {
		"zz\r\n", "4\r\nWikiXX", "\r\n", "4\r\nWiki\rX",
		"ffffffffffffffffff\r\n", "0\r\n\rX",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_chunked c;
		const char *why = NULL;

		memset(&c, 0, sizeof(c));
		if (feed_all(&c, bad[i], NULL, &why) != HTTP_BAD)
			UNIT_FAIL("case %zu accepted", i);
		ASSERT(why != NULL);
	}
}

TEST(chunked_limit_overflow_keeps_decoding)
{
	struct http_chunked c;
	struct buf out;
	const char *why;
	int ovf = 0;
	const char *in = "8\r\n12345678\r\n0\r\n\r\n";

	memset(&c, 0, sizeof(c));
	buf_init(&out, 4);
	ASSERT_EQ(http_chunked_feed(&c, in, strlen(in), &out, &ovf, &why), strlen(in));
	ASSERT(ovf);
	ASSERT(c.done);
	buf_free(&out);
}

TEST(pct_decode)
{
	char out[64];

	ASSERT_EQ(http_pct_decode("reg%3A5000%2Fimg", 16, out, sizeof(out), 0), 12);
	ASSERT_STREQ(out, "reg:5000/img");
	ASSERT_EQ(http_pct_decode("a+b", 3, out, sizeof(out), 1), 3);
	ASSERT_STREQ(out, "a b");
	ASSERT_EQ(http_pct_decode("a+b", 3, out, sizeof(out), 0), 3);
	ASSERT_STREQ(out, "a+b");
	ASSERT_EQ(http_pct_decode("%zz", 3, out, sizeof(out), 0), -1);
	ASSERT_EQ(http_pct_decode("%4", 2, out, sizeof(out), 0), -1);
	ASSERT_EQ(http_pct_decode("a%00b", 5, out, sizeof(out), 0), -1);
	ASSERT_EQ(http_pct_decode("abcdef", 6, out, 4, 0), -1);
}

TEST(token_lists)
{
	ASSERT(http_token_has("keep-alive, Upgrade", 19, "upgrade"));
	ASSERT(!http_token_has("upgrades", 8, "upgrade"));
	ASSERT(http_token_has(" close ", 7, "close"));
}

/* ---- media types, as Go's mime.ParseMediaType (go1.19) reads them ---- */

/* mt("...") -> the parsed type, "ERR" for an error, "DUP" when the only
 * error is a repeated parameter with an equal value.  Fed from the end of
 * a heap block (no NUL after it). */
static const char *
mt(const char *s)
{
	static char type[128];
	size_t n = strlen(s);
	char *p = at_end(s, n);
	int dup = 0, rc = http_media_type_parse(p, n, type, sizeof(type), &dup);

	free(p);
	if (rc == 0)
		return type;
	return dup ? "DUP" : "ERR";
}

static int
is_json(const char *s)
{
	size_t n = strlen(s);
	char *p = at_end(s, n);
	int r = http_media_type_is(p, n, "application/json");

	free(p);
	return r;
}

TEST(media_type_base_lower_trim_token)
{
	ASSERT_STREQ(mt("application/json"), "application/json");
	ASSERT_STREQ(mt("Application/JSON"), "application/json");
	/* Unicode lower-casing: only U+0130 and U+212A reach ASCII letters */
	ASSERT_STREQ(mt("appl\xc4\xb0" "cation/json"), "application/json");
	ASSERT_STREQ(mt("application/\xe2\x84\xaa" "ey"), "application/key");
	ASSERT_STREQ(mt("appl\xc4\xb1" "cation/json"), "ERR");	/* U+0131 */
	ASSERT_STREQ(mt("application/j\xc5\xbfon"), "ERR");	/* U+017F */
	ASSERT_STREQ(mt("appl\xc3\x8d" "cation/json"), "ERR");	/* U+00CD */
	/* Unicode white space around the base is trimmed */
	ASSERT_STREQ(mt("application/json\t"), "application/json");
	ASSERT_STREQ(mt(" \t application/json \v\f"), "application/json");
	ASSERT_STREQ(mt("\xc2\x85" "application/json\xc2\xa0"), "application/json");
	ASSERT_STREQ(mt("\xe1\x9a\x80" "application/json\xe2\x80\x80\xe2\x80\x8a"),
	    "application/json");
	ASSERT_STREQ(mt("\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\x9f"
	    "application/json\xe3\x80\x80"), "application/json");
	/* not white space: U+200B, U+FEFF, a lone 0xa0 byte, invalid UTF-8 */
	ASSERT_STREQ(mt("\xe2\x80\x8b" "application/json"), "ERR");
	ASSERT_STREQ(mt("application/json\xef\xbb\xbf"), "ERR");
	ASSERT_STREQ(mt("application/json\xa0"), "ERR");
	ASSERT_STREQ(mt("application/json\xc0\xa0"), "ERR");	/* overlong */
	/* white space inside, or no token */
	ASSERT_STREQ(mt("application /json"), "ERR");
	ASSERT_STREQ(mt("application/ json"), "ERR");
	ASSERT_STREQ(mt("application/json x"), "ERR");
	ASSERT_STREQ(mt(""), "ERR");
	ASSERT_STREQ(mt("  "), "ERR");
	ASSERT_STREQ(mt("/json"), "ERR");
	ASSERT_STREQ(mt("application/"), "ERR");
	ASSERT_STREQ(mt("application/json/x"), "ERR");
	ASSERT_STREQ(mt("application/js,on"), "ERR");
	ASSERT_STREQ(mt("application/js{on"), "application/js{on");
	/* a bare token is a media type for Go (not JSON, but no error) */
	ASSERT_STREQ(mt("json"), "json");
	ASSERT_STREQ(mt("text/plain"), "text/plain");
}

TEST(media_type_parameters)
{
	ASSERT_STREQ(mt("application/json; charset=utf-8"), "application/json");
	ASSERT_STREQ(mt("application/json;charset=utf-8"), "application/json");
	ASSERT_STREQ(mt("application/json ; CHARSET = \"utf-8\" "),
	    "application/json");
	ASSERT_STREQ(mt("application/json\t;"), "application/json");
	ASSERT_STREQ(mt("application/json;"), "application/json");
	ASSERT_STREQ(mt("application/json; a=1;"), "application/json");
	ASSERT_STREQ(mt("application/json; a=1; \t"), "application/json");
	ASSERT_STREQ(mt("application/json; a=1 ;  "), "application/json");
	/* quoted values may hold ';' and escaped quotes */
	ASSERT_STREQ(mt("application/json; a=\"x;y\"; b=2"), "application/json");
	ASSERT_STREQ(mt("application/json; a=\"x\\\"y\""), "application/json");
	ASSERT_STREQ(mt("application/json; a=\"C:\\dev\\x\""), "application/json");
	/* rejected forms */
	ASSERT_STREQ(mt("application/json;;"), "ERR");
	ASSERT_STREQ(mt("application/json; ;"), "ERR");
	ASSERT_STREQ(mt("application/json; foo"), "ERR");
	ASSERT_STREQ(mt("application/json; foo="), "ERR");
	ASSERT_STREQ(mt("application/json; foo=\"\""), "ERR");
	ASSERT_STREQ(mt("application/json; foo=\"bar"), "ERR");
	ASSERT_STREQ(mt("application/json; foo=\"bar\\\""), "ERR");
	ASSERT_STREQ(mt("application/json; =bar"), "ERR");
	ASSERT_STREQ(mt("application/json; a=b c"), "ERR");
	ASSERT_STREQ(mt("application/json; a=1;; b=2"), "ERR");
	ASSERT_STREQ(mt("application/json; a=\xc3\xa9"), "ERR");
	ASSERT_STREQ(mt("application/json x; a=1"), "ERR");
	/* a repeated name (names fold) is an error in go1.19; newer Go
	 * accepts it when the values are equal */
	ASSERT_STREQ(mt("application/json; a=1; a=2"), "ERR");
	ASSERT_STREQ(mt("application/json; a=1; A=2"), "ERR");
	ASSERT_STREQ(mt("application/json; a=1; a=1"), "DUP");
	ASSERT_STREQ(mt("application/json; a=1; A=\"1\""), "DUP");
	/* RFC 2231 names: "a*" and "a" are different names */
	ASSERT_STREQ(mt("application/json; a*=x; a=y"), "application/json");
	ASSERT_STREQ(mt("application/json; a*0=x; a*0=y"), "ERR");
}

TEST(media_type_is_json_and_check_for_json)
{
	ASSERT_EQ(is_json("application/json"), HTTP_MT_MATCH);
	ASSERT_EQ(is_json("application/json\t;"), HTTP_MT_MATCH);
	ASSERT_EQ(is_json("appl\xc4\xb0" "cation/json"), HTTP_MT_MATCH);
	ASSERT_EQ(is_json("APPLICATION/JSON; charset=utf-8"), HTTP_MT_MATCH);
	ASSERT_EQ(is_json("application/json; a=1; a=1"), HTTP_MT_UNSURE);
	ASSERT_EQ(is_json("text/plain; a=1; a=1"), HTTP_MT_OTHER);
	ASSERT_EQ(is_json("application/json; a=1; a=2"), HTTP_MT_OTHER);
	ASSERT_EQ(is_json("application/json;;"), HTTP_MT_OTHER);
	ASSERT_EQ(is_json("application/jsonx"), HTTP_MT_OTHER);
	ASSERT_EQ(is_json("application/json-patch+json"), HTTP_MT_OTHER);
	ASSERT_EQ(is_json("text/json"), HTTP_MT_OTHER);
	ASSERT_EQ(http_media_type_is(NULL, 0, "application/json"), HTTP_MT_OTHER);
	/* CheckForJSON: no Content-Type is fine only without a body (a
	 * chunked body counts as one) */
	ASSERT_EQ(http_check_for_json(NULL, 0, 0), HTTP_MT_MATCH);
	ASSERT_EQ(http_check_for_json(NULL, 0, 1), HTTP_MT_OTHER);
	ASSERT_EQ(http_check_for_json("", 0, 1), HTTP_MT_OTHER);
	ASSERT_EQ(http_check_for_json("text/plain", 10, 1), HTTP_MT_OTHER);
	ASSERT_EQ(http_check_for_json("text/plain", 10, 0), HTTP_MT_OTHER);
	ASSERT_EQ(http_check_for_json("application/json", 16, 1), HTTP_MT_MATCH);
	ASSERT_EQ(is_json("multipart/form-data; boundary=x") ,HTTP_MT_OTHER);
	ASSERT_EQ(http_media_type_is("Multipart/Form-Data; boundary=x", 31,
	    "multipart/form-data"), HTTP_MT_MATCH);
}
