/* test-cursor.c -- consumer cursors: names, atomic write, read, list. */
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"

#include "base/err.h"
#include "journal/cursor.h"
#include "journal/journal.h"

static char tdir[256], jdir[300];

static void
setup(void)
{
	char err[DA_ERRLEN];

	snprintf(tdir, sizeof(tdir), "/tmp/da-ctest.XXXXXX");
	ASSERT(mkdtemp(tdir) != NULL);
	snprintf(jdir, sizeof(jdir), "%s/j", tdir);
	ASSERT_EQ(jrn_init(jdir, NULL, err), DA_OK);
}

static void
rm_tmp(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ASSERT_EQ(system(cmd), 0);
}

TEST(names)
{
	char n64[65], n65[66];

	memset(n64, 'a', 64);
	n64[64] = '\0';
	memset(n65, 'a', 65);
	n65[65] = '\0';
	ASSERT(jrn_cursor_name_ok("syslog"));
	ASSERT(jrn_cursor_name_ok("out.clickhouse-1_x"));
	ASSERT(jrn_cursor_name_ok("0"));
	ASSERT(jrn_cursor_name_ok(".hidden"));
	ASSERT(jrn_cursor_name_ok(n64));
	ASSERT(!jrn_cursor_name_ok(n65));
	ASSERT(!jrn_cursor_name_ok(""));
	ASSERT(!jrn_cursor_name_ok(NULL));
	ASSERT(!jrn_cursor_name_ok("."));
	ASSERT(!jrn_cursor_name_ok(".."));
	ASSERT(!jrn_cursor_name_ok("../x"));
	ASSERT(!jrn_cursor_name_ok("a/b"));
	ASSERT(!jrn_cursor_name_ok("Syslog"));
	ASSERT(!jrn_cursor_name_ok("a b"));
	ASSERT(!jrn_cursor_name_ok("a~"));
	ASSERT(!jrn_cursor_name_ok("caf\xc3\xa9"));
}

TEST(write_read_overwrite)
{
	char err[DA_ERRLEN], p[400];
	struct stat st;
	uint64_t seq = 99;

	setup();
	ASSERT_EQ(jrn_cursor_read(jdir, "syslog", &seq, err), DA_E_NOTFOUND);
	ASSERT_EQ(seq, 99);
	ASSERT_EQ(jrn_cursor_write(jdir, "syslog", 42, err), DA_OK);
	ASSERT_EQ(jrn_cursor_read(jdir, "syslog", &seq, err), DA_OK);
	ASSERT_EQ(seq, 42);
	ASSERT_EQ(jrn_cursor_write(jdir, "syslog", UINT64_MAX, err), DA_OK);
	ASSERT_EQ(jrn_cursor_read(jdir, "syslog", &seq, err), DA_OK);
	ASSERT(seq == UINT64_MAX);
	ASSERT_EQ(jrn_cursor_write(jdir, "syslog", 0, err), DA_OK);
	ASSERT_EQ(jrn_cursor_read(jdir, "syslog", &seq, err), DA_OK);
	ASSERT_EQ(seq, 0);
	snprintf(p, sizeof(p), "%s/cursors/syslog", jdir);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0640);
	snprintf(p, sizeof(p), "%s/cursors/syslog~", jdir);
	ASSERT(stat(p, &st) < 0);	/* no temporary left */
	rm_tmp();
}

TEST(invalid_names_rejected)
{
	char err[DA_ERRLEN];
	uint64_t seq;

	setup();
	ASSERT_EQ(jrn_cursor_write(jdir, "../journal.meta", 1, err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "bad cursor name");
	ASSERT_EQ(jrn_cursor_write(jdir, "..", 1, err), DA_E_INVAL);
	ASSERT_EQ(jrn_cursor_read(jdir, "A", &seq, err), DA_E_INVAL);
	ASSERT_EQ(jrn_cursor_remove(jdir, "x/y", err), DA_E_INVAL);
	rm_tmp();
}

TEST(corrupt_cursor_file)
{
	char err[DA_ERRLEN], p[400];
	uint64_t seq;
	FILE *f;
	const char *bad[] = { "", "x\n", "12x\n", "-1\n", "007\n",
	    "99999999999999999999999\n", "18446744073709551616\n" };

	setup();
	snprintf(p, sizeof(p), "%s/cursors/c", jdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT((f = fopen(p, "w")) != NULL);
		fputs(bad[i], f);
		fclose(f);
		ASSERT_EQ(jrn_cursor_read(jdir, "c", &seq, err), DA_E_CORRUPT);
	}
	rm_tmp();
}

TEST(list_and_remove)
{
	struct jrn_cursor *c;
	char err[DA_ERRLEN], p[400];
	size_t n;
	FILE *f;

	setup();
	ASSERT_EQ(jrn_cursor_list(jdir, &c, &n, err), DA_OK);
	ASSERT_EQ(n, 0);
	free(c);
	ASSERT_EQ(jrn_cursor_write(jdir, "webhook", 7, err), DA_OK);
	ASSERT_EQ(jrn_cursor_write(jdir, "clickhouse", 1000, err), DA_OK);
	ASSERT_EQ(jrn_cursor_write(jdir, "rules", 3, err), DA_OK);
	/* leftovers that are not cursors */
	snprintf(p, sizeof(p), "%s/cursors/rules~", jdir);
	ASSERT((f = fopen(p, "w")) != NULL);
	fputs("5\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/cursors/broken", jdir);
	ASSERT((f = fopen(p, "w")) != NULL);
	fputs("nope", f);
	fclose(f);
	ASSERT_EQ(jrn_cursor_list(jdir, &c, &n, err), DA_OK);
	ASSERT_EQ(n, 3);
	ASSERT_STREQ(c[0].name, "clickhouse");
	ASSERT_EQ(c[0].seq, 1000);
	ASSERT_STREQ(c[1].name, "rules");
	ASSERT_EQ(c[1].seq, 3);
	ASSERT_STREQ(c[2].name, "webhook");
	ASSERT_EQ(c[2].seq, 7);
	free(c);
	ASSERT_EQ(jrn_cursor_remove(jdir, "rules", err), DA_OK);
	ASSERT_EQ(jrn_cursor_remove(jdir, "rules", err), DA_E_NOTFOUND);
	ASSERT_EQ(jrn_cursor_list(jdir, &c, &n, err), DA_OK);
	ASSERT_EQ(n, 2);
	free(c);
	rm_tmp();
}

TEST(creates_cursor_dir)
{
	char err[DA_ERRLEN], p[400];
	struct jrn_cursor *c;
	uint64_t seq;
	size_t n;

	setup();
	snprintf(p, sizeof(p), "%s/cursors", jdir);
	ASSERT_EQ(rmdir(p), 0);
	ASSERT_EQ(jrn_cursor_list(jdir, &c, &n, err), DA_OK);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(jrn_cursor_read(jdir, "x", &seq, err), DA_E_NOTFOUND);
	ASSERT_EQ(jrn_cursor_write(jdir, "x", 5, err), DA_OK);
	ASSERT_EQ(jrn_cursor_read(jdir, "x", &seq, err), DA_OK);
	ASSERT_EQ(seq, 5);
	rm_tmp();
}
