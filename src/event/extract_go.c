/* extract_go.c -- Go encoding/json decoding replayed over a parsed body:
 * which objects end up merged into a struct value, what a scalar, slice or
 * map field holds after every duplicate and null was applied (the rules
 * are in extract.h).  extract.c and extract_mounts.c read fields only
 * through these.  Each function is one pass (two for slices and maps) over
 * the members it concerns. */
#include <stdlib.h>
#include <string.h>

#include "event/extract.h"

static void
view_init(struct extract__view *v, int *nomem)
{
	memset(v, 0, sizeof(*v));
	v->obj = v->inl;
	v->cap = sizeof(v->inl) / sizeof(v->inl[0]);
	v->nomem = nomem;
}

static void
oom(int *nomem)
{
	if (nomem != NULL)
		*nomem = 1;
}

static void
view_add(struct extract__view *v, const struct json *o)
{
	const struct json **p;
	size_t ncap;

	if (v->n == v->cap) {
		ncap = v->cap * 2;
		if (v->obj == v->inl) {
			if ((p = malloc(ncap * sizeof(*p))) != NULL)
				memcpy(p, v->inl, v->n * sizeof(*p));
		} else {
			p = realloc(v->obj, ncap * sizeof(*p));
		}
		if (p == NULL) {
			oom(v->nomem);
			return;
		}
		v->obj = p;
		v->cap = ncap;
	}
	v->obj[v->n++] = o;
}

void
extract__view_root(struct extract__view *v, const struct json *obj,
    int *nomem)
{
	view_init(v, nomem);
	if (json_type(obj) == JSON_OBJECT)
		view_add(v, obj);
}

void
extract__view_field(struct extract__view *v,
    const struct extract__view *parent, const char *key, int ptr)
{
	const struct json *m;
	size_t i, j;

	view_init(v, parent->nomem);
	for (i = 0; i < parent->n; i++) {
		for (j = 0; (m = json_next_match(parent->obj[i], key, &j)) != NULL;
		    j++) {
			if (json_type(m) == JSON_NULL && ptr)
				v->n = 0;
			else if (json_type(m) == JSON_OBJECT)
				view_add(v, m);
		}
	}
}

void
extract__view_free(struct extract__view *v)
{
	if (v->obj != v->inl)
		free(v->obj);
	v->obj = v->inl;
	v->n = 0;
	v->cap = sizeof(v->inl) / sizeof(v->inl[0]);
}

void
extract__views_free(struct extract__view *elems, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		extract__view_free(&elems[i]);
	free(elems);
}

/* A slice field's history: occurrences up to *skip are before the last
 * reset (null or []), *len is the final length; returns 0 when nil. */
static int
slice_scan(const struct extract__view *v, const char *key, size_t *skip,
    size_t *len)
{
	const struct json *m;
	size_t i, j, occ = 0;
	int present = 0;

	*skip = *len = 0;
	for (i = 0; i < v->n; i++) {
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++) {
			occ++;
			if (json_type(m) == JSON_NULL) {
				*skip = occ;
				*len = 0;
				present = 0;
			} else if (json_type(m) == JSON_ARRAY) {
				if ((*len = json_len(m)) == 0)
					*skip = occ;
				present = 1;
			}
		}
	}
	return present;
}

/* Calls fn(arg, index, element) for the elements below len of every array
 * decoded into the slice since its last reset, in order. */
static void
slice_replay(const struct extract__view *v, const char *key, size_t skip,
    size_t len, void (*fn)(void *, size_t, const struct json *), void *arg)
{
	const struct json *m;
	size_t i, j, k, occ = 0;

	for (i = 0; i < v->n; i++) {
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++) {
			if (++occ <= skip || json_type(m) != JSON_ARRAY)
				continue;
			for (k = 0; k < json_len(m) && k < len; k++)
				fn(arg, k, json_at(m, k));
		}
	}
}

static void
elem_add(void *arg, size_t k, const struct json *e)
{
	struct extract__view *elems = arg;

	if (json_type(e) == JSON_OBJECT)
		view_add(&elems[k], e);
}

int
extract__view_elems(const struct extract__view *parent, const char *key,
    struct extract__view **elems, size_t *n)
{
	size_t skip, len, i;
	int present = slice_scan(parent, key, &skip, &len);

	*elems = NULL;
	*n = 0;
	if (len == 0)
		return present;
	if ((*elems = calloc(len, sizeof(**elems))) == NULL) {
		oom(parent->nomem);
		return present;
	}
	for (i = 0; i < len; i++)
		view_init(&(*elems)[i], parent->nomem);
	slice_replay(parent, key, skip, len, elem_add, *elems);
	*n = len;
	return present;
}

static void
str_set(void *arg, size_t k, const struct json *e)
{
	const struct json **vals = arg;

	if (json_type(e) != JSON_NULL)
		vals[k] = e;
}

int
extract__strs(const struct extract__view *v, const char *key,
    const struct json ***vals, size_t *n)
{
	size_t skip, len;
	int present = slice_scan(v, key, &skip, &len);

	*vals = NULL;
	*n = 0;
	if (!present)
		return 0;
	if ((*vals = calloc(len ? len : 1, sizeof(**vals))) == NULL) {
		oom(v->nomem);
		return 0;
	}
	slice_replay(v, key, skip, len, str_set, *vals);
	*n = len;
	return 1;
}

const struct json *
extract__scalar(const struct extract__view *v, const char *key)
{
	const struct json *r = NULL, *m;
	size_t i, j;

	for (i = 0; i < v->n; i++)
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++)
			if (json_type(m) != JSON_NULL)
				r = m;
	return r;
}

const struct json *
extract__last(const struct extract__view *v, const char *key)
{
	const struct json *r = NULL, *m;
	size_t i, j;

	for (i = 0; i < v->n; i++)
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++)
			r = json_type(m) == JSON_NULL ? NULL : m;
	return r;
}

static int
key_is(const struct json *o, size_t i, const char *k, size_t kl)
{
	return json_keylen_at(o, i) == kl && memcmp(json_key_at(o, i), k,
	    kl) == 0;
}

const struct json *
extract__map_get(const struct extract__view *v, const char *key,
    const char *mkey)
{
	const struct json *r = NULL, *m;
	size_t i, j, k, kl = strlen(mkey);

	for (i = 0; i < v->n; i++) {
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++) {
			if (json_type(m) == JSON_NULL)
				r = NULL;
			for (k = 0; json_type(m) == JSON_OBJECT &&
			    k < json_len(m); k++)
				if (key_is(m, k, mkey, kl))
					r = json_at(m, k);
		}
	}
	return r;
}

static int
ment_cmp(const void *a, const void *b)
{
	const struct extract__ment *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->kl < y->kl ? x->kl : y->kl);

	if (c != 0)
		return c;
	if (x->kl != y->kl)
		return x->kl < y->kl ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
extract__map_collect(const struct extract__view *v, const char *key,
    struct extract__ment **out, size_t *n)
{
	const struct json *m;
	struct extract__ment *e;
	size_t i, j, k, occ = 0, skip = 0, cnt = 0, w;
	int present = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < v->n; i++) {
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++) {
			occ++;
			if (json_type(m) == JSON_NULL) {
				skip = occ;
				cnt = 0;
				present = 0;
			} else if (json_type(m) == JSON_OBJECT) {
				cnt += json_len(m);
				present = 1;
			}
		}
	}
	if (!present || cnt == 0)
		return present;
	if ((e = calloc(cnt, sizeof(*e))) == NULL) {
		oom(v->nomem);
		return 0;
	}
	occ = 0;
	cnt = 0;
	for (i = 0; i < v->n; i++) {
		for (j = 0; (m = json_next_match(v->obj[i], key, &j)) != NULL;
		    j++) {
			if (++occ <= skip || json_type(m) != JSON_OBJECT)
				continue;
			for (k = 0; k < json_len(m); k++, cnt++) {
				e[cnt].k = json_key_at(m, k);
				e[cnt].kl = json_keylen_at(m, k);
				e[cnt].v = json_at(m, k);
				e[cnt].seq = cnt;
			}
		}
	}
	qsort(e, cnt, sizeof(*e), ment_cmp);
	for (i = 0, w = 0; i < cnt; i++) {
		if (i + 1 < cnt && e[i].kl == e[i + 1].kl &&
		    memcmp(e[i].k, e[i + 1].k, e[i].kl) == 0)
			continue;	/* a later duplicate wins */
		e[w++] = e[i];
	}
	*out = e;
	*n = w;
	return 1;
}
