/* fuzz-query.c -- libFuzzer target: the route classifier and the query
 * renderer (event/actions.h, capture/query.h).
 *
 * Input: one byte choosing the method, then a request-target, then
 * optionally a '\n' and an urlencoded form body (read before the query
 * where the form model of capture/query.h exists).  The call is
 * classified and its query rendered as the proxy does; the whole rest of
 * the input is also rendered as a query for the actions with query
 * secrets.  Invariants beyond "no crash, no leak, no UB": the route
 * fields are terminated strings, classification is the same for the
 * absolute form "http://docker<target>", and a rendered query is a JSON
 * object of strings (buildargs: an object; arrays of these for repeated
 * keys in the form model) with no repeated key (query-compat.h). */
#include "fuzz.h"

#include "query-compat.h"

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

	buf_init(&out, BUF_UNLIMITED);
	fuzz_query_render(action, q, n, &out);
	fuzz_query_check(action, &out);
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
	const char *method, *t, *body = NULL, *nl;
	size_t n, bn = 0;
	struct buf out;

	if (size < 1)
		return 0;
	method = methods[data[0] % N(methods)];
	t = (const char *)data + 1;
	n = size - 1;
	if ((nl = memchr(t, '\n', n)) != NULL) {
		body = nl + 1;
		bn = (size_t)(t + n - body);
		n = (size_t)(nl - t);
	}

	buf_init(&out, BUF_UNLIMITED);
	fuzz_query_record(method, t, n, body, bn, &m, &out);
	check_match(&m);
	fuzz_query_check(m.action, &out);
	buf_free(&out);
	actions_classify(method, t, n, &m);
	check_match(&m);

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
		render(query_actions[i], t, size - 1);
	return 0;
}
