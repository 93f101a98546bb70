/* test-install.c -- `dockaudit install`'s pieces that must be exact:
 * daemon.json gains the plugin with every other byte kept, refusals name
 * the reason, the unified diff is what `diff -u` would print, and the
 * config diff a reload reports. */
#include "unit.h"

#include "base/err.h"
#include "cli/install.h"
#include "daemon/config.h"

static char *
edit(const char *in, const char *plugin, int *changed, struct buf *problems)
{
	buf_init(problems, 1 << 20);
	return inst_daemon_json(in, in ? strlen(in) : 0, plugin, "daemon.json",
	    changed, problems);
}

TEST(daemon_json_absent_is_created)
{
	struct buf p;
	int ch;
	char *o = edit(NULL, "dockaudit", &ch, &p);

	ASSERT_STREQ(o, "{\n  \"authorization-plugins\": [\"dockaudit\"]\n}\n");
	ASSERT_EQ(ch, 1);
	free(o);
	buf_free(&p);
}

TEST(daemon_json_key_added_before_first_with_its_indentation)
{
	struct buf p;
	int ch;
	char *o = edit("{\n\t\"log-driver\": \"journald\",\n\t\"debug\": true\n}",
	    "dockaudit", &ch, &p);

	ASSERT_STREQ(o, "{\n\t\"authorization-plugins\": [\"dockaudit\"],\n"
	    "\t\"log-driver\": \"journald\",\n\t\"debug\": true\n}");
	free(o);
	o = edit("{}", "dockaudit", &ch, &p);
	ASSERT_STREQ(o, "{\"authorization-plugins\": [\"dockaudit\"]}");
	free(o);
	o = edit("  {\"a\":1}\n", "dockaudit", &ch, &p);
	ASSERT_STREQ(o, "  {\"authorization-plugins\": [\"dockaudit\"],\"a\":1}\n");
	free(o);
	buf_free(&p);
}

TEST(daemon_json_appended_to_existing_list)
{
	struct buf p;
	int ch;
	char *o = edit("{\"authorization-plugins\": [\"opa\"], \"x\": [1]}",
	    "dockaudit", &ch, &p);

	ASSERT_STREQ(o, "{\"authorization-plugins\": [\"opa\", \"dockaudit\"], \"x\": [1]}");
	free(o);
	o = edit("{\"authorization-plugins\": [ ]}", "dockaudit", &ch, &p);
	ASSERT_STREQ(o, "{\"authorization-plugins\": [\"dockaudit\" ]}");
	free(o);
	/* multi-line list: after the last element, its line keeps its end */
	o = edit("{\n  \"authorization-plugins\": [\n    \"opa\"\n  ]\n}\n",
	    "dockaudit", &ch, &p);
	ASSERT_STREQ(o, "{\n  \"authorization-plugins\": [\n    \"opa\", \"dockaudit\"\n  ]\n}\n");
	free(o);
	buf_free(&p);
}

TEST(daemon_json_other_letter_case_is_the_key_go_reads)
{
	struct buf p;
	int ch;
	/* dockerd's Go decoder matches keys case-insensitively, last wins:
	 * the plugin goes into the list dockerd will read */
	char *o = edit("{\"Authorization-Plugins\": [\"opa\"]}", "dockaudit",
	    &ch, &p);

	ASSERT_STREQ(o, "{\"Authorization-Plugins\": [\"opa\", \"dockaudit\"]}");
	free(o);
	buf_free(&p);
}

TEST(daemon_json_already_there_is_unchanged)
{
	struct buf p;
	int ch;
	const char *in = "{ \"authorization-plugins\" : [ \"dockaudit\" ] }\n";
	char *o = edit(in, "dockaudit", &ch, &p);

	ASSERT_STREQ(o, in);
	ASSERT_EQ(ch, 0);
	free(o);
	buf_free(&p);
}

TEST(daemon_json_refusals)
{
	struct buf p;
	int ch;
	char *o;

	o = edit("{\"hosts\": [\"tcp://0.0.0.0:2375\"]}", "dockaudit", &ch, &p);
	ASSERT_NULL(o);
	ASSERT_CONTAINS(p.data, "Remove the \"hosts\" key");
	buf_free(&p);
	o = edit("{\"HOSTS\": []}", "dockaudit", &ch, &p);
	ASSERT_NULL(o);
	buf_free(&p);
	o = edit("{\"authorization-plugins\": \"opa\"}", "dockaudit", &ch, &p);
	ASSERT_NULL(o);
	ASSERT_CONTAINS(p.data, "is not a list");
	buf_free(&p);
	o = edit("{\"a\": 1,}", "dockaudit", &ch, &p);
	ASSERT_NULL(o);
	ASSERT_CONTAINS(p.data, "is not a JSON object");
	buf_free(&p);
	o = edit("[1]", "dockaudit", &ch, &p);
	ASSERT_NULL(o);
	buf_free(&p);
}

static char *
diff_of(const char *a, const char *b)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	inst_diff(f, "x", a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
	fclose(f);
	return out;
}

TEST(unified_diff)
{
	char *d;

	d = diff_of("a\nb\nc\n", "a\nB\nc\n");
	ASSERT_STREQ(d, "--- x\n+++ x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	free(d);
	d = diff_of(NULL, "new\n");
	ASSERT_STREQ(d, "--- /dev/null\n+++ x\n@@ -0,0 +1,1 @@\n+new\n");
	free(d);
	d = diff_of("old\n", NULL);
	ASSERT_STREQ(d, "--- x\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n");
	free(d);
	/* far apart: two hunks with three lines of context */
	d = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\nY\n");
	ASSERT_STREQ(d, "--- x\n+++ x\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
	    "@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+Y\n");
	free(d);
	d = diff_of("a", "b");
	ASSERT_CONTAINS(d, "-a\n\\ No newline at end of file\n+b\n\\ No newline");
	free(d);
}

static char changed_keys[512];

static void
note(const char *key, void *arg)
{
	(void)arg;
	strcat(changed_keys, key);
	strcat(changed_keys, " ");
}

TEST(config_diff_names_changed_keys)
{
	struct config a, b;
	char err[DA_ERRLEN];

	config_defaults(&a);
	config_defaults(&b);
	ASSERT_EQ(config_set(&b, "audit.read_level", "none", "t", err), DA_OK);
	ASSERT_EQ(config_set(&b, "run.user", "dockaudit", "t", err), DA_OK);
	ASSERT_EQ(config_set(&b, "listen", "unix:///x.sock", "t", err), DA_OK);
	changed_keys[0] = '\0';
	config_diff(&a, &b, note, NULL);
	ASSERT_STREQ(changed_keys, "listen audit.read_level run.user ");
	changed_keys[0] = '\0';
	config_diff(&b, &b, note, NULL);
	ASSERT_STREQ(changed_keys, "");
	config_free(&a);
	config_free(&b);
}


