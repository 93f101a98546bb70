/* recover.c -- tail recovery when the journal is opened for appending.
 *
 * A crash can leave the newest segment with a torn tail: a last line
 * without its newline, zero-filled or garbage blocks past the last fsync.
 * jrn_open walks the newest segment line by line -- complete, framed, valid
 * JSON (json_parse), seq = previous + 1, prev = the running chain -- and
 * cuts the file at the first line that fails (ftruncate + fdatasync).  The
 * chain is seeded from the first record's own prev (earlier segments are
 * `verify`'s business), except in the segment starting at seq 1 whose first
 * prev must be the genesis.
 *
 * A broken chain or seq at line L is never a crash artifact (a torn write
 * leaves a short or garbled line, not a well-formed one with the wrong
 * prev): it means line L or line L-1 was altered, and nothing confirms
 * L-1, so the cut goes before L-1.  Otherwise a record altered in the
 * newest segment would be kept and chained on, and `verify` would pass.
 *
 * Nothing is destroyed: unless the cut bytes are all zero they are first
 * copied to "<segment>.cut-<offset>" (the segment itself is renamed so when
 * it holds no good line at all), so a tail cut by damage rather than by a
 * crash stays available as evidence.  When the newest segment holds no good
 * line the previous one becomes the newest and is walked the same way
 * (decompressed first if it was compressed).  Leftovers of interrupted
 * compressions are removed first (zseg.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "journal/internal.h"

struct scan {
	uint64_t	 expect;	/* seq the next line must carry */
	int		 chained;	/* h is known */
	unsigned char	 h[JRN_HASH_LEN];
	uint64_t	 good;		/* good lines */
	uint64_t	 good_len;	/* bytes up to the end of the last good line */
	uint64_t	 prev_len;	/* good_len before the last good line */
	unsigned char	 prev_h[JRN_HASH_LEN];	/* h before the last good line */
	char		 reason[128];
};

/* Check one complete line (len without '\n') against the scan state:
 * 0 good, -1 cut before it, -2 cut before the line preceding it too. */
static int
check_line(struct journal *j, struct scan *sc, const char *line, size_t len,
    const unsigned char genesis[JRN_HASH_LEN])
{
	unsigned char prev[JRN_HASH_LEN];
	const char *prev_hex;
	char why[96];
	uint64_t seq;

	if (jrn__line_frame(line, len, &seq, &prev_hex, why) < 0) {
		snprintf(sc->reason, sizeof(sc->reason), "seq %llu: record %s",
		    (unsigned long long)sc->expect, why);
		return -1;
	}
	if (!jrn__line_json_ok(line, len, why)) {
		snprintf(sc->reason, sizeof(sc->reason), "seq %llu: bad JSON: %s",
		    (unsigned long long)sc->expect, why);
		return -1;
	}
	if (seq != sc->expect) {
		snprintf(sc->reason, sizeof(sc->reason), "seq %llu expected, "
		    "found seq %llu%s", (unsigned long long)sc->expect,
		    (unsigned long long)seq, sc->good ? "; cut with the record "
		    "before it" : "");
		return sc->good ? -2 : -1;
	}
	jrn__unhex(prev_hex, prev);
	if (!sc->chained && seq != 1) {
		memcpy(sc->h, prev, JRN_HASH_LEN);	/* taken as given */
	} else if (memcmp(prev, sc->chained ? sc->h : genesis,
	    JRN_HASH_LEN) != 0) {
		snprintf(sc->reason, sizeof(sc->reason), "seq %llu: prev does "
		    "not match the chain%s", (unsigned long long)seq,
		    sc->chained ? "; cut with the record before it" :
		    " (genesis)");
		return sc->good ? -2 : -1;
	} else if (!sc->chained) {
		memcpy(sc->h, genesis, JRN_HASH_LEN);
	}
	memcpy(sc->prev_h, sc->h, JRN_HASH_LEN);
	jrn__md_step(&j->j_md, sc->h, line, len + 1, sc->h);
	sc->chained = 1;
	sc->good++;
	sc->expect = seq + 1;
	return 0;
}

/* Count lines in [from, to) and whether it is all zero bytes. */
static int
survey(int fd, uint64_t from, uint64_t to, uint64_t *lines, int *zero)
{
	char b[65536];
	int last_nl = 0;

	*lines = 0;
	*zero = 1;
	while (from < to) {
		size_t want = to - from < sizeof(b) ? (size_t)(to - from) : sizeof(b);
		ssize_t n = pread(fd, b, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (ssize_t i = 0; i < n; i++) {
			if (b[i] != 0)
				*zero = 0;
			if (b[i] == '\n')
				(*lines)++;
		}
		last_nl = b[n - 1] == '\n';
		from += (uint64_t)n;
	}
	if (!last_nl)
		(*lines)++;	/* the partial one */
	return 0;
}

/* Copy [from, to) of fd to dir/<out>. */
static int
save_bytes(struct journal *j, int fd, uint64_t from, uint64_t to,
    const char *out, char *err)
{
	char b[65536];
	int ofd;

	ofd = openat(j->j_dirfd, out, O_WRONLY | O_CREAT | O_TRUNC | JRN_NOLINK,
	    0640);
	if (ofd < 0)
		return da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, out,
		    strerror(errno));
	while (from < to) {
		size_t want = to - from < sizeof(b) ? (size_t)(to - from) : sizeof(b);
		ssize_t n = pread(fd, b, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || jrn__write_all(&jrn_io_default, ofd, b,
		    (size_t)n) < 0) {
			close(ofd);
			return da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, out,
			    n == 0 ? "short read" : strerror(errno));
		}
		from += (uint64_t)n;
	}
	if (fsync(ofd) < 0) {
		close(ofd);
		return da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, out,
		    strerror(errno));
	}
	close(ofd);
	return DA_OK;
}

static int64_t
born_ns(struct journal *j, const char *name)
{
	struct statx stx;

	if (statx(j->j_dirfd, name, 0, STATX_BTIME, &stx) == 0 &&
	    (stx.stx_mask & STATX_BTIME))
		return (int64_t)stx.stx_btime.tv_sec * 1000000000 +
		    stx.stx_btime.tv_nsec;
	return clock_now_ns();
}

/* Recover one segment.  On return *good says how many good lines it kept:
 * > 0 makes it the current segment; 0 means it is gone (emptied files are
 * removed, others renamed to <name>.cut-0). */
static int
recover_segment(struct journal *j, const char *name,
    const unsigned char genesis[JRN_HASH_LEN], struct jrn_recovery *rec,
    uint64_t *good, char *err)
{
	const struct jrn_io *io = j->j_io;
	struct jrn__lines lr;
	struct scan sc;
	struct stat st;
	const char *line;
	uint64_t off, size, dropped, lines;
	size_t len;
	char saved[64];
	int fd, r, zero, rc = DA_OK;

	*good = 0;
	memset(&sc, 0, sizeof(sc));
	sc.expect = jrn_segment_first_seq(name);
	if ((fd = io->openat(j->j_dirfd, name, O_RDWR | O_APPEND | JRN_NOLINK,
	    0)) < 0 || fstat(fd, &st) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, name,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	size = (uint64_t)st.st_size;
	if ((rc = jrn__lines_init(&lr, fd, JRN_READ_CHUNK)) != DA_OK) {
		close(fd);
		return da_seterr(err, rc, "recovery: out of memory");
	}
	while ((r = jrn__lines_next(&lr, &line, &len, &off)) == 1) {
		int c = check_line(j, &sc, line, len, genesis);

		if (c == -2) {	/* the line before is unconfirmed */
			sc.good--;
			sc.expect--;
			sc.good_len = sc.prev_len;
			memcpy(sc.h, sc.prev_h, JRN_HASH_LEN);
		}
		if (c < 0)
			break;
		sc.prev_len = sc.good_len;
		sc.good_len = off + len + 1;
	}
	if (r == -1) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, name,
		    strerror(errno));
	} else if (r == -2) {
		snprintf(sc.reason, sizeof(sc.reason), "seq %llu: record longer "
		    "than %u bytes", (unsigned long long)sc.expect, JRN_MAX_LINE);
	} else if (r == 0 && jrn__lines_partial(&lr) > 0) {
		snprintf(sc.reason, sizeof(sc.reason), "seq %llu: torn record "
		    "(%zu bytes, no newline)", (unsigned long long)sc.expect,
		    jrn__lines_partial(&lr));
	}
	jrn__lines_free(&lr);
	if (rc != DA_OK)
		goto out;

	/* size is as of open; nobody else appends (flock), so nothing past */
	dropped = size > sc.good_len ? size - sc.good_len : 0;
	saved[0] = '\0';
	if (dropped > 0) {
		if (survey(fd, sc.good_len, size, &lines, &zero) < 0) {
			rc = da_seterr(err, DA_E_IO, "%s/%s: rereading the tail",
			    j->j_dir, name);
			goto out;
		}
		if (!zero)
			snprintf(saved, sizeof(saved), "%s.cut-%llu", name,
			    (unsigned long long)sc.good_len);
		if (sc.good == 0) {
			/* nothing good: the whole file is the cut */
			if (zero ? unlinkat(j->j_dirfd, name, 0) :
			    renameat(j->j_dirfd, name, j->j_dirfd, saved)) {
				rc = da_seterr(err, DA_E_IO, "%s/%s: %s",
				    j->j_dir, name, strerror(errno));
				goto out;
			}
		} else {
			if (!zero && (rc = save_bytes(j, fd, sc.good_len, size,
			    saved, err)) != DA_OK)
				goto out;
			if (io->ftruncate(fd, (off_t)sc.good_len) < 0 ||
			    io->fdatasync(fd) < 0) {
				rc = da_seterr(err, DA_E_IO, "%s/%s: cutting the "
				    "tail: %s", j->j_dir, name, strerror(errno));
				goto out;
			}
		}
		if (jrn__fsync_dir(io, j->j_dirfd) < 0) {
			rc = da_seterr(err, DA_E_IO, "%s: %s", j->j_dir,
			    strerror(errno));
			goto out;
		}
		rec->dropped_bytes += dropped;
		rec->dropped_lines += lines;
		if (rec->reason[0] == '\0')
			snprintf(rec->reason, sizeof(rec->reason), "%s: %.96s", name,
			    sc.reason[0] ? sc.reason : "unreadable tail");
		if (saved[0] != '\0' && rec->saved[0] == '\0')
			memcpy(rec->saved, saved, sizeof(rec->saved));
	} else if (sc.good == 0) {
		/* empty: created by a rotation that wrote nothing */
		if (unlinkat(j->j_dirfd, name, 0) < 0 ||
		    jrn__fsync_dir(io, j->j_dirfd) < 0) {
			rc = da_seterr(err, DA_E_IO, "%s/%s: %s", j->j_dir, name,
			    strerror(errno));
			goto out;
		}
	}
	*good = sc.good;
	if (sc.good > 0) {
		j->j_segfd = fd;
		fd = -1;
		snprintf(j->j_segname, sizeof(j->j_segname), "%s", name);
		j->j_seg_len = sc.good_len;
		j->j_seg_born = born_ns(j, name);
		memcpy(j->j_head, sc.h, JRN_HASH_LEN);
		j->j_last_seq = sc.expect - 1;
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
jrn__recover(struct journal *j, const unsigned char genesis[JRN_HASH_LEN],
    struct jrn_recovery *rec, char *err)
{
	char **segs;
	size_t n;
	uint64_t good = 0;
	int rc;

	memcpy(j->j_head, genesis, JRN_HASH_LEN);
	j->j_last_seq = 0;
	if ((rc = jrn__zst_cleanup(j->j_dirfd, j->j_dir, err)) != DA_OK)
		return rc;
	if ((rc = jrn_segments(j->j_dir, &segs, &n, err)) != DA_OK)
		return rc;
	for (size_t i = n; i > 0 && good == 0; i--) {
		char plain[JRN_SEGNAME_LEN];

		if (jrn__is_zst(segs[i - 1])) {
			/* the newest segments held nothing good: appending
			 * goes on in this closed, compressed one */
			if ((rc = jrn__decompress_segment(j->j_dirfd, j->j_dir,
			    segs[i - 1], err)) != DA_OK)
				break;
			jrn__seg_sibling(segs[i - 1], plain);
			free(segs[i - 1]);
			if ((segs[i - 1] = strdup(plain)) == NULL) {
				rc = da_seterr(err, DA_E_NOMEM, "recovery: out "
				    "of memory");
				break;
			}
		}
		rc = recover_segment(j, segs[i - 1], genesis, rec, &good, err);
		if (rc != DA_OK)
			break;
	}
	jrn_segments_free(segs, n);
	rec->last_seq = j->j_last_seq;
	return rc;
}
