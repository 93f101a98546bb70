/* test-forward.c -- forward security of the seals (issue 4): an intruder
 * who is root and holds the current seal.key rewrites earlier records,
 * re-chains and re-seals -- with the stolen key as is, evolved forward,
 * or with epochs relabelled -- and `verify --key k0` fails at the first
 * seal whose epoch predates the stolen key, naming it; what the stolen key
 * does buy (the records not yet sealed at the theft); and the journald CVE
 * classes as named tests: CVE-2023-31438 (records after the last seal, or
 * spliced between seals, accepted) and CVE-2023-31439 (a later-epoch seal
 * covering forged earlier data accepted).  The toolkit is tamper-util.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "journal-util.h"
#include "tamper-util.h"

/* ---- forward security: an intruder with the current seal.key ---- */

/* The forward-security journal: 105 records, a seal every 10 (seq 11, 22,
 * ..., 110: epochs 0..9) and one at close (seq 116, epoch 10); the key
 * file is then at epoch 11.  The intruder usually flips "privileged" of
 * record seq 47, under the seal at seq 55 (epoch 4). */
static void
fs_journal(unsigned char stolen[JRN_SEAL_KEY_LEN], uint64_t *se)
{
	build_sealed(105, 10, 4096);
	steal_key(stolen, se);
	ASSERT_EQ(*se, 11);
	img_load();
}

TEST(forward_security_resealed_with_stolen_key)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	uint64_t se, e;
	int f;

	fs_journal(stolen, &se);
	f = img_find(47);
	img_unprivilege(f);
	img_rechain(0, f, RS_STOLEN, stolen, se);
	img_store(1);
	expect_ok(0, 116, 0);			/* the chain proves nothing */
	expect_fail(1, JRN_V_SEAL_MAC, 55);
	ASSERT(seal_epoch(&img[img_find(55)], &e) && e == 4);
	img_free();
	rm_tmp();
}

TEST(forward_security_stolen_key_evolved_forward)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char out[4096];
	char *av[] = { "verify", "--journal", jdir, "--key", kpath, NULL };
	uint64_t se;
	int f;

	fs_journal(stolen, &se);
	f = img_find(47);
	img_unprivilege(f);
	/* seals of epochs >= 11 would get the right key; the ones over the
	 * forgery are older, and the stolen key is all there is for them */
	img_rechain(0, f, RS_EVOLVE, stolen, se);
	img_store(1);
	expect_ok(0, 116, 0);
	expect_fail(1, JRN_V_SEAL_MAC, 55);
	vr = verify_with(k0);
	ASSERT_EQ(vr.seals, 4);			/* seq 11, 22, 33, 44 */
	ASSERT_EQ(vr.last_sealed_seq, 43);
	/* the command does not call 44..54 good */
	ASSERT_EQ(run_cli(out, sizeof(out), av), 1);
	ASSERT_CONTAINS(out, "DAMAGED: seq 55: seal MAC invalid");
	ASSERT_CONTAINS(out, ": seq 1..43 (4 seals)");
	ASSERT_CONTAINS(out, "not vouched for: seq 44..54");
	ASSERT_CONTAINS(out, "unverified: seq 55 and everything after it");
	ASSERT_NOT_CONTAINS(out, "good records");
	img_free();
	rm_tmp();
}

TEST(forward_security_forged_before_the_first_seal)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	uint64_t se;

	fs_journal(stolen, &se);
	img_forge(img_find(3));
	img_rechain(0, 0, RS_EVOLVE, stolen, se);
	img_store(1);
	expect_ok(0, 116, 0);
	/* no seal verifies: indistinguishable from a wrong k0, and nothing
	 * is vouched for */
	vr = verify_with(k0);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_KEY);
	ASSERT_EQ(vr.bad_seq, 11);
	ASSERT_EQ(vr.seals, 0);
	img_free();
	rm_tmp();
}

TEST(forward_security_records_after_the_last_seal_are_not_protected)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	uint64_t se;
	int f;

	/* Records sealed before the theft are protected even right before
	 * it: record 105 is under the seal at 110 (epoch 9), the thief holds
	 * k_11.  But records written after the last seal made before the
	 * theft are not: the stolen key is the very key of their seal.  The
	 * limit of forward security (docs/threat-model.md). */
	fs_journal(stolen, &se);
	f = img_find(105);
	img_forge(f);
	img_rechain(0, f, RS_EVOLVE, stolen, se);
	img_store(1);
	expect_fail(1, JRN_V_SEAL_MAC, 110);
	/* a journal whose key file is at the epoch of its next seal */
	rm_tmp();
	{
		struct journal *j;

		mk_sealed_journal();
		j = open_sealed_j(10, 4096);
		write_records(j, 0, 15);	/* 1-10, s11 e0, 12-16 */
		steal_key(stolen, &se);		/* k_1, while running */
		ASSERT_EQ(se, 1);
		jrn_close(j);			/* s17 e1 */
	}
	img_load();
	img_forge(img_find(14));		/* after the last seal at theft */
	img_rechain(0, img_find(14), RS_STOLEN, stolen, se);
	img_store(1);
	expect_ok(1, 17, 0);			/* accepted: nothing to catch it */
	img_free();
	rm_tmp();
}

/* ---- the journald CVE classes ---- */

TEST(cve_2023_31438_records_after_the_last_seal_are_reported)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	char out[4096];
	char *strict[] = { "verify", "--journal", jdir, "--key", kpath,
	    "--strict", NULL };
	char *plain[] = { "verify", "--journal", jdir, "--key", kpath, NULL };
	uint64_t se;

	/* truncate back to an early seal (at seq 33) and continue appending
	 * forged records, chained, with no seal over them */
	fs_journal(stolen, &se);
	while (line_seq(&img[nimg - 1]) > 33)
		img_delete(nimg - 1);
	for (int k = 0, src = img_find(32); k < 5; k++) {
		ASSERT(nimg < IMG_MAX);
		img[nimg].seg = img[nimg - 1].seg;
		ASSERT((img[nimg].s = strdup(img[src].s)) != NULL);
		img[nimg].n = img[src].n;
		nimg++;
		img_forge(nimg - 1);
	}
	img_rechain(1, nimg, RS_KEEP, stolen, se);
	img_store(1);
	expect_ok(0, 38, 0);
	expect_ok(1, 38, 5);
	ASSERT_EQ(run_cli(out, sizeof(out), plain), 0);
	ASSERT_CONTAINS(out, "WARNING: 5 records after the last seal "
	    "(unverifiable): seq 34..38");
	ASSERT_EQ(run_cli(out, sizeof(out), strict), 1);
	ASSERT_CONTAINS(out, "DAMAGED: 5 records after the last seal");
	img_free();
	rm_tmp();
}

TEST(cve_2023_31438_records_spliced_between_seals_fail)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	uint64_t se;
	int i;

	/* records spliced in between the seals at 22 and 33, renumbered and
	 * re-chained; the seal at (now) 35 left as it was */
	fs_journal(stolen, &se);
	i = img_find(25);
	img_insert_copy(i, i);
	img_forge(i);
	img_insert_copy(i, i);
	img_rechain(1, 0, RS_KEEP, stolen, se);
	img_store(1);
	expect_ok(0, 118, 0);
	expect_fail(1, JRN_V_SEAL_CHAIN, 35);
	/* ... and the seal redone for its new place with the stolen key */
	img_free();
	rm_tmp();
	fs_journal(stolen, &se);
	i = img_find(25);
	img_insert_copy(i, i);
	img_forge(i);
	img_rechain(1, i, RS_EVOLVE, stolen, se);
	img_store(1);
	expect_ok(0, 117, 0);
	expect_fail(1, JRN_V_SEAL_MAC, 34);
	img_free();
	rm_tmp();
}

TEST(cve_2023_31439_later_epoch_seal_over_forged_data_fails)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	uint64_t se;
	int f;

	/* every seal from the forged record on relabelled to epochs the
	 * stolen key can make (11, 12, ...): each MAC is right for the
	 * epoch it claims */
	fs_journal(stolen, &se);
	f = img_find(47);
	img_unprivilege(f);
	img_rechain(0, f, RS_RELABEL, stolen, se);
	img_store(1);
	expect_ok(0, 116, 0);
	expect_fail(1, JRN_V_EPOCH, 55);
	vr = verify_with(k0);
	ASSERT_CONTAINS(vr.why, "has epoch 11, 4 expected");
	/* the seals after the forgery removed and one later-epoch seal
	 * over everything appended */
	img_free();
	rm_tmp();
	fs_journal(stolen, &se);
	for (int i = nimg - 1; i >= 0; i--)
		if (line_seq(&img[i]) > 44 && line_is_seal(&img[i]))
			img_delete(i);
	img_unprivilege(img_find(47));
	img_insert_copy(nimg - 1, img_find(44));	/* a seal line */
	swap_text(nimg - 2, nimg - 1);		/* the copy last */
	img_rechain(1, nimg - 1, RS_RELABEL, stolen, se);
	img_store(1);
	expect_ok(0, 110, 0);
	expect_fail(1, JRN_V_EPOCH, 110);
	img_free();
	rm_tmp();
}

TEST(control_honest_reseal_verifies)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	uint64_t se;

	/* the toolkit itself: re-chaining and re-sealing with the honest
	 * keys changes nothing verify can object to (so the failures above
	 * are the forgeries', not the toolkit's) */
	fs_journal(stolen, &se);
	img_rechain(0, 0, RS_HONEST, stolen, se);
	img_store(1);
	expect_ok(1, 116, 0);
	img_free();
	rm_tmp();
}
