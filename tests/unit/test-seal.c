/* test-seal.c -- forward-secure seals: the writer seals every N records,
 * on a timer, at close and after recovery; the key file evolves and keeps
 * no old key; verify with k0 catches what an intruder holding the current
 * key file can do (re-chain and re-seal forged earlier records), epoch
 * gaps, a wrong k0, and reports records after the last seal. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"
#include "journal/io.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "journal-util.h"

static unsigned char k0[JRN_SEAL_KEY_LEN];
static uint64_t bad_seal_at;	/* rewrite: this seal names the wrong seq */

static void
unhex(const char *hex, unsigned char out[JRN_HASH_LEN])
{
	for (int i = 0; i < JRN_HASH_LEN; i++) {
		unsigned v;

		ASSERT_EQ(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* A journal with a sealing key; k0 also written to <tdir>/k0.key. */
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
open_sealed(uint64_t every, int64_t interval_ns)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = jdir;
	o.seal_every = every;
	o.seal_interval_ns = interval_ns;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

/* n records, submitted in one burst, then close (which seals). */
static void
write_closed(uint64_t every, int n)
{
	struct journal *j = open_sealed(every, 3600ll * 1000000000);

	append_n(j, n, 120);
	jrn_close(j);
}

static void
key_at(uint64_t epoch, unsigned char k[JRN_SEAL_KEY_LEN])
{
	memcpy(k, k0, JRN_SEAL_KEY_LEN);
	for (uint64_t e = 0; e < epoch; e++)
		jrn_seal_evolve(k);
}

/* The seqs of seal records in the (single) segment and their epochs. */
static int
seals_in(uint64_t *seqs, uint64_t *epochs, int max)
{
	char *seg = last_segment(), *b, why[96];
	unsigned char head[JRN_HASH_LEN], mac[JRN_HASH_LEN];
	size_t n;
	int k = 0;

	b = slurp(seg, &n);
	for (char *p = b, *nl; p < b + n; p = nl + 1) {
		uint64_t e, s;

		nl = memchr(p, '\n', (size_t)(b + n - p));
		ASSERT(nl != NULL);
		if (jrn_seal_parse(p, (size_t)(nl - p), &e, &s, head, mac,
		    why) == 1 && k < max) {
			seqs[k] = s + 1;
			epochs[k] = e;
			k++;
		}
	}
	free(b);
	free(seg);
	return k;
}

static void
verify_k(const unsigned char *key, struct jrn_verify_result *vr)
{
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify_key(jdir, key, vr, err), DA_OK);
}

/* What an intruder holding the key file does: change record forge_seq
 * (0: none), shift seal epochs by epoch_add from the seal at seq
 * shift_from on, recompute the whole chain, and re-MAC every seal with
 * fixed (NULL: the honest key of each seal's epoch, from k0). */
static void
rewrite(uint64_t forge_seq, uint64_t shift_from, uint64_t epoch_add,
    const unsigned char *fixed)
{
	char *seg = last_segment(), *b, *out, why[96], id[JRN_ID_LEN];
	unsigned char h[JRN_HASH_LEN], head[JRN_HASH_LEN], mac[JRN_HASH_LEN];
	unsigned char key[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], hex[JRN_HEX_LEN];
	size_t n, o = 0;

	ASSERT_EQ(jrn_meta_read(jdir, id, h, err), DA_OK);
	b = slurp(seg, &n);
	ASSERT((out = malloc(n + 4096)) != NULL);
	for (char *p = b, *nl; p < b + n; p = nl + 1) {
		size_t len, body;
		uint64_t e, s, seq;
		char *line = out + o;

		nl = memchr(p, '\n', (size_t)(b + n - p));
		ASSERT(nl != NULL);
		len = (size_t)(nl - p);
		body = len - 75;	/* ,"prev":"<64>"} */
		seq = strtoull(p + 13, NULL, 10);
		if (jrn_seal_parse(p, len, &e, &s, head, mac, why) == 1 &&
		    (fixed == NULL || seq > forge_seq)) {
			char mem[600];
			size_t ml;

			if (seq >= shift_from)
				e += epoch_add;
			if (fixed != NULL)
				memcpy(key, fixed, sizeof(key));
			else
				key_at(e, key);
			s = seq == bad_seal_at ? seq - 2 : seq - 1;
			jrn_seal_mac(key, e, s, h, mac);
			ml = jrn_seal_members(mem, sizeof(mem),
			    "00000000-0000-4000-8000-000000000000",
			    "2026-01-01T00:00:00.000000000Z", e, s, h, mac);
			o += (size_t)sprintf(out + o, "{\"v\":1,\"seq\":%llu,%.*s",
			    (unsigned long long)seq, (int)ml, mem);
		} else {
			memcpy(out + o, p, body);
			if (seq == forge_seq) {
				char *t = memmem(out + o, body, "t0-r", 4);

				ASSERT(t != NULL);
				*t = 'T';
			}
			o += body;
		}
		jrn_hex(h, hex);
		o += (size_t)sprintf(out + o, ",\"prev\":\"%s\"}\n", hex);
		jrn_chain_step(h, line, (size_t)(out + o - line), h);
	}
	spit(seg, out, o);
	free(out);
	free(b);
	free(seg);
}

TEST(seals_every_n_and_at_close)
{
	struct jrn_verify_result vr;
	uint64_t seqs[16], ep[16];
	int k;

	mk_sealed();
	write_closed(10, 25);
	/* 1-10, seal 11, 12-21, seal 22, 23-27, seal 28 (close) */
	k = seals_in(seqs, ep, 16);
	ASSERT_EQ(k, 3);
	ASSERT_EQ(seqs[0], 11);
	ASSERT_EQ(seqs[1], 22);
	ASSERT_EQ(seqs[2], 28);
	for (int i = 0; i < k; i++)
		ASSERT_EQ(ep[i], i);
	verify_k(k0, &vr);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.records, 28);
	ASSERT_EQ(vr.seals, 3);
	ASSERT_EQ(vr.last_sealed_seq, 27);
	ASSERT_EQ(vr.unsealed, 0);
	assert_verifies(28);	/* chain only still passes */
	rm_tmp();
}

TEST(key_file_evolves_and_forgets)
{
	unsigned char k[JRN_SEAL_KEY_LEN], cur[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], p[400], hex[JRN_HEX_LEN], *f;
	uint64_t epoch;
	struct stat st;
	size_t n;

	mk_sealed();
	write_closed(10, 25);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, cur, err), DA_OK);
	ASSERT_EQ(epoch, 3);
	key_at(3, k);
	ASSERT(memcmp(k, cur, sizeof(k)) == 0);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	f = slurp(JRN_SEAL_KEYFILE, &n);
	for (uint64_t e = 0; e < 3; e++) {
		key_at(e, k);
		jrn_hex(k, hex);
		ASSERT_NOT_CONTAINS(f, hex);
	}
	free(f);
	ASSERT_EQ(faccessat(AT_FDCWD, p, F_OK, 0), 0);
	rm_tmp();
}

TEST(timer_seal)
{
	uint64_t seqs[4], ep[4];
	struct journal *j;

	mk_sealed();
	j = open_sealed(1000, 50000000);	/* 50 ms */
	append_n(j, 3, 100);
	usleep(400000);
	ASSERT_EQ(jrn_durable(j), 4);
	ASSERT_EQ(seals_in(seqs, ep, 4), 1);
	ASSERT_EQ(seqs[0], 4);
	usleep(200000);		/* nothing new: no more seals */
	ASSERT_EQ(jrn_durable(j), 4);
	jrn_close(j);		/* nothing unsealed: no seal at close */
	ASSERT_EQ(seals_in(seqs, ep, 4), 1);
	rm_tmp();
}

TEST(forged_and_resealed_with_current_key_is_caught)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	uint64_t epoch;

	mk_sealed();
	/* 1-5, s6 e0, 7-11, s12 e1, 13-17, s18 e2, 19-21, s22 e3 */
	write_closed(5, 18);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, stolen, err), DA_OK);
	ASSERT_EQ(epoch, 4);
	rewrite(8, 0, 0, stolen);
	assert_verifies(22);		/* the chain alone is fooled */
	verify_k(k0, &vr);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_SEAL_MAC);
	ASSERT_EQ(vr.bad_seq, 12);
	ASSERT(vr.segment[0] != '\0');
	ASSERT(vr.offset > 0);
	rm_tmp();
}

TEST(forged_before_first_seal_is_mac_not_key_mismatch)
{
	unsigned char stolen[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	uint64_t epoch;

	mk_sealed();
	write_closed(5, 18);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, stolen, err), DA_OK);
	/* every seal covers the forged record 2: all re-MACed with the
	 * stolen key (epoch 4), none verifies under k0 */
	rewrite(2, 0, 0, stolen);
	verify_k(k0, &vr);
	ASSERT(!vr.ok);
	/* no seal verifies: indistinguishable from a wrong k0 */
	ASSERT_STREQ(vr.kind, JRN_V_KEY);
	ASSERT_EQ(vr.bad_seq, 6);
	rm_tmp();
}

TEST(unsealed_tail_warns_strict_fails_reopen_seals)
{
	struct jrn_verify_result vr;
	char *seg, *b, hex[JRN_HEX_LEN], kp[400], line[512];
	unsigned char h[JRN_HASH_LEN];
	size_t n;
	struct journal *j;
	char *av1[] = { "verify", "--journal", jdir, "--key", kp, "--quiet", NULL };
	char *av2[] = { "verify", "--journal", jdir, "--key", kp, "--strict",
	    "--quiet", NULL };

	mk_sealed();
	write_closed(10, 5);		/* 1-5, s6 */
	verify_k(k0, &vr);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.unsealed, 0);
	/* two chain-correct records appended with no seal after them */
	seg = last_segment();
	b = slurp(seg, &n);
	memcpy(hex, vr.head, sizeof(hex));
	for (int i = 7; i <= 8; i++) {
		int k = snprintf(line, sizeof(line), "{\"v\":1,\"seq\":%d,"
		    "\"id\":\"x%d\",\"kind\":\"api\",\"prev\":\"%s\"}\n", i, i, hex);

		ASSERT((b = realloc(b, n + (size_t)k + 1)) != NULL);
		memcpy(b + n, line, (size_t)k);
		n += (size_t)k;
		unhex(hex, h);
		jrn_chain_step(h, line, (size_t)k, h);
		jrn_hex(h, hex);
	}
	spit(seg, b, n);
	free(b);
	verify_k(k0, &vr);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.unsealed, 2);
	ASSERT_EQ(vr.last_sealed_seq, 5);
	snprintf(kp, sizeof(kp), "%s/k0.key", tdir);
	ASSERT_EQ(cli_verify(6, av1), 0);
	ASSERT_EQ(cli_verify(7, av2), 1);
	/* reopening (recovery) seals the tail at once */
	j = open_sealed(10, 3600ll * 1000000000);
	wait_durable(j, 9);
	jrn_close(j);
	verify_k(k0, &vr);
	ASSERT(vr.ok);
	ASSERT_EQ(vr.records, 9);
	ASSERT_EQ(vr.seals, 2);
	ASSERT_EQ(vr.unsealed, 0);
	ASSERT_EQ(cli_verify(7, av2), 0);
	free(seg);
	rm_tmp();
}

TEST(epoch_gap_is_caught)
{
	struct jrn_verify_result vr;

	mk_sealed();
	write_closed(5, 12);	/* s6 e0, s12 e1, s15 e2 */
	rewrite(0, 12, 1, NULL);	/* e0, e2, e3: honest MACs */
	verify_k(k0, &vr);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_EPOCH);
	ASSERT_EQ(vr.bad_seq, 12);
	rm_tmp();
}

TEST(wrong_k0_is_key_mismatch)
{
	unsigned char other[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	mk_sealed();
	write_closed(5, 12);
	ASSERT_EQ(jrn_seal_keygen(other, err), DA_OK);
	verify_k(other, &vr);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_KEY);
	ASSERT_EQ(vr.bad_seq, 6);
	verify_k(k0, &vr);
	ASSERT(vr.ok);
	rm_tmp();
}

TEST(seal_must_match_chain)
{
	struct jrn_verify_result vr;

	mk_sealed();
	write_closed(5, 12);
	bad_seal_at = 12;	/* names seq 10, honestly MACed, chain redone */
	rewrite(0, 0, 0, NULL);
	verify_k(k0, &vr);
	ASSERT(!vr.ok);
	ASSERT_STREQ(vr.kind, JRN_V_SEAL_CHAIN);
	ASSERT_EQ(vr.bad_seq, 12);
	rm_tmp();
}

TEST(key_file_permissions_refused)
{
	char err[DA_ERRLEN], p[400];
	struct jrn_opts o;
	struct journal *j;

	mk_sealed();
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(chmod(p, 0640), 0);
	jrn_opts_default(&o);
	o.dir = jdir;
	ASSERT(jrn_open(&j, &o, NULL, err) != DA_OK);
	ASSERT_CONTAINS(err, "seal.key");
	ASSERT_CONTAINS(err, "0640");
	ASSERT_EQ(chmod(p, 0600), 0);
	if (geteuid() == 0) {	/* a foreign owner */
		ASSERT_EQ(chown(p, 65534, 65534), 0);
		ASSERT(jrn_open(&j, &o, NULL, err) != DA_OK);
		ASSERT_CONTAINS(err, "uid 65534");
		ASSERT_EQ(chown(p, 0, 0), 0);
	}
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_OK);
	jrn_close(j);
	rm_tmp();
}

TEST(no_key_file_no_seals)
{
	uint64_t seqs[4], ep[4];
	struct journal *j;

	mk_journal();
	j = open_j(0, NULL, NULL);
	append_n(j, 5, 100);
	usleep(50000);
	jrn_close(j);
	ASSERT_EQ(seals_in(seqs, ep, 4), 0);
	assert_verifies(5);
	rm_tmp();
}

TEST(lagging_key_file_caught_up_at_open)
{
	unsigned char k[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	uint64_t epoch;
	struct journal *j;
	int fd;

	mk_sealed();
	write_closed(5, 12);		/* s6 e0, s12 e1, s15 e2; key at 3 */
	/* a crash after the last seal's fdatasync, before the key rewrite */
	key_at(2, k);
	ASSERT((fd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT_EQ(jrn_seal_key_write(fd, jdir, JRN_SEAL_KEYFILE, 2, k, err),
	    DA_OK);
	close(fd);
	j = open_sealed(5, 3600ll * 1000000000);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 3);
	append_n(j, 5, 100);		/* 16-20, s21 e3 */
	jrn_close(j);
	verify_k(k0, &vr);
	if (!vr.ok)
		UNIT_FAIL("%s at %llu: %s", vr.kind,
		    (unsigned long long)vr.bad_seq, vr.why);
	ASSERT_EQ(vr.seals, 4);
	ASSERT_EQ(vr.records, 21);
	rm_tmp();
}

static int fail_syncs;

static int
flaky_fdatasync(int fd)
{
	if (fail_syncs > 0) {
		fail_syncs--;
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

TEST(seals_survive_write_failures)
{
	struct jrn_io io = jrn_io_default;
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	struct jrn_opts o;
	struct journal *j;
	uint64_t epoch;
	unsigned char k[JRN_SEAL_KEY_LEN], cur[JRN_SEAL_KEY_LEN];

	mk_sealed();
	io.fdatasync = flaky_fdatasync;
	jrn_opts_default(&o);
	o.dir = jdir;
	o.io = &io;
	o.seal_every = 5;
	o.seal_interval_ns = 3600ll * 1000000000;
	ASSERT_EQ(jrn_open(&j, &o, NULL, err), DA_OK);
	fail_syncs = 2;
	append_n(j, 12, 100);		/* 1-5 s6 7-11 s12 13-14 */
	jrn_close(j);			/* s15 */
	ASSERT_EQ(fail_syncs, 0);
	verify_k(k0, &vr);
	if (!vr.ok)
		UNIT_FAIL("%s at %llu: %s", vr.kind,
		    (unsigned long long)vr.bad_seq, vr.why);
	ASSERT_EQ(vr.records, 15);
	ASSERT_EQ(vr.seals, 3);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, cur, err), DA_OK);
	ASSERT_EQ(epoch, 3);
	key_at(3, k);
	ASSERT(memcmp(k, cur, sizeof(k)) == 0);
	rm_tmp();
}

/* ---- crashes around the key rewrite (io hooks, forked writers) ---- */

static int crash_after_syncs;	/* the child exits right after this many */

static int
crashing_fdatasync(int fd)
{
	int rc = fdatasync(fd);

	if (rc == 0 && --crash_after_syncs == 0)
		_exit(0);	/* the batch is durable; seal.key not rewritten */
	return rc;
}

/* Run writes in a child process that dies without closing the journal. */
static void
in_dying_child(void (*body)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		body();
		_exit(0);
	}
	ASSERT(pid > 0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
write_until_crash(void)
{
	struct jrn_io io = jrn_io_default;
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN], m[256];
	uint64_t t;

	io.fdatasync = crashing_fdatasync;
	crash_after_syncs = 3;
	jrn_opts_default(&o);
	o.dir = jdir;
	o.io = &io;
	o.seal_every = 1;	/* every batch ends with a seal */
	o.seal_interval_ns = 3600ll * 1000000000;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	for (int i = 0; i < 10; i++) {
		size_t n = members(m, sizeof(m), 1, i, 100);

		ASSERT_EQ(jrn_submit(j, m, n, &t), DA_OK);
		wait_durable(j, t + 1);	/* the record and its seal */
	}
	UNIT_FAIL("the io hook should have ended this process");
}

TEST(crash_between_seal_fdatasync_and_key_rewrite)
{
	unsigned char k[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	uint64_t epoch, seqs[16], ep[16];
	struct journal *j;
	int n;

	mk_sealed();
	in_dying_child(write_until_crash);
	/* three batches durable (record + seal each), the key file rewritten
	 * after the first two only */
	n = seals_in(seqs, ep, 16);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(ep[2], 2);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 2);		/* k_2 on disk: the one seal 6 used */
	j = open_sealed(5, 3600ll * 1000000000);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 3);		/* evolved past the newest seal */
	append_n(j, 7, 100);
	jrn_close(j);
	verify_k(k0, &vr);
	if (!vr.ok)
		UNIT_FAIL("%s at %llu: %s", vr.kind,
		    (unsigned long long)vr.bad_seq, vr.why);
	ASSERT_EQ(vr.unsealed, 0);
	ASSERT(vr.seals >= 5);
	rm_tmp();
}

/* seal.key cannot be rewritten (a directory squats on its temp name) while
 * the journal rotates segments past the seal; then the process dies.  The
 * next open must still not reuse an epoch. */
static void
write_rotate_crash(void)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = jdir;
	o.seal_every = 10;
	o.seal_interval_ns = 3600ll * 1000000000;
	o.segment_max_bytes = 1024;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	/* 1-10 s11 12-20: the records after the seal fill segments of
	 * their own */
	append_n(j, 19, 150);
	_exit(0);
}

TEST(key_rewrite_failing_then_crash_across_segments)
{
	unsigned char k[JRN_SEAL_KEY_LEN];
	struct jrn_verify_result vr;
	char err[DA_ERRLEN], p[400];
	uint64_t epoch;
	struct journal *j;

	mk_sealed();
	snprintf(p, sizeof(p), "%s/%s.tmp", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(mkdir(p, 0700), 0);
	in_dying_child(write_rotate_crash);
	ASSERT_EQ(rmdir(p), 0);
	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 0);		/* never rewritten */
	{
		char *last = last_segment();

		ASSERT(jrn_segment_first_seq(last) > 11);
		free(last);
	}
	j = open_sealed(5, 3600ll * 1000000000);
	append_n(j, 3, 100);
	jrn_close(j);
	verify_k(k0, &vr);
	if (!vr.ok)
		UNIT_FAIL("%s at %llu: %s", vr.kind,
		    (unsigned long long)vr.bad_seq, vr.why);
	ASSERT_EQ(vr.unsealed, 0);
	ASSERT_EQ(jrn_seal_key_load(p, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, vr.seals);
	rm_tmp();
}

TEST(failed_key_rewrite_is_retried_after_later_batches)
{
	unsigned char k[JRN_SEAL_KEY_LEN], want[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], p[400], q[400];
	uint64_t epoch;
	struct journal *j;

	mk_sealed();
	snprintf(p, sizeof(p), "%s/%s.tmp", jdir, JRN_SEAL_KEYFILE);
	snprintf(q, sizeof(q), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(mkdir(p, 0700), 0);
	j = open_sealed(5, 3600ll * 1000000000);
	append_n(j, 10, 100);			/* s6, s12: rewrites fail */
	ASSERT_EQ(jrn_seal_key_load(q, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 0);
	ASSERT_EQ(rmdir(p), 0);
	append_n(j, 1, 100);			/* a batch without a seal */
	ASSERT_EQ(jrn_seal_key_load(q, 1, &epoch, k, err), DA_OK);
	ASSERT_EQ(epoch, 2);			/* caught up at once */
	key_at(2, want);
	ASSERT(memcmp(k, want, sizeof(k)) == 0);
	jrn_close(j);
	rm_tmp();
}
