/* routes.h -- private to src/event: the Docker Engine API route table
 * (routes.c) that the matcher (actions.c) walks.  Nothing outside
 * src/event and its unit test should include this; use actions.h.
 *
 * Template syntax: a path of '/'-separated segments, each either literal
 * text or a variable, matched as gorilla/mux matches moby's templates
 * (a regular expression anchored at both ends, on the decoded path):
 *   "{id}"    moby's {id}: [^/]+, one non-empty segment (may hold '\n');
 *   "{name*}" moby's {name:.*}: any bytes but '\n', '/' included, empty
 *             too ("DELETE /containers/" names ""), so that the literal
 *             rest of the template matches the end of the path;
 *   "{id+}"   moby's {id:.+}: the same, but not empty.
 * At most one greedy variable per template, and nothing but literal
 * segments after it.
 *
 * Rows are grouped by the first segment of their template; groups are
 * sorted by it (byte order), and the rows whose template starts with a
 * variable form the last group, named "".  The unit test checks this.
 * Rows are numbered across the groups, in order, for actions_entry(). */
#ifndef DA_ROUTES_H
#define DA_ROUTES_H

#include <stddef.h>

#include "event/actions.h"

struct route {
	const char	*rt_method;	/* "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS" */
	const char	*rt_tmpl;	/* path template, see above */
	const char	*rt_action;	/* "<object>.<verb>" */
	const char	*rt_objtype;	/* object type; NULL: the route names no object */
	unsigned	 rt_flags;	/* ROUTE_* */
	const char	*rt_query;	/* non-NULL: matches only if this form
					 * parameter passes rt_cond (r.Form:
					 * event/form.h) */
	unsigned char	 rt_cond;	/* ROUTE_COND_* */
};

#define ROUTE_COND_NONEMPTY	0	/* r.Form.Get(key) != "" */
#define ROUTE_COND_TRUE		1	/* httputils.BoolValue(r, key) */

#define ROUTE_GROUP_NAME_MAX 16

struct route_group {
	char			 rg_name[ROUTE_GROUP_NAME_MAX];	/* first segment; "" last */
	const struct route	*rg_rows;
	size_t			 rg_count;
};

extern const struct route_group route_groups[];
extern const size_t route_groups_len;

/* actions.c: the i-th row across all groups (NULL past the end), and
 * actions_classify also returning the matching row's number, or -1 for
 * "unknown".  For tests. */
const struct route *actions__row(size_t i);
long	actions__classify(const char *method, const char *target,
	    size_t target_len, struct route_match *m);

#endif
