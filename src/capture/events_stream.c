/* events_stream.c -- the GET /events client on the event loop.
 *
 * Every (re)connection is two requests on the backend socket:
 *   1. replay: GET /events?since=<resume>&until=<now> -- what dockerd still
 *      holds since the last event we recorded; it ends by itself.  Read
 *      whole (at most dockerd's 256 events), so that a gap record, when
 *      the replay shows one, comes before the events after it.
 *   2. live: GET /events?since=<the replay's until> -- endless.
 * Duplicates at the seams (the boundary event is replayed, and 1 and 2
 * overlap at until) are dropped by key.  When a stream ends or fails the
 * client waits (0.2 s doubling to 5 s) and starts over at 1.
 * events.connected / events.disconnected audit records (events_audit.c)
 * mark the changes, at most EV_CONN_RECORDS_MAX of them a minute. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "capture/callmark.h"
#include "capture/events_int.h"
#include "capture/peer.h"
#include "daemon/loop.h"
#include "event/record.h"
#include "http/http.h"
#include "journal/journal.h"
#include "json/json.h"

#define BACKOFF_MIN_MS		200
#define BACKOFF_MAX_MS		5000
#define STABLE_NS		(5 * 1000000000LL)	/* a live stream this old resets the backoff */
#define WARN_EVERY_NS		(60 * 1000000000LL)
#define HINT_EVERY_NS		1000000000LL
#define IN_MAX			(4 * 1024 * 1024)
#define DATA_MAX		((size_t)64 << 20)
#define REPLAY_HOLD_MAX		((size_t)16 << 20)	/* replay bytes held for ordering */
#define HEAD_MAX		(64 * 1024)
#define INSPECT_TIMEOUT_MS	200	/* a label lookup may hold the loop this long */

enum { ST_IDLE, ST_SENDING, ST_HEAD, ST_BODY };
enum { PH_REPLAY, PH_LIVE };


static void connect_now(struct events *ev);
static void on_socket(struct loop_handle *h, uint32_t events);

/* ---- events ---- */

/* One line of the body: an event object (jsonl / json-seq framing). */
static void
handle_line(struct events *ev, const char *p, size_t n)
{
	char err[DA_ERRLEN];
	struct ev_event e;
	struct ev_key key;
	uint64_t seq = 0;

	while (n > 0 && (p[0] == 0x1e || p[0] == ' ' || p[0] == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	if (ev_parse(p, n, &e, err) != DA_OK) {
		ev->st.malformed++;
		log_debug("events: skipped a line from dockerd: %s", err);
		return;
	}
	ev->st.events++;
	if (ev->phase == PH_REPLAY && ev->replay_flushed &&
	    ev->replayed++ == 0)
		ev->first_replayed = e.time_nano;	/* counted as written */
	key = ev_key_make(e.time_nano, e.type, e.action, e.actor_id);
	if (ev_dedupe_seen(&ev->dd, key)) {
		ev->st.duplicates++;
		ev_event_free(&e);
		return;
	}
	if (ev_needs_labels(ev->labels, &e) && ev->inspects_failed < 3) {
		unsigned mask;
		int rc;

		ev->st.inspects++;
		rc = ev_inspect_labels(ev->backend, e.actor_id, INSPECT_TIMEOUT_MS,
		    &mask, err);
		if (rc == DA_OK) {
			ev_labels_set(ev->labels, e.actor_id, mask);
			ev->inspects_failed = 0;
		} else if (rc != DA_E_NOTFOUND) {
			ev->inspects_failed++;	/* dockerd slow: stop asking */
			log_debug("events: inspect %s: %s", e.actor_id, err);
		}
	}
	buf_reset(&ev->scratch);
	if (ev_render(ev->labels, &e, &ev->scratch) == DA_OK &&
	    ev_submit(ev, &seq) == 0) {
		ev->st.recorded++;
		ev_dedupe_add(&ev->dd, key);
		if (e.time_nano > ev->resume_ns)
			ev->resume_ns = e.time_nano;
		ev->hint_seq = seq;
		ev->hint_ns = e.time_nano;
		ev->hint_dirty = 1;
	}
	ev_event_free(&e);
}

/* Complete lines of data; the rest stays. */
static void
drain_lines(struct events *ev)
{
	size_t off = 0;
	char *nl;

	if (ev->data.len == 0)
		return;
	while ((nl = memchr(ev->data.data + off, '\n', ev->data.len - off)) !=
	    NULL) {
		handle_line(ev, ev->data.data + off,
		    (size_t)(nl - (ev->data.data + off)));
		off = (size_t)(nl - ev->data.data) + 1;
	}
	buf_consume(&ev->data, off);
	if (ev->data.len > EV_LINE_MAX) {
		ev->st.malformed++;
		log_warnx("events: a line from dockerd longer than %d bytes: "
		    "skipped", EV_LINE_MAX);
		buf_reset(&ev->data);
	}
}

static void
maybe_write_hint(struct events *ev, int force)
{
	int64_t now = clock_mono_ns();

	if (!ev->hint_dirty || (!force && now - ev->hint_at < HINT_EVERY_NS))
		return;
	ev->hint_at = now;
	ev->hint_dirty = 0;
	if (ev_hint_write(ev->jdir, ev->hint_seq, ev->hint_ns) != DA_OK)
		log_debug("events: could not write %s/%s", ev->jdir, EV_HINT_FILE);
}

/* The replay is complete: gap decision first, then its events. */
static void
replay_done(struct events *ev)
{
	struct ev_event e;
	struct ev_gap g;
	char err[DA_ERRLEN];
	const char *p = ev->data.data, *end = p + ev->data.len;

	if (!ev->replay_flushed) {
		/* count and find the first event's time */
		for (const char *q = p; q < end; ) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			size_t n = (size_t)((nl ? nl : end) - q);

			if (n > 1 && ev_parse(q, n, &e, err) == DA_OK) {
				if (ev->replayed++ == 0)
					ev->first_replayed = e.time_nano;
				if (ev_dedupe_seen(&ev->dd, ev_key_make(e.time_nano,
				    e.type, e.action, e.actor_id)))
					ev->replay_dups++;
				ev_event_free(&e);
			}
			q = nl ? nl + 1 : end;
		}
	}
	if (!ev->up) {
		ev->up = 1;
		ev->down_recorded = 0;
		ev->st.connects++;
		ev_record_connected(ev);
		ev->first_connect = 0;
		ev->down_since = 0;
		ev->attempts = 0;
		ev->inspects_failed = 0;
	}
	if (ev_gap_check(ev->resume_ns, ev->daemon_start_ns, ev->replayed,
	    ev->first_replayed, &g)) {
		ev_record_gap(ev, &g);
		/* recorded once: the next reconnection starts past it */
		if (g.to_ns > ev->resume_ns)
			ev->resume_ns = g.to_ns;
	}
	if (ev->data.len > 0 && ev->data.data[ev->data.len - 1] != '\n')
		buf_putc(&ev->data, '\n');
	drain_lines(ev);
	buf_reset(&ev->data);
	maybe_write_hint(ev, 0);
}

/* ---- connection ---- */

static void
close_socket(struct events *ev)
{
	if (ev->sh.fd >= 0) {
		loop_del(ev->loop, &ev->sh);
		close(ev->sh.fd);
		ev->sh.fd = -1;
	}
	ev->state = ST_IDLE;
	buf_reset(&ev->out);
	buf_reset(&ev->in);
	buf_reset(&ev->data);
	ev->out_off = 0;
}

static void
arm_timer(struct events *ev, int ms)
{
	struct itimerspec its = { .it_value = { ms / 1000,
	    (long)(ms % 1000) * 1000000 } };

	if (ms <= 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(ev->th.fd, 0, &its, NULL);
}

static void
fail(struct events *ev, const char *reason)
{
	int64_t now = clock_mono_ns();
	int was_up = ev->up;

	close_socket(ev);
	if (ev->phase == PH_LIVE && ev->live_start &&
	    now - ev->live_start >= STABLE_NS)
		ev->backoff_ms = BACKOFF_MIN_MS;
	ev->live_start = 0;
	ev->attempts++;
	if (ev->up || !ev->down_recorded) {
		ev->up = 0;
		ev->down_recorded = 1;
		ev->down_since = clock_now_ns();
		ev_record_disconnected(ev, reason, was_up);
	}
	if (ev->last_warn == 0 || now - ev->last_warn >= WARN_EVERY_NS) {
		ev->last_warn = now;
		log_warnx("events: %s: %s; retrying (every %d ms at most)",
		    ev->backend, reason, BACKOFF_MAX_MS);
	}
	ev->phase = PH_REPLAY;		/* every reconnection replays first */
	arm_timer(ev, ev->backoff_ms);
	ev->backoff_ms = ev->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    ev->backoff_ms * 2;
}

static void
on_timer(struct loop_handle *h, uint32_t events)
{
	struct events *ev = h->arg;
	uint64_t n;

	(void)events;
	while (read(h->fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
	if (ev->state == ST_IDLE)
		connect_now(ev);
}

static void
build_request(struct events *ev)
{
	char since[EV_SINCE_LEN], until[EV_SINCE_LEN];
	char target[3 * EV_SINCE_LEN + 32], mark[CALLMARK_LINE_MAX];

	buf_reset(&ev->out);
	ev->out_off = 0;
	if (ev->phase == PH_REPLAY) {
		int64_t now = clock_now_ns();

		ev->replay_until = now > ev->resume_ns ? now : ev->resume_ns;
		ev_format_since(ev->resume_ns, since);
		ev_format_since(ev->replay_until, until);
		snprintf(target, sizeof(target), "/events?since=%s&until=%s",
		    since, until);
	} else {
		ev_format_since(ev->replay_until, since);
		snprintf(target, sizeof(target), "/events?since=%s", since);
	}
	callmark_own_call("GET", target, mark);
	buf_printf(&ev->out, "GET %s HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: dockaudit-events/%s\r\n%s\r\n", target,
	    DOCKAUDIT_VERSION, mark);
}

static void
connect_now(struct events *ev)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	char reason[DA_ERRLEN];
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ev->backend);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(reason, sizeof(reason), "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fail(ev, reason);
		return;
	}
	/* dockerd's start time, to tell a restart (pids can be reused) */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0) {
		ev->daemon_pid = cr.pid;
		ev->daemon_start_ns = ev_process_start_ns(cr.pid);
	}
	ev->sh = (struct loop_handle){ .fd = fd, .cb = on_socket, .arg = ev };
	memset(&ev->ck, 0, sizeof(ev->ck));
	ev->remaining = 0;
	if (ev->phase == PH_REPLAY) {
		ev->replayed = 0;
		ev->first_replayed = 0;
		ev->replay_dups = 0;
		ev->replay_flushed = 0;
	}
	build_request(ev);
	ev->state = ST_SENDING;
	if (loop_set(ev->loop, &ev->sh, EPOLLOUT | EPOLLIN | EPOLLRDHUP) != 0)
		fail(ev, "epoll registration failed");
}

/* The body ended normally. */
static void
body_end(struct events *ev)
{
	if (ev->phase == PH_REPLAY) {
		replay_done(ev);
		close_socket(ev);
		ev->phase = PH_LIVE;
		connect_now(ev);
		return;
	}
	drain_lines(ev);
	fail(ev, "dockerd ended the event stream");
}

static int
parse_head(struct events *ev)
{
	struct http_head h;
	const char *why = NULL;
	char reason[DA_ERRLEN];
	int rc;

	rc = http_parse_response(ev->in.data, ev->in.len, HEAD_MAX, &h, &why);
	if (rc == HTTP_INCOMPLETE)
		return 0;
	if (rc == HTTP_BAD) {
		snprintf(reason, sizeof(reason), "bad response head: %s", why);
		fail(ev, reason);
		return -1;
	}
	if (h.status != 200 ||
	    http_response_framing(&h, "GET", 3, &ev->f, &why) != 0) {
		snprintf(reason, sizeof(reason), "GET /events answered %d%s%s",
		    h.status, why ? ": " : "", why ? why : "");
		fail(ev, reason);
		return -1;
	}
	buf_consume(&ev->in, (size_t)rc);
	ev->remaining = ev->f.length;
	ev->state = ST_BODY;
	if (ev->phase == PH_LIVE)
		ev->live_start = clock_mono_ns();
	return 1;
}

/* Decode what is in ev->in.  1 when the body ended. */
static int
feed_body(struct events *ev, const char **why)
{
	int overflow = 0;

	if (ev->in.len == 0)
		return ev->f.chunked ? ev->ck.done : ev->f.length >= 0 &&
		    ev->remaining == 0;
	if (ev->f.chunked) {
		long used = http_chunked_feed(&ev->ck, ev->in.data, ev->in.len,
		    &ev->data, &overflow, why);

		if (used < 0)
			return -1;
		buf_consume(&ev->in, (size_t)used);
		if (overflow)
			return (*why = "event data over its limit", -1);
		return ev->ck.done;
	}
	if (ev->f.length >= 0) {
		size_t take = (size_t)ev->remaining < ev->in.len ?
		    (size_t)ev->remaining : ev->in.len;

		if (buf_append(&ev->data, ev->in.data, take) != DA_OK)
			return (*why = "event data over its limit", -1);
		buf_consume(&ev->in, take);
		ev->remaining -= (int64_t)take;
		return ev->remaining == 0;
	}
	if (buf_append(&ev->data, ev->in.data, ev->in.len) != DA_OK)
		return (*why = "event data over its limit", -1);
	buf_reset(&ev->in);
	return 0;
}

static void
on_readable(struct events *ev)
{
	char tmp[64 * 1024], reason[DA_ERRLEN];
	const char *why = NULL;
	ssize_t n;
	int eof = 0, rc;

	for (;;) {
		n = read(ev->sh.fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			eof = 1;
			if (n < 0)
				snprintf(reason, sizeof(reason), "read: %s",
				    strerror(errno));
			break;
		}
		if (buf_append(&ev->in, tmp, (size_t)n) != DA_OK) {
			fail(ev, "dockerd sent more than we can hold");
			return;
		}
		if (ev->in.len >= IN_MAX / 2)
			break;
	}
	if (ev->state == ST_HEAD || ev->state == ST_SENDING) {
		if ((rc = parse_head(ev)) < 0)
			return;
		if (rc == 0) {
			if (eof) {
				fail(ev, "dockerd closed the connection before "
				    "answering");
			}
			return;
		}
	}
	rc = feed_body(ev, &why);
	if (rc < 0) {
		snprintf(reason, sizeof(reason), "malformed event stream: %s", why);
		fail(ev, reason);
		return;
	}
	if (ev->phase == PH_LIVE) {
		drain_lines(ev);
		maybe_write_hint(ev, 0);
	} else if (ev->data.len > REPLAY_HOLD_MAX) {
		/* too much to hold for ordering: count and write as we go */
		ev->replay_flushed = 1;
		drain_lines(ev);
	}
	if (rc == 1 || (eof && ev->f.until_eof)) {
		body_end(ev);
		return;
	}
	if (eof) {
		if (ev->phase == PH_LIVE)
			drain_lines(ev);
		fail(ev, "dockerd closed the event stream");
	}
}

static void
on_socket(struct loop_handle *h, uint32_t events)
{
	struct events *ev = h->arg;

	if (ev->state == ST_SENDING && (events & EPOLLOUT)) {
		ssize_t w = send(h->fd, ev->out.data + ev->out_off,
		    ev->out.len - ev->out_off, MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			char reason[DA_ERRLEN];

			snprintf(reason, sizeof(reason), "send: %s", strerror(errno));
			fail(ev, reason);
			return;
		}
		if (w > 0)
			ev->out_off += (size_t)w;
		if (ev->out_off == ev->out.len) {
			ev->state = ST_HEAD;
			loop_set(ev->loop, &ev->sh, EPOLLIN | EPOLLRDHUP);
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		on_readable(ev);
}

/* ---- start / stop ---- */

int
events_start(struct events **out, struct loop *loop, struct journal *j,
    const struct events_config *cfg, char *err)
{
	struct events *ev;
	int rc;

	*out = NULL;
	if (strlen(cfg->backend) >= sizeof(ev->backend))
		return da_seterr(err, DA_E_INVAL, "events: backend path %s is "
		    "too long for a unix socket", cfg->backend);
	if ((ev = calloc(1, sizeof(*ev))) == NULL ||
	    (ev->labels = calloc(1, sizeof(*ev->labels))) == NULL ||
	    (ev->jdir = strdup(cfg->journal_dir)) == NULL) {
		if (ev)
			free(ev->labels);
		free(ev);
		return da_seterr(err, DA_E_NOMEM, "events: out of memory");
	}
	ev->loop = loop;
	ev->j = j;
	snprintf(ev->backend, sizeof(ev->backend), "%s", cfg->backend);
	ev->sh.fd = -1;
	buf_init(&ev->out, 4096);
	buf_init(&ev->in, IN_MAX);
	buf_init(&ev->data, DATA_MAX);
	buf_init(&ev->actor, 64 * 1024);
	buf_init(&ev->scratch, BUF_UNLIMITED);
	peer_actor_json_for(getpid(), getuid(), getgid(), -1, &ev->actor);
	if ((rc = ev_resume_find(cfg->journal_dir, EV_RESUME_SCAN_BYTES,
	    &ev->start_point, err)) != DA_OK) {
		events_stop(ev);
		return rc;
	}
	ev->resume_ns = ev->start_point.found ? ev->start_point.time_nano :
	    ev->start_point.floor_ns > 0 ? ev->start_point.floor_ns :
	    clock_now_ns();
	for (size_t i = 0; i < ev->start_point.nboundary; i++)
		ev_dedupe_add(&ev->dd, ev->start_point.boundary[i]);
	ev->first_connect = 1;
	ev->backoff_ms = BACKOFF_MIN_MS;
	ev->phase = PH_REPLAY;
	if ((ev->th.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		rc = da_seterr(err, DA_E_IO, "events: timerfd: %s",
		    strerror(errno));
		events_stop(ev);
		return rc;
	}
	ev->th.cb = on_timer;
	ev->th.arg = ev;
	loop_set(loop, &ev->th, EPOLLIN);
	log_info("events: resuming from %s (%s, %lld bytes of journal read)",
	    ev->start_point.found ? "the last recorded event" : "now",
	    ev->start_point.source, (long long)ev->start_point.scanned_bytes);
	arm_timer(ev, 0);	/* connect from the loop, after the start record */
	*out = ev;
	return DA_OK;
}

void
events_stop(struct events *ev)
{
	if (ev == NULL)
		return;
	close_socket(ev);
	if (ev->th.fd > 0) {
		loop_del(ev->loop, &ev->th);
		close(ev->th.fd);
	}
	maybe_write_hint(ev, 1);
	buf_free(&ev->out);
	buf_free(&ev->in);
	buf_free(&ev->data);
	buf_free(&ev->actor);
	buf_free(&ev->scratch);
	free(ev->labels);
	free(ev->jdir);
	free(ev);
}

void
events_get_stats(const struct events *ev, struct events_stats *st)
{
	if (ev == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = ev->st;
}
