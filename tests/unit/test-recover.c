/* test-recover.c -- the journal after a crash or a failing disk: torn and
 * garbage tails cut back to the last good record at open (the cut bytes
 * kept aside), altered records not chained on, empty or bad newest
 * segments, write and fdatasync failures injected through struct jrn_io
 * (SQLite test-VFS style), short writes, and a power cut at every byte of
 * a batch.  Nothing acknowledged may be lost, nothing written twice. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include "unit.h"

#include "base/err.h"
#include "journal/io.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/verify.h"

#include "journal-util.h"

/* ---- recovery ---- */

static unsigned rnd_state = 12345;

static unsigned
rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) & 0x7fff;
}

/* line starts in b[0..n): offsets of each line's first byte */
static int
line_starts(const char *b, size_t n, size_t *starts, int max)
{
	int k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (i == 0 || b[i - 1] == '\n')
			starts[k++] = i;
	return k;
}

TEST(torn_tail_random_offsets)
{
	struct jrn_recovery rec;
	struct journal *j;
	char *seg, *orig;
	size_t n, starts[512];
	int nl;

	mk_journal();
	j = open_j(16384, NULL, NULL);
	append_n(j, 100, 300);
	jrn_close(j);
	seg = last_segment();
	orig = slurp(seg, &n);
	nl = line_starts(orig, n, starts, 512);
	ASSERT(nl > 4);
	for (int iter = 0; iter < 60; iter++) {
		/* somewhere inside the last three lines */
		size_t lo = starts[nl - 3], cut = lo + rnd() % (n - lo);
		uint64_t first, want_last;
		int keep = 0;

		spit(seg, orig, cut);
		for (int k = 0; k < nl; k++)
			if (k + 1 < nl ? starts[k + 1] <= cut : n <= cut)
				keep = k + 1;
		sscanf(seg, "%16lx", &first);
		want_last = first + (uint64_t)keep - 1;
		j = open_j(16384, NULL, &rec);
		ASSERT_EQ(rec.last_seq, want_last);
		ASSERT_EQ(rec.dropped_bytes, cut - (keep < nl ? starts[keep] : n));
		if (rec.dropped_bytes > 0) {
			ASSERT_EQ(rec.dropped_lines, 1);
			ASSERT_CONTAINS(rec.reason, "torn record");
		}
		ASSERT_EQ(jrn_durable(j), want_last);
		jrn_close(j);
		ASSERT_EQ(file_size(seg), keep < nl ? starts[keep] : n);
		assert_verifies(want_last);
	}
	/* and it keeps appending after a cut */
	spit(seg, orig, n - 17);
	j = open_j(16384, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 99);
	append_n(j, 10, 300);
	jrn_close(j);
	assert_verifies(109);
	free(orig);
	free(seg);
	rm_tmp();
}

TEST(garbage_and_zero_tails)
{
	struct jrn_recovery rec;
	struct journal *j;
	char *seg, *orig, *b, p[400];
	size_t n;
	struct stat st;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 40, 300);
	jrn_close(j);
	seg = last_segment();
	orig = slurp(seg, &n);
	ASSERT((b = malloc(n + 8192)) != NULL);

	/* zero-filled blocks past the end (ext4 after a crash) */
	memcpy(b, orig, n);
	memset(b + n, 0, 8192);
	spit(seg, b, n + 8192);
	j = open_j(0, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 40);
	ASSERT_EQ(rec.dropped_bytes, 8192);
	ASSERT_STREQ(rec.saved, "");	/* zeros are not worth keeping */
	jrn_close(j);
	ASSERT_EQ(file_size(seg), n);

	/* garbage with newlines, and a line that looks almost right */
	memcpy(b, orig, n);
	for (int i = 0; i < 3000; i++)
		b[n + (size_t)i] = (char)(rnd() & 0xff);
	b[n + 500] = '\n';
	spit(seg, b, n + 3000);
	j = open_j(0, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 40);
	ASSERT_EQ(rec.dropped_bytes, 3000);
	ASSERT(rec.dropped_lines >= 2);
	ASSERT(rec.saved[0] != '\0');
	jrn_close(j);
	snprintf(p, sizeof(p), "%s/%s", jdir, rec.saved);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_size, 3000);	/* the cut bytes were kept */
	assert_verifies(40);

	/* a complete line that is not JSON */
	{
		const char *h = "{\"v\":1,\"seq\":41,\"x\":tru,\"prev\":\"";
		size_t hl = strlen(h);

		memcpy(b, orig, n);
		memcpy(b + n, h, hl);
		memset(b + n + hl, 'a', 64);
		memcpy(b + n + hl + 64, "\"}\n", 3);
		spit(seg, b, n + hl + 67);
		j = open_j(0, NULL, &rec);
		ASSERT_EQ(rec.dropped_bytes, hl + 67);
	}
	ASSERT_EQ(rec.last_seq, 40);
	ASSERT_CONTAINS(rec.reason, "bad JSON");
	jrn_close(j);
	assert_verifies(40);
	free(b);
	free(orig);
	free(seg);
	rm_tmp();
}

TEST(recovery_altered_record_is_not_kept)
{
	struct jrn_recovery rec;
	struct journal *j;
	char *seg, *b, *p;
	size_t n;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 30, 200);
	jrn_close(j);
	seg = last_segment();
	b = slurp(seg, &n);
	/* change a letter inside record 20's pad: still valid JSON */
	p = strstr(b, "\"id\":\"t0-r19\"");
	ASSERT(p != NULL);
	p = strstr(p, "\"pad\":\"") + 10;
	*p = *p == 'q' ? 'r' : 'q';
	spit(seg, b, n);
	j = open_j(0, NULL, &rec);
	/* 21's prev breaks: 20 is unconfirmed and goes with it */
	ASSERT_EQ(rec.last_seq, 19);
	ASSERT_CONTAINS(rec.reason, "seq 21: prev does not match");
	ASSERT_EQ(rec.dropped_lines, 11);
	ASSERT(rec.saved[0] != '\0');
	append_n(j, 5, 200);
	jrn_close(j);
	assert_verifies(24);
	free(b);
	free(seg);
	rm_tmp();
}

TEST(recovery_removes_empty_and_bad_newest_segment)
{
	struct jrn_recovery rec;
	struct journal *j;
	char **names, err[DA_ERRLEN], *seg;
	size_t n;

	mk_journal();
	j = open_j(4096, NULL, NULL);
	append_n(j, 60, 200);
	jrn_close(j);
	seg = last_segment();

	/* a rotation that crashed before writing */
	spit("0000000000000100.jsonl", "", 0);
	j = open_j(4096, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 60);
	ASSERT_EQ(rec.dropped_bytes, 0);
	append_n(j, 1, 200);
	jrn_close(j);
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	for (size_t i = 0; i < n; i++)
		ASSERT(strcmp(names[i], "0000000000000100.jsonl") != 0);
	jrn_segments_free(names, n);
	assert_verifies(61);

	/* a newest segment holding only a torn first record */
	spit("000000000000003e.jsonl", "{\"v\":1,\"seq\":62,\"a\":", 20);
	j = open_j(4096, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 61);
	ASSERT_EQ(rec.dropped_bytes, strlen("{\"v\":1,\"seq\":62,\"a\":"));
	ASSERT_STREQ(rec.saved, "000000000000003e.jsonl.cut-0");
	append_n(j, 3, 200);
	jrn_close(j);
	assert_verifies(64);
	free(seg);
	rm_tmp();
}

/* ---- injected write failures ---- */

static int fail_writes_from = -1, fail_writes_n, fail_syncs_from = -1,
    fail_syncs_n, short_writes, nwrites, nsyncs;

static ssize_t
t_write(int fd, const void *buf, size_t n)
{
	int k = __atomic_fetch_add(&nwrites, 1, __ATOMIC_SEQ_CST);

	if (fail_writes_from >= 0 && k >= fail_writes_from &&
	    k < fail_writes_from + fail_writes_n) {
		/* write part of it first, as a full disk would */
		if (n > 10)
			(void)!write(fd, buf, n / 2);
		errno = ENOSPC;
		return -1;
	}
	if (short_writes && n > 1)
		n = 1 + (size_t)(rnd() % n);
	return write(fd, buf, n);
}

static int
t_fdatasync(int fd)
{
	int k = __atomic_fetch_add(&nsyncs, 1, __ATOMIC_SEQ_CST);

	if (fail_syncs_from >= 0 && k >= fail_syncs_from &&
	    k < fail_syncs_from + fail_syncs_n) {
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

static const struct jrn_io test_io = {
	.write = t_write,
	.fdatasync = t_fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
	.openat = NULL,		/* set at run time: openat is variadic */
};

static int
t_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static void
failing_run(int write_fail, int sync_fail)
{
	struct jrn_io io = test_io;
	struct jrn_stats st;
	struct journal *j;
	struct pollfd pfd;
	uint64_t t, v;
	char m[512];
	int saw_unhealthy = 0;

	io.openat = t_openat;
	mk_journal();
	j = open_j(8192, &io, NULL);
	append_n(j, 20, 200);
	nwrites = nsyncs = 0;
	if (write_fail)
		fail_writes_from = 0, fail_writes_n = 3;
	if (sync_fail)
		fail_syncs_from = 0, fail_syncs_n = 2;
	pfd.fd = jrn_notify_fd(j);
	pfd.events = POLLIN;
	for (int i = 0; i < 30; i++) {
		size_t ml = members(m, sizeof(m), 1, i, 200);

		ASSERT_EQ(jrn_submit(j, m, ml, &t), DA_OK);
	}
	for (int i = 0; i < 100 && jrn_durable(j) < t; i++) {
		if (!jrn_healthy(j))
			saw_unhealthy = 1;
		if (poll(&pfd, 1, 100) == 1)
			ASSERT_EQ(read(pfd.fd, &v, 8), 8);
	}
	wait_durable(j, t);
	ASSERT(saw_unhealthy);
	ASSERT_EQ(jrn_healthy(j), 1);
	jrn_get_stats(j, &st);
	ASSERT(st.write_errors >= 1);
	ASSERT_EQ(st.records, 50);
	ASSERT_EQ(st.queued, 0);
	fail_writes_from = fail_syncs_from = -1;
	append_n(j, 5, 200);
	jrn_close(j);
	assert_verifies(55);	/* nothing lost, nothing twice */
	rm_tmp();
}

TEST(write_failure_then_recovery)
{
	failing_run(1, 0);
}

TEST(fsync_failure_then_recovery)
{
	failing_run(0, 1);
}

TEST(short_writes)
{
	struct jrn_io io = test_io;
	struct journal *j;

	io.openat = t_openat;
	short_writes = 1;
	mk_journal();
	j = open_j(4096, &io, NULL);
	append_n(j, 200, 250);
	jrn_close(j);
	assert_verifies(200);
	rm_tmp();
}

TEST(close_gives_up_on_dead_disk)
{
	struct jrn_io io = test_io;
	struct journal *j;
	uint64_t t;

	io.openat = t_openat;
	mk_journal();
	j = open_j(0, &io, NULL);
	append_n(j, 5, 100);
	fail_writes_from = 0;
	fail_writes_n = 1 << 30;
	nwrites = 0;
	ASSERT_EQ(jrn_submit(j, "\"a\":1", 5, &t), DA_OK);
	jrn_close(j);		/* returns after a few attempts */
	assert_verifies(5);
	rm_tmp();
}

/* Crash simulation: every prefix of the bytes one batch wrote is a state a
 * power cut can leave; recovery must come back to the last full record. */
TEST(crash_at_every_byte_of_a_batch)
{
	struct jrn_recovery rec;
	struct journal *j;
	char *seg, *orig;
	size_t n, base, starts[64];
	int nl;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 5, 120);
	jrn_close(j);
	seg = last_segment();
	orig = slurp(seg, &n);
	nl = line_starts(orig, n, starts, 64);
	ASSERT_EQ(nl, 5);
	base = starts[3];	/* records 4 and 5: one more batch */
	for (size_t cut = base; cut <= n; cut++) {
		uint64_t want = cut == n ? 5 : cut >= starts[4] ? 4 : 3;

		spit(seg, orig, cut);
		j = open_j(0, NULL, &rec);
		ASSERT_EQ(rec.last_seq, want);
		jrn_close(j);
	}
	assert_verifies(5);
	free(orig);
	free(seg);
	rm_tmp();
}
