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
#include "journal/retention.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "json/json.h"

#define VERIFY_CHUNK	(4u << 20)
#define TAIL_RETRIES	10	/* re-reads of a partial last line */
#define TAIL_WAIT_US	20000

enum pend { P_NONE, P_SEQ, P_CHAIN };

struct vstate {
	struct jrn_verify_result *res;
	int		 dirfd;
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
	int		 sealed_now;	/* check_seal confirmed this line */
	/* journal.anchor */
	int		 anchored;
	struct jrn_anchor anchor;
	uint64_t	 km_seq, km_epoch;
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
			st->next_epoch = epoch + 1;	/* as claimed */
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
	if (epoch != st->next_epoch && st->res->seals == 0 && st->anchored &&
	    strcmp(st->res->started, "anchor") == 0) {
		fail(st, JRN_V_ANCHOR, s, seg, off, "the first seal after "
		    "journal.anchor has epoch %llu, the anchor says %llu (a "
		    "forged anchor file)", (unsigned long long)epoch,
		    (unsigned long long)st->next_epoch);
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
		if (st->res->seals == 0 && !st->km_pend) {
			/* the first seal checked (epoch 0, or the anchor's) */
			st->km_pend = 1;
			st->km_seq = s;
			st->km_epoch = epoch;
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
		    "seal MAC invalid: the first seal (seq %llu, epoch %llu) "
		    "does not verify but the seal at seq %llu (epoch %llu) "
		    "does: records %llu..%llu were changed",
		    (unsigned long long)st->km_seq,
		    (unsigned long long)st->km_epoch,
		    (unsigned long long)s, (unsigned long long)epoch,
		    (unsigned long long)st->res->first_seq,
		    (unsigned long long)(st->km_seq - 1));
		return -1;
	}
	jrn_seal_evolve(st->key);
	st->next_epoch++;
	st->last_seal_line = s;
	/* only seals that verified count, so the result never vouches for
	 * records under a first seal still in doubt */
	if (!mac_bad && !st->km_pend) {
		st->sealed_now = 1;	/* a checkpoint may be taken here */
		st->res->seals++;
		st->res->last_sealed_seq = sseq;
	}
	return 0;
}

/* The anchor against the chain (at its seq, when verification passes it)
 * and against the journal.pruned record that names it.  -1 after a
 * failure. */
static int
check_anchor(struct vstate *st, const char *seg, const char *line, size_t len,
    uint64_t off, uint64_t s)
{
	static const char act[] = "\"action\":\"journal.pruned\"";
	const struct json *a, *v;
	unsigned char h[JRN_HASH_LEN];
	struct json *root;
	int64_t q, e;
	int bad = 0;

	if (s == st->anchor.seq &&
	    memcmp(st->h, st->anchor.head, JRN_HASH_LEN) != 0) {
		fail(st, JRN_V_ANCHOR, s, seg, off, "journal.anchor does not "
		    "match the chain: its head for seq %llu is not that "
		    "record's hash (a forged or stale anchor file)",
		    (unsigned long long)s);
		return -1;
	}
	if (s <= st->anchor.seq || memmem(line, len, act, sizeof(act) - 1) ==
	    NULL || (root = json_parse(line, len, NULL)) == NULL)
		return 0;
	a = json_get(json_get(root, "detail"), "anchor");
	if (json_int(json_get(a, "seq"), &q) == 0 &&
	    (uint64_t)q == st->anchor.seq) {
		v = json_get(a, "head");
		if (json_type(v) != JSON_STRING || json_strlen(v) != 64 ||
		    jrn__unhex(json_str(v), h) != 0 ||
		    memcmp(h, st->anchor.head, JRN_HASH_LEN) != 0)
			bad = 1;
		v = json_get(a, "epoch");
		if (st->anchor.has_epoch ? json_int(v, &e) != 0 ||
		    (uint64_t)e != st->anchor.epoch : json_type(v) != JSON_NULL)
			bad = 1;
		if (bad) {
			json_free(root);
			fail(st, JRN_V_ANCHOR, s, seg, off, "journal.anchor does "
			    "not match the journal.pruned record at seq %llu "
			    "that names seq %llu (a forged anchor file)",
			    (unsigned long long)s,
			    (unsigned long long)st->anchor.seq);
			return -1;
		}
		st->res->anchor_confirmed = 1;
	}
	json_free(root);
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
		if (st->anchored && s == st->anchor.seq + 1 &&
		    strcmp(st->res->started, "anchor") == 0) {
			fail(st, JRN_V_ANCHOR, s, seg, off, "the prev of seq %llu "
			    "is not the head journal.anchor gives for seq %llu "
			    "(a forged anchor file, or that record was changed)",
			    (unsigned long long)s, (unsigned long long)(s - 1));
			return;
		}
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
	st->sealed_now = 0;
	if (check_seal(st, seg, line, len, off, s) < 0)
		return;
	memcpy(st->h_before, st->h, JRN_HASH_LEN);
	jrn__md_step(&st->md, st->h, line, len + 1, st->h);
	if (st->anchored && check_anchor(st, seg, line, len, off, s) < 0)
		return;
	if (st->sealed_now) {
		struct jrn_verify_checkpoint *cp = &st->res->cp;

		st->res->cp_valid = 1;
		cp->seq = s;
		memcpy(cp->head, st->h, JRN_HASH_LEN);
		cp->epoch = st->next_epoch;
		snprintf(cp->segment, sizeof(cp->segment), "%s", seg);
		cp->offset = off + len + 1;
	}
	if (st->res->first_seq == 0)
		st->res->first_seq = s;
	st->expect = s + 1;
	st->res->records++;
	st->res->last_seq = s;
	snprintf(st->last_seg, sizeof(st->last_seg), "%s", seg);
	st->last_off = off;
}

/* Verify one segment; final says no newer segment existed when listed. */
static int
verify_segment(struct vstate *st, const char *dir, const char *seg,
    int final, int *retries, uint64_t skip, char *err)
{
	struct jrn__lines lr;
	struct jrn__src *src;
	const char *line;
	char path[4096], opened[JRN_SEGNAME_LEN];
	uint64_t off;
	size_t len;
	int r = 0, first = 1, rc = DA_OK;

	if ((rc = jrn__src_open(&src, st->dirfd, dir, seg, opened, err)) != DA_OK)
		return rc;
	seg = opened;
	snprintf(path, sizeof(path), "%s/%s", dir, seg);
	if (jrn__lines_init(&lr, -1, VERIFY_CHUNK) != DA_OK) {
		jrn__src_close(src);
		return da_seterr(err, DA_E_NOMEM, "verify: out of memory");
	}
	lr.l_src = src;
	/* resuming inside a segment: its earlier lines were verified; the
	 * line ending at the checkpoint must still be its seal record */
	while (skip > 0 && (r = jrn__lines_next(&lr, &line, &len, &off)) == 1) {
		first = 0;
		if (off + len + 1 >= skip)
			break;
	}
	if (skip > 0) {
		unsigned char prev[JRN_HASH_LEN], h[JRN_HASH_LEN];
		const char *prev_hex;
		char why[96];
		uint64_t s;

		if (r != 1 || off + len + 1 != skip ||
		    jrn__line_frame(line, len, &s, &prev_hex, why) < 0 ||
		    s != st->expect - 1) {
			fail(st, JRN_V_MODIFIED, st->expect - 1, seg, r == 1 ? off :
			    jrn__lines_pos(&lr), "the verify checkpoint's seal "
			    "record (seq %llu, ending at byte %llu) is not there "
			    "any more: records up to it were changed or removed",
			    (unsigned long long)(st->expect - 1),
			    (unsigned long long)skip);
			goto done;
		}
		jrn__unhex(prev_hex, prev);
		jrn__md_step(&st->md, prev, line, len + 1, h);
		if (memcmp(h, st->h, JRN_HASH_LEN) != 0) {
			fail(st, JRN_V_MODIFIED, s, seg, off, "record %llu (the "
			    "verify checkpoint's seal) was changed since the "
			    "checkpoint", (unsigned long long)s);
			goto done;
		}
	}
	for (;;) {
		while (!st->done &&
		    (r = jrn__lines_next(&lr, &line, &len, &off)) == 1) {
			check_line(st, seg, first, line, len, off);
			first = 0;
		}
		if (st->done)
			break;
		if (r == -1 && errno == EBADMSG) {
			/* a damaged compressed segment: what it still gave
			 * was checked; the first seq it cannot give fails */
			if (st->pend != P_NONE)
				resolve(st, 0, NULL);
			else
				fail(st, JRN_V_COMPRESSED, st->expect, seg,
				    jrn__lines_pos(&lr), "compressed segment "
				    "damaged: seq %llu and later cannot be read "
				    "from %s (zstd: corrupt or truncated frame)",
				    (unsigned long long)st->expect, seg);
			break;
		}
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
done:
	st->res->bytes += lr.l_off + lr.l_end;
	jrn__lines_free(&lr);
	jrn__src_close(src);
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
	return jrn_verify_ex(dir, k0, NULL, res, err);
}

/* Index of the segment whose first seq is seq, or n. */
static size_t
seg_index(char **segs, size_t n, uint64_t seq)
{
	for (size_t i = 0; i < n; i++)
		if (jrn_segment_first_seq(segs[i]) == seq)
			return i;
	return n;
}

/* Where to begin: *i0 the first segment, *skip bytes into it.  0, or -1
 * after a failure. */
static int
choose_start(struct vstate *st, const unsigned char *k0,
    const struct jrn_verify_checkpoint *from, char **segs, size_t n,
    size_t *i0, uint64_t *skip)
{
	struct jrn_verify_result *res = st->res;
	uint64_t first = n > 0 ? jrn_segment_first_seq(segs[0]) : 1;
	char fp[JRN_SEAL_FP_LEN] = "";
	size_t i;

	*i0 = 0;
	*skip = 0;
	res->started = "genesis";
	if (k0 != NULL)
		jrn_seal_fingerprint(k0, fp);
	if (from != NULL && k0 != NULL && strcmp(fp, from->key_fp) == 0 &&
	    (i = seg_index(segs, n, jrn_segment_first_seq(from->segment))) < n) {
		*i0 = i;
		*skip = from->offset;
		st->expect = from->seq + 1;
		memcpy(st->h, from->head, JRN_HASH_LEN);
		for (uint64_t e = 0; e < from->epoch; e++)
			jrn_seal_evolve(st->key);
		st->next_epoch = from->epoch;
		res->started = "checkpoint";
		res->skipped_segments = i;
		return 0;
	}
	if (n == 0 || (first == 1 && (!st->anchored ||
	    seg_index(segs, n, st->anchor.seq + 1) == n)))
		return 0;
	if (!st->anchored) {
		fail(st, JRN_V_MISSING, 1, segs[0], 0, "missing range 1..%llu: "
		    "the oldest segment starts at seq %llu and there is no "
		    "journal.anchor (segments deleted, or pruned without one)",
		    (unsigned long long)(first - 1), (unsigned long long)first);
		return -1;
	}
	if ((i = seg_index(segs, n, st->anchor.seq + 1)) == n) {
		fail(st, JRN_V_ANCHOR, st->anchor.seq + 1, segs[0], 0,
		    "journal.anchor says seq 1..%llu were pruned, but no "
		    "segment starts at seq %llu (the oldest starts at %llu)",
		    (unsigned long long)st->anchor.seq,
		    (unsigned long long)(st->anchor.seq + 1),
		    (unsigned long long)first);
		return -1;
	}
	*i0 = i;	/* earlier ones: an interrupted prune's leftovers */
	st->expect = st->anchor.seq + 1;
	memcpy(st->h, st->anchor.head, JRN_HASH_LEN);
	if (st->anchor.has_epoch) {
		for (uint64_t e = 0; e < st->anchor.epoch; e++)
			jrn_seal_evolve(st->key);
		st->next_epoch = st->anchor.epoch;
	}
	res->started = "anchor";
	res->skipped_segments = i;
	return 0;
}

static int verify_once(const char *dir, const unsigned char *k0,
    const struct jrn_verify_checkpoint *from,
    struct jrn_verify_result *res, char *err);

int
jrn_verify_ex(const char *dir, const unsigned char *k0,
    const struct jrn_verify_checkpoint *from,
    struct jrn_verify_result *res, char *err)
{
	int rc, tries = 0;

	/* a segment that vanished between listing and opening was pruned
	 * meanwhile (retention in the running daemon): start over, from the
	 * new anchor */
	while ((rc = verify_once(dir, k0, from, res, err)) == DA_E_NOTFOUND &&
	    ++tries < 3 && jrn_meta_read(dir, NULL, NULL, NULL) == DA_OK)
		;
	return rc;
}

static int
verify_once(const char *dir, const unsigned char *k0,
    const struct jrn_verify_checkpoint *from,
    struct jrn_verify_result *res, char *err)
{
	struct vstate st;
	char **segs;
	size_t n, i0 = 0;
	uint64_t skip = 0;
	int rc, retries = 0;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	st.res = res;
	st.dirfd = -1;
	st.expect = 1;
	res->started = "genesis";
	if (k0 != NULL) {
		st.keyed = res->key_checked = 1;
		memcpy(st.key, k0, JRN_SEAL_KEY_LEN);
		jrn_seal_fingerprint(k0, res->cp.key_fp);
	}
	rc = jrn_meta_read(dir, NULL, st.h, err);
	if (rc == DA_E_CORRUPT) {
		fail(&st, JRN_V_META, 0, "", 0, "%.180s", err);
		jrn_hex(st.h, res->head);
		return DA_OK;
	}
	if (rc != DA_OK)
		return rc;
	rc = jrn_anchor_read(dir, &st.anchor, err);
	if (rc == DA_E_CORRUPT) {
		fail(&st, JRN_V_ANCHOR, 0, JRN_ANCHOR, 0, "%.180s", err);
		jrn_hex(st.h, res->head);
		return DA_OK;
	}
	if (rc != DA_OK && rc != DA_E_NOTFOUND)
		return rc;
	st.anchored = res->anchored = rc == DA_OK;
	res->anchor_seq = st.anchored ? st.anchor.seq : 0;
	err[0] = '\0';
	if ((st.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	if (jrn__md_init(&st.md) != DA_OK) {
		close(st.dirfd);
		return da_seterr(err, DA_E_NOMEM, "verify: out of memory");
	}
	res->ok = 1;
	/* the segments there now; a writer that rotates meanwhile only adds
	 * later ones, and chasing them could go on for ever */
	if ((rc = jrn_segments(dir, &segs, &n, err)) == DA_OK) {
		if (choose_start(&st, k0, from, segs, n, &i0, &skip) == 0) {
			st.last_seal_line = st.expect - 1;
			res->last_seq = st.expect - 1;
			if (strcmp(res->started, "checkpoint") == 0)
				res->last_sealed_seq = from->seq - 1;
		}
		if (!st.done)
			for (size_t i = i0; i < n && !st.done && rc == DA_OK; i++)
				rc = verify_segment(&st, dir, segs[i], i + 1 == n,
				    &retries, i == i0 ? skip : 0, err);
		jrn_segments_free(segs, n);
	}
	if (rc == DA_OK && !st.done && st.pend != P_NONE)
		resolve(&st, 0, NULL);
	if (rc == DA_OK && st.km_pend && !st.done) {
		/* Nothing else failed.  (Damage found after the first seal is
		 * certain and reported as such: a wrong k0 would not explain
		 * it.) */
		fail(&st, JRN_V_KEY, st.km_seq, st.km_seg, st.km_off, "key "
		    "mismatch: the first seal (seq %llu, epoch %llu) does not "
		    "verify with this key and no later seal does (wrong k0, "
		    "or everything up to the last seal was re-sealed)",
		    (unsigned long long)st.km_seq,
		    (unsigned long long)st.km_epoch);
	} else if (rc == DA_OK && st.km_pend && res->bad_seq > st.km_seq) {
		size_t l = strlen(res->why);

		snprintf(res->why + l, sizeof(res->why) - l, "; the first seal "
		    "(seq %llu) did not verify with this key either",
		    (unsigned long long)st.km_seq);
	}
	if (rc == DA_OK && res->ok && st.anchored &&
	    strcmp(res->started, "anchor") == 0 && !res->anchor_confirmed)
		fail(&st, JRN_V_ANCHOR, st.anchor.seq + 1, "journal.anchor", 0,
		    "journal.anchor (seq 1..%llu pruned) is not confirmed by "
		    "any journal.pruned record naming it: a forged anchor "
		    "file, or its prune record was removed",
		    (unsigned long long)st.anchor.seq);
	res->next_epoch = st.next_epoch;
	if (res->first_seq == 0 && res->ok)
		res->first_seq = st.expect;
	res->unsealed = res->last_seq > st.last_seal_line ?
	    res->last_seq - st.last_seal_line : 0;
	explicit_bzero(st.key, sizeof(st.key));
	jrn_hex(st.h, res->head);
	jrn__md_free(&st.md);
	close(st.dirfd);
	return rc;
}
