/* auditpolicy.c -- the audit policy (see auditpolicy.h): parse the
 * `audit.rules:` list strictly (every error names the file, the line and
 * the fix), refuse rules that could drop a mutating call, and decide the
 * level of one call by the first matching rule. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/err.h"
#include "event/actions.h"
#include "json/json.h"
#include "policy/auditpolicy.h"
#include "policy/yaml_int.h"

static const char fields[] = "name, actions, users, groups, containers, "
    "programs, level, omit_stages";

void
audit_rules_free(struct audit_rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct audit_rule *a = &r->v[i];

		free(a->name);
		policy_strs_free(&a->actions);
		policy_strs_free(&a->users);
		policy_strs_free(&a->groups);
		policy_strs_free(&a->containers);
		policy_strs_free(&a->programs);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
strs_equal(const struct policy_strs *a, const struct policy_strs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

int
audit_rules_equal(const struct audit_rules *a, const struct audit_rules *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_rule *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->name, y->name) != 0 || x->level != y->level ||
		    x->omit != y->omit || !strs_equal(&x->actions, &y->actions) ||
		    !strs_equal(&x->users, &y->users) ||
		    !strs_equal(&x->groups, &y->groups) ||
		    !strs_equal(&x->containers, &y->containers) ||
		    !strs_equal(&x->programs, &y->programs))
			return 0;
	}
	return 1;
}

unsigned
audit_stage_bit(const char *stage)
{
	if (strcmp(stage, "request") == 0)
		return AUDIT_OMIT_REQUEST;
	if (strcmp(stage, "response") == 0)
		return AUDIT_OMIT_RESPONSE;
	if (strcmp(stage, "session") == 0)
		return AUDIT_OMIT_SESSION;
	return 0;
}

static int
parse_level(const char *s)
{
	static const char *names[] = { "none", "metadata", "request",
	    "request_response" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* One entry of a list field: checked, then added (or OR'ed into omit). */
static int
add_entry(struct policy_yctx *c, struct audit_rule *r, const char *field,
    struct policy_strs *s, const char *v, size_t line)
{
	unsigned bit;

	if (*v == '\0')
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit rule "
		    "%s: empty value (remove it, or give e.g. %s)", c->file,
		    line, field, s ? "'container.*'" : "response");
	if (s != NULL)
		return policy_strs_add(s, v);
	if ((bit = audit_stage_bit(v)) == 0)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit rule "
		    "omit_stages: unknown stage '%s' (expected request, response "
		    "or session)", c->file, line, v);
	r->omit |= bit;
	return DA_OK;
}

/* A scalar or a sequence of scalars; s NULL: omit_stages. */
static int
read_list(struct policy_yctx *c, struct audit_rule *r, const char *field,
    yaml_event_t *ev, struct policy_strs *s)
{
	int rc;

	if (ev->type == YAML_SCALAR_EVENT)
		return add_entry(c, r, field, s,
		    (const char *)ev->data.scalar.value, policy_yaml_line(ev));
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit rule "
		    "%s: expected a value or a list of values", c->file,
		    policy_yaml_line(ev), field);
	for (;;) {
		yaml_event_t it;

		if ((rc = policy_yaml_next(c, &it)) != DA_OK)
			return rc;
		if (it.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&it);
			return DA_OK;
		}
		if (it.type != YAML_SCALAR_EVENT)
			rc = da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit "
			    "rule %s: list entries must be plain values", c->file,
			    policy_yaml_line(&it), field);
		else
			rc = add_entry(c, r, field, s,
			    (const char *)it.data.scalar.value, policy_yaml_line(&it));
		yaml_event_delete(&it);
		if (rc != DA_OK)
			return rc;
	}
}

static int
rule_field(struct policy_yctx *c, struct audit_rule *r, const char *k,
    yaml_event_t *v)
{
	struct { const char *name; struct policy_strs *s; } lists[] = {
		{ "actions", &r->actions }, { "users", &r->users },
		{ "groups", &r->groups }, { "containers", &r->containers },
		{ "programs", &r->programs },
	};

	if (strcmp(k, "name") == 0 || strcmp(k, "level") == 0) {
		const char *s = (const char *)v->data.scalar.value;

		if (v->type != YAML_SCALAR_EVENT || *s == '\0')
			return da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit "
			    "rule %s: expected a plain value", c->file,
			    policy_yaml_line(v), k);
		if (k[0] == 'l') {
			if ((r->level = parse_level(s)) < 0)
				return da_seterr(c->err, DA_E_INVAL, "%s line "
				    "%zu: audit rule level: unknown level '%s' "
				    "(expected none, metadata, request or "
				    "request_response)", c->file, policy_yaml_line(v), s);
			return DA_OK;
		}
		free(r->name);
		return (r->name = strdup(s)) == NULL ? DA_E_NOMEM : DA_OK;
	}
	if (strcmp(k, "omit_stages") == 0)
		return read_list(c, r, k, v, NULL);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(k, lists[i].name) == 0)
			return read_list(c, r, k, v, lists[i].s);
	return da_seterr(c->err, DA_E_INVAL, "%s line %zu: unknown audit rule "
	    "field '%s' (expected %s)", c->file, policy_yaml_line(v), k, fields);
}

static int
glob_any(const struct policy_strs *s, const char *v)
{
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (fnmatch(s->v[i], v, 0) == 0)
			return 1;
	return 0;
}

/* The first mutating action rule r could apply to, or NULL. */
static const char *
mutating_victim(const struct audit_rule *r, const char **glob)
{
	size_t n = actions_count();

	for (size_t i = 0; i < n; i++) {
		const char *m, *t, *a;

		if (!(actions_entry_flags(i) & ROUTE_MUTATING))
			continue;
		actions_entry(i, &m, &t, &a);
		if (r->actions.n == 0) {
			*glob = NULL;
			return a;
		}
		for (size_t j = 0; j < r->actions.n; j++)
			if (fnmatch(r->actions.v[j], a, 0) == 0) {
				*glob = r->actions.v[j];
				return a;
			}
	}
	return NULL;
}

static int
check_rule(struct policy_yctx *c, struct audit_rule *r, size_t index)
{
	const char *victim, *glob = NULL;
	char what[512];

	if (r->level < 0)
		return da_seterr(c->err, DA_E_INVAL, "%s line %d: audit rule %zu "
		    "has no level (give level: none, metadata, request or "
		    "request_response)", c->file, r->line, index);
	if (r->level != LEVEL_NONE && !(r->omit & AUDIT_OMIT_REQUEST))
		return DA_OK;
	if ((victim = mutating_victim(r, &glob)) == NULL)
		return DA_OK;
	if (glob != NULL)
		snprintf(what, sizeof(what), "%s matches '%s'", victim, glob);
	else
		snprintf(what, sizeof(what), "%s: the rule names no actions, so "
		    "it matches every call", victim);
	return da_seterr(c->err, DA_E_INVAL, "%s line %d: audit rule %zu would "
	    "drop mutating calls (%s); mutating calls keep at least metadata: "
	    "give %s or narrow 'actions' to reads", c->file, r->line, index,
	    what, r->level == LEVEL_NONE ? "level metadata" :
	    "no 'request' in omit_stages");
}

static int
read_rule(struct policy_yctx *c, struct audit_rules *rs, yaml_event_t *start)
{
	struct audit_rule *nv, *r;
	int rc;

	if (start->type != YAML_MAPPING_START_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit.rules: "
		    "each rule is a mapping (e.g. '- name: quiet-ping')",
		    c->file, policy_yaml_line(start));
	if ((nv = realloc(rs->v, (rs->n + 1) * sizeof(*nv))) == NULL)
		return DA_E_NOMEM;
	rs->v = nv;
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->line = (int)policy_yaml_line(start);
	r->level = -1;
	for (;;) {
		yaml_event_t kev, vev;
		char key[128];

		if ((rc = policy_yaml_next(c, &kev)) != DA_OK)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			rc = da_seterr(c->err, DA_E_INVAL, "%s line %zu: audit "
			    "rule keys must be plain words", c->file,
			    policy_yaml_line(&kev));
			yaml_event_delete(&kev);
			return rc;
		}
		snprintf(key, sizeof(key), "%s", kev.data.scalar.value);
		yaml_event_delete(&kev);
		if ((rc = policy_yaml_next(c, &vev)) != DA_OK)
			return rc;
		rc = rule_field(c, r, key, &vev);
		yaml_event_delete(&vev);
		if (rc != DA_OK)
			return rc;
	}
	if ((rc = check_rule(c, r, rs->n)) != DA_OK)
		return rc;
	if (r->name == NULL) {
		char nm[32];

		snprintf(nm, sizeof(nm), "audit-rule-%zu", rs->n);
		if ((r->name = strdup(nm)) == NULL)
			return DA_E_NOMEM;
	}
	for (size_t i = 0; i + 1 < rs->n; i++)
		if (strcmp(rs->v[i].name, r->name) == 0)
			return da_seterr(c->err, DA_E_INVAL, "%s line %d: audit "
			    "rule name '%s' already used on line %d (names say "
			    "in the record which rule decided: make them "
			    "unique)", c->file, r->line, r->name, rs->v[i].line);
	return DA_OK;
}

int
audit_rules_yaml(struct yaml_parser_s *parser, const char *file,
    struct audit_rules *r, char *err)
{
	struct policy_yctx c = { .p = parser, .file = file, .err = err };
	int rc;

	for (;;) {
		yaml_event_t it;

		if ((rc = policy_yaml_next(&c, &it)) != DA_OK)
			return rc;
		if (it.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&it);
			return DA_OK;
		}
		rc = read_rule(&c, r, &it);
		yaml_event_delete(&it);
		if (rc != DA_OK)
			return rc;
	}
}

/* ---- matching ---- */

struct who {
	const char	*user, *login_user, *group, *container, *comm, *exe;
	char		 uid[24], gid[24];
};

static void
who_from(const struct json *a, struct who *w)
{
	int64_t n;

	memset(w, 0, sizeof(*w));
	w->user = json_str(json_get(a, "user"));
	w->login_user = json_str(json_get(a, "login_user"));
	w->group = json_str(json_get(a, "group"));
	w->container = json_str(json_get(a, "container"));
	w->comm = json_str(json_get(a, "comm"));
	w->exe = json_str(json_get(a, "exe"));
	if (json_int(json_get(a, "uid"), &n) == 0)
		snprintf(w->uid, sizeof(w->uid), "%lld", (long long)n);
	if (json_int(json_get(a, "gid"), &n) == 0)
		snprintf(w->gid, sizeof(w->gid), "%lld", (long long)n);
}

static int
container_any(const struct policy_strs *s, const char *id)
{
	if (id == NULL)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (fnmatch(s->v[i], id, 0) == 0 ||
		    strncmp(s->v[i], id, strlen(s->v[i])) == 0)
			return 1;
	return 0;
}

static int
program_any(const struct policy_strs *s, const struct who *w)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *v = strchr(s->v[i], '/') ? w->exe : w->comm;

		if (v != NULL && fnmatch(s->v[i], v, 0) == 0)
			return 1;
	}
	return 0;
}

static int
rule_matches(const struct audit_rule *r, const char *action,
    const struct who *w)
{
	if (r->actions.n > 0 && !glob_any(&r->actions, action))
		return 0;
	if (r->users.n > 0 && !glob_any(&r->users, w->user) &&
	    !glob_any(&r->users, w->login_user) &&
	    !glob_any(&r->users, w->uid[0] ? w->uid : NULL))
		return 0;
	if (r->groups.n > 0 && !glob_any(&r->groups, w->group) &&
	    !glob_any(&r->groups, w->gid[0] ? w->gid : NULL))
		return 0;
	if (r->containers.n > 0 && !container_any(&r->containers, w->container))
		return 0;
	if (r->programs.n > 0 && !program_any(&r->programs, w))
		return 0;
	return 1;
}

void
audit_level_for(const struct audit_rules *r, int level_write, int level_read,
    const char *action, int mutating, const char *actor, size_t actor_len,
    struct audit_decision *out)
{
	struct json *a = NULL;
	struct who w;

	out->level = mutating ? level_write : level_read;
	out->omit = 0;
	out->rule = NULL;
	if (r != NULL && r->n > 0) {
		if (actor != NULL)
			a = json_parse(actor, actor_len, NULL);
		who_from(a, &w);
		for (size_t i = 0; i < r->n; i++)
			if (rule_matches(&r->v[i], action ? action : "", &w)) {
				out->level = r->v[i].level;
				out->omit = r->v[i].omit;
				out->rule = r->v[i].name;
				break;
			}
		json_free(a);
	}
	if (mutating) {		/* defence in depth: the check refused these */
		if (out->level < LEVEL_METADATA)
			out->level = LEVEL_METADATA;
		out->omit &= ~(unsigned)AUDIT_OMIT_REQUEST;
	}
}
