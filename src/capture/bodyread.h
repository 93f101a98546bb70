/* bodyread.h -- how dockerd reads a call's request body, by route and API
 * version (reference/moby-decoding.md sections 2 and 3), for the proxy's
 * buffering decision and the AuthZ plugin's view of what it was not shown.
 *
 * The answer must hold for every dockerd in scope (20.10 to 28): a route
 * counts as checking Content-Type only if every version runs CheckForJSON
 * before decoding, and as decoding JSON if any version does. */
#ifndef DA_BODYREAD_H
#define DA_BODYREAD_H

#include "event/extract.h"
#include "json/json.h"

#define BR_JSON		0x01	/* decodes the body as JSON */
#define BR_CT_CHECKED	0x02	/* ... only once CheckForJSON accepted the
				 * Content-Type, in every version */
#define BR_SETTINGS	0x04	/* the body carries what the record and the
				 * policy judge: unread, the record is unsure */
#define BR_MULTIPART	0x08	/* reads form values from a multipart body */
#define BR_UNKNOWN	0x10	/* not a route we know: what dockerd does
				 * with a body is not known */

/* BR_* flags for an action from actions_classify at API version
 * api_version ("1.23"; NULL or "" means the daemon's default, 1.41+). */
unsigned bodyread_route(const char *action, const char *api_version);

/* moby's versions.compare: split on '.', Atoi each part (non-numeric is
 * 0, missing parts are 0); <0, 0, >0. */
int	bodyread_version_cmp(const char *a, const char *b);

/* Reasons for struct extract_doubt (static strings, named once here so
 * that proxy and plugin say the same thing). */
#define DOUBT_CT_NOT_JSON	"a request body under a Content-Type that is " \
	"not application/json, on a route that decodes JSON"
#define DOUBT_CT_UNSURE		"a Content-Type that Go versions read " \
	"differently (repeated parameter)"
#define DOUBT_BODY_UNREAD	"a request body larger than dockaudit reads " \
	"(limits.body_bytes), on a route whose body carries settings"
#define DOUBT_BODY_NOT_JSON	"a request body that is not JSON dockaudit " \
	"can parse"
#define DOUBT_UNKNOWN_ROUTE	"a request body on a route dockaudit does " \
	"not know"
#define DOUBT_MULTIPART		"a multipart/form-data body on /build " \
	"(dockerd reads build parameters from it)"

/* The security member for a body that could not be parsed:
 * "security":{"body_error":err,"uncertain":[...]}. */
void	bodyread_security_error(struct jw *w, const char *err,
	    const struct extract_doubt *d);

/* The reasons in a parsed security object's "uncertain" array, joined
 * with "; " into out; returns how many there were. */
size_t	bodyread_uncertain(const struct json *security, char *out,
	    size_t len);

#endif
