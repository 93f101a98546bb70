/* test-config.c -- the configuration loader: a full valid file, flags over
 * file, and every kind of mistake answered with file, line and the fix. */
#include "unit.h"

#include "base/err.h"
#include "daemon/config.h"

static char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/da-config-%d.yaml", (int)getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

TEST(full_file)
{
	struct config c;
	char err[DA_ERRLEN] = "";
	const char *p = write_tmp(
	    "# dockaudit\n"
	    "listen:\n  - unix:///run/a.sock\n  - /run/b.sock\n"
	    "backend: unix:///run/dockaudit/docker.sock\n"
	    "journal:\n  dir: /var/lib/da\n  segment_size: 16MiB\n"
	    "  segment_age: 1h\n  fsync: false\n  on_failure: allow\n"
	    "socket: {mode: \"0600\", group: \"0\"}\n"
	    "limits:\n  body_bytes: 1MiB\n  header_timeout: 5s\n  max_connections: 10\n"
	    "audit:\n  level: request_response\n  read_level: none\n");

	config_defaults(&c);
	ASSERT_EQ(config_load(&c, p, err), DA_OK);
	ASSERT_EQ(c.nlisten, 2);
	ASSERT_STREQ(c.listen[0], "/run/a.sock");
	ASSERT_STREQ(c.listen[1], "/run/b.sock");
	ASSERT_STREQ(c.backend, "/run/dockaudit/docker.sock");
	ASSERT_STREQ(c.journal_dir, "/var/lib/da");
	ASSERT_EQ(c.segment_size, 16 << 20);
	ASSERT_EQ(c.segment_age_s, 3600);
	ASSERT_EQ(c.fsync, 0);
	ASSERT_EQ(c.on_failure_block, 0);
	ASSERT_EQ(c.socket_mode, 0600);
	ASSERT_EQ(c.body_limit, 1 << 20);
	ASSERT_EQ(c.header_timeout_s, 5);
	ASSERT_EQ(c.max_connections, 10);
	ASSERT_EQ(c.level_write, 3);
	ASSERT_EQ(c.level_read, 0);
	ASSERT_EQ(config_validate(&c, err), DA_OK);
	config_free(&c);
	unlink(p);
}

TEST(defaults)
{
	struct config c;
	char err[DA_ERRLEN];

	config_defaults(&c);
	ASSERT_EQ(c.fsync, 1);
	ASSERT_EQ(c.on_failure_block, 1);
	ASSERT_EQ(c.socket_mode, 0660);
	ASSERT_STREQ(c.socket_group, "docker");
	ASSERT_EQ(c.body_limit, 4 << 20);
	ASSERT_EQ(c.nlisten, 0);
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "--listen");
	config_free(&c);
}

static void
expect_error(const char *yaml, const char *needle)
{
	struct config c;
	char err[DA_ERRLEN] = "";
	const char *p = write_tmp(yaml);

	config_defaults(&c);
	if (config_load(&c, p, err) == DA_OK)
		UNIT_FAIL("accepted: %s", yaml);
	ASSERT_CONTAINS(err, needle);
	ASSERT_CONTAINS(err, p);
	config_free(&c);
	unlink(p);
}

TEST(errors_name_line_and_fix)
{
	expect_error("listen: unix:///a\njournal:\n  sice: 3\n",
	    "line 3: unknown key 'journal.sice' (expected dir, segment_size");
	expect_error("lisen: /a\n", "line 1: unknown key 'lisen' (expected listen, backend, journal");
	expect_error("backend: tcp://1.2.3.4:2375\n", "line 1: backend: 'tcp://1.2.3.4:2375' is not a unix socket address (expected unix:///PATH)");
	expect_error("limits:\n  body_bytes: lots\n", "line 2: limits.body_bytes: 'lots' is not a size");
	expect_error("journal:\n  on_failure: maybe\n", "line 2: journal.on_failure: 'maybe' (expected block or allow)");
	expect_error("audit:\n  level: verbose\n", "unknown level 'verbose'");
	expect_error("socket:\n  mode: 999\n", "not an octal mode");
	expect_error("backend: [a, b]\n", "takes one value, not a list");
	expect_error("listen: [unix:///a\n", "line");
	expect_error("- a\n- b\n", "top level must be a mapping");
	expect_error("journal:\n  fsync: perhaps\n", "not a boolean");
}

TEST(flags_override_and_validate)
{
	struct config c;
	char err[DA_ERRLEN] = "";

	config_defaults(&c);
	ASSERT_EQ(config_set(&c, "listen", "unix:///x.sock", "--listen", err), DA_OK);
	ASSERT_EQ(config_set(&c, "journal.dir", "/j", "--journal", err), DA_OK);
	ASSERT_EQ(config_set(&c, "backend", "/x.sock", "--backend", err), DA_OK);
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "is also the backend");
	ASSERT_EQ(config_set(&c, "limits.body_bytes", "12Q", "--body-limit", err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "--body-limit: limits.body_bytes: '12Q' is not a size");
	ASSERT_EQ(config_set(&c, "audit.level", "none", "--level", err), DA_OK);
	ASSERT_EQ(config_set(&c, "backend", "/y.sock", "--backend", err), DA_OK);
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "none is not allowed for mutating calls");
	config_free(&c);
}

TEST(journal_compress_and_retention)
{
	struct config c;
	char err[DA_ERRLEN] = "";
	const char *p = write_tmp(
	    "listen: unix:///run/a.sock\n"
	    "journal:\n  dir: /var/lib/da\n  compress: zstd\n"
	    "  retention:\n    max_age: 30d\n    max_bytes: 10GiB\n"
	    "    hard_max_bytes: 20GiB\n    check_interval: 5s\n");

	config_defaults(&c);
	ASSERT_EQ(c.compress, 0);		/* default none */
	ASSERT_EQ(c.retention_max_age_s, 0);	/* default: keep */
	ASSERT_EQ(c.retention_interval_s, 60);
	ASSERT_EQ(config_load(&c, p, err), DA_OK);
	ASSERT_EQ(c.compress, 1);
	ASSERT_EQ(c.retention_max_age_s, 30 * 86400);
	ASSERT_EQ(c.retention_max_bytes, 10ull << 30);
	ASSERT_EQ(c.retention_hard_max_bytes, 20ull << 30);
	ASSERT_EQ(c.retention_interval_s, 5);
	ASSERT_EQ(config_validate(&c, err), DA_OK);
	/* the hard cap below the normal limit */
	ASSERT_EQ(config_set(&c, "journal.retention.hard_max_bytes", "1GiB",
	    "--hard-max-bytes", err), DA_OK);
	ASSERT(config_validate(&c, err) != DA_OK);
	ASSERT_CONTAINS(err, "hard_max_bytes must be at least max_bytes");
	ASSERT(config_set(&c, "journal.compress", "lz4", "x", err) != DA_OK);
	ASSERT_CONTAINS(err, "expected zstd or none");
	ASSERT(config_set(&c, "journal.retention.max_ag", "1d", "x", err) != DA_OK);
	ASSERT_CONTAINS(err, "expected max_age, max_bytes, hard_max_bytes, check_interval");
	config_free(&c);
	unlink(p);
}
