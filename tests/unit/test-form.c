/* test-form.c -- the specification of the request form as dockerd reads
 * it (src/event/form.c: Go's url.ParseQuery, ParseForm's body-then-query
 * order, httputils.BoolValue) and of request.query in records
 * (src/capture/query.c: every value kept, arrays for repeated keys,
 * Content-Type as Go's mime.ParseMediaType reads it, doubts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "capture/query.h"
#include "event/actions.h"
#include "event/extract.h"
#include "event/form.h"
#include "unit.h"

static struct form
fq(const char *body, const char *query)
{
	struct form f = { body, body ? strlen(body) : 0, query,
	    query ? strlen(query) : 0 };
	return f;
}

/* r.Form.Get(key) as a C string, "(absent)" when absent */
static const char *
get(const char *body, const char *query, const char *key)
{
	static char v[256];
	struct form f = fq(body, query);
	long n = form_get(&f, key, v, sizeof(v) - 1);

	if (n < 0)
		return "(absent)";
	v[n] = '\0';
	return v;
}

TEST(parse_query_like_go)
{
	ASSERT_STREQ(get(NULL, "a=1&b=2", "b"), "2");
	ASSERT_STREQ(get(NULL, "a=1&a=2", "a"), "1");
	ASSERT_STREQ(get(NULL, "a=x+y%20z", "a"), "x y z");
	ASSERT_STREQ(get(NULL, "a+b=1", "a b"), "1");
	ASSERT_STREQ(get(NULL, "%61=1", "a"), "1");
	ASSERT_STREQ(get(NULL, "a", "a"), "");
	ASSERT_STREQ(get(NULL, "a=", "a"), "");
	ASSERT_STREQ(get(NULL, "a==b", "a"), "=b");
	ASSERT_STREQ(get(NULL, "=v", ""), "v");
	ASSERT_STREQ(get(NULL, "&&a=1&", "a"), "1");
	/* case-sensitive keys */
	ASSERT_STREQ(get(NULL, "A=1", "a"), "(absent)");
	/* ';' is no separator: the pair is dropped */
	ASSERT_STREQ(get(NULL, "a=1;b=2", "a"), "(absent)");
	ASSERT_STREQ(get(NULL, "a=1;b=2", "b"), "(absent)");
	ASSERT_STREQ(get(NULL, "a=1;x&a=2", "a"), "2");
	/* bad escapes drop the pair, in key or value */
	ASSERT_STREQ(get(NULL, "a=%zz&a=2", "a"), "2");
	ASSERT_STREQ(get(NULL, "a=%4&a=2", "a"), "2");
	ASSERT_STREQ(get(NULL, "a=%&a=2", "a"), "2");
	ASSERT_STREQ(get(NULL, "a%=1&a=2", "a"), "2");
	/* %00 and bytes >= 0x80 are values like any other */
	{
		struct form f = fq(NULL, "a=x%00y");
		char v[8];
		ASSERT_EQ(form_get(&f, "a", v, sizeof(v)), 3);
		ASSERT_EQ(v[1], '\0');
	}
	ASSERT_STREQ(get(NULL, "a=%C3%A9", "a"), "\xc3\xa9");

	struct form f = fq(NULL, "a=1;b&c=%zz&d=1");
	ASSERT_EQ(form_rejected(&f), FORM_BAD_SEMICOLON | FORM_BAD_ESCAPE);
	f = fq(NULL, "a=1&b=2");
	ASSERT_EQ(form_rejected(&f), 0);
	ASSERT(form_has(&f, "b"));
	ASSERT(!form_has(&f, "c"));
}

TEST(body_values_first)
{
	ASSERT_STREQ(get("fromImage=host/evil", "fromSrc=-", "fromImage"),
	    "host/evil");
	ASSERT_STREQ(get("fromImage=host/evil", "fromImage=alpine",
	    "fromImage"), "host/evil");
	ASSERT_STREQ(get("x=1", "fromImage=alpine", "fromImage"), "alpine");
	ASSERT_STREQ(get("fromImage=", "fromImage=alpine", "fromImage"), "");
	ASSERT_STREQ(get("", "a=1", "a"), "1");

	struct form f = fq("a=1&b=2", "a=3");
	struct form_pair p;
	size_t pos = 0;
	int n = 0;
	while (form_next(&f, &pos, &p)) {
		ASSERT_EQ(p.from_body, n < 2);
		n++;
	}
	ASSERT_EQ(n, 3);
}

TEST(bool_value_like_dockerd)
{
	static const char *const falses[] = {
		"", "0", "no", "false", "none", "NO", "False", "NONE", " 0 ",
		"\tfalse\n", "\xc2\xa0" "false", "false\xe3\x80\x80",
		"\xe2\x80\x8a" "no\xc2\x85", "\xe1\x9a\x80" "none",
		"\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\x9f" "0",
	};
	static const char *const trues[] = {
		"1", "true", "off", "n", "f", "2", "yes", "fals\xc5\xbf" "e",
		"f alse", "0.0", "00", "nO0", "\xe2\x80\x8b" "false",
		"false\xc2", "\xef\xbb\xbf" "0", "nonE!",
	};

	for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++)
		if (go_bool_value(falses[i], strlen(falses[i])) != 0)
			UNIT_FAIL("\"%s\" should be false", falses[i]);
	for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++)
		if (go_bool_value(trues[i], strlen(trues[i])) != 1)
			UNIT_FAIL("\"%s\" should be true", trues[i]);

	struct form f = fq(NULL, "a=off&b=0&c&d=+no+");
	ASSERT(form_bool(&f, "a"));
	ASSERT(!form_bool(&f, "b"));
	ASSERT(!form_bool(&f, "c"));
	ASSERT(!form_bool(&f, "d"));
	ASSERT(!form_bool(&f, "absent"));

	/* long values: white space around a false word is still false */
	char q[2000];
	size_t n = (size_t)snprintf(q, sizeof(q), "a=");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "+");
	snprintf(q + n, sizeof(q) - n, "false%%E3%%80%%80");
	f = fq(NULL, q);
	ASSERT(!form_bool(&f, "a"));
	q[n] = 'x';
	ASSERT(form_bool(&f, "a"));
}

/* request.query for (action, body, query) */
static const char *
render(const char *action, const char *body, const char *query)
{
	static struct buf b;
	struct form f = fq(body, query);

	buf_free(&b);
	buf_init(&b, BUF_UNLIMITED);
	ASSERT_EQ(query_render(action, &f, &b), 0);
	return b.data;
}

TEST(every_value_kept)
{
	ASSERT_STREQ(render("x", NULL, "a=1&b=2"), "{\"a\":\"1\",\"b\":\"2\"}");
	ASSERT_STREQ(render("container.commit", NULL,
	    "changes=LABEL+a%3Db&container=c&changes=USER+root"
	    "&changes=ENTRYPOINT+%5B%22sh%22%5D"),
	    "{\"changes\":[\"LABEL a=b\",\"USER root\","
	    "\"ENTRYPOINT [\\\"sh\\\"]\"],\"container\":\"c\"}");
	/* order: keys by first appearance, values in r.Form order */
	ASSERT_STREQ(render("x", NULL, "b=1&a=2&b=3&a=4&c=5&b=6"),
	    "{\"b\":[\"1\",\"3\",\"6\"],\"a\":[\"2\",\"4\"],\"c\":\"5\"}");
	/* a form body's values come first */
	ASSERT_STREQ(render("image.pull", "fromImage=host%2Fevil&tag=1",
	    "fromSrc=-&fromImage=alpine"),
	    "{\"fromImage\":[\"host/evil\",\"alpine\"],\"tag\":\"1\","
	    "\"fromSrc\":\"-\"}");
	/* pairs Go rejects are left out; empty values and keys stay */
	ASSERT_STREQ(render("x", NULL, "signal=KILL;x=1&signal=TERM&e=&=v&%zz=1"),
	    "{\"signal\":\"TERM\",\"e\":\"\",\"\":\"v\"}");
	ASSERT_STREQ(render("x", NULL, ""), "{}");
	ASSERT_STREQ(render("x", NULL, "&&"), "{}");
	/* a decoded NUL in a key never reads as a real parameter */
	ASSERT_STREQ(render("x", NULL, "fromImage%00x=evil&a=x%00y"),
	    "{\"fromImage\xef\xbf\xbdx\":\"evil\",\"a\":\"x\\u0000y\"}");
	/* keys are case-sensitive: two keys */
	ASSERT_STREQ(render("x", NULL, "t=a&T=b"),
	    "{\"t\":\"a\",\"T\":\"b\"}");
}

TEST(repeated_values_redacted)
{
	const char *s = render("image.build", NULL,
	    "buildargs=%7B%22TOKEN%22%3A%22s3cret%22%7D"
	    "&buildargs=%7B%22B%22%3A%22hunter2%22%7D&t=a&t=b");
	ASSERT_NOT_CONTAINS(s, "s3cret");
	ASSERT_NOT_CONTAINS(s, "hunter2");
	ASSERT_CONTAINS(s, "\"buildargs\":[{\"TOKEN\":");
	ASSERT_CONTAINS(s, "\"t\":[\"a\",\"b\"]");
	s = render("x", NULL, "password=p1&password=p2");
	ASSERT_NOT_CONTAINS(s, "p1");
	ASSERT_NOT_CONTAINS(s, "p2");
	ASSERT_CONTAINS(s, "\"password\":[");
	s = render("image.build", NULL,
	    "remote=https%3A%2F%2Fu%3Atok@git.example%2Fr.git&remote=x");
	ASSERT_NOT_CONTAINS(s, "tok");
}

TEST(render_bounded)
{
	struct buf b;
	struct form f = fq(NULL, "a=1111&b=2222&c=3333");

	buf_init(&b, 16);
	ASSERT_EQ(query_render("x", &f, &b), -1);
	ASSERT_STREQ(b.data, "{\"a\":\"1111\"}");
	buf_free(&b);
	buf_init(&b, 4);
	ASSERT_EQ(query_render("x", &f, &b), -1);
	ASSERT_STREQ(b.data, "{}");
	buf_free(&b);
	/* out of room inside a repeated key's array: that key is dropped */
	f = fq(NULL, "a=1&b=2&b=3333333&c=4");
	buf_init(&b, 18);
	ASSERT_EQ(query_render("x", &f, &b), -1);
	ASSERT_STREQ(b.data, "{\"a\":\"1\"}");
	buf_free(&b);
}

TEST(body_kind_like_go)
{
	static const struct { const char *m, *ct; int kind; } c[] = {
		{ "POST", "application/x-www-form-urlencoded", QUERY_BODY_FORM },
		{ "PUT", "application/x-www-form-urlencoded", QUERY_BODY_FORM },
		{ "PATCH", "application/x-www-form-urlencoded", QUERY_BODY_FORM },
		{ "POST", "Application/X-WWW-Form-URLEncoded", QUERY_BODY_FORM },
		{ "POST", " application/x-www-form-urlencoded\t", QUERY_BODY_FORM },
		{ "POST", "application/x-www-form-urlencoded; charset=utf-8",
		    QUERY_BODY_FORM },
		{ "POST", "application/x-www-form-urlencoded;", QUERY_BODY_FORM },
		{ "POST", "application/x-www-form-urlencoded; bogus",
		    QUERY_BODY_FORM },
		/* U+0130 lower-cases to 'i' in Go; U+00A0 and U+3000 trim */
		{ "POST", "appl\xc4\xb0" "cation/x-www-form-urlencoded",
		    QUERY_BODY_FORM },
		{ "POST", "\xc2\xa0" "application/x-www-form-urlencoded\xe3\x80\x80",
		    QUERY_BODY_FORM },
		/* two parameters: a duplicate name would make Go read none */
		{ "POST", "application/x-www-form-urlencoded; a=1; a=2",
		    QUERY_BODY_FORM | QUERY_CT_UNSURE },
		/* ParseForm reads bodies of POST, PUT and PATCH only */
		{ "GET", "application/x-www-form-urlencoded", QUERY_BODY_NONE },
		{ "DELETE", "application/x-www-form-urlencoded", QUERY_BODY_NONE },
		{ "post", "application/x-www-form-urlencoded", QUERY_BODY_NONE },
		{ "POST", "application/x-www-form-urlencodedx", QUERY_BODY_NONE },
		{ "POST", "application/json", QUERY_BODY_NONE },
		{ "POST", "text/plain", QUERY_BODY_NONE },
		{ "POST", "", QUERY_BODY_NONE },
		{ "POST", "application/x-www-form-urlencoded x", QUERY_BODY_NONE },
		{ "POST", "multipart/form-data; boundary=x", QUERY_BODY_MULTIPART },
		{ "POST", "Multipart/Form-Data;boundary=x", QUERY_BODY_MULTIPART },
		{ "GET", "multipart/form-data; boundary=x", QUERY_BODY_MULTIPART },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (query_body_kind(c[i].m, c[i].ct, strlen(c[i].ct)) != c[i].kind)
			UNIT_FAIL("%s \"%s\": got %d, expected %d", c[i].m, c[i].ct,
			    query_body_kind(c[i].m, c[i].ct, strlen(c[i].ct)),
			    c[i].kind);
	ASSERT_EQ(query_body_kind("POST", NULL, 0), QUERY_BODY_NONE);
}

static void
record(const struct query_call *qc, struct route_match *rm, struct buf *b,
    struct extract_doubt *d)
{
	buf_init(b, BUF_UNLIMITED);
	memset(d, 0, sizeof(*d));
	query_record(qc, rm, b, d);
}

TEST(record_form_body)
{
	static const char t[] = "/v1.41/images/create?fromSrc=-";
	struct query_call qc = { "POST", t, sizeof(t) - 1, QUERY_BODY_FORM,
	    "fromImage=host%2Fevil", 21, 0, 0 };
	struct route_match rm;
	struct extract_doubt d;
	struct buf b;

	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(rm.action, "image.pull");
	ASSERT_STREQ(b.data, "{\"fromImage\":\"host/evil\",\"fromSrc\":\"-\"}");
	ASSERT_EQ(d.n, 0);
	buf_free(&b);

	/* the same body under another type is not read */
	qc.body_kind = query_body_kind("POST", "text/plain", 10);
	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(rm.action, "image.import");
	ASSERT_STREQ(b.data, "{\"fromSrc\":\"-\"}");
	buf_free(&b);

	/* a form body not held: the query, and a doubt */
	qc.body_kind = QUERY_BODY_FORM;
	qc.body = NULL;
	qc.body_unseen = 1;
	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(rm.action, "image.import");
	ASSERT_EQ(d.n, 1);
	ASSERT_CONTAINS(d.reason[0], "form body not read");
	buf_free(&b);

	/* the AuthZ plugin: any unseen body may be a form */
	qc.body_kind = QUERY_BODY_NONE;
	qc.ct_unsure = 1;
	record(&qc, &rm, &b, &d);
	ASSERT_EQ(d.n, 1);
	ASSERT_CONTAINS(d.reason[0], "request body not seen");
	buf_free(&b);
	qc.body_unseen = 0;
	record(&qc, &rm, &b, &d);
	ASSERT_EQ(d.n, 0);
	buf_free(&b);
}

TEST(record_multipart_build)
{
	static const char t[] = "/build?t=a";
	struct query_call qc = { "POST", t, sizeof(t) - 1,
	    QUERY_BODY_MULTIPART, NULL, 0, 1, 0 };
	struct route_match rm;
	struct extract_doubt d;
	struct buf b;

	/* the multipart doubt is bodyread.c's (the proxy and the plugin) */
	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(rm.action, "image.build");
	ASSERT_EQ(d.n, 0);
	buf_free(&b);

	/* an urlencoded body on /build is read after a peek of up to 4 KiB:
	 * shown, but in doubt */
	qc.body_kind = QUERY_BODY_FORM;
	qc.body = "remote=x";
	qc.body_len = 8;
	qc.body_unseen = 0;
	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(b.data, "{\"remote\":\"x\",\"t\":\"a\"}");
	ASSERT_EQ(d.n, 1);
	ASSERT_CONTAINS(d.reason[0], "form body on /build");
	buf_free(&b);
}

TEST(record_no_query)
{
	static const char t[] = "/containers/json";
	struct query_call qc = { "GET", t, sizeof(t) - 1, 0, NULL, 0, 0, 0 };
	struct route_match rm;
	struct extract_doubt d;
	struct buf b;

	record(&qc, &rm, &b, &d);
	ASSERT_STREQ(rm.action, "container.list");
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(d.n, 0);
	buf_free(&b);
}
