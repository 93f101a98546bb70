/* proxy_response.c -- dockerd's answers: heads, bodies, upgrades, outcomes.
 *
 * Each response is relayed as it arrives.  Its record is written when the
 * body completes, or -- for streams (events, logs -f, pull progress) and
 * upgraded connections (exec, attach) -- when the head arrives, followed
 * by a session record when the stream ends.  A small window of the body is
 * kept to name the daemon's error and the id of a created object. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "capture/proxy_int.h"
#include "json/json.h"

#define RESP_HEAD_MAX (64 * 1024)

/* Keep the first PX_CAPTURE_MAX bytes, or for progress streams the last
 * ones (that is where "error" lines are). */
static void
capture(struct conn *c, const char *p, size_t n)
{
	struct call *k = &c->call;

	if (k->capture_tail) {
		if (n >= PX_CAPTURE_MAX) {
			buf_reset(&k->capture);
			buf_append(&k->capture, p + n - PX_CAPTURE_MAX / 2,
			    PX_CAPTURE_MAX / 2);
			return;
		}
		if (k->capture.len + n > PX_CAPTURE_MAX)
			buf_consume(&k->capture, k->capture.len + n -
			    PX_CAPTURE_MAX);
		buf_append(&k->capture, p, n);
		return;
	}
	if (k->capture.len + n > PX_CAPTURE_MAX)
		k->capture_cut = 1;
	if (k->capture.len < PX_CAPTURE_MAX) {
		size_t room = PX_CAPTURE_MAX - k->capture.len;
		buf_append(&k->capture, p, n < room ? n : room);
	}
}

/* The daemon's error message: {"message":"..."} for API errors, the last
 * {"error":"..."} line of a progress stream, or plain text. */
static const char *
error_text(struct conn *c, size_t *len, struct json **owner)
{
	struct call *k = &c->call;
	const char *p = k->capture.data, *end = p + k->capture.len;
	struct json *j;

	*owner = NULL;
	if (k->capture.len == 0)
		return NULL;
	if (k->capture_tail) {
		/* Walk lines backwards for an "error" member. */
		const char *e = end;
		while (e > p) {
			const char *s = e - 1;
			while (s > p && s[-1] != '\n')
				s--;
			if ((j = json_parse(s, (size_t)(e - s), NULL)) != NULL) {
				const struct json *m = json_get(j, "error");
				if (json_type(m) == JSON_STRING) {
					*owner = j;
					*len = json_strlen(m);
					return json_str(m);
				}
				json_free(j);
			}
			e = s > p ? s - 1 : p;
		}
		return NULL;
	}
	if (k->status < 400)
		return NULL;
	if ((j = json_parse(p, k->capture.len, NULL)) != NULL) {
		const struct json *m = json_get(j, "message");
		if (json_type(m) == JSON_STRING) {
			*owner = j;
			*len = json_strlen(m);
			return json_str(m);
		}
		json_free(j);
	}
	while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*len = (size_t)(end - p);
	return p;
}

/* Record the end of the call and make the connection ready for the next. */
static void
complete(struct conn *c, const char *end)
{
	struct call *k = &c->call;
	struct json *owner;
	const char *err;
	size_t errlen = 0;

	err = error_text(c, &errlen, &owner);
	k->outcome = px_outcome_for(k->status, err, errlen);
	if (k->capture_tail && err != NULL)
		k->outcome = "failure";
	px_response_details(c);
	if (k->streamed || c->rq == RQ_TUNNEL)
		px_emit(c, "session", k->outcome, 1, err, errlen, end, NULL);
	else
		px_emit(c, "response", k->outcome, 1, err, errlen, NULL, NULL);
	k->responded = 1;
	json_free(owner);
	if (k->rqf.close || k->rsf.close || c->rq != RQ_SENT) {
		/* Closing: asked to, or dockerd answered before the request
		 * body was through (it will close too). */
		c->rq = RQ_DEAD;
		c->close_after_flush = 1;
	} else {
		c->rq = RQ_HEAD;
	}
	px_call_reset(c);
	c->rs = RS_IDLE;
}

/* Called when the connection closes with a call still open. */
void
px_call_finish(struct conn *c, const char *end)
{
	struct call *k = &c->call;
	char why[160];

	if (k->responded) {
		px_call_reset(c);
		return;
	}
	if (c->rq == RQ_TUNNEL || k->streamed) {
		complete(c, end);
		return;
	}
	snprintf(why, sizeof(why), "connection %s before the %s completed",
	    end, k->status ? "response" : k->recorded ? "response began" :
	    "request was complete");
	if (k->recorded)
		px_emit(c, "response", "failure", 1, why, strlen(why), end, NULL);
	else
		px_emit(c, "request", "failure", 1, why, strlen(why), end, NULL);
	px_call_reset(c);
}

static void
bad_gateway(struct conn *c, const char *why)
{
	struct call *k = &c->call;
	char msg[256];
	int sent = c->uin_fwd > 0 || k->bytes_out > 0 || k->status != 0;

	snprintf(msg, sizeof(msg), "malformed response from the Docker daemon: %s",
	    why);
	if (!k->status)
		k->status = 502;
	px_emit(c, "response", "failure", 1, msg, strlen(msg), NULL, NULL);
	k->responded = 1;
	px_call_reset(c);
	c->rs = RS_IDLE;
	if (sent) {
		c->rq = RQ_DEAD;
		c->close_after_flush = 1;
	} else {
		char m2[300];
		snprintf(m2, sizeof(m2), "dockaudit: %s", msg);
		px_respond_local(c, 502, m2);
	}
}

static void
enter_tunnel(struct conn *c)
{
	struct call *k = &c->call;

	k->streamed = 1;
	px_emit(c, "response", px_outcome_for(k->status, NULL, 0), 1, NULL, 0,
	    NULL, NULL);
	c->rq = RQ_TUNNEL;
	c->rs = RS_TUNNEL;
	/* Client bytes held since the request (stdin typed early) go now. */
	c->cin_fwd = c->cin_seen = c->cin.len;
	c->uin_fwd = c->uin_seen = c->uin.len;
}

static int
parse_resp_head(struct conn *c)
{
	struct call *k = &c->call;
	struct http_head h;
	const char *why = NULL;
	int rc;

	if (c->uin.len == c->uin_seen)
		return 0;
	rc = http_parse_response(c->uin.data + c->uin_seen,
	    c->uin.len - c->uin_seen, RESP_HEAD_MAX, &h, &why);
	if (rc == HTTP_INCOMPLETE)
		return 0;
	if (rc == HTTP_BAD) {
		bad_gateway(c, why);
		return 1;
	}
	c->uin_seen += (size_t)rc;
	c->uin_fwd = c->uin_seen;
	if (h.status < 200 && h.status != 101)
		return 1;		/* 100 Continue and friends: relay */
	k->status = h.status;
	if (http_response_framing(&h, k->method, strlen(k->method), &k->rsf,
	    &why) != 0) {
		bad_gateway(c, why);
		return 1;
	}
	if (k->rsf.upgrade ||
	    (k->rsf.until_eof && (k->rm.flags & ROUTE_HIJACK))) {
		enter_tunnel(c);
		return 1;
	}
	if (k->rsf.no_body || (!k->rsf.chunked && k->rsf.length == 0)) {
		complete(c, NULL);
		return 1;
	}
	k->resp_remaining = k->rsf.length;
	if ((k->rsf.chunked || k->rsf.until_eof) &&
	    (k->rm.flags & (ROUTE_STREAM | ROUTE_HIJACK))) {
		k->streamed = 1;
		/* Progress streams report failures in-band. */
		k->capture_tail = k->status < 400 &&
		    (strncmp(k->rm.action, "image.", 6) == 0 ||
		    strncmp(k->rm.action, "plugin.", 7) == 0) &&
		    strcmp(k->rm.action, "image.get") != 0 &&
		    strcmp(k->rm.action, "image.get_all") != 0;
		px_emit(c, "response", px_outcome_for(k->status, NULL, 0), 1,
		    NULL, 0, NULL, NULL);
	}
	c->rs = RS_BODY;
	return 1;
}

static int
wants_capture(const struct call *k)
{
	if (k->status >= 400 || k->capture_tail)
		return 1;
	/* request_response: the reply itself, up to PX_CAPTURE_MAX */
	if (k->level == LEVEL_REQUEST_RESPONSE && !k->streamed)
		return 1;
	/* create calls answer with the new object's id */
	return strstr(k->rm.action, "create") != NULL;
}

static int
resp_body(struct conn *c)
{
	struct call *k = &c->call;
	const char *p = c->uin.data + c->uin_seen;
	size_t avail = c->uin.len - c->uin_seen;

	if (avail == 0)
		return 0;
	if (k->rsf.chunked) {
		struct buf dec;
		const char *why = NULL;
		int overflow = 0, cap = wants_capture(k);
		long used;

		buf_init(&dec, BUF_UNLIMITED);
		used = http_chunked_feed(&k->rsck, p, avail, cap ? &dec : NULL,
		    &overflow, &why);
		if (used < 0) {
			buf_free(&dec);
			bad_gateway(c, why);
			return 1;
		}
		if (cap)
			capture(c, dec.data, dec.len);
		buf_free(&dec);
		c->uin_seen += (size_t)used;
		k->resp_bytes += used;
		c->uin_fwd = c->uin_seen;
		if (k->rsck.done)
			complete(c, c->c_eof ? "client_closed" : "complete");
		return 1;
	}
	if (k->rsf.length >= 0 && avail > (uint64_t)k->resp_remaining)
		avail = (size_t)k->resp_remaining;
	if (wants_capture(k))
		capture(c, p, avail);
	c->uin_seen += avail;
	c->uin_fwd = c->uin_seen;
	k->resp_bytes += (int64_t)avail;
	if (k->rsf.length >= 0) {
		k->resp_remaining -= (int64_t)avail;
		if (k->resp_remaining == 0)
			complete(c, c->c_eof ? "client_closed" : "complete");
	}
	return 1;
}

int
px_response_progress(struct conn *c)
{
	switch (c->rs) {
	case RS_IDLE:
		return 0;
	case RS_HEAD:
		return parse_resp_head(c);
	case RS_BODY:
		return resp_body(c);
	case RS_TUNNEL:
		if (c->uin.len > c->uin_fwd) {
			c->uin_fwd = c->uin_seen = c->uin.len;
			return 1;
		}
		return 0;
	}
	return 0;
}

void
px_response_eof(struct conn *c)
{
	struct call *k = &c->call;

	/* Take in whatever the last reads left unparsed. */
	for (int i = 0; i < 16 && !c->closed && px_response_progress(c); i++)
		;
	if (c->closed)
		return;
	switch (c->rs) {
	case RS_IDLE:
		/* dockerd dropped an idle keep-alive connection: reconnect
		 * for the next request instead of failing the client. */
		if (c->uin.len == 0 && c->up_head.len == 0 && c->cin_fwd == 0) {
			loop_del(c->px->loop, &c->uh);
			close(c->uh.fd);
			c->uh.fd = -1;
			c->u_eof = c->u_shut = c->u_hup = 0;
		}
		break;
	case RS_HEAD:
		bad_gateway(c, "connection closed before a response");
		break;
	case RS_BODY:
		if (k->rsf.until_eof) {
			complete(c, "daemon_closed");
			c->rq = RQ_DEAD;
			c->close_after_flush = 1;
		} else {
			bad_gateway(c, "connection closed inside the response body");
		}
		break;
	case RS_TUNNEL:
		break;	/* flush() half-closes the client when drained */
	}
}
