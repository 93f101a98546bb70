/* fuzz-query.c -- libFuzzer target: the route classifier and the query
 * renderer (event/actions.h, capture/query.h).
 *
 * Input: one byte choosing the method, then a request-target.  The target
 * is classified; its query string is rendered for the action found and,
 * the whole rest of the input as a query, for the actions with query
 * secrets.  Invariants beyond "no crash, no leak, no UB": the route
 * fields are terminated strings, classification is the same for the
 * absolute form "http://docker<target>", and a rendered query is a JSON
 * object of strings (buildargs: an object) with no repeated key. */
#include "fuzz.h"

#include "base/buf.h"
#include "capture/query.h"
#include "event/actions.h"

static const char *methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT",
};
static const char *query_actions[] = {
	"image.build", "image.pull", "image.import", "container.create",
	"plugin.pull", "container.commit", "unknown",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
render(const char *action, const char *q, size_t n)
{
	struct buf out;
	struct json *v;

	buf_init(&out, BUF_UNLIMITED);
	query_render(action, q, n, &out);
	v = json_parse(out.data, out.len, NULL);
	FUZZ_CHECK(v != NULL && json_type(v) == JSON_OBJECT,
	    "%s: query renders as %s", action, out.data);
	for (size_t i = 0; i < json_len(v); i++) {
		enum json_type t = json_type(json_at(v, i));

		FUZZ_CHECK(t == JSON_STRING || t == JSON_OBJECT,
		    "%s: member %zu is type %d", action, i, (int)t);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(json_keylen_at(v, i) != json_keylen_at(v, j) ||
			    memcmp(json_key_at(v, i), json_key_at(v, j),
			    json_keylen_at(v, i)) != 0,
			    "%s: key %s repeated", action, json_key_at(v, i));
	}
	json_free(v);
	buf_free(&out);
}

static void
check_match(const struct route_match *m)
{
	FUZZ_CHECK(m->action != NULL && m->action[0] != '\0', "no action");
	FUZZ_CHECK(memchr(m->object_ref, '\0', sizeof(m->object_ref)) != NULL,
	    "object_ref unterminated");
	FUZZ_CHECK(memchr(m->api_version, '\0', sizeof(m->api_version)) != NULL,
	    "api_version unterminated");
	if (strcmp(m->action, "unknown") == 0)
		FUZZ_CHECK(m->object_type == NULL, "unknown with an object type");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match m, abs;
	const char *method, *t, *q;
	size_t n;

	if (size < 1)
		return 0;
	method = methods[data[0] % N(methods)];
	t = (const char *)data + 1;
	n = size - 1;

	actions_classify(method, t, n, &m);
	check_match(&m);
	if ((q = memchr(t, '?', n)) != NULL)
		render(m.action, q + 1, n - (size_t)(q + 1 - t));

	/* absolute form: the same route */
	if (n > 0 && t[0] == '/' && (n < 2 || t[1] != '/') && n < 4096) {
		char a[4200];

		memcpy(a, "http://docker", 13);
		memcpy(a + 13, t, n);
		actions_classify(method, a, n + 13, &abs);
		check_match(&abs);
		FUZZ_CHECK(strcmp(m.action, abs.action) == 0 &&
		    strcmp(m.object_ref, abs.object_ref) == 0 &&
		    strcmp(m.api_version, abs.api_version) == 0 &&
		    m.flags == abs.flags,
		    "origin form is %s(%s), absolute form %s(%s)", m.action,
		    m.object_ref, abs.action, abs.object_ref);
	}

	for (size_t i = 0; i < N(query_actions); i++)
		render(query_actions[i], t, n);
	return 0;
}
