/* filter.h -- the record filter of `dockaudit search`, and the view of one
 * record that it and the table view work on.
 *
 * A struct filter holds the options (--since, --until, --user, --action,
 * --container, --outcome).  filter_compile() derives from them the literals
 * that a matching line must contain, so that filter_quick() can rule most
 * lines out with memmem() before they are parsed; filter_match() is the
 * exact test on a parsed record.  --outcome is not part of filter_match():
 * it applies to a whole call (all records sharing request.id) and is
 * decided by the call join in table.c. */
#ifndef DA_CLI_FILTER_H
#define DA_CLI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "json/json.h"

/* Fields of one parsed record; pointers into the json tree (NULL when the
 * member is absent or not of the expected type). */
struct filter_rec {
	const struct json *root;
	const char	*time;		/* "time" text */
	size_t		 time_len;
	const char	*kind;
	const char	*stage;		/* request, response, session */
	const char	*action;
	const char	*outcome;	/* pending, success, failure, denied */
	const char	*req_id;	/* request.id */
	int		 status;	/* response.status, -1 if none */
	const struct json *actor;	/* objects */
	const struct json *request;
	const struct json *object;
};

void	filter_rec_load(struct filter_rec *r, const struct json *root);

#define FILTER_LIT_MAX	64	/* longest prefilter literal kept */
#define FILTER_GROUPS	3

/* A line can match only if it contains one of a group's literals. */
struct filter_group {
	char		 fg_lit[2][FILTER_LIT_MAX + 3];
	size_t		 fg_len[2];
	int		 fg_n;
};

struct filter {
	/* options; NULL / 0 when not given */
	int		 f_has_since, f_has_until;
	int64_t		 f_since, f_until;	/* ns since the epoch */
	const char	*f_user;
	const char	*f_action;	/* exact, or a glob with '*' */
	const char	*f_kind;	/* api, daemon, alert, audit, seal */
	const char	*f_container;
	const char	*f_outcome;	/* a FILTER_OUTCOMES word */
	/* the other names of f_container: ids it had, names it went by
	 * (learned from create records; see filter_learn_alias) */
	char		**f_aliases;
	size_t		 f_naliases;

	/* derived by filter_compile */
	char		 f_since_text[CLOCK_RFC3339_LEN];
	char		 f_until_text[CLOCK_RFC3339_LEN];
	int		 f_user_isnum;
	int64_t		 f_user_num;
	struct filter_group f_groups[FILTER_GROUPS];
	int		 f_ngroups;
};

#define FILTER_OUTCOMES	"success, failure, denied or pending"

/* 1 if s is one of the outcome words --outcome accepts. */
int	filter_outcome_valid(const char *s);

/* Derive the comparison texts and prefilter literals from the options. */
void	filter_compile(struct filter *f);

/* 0 if the raw line certainly fails filter_match (it lacks a literal every
 * match contains), 1 if it may match.  Exact for lines written by the
 * journal (compact JSON); never 0 for a line that matches. */
int	filter_quick(const struct filter *f, const char *line, size_t len);

/* 1 if no record filter is set: every record passes filter_match. */
int	filter_none(const struct filter *f);

/* 1 if the record passes --since, --until, --user, --action, --kind,
 * --container. */
int	filter_match(const struct filter *f, const struct filter_rec *r);

/* --container C: if record r ties a container id to a name (a create
 * response carries both) and one of them is C, remember the other, so
 * that calls made by id and calls made by name both match.  Call
 * filter_compile again after learning.  0, or DA_E_NOMEM. */
int	filter_learn_alias(struct filter *f, const struct filter_rec *r);
void	filter_free_aliases(struct filter *f);

/* 1 if a call whose outcome is `outcome` passes --outcome. */
int	filter_outcome_ok(const struct filter *f, const char *outcome);

/* '*' matches any run of bytes, everything else itself. */
int	filter_glob(const char *pat, const char *s);

/* Compare record time text t[0..n) with ns / its canonical text: <0, 0,
 * >0; *ok is set to 0 when t is not a time. */
int	filter_time_cmp(const char *t, size_t n, int64_t ns, const char *text,
	    int *ok);

#endif
