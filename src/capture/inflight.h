/* inflight.h -- calls the proxy is forwarding right now, for the AuthZ
 * plugin in the same process.
 *
 * When dockerd withholds a body from the plugin (1 MiB or more, chunked),
 * the plugin cannot judge the call itself; if the call carries the
 * proxy's valid mark, it looks the call up here by request id and judges
 * what the proxy extracted from the body it held.  Entries live from
 * forward to the end of the call.  Loop thread only (not thread-safe). */
#ifndef DA_INFLIGHT_H
#define DA_INFLIGHT_H

#include <stddef.h>

struct inflight {
	struct inflight	*next;
	char		 id[37];
	char		*security;	/* security object text, or NULL */
	size_t		 security_len;
	char		 user[64];	/* actor.user ("" unknown) */
	char		 login_user[64];
	int		 body_whole;	/* the proxy held (and extracted) all of it */
};

/* The table is used only once something enables it (the plugin). */
void	inflight_enable(int on);
int	inflight_enabled(void);

/* security_member is the proxy's rendered member text "security":{...}
 * (or NULL / empty); actor_json the rendered actor object.  Returns 0,
 * or -1 when the table is full or memory ran out (the plugin then falls
 * back to denying what it cannot see). */
int	inflight_put(const char *id, const char *security_member, size_t slen,
	    const char *actor_json, size_t alen, int body_whole);
const struct inflight *inflight_get(const char *id);
void	inflight_del(const char *id);
size_t	inflight_count(void);

#endif
