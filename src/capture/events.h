/* events.h -- what dockerd does on its own: the GET /events stream.
 *
 * dockaudit subscribes to dockerd's event stream on the backend socket
 * (the one the proxy forwards to) from the event loop, without blocking,
 * and writes one `daemon` record per event (source "events").  After any
 * restart of dockaudit or dockerd it resumes from the last event the
 * journal holds (since=<seconds.nanoseconds>), drops the events it already
 * recorded, and writes an `events.gap` audit record for a window it cannot
 * replay (dockerd keeps only its last 256 events, in memory).  Events are
 * linked to the API call that caused them through capture/recent.h.
 * docs/record-schema.md describes the records; docs/design-notes.md the
 * resume strategy and which attributes are trusted. */
#ifndef DA_EVENTS_H
#define DA_EVENTS_H

#include <stdint.h>

struct loop;
struct journal;
struct events;

struct events_config {
	const char	*backend;	/* dockerd's unix socket path */
	const char	*journal_dir;	/* for the resume point and the hint file */
};

/* Find the resume point in the journal, then connect (and keep
 * reconnecting) from the loop.  Never fails because dockerd is down: that
 * is retried with backoff.  err (DA_ERRLEN) on a real failure. */
int	events_start(struct events **out, struct loop *loop, struct journal *j,
	    const struct events_config *cfg, char *err);

/* Close the stream and write the resume hint. */
void	events_stop(struct events *ev);

struct events_stats {
	uint64_t	 events;	/* objects read from dockerd */
	uint64_t	 recorded;	/* daemon records written */
	uint64_t	 duplicates;	/* dropped: already recorded */
	uint64_t	 malformed;	/* lines that were not an event */
	uint64_t	 gaps;		/* events.gap records */
	uint64_t	 connects;	/* successful subscriptions */
	uint64_t	 records_dropped;	/* journal refused the record */
	uint64_t	 inspects;	/* label lookups asked of dockerd */
};

void	events_get_stats(const struct events *ev, struct events_stats *st);

#endif
