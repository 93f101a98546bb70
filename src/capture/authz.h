/* authz.h -- dockaudit as a Docker AuthZ plugin (the second line of
 * capture, DESIGN.md section 2).
 *
 * An HTTP/1.1 keep-alive server on a unix socket in
 * /run/docker/plugins/, on the same event loop as the proxy; it never
 * blocks (dockerd waits for it without a timeout).  It answers
 * Plugin.Activate, AuthZPlugin.AuthZReq and AuthZPlugin.AuthZRes:
 *  - a call carrying the proxy's valid X-Dockaudit-Call mark (callmark.h)
 *    is the proxy's: no second record is written;
 *  - any other call bypassed the proxy: it is recorded (source "authz",
 *    security.bypass true, a bypass_reason) with an alert record, and a
 *    mutating one is allowed only once its record is durable (bounded);
 *  - the deny policy (policy/policy.h) is applied at AuthZReq, observe or
 *    enforce; in enforce mode a JSON body the plugin cannot see is denied
 *    unless the proxy vouches for a body it held whole (inflight.h). */
#ifndef DA_AUTHZ_H
#define DA_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct journal;
struct policy;
struct authz;
struct audit_rules;

struct authz_config {
	const char	*socket_path;
	const char	*journal_dir;	/* named in messages */
	const struct policy *policy;	/* may be NULL: observe, no rules */
	int64_t		 max_skew_ms;	/* a mark older (or newer) than this is stale */
	int64_t		 durable_wait_ms; /* bypass write-ahead bound */
	int		 on_failure_block;
	size_t		 body_cap;	/* largest plugin request body */
	int		 level_write;	/* enum audit_level for bypass records */
	int		 level_read;
	const struct audit_rules *audit_rules;	/* NULL: the two levels */
};

void	authz_config_defaults(struct authz_config *cfg);

int	authz_start(struct authz **out, struct loop *loop, struct journal *j,
	    const struct authz_config *cfg, char *err);
void	authz_stop(struct authz *a);

struct authz_stats {
	uint64_t	 activations;
	uint64_t	 requests;	/* AuthZReq */
	uint64_t	 responses;	/* AuthZRes */
	uint64_t	 proxied;	/* carried a valid mark */
	uint64_t	 bypass;	/* flagged */
	uint64_t	 denied_policy;
	uint64_t	 denied_blind;	/* body not visible, not vouched */
	uint64_t	 denied_journal;	/* bypass record not durable in time */
	uint64_t	 allowed_unrecorded;	/* the same, on_failure allow */
	uint64_t	 bad_requests;
	uint64_t	 records_dropped;
};

void	authz_get_stats(const struct authz *a, struct authz_stats *st);

/* ---- the decision, without sockets (unit tests drive this) ---- */

struct authz_decision {
	int		 allow;
	char		 msg[512];	/* "" when allowed */
	int		 wait_durable;	/* allow only once ticket is durable */
	uint64_t	 ticket;
};

/* Decide one AuthZReq (is_res 0) or AuthZRes (1) body, writing whatever
 * records it needs.  a may come from authz_new (no socket). */
void	authz_decide(struct authz *a, int is_res, const char *body, size_t n,
	    struct authz_decision *d);
struct authz *authz_new(struct journal *j, const struct authz_config *cfg);
void	authz_free(struct authz *a);

#endif
