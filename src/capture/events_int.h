/* events_int.h -- state shared by the events files (not a public API;
 * unit tests use it).
 *
 * events_stream.c owns the connection to dockerd, the HTTP framing and the
 * reconnect/replay state machine; events_audit.c writes the records about
 * the stream itself (connected, disconnected, gap); events_map.c turns one
 * event object into a daemon record (trusted attributes, cause);
 * events_inspect.c asks dockerd for a container's label names when its
 * events did not tell; events_resume.c finds the resume point in the
 * journal, keeps the duplicate filter and decides what is a gap. */
#ifndef DA_EVENTS_INT_H
#define DA_EVENTS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "capture/events.h"
#include "daemon/loop.h"
#include "http/http.h"

#define EV_DOCKERD_HISTORY	256	/* events dockerd keeps in memory (eventsLimit) */
#define EV_DEDUPE_MAX		1024	/* keys remembered: four times dockerd's history */
#define EV_LABELS_MAX		4096	/* containers whose label keys we remember */
#define EV_LINE_MAX		(1024 * 1024)	/* longest event object */
#define EV_RESUME_SCAN_BYTES	((int64_t)64 << 20)	/* journal bytes read back at start */
#define EV_SINCE_LEN		32	/* "1733111111.123456789" + NUL */
#define EV_HINT_FILE		"events.hint"

/* An event's identity: (timeNano, Type, Action, Actor.ID). */
struct ev_key {
	int64_t		 time_nano;
	uint64_t	 hash;		/* FNV-1a of type NUL action NUL id */
};

struct ev_key	ev_key_make(int64_t time_nano, const char *type,
		    const char *action, const char *actor_id);

/* The last EV_DEDUPE_MAX keys recorded. */
struct ev_dedupe {
	struct ev_key	 keys[EV_DEDUPE_MAX];
	size_t		 next, count;
};

int	ev_dedupe_seen(const struct ev_dedupe *d, struct ev_key k);
void	ev_dedupe_add(struct ev_dedupe *d, struct ev_key k);

/* since/until query value: "SECONDS.NANOSECONDS" (nine digits). */
void	ev_format_since(int64_t ns, char out[EV_SINCE_LEN]);

/* Which of a container's labels collide with the attributes dockerd adds
 * to some events (exitCode, signal, execID, ...): learned from events that
 * carry only labels, image and name. */
struct ev_labels {
	struct {
		char		 id[65];
		unsigned	 mask;	/* bit i: a label named ev_added_keys[i] */
	} slot[EV_LABELS_MAX];
};

/* One event parsed from dockerd's JSON. */
struct json;
struct ev_event {
	struct json	*root;		/* owns the strings below */
	const char	*type;		/* "container", "image", ... */
	const char	*action;	/* as sent: "exec_start: sh -c ..." */
	char		 base[48];	/* action up to ": " */
	const char	*suffix;	/* after ": " or NULL */
	const char	*actor_id;
	const char	*scope;
	const struct json *attrs;	/* Actor.Attributes object or NULL */
	int64_t		 time_nano;
};

/* Parse one event line; DA_E_PARSE with err when it is not an event. */
int	ev_parse(const char *line, size_t n, struct ev_event *ev, char *err);
void	ev_event_free(struct ev_event *ev);

/* The record action for an event: "<type>.<action up to ': '>". */
void	ev_record_action(const struct ev_event *ev, char *out, size_t size);

/* Label knowledge from elsewhere (an inspect): the added-key bits of a
 * Labels object, recording them for a container, and whether an event
 * would promote more if its container's labels were known (a container
 * event with added keys, a 64-hex id, labels not yet known). */
unsigned ev_added_mask(const struct json *labels);
void	ev_labels_set(struct ev_labels *lb, const char *id, unsigned mask);
int	ev_needs_labels(const struct ev_labels *lb, const struct ev_event *ev);

/* GET /containers/<id>/json on the backend, blocking for at most
 * timeout_ms: *mask from its Config.Labels.  DA_E_NOTFOUND (gone),
 * DA_E_IO / DA_E_AGAIN (timeout) with err. */
int	ev_inspect_labels(const char *backend, const char *id, int timeout_ms,
	    unsigned *mask, char *err);

/* Render the daemon record's members for ev into out (appending), learning
 * label keys into lb and looking up the cause in capture/recent.h. */
int	ev_render(struct ev_labels *lb, const struct ev_event *ev,
	    struct buf *out);

/* ---- resume (events_resume.c) ---- */

#define EV_BOUNDARY_MAX	64

struct ev_resume {
	int		 found;		/* 1: a resume point exists */
	const char	*source;	/* "journal", "hint", "scan_limit", "none" */
	int64_t		 time_nano;	/* resume here (since=) */
	uint64_t	 seq;		/* the record it came from */
	struct ev_key	 boundary[EV_BOUNDARY_MAX];	/* events recorded at time_nano */
	size_t		 nboundary;
	int64_t		 scanned_bytes;
	int64_t		 floor_ns;	/* scan_limit: time of the oldest record read */
};

/* Read the journal back from its end (at most budget bytes) for the last
 * record from the events source: a daemon record (its daemon_event time)
 * or an events.gap (its window end).  Beyond the budget, a hint file is
 * used only when the record it names is there and says the same; failing
 * that, source is "scan_limit" and floor_ns the time of the oldest record
 * read (no events record is newer, so the stream can resume there). */
int	ev_resume_find(const char *dir, int64_t budget, struct ev_resume *out,
	    char *err);

/* Persist {"seq":N,"time_nano":T} (atomic rename).  Best effort. */
int	ev_hint_write(const char *dir, uint64_t seq, int64_t time_nano);

/* Gap decision after a replay (since=resume_ns&until=...): dockerd started
 * after the resume point (its history was lost), or the replay came back
 * full (EV_DOCKERD_HISTORY or more) and began after the resume point
 * (older events were pushed out).  daemon_start_ns 0: unknown. */
#define EV_GAP_RESTART	0x1
#define EV_GAP_OVERFLOW	0x2
struct ev_gap {
	unsigned	 why;		/* EV_GAP_* */
	int64_t		 from_ns;	/* last event we have */
	int64_t		 to_ns;		/* first event we could get again */
};

int	ev_gap_check(int64_t resume_ns, int64_t daemon_start_ns,
	    size_t replayed, int64_t first_replayed_ns, struct ev_gap *g);

/* Start time (realtime ns) of process pid, 0 if unknown. */
int64_t	ev_process_start_ns(int pid);

/* ---- the stream (events_stream.c) and its audit records (events_audit.c) ---- */

#define EV_CONN_RECORDS_MAX	10	/* connected/disconnected records per minute */

struct events {
	struct loop	*loop;
	struct journal	*j;
	char		 backend[108];
	char		*jdir;
	struct loop_handle sh;		/* socket to dockerd */
	struct loop_handle th;		/* backoff timer */
	int		 state, phase;
	struct buf	 out;		/* request bytes */
	size_t		 out_off;
	struct buf	 in;		/* bytes from dockerd */
	struct http_framing f;
	struct http_chunked ck;
	int64_t		 remaining;	/* Content-Length body left */
	struct buf	 data;		/* decoded body */
	int		 replay_flushed;/* replay too big to hold: written as read */

	int64_t		 resume_ns;	/* since= of the next replay */
	int64_t		 replay_until;
	size_t		 replayed;
	int64_t		 first_replayed;
	uint64_t	 replay_dups;
	struct ev_resume start_point;
	int		 first_connect;
	struct ev_dedupe dd;
	struct ev_labels *labels;

	int		 up;		/* replay done, stream flowing */
	int		 down_recorded;	/* events.disconnected written for this outage */
	int64_t		 down_since;	/* realtime ns */
	uint64_t	 attempts;
	int		 backoff_ms;
	int64_t		 live_start;	/* mono ns */
	int64_t		 last_warn;	/* mono ns */
	int		 daemon_pid;
	int64_t		 daemon_start_ns;
	int64_t		 conn_rec_times[EV_CONN_RECORDS_MAX];	/* mono ns */
	size_t		 conn_rec_next;
	uint64_t	 conn_suppressed;

	uint64_t	 hint_seq;
	int64_t		 hint_ns;
	int		 hint_dirty;
	int64_t		 hint_at;	/* mono ns of the last write */

	int		 inspects_failed;	/* in a row; 3 stop the lookups until the next connection */

	struct buf	 actor;
	struct buf	 scratch;
	struct events_stats st;
};

/* Queue ev->scratch as a record (lazy group commit); *seq may be NULL. */
int	ev_submit(struct events *ev, uint64_t *seq);
void	ev_record_connected(struct events *ev);
void	ev_record_disconnected(struct events *ev, const char *reason, int was_up);
void	ev_record_gap(struct events *ev, const struct ev_gap *g);

#endif
