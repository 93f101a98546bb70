/* proxy_request.c -- client bytes to calls: heads, bodies, write-ahead.
 *
 * For each request on a connection: parse the head strictly, classify the
 * route, hold a JSON body (up to body_limit) so its security settings can
 * be extracted, queue the request record, and -- for a mutating call --
 * forward only once the journal says that record is durable.  Everything
 * else streams.  Bytes after a request are not parsed until its response
 * has completed, so a pipelined or upgraded connection never splices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "base/clock.h"
#include "base/log.h"
#include "capture/bodyread.h"
#include "capture/callmark.h"
#include "capture/inflight.h"
#include "capture/proxy_int.h"
#include "capture/query.h"
#include "journal/journal.h"
#include "json/json.h"
#include "policy/auditpolicy.h"
#include "policy/policy.h"

void
px_call_reset(struct conn *c)
{
	struct call *k = &c->call;

	buf_free(&k->path);
	buf_free(&k->query);
	buf_free(&k->target);
	buf_free(&k->ua);
	buf_free(&k->headers);
	buf_free(&k->body);
	buf_free(&k->security);
	buf_free(&k->capture);
	buf_free(&k->raw);
	if (k->inflight)
		inflight_del(k->req_id);
	memset(k, 0, sizeof(*k));
	c->call_active = 0;
}

static void
call_begin(struct conn *c)
{
	struct call *k = &c->call;

	px_call_reset(c);
	c->call_active = 1;
	evt_uuid(k->req_id);
	k->t0 = clock_mono_ns();
	k->outcome = "pending";
	buf_init(&k->path, PX_PATH_MAX);
	buf_init(&k->query, BUF_UNLIMITED);
	buf_init(&k->target, BUF_UNLIMITED);
	buf_init(&k->ua, 1024);
	buf_init(&k->headers, 16 * 1024);
	buf_init(&k->body, BUF_UNLIMITED);
	buf_init(&k->security, BUF_UNLIMITED);
	buf_init(&k->capture, PX_CAPTURE_MAX);
	buf_init(&k->raw, c->px->cfg.body_limit);
}

/* Answer a request we will not forward, and record it.  The connection is
 * closed after the answer: after a framing error we cannot know where the
 * next request would start. */
static void
reject(struct conn *c, int status, const char *why)
{
	struct proxy *px = c->px;
	char msg[256];

	if (!c->call_active) {
		call_begin(c);
		actions_classify("", "", 0, &c->call.rm);
	}
	px->st.bad_requests++;
	c->call.status = status;
	c->call.responded = 1;
	px_emit(c, "request", "failure", 1, why, strlen(why), NULL, NULL);
	snprintf(msg, sizeof(msg), "dockaudit: %s", why);
	px_call_reset(c);
	px_respond_local(c, status, msg);
}

void
px_request_timeout(struct conn *c)
{
	char why[96];

	snprintf(why, sizeof(why), "request not received within %d s",
	    c->px->cfg.header_timeout_s);
	reject(c, 408, why);
}

/* Refuse a call whose head or JSON body would need a buffer to grow while
 * all connections together hold limits.buffered_bytes: nothing of it was
 * forwarded, it is recorded, and the client is told to retry.  (Waiting
 * instead could deadlock: every holder of the budget may be a partial
 * body waiting for room.) */
void
px_request_over_budget(struct conn *c)
{
	char why[200];

	c->px->st.buffered_refused++;
	snprintf(why, sizeof(why), "proxy busy: connection buffers hold %llu "
	    "bytes, limits.buffered_bytes is %zu; the call was not forwarded, "
	    "retry it", (unsigned long long)c->px->st.buffered_bytes,
	    c->px->cfg.buffered_limit);
	reject(c, 503, why);
}

/* Refuse a mutating call because its record cannot be made durable. */
static void
deny_journal(struct conn *c)
{
	static const char why[] = "audit journal unavailable; mutating calls "
	    "are refused until it recovers (on_failure: block)";

	c->px->st.denied_journal++;
	c->call.status = 503;
	c->call.responded = 1;
	px_emit(c, "response", "denied", 1, why, sizeof(why) - 1, NULL, NULL);
	px_call_reset(c);
	px_respond_local(c, 503, "dockaudit: audit journal unavailable; "
	    "mutating calls are refused until it recovers");
}

/* The one place that decides whether the proxy holds a request's body
 * to read it as dockerd will (1) or streams it unread (0), and notes in
 * k->doubt what it cannot read exactly.  dockerd's side is in
 * capture/bodyread.c (which routes decode JSON, and whether they check
 * Content-Type first); the Content-Type is the FIRST header, read as Go's
 * mime.ParseMediaType reads it (http/mediatype.c).  A body on a route that
 * decodes JSON is held whatever its Content-Type: extracting what dockerd
 * then refuses over-reports, never under-reports.  Other JSON bodies are
 * held to be recorded.  (Form bodies, which Go's ParseForm reads, belong
 * here too.) */
static int
body_wanted(struct conn *c, const struct http_head *h)
{
	struct call *k = &c->call;
	const struct http_header *ct = http_header_get(h, "Content-Type");
	const char *ctv = ct ? ct->value : NULL;
	size_t ctl = ct ? ct->value_len : 0;
	unsigned br = bodyread_route(k->rm.action, k->rm.api_version);
	int has_body = k->rqf.chunked || k->rqf.length > 0;
	int json;

	if (!has_body)
		return 0;
	json = http_check_for_json(ctv, ctl, has_body);
	if (br & BR_JSON) {
		if ((br & BR_CT_CHECKED) && json == HTTP_MT_UNSURE)
			extract_doubt_add(&k->doubt, DOUBT_CT_UNSURE);
		else if ((br & BR_CT_CHECKED) && json != HTTP_MT_MATCH)
			extract_doubt_add(&k->doubt, DOUBT_CT_NOT_JSON);
		return 1;
	}
	if ((br & BR_UNKNOWN) && (k->rm.flags & ROUTE_MUTATING))
		extract_doubt_add(&k->doubt, DOUBT_UNKNOWN_ROUTE);
	if ((br & BR_MULTIPART) && http_media_type_is(ctv, ctl,
	    "multipart/form-data") != HTTP_MT_OTHER)
		extract_doubt_add(&k->doubt, DOUBT_MULTIPART);
	/* an urlencoded form: dockerd reads its values before the query's
	 * (capture/query.h); px_request_body reads it as a form */
	if ((k->body_kind & ~QUERY_CT_UNSURE) == QUERY_BODY_FORM)
		return 1;
	return json != HTTP_MT_OTHER;
}

/* The body is not read (larger than limits.body_bytes): the record is
 * unsure where the body carries settings. */
static void
body_unread(struct conn *c)
{
	struct call *k = &c->call;

	k->truncated = 1;
	if (bodyread_route(k->rm.action, k->rm.api_version) & BR_SETTINGS)
		extract_doubt_add(&k->doubt, DOUBT_BODY_UNREAD);
	px_request_body(c, NULL, 0);
}

static int
is_header(const char *line, size_t n, const char *name)
{
	size_t nl = strlen(name);

	return n > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0;
}

/* Rebuild the head: without its Expect header (we already said 100),
 * without any X-Dockaudit-Call a client sent (never trusted), and with
 * our own mark for the AuthZ plugin when a key is loaded. */
static void
rewrite_head(struct conn *c)
{
	struct call *k = &c->call;
	const char *p = c->cin.data, *end = p + k->head_len;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	int first = 1;

	buf_reset(&c->up_head);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t)(next - p);

		if (!(k->strip_expect && is_header(p, n, "Expect")) &&
		    !is_header(p, n, CALLMARK_HEADER))
			buf_append(&c->up_head, p, n);
		if (first && callmark_enabled() && eol != NULL) {
			/* request line: METHOD SP target SP version */
			const char *sp1 = memchr(c->cin.data, ' ',
			    (size_t)(eol - c->cin.data));
			const char *sp2 = sp1 ? memchr(sp1 + 1, ' ',
			    (size_t)(eol - sp1 - 1)) : NULL;
			char mark[CALLMARK_MAX];
			size_t ml = 0;

			if (sp2 != NULL)
				ml = callmark_make(k->req_id,
				    clock_now_ns() / 1000000,
				    k->body_held ? k->body_sha : NULL,
				    k->method, strlen(k->method), sp1 + 1,
				    (size_t)(sp2 - sp1 - 1), mark);
			if (ml > 0) {	/* 0: no MAC could be made, no mark */
				buf_puts(&c->up_head, CALLMARK_HEADER ": ");
				buf_append(&c->up_head, mark, ml);
				buf_puts(&c->up_head, "\r\n");
			}
		}
		first = 0;
		p = next;
	}
	buf_consume(&c->cin, k->head_len);
	c->cin_seen -= k->head_len;
	k->head_len = 0;
}

static void
forward_now(struct conn *c)
{
	struct call *k = &c->call;
	char why[256];

	if (px_connect_upstream(c) != 0) {
		snprintf(why, sizeof(why),
		    "cannot reach the Docker daemon at %s: %s (is dockerd "
		    "running on the backend socket?)", c->px->cfg.backend,
		    strerror(errno));
		k->status = 502;
		k->responded = 1;
		px_emit(c, "response", "failure", 1, why, strlen(why), NULL, NULL);
		px_call_reset(c);
		px_respond_local(c, 502, why);
		return;
	}
	if (k->strip_expect || callmark_enabled() || k->client_mark)
		rewrite_head(c);
	if (inflight_enabled() && inflight_put(k->req_id, k->security.data,
	    k->security.len, c->actor, c->actor_len, k->body_held) == 0)
		k->inflight = 1;
	c->cin_fwd = c->cin_seen;
	c->rs = RS_HEAD;
	if (k->rqf.chunked)
		c->rq = k->rqck.done ? RQ_SENT : RQ_BODY_STREAM;
	else
		c->rq = k->req_remaining > 0 ? RQ_BODY_STREAM : RQ_SENT;
}

/* Enforce mode without a plugin: judge the call on what we extracted.
 * A deny rule answers 403; a call the record cannot describe exactly
 * (k->doubt) answers 400 naming why.  Returns 1 when it was refused
 * (answered and recorded denied). */
static int
policy_refuses(struct conn *c)
{
	const struct policy *pol = c->px->cfg.policy;
	struct call *k = &c->call;
	const struct policy_rule *rule = NULL;
	struct json *sec = NULL, *actor;
	char msg[600], full[1200];
	const char *colon;
	int status = 403;

	if (pol == NULL || !pol->enforce)
		return 0;
	if (pol->nrules > 0) {
		actor = json_parse(c->actor, c->actor_len, NULL);
		if (k->security.len > 0 && (colon = memchr(k->security.data,
		    ':', k->security.len)) != NULL)
			sec = json_parse(colon + 1, k->security.len -
			    (size_t)(colon + 1 - k->security.data), NULL);
		rule = policy_match(pol, k->rm.action, sec,
		    json_str(json_get(actor, "user")),
		    json_str(json_get(actor, "login_user")));
		json_free(sec);
		json_free(actor);
	}
	if (rule != NULL) {
		policy_message(rule, msg, sizeof(msg));
		snprintf(full, sizeof(full), "authorization denied by "
		    "dockaudit: %s", msg);
	} else if (k->doubt.n > 0 && (k->rm.flags & ROUTE_MUTATING)) {
		size_t o = 0;

		msg[0] = '\0';
		for (size_t i = 0; i < k->doubt.n && o < sizeof(msg); i++)
			o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s%s",
			    i ? "; " : "", k->doubt.reason[i]);
		snprintf(full, sizeof(full), "dockaudit: this call cannot be "
		    "recorded exactly as dockerd would read it (%s); refused "
		    "(policy.mode: enforce)", msg);
		status = 400;
	} else if (pol->nrules > 0 && k->truncated &&
	    policy_body_bearing(k->rm.action)) {
		snprintf(full, sizeof(full), "authorization denied by "
		    "dockaudit: dockaudit policy: the request body is larger "
		    "than limits.body_bytes, so it cannot be judged; denied");
	} else {
		return 0;
	}
	c->call.status = status;
	c->call.responded = 1;
	px_emit(c, "request", "denied", 1, full, strlen(full), NULL, NULL);
	px_call_reset(c);
	px_respond_local(c, status, full);
	return 1;
}

/* The request record is written (or not needed): forward or wait. */
static void
record_and_forward(struct conn *c)
{
	struct proxy *px = c->px;
	struct call *k = &c->call;
	int mutating = (k->rm.flags & ROUTE_MUTATING) != 0;
	int rc;

	c->head_start = 0;
	if (k->body_invalid && mutating) {
		/* dockerd decodes more leniently in places (nesting depth);
		 * a state change we cannot describe is not let through. */
		char why[DA_ERRLEN + 96];

		snprintf(why, sizeof(why), "request body is not JSON dockaudit "
		    "can audit (%s); refusing the call", k->body_error);
		reject(c, 400, why);
		return;
	}
	if (policy_refuses(c))
		return;
	if (k->level == LEVEL_NONE && !mutating) {
		forward_now(c);
		return;
	}
	rc = px_emit(c, "request", "pending", 0, NULL, 0, NULL, &k->ticket);
	k->recorded = rc == 0;
	if (!mutating) {
		forward_now(c);
		return;
	}
	if (rc != 0 || !jrn_healthy(px->j)) {
		if (px->cfg.on_failure_block) {
			deny_journal(c);
			return;
		}
		px->st.forwarded_unrecorded++;
		forward_now(c);
		return;
	}
	if (k->ticket <= jrn_durable(px->j)) {
		forward_now(c);
		return;
	}
	c->rq = RQ_WAIT_DURABLE;
	c->waiting = 1;
	c->wnext = NULL;
	if (px->wait_tail)
		px->wait_tail->wnext = c;
	else
		px->wait_head = c;
	px->wait_tail = c;
}

void
px_request_durable(struct conn *c)
{
	struct proxy *px = c->px;

	if (c->rq != RQ_WAIT_DURABLE)
		return;
	if (c->call.ticket <= jrn_durable(px->j)) {
		forward_now(c);
	} else if (px->cfg.on_failure_block) {
		deny_journal(c);
	} else {
		px->st.forwarded_unrecorded++;
		forward_now(c);
	}
}

static int
parse_head(struct conn *c)
{
	struct proxy *px = c->px;
	struct call *k = &c->call;
	struct http_head h;
	const char *why = NULL;
	size_t skip = 0;
	int rc, status = 400, want;

	if (c->cin_fwd > 0 || c->up_head.len > 0 || c->call_active ||
	    c->rs != RS_IDLE)
		return 0;
	while (skip < c->cin.len &&
	    (c->cin.data[skip] == '\r' || c->cin.data[skip] == '\n'))
		skip++;
	if (skip > 0) {
		buf_consume(&c->cin, skip);
		c->cin_seen = 0;
	}
	if (c->cin.len == 0) {
		c->head_start = 0;
		return 0;
	}
	if (c->head_start == 0)
		c->head_start = clock_mono_ns();
	rc = http_parse_request(c->cin.data, c->cin.len, px->cfg.head_limit, &h,
	    &status, &why);
	if (rc == HTTP_INCOMPLETE) {
		if (c->c_eof)
			reject(c, 400, "connection closed inside a request head");
		return c->c_eof;
	}
	if (rc == HTTP_BAD) {
		reject(c, status, why);
		return 1;
	}
	px->st.requests++;
	call_begin(c);
	k->head_len = (size_t)rc;
	c->cin_seen = k->head_len;
	if (h.method_len >= sizeof(k->method)) {
		reject(c, 501, "unsupported request method (longer than 15 bytes)");
		return 1;
	}
	memcpy(k->method, h.method, h.method_len);
	k->method[h.method_len] = '\0';
	actions_classify(k->method, h.target, h.target_len, &k->rm);
	px_request_details(c, &h);
	k->client_mark = http_header_get(&h, CALLMARK_HEADER) != NULL;
	if (http_request_framing(&h, &k->rqf, &status, &why) != 0) {
		reject(c, status, why);
		return 1;
	}
	{
		struct audit_decision d;

		audit_level_for(px->cfg.audit_rules, px->cfg.level_write,
		    px->cfg.level_read, k->rm.action,
		    (k->rm.flags & ROUTE_MUTATING) != 0, c->actor, c->actor_len,
		    &d);
		k->level = d.level;
		k->omit = d.omit;
		k->audit_rule = d.rule;
	}
	k->req_remaining = k->rqf.chunked ? 0 : k->rqf.length;
	k->req_bytes = k->rqf.chunked ? -1 : k->rqf.length;
	want = body_wanted(c, &h);
	if (want && px->cfg.body_limit == 0) {
		body_unread(c);
		record_and_forward(c);
		return 1;
	}
	if (want) {
		c->rq = RQ_BODY_BUFFER;
		c->head_start = clock_mono_ns();	/* body deadline */
		if (k->rqf.expect_continue) {
			buf_puts(&c->to_client, "HTTP/1.1 100 Continue\r\n\r\n");
			k->strip_expect = 1;
		}
		return 1;
	}
	if (!k->rqf.chunked && k->rqf.length <= 0) {
		/* no body: the empty body is all there is */
		SHA256((const unsigned char *)"", 0, k->body_sha);
		k->body_held = 1;
	}
	px_request_body(c, NULL, 0);
	record_and_forward(c);
	return 1;
}

/* Accumulate a JSON body; then extract, record and forward. */
static int
buffer_body(struct conn *c)
{
	struct call *k = &c->call;
	size_t limit = c->px->cfg.body_limit;

	if (k->rqf.chunked) {
		const char *why = NULL;
		int overflow = 0;
		long used;

		used = http_chunked_feed(&k->rqck, c->cin.data + c->cin_seen,
		    c->cin.len - c->cin_seen, &k->raw, &overflow, &why);
		if (used < 0) {
			reject(c, 400, why);
			return 1;
		}
		c->cin_seen += (size_t)used;
		if (overflow) {
			k->req_wire = (int64_t)(c->cin_seen - k->head_len);
			body_unread(c);
			record_and_forward(c);
			return 1;
		}
		if (k->rqck.done) {
			k->req_bytes = (int64_t)k->raw.len;
			SHA256((const unsigned char *)(k->raw.data ? k->raw.data :
			    ""), k->raw.len, k->body_sha);
			k->body_held = 1;
			px_request_body(c, k->raw.data, k->raw.len);
			buf_free(&k->raw);
			record_and_forward(c);
			return 1;
		}
	} else if ((uint64_t)k->rqf.length > limit) {
		body_unread(c);
		record_and_forward(c);
		return 1;
	} else if (c->cin.len - k->head_len >= (size_t)k->rqf.length) {
		SHA256((const unsigned char *)c->cin.data + k->head_len,
		    (size_t)k->rqf.length, k->body_sha);
		k->body_held = 1;
		px_request_body(c, c->cin.data + k->head_len,
		    (size_t)k->rqf.length);
		c->cin_seen = k->head_len + (size_t)k->rqf.length;
		k->req_remaining = 0;
		record_and_forward(c);
		return 1;
	}
	if (c->c_eof) {
		reject(c, 400, "connection closed inside a request body");
		return 1;
	}
	return 0;
}

/* Pass the rest of a body through, finding where it ends. */
static int
stream_body(struct conn *c)
{
	struct call *k = &c->call;
	size_t avail = c->cin.len - c->cin_seen;

	if (avail == 0)
		return 0;
	if (k->rqf.chunked) {
		const char *why = NULL;
		int overflow = 0;
		long used = http_chunked_feed(&k->rqck, c->cin.data + c->cin_seen,
		    avail, NULL, &overflow, &why);

		if (used < 0) {
			/* Head already forwarded: dockerd sees a broken body
			 * too.  Record why and drop the connection. */
			k->status = 400;
			k->responded = 1;
			px_emit(c, "response", "failure", 1, why, strlen(why),
			    NULL, NULL);
			px_call_reset(c);
			px_conn_close(c);
			return 1;
		}
		c->cin_seen += (size_t)used;
		k->req_wire += used;
		if (k->rqck.done)
			c->rq = RQ_SENT;
	} else {
		size_t take = avail < (uint64_t)k->req_remaining ? avail :
		    (size_t)k->req_remaining;

		c->cin_seen += take;
		k->req_remaining -= (int64_t)take;
		if (k->req_remaining == 0)
			c->rq = RQ_SENT;
	}
	c->cin_fwd = c->cin_seen;
	return 1;
}

int
px_request_progress(struct conn *c)
{
	switch (c->rq) {
	case RQ_HEAD:
		return parse_head(c);
	case RQ_BODY_BUFFER:
		return buffer_body(c);
	case RQ_BODY_STREAM:
		return stream_body(c);
	case RQ_TUNNEL:
		if (c->cin.len > c->cin_fwd) {
			c->cin_fwd = c->cin_seen = c->cin.len;
			return 1;
		}
		return 0;
	case RQ_WAIT_DURABLE:
	case RQ_SENT:
	case RQ_DEAD:
		break;
	}
	return 0;
}
