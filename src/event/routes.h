/* routes.h -- private to src/event: the Docker Engine API route table
 * (routes.c) that the matcher (actions.c) walks.  Nothing outside
 * src/event and its unit test should include this; use actions.h.
 *
 * Template syntax: a path of '/'-separated segments, each either literal
 * text or a variable.  "{id}" matches exactly one non-empty segment;
 * "{name*}" matches one or more non-empty segments, greedily, so that the
 * literal segments after it still match (moby's {name:.*}).  At most one
 * greedy variable per template.  The table is sorted by the first segment
 * of the template (byte order; templates that start with a variable sort
 * last), which lets the matcher binary-search to its group; the unit test
 * checks the order. */
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
	const char	*rt_query;	/* non-NULL: matches only if this query
					 * parameter's first value is non-empty
					 * (dockerd's r.Form.Get(key) != "") */
};

extern const struct route route_table[];
extern const size_t route_table_len;

/* actions_classify, also returning the index of the matching table entry,
 * or -1 for "unknown".  For tests. */
long	actions__classify(const char *method, const char *target,
	    size_t target_len, struct route_match *m);

#endif
