/* verify.c -- `dockaudit verify`: check a whole journal at disk speed.
 *
 * One pass over the segments in order with 4 MiB reads.  Per line: framing
 * (prefix, seq, prev suffix), JSON validity, seq continuity, segment name,
 * then one SHA-256 chain step with a reused EVP context.  The first failure
 * is classified with one line of look-ahead:
 *   seq jumps forward   -> next line returns to expect+1: that record was
 *                          modified; next line goes back: reordered;
 *                          otherwise a missing range;
 *   seq goes backward   -> reordered (or repeated);
 *   prev mismatch at s  -> if the next line chains from line s as written,
 *                          record s-1 was modified; else s itself (its prev).
 * With a key (jrn_verify_key), each seal record is checked after its own
 * chain step (check_seal): seal.seq/head against the chain, the epoch
 * sequence, and the MAC under k0 evolved alongside.
 * Results go to struct jrn_verify_result (verify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "journal/internal.h"
#include "journal/seal.h"
#include "journal/verify.h"

#define VERIFY_CHUNK	(4u << 20)
#define TAIL_RETRIES	10	/* re-reads of a partial last line */
#define TAIL_WAIT_US	20000

enum pend { P_NONE, P_SEQ, P_CHAIN };

struct vstate {
	struct jrn_verify_result *res;
	struct jrn__md	 md;
	unsigned char	 h[JRN_HASH_LEN];
	unsigned char	 h_before[JRN_HASH_LEN];	/* h before the last good line */
	uint64_t	 expect;
	int		 done;
	/* the last good line, for failures blamed on it */
	char		 last_seg[JRN_SEGNAME_LEN];
	uint64_t	 last_off;
	/* a failure waiting for one more line to be classified */
	enum pend	 pend;
	uint64_t	 p_seq;			/* seq found on that line */
	int		 p_misnamed;		/* P_SEQ: first of a segment not named for it */
	unsigned char	 p_h[JRN_HASH_LEN];	/* P_CHAIN: h of that line as written */
	char		 p_seg[JRN_SEGNAME_LEN];
	uint64_t	 p_off;
	/* seals */
	int		 keyed;
	unsigned char	 key[JRN_SEAL_KEY_LEN];	/* k_{next_epoch} */
	uint64_t	 next_epoch;
	uint64_t	 last_seal_line;	/* seq of the last seal record */
	/* the first seal failed its MAC: key mismatch unless a later seal
	 * verifies */
	int		 km_pend;
	uint64_t	 km_seq;
	char		 km_seg[JRN_SEGNAME_LEN];
	uint64_t	 km_off;
};

static void __attribute__((format(printf, 6, 7)))
fail(struct vstate *st, const char *kind, uint64_t seq, const char *seg,
    uint64_t off, const char *fmt, ...)
{
	struct jrn_verify_result *res = st->res;
	va_list ap;

	res->ok = 0;
	res->kind = kind;
	res->bad_seq = seq;
	snprintf(res->segment, sizeof(res->segment), "%s", seg);
	res->offset = off;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	st->done = 1;
}

/* The last line counted good is the one blamed: uncount it. */
static void
unclaim_last(struct vstate *st)
{
	if (st->res->records == 0)
		return;
	st->res->records--;
	st->res->last_seq--;
	memcpy(st->h, st->h_before, JRN_HASH_LEN);
}

/* Classify the pending failure; next (may be 0: none or unusable) is the
 * seq of the following line and next_prev its prev. */
static void
resolve(struct vstate *st, uint64_t next, const unsigned char *next_prev)
{
	uint64_t e = st->expect, s = st->p_seq;

	if (st->pend == P_SEQ) {
		if (next != 0 && next == e + 1)
			fail(st, JRN_V_MODIFIED, e, st->p_seg, st->p_off,
			    "record %llu was modified: it carries seq %llu",
			    (unsigned long long)e, (unsigned long long)s);
		else if (next != 0 && next < s)
			fail(st, JRN_V_REORDERED, e, st->p_seg, st->p_off,
			    "out of order: seq %llu found where seq %llu belongs",
			    (unsigned long long)s, (unsigned long long)e);
		else if (st->p_misnamed)
			fail(st, JRN_V_MISSING, e, st->p_seg, st->p_off,
			    "missing range %llu..%llu: segment %s starts with seq "
			    "%llu (its first records deleted, or segments swapped "
			    "or renamed)", (unsigned long long)e,
			    (unsigned long long)(s - 1), st->p_seg,
			    (unsigned long long)s);
		else
			fail(st, JRN_V_MISSING, e, st->p_seg, st->p_off,
			    "missing range %llu..%llu: seq %llu follows seq %llu",
			    (unsigned long long)e, (unsigned long long)(s - 1),
			    (unsigned long long)s, (unsigned long long)(e - 1));
	} else {
		if (next == s + 1 && next_prev != NULL &&
		    memcmp(next_prev, st->p_h, JRN_HASH_LEN) == 0) {
			fail(st, JRN_V_MODIFIED, s - 1, st->last_seg, st->last_off,
			    "record %llu was modified: its hash does not match "
			    "the prev of seq %llu", (unsigned long long)(s - 1),
			    (unsigned long long)s);
			unclaim_last(st);
		} else if (next != 0)
			fail(st, JRN_V_MODIFIED, s, st->p_seg, st->p_off,
			    "record %llu was modified: its prev does not match "
			    "the chain", (unsigned long long)s);
		else {
			fail(st, JRN_V_MODIFIED, s - 1, st->last_seg, st->last_off,
			    "chain mismatch at seq %llu: record %llu or the prev "
			    "of %llu was modified", (unsigned long long)s,
			    (unsigned long long)(s - 1), (unsigned long long)s);
			unclaim_last(st);
		}
	}
}

/* Structure check with the allocation-free scanner (scan.c): json_parse
 * builds a tree and runs several times slower than SHA-256 (see
 * bench/journal_append.c), which would make verify CPU-bound. */
static int
json_ok(const char *line, size_t len, char *why)
{
	size_t at;

	if (jrn__json_scan(line, len, 0, &at) == 0)
		return 1;
	snprintf(why, 96, "invalid JSON at byte %zu of the line", at);
	return 0;
}

/* Line s (chain already good, st->h = h(s-1)) may be a seal.  Returns -1
 * after a failure. */
static int
check_seal(struct vstate *st, const char *seg, const char *line, size_t len,
    uint64_t off, uint64_t s)
{
	unsigned char head[JRN_HASH_LEN], mac[JRN_HASH_LEN], want[JRN_HASH_LEN];
	uint64_t epoch, sseq;
	char why[96];
	int r, mac_bad;

	if ((r = jrn_seal_parse(line, len, &epoch, &sseq, head, mac, why)) == 0)
		return 0;
	if (!st->keyed) {
		/* chain only: count what looks like a seal */
		if (r == 1) {
			st->res->seals++;
			st->res->last_sealed_seq = sseq;
			st->last_seal_line = s;
		}
		return 0;
	}
	if (r < 0) {
		fail(st, JRN_V_SEAL_BAD, s, seg, off, "bad seal at seq %llu: %s",
		    (unsigned long long)s, why);
		return -1;
	}
	if (sseq != s - 1 || memcmp(head, st->h, JRN_HASH_LEN) != 0) {
		fail(st, JRN_V_SEAL_CHAIN, s, seg, off, "seal does not match the "
		    "chain: the seal at seq %llu must cover seq %llu and its "
		    "hash, it names seq %llu%s", (unsigned long long)s,
		    (unsigned long long)(s - 1), (unsigned long long)sseq,
		    sseq == s - 1 ? " with another head" : "");
		return -1;
	}
	if (epoch != st->next_epoch) {
		fail(st, JRN_V_EPOCH, s, seg, off, "epoch gap: the seal at seq "
		    "%llu has epoch %llu, %llu expected (seals or epochs "
		    "missing before it)", (unsigned long long)s,
		    (unsigned long long)epoch,
		    (unsigned long long)st->next_epoch);
		return -1;
	}
	jrn_seal_mac(st->key, epoch, sseq, head, want);
	if ((mac_bad = CRYPTO_memcmp(want, mac, JRN_HASH_LEN) != 0)) {
		if (epoch == 0) {
			st->km_pend = 1;
			st->km_seq = s;
			snprintf(st->km_seg, sizeof(st->km_seg), "%s", seg);
			st->km_off = off;
		} else if (!st->km_pend) {
			fail(st, JRN_V_SEAL_MAC, s, seg, off, "seal MAC invalid: "
			    "the seal at seq %llu (epoch %llu) does not verify: "
			    "records %llu..%llu were changed or re-sealed",
			    (unsigned long long)s, (unsigned long long)epoch,
			    (unsigned long long)(st->res->last_sealed_seq + 1),
			    (unsigned long long)sseq);
			return -1;
		}
	} else if (st->km_pend) {
		fail(st, JRN_V_SEAL_MAC, st->km_seq, st->km_seg, st->km_off,
		    "seal MAC invalid: the first seal (seq %llu, epoch 0) does "
		    "not verify but the seal at seq %llu (epoch %llu) does: "
		    "records 1..%llu were changed", (unsigned long long)st->km_seq,
		    (unsigned long long)s, (unsigned long long)epoch,
		    (unsigned long long)(st->km_seq - 1));
		return -1;
	}
	jrn_seal_evolve(st->key);
	st->next_epoch++;
	st->last_seal_line = s;
	/* only seals that verified count, so the result never vouches for
	 * records under a first seal still in doubt */
	if (!mac_bad && !st->km_pend) {
		st->res->seals++;
		st->res->last_sealed_seq = sseq;
	}
	return 0;
}

static void
check_line(struct vstate *st, const char *seg, int first_in_seg,
    const char *line, size_t len, uint64_t off)
{
	unsigned char prev[JRN_HASH_LEN];
	const char *prev_hex;
	char why[96];
	uint64_t s;

	if (jrn__line_frame(line, len, &s, &prev_hex, why) < 0 ||
	    !json_ok(line, len, why)) {
		if (st->pend != P_NONE)
			resolve(st, 0, NULL);
		else
			fail(st, JRN_V_BADJSON, st->expect, seg, off,
			    "bad JSON at seq %llu: %s",
			    (unsigned long long)st->expect, why);
		return;
	}
	jrn__unhex(prev_hex, prev);
	if (st->pend != P_NONE) {
		resolve(st, s, prev);
		return;
	}
	if (s != st->expect) {
		if (s < st->expect) {
			fail(st, JRN_V_REORDERED, st->expect, seg, off,
			    "out of order: seq %llu found after seq %llu",
			    (unsigned long long)s,
			    (unsigned long long)(st->expect - 1));
			return;
		}
		st->pend = P_SEQ;
		st->p_seq = s;
		st->p_misnamed = first_in_seg && jrn_segment_first_seq(seg) != s;
		snprintf(st->p_seg, sizeof(st->p_seg), "%s", seg);
		st->p_off = off;
		return;
	}
	if (first_in_seg && jrn_segment_first_seq(seg) != s) {
		fail(st, JRN_V_SEGNAME, s, seg, off, "segment %s starts with seq "
		    "%llu", seg, (unsigned long long)s);
		return;
	}
	if (memcmp(prev, st->h, JRN_HASH_LEN) != 0) {
		if (s == 1) {
			fail(st, JRN_V_GENESIS, 1, seg, off, "the prev of seq 1 is "
			    "not the genesis of this journal (journal.meta)");
			return;
		}
		st->pend = P_CHAIN;
		st->p_seq = s;
		jrn__md_step(&st->md, prev, line, len + 1, st->p_h);
		snprintf(st->p_seg, sizeof(st->p_seg), "%s", seg);
		st->p_off = off;
		return;
	}
	if (check_seal(st, seg, line, len, off, s) < 0)
		return;
	memcpy(st->h_before, st->h, JRN_HASH_LEN);
	jrn__md_step(&st->md, st->h, line, len + 1, st->h);
	st->expect = s + 1;
	st->res->records++;
	st->res->last_seq = s;
	snprintf(st->last_seg, sizeof(st->last_seg), "%s", seg);
	st->last_off = off;
}

/* Verify one segment; final says no newer segment existed when listed. */
static int
verify_segment(struct vstate *st, const char *dir, const char *seg,
    int final, int *retries, char *err)
{
	struct jrn__lines lr;
	const char *line;
	char path[4096];
	uint64_t off;
	size_t len;
	int fd, r = 0, first = 1, rc = DA_OK;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, seg) >=
	    sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jrn__lines_init(&lr, fd, VERIFY_CHUNK) != DA_OK) {
		close(fd);
		return da_seterr(err, DA_E_NOMEM, "verify: out of memory");
	}
	for (;;) {
		while (!st->done &&
		    (r = jrn__lines_next(&lr, &line, &len, &off)) == 1) {
			check_line(st, seg, first, line, len, off);
			first = 0;
		}
		if (st->done)
			break;
		if (r == -1) {
			rc = da_seterr(err, DA_E_IO, "%s: %s", path,
			    strerror(errno));
			break;
		}
		if (r == -2) {
			if (st->pend != P_NONE)
				resolve(st, 0, NULL);
			else
				fail(st, JRN_V_BADJSON, st->expect, seg,
				    jrn__lines_pos(&lr), "bad JSON at seq %llu: "
				    "no newline within %u bytes",
				    (unsigned long long)st->expect, JRN_MAX_LINE);
			break;
		}
		if (jrn__lines_partial(&lr) == 0)
			break;
		/* a partial last line: maybe the writer is mid-write */
		if (final && *retries < TAIL_RETRIES) {
			(*retries)++;
			usleep(TAIL_WAIT_US);
			continue;
		}
		if (st->pend != P_NONE)
			resolve(st, 0, NULL);
		else
			fail(st, JRN_V_TRUNCATED, st->expect, seg,
			    jrn__lines_pos(&lr), "truncated after seq %llu: %zu "
			    "bytes of a record without its newline%s",
			    (unsigned long long)(st->expect - 1),
			    jrn__lines_partial(&lr), final ? "" :
			    " (and a newer segment follows)");
		break;
	}
	st->res->bytes += lr.l_off + lr.l_end;
	jrn__lines_free(&lr);
	close(fd);
	return rc;
}

int
jrn_verify(const char *dir, struct jrn_verify_result *res, char *err)
{
	return jrn_verify_key(dir, NULL, res, err);
}

int
jrn_verify_key(const char *dir, const unsigned char *k0,
    struct jrn_verify_result *res, char *err)
{
	struct vstate st;
	char **segs;
	size_t n;
	int rc, retries = 0;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	st.res = res;
	st.expect = 1;
	if (k0 != NULL) {
		st.keyed = res->key_checked = 1;
		memcpy(st.key, k0, JRN_SEAL_KEY_LEN);
	}
	rc = jrn_meta_read(dir, NULL, st.h, err);
	if (rc == DA_E_CORRUPT) {
		fail(&st, JRN_V_META, 0, "", 0, "%.180s", err);
		jrn_hex(st.h, res->head);
		return DA_OK;
	}
	if (rc != DA_OK)
		return rc;
	if (jrn__md_init(&st.md) != DA_OK)
		return da_seterr(err, DA_E_NOMEM, "verify: out of memory");
	res->ok = 1;
	/* the segments there now; a writer that rotates meanwhile only adds
	 * later ones, and chasing them could go on for ever */
	if ((rc = jrn_segments(dir, &segs, &n, err)) == DA_OK) {
		for (size_t i = 0; i < n && !st.done && rc == DA_OK; i++)
			rc = verify_segment(&st, dir, segs[i], i + 1 == n,
			    &retries, err);
		jrn_segments_free(segs, n);
	}
	if (rc == DA_OK && !st.done && st.pend != P_NONE)
		resolve(&st, 0, NULL);
	if (rc == DA_OK && st.km_pend && !st.done) {
		/* Nothing else failed.  (Damage found after the first seal is
		 * certain and reported as such: a wrong k0 would not explain
		 * it.) */
		fail(&st, JRN_V_KEY, st.km_seq, st.km_seg, st.km_off, "key "
		    "mismatch: the first seal (seq %llu, epoch 0) does not "
		    "verify with this key and no later seal does (wrong k0, "
		    "or everything up to the last seal was re-sealed)",
		    (unsigned long long)st.km_seq);
	} else if (rc == DA_OK && st.km_pend && res->bad_seq > st.km_seq) {
		size_t l = strlen(res->why);

		snprintf(res->why + l, sizeof(res->why) - l, "; the first seal "
		    "(seq %llu) did not verify with this key either",
		    (unsigned long long)st.km_seq);
	}
	res->unsealed = res->last_seq > st.last_seal_line ?
	    res->last_seq - st.last_seal_line : 0;
	explicit_bzero(st.key, sizeof(st.key));
	jrn_hex(st.h, res->head);
	jrn__md_free(&st.md);
	return rc;
}
