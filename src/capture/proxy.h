/* proxy.h -- the audited Docker socket: a transparent HTTP/1.1 proxy.
 *
 * Listens on unix sockets, identifies each connecting process (peer.h),
 * parses every request on every keep-alive connection, writes one request
 * record per call to the journal -- and, for calls that change state, waits
 * until that record is durable before forwarding -- then relays the
 * response (streams, chunked bodies and 101-upgraded connections included)
 * and records its outcome. */
#ifndef DA_PROXY_H
#define DA_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/auditpolicy.h"

struct loop;
struct journal;
struct proxy;
struct policy;
struct audit_rules;

struct proxy_config {
	const char	*listen[8];	/* unix socket paths */
	size_t		 nlisten;
	const char	*backend;	/* dockerd's unix socket path */
	mode_t		 socket_mode;	/* default 0660 */
	gid_t		 socket_gid;	/* (gid_t)-1: leave the group alone */
	size_t		 head_limit;	/* request head bytes (431 past it) */
	size_t		 body_limit;	/* JSON body bytes buffered for extraction */
	int		 header_timeout_s; /* a request head must arrive within */
	int		 max_conns;
	size_t		 buffered_limit; /* all connections' buffers together */
	int		 on_failure_block; /* journal down: 503 mutating calls */
	enum audit_level level_write;	/* for mutating calls */
	enum audit_level level_read;	/* for reads */
	/* audit.rules (policy/auditpolicy.h); NULL or empty: the levels. */
	const struct audit_rules *audit_rules;
	/* Deny policy the proxy enforces itself (only when no AuthZ plugin
	 * runs in this process; NULL or observe: none). */
	const struct policy *policy;
};

void	proxy_config_defaults(struct proxy_config *cfg);

/* Bind the listeners (replacing stale socket files) and register with the
 * loop.  err (DA_ERRLEN) names the socket and the fix on failure. */
int	proxy_start(struct proxy **out, struct loop *loop, struct journal *j,
	    const struct proxy_config *cfg, char *err);

/* Close listeners and every connection (recording how each call ended). */
void	proxy_stop(struct proxy *px);

struct proxy_stats {
	uint64_t	 conns_accepted;
	uint64_t	 conns_active;
	uint64_t	 conns_refused;	/* over max_conns */
	uint64_t	 requests;
	uint64_t	 bad_requests;
	uint64_t	 denied_journal;	/* mutating calls refused: journal down */
	uint64_t	 forwarded_unrecorded;	/* on_failure allow: forwarded while down */
	uint64_t	 records_dropped;	/* journal queue full */
	uint64_t	 buffered_bytes;	/* held in connection buffers now */
	uint64_t	 buffered_refused;	/* calls refused: over buffered_limit */
};

void	proxy_get_stats(const struct proxy *px, struct proxy_stats *st);

#endif
