/* alert.h -- alert records (kind "alert"): one shape for every rule, so
 * the proxy and the AuthZ plugin write them alike (docs/record-schema.md,
 * "alert"). */
#ifndef DA_ALERT_H
#define DA_ALERT_H

#include <stddef.h>

#include "base/buf.h"

struct alert {
	const char	*source;	/* "proxy", "authz" */
	const char	*rule;		/* "dockaudit.authz.bypass", ... */
	const char	*title;
	const char	*level;		/* Sigma level */
	const char	*tag;		/* "attack.defense_evasion", ... */
	const char	*trigger_id;	/* request.id of the call */
	const char	*reason;
	const char	*method;	/* the call, for detail */
	size_t		 method_len;
	const char	*path;		/* without the query */
	size_t		 path_len;
	const char	*action;
};

/* Render the alert record's members into out (appending), ready for
 * jrn_submit_lazy.  Returns 0, or -1 when out ran out of room. */
int	alert_render(const struct alert *al, struct buf *out);

#endif
