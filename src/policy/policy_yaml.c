/* policy_yaml.c -- the `policy:` section of the YAML config: walk libyaml's
 * event stream into a struct policy, strictly (unknown fields, wrong types,
 * empty rules and duplicate names are errors naming the file and line). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/err.h"
#include "policy/policy.h"
#include "policy/yaml_int.h"

int
policy_yaml_next(struct policy_yctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(c->p, ev))
		return da_seterr(c->err, DA_E_PARSE, "%s line %zu: %s", c->file,
		    c->p->problem_mark.line + 1,
		    c->p->problem ? c->p->problem : "YAML syntax error");
	return DA_OK;
}

/* Normalise one entry of a list field; err on a bad value. */
typedef int (*entry_fn)(struct policy_yctx *, const char *field, const char *v,
    size_t line, char *out, size_t outlen);

static int
entry_plain(struct policy_yctx *c, const char *field, const char *v, size_t line,
    char *out, size_t outlen)
{
	if (*v == '\0')
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "empty value", c->file, line, field);
	snprintf(out, outlen, "%s", v);
	return DA_OK;
}

static int
entry_path(struct policy_yctx *c, const char *field, const char *v, size_t line,
    char *out, size_t outlen)
{
	if (v[0] != '/')
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "'%s' is not an absolute host path (expected e.g. /etc)",
		    c->file, line, field, v);
	if (strpbrk(v, "*?[") != NULL)
		snprintf(out, outlen, "%s", v);
	else
		policy_clean_path(v, out, outlen);
	return DA_OK;
}

static int
entry_cap(struct policy_yctx *c, const char *field, const char *v, size_t line,
    char *out, size_t outlen)
{
	size_t o = 0;

	if (*v == '\0')
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "empty capability", c->file, line, field);
	if (strcasecmp(v, "ALL") != 0 && strncasecmp(v, "CAP_", 4) != 0)
		o = (size_t)snprintf(out, outlen, "CAP_");
	for (; *v != '\0' && o + 1 < outlen; v++) {
		if (!isalnum((unsigned char)*v) && *v != '_')
			return da_seterr(c->err, DA_E_INVAL, "%s line %zu: "
			    "policy %s: '%s' is not a capability name (expected "
			    "e.g. SYS_ADMIN)", c->file, line, field, v);
		out[o++] = (char)toupper((unsigned char)*v);
	}
	out[o] = '\0';
	return DA_OK;
}

/* A scalar or a sequence of scalars into s. */
static int
read_list(struct policy_yctx *c, const char *field, yaml_event_t *ev,
    struct policy_strs *s, entry_fn fn)
{
	char norm[4096];
	int rc;

	if (ev->type == YAML_SCALAR_EVENT) {
		if ((rc = fn(c, field, (const char *)ev->data.scalar.value,
		    policy_yaml_line(ev), norm, sizeof(norm))) != DA_OK)
			return rc;
		return policy_strs_add(s, norm);
	}
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "expected a value or a list of values", c->file,
		    policy_yaml_line(ev), field);
	for (;;) {
		yaml_event_t it;

		if ((rc = policy_yaml_next(c, &it)) != DA_OK)
			return rc;
		if (it.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&it);
			return DA_OK;
		}
		if (it.type != YAML_SCALAR_EVENT) {
			rc = da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy "
			    "%s: list entries must be plain values", c->file,
			    policy_yaml_line(&it), field);
			yaml_event_delete(&it);
			return rc;
		}
		rc = fn(c, field, (const char *)it.data.scalar.value,
		    policy_yaml_line(&it), norm, sizeof(norm));
		yaml_event_delete(&it);
		if (rc != DA_OK || (rc = policy_strs_add(s, norm)) != DA_OK)
			return rc;
	}
}

static int
read_true(struct policy_yctx *c, const char *field, yaml_event_t *ev, int *out)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT ||
	    (strcasecmp(v, "true") != 0 && strcasecmp(v, "yes") != 0))
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "only 'true' is meaningful (a rule matches calls that set "
		    "it; leave the field out otherwise)", c->file, policy_yaml_line(ev),
		    field);
	*out = 1;
	return DA_OK;
}

static int
read_str(struct policy_yctx *c, const char *field, yaml_event_t *ev, char **out)
{
	if (ev->type != YAML_SCALAR_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy %s: "
		    "expected a plain value", c->file, policy_yaml_line(ev), field);
	free(*out);
	if ((*out = strdup((const char *)ev->data.scalar.value)) == NULL)
		return DA_E_NOMEM;
	return DA_OK;
}

static const char rule_fields[] = "name, message, action, privileged, "
    "bind_source, cap_add, devices, pid_mode, network_mode, ipc_mode, "
    "userns_mode, uts_mode, seccomp_unconfined, apparmor_unconfined";

static int
rule_field(struct policy_yctx *c, struct policy_rule *r, const char *k,
    yaml_event_t *v)
{
	struct { const char *name; struct policy_strs *s; entry_fn fn; } lists[] = {
		{ "action", &r->actions, entry_plain },
		{ "bind_source", &r->bind_source, entry_path },
		{ "cap_add", &r->cap_add, entry_cap },
		{ "devices", &r->devices, entry_path },
		{ "pid_mode", &r->pid_mode, entry_plain },
		{ "network_mode", &r->network_mode, entry_plain },
		{ "ipc_mode", &r->ipc_mode, entry_plain },
		{ "userns_mode", &r->userns_mode, entry_plain },
		{ "uts_mode", &r->uts_mode, entry_plain },
	};

	if (strcmp(k, "name") == 0)
		return read_str(c, k, v, &r->name);
	if (strcmp(k, "message") == 0)
		return read_str(c, k, v, &r->message);
	if (strcmp(k, "privileged") == 0)
		return (r->has_condition = 1, read_true(c, k, v, &r->privileged));
	if (strcmp(k, "seccomp_unconfined") == 0)
		return (r->has_condition = 1,
		    read_true(c, k, v, &r->seccomp_unconfined));
	if (strcmp(k, "apparmor_unconfined") == 0)
		return (r->has_condition = 1,
		    read_true(c, k, v, &r->apparmor_unconfined));
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(k, lists[i].name) == 0) {
			if (i > 0)
				r->has_condition = 1;
			return read_list(c, k, v, lists[i].s, lists[i].fn);
		}
	return da_seterr(c->err, DA_E_INVAL, "%s line %zu: unknown policy "
	    "field '%s' (expected %s)", c->file, policy_yaml_line(v), k, rule_fields);
}

static int
read_rule(struct policy_yctx *c, struct policy *p, yaml_event_t *start)
{
	struct policy_rule *nr, *r;
	int rc;

	if (start->type != YAML_MAPPING_START_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy deny: "
		    "each rule is a mapping (e.g. '- name: no-privileged')",
		    c->file, policy_yaml_line(start));
	if ((nr = realloc(p->rules, (p->nrules + 1) * sizeof(*nr))) == NULL)
		return DA_E_NOMEM;
	p->rules = nr;
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->line = (int)policy_yaml_line(start);
	r->privileged = r->seccomp_unconfined = r->apparmor_unconfined = -1;
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
			yaml_event_delete(&kev);
			return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy "
			    "rule keys must be plain words", c->file, (size_t)r->line);
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
	if (!r->has_condition && r->actions.n == 0)
		return da_seterr(c->err, DA_E_INVAL, "%s line %d: policy rule "
		    "has no condition (it would deny every call); give at least "
		    "one of %s", c->file, r->line, rule_fields + 15);
	if (r->name == NULL) {
		char nm[32];

		snprintf(nm, sizeof(nm), "rule-line-%d", r->line);
		if ((r->name = strdup(nm)) == NULL)
			return DA_E_NOMEM;
	}
	for (size_t i = 0; i + 1 < p->nrules; i++)
		if (strcmp(p->rules[i].name, r->name) == 0)
			return da_seterr(c->err, DA_E_INVAL, "%s line %d: policy "
			    "rule name '%s' already used on line %d", c->file,
			    r->line, r->name, p->rules[i].line);
	return DA_OK;
}

static int
read_deny(struct policy_yctx *c, struct policy *p, yaml_event_t *ev)
{
	int rc;

	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return da_seterr(c->err, DA_E_INVAL, "%s line %zu: policy deny: "
		    "expected a list of rules", c->file, policy_yaml_line(ev));
	for (;;) {
		yaml_event_t it;

		if ((rc = policy_yaml_next(c, &it)) != DA_OK)
			return rc;
		if (it.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&it);
			return DA_OK;
		}
		rc = read_rule(c, p, &it);
		yaml_event_delete(&it);
		if (rc != DA_OK)
			return rc;
	}
}

int
policy_yaml(struct yaml_parser_s *parser, const char *file, struct policy *p,
    char *err)
{
	struct policy_yctx c = { .p = parser, .file = file, .err = err };
	int rc;

	p->present = 1;
	for (;;) {
		yaml_event_t kev, vev;
		char key[128];

		if ((rc = policy_yaml_next(&c, &kev)) != DA_OK)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return DA_OK;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			rc = da_seterr(err, DA_E_INVAL, "%s line %zu: policy keys "
			    "must be plain words", file, policy_yaml_line(&kev));
			yaml_event_delete(&kev);
			return rc;
		}
		snprintf(key, sizeof(key), "%s", kev.data.scalar.value);
		yaml_event_delete(&kev);
		if ((rc = policy_yaml_next(&c, &vev)) != DA_OK)
			return rc;
		if (strcmp(key, "mode") == 0) {
			const char *v = (const char *)vev.data.scalar.value;

			if (vev.type == YAML_SCALAR_EVENT && strcmp(v, "observe") == 0)
				p->enforce = 0;
			else if (vev.type == YAML_SCALAR_EVENT &&
			    strcmp(v, "enforce") == 0)
				p->enforce = 1;
			else
				rc = da_seterr(err, DA_E_INVAL, "%s line %zu: policy "
				    "mode: expected observe or enforce", file,
				    policy_yaml_line(&vev));
		} else if (strcmp(key, "deny") == 0) {
			rc = read_deny(&c, p, &vev);
		} else if (strcmp(key, "allow_users") == 0) {
			rc = read_list(&c, key, &vev, &p->allow_users, entry_plain);
		} else {
			rc = da_seterr(err, DA_E_INVAL, "%s line %zu: unknown "
			    "policy key '%s' (expected mode, deny, allow_users)",
			    file, policy_yaml_line(&vev), key);
		}
		yaml_event_delete(&vev);
		if (rc != DA_OK)
			return rc;
	}
}
