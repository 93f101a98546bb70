/* test-auditpolicy.c -- audit.rules: parsing (every error with file and
 * line), matching, first match wins, and the metadata floor for mutating
 * calls (refused at load, clamped at run time). */
#include "unit.h"

#include "base/err.h"
#include "capture/proxy.h"
#include "daemon/config.h"
#include "policy/auditpolicy.h"

static char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/da-auditpol-%d.yaml", (int)getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static int
load(struct config *c, const char *yaml, char *err)
{
	const char *p = write_tmp(yaml);
	int rc;

	config_defaults(c);
	rc = config_load(c, p, err);
	unlink(p);
	return rc;
}

static void
expect_error(const char *yaml, const char *needle)
{
	struct config c;
	char err[DA_ERRLEN] = "";

	if (load(&c, yaml, err) == DA_OK)
		UNIT_FAIL("accepted: %s", yaml);
	ASSERT_CONTAINS(err, needle);
	ASSERT_CONTAINS(err, "/tmp/da-auditpol-");
	config_free(&c);
}

static const char rules[] =
    "audit:\n"
    "  level: request\n"
    "  rules:\n"
    "    - name: quiet-monitor\n"			/* line 4 */
    "      actions: [system.ping, container.list]\n"
    "      users: nagios\n"
    "      level: none\n"
    "    - name: curl-reads\n"			/* line 8 */
    "      programs: curl\n"
    "      actions: '*.list'\n"
    "      level: request_response\n"
    "      omit_stages: [response]\n"
    "    - name: ci\n"				/* line 13 */
    "      groups: [ci, '1234']\n"
    "      containers: abc123\n"
    "      programs: /usr/bin/dock*\n"
    "      level: metadata\n"
    "    - actions: 'container.*'\n"		/* line 18 */
    "      level: request_response\n";

TEST(parse_rules)
{
	struct config c;
	char err[DA_ERRLEN] = "";

	ASSERT_EQ(load(&c, rules, err), DA_OK);
	ASSERT_EQ(c.audit_rules.n, 4);
	ASSERT_STREQ(c.audit_rules.v[0].name, "quiet-monitor");
	ASSERT_EQ(c.audit_rules.v[0].line, 4);
	ASSERT_EQ(c.audit_rules.v[0].level, LEVEL_NONE);
	ASSERT_EQ(c.audit_rules.v[0].actions.n, 2);
	ASSERT_EQ(c.audit_rules.v[0].users.n, 1);
	ASSERT_EQ(c.audit_rules.v[1].omit, AUDIT_OMIT_RESPONSE);
	ASSERT_EQ(c.audit_rules.v[1].level, LEVEL_REQUEST_RESPONSE);
	ASSERT_EQ(c.audit_rules.v[2].groups.n, 2);
	ASSERT_STREQ(c.audit_rules.v[3].name, "audit-rule-4");
	ASSERT_EQ(c.audit_rules.v[3].line, 18);
	ASSERT_EQ(c.level_write, LEVEL_REQUEST);
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);	/* no listen: unrelated */
	config_free(&c);
}

TEST(parse_errors_name_file_line_and_fix)
{
	expect_error("audit:\n  rules:\n    - actions: system.ping\n",
	    "line 3: audit rule 1 has no level (give level: none, metadata");
	expect_error("audit:\n  level: request\n  rules: none\n",
	    "line 3: audit.rules: expected a list of rules");
	expect_error("audit:\n  rules: {level: none}\n",
	    "line 2: audit.rules: expected a list of rules");
	expect_error("audit:\n  rules:\n    - level: loud\n",
	    "line 3: audit rule level: unknown level 'loud' (expected none, "
	    "metadata, request or request_response)");
	expect_error("audit:\n  rules:\n    - level: metadata\n      omit_stages: [reply]\n",
	    "line 4: audit rule omit_stages: unknown stage 'reply' (expected "
	    "request, response or session)");
	expect_error("audit:\n  rules:\n    - level: metadata\n      user: x\n",
	    "line 4: unknown audit rule field 'user' (expected name, actions, "
	    "users, groups");
	expect_error("audit:\n  rules:\n    - system.ping\n",
	    "line 3: audit.rules: each rule is a mapping");
	expect_error("audit:\n  rules:\n    - level: metadata\n      users: ''\n",
	    "line 4: audit rule users: empty value");
	expect_error("audit:\n  rules:\n    - level: metadata\n      users: {a: b}\n",
	    "line 4: audit rule users: expected a value or a list of values");
	expect_error("audit:\n  rules:\n    - level: metadata\n      users: [[a]]\n",
	    "line 4: audit rule users: list entries must be plain values");
	expect_error("audit:\n  rules:\n    - level: [none]\n",
	    "line 3: audit rule level: expected a plain value");
	expect_error("audit:\n  rules:\n    - {name: a, level: metadata}\n"
	    "    - {name: a, level: request}\n",
	    "line 4: audit rule name 'a' already used on line 3");
	expect_error("audit:\n  rules:\n    - level: metadata\n      ? [x]\n      : y\n",
	    "line 4: audit rule keys must be plain words");
}

TEST(mutating_at_none_is_refused)
{
	expect_error("audit:\n  rules:\n    - level: metadata\n      actions: system.ping\n"
	    "    - name: quiet\n      actions: 'container.*'\n      level: none\n",
	    "line 5: audit rule 2 would drop mutating calls (container.");
	expect_error("audit:\n  rules:\n    - actions: 'container.*'\n      level: none\n",
	    "matches 'container.*'); mutating calls keep at least metadata: "
	    "give level metadata or narrow 'actions' to reads");
	/* no actions: every call, mutating ones included */
	expect_error("audit:\n  rules:\n    - users: nagios\n      level: none\n",
	    "the rule names no actions, so it matches every call");
	/* omitting the request stage of a mutating call drops it too */
	expect_error("audit:\n  rules:\n    - actions: container.create\n"
	    "      level: request\n      omit_stages: [request]\n",
	    "would drop mutating calls (container.create matches "
	    "'container.create'); mutating calls keep at least metadata: give "
	    "no 'request' in omit_stages");
}

TEST(reads_at_none_and_mutating_omit_response_are_accepted)
{
	struct config c;
	char err[DA_ERRLEN] = "";

	ASSERT_EQ(load(&c, "audit:\n  rules:\n"
	    "    - actions: [system.ping, container.list, 'image.*list*']\n"
	    "      level: none\n"
	    "    - actions: container.create\n      level: metadata\n"
	    "      omit_stages: [response, session]\n", err), DA_OK);
	ASSERT_EQ(c.audit_rules.n, 2);
	ASSERT_EQ(c.audit_rules.v[1].omit,
	    AUDIT_OMIT_RESPONSE | AUDIT_OMIT_SESSION);
	config_free(&c);
}

static const char nagios[] = "{\"uid\":1001,\"user\":\"nagios\",\"gid\":1001,"
    "\"group\":\"nagios\",\"login_user\":null,\"comm\":\"check_docker\","
    "\"exe\":\"/usr/lib/nagios/check_docker\",\"container\":null}";
static const char alice_cli[] = "{\"uid\":0,\"user\":\"root\",\"gid\":1234,"
    "\"group\":\"wheel\",\"login_user\":\"alice\",\"comm\":\"docker\","
    "\"exe\":\"/usr/bin/docker\",\"container\":\"abc123def\"}";
static const char curl_root[] = "{\"uid\":0,\"user\":\"root\",\"gid\":0,"
    "\"group\":\"root\",\"comm\":\"curl\",\"exe\":\"/usr/bin/curl\"}";

static void
decide(const struct config *c, const char *action, int mutating,
    const char *actor, struct audit_decision *d)
{
	audit_level_for(&c->audit_rules, c->level_write, c->level_read, action,
	    mutating, actor, actor ? strlen(actor) : 0, d);
}

TEST(first_match_wins)
{
	struct config c;
	char err[DA_ERRLEN] = "";
	struct audit_decision d;

	ASSERT_EQ(load(&c, rules, err), DA_OK);
	decide(&c, "system.ping", 0, nagios, &d);
	ASSERT_EQ(d.level, LEVEL_NONE);
	ASSERT_STREQ(d.rule, "quiet-monitor");
	/* same action, another user: no rule -> read_level, no rule named */
	decide(&c, "system.ping", 0, curl_root, &d);
	ASSERT_EQ(d.level, LEVEL_METADATA);
	ASSERT_NULL(d.rule);
	/* nagios listing containers matches rule 1 before curl-reads */
	decide(&c, "container.list", 0, nagios, &d);
	ASSERT_STREQ(d.rule, "quiet-monitor");
	decide(&c, "container.list", 0, curl_root, &d);
	ASSERT_STREQ(d.rule, "curl-reads");
	ASSERT_EQ(d.level, LEVEL_REQUEST_RESPONSE);
	ASSERT_EQ(d.omit, AUDIT_OMIT_RESPONSE);
	/* login user, group by gid, container prefix, exe glob: ci (any
	 * action: the rule names none) */
	decide(&c, "system.ping", 0, alice_cli, &d);
	ASSERT_STREQ(d.rule, "ci");
	decide(&c, "container.create", 1, alice_cli, &d);
	ASSERT_STREQ(d.rule, "ci");
	ASSERT_EQ(d.level, LEVEL_METADATA);
	/* curl creating a container: not *.list, not ci: the catch-all */
	decide(&c, "container.create", 1, curl_root, &d);
	ASSERT_STREQ(d.rule, "audit-rule-4");
	ASSERT_EQ(d.level, LEVEL_REQUEST_RESPONSE);
	/* nothing matches: the old defaults exactly */
	decide(&c, "image.pull", 1, curl_root, &d);
	ASSERT_EQ(d.level, LEVEL_REQUEST);
	ASSERT_NULL(d.rule);
	decide(&c, "image.list", 0, NULL, &d);
	ASSERT_EQ(d.level, LEVEL_METADATA);
	config_free(&c);
}

TEST(users_match_user_login_user_or_uid)
{
	struct config c;
	char err[DA_ERRLEN] = "";
	struct audit_decision d;

	ASSERT_EQ(load(&c, "audit:\n  rules:\n"
	    "    - {name: by-login, users: alice, actions: system.ping, level: none}\n"
	    "    - {name: by-uid, users: '1001', actions: system.ping, level: none}\n"
	    "    - {name: by-group, groups: root, actions: system.ping, level: none}\n",
	    err), DA_OK);
	decide(&c, "system.ping", 0, alice_cli, &d);
	ASSERT_STREQ(d.rule, "by-login");
	decide(&c, "system.ping", 0, nagios, &d);
	ASSERT_STREQ(d.rule, "by-uid");
	decide(&c, "system.ping", 0, curl_root, &d);
	ASSERT_STREQ(d.rule, "by-group");
	/* an actor with no fields matches no caller condition */
	decide(&c, "system.ping", 0, "{}", &d);
	ASSERT_NULL(d.rule);
	config_free(&c);
}

TEST(mutating_calls_are_clamped_to_metadata)
{
	struct audit_rules r = { 0 };
	struct audit_rule rule = { 0 };
	char name[] = "hand-made";
	struct audit_decision d;

	/* a rule the loader would refuse, built by hand */
	rule.name = name;
	rule.level = LEVEL_NONE;
	rule.omit = AUDIT_OMIT_REQUEST | AUDIT_OMIT_RESPONSE;
	r.v = &rule;
	r.n = 1;
	audit_level_for(&r, LEVEL_REQUEST, LEVEL_METADATA, "container.create",
	    1, NULL, 0, &d);
	ASSERT_EQ(d.level, LEVEL_METADATA);
	ASSERT_EQ(d.omit, AUDIT_OMIT_RESPONSE);
	ASSERT_STREQ(d.rule, "hand-made");
	audit_level_for(&r, LEVEL_REQUEST, LEVEL_METADATA, "container.list",
	    0, NULL, 0, &d);
	ASSERT_EQ(d.level, LEVEL_NONE);
	ASSERT_EQ(d.omit, AUDIT_OMIT_REQUEST | AUDIT_OMIT_RESPONSE);
	/* no rules at all: exactly the two levels */
	audit_level_for(NULL, LEVEL_REQUEST, LEVEL_NONE, "container.list", 0,
	    NULL, 0, &d);
	ASSERT_EQ(d.level, LEVEL_NONE);
	ASSERT_NULL(d.rule);
}

TEST(stage_bits)
{
	ASSERT_EQ(audit_stage_bit("request"), AUDIT_OMIT_REQUEST);
	ASSERT_EQ(audit_stage_bit("response"), AUDIT_OMIT_RESPONSE);
	ASSERT_EQ(audit_stage_bit("session"), AUDIT_OMIT_SESSION);
	ASSERT_EQ(audit_stage_bit("decision"), 0);
}

static void
note_key(const char *key, void *arg)
{
	if (strcmp(key, "audit.rules") == 0)
		(*(int *)arg)++;
}

TEST(reload_diff_names_audit_rules)
{
	struct config a, b;
	char err[DA_ERRLEN] = "";
	int n = 0;

	ASSERT_EQ(load(&a, rules, err), DA_OK);
	ASSERT_EQ(load(&b, rules, err), DA_OK);
	config_diff(&a, &b, note_key, &n);
	ASSERT_EQ(n, 0);
	config_free(&b);
	ASSERT_EQ(load(&b, "audit:\n  rules:\n    - {actions: system.ping, level: none}\n",
	    err), DA_OK);
	config_diff(&a, &b, note_key, &n);
	ASSERT_EQ(n, 1);
	config_free(&a);
	config_free(&b);
}
