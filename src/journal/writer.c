/* writer.c -- the journal's append path: submit queue, writer thread, group
 * commit, durability notification and write-failure handling.
 *
 * Producers (any thread) copy a record's members into a queue entry under
 * j_mu; the entry's seq is assigned there, so queue order is seq order and
 * the seq doubles as the caller's ticket.  One writer thread takes every
 * queued entry at once, builds the lines -- {"v":1,"seq":N,<members>,
 * "prev":"<hex h(N-1)>"}\n -- into one buffer while stepping the chain,
 * write()s it and calls fdatasync once, then publishes the highest durable
 * seq (atomic) and bumps an eventfd.  A batch is cut into several
 * write+sync units only at a segment rotation or past JRN_BATCH_MAX bytes.
 *
 * On a write or sync error the segment is truncated back to its last
 * durable length, the chain and seq are rolled back, the records stay
 * queued, health drops to 0 (eventfd bumped) and the writer retries every
 * second.  A retried line is byte-identical to the failed one (same members,
 * seq and prev), so bytes of a failed attempt that reappear after a crash
 * can never disagree with the rewrite. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "journal/internal.h"
#include "journal/seal.h"

#define RETRY_NS	1000000000ll	/* between attempts while failing */
#define CLOSE_TRIES	3		/* failed attempts before close gives up */

void
jrn_opts_default(struct jrn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->segment_max_bytes = JRN_DEFAULT_SEG_BYTES;
	o->segment_max_age_ns = JRN_DEFAULT_SEG_AGE;
	o->fsync = 1;
	o->queue_max = JRN_DEFAULT_QUEUE;
	o->seal_every = JRN_DEFAULT_SEAL_EVERY;
	o->seal_interval_ns = JRN_DEFAULT_SEAL_NS;
}

/* Queue a seal entry after everything queued so far (under j_mu, or before
 * the writer starts).  Its members are filled by the writer, which alone
 * knows the head it covers; its seq is reserved now, so tickets stay seqs. */
static int
queue_seal(struct journal *j, int urgent)
{
	struct jrn_entry *e;

	if ((e = malloc(sizeof(*e) + JRN_SEAL_CAP)) == NULL)
		return -1;	/* the next record or the timer tries again */
	memset(e, 0, sizeof(*e));
	e->e_seal = 1;
	e->e_seq = j->j_next_seq++;
	if (j->j_qhead == NULL)
		j->j_qborn = clock_mono_ns();
	*j->j_qtail = e;
	j->j_qtail = &e->e_next;
	j->j_queued++;
	j->j_unsealed = 0;
	j->j_seal_last = clock_mono_ns();
	if (urgent)
		j->j_urgent = 1;
	return 0;
}

/* Fill seal entry e, which follows the record whose hash is head, with the
 * key of the current epoch; then evolve the key (the old one is wiped).
 * Filled once: a retried write repeats the same bytes. */
static void
fill_seal(struct journal *j, struct jrn_entry *e,
    const unsigned char head[JRN_HASH_LEN])
{
	unsigned char mac[JRN_HASH_LEN];
	char id[JRN_ID_LEN], t[CLOCK_RFC3339_LEN], err[DA_ERRLEN];

	if (jrn__uuid(id, err) != DA_OK)
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012llx",
		    (unsigned long long)(e->e_seq & 0xffffffffffffull));
	clock_format(clock_now_ns(), t);
	jrn_seal_mac(j->j_skey, j->j_sepoch, e->e_seq - 1, head, mac);
	e->e_len = jrn_seal_members(e->e_data, JRN_SEAL_CAP, id, t,
	    j->j_sepoch, e->e_seq - 1, head, mac);
	e->e_epoch = j->j_sepoch;
	jrn_seal_evolve(j->j_skey);
	j->j_sepoch++;
	explicit_bzero(mac, sizeof(mac));
}

/* seal.key := the current key (k of j_sepoch).  Failures are logged once
 * until a rewrite succeeds again: meanwhile an older key stays on disk. */
static void
key_rewrite(struct journal *j)
{
	char kerr[DA_ERRLEN];

	if (jrn_seal_key_write(j->j_dirfd, j->j_dir, JRN_SEAL_KEYFILE,
	    j->j_sepoch, j->j_skey, kerr) != DA_OK) {
		if (!j->j_skey_failing)
			log_warnx("journal: sealing key not rewritten (the key "
			    "of epoch %llu stays on disk; retried after every "
			    "batch): %s", (unsigned long long)j->j_skey_disk,
			    kerr);
		j->j_skey_failing = 1;
		return;
	}
	if (j->j_skey_failing)
		log_info("journal: sealing key rewritten again (epoch %llu)",
		    (unsigned long long)j->j_sepoch);
	j->j_skey_failing = 0;
	j->j_skey_disk = j->j_sepoch;
}

static void
notify(struct journal *j)
{
	uint64_t one = 1;
	ssize_t n;

	/* EAGAIN means the counter is already huge: still readable. */
	do
		n = write(j->j_efd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

static int
datasync(const struct jrn_io *io, int fd)
{
	int rc;

	while ((rc = io->fdatasync(fd)) < 0 && errno == EINTR)
		;
	return rc;
}

static size_t
u64_digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static size_t
line_len(const struct jrn_entry *e)
{
	return JRN_LINE_PREFIX_LEN + u64_digits(e->e_seq) +
	    (e->e_len > 0 ? 1 + e->e_len : 0) + JRN_LINE_SUFFIX_LEN + 1;
}

/* Write e's line (line_len(e) bytes) at p, prev being h(seq-1). */
static void
build_line(char *p, const struct jrn_entry *e,
    const unsigned char prev[JRN_HASH_LEN])
{
	char hex[JRN_HEX_LEN];
	size_t nd = u64_digits(e->e_seq);
	uint64_t v = e->e_seq;

	memcpy(p, JRN_LINE_PREFIX, JRN_LINE_PREFIX_LEN);
	p += JRN_LINE_PREFIX_LEN;
	for (size_t i = nd; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	p += nd;
	if (e->e_len > 0) {
		*p++ = ',';
		memcpy(p, e->e_data, e->e_len);
		p += e->e_len;
	}
	memcpy(p, JRN_LINE_PREV, JRN_LINE_PREV_LEN);
	p += JRN_LINE_PREV_LEN;
	jrn_hex(prev, hex);
	memcpy(p, hex, 64);
	p += 64;
	memcpy(p, "\"}\n", 3);
}

static void
set_health(struct journal *j, int ok)
{
	__atomic_store_n(&j->j_healthy, ok, __ATOMIC_RELEASE);
	notify(j);
}

/* Cut the current segment back to its durable length. */
static int
cut_back(struct journal *j, char *err)
{
	if (j->j_io->ftruncate(j->j_segfd, (off_t)j->j_seg_len) < 0) {
		if (err != NULL)
			da_seterr(err, DA_E_IO, "%s/%s: truncating to %llu: %s",
			    j->j_dir, j->j_segname,
			    (unsigned long long)j->j_seg_len, strerror(errno));
		return -1;
	}
	j->j_seg_dirty = 0;
	return 0;
}

/* Make everything in the pending list durable.  Returns 0, or -1 with err
 * set; records made durable before a failure are published and freed. */
static int
write_pending(struct journal *j, char *err)
{
	const struct jrn_io *io = j->j_io;
	struct jrn_entry *e, *first, *last;
	unsigned char h[JRN_HASH_LEN];
	uint64_t seq, k, unit_epoch;
	int unit_sealed;

	if (j->j_seg_dirty && cut_back(j, err) < 0)
		return -1;
	if (j->j_segfd >= 0 && j->j_seg_len > 0 && j->j_seg_max_age > 0 &&
	    j->j_phead != NULL &&
	    clock_now_ns() - j->j_seg_born >= j->j_seg_max_age &&
	    jrn__seg_create(j, j->j_phead->e_seq, err) != DA_OK)
		return -1;
	e = j->j_phead;
	while (e != NULL) {
		buf_reset(&j->j_wbuf);
		memcpy(h, j->j_head, JRN_HASH_LEN);
		seq = j->j_last_seq;
		last = NULL;
		k = 0;
		unit_sealed = 0;
		unit_epoch = 0;
		for (; e != NULL; e = e->e_next) {
			size_t ll, used = j->j_seg_len + j->j_wbuf.len;
			char *p;

			if (e->e_seal && e->e_len == 0 && e->e_seq == seq + 1)
				fill_seal(j, e, h);
			ll = line_len(e);

			if (j->j_segfd < 0 ||
			    (used > 0 && used + ll > j->j_seg_max)) {
				if (j->j_wbuf.len > 0)
					break;	/* sync this part first */
				if (jrn__seg_create(j, e->e_seq, err) != DA_OK)
					return -1;
			}
			if (j->j_wbuf.len > 0 && j->j_wbuf.len + ll > JRN_BATCH_MAX)
				break;
			if (e->e_seq != seq + 1)
				fatalx("journal: seq %llu queued after %llu",
				    (unsigned long long)e->e_seq,
				    (unsigned long long)seq);
			if (buf_reserve(&j->j_wbuf, ll) != DA_OK) {
				da_seterr(err, DA_E_NOMEM, "journal batch buffer");
				return -1;
			}
			p = j->j_wbuf.data + j->j_wbuf.len;
			build_line(p, e, h);
			j->j_wbuf.len += ll;
			jrn__md_step(&j->j_md, h, p, ll, h);
			if (e->e_seal) {
				unit_sealed = 1;
				unit_epoch = e->e_epoch;
			}
			seq = e->e_seq;
			last = e;
			k++;
		}
		if (jrn__write_all(io, j->j_segfd, j->j_wbuf.data,
		    j->j_wbuf.len) < 0 ||
		    (j->j_fsync && datasync(io, j->j_segfd) < 0)) {
			da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir,
			    j->j_segname, strerror(errno));
			j->j_seg_dirty = 1;
			(void)cut_back(j, NULL);
			return -1;
		}
		if (!__atomic_load_n(&j->j_healthy, __ATOMIC_ACQUIRE)) {
			/* before durable moves, so a waiter sees both */
			log_info("journal: writing again after failures");
			set_health(j, 1);
		}
		j->j_seg_len += j->j_wbuf.len;
		memcpy(j->j_head, h, JRN_HASH_LEN);
		j->j_last_seq = seq;
		/* The seal is durable: now the key file may move on.  Never
		 * ahead of the journal (a seal lost in a crash would leave an
		 * epoch gap); if it lags, jrn_open catches it up.  A failed
		 * rewrite is retried after every later batch. */
		if (unit_sealed)
			j->j_sealed_next = unit_epoch + 1;
		if (j->j_seal && j->j_skey_disk < j->j_sealed_next &&
		    j->j_sepoch == j->j_sealed_next)
			key_rewrite(j);
		first = j->j_phead;
		j->j_phead = last->e_next;
		if (j->j_phead == NULL)
			j->j_ptail = &j->j_phead;
		last->e_next = NULL;

		pthread_mutex_lock(&j->j_mu);
		j->j_queued -= k;
		j->j_records += k;
		j->j_bytes += j->j_wbuf.len;
		j->j_batches++;
		pthread_mutex_unlock(&j->j_mu);
		__atomic_store_n(&j->j_durable, seq, __ATOMIC_RELEASE);
		notify(j);
		while (first != NULL) {
			struct jrn_entry *next = first->e_next;

			free(first);
			first = next;
		}
	}
	return 0;
}

static void *
writer_main(void *arg)
{
	struct journal *j = arg;
	char err[DA_ERRLEN];
	int close_fails = 0;
	sigset_t all;

	sigfillset(&all);	/* signals belong to the main thread */
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	pthread_mutex_lock(&j->j_mu);
	for (;;) {
		while (j->j_qhead == NULL && j->j_phead == NULL && !j->j_closing) {
			if (j->j_seal && j->j_unsealed > 0) {
				/* records since the last seal: seal them in time */
				int64_t deadline = j->j_seal_last +
				    j->j_seal_interval;
				struct timespec ts;

				if (clock_mono_ns() >= deadline) {
					if (queue_seal(j, 1) == 0)
						break;
					/* no memory: try again later */
					deadline = clock_mono_ns() + RETRY_NS;
				}
				ts.tv_sec = (time_t)(deadline / 1000000000);
				ts.tv_nsec = (long)(deadline % 1000000000);
				pthread_cond_timedwait(&j->j_cv, &j->j_mu, &ts);
			} else
				pthread_cond_wait(&j->j_cv, &j->j_mu);
		}
		if (j->j_qhead == NULL && j->j_phead == NULL) {
			/* closing: seal the last records, then stop */
			if (j->j_closing && j->j_seal && j->j_unsealed > 0 &&
			    queue_seal(j, 1) == 0)
				continue;
			break;
		}
		/* Only lazy records queued: let more join the batch, until
		 * the delay is up or someone needs durability. */
		if (j->j_qhead != NULL && j->j_phead == NULL && !j->j_urgent &&
		    !j->j_closing && j->j_commit_delay > 0) {
			int64_t deadline = j->j_qborn + j->j_commit_delay;
			struct timespec ts;

			ts.tv_sec = (time_t)(deadline / 1000000000);
			ts.tv_nsec = (long)(deadline % 1000000000);
			while (!j->j_urgent && !j->j_closing &&
			    clock_mono_ns() < deadline)
				pthread_cond_timedwait(&j->j_cv, &j->j_mu, &ts);
		}
		if (j->j_seal && j->j_unsealed > 0 && j->j_qhead != NULL &&
		    clock_mono_ns() >= j->j_seal_last + j->j_seal_interval)
			(void)queue_seal(j, 1);
		j->j_urgent = 0;
		if (j->j_qhead != NULL) {
			*j->j_ptail = j->j_qhead;
			j->j_ptail = j->j_qtail;
			j->j_qhead = NULL;
			j->j_qtail = &j->j_qhead;
		}
		pthread_mutex_unlock(&j->j_mu);
		err[0] = '\0';
		if (write_pending(j, err) == 0) {
			/* A burst grew the batch buffer: give it back. */
			if (j->j_wbuf.cap > JRN_WBUF_KEEP)
				buf_free(&j->j_wbuf);
			/* health was restored on the way */
			pthread_mutex_lock(&j->j_mu);
			continue;
		}
		pthread_mutex_lock(&j->j_mu);
		j->j_write_errors++;
		if (__atomic_load_n(&j->j_healthy, __ATOMIC_ACQUIRE)) {
			log_warnx("journal: %s; records stay queued, retrying "
			    "every second", err);
			set_health(j, 0);
		}
		if (j->j_closing && ++close_fails >= CLOSE_TRIES)
			break;
		{
			int64_t deadline = clock_mono_ns() + RETRY_NS;
			int was_closing = j->j_closing;
			struct timespec ts;

			ts.tv_sec = (time_t)(deadline / 1000000000);
			ts.tv_nsec = (long)(deadline % 1000000000);
			/* submits signal j_cv too: keep waiting till the deadline */
			while (clock_mono_ns() < deadline &&
			    j->j_closing == was_closing)
				pthread_cond_timedwait(&j->j_cv, &j->j_mu, &ts);
		}
	}
	pthread_mutex_unlock(&j->j_mu);
	if (!j->j_fsync && j->j_segfd >= 0)
		(void)datasync(j->j_io, j->j_segfd);
	return NULL;
}

static void
destroy(struct journal *j)
{
	struct jrn_entry *lists[2] = { j->j_qhead, j->j_phead };
	uint64_t lost = 0;

	for (int i = 0; i < 2; i++) {
		for (struct jrn_entry *e = lists[i], *next; e != NULL; e = next) {
			next = e->e_next;
			free(e);
			lost++;
		}
	}
	if (lost > 0)
		log_warnx("journal: closed with %llu records not written",
		    (unsigned long long)lost);
	if (j->j_segfd >= 0)
		close(j->j_segfd);
	if (j->j_efd >= 0)
		close(j->j_efd);
	if (j->j_dirfd >= 0)
		close(j->j_dirfd);
	jrn__md_free(&j->j_md);
	explicit_bzero(j->j_skey, sizeof(j->j_skey));
	buf_free(&j->j_wbuf);
	pthread_cond_destroy(&j->j_cv);
	pthread_mutex_destroy(&j->j_mu);
	pthread_cond_destroy(&j->j_mcv);
	pthread_mutex_destroy(&j->j_mmu);
	free(j->j_dir);
	free(j);
}

/* The newest seal in segment name (read up to limit bytes): *have, its
 * epoch, and whether the last line read is a seal and limit was reached. */
static int
scan_seals(struct journal *j, const char *name, uint64_t limit, int *have,
    uint64_t *epoch, int *last_is_seal, char *err)
{
	unsigned char head[JRN_HASH_LEN], mac[JRN_HASH_LEN];
	struct jrn__lines l;
	char path[4096], why[96];
	uint64_t e, off, sseq, covered = 0;
	const char *line;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", j->j_dir, name);
	if ((fd = open(path, O_RDONLY | JRN_NOLINK)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", path, jrn__why(errno));
	if (jrn__lines_init(&l, fd, JRN_READ_CHUNK) != DA_OK) {
		close(fd);
		return da_seterr(err, DA_E_NOMEM, "journal: out of memory");
	}
	*last_is_seal = 0;
	while (jrn__lines_next(&l, &line, &len, &off) == 1 &&
	    off + len < limit) {
		int r = jrn_seal_parse(line, len, &e, &sseq, head, mac, why);

		covered = off + len + 1;
		*last_is_seal = r == 1;
		if (r == 1) {
			*have = 1;
			*epoch = e;
		}
	}
	jrn__lines_free(&l);
	close(fd);
	if (covered != limit)
		*last_is_seal = 0;	/* not read to the end: seal anyway */
	return DA_OK;
}

/* Load the sealing key (none: no seals, said once).  Then find the newest
 * seal (newest segment first, older ones while none is found): one with
 * an epoch the key file has not passed (a crash between the seal's
 * fdatasync and the key rewrite, or rewrites that failed) moves the key
 * on; a tail that does not end with a seal is sealed right away. */
static int
seal_setup(struct journal *j, char *err)
{
	char path[4096], **segs;
	uint64_t epoch, last_epoch = 0;
	size_t nsegs;
	int rc, have = 0, last_is_seal = 0, dummy;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", j->j_dir,
	    JRN_SEAL_KEYFILE) >= sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", j->j_dir);
	rc = jrn_seal_key_load(path, JRN_KEY_OWNER | JRN_KEY_NOLINK, &epoch,
	    j->j_skey, err);
	if (rc == DA_E_NOTFOUND) {
		log_warnx("journal %s: no %s (a journal made before sealing): "
		    "writing without seals", j->j_dir, JRN_SEAL_KEYFILE);
		err[0] = '\0';
		return DA_OK;
	}
	if (rc != DA_OK)
		return rc;
	j->j_seal = 1;
	j->j_sepoch = epoch;
	if (j->j_segfd >= 0 && (rc = scan_seals(j, j->j_segname, j->j_seg_len,
	    &have, &last_epoch, &last_is_seal, err)) != DA_OK)
		return rc;
	if (j->j_segfd >= 0 && !have) {
		if ((rc = jrn_segments(j->j_dir, &segs, &nsegs, err)) != DA_OK)
			return rc;
		for (size_t i = nsegs; i > 0 && !have && rc == DA_OK; i--)
			if (strcmp(segs[i - 1], j->j_segname) < 0)
				rc = scan_seals(j, segs[i - 1], UINT64_MAX, &have,
				    &last_epoch, &dummy, err);
		jrn_segments_free(segs, nsegs);
		if (rc != DA_OK)
			return rc;
	}
	if (have && last_epoch >= j->j_sepoch + 1000000) {
		/* not a crash window: someone wrote that seal */
		log_warnx("journal %s: the newest seal has epoch %llu but %s is "
		    "at epoch %llu; not evolving the key that far (verify will "
		    "report the epoch gap)", j->j_dir,
		    (unsigned long long)last_epoch, JRN_SEAL_KEYFILE,
		    (unsigned long long)j->j_sepoch);
	} else if (have && last_epoch >= j->j_sepoch) {
		char kerr[DA_ERRLEN];

		while (j->j_sepoch <= last_epoch) {
			jrn_seal_evolve(j->j_skey);
			j->j_sepoch++;
		}
		if (jrn_seal_key_write(j->j_dirfd, j->j_dir, JRN_SEAL_KEYFILE,
		    j->j_sepoch, j->j_skey, kerr) != DA_OK)
			log_warnx("journal: sealing key not rewritten: %s", kerr);
		else
			epoch = j->j_sepoch;
	}
	j->j_skey_disk = epoch;		/* behind: retried after a batch */
	j->j_sealed_next = j->j_sepoch;
	if (j->j_last_seq > 0 && !last_is_seal)
		j->j_unsealed = 1;
	return DA_OK;
}

int
jrn_open(struct journal **out, const struct jrn_opts *opts,
    struct jrn_recovery *rec, char *err)
{
	unsigned char genesis[JRN_HASH_LEN];
	struct jrn_recovery dummy;
	pthread_condattr_t ca;
	struct journal *j;
	int rc;

	*out = NULL;
	if (rec == NULL)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if (opts == NULL || opts->dir == NULL)
		return da_seterr(err, DA_E_INVAL, "journal: no directory");
	if ((rc = jrn_meta_read(opts->dir, NULL, genesis, err)) != DA_OK)
		return rc;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return da_seterr(err, DA_E_NOMEM, "journal: out of memory");
	j->j_dirfd = j->j_efd = j->j_segfd = -1;
	pthread_mutex_init(&j->j_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->j_cv, &ca);
	pthread_cond_init(&j->j_mcv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&j->j_mmu, NULL);
	j->j_qtail = &j->j_qhead;
	j->j_ptail = &j->j_phead;
	j->j_io = opts->io != NULL ? opts->io : &jrn_io_default;
	j->j_seg_max = opts->segment_max_bytes ? opts->segment_max_bytes :
	    JRN_DEFAULT_SEG_BYTES;
	j->j_seg_max_age = opts->segment_max_age_ns > 0 ?
	    opts->segment_max_age_ns : 0;
	j->j_fsync = opts->fsync != 0;
	j->j_queue_max = opts->queue_max ? opts->queue_max : JRN_DEFAULT_QUEUE;
	j->j_commit_delay = opts->commit_delay_ns < 0 ? 0 :
	    opts->commit_delay_ns ? opts->commit_delay_ns : JRN_DEFAULT_COMMIT_DELAY;
	buf_init(&j->j_wbuf, JRN_BATCH_MAX + JRN_MAX_LINE + 1);

	if ((j->j_dir = strdup(opts->dir)) == NULL ||
	    jrn__md_init(&j->j_md) != DA_OK) {
		rc = da_seterr(err, DA_E_NOMEM, "journal: out of memory");
		goto fail;
	}
	if ((j->j_dirfd = open(j->j_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s: %s", j->j_dir, strerror(errno));
		goto fail;
	}
	if (flock(j->j_dirfd, LOCK_EX | LOCK_NB) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s: %s", j->j_dir,
		    errno == EWOULDBLOCK ? "journal is open in another process "
		    "(or elsewhere in this one)" : strerror(errno));
		goto fail;
	}
	if ((j->j_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		rc = da_seterr(err, DA_E_IO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((rc = jrn__recover(j, genesis, rec, err)) != DA_OK)
		goto fail;
	j->j_seal_every = opts->seal_every ? opts->seal_every :
	    JRN_DEFAULT_SEAL_EVERY;
	j->j_seal_interval = opts->seal_interval_ns > 0 ?
	    opts->seal_interval_ns : JRN_DEFAULT_SEAL_NS;
	if ((rc = seal_setup(j, err)) != DA_OK)
		goto fail;
	j->j_next_seq = j->j_last_seq + 1;
	j->j_durable = j->j_last_seq;
	j->j_healthy = 1;
	j->j_seal_last = clock_mono_ns();
	/* after recovery: seal a tail that ended unsealed at once */
	if (j->j_seal && j->j_unsealed > 0)
		(void)queue_seal(j, 1);
	if ((rc = pthread_create(&j->j_thread, NULL, writer_main, j)) != 0) {
		rc = da_seterr(err, DA_E_IO, "journal writer thread: %s",
		    strerror(rc));
		goto fail;
	}
	j->j_started = 1;
	if (j->j_segfd >= 0)
		j->j_cur_first = jrn_segment_first_seq(j->j_segname);
	if ((rc = jrn__maint_start(j, opts, err)) != DA_OK) {
		jrn_close(j);
		return rc;
	}
	*out = j;
	return DA_OK;
fail:
	destroy(j);
	return rc;
}

void
jrn_close(struct journal *j)
{
	if (j == NULL)
		return;
	jrn__maint_stop(j);	/* before the writer: a prune may wait on it */
	if (j->j_started) {
		pthread_mutex_lock(&j->j_mu);
		j->j_closing = 1;
		pthread_cond_broadcast(&j->j_cv);
		pthread_mutex_unlock(&j->j_mu);
		pthread_join(j->j_thread, NULL);
	}
	destroy(j);
}

static int
submit(struct journal *j, const char *members, size_t n, int lazy,
    uint64_t *ticket)
{
	struct jrn_entry *e;
	uint64_t seq;
	int was_empty;

	if (n > JRN_MAX_LINE - (JRN_LINE_PREFIX_LEN + 21 + JRN_LINE_SUFFIX_LEN))
		return DA_E_TOOBIG;
	if (n > 0 && memchr(members, '\n', n) != NULL)
		return DA_E_INVAL;
	/* a bad line would be cut by recovery, with the good ones after it */
	if (jrn__json_scan(members, n, 1, NULL) != 0)
		return DA_E_PARSE;
	if ((e = malloc(sizeof(*e) + n)) == NULL)
		return DA_E_NOMEM;
	e->e_next = NULL;
	e->e_len = n;
	e->e_seal = 0;
	if (n > 0)
		memcpy(e->e_data, members, n);

	pthread_mutex_lock(&j->j_mu);
	if (j->j_closing || j->j_queued >= j->j_queue_max) {
		int rc = j->j_closing ? DA_E_CLOSED : DA_E_TOOBIG;

		pthread_mutex_unlock(&j->j_mu);
		free(e);
		return rc;
	}
	e->e_seq = seq = j->j_next_seq++;
	was_empty = j->j_qhead == NULL;
	*j->j_qtail = e;
	j->j_qtail = &e->e_next;
	j->j_queued++;
	if (was_empty)
		j->j_qborn = clock_mono_ns();
	if (!lazy)
		j->j_urgent = 1;
	if (j->j_seal && ++j->j_unsealed >= j->j_seal_every)
		(void)queue_seal(j, 0);
	if (was_empty || !lazy)
		pthread_cond_signal(&j->j_cv);
	pthread_mutex_unlock(&j->j_mu);
	if (ticket != NULL)
		*ticket = seq;	/* e may be written and freed by now */
	return DA_OK;
}

int
jrn_submit(struct journal *j, const char *members, size_t n, uint64_t *ticket)
{
	return submit(j, members, n, 0, ticket);
}

int
jrn_submit_lazy(struct journal *j, const char *members, size_t n,
    uint64_t *ticket)
{
	return submit(j, members, n, 1, ticket);
}

uint64_t
jrn_durable(const struct journal *j)
{
	return __atomic_load_n(&j->j_durable, __ATOMIC_ACQUIRE);
}

int
jrn_notify_fd(const struct journal *j)
{
	return j->j_efd;
}

int
jrn_healthy(const struct journal *j)
{
	return __atomic_load_n(&j->j_healthy, __ATOMIC_ACQUIRE);
}

void
jrn_get_stats(const struct journal *j, struct jrn_stats *st)
{
	struct journal *mj = (struct journal *)(uintptr_t)j;	/* the lock */

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&mj->j_mu);
	st->records = j->j_records;
	st->bytes = j->j_bytes;
	st->batches = j->j_batches;
	st->write_errors = j->j_write_errors;
	st->queued = j->j_queued;
	pthread_mutex_unlock(&mj->j_mu);
	st->last_seq = jrn_durable(j);
	st->healthy = jrn_healthy(j);
}
