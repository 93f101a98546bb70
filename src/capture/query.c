/* query.c -- a request's parameters as dockerd reads them (query.h): the
 * body kind from the Content-Type, the action they select, and the
 * request.query object, every value kept in r.Form's order.  Shared by
 * the proxy and the AuthZ plugin. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "capture/query.h"
#include "event/actions.h"
#include "event/extract.h"
#include "event/form.h"
#include "event/redact.h"
#include "json/json.h"

/* Go's strings.TrimSpace white space at s[0..n): its length, 0 if none. */
static size_t
space_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;			/* U+1680 */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	    s[2] == 0xaf))
		return 3;		/* U+2000..200A, 2028, 2029, 202F */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;			/* U+205F */
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;			/* U+3000 */
	return 0;
}

/* The length of the white space that ends s[0..n). */
static size_t
trailing_space(const unsigned char *s, size_t n)
{
	size_t e = n;

	for (;;) {
		size_t l;
		for (l = 1; l <= 3 && l <= e; l++)
			if (space_len(s + e - l, l) == l)
				break;
		if (l > 3 || l > e)
			return n - e;
		e -= l;
	}
}

/* Go's ParseMediaType media type of ct (the text before the first ';',
 * Unicode-lower-cased and trimmed) equals want (lower-case ASCII)?  Of
 * non-ASCII runes only U+0130 lowers to 'i' and U+212A to 'k'. */
static int
media_is(const char *ct, size_t n, const char *want)
{
	const unsigned char *s = (const unsigned char *)ct;
	const char *semi = memchr(ct, ';', n);
	size_t e = semi != NULL ? (size_t)(semi - ct) : n, i = 0, l;
	size_t wl = strlen(want), o = 0;

	while (i < e && (l = space_len(s + i, e - i)) > 0)
		i += l;
	e -= trailing_space(s + i, e - i);
	while (i < e) {
		char c;

		if (e - i >= 2 && s[i] == 0xc4 && s[i + 1] == 0xb0) {
			c = 'i';
			i += 2;
		} else if (e - i >= 3 && s[i] == 0xe2 && s[i + 1] == 0x84 &&
		    s[i + 2] == 0xaa) {
			c = 'k';
			i += 3;
		} else {
			c = (char)s[i++];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
		}
		if (o >= wl || want[o++] != c)
			return 0;
	}
	return o == wl;
}

int
query_body_kind(const char *method, const char *ct, size_t ct_len)
{
	int kind = QUERY_BODY_NONE;
	const char *semi;

	if (ct == NULL)
		return kind;
	if (method != NULL && (strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) &&
	    media_is(ct, ct_len, "application/x-www-form-urlencoded"))
		kind = QUERY_BODY_FORM;
	else if (media_is(ct, ct_len, "multipart/form-data"))
		kind = QUERY_BODY_MULTIPART;
	/* a duplicate parameter makes ParseMediaType return no media
	 * type at all; it takes two parameters */
	if (kind != QUERY_BODY_NONE && (semi = memchr(ct, ';', ct_len)) != NULL &&
	    memchr(semi + 1, ';', ct_len - (size_t)(semi + 1 - ct)) != NULL)
		kind |= QUERY_CT_UNSURE;
	return kind;
}

struct qpair {
	const char	*k;
	size_t		 kn;
	const char	*v;
	size_t		 vn;
	size_t		 idx;		/* r.Form order */
	size_t		 first;		/* idx of the key's first pair */
};

static int
by_key(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	size_t n = x->kn < y->kn ? x->kn : y->kn;
	int c = memcmp(x->k, y->k, n);

	if (c != 0)
		return c;
	if (x->kn != y->kn)
		return x->kn < y->kn ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
by_first(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A key as a C string for the writer: a decoded NUL (no dockerd
 * parameter has one) becomes U+FFFD, as invalid UTF-8 does. */
static char *
key_cstr(const char *k, size_t n)
{
	size_t nul = 0, o = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		nul += k[i] == '\0';
	if ((s = malloc(n + 2 * nul + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (k[i] != '\0') {
			s[o++] = k[i];
			continue;
		}
		memcpy(s + o, "\xef\xbf\xbd", 3);
		o += 3;
	}
	s[o] = '\0';
	return s;
}

/* Write the pairs [from, to) of one key (sorted by r.Form order). */
static void
put_key(const char *action, const struct qpair *p, size_t cnt, struct jw *w)
{
	char *key = key_cstr(p[0].k, p[0].kn);

	if (key == NULL) {
		w->err = w->err ? w->err : -1;
		return;
	}
	if (cnt == 1) {
		redact_query_value(action, key, p[0].v, p[0].vn, w);
	} else {
		jw_arr_begin(w, key);
		for (size_t i = 0; i < cnt; i++)
			redact_query_item(action, key, p[i].v, p[i].vn, w);
		jw_arr_end(w);
	}
	free(key);
}

int
query_render(const char *action, const struct form *f, struct buf *out)
{
	struct form_pair fp;
	struct qpair *pairs = NULL;
	size_t pos = 0, n = 0, cap = 0, dn = 0, start = out->len;
	size_t total = (f->body ? f->body_len : 0) + (f->query ? f->query_len : 0);
	char *dec = malloc(total + 1);
	struct jw w;
	int rc = 0;

	if (dec == NULL)
		goto fail;
	while (form_next(f, &pos, &fp)) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct qpair *np = realloc(pairs, nc * sizeof(*np));
			if (np == NULL)
				goto fail;
			pairs = np;
			cap = nc;
		}
		struct qpair *q = &pairs[n];
		q->k = dec + dn;
		q->kn = (size_t)form_unescape(fp.key, fp.key_len, dec + dn);
		dn += q->kn;
		q->v = dec + dn;
		q->vn = (size_t)form_unescape(fp.val, fp.val_len, dec + dn);
		dn += q->vn;
		q->idx = n++;
	}
	/* group by key, keeping r.Form order inside a group; then order
	 * the groups by their first pair */
	if (n > 0)
		qsort(pairs, n, sizeof(*pairs), by_key);
	for (size_t i = 0; i < n; i++)
		pairs[i].first = i > 0 && pairs[i].kn == pairs[i - 1].kn &&
		    memcmp(pairs[i].k, pairs[i - 1].k, pairs[i].kn) == 0 ?
		    pairs[i - 1].first : pairs[i].idx;
	if (n > 0)
		qsort(pairs, n, sizeof(*pairs), by_first);

	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	for (size_t i = 0; i < n; ) {
		size_t j = i + 1, mark = out->len;
		int depth = w.depth, need = w.need_comma[depth];

		while (j < n && pairs[j].first == pairs[i].first)
			j++;
		put_key(action, pairs + i, j - i, &w);
		if (w.err != 0) {
			/* no room: drop this key, close what fitted */
			out->len = mark;
			out->data[mark] = '\0';
			w.depth = depth;	/* an array may have been open */
			w.need_comma[depth] = (unsigned char)need;
			w.err = 0;
			rc = -1;
			break;
		}
		i = j;
	}
	jw_obj_end(&w);
	if (w.err != 0)
		goto fail;
	free(pairs);
	free(dec);
	return rc;
fail:
	free(pairs);
	free(dec);
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	if (buf_puts(out, "{}") != 0)
		out->len = start;
	return -1;
}

static const char why_form_unseen[] =
    "form body not read: its parameters override the query's";
static const char why_body_unseen[] =
    "request body not seen: under a form Content-Type its parameters "
    "would override the query's";
static const char why_build_form[] =
    "form body on /build: dockerd parses it after peeking at up to 4 KiB "
    "of it, so its parameters may differ from the whole body's";
static const char why_ct[] =
    "Content-Type parameters: whether dockerd reads the form body is "
    "not certain";
static const char why_too_many[] =
    "query too large to record whole";

/* Actions whose query parameters alone decide what dockerd fetches,
 * builds or names (a form body that overrides them needs no payload of
 * its own): where an unseen body may be such a form, that is a doubt.
 * On the other upload routes a form body would eat the payload. */
static int
params_decide(const char *action)
{
	static const char *const a[] = { "image.pull", "image.import",
	    "image.build", "image.tag", "image.push" };

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (strcmp(action, a[i]) == 0)
			return 1;
	return 0;
}

void
query_record(const struct query_call *qc, struct route_match *rm,
    struct buf *out, struct extract_doubt *doubt)
{
	int kind = qc->body_kind & ~QUERY_CT_UNSURE;
	int form = kind == QUERY_BODY_FORM && qc->body != NULL;
	const char *q = memchr(qc->target, '?', qc->target_len);
	struct form f = { NULL, 0, NULL, 0 };

	if (form) {
		f.body = qc->body;
		f.body_len = qc->body_len;
		actions_classify_form(qc->method, qc->target, qc->target_len,
		    qc->body, qc->body_len, rm);
	} else
		actions_classify(qc->method, qc->target, qc->target_len, rm);
	if (q != NULL) {
		f.query = q + 1;
		f.query_len = (size_t)(qc->target + qc->target_len - q - 1);
	}
	out->len = 0;
	if (out->data != NULL)
		out->data[0] = '\0';
	if ((q != NULL || form) && query_render(rm->action, &f, out) != 0)
		extract_doubt_add(doubt, why_too_many);

	if (qc->body_unseen && qc->method != NULL &&
	    (strcmp(qc->method, "POST") == 0 || strcmp(qc->method, "PUT") == 0 ||
	    strcmp(qc->method, "PATCH") == 0)) {
		if (kind == QUERY_BODY_FORM)
			extract_doubt_add(doubt, why_form_unseen);
		else if (qc->ct_unsure && params_decide(rm->action))
			extract_doubt_add(doubt, why_body_unseen);
	}
	/* a multipart body on /build: capture/bodyread.c's doubt */
	/* postBuild peeks at the body (bufio, up to 4 KiB) before its
	 * first FormValue parses it: the parser starts at an unknown cut */
	if (kind == QUERY_BODY_FORM && strcmp(rm->action, "image.build") == 0)
		extract_doubt_add(doubt, why_build_form);
	if ((qc->body_kind & QUERY_CT_UNSURE) && kind == QUERY_BODY_FORM)
		extract_doubt_add(doubt, why_ct);
}
