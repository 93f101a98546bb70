/* policy.c -- deny-rule matching over a call's action and security fields
 * (see policy.h).  Pure functions: no I/O, no allocation while matching. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "policy/policy.h"
#include "policy/yaml_int.h"

void
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
}

void
policy_strs_free(struct policy_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int
policy_strs_add(struct policy_strs *s, const char *v)
{
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return DA_E_NOMEM;
	s->v = nv;
	if ((s->v[s->n] = strdup(v)) == NULL)
		return DA_E_NOMEM;
	s->n++;
	return DA_OK;
}

void
policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct policy_rule *r = &p->rules[i];

		free(r->name);
		free(r->message);
		policy_strs_free(&r->actions);
		policy_strs_free(&r->bind_source);
		policy_strs_free(&r->cap_add);
		policy_strs_free(&r->devices);
		policy_strs_free(&r->pid_mode);
		policy_strs_free(&r->network_mode);
		policy_strs_free(&r->ipc_mode);
		policy_strs_free(&r->userns_mode);
		policy_strs_free(&r->uts_mode);
	}
	free(p->rules);
	policy_strs_free(&p->allow_users);
	memset(p, 0, sizeof(*p));
}

void
policy_clean_path(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	if (len == 0)
		return;
	out[0] = '\0';
	if (*p != '/') {	/* not a host path (a volume name): as is */
		snprintf(out, len, "%s", in);
		return;
	}
	while (*p != '\0') {
		const char *s, *e;
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		e = p;
		n = (size_t)(e - s);
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;	/* the slash before it */
			out[o] = '\0';
			continue;
		}
		if (o + 1 + n + 1 > len)
			break;
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
		out[o] = '\0';
	}
	if (o == 0)
		snprintf(out, len, "/");
}

static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
glob_any(const struct policy_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (fnmatch(s->v[i], v, 0) == 0)
			return 1;
	return 0;
}

/* entry matches path: equal, path under entry (entry "/" matches only
 * itself), or a glob. */
static int
path_match(const char *entry, const char *path)
{
	size_t n = strlen(entry);

	if (has_glob(entry))
		return fnmatch(entry, path, 0) == 0;
	if (strcmp(entry, path) == 0)
		return 1;
	if (strcmp(entry, "/") == 0)
		return 0;
	return strncmp(entry, path, n) == 0 && path[n] == '/';
}

static int
paths_any(const struct policy_strs *s, const char *raw)
{
	char clean[4096];

	if (raw == NULL)
		return 0;
	policy_clean_path(raw, clean, sizeof(clean));
	for (size_t i = 0; i < s->n; i++)
		if (path_match(s->v[i], clean))
			return 1;
	return 0;
}

static int
mounts_match(const struct policy_strs *s, const struct json *sec)
{
	const struct json *m = json_get(sec, "mounts");

	for (size_t i = 0; i < json_len(m); i++) {
		const struct json *e = json_at(m, i);
		const char *type = json_str(json_get(e, "type"));
		const char *src = json_str(json_get(e, "source"));
		const char *dev = json_str(json_get(e, "device"));

		/* "invalid" binds are refused by dockerd; a volume whose
		 * driver options bind a host path counts by its device. */
		if (type != NULL && strcmp(type, "bind") == 0 && paths_any(s, src))
			return 1;
		if (dev != NULL && paths_any(s, dev))
			return 1;
	}
	return 0;
}

static int
caps_match(const struct policy_strs *s, const struct json *sec)
{
	const struct json *c = json_get(sec, "cap_add");

	for (size_t i = 0; i < json_len(c); i++) {
		const char *v = json_str(json_at(c, i));

		if (v == NULL)
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (strcasecmp(s->v[k], v) == 0 ||
			    strcasecmp(v, "ALL") == 0)
				return 1;
	}
	return 0;
}

static int
devices_match(const struct policy_strs *s, const struct json *sec)
{
	const struct json *d = json_get(sec, "devices");

	for (size_t i = 0; i < json_len(d); i++) {
		const char *v = json_str(json_at(d, i));

		if (v != NULL && (glob_any(s, v) || paths_any(s, v)))
			return 1;
	}
	return 0;
}

static int
mode_match(const struct policy_strs *s, const struct json *sec,
    const char *key)
{
	const char *v = json_str(json_get(sec, key));

	return v != NULL && glob_any(s, v);
}

static int
rule_match(const struct policy_rule *r, const char *action,
    const struct json *sec)
{
	if (r->actions.n > 0 && !glob_any(&r->actions, action))
		return 0;
	if (!r->has_condition)
		return 1;
	if (sec == NULL)
		return 0;
	if (r->privileged == 1 &&
	    !json_is_true(json_get(sec, "privileged")) &&
	    !json_is_true(json_path(sec, "exec.privileged")))
		return 0;
	if (r->bind_source.n > 0 && !mounts_match(&r->bind_source, sec))
		return 0;
	if (r->cap_add.n > 0 && !caps_match(&r->cap_add, sec))
		return 0;
	if (r->devices.n > 0 && !devices_match(&r->devices, sec))
		return 0;
	if (r->pid_mode.n > 0 && !mode_match(&r->pid_mode, sec, "pid_mode"))
		return 0;
	if (r->network_mode.n > 0 &&
	    !mode_match(&r->network_mode, sec, "network_mode"))
		return 0;
	if (r->ipc_mode.n > 0 && !mode_match(&r->ipc_mode, sec, "ipc_mode"))
		return 0;
	if (r->userns_mode.n > 0 &&
	    !mode_match(&r->userns_mode, sec, "userns_mode"))
		return 0;
	if (r->uts_mode.n > 0 && !mode_match(&r->uts_mode, sec, "uts_mode"))
		return 0;
	if (r->seccomp_unconfined == 1) {
		const char *v = json_str(json_get(sec, "seccomp"));
		if (v == NULL || strcmp(v, "unconfined") != 0)
			return 0;
	}
	if (r->apparmor_unconfined == 1) {
		const char *v = json_str(json_get(sec, "apparmor"));
		if (v == NULL || strcmp(v, "unconfined") != 0)
			return 0;
	}
	return 1;
}

int
policy_user_exempt(const struct policy *p, const char *user,
    const char *login_user)
{
	for (size_t i = 0; i < p->allow_users.n; i++) {
		if (user != NULL && strcmp(p->allow_users.v[i], user) == 0)
			return 1;
		if (login_user != NULL &&
		    strcmp(p->allow_users.v[i], login_user) == 0)
			return 1;
	}
	return 0;
}

const struct policy_rule *
policy_match(const struct policy *p, const char *action,
    const struct json *security, const char *user, const char *login_user)
{
	if (p == NULL || p->nrules == 0)
		return NULL;
	if (policy_user_exempt(p, user, login_user))
		return NULL;
	for (size_t i = 0; i < p->nrules; i++)
		if (rule_match(&p->rules[i], action, security))
			return &p->rules[i];
	return NULL;
}

void
policy_message(const struct policy_rule *r, char *out, size_t len)
{
	if (r->message != NULL)
		snprintf(out, len, "dockaudit policy: %s (rule %s)", r->message,
		    r->name);
	else
		snprintf(out, len, "dockaudit policy: denied by rule %s",
		    r->name);
}

int
policy_body_bearing(const char *action)
{
	static const char *acts[] = {
		"container.create", "container.update", "container.exec.create",
		"exec.start", "volume.create", "network.create",
		"network.connect", "plugin.pull", "plugin.upgrade",
		"service.create", "service.update", "swarm.init", "swarm.join",
		"container.commit", "plugin.set", "secret.create",
		"config.create", "swarm.update", "node.update",
		"plugin.create", NULL
	};

	for (int i = 0; acts[i] != NULL; i++)
		if (strcmp(acts[i], action) == 0)
			return 1;
	return 0;
}
