/* test-tamper.c -- the proof half of issue 4: the journal is tamper-
 * evident, and each detection names the right seq and a reason.
 *
 *  - bit-flip sweep: a journal of several segments and many seals; every
 *    single-bit flip of a dense random sample (>= 10,000 positions) and of
 *    every bit of whole segments is verified chain-only and with k0.  The
 *    rules asserted (and documented in docs/threat-model.md):
 *      a flip in a line followed by another line is detected, chain-only
 *      and keyed, at that line's seq;
 *      a flip in the very last line is detected at its seq when it breaks
 *      framing, JSON or (for a seal) the seal's epoch/seq/head/mac; a flip
 *      in its prev is detected at seq-1 ("record s-1 or the prev of s");
 *      otherwise, if the last line is an unsealed record, verify passes
 *      and reports the unsealed tail (a failure with --strict); if it is a
 *      seal, only flips in its own id/time/kind/source/action members go
 *      unnoticed (nothing follows to chain them; a changed kind makes it
 *      an unsealed record, reported as such);
 *  - structural damage (deleted, inserted, repeated, swapped lines,
 *    truncation, deleted/swapped/renamed segments), chain-only and keyed;
 *    (forward security and the journald CVE classes: test-forward.c) */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "journal-util.h"
#include "tamper-util.h"

/* Under gcc -fsanitize=address a verification costs ~50 times more: a
 * smaller random sample, and every bit of one byte in STRIDE only in the
 * "every bit" sweeps. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#define STRIDE		13
#else
#define SANITIZED	0
#define STRIDE		1
#endif

/* ---- the sweep ---- */

struct tally {
	uint64_t	flips;
	uint64_t	exact;		/* detected at the flipped line's seq */
	uint64_t	prev_rule;	/* last line's prev: detected at seq-1 */
	uint64_t	tail_chain;	/* last line, chain only: unnoticed */
	uint64_t	tail_unsealed;	/* last line unsealed: OK + unsealed tail */
	uint64_t	seal_kind;	/* last seal's kind changed: unsealed */
	uint64_t	seal_unauth;	/* last seal's own id/time/...: unnoticed */
};

static uint64_t jlast, junsealed;	/* last seq; unsealed records at end */
static uint64_t *line_off;		/* offset of img[i] in its segment */
static int fds[SEG_MAX];

static void
sweep_setup(void)
{
	struct jrn_verify_result vr = verify_with(k0);
	char p[400];
	uint64_t off = 0;

	ASSERT(vr.ok);
	jlast = vr.last_seq;
	junsealed = vr.unsealed;
	img_load();
	ASSERT((line_off = calloc((size_t)nimg, sizeof(*line_off))) != NULL);
	for (int i = 0; i < nimg; i++) {
		if (i > 0 && img[i].seg != img[i - 1].seg)
			off = 0;
		line_off[i] = off;
		off += img[i].n + 1;
	}
	for (int g = 0; g < nseg; g++) {
		snprintf(p, sizeof(p), "%s/%s", jdir, segname[g]);
		ASSERT((fds[g] = open(p, O_RDWR)) >= 0);
	}
}

static void
sweep_teardown(void)
{
	for (int g = 0; g < nseg; g++)
		close(fds[g]);
	free(line_off);
	img_free();
}

static void
flip(int li, size_t pos, int bit)
{
	unsigned char c;
	off_t at = (off_t)(line_off[li] + pos);

	ASSERT_EQ(pread(fds[img[li].seg], &c, 1, at), 1);
	c ^= (unsigned char)(1u << bit);
	ASSERT_EQ(pwrite(fds[img[li].seg], &c, 1, at), 1);
}

/* Offset in a seal line where its "seal":{...} member starts. */
static size_t
seal_member_at(const struct iline *l)
{
	const char *p = memmem(l->s, l->n, ",\"seal\":{", 9);

	ASSERT(p != NULL);
	return (size_t)(p - l->s);
}

static void
judge(const struct jrn_verify_result *vr, int li, size_t pos, int bit,
    int keyed, struct tally *t)
{
	const struct iline *l = &img[li];
	uint64_t seq = line_seq(l);
	int last = seq == jlast;
	int in_prev = pos + 66 >= l->n && pos + 2 < l->n;
	char c = pos < l->n ? l->s[pos] : '\n';

	if (!vr->ok) {
		if (vr->kind == NULL || vr->why[0] == '\0')
			UNIT_FAIL("a failure without a reason");
		if (vr->bad_seq == seq) {
			t->exact++;
			return;
		}
		if (last && in_prev && vr->bad_seq == seq - 1 &&
		    strcmp(vr->kind, JRN_V_MODIFIED) == 0 &&
		    strstr(vr->why, "or the prev of") != NULL) {
			t->prev_rule++;
			return;
		}
		UNIT_FAIL("%s: bit %d of byte %zu ('%c') of seq %llu%s: %s at "
		    "seq %llu: %s", keyed ? "keyed" : "chain-only", bit, pos, c,
		    (unsigned long long)seq, last ? " (last line)" : "",
		    vr->kind, (unsigned long long)vr->bad_seq, vr->why);
	}
	if (!last)
		UNIT_FAIL("%s: bit %d of byte %zu ('%c') of seq %llu (of %llu) "
		    "went unnoticed", keyed ? "keyed" : "chain-only", bit, pos,
		    c, (unsigned long long)seq, (unsigned long long)jlast);
	if (!keyed) {
		t->tail_chain++;
		return;
	}
	if (!line_is_seal(l)) {
		/* the unsealed tail: reported, a failure with --strict */
		ASSERT_EQ(vr->unsealed, junsealed);
		ASSERT(vr->unsealed > 0);
		t->tail_unsealed++;
		return;
	}
	/* a final seal: its own members before "seal" are chained by
	 * nothing after it and not part of the MAC */
	if (pos < (size_t)(strchr(l->s + 13, ',') - l->s) + 1 ||
	    pos >= seal_member_at(l))
		UNIT_FAIL("keyed: bit %d of byte %zu ('%c') of the final seal "
		    "(seq %llu) went unnoticed, outside its own id/time/kind "
		    "members", bit, pos, c, (unsigned long long)seq);
	if (vr->unsealed > 0) {
		int p = li - 1;

		while (p >= 0 && !line_is_seal(&img[p]))
			p--;
		/* no longer a seal: it and the records before it since the
		 * previous seal are the unsealed tail */
		ASSERT_EQ(vr->unsealed, li - p);
		t->seal_kind++;
	} else
		t->seal_unauth++;
}

static void
check_flip(int li, size_t pos, int bit, struct tally *t)
{
	struct jrn_verify_result c, k;

	flip(li, pos, bit);
	c = verify_with(NULL);
	k = verify_with(k0);
	flip(li, pos, bit);
	judge(&c, li, pos, bit, 0, t);
	judge(&k, li, pos, bit, 1, t);
	t->flips++;
}

static void
report(const char *what, const struct tally *t)
{
	printf("  %s: %llu flips x 2 verifications: at the flipped seq %llu, "
	    "last line's prev at seq-1 %llu, last line unnoticed chain-only "
	    "%llu, unsealed tail reported %llu, final seal's kind changed "
	    "(unsealed) %llu, final seal's own id/time unnoticed %llu\n", what,
	    (unsigned long long)t->flips, (unsigned long long)t->exact,
	    (unsigned long long)t->prev_rule, (unsigned long long)t->tail_chain,
	    (unsigned long long)t->tail_unsealed,
	    (unsigned long long)t->seal_kind, (unsigned long long)t->seal_unauth);
}

/* Every bit of every line of segment g. */
static void
sweep_segment(int g, struct tally *t)
{
	for (int i = 0; i < nimg; i++) {
		if (img[i].seg != g)
			continue;
		for (size_t p = 0; p <= img[i].n; p += STRIDE)
			for (int b = 0; b < 8; b++)
				check_flip(i, p, b, t);
	}
}

static int
seals_in_segment(int g)
{
	int k = 0;

	for (int i = 0; i < nimg; i++)
		k += img[i].seg == g && line_is_seal(&img[i]);
	return k;
}

/* The sweep journal: 90 records, a seal every 6 (15 seals and the final
 * one), segments of ~2 KiB (about 15). */
static void
sweep_journal(void)
{
	build_sealed(90, 6, 2048);
	sweep_setup();
	ASSERT(nseg >= 8);
	ASSERT_EQ(jlast, 90 + 15);
}

TEST(bitflip_sweep_dense_random_sample)
{
	uint64_t total = 0, want = SANITIZED ? 1500 : 10000, seed;
	struct tally t = { 0 };
	unsigned char *seen;
	const char *env = getenv("DA_SWEEP_SEED");

	sweep_journal();
	for (int i = 0; i < nimg; i++)
		total += img[i].n + 1;
	ASSERT(SANITIZED || want * 30 >= total * 8);	/* >= 1 bit in 30 */
	ASSERT((seen = calloc(total * 8, 1)) != NULL);
	seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
	printf("  sweep seed %llu (DA_SWEEP_SEED), %llu bytes in %d segments, "
	    "%d lines\n", (unsigned long long)seed, (unsigned long long)total,
	    nseg, nimg);
	seed |= 1;
	while (t.flips < want) {
		uint64_t r, g = 0;
		int li = 0;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		r = seed % (total * 8);
		if (seen[r])
			continue;
		seen[r] = 1;
		/* bit r: line li, byte within it */
		for (g = r / 8; g > img[li].n; li++)
			g -= img[li].n + 1;
		check_flip(li, (size_t)g, (int)(r % 8), &t);
	}
	report("random sample", &t);
	ASSERT(t.exact > 0);
	free(seen);
	sweep_teardown();
	rm_tmp();
}

TEST(bitflip_sweep_every_bit_of_a_middle_segment)
{
	struct tally t = { 0 };
	int g;

	sweep_journal();
	/* a middle segment holding a seal */
	for (g = nseg / 2; g < nseg - 1 && seals_in_segment(g) == 0; g++)
		;
	ASSERT(g < nseg - 1);
	sweep_segment(g, &t);
	report(segname[g], &t);
	ASSERT_EQ(t.exact, 2 * t.flips);	/* all of it, at the right seq */
	sweep_teardown();
	rm_tmp();
}

TEST(bitflip_sweep_every_bit_of_the_last_segment)
{
	struct tally t = { 0 };

	sweep_journal();
	sweep_segment(nseg - 1, &t);
	report(segname[nseg - 1], &t);
	ASSERT(t.seal_unauth > 0 && t.prev_rule > 0);
	ASSERT(SANITIZED || t.seal_kind > 0);
	sweep_teardown();
	rm_tmp();
}

TEST(bitflip_sweep_unsealed_tail_after_a_crash)
{
	struct tally t = { 0 };
	char out[4096];
	char *strict[] = { "verify", "--journal", jdir, "--key", kpath,
	    "--strict", NULL };

	/* 44 records, seals after every 8 (seq 9, 18, ..., 45), then the
	 * process dies: records 41..44 (seq 46..49) unsealed */
	build_crashed(44, 8, 2048);
	sweep_setup();
	ASSERT_EQ(jlast, 49);
	ASSERT_EQ(junsealed, 4);
	ASSERT(!line_is_seal(&img[nimg - 1]));
	/* every bit of the last three lines */
	for (int i = nimg - 3; i < nimg; i++)
		for (size_t p = 0; p <= img[i].n; p += STRIDE)
			for (int b = 0; b < 8; b++)
				check_flip(i, p, b, &t);
	report("unsealed tail", &t);
	ASSERT(t.tail_unsealed > 0 && t.prev_rule > 0);
	ASSERT_EQ(t.seal_unauth + t.seal_kind, 0);
	/* what "reported" means: --strict fails, naming the records */
	ASSERT_EQ(run_cli(out, sizeof(out), strict), 1);
	ASSERT_CONTAINS(out, "DAMAGED: 4 records after the last seal "
	    "(unverifiable): seq 46..49 (--strict)");
	sweep_teardown();
	rm_tmp();
}

/* ---- structural damage, chain-only and keyed, many segments ---- */

static void
expect_both(const char *kind, uint64_t seq)
{
	expect_fail(0, kind, seq);
	expect_fail(1, kind, seq);
}

static void
reset_journal(void)
{
	rm_tmp();
	build_sealed(120, 10, 2048);	/* 120 + 12 seals = 132 lines */
	img_load();
}

TEST(structural_deleted_lines)
{
	int i;

	build_sealed(120, 10, 2048);
	img_load();
	ASSERT(nseg >= 10);
	img_delete(img_find(40));		/* a record */
	img_store(0);
	expect_both(JRN_V_MISSING, 40);
	reset_journal();
	i = img_find(55);
	ASSERT(line_is_seal(&img[i]));		/* the 5th seal */
	img_delete(i);
	img_store(0);
	expect_both(JRN_V_MISSING, 55);
	reset_journal();
	img_delete(img_find(1));		/* the first line */
	img_store(0);
	expect_both(JRN_V_MISSING, 1);
	img_free();
	rm_tmp();
}

TEST(structural_inserted_lines)
{
	unsigned char nokey[JRN_SEAL_KEY_LEN] = { 0 };
	int i;

	build_sealed(120, 10, 2048);
	img_load();
	/* a copy of 30 with seq 30 again, edited, inserted before 31 */
	i = img_find(31);
	img_insert_copy(i, img_find(30));
	img_forge(i);
	img_store(0);
	/* the copy chains from 29 like 30 does, so the chain breaks at the
	 * copy: 30 appears twice */
	expect_both(JRN_V_REORDERED, 31);
	/* inserted, renumbered and re-chained by root, seals left alone:
	 * chain-only is fooled; the next seal names the old seq and head */
	reset_journal();
	img_insert_copy(img_find(31), img_find(30));
	img_forge(img_find(31) - 1);
	img_rechain(1, 0, RS_KEEP, nokey, 0);
	img_store(1);
	expect_ok(0, 133, 0);
	expect_fail(1, JRN_V_SEAL_CHAIN, 34);	/* seal of 23..32, now at 34 */
	img_free();
	rm_tmp();
}

TEST(structural_repeated_and_swapped_lines)
{
	int i;

	build_sealed(120, 10, 2048);
	img_load();
	i = img_find(70);
	img_insert_copy(i + 1, i);		/* 70 twice */
	img_store(0);
	expect_both(JRN_V_REORDERED, 71);
	reset_journal();
	i = img_find(70);
	swap_text(i, i + 1);
	img_store(0);
	expect_both(JRN_V_REORDERED, 70);
	/* a record swapped with the seal after it */
	reset_journal();
	i = img_find(32);
	ASSERT(line_is_seal(&img[i + 1]));
	swap_text(i, i + 1);
	img_store(0);
	expect_both(JRN_V_REORDERED, 32);
	img_free();
	rm_tmp();
}

TEST(structural_truncation)
{
	struct jrn_verify_result full, vr;
	char p[400];
	int i;

	build_sealed(120, 10, 2048);
	full = verify_with(k0);
	ASSERT(full.ok);
	img_load();
	/* mid-line: the last segment cut inside a record */
	i = img_find(130);
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[img[i].seg]);
	img[i].n /= 2;
	{
		int g = img[i].seg;
		size_t sz = 0;

		for (int k = 0; k <= i; k++)
			if (img[k].seg == g)
				sz += img[k].n + (k < i ? 1 : 0);
		ASSERT_EQ(truncate(p, (off_t)sz), 0);
	}
	expect_both(JRN_V_TRUNCATED, 130);
	/* at a line boundary leaving records after the last seal: passes,
	 * the unsealed tail is reported */
	reset_journal();
	while (line_seq(&img[nimg - 1]) > 127)
		img_delete(nimg - 1);
	img_store(0);
	expect_ok(1, 127, 6);				/* 122..127 */
	/* right after a seal: nothing in the journal shows it.  Only an
	 * anchor kept elsewhere (a shipped seal, the auditor's last head)
	 * does: the head and last seq verify reports differ from it. */
	reset_journal();
	while (line_seq(&img[nimg - 1]) > 110)
		img_delete(nimg - 1);
	img_store(0);
	vr = verify_with(k0);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.unsealed, 0);
	ASSERT_EQ(vr.last_seq, 110);
	ASSERT(vr.last_seq < full.last_seq);
	ASSERT(strcmp(vr.head, full.head) != 0);
	img_free();
	rm_tmp();
}

TEST(structural_segments_deleted_swapped_renamed)
{
	struct jrn_verify_result vr;
	char p[400], q[400], r[400];
	uint64_t a, b;

	build_sealed(120, 10, 2048);
	img_load();
	ASSERT(nseg >= 10);
	/* a middle segment deleted */
	a = jrn_segment_first_seq(segname[4]);
	b = jrn_segment_first_seq(segname[5]);
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[4]);
	ASSERT_EQ(unlink(p), 0);
	expect_both(JRN_V_MISSING, a);
	vr = verify_with(k0);
	{
		char want[64];

		snprintf(want, sizeof(want), "missing range %llu..%llu",
		    (unsigned long long)a, (unsigned long long)(b - 1));
		ASSERT_CONTAINS(vr.why, want);
	}
	/* the first */
	reset_journal();
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[0]);
	ASSERT_EQ(unlink(p), 0);
	expect_both(JRN_V_MISSING, 1);
	/* the last: a truncation at a segment boundary (see above) */
	reset_journal();
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[nseg - 1]);
	ASSERT_EQ(unlink(p), 0);
	vr = verify_with(k0);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.last_seq, jrn_segment_first_seq(segname[nseg - 1]) - 1);
	/* two segments' contents swapped (names stay) */
	reset_journal();
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[3]);
	snprintf(q, sizeof(q), "%s/%s", jdir, segname[6]);
	snprintf(r, sizeof(r), "%s/swap", jdir);
	ASSERT_EQ(rename(p, r), 0);
	ASSERT_EQ(rename(q, p), 0);
	ASSERT_EQ(rename(r, q), 0);
	expect_both(JRN_V_MISSING, jrn_segment_first_seq(segname[3]));
	vr = verify_with(k0);
	ASSERT_CONTAINS(vr.why, "starts with seq");
	ASSERT_CONTAINS(vr.why, "segments swapped or renamed");
	/* renamed to sort elsewhere (after the last) and to sort in place */
	reset_journal();
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[2]);
	snprintf(q, sizeof(q), "%s/%016llx.jsonl", jdir, 100000ull);
	ASSERT_EQ(rename(p, q), 0);
	expect_both(JRN_V_MISSING, jrn_segment_first_seq(segname[2]));
	reset_journal();
	snprintf(p, sizeof(p), "%s/%s", jdir, segname[nseg - 2]);
	snprintf(q, sizeof(q), "%s/%016llx.jsonl", jdir,
	    (unsigned long long)jrn_segment_first_seq(segname[nseg - 2]) + 1);
	ASSERT_EQ(rename(p, q), 0);
	expect_both(JRN_V_SEGNAME, jrn_segment_first_seq(segname[nseg - 2]));
	img_free();
	rm_tmp();
}
