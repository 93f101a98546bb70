/* query-compat.h -- classify a request and render its query for the
 * record with whichever interface capture/query.h has: main's
 * (actions_classify + query_render over the query text) or the form model
 * (query_record / query_render over a struct form, recognised by
 * QUERY_BODY_FORM), so the fuzz targets build on either side of that
 * change.  And the check both renderings must pass. */
#ifndef DA_FUZZ_QUERY_COMPAT_H
#define DA_FUZZ_QUERY_COMPAT_H

#include "base/buf.h"
#include "capture/query.h"
#include "event/actions.h"
#include "event/extract.h"
#ifdef QUERY_BODY_FORM
#include "event/form.h"
#endif

/* Classify (method, target) and render its query into out (reset).
 * body: an urlencoded form body dockerd would read first (form model
 * only; ignored before it), NULL if none. */
static inline void
fuzz_query_record(const char *method, const char *target, size_t tlen,
    const char *body, size_t blen, struct route_match *m, struct buf *out)
{
#ifdef QUERY_BODY_FORM
	struct query_call qc = {
		.method = method, .target = target, .target_len = tlen,
		.body_kind = body != NULL ? QUERY_BODY_FORM : QUERY_BODY_NONE,
		.body = body, .body_len = blen,
	};
	struct extract_doubt doubt = { .n = 0 };

	query_record(&qc, m, out, &doubt);
#else
	const char *q = memchr(target, '?', tlen);

	(void)body;
	(void)blen;
	actions_classify(method, target, tlen, m);
	buf_reset(out);
	if (q != NULL)
		query_render(m->action, q + 1, tlen - (size_t)(q + 1 - target),
		    out);
#endif
}

/* Render q[0..n) as the query of a call of action into out. */
static inline void
fuzz_query_render(const char *action, const char *q, size_t n,
    struct buf *out)
{
#ifdef QUERY_BODY_FORM
	struct form f = { .query = q, .query_len = n };

	(void)query_render(action, &f, out);
#else
	query_render(action, q, n, out);
#endif
}

/* Before the form model, the renderer remembered the first 64 keys, cut
 * to 63 bytes, for "first of repeated keys wins": a key first seen later,
 * or a longer one, could be written twice (no Docker parameter is either;
 * the first value, which dockerd reads, still comes first). */
#ifdef QUERY_BODY_FORM
#define FUZZ_QUERY_DEDUP_KEYS	((size_t)-1)
#define FUZZ_QUERY_DEDUP_KEYLEN	((size_t)-1)
#else
#define FUZZ_QUERY_DEDUP_KEYS	64
#define FUZZ_QUERY_DEDUP_KEYLEN	63
#endif

/* A rendered query: empty, or a JSON object whose members are strings,
 * objects (build args) or arrays of those (repeated keys), without a
 * repeated key -- except keys with U+FFFD, where distinct invalid UTF-8
 * keys become the same replacement character in JSON. */
static inline void
fuzz_query_check(const char *action, const struct buf *out)
{
	struct json *v;

	if (out->len == 0)
		return;
	v = json_parse(out->data, out->len, NULL);
	FUZZ_CHECK(v != NULL && json_type(v) == JSON_OBJECT,
	    "%s: query renders as %s", action, out->data);
	for (size_t i = 0; i < json_len(v); i++) {
		const struct json *m = json_at(v, i);
		enum json_type t = json_type(m);

		if (t == JSON_ARRAY)
			for (size_t k = 0; k < json_len(m); k++) {
				enum json_type et = json_type(json_at(m, k));

				FUZZ_CHECK(et == JSON_STRING || et == JSON_OBJECT,
				    "%s: member %zu element %zu is type %d",
				    action, i, k, (int)et);
			}
		else
			FUZZ_CHECK(t == JSON_STRING || t == JSON_OBJECT,
			    "%s: member %zu is type %d", action, i, (int)t);
		if (i >= FUZZ_QUERY_DEDUP_KEYS ||
		    json_keylen_at(v, i) > FUZZ_QUERY_DEDUP_KEYLEN ||
		    memmem(json_key_at(v, i), json_keylen_at(v, i),
		    "\xef\xbf\xbd", 3) != NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(json_keylen_at(v, i) != json_keylen_at(v, j) ||
			    memcmp(json_key_at(v, i), json_key_at(v, j),
			    json_keylen_at(v, i)) != 0,
			    "%s: key %s repeated", action, json_key_at(v, i));
	}
	json_free(v);
}

#endif
