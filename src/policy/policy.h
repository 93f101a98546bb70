/* policy.h -- the deny policy the AuthZ plugin enforces (or observes).
 *
 * A policy is a list of deny rules over a call's action and the security
 * fields event/extract.h writes ("privileged", "cap_add", "mounts",
 * "pid_mode", ...), plus users exempt from every rule.  A rule matches when
 * every condition it names matches (AND); a list condition matches when any
 * entry does (OR).  A rule that names no condition but an action denies
 * every call of that action (e.g. action: plugin.disable).  See
 * docs/authz.md for each field.
 *
 * Loaded from the `policy:` section of the YAML config (policy_yaml.c) with
 * errors naming the file and line; evaluated by policy_match() on a parsed
 * security object, so the proxy's extraction and the plugin's give the
 * same answer. */
#ifndef DA_POLICY_H
#define DA_POLICY_H

#include <stddef.h>

#include "json/json.h"

struct policy_strs {
	char		**v;
	size_t		 n;
};

struct policy_rule {
	char		*name;		/* "rule-<line>" when not given */
	char		*message;	/* NULL: a message naming the rule */
	int		 line;
	struct policy_strs actions;	/* globs on the action ("container.*") */
	int		 privileged;	/* -1 unset; 1: privileged (or exec privileged) */
	struct policy_strs bind_source;	/* host paths: exact, under, or glob */
	struct policy_strs cap_add;	/* normalised CAP_X, or ALL */
	struct policy_strs devices;	/* globs on PathOnHost */
	struct policy_strs pid_mode;	/* exact values ("host", "container:*" glob) */
	struct policy_strs network_mode;
	struct policy_strs ipc_mode;
	struct policy_strs userns_mode;
	struct policy_strs uts_mode;
	int		 seccomp_unconfined;	/* -1 unset */
	int		 apparmor_unconfined;	/* -1 unset */
	int		 has_condition;	/* anything besides actions */
};

struct policy {
	int		 enforce;	/* 0: observe (alert only), 1: deny */
	int		 present;	/* a policy: section was given */
	struct policy_rule *rules;
	size_t		 nrules;
	struct policy_strs allow_users;	/* user or login_user names exempt */
};

void	policy_init(struct policy *p);
void	policy_free(struct policy *p);

/* The first rule that denies this call, or NULL.  security is the parsed
 * security object (may be NULL: only action-only rules can match then);
 * user / login_user are the caller's names (may be NULL). */
const struct policy_rule *policy_match(const struct policy *p,
	    const char *action, const struct json *security, const char *user,
	    const char *login_user);

/* 1 when user or login_user is in allow_users. */
int	policy_user_exempt(const struct policy *p, const char *user,
	    const char *login_user);

/* "dockaudit policy: <message> (rule <name>)" into out. */
void	policy_message(const struct policy_rule *r, char *out, size_t len);

/* 1 for actions whose JSON body carries what rules judge (create,
 * update, exec, volume, network, plugin, service, swarm...): a call of
 * these whose body cannot be seen is denied in enforce mode. */
int	policy_body_bearing(const char *action);

/* Lexical normalisation of a host path: "//etc/./x/../" -> "/etc". */
void	policy_clean_path(const char *in, char *out, size_t len);

/* Parse the mapping value of `policy:` from a libyaml parser positioned
 * just after its MAPPING_START event.  err: "FILE line N: ...". */
struct yaml_parser_s;
int	policy_yaml(struct yaml_parser_s *parser, const char *file,
	    struct policy *p, char *err);

#endif
