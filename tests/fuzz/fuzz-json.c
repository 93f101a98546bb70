/* fuzz-json.c -- libFuzzer target: the JSON reader and writer, extraction
 * of security settings and object names, and redaction.
 *
 * The input is a request body.  Invariants beyond "no crash, no leak, no
 * UB":
 *  - the journal's allocation-free scanner (jrn__json_scan, what submit
 *    and verify use) accepts nothing that json_parse refuses, as a value
 *    or as object members: otherwise submit could accept a line that
 *    recovery (json_parse) later cuts.  The other way round they differ
 *    only on invalid UTF-8 inside strings, which json_parse takes as Go
 *    does (dockerd decodes such bodies) and the journal refuses;
 *  - json_parse_first accepts whatever json_parse does, consuming it all;
 *  - parse -> json_dump -> parse -> json_dump gives the same text twice;
 *  - extract_security (every action with settings, each API version) and
 *    redact_json (every action with body rules) write valid JSON; the
 *    body is also tried as the query object of the actions that read one;
 *  - extract_object's names are strings inside the parsed tree. */
#include "fuzz.h"

#include "base/buf.h"
#include "base/err.h"
#include "event/extract.h"
#include "event/redact.h"
#include "journal/internal.h"

static const char *settings_actions[] = {
	"container.create", "container.update", "container.exec.create",
	"exec.start", "volume.create", "network.create", "network.connect",
	"plugin.pull", "plugin.upgrade", "service.create", "service.update",
	"swarm.init", "swarm.join", "image.build", "container.commit",
	"image.pull", "container.start", "unknown",
};
static const char *query_actions[] = {
	"container.create", "image.build", "container.commit", "image.pull",
};
static const char *object_actions[] = {
	"container.create", "volume.create", "network.create", "secret.create",
	"config.create", "service.create", "image.pull", "image.build",
	"container.commit", "unknown",
};
static const char *redact_actions[] = {
	"container.create", "auth.login", "secret.create", "secret.update",
	"config.create", "config.update", "swarm.init", "swarm.join",
	"swarm.unlock", "plugin.set", "image.build", "service.create",
	"container.exec.create", "unknown",
};
static const char *versions[] = { NULL, "1.23", "1.41", "1.44", "1.12" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Valid UTF-8 as RFC 3629 has it (no overlong forms, no surrogates,
 * nothing past U+10FFFF). */
static int
utf8_valid(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], lo = 0x80, hi = 0xbf;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		if (n - i < len || p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < len; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return 0;
		i += len;
	}
	return 1;
}

/* extract_security writes member text ("security":{...}) at depth 1. */
static void
check_security(const char *action, const char *ver, const struct json *body,
    const struct json *query)
{
	struct extract_doubt doubt = { .n = 0 };
	struct buf b;
	struct jw w;

	buf_init(&b, BUF_UNLIMITED);
	jw_init(&w, &b);
	w.depth = 1;
	extract_doubt_add(&doubt, "fuzz: a caller's own doubt");
	(void)extract_security(action, ver, body, query, &doubt, &w);
	FUZZ_CHECK(w.err == 0, "%s: writer error %d", action, w.err);
	FUZZ_CHECK(doubt.n <= EXTRACT_MAX_DOUBTS, "%zu doubts", doubt.n);
	FUZZ_CHECK(b.len == 0 || fuzz_members_valid(b.data, b.len),
	    "%s: security is not JSON: %s", action, b.data);
	buf_free(&b);
}

static void
check_redact(const char *action, const struct json *body)
{
	struct buf b;
	struct jw w;

	buf_init(&b, BUF_UNLIMITED);
	jw_init(&w, &b);
	redact_json(action, body, &w, NULL);
	FUZZ_CHECK(w.err == 0, "%s: writer error %d", action, w.err);
	FUZZ_CHECK(fuzz_json_valid(b.data, b.len),
	    "%s: redacted body is not JSON: %s", action, b.data);
	buf_free(&b);
}

/* Touch every accessor over the tree (bounded work per node). */
static void
walk(const struct json *v, int depth)
{
	int64_t iv;

	switch (json_type(v)) {
	case JSON_STRING:
		FUZZ_CHECK(json_str(v)[json_strlen(v)] == '\0', "unterminated");
		break;
	case JSON_NUMBER:
		(void)json_int(v, &iv);
		(void)json_double(v);
		FUZZ_CHECK(json_num_text(v) != NULL, "number without text");
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < json_len(v); i++)
			walk(json_at(v, i), depth + 1);
		FUZZ_CHECK(json_at(v, json_len(v)) == NULL, "past the end");
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < json_len(v) && i < 64; i++) {
			const char *k = json_key_at(v, i);

			FUZZ_CHECK(k != NULL && k[json_keylen_at(v, i)] == '\0',
			    "bad key %zu", i);
			if (strlen(k) == json_keylen_at(v, i))
				FUZZ_CHECK(json_get(v, k) != NULL,
				    "key %s not found", k);
			walk(json_at(v, i), depth + 1);
		}
		break;
	default:
		break;
	}
	(void)depth;
}

static void
roundtrip(const struct json *root)
{
	struct buf a, b;
	struct json *again;

	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	FUZZ_CHECK(json_dump(root, &a) == 0, "json_dump failed");
	again = json_parse(a.data, a.len, NULL);
	FUZZ_CHECK(again != NULL, "dump does not parse: %s", a.data);
	FUZZ_CHECK(json_dump(again, &b) == 0, "second json_dump failed");
	FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "dump of the dump differs:\n%s\n%s", a.data, b.data);
	json_free(again);
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[DA_ERRLEN] = "";
	size_t used = 0, at = 0;
	struct json *root, *first;
	int scan, members, utf8;
	const char *name, *image;
	char ref[256];
	static const unsigned char hkey[] = "fuzz-hash-key";

	root = json_parse(s, size, err);
	first = json_parse_first(s, size, &used, NULL);
	scan = jrn__json_scan(s, size, 0, &at);
	utf8 = utf8_valid(data, size);
	FUZZ_CHECK(scan != 0 || root != NULL,
	    "jrn__json_scan accepts, json_parse refuses: %s", err);
	FUZZ_CHECK(scan == 0 || root == NULL || !utf8,
	    "json_parse accepts valid UTF-8 that jrn__json_scan refuses at %zu",
	    at);
	members = jrn__json_scan(s, size, 1, NULL);
	if (members == 0)
		FUZZ_CHECK(fuzz_members_valid(s, size),
		    "members: jrn__json_scan accepts, json_parse of {...} refuses");
	else if (utf8)
		FUZZ_CHECK(!fuzz_members_valid(s, size),
		    "members: json_parse of {...} accepts, jrn__json_scan refuses");
	if (first != NULL)
		FUZZ_CHECK(used <= size, "used %zu of %zu", used, size);
	if (root != NULL)
		FUZZ_CHECK(first != NULL && used == size,
		    "json_parse_first used %zu of %zu", used, size);
	json_free(first);
	if (root == NULL)
		return 0;

	walk(root, 0);
	roundtrip(root);
	redact_set_hash_key(size & 1 ? hkey : NULL, sizeof(hkey) - 1);
	for (size_t i = 0; i < N(settings_actions); i++)
		check_security(settings_actions[i], versions[i % N(versions)],
		    root, NULL);
	if (json_type(root) == JSON_OBJECT)
		for (size_t i = 0; i < N(query_actions); i++)
			check_security(query_actions[i], NULL, NULL, root);
	for (size_t i = 0; i < N(redact_actions); i++)
		check_redact(redact_actions[i], root);
	for (size_t i = 0; i < N(object_actions); i++) {
		const struct json *q = json_type(root) == JSON_OBJECT ? root :
		    NULL;

		name = image = NULL;
		extract_object(object_actions[i], root, q, &name, &image);
		if (name != NULL)
			(void)strlen(name);
		if (image != NULL)
			(void)strlen(image);
		extract_object_buf(object_actions[i], root, q, &name, &image,
		    ref, sizeof(ref));
		if (image != NULL)
			FUZZ_CHECK(strlen(image) < sizeof(ref) || image != ref,
			    "reference overflows its buffer");
	}
	redact_set_hash_key(NULL, 0);
	json_free(root);
	return 0;
}
