/* record.c -- render an event record's members (see record.h).
 *
 * Runs on the proxy's hot path for every call: one pass into a caller
 * buffer, pre-rendered fragments (actor, query, body, security) spliced in
 * as they are. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/clock.h"
#include "base/err.h"
#include "event/record.h"
#include "event/redact.h"
#include "json/json.h"

static char host_name[256] = "";
/* Set at start, or later from another thread (daemon/run.c asks dockerd
 * in the background when dockerd waits on our AuthZ plugin), so it is
 * published as a whole: a reader holds either the old string or the new,
 * each in its own slot (two calls at most, or a slot is reused). */
static _Atomic(const char *) host_daemon_id;

void
evt_set_host(const char *name, const char *daemon_id)
{
	snprintf(host_name, sizeof(host_name), "%s", name ? name : "");
	evt_set_daemon_id(daemon_id);
}

void
evt_set_daemon_id(const char *daemon_id)
{
	static char ids[2][128];
	static atomic_int next;
	char *slot;

	if (daemon_id == NULL || daemon_id[0] == '\0')
		return;
	slot = ids[atomic_fetch_add(&next, 1) & 1];
	snprintf(slot, sizeof(ids[0]), "%s", daemon_id);
	atomic_store(&host_daemon_id, slot);
}

/* Random bytes come from a per-thread pool refilled with getrandom(). */
void
evt_uuid(char out[EVT_UUID_LEN])
{
	static __thread unsigned char pool[4096];
	static __thread size_t avail;
	static const char hex[] = "0123456789abcdef";
	unsigned char *u;
	int o = 0;

	if (avail < 16) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
			memset(pool, 0, sizeof(pool));	/* unreachable on Linux */
		avail = sizeof(pool);
	}
	u = pool + sizeof(pool) - avail;
	avail -= 16;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

static void
str_or_null(struct jw *w, const char *key, const char *s)
{
	if (s != NULL && s[0] != '\0')
		jw_str(w, key, s);
	else
		jw_null(w, key);
}

int
evt_render(struct evt *e, struct buf *out)
{
	char ts[CLOCK_RFC3339_LEN];
	struct jw w;

	if (e->id[0] == '\0')
		evt_uuid(e->id);
	clock_format(e->time_ns ? e->time_ns : clock_now_ns(), ts);
	jw_init(&w, out);
	/* Members only: the journal wraps them in braces after "v" and
	 * "seq", so write as if inside an object already opened. */
	w.depth = 1;
	w.need_comma[1] = 0;
	jw_str(&w, "id", e->id);
	jw_str(&w, "time", ts);
	jw_obj_begin(&w, "host");
	str_or_null(&w, "name", host_name);
	str_or_null(&w, "daemon_id", atomic_load(&host_daemon_id));
	jw_obj_end(&w);
	jw_str(&w, "kind", e->kind);
	if (e->stage)
		jw_str(&w, "stage", e->stage);
	jw_str(&w, "source", e->source);
	jw_str(&w, "action", e->action);
	if (e->outcome)
		jw_str(&w, "outcome", e->outcome);
	if (e->actor_json)
		jw_raw(&w, "actor", e->actor_json, e->actor_len);
	if (e->has_request) {
		jw_obj_begin(&w, "request");
		jw_str(&w, "id", e->req.id);
		jw_strn(&w, "method", e->req.method, e->req.method_len);
		jw_strn(&w, "path", e->req.path, e->req.path_len);
		str_or_null(&w, "api_version", e->req.api_version);
		if (e->req.query_json)
			jw_raw(&w, "query", e->req.query_json, e->req.query_len);
		else
			jw_null(&w, "query");
		if (e->req.user_agent)
			jw_strn(&w, "user_agent", e->req.user_agent,
			    e->req.user_agent_len);
		else
			jw_null(&w, "user_agent");
		if (e->req.bytes >= 0)
			jw_int(&w, "bytes", e->req.bytes);
		else
			jw_null(&w, "bytes");
		if (e->req.headers_json)
			jw_raw(&w, "headers", e->req.headers_json,
			    e->req.headers_len);
		if (e->req.body_json)
			jw_raw(&w, "body", e->req.body_json, e->req.body_len);
		if (e->req.body_truncated)
			jw_bool(&w, "body_truncated", 1);
		if (e->req.body_trailing > 0)
			jw_int(&w, "body_trailing_bytes", e->req.body_trailing);
		jw_obj_end(&w);
	}
	if (e->has_response) {
		jw_obj_begin(&w, "response");
		jw_int(&w, "status", e->resp.status);
		if (e->resp.bytes >= 0)
			jw_int(&w, "bytes", e->resp.bytes);
		else
			jw_null(&w, "bytes");
		jw_int(&w, "duration_us", e->resp.duration_us);
		if (e->resp.error)
			redact_write_message(&w, "error", e->resp.error,
			    e->resp.error_len);
		else
			jw_null(&w, "error");
		if (e->resp.body_json)
			jw_raw(&w, "body", e->resp.body_json, e->resp.body_len);
		jw_obj_end(&w);
	}
	if (e->has_session) {
		jw_obj_begin(&w, "session");
		jw_int(&w, "duration_us", e->sess.duration_us);
		jw_int(&w, "bytes_in", e->sess.bytes_in);
		jw_int(&w, "bytes_out", e->sess.bytes_out);
		str_or_null(&w, "end", e->sess.end);
		jw_obj_end(&w);
	}
	if (e->obj.type || e->has_request) {
		jw_obj_begin(&w, "object");
		str_or_null(&w, "type", e->obj.type);
		str_or_null(&w, "id", e->obj.id);
		str_or_null(&w, "name", e->obj.name);
		str_or_null(&w, "image", e->obj.image);
		jw_obj_end(&w);
	}
	if (e->security_json && e->security_len > 0) {
		/* extract.c wrote the whole member; splice it in. */
		if (buf_putc(out, ',') != 0 ||
		    buf_append(out, e->security_json, e->security_len) != 0)
			w.err = DA_E_NOMEM;
	}
	if (e->alert_json)
		jw_raw(&w, "alert", e->alert_json, e->alert_len);
	if (e->detail_json)
		jw_raw(&w, "detail", e->detail_json, e->detail_len);
	if (e->audit_rule)
		jw_str(&w, "audit_rule", e->audit_rule);
	return w.err;
}
