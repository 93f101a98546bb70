/* authz_int.h -- state shared by the AuthZ plugin's files (not an API).
 *
 * authz_server.c: socket, connections, HTTP framing, write-ahead waits;
 * authz_decide.c: correlation (mark, replay, freshness) and the policy;
 * authz_record.c: the records it writes; authz_wire.c: the JSON. */
#ifndef DA_AUTHZ_INT_H
#define DA_AUTHZ_INT_H

#include "base/buf.h"
#include "base/unixsock.h"
#include "capture/authz.h"
#include "capture/authz_wire.h"
#include "capture/callmark.h"
#include "daemon/loop.h"
#include "event/actions.h"
#include "event/extract.h"

#define AZ_SEEN_SLOTS	(1u << 16)
#define AZ_SEEN_PROBE	32
#define AZ_RING		1024

struct az_seen {
	char		 id[37];
	int64_t		 t_ms;
	unsigned	 flags;		/* AZ_SEEN_REQ, AZ_SEEN_RES */
};
#define AZ_SEEN_REQ	1
#define AZ_SEEN_RES	2

/* Recent bypass requests, so an AuthZRes finds its request's id. */
struct az_pending {
	uint64_t	 key;		/* hash of method, uri, headers */
	char		 id[37];
	int		 used;
};

struct az_conn;

struct authz {
	struct loop		*loop;
	struct journal		*j;
	struct authz_config	 cfg;
	struct loop_handle	 lh;	/* listener */
	struct unixsock		 sock;	/* its socket file */
	struct loop_handle	 jh;	/* journal notify (dup, edge-triggered) */
	struct loop_handle	 th;	/* timerfd: write-ahead deadlines */
	int			 timer_armed;
	struct az_conn		*conns;
	struct az_conn		*dead;
	struct az_seen		*seen;
	struct az_pending	 ring[AZ_RING];
	size_t			 ring_next;
	struct buf		 scratch;
	struct authz_stats	 st;
};

/* One parsed call as the decision and the records see it. */
struct az_call {
	struct authz_msg	 m;
	struct route_match	 rm;
	int			 is_res;
	const char		*reason;	/* bypass reason, NULL: proxied */
	struct callmark		 cm;
	int			 has_mark;	/* cm valid */
	struct buf		 security;	/* member text "security":{...} */
	struct buf		 query;		/* rendered, redacted query object */
	struct json		*body;		/* parsed RequestBody or NULL */
	int			 body_invalid;
	char			 user[64], login_user[64];
	struct extract_doubt	 doubt;		/* security.uncertain */
};

/* authz_record.c */
int	az_record_call(struct authz *a, struct az_call *c, const char *stage,
	    const char *id, const char *outcome, const char *error,
	    const char *detail_json, int wait, uint64_t *ticket);
int	az_record_alert(struct authz *a, const char *rule, const char *title,
	    const char *level, const char *trigger_id, const char *reason,
	    const struct az_call *c);
void	az_record_unparsed(struct authz *a, int is_res, const char *why);
void	az_security(struct az_call *c, const char *inflight_sec,
	    size_t inflight_len);

#endif
