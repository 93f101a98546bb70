/* test-search.c -- `dockaudit search` and `dockaudit tail`, end to end
 * through the real journal: records are rendered by evt_render, written
 * with jrn_submit, and read back by cli_search / cli_tail run with argv
 * arrays and their stdout/stderr captured.  Outputs are compared exactly:
 * NDJSON against the lines as stored, the table against its full text. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/filter.h"
#include "event/record.h"
#include "journal/journal.h"
#include "journal/reader.h"

#include "unit.h"

#define T0	((int64_t)1795852800 * 1000000000)	/* 2026-11-28T08:00:00Z */
#define SEC	((int64_t)1000000000)
#define MS	((int64_t)1000000)

#define CID	"9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c"
#define OID	"3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define XID	"e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00"

/* actors as peer.c renders them */
#define ALICE	"{\"auth\":\"peercred\",\"uid\":0,\"user\":\"root\",\"gid\":0," \
	"\"pid\":4242,\"loginuid\":1001,\"login_user\":\"alice\"," \
	"\"sessionid\":7,\"comm\":\"docker\",\"exe\":\"/usr/bin/docker\"," \
	"\"cmdline\":[\"docker\",\"run\",\"nginx\"],\"tty\":\"pts/1\"," \
	"\"container\":null,\"cert_subject\":null,\"remote\":null}"
#define BOB	"{\"auth\":\"peercred\",\"uid\":1002,\"user\":\"bob\",\"gid\":1002," \
	"\"pid\":5151,\"loginuid\":1002,\"login_user\":\"bob\"," \
	"\"sessionid\":9,\"comm\":\"docker\",\"exe\":\"/usr/bin/docker\"," \
	"\"cmdline\":[\"docker\",\"pull\",\"busybox\",\"--label=alice\"]," \
	"\"tty\":null,\"container\":null,\"cert_subject\":null,\"remote\":null}"
#define INCTR	"{\"auth\":\"peercred\",\"uid\":0,\"user\":\"root\",\"gid\":0," \
	"\"pid\":777,\"loginuid\":4294967295,\"login_user\":null," \
	"\"sessionid\":null,\"comm\":\"python3\",\"exe\":\"/usr/bin/python3\"," \
	"\"cmdline\":[\"python3\",\"ci.py\"],\"tty\":null," \
	"\"container\":\"" CID "\",\"cert_subject\":null,\"remote\":null}"

/* ---- helpers ---- */

static char tmpdir[64];
static int ndirs;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tmpdir(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh journal directory, initialised by jrn_init when init; each test
 * (a process of its own) removes its directories when it exits. */
static const char *
newdir(int init)
{
	static char dir[128];
	char id[JRN_ID_LEN], err[DA_ERRLEN];

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/da-search-XXXXXX");
		ASSERT(mkdtemp(tmpdir) != NULL);
		atexit(rm_tmpdir);
	}
	snprintf(dir, sizeof(dir), "%s/journal%d", tmpdir, ndirs++);
	if (init && jrn_init(dir, id, err) != DA_OK)
		UNIT_FAIL("jrn_init: %s", err);
	return dir;
}

static struct journal *
jopen(const char *dir, uint64_t seg_max)
{
	struct jrn_opts o;
	struct jrn_recovery rec;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = dir;
	o.fsync = 0;
	if (seg_max)
		o.segment_max_bytes = seg_max;
	if (jrn_open(&j, &o, &rec, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

static void
put(struct journal *j, struct evt *e)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	ASSERT_EQ(evt_render(e, &b), DA_OK);
	ASSERT_EQ(jrn_submit(j, b.data, b.len, NULL), DA_OK);
	buf_free(&b);
}

/* An API record; reqid "R1" becomes a uuid-like id. */
static void
api(struct journal *j, int64_t t, const char *stage, const char *outcome,
    const char *actor, int reqn, const char *method, const char *path,
    const char *action, const char *otype, const char *oid,
    const char *oname, const char *oimage, int status)
{
	struct evt e;

	memset(&e, 0, sizeof(e));
	e.time_ns = t;
	e.kind = "api";
	e.stage = stage;
	e.source = "proxy";
	e.action = action;
	e.outcome = outcome;
	if (actor != NULL) {
		e.actor_json = actor;
		e.actor_len = strlen(actor);
	}
	e.has_request = 1;
	snprintf(e.req.id, sizeof(e.req.id),
	    "00000000-0000-4000-8000-%012d", reqn);
	e.req.method = method;
	e.req.method_len = strlen(method);
	e.req.path = path;
	e.req.path_len = strlen(path);
	e.req.api_version = "1.41";
	e.req.bytes = -1;
	if (status >= 0) {
		e.has_response = 1;
		e.resp.status = status;
		e.resp.bytes = 88;
		e.resp.duration_us = 5400;
		if (status >= 400)
			e.resp.error = "nope";
		if (e.resp.error)
			e.resp.error_len = strlen(e.resp.error);
	}
	if (strcmp(stage, "session") == 0) {
		e.has_session = 1;
		e.sess.duration_us = 30000000;
		e.sess.bytes_in = 10;
		e.sess.bytes_out = 2000;
		e.sess.end = "client_closed";
	}
	e.obj.type = otype;
	e.obj.id = oid;
	e.obj.name = oname;
	e.obj.image = oimage;
	put(j, &e);
}

static void
other(struct journal *j, int64_t t, const char *kind, const char *source,
    const char *action, const char *outcome, const char *otype,
    const char *oid, const char *oname)
{
	struct evt e;

	memset(&e, 0, sizeof(e));
	e.time_ns = t;
	e.kind = kind;
	e.source = source;
	e.action = action;
	e.outcome = outcome;
	e.obj.type = otype;
	e.obj.id = oid;
	e.obj.name = oname;
	put(j, &e);
}

/* The standard journal: 13 records, 8 calls.
 *  1 audit dockaudit.start
 *  2,3    R1 alice(root) container.create web       success 201
 *  4,5    R2 bob image.pull busybox                 failure 404
 *  6,7    R3 root in container CID exec.create      success 201
 *  8      R4 alice container.delete web, refused    denied 403
 *  9-11   R5 bob exec.start (101, then session)     success
 *  12     daemon container.die web
 *  13     R6 alice container.start web              pending */
static void
fill_standard(struct journal *j, int64_t base)
{
	other(j, base, "audit", "dockaudit", "dockaudit.start", "success",
	    NULL, NULL, NULL);
	api(j, base + 10 * SEC, "request", "pending", ALICE, 1, "POST",
	    "/v1.41/containers/create", "container.create", "container", NULL,
	    "web", "nginx:1.27", -1);
	api(j, base + 10 * SEC + 5 * MS, "response", "success", ALICE, 1,
	    "POST", "/v1.41/containers/create", "container.create",
	    "container", OID, "web", "nginx:1.27", 201);
	api(j, base + 20 * SEC, "request", "pending", BOB, 2, "POST",
	    "/v1.41/images/create", "image.pull", "image", NULL, NULL,
	    "busybox:latest", -1);
	api(j, base + 21 * SEC, "response", "failure", BOB, 2, "POST",
	    "/v1.41/images/create", "image.pull", "image", NULL, NULL,
	    "busybox:latest", 404);
	api(j, base + 30 * SEC, "request", "pending", INCTR, 3, "POST",
	    "/v1.41/containers/3f2a9c0d1e2b/exec", "container.exec.create",
	    "container", OID, NULL, NULL, -1);
	api(j, base + 30 * SEC + 2 * MS, "response", "success", INCTR, 3,
	    "POST", "/v1.41/containers/3f2a9c0d1e2b/exec",
	    "container.exec.create", "container", OID, NULL, NULL, 201);
	api(j, base + 40 * SEC, "request", "denied", ALICE, 4, "DELETE",
	    "/v1.41/containers/web", "container.delete", "container", NULL,
	    "web", NULL, 403);
	api(j, base + 50 * SEC, "request", "pending", BOB, 5, "POST",
	    "/v1.41/exec/" XID "/start", "exec.start", "exec", XID, NULL, NULL,
	    -1);
	api(j, base + 50 * SEC + 10 * MS, "response", "success", BOB, 5,
	    "POST", "/v1.41/exec/" XID "/start", "exec.start", "exec", XID,
	    NULL, NULL, 101);
	api(j, base + 80 * SEC, "session", "success", BOB, 5, "POST",
	    "/v1.41/exec/" XID "/start", "exec.start", "exec", XID, NULL, NULL,
	    -1);
	other(j, base + 90 * SEC, "daemon", "events", "container.die", NULL,
	    "container", OID, "web");
	api(j, base + 100 * SEC, "request", "pending", ALICE, 6, "POST",
	    "/v1.41/containers/web/start", "container.start", "container",
	    NULL, "web", NULL, -1);
}

static const char *
standard(void)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 0);

	fill_standard(j, T0);
	jrn_close(j);
	return dir;
}

/* Every stored line, by seq (1-based), read back through the reader. */
static char *stored[64];
static int nstored;

static void
load_stored(const char *dir)
{
	struct jrn_reader *r;
	const char *line;
	size_t len;
	uint64_t seq;
	char err[DA_ERRLEN];

	for (int i = 0; i < nstored; i++)
		free(stored[i]);
	nstored = 0;
	ASSERT_EQ(jrn_reader_open(&r, dir, 1, err), DA_OK);
	while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK) {
		ASSERT_EQ(seq, nstored + 1);
		ASSERT(nstored < 63);
		stored[nstored++] = strndup(line, len);
	}
	jrn_reader_close(r);
}

/* The stored lines of the listed seqs ("2,3,8"), each with '\n'. */
static char *
lines(const char *seqs)
{
	static char out[1 << 16];
	const char *p = seqs;
	char *end;
	size_t n = 0;

	out[0] = '\0';
	while (*p != '\0') {
		long s = strtol(p, &end, 10);

		ASSERT(s >= 1 && s <= nstored);
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n",
		    stored[s - 1]);
		p = *end == ',' ? end + 1 : end;
	}
	return out;
}

/* The seq of each NDJSON output line, "2,3,8", for readable failures. */
static char *
seqs_of(const char *out)
{
	static char s[1024];
	size_t n = 0;

	s[0] = '\0';
	for (const char *p = out; (p = strstr(p, "{\"v\":1,\"seq\":")) != NULL;
	    p++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%ld",
		    n ? "," : "", strtol(p + 13, NULL, 10));
	return s;
}

static char *
slurp(int fd)
{
	struct stat st;
	char *s;

	ASSERT_EQ(fstat(fd, &st), 0);
	s = calloc(1, (size_t)st.st_size + 1);
	ASSERT(s != NULL);
	ASSERT_EQ(pread(fd, s, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	return s;
}

static char *cap_out, *cap_err;

/* Run a command with stdout and stderr captured into cap_out/cap_err. */
static int
run(int (*fn)(int, char **), char **argv)
{
	char of[] = "/tmp/da-out-XXXXXX", ef[] = "/tmp/da-err-XXXXXX";
	int argc = 0, ofd, efd, so, se, rc;

	while (argv[argc] != NULL)
		argc++;
	ASSERT((ofd = mkstemp(of)) >= 0);
	ASSERT((efd = mkstemp(ef)) >= 0);
	unlink(of);
	unlink(ef);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(ofd, 1);
	dup2(efd, 2);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	clearerr(stdout);
	free(cap_out);
	free(cap_err);
	cap_out = slurp(ofd);
	cap_err = slurp(efd);
	return rc;
}

/* search with the standard journal and the given extra arguments; checks
 * exit 0, empty stderr and the seqs printed (and their exact lines). */
#define SEARCH_EXPECT(expect, ...) do {					\
	const char *dir_ = standard();					\
	char *argv_[] = { "search", "--journal", (char *)dir_,		\
	    __VA_ARGS__, NULL };					\
	load_stored(dir_);						\
	ASSERT_EQ(run(cli_search, argv_), 0);				\
	ASSERT_STREQ(cap_err, "");					\
	ASSERT_STREQ(seqs_of(cap_out), expect);				\
	ASSERT_STREQ(cap_out, lines(expect));				\
} while (0)

/* ---- search: each filter alone ---- */

TEST(search_all)
{
	const char *dir = standard();
	char *argv[] = { "search", "--journal", (char *)dir, NULL };

	load_stored(dir);
	ASSERT_EQ(nstored, 13);
	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_STREQ(cap_err, "");
	ASSERT_STREQ(cap_out, lines("1,2,3,4,5,6,7,8,9,10,11,12,13"));
}

TEST(search_user_login_name)
{
	/* bob's cmdline mentions "alice": the prefilter lets it through, the
	 * exact match drops it */
	SEARCH_EXPECT("2,3,8,13", "--user", "alice");
}

TEST(search_user_name)
{
	SEARCH_EXPECT("4,5,9,10,11", "--user", "bob");
}

TEST(search_user_effective_name)
{
	SEARCH_EXPECT("2,3,6,7,8,13", "--user", "root");
}

TEST(search_user_loginuid)
{
	SEARCH_EXPECT("2,3,8,13", "--user", "1001");
}

TEST(search_user_uid)
{
	SEARCH_EXPECT("2,3,6,7,8,13", "--user", "0");
}

TEST(search_user_unknown)
{
	SEARCH_EXPECT("", "--user", "mallory");
}

TEST(search_action_exact)
{
	SEARCH_EXPECT("2,3", "--action", "container.create");
}

TEST(search_action_glob_prefix)
{
	SEARCH_EXPECT("2,3,6,7,8,12,13", "--action", "container.*");
}

TEST(search_action_glob_suffix)
{
	SEARCH_EXPECT("2,3,6,7", "--action", "*.create");
}

TEST(search_action_glob_middle)
{
	SEARCH_EXPECT("6,7,9,10,11", "--action", "*exec*");
}

TEST(search_container_id_prefix)
{
	/* R1's response (id known), R3 (exec on it), the daemon event */
	/* the create response ties OID to "web": calls by name match too */
	SEARCH_EXPECT("2,3,6,7,8,12,13", "--container", "3f2a");
}

TEST(search_container_full_id)
{
	SEARCH_EXPECT("2,3,6,7,8,12,13", "--container", OID);
}

TEST(search_container_name)
{
	/* ... and calls made by id (6, 7: exec on 3f2a9c0d1e2b) match the name */
	SEARCH_EXPECT("2,3,6,7,8,12,13", "--container", "web");
}

TEST(search_container_name_slash)
{
	SEARCH_EXPECT("2,3,6,7,8,12,13", "--container", "/web");
}

TEST(search_container_caller)
{
	SEARCH_EXPECT("6,7", "--container", "9b8c7d6e");
}

TEST(search_container_short_prefix_needs_4)
{
	SEARCH_EXPECT("", "--container", "3f2");
}

TEST(search_time_window)
{
	SEARCH_EXPECT("6,7,8,9", "--since", "2026-11-28T08:00:30Z",
	    "--until", "2026-11-28T08:00:50Z");
}

TEST(search_time_nanoseconds)
{
	/* 08:00:10.005 is R1's response: since one ns later excludes it */
	SEARCH_EXPECT("3", "--since", "2026-11-28T08:00:10.005000000Z",
	    "--until", "2026-11-28T08:00:10.005000000Z");
	SEARCH_EXPECT("4", "--since", "2026-11-28T08:00:10.005000001Z",
	    "--until", "2026-11-28T08:00:20Z");
}

TEST(search_time_offset)
{
	/* 09:00:40+01:00 is 08:00:40Z */
	SEARCH_EXPECT("8", "--since", "2026-11-28T09:00:40+01:00",
	    "--until", "2026-11-28T09:00:45+01:00");
}

TEST(search_time_date)
{
	SEARCH_EXPECT("", "--since", "2026-11-29");
}

/* ---- --outcome: joined across the stages of a call ---- */

TEST(search_outcome_failure)
{
	SEARCH_EXPECT("4,5", "--outcome", "failure");
}

TEST(search_outcome_denied)
{
	SEARCH_EXPECT("8", "--outcome", "denied");
}

TEST(search_outcome_success)
{
	/* the audit record by its own outcome; R5's request (pending) and
	 * 101 response go with the session that decided it */
	SEARCH_EXPECT("1,2,3,6,7,9,10,11", "--outcome", "success");
}

TEST(search_outcome_pending)
{
	SEARCH_EXPECT("13", "--outcome", "pending");
}

/* ---- combined ---- */

TEST(search_user_and_outcome)
{
	SEARCH_EXPECT("9,10,11", "--user", "bob", "--outcome", "success");
}

TEST(search_action_user_outcome)
{
	SEARCH_EXPECT("2,3", "--action", "container.*", "--user", "alice",
	    "--outcome", "success");
}

TEST(search_container_action_time)
{
	SEARCH_EXPECT("8,13", "--container", "web", "--action",
	    "container.*", "--since", "2026-11-28T08:00:35Z", "--until",
	    "2026-11-28T08:01:45Z", "--user", "alice");
}

TEST(search_outcome_from_late_stage_outside_window)
{
	/* --until cuts R2's response (08:00:21) but the call still failed */
	SEARCH_EXPECT("4", "--until", "2026-11-28T08:00:20Z", "--outcome",
	    "failure");
}

TEST(search_limit)
{
	SEARCH_EXPECT("1,2", "--limit", "2");
	SEARCH_EXPECT("4", "--user", "bob", "--limit", "1");
	SEARCH_EXPECT("1,2,3", "--outcome", "success", "--limit", "3");
}

TEST(search_count)
{
	const char *dir = standard();
	char *a1[] = { "search", "--journal", (char *)dir, "--count", NULL };
	char *a2[] = { "search", "--journal", (char *)dir, "--count",
	    "--outcome", "success", NULL };
	char *a3[] = { "search", "--journal", (char *)dir, "--count",
	    "--user", "alice", NULL };
	char *a4[] = { "search", "--journal", (char *)dir, "--count",
	    "--limit", "2", NULL };

	ASSERT_EQ(run(cli_search, a1), 0);
	ASSERT_STREQ(cap_out, "8\n");
	ASSERT_EQ(run(cli_search, a2), 0);
	ASSERT_STREQ(cap_out, "4\n");
	ASSERT_EQ(run(cli_search, a3), 0);
	ASSERT_STREQ(cap_out, "3\n");
	ASSERT_EQ(run(cli_search, a4), 0);
	ASSERT_STREQ(cap_out, "2\n");
}

/* A response record without actor: --user alice rules its line out by
 * the prefilter, but it decides the outcome of alice's call. */
TEST(search_outcome_stage_without_literal)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 0);
	char *argv[] = { "search", "--journal", (char *)dir, "--user",
	    "alice", "--outcome", "failure", NULL };
	char *argv2[] = { "search", "--journal", (char *)dir, "--user",
	    "alice", "--format", "table", NULL };

	api(j, T0, "request", "pending", ALICE, 1, "POST",
	    "/v1.41/containers/create", "container.create", "container", NULL,
	    "x", NULL, -1);
	api(j, T0 + SEC, "request", "pending", BOB, 2, "GET",
	    "/v1.41/info", "system.info", NULL, NULL, NULL, NULL, -1);
	api(j, T0 + 2 * SEC, "response", "failure", NULL, 1, "POST",
	    "/v1.41/containers/create", "container.create", "container", NULL,
	    "x", NULL, 409);
	jrn_close(j);
	load_stored(dir);
	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_STREQ(cap_out, lines("1"));
	ASSERT_EQ(run(cli_search, argv2), 0);
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO          ACTION            OBJECT  OUTCOME\n"
	    "2026-11-28T08:00:00Z  alice(root)  container.create  x       failure 409\n");
}

/* The last non-request record decides, even when an earlier one said
 * otherwise; a record without request.id goes by its own outcome, not by
 * the word appearing elsewhere in it. */
TEST(search_outcome_last_stage_wins)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 0);
	struct evt e;
	char *a1[] = { "search", "--journal", (char *)dir, "--outcome",
	    "failure", NULL };
	char *a2[] = { "search", "--journal", (char *)dir, "--outcome",
	    "success", NULL };
	char *a3[] = { "search", "--journal", (char *)dir, "--outcome",
	    "failure", "--format", "table", NULL };

	api(j, T0, "request", "pending", BOB, 1, "POST", "/v1.41/exec/"
	    XID "/start", "exec.start", "exec", XID, NULL, NULL, -1);
	api(j, T0 + SEC, "response", "success", BOB, 1, "POST", "/v1.41/exec/"
	    XID "/start", "exec.start", "exec", XID, NULL, NULL, 101);
	api(j, T0 + 2 * SEC, "session", "failure", BOB, 1, "POST",
	    "/v1.41/exec/" XID "/start", "exec.start", "exec", XID, NULL, NULL,
	    -1);
	memset(&e, 0, sizeof(e));
	e.time_ns = T0 + 3 * SEC;
	e.kind = "audit";
	e.source = "dockaudit";
	e.action = "dockaudit.config";
	e.outcome = "success";
	e.detail_json = "{\"note\":\"failure\"}";
	e.detail_len = strlen(e.detail_json);
	put(j, &e);
	api(j, T0 + 4 * SEC, "request", "pending", ALICE, 2, "POST",
	    "/v1.41/containers/web/attach", "container.attach", "container",
	    NULL, "web", NULL, -1);
	api(j, T0 + 5 * SEC, "response", "failure", ALICE, 2, "POST",
	    "/v1.41/containers/web/attach", "container.attach", "container",
	    NULL, "web", NULL, 500);
	api(j, T0 + 6 * SEC, "session", "success", ALICE, 2, "POST",
	    "/v1.41/containers/web/attach", "container.attach", "container",
	    NULL, "web", NULL, -1);
	jrn_close(j);
	load_stored(dir);
	ASSERT_EQ(run(cli_search, a1), 0);
	ASSERT_STREQ(seqs_of(cap_out), "1,2,3");
	ASSERT_STREQ(cap_out, lines("1,2,3"));
	ASSERT_EQ(run(cli_search, a2), 0);
	ASSERT_STREQ(cap_out, lines("4,5,6,7"));
	ASSERT_EQ(run(cli_search, a3), 0);
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO  ACTION      OBJECT        OUTCOME\n"
	    "2026-11-28T08:00:00Z  bob  exec.start  e1e2e3e4e5e6  failure 101\n");
}

/* ---- table ---- */

static const char standard_table[] =
"TIME                  WHO                   ACTION                 OBJECT          OUTCOME\n"
"2026-11-28T08:00:00Z  -                     dockaudit.start        -               success\n"
"2026-11-28T08:00:10Z  alice(root)           container.create       web             success 201\n"
"2026-11-28T08:00:20Z  bob                   image.pull             busybox:latest  failure 404\n"
"2026-11-28T08:00:30Z  root in 9b8c7d6e5f4a  container.exec.create  3f2a9c0d1e2b    success 201\n"
"2026-11-28T08:00:40Z  alice(root)           container.delete       web             denied 403\n"
"2026-11-28T08:00:50Z  bob                   exec.start             e1e2e3e4e5e6    success 101\n"
"2026-11-28T08:01:30Z  -                     container.die          web             -\n"
"2026-11-28T08:01:40Z  alice(root)           container.start        web             pending\n";

TEST(search_table)
{
	const char *dir = standard();
	char *argv[] = { "search", "--journal", (char *)dir, "--format",
	    "table", NULL };

	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_STREQ(cap_err, "");
	ASSERT_STREQ(cap_out, standard_table);
}

TEST(search_table_filtered)
{
	const char *dir = standard();
	char *argv[] = { "search", "--journal", (char *)dir, "--format",
	    "table", "--outcome", "failure", NULL };
	char *argv2[] = { "search", "--journal", (char *)dir, "--format",
	    "table", "--user", "alice", "--limit", "2", NULL };

	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO  ACTION      OBJECT          OUTCOME\n"
	    "2026-11-28T08:00:20Z  bob  image.pull  busybox:latest  failure 404\n");
	ASSERT_EQ(run(cli_search, argv2), 0);
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO          ACTION            OBJECT  OUTCOME\n"
	    "2026-11-28T08:00:10Z  alice(root)  container.create  web     success 201\n"
	    "2026-11-28T08:00:40Z  alice(root)  container.delete  web     denied 403\n");
}

/* Cells are capped, and terminal control bytes never reach the output. */
TEST(search_table_caps_and_controls)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 0);
	char *argv[] = { "search", "--journal", (char *)dir, "--format",
	    "table", NULL };

	api(j, T0, "response", "success", BOB, 1, "POST",
	    "/v1.41/containers/create", "container.create", "container", NULL,
	    "evil\x1b[31mred\x07-and-a-very-long-name-that-goes-on-and-on-x",
	    NULL, 201);
	jrn_close(j);
	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_NOT_CONTAINS(cap_out, "\x1b");
	ASSERT_NOT_CONTAINS(cap_out, "\x07");
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO  ACTION            OBJECT                                            OUTCOME\n"
	    "2026-11-28T08:00:00Z  bob  container.create  evil?[31mred?-and-a-very-long-name-that-goes-...  success 201\n");
}

/* ---- relative times ---- */

TEST(search_relative_times)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 0);
	int64_t now = clock_now_ns();
	char *a1[] = { "search", "--journal", (char *)dir, "--since", "-15m",
	    NULL };
	char *a2[] = { "search", "--journal", (char *)dir, "--until", "-15m",
	    NULL };
	char *a3[] = { "search", "--journal", (char *)dir, "--since", "-25m",
	    "--until", "-5m", NULL };
	char *a4[] = { "search", "--journal", (char *)dir, "--since", "-1h",
	    "--until", "-2h", NULL };

	for (int i = 0; i < 4; i++) {
		static const int mins[] = { 30, 20, 10, 1 };

		other(j, now - mins[i] * 60 * SEC, "audit", "dockaudit",
		    "dockaudit.config", "success", NULL, NULL, NULL);
	}
	jrn_close(j);
	load_stored(dir);
	ASSERT_EQ(run(cli_search, a1), 0);
	ASSERT_STREQ(cap_out, lines("3,4"));
	ASSERT_EQ(run(cli_search, a2), 0);
	ASSERT_STREQ(cap_out, lines("1,2"));
	ASSERT_EQ(run(cli_search, a3), 0);
	ASSERT_STREQ(cap_out, lines("2,3"));
	ASSERT_EQ(run(cli_search, a4), 2);
	ASSERT_CONTAINS(cap_err, "--since is later than --until");
}

/* ---- segments ---- */

/* 40 records, one per 10 minutes, in small segments; --since must give
 * the same answer as a full scan, and not read segments before it (a
 * damaged record in the first segment goes unnoticed). */
TEST(search_since_skips_segments)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 1500);
	char **names, err[DA_ERRLEN], path[256];
	size_t n;
	int fd;
	char *a1[] = { "search", "--journal", (char *)dir, "--since",
	    "2026-11-28T14:00:00Z", NULL };
	char *a2[] = { "search", "--journal", (char *)dir, "--since",
	    "2026-11-28T08:00:00Z", "--until", "2026-11-28T08:10:00Z", NULL };

	for (int i = 0; i < 40; i++)
		other(j, T0 + i * 600 * SEC, "audit", "dockaudit",
		    "dockaudit.heartbeat", "success", NULL, NULL, NULL);
	jrn_close(j);
	load_stored(dir);
	ASSERT_EQ(jrn_segments(dir, &names, &n, err), DA_OK);
	ASSERT(n >= 5);
	/* damage the first segment's second record (bad JSON, prefix intact) */
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	jrn_segments_free(names, n);
	ASSERT((fd = open(path, O_WRONLY)) >= 0);
	ASSERT_EQ(pwrite(fd, "#", 1, (off_t)strlen(stored[0]) + 1 + 20), 1);
	close(fd);

	ASSERT_EQ(run(cli_search, a1), 0);	/* 14:00 = record 37 */
	ASSERT_STREQ(cap_err, "");
	ASSERT_STREQ(cap_out, lines("37,38,39,40"));
	ASSERT_EQ(run(cli_search, a2), 1);
	ASSERT_CONTAINS(cap_err, "byte");
	ASSERT_STREQ(cap_out, lines("1"));
}

/* ---- damaged journal ---- */

TEST(search_damaged_record)
{
	const char *dir = standard();
	char **names, err[DA_ERRLEN], path[256], where[300];
	size_t n, off;
	int fd;
	char *argv[] = { "search", "--journal", (char *)dir, "--user", "bob",
	    NULL };

	load_stored(dir);
	ASSERT_EQ(jrn_segments(dir, &names, &n, err), DA_OK);
	ASSERT_EQ(n, 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	/* break the JSON of record 5 (bob's failed pull) after its prefix */
	off = 0;
	for (int i = 0; i < 4; i++)
		off += strlen(stored[i]) + 1;
	snprintf(where, sizeof(where), "%s/%s byte %zu:", dir, names[0], off);
	jrn_segments_free(names, n);
	ASSERT((fd = open(path, O_WRONLY)) >= 0);
	ASSERT_EQ(pwrite(fd, "#", 1, (off_t)(off + (size_t)(strstr(stored[4],
	    "\"kind\"") - stored[4]))), 1);
	close(fd);

	ASSERT_EQ(run(cli_search, argv), 1);
	ASSERT_STREQ(cap_out, lines("4,9,10,11"));
	ASSERT_CONTAINS(cap_err, "damaged record skipped");
	ASSERT_CONTAINS(cap_err, where);
	ASSERT_CONTAINS(cap_err, "dockaudit verify --journal");
}

TEST(search_not_a_record)
{
	const char *dir = standard();
	char **names, err[DA_ERRLEN], path[256];
	size_t n;
	int fd;
	char *argv[] = { "search", "--journal", (char *)dir, NULL };

	load_stored(dir);
	ASSERT_EQ(jrn_segments(dir, &names, &n, err), DA_OK);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	jrn_segments_free(names, n);
	/* the first record's prefix: the reader itself refuses it */
	ASSERT((fd = open(path, O_WRONLY)) >= 0);
	ASSERT_EQ(pwrite(fd, "X", 1, 0), 1);
	close(fd);
	ASSERT_EQ(run(cli_search, argv), 1);
	ASSERT_STREQ(seqs_of(cap_out), "2,3,4,5,6,7,8,9,10,11,12,13");
	ASSERT_CONTAINS(cap_err, "byte 0");
	ASSERT_CONTAINS(cap_err, "dockaudit verify");
}

/* ---- empty and missing journals ---- */

TEST(search_empty_journal)
{
	const char *dir = newdir(1);
	char *a1[] = { "search", "--journal", (char *)dir, NULL };
	char *a2[] = { "search", "--journal", (char *)dir, "--format",
	    "table", NULL };
	char *a3[] = { "search", "--journal", (char *)dir, "--count", NULL };

	ASSERT_EQ(run(cli_search, a1), 0);
	ASSERT_STREQ(cap_out, "");
	ASSERT_STREQ(cap_err, "");
	ASSERT_EQ(run(cli_search, a2), 0);
	ASSERT_STREQ(cap_out, "TIME                  WHO  ACTION  OBJECT  OUTCOME\n");
	ASSERT_EQ(run(cli_search, a3), 0);
	ASSERT_STREQ(cap_out, "0\n");
}

TEST(search_missing_journal)
{
	char *argv[] = { "search", "--journal", "/nonexistent/journal", NULL };

	ASSERT_EQ(run(cli_search, argv), 1);
	ASSERT_STREQ(cap_out, "");
	ASSERT_CONTAINS(cap_err, "dockaudit search: cannot read the journal: "
	    "/nonexistent/journal");
}

/* ---- usage ---- */

#define USAGE_EXPECT(fn, msg, ...) do {					\
	char *argv_[] = { __VA_ARGS__, NULL };				\
	ASSERT_EQ(run(fn, argv_), 2);					\
	ASSERT_STREQ(cap_out, "");					\
	ASSERT_CONTAINS(cap_err, msg);					\
} while (0)

TEST(search_usage_errors)
{
	USAGE_EXPECT(cli_search, "dockaudit search: --journal DIR is required",
	    "search", "--user", "alice");
	USAGE_EXPECT(cli_search, "unknown or ambiguous option '--usr'",
	    "search", "--journal", "/j", "--usr", "alice");
	USAGE_EXPECT(cli_search, "unknown option '-x'",
	    "search", "-x", "--journal", "/j");
	USAGE_EXPECT(cli_search, "option '--since' needs a value: --since T",
	    "search", "--journal", "/j", "--since");
	USAGE_EXPECT(cli_search, "--since 'yesterday' is not a time: use RFC "
	    "3339", "search", "--journal", "/j", "--since", "yesterday");
	USAGE_EXPECT(cli_search, "--until '15m' is not a time",
	    "search", "--journal", "/j", "--until", "15m");
	USAGE_EXPECT(cli_search, "--outcome 'ok' is not an outcome: use "
	    "success, failure, denied or pending",
	    "search", "--journal", "/j", "--outcome", "ok");
	USAGE_EXPECT(cli_search, "--format 'csv' is not a format: use ndjson "
	    "or table", "search", "--journal", "/j", "--format", "csv");
	USAGE_EXPECT(cli_search, "--limit '0' is not a count",
	    "search", "--journal", "/j", "--limit", "0");
	USAGE_EXPECT(cli_search, "--limit '-3' is not a count",
	    "search", "--journal", "/j", "--limit", "-3");
	USAGE_EXPECT(cli_search, "option '--count' takes no value",
	    "search", "--journal", "/j", "--count=3");
	USAGE_EXPECT(cli_search, "unexpected argument 'alice'",
	    "search", "--journal", "/j", "alice");
	USAGE_EXPECT(cli_search, "--user needs a user name",
	    "search", "--journal", "/j", "--user", "");
	USAGE_EXPECT(cli_search, "Try 'dockaudit search --help'.",
	    "search", "--bogus");
}

TEST(search_help)
{
	char *argv[] = { "search", "--help", NULL };

	ASSERT_EQ(run(cli_search, argv), 0);
	ASSERT_CONTAINS(cap_out, "Usage: dockaudit search --journal DIR");
	ASSERT_CONTAINS(cap_out, "--outcome O");
	ASSERT_STREQ(cap_err, "");
}

/* ---- prefilter unit checks ---- */

TEST(filter_glob_and_quick)
{
	struct filter f;
	static const char line[] = "{\"action\":\"container.create\","
	    "\"actor\":{\"uid\":1001,\"user\":\"alice\"}}";

	ASSERT(filter_glob("container.*", "container.create"));
	ASSERT(filter_glob("*.create", "container.exec.create"));
	ASSERT(filter_glob("*", ""));
	ASSERT(filter_glob("c*n*r.c*e", "container.create"));
	ASSERT(!filter_glob("container.*", "image.pull"));
	ASSERT(!filter_glob("*.create", "container.created"));
	ASSERT(!filter_glob("container", "container.create"));

	memset(&f, 0, sizeof(f));
	f.f_action = "*.create";
	f.f_user = "1001";
	filter_compile(&f);
	ASSERT_EQ(f.f_ngroups, 2);
	ASSERT(filter_quick(&f, line, sizeof(line) - 1));
	f.f_user = "alic";	/* a part of a name is not the name */
	filter_compile(&f);
	ASSERT(!filter_quick(&f, line, sizeof(line) - 1));
	f.f_user = "al\"ice";	/* no literal: always parsed */
	f.f_action = "ima*";
	filter_compile(&f);
	ASSERT_EQ(f.f_ngroups, 1);
	ASSERT(!filter_quick(&f, line, sizeof(line) - 1));
}

/* ---- tail ---- */

TEST(tail_default_last_10)
{
	const char *dir = standard();
	char *argv[] = { "tail", "--journal", (char *)dir, NULL };

	load_stored(dir);
	ASSERT_EQ(run(cli_tail, argv), 0);
	ASSERT_STREQ(cap_err, "");
	ASSERT_STREQ(cap_out, lines("4,5,6,7,8,9,10,11,12,13"));
}

TEST(tail_n)
{
	const char *dir = standard();
	char *a1[] = { "tail", "-n", "3", "--journal", (char *)dir, NULL };
	char *a2[] = { "tail", "--lines", "100", "--journal", (char *)dir,
	    NULL };
	char *a3[] = { "tail", "-n", "0", "--journal", (char *)dir, NULL };

	load_stored(dir);
	ASSERT_EQ(run(cli_tail, a1), 0);
	ASSERT_STREQ(cap_out, lines("11,12,13"));
	ASSERT_EQ(run(cli_tail, a2), 0);
	ASSERT_STREQ(cap_out, lines("1,2,3,4,5,6,7,8,9,10,11,12,13"));
	ASSERT_EQ(run(cli_tail, a3), 0);
	ASSERT_STREQ(cap_out, "");
}

TEST(tail_across_segments)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 1200);
	char **names, err[DA_ERRLEN];
	size_t n;
	char *a1[] = { "tail", "-n", "5", "--journal", (char *)dir, NULL };
	char *a2[] = { "tail", "-n", "13", "--journal", (char *)dir, NULL };

	fill_standard(j, T0);
	jrn_close(j);
	load_stored(dir);
	ASSERT_EQ(jrn_segments(dir, &names, &n, err), DA_OK);
	jrn_segments_free(names, n);
	ASSERT(n >= 4);
	ASSERT_EQ(run(cli_tail, a1), 0);
	ASSERT_STREQ(cap_out, lines("9,10,11,12,13"));
	ASSERT_EQ(run(cli_tail, a2), 0);
	ASSERT_STREQ(cap_out, lines("1,2,3,4,5,6,7,8,9,10,11,12,13"));
}

TEST(tail_table)
{
	const char *dir = standard();
	char *argv[] = { "tail", "-n", "4", "--format", "table", "--journal",
	    (char *)dir, NULL };

	ASSERT_EQ(run(cli_tail, argv), 0);
	/* R5's 101 response and session join; its request is before the
	 * window */
	ASSERT_STREQ(cap_out,
	    "TIME                  WHO          ACTION           OBJECT        OUTCOME\n"
	    "2026-11-28T08:00:50Z  bob          exec.start       e1e2e3e4e5e6  success 101\n"
	    "2026-11-28T08:01:30Z  -            container.die    web           -\n"
	    "2026-11-28T08:01:40Z  alice(root)  container.start  web           pending\n");
}

TEST(tail_empty_journal)
{
	const char *dir = newdir(1);
	char *a1[] = { "tail", "--journal", (char *)dir, NULL };
	char *a2[] = { "tail", "--journal", (char *)dir, "--format", "table",
	    NULL };

	ASSERT_EQ(run(cli_tail, a1), 0);
	ASSERT_STREQ(cap_out, "");
	ASSERT_EQ(run(cli_tail, a2), 0);
	ASSERT_STREQ(cap_out, "TIME                  WHO  ACTION  OBJECT  OUTCOME\n");
}

static void
alarm_to_term(int sig)
{
	(void)sig;
	kill(getpid(), SIGTERM);
}

/* A child process appends records (into new segments) after tail -f has
 * started; SIGTERM (from SIGALRM) ends tail with status 0. */
static void
follow_case(char *format, int nrec, const char *expect_seqs)
{
	const char *dir = newdir(1);
	struct journal *j = jopen(dir, 1200);
	char *argv[] = { "tail", "-f", "-n", "2", "--journal", (char *)dir,
	    "--format", format, NULL };
	pid_t pid;
	int st;

	for (int i = 0; i < 3; i++)
		other(j, T0 + i * SEC, "audit", "dockaudit", "dockaudit.start",
		    "success", NULL, NULL, NULL);
	jrn_close(j);
	if ((pid = fork()) == 0) {
		usleep(400 * 1000);
		j = jopen(dir, 1200);
		for (int i = 0; i < nrec; i++)
			api(j, T0 + (10 + i) * SEC, i % 2 ? "response" :
			    "request", i % 2 ? "success" : "pending", ALICE,
			    1 + i / 2, "POST", "/v1.41/containers/create",
			    "container.create", "container", NULL, "web", NULL,
			    i % 2 ? 201 : -1);
		jrn_close(j);
		_exit(0);
	}
	signal(SIGALRM, alarm_to_term);
	alarm(3);	/* the child is done after ~0.5 s */
	ASSERT_EQ(run(cli_tail, argv), 0);
	alarm(0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(cap_err, "");
	if (expect_seqs != NULL) {
		load_stored(dir);
		ASSERT_EQ(nstored, 3 + nrec);
		ASSERT_STREQ(cap_out, lines(expect_seqs));
	}
}

TEST(tail_follow)
{
	follow_case("ndjson", 4, "2,3,4,5,6,7");
}

TEST(tail_follow_table)
{
	follow_case("table", 2, NULL);
	ASSERT_CONTAINS(cap_out,
	    "TIME                  WHO               ACTION                    OBJECT                    OUTCOME\n"
	    "2026-11-28T08:00:01Z  -                 dockaudit.start           -                         success\n"
	    "2026-11-28T08:00:02Z  -                 dockaudit.start           -                         success\n");
	ASSERT_CONTAINS(cap_out,
	    "2026-11-28T08:00:1");
	ASSERT_CONTAINS(cap_out,
	    "  alice(root)       container.create          web                       success 201\n");
}

/* tail -f into a pipe nobody reads: EPIPE ends it cleanly. */
TEST(tail_follow_epipe)
{
	const char *dir = standard();
	char *argv[] = { "tail", "-f", "--journal", (char *)dir, NULL };
	int p[2], so, rc;

	ASSERT_EQ(pipe(p), 0);
	close(p[0]);
	fflush(stdout);
	so = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	alarm(5);	/* would hang (and fail) if EPIPE were missed */
	rc = cli_tail(4, argv);
	alarm(0);
	dup2(so, 1);
	close(so);
	ASSERT_EQ(rc, 0);
}

TEST(tail_usage_errors)
{
	USAGE_EXPECT(cli_tail, "dockaudit tail: --journal DIR is required",
	    "tail", "-f");
	USAGE_EXPECT(cli_tail, "-n 'x' is not a count",
	    "tail", "--journal", "/j", "-n", "x");
	USAGE_EXPECT(cli_tail, "option '--lines' needs a value: --lines N",
	    "tail", "--journal", "/j", "-n");
	USAGE_EXPECT(cli_tail, "unknown or ambiguous option '--since'",
	    "tail", "--journal", "/j", "--since", "-5m");
	USAGE_EXPECT(cli_tail, "--format 'json' is not a format",
	    "tail", "--journal", "/j", "--format", "json");
	USAGE_EXPECT(cli_tail, "Try 'dockaudit tail --help'.",
	    "tail", "-q");
}

TEST(tail_help)
{
	char *argv[] = { "tail", "-h", NULL };

	ASSERT_EQ(run(cli_tail, argv), 0);
	ASSERT_CONTAINS(cap_out, "Usage: dockaudit tail [-f] --journal DIR");
}

TEST(tail_missing_journal)
{
	char *argv[] = { "tail", "--journal", "/nonexistent/j", NULL };

	ASSERT_EQ(run(cli_tail, argv), 1);
	ASSERT_CONTAINS(cap_err, "dockaudit tail: cannot read the journal: "
	    "/nonexistent/j");
}
