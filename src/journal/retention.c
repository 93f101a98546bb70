/* retention.c -- planning and carrying out prunes (see retention.h).
 *
 * The plan is computed from the directory alone (segment names, sizes and
 * mtimes, the cursor registry, the current anchor), so `dockaudit journal
 * prune --dry-run` and the daemon agree on what would go.  The anchor's
 * head is the prev of the first record kept (the chain's own statement of
 * h(S), which verify checks from there on); its epoch is that of the first
 * seal after S, or the running key's epoch when no seal follows yet. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "journal/internal.h"
#include "journal/retention.h"
#include "journal/seal.h"
#include "json/json.h"

struct seginfo {
	uint64_t	 first;
	uint64_t	 size;
	int64_t		 mtime_ns;
};

static int
stat_seg(int dirfd, const char *name, struct seginfo *si)
{
	char alt[JRN_SEGNAME_LEN];
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		jrn__seg_sibling(name, alt);
		if (fstatat(dirfd, alt, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
	}
	si->first = jrn_segment_first_seq(name);
	si->size = (uint64_t)st.st_size;
	si->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	return 0;
}

/* h(S) and the next seal's epoch, reading from segment segs[k] on. */
static int
anchor_of(const char *dir, int dirfd, char **segs, size_t n, size_t k,
    struct jrn_anchor *a, char *err)
{
	unsigned char key[JRN_SEAL_KEY_LEN], head[JRN_HASH_LEN], mac[JRN_HASH_LEN];
	char path[4096], why[96];
	uint64_t kepoch = 0, epoch, sseq;
	int have_key, first = 1, found = 0, rc = DA_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, JRN_SEAL_KEYFILE);
	/* before the scan: a seal written meanwhile is then seen by it */
	have_key = jrn_seal_key_load(path, JRN_KEY_NOLINK, &kepoch, key,
	    err) == DA_OK;
	explicit_bzero(key, sizeof(key));
	err[0] = '\0';
	a->seq = jrn_segment_first_seq(segs[k]) - 1;
	for (size_t i = k; i < n && !found && rc == DA_OK; i++) {
		struct jrn__lines l;
		struct jrn__src *src;
		const char *line, *prev_hex;
		uint64_t off, s;
		size_t len;

		if ((rc = jrn__src_open(&src, dirfd, dir, segs[i], NULL,
		    err)) != DA_OK)
			break;
		if (jrn__lines_init(&l, -1, JRN_READ_CHUNK) != DA_OK) {
			jrn__src_close(src);
			return da_seterr(err, DA_E_NOMEM, "prune: out of memory");
		}
		l.l_src = src;
		while (jrn__lines_next(&l, &line, &len, &off) == 1) {
			if (first) {
				if (jrn__line_frame(line, len, &s, &prev_hex,
				    why) < 0 || s != a->seq + 1) {
					rc = da_seterr(err, DA_E_CORRUPT, "%s/%s: "
					    "the first record is not seq %llu "
					    "(run dockaudit verify)", dir, segs[i],
					    (unsigned long long)(a->seq + 1));
					break;
				}
				jrn__unhex(prev_hex, a->head);
				first = 0;
			}
			if (jrn_seal_parse(line, len, &epoch, &sseq, head, mac,
			    why) == 1) {
				a->has_epoch = 1;
				a->epoch = epoch;
				found = 1;
				break;
			}
		}
		jrn__lines_free(&l);
		jrn__src_close(src);
	}
	if (rc == DA_OK && first)
		rc = da_seterr(err, DA_E_CORRUPT, "%s/%s: no record to anchor "
		    "on", dir, segs[k]);
	if (rc == DA_OK && !found && have_key) {
		a->has_epoch = 1;
		a->epoch = kepoch;
	}
	return rc;
}

void
jrn_prune_plan_free(struct jrn_prune_plan *p)
{
	jrn_segments_free(p->names, p->count);
	free(p->behind);
	free(p->cursors);
	memset(p, 0, sizeof(*p));
}

int
jrn_prune_plan_make(const char *dir, const struct jrn_retention *pol,
    int64_t now_ns, uint64_t protect, struct jrn_prune_plan *p, char *err)
{
	struct seginfo *si = NULL;
	struct jrn_anchor old;
	char **segs = NULL;
	size_t n = 0, k = 0, start = 0;
	uint64_t total = 0, minc = UINT64_MAX, target;
	int dirfd = -1, rc, forced = 0;

	memset(p, 0, sizeof(*p));
	if ((rc = jrn_segments(dir, &segs, &n, err)) != DA_OK)
		return rc;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((si = calloc(n + 1, sizeof(*si))) == NULL) {
		rc = da_seterr(err, DA_E_NOMEM, "prune: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (stat_seg(dirfd, segs[i], &si[i]) < 0) {
			rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, segs[i],
			    strerror(errno));
			goto out;
		}
		total += si[i].size;
	}
	p->total_before = p->total_after = total;
	if ((rc = jrn_cursor_list(dir, &p->cursors, &p->ncursors, err)) != DA_OK)
		goto out;
	for (size_t c = 0; c < p->ncursors; c++)
		if (p->cursors[c].seq < minc) {
			minc = p->cursors[c].seq;
			p->limit = &p->cursors[c];
		}
	/* an interrupted prune: segments wholly at or below the anchor */
	if (jrn_anchor_read(dir, &old, err) == DA_OK)
		while (start + 1 < n && si[start + 1].first <= old.seq + 1) {
			start++;
			p->leftovers++;
		}
	err[0] = '\0';
	if (protect == 0 && n > 0)
		protect = si[n - 1].first;
	target = pol->max_bytes ? pol->max_bytes : pol->hard_max_bytes;
	if (pol->hard_max_bytes && target > pol->hard_max_bytes)
		target = pol->hard_max_bytes;
	for (k = start; k + 1 < n && si[k].first < protect &&
	    si[k + 1].first <= protect; k++) {
		uint64_t last = si[k + 1].first - 1;
		int age = pol->max_age_ns > 0 &&
		    si[k].mtime_ns < now_ns - pol->max_age_ns;
		int size = pol->max_bytes > 0 && total > pol->max_bytes;
		int hard = pol->hard_max_bytes > 0 && total > pol->hard_max_bytes;
		const char *why = age ? "max_age" : size ? "max_bytes" :
		    "hard_max_bytes";

		if (forced ? total <= target : !(age || size || hard))
			break;
		if (!forced && p->limit != NULL && last > minc) {
			if (!hard)
				break;	/* the slowest cursor has not got there */
			forced = 1;
			why = "hard_max_bytes";
			if (total <= target)
				break;
		}
		if (forced)
			why = "hard_max_bytes";
		if (p->reason == NULL || forced)
			p->reason = why;
		total -= si[k].size;
		p->bytes += si[k].size;
		p->count++;
	}
	if (p->count == 0)
		goto out;
	p->forced = forced;
	p->total_after = total;
	p->first_seq = si[start].first;
	p->last_seq = si[k].first - 1;
	if ((p->names = calloc(p->count, sizeof(char *))) == NULL) {
		rc = da_seterr(err, DA_E_NOMEM, "prune: out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->count; i++)
		if ((p->names[i] = strdup(segs[start + i])) == NULL) {
			p->count = i;
			rc = da_seterr(err, DA_E_NOMEM, "prune: out of memory");
			goto out;
		}
	if ((p->behind = calloc(p->ncursors + 1, sizeof(*p->behind))) == NULL) {
		rc = da_seterr(err, DA_E_NOMEM, "prune: out of memory");
		goto out;
	}
	for (size_t c = 0; c < p->ncursors; c++)
		if (p->cursors[c].seq < p->last_seq)
			p->behind[p->nbehind++] = p->cursors[c];
	rc = anchor_of(dir, dirfd, segs, n, k, &p->anchor, err);
out:
	if (rc != DA_OK) {
		jrn_prune_plan_free(p);
	}
	if (dirfd >= 0)
		close(dirfd);
	free(si);
	jrn_segments_free(segs, n);
	return rc;
}

char *
jrn_prune_detail(const struct jrn_prune_plan *p)
{
	char hex[JRN_HEX_LEN];
	struct buf b;
	struct jw w;

	buf_init(&b, 1 << 20);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	if (p->forced)
		jw_str(&w, "level", "alert");
	jw_str(&w, "reason", p->reason);
	jw_obj_begin(&w, "removed");
	jw_uint(&w, "first_seq", p->first_seq);
	jw_uint(&w, "last_seq", p->last_seq);
	jw_uint(&w, "segments_count", p->count);
	jw_uint(&w, "bytes", p->bytes);
	jw_arr_begin(&w, "segments");
	for (size_t i = 0; i < p->count; i++)
		jw_str(&w, NULL, p->names[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_obj_begin(&w, "anchor");
	jw_uint(&w, "seq", p->anchor.seq);
	jrn_hex(p->anchor.head, hex);
	jw_str(&w, "head", hex);
	if (p->anchor.has_epoch)
		jw_uint(&w, "epoch", p->anchor.epoch);
	else
		jw_null(&w, "epoch");
	jw_obj_end(&w);
	jw_uint(&w, "bytes_before", p->total_before);
	jw_uint(&w, "bytes_after", p->total_after);
	jw_arr_begin(&w, "undelivered");
	for (size_t i = 0; i < p->nbehind; i++) {
		uint64_t from = p->behind[i].seq + 1;

		jw_obj_begin(&w, NULL);
		jw_str(&w, "cursor", p->behind[i].name);
		jw_uint(&w, "cursor_seq", p->behind[i].seq);
		jw_uint(&w, "lost_first_seq", from < p->first_seq ?
		    p->first_seq : from);
		jw_uint(&w, "lost_last_seq", p->last_seq);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (b.data == NULL) {
		buf_free(&b);
		return NULL;
	}
	return b.data;	/* the caller frees it */
}

/* Unlink names (oldest first), then sync the directory. */
static int
unlink_all(int dirfd, const char *dir, char **names, size_t n, char *err)
{
	char alt[JRN_SEGNAME_LEN];

	for (size_t i = 0; i < n; i++) {
		if (unlinkat(dirfd, names[i], 0) < 0 && errno != ENOENT)
			return da_seterr(err, DA_E_IO, "%s/%s: %s", dir, names[i],
			    strerror(errno));
		jrn__seg_sibling(names[i], alt);	/* a .zst leftover */
		(void)unlinkat(dirfd, alt, 0);
	}
	if (fsync(dirfd) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	return DA_OK;
}

/* Finish an interrupted prune: segments wholly at or below the anchor. */
static int
finish_leftovers(struct journal *j, char *err)
{
	struct jrn_anchor a;
	char **segs;
	size_t n, k = 0;
	int rc;

	if (jrn_anchor_read(j->j_dir, &a, err) != DA_OK) {
		err[0] = '\0';
		return DA_OK;
	}
	if ((rc = jrn_segments(j->j_dir, &segs, &n, err)) != DA_OK)
		return rc;
	while (k + 1 < n && jrn_segment_first_seq(segs[k + 1]) <= a.seq + 1)
		k++;
	if (k > 0) {
		log_info("journal %s: finishing an interrupted prune: %zu "
		    "segments at or below seq %llu", j->j_dir, k,
		    (unsigned long long)a.seq);
		rc = unlink_all(j->j_dirfd, j->j_dir, segs, k, err);
	}
	jrn_segments_free(segs, n);
	return rc;
}

int
jrn_prune_run(struct journal *j, const struct jrn_retention *pol,
    jrn_audit_fn audit, void *arg, size_t *pruned, char *err)
{
	struct jrn_prune_plan p;
	uint64_t ticket = 0, protect;
	char *detail;
	int rc;

	*pruned = 0;
	if ((rc = finish_leftovers(j, err)) != DA_OK)
		return rc;
	protect = __atomic_load_n(&j->j_cur_first, __ATOMIC_ACQUIRE);
	if ((rc = jrn_prune_plan_make(j->j_dir, pol, clock_now_ns(), protect,
	    &p, err)) != DA_OK)
		return rc;
	if (p.count == 0) {
		jrn_prune_plan_free(&p);
		return DA_OK;
	}
	if ((detail = jrn_prune_detail(&p)) == NULL) {
		jrn_prune_plan_free(&p);
		return da_seterr(err, DA_E_NOMEM, "prune: out of memory");
	}
	rc = audit(j, arg, "journal.pruned", p.forced ? "failure" : "success",
	    detail, &ticket);
	free(detail);
	if (rc != DA_OK) {
		jrn_prune_plan_free(&p);
		return da_seterr(err, rc, "prune: the journal.pruned record "
		    "could not be queued; nothing removed");
	}
	/* the record first: no segment goes without its durable account */
	while (jrn_durable(j) < ticket) {
		if (__atomic_load_n(&j->j_mclosing, __ATOMIC_ACQUIRE)) {
			jrn_prune_plan_free(&p);
			return da_seterr(err, DA_E_CLOSED, "prune: journal closing "
			    "before the prune record was durable; nothing "
			    "removed");
		}
		usleep(2000);
	}
	p.anchor.record_seq = ticket;
	if ((rc = jrn__anchor_write(j->j_dir, &p.anchor, err)) == DA_OK &&
	    (rc = unlink_all(j->j_dirfd, j->j_dir, p.names, p.count,
	    err)) == DA_OK) {
		*pruned = p.count;
		log_info("journal %s: pruned %zu segments, seq %llu..%llu (%s)%s",
		    j->j_dir, p.count, (unsigned long long)p.first_seq,
		    (unsigned long long)p.last_seq, p.reason, p.forced ?
		    "; ALERT: undelivered records of slow cursors dropped" : "");
	}
	jrn_prune_plan_free(&p);
	return rc;
}
