/* maint.c -- the journal's maintenance thread: compressing closed segments
 * and applying retention, off the writer's path.
 *
 * Started by jrn_open when compression or a retention limit is configured.
 * It wakes after every rotation (the writer kicks it) and every
 * maint_interval (default 60 s), compresses each closed .jsonl (every
 * segment before the one being written; the newest is never touched), then
 * runs a prune (retention.c).  The writer never waits for it: appends only
 * take j_mmu for the kick.  jrn_close stops it before the writer, so a
 * prune waiting for its record to become durable gives up without removing
 * anything. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "journal/internal.h"

#define MAINT_DEFAULT_NS	(60ll * 1000000000)
#define ZSTD_DEFAULT_LEVEL	3

static void
compress_closed(struct journal *j)
{
	char **segs, err[DA_ERRLEN];
	uint64_t cur = __atomic_load_n(&j->j_cur_first, __ATOMIC_ACQUIRE);
	uint64_t in, out;
	size_t n;

	if (cur == 0 || jrn_segments(j->j_dir, &segs, &n, err) != DA_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		if (__atomic_load_n(&j->j_mclosing, __ATOMIC_ACQUIRE))
			break;
		if (jrn__is_zst(segs[i]) || jrn_segment_first_seq(segs[i]) >= cur)
			continue;
		if (jrn__compress_segment(j->j_dirfd, j->j_dir, segs[i],
		    j->j_zlevel, &in, &out, err) != DA_OK) {
			if (strstr(err, "No such file") == NULL)	/* pruned */
				log_warnx("journal: compression: %s (the segment "
				    "stays uncompressed)", err);
			continue;
		}
		log_debug("journal %s: %s compressed, %llu -> %llu bytes",
		    j->j_dir, segs[i], (unsigned long long)in,
		    (unsigned long long)out);
	}
	jrn_segments_free(segs, n);
}

static void *
maint_main(void *arg)
{
	struct journal *j = arg;
	char err[DA_ERRLEN];
	sigset_t all;
	size_t pruned;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&j->j_mmu);
	for (;;) {
		if (!j->j_mkick && !__atomic_load_n(&j->j_mclosing,
		    __ATOMIC_ACQUIRE)) {
			int64_t deadline = clock_mono_ns() + j->j_maint_interval;
			struct timespec ts;

			ts.tv_sec = (time_t)(deadline / 1000000000);
			ts.tv_nsec = (long)(deadline % 1000000000);
			while (!j->j_mkick && !__atomic_load_n(&j->j_mclosing,
			    __ATOMIC_ACQUIRE) && clock_mono_ns() < deadline)
				pthread_cond_timedwait(&j->j_mcv, &j->j_mmu, &ts);
		}
		if (__atomic_load_n(&j->j_mclosing, __ATOMIC_ACQUIRE))
			break;
		j->j_mkick = 0;
		pthread_mutex_unlock(&j->j_mmu);
		if (j->j_compress == JRN_COMPRESS_ZSTD)
			compress_closed(j);
		if (j->j_retain && j->j_audit != NULL &&
		    !__atomic_load_n(&j->j_mclosing, __ATOMIC_ACQUIRE)) {
			err[0] = '\0';
			if (jrn_prune_run(j, &j->j_ret, j->j_audit, j->j_audit_arg,
			    &pruned, err) != DA_OK && err[0] != '\0')
				log_warnx("journal: retention: %s", err);
		}
		pthread_mutex_lock(&j->j_mmu);
	}
	pthread_mutex_unlock(&j->j_mmu);
	return NULL;
}

int
jrn__maint_start(struct journal *j, const struct jrn_opts *o, char *err)
{
	int rc;

	j->j_compress = o->compress;
	j->j_zlevel = o->compress_level > 0 ? o->compress_level :
	    ZSTD_DEFAULT_LEVEL;
	j->j_ret.max_age_ns = o->retention_max_age_ns;
	j->j_ret.max_bytes = o->retention_max_bytes;
	j->j_ret.hard_max_bytes = o->retention_hard_max_bytes;
	j->j_retain = o->retention_max_age_ns > 0 || o->retention_max_bytes > 0 ||
	    o->retention_hard_max_bytes > 0;
	j->j_maint_interval = o->maint_interval_ns > 0 ? o->maint_interval_ns :
	    MAINT_DEFAULT_NS;
	j->j_audit = o->audit;
	j->j_audit_arg = o->audit_arg;
	if (j->j_compress == JRN_COMPRESS_NONE && !j->j_retain)
		return DA_OK;
	if (j->j_retain && j->j_audit == NULL)
		return da_seterr(err, DA_E_INVAL, "journal: retention needs an "
		    "audit function for its journal.pruned records");
	j->j_mkick = 1;	/* a first round at once: earlier backlog */
	if ((rc = pthread_create(&j->j_mthread, NULL, maint_main, j)) != 0)
		return da_seterr(err, DA_E_IO, "journal maintenance thread: %s",
		    strerror(rc));
	__atomic_store_n(&j->j_mstarted, 1, __ATOMIC_RELEASE);
	return DA_OK;
}

void
jrn__maint_kick(struct journal *j)
{
	if (!__atomic_load_n(&j->j_mstarted, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&j->j_mmu);
	j->j_mkick = 1;
	pthread_cond_signal(&j->j_mcv);
	pthread_mutex_unlock(&j->j_mmu);
}

void
jrn__maint_stop(struct journal *j)
{
	__atomic_store_n(&j->j_mclosing, 1, __ATOMIC_RELEASE);
	if (!__atomic_load_n(&j->j_mstarted, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&j->j_mmu);
	pthread_cond_broadcast(&j->j_mcv);
	pthread_mutex_unlock(&j->j_mmu);
	pthread_join(j->j_mthread, NULL);
	__atomic_store_n(&j->j_mstarted, 0, __ATOMIC_RELEASE);
}
