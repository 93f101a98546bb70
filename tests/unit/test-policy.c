/* test-policy.c -- the deny policy: YAML loading through the config (strict,
 * with line numbers) and rule matching over security objects. */
#include "unit.h"

#include <stdio.h>

#include "base/err.h"
#include "daemon/config.h"
#include "json/json.h"
#include "policy/policy.h"

static char cfgpath[64];

static int
load(const char *yaml, struct config *cfg, char *err)
{
	FILE *f;

	snprintf(cfgpath, sizeof(cfgpath), "/tmp/da-policy.XXXXXX");
	ASSERT(mkstemp(cfgpath) >= 0);
	f = fopen(cfgpath, "w");
	ASSERT(f != NULL);
	fputs(yaml, f);
	fclose(f);
	config_defaults(cfg);
	int rc = config_load(cfg, cfgpath, err);
	unlink(cfgpath);
	return rc;
}

static const char sample[] =
    "journal:\n"
    "  dir: /tmp/x\n"
    "policy:\n"
    "  mode: enforce\n"
    "  deny:\n"
    "    - name: no-privileged\n"
    "      action: container.create\n"
    "      privileged: true\n"
    "      message: \"privileged containers are not allowed\"\n"
    "    - name: no-host-root\n"
    "      bind_source: [\"/\", \"/etc\", \"/var/run/docker.sock\"]\n"
    "    - name: no-sys-admin\n"
    "      cap_add: [sys_admin]\n"
    "    - pid_mode: host\n"
    "    - name: no-disable\n"
    "      action: \"plugin.disable\"\n"
    "  allow_users: [root, breakglass]\n";

static const struct policy_rule *
match(const struct policy *p, const char *action, const char *sec,
    const char *user)
{
	struct json *j = sec ? json_parse(sec, strlen(sec), NULL) : NULL;
	const struct policy_rule *r;

	if (sec != NULL)
		ASSERT(j != NULL);
	r = policy_match(p, action, j, user, NULL);
	json_free(j);
	return r;
}

TEST(policy_loads_from_config)
{
	struct config cfg;
	char err[DA_ERRLEN];

	ASSERT_EQ(load(sample, &cfg, err), DA_OK);
	ASSERT_EQ(cfg.policy.enforce, 1);
	ASSERT_EQ(cfg.policy.nrules, 5);
	ASSERT_STREQ(cfg.policy.rules[0].name, "no-privileged");
	ASSERT_STREQ(cfg.policy.rules[2].cap_add.v[0], "CAP_SYS_ADMIN");
	ASSERT_STREQ(cfg.policy.rules[3].name, "rule-line-14");
	ASSERT_EQ(cfg.policy.allow_users.n, 2);
	config_free(&cfg);
}

TEST(policy_strict_errors_name_line_and_fix)
{
	struct config cfg;
	char err[DA_ERRLEN];

	ASSERT(load("policy:\n  deny:\n    - name: x\n      privilegd: true\n",
	    &cfg, err) != DA_OK);
	ASSERT_CONTAINS(err, "line 4");
	ASSERT_CONTAINS(err, "unknown policy field 'privilegd'");
	ASSERT_CONTAINS(err, "expected name, message, action, privileged");
	config_free(&cfg);
	ASSERT(load("policy:\n  mode: enfrce\n", &cfg, err) != DA_OK);
	ASSERT_CONTAINS(err, "line 2: policy mode: expected observe or enforce");
	config_free(&cfg);
	ASSERT(load("policy:\n  deny:\n    - name: x\n", &cfg, err) != DA_OK);
	ASSERT_CONTAINS(err, "has no condition");
	config_free(&cfg);
	ASSERT(load("policy:\n  deny:\n    - privileged: false\n", &cfg, err) !=
	    DA_OK);
	ASSERT_CONTAINS(err, "only 'true' is meaningful");
	config_free(&cfg);
	ASSERT(load("policy:\n  deny:\n    - bind_source: etc\n", &cfg, err) !=
	    DA_OK);
	ASSERT_CONTAINS(err, "not an absolute host path");
	config_free(&cfg);
	ASSERT(load("policy:\n  deny:\n    - {name: a, pid_mode: host}\n"
	    "    - {name: a, ipc_mode: host}\n", &cfg, err) != DA_OK);
	ASSERT_CONTAINS(err, "rule name 'a' already used on line 3");
	config_free(&cfg);
	ASSERT(load("policy:\n  alow_users: [x]\n", &cfg, err) != DA_OK);
	ASSERT_CONTAINS(err, "unknown policy key 'alow_users'");
	config_free(&cfg);
}

TEST(policy_matching)
{
	struct config cfg;
	char err[DA_ERRLEN];
	const struct policy_rule *r;

	ASSERT_EQ(load(sample, &cfg, err), DA_OK);
	r = match(&cfg.policy, "container.create", "{\"privileged\":true}", NULL);
	ASSERT(r != NULL);
	ASSERT_STREQ(r->name, "no-privileged");
	ASSERT_NULL(match(&cfg.policy, "container.create",
	    "{\"privileged\":false}", NULL));
	/* the action glob limits the privileged rule to creates */
	ASSERT_NULL(match(&cfg.policy, "container.update",
	    "{\"privileged\":true}", NULL));
	/* exec create: exec.privileged counts for the privileged field,
	 * but that rule names container.create only */
	ASSERT_NULL(match(&cfg.policy, "container.exec.create",
	    "{\"exec\":{\"privileged\":true}}", NULL));
	/* exempt users */
	ASSERT_NULL(match(&cfg.policy, "container.create",
	    "{\"privileged\":true}", "root"));
	/* binds: exact, under, cleaned, root only itself */
	r = match(&cfg.policy, "container.create", "{\"mounts\":[{\"type\":"
	    "\"bind\",\"source\":\"//etc/./\",\"target\":\"/h\"}]}", "alice");
	ASSERT(r != NULL && strcmp(r->name, "no-host-root") == 0);
	ASSERT(match(&cfg.policy, "container.create", "{\"mounts\":[{\"type\":"
	    "\"bind\",\"source\":\"/etc/shadow\"}]}", NULL) != NULL);
	ASSERT(match(&cfg.policy, "container.create", "{\"mounts\":[{\"type\":"
	    "\"bind\",\"source\":\"/tmp/../\"}]}", NULL) != NULL);
	ASSERT_NULL(match(&cfg.policy, "container.create", "{\"mounts\":[{\"type"
	    "\":\"bind\",\"source\":\"/tmp\"}]}", NULL));
	ASSERT_NULL(match(&cfg.policy, "container.create", "{\"mounts\":[{\"type"
	    "\":\"bind\",\"source\":\"/etcetera\"}]}", NULL));
	ASSERT_NULL(match(&cfg.policy, "container.create", "{\"mounts\":[{\"type"
	    "\":\"volume\",\"source\":\"etc\"}]}", NULL));
	/* a volume whose driver options bind a host path */
	ASSERT(match(&cfg.policy, "volume.create", "{\"mounts\":[{\"type\":"
	    "\"volume\",\"source\":\"v\",\"device\":\"/etc\",\"bind\":true}]}",
	    NULL) != NULL);
	/* caps: normalised, ALL covers everything */
	r = match(&cfg.policy, "container.create",
	    "{\"cap_add\":[\"CAP_SYS_ADMIN\"]}", NULL);
	ASSERT(r != NULL && strcmp(r->name, "no-sys-admin") == 0);
	ASSERT(match(&cfg.policy, "container.create", "{\"cap_add\":[\"ALL\"]}",
	    NULL) != NULL);
	ASSERT_NULL(match(&cfg.policy, "container.create",
	    "{\"cap_add\":[\"CAP_NET_ADMIN\"]}", NULL));
	r = match(&cfg.policy, "container.create", "{\"pid_mode\":\"host\"}", NULL);
	ASSERT(r != NULL && strcmp(r->name, "rule-line-14") == 0);
	/* an action-only rule matches without a body */
	r = match(&cfg.policy, "plugin.disable", NULL, NULL);
	ASSERT(r != NULL && strcmp(r->name, "no-disable") == 0);
	ASSERT_NULL(match(&cfg.policy, "container.create", NULL, NULL));
	config_free(&cfg);
}

TEST(policy_message_format)
{
	struct config cfg;
	char err[DA_ERRLEN], msg[256];

	ASSERT_EQ(load(sample, &cfg, err), DA_OK);
	policy_message(&cfg.policy.rules[0], msg, sizeof(msg));
	ASSERT_STREQ(msg, "dockaudit policy: privileged containers are not "
	    "allowed (rule no-privileged)");
	policy_message(&cfg.policy.rules[1], msg, sizeof(msg));
	ASSERT_STREQ(msg, "dockaudit policy: denied by rule no-host-root");
	config_free(&cfg);
}

TEST(policy_clean_path)
{
	char out[256];

	policy_clean_path("/", out, sizeof(out));
	ASSERT_STREQ(out, "/");
	policy_clean_path("//etc//", out, sizeof(out));
	ASSERT_STREQ(out, "/etc");
	policy_clean_path("/a/b/../../../etc/./x", out, sizeof(out));
	ASSERT_STREQ(out, "/etc/x");
	policy_clean_path("vol", out, sizeof(out));
	ASSERT_STREQ(out, "vol");
}
