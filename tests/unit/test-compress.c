/* test-compress.c -- zstd-compressed closed segments: the maintenance
 * thread compresses every closed segment and never the newest; reader,
 * verify (with the key), status and recovery read them transparently;
 * leftovers of a compression cut short by a crash (both forms, a .tmp) are
 * resolved in favour of the .jsonl; a damaged .zst is reported as damage
 * at a seq inside it, not a crash. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"

#include "base/err.h"
#include "journal/internal.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/seal.h"
#include "journal/status.h"
#include "journal/verify.h"
#include "journal-util.h"

static unsigned char k0[JRN_SEAL_KEY_LEN];

static void
mk_sealed(void)
{
	char err[DA_ERRLEN];

	mk_journal();
	ASSERT_EQ(jrn_seal_keygen(k0, err), DA_OK);
	ASSERT_EQ(jrn_seal_init(jdir, k0, err), DA_OK);
}

static struct journal *
open_z(uint64_t seg_max, int compress)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = seg_max;
	o.seal_every = 25;
	o.compress = compress;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

/* Segments now: total and how many are .zst. */
static size_t
count_segs(size_t *zst)
{
	char **names, err[DA_ERRLEN];
	size_t n;

	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	*zst = 0;
	for (size_t i = 0; i < n; i++)
		*zst += jrn__is_zst(names[i]);
	jrn_segments_free(names, n);
	return n;
}

/* Wait until every segment but the newest is compressed. */
static void
wait_compressed(void)
{
	size_t n = 0, z = 0;

	for (int i = 0; i < 10000; i++) {
		n = count_segs(&z);
		if (n > 1 && z == n - 1)
			return;
		usleep(1000);
	}
	UNIT_FAIL("compression: %zu of %zu segments compressed", z, n);
}

static void
verify_key_ok(uint64_t records)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify_key(jdir, k0, &vr, err), DA_OK);
	if (!vr.ok)
		UNIT_FAIL("verify: seq %llu: %s: %s (%s byte %llu)",
		    (unsigned long long)vr.bad_seq, vr.kind, vr.why, vr.segment,
		    (unsigned long long)vr.offset);
	if (records == 0) {	/* the head as status sees it */
		struct jrn_status st;

		ASSERT_EQ(jrn_status_read(jdir, &st, err), DA_OK);
		records = st.head_seq;
		ASSERT_STREQ(vr.head, st.head);
		jrn_status_free(&st);
	}
	ASSERT_EQ(vr.last_seq, records);
	ASSERT(vr.seals > 0);
}

static void
read_all(uint64_t records)
{
	struct jrn_reader *r;
	const char *line;
	char err[DA_ERRLEN];
	uint64_t seq, want = 1;
	size_t len;

	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK) {
		ASSERT_EQ(seq, want);
		want++;
	}
	ASSERT_EQ(want - 1, records);
	jrn_reader_close(r);
}

static char *
first_segment(void)
{
	char **names, err[DA_ERRLEN], *s;
	size_t n;

	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n > 0);
	s = strdup(names[0]);
	jrn_segments_free(names, n);
	return s;
}

TEST(closed_segments_compressed_and_read_back)
{
	struct journal *j;
	struct jrn_status st;
	struct jrn_stats js;
	char err[DA_ERRLEN], *newest;
	size_t n, z;

	mk_sealed();
	j = open_z(8192, JRN_COMPRESS_ZSTD);
	append_n(j, 300, 200);
	wait_compressed();
	newest = last_segment();
	ASSERT(!jrn__is_zst(newest));	/* the one being written */
	jrn_get_stats(j, &js);
	jrn_close(j);
	n = count_segs(&z);
	ASSERT(n >= 5);
	ASSERT(z >= n - 1);
	verify_key_ok(0);
	ASSERT(js.last_seq >= 300);
	ASSERT_EQ(jrn_status_read(jdir, &st, err), DA_OK);
	ASSERT_EQ(st.segments, n);
	ASSERT_EQ(st.compressed, z);
	ASSERT_EQ(st.oldest_seq, 1);
	read_all(st.head_seq);
	ASSERT(st.has_seal);
	ASSERT_EQ(st.last_seal_seq, st.head_seq);
	jrn_status_free(&st);
	/* reopening appends on; still everything reads */
	j = open_z(8192, JRN_COMPRESS_ZSTD);
	append_n(j, 50, 200);
	jrn_close(j);
	verify_key_ok(0);
	free(newest);
	rm_tmp();
}

TEST(compressed_is_smaller_and_keeps_mtime)
{
	struct journal *j;
	struct stat a, b;
	char err[DA_ERRLEN], p[400], *seg;
	uint64_t in, out;
	int dfd;

	mk_journal();
	j = open_z(1 << 20, JRN_COMPRESS_NONE);
	append_n(j, 400, 300);
	jrn_close(j);
	j = open_z(1 << 20, JRN_COMPRESS_NONE);	/* a second segment */
	jrn_close(j);
	seg = first_segment();
	snprintf(p, sizeof(p), "%s/%s", jdir, seg);
	ASSERT_EQ(stat(p, &a), 0);
	ASSERT((dfd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT_EQ(jrn__compress_segment(dfd, jdir, seg, 3, &in, &out, err), DA_OK);
	close(dfd);
	ASSERT_EQ(in, (uint64_t)a.st_size);
	ASSERT(out * 3 < in);
	ASSERT(stat(p, &b) < 0 && errno == ENOENT);
	strcat(p, ".zst");
	ASSERT_EQ(stat(p, &b), 0);
	ASSERT_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	assert_verifies(400);
	free(seg);
	rm_tmp();
}

/* A crash between rename and unlink leaves both forms; one during the
 * write leaves a .tmp.  Both read as the plain journal, and opening it
 * clears them. */
TEST(crash_leftovers)
{
	struct journal *j;
	char err[DA_ERRLEN], *seg, zname[64], tmpname[80], *saved;
	size_t n, z, len;
	int dfd;

	mk_journal();
	j = open_z(8192, JRN_COMPRESS_NONE);
	append_n(j, 200, 200);
	jrn_close(j);
	seg = first_segment();
	saved = slurp(seg, &len);
	ASSERT((dfd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT_EQ(jrn__compress_segment(dfd, jdir, seg, 3, NULL, NULL, err), DA_OK);
	spit(seg, saved, len);		/* both forms now */
	snprintf(zname, sizeof(zname), "%s.zst", seg);
	/* a .tmp of another segment's interrupted compression */
	snprintf(tmpname, sizeof(tmpname), "%s.zst.tmp", seg);
	spit(tmpname, "garbage", 7);
	n = count_segs(&z);
	ASSERT_EQ(z, 0);		/* the .jsonl wins in the listing */
	assert_verifies(200);
	read_all(200);
	/* the .zst of both could also be garbage: the .jsonl is what counts */
	spit(zname, "not zstd", 8);
	assert_verifies(200);
	j = open_z(8192, JRN_COMPRESS_NONE);
	jrn_close(j);
	ASSERT(faccessat(dfd, zname, F_OK, 0) < 0);
	ASSERT(faccessat(dfd, tmpname, F_OK, 0) < 0);
	ASSERT(faccessat(dfd, seg, F_OK, 0) == 0);
	close(dfd);
	(void)n;
	assert_verifies(200);
	free(saved);
	free(seg);
	rm_tmp();
}

TEST(damaged_zst_reported_at_a_seq)
{
	struct jrn_verify_result vr;
	struct journal *j;
	char err[DA_ERRLEN], *seg, zname[64], *b;
	uint64_t first2;
	char **names;
	size_t n, len;

	mk_journal();
	j = open_z(8192, JRN_COMPRESS_ZSTD);
	append_n(j, 300, 200);
	wait_compressed();
	jrn_close(j);
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n >= 3);
	seg = strdup(names[1]);
	first2 = jrn_segment_first_seq(names[2]);
	jrn_segments_free(names, n);
	ASSERT(jrn__is_zst(seg));
	snprintf(zname, sizeof(zname), "%s", seg);
	b = slurp(zname, &len);
	/* flip one bit in the middle */
	b[len / 2] ^= 0x10;
	spit(zname, b, len);
	ASSERT_EQ(jrn_verify(jdir, &vr, err), DA_OK);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.segment, seg);
	ASSERT(vr.bad_seq >= jrn_segment_first_seq(seg));
	ASSERT(vr.bad_seq < first2);
	/* truncated: ends inside the frame */
	b[len / 2] ^= 0x10;
	spit(zname, b, len - 10);
	ASSERT_EQ(jrn_verify(jdir, &vr, err), DA_OK);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_COMPRESSED);
	ASSERT_STREQ(vr.segment, seg);
	ASSERT(vr.bad_seq >= jrn_segment_first_seq(seg) && vr.bad_seq < first2);
	free(b);
	free(seg);
	rm_tmp();
}

/* The newest segment held nothing good: appending goes on in the previous
 * one, which was compressed and is decompressed first. */
TEST(recovery_into_compressed_segment)
{
	struct journal *j;
	char *newest, zeros[512];
	size_t n, z;
	uint64_t last;

	mk_sealed();
	j = open_z(8192, JRN_COMPRESS_ZSTD);
	append_n(j, 200, 200);
	wait_compressed();
	jrn_close(j);
	/* a crash right after a rotation: the new segment holds a torn
	 * first record, the one before it is closed and compressed */
	{
		struct jrn_status st;
		char err[DA_ERRLEN], name[64];
		int dfd;

		ASSERT_EQ(jrn_status_read(jdir, &st, err), DA_OK);
		last = st.head_seq;
		jrn_status_free(&st);
		newest = last_segment();
		ASSERT((dfd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
		ASSERT_EQ(jrn__compress_segment(dfd, jdir, newest, 3, NULL, NULL,
		    err), DA_OK);
		close(dfd);
		snprintf(name, sizeof(name), "%016llx.jsonl",
		    (unsigned long long)(last + 1));
		memset(zeros, 'x', sizeof(zeros));
		memcpy(zeros, "{\"v\":1,\"seq\":", 13);
		spit(name, zeros, sizeof(zeros));
	}
	j = open_z(8192, JRN_COMPRESS_NONE);
	append_n(j, 10, 200);
	jrn_close(j);
	n = count_segs(&z);
	free(newest);
	newest = last_segment();
	ASSERT(!jrn__is_zst(newest));
	ASSERT(z >= n - 2);	/* the decompressed one, unless it is the newest */
	{
		struct jrn_verify_result vr;
		char err[DA_ERRLEN];

		ASSERT_EQ(jrn_verify_key(jdir, k0, &vr, err), DA_OK);
		if (!vr.ok)
			UNIT_FAIL("verify: %s: %s", vr.kind, vr.why);
		ASSERT(vr.last_seq > last + 10);
	}
	free(newest);
	rm_tmp();
}

/* A reader part-way through follows segments that get compressed under it. */
TEST(reader_across_compression)
{
	struct journal *j;
	struct jrn_reader *r;
	const char *line;
	char err[DA_ERRLEN], **names;
	uint64_t seq, want = 1;
	size_t len, n;
	int dfd;

	mk_journal();
	j = open_z(8192, JRN_COMPRESS_NONE);
	append_n(j, 300, 200);
	jrn_close(j);
	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	for (int i = 0; i < 30; i++) {
		ASSERT_EQ(jrn_reader_next(r, &line, &len, &seq, err), DA_OK);
		ASSERT_EQ(seq, want);
		want++;
	}
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT((dfd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
	for (size_t i = 0; i + 1 < n; i++)
		ASSERT_EQ(jrn__compress_segment(dfd, jdir, names[i], 3, NULL,
		    NULL, err), DA_OK);
	close(dfd);
	jrn_segments_free(names, n);
	while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK) {
		ASSERT_EQ(seq, want);
		want++;
	}
	ASSERT_EQ(want - 1, 300);
	jrn_reader_close(r);
	rm_tmp();
}
