/* actions.h -- the route table: (method, request target) -> action name.
 *
 * Covers the whole Docker Engine API (containers, exec, images, build,
 * networks, volumes, swarm, services, nodes, tasks, secrets, configs,
 * plugins, system, auth, distribution, session, grpc), on versioned
 * ("/v1.41/...") and unversioned paths, after percent-decoding, as
 * dockerd's gorilla/mux router matches them: moby's {name:.*} variables
 * (containers, exec, images, networks, plugins, volumes, distribution)
 * take '/' too, so `DELETE /containers/web/db` names "web/db".
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
#define ROUTE_VER_MAX	64

/* The API version of a request without "/v<version>/": dockerd's
 * DefaultVersion, 1.41 for v20.10 (later daemons have higher ones). */
#define ROUTE_DEFAULT_VERSION	"1.41"

struct route_match {
	const char	*action;	/* "container.create", ..., or "unknown"; static */
	const char	*object_type;	/* "container", "image", "exec", ...; NULL if none */
	char		 object_ref[ROUTE_ID_MAX];	/* decoded path variable naming the object ("" if none) */
	char		 api_version[ROUTE_VER_MAX];	/* "1.41" from /v1.41/..., "" if unversioned
							 * (as sent; a longer one as Go's Atoi reads
							 * its parts: see set_version in actions.c) */
	unsigned	 flags;		/* ROUTE_* */
	long		 route_row;	/* matched row (actions_entry), -1: unknown */
};

/* Classify one request.  target is the raw request-target (origin form,
 * possibly with a query string; absolute form "http://host/path" is
 * normalised first).  Never fails: anything unrecognised, undecodable or
 * oversized yields action "unknown". Mutating is decided by the route, and
 * for unknown routes by the method (anything but GET, HEAD, OPTIONS). */
void	actions_classify(const char *method, const char *target, size_t target_len,
	    struct route_match *m);

/* The same, with the urlencoded form body dockerd's ParseForm reads
 * before the query (POST/PUT/PATCH with media type
 * application/x-www-form-urlencoded; capture/query.h decides): route
 * conditions read r.Form, so `POST /images/create?fromSrc=-` with the
 * body `fromImage=x` is image.pull.  body NULL: no form body. */
void	actions_classify_form(const char *method, const char *target,
	    size_t target_len, const char *body, size_t body_len,
	    struct route_match *m);

/* dockerd's API version comparison (api/types/versions): v split on '.',
 * each part read by strconv.Atoi (not a number: 0; out of range:
 * clamped), missing parts 0, so "1.041" == "1.41" == "1.41.0" and
 * "1.41.1" > "1.41".  v NULL or "" (no version in the path) compares as
 * ROUTE_DEFAULT_VERSION.  api_version_cmp returns <0, 0, >0 as v is
 * below, equal to or above major.minor; api_version_lt is "v <
 * major.minor" (versions.LessThan). */
int	api_version_cmp(const char *v, int major, int minor);
int	api_version_lt(const char *v, int major, int minor);

/* Number of routes in the table, and the i-th (method, template, action),
 * for tests and `dockaudit check --routes`. */
size_t	actions_count(void);
void	actions_entry(size_t i, const char **method, const char **tmpl,
	    const char **action);

/* The i-th route's ROUTE_* flags (0 past the end). */
unsigned actions_entry_flags(size_t i);

#endif
