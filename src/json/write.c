/* write.c -- the JSON writer (struct jw), string escaping and json_dump.
 *
 * Output is always valid JSON and valid UTF-8: strings are escaped here,
 * invalid UTF-8 becomes \ufffd per bad byte (Go's encoder does the same).
 * Runs of bytes that need no escaping are appended with one call. */
#include <inttypes.h>
#include <string.h>

#include "base/err.h"
#include "json/json.h"
#include "json/node.h"

/* 0: copy as is; 1: escape (control, '"', '\\'); 2: non-ASCII, check. */
static const unsigned char esc_class[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2,
};

static const char hexdig[] = "0123456789abcdef";

int
json_escape(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char e[6];
	size_t k;
	int rc;

	while (p < end) {
		run = p;
		while (p < end && esc_class[*p] == 0)
			p++;
		if (p > run && (rc = buf_append(b, run, (size_t)(p - run))) != 0)
			return rc;
		if (p == end)
			break;
		if (esc_class[*p] == 2) {
			k = json__utf8_len(p, (size_t)(end - p));
			if (k == 0) {
				rc = buf_append(b, "\\ufffd", 6);
				p++;
			} else if (k == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			    (p[2] == 0xa8 || p[2] == 0xa9)) {
				rc = buf_append(b, p[2] == 0xa8 ? "\\u2028" :
				    "\\u2029", 6);
				p += 3;
			} else {
				/* extend the run over valid non-ASCII text */
				run = p;
				p += k;
				rc = buf_append(b, run, k);
			}
			if (rc != 0)
				return rc;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			e[0] = '\\';
			e[1] = (char)*p;
			rc = buf_append(b, e, 2);
		} else {
			e[0] = '\\';
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hexdig[*p >> 4];
			e[5] = hexdig[*p & 15];
			rc = buf_append(b, e, 6);
		}
		if (rc != 0)
			return rc;
		p++;
	}
	return DA_OK;
}

static int
put_str(struct buf *b, const char *s, size_t n)
{
	int rc;

	if ((rc = buf_putc(b, '"')) != 0 || (rc = json_escape(b, s, n)) != 0)
		return rc;
	return buf_putc(b, '"');
}

int
json_dump(const struct json *v, struct buf *out)
{
	size_t i, n;
	int rc = DA_OK;

	switch (json_type(v)) {
	case JSON_NULL:
		return buf_append(out, "null", 4);
	case JSON_FALSE:
		return buf_append(out, "false", 5);
	case JSON_TRUE:
		return buf_append(out, "true", 4);
	case JSON_NUMBER:
		return buf_puts(out, json_num_text(v));
	case JSON_STRING:
		return put_str(out, json_str(v), json_strlen(v));
	case JSON_ARRAY:
		n = json_len(v);
		if ((rc = buf_putc(out, '[')) != 0)
			return rc;
		for (i = 0; i < n && rc == 0; i++) {
			if (i > 0 && (rc = buf_putc(out, ',')) != 0)
				break;
			rc = json_dump(json_at(v, i), out);
		}
		return rc ? rc : buf_putc(out, ']');
	case JSON_OBJECT:
		n = json_len(v);
		if ((rc = buf_putc(out, '{')) != 0)
			return rc;
		for (i = 0; i < n && rc == 0; i++) {
			if (i > 0 && (rc = buf_putc(out, ',')) != 0)
				break;
			if ((rc = put_str(out, json_key_at(v, i),
			    json_keylen_at(v, i))) != 0 ||
			    (rc = buf_putc(out, ':')) != 0)
				break;
			rc = json_dump(json_at(v, i), out);
		}
		return rc ? rc : buf_putc(out, '}');
	}
	return DA_E_INVAL;
}

/* ---- writer ---- */

void
jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static inline void
jw_fail(struct jw *w, int rc)
{
	if (rc != 0 && w->err == 0)
		w->err = rc;
}

/* Separator and key; 0 if the caller may write the value. */
static int
jw_sep(struct jw *w, const char *key)
{
	int rc = 0;

	if (w->err != 0)
		return w->err;
	if (w->need_comma[w->depth])
		rc = buf_putc(w->b, ',');
	w->need_comma[w->depth] = 1;
	if (rc == 0 && key != NULL && (rc = put_str(w->b, key,
	    strlen(key))) == 0)
		rc = buf_putc(w->b, ':');
	jw_fail(w, rc);
	return rc;
}

int
jw_value_begin(struct jw *w, const char *key)
{
	return jw_sep(w, key);
}

static void
jw_open(struct jw *w, const char *key, char c)
{
	if (jw_sep(w, key) != 0)
		return;
	if (w->depth >= JSON_MAX_DEPTH) {
		jw_fail(w, DA_E_TOOBIG);
		return;
	}
	jw_fail(w, buf_putc(w->b, c));
	w->depth++;
	w->need_comma[w->depth] = 0;
}

static void
jw_close(struct jw *w, char c)
{
	if (w->err != 0)
		return;
	if (w->depth == 0) {
		jw_fail(w, DA_E_INVAL);
		return;
	}
	w->depth--;
	jw_fail(w, buf_putc(w->b, c));
}

void
jw_obj_begin(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void
jw_obj_end(struct jw *w)
{
	jw_close(w, '}');
}

void
jw_arr_begin(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void
jw_arr_end(struct jw *w)
{
	jw_close(w, ']');
}

void
jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	if (s == NULL) {
		jw_null(w, key);
		return;
	}
	if (jw_sep(w, key) == 0)
		jw_fail(w, put_str(w->b, s, n));
}

void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s, s ? strlen(s) : 0);
}

/* Digits of v, written backwards ending at end; returns the start. */
static char *
fmt_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

void
jw_uint(struct jw *w, const char *key, uint64_t v)
{
	char tmp[24], *p;

	if (jw_sep(w, key) != 0)
		return;
	p = fmt_u64(tmp + sizeof(tmp), v);
	jw_fail(w, buf_append(w->b, p, (size_t)(tmp + sizeof(tmp) - p)));
}

void
jw_int(struct jw *w, const char *key, int64_t v)
{
	char tmp[24], *p;
	uint64_t u;

	if (jw_sep(w, key) != 0)
		return;
	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	p = fmt_u64(tmp + sizeof(tmp), u);
	if (v < 0)
		*--p = '-';
	jw_fail(w, buf_append(w->b, p, (size_t)(tmp + sizeof(tmp) - p)));
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	if (jw_sep(w, key) == 0)
		jw_fail(w, v ? buf_append(w->b, "true", 4) :
		    buf_append(w->b, "false", 5));
}

void
jw_null(struct jw *w, const char *key)
{
	if (jw_sep(w, key) == 0)
		jw_fail(w, buf_append(w->b, "null", 4));
}

void
jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	if (jw_sep(w, key) == 0)
		jw_fail(w, buf_append(w->b, json, n));
}

void
jw_value(struct jw *w, const char *key, const struct json *v)
{
	if (jw_sep(w, key) == 0)
		jw_fail(w, json_dump(v, w->b));
}
