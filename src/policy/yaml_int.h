/* yaml_int.h -- what the two rule readers of src/policy share (policy_yaml.c
 * for `policy:`, auditpolicy.c for `audit.rules:`): the parse context, the
 * next libyaml event with an error naming the file and line, and string
 * lists. */
#ifndef DA_POLICY_YAML_INT_H
#define DA_POLICY_YAML_INT_H

#include <stddef.h>
#include <yaml.h>

#include "policy/policy.h"

struct policy_yctx {
	yaml_parser_t	*p;
	const char	*file;
	char		*err;	/* DA_ERRLEN */
};

/* The next event, or DA_E_PARSE with "FILE line N: problem" in c->err. */
int	policy_yaml_next(struct policy_yctx *c, yaml_event_t *ev);

/* The 1-based line an event starts on. */
static inline size_t
policy_yaml_line(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

/* Append a copy of v (DA_E_NOMEM), and free a whole list. */
int	policy_strs_add(struct policy_strs *s, const char *v);
void	policy_strs_free(struct policy_strs *s);

#endif
