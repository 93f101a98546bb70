/* test-journal.c -- the journal's append path, rotation, reader, recovery
 * and write-failure handling (verify has its own file, test-verify.c).
 *
 * Every test works in a fresh directory under /tmp.  Faults are injected
 * through struct jrn_io (journal/io.h), SQLite test-VFS style. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "unit.h"

#include "base/err.h"
#include "journal/io.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/verify.h"

static char tdir[256], jdir[300];

static void
mk_tmp(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/da-jtest.XXXXXX");
	ASSERT(mkdtemp(tdir) != NULL);
	snprintf(jdir, sizeof(jdir), "%s/j", tdir);
}

static void
rm_tmp(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ASSERT_EQ(system(cmd), 0);
}

static void
mk_journal(void)
{
	char err[DA_ERRLEN], id[JRN_ID_LEN];

	mk_tmp();
	ASSERT_EQ(jrn_init(jdir, id, err), DA_OK);
}

static struct journal *
open_j(uint64_t seg_max, const struct jrn_io *io, struct jrn_recovery *rec)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];
	int rc;

	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = seg_max;
	o.io = io;
	rc = jrn_open(&j, &o, rec, err);
	if (rc != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

/* A record body of about len bytes, distinct per (t, i). */
static size_t
members(char *out, size_t cap, int t, int i, size_t len)
{
	int n = snprintf(out, cap, "\"id\":\"t%d-r%d\",\"kind\":\"api\","
	    "\"action\":\"container.create\",\"pad\":\"", t, i);
	size_t k = (size_t)n;

	for (; k + 2 < len && k + 3 < cap; k++)
		out[k] = (char)('a' + (i + (int)k) % 26);
	out[k++] = '"';
	out[k] = '\0';
	return k;
}

static void
wait_durable(struct journal *j, uint64_t ticket)
{
	for (int i = 0; i < 20000 && jrn_durable(j) < ticket; i++)
		usleep(500);
	ASSERT(jrn_durable(j) >= ticket);
}

static void
append_n(struct journal *j, int n, size_t len)
{
	char m[8192];
	uint64_t t = 0;

	for (int i = 0; i < n; i++) {
		size_t ml = members(m, sizeof(m), 0, i, len);

		ASSERT_EQ(jrn_submit(j, m, ml, &t), DA_OK);
	}
	wait_durable(j, t);
}

static void
assert_verifies(uint64_t records)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify(jdir, &vr, err), DA_OK);
	if (!vr.ok)
		UNIT_FAIL("verify: seq %llu: %s: %s (%s byte %llu)",
		    (unsigned long long)vr.bad_seq, vr.kind, vr.why, vr.segment,
		    (unsigned long long)vr.offset);
	ASSERT_EQ(vr.records, records);
	ASSERT_EQ(vr.last_seq, records);
}

static size_t
file_size(const char *name)
{
	char p[400];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT_EQ(stat(p, &st), 0);
	return (size_t)st.st_size;
}

static char *
slurp(const char *name, size_t *n)
{
	char p[400];
	FILE *f;
	char *b;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT((f = fopen(p, "rb")) != NULL);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	ASSERT((b = malloc(*n + 1)) != NULL);
	ASSERT_EQ(fread(b, 1, *n, f), *n);
	b[*n] = '\0';
	fclose(f);
	return b;
}

static void
spit(const char *name, const char *b, size_t n)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT((f = fopen(p, "wb")) != NULL);
	ASSERT_EQ(fwrite(b, 1, n, f), n);
	fclose(f);
}

static char *
last_segment(void)
{
	char **names, err[DA_ERRLEN], *s;
	size_t n;

	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n > 0);
	s = strdup(names[n - 1]);
	jrn_segments_free(names, n);
	return s;
}

/* ---- init and meta ---- */

TEST(init_creates_meta)
{
	unsigned char gen[JRN_HASH_LEN], want[JRN_HASH_LEN];
	char err[DA_ERRLEN], id[JRN_ID_LEN], id2[JRN_ID_LEN], p[400], in[80];
	struct stat st;
	unsigned int len;

	mk_tmp();
	umask(022);
	ASSERT_EQ(jrn_init(jdir, id, err), DA_OK);
	ASSERT_EQ(strlen(id), 36);
	ASSERT(id[14] == '4');				/* version 4 */
	ASSERT(strchr("89ab", id[19]) != NULL);		/* variant */
	ASSERT(id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-');
	ASSERT_EQ(stat(jdir, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0750);
	snprintf(p, sizeof(p), "%s/journal.meta", jdir);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0640);
	snprintf(p, sizeof(p), "%s/cursors", jdir);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT(S_ISDIR(st.st_mode));

	ASSERT_EQ(jrn_meta_read(jdir, id2, gen, err), DA_OK);
	ASSERT_STREQ(id2, id);
	snprintf(in, sizeof(in), "dockaudit-genesis:%s", id);
	ASSERT_EQ(EVP_Digest(in, strlen(in), want, &len, EVP_sha256(), NULL), 1);
	ASSERT(memcmp(gen, want, JRN_HASH_LEN) == 0);

	ASSERT_EQ(jrn_init(jdir, NULL, err), DA_E_EXISTS);
	ASSERT_CONTAINS(err, "already");
	rm_tmp();
}

TEST(init_ids_differ_and_open_needs_init)
{
	char err[DA_ERRLEN], a[JRN_ID_LEN], b[JRN_ID_LEN], d2[320];
	struct jrn_opts o;
	struct journal *j;

	mk_tmp();
	snprintf(d2, sizeof(d2), "%s/k", tdir);
	ASSERT_EQ(jrn_init(jdir, a, err), DA_OK);
	ASSERT_EQ(jrn_init(d2, b, err), DA_OK);
	ASSERT(strcmp(a, b) != 0);

	snprintf(d2, sizeof(d2), "%s/none", tdir);
	mkdir(d2, 0750);
	jrn_opts_default(&o);
	o.dir = d2;
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_E_NOTFOUND);
	ASSERT_CONTAINS(err, "init");
	rm_tmp();
}

TEST(init_refuses_dir_with_segments)
{
	char err[DA_ERRLEN];

	mk_tmp();
	mkdir(jdir, 0750);
	spit("0000000000000001.jsonl", "", 0);
	ASSERT_EQ(jrn_init(jdir, NULL, err), DA_E_EXISTS);
	rm_tmp();
}

TEST(open_is_exclusive)
{
	struct jrn_opts o;
	struct journal *j, *j2;
	char err[DA_ERRLEN];

	mk_journal();
	j = open_j(0, NULL, NULL);
	jrn_opts_default(&o);
	o.dir = jdir;
	ASSERT(jrn_open(&j2, &o, NULL, err) != DA_OK);
	ASSERT_CONTAINS(err, "open in another process");
	jrn_close(j);
	rm_tmp();
}

/* ---- appending ---- */

TEST(first_line_format)
{
	unsigned char gen[JRN_HASH_LEN];
	char err[DA_ERRLEN], hex[JRN_HEX_LEN], want[256], *b;
	struct journal *j;
	uint64_t t;
	size_t n;

	mk_journal();
	ASSERT_EQ(jrn_meta_read(jdir, NULL, gen, err), DA_OK);
	jrn_hex(gen, hex);
	j = open_j(0, NULL, NULL);
	ASSERT_EQ(jrn_submit(j, "\"kind\":\"audit\"", 14, &t), DA_OK);
	ASSERT_EQ(t, 1);
	ASSERT_EQ(jrn_submit(j, "", 0, &t), DA_OK);
	ASSERT_EQ(t, 2);
	wait_durable(j, 2);
	jrn_close(j);
	b = slurp("0000000000000001.jsonl", &n);
	snprintf(want, sizeof(want), "{\"v\":1,\"seq\":1,\"kind\":\"audit\","
	    "\"prev\":\"%s\"}\n{\"v\":1,\"seq\":2,\"prev\":\"", hex);
	ASSERT(strncmp(b, want, strlen(want)) == 0);
	{
		/* prev of 2 is SHA-256(genesis || line 1) */
		unsigned char h1[JRN_HASH_LEN];
		char *nl = strchr(b, '\n');

		jrn_chain_step(gen, b, (size_t)(nl - b + 1), h1);
		jrn_hex(h1, hex);
		ASSERT(strncmp(nl + 1 + strlen("{\"v\":1,\"seq\":2,\"prev\":\""),
		    hex, 64) == 0);
	}
	free(b);
	assert_verifies(2);
	rm_tmp();
}

TEST(submit_rejects_bad_members)
{
	struct journal *j;
	uint64_t t;

	mk_journal();
	j = open_j(0, NULL, NULL);
	ASSERT_EQ(jrn_submit(j, "\"a\":1,\n\"b\":2", 13, &t), DA_E_INVAL);
	ASSERT_EQ(jrn_submit(j, "\"a\":", 4, &t), DA_E_PARSE);
	ASSERT_EQ(jrn_submit(j, "\"a\":1,", 6, &t), DA_E_PARSE);
	ASSERT_EQ(jrn_submit(j, "\"a\":1}", 6, &t), DA_E_PARSE);
	ASSERT_EQ(jrn_submit(j, "\"a\":01", 6, &t), DA_E_PARSE);
	ASSERT_EQ(jrn_submit(j, "\"a\":\"\xff\"", 7, &t), DA_E_PARSE);
	ASSERT_EQ(jrn_submit(j, "\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"", 31,
	    &t), DA_OK);
	ASSERT_EQ(t, 1);
	wait_durable(j, 1);
	jrn_close(j);
	assert_verifies(1);
	rm_tmp();
}

TEST(queue_limit)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];
	uint64_t t;
	int full = 0;

	mk_journal();
	jrn_opts_default(&o);
	o.dir = jdir;
	o.queue_max = 4;
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_OK);
	for (int i = 0; i < 2000 && !full; i++)
		if (jrn_submit(j, "\"a\":1", 5, &t) == DA_E_TOOBIG)
			full = 1;
	ASSERT(full);
	jrn_close(j);
	rm_tmp();
}

struct prod {
	struct journal	*j;
	int		 t, n;
	uint64_t	*tickets;
};

static void *
producer(void *arg)
{
	struct prod *p = arg;
	char m[1024];

	for (int i = 0; i < p->n; i++) {
		size_t ml = members(m, sizeof(m), p->t, i, 100 + (size_t)(i % 400));

		if (jrn_submit(p->j, m, ml, &p->tickets[i]) != DA_OK)
			abort();
	}
	return NULL;
}

TEST(append_from_threads_durable_and_chained)
{
	enum { T = 4, N = 5000 };
	struct prod p[T];
	pthread_t th[T];
	struct journal *j;
	struct jrn_reader *r;
	struct jrn_stats st;
	const char *line;
	char err[DA_ERRLEN], want[64];
	size_t len;
	uint64_t seq, expect = 1, max = 0;
	int next_i[T] = { 0 };

	mk_journal();
	j = open_j(256 * 1024, NULL, NULL);
	for (int t = 0; t < T; t++) {
		p[t] = (struct prod){ j, t, N, calloc(N, sizeof(uint64_t)) };
		ASSERT_EQ(pthread_create(&th[t], NULL, producer, &p[t]), 0);
	}
	for (int t = 0; t < T; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < T; t++)
		for (int i = 0; i < N; i++)
			if (p[t].tickets[i] > max)
				max = p[t].tickets[i];
	ASSERT_EQ(max, T * N);
	wait_durable(j, max);
	for (int t = 0; t < T; t++) {
		for (int i = 1; i < N; i++)	/* a thread's tickets ascend */
			ASSERT(p[t].tickets[i] > p[t].tickets[i - 1]);
		free(p[t].tickets);
	}
	jrn_get_stats(j, &st);
	ASSERT_EQ(st.records, T * N);
	ASSERT_EQ(st.last_seq, T * N);
	ASSERT_EQ(st.queued, 0);
	ASSERT_EQ(st.healthy, 1);
	ASSERT(st.batches >= 1 && st.batches <= T * N);
	jrn_close(j);

	/* every record once, in seq order, each thread's in its order */
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK) {
		int t, i;

		ASSERT_EQ(seq, expect);
		expect++;
		ASSERT_EQ(sscanf(line + strlen("{\"v\":1,\"seq\":") +
		    (size_t)snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)seq), ",\"id\":\"t%d-r%d\"", &t, &i), 2);
		ASSERT(t >= 0 && t < T);
		ASSERT_EQ(i, next_i[t]);
		next_i[t]++;
		ASSERT(len > 90 && line[len - 1] == '}');
	}
	jrn_reader_close(r);
	ASSERT_EQ(expect, T * N + 1);
	assert_verifies(T * N);
	rm_tmp();
}

TEST(notify_fd_signals_durability)
{
	struct journal *j;
	struct pollfd pfd;
	uint64_t t, v;

	mk_journal();
	j = open_j(0, NULL, NULL);
	pfd.fd = jrn_notify_fd(j);
	pfd.events = POLLIN;
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ASSERT_EQ(jrn_submit(j, "\"a\":1", 5, &t), DA_OK);
	ASSERT_EQ(poll(&pfd, 1, 5000), 1);
	ASSERT_EQ(read(pfd.fd, &v, 8), 8);
	ASSERT(v >= 1);
	wait_durable(j, t);
	ASSERT_EQ(jrn_durable(j), 1);
	jrn_close(j);
	rm_tmp();
}

TEST(reopen_continues_chain)
{
	struct jrn_recovery rec;
	struct journal *j;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 50, 200);
	jrn_close(j);
	j = open_j(0, NULL, &rec);
	ASSERT_EQ(rec.last_seq, 50);
	ASSERT_EQ(rec.dropped_bytes, 0);
	ASSERT_STREQ(rec.reason, "");
	ASSERT_EQ(jrn_durable(j), 50);
	append_n(j, 50, 200);
	jrn_close(j);
	assert_verifies(100);
	rm_tmp();
}

/* ---- rotation ---- */

TEST(rotation_by_size)
{
	char **names, err[DA_ERRLEN], *b;
	struct journal *j;
	size_t n, sz;
	uint64_t t;

	mk_journal();
	j = open_j(4096, NULL, NULL);
	append_n(j, 300, 150);
	{
		char big[6000];	/* larger than a segment: gets its own */
		size_t ml = members(big, sizeof(big), 9, 9, 5000);

		ASSERT_EQ(jrn_submit(j, big, ml, &t), DA_OK);
	}
	append_n(j, 20, 150);
	jrn_close(j);
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n > 10);
	for (size_t i = 0; i < n; i++) {
		char want[40];
		unsigned long long first;

		b = slurp(names[i], &sz);
		ASSERT(sz > 0 && b[sz - 1] == '\n');	/* never split */
		ASSERT_EQ(sscanf(b, "{\"v\":1,\"seq\":%llu,", &first), 1);
		snprintf(want, sizeof(want), "%016llx.jsonl", first);
		ASSERT_STREQ(names[i], want);
		if (first == t)
			ASSERT(sz > 4096 && strchr(b, '\n') == b + sz - 1);
		else
			ASSERT(sz <= 4096);
		free(b);
	}
	jrn_segments_free(names, n);
	assert_verifies(321);
	rm_tmp();
}

TEST(rotation_by_age)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN], **names;
	size_t n;
	uint64_t t;

	mk_journal();
	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_age_ns = 50 * 1000000ll;	/* 50 ms */
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_OK);
	ASSERT_EQ(jrn_submit(j, "\"a\":1", 5, &t), DA_OK);
	wait_durable(j, t);
	ASSERT_EQ(jrn_submit(j, "\"a\":2", 5, &t), DA_OK);
	wait_durable(j, t);
	usleep(120000);
	ASSERT_EQ(jrn_submit(j, "\"a\":3", 5, &t), DA_OK);
	wait_durable(j, t);
	jrn_close(j);
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(names[0], "0000000000000001.jsonl");
	ASSERT_STREQ(names[1], "0000000000000003.jsonl");
	jrn_segments_free(names, n);
	assert_verifies(3);
	rm_tmp();
}

/* ---- reader ---- */

TEST(reader_from_seq_across_segments)
{
	struct jrn_reader *r;
	struct journal *j;
	const char *line;
	char err[DA_ERRLEN];
	size_t len;
	uint64_t seq, expect;

	mk_journal();
	j = open_j(2048, NULL, NULL);
	append_n(j, 200, 180);
	jrn_close(j);
	ASSERT_EQ(jrn_reader_open(&r, jdir, 137, err), DA_OK);
	for (expect = 137; expect <= 200; expect++) {
		ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_OK);
		ASSERT_EQ(seq, expect);
		ASSERT(strncmp(line, "{\"v\":1,\"seq\":", 13) == 0);
	}
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_E_AGAIN);
	ASSERT_EQ(strlen(jrn_reader_segment(r)), 22);
	jrn_reader_close(r);
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1000, err), DA_OK);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_E_AGAIN);
	jrn_reader_close(r);
	rm_tmp();
}

TEST(reader_follows_appends_and_new_segments)
{
	struct jrn_reader *r;
	struct journal *j;
	const char *line;
	char err[DA_ERRLEN];
	size_t len;
	uint64_t seq, expect = 1;

	mk_journal();
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_E_AGAIN);
	j = open_j(3000, NULL, NULL);
	for (int round = 0; round < 20; round++) {
		append_n(j, 7, 200 + (size_t)round * 20);
		while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK) {
			ASSERT_EQ(seq, expect);
			expect++;
		}
		ASSERT_EQ(expect, (round + 1) * 7 + 1);
	}
	jrn_close(j);
	jrn_reader_close(r);
	rm_tmp();
}

TEST(reader_holds_back_partial_line)
{
	struct jrn_reader *r;
	struct journal *j;
	const char *line;
	char err[DA_ERRLEN], *seg, *b, p[400];
	size_t len, n, half;
	uint64_t seq;
	int fd;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 3, 100);
	jrn_close(j);
	seg = last_segment();
	b = slurp(seg, &n);
	/* cut inside record 3, then write its rest: as the writer would */
	half = n - 40;
	spit(seg, b, half);
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_OK);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_OK);
	ASSERT_EQ(seq, 2);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_E_AGAIN);
	snprintf(p, sizeof(p), "%s/%s", jdir, seg);
	ASSERT((fd = open(p, O_WRONLY | O_APPEND)) >= 0);
	ASSERT_EQ(write(fd, b + half, n - half), (ssize_t)(n - half));
	close(fd);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_OK);
	ASSERT_EQ(seq, 3);
	ASSERT_EQ(len, n - (size_t)(strstr(b, "{\"v\":1,\"seq\":3,") - b) - 1);
	ASSERT_EQ(jrn_reader_offset(r), (uint64_t)(strstr(b, "{\"v\":1,\"seq\":3,") - b));
	jrn_reader_close(r);
	free(b);
	free(seg);
	rm_tmp();
}

TEST(reader_rejects_giant_line)
{
	struct jrn_reader *r;
	const char *line;
	char err[DA_ERRLEN], *b;
	size_t len, n = JRN_MAX_LINE + 10;
	uint64_t seq;

	mk_journal();
	ASSERT((b = malloc(n)) != NULL);
	memset(b, 'x', n);
	spit("0000000000000001.jsonl", b, n);
	free(b);
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_E_CORRUPT);
	ASSERT_CONTAINS(err, "longer than");
	jrn_reader_close(r);
	rm_tmp();
}

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
