/* auditpolicy.h -- the audit policy: how much of which calls is recorded.
 *
 * In the spirit of the Kubernetes audit policy: an ordered list of rules
 * (`audit.rules:` in the YAML config), each matching actions (globs),
 * callers (user, login user or uid; primary group name or gid; the
 * caller's container; its program, comm or exe path glob) and choosing a
 * level and the stages to omit.  A rule matches when every field it names
 * matches (AND); a list field matches when any entry does (OR).  The first
 * matching rule wins; when none does, audit.level / audit.read_level
 * decide as before.
 *
 * Mutating calls never go below metadata: a rule that could give one
 * level none or omit its request stage is refused when the config is
 * loaded, and audit_level_for() clamps anyway.  One function decides for
 * the proxy and the AuthZ plugin alike. */
#ifndef DA_AUDITPOLICY_H
#define DA_AUDITPOLICY_H

#include <stddef.h>

#include "policy/policy.h"

struct yaml_parser_s;

/* Stages a rule may omit (bit mask). */
#define AUDIT_OMIT_REQUEST	0x01
#define AUDIT_OMIT_RESPONSE	0x02
#define AUDIT_OMIT_SESSION	0x04

/* How much of a call is recorded (audit.level, audit.read_level, rules). */
enum audit_level {
	LEVEL_NONE,		/* no record (reads only; never for mutating calls) */
	LEVEL_METADATA,		/* who, what, object, security fields, outcome */
	LEVEL_REQUEST,		/* + the redacted request body */
	LEVEL_REQUEST_RESPONSE	/* + the daemon's error/response text for small JSON replies */
};

struct audit_rule {
	char		*name;		/* "audit-rule-<n>" when not given */
	int		 line;
	struct policy_strs actions;	/* globs on the action */
	struct policy_strs users;	/* user, login_user or uid */
	struct policy_strs groups;	/* primary group name or gid */
	struct policy_strs containers;	/* caller's container: id prefix or glob */
	struct policy_strs programs;	/* glob on comm, or on exe if it has '/' */
	int		 level;		/* enum audit_level */
	unsigned	 omit;		/* AUDIT_OMIT_* */
};

struct audit_rules {
	struct audit_rule *v;
	size_t		 n;
};

struct audit_decision {
	int		 level;
	unsigned	 omit;
	const char	*rule;		/* name of the deciding rule, or NULL */
};

void	audit_rules_free(struct audit_rules *r);

/* 1 when a and b hold the same rules in the same order. */
int	audit_rules_equal(const struct audit_rules *a,
	    const struct audit_rules *b);

/* Parse the sequence value of `audit.rules:` from a libyaml parser
 * positioned just after its SEQUENCE_START event, appending to r.  Refuses
 * (err: "FILE line N: ...") a rule that could drop a mutating call. */
int	audit_rules_yaml(struct yaml_parser_s *parser, const char *file,
	    struct audit_rules *r, char *err);

/* The level, omitted stages and deciding rule for one call.  actor is the
 * rendered actor object (may be NULL).  Mutating calls are clamped to at
 * least metadata with their request stage kept. */
void	audit_level_for(const struct audit_rules *r, int level_write,
	    int level_read, const char *action, int mutating,
	    const char *actor, size_t actor_len, struct audit_decision *out);

/* The bit for a stage name ("request", "response", "session"), 0 if none. */
unsigned audit_stage_bit(const char *stage);

#endif
