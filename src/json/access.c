/* access.c -- reading a parsed JSON tree: typed accessors, and object
 * member lookup with Go encoding/json's key matching (json.h explains the
 * folding rule).  Lookups are tight loops over the node array. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "json/json.h"
#include "json/node.h"

#define IS_DIGIT(c)	((unsigned)(c) - '0' < 10)

enum json_type
json_type(const struct json *v)
{
	return v ? (enum json_type)v->type : JSON_NULL;
}

int
json_is_true(const struct json *v)
{
	return v != NULL && v->type == JSON_TRUE;
}

const char *
json_str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

size_t
json_strlen(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->len : 0;
}

const char *
json_num_text(const struct json *v)
{
	return v && v->type == JSON_NUMBER ? v->u.s : NULL;
}

int
json_int(const struct json *v, int64_t *out)
{
	const char *p;
	uint64_t acc = 0, lim;
	int neg = 0;

	if ((p = json_num_text(v)) == NULL)
		return DA_E_INVAL;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p != '\0'; p++) {
		if (!IS_DIGIT(*p))
			return DA_E_INVAL;	/* fraction or exponent */
		if (acc > (lim - (uint64_t)(*p - '0')) / 10)
			return DA_E_INVAL;
		acc = acc * 10 + (uint64_t)(*p - '0');
	}
	if (out != NULL)
		*out = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)acc) : (int64_t)acc;
	return DA_OK;
}

double
json_double(const struct json *v)
{
	const char *p = json_num_text(v);

	return p ? strtod(p, NULL) : 0.0;
}

size_t
json_len(const struct json *v)
{
	if (v == NULL || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return 0;
	return v->len;
}

const struct json *
json_at(const struct json *v, size_t i)
{
	if (i >= json_len(v))
		return NULL;
	return &v->u.kids[i];
}

const char *
json_key_at(const struct json *v, size_t i)
{
	if (v == NULL || v->type != JSON_OBJECT || i >= v->len)
		return NULL;
	return v->u.kids[i].key;
}

size_t
json_keylen_at(const struct json *v, size_t i)
{
	if (v == NULL || v->type != JSON_OBJECT || i >= v->len)
		return 0;
	return v->u.kids[i].keylen;
}

/* ---- Go key matching ---- */

static inline unsigned
up(unsigned c)
{
	return c - 'a' < 26 ? c - 32 : c;
}

/* Go's key equality of name against an ASCII key of kl bytes, for a name
 * longer than the key: only U+017F (long s) stands for s and U+212A
 * (Kelvin sign) for k; every other non-ASCII rune fails (go1.19's
 * equalFoldRight and Go >= 1.21's foldName agree on this; U+0130 and
 * U+0131 fold onto no ASCII letter). */
static int
fold_eq_runes(const unsigned char *m, size_t ml, const unsigned char *k,
    size_t kl, int wide)
{
	size_t i = 0, j = 0;
	unsigned c;

	while (i < ml && j < kl) {
		c = m[i];
		if (c < 0x80) {
			i++;
		} else if (ml - i >= 2 && c == 0xc5 && m[i + 1] == 0xbf) {
			c = 'S';		/* U+017F long s */
			i += 2;
		} else if (wide && ml - i >= 2 && c == 0xc4 &&
		    (m[i + 1] == 0xb0 || m[i + 1] == 0xb1)) {
			c = 'I';		/* U+0130, U+0131: wide only */
			i += 2;
		} else if (ml - i >= 3 && c == 0xe2 && m[i + 1] == 0x84 &&
		    m[i + 2] == 0xaa) {
			c = 'K';		/* U+212A Kelvin sign */
			i += 3;
		} else {
			return 0;
		}
		if (up(c) != up(k[j]))
			return 0;
		j++;
	}
	return i == ml && j == kl;
}

static int
is_ascii(const char *key, size_t kl)
{
	size_t i;

	for (i = 0; i < kl; i++)
		if ((unsigned char)key[i] >= 0x80)
			return 0;
	return 1;
}

static inline int
key_match(const char *name, size_t ml, const char *key, size_t kl, int ascii,
    int wide)
{
	const unsigned char *m = (const unsigned char *)name;
	const unsigned char *k = (const unsigned char *)key;
	size_t i;

	if (ml == kl) {
		for (i = 0; i < kl; i++) {
			if (m[i] != k[i] && (up(m[i]) != up(k[i]) ||
			    up(m[i]) - 'A' >= 26))
				return 0;
		}
		return 1;
	}
	/* only the multi-byte runes that fold to ASCII make a name longer */
	return ml > kl && ascii && fold_eq_runes(m, ml, k, kl, wide);
}

int
json_key_match(const char *name, size_t namelen, const char *key)
{
	size_t kl;

	if (name == NULL || key == NULL)
		return 0;
	kl = strlen(key);
	return key_match(name, namelen, key, kl, is_ascii(key, kl), 0);
}

int
json_key_match_wide(const char *name, size_t namelen, const char *key)
{
	size_t kl;

	if (name == NULL || key == NULL)
		return 0;
	kl = strlen(key);
	return key_match(name, namelen, key, kl, is_ascii(key, kl), 1);
}

static const struct json *
get_n(const struct json *v, const char *key, size_t kl)
{
	const struct json *m;
	size_t i;
	int ascii = is_ascii(key, kl);

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	for (i = v->len; i-- > 0;) {
		m = &v->u.kids[i];
		if (m->keylen != kl && (m->keylen < kl ||
		    (m->flags & JSON_F_KEY_ASCII)))
			continue;
		if (key_match(m->key, m->keylen, key, kl, ascii, 0))
			return m;
	}
	return NULL;
}

const struct json *
json_next_match(const struct json *obj, const char *key, size_t *i)
{
	const struct json *m;
	size_t kl, j;
	int ascii;

	if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
		return NULL;
	kl = strlen(key);
	ascii = is_ascii(key, kl);
	for (j = *i; j < obj->len; j++) {
		m = &obj->u.kids[j];
		if (m->keylen != kl && (m->keylen < kl ||
		    (m->flags & JSON_F_KEY_ASCII)))
			continue;	/* an ASCII name must have the key's length */
		if (key_match(m->key, m->keylen, key, kl, ascii, 0)) {
			*i = j;
			return m;
		}
	}
	return NULL;
}

const struct json *
json_get(const struct json *v, const char *key)
{
	if (key == NULL)
		return NULL;
	return get_n(v, key, strlen(key));
}

const struct json *
json_path(const struct json *v, const char *dotted)
{
	const char *seg, *dot;

	if (dotted == NULL)
		return NULL;
	for (seg = dotted; v != NULL; seg = dot + 1) {
		dot = strchr(seg, '.');
		v = get_n(v, seg, dot ? (size_t)(dot - seg) : strlen(seg));
		if (dot == NULL)
			break;
	}
	return v;
}
