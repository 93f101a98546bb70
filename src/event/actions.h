/* actions.h -- the route table: (method, request target) -> action name.
 *
 * Covers the whole Docker Engine API (containers, exec, images, build,
 * networks, volumes, swarm, services, nodes, tasks, secrets, configs,
 * plugins, system, auth, distribution, session, grpc), on versioned
 * ("/v1.41/...") and unversioned paths, after percent-decoding.  Path
 * variables that may contain '/' (image and plugin names, distribution
 * references) are matched greedily, as moby's {name:.*} routes are.
 * Unknown routes classify as action "unknown" with object type NULL. */
#ifndef DA_ACTIONS_H
#define DA_ACTIONS_H

#include <stddef.h>

/* route flags */
#define ROUTE_MUTATING	0x01	/* changes daemon state: write-ahead applies */
#define ROUTE_HIJACK	0x02	/* may upgrade the connection (attach, exec start, session, grpc) */
#define ROUTE_STREAM	0x04	/* response may be an endless or long stream (events, logs, stats, pull...) */
#define ROUTE_SECRET_BODY 0x08	/* request body is secret as a whole (auth) */

#define ROUTE_ID_MAX	512
#define ROUTE_VER_MAX	16

struct route_match {
	const char	*action;	/* "container.create", ..., or "unknown"; static */
	const char	*object_type;	/* "container", "image", "exec", ...; NULL if none */
	char		 object_ref[ROUTE_ID_MAX];	/* decoded path variable naming the object ("" if none) */
	char		 api_version[ROUTE_VER_MAX];	/* "1.41" from /v1.41/..., "" if unversioned */
	unsigned	 flags;		/* ROUTE_* */
};

/* Classify one request.  target is the raw request-target (origin form,
 * possibly with a query string; absolute form "http://host/path" is
 * normalised first).  Never fails: anything unrecognised, undecodable or
 * oversized yields action "unknown". Mutating is decided by the route, and
 * for unknown routes by the method (anything but GET, HEAD, OPTIONS). */
void	actions_classify(const char *method, const char *target, size_t target_len,
	    struct route_match *m);

/* Number of routes in the table, and the i-th (method, template, action),
 * for tests and `dockaudit check --routes`. */
size_t	actions_count(void);
void	actions_entry(size_t i, const char **method, const char **tmpl,
	    const char **action);

#endif
