/* test-verify.c -- `dockaudit verify`: every kind of damage is found at the
 * exact seq and place it happened, and a clean journal verifies.
 *
 * Journals are written with the real writer, then edited on disk the way
 * an intruder or a broken disk would: a changed byte (every byte of a
 * record, in turn), a deleted or repeated line, two lines swapped, a
 * segment removed or renamed, a cut final line, another journal's meta. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "unit.h"

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"
#include "journal/verify.h"

#include "journal-util.h"

/* A journal of n records (~250 bytes each) in segments of seg_max bytes. */
static void
build(int n, uint64_t seg_max)
{
	char err[DA_ERRLEN], m[512];
	struct jrn_opts o;
	struct journal *j;
	uint64_t t = 0;

	mk_tmp();
	ASSERT_EQ(jrn_init(jdir, NULL, err), DA_OK);
	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = seg_max;
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_OK);
	for (int i = 0; i < n; i++) {
		int k = snprintf(m, sizeof(m), "\"id\":\"r%d\",\"kind\":\"api\","
		    "\"actor\":{\"uid\":%d,\"comm\":\"docker\"},\"cmdline\":"
		    "[\"docker\",\"run\",\"--privileged\",\"-v\",\"/:/host\"],"
		    "\"note\":\"%.*s\"", i, i % 7, 60 + i % 50,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

		ASSERT_EQ(jrn_submit(j, m, (size_t)k, &t), DA_OK);
	}
	for (int i = 0; i < 20000 && jrn_durable(j) < t; i++)
		usleep(500);
	jrn_close(j);
}

static char **segs;
static size_t nsegs;

static void
list(void)
{
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_segments(jdir, &segs, &nsegs, err), DA_OK);
}

/* Byte offset of the line of seq in buffer b, and its length with '\n'. */
static size_t
find_line(const char *b, uint64_t seq, size_t *len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "{\"v\":1,\"seq\":%llu,",
	    (unsigned long long)seq);
	p = strstr(b, pat);
	ASSERT(p != NULL && (p == b || p[-1] == '\n'));
	*len = (size_t)(strchr(p, '\n') - p) + 1;
	return (size_t)(p - b);
}

/* The segment holding seq. */
static const char *
seg_of(uint64_t seq)
{
	const char *s = NULL;

	for (size_t i = 0; i < nsegs; i++)
		if (strtoull(segs[i], NULL, 16) <= seq)
			s = segs[i];
	return s;
}

static struct jrn_verify_result
run(void)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify(jdir, &vr, err), DA_OK);
	return vr;
}

static void
expect_bad(const struct jrn_verify_result *vr, const char *kind, uint64_t seq,
    const char *seg, uint64_t off)
{
	if (vr->ok)
		UNIT_FAIL("verified, expected %s at seq %llu", kind,
		    (unsigned long long)seq);
	if (strcmp(vr->kind, kind) != 0 || vr->bad_seq != seq ||
	    (seg != NULL && strcmp(vr->segment, seg) != 0) ||
	    (seg != NULL && vr->offset != off))
		UNIT_FAIL("got %s at seq %llu (%s byte %llu: %s), expected %s at "
		    "seq %llu (%s byte %llu)", vr->kind,
		    (unsigned long long)vr->bad_seq, vr->segment,
		    (unsigned long long)vr->offset, vr->why, kind,
		    (unsigned long long)seq, seg ? seg : "-",
		    (unsigned long long)off);
}

TEST(clean_journal_verifies)
{
	struct jrn_verify_result vr;

	build(300, 8192);
	list();
	ASSERT(nsegs > 5);
	vr = run();
	ASSERT_EQ(vr.ok, 1);
	ASSERT_EQ(vr.records, 300);
	ASSERT_EQ(vr.last_seq, 300);
	ASSERT_EQ(strlen(vr.head), 64);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(empty_journal_verifies)
{
	unsigned char gen[JRN_HASH_LEN];
	char err[DA_ERRLEN], hex[JRN_HEX_LEN];
	struct jrn_verify_result vr;

	build(0, 0);
	vr = run();
	ASSERT_EQ(vr.ok, 1);
	ASSERT_EQ(vr.records, 0);
	ASSERT_EQ(jrn_meta_read(jdir, NULL, gen, err), DA_OK);
	jrn_hex(gen, hex);
	ASSERT_STREQ(vr.head, hex);
	rm_tmp();
}

TEST(not_a_journal)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify("/nonexistent/x", &vr, err), DA_E_NOTFOUND);
}

/* Every byte of record k changed, one at a time: always seq k. */
static void
every_byte(uint64_t k)
{
	const char *seg = seg_of(k);
	size_t n, len, off;
	char *orig = slurp(seg, &n), *b = malloc(n);

	off = find_line(orig, k, &len);
	for (size_t i = off; i < off + len; i++) {
		struct jrn_verify_result vr;

		memcpy(b, orig, n);
		b[i] = (char)(b[i] ^ (i % 2 ? 0x01 : 0x04));
		spit(seg, b, n);
		vr = run();
		if (vr.ok || vr.bad_seq != k)
			UNIT_FAIL("byte %zu of seq %llu ('%c'->'%c'): %s, bad seq "
			    "%llu: %s", i - off, (unsigned long long)k, orig[i],
			    b[i], vr.ok ? "verified" : vr.kind,
			    (unsigned long long)vr.bad_seq, vr.why);
	}
	spit(seg, orig, n);
	free(b);
	free(orig);
}

TEST(modified_byte_names_exact_seq)
{
	build(120, 8192);
	list();
	every_byte(57);				/* inside a segment */
	every_byte(strtoull(segs[2], NULL, 16) - 1);	/* last of a segment */
	every_byte(1);				/* chains to the genesis */
	ASSERT_EQ(run().ok, 1);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(modified_record_kind_and_place)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, len, off;
	char *b, *p;

	build(100, 8192);
	list();
	seg = seg_of(40);
	b = slurp(seg, &n);
	off = find_line(b, 40, &len);
	p = strstr(b + off, "\"comm\":\"docker\"");
	p[9] = 'D';	/* dockerd -> Docker: still valid JSON */
	spit(seg, b, n);
	vr = run();
	expect_bad(&vr, JRN_V_MODIFIED, 40, seg, off);
	ASSERT_CONTAINS(vr.why, "record 40 was modified");
	/* 40 itself only fails at 41, and then is not counted good */
	ASSERT_EQ(vr.records, 39);
	ASSERT_EQ(vr.last_seq, 39);
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(deleted_line)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, len, off;
	char *b;

	build(100, 8192);
	list();
	seg = seg_of(33);
	b = slurp(seg, &n);
	off = find_line(b, 33, &len);
	memmove(b + off, b + off + len, n - off - len);
	spit(seg, b, n - len);
	vr = run();
	expect_bad(&vr, JRN_V_MISSING, 33, seg, off);
	ASSERT_CONTAINS(vr.why, "missing range 33..33");
	ASSERT_EQ(vr.records, 32);
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(swapped_lines)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, l1, l2, o1, o2;
	char *b, *c;

	build(100, 1 << 20);
	list();
	seg = seg_of(70);
	b = slurp(seg, &n);
	c = malloc(n);
	o1 = find_line(b, 70, &l1);
	o2 = find_line(b, 71, &l2);
	memcpy(c, b, o1);
	memcpy(c + o1, b + o2, l2);
	memcpy(c + o1 + l2, b + o1, l1);
	memcpy(c + o1 + l1 + l2, b + o2 + l2, n - o2 - l2);
	spit(seg, c, n);
	vr = run();
	expect_bad(&vr, JRN_V_REORDERED, 70, seg, o1);
	ASSERT_CONTAINS(vr.why, "seq 71 found where seq 70 belongs");
	free(b);
	free(c);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(repeated_line)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, len, off;
	char *b, *c;

	build(50, 1 << 20);
	list();
	seg = seg_of(20);
	b = slurp(seg, &n);
	c = malloc(n + 1000);
	off = find_line(b, 20, &len);
	memcpy(c, b, off + len);
	memcpy(c + off + len, b + off, n - off);	/* 20 again, then 21.. */
	spit(seg, c, n + len);
	vr = run();
	expect_bad(&vr, JRN_V_REORDERED, 21, seg, off + len);
	free(b);
	free(c);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(missing_segment)
{
	struct jrn_verify_result vr;
	char p[400];
	uint64_t a, b;

	build(200, 4096);
	list();
	ASSERT(nsegs > 4);
	a = strtoull(segs[2], NULL, 16);
	b = strtoull(segs[3], NULL, 16);
	snprintf(p, sizeof(p), "%s/%s", jdir, segs[2]);
	ASSERT_EQ(unlink(p), 0);
	vr = run();
	expect_bad(&vr, JRN_V_MISSING, a, segs[3], 0);
	{
		char want[64];

		snprintf(want, sizeof(want), "missing range %llu..%llu",
		    (unsigned long long)a, (unsigned long long)(b - 1));
		ASSERT_CONTAINS(vr.why, want);
	}
	/* the first segment gone: 1.. is missing */
	snprintf(p, sizeof(p), "%s/%s", jdir, segs[0]);
	ASSERT_EQ(unlink(p), 0);
	vr = run();
	expect_bad(&vr, JRN_V_MISSING, 1, segs[1], 0);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(renamed_segment)
{
	struct jrn_verify_result vr;
	char p[400], q[400];

	build(100, 4096);
	list();
	snprintf(p, sizeof(p), "%s/%s", jdir, segs[2]);
	snprintf(q, sizeof(q), "%s/%016llx.jsonl", jdir,
	    strtoull(segs[2], NULL, 16) + 1);
	ASSERT_EQ(rename(p, q), 0);
	vr = run();
	expect_bad(&vr, JRN_V_SEGNAME, strtoull(segs[2], NULL, 16), NULL, 0);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(truncated_final_line)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, len, off;
	char *b;

	build(80, 8192);
	list();
	seg = segs[nsegs - 1];
	b = slurp(seg, &n);
	off = find_line(b, 80, &len);
	spit(seg, b, off + len / 2);
	vr = run();
	expect_bad(&vr, JRN_V_TRUNCATED, 80, seg, off);
	ASSERT_CONTAINS(vr.why, "truncated after seq 79");
	ASSERT_EQ(vr.records, 79);
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(partial_line_in_older_segment)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n;
	char *b;

	build(100, 4096);
	list();
	seg = segs[1];
	b = slurp(seg, &n);
	spit(seg, b, n - 30);
	vr = run();
	ASSERT_EQ(vr.ok, 0);
	ASSERT_STREQ(vr.kind, JRN_V_TRUNCATED);
	ASSERT_EQ(vr.bad_seq, strtoull(segs[2], NULL, 16) - 1);
	ASSERT_CONTAINS(vr.why, "newer segment follows");
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(bad_json_line)
{
	struct jrn_verify_result vr;
	const char *seg;
	size_t n, len, off;
	char *b, *p;

	build(60, 1 << 20);
	list();
	seg = segs[0];
	b = slurp(seg, &n);
	off = find_line(b, 25, &len);
	p = strstr(b + off, "\"kind\":");
	p[7] = '\'';	/* "kind":'api" */
	spit(seg, b, n);
	vr = run();
	expect_bad(&vr, JRN_V_BADJSON, 25, seg, off);
	ASSERT_CONTAINS(vr.why, "bad JSON at seq 25");
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

TEST(wrong_genesis)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], other[320], *m, *m2, *g, g5;
	size_t n, n2;

	build(30, 1 << 20);
	list();
	/* journal.meta edited: genesis no longer derives from the id */
	m = slurp("journal.meta", &n);
	g = strstr(m, "\"genesis\":\"") + 11;
	g5 = g[5];
	g[5] = g5 == '0' ? '1' : '0';
	spit("journal.meta", m, n);
	vr = run();
	ASSERT_EQ(vr.ok, 0);
	ASSERT_STREQ(vr.kind, JRN_V_META);
	ASSERT_EQ(vr.bad_seq, 0);
	ASSERT_CONTAINS(vr.why, "genesis does not match");
	g[5] = g5;

	/* another journal's (consistent) meta: seq 1 does not chain */
	snprintf(other, sizeof(other), "%s/other", tdir);
	ASSERT_EQ(jrn_init(other, NULL, err), DA_OK);
	snprintf(other, sizeof(other), "%s/other/journal.meta", tdir);
	{
		FILE *f = fopen(other, "rb");

		ASSERT(f != NULL);
		m2 = malloc(4096);
		n2 = fread(m2, 1, 4096, f);
		fclose(f);
	}
	spit("journal.meta", m2, n2);
	vr = run();
	expect_bad(&vr, JRN_V_GENESIS, 1, segs[0], 0);
	spit("journal.meta", m, n);
	ASSERT_EQ(run().ok, 1);
	free(m);
	free(m2);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}

/* Verify while a writer appends: never a false alarm. */
struct bg {
	struct journal	*j;
	volatile int	 stop;
};

static void *
appender(void *arg)
{
	struct bg *g = arg;
	uint64_t t;

	while (!g->stop) {	/* ~20k records/s, in bursts */
		for (int i = 0; i < 20; i++)
			(void)jrn_submit(g->j, "\"kind\":\"api\",\"n\":12345", 22,
			    &t);
		usleep(1000);
	}
	return NULL;
}

TEST(verify_while_appending)
{
	struct jrn_opts o;
	struct bg g;
	pthread_t th;
	char err[DA_ERRLEN];

	build(10, 0);
	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = 64 * 1024;
	ASSERT_EQ(jrn_open(&g.j, &o, NULL, err), DA_OK);
	g.stop = 0;
	ASSERT_EQ(pthread_create(&th, NULL, appender, &g), 0);
	for (int i = 0; i < 20; i++) {
		struct jrn_verify_result vr = run();

		if (!vr.ok)
			UNIT_FAIL("seq %llu: %s", (unsigned long long)vr.bad_seq,
			    vr.why);
		ASSERT(vr.records >= 10);
	}
	g.stop = 1;
	pthread_join(th, NULL);
	jrn_close(g.j);
	ASSERT_EQ(run().ok, 1);
	rm_tmp();
}

/* ---- the command ---- */

static int
cli(char *out, size_t cap, int argc, char **argv)
{
	char p[400];
	int fd, saved, rc;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/out", tdir);
	int saved2;

	fflush(stdout);
	fflush(stderr);
	saved = dup(1);
	saved2 = dup(2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 2);
	close(fd);
	rc = cli_verify(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved2, 2);
	close(saved);
	close(saved2);
	fd = open(p, O_RDONLY);
	n = read(fd, out, cap - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return rc;
}

TEST(cli_ok_damaged_usage)
{
	char out[4096], *b;
	size_t n, len, off;
	char *ok[] = { "verify", "--journal", jdir, NULL };
	char *quiet[] = { "verify", "-q", "-j", jdir, NULL };
	char *none[] = { "verify", NULL };
	char *extra[] = { "verify", "--journal", jdir, "x", NULL };
	char *bad[] = { "verify", "--bogus", NULL };
	char *help[] = { "verify", "--help", NULL };
	char *missing[] = { "verify", "--journal", "/nonexistent/j", NULL };

	build(40, 1 << 20);
	list();
	ASSERT_EQ(cli(out, sizeof(out), 3, ok), 0);
	ASSERT(strncmp(out, "OK: 40 records, seq 1..40, head ", 32) == 0);
	ASSERT_EQ(strlen(out), 32 + 64 + 1);
	ASSERT_EQ(cli(out, sizeof(out), 4, quiet), 0);
	ASSERT_STREQ(out, "");
	ASSERT_EQ(cli(out, sizeof(out), 1, none), 2);
	ASSERT_EQ(cli(out, sizeof(out), 4, extra), 2);
	ASSERT_EQ(cli(out, sizeof(out), 2, bad), 2);
	ASSERT_EQ(cli(out, sizeof(out), 2, help), 0);
	ASSERT_CONTAINS(out, "usage: dockaudit verify");
	ASSERT_EQ(cli(out, sizeof(out), 3, missing), 2);

	b = slurp(segs[0], &n);
	off = find_line(b, 12, &len);
	memmove(b + off, b + off + len, n - off - len);
	spit(segs[0], b, n - len);
	ASSERT_EQ(cli(out, sizeof(out), 3, ok), 1);
	{
		char want[200];

		snprintf(want, sizeof(want), "DAMAGED: seq 12: missing range "
		    "12..12: seq 13 follows seq 11 (segment %s, byte %zu)\n",
		    segs[0], off);
		ASSERT(strncmp(out, want, strlen(want)) == 0);
	}
	ASSERT_CONTAINS(out, "before it: 11 good records");
	ASSERT_EQ(cli(out, sizeof(out), 4, quiet), 1);
	ASSERT(strncmp(out, "DAMAGED: seq 12:", 16) == 0);
	ASSERT_NOT_CONTAINS(out, "before it");
	free(b);
	jrn_segments_free(segs, nsegs);
	rm_tmp();
}
