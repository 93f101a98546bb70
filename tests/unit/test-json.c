/* test-json.c -- the JSON reader and writer: value types, escapes and Go's
 * string decoding, strict-input errors with their text, Go key matching,
 * round trips, writer escaping, big inputs, and inputs placed against a
 * PROT_NONE guard page so any over-read faults. */
#include <stdint.h>
#include <sys/mman.h>

#include "unit.h"
#include "base/buf.h"
#include "base/err.h"
#include "json/json.h"

static struct json *
P(const char *s)
{
	char err[DA_ERRLEN];
	struct json *v = json_parse(s, strlen(s), err);

	if (v == NULL)
		UNIT_FAIL("parse %s: %s", s, err);
	return v;
}

static char *
dump(const struct json *v)
{
	struct buf b;

	buf_init(&b, BUF_UNLIMITED);
	ASSERT_EQ(json_dump(v, &b), DA_OK);
	return buf_steal(&b, NULL);
}

/* Parse s (which must fail) and return the error text (static). */
static const char *
E(const char *s, size_t n)
{
	static char err[DA_ERRLEN];
	struct json *v = json_parse(s, n, err);

	if (v != NULL)
		UNIT_FAIL("parse of \"%.*s\" succeeded", (int)n, s);
	return err;
}
#define ES(s) E(s, strlen(s))

/* Copy n bytes so that they end exactly at a PROT_NONE page. */
static const char *
at_guard(const char *s, size_t n)
{
	static char *map;
	static size_t pg;

	if (map == NULL) {
		pg = (size_t)sysconf(_SC_PAGESIZE);
		map = mmap(NULL, pg * 512, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT(map != MAP_FAILED);
		ASSERT(mprotect(map + pg * 511, pg, PROT_NONE) == 0);
	}
	ASSERT(n <= pg * 511);
	memcpy(map + pg * 511 - n, s, n);
	return map + pg * 511 - n;
}

TEST(value_types)
{
	struct json *v = P(" {\"n\":null,\"t\":true,\"f\":false,\"i\":-12,"
	    "\"d\":1.5e3,\"s\":\"x\",\"a\":[1,[2]],\"o\":{\"k\":\"v\"}} ");
	const struct json *a;
	int64_t i;

	ASSERT_EQ(json_type(v), JSON_OBJECT);
	ASSERT_EQ(json_len(v), 8);
	ASSERT_EQ(json_type(json_get(v, "n")), JSON_NULL);
	ASSERT(json_get(v, "n") != NULL);
	ASSERT(json_is_true(json_get(v, "t")));
	ASSERT_EQ(json_type(json_get(v, "f")), JSON_FALSE);
	ASSERT(!json_is_true(json_get(v, "f")));
	ASSERT_STREQ(json_num_text(json_get(v, "i")), "-12");
	ASSERT_EQ(json_int(json_get(v, "i"), &i), DA_OK);
	ASSERT_EQ(i, -12);
	ASSERT_STREQ(json_num_text(json_get(v, "d")), "1.5e3");
	ASSERT(json_double(json_get(v, "d")) == 1500.0);
	ASSERT(json_int(json_get(v, "d"), &i) != DA_OK);
	ASSERT_STREQ(json_str(json_get(v, "s")), "x");
	ASSERT_EQ(json_strlen(json_get(v, "s")), 1);
	a = json_get(v, "a");
	ASSERT_EQ(json_type(a), JSON_ARRAY);
	ASSERT_EQ(json_len(a), 2);
	ASSERT_STREQ(json_num_text(json_at(a, 0)), "1");
	ASSERT_STREQ(json_num_text(json_at(json_at(a, 1), 0)), "2");
	ASSERT_NULL(json_at(a, 2));
	ASSERT_NULL(json_key_at(a, 0));
	ASSERT_STREQ(json_str(json_path(v, "o.k")), "v");
	ASSERT_STREQ(json_key_at(v, 7), "o");
	ASSERT_EQ(json_keylen_at(v, 7), 1);
	ASSERT_NULL(json_key_at(v, 8));
	/* accessors on the wrong type or NULL */
	ASSERT_NULL(json_str(json_get(v, "i")));
	ASSERT_NULL(json_num_text(json_get(v, "s")));
	ASSERT_EQ(json_len(json_get(v, "s")), 0);
	ASSERT_NULL(json_get(a, "x"));
	ASSERT_NULL(json_get(NULL, "x"));
	ASSERT_EQ(json_type(NULL), JSON_NULL);
	ASSERT_NULL(json_get(v, "missing"));
	json_free(v);
	json_free(NULL);
}

TEST(top_level_scalars)
{
	struct json *v;

	v = P("true");
	ASSERT_EQ(json_type(v), JSON_TRUE);
	json_free(v);
	v = P("\n\t 42 \r\n");
	ASSERT_STREQ(json_num_text(v), "42");
	json_free(v);
	v = P("\"s\"");
	ASSERT_STREQ(json_str(v), "s");
	json_free(v);
	v = P("null");
	ASSERT_EQ(json_type(v), JSON_NULL);
	json_free(v);
	v = P("-0.0e-0");
	ASSERT_STREQ(json_num_text(v), "-0.0e-0");
	json_free(v);
	v = P("[]");
	ASSERT_EQ(json_len(v), 0);
	json_free(v);
	v = P("{}");
	ASSERT_EQ(json_type(v), JSON_OBJECT);
	ASSERT_EQ(json_len(v), 0);
	json_free(v);
}

TEST(integers)
{
	struct json *v = P("[9223372036854775807,9223372036854775808,"
	    "-9223372036854775808,-9223372036854775809,1.0,1e2,0,-0]");
	int64_t i = 7;

	ASSERT_EQ(json_int(json_at(v, 0), &i), DA_OK);
	ASSERT(i == INT64_MAX);
	ASSERT(json_int(json_at(v, 1), &i) != DA_OK);
	ASSERT_EQ(json_int(json_at(v, 2), &i), DA_OK);
	ASSERT(i == INT64_MIN);
	ASSERT(json_int(json_at(v, 3), &i) != DA_OK);
	ASSERT(json_int(json_at(v, 4), &i) != DA_OK);
	ASSERT(json_int(json_at(v, 5), &i) != DA_OK);
	ASSERT_EQ(json_int(json_at(v, 6), &i), DA_OK);
	ASSERT_EQ(i, 0);
	ASSERT_EQ(json_int(json_at(v, 7), &i), DA_OK);
	ASSERT_EQ(i, 0);
	ASSERT(json_int(NULL, &i) != DA_OK);
	ASSERT(json_double(json_at(v, 5)) == 100.0);
	ASSERT(json_double(NULL) == 0.0);
	json_free(v);
}

TEST(escapes)
{
	struct json *v = P("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\"");

	ASSERT_STREQ(json_str(v), "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac");
	json_free(v);
	/* NUL inside a string is kept, with the length */
	v = P("\"a\\u0000b\"");
	ASSERT_EQ(json_strlen(v), 3);
	ASSERT(memcmp(json_str(v), "a\0b", 4) == 0);
	json_free(v);
	/* escapes and plain runs mixed, long enough for the 8-byte scan */
	v = P("\"0123456789\\n0123456789\\u00410123456789\"");
	ASSERT_STREQ(json_str(v), "0123456789\n0123456789A0123456789");
	json_free(v);
}

TEST(surrogates)
{
	static const struct { const char *in, *out; } c[] = {
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
		{ "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80" },
		{ "\"\\ud800\"", "\xef\xbf\xbd" },		/* lone high */
		{ "\"\\udc00\"", "\xef\xbf\xbd" },		/* lone low */
		{ "\"\\ud800x\"", "\xef\xbf\xbdx" },
		{ "\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A" },
		{ "\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80" },
		{ "\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },	/* U+10FFFF */
		{ "\"\\ud800\\n\"", "\xef\xbf\xbd\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct json *v = P(c[i].in);

		ASSERT_STREQ(json_str(v), c[i].out);
		json_free(v);
	}
}

TEST(invalid_utf8_becomes_fffd)
{
	/* Go replaces each byte of an invalid sequence with U+FFFD */
	static const struct { const char *in, *out; } c[] = {
		{ "\"a\xff" "b\"", "a\xef\xbf\xbd" "b" },
		{ "\"\xe2\x82\"", "\xef\xbf\xbd\xef\xbf\xbd" },	/* truncated */
		{ "\"\xc0\x80\"", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\"\xed\xa0\x80\"", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\"\xf4\x90\x80\x80\"",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\"\x80\"", "\xef\xbf\xbd" },
		{ "\"\xf0\x9f\x98\x80\xc3\xa9\"", "\xf0\x9f\x98\x80\xc3\xa9" },
		{ "\"\xe2\x80\xa8\"", "\xe2\x80\xa8" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct json *v = P(c[i].in);

		ASSERT_STREQ(json_str(v), c[i].out);
		json_free(v);
	}
	/* keys too */
	{
		struct json *v = P("{\"k\xff\":1}");

		ASSERT_STREQ(json_key_at(v, 0), "k\xef\xbf\xbd");
		json_free(v);
	}
}

TEST(errors_have_offsets)
{
	static const struct { const char *in, *err; } c[] = {
		{ "[1,2,]", "byte 5: trailing comma in array" },
		{ "{\"a\":1,}", "byte 7: trailing comma in object" },
		{ "{\"a\":1, }", "byte 8: trailing comma in object" },
		{ "01", "byte 1: invalid number: leading zero" },
		{ "[-01]", "byte 3: invalid number: leading zero" },
		{ "\"abc", "byte 0: unterminated string" },
		{ "[\"a\\", "byte 1: unterminated string" },
		{ "\"a\nb\"", "byte 2: control character 0x0a in string" },
		{ "\"a\tb\"", "byte 2: control character 0x09 in string" },
		{ "{} x", "byte 3: unexpected data after the JSON value" },
		{ "{\"a\":1}}", "byte 7: unexpected data after the JSON value" },
		{ "1 2", "byte 2: unexpected data after the JSON value" },
		{ "{\"a\" 1}", "byte 5: unexpected character '1', expected ':' "
		  "after object key" },
		{ "", "byte 0: unexpected end of input, expected a value" },
		{ "   ", "byte 3: unexpected end of input, expected a value" },
		{ "[1 2]", "byte 3: unexpected character '2', expected ',' or "
		  "']' after array element" },
		{ "{\"a\":1 \"b\":2}", "byte 7: unexpected character '\"', "
		  "expected ',' or '}' after object member" },
		{ "{a:1}", "byte 1: unexpected character 'a', expected a string "
		  "for the object key" },
		{ "{\"a\":1,2}", "byte 7: unexpected character '2', expected a "
		  "string for the object key" },
		{ "tru", "byte 0: invalid literal (expected true)" },
		{ "[nul]", "byte 1: invalid literal (expected null)" },
		{ "falsy", "byte 0: invalid literal (expected false)" },
		{ "1.", "byte 2: invalid number: digit expected after '.'" },
		{ "1.e5", "byte 2: invalid number: digit expected after '.'" },
		{ "1e", "byte 2: invalid number: digit expected in exponent" },
		{ "1e+", "byte 3: invalid number: digit expected in exponent" },
		{ "-", "byte 1: invalid number: digit expected" },
		{ "-a", "byte 1: invalid number: digit expected" },
		{ ".5", "byte 0: unexpected character '.', expected a value" },
		{ "+1", "byte 0: unexpected character '+', expected a value" },
		{ "\"\\x\"", "byte 1: invalid escape '\\x' in string" },
		{ "\"\\u12\"", "byte 1: invalid \\u escape in string (need 4 hex "
		  "digits)" },
		{ "\"\\u12G4\"", "byte 1: invalid \\u escape in string (need 4 "
		  "hex digits)" },
		{ "\"\\ud800\\u12\"", "byte 7: invalid \\u escape in string "
		  "(need 4 hex digits)" },
		{ "// c\n{}", "byte 0: unexpected character '/', expected a "
		  "value" },
		{ "'a'", "byte 0: unexpected character ''', expected a value" },
		{ "\xef\xbb\xbf{}", "byte 0: unexpected byte 0xef, expected a "
		  "value" },
		{ "[", "byte 1: unexpected end of input, expected a value" },
		{ "{\"a\":", "byte 5: unexpected end of input, expected a value" },
		{ "{\"a\"", "byte 4: unexpected end of input, expected ':' after "
		  "object key" },
		{ "{", "byte 1: unexpected end of input, expected a string for "
		  "the object key" },
		{ "[1", "byte 2: unexpected end of input, expected ',' or ']' "
		  "after array element" },
		{ "NaN", "byte 0: unexpected character 'N', expected a value" },
		{ "[Infinity]", "byte 1: unexpected character 'I', expected a "
		  "value" },
		{ "{\"a\":1]", "byte 6: unexpected character ']', expected ',' or "
		  "'}' after object member" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ASSERT_STREQ(ES(c[i].in), c[i].err);
	/* a NUL byte outside strings */
	ASSERT_STREQ(E("[\0]", 3), "byte 1: unexpected byte 0x00, expected a "
	    "value");
	ASSERT_STREQ(E("\"a\0\"", 4), "byte 2: control character 0x00 in "
	    "string");
	ASSERT_STREQ(E(NULL, 0), "byte 0: unexpected end of input, expected "
	    "a value");
	/* err may be NULL */
	ASSERT_NULL(json_parse("[", 1, NULL));
}

TEST(depth_limit)
{
	char s[2 * (JSON_MAX_DEPTH + 1) + 1];
	struct json *v;
	int d;

	for (d = 0; d < JSON_MAX_DEPTH; d++) {
		s[d] = '[';
		s[JSON_MAX_DEPTH + d] = ']';
	}
	v = json_parse(s, 2 * JSON_MAX_DEPTH, NULL);
	ASSERT(v != NULL);
	json_free(v);
	for (d = 0; d <= JSON_MAX_DEPTH; d++) {
		s[d] = '[';
		s[JSON_MAX_DEPTH + 1 + d] = ']';
	}
	ASSERT_STREQ(E(s, 2 * (JSON_MAX_DEPTH + 1)),
	    "byte 64: nesting deeper than 64 levels");
	/* objects count the same */
	{
		struct buf b;

		buf_init(&b, BUF_UNLIMITED);
		for (d = 0; d <= JSON_MAX_DEPTH; d++)
			buf_puts(&b, "{\"a\":");
		buf_puts(&b, "1");
		for (d = 0; d <= JSON_MAX_DEPTH; d++)
			buf_puts(&b, "}");
		ASSERT_STREQ(E(b.data, b.len), "byte 320: nesting deeper than "
		    "64 levels");
		buf_free(&b);
	}
}

TEST(go_duplicates_last_wins)
{
	struct json *v = P("{\"a\":1,\"A\":2}");

	ASSERT_STREQ(json_num_text(json_get(v, "a")), "2");
	json_free(v);
	v = P("{\"a\":1,\"A\":2,\"a\":3}");
	ASSERT_STREQ(json_num_text(json_get(v, "a")), "3");
	ASSERT_STREQ(json_num_text(json_get(v, "A")), "3");
	ASSERT_EQ(json_len(v), 3);	/* all kept, document order */
	ASSERT_STREQ(json_key_at(v, 0), "a");
	ASSERT_STREQ(json_key_at(v, 1), "A");
	ASSERT_STREQ(json_num_text(json_at(v, 1)), "2");
	json_free(v);
	v = P("{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}");
	ASSERT(json_is_true(json_path(v, "HostConfig.Privileged")));
	ASSERT(json_is_true(json_path(v, "hostconfig.PRIVILEGED")));
	ASSERT_NULL(json_path(v, "HostConfig.Privileged.x"));
	ASSERT_NULL(json_path(v, "HostConfig.Missing"));
	ASSERT_NULL(json_path(v, "HostConfig."));
	json_free(v);
	/* escaped key names are compared decoded */
	v = P("{\"Privileged\":false,\"\\u0050rivileged\":true}");
	ASSERT(json_is_true(json_get(v, "privileged")));
	json_free(v);
}

TEST(go_unicode_folding)
{
	struct json *v;

	/* U+212A KELVIN SIGN folds to K */
	v = P("{\"NetworkMode\":\"bridge\",\"Networ\\u212aMode\":\"host\"}");
	ASSERT_STREQ(json_str(json_get(v, "NetworkMode")), "host");
	json_free(v);
	/* U+017F LONG S folds to S */
	v = P("{\"\xc5\xbf" "ecurityOpt\":[\"x\"]}");
	ASSERT(json_get(v, "SecurityOpt") != NULL);
	ASSERT(json_get(v, "securityopt") != NULL);
	json_free(v);
	/* U+0131 dotless i and U+0130 dotted I fold onto no ASCII letter in
	 * Go (go1.19 or >= 1.21): those keys are unknown fields */
	v = P("{\"Privileged\":true,\"Pr\\u0131vileged\":false,"
	    "\"\\u0130mage\":\"x\",\"Pr\xc4\xb1vileged\":false}");
	ASSERT(json_is_true(json_get(v, "Privileged")));
	ASSERT_NULL(json_get(v, "image"));
	json_free(v);
	ASSERT(!json_key_match("Pr\xc4\xb1vileged", 11, "Privileged"));
	ASSERT(!json_key_match("\xc4\xb0mage", 6, "Image"));
	ASSERT(!json_key_match("HostConf\xc4\xb1g", 11, "HostConfig"));
	/* long s only for an s, Kelvin only for a k */
	ASSERT(!json_key_match("\xc5\xbf", 2, "k"));
	ASSERT(!json_key_match("\xe2\x84\xaa", 3, "s"));
	/* other non-ASCII runes never match an ASCII key */
	v = P("{\"Priv\\u00edleged\":true,\"Privilegeds\":true,"
	    "\"Privilege\":true,\"a\\u0000b\":1}");
	ASSERT_NULL(json_get(v, "Privileged"));
	ASSERT_NULL(json_get(v, "a"));
	ASSERT_NULL(json_get(v, "ab"));
	json_free(v);
	/* a non-ASCII lookup key: ASCII letters fold, other bytes exact */
	v = P("{\"CAF\xc3\xa9\":1,\"caf\xc3\x89\":2}");
	ASSERT_STREQ(json_num_text(json_get(v, "caf\xc3\xa9")), "1");
	ASSERT_STREQ(json_num_text(json_get(v, "CAF\xc3\x89")), "2");
	json_free(v);
	ASSERT(json_key_match("\xe2\x84\xaa", 3, "k"));
	ASSERT(json_key_match("\xe2\x84\xaa" "\xc5\xbf", 5, "KS"));
	ASSERT(!json_key_match("\xe2\x84", 2, "k"));
	ASSERT(!json_key_match("\xc5\xbf", 2, "ss"));
	ASSERT(!json_key_match("Env", 3, "EnvX"));
	ASSERT(!json_key_match("[", 1, "{"));	/* '[' ^ 0x20 == '{' */
	ASSERT(!json_key_match("@", 1, "`"));
	ASSERT(!json_key_match(NULL, 0, "a"));
}

TEST(next_match_iterates_duplicates)
{
	struct json *v = P("{\"Env\":1,\"x\":2,\"ENV\":3,\"\\u0045nv\":4,"
	    "\"EnvX\":5,\"env\":6,\"\\u0045nvX\":7,\"Networ\\u212aMode\":8,"
	    "\"NetworkMode\":9}");
	const struct json *m;
	char seen[64] = "";
	size_t i, k = 0;

	for (i = 0; (m = json_next_match(v, "env", &i)) != NULL; i++)
		seen[k++] = json_num_text(m)[0];
	ASSERT_STREQ(seen, "1346");
	k = 0;
	for (i = 0; (m = json_next_match(v, "NETWORKMODE", &i)) != NULL; i++)
		seen[k++] = json_num_text(m)[0];
	seen[k] = '\0';
	ASSERT_STREQ(seen, "89");
	i = 3;
	ASSERT_STREQ(json_num_text(json_next_match(v, "env", &i)), "4");
	ASSERT_EQ(i, 3);
	i = 100;
	ASSERT_NULL(json_next_match(v, "env", &i));
	i = 0;
	ASSERT_NULL(json_next_match(json_get(v, "x"), "env", &i));
	ASSERT_NULL(json_next_match(NULL, "env", &i));
	ASSERT_NULL(json_next_match(v, NULL, &i));
	/* json_get agrees: the last of them */
	ASSERT_STREQ(json_num_text(json_get(v, "ENV")), "6");
	ASSERT_STREQ(json_num_text(json_get(v, "networkmode")), "9");
	json_free(v);
}

TEST(round_trip_dump)
{
	static const struct { const char *in, *out; } c[] = {
		{ " { \"a\" : \"\\u00e9\\n\" , \"a\" : [ 1 , 2.50 , -0e+1 ] ,"
		  " \"b\" : { } , \"c\" : [ ] , \"d\" : null } ",
		  "{\"a\":\"\xc3\xa9\\u000a\",\"a\":[1,2.50,-0e+1],\"b\":{},"
		  "\"c\":[],\"d\":null}" },
		{ "\"\\u2028\\u0001<>&\\\"\\\\\\/\"",
		  "\"\\u2028\\u0001<>&\\\"\\\\/\"" },
		{ "{\"k\\u0000\":\"\\ud800\"}", "{\"k\\u0000\":\"\xef\xbf\xbd\"}" },
		{ "[true,false,null,\"\"]", "[true,false,null,\"\"]" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct json *v = P(c[i].in), *v2;
		char *d = dump(v), *d2;

		ASSERT_STREQ(d, c[i].out);
		v2 = P(d);
		d2 = dump(v2);
		ASSERT_STREQ(d2, d);
		free(d);
		free(d2);
		json_free(v);
		json_free(v2);
	}
}

TEST(writer)
{
	struct buf b;
	struct jw w;
	struct json *v = P("{\"x\":[1,{\"y\":\"z\"}]}");

	buf_init(&b, BUF_UNLIMITED);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "s", "a\"b\\c");
	jw_str(&w, "n", NULL);
	jw_strn(&w, "z", "a\0b", 3);
	jw_int(&w, "i", -42);
	jw_int(&w, "min", INT64_MIN);
	jw_uint(&w, "u", UINT64_MAX);
	jw_int(&w, "zero", 0);
	jw_bool(&w, "t", 1);
	jw_bool(&w, "f", 0);
	jw_null(&w, "nul");
	jw_arr_begin(&w, "a");
	jw_int(&w, NULL, 1);
	jw_str(&w, NULL, "two");
	jw_obj_begin(&w, NULL);
	jw_obj_end(&w);
	jw_arr_begin(&w, NULL);
	jw_arr_end(&w);
	jw_arr_end(&w);
	jw_raw(&w, "raw", "[1,2]", 5);
	jw_value(&w, "v", v);
	jw_value(&w, "vn", NULL);
	ASSERT_EQ(jw_value_begin(&w, "own"), DA_OK);
	buf_puts(&b, "\"mine\"");
	jw_str(&w, "k\"ey", "after");
	jw_obj_end(&w);
	ASSERT_EQ(w.err, 0);
	ASSERT_EQ(w.depth, 0);
	ASSERT_STREQ(b.data, "{\"s\":\"a\\\"b\\\\c\",\"n\":null,\"z\":\"a\\u0000b\","
	    "\"i\":-42,\"min\":-9223372036854775808,"
	    "\"u\":18446744073709551615,\"zero\":0,\"t\":true,\"f\":false,"
	    "\"nul\":null,\"a\":[1,\"two\",{},[]],\"raw\":[1,2],"
	    "\"v\":{\"x\":[1,{\"y\":\"z\"}]},\"vn\":null,\"own\":\"mine\","
	    "\"k\\\"ey\":\"after\"}");
	/* top-level sequence of values gets commas too (ndjson is the
	 * caller's business) */
	buf_reset(&b);
	jw_init(&w, &b);
	jw_str(&w, NULL, "x");
	ASSERT_STREQ(b.data, "\"x\"");
	buf_free(&b);
	json_free(v);
}

TEST(writer_escaping)
{
	struct buf b;
	struct jw w;
	char all[32];
	int i;

	buf_init(&b, BUF_UNLIMITED);
	for (i = 0; i < 32; i++)
		all[i] = (char)i;
	ASSERT_EQ(json_escape(&b, all, 32), DA_OK);
	ASSERT_STREQ(b.data, "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006"
	    "\\u0007\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u000e\\u000f"
	    "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
	    "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f");
	buf_reset(&b);
	jw_init(&w, &b);
	jw_str(&w, NULL, "<script>&amp;\x7f \xe2\x80\xa8\xe2\x80\xa9 "
	    "\xc3\xa9\xf0\x9f\x98\x80 bad:\xff\xc3(\xed\xa0\x80)");
	ASSERT_STREQ(b.data, "\"<script>&amp;\x7f \\u2028\\u2029 "
	    "\xc3\xa9\xf0\x9f\x98\x80 bad:\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd)\"");
	/* truncated sequence at the very end of the input */
	buf_reset(&b);
	ASSERT_EQ(json_escape(&b, at_guard("ab\xe2\x82", 4), 4), DA_OK);
	ASSERT_STREQ(b.data, "ab\\ufffd\\ufffd");
	buf_reset(&b);
	ASSERT_EQ(json_escape(&b, at_guard("\xf0\x9f\x98", 3), 3), DA_OK);
	ASSERT_STREQ(b.data, "\\ufffd\\ufffd\\ufffd");
	buf_free(&b);
}

TEST(writer_errors_are_sticky)
{
	struct buf b;
	struct jw w;
	int d;

	buf_init(&b, 8);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "key", "too long for eight bytes");
	ASSERT_EQ(w.err, DA_E_TOOBIG);
	jw_obj_end(&w);
	ASSERT_EQ(w.err, DA_E_TOOBIG);
	buf_free(&b);

	buf_init(&b, BUF_UNLIMITED);
	jw_init(&w, &b);
	for (d = 0; d < JSON_MAX_DEPTH; d++)
		jw_arr_begin(&w, NULL);
	ASSERT_EQ(w.err, 0);
	jw_arr_begin(&w, NULL);
	ASSERT_EQ(w.err, DA_E_TOOBIG);
	buf_free(&b);

	buf_init(&b, BUF_UNLIMITED);
	jw_init(&w, &b);
	jw_obj_end(&w);			/* unbalanced */
	ASSERT_EQ(w.err, DA_E_INVAL);
	buf_free(&b);
}

TEST(huge_inputs)
{
	size_t n = 1 << 20, i;
	char *s = malloc(n + 2);
	struct json *v;
	struct buf b;

	/* a 1 MiB plain string */
	s[0] = '"';
	for (i = 1; i <= n - 2; i++)
		s[i] = (char)('a' + i % 26);
	s[n - 1] = '"';
	v = json_parse(s, n, NULL);
	ASSERT(v != NULL);
	ASSERT_EQ(json_strlen(v), n - 2);
	ASSERT(memcmp(json_str(v), s + 1, n - 2) == 0);
	json_free(v);
	/* the same with escapes and invalid bytes spread through it */
	for (i = 1000; i < n - 2; i += 1000) {
		s[i] = '\\';
		s[i + 1] = 'n';
		s[i + 500] = (char)0xff;
	}
	v = json_parse(s, n, NULL);
	ASSERT(v != NULL);
	ASSERT_EQ(json_strlen(v), n - 2 - 1048 + 2 * 1048);
	json_free(v);
	free(s);

	/* 200k array elements and a 50k-member object: scratch and arena
	 * growth */
	buf_init(&b, BUF_UNLIMITED);
	buf_putc(&b, '[');
	for (i = 0; i < 200000; i++)
		buf_printf(&b, "%s%zu", i ? "," : "", i);
	buf_puts(&b, ",{");
	for (i = 0; i < 50000; i++)
		buf_printf(&b, "%s\"k%zu\":[\"v\",{\"x\":%zu}]", i ? "," : "",
		    i % 100, i);
	buf_puts(&b, "}]");
	v = json_parse(b.data, b.len, NULL);
	ASSERT(v != NULL);
	ASSERT_EQ(json_len(v), 200001);
	ASSERT_STREQ(json_num_text(json_at(v, 199999)), "199999");
	ASSERT_EQ(json_len(json_at(v, 200000)), 50000);
	ASSERT_NULL(json_num_text(json_path(json_at(v, 200000), "k7")));
	ASSERT_STREQ(json_num_text(json_get(json_at(json_get(json_at(v,
	    200000), "K7"), 1), "x")), "49907");
	{
		char *d = dump(v);

		ASSERT_STREQ(d, b.data);
		free(d);
	}
	json_free(v);
	buf_free(&b);
}

TEST(no_over_read_at_buffer_end)
{
	static const char *bad[] = {
		"\"abc", "tru", "fals", "nul", "-", "1.", "1e", "1e+", "\"\\u12",
		"\"\\ud800\\u", "\"\\ud800\\", "{\"a\":1", "\"\xe2\x82",
		"\"\xf0\x9f\x98", "[1,", "\"abcdefgh", "\"abcdefghijklmnop\\",
		"{", "[", "\"", "\"\\", "{\"a\"", "{\"a\":",
	};
	static const char *good[] = {
		"1e5", "0", "-0", "12345678901234567890", "true", "null", "false",
		"\"abcdefghijklmnopqrstu\"", "\"\\ud83d\\ude00\"", "[]", "{}",
		"\"\xf0\x9f\x98\x80\"", "\"\\u0041\"",
		"{\"HostConfig\":{\"Binds\":[\"/:/host\"],\"Privileged\":true}}",
	};
	size_t i, k, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		ASSERT_NULL(json_parse(at_guard(bad[i], n), n, NULL));
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct json *v;

		n = strlen(good[i]);
		v = json_parse(at_guard(good[i], n), n, NULL);
		ASSERT(v != NULL);
		json_free(v);
		/* every prefix too: fail or succeed, never read past it */
		for (k = 0; k < n; k++) {
			v = json_parse(at_guard(good[i], k), k, NULL);
			json_free(v);
		}
	}
}

TEST(parse_first_like_go_decoder)
{
	const char *s = "{\"Image\":\"bb\"} \n{\"HostConfig\":1}";
	size_t used = 0;
	struct json *v = json_parse_first(s, strlen(s), &used, NULL);

	ASSERT(v != NULL);
	ASSERT_EQ(used, 16);
	ASSERT_STREQ(json_str(json_get(v, "image")), "bb");
	json_free(v);
	ASSERT_NULL(json_parse(s, strlen(s), NULL));
	v = json_parse_first("[1] x", 5, NULL, NULL);
	ASSERT(v != NULL);
	json_free(v);
	ASSERT_NULL(json_parse_first("[1", 2, &used, NULL));
}

/* Random mutations of valid documents: whatever parses must dump to
 * JSON that parses to the same dump. */
TEST(mutation_fuzz)
{
	static const char *seeds[] = {
		"{\"a\":[1,2.5e-3,\"x\\u00e9\\ud83d\\ude00\"],\"B\":{\"c\":null}}",
		"[true,false,{\"\":\"\\\\\\\"\"},-0.0,\"\xc3\xa9\xff\"]",
		"{\"HostConfig\":{\"Binds\":[\"/:/h:ro\"],\"CapAdd\":[\"ALL\"]}}",
	};
	unsigned seed = 12345;
	char s[128];
	int it;

	for (it = 0; it < 60000; it++) {
		const char *src = seeds[it % 3];
		size_t n = strlen(src), m;
		struct json *v, *v2;
		int k;

		memcpy(s, src, n);
		for (k = 0; k < 1 + it % 4; k++) {
			seed = seed * 1103515245 + 12345;
			m = (seed >> 8) % n;
			seed = seed * 1103515245 + 12345;
			s[m] = (char)(seed >> 16);
		}
		v = json_parse(at_guard(s, n), n, NULL);
		if (v != NULL) {
			char *d = dump(v), *d2;

			v2 = json_parse(d, strlen(d), NULL);
			ASSERT(v2 != NULL);
			d2 = dump(v2);
			ASSERT_STREQ(d2, d);
			free(d);
			free(d2);
			json_free(v2);
			json_free(v);
		}
	}
}
