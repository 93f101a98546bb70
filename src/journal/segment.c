/* segment.c -- segment files: names, listing, creation, and the default
 * system-call table the writer uses for them.
 *
 * A segment is named by the seq of its first record as 16 lower-case hex
 * digits plus ".jsonl", so names sort like their seqs.  A new segment is
 * created with O_EXCL (never reopened by mistake) and the directory is
 * synced so the file survives a crash together with its records.  Anything
 * else in the directory (journal.meta, cursors/, *.cut files kept by
 * recovery) is not a segment and is ignored by the listing.  A closed
 * segment may be compressed to "<first>.jsonl.zst" (zseg.c); the listing
 * holds one name per segment, the .jsonl when both forms exist. */
#include <dirent.h>
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

static ssize_t
sys_write(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n);
}

static int
sys_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

const struct jrn_io jrn_io_default = {
	.write = sys_write,
	.fdatasync = fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
	.openat = sys_openat,
};

void
jrn__seg_name(uint64_t first_seq, char out[JRN_SEGNAME_LEN])
{
	snprintf(out, JRN_SEGNAME_LEN, "%016llx.jsonl",
	    (unsigned long long)first_seq);
}

uint64_t
jrn_segment_first_seq(const char *name)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return 0;
	}
	if (strcmp(name + 16, ".jsonl") != 0 &&
	    strcmp(name + 16, ".jsonl" JRN_ZST_SUFFIX) != 0)
		return 0;
	return v;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
jrn_segments(const char *dir, char ***names, size_t *count, char *err)
{
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*count = 0;
	if ((d = opendir(dir)) == NULL)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s: %s", dir, strerror(errno));
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (jrn_segment_first_seq(de->d_name) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	/* both forms of one segment (a compression under way or cut short):
	 * the .jsonl, which sorts first, is the one that counts */
	{
		size_t o = 0;

		for (size_t i = 0; i < n; i++) {
			if (o > 0 && jrn_segment_first_seq(v[i]) ==
			    jrn_segment_first_seq(v[o - 1]))
				free(v[i]);
			else
				v[o++] = v[i];
		}
		n = o;
	}
	*names = v;
	*count = n;
	return DA_OK;
nomem:
	closedir(d);
	jrn_segments_free(v, n);
	return da_seterr(err, DA_E_NOMEM, "listing %s: out of memory", dir);
}

void
jrn_segments_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* write() until done; EINTR and short writes are retried, a write that
 * makes no progress is an error (ENOSPC). */
int
jrn__write_all(const struct jrn_io *io, int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = io->write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
jrn__fsync_dir(const struct jrn_io *io, int dirfd)
{
	int rc;

	while ((rc = io->fsync(dirfd)) < 0 && errno == EINTR)
		;
	return rc;
}

/* Make first_seq's segment the current one.  The file is created with
 * O_EXCL; an existing empty file is taken over (left by an attempt whose
 * directory sync failed), anything else there is an error. */
int
jrn__seg_create(struct journal *j, uint64_t first_seq, char *err)
{
	const struct jrn_io *io = j->j_io;
	char name[JRN_SEGNAME_LEN];
	struct stat st;
	int fd;

	jrn__seg_name(first_seq, name);
	fd = io->openat(j->j_dirfd, name,
	    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | JRN_NOLINK, 0640);
	if (fd < 0 && errno == EEXIST) {
		/* O_EXCL refuses a link planted under the next name; so
		 * does taking over an empty file (O_NOFOLLOW, S_ISREG) */
		fd = io->openat(j->j_dirfd, name, O_WRONLY | O_APPEND |
		    JRN_NOLINK, 0);
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size != 0)) {
			close(fd);
			return da_seterr(err, DA_E_EXISTS,
			    "segment %s already exists and is not empty", name);
		}
	}
	if (fd < 0)
		return da_seterr(err, DA_E_IO, "creating segment %s/%s: %s",
		    j->j_dir, name, jrn__why(errno));
	(void)fchmod(fd, 0640);	/* whatever the umask */
	if (j->j_fsync && jrn__fsync_dir(io, j->j_dirfd) < 0) {
		int e = errno;

		close(fd);
		return da_seterr(err, DA_E_IO, "syncing %s after creating %s: %s",
		    j->j_dir, name, strerror(e));
	}
	if (j->j_segfd >= 0)
		close(j->j_segfd);
	j->j_segfd = fd;
	memcpy(j->j_segname, name, sizeof(name));
	j->j_seg_len = 0;
	j->j_seg_dirty = 0;
	j->j_seg_born = clock_now_ns();
	__atomic_store_n(&j->j_cur_first, first_seq, __ATOMIC_RELEASE);
	jrn__maint_kick(j);	/* the previous segment is closed now */
	return DA_OK;
}

int
jrn__lines_init(struct jrn__lines *l, int fd, size_t chunk)
{
	memset(l, 0, sizeof(*l));
	l->l_fd = fd;
	l->l_cap = chunk;
	if ((l->l_buf = malloc(chunk)) == NULL)
		return DA_E_NOMEM;
	return DA_OK;
}

void
jrn__lines_free(struct jrn__lines *l)
{
	free(l->l_buf);
	l->l_buf = NULL;
}

int
jrn__lines_next(struct jrn__lines *l, const char **line, size_t *len,
    uint64_t *off)
{
	for (;;) {
		char *s = l->l_buf + l->l_start;
		char *nl = memchr(s, '\n', l->l_end - l->l_start);
		ssize_t n;

		if (nl != NULL) {
			*line = s;
			*len = (size_t)(nl - s);
			*off = l->l_off + l->l_start;
			l->l_start += *len + 1;
			return 1;
		}
		if (l->l_end - l->l_start > JRN_MAX_LINE)
			return -2;
		if (l->l_start > 0) {
			memmove(l->l_buf, s, l->l_end - l->l_start);
			l->l_off += l->l_start;
			l->l_end -= l->l_start;
			l->l_start = 0;
		}
		if (l->l_end == l->l_cap) {
			size_t ncap = l->l_cap * 2;
			char *nb;

			if (ncap > JRN_MAX_LINE + 1)
				ncap = JRN_MAX_LINE + 1;
			if ((nb = realloc(l->l_buf, ncap)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			l->l_buf = nb;
			l->l_cap = ncap;
		}
		n = l->l_src != NULL ? jrn__src_read(l->l_src,
		    l->l_buf + l->l_end, l->l_cap - l->l_end) :
		    read(l->l_fd, l->l_buf + l->l_end, l->l_cap - l->l_end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		l->l_end += (size_t)n;
	}
}
