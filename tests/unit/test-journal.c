/* test-journal.c -- creating a journal, the append path (threads, tickets,
 * durability, eventfd, line format, chain), rotation by size and age, and
 * the reader (positioning, following appends and new segments, partial
 * lines).  Recovery and I/O faults: test-recover.c; verify: test-verify.c;
 * cursors: test-cursor.c.  Every test works in a fresh /tmp directory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "unit.h"

#include "base/err.h"
#include "journal/cursor.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/verify.h"

#include "journal-util.h"

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

/* ---- symbolic links planted in the journal directory ---- */

static off_t
size_of(const char *path)
{
	struct stat st;

	ASSERT_EQ(stat(path, &st), 0);
	return st.st_size;
}

/* A segment replaced by a link to a file elsewhere: opening the journal,
 * reading it (reader, segment, verify) and writing to it all refuse the
 * link with an error that says so; the file it points at is untouched. */
TEST(symlink_in_place_of_segment_refused)
{
	char err[DA_ERRLEN], seg[400], out[400];
	struct jrn_verify_result vr;
	struct jrn_segread *sr;
	struct jrn_reader *r;
	struct jrn_opts o;
	struct journal *j;
	const char *line;
	uint64_t seq;
	size_t len;
	off_t before;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 5, 200);
	jrn_close(j);
	snprintf(seg, sizeof(seg), "%s/0000000000000001.jsonl", jdir);
	snprintf(out, sizeof(out), "%s/elsewhere.jsonl", tdir);
	ASSERT_EQ(rename(seg, out), 0);
	ASSERT_EQ(symlink(out, seg), 0);
	before = size_of(out);

	jrn_opts_default(&o);
	o.dir = jdir;
	ASSERT(jrn_open(&j, &o, NULL, err) != DA_OK);
	ASSERT_CONTAINS(err, "symbolic link");
	ASSERT_EQ(size_of(out), before);

	ASSERT(jrn_segment_open(&sr, jdir, "0000000000000001.jsonl", err) !=
	    DA_OK);
	ASSERT_CONTAINS(err, "symbolic link");
	if (jrn_reader_open(&r, jdir, 1, err) == DA_OK) {
		ASSERT(jrn_reader_next(r, &line, &len, &seq, err) != DA_OK);
		jrn_reader_close(r);
	}
	ASSERT_CONTAINS(err, "symbolic link");
	memset(&vr, 0, sizeof(vr));
	ASSERT(jrn_verify(jdir, &vr, err) != DA_OK || !vr.ok);
	rm_tmp();
}

/* Links planted under the names the next segments will have, and under
 * the meta file, a cursor and the seal key: the writer refuses to create
 * the segment through the link (the file it names gets nothing), and the
 * other files are refused too. */
TEST(symlink_at_next_segment_name_refused)
{
	char err[DA_ERRLEN], p[400], victim[400], m[2048], id[JRN_ID_LEN];
	unsigned char gen[JRN_HASH_LEN];
	uint64_t t = 0, seq;
	struct journal *j;
	int i, fd;

	mk_journal();
	snprintf(victim, sizeof(victim), "%s/victim", tdir);
	ASSERT((fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	close(fd);
	j = open_j(4096, NULL, NULL);
	append_n(j, 1, 200);
	for (i = 2; i < 400; i++) {
		snprintf(p, sizeof(p), "%s/%016x.jsonl", jdir, i);
		ASSERT_EQ(symlink(victim, p), 0);
	}
	for (i = 0; i < 60; i++) {
		size_t ml = members(m, sizeof(m), 7, i, 1000);

		if (jrn_submit(j, m, ml, &t) != DA_OK)
			break;
	}
	for (i = 0; i < 400 && jrn_durable(j) < t; i++)
		usleep(5000);
	ASSERT(jrn_durable(j) < t);		/* it stopped at the link */
	ASSERT(!jrn_healthy(j));
	jrn_close(j);
	ASSERT_EQ(size_of(victim), 0);

	/* cursor, meta and seal key through links: refused as well */
	snprintf(p, sizeof(p), "%s/cursors/c1", jdir);
	ASSERT_EQ(symlink(victim, p), 0);
	ASSERT(jrn_cursor_read(jdir, "c1", &seq, err) != DA_OK);
	snprintf(p, sizeof(p), "%s/cursors/c2~", jdir);
	ASSERT_EQ(symlink(victim, p), 0);
	ASSERT(jrn_cursor_write(jdir, "c2", 5, err) != DA_OK);
	ASSERT_CONTAINS(err, "symbolic link");
	ASSERT_EQ(size_of(victim), 0);
	snprintf(p, sizeof(p), "%s/journal.meta", jdir);
	ASSERT_EQ(rename(p, victim), 0);
	ASSERT_EQ(symlink(victim, p), 0);
	ASSERT(jrn_meta_read(jdir, id, gen, err) != DA_OK);
	ASSERT_CONTAINS(err, "symbolic link");
	rm_tmp();
}
