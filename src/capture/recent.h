/* recent.h -- a small bounded memory of recent mutating API calls, so that
 * what dockerd reports on /events (a container died, an exec started) can
 * name the call that caused it.
 *
 * The proxy notes every stage record of a mutating call (recent_note, one
 * line in proxy_record.c); the events mapper asks for the newest matching
 * call (recent_find).  The table holds RECENT_MAX entries in a ring (the
 * oldest is overwritten) and ignores entries older than RECENT_TTL_NS.
 * One table per process; note and find may be called from different
 * threads (the proxy's loop and the events thread). */
#ifndef DA_RECENT_H
#define DA_RECENT_H

#include <stddef.h>
#include <stdint.h>

#define RECENT_MAX	4096
#define RECENT_TTL_NS	(5 * 60 * 1000000000LL)	/* five minutes */

/* How a call was matched to an event (the record's cause.match). */
#define RECENT_MATCH_ID		"id"		/* the call's path or answer named the object's id */
#define RECENT_MATCH_NAME	"name"		/* the call named the object by name */
#define RECENT_MATCH_PENDING	"pending"	/* a create still waiting for its answer */

struct recent_cause {
	char		 request_id[37];
	char		 action[48];
	char		 user[64];	/* actor.user, "" if none */
	char		 login_user[64];	/* actor.login_user, "" if none */
	int64_t		 uid;		/* actor.uid, -1 if none */
	int		 status;	/* response status, 0 while pending */
	const char	*match;		/* RECENT_MATCH_* */
};

/* Remember (or update, for a later stage of the same request id) a
 * mutating call.  obj_id / obj_name may be "" or NULL; status is 0 for the
 * request stage.  actor_json is the rendered actor object (may be NULL). */
void	recent_note(const char *request_id, const char *action,
	    const char *obj_type, const char *obj_id, const char *obj_name,
	    int status, const char *actor_json, size_t actor_len);

/* The newest live call whose action is one of actions (NULL-terminated)
 * and that names the object: its id is a prefix (12+ hex digits) of id,
 * or its name equals name.  With allow_pending, a call still waiting for
 * its answer that names no id (a create) and whose name is "" or equal
 * also matches.  Calls answered with status >= 400 never match.  1 and
 * *out filled, or 0. */
int	recent_find(const char *const *actions, const char *id,
	    const char *name, int allow_pending, struct recent_cause *out);

/* Forget everything (tests). */
void	recent_reset(void);

/* The clock the table uses (monotonic ns); tests may move it. */
void	recent_set_clock(int64_t (*now)(void));

#endif
