/* reader.c -- sequential reading of committed records across segments.
 *
 * The reader opens segments in name (= seq) order and hands out complete
 * lines from a 1 MiB buffer that grows to JRN_MAX_LINE for a long record.
 * A partial last line is kept back: it is either being written or torn.
 * At the end of a segment the directory is listed again; while no newer
 * segment exists the reader answers DA_E_AGAIN and the next call simply
 * reads on (appended bytes show up in read()), which is how `tail -f`
 * follows.  Once a newer segment exists the current one is final: it is
 * read to its end once more, a partial line left there is reported as
 * DA_E_CORRUPT, and the reader moves on.  The seq comes from the fixed
 * line prefix {"v":1,"seq":N, -- no JSON parse on this path.  Compressed
 * segments (.jsonl.zst) read the same, decompressed as they stream; a
 * segment compressed or pruned between listing and opening is found under
 * its other name or skipped. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "journal/internal.h"
#include "journal/reader.h"

struct jrn_reader {
	char		*r_dir;
	uint64_t	 r_from;
	int		 r_fd;			/* 1: a segment is open, -1: none yet */
	int		 r_dirfd;
	struct jrn__src	*r_src;
	char		 r_seg[JRN_SEGNAME_LEN];	/* current ("" none) */
	char		 r_next[JRN_SEGNAME_LEN];	/* newer one, once seen */
	struct jrn__lines r_lines;
	uint64_t	 r_off;			/* offset of the last line */
};

/* Find the segment to read after r_seg (or, with none yet, the one that
 * holds r_from) into out.  1 found, 0 none, or an error. */
static int
find_next(struct jrn_reader *r, char out[JRN_SEGNAME_LEN], char *err)
{
	char **segs;
	size_t n, pick = 0;
	int rc, found = 0;

	if ((rc = jrn_segments(r->r_dir, &segs, &n, err)) != DA_OK)
		return -rc;
	if (r->r_seg[0] == '\0') {
		for (size_t i = 0; i < n; i++) {
			if (i == 0 || jrn_segment_first_seq(segs[i]) <= r->r_from) {
				pick = i;
				found = 1;
			}
		}
	} else {
		/* by seq: X.jsonl may have become X.jsonl.zst meanwhile */
		uint64_t cur = jrn_segment_first_seq(r->r_seg);

		for (size_t i = 0; i < n && !found; i++) {
			if (jrn_segment_first_seq(segs[i]) > cur) {
				pick = i;
				found = 1;
			}
		}
	}
	if (found)
		snprintf(out, JRN_SEGNAME_LEN, "%s", segs[pick]);
	jrn_segments_free(segs, n);
	return found;
}

static int
open_seg(struct jrn_reader *r, const char *name, char *err)
{
	struct jrn__src *src;
	char opened[JRN_SEGNAME_LEN];
	int rc;

	if ((rc = jrn__src_open(&src, r->r_dirfd, r->r_dir, name, opened,
	    err)) != DA_OK)
		return rc;	/* DA_E_NOTFOUND: pruned meanwhile */
	jrn__src_close(r->r_src);
	r->r_src = src;
	r->r_fd = 1;
	snprintf(r->r_seg, sizeof(r->r_seg), "%s", opened);
	r->r_next[0] = '\0';
	r->r_lines.l_src = src;
	r->r_lines.l_start = r->r_lines.l_end = 0;
	r->r_lines.l_off = 0;
	return DA_OK;
}

int
jrn_reader_open(struct jrn_reader **out, const char *dir, uint64_t from_seq,
    char *err)
{
	struct jrn_reader *r;
	char **segs;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = jrn_segments(dir, &segs, &n, err)) != DA_OK)
		return rc;	/* also checks the directory exists */
	jrn_segments_free(segs, n);
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->r_dir = strdup(dir)) == NULL ||
	    jrn__lines_init(&r->r_lines, -1, JRN_READ_CHUNK) != DA_OK) {
		if (r != NULL)
			free(r->r_dir);
		free(r);
		return da_seterr(err, DA_E_NOMEM, "reader: out of memory");
	}
	r->r_fd = -1;
	if ((r->r_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
		jrn__lines_free(&r->r_lines);
		free(r->r_dir);
		free(r);
		return rc;
	}
	r->r_from = from_seq ? from_seq : 1;
	*out = r;
	return DA_OK;
}

int
jrn_reader_next(struct jrn_reader *r, const char **line, size_t *len,
    uint64_t *seq, char *err)
{
	char name[JRN_SEGNAME_LEN];
	uint64_t off, s;
	int rc;

	for (;;) {
		if (r->r_fd < 0) {
			if ((rc = find_next(r, name, err)) < 0)
				return -rc;
			if (rc == 0)
				return DA_E_AGAIN;
			if ((rc = open_seg(r, name, err)) == DA_E_NOTFOUND)
				continue;
			if (rc != DA_OK)
				return rc;
		}
		rc = jrn__lines_next(&r->r_lines, line, len, &off);
		if (rc == 1) {
			if ((s = jrn__line_seq(*line, *len)) == 0)
				return da_seterr(err, DA_E_CORRUPT, "%s/%s byte "
				    "%llu: not a journal record", r->r_dir,
				    r->r_seg, (unsigned long long)off);
			if (s < r->r_from)
				continue;
			r->r_off = off;
			*seq = s;
			return DA_OK;
		}
		if (rc == -1)
			return da_seterr(err, DA_E_IO, "%s/%s: %s", r->r_dir,
			    r->r_seg, strerror(errno));
		if (rc == -2)
			return da_seterr(err, DA_E_CORRUPT, "%s/%s byte %llu: "
			    "record longer than %u bytes", r->r_dir, r->r_seg,
			    (unsigned long long)jrn__lines_pos(&r->r_lines),
			    JRN_MAX_LINE);
		/* end of the segment for now */
		if (r->r_next[0] == '\0') {
			if ((rc = find_next(r, r->r_next, err)) < 0)
				return -rc;
			if (rc == 0)
				return DA_E_AGAIN;
			continue;	/* final now: read to its real end */
		}
		if (jrn__lines_partial(&r->r_lines) > 0) {
			off = jrn__lines_pos(&r->r_lines);
			r->r_lines.l_start = r->r_lines.l_end;	/* skip it */
			return da_seterr(err, DA_E_CORRUPT, "%s/%s byte %llu: "
			    "segment ends inside a record", r->r_dir, r->r_seg,
			    (unsigned long long)off);
		}
		snprintf(name, sizeof(name), "%s", r->r_next);
		if ((rc = open_seg(r, name, err)) == DA_E_NOTFOUND) {
			snprintf(r->r_seg, sizeof(r->r_seg), "%s", name);
			r->r_next[0] = '\0';
			continue;	/* gone: look past it */
		}
		if (rc != DA_OK)
			return rc;
	}
}

const char *
jrn_reader_segment(const struct jrn_reader *r)
{
	return r->r_seg;
}

uint64_t
jrn_reader_offset(const struct jrn_reader *r)
{
	return r->r_off;
}

void
jrn_reader_close(struct jrn_reader *r)
{
	if (r == NULL)
		return;
	jrn__src_close(r->r_src);
	close(r->r_dirfd);
	jrn__lines_free(&r->r_lines);
	free(r->r_dir);
	free(r);
}
