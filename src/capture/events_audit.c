/* events_audit.c -- the records the events capture writes about itself:
 * events.connected, events.disconnected (state changes, at most
 * EV_CONN_RECORDS_MAX a minute) and events.gap (a window dockerd can no
 * longer replay); and the submission of every events record. */
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/events_int.h"
#include "event/record.h"
#include "journal/journal.h"
#include "json/json.h"

int
ev_submit(struct events *ev, uint64_t *seq)
{
	if (jrn_submit_lazy(ev->j, ev->scratch.data, ev->scratch.len, seq) !=
	    DA_OK) {
		ev->st.records_dropped++;
		return -1;
	}
	return 0;
}

static void
audit_record(struct events *ev, const char *action, const char *outcome,
    struct buf *detail)
{
	struct evt e;

	memset(&e, 0, sizeof(e));
	e.kind = "audit";
	e.source = "events";
	e.action = action;
	e.outcome = outcome;
	e.actor_json = ev->actor.data;
	e.actor_len = ev->actor.len;
	e.detail_json = detail->data;
	e.detail_len = detail->len;
	buf_reset(&ev->scratch);
	if (evt_render(&e, &ev->scratch) == DA_OK)
		ev_submit(ev, NULL);
}

/* connected/disconnected: 1 if this one may be written. */
static int
conn_record_allowed(struct events *ev)
{
	int64_t now = clock_mono_ns();
	int64_t *oldest = &ev->conn_rec_times[ev->conn_rec_next];

	if (*oldest != 0 && now - *oldest < 60 * 1000000000LL) {
		ev->conn_suppressed++;
		return 0;
	}
	*oldest = now;
	ev->conn_rec_next = (ev->conn_rec_next + 1) % EV_CONN_RECORDS_MAX;
	return 1;
}

static void
time_member(struct jw *w, const char *key, int64_t ns)
{
	char ts[CLOCK_RFC3339_LEN];

	if (ns <= 0) {
		jw_null(w, key);
		return;
	}
	clock_format(ns, ts);
	jw_str(w, key, ts);
}

/* The end both connection records share: how many were left out since
 * the last one written, then the record itself. */
static void
finish_conn_record(struct events *ev, struct jw *w, struct buf *d,
    const char *action, const char *outcome)
{
	if (ev->conn_suppressed)
		jw_uint(w, "records_suppressed", ev->conn_suppressed);
	jw_obj_end(w);
	ev->conn_suppressed = 0;
	audit_record(ev, action, outcome, d);
	buf_free(d);
}

void
ev_record_connected(struct events *ev)
{
	char since[EV_SINCE_LEN];
	struct buf d;
	struct jw w;

	if (!conn_record_allowed(ev))
		return;
	buf_init(&d, BUF_UNLIMITED);
	jw_init(&w, &d);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "backend", ev->backend);
	ev_format_since(ev->resume_ns, since);
	jw_str(&w, "since", since);
	if (ev->first_connect) {
		jw_str(&w, "resume_source", ev->start_point.source);
		jw_uint(&w, "resume_seq", ev->start_point.seq);
		jw_int(&w, "resume_scanned_bytes", ev->start_point.scanned_bytes);
	}
	jw_uint(&w, "replayed", ev->replayed);
	jw_uint(&w, "replayed_duplicates", ev->replay_dups);
	if (ev->daemon_pid > 0)
		jw_int(&w, "daemon_pid", ev->daemon_pid);
	time_member(&w, "daemon_started", ev->daemon_start_ns);
	time_member(&w, "down_since", ev->down_since);
	jw_uint(&w, "attempts", ev->attempts);
	finish_conn_record(ev, &w, &d, "events.connected", "success");
}

void
ev_record_disconnected(struct events *ev, const char *reason, int was_up)
{
	struct buf d;
	struct jw w;

	if (!conn_record_allowed(ev))
		return;
	buf_init(&d, BUF_UNLIMITED);
	jw_init(&w, &d);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "backend", ev->backend);
	jw_str(&w, "reason", reason);
	jw_bool(&w, "was_connected", was_up);
	jw_int(&w, "last_event_nano", ev->resume_ns);
	time_member(&w, "last_event", ev->resume_ns);
	finish_conn_record(ev, &w, &d, "events.disconnected", "failure");
}

void
ev_record_gap(struct events *ev, const struct ev_gap *g)
{
	struct buf d;
	struct jw w;

	buf_init(&d, BUF_UNLIMITED);
	jw_init(&w, &d);
	jw_obj_begin(&w, NULL);
	time_member(&w, "from", g->from_ns);
	time_member(&w, "to", g->to_ns);
	jw_int(&w, "from_nano", g->from_ns);
	jw_int(&w, "to_nano", g->to_ns);
	jw_arr_begin(&w, "reasons");
	if (g->why & EV_GAP_RESTART)
		jw_str(&w, NULL, "daemon_restarted");
	if (g->why & EV_GAP_OVERFLOW)
		jw_str(&w, NULL, "history_overflow");
	jw_arr_end(&w);
	jw_str(&w, "why", (g->why & EV_GAP_RESTART) ?
	    "dockerd started after the last recorded event: the events it "
	    "emitted before (and while stopping) are not retrievable" :
	    "dockerd keeps only its last 256 events: older ones since the "
	    "last recorded event were pushed out");
	jw_uint(&w, "replayed", ev->replayed);
	time_member(&w, "daemon_started", ev->daemon_start_ns);
	jw_obj_end(&w);
	ev->st.gaps++;
	audit_record(ev, "events.gap", "failure", &d);
	buf_free(&d);
}
