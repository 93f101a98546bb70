/* authz_record.c -- the records the AuthZ plugin writes: calls that
 * bypassed the proxy (request and response stages), policy decisions on
 * proxied calls, alerts, and requests it could not read.  Secrets are
 * redacted exactly as the proxy does (event/redact.h): dockerd hands the
 * plugin the /auth body, password included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "capture/authz_int.h"
#include "capture/bodyread.h"
#include "capture/proxy.h"
#include "capture/query.h"
#include "event/alert.h"
#include "event/extract.h"
#include "event/record.h"
#include "event/redact.h"
#include "http/http.h"
#include "journal/journal.h"
#include "json/json.h"
#include "policy/auditpolicy.h"


/* The parameters as the proxy reads them (capture/query.h).  dockerd
 * gives the plugin a body only under a JSON Content-Type (the first
 * header), so an urlencoded form body, whose values dockerd reads
 * before the query's, is never seen: under a form type, a doubt. */
static void
read_query(struct az_call *c, struct extract_doubt *doubt)
{
	struct query_call qc;
	size_t ctl = 0, cll = 0;
	const char *ct = authz_msg_header(&c->m, "Content-Type", &ctl);
	const char *cl = authz_msg_header(&c->m, "Content-Length", &cll);

	memset(&qc, 0, sizeof(qc));
	qc.method = c->m.method;
	qc.target = c->m.uri;
	qc.target_len = c->m.uri_len;
	qc.body_kind = query_body_kind(c->m.method, ct, ctl);
	if (c->m.has_req_body) {
		qc.body = (const char *)c->m.req_body;
		qc.body_len = c->m.req_body_len;
	} else
		qc.body_unseen = !(cl != NULL && cll == 1 && cl[0] == '0');
	/* The plugin sees only the last of repeated headers, dockerd reads
	 * the first Content-Type: a form body can hide behind a second
	 * header.  query_record would then doubt every unseen body of image
	 * pull/import/build/tag/push; that is off because it makes every
	 * bypassing `docker import` and `docker build` uncertain, so denied
	 * in enforce mode (a known gap: docs/threat-model.md). */
	qc.ct_unsure = 0;
	query_record(&qc, &c->rm, &c->query, doubt);
}

/* Add bypass fields to the security member text. */
static void
add_bypass(struct az_call *c)
{
	struct buf *s = &c->security;
	struct buf extra;
	struct jw w;

	buf_init(&extra, 4096);
	jw_init(&w, &extra);
	w.depth = 1;
	w.need_comma[1] = 0;
	jw_bool(&w, "bypass", 1);
	jw_str(&w, "bypass_reason", c->reason);
	if (s->len == 0) {
		buf_puts(s, "\"security\":{");
		buf_append(s, extra.data, extra.len);
		buf_putc(s, '}');
	} else if (s->len >= 2 && s->data[s->len - 1] == '}') {
		int empty = s->data[s->len - 2] == '{';

		s->len--;
		if (!empty)
			buf_putc(s, ',');
		buf_append(s, extra.data, extra.len);
		buf_putc(s, '}');
	}
	buf_free(&extra);
}

void
az_security(struct az_call *c, const char *inflight_sec, size_t inflight_len)
{
	struct json *qroot = NULL;
	char err[DA_ERRLEN] = "request body is not JSON";
	size_t used = 0;
	struct extract_doubt qdoubt = { { NULL }, 0 };
	struct jw w;

	read_query(c, &qdoubt);
	buf_reset(&c->security);
	if (c->query.len > 0)
		qroot = json_parse(c->query.data, c->query.len, NULL);
	if (c->m.has_req_body) {
		if (c->body == NULL)
			c->body = json_parse_first((const char *)c->m.req_body,
			    c->m.req_body_len, &used, err);
		if (c->body == NULL)
			c->body_invalid = 1;
	}
	if (c->m.has_req_body || inflight_sec == NULL) {
		/* the plugin judges the call itself: its parameter doubts
		 * count (a proxied call's are in the proxy's security) */
		for (size_t i = 0; i < qdoubt.n; i++)
			extract_doubt_add(&c->doubt, qdoubt.reason[i]);
		jw_init(&w, &c->security);
		w.depth = 1;
		if (c->body_invalid) {
			extract_doubt_add(&c->doubt, DOUBT_BODY_NOT_JSON);
			bodyread_security_error(&w, err, &c->doubt);
		} else {
			extract_security(c->rm.action,
			    c->rm.api_version[0] ? c->rm.api_version :
			    NULL, c->body, qroot, &c->doubt, &w);
		}
	} else if (inflight_len > 0) {
		buf_puts(&c->security, "\"security\":");
		buf_append(&c->security, inflight_sec, inflight_len);
	}
	/* the writer puts a comma first: drop it, we splice a member */
	if (c->security.len > 0 && c->security.data[0] == ',') {
		memmove(c->security.data, c->security.data + 1,
		    c->security.len - 1);
		c->security.len--;
	}
	json_free(qroot);
	if (c->reason != NULL)
		add_bypass(c);
}

static void
render_actor(const struct az_call *c, struct buf *out)
{
	struct jw w;

	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "auth", "authz");
	if (c->user[0])
		jw_str(&w, "user", c->user);
	else
		jw_str(&w, "user", c->m.user);
	if (c->login_user[0])
		jw_str(&w, "login_user", c->login_user);
	jw_str(&w, "authn_method", c->m.authn);
	jw_str(&w, "cert_subject", c->m.cert_subject[0] ? c->m.cert_subject :
	    NULL);
	jw_null(&w, "listener");
	jw_obj_end(&w);
}

static void
render_headers(const struct az_call *c, struct buf *out)
{
	static const char *names[] = { "Content-Type", "Content-Length",
	    "Upgrade", NULL };
	struct jw w;
	int any = 0;

	jw_init(&w, out);
	for (int i = 0; names[i] != NULL; i++) {
		size_t n;
		const char *v = authz_msg_header(&c->m, names[i], &n);

		if (v == NULL)
			continue;
		if (!any++)
			jw_obj_begin(&w, NULL);
		jw_strn(&w, names[i], v, n);
	}
	if (any)
		jw_obj_end(&w);
}

static int
looks_like_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 12 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
az_record_call(struct authz *a, struct az_call *c, const char *stage,
    const char *id, const char *outcome, const char *error,
    const char *detail_json, int wait, uint64_t *ticket)
{
	struct buf actor, headers, body;
	const char *q = memchr(c->m.uri, '?', c->m.uri_len);
	const char *name = NULL, *image = NULL, *ua;
	char obj_id[ROUTE_ID_MAX] = "", obj_name[ROUTE_ID_MAX] = "";
	char imgbuf[512];
	struct json *qroot = NULL;
	size_t ual = 0, cll = 0;
	const char *cl;
	int request_stage = strcmp(stage, "response") != 0;
	int mutating = (c->rm.flags & ROUTE_MUTATING) != 0, level;
	struct audit_decision d;
	struct evt e;
	int rc;

	buf_init(&actor, 64 * 1024);
	buf_init(&headers, 64 * 1024);
	buf_init(&body, BUF_UNLIMITED);
	render_actor(c, &actor);
	audit_level_for(a->cfg.audit_rules, a->cfg.level_write,
	    a->cfg.level_read, c->rm.action, mutating, actor.data, actor.len,
	    &d);
	level = d.level;
	/* A bypass is what the plugin exists to report: its request record
	 * stays whatever the level; level none or an omitted stage drops a
	 * read's response record (never a failure's). */
	if (!request_stage && !mutating && error == NULL && ticket == NULL &&
	    strcmp(outcome, "failure") != 0 && (level == LEVEL_NONE ||
	    (d.omit & audit_stage_bit(stage)) != 0)) {
		buf_free(&actor);
		buf_free(&headers);
		buf_free(&body);
		return 0;
	}
	memset(&e, 0, sizeof(e));
	e.kind = "api";
	e.stage = stage;
	e.source = "authz";
	e.action = c->rm.action;
	e.outcome = outcome;
	e.actor_json = actor.data;
	e.actor_len = actor.len;
	e.audit_rule = d.rule;
	e.has_request = 1;
	snprintf(e.req.id, sizeof(e.req.id), "%s", id);
	e.req.method = c->m.method;
	e.req.method_len = c->m.method_len;
	e.req.path = c->m.uri;
	e.req.path_len = q ? (size_t)(q - c->m.uri) : c->m.uri_len;
	e.req.api_version = c->rm.api_version;
	if (c->query.len > 0) {
		e.req.query_json = c->query.data;
		e.req.query_len = c->query.len;
		qroot = json_parse(c->query.data, c->query.len, NULL);
	}
	if ((ua = authz_msg_header(&c->m, "User-Agent", &ual)) != NULL) {
		e.req.user_agent = ua;
		e.req.user_agent_len = ual < 1000 ? ual : 1000;
	}
	cl = authz_msg_header(&c->m, "Content-Length", &cll);
	e.req.bytes = c->m.has_req_body ? (int64_t)c->m.req_body_len :
	    cl ? atoll(cl) : -1;
	if (request_stage) {
		render_headers(c, &headers);
		if (headers.len > 0) {
			e.req.headers_json = headers.data;
			e.req.headers_len = headers.len;
		}
		if (c->body != NULL && level >= LEVEL_REQUEST) {
			struct jw w;

			jw_init(&w, &body);
			redact_json(c->rm.action, c->body, &w, NULL);
			e.req.body_json = body.data;
			e.req.body_len = body.len;
		}
		if (!c->m.has_req_body && cl != NULL && atoll(cl) > 0)
			e.req.body_truncated = 1;
	}
	if (c->security.len > 0) {
		e.security_json = c->security.data;
		e.security_len = c->security.len;
	}
	if (!request_stage || error != NULL) {
		e.has_response = 1;
		e.resp.status = request_stage ? 403 : c->m.status;
		e.resp.bytes = request_stage ? -1 : c->m.has_resp_body ?
		    (int64_t)c->m.resp_body_len : -1;
		e.resp.error = error;
		e.resp.error_len = error ? strlen(error) : 0;
	}
	if (c->rm.object_ref[0] != '\0') {
		if (looks_like_id(c->rm.object_ref))
			snprintf(obj_id, sizeof(obj_id), "%s", c->rm.object_ref);
		else
			snprintf(obj_name, sizeof(obj_name), "%s",
			    c->rm.object_ref);
	}
	extract_object_buf(c->rm.action, c->body, qroot, &name, &image,
	    imgbuf, sizeof(imgbuf));
	if (name != NULL && obj_name[0] == '\0')
		snprintf(obj_name, sizeof(obj_name), "%s", name);
	e.obj.type = c->rm.object_type;
	e.obj.id = obj_id;
	e.obj.name = obj_name;
	e.obj.image = image;
	if (detail_json != NULL) {
		e.detail_json = detail_json;
		e.detail_len = strlen(detail_json);
	}
	buf_reset(&a->scratch);
	rc = evt_render(&e, &a->scratch);
	if (rc == 0)
		rc = (wait ? jrn_submit : jrn_submit_lazy)(a->j, a->scratch.data,
		    a->scratch.len, ticket);
	if (rc != 0)
		a->st.records_dropped++;
	json_free(qroot);
	buf_free(&actor);
	buf_free(&headers);
	buf_free(&body);
	return rc;
}

int
az_record_alert(struct authz *a, const char *rule, const char *title,
    const char *level, const char *trigger_id, const char *reason,
    const struct az_call *c)
{
	const char *q = memchr(c->m.uri, '?', c->m.uri_len);
	struct alert al = {
		.source = "authz", .rule = rule, .title = title, .level = level,
		.tag = strstr(rule, "bypass") || strstr(rule, "uncertain") ?
		    "attack.defense_evasion" : "attack.privilege_escalation",
		.trigger_id = trigger_id, .reason = reason,
		.method = c->m.method, .method_len = c->m.method_len,
		.path = c->m.uri,
		.path_len = q ? (size_t)(q - c->m.uri) : c->m.uri_len,
		.action = c->rm.action,
	};
	int rc;

	buf_reset(&a->scratch);
	rc = alert_render(&al, &a->scratch);
	if (rc == 0)
		rc = jrn_submit_lazy(a->j, a->scratch.data, a->scratch.len, NULL);
	if (rc != 0)
		a->st.records_dropped++;
	return rc;
}

void
az_record_unparsed(struct authz *a, int is_res, const char *why)
{
	struct evt e;
	struct buf detail;
	struct jw w;

	buf_init(&detail, 4096);
	jw_init(&w, &detail);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "endpoint", is_res ? "AuthZPlugin.AuthZRes" :
	    "AuthZPlugin.AuthZReq");
	jw_str(&w, "error", why);
	jw_str(&w, "answer", is_res ? "allow" : "deny");
	jw_obj_end(&w);
	memset(&e, 0, sizeof(e));
	e.kind = "audit";
	e.source = "authz";
	e.action = "authz.bad_request";
	e.outcome = is_res ? "failure" : "denied";
	e.detail_json = detail.data;
	e.detail_len = detail.len;
	buf_reset(&a->scratch);
	if (evt_render(&e, &a->scratch) != 0 ||
	    jrn_submit_lazy(a->j, a->scratch.data, a->scratch.len, NULL) != 0)
		a->st.records_dropped++;
	buf_free(&detail);
}
