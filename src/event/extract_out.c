/* extract_out.c -- the writers extract.c's per-action functions share:
 * scalars and lists (null when absent, if the output asks for nulls),
 * Env names without values, capabilities normalised like moby, maps
 * sorted by key, port bindings, and object members dropped again when
 * nothing was written into them.  Every string goes through
 * redact_write_text, so URL user info never reaches the record. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "event/extract.h"
#include "event/redact.h"


void
extract__out_null(struct extract__out *o, const char *k)
{
	if (o->nulls)
		jw_null(o->w, k);
}

void
extract__out_str(struct extract__out *o, const char *k, const struct json *v)
{
	if (json_type(v) == JSON_STRING)
		redact_write_text(o->w, k, json_str(v), json_strlen(v));
	else
		extract__out_null(o, k);
}

void
extract__out_bool(struct extract__out *o, const char *k, const struct json *v)
{
	if (json_type(v) == JSON_TRUE || json_type(v) == JSON_FALSE)
		jw_bool(o->w, k, json_is_true(v));
	else
		extract__out_null(o, k);
}

/* A member whose key may hold any bytes (map keys), string value. */
void
extract__out_kv(struct jw *w, const char *k, size_t kl, const char *s, size_t n)
{
	struct buf *b = w->b;
	int rc;

	if (jw_value_begin(w, NULL) != 0)
		return;
	if ((rc = buf_putc(b, '"')) == 0 && (rc = json_escape(b, k, kl)) == 0 &&
	    (rc = buf_append(b, "\":\"", 3)) == 0 &&
	    (rc = json_escape(b, s, n)) == 0)
		rc = buf_putc(b, '"');
	if (rc != 0 && w->err == 0)
		w->err = rc;
}

/* Free text (commands, paths, URLs): URL user info never gets through. */
void
extract__put_plain(struct jw *w, const char *s, size_t n)
{
	redact_write_text(w, NULL, s, n);
}

/* Env entry: the name only, never the value. */
void
extract__put_env_name(struct jw *w, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);

	jw_strn(w, NULL, s, eq ? (size_t)(eq - s) : n);
}

/* Capability as moby's NormalizeLegacyCapabilities sees it: Go's
 * strings.ToUpper (which also maps U+017F to S and U+0131 to I), "ALL"
 * as is, else with a "CAP_" prefix. */
void
extract__put_cap(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i;
	int rc;

	buf_init(&b, n + 8);
	rc = buf_append(&b, "CAP_", 4);
	for (i = 0; i < n && rc == 0; i++) {
		if ((unsigned)(p[i] - 'a') < 26) {
			rc = buf_putc(&b, (char)(p[i] - 32));
		} else if (i + 1 < n && p[i] == 0xc5 && p[i + 1] == 0xbf) {
			rc = buf_putc(&b, 'S');
			i++;
		} else if (i + 1 < n && p[i] == 0xc4 && p[i + 1] == 0xb1) {
			rc = buf_putc(&b, 'I');
			i++;
		} else {
			rc = buf_putc(&b, (char)p[i]);
		}
	}
	if (rc != 0)
		jw_strn(w, NULL, s, n);
	else if (b.len == 7 && memcmp(b.data + 4, "ALL", 3) == 0)
		jw_strn(w, NULL, "ALL", 3);
	else if (b.len >= 8 && memcmp(b.data + 4, "CAP_", 4) == 0)
		jw_strn(w, NULL, b.data + 4, b.len - 4);
	else
		jw_strn(w, NULL, b.data, b.len);
	buf_free(&b);
}

/* A []string field (Go's element-wise merging). */
void
extract__out_strs(struct extract__out *o, const char *okey,
    const struct extract__view *v, const char *key, extract__put_fn put)
{
	const struct json **vals;
	size_t i, n;

	if (!extract__strs(v, key, &vals, &n)) {
		extract__out_null(o, okey);
		return;
	}
	jw_arr_begin(o->w, okey);
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL)
			put(o->w, "", 0);
		else if (json_type(vals[i]) == JSON_STRING)
			put(o->w, json_str(vals[i]), json_strlen(vals[i]));
	}
	jw_arr_end(o->w);
	free(vals);
}

/* A strslice.StrSlice field (Cmd, Entrypoint, CapAdd, CapDrop): a string
 * or an array of strings, each decode replacing the whole value. */
void
extract__out_strslice(struct extract__out *o, const char *okey,
    const struct extract__view *v, const char *key, extract__put_fn put)
{
	const struct json *m = extract__last(v, key), *e;
	size_t i;

	if (json_type(m) == JSON_STRING) {
		jw_arr_begin(o->w, okey);
		put(o->w, json_str(m), json_strlen(m));
		jw_arr_end(o->w);
		return;
	}
	if (json_type(m) != JSON_ARRAY) {
		extract__out_null(o, okey);
		return;
	}
	jw_arr_begin(o->w, okey);
	for (i = 0; i < json_len(m); i++) {
		e = json_at(m, i);
		if (json_type(e) == JSON_STRING)
			put(o->w, json_str(e), json_strlen(e));
		else if (json_type(e) == JSON_NULL)
			put(o->w, "", 0);
	}
	jw_arr_end(o->w);
}

/* A map[string]string field as an object sorted by key. */
void
extract__out_map(struct extract__out *o, const char *okey,
    const struct extract__view *v, const char *key)
{
	struct extract__ment *e;
	size_t i, n;

	if (!extract__map_collect(v, key, &e, &n)) {
		extract__out_null(o, okey);
		return;
	}
	jw_obj_begin(o->w, okey);
	for (i = 0; i < n; i++) {
		if (json_type(e[i].v) == JSON_STRING)
			extract__out_kv(o->w, e[i].k, e[i].kl, json_str(e[i].v),
			    json_strlen(e[i].v));
		else if (json_type(e[i].v) == JSON_NULL)
			extract__out_kv(o->w, e[i].k, e[i].kl, "", 0);
	}
	jw_obj_end(o->w);
	free(e);
}

/* PortBindings (map[port][]{HostIp,HostPort}) as a list sorted by port. */
void
extract__out_ports(struct extract__out *o, const struct extract__view *hc)
{
	struct extract__view bv;
	const struct json *arr, *ip, *port;
	struct extract__ment *e;
	size_t i, k, n;

	if (!extract__map_collect(hc, "PortBindings", &e, &n)) {
		extract__out_null(o, "port_bindings");
		return;
	}
	jw_arr_begin(o->w, "port_bindings");
	for (i = 0; i < n; i++) {
		arr = e[i].v;
		for (k = 0; k < json_len(arr) && json_type(arr) == JSON_ARRAY;
		    k++) {
			extract__view_root(&bv, json_at(arr, k), hc->nomem);
			ip = extract__scalar(&bv, "HostIp");
			port = extract__scalar(&bv, "HostPort");
			jw_obj_begin(o->w, NULL);
			jw_strn(o->w, "port", e[i].k, e[i].kl);
			jw_strn(o->w, "host_ip", json_str(ip) ? json_str(ip) : "",
			    json_strlen(ip));
			jw_strn(o->w, "host_port", json_str(port) ?
			    json_str(port) : "", json_strlen(port));
			jw_obj_end(o->w);
			extract__view_free(&bv);
		}
	}
	jw_arr_end(o->w);
	free(e);
}


void
extract__obj_open(struct jw *w, const char *key, struct extract__mark *m)
{
	m->len = w->b->len;
	m->nc = w->need_comma[w->depth];
	jw_obj_begin(w, key);
	m->after = w->b->len;
}

void
extract__obj_close(struct jw *w, struct extract__mark *m)
{
	if (w->err == 0 && w->b->len == m->after && w->depth > 0) {
		w->depth--;
		w->need_comma[w->depth] = m->nc;
		w->b->len = m->len;
		if (w->b->data != NULL)
			w->b->data[m->len] = '\0';
		return;
	}
	jw_obj_end(w);
}
