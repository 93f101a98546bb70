/* authz_decide.c -- what the AuthZ plugin answers, and why.
 *
 * Correlation: a call is the proxy's when its X-Dockaudit-Call mark has a
 * valid MAC for this method and request target, is fresh (AuthZReq only:
 * AuthZRes of hijacked calls comes when the stream ends, minutes later),
 * was not seen before in this phase (a bounded table of ids), and its body
 * digest matches RequestBody when dockerd sent one.  Anything else
 * bypassed the proxy.  Policy: see policy.h; what the plugin cannot see
 * it does not allow in enforce mode unless the proxy held the body whole
 * and judged it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "capture/authz_int.h"
#include "capture/bodyread.h"
#include "capture/inflight.h"
#include "capture/proxy.h"
#include "event/record.h"
#include "http/http.h"
#include "journal/journal.h"
#include "json/json.h"
#include "policy/policy.h"

#define BODY_OMITTED_AT	(1024 * 1024)	/* dockerd skips bodies this big */

void
authz_config_defaults(struct authz_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_skew_ms = 60000;
	cfg->durable_wait_ms = 2000;
	cfg->on_failure_block = 1;
	cfg->body_cap = 16u << 20;
	cfg->level_write = LEVEL_REQUEST;
	cfg->level_read = LEVEL_METADATA;
}

struct authz *
authz_new(struct journal *j, const struct authz_config *cfg)
{
	struct authz *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if ((a->seen = calloc(AZ_SEEN_SLOTS, sizeof(*a->seen))) == NULL) {
		free(a);
		return NULL;
	}
	a->j = j;
	a->cfg = *cfg;
	a->lh.fd = a->jh.fd = a->th.fd = a->sock.fd = -1;
	buf_init(&a->scratch, BUF_UNLIMITED);
	return a;
}

void
authz_free(struct authz *a)
{
	if (a == NULL)
		return;
	buf_free(&a->scratch);
	free(a->seen);
	free(a);
}

void
authz_get_stats(const struct authz *a, struct authz_stats *st)
{
	*st = a->st;
}

static unsigned
slot_of(const char *id)
{
	unsigned h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h & (AZ_SEEN_SLOTS - 1);
}

/* Note id as seen in phase flag; returns 1 if it had been already. */
static int
seen_mark(struct authz *a, const char *id, int64_t t_ms, unsigned flag)
{
	unsigned s = slot_of(id), victim = s;
	int64_t oldest = INT64_MAX;

	for (unsigned i = 0; i < AZ_SEEN_PROBE; i++) {
		struct az_seen *e = &a->seen[(s + i) & (AZ_SEEN_SLOTS - 1)];

		if (strcmp(e->id, id) == 0) {
			int was = (e->flags & flag) != 0;
			e->flags |= flag;
			return was;
		}
		if (e->id[0] == '\0') {
			victim = (s + i) & (AZ_SEEN_SLOTS - 1);
			oldest = INT64_MIN;
			break;
		}
		if (e->t_ms < oldest) {
			oldest = e->t_ms;
			victim = (s + i) & (AZ_SEEN_SLOTS - 1);
		}
	}
	/* Expired entries (and, under a flood, the oldest) make room: an
	 * id older than the freshness window is refused as stale anyway. */
	snprintf(a->seen[victim].id, sizeof(a->seen[victim].id), "%s", id);
	a->seen[victim].t_ms = t_ms;
	a->seen[victim].flags = flag;
	return 0;
}

/* 1 when dockerd acts on a body the plugin was not shown:
 * - 1 MiB or more (Content-Length says so): dockerd skips such bodies; on
 *   a route that decodes JSON whatever Content-Type the plugin sees (it
 *   sees the LAST header, dockerd judges the FIRST), elsewhere when Go
 *   reads the type as JSON (http_media_type_is) or there is none;
 * - any size on a mutating route whose JSON body carries settings:
 *   dockerd showed no body, so Go did not read the first Content-Type as
 *   application/json, and v20.10 decodes the swarm, checkpoint and plugin
 *   bodies anyway (not /auth: upstream dockerd never shows its body);
 * - no Content-Length (chunked, whatever its size: the plugin cannot
 *   tell) on a body-bearing call. */
static int
body_invisible(const struct az_call *c, const char **why)
{
	size_t cll = 0, ctl = 0;
	const char *cl = authz_msg_header(&c->m, "Content-Length", &cll);
	const char *ct = authz_msg_header(&c->m, "Content-Type", &ctl);
	long long len = cl ? atoll(cl) : -1;
	unsigned br = bodyread_route(c->rm.action, c->rm.api_version);
	int mutating = (c->rm.flags & ROUTE_MUTATING) != 0;

	if (c->m.has_req_body)
		return 0;
	if (cl != NULL && len >= BODY_OMITTED_AT && ((br & BR_JSON) ||
	    ct == NULL || http_media_type_is(ct, ctl, "application/json") !=
	    HTTP_MT_OTHER)) {
		*why = "the request body is 1 MiB or more, which dockerd does "
		    "not show AuthZ plugins";
		return 1;
	}
	if (cl != NULL && len > 0 && mutating && (br & BR_SETTINGS)) {
		*why = "the request body is not application/json to Go, so "
		    "dockerd did not show it to AuthZ plugins, on a route "
		    "that decodes JSON";
		return 1;
	}
	if (cl == NULL && mutating && (policy_body_bearing(c->rm.action) ||
	    (br & BR_SETTINGS))) {
		*why = "the request body is chunked or empty, which dockerd "
		    "does not show AuthZ plugins";
		return 1;
	}
	return 0;
}

/* Doubts the plugin sees on its own (the proxy adds the same ones to
 * the record of a call it forwarded). */
static void
visible_doubts(struct az_call *c)
{
	size_t cll = 0, ctl = 0;
	const char *cl = authz_msg_header(&c->m, "Content-Length", &cll);
	const char *ct = authz_msg_header(&c->m, "Content-Type", &ctl);
	unsigned br = bodyread_route(c->rm.action, c->rm.api_version);
	int has_body = c->m.has_req_body || (cl != NULL && atoll(cl) > 0);

	if (!(c->rm.flags & ROUTE_MUTATING) || !has_body)
		return;
	if (br & BR_UNKNOWN)
		extract_doubt_add(&c->doubt, DOUBT_UNKNOWN_ROUTE);
	if ((br & BR_MULTIPART) && ct != NULL && http_media_type_is(ct, ctl,
	    "multipart/form-data") != HTTP_MT_OTHER)
		extract_doubt_add(&c->doubt, DOUBT_MULTIPART);
}

/* Why the record of this call is unsure ("" when it is not): the plugin's
 * own doubts, and for a proxied call those the proxy recorded. */
static size_t
uncertain_reasons(const struct az_call *c, const struct inflight *inf,
    char *out, size_t len)
{
	size_t n = 0, o = 0;

	out[0] = '\0';
	if (!(c->rm.flags & ROUTE_MUTATING))
		return 0;
	for (size_t i = 0; i < c->doubt.n && o < len; i++, n++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "",
		    c->doubt.reason[i]);
	if (inf != NULL && inf->security != NULL && o + 2 < len) {
		struct json *sec = json_parse(inf->security, inf->security_len,
		    NULL);
		size_t k;

		if (o > 0) {
			o += (size_t)snprintf(out + o, len - o, "; ");
		}
		k = bodyread_uncertain(sec, out + o, len - o);
		if (k == 0 && o >= 2)
			out[o - 2] = '\0';	/* the "; " was for nothing */
		n += k;
		json_free(sec);
	}
	return n;
}

static void
correlate(struct authz *a, struct az_call *c)
{
	size_t vl = 0;
	const char *v = authz_msg_header(&c->m, CALLMARK_HEADER, &vl);
	int64_t now = clock_now_ns() / 1000000;

	if (v == NULL) {
		c->reason = "no header";
		return;
	}
	if (callmark_verify(v, vl, c->m.method, c->m.method_len, c->m.uri,
	    c->m.uri_len, &c->cm) != CALLMARK_VALID) {
		c->reason = "bad mac";
		return;
	}
	c->has_mark = 1;
	if (!c->is_res && (c->cm.t_ms < now - a->cfg.max_skew_ms ||
	    c->cm.t_ms > now + a->cfg.max_skew_ms)) {
		c->reason = "stale";
		return;
	}
	if (c->m.has_req_body && c->cm.has_body) {
		unsigned char md[32];

		SHA256(c->m.req_body, c->m.req_body_len, md);
		if (CRYPTO_memcmp(md, c->cm.body_sha, 32) != 0) {
			c->reason = "body mismatch";
			return;
		}
	}
	if (seen_mark(a, c->cm.id, c->cm.t_ms,
	    c->is_res ? AZ_SEEN_RES : AZ_SEEN_REQ)) {
		c->reason = "replayed";
		return;
	}
}

static uint64_t
call_key(const struct az_call *c)
{
	struct buf b;
	unsigned char md[32];
	uint64_t k;

	buf_init(&b, BUF_UNLIMITED);
	buf_append(&b, c->m.method, c->m.method_len);
	buf_putc(&b, ' ');
	buf_append(&b, c->m.uri, c->m.uri_len);
	if (c->m.req_headers)
		json_dump(c->m.req_headers, &b);
	SHA256((const unsigned char *)(b.data ? b.data : ""), b.len, md);
	memcpy(&k, md, sizeof(k));
	buf_free(&b);
	return k;
}

static void
policy_detail(struct buf *out, const char *mode, const char *rule,
    const char *msg)
{
	struct jw w;

	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	jw_obj_begin(&w, "policy");
	jw_str(&w, "mode", mode);
	jw_str(&w, "rule", rule);
	jw_str(&w, "message", msg);
	jw_obj_end(&w);
	jw_obj_end(&w);
}

static void
decide_request(struct authz *a, struct az_call *c, struct authz_decision *d)
{
	const struct policy *pol = a->cfg.policy;
	const struct inflight *inf = NULL;
	const struct policy_rule *rule = NULL;
	const char *blind_why = NULL, *uname, *lname;
	int enforce = pol != NULL && pol->enforce, blind, mutating;
	struct json *sec = NULL;
	char msg[512] = "", id[37] = "", unsure[400];
	size_t nunsure;
	struct buf detail;
	uint64_t ticket = 0;

	mutating = (c->rm.flags & ROUTE_MUTATING) != 0;
	if (c->reason == NULL)
		inf = inflight_get(c->cm.id);
	blind = body_invisible(c, &blind_why);
	/* The proxy vouches only for a body it held whole and extracted,
	 * and only in this process (the in-flight table). */
	if (blind && c->reason == NULL && c->cm.has_body && inf != NULL &&
	    inf->body_whole)
		blind = 0;
	if (blind && mutating)
		extract_doubt_add(&c->doubt, blind_why);
	visible_doubts(c);
	az_security(c, c->m.has_req_body ? NULL : inf ? inf->security : NULL,
	    inf ? inf->security_len : 0);
	nunsure = uncertain_reasons(c, inf, unsure, sizeof(unsure));
	if (inf != NULL) {
		snprintf(c->user, sizeof(c->user), "%s", inf->user);
		snprintf(c->login_user, sizeof(c->login_user), "%s",
		    inf->login_user);
	} else if (c->m.user != NULL) {
		snprintf(c->user, sizeof(c->user), "%s", c->m.user);
	}
	uname = c->user[0] ? c->user : NULL;
	lname = c->login_user[0] ? c->login_user : NULL;

	if (!blind && c->body_invalid && mutating && c->m.has_req_body) {
		blind = 1;
		blind_why = "the request body is not JSON dockaudit can audit";
	}
	if (c->security.len > 0) {
		const char *colon = memchr(c->security.data, ':',
		    c->security.len);
		if (colon != NULL)
			sec = json_parse(colon + 1, c->security.len -
			    (size_t)(colon + 1 - c->security.data), NULL);
	}
	if (pol != NULL)
		rule = policy_match(pol, c->rm.action, sec, uname, lname);
	json_free(sec);

	d->allow = 1;
	buf_init(&detail, 64 * 1024);
	if (enforce && rule != NULL) {
		policy_message(rule, msg, sizeof(msg));
		d->allow = 0;
		a->st.denied_policy++;
		policy_detail(&detail, "enforce", rule->name, msg);
	} else if (enforce && blind) {
		snprintf(msg, sizeof(msg), "dockaudit policy: %s; denied (send "
		    "the call through the dockaudit socket, or keep the body "
		    "under 1 MiB with a Content-Length)", blind_why);
		d->allow = 0;
		a->st.denied_blind++;
		policy_detail(&detail, "enforce", "body-not-visible", msg);
	} else if (enforce && nunsure > 0) {
		snprintf(msg, sizeof(msg), "dockaudit policy: this call cannot "
		    "be recorded exactly as dockerd would read it (%s); denied",
		    unsure);
		d->allow = 0;
		policy_detail(&detail, "enforce", "uncertain", msg);
	} else if (rule != NULL) {
		policy_message(rule, msg, sizeof(msg));
		policy_detail(&detail, "observe", rule->name, msg);
	} else if (blind) {
		snprintf(msg, sizeof(msg), "dockaudit policy: %s", blind_why);
		policy_detail(&detail, "observe", "body-not-visible", msg);
	}
	if (!d->allow)
		snprintf(d->msg, sizeof(d->msg), "%s", msg);

	if (c->reason == NULL) {
		a->st.proxied++;
		/* The proxy wrote the call; add only the decision. */
		if (!d->allow)
			az_record_call(a, c, "decision", c->cm.id, "denied", msg,
			    detail.data, 0, NULL);
		else if (detail.len > 0)
			az_record_alert(a, rule ? "dockaudit.policy.observe" :
			    "dockaudit.authz.body_not_visible", rule ?
			    "A call matched a deny rule (policy mode observe)" :
			    "dockerd did not show the AuthZ plugin a request body",
			    "medium", c->cm.id, msg, c);
		buf_free(&detail);
		return;
	}
	a->st.bypass++;
	evt_uuid(id);
	if (az_record_call(a, c, "request", id, d->allow ? "pending" :
	    "denied", d->allow ? NULL : msg, detail.len ? detail.data : NULL,
	    d->allow && mutating, &ticket) != 0) {
		a->st.records_dropped++;
		if (d->allow && mutating && a->cfg.on_failure_block) {
			d->allow = 0;
			a->st.denied_journal++;
			snprintf(d->msg, sizeof(d->msg), "dockaudit: the audit "
			    "journal %s cannot record this call; mutating calls "
			    "are refused until it recovers (on_failure: block)",
			    a->cfg.journal_dir ? a->cfg.journal_dir : "");
		} else if (d->allow && mutating) {
			a->st.allowed_unrecorded++;
		}
	}
	az_record_alert(a, "dockaudit.authz.bypass", "Docker API call "
	    "bypassed the dockaudit proxy", "high", id, c->reason, c);
	/* (a proxied call's uncertain alert is the proxy's) */
	if (nunsure > 0)
		az_record_alert(a, "dockaudit.record.uncertain", "The record "
		    "may not say everything dockerd will do with this call",
		    "high", id, unsure, c);
	/* remember it for its AuthZRes */
	a->ring[a->ring_next].key = call_key(c);
	memcpy(a->ring[a->ring_next].id, id, sizeof(id));
	a->ring[a->ring_next].used = 0;
	a->ring_next = (a->ring_next + 1) % AZ_RING;
	if (d->allow && mutating && ticket != 0) {
		d->wait_durable = 1;
		d->ticket = ticket;
	}
	buf_free(&detail);
}

static void
decide_response(struct authz *a, struct az_call *c, struct authz_decision *d)
{
	char id[37] = "";
	const char *outcome;
	uint64_t key;

	d->allow = 1;
	if (c->reason == NULL) {
		a->st.proxied++;
		return;		/* the proxy records the outcome */
	}
	a->st.bypass++;
	key = call_key(c);
	for (size_t i = 0; i < AZ_RING; i++) {
		struct az_pending *p = &a->ring[(a->ring_next + AZ_RING - 1 - i) %
		    AZ_RING];

		if (p->id[0] != '\0' && !p->used && p->key == key) {
			p->used = 1;
			memcpy(id, p->id, sizeof(id));
			break;
		}
	}
	if (id[0] == '\0')
		evt_uuid(id);
	az_security(c, NULL, 0);
	/* No ResponseStatusCode does not mean failure: the handler never
	 * set one (ping, streams, hijacks) or failed after AuthZRes. */
	outcome = c->m.status == 0 ? "unknown" : c->m.status < 400 ?
	    "success" : "failure";
	az_record_call(a, c, "response", id, outcome, NULL, NULL, 0, NULL);
}

void
authz_decide(struct authz *a, int is_res, const char *body, size_t n,
    struct authz_decision *d)
{
	struct az_call c;
	char err[DA_ERRLEN];

	memset(d, 0, sizeof(*d));
	memset(&c, 0, sizeof(c));
	c.is_res = is_res;
	buf_init(&c.security, BUF_UNLIMITED);
	buf_init(&c.query, BUF_UNLIMITED);
	if (is_res)
		a->st.responses++;
	else
		a->st.requests++;
	if (authz_msg_parse(body, n, &c.m, err) != DA_OK) {
		a->st.bad_requests++;
		az_record_unparsed(a, is_res, err);
		/* A request we cannot read is not allowed (this is also the
		 * empty re-send after a failed attempt).  An AuthZRes comes
		 * after the action: denying it would only hide the answer. */
		d->allow = is_res;
		if (!is_res)
			snprintf(d->msg, sizeof(d->msg), "dockaudit policy: %s; "
			    "denied", err);
		goto out;
	}
	actions_classify(c.m.method, c.m.uri, c.m.uri_len, &c.rm);
	correlate(a, &c);
	if (is_res)
		decide_response(a, &c, d);
	else
		decide_request(a, &c, d);
out:
	json_free(c.body);
	buf_free(&c.security);
	buf_free(&c.query);
	authz_msg_free(&c.m);
}
