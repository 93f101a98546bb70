/* test-retention.c -- retention and anchors, verify from a checkpoint, and
 * verify's JSON output: prunes by size and age take whole segments, oldest
 * first, never the newest and never past the slowest cursor unless over
 * the hard cap (then an alert naming the cursor); each prune appends its
 * journal.pruned record before anything goes and writes journal.anchor;
 * what remains verifies from the anchor (with the key too), a forged or
 * unconfirmed anchor is caught, an interrupted prune is finished; a
 * checkpoint resumes after the seal it names; --format json. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"

#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "journal/cursor.h"
#include "journal/internal.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/retention.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "journal-util.h"

static unsigned char k0[JRN_SEAL_KEY_LEN];

/* The audit function the daemon would pass: a minimal audit record. */
static int
t_audit(struct journal *j, void *arg, const char *action, const char *outcome,
    const char *detail, uint64_t *ticket)
{
	char m[1 << 16];
	int n;

	(void)arg;
	n = snprintf(m, sizeof(m), "\"id\":\"t\",\"kind\":\"audit\",\"source\":"
	    "\"dockaudit\",\"action\":\"%s\",\"outcome\":\"%s\",\"detail\":%s",
	    action, outcome, detail);
	ASSERT(n > 0 && (size_t)n < sizeof(m));
	return jrn_submit(j, m, (size_t)n, ticket);
}

static void
mk_sealed(void)
{
	char err[DA_ERRLEN];
	int fd;

	mk_journal();
	ASSERT_EQ(jrn_seal_keygen(k0, err), DA_OK);
	ASSERT_EQ(jrn_seal_init(jdir, k0, err), DA_OK);
	ASSERT((fd = open(tdir, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT_EQ(jrn_seal_key_write(fd, tdir, "k0.key", 0, k0, err), DA_OK);
	close(fd);
}

static struct journal *
open_r(void)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = 8192;
	o.seal_every = 20;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

static uint64_t
dir_bytes(size_t *nsegs, uint64_t *first)
{
	char **names, err[DA_ERRLEN], p[400];
	struct stat st;
	uint64_t total = 0;
	size_t n;

	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", jdir, names[i]);
		ASSERT_EQ(stat(p, &st), 0);
		total += (uint64_t)st.st_size;
	}
	*nsegs = n;
	*first = n ? jrn_segment_first_seq(names[0]) : 0;
	jrn_segments_free(names, n);
	return total;
}

static void
verify_ok(const unsigned char *key, const char *started)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify_ex(jdir, key, NULL, &vr, err), DA_OK);
	if (!vr.ok)
		UNIT_FAIL("verify: seq %llu: %s: %s (%s byte %llu)",
		    (unsigned long long)vr.bad_seq, vr.kind, vr.why, vr.segment,
		    (unsigned long long)vr.offset);
	ASSERT_STREQ(vr.started, started);
	if (strcmp(started, "anchor") == 0)
		ASSERT(vr.anchor_confirmed);
	if (key != NULL)
		ASSERT(vr.seals > 0);
}

static void
verify_fails(const char *kind)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify_ex(jdir, k0, NULL, &vr, err), DA_OK);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, kind);
}

/* The one journal.pruned record's line (malloc'd), or NULL. */
static char *
prune_record(void)
{
	struct jrn_reader *r;
	const char *line;
	char err[DA_ERRLEN], *found = NULL;
	uint64_t seq;
	size_t len;

	ASSERT_EQ(jrn_reader_open(&r, jdir, 1, err), DA_OK);
	while (jrn_reader_next(r, &line, &len, &seq, err) == DA_OK)
		if (memmem(line, len, "journal.pruned", 14) != NULL) {
			free(found);
			found = strndup(line, len);
		}
	jrn_reader_close(r);
	return found;
}

TEST(prune_by_size_anchor_verifies)
{
	struct jrn_anchor a;
	struct journal *j;
	char err[DA_ERRLEN], *rec;
	uint64_t before, after, first;
	size_t n0, n1, pruned;
	struct jrn_retention pol = { .max_bytes = 20000 };

	mk_sealed();
	j = open_r();
	append_n(j, 400, 200);
	before = dir_bytes(&n0, &first);
	ASSERT(before > 40000);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT(pruned > 0);
	jrn_close(j);
	after = dir_bytes(&n1, &first);
	ASSERT_EQ(n1 + pruned, n0);
	ASSERT(after <= 20000 + 8192);
	ASSERT(first > 1);
	ASSERT_EQ(jrn_anchor_read(jdir, &a, err), DA_OK);
	ASSERT_EQ(a.seq, first - 1);
	ASSERT(a.has_epoch);
	ASSERT((rec = prune_record()) != NULL);
	ASSERT_CONTAINS(rec, "\"reason\":\"max_bytes\"");
	ASSERT_CONTAINS(rec, "\"first_seq\":1,");
	ASSERT_NOT_CONTAINS(rec, "alert");
	{
		char want[64];

		snprintf(want, sizeof(want), "\"anchor\":{\"seq\":%llu,",
		    (unsigned long long)a.seq);
		ASSERT_CONTAINS(rec, want);
	}
	free(rec);
	verify_ok(NULL, "anchor");
	verify_ok(k0, "anchor");
	/* a second prune moves the anchor on; still verifies */
	j = open_r();
	append_n(j, 200, 200);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT(pruned > 0);
	jrn_close(j);
	verify_ok(k0, "anchor");
	rm_tmp();
}

TEST(prune_by_age_oldest_first_never_newest)
{
	struct journal *j;
	char err[DA_ERRLEN], **names, p[400];
	struct timespec old[2];
	size_t n, pruned, n1;
	uint64_t first;
	struct jrn_retention pol = { .max_age_ns = 3600ll * 1000000000 };

	mk_sealed();
	j = open_r();
	append_n(j, 300, 200);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT_EQ(pruned, 0);	/* all young */
	/* make the first three segments two hours old, and the newest too */
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n > 4);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 7200;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", jdir, names[i]);
		ASSERT_EQ(utimensat(AT_FDCWD, p, old, 0), 0);
	}
	snprintf(p, sizeof(p), "%s/%s", jdir, names[n - 1]);
	ASSERT_EQ(utimensat(AT_FDCWD, p, old, 0), 0);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT_EQ(pruned, 3);
	jrn_close(j);
	dir_bytes(&n1, &first);
	ASSERT_EQ(first, jrn_segment_first_seq(names[3]));
	jrn_segments_free(names, n);
	verify_ok(k0, "anchor");
	rm_tmp();
}

TEST(cursor_holds_back_unless_hard_cap)
{
	struct journal *j;
	char err[DA_ERRLEN], *rec;
	size_t pruned, n;
	uint64_t first;
	struct jrn_retention pol = { .max_bytes = 10000 };
	struct jrn_prune_plan plan;

	mk_sealed();
	j = open_r();
	append_n(j, 400, 200);
	ASSERT_EQ(jrn_cursor_write(jdir, "out.siem", 60, err), DA_OK);
	ASSERT_EQ(jrn_cursor_write(jdir, "rules", jrn_durable(j), err), DA_OK);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	dir_bytes(&n, &first);
	/* everything still there from the slowest cursor's next record on */
	ASSERT(first <= 61);
	ASSERT(first > 1 || pruned == 0);
	/* a dry-run plan agrees: nothing more */
	ASSERT_EQ(jrn_prune_plan_make(jdir, &pol, clock_now_ns(), 0, &plan, err),
	    DA_OK);
	ASSERT_EQ(plan.count, 0);
	ASSERT_STREQ(plan.limit->name, "out.siem");
	jrn_prune_plan_free(&plan);
	/* over the hard cap: pruned anyway, with an alert naming the cursor */
	pol.hard_max_bytes = 20000;
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT(pruned > 0);
	jrn_close(j);
	dir_bytes(&n, &first);
	ASSERT(first > 61);
	ASSERT((rec = prune_record()) != NULL);
	ASSERT_CONTAINS(rec, "\"level\":\"alert\"");
	ASSERT_CONTAINS(rec, "\"outcome\":\"failure\"");
	ASSERT_CONTAINS(rec, "\"cursor\":\"out.siem\",\"cursor_seq\":60");
	ASSERT_NOT_CONTAINS(rec, "\"cursor\":\"rules\"");
	free(rec);
	verify_ok(k0, "anchor");
	rm_tmp();
}

static void
pruned_journal(void)
{
	struct journal *j;
	char err[DA_ERRLEN];
	size_t pruned;
	struct jrn_retention pol = { .max_bytes = 20000 };

	mk_sealed();
	j = open_r();
	append_n(j, 400, 200);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT(pruned > 0);
	jrn_close(j);
}

static void
rewrite_anchor(uint64_t seq, const unsigned char *head, uint64_t epoch)
{
	struct jrn_anchor a;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_anchor_read(jdir, &a, err), DA_OK);
	a.seq = seq;
	if (head != NULL)
		memcpy(a.head, head, JRN_HASH_LEN);
	a.epoch = epoch;
	ASSERT_EQ(jrn__anchor_write(jdir, &a, err), DA_OK);
}

TEST(forged_anchor_caught)
{
	struct jrn_anchor a;
	char err[DA_ERRLEN], **names, *b, *prev;
	unsigned char h[JRN_HASH_LEN];
	size_t n, len;

	pruned_journal();
	ASSERT_EQ(jrn_anchor_read(jdir, &a, err), DA_OK);
	/* another head */
	memcpy(h, a.head, JRN_HASH_LEN);
	h[0] ^= 1;
	rewrite_anchor(a.seq, h, a.epoch);
	verify_fails(JRN_V_ANCHOR);
	/* another epoch */
	rewrite_anchor(a.seq, a.head, a.epoch + 1);
	verify_fails(JRN_V_ANCHOR);
	rewrite_anchor(a.seq, a.head, a.epoch);
	verify_ok(k0, "anchor");
	/* more segments deleted and an anchor made to fit: nothing confirms it */
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n >= 2);
	b = slurp(names[1], &len);
	ASSERT((prev = strstr(b, "\"prev\":\"")) != NULL);
	ASSERT_EQ(jrn__unhex(prev + 8, h), 0);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/%s", jdir, names[0]);
		ASSERT_EQ(unlink(p), 0);
	}
	rewrite_anchor(jrn_segment_first_seq(names[1]) - 1, h, a.epoch);
	{
		struct jrn_verify_result vr;

		ASSERT_EQ(jrn_verify_ex(jdir, NULL, NULL, &vr, err), DA_OK);
		ASSERT(!vr.ok);
		ASSERT_STREQ(vr.kind, JRN_V_ANCHOR);
		ASSERT_CONTAINS(vr.why, "not confirmed");
	}
	/* no anchor at all: records 1.. are missing */
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/%s", jdir, JRN_ANCHOR);
		ASSERT_EQ(unlink(p), 0);
	}
	verify_fails(JRN_V_MISSING);
	free(b);
	jrn_segments_free(names, n);
	rm_tmp();
}

/* A crash after the anchor was written but before every segment went:
 * verify skips the leftovers, the next prune finishes them. */
TEST(interrupted_prune_finished)
{
	struct jrn_anchor a;
	struct journal *j;
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], **names, *seg0, *b;
	size_t n, len, pruned, n2;
	uint64_t first;
	struct jrn_retention pol = { .max_bytes = 20000 };

	mk_sealed();
	j = open_r();
	append_n(j, 400, 200);
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	seg0 = strdup(names[0]);
	jrn_segments_free(names, n);
	b = slurp(seg0, &len);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	ASSERT(pruned > 1);
	spit(seg0, b, len);	/* as if its unlink never happened */
	ASSERT_EQ(jrn_verify_ex(jdir, k0, NULL, &vr, err), DA_OK);
	ASSERT(vr.ok);	/* the leftover is skipped */
	ASSERT_STREQ(vr.started, "anchor");
	ASSERT_EQ(vr.skipped_segments, 1);
	ASSERT_EQ(jrn_anchor_read(jdir, &a, err), DA_OK);
	ASSERT_EQ(jrn_prune_run(j, &pol, t_audit, NULL, &pruned, err), DA_OK);
	jrn_close(j);
	dir_bytes(&n2, &first);
	ASSERT_EQ(first, a.seq + 1);
	verify_ok(k0, "anchor");
	free(b);
	free(seg0);
	rm_tmp();
}

TEST(checkpoint_resumes_after_seal)
{
	struct jrn_verify_result vr, vr2;
	struct jrn_verify_checkpoint cp, cp2;
	struct journal *j;
	char err[DA_ERRLEN], p[400], *b, *s;
	size_t len;
	unsigned char other[JRN_SEAL_KEY_LEN];

	mk_sealed();
	j = open_r();
	append_n(j, 200, 200);
	jrn_close(j);
	ASSERT_EQ(jrn_verify_ex(jdir, k0, NULL, &vr, err), DA_OK);
	ASSERT(vr.ok && vr.cp_valid);
	ASSERT_EQ(vr.cp.seq, vr.last_seq);	/* closed with a seal */
	snprintf(p, sizeof(p), "%s/verify.checkpoint", tdir);
	ASSERT_EQ(jrn_checkpoint_write(p, &vr.cp, err), DA_OK);
	ASSERT_EQ(jrn_checkpoint_read(p, &cp, err), DA_OK);
	ASSERT_EQ(cp.seq, vr.cp.seq);
	ASSERT_EQ(cp.epoch, vr.cp.epoch);
	j = open_r();
	append_n(j, 30, 200);
	jrn_close(j);
	ASSERT_EQ(jrn_verify_ex(jdir, k0, &cp, &vr2, err), DA_OK);
	ASSERT(vr2.ok);
	ASSERT_STREQ(vr2.started, "checkpoint");
	ASSERT_EQ(vr2.first_seq, cp.seq + 1);
	ASSERT(vr2.records < 40 && vr2.records >= 30);
	ASSERT(vr2.seals > 0);
	ASSERT_EQ(vr2.unsealed, 0);
	/* a record after the checkpoint changed: caught */
	s = last_segment();
	b = slurp(s, &len);
	{
		char *q = strstr(b, "container.create");

		ASSERT(q != NULL);
		q[0] = 'C';
	}
	spit(s, b, len);
	ASSERT_EQ(jrn_verify_ex(jdir, k0, &cp, &vr2, err), DA_OK);
	ASSERT(!vr2.ok);
	ASSERT(vr2.bad_seq > cp.seq);
	free(b);
	free(s);
	/* the checkpoint's own seal record changed: caught */
	{
		char *seg = strdup(cp.segment), *q;	/* not compressed here */

		b = slurp(seg, &len);
		ASSERT(cp.offset <= len);
		/* the seal line ends at cp.offset: change a digit of its time */
		q = memmem(b + (cp.offset > 400 ? cp.offset - 400 : 0),
		    cp.offset - (cp.offset > 400 ? cp.offset - 400 : 0),
		    "\"journal.seal\"", 14);
		ASSERT(q != NULL);
		q[1] = 'J';
		spit(seg, b, len);
		ASSERT_EQ(jrn_verify_ex(jdir, k0, &cp, &vr2, err), DA_OK);
		ASSERT(!vr2.ok);
		ASSERT_EQ(vr2.bad_seq, cp.seq);
		ASSERT_CONTAINS(vr2.why, "checkpoint");
		free(b);
		free(seg);
	}
	/* another key's checkpoint: ignored, from the beginning */
	ASSERT_EQ(jrn_seal_keygen(other, err), DA_OK);
	cp2 = cp;
	jrn_seal_fingerprint(other, cp2.key_fp);
	ASSERT_EQ(jrn_verify_ex(jdir, k0, &cp2, &vr2, err), DA_OK);
	ASSERT_STREQ(vr2.started, "genesis");
	rm_tmp();
}

static int
cli(char *out, size_t cap, int argc, char **argv)
{
	char p[400];
	int fd, saved, saved2, rc;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/out", tdir);
	fflush(stdout);
	fflush(stderr);
	saved = dup(1);
	saved2 = dup(2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
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

TEST(cli_json_and_from_seal)
{
	struct journal *j;
	char out[8192], key[400], *s, *b;
	size_t len;
	char *js[] = { "verify", "--journal", jdir, "--key", key, "--format",
	    "json", NULL };
	char *fs[] = { "verify", "--journal", jdir, "--key", key, "--from-seal",
	    NULL };
	char *fsnokey[] = { "verify", "--journal", jdir, "--from-seal", NULL };
	char *badfmt[] = { "verify", "--journal", jdir, "--format", "xml", NULL };

	mk_sealed();
	snprintf(key, sizeof(key), "%s/k0.key", tdir);
	j = open_r();
	append_n(j, 100, 200);
	jrn_close(j);
	ASSERT_EQ(cli(out, sizeof(out), 7, js), 0);
	ASSERT(strncmp(out, "{\"ok\":true,\"key_checked\":true,\"started\":"
	    "\"genesis\",\"first_seq\":1,", 62) == 0);
	ASSERT_CONTAINS(out, "\"unsealed\":0,");
	ASSERT_CONTAINS(out, "\"epochs\":");
	ASSERT_EQ(cli(out, sizeof(out), 6, fs), 0);
	ASSERT_CONTAINS(out, "none yet");
	ASSERT_CONTAINS(out, "OK: ");
	j = open_r();
	append_n(j, 10, 200);
	jrn_close(j);
	ASSERT_EQ(cli(out, sizeof(out), 6, fs), 0);
	ASSERT_CONTAINS(out, "started from the checkpoint");
	ASSERT_NOT_CONTAINS(out, "seq 1..");	/* not from seq 1 */
	ASSERT_EQ(cli(out, sizeof(out), 4, fsnokey), 2);
	ASSERT_EQ(cli(out, sizeof(out), 5, badfmt), 2);
	/* damage: json says where, and that later records are unverified */
	s = last_segment();
	b = slurp(s, &len);
	strstr(b, "container.create")[0] = 'C';
	spit(s, b, len);
	ASSERT_EQ(cli(out, sizeof(out), 7, js), 1);
	ASSERT(strncmp(out, "{\"ok\":false,", 12) == 0);
	ASSERT_CONTAINS(out, "\"kind\":\"modified\"");
	ASSERT_CONTAINS(out, "\"unverified_from\":");
	ASSERT_CONTAINS(out, "\"vouched_to\":");
	ASSERT_CONTAINS(out, "\"offset_in\":\"file\"");
	js[5] = "--format";
	js[6] = "text";
	ASSERT_EQ(cli(out, sizeof(out), 7, js), 1);
	ASSERT_CONTAINS(out, "DAMAGED: seq ");
	ASSERT_CONTAINS(out, "and everything after it");	/* keyed wording */
	free(b);
	free(s);
	rm_tmp();
}
