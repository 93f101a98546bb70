/* proxy_record.c -- what the proxy writes about a call: request details
 * (path, query, headers, object), extraction from the JSON body, the ids
 * dockerd answers with, outcomes, and the journal submission itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "capture/bodyread.h"
#include "capture/proxy_int.h"
#include "capture/query.h"
#include "capture/recent.h"
#include "policy/auditpolicy.h"
#include "event/alert.h"
#include "event/extract.h"
#include "event/redact.h"
#include "journal/journal.h"
#include "json/json.h"


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

static const char *recorded_headers[] = {
	"Content-Type", "Upgrade", "X-Registry-Auth", "X-Registry-Config",
	"Authorization", NULL
};

static void
render_headers(struct call *k, const struct http_head *h)
{
	struct jw w;
	int any = 0;

	jw_init(&w, &k->headers);
	for (int i = 0; recorded_headers[i] != NULL; i++) {
		const struct http_header *hd = http_header_get(h, recorded_headers[i]);

		if (hd == NULL)
			continue;
		if (!any++)
			jw_obj_begin(&w, NULL);
		if (redact_header_is_secret(hd->name, hd->name_len))
			redact_write_secret(&w, recorded_headers[i], hd->value,
			    hd->value_len);
		else
			jw_strn(&w, recorded_headers[i], hd->value, hd->value_len);
	}
	if (any)
		jw_obj_end(&w);
}

/* The parameters as dockerd reads them: the action they select and
 * request.query (capture/query.h); body is an urlencoded form body when
 * held whole. */
static void
read_query(struct call *k, const char *body, size_t n, int unseen,
    struct extract_doubt *doubt)
{
	struct query_call qc;

	memset(&qc, 0, sizeof(qc));
	qc.method = k->method;
	qc.target = k->target.data != NULL ? k->target.data : "";
	qc.target_len = k->target.len;
	qc.body_kind = k->body_kind;
	qc.body = body;
	qc.body_len = n;
	qc.body_unseen = unseen;
	query_record(&qc, &k->rm, &k->query, doubt);
}

void
px_request_details(struct conn *c, const struct http_head *h)
{
	struct call *k = &c->call;
	const char *t = h->target, *q;
	size_t tl = h->target_len;
	const struct http_header *ua;

	const struct http_header *ct = http_header_get(h, "Content-Type");

	q = memchr(t, '?', tl);
	buf_append(&k->path, t, (size_t)((q ? q : t + tl) - t) < PX_PATH_MAX ?
	    (size_t)((q ? q : t + tl) - t) : PX_PATH_MAX - 1);
	buf_append(&k->target, t, tl);
	k->body_kind = ct != NULL ? query_body_kind(k->method, ct->value,
	    ct->value_len) : QUERY_BODY_NONE;
	read_query(k, NULL, 0, 0, NULL);
	if ((ua = http_header_get(h, "User-Agent")) != NULL)
		buf_append(&k->ua, ua->value, ua->value_len < 1000 ?
		    ua->value_len : 1000);
	render_headers(k, h);
	if (k->rm.object_ref[0] != '\0') {
		if (looks_like_id(k->rm.object_ref))
			snprintf(k->obj_id, sizeof(k->obj_id), "%s",
			    k->rm.object_ref);
		else
			snprintf(k->obj_name, sizeof(k->obj_name), "%s",
			    k->rm.object_ref);
	}
}

/* Extract security settings and names; keep the redacted body when the
 * audit level asks for it.  body may be NULL (no JSON body, or too big). */
void
px_request_body(struct conn *c, const char *body, size_t n)
{
	struct call *k = &c->call;
	struct json *root = NULL, *qroot = NULL;
	char err[DA_ERRLEN] = "";
	const char *name = NULL, *image = NULL;
	size_t used = 0;
	struct jw w;

	/* the parameters again, now with the body: an urlencoded form's
	 * values come first (and are no JSON) */
	read_query(k, (k->body_kind & ~QUERY_CT_UNSURE) == QUERY_BODY_FORM ?
	    body : NULL, n, body == NULL && (k->truncated || k->rqf.chunked ||
	    k->rqf.length > 0), &k->doubt);
	/* ... and not JSON, unless the route decodes its body as JSON
	 * whatever its type (then both readings are recorded) */
	if ((k->body_kind & ~QUERY_CT_UNSURE) == QUERY_BODY_FORM &&
	    !(bodyread_route(k->rm.action, k->rm.api_version) & BR_JSON))
		body = NULL;
	if (k->query.len > 0)
		qroot = json_parse(k->query.data, k->query.len, NULL);
	/* Like dockerd's json.Decoder: the first value counts, bytes after
	 * it are ignored (and counted in the record). */
	if (body != NULL &&
	    (root = json_parse_first(body, n, &used, err)) == NULL) {
		k->body_invalid = 1;
		snprintf(k->body_error, sizeof(k->body_error), "%s", err);
		extract_doubt_add(&k->doubt, DOUBT_BODY_NOT_JSON);
		jw_init(&w, &k->security);
		w.depth = 1;		/* member text: "security":{...} */
		bodyread_security_error(&w, err, &k->doubt);
	} else {
		if (body != NULL)
			k->body_trailing = (int64_t)(n - used);
		jw_init(&w, &k->security);
		w.depth = 1;		/* member text: "security":{...} */
		extract_security(k->rm.action, k->rm.api_version[0] ?
		    k->rm.api_version : NULL, root, qroot, &k->doubt, &w);
	}
	extract_object(k->rm.action, root, qroot, &name, &image);
	if (name != NULL && k->obj_name[0] == '\0')
		snprintf(k->obj_name, sizeof(k->obj_name), "%s", name);
	if (image != NULL)
		snprintf(k->obj_image, sizeof(k->obj_image), "%s", image);
	if (root != NULL && k->level >= LEVEL_REQUEST) {
		jw_init(&w, &k->body);
		redact_json(k->rm.action, root, &w, NULL);
	}
	json_free(root);
	json_free(qroot);
}

/* The id a create call answers with: {"Id":"..."} (or a volume's Name). */
void
px_response_details(struct conn *c)
{
	struct call *k = &c->call;
	const struct json *v;
	struct json *j;

	if (k->status >= 300 || k->capture.len == 0 || k->capture_tail ||
	    strstr(k->rm.action, "create") == NULL)
		return;
	if ((j = json_parse(k->capture.data, k->capture.len, NULL)) == NULL)
		return;
	if (json_type(v = json_get(j, "Id")) == JSON_STRING && k->obj_id[0] == '\0')
		snprintf(k->obj_id, sizeof(k->obj_id), "%s", json_str(v));
	else if (json_type(v = json_get(j, "Name")) == JSON_STRING &&
	    k->obj_name[0] == '\0')
		snprintf(k->obj_name, sizeof(k->obj_name), "%s", json_str(v));
	json_free(j);
}

const char *
px_outcome_for(int status, const char *err, size_t errlen)
{
	if (status == 0)
		return "failure";
	if (status < 400)
		return "success";
	if (status == 403 && err != NULL &&
	    memmem(err, errlen, "authorization denied", 20) != NULL)
		return "denied";
	return "failure";
}

/* The alert that goes with a request record the record itself is unsure
 * of (k->doubt): written whatever the policy mode. */
static void
alert_uncertain(struct conn *c)
{
	struct proxy *px = c->px;
	struct call *k = &c->call;
	char reason[1024];
	size_t o = 0;
	struct alert al = {
		.source = "proxy", .rule = "dockaudit.record.uncertain",
		.title = "The record may not say everything dockerd will do "
		    "with this call", .level = "high",
		.tag = "attack.defense_evasion", .trigger_id = k->req_id,
		.reason = reason, .method = k->method,
		.method_len = strlen(k->method),
		.path = k->path.data ? k->path.data : "",
		.path_len = k->path.len, .action = k->rm.action,
	};

	reason[0] = '\0';
	for (size_t i = 0; i < k->doubt.n && o < sizeof(reason); i++)
		o += (size_t)snprintf(reason + o, sizeof(reason) - o, "%s%s",
		    i ? "; " : "", k->doubt.reason[i]);
	buf_reset(&px->scratch);
	if (alert_render(&al, &px->scratch) != 0 ||
	    jrn_submit_lazy(px->j, px->scratch.data, px->scratch.len,
	    NULL) != 0)
		px->st.records_dropped++;
}

/* request_response: a whole JSON reply of a successful, unstreamed call
 * (up to PX_CAPTURE_MAX bytes), redacted like request bodies. */
static void
response_body(struct call *k, const char *stage, struct buf *out,
    struct evt *e)
{
	struct json *root;
	struct jw w;

	if (k->level != LEVEL_REQUEST_RESPONSE || strcmp(stage, "response") ||
	    k->status >= 400 || k->streamed || k->capture_tail ||
	    k->capture_cut || k->capture.len == 0)
		return;
	if ((root = json_parse(k->capture.data, k->capture.len, NULL)) == NULL)
		return;
	jw_init(&w, out);
	redact_json(k->rm.action, root, &w, NULL);
	json_free(root);
	if (w.err == 0 && out->len > 0) {
		e->resp.body_json = out->data;
		e->resp.body_len = out->len;
	}
}

int
px_emit(struct conn *c, const char *stage, const char *outcome,
    int with_response, const char *error, size_t error_len,
    const char *session_end, uint64_t *ticket)
{
	struct proxy *px = c->px;
	struct call *k = &c->call;
	int64_t now = clock_mono_ns();
	int request_stage = strcmp(stage, "request") == 0;
	struct buf rbody;
	struct evt e;
	int rc;

	/* Level none silences reads, but never a failure. */
	if (k->level == LEVEL_NONE && !(k->rm.flags & ROUTE_MUTATING) &&
	    strcmp(outcome, "failure") != 0)
		return 0;
	/* So do omitted stages (audit.rules; never a mutating request). */
	if ((k->omit & audit_stage_bit(stage)) != 0 &&
	    strcmp(outcome, "failure") != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	buf_init(&rbody, BUF_UNLIMITED);
	e.kind = "api";
	e.stage = stage;
	e.source = "proxy";
	e.action = k->rm.action;
	e.outcome = outcome;
	e.actor_json = c->actor;
	e.actor_len = c->actor_len;
	e.audit_rule = k->audit_rule;
	e.has_request = 1;
	memcpy(e.req.id, k->req_id, sizeof(e.req.id));
	e.req.method = k->method;
	e.req.method_len = strlen(k->method);
	e.req.path = k->path.data ? k->path.data : "";
	e.req.path_len = k->path.len;
	e.req.api_version = k->rm.api_version;
	if (k->query.len > 0) {
		e.req.query_json = k->query.data;
		e.req.query_len = k->query.len;
	}
	if (k->ua.len > 0) {
		e.req.user_agent = k->ua.data;
		e.req.user_agent_len = k->ua.len;
	}
	/* A chunked body's size is known only once it has passed. */
	e.req.bytes = k->req_bytes >= 0 ? k->req_bytes :
	    request_stage ? -1 : k->req_wire;
	if (request_stage) {
		if (k->headers.len > 0) {
			e.req.headers_json = k->headers.data;
			e.req.headers_len = k->headers.len;
		}
		if (k->body.len > 0) {
			e.req.body_json = k->body.data;
			e.req.body_len = k->body.len;
		}
		e.req.body_truncated = k->truncated;
		e.req.body_trailing = k->body_trailing;
		if (k->security.len > 0) {
			e.security_json = k->security.data;
			e.security_len = k->security.len;
		}
	}
	if (with_response) {
		e.has_response = 1;
		e.resp.status = k->status;
		e.resp.bytes = k->resp_bytes;
		e.resp.duration_us = k->t0 ? (now - k->t0) / 1000 : 0;
		e.resp.error = error;
		e.resp.error_len = error_len;
		response_body(k, stage, &rbody, &e);
	}
	if (session_end != NULL && strcmp(stage, "session") == 0) {
		e.has_session = 1;
		e.sess.duration_us = e.resp.duration_us;
		/* sent so far, plus what is queued for this call */
		e.sess.bytes_in = k->bytes_in + (int64_t)(c->cin_fwd +
		    c->up_head.len);
		e.sess.bytes_out = k->bytes_out + (int64_t)c->uin_fwd;
		e.sess.end = session_end;
	}
	e.obj.type = k->rm.object_type;
	e.obj.id = k->obj_id;
	e.obj.name = k->obj_name;
	e.obj.image = k->obj_image;
	if (k->rm.flags & ROUTE_MUTATING)	/* events link back to it */
		recent_note(k->req_id, k->rm.action, k->rm.object_type, k->obj_id,
		    k->obj_name, with_response ? k->status : 0, c->actor, c->actor_len);
	buf_reset(&px->scratch);
	/* Only a write-ahead record makes the writer hurry; the rest ride
	 * along in the next group commit. */
	rc = evt_render(&e, &px->scratch);
	buf_free(&rbody);
	if (rc != 0 ||
	    (rc = (request_stage && (k->rm.flags & ROUTE_MUTATING) ?
	    jrn_submit : jrn_submit_lazy)(px->j, px->scratch.data,
	    px->scratch.len, ticket)) != 0) {
		px->st.records_dropped++;
		return -1;
	}
	if (request_stage && k->doubt.n > 0)
		alert_uncertain(c);
	return rc;
}
