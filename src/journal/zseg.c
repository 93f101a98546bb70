/* zseg.c -- compressed segments: reading a segment's bytes whatever its
 * form, and turning a closed "<first>.jsonl" into "<first>.jsonl.zst".
 *
 * A closed segment may be stored as one zstd frame (with zstd's content
 * checksum).  Everything that reads segments goes through struct jrn__src:
 * read() gives the plain bytes of a .jsonl, or the decompressed stream of a
 * .jsonl.zst with bounded memory (zstd's streaming buffers plus one input
 * chunk), so offsets reported for a .zst are offsets in the decompressed
 * stream.  A damaged frame reads as an error with errno EBADMSG.
 *
 * Compression is crash-safe by ordering: write "<name>.zst.tmp", fsync,
 * check it decompresses to exactly the source length, give it the source's
 * mtime (retention ages segments by it), rename to "<name>.zst", fsync the
 * directory, unlink "<name>", fsync the directory.  Whatever a crash leaves:
 * a ".tmp" is discarded, and when both forms exist the .jsonl wins and the
 * .zst is removed (jrn__zst_cleanup) and made again later. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "base/err.h"
#include "journal/internal.h"

#define ZIN_CHUNK	(128u << 10)

struct jrn__src {
	int		 fd;
	ZSTD_DStream	*ds;		/* NULL: a plain segment */
	char		*in;
	size_t		 in_len, in_pos;
	int		 in_eof;
	size_t		 hint;		/* last ZSTD_decompressStream result: 0 = frame done */
	int		 started;	/* some input was consumed */
};

int
jrn__is_zst(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, JRN_ZST_SUFFIX) == 0;
}

/* The other form of a segment name: X.jsonl <-> X.jsonl.zst. */
void
jrn__seg_sibling(const char *name, char out[JRN_SEGNAME_LEN])
{
	size_t n = strlen(name);

	if (jrn__is_zst(name))
		snprintf(out, JRN_SEGNAME_LEN, "%.*s", (int)(n - 4), name);
	else
		snprintf(out, JRN_SEGNAME_LEN, "%s%s", name, JRN_ZST_SUFFIX);
}

struct jrn__src *
jrn__src_fd(int fd, int zst)
{
	struct jrn__src *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->fd = fd;
	s->hint = 1;
	if (zst) {
		if ((s->ds = ZSTD_createDStream()) == NULL ||
		    (s->in = malloc(ZIN_CHUNK)) == NULL) {
			ZSTD_freeDStream(s->ds);
			free(s);
			return NULL;
		}
		ZSTD_initDStream(s->ds);
	}
	return s;
}

int
jrn__src_open(struct jrn__src **out, int dirfd, const char *dir,
    const char *name, char opened[JRN_SEGNAME_LEN], char *err)
{
	char alt[JRN_SEGNAME_LEN];
	const char *use = name;
	int fd;

	*out = NULL;
	if ((fd = openat(dirfd, name, O_RDONLY | JRN_NOLINK)) < 0 &&
	    errno == ENOENT) {
		/* compressed (or decompressed by recovery) meanwhile */
		jrn__seg_sibling(name, alt);
		use = alt;
		fd = openat(dirfd, alt, O_RDONLY | JRN_NOLINK);
	}
	if (fd < 0)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s/%s: %s", dir, use, jrn__why(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((*out = jrn__src_fd(fd, jrn__is_zst(use))) == NULL) {
		close(fd);
		return da_seterr(err, DA_E_NOMEM, "%s/%s: out of memory", dir,
		    use);
	}
	if (opened != NULL)
		snprintf(opened, JRN_SEGNAME_LEN, "%s", use);
	return DA_OK;
}

void
jrn__src_close(struct jrn__src *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	ZSTD_freeDStream(s->ds);
	free(s->in);
	free(s);
}

ssize_t
jrn__src_read(struct jrn__src *s, char *buf, size_t n)
{
	if (s->ds == NULL) {
		ssize_t r;

		do
			r = read(s->fd, buf, n);
		while (r < 0 && errno == EINTR);
		return r;
	}
	for (;;) {
		ZSTD_outBuffer ob = { buf, n, 0 };
		ZSTD_inBuffer ib;
		size_t rc;

		if (s->in_pos == s->in_len && !s->in_eof) {
			ssize_t r;

			do
				r = read(s->fd, s->in, ZIN_CHUNK);
			while (r < 0 && errno == EINTR);
			if (r < 0)
				return -1;
			s->in_len = (size_t)r;
			s->in_pos = 0;
			if (r == 0)
				s->in_eof = 1;
		}
		ib = (ZSTD_inBuffer){ s->in, s->in_len, s->in_pos };
		if (ib.pos == ib.size && s->in_eof) {
			/* the file ended: fine between frames, not inside one */
			if (s->hint != 0 && s->started) {
				errno = EBADMSG;
				return -1;
			}
			return 0;
		}
		rc = ZSTD_decompressStream(s->ds, &ob, &ib);
		s->in_pos = ib.pos;
		if (ZSTD_isError(rc)) {
			errno = EBADMSG;
			return -1;
		}
		s->hint = rc;
		s->started = 1;
		if (ob.pos > 0)
			return (ssize_t)ob.pos;
	}
}

/* Decompressed size of an open .zst, or -1 (EBADMSG on damage). */
static int64_t
zst_size(int fd)
{
	struct jrn__src *s;
	char *b;
	int64_t total = 0;
	ssize_t r;

	if ((b = malloc(ZIN_CHUNK)) == NULL)
		return -1;
	if ((s = jrn__src_fd(fd, 1)) == NULL) {
		free(b);
		return -1;
	}
	while ((r = jrn__src_read(s, b, ZIN_CHUNK)) > 0)
		total += r;
	s->fd = -1;	/* the caller's */
	jrn__src_close(s);
	free(b);
	return r < 0 ? -1 : total;
}

static int
sync_dir(int dirfd)
{
	int rc;

	while ((rc = fsync(dirfd)) < 0 && errno == EINTR)
		;
	return rc;
}

int
jrn__compress_segment(int dirfd, const char *dir, const char *name, int level,
    uint64_t *in_bytes, uint64_t *out_bytes, char *err)
{
	char zname[JRN_SEGNAME_LEN], tmp[JRN_SEGNAME_LEN + 8];
	size_t inb = ZSTD_CStreamInSize(), outb = ZSTD_CStreamOutSize();
	char *ibuf = NULL, *obuf = NULL;
	ZSTD_CCtx *cc = NULL;
	struct stat st, zst;
	int fd = -1, zfd = -1, rc = DA_OK;
	uint64_t total = 0;
	ssize_t r;

	jrn__seg_sibling(name, zname);
	snprintf(tmp, sizeof(tmp), "%s.tmp", zname);
	if ((fd = openat(dirfd, name, O_RDONLY | JRN_NOLINK)) < 0 ||
	    fstat(fd, &st) < 0) {
		rc = da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s/%s: %s", dir, name, jrn__why(errno));
		goto out;
	}
	(void)unlinkat(dirfd, tmp, 0);
	if ((zfd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | JRN_NOLINK,
	    0640)) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, tmp,
		    strerror(errno));
		goto out;
	}
	(void)fchmod(zfd, 0640);
	if ((cc = ZSTD_createCCtx()) == NULL || (ibuf = malloc(inb)) == NULL ||
	    (obuf = malloc(outb)) == NULL) {
		rc = da_seterr(err, DA_E_NOMEM, "compressing %s: out of memory",
		    name);
		goto out;
	}
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	for (;;) {
		ZSTD_EndDirective mode;
		ZSTD_inBuffer ib;
		int done = 0;

		do
			r = read(fd, ibuf, inb);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, name,
			    strerror(errno));
			goto out;
		}
		total += (uint64_t)r;
		mode = r == 0 ? ZSTD_e_end : ZSTD_e_continue;
		ib = (ZSTD_inBuffer){ ibuf, (size_t)r, 0 };
		while (!done) {
			ZSTD_outBuffer ob = { obuf, outb, 0 };
			size_t left = ZSTD_compressStream2(cc, &ob, &ib, mode);

			if (ZSTD_isError(left)) {
				rc = da_seterr(err, DA_E_IO, "compressing %s: %s",
				    name, ZSTD_getErrorName(left));
				goto out;
			}
			if (jrn__write_all(&jrn_io_default, zfd, obuf,
			    ob.pos) < 0) {
				rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir,
				    tmp, strerror(errno));
				goto out;
			}
			done = mode == ZSTD_e_end ? left == 0 : ib.pos == ib.size;
		}
		if (r == 0)
			break;
	}
	if (total != (uint64_t)st.st_size) {
		rc = da_seterr(err, DA_E_IO, "%s/%s changed while being "
		    "compressed", dir, name);
		goto out;
	}
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		(void)futimens(zfd, ts);	/* retention ages by mtime */
	}
	if (fsync(zfd) < 0 || fstat(zfd, &zst) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, tmp,
		    strerror(errno));
		goto out;
	}
	close(zfd);
	/* read it back before the original goes */
	if ((zfd = openat(dirfd, tmp, O_RDONLY | JRN_NOLINK)) < 0 ||
	    zst_size(zfd) != (int64_t)total) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: does not decompress to "
		    "the %llu bytes of %s", dir, tmp, (unsigned long long)total,
		    name);
		goto out;
	}
	if (renameat(dirfd, tmp, dirfd, zname) < 0 || sync_dir(dirfd) < 0 ||
	    unlinkat(dirfd, name, 0) < 0 || sync_dir(dirfd) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, zname,
		    strerror(errno));
		goto out;
	}
	if (in_bytes != NULL)
		*in_bytes = total;
	if (out_bytes != NULL)
		*out_bytes = (uint64_t)zst.st_size;
out:
	if (rc != DA_OK && zfd >= 0)
		(void)unlinkat(dirfd, tmp, 0);
	if (fd >= 0)
		close(fd);
	if (zfd >= 0)
		close(zfd);
	ZSTD_freeCCtx(cc);
	free(ibuf);
	free(obuf);
	return rc;
}

int
jrn__decompress_segment(int dirfd, const char *dir, const char *zname,
    char *err)
{
	char name[JRN_SEGNAME_LEN], tmp[JRN_SEGNAME_LEN + 8], *b = NULL;
	struct jrn__src *s = NULL;
	int fd = -1, rc = DA_OK;
	ssize_t r;

	jrn__seg_sibling(zname, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if ((rc = jrn__src_open(&s, dirfd, dir, zname, NULL, err)) != DA_OK)
		return rc;
	(void)unlinkat(dirfd, tmp, 0);
	if ((b = malloc(ZIN_CHUNK)) == NULL ||
	    (fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | JRN_NOLINK,
	    0640)) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, tmp,
		    b == NULL ? "out of memory" : strerror(errno));
		goto out;
	}
	(void)fchmod(fd, 0640);
	while ((r = jrn__src_read(s, b, ZIN_CHUNK)) > 0)
		if (jrn__write_all(&jrn_io_default, fd, b, (size_t)r) < 0)
			break;
	if (r != 0) {
		rc = da_seterr(err, DA_E_IO, "decompressing %s/%s: %s", dir,
		    zname, strerror(errno));
		goto out;
	}
	if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0 ||
	    sync_dir(dirfd) < 0 || unlinkat(dirfd, zname, 0) < 0 ||
	    sync_dir(dirfd) < 0)
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, name,
		    strerror(errno));
out:
	if (rc != DA_OK && fd >= 0)
		(void)unlinkat(dirfd, tmp, 0);
	if (fd >= 0)
		close(fd);
	jrn__src_close(s);
	free(b);
	return rc;
}

int
jrn__zst_cleanup(int dirfd, const char *dir, char *err)
{
	char sib[JRN_SEGNAME_LEN];
	struct dirent *de;
	int dfd, removed = 0;
	DIR *d;

	if ((dfd = dup(dirfd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);

		if (len > 16 && (strcmp(n + 16, ".jsonl.zst.tmp") == 0 ||
		    strcmp(n + 16, ".jsonl.tmp") == 0)) {
			/* an interrupted (de)compression */
			removed += unlinkat(dirfd, n, 0) == 0;
		} else if (jrn_segment_first_seq(n) != 0 && jrn__is_zst(n)) {
			jrn__seg_sibling(n, sib);
			if (faccessat(dirfd, sib, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
				removed += unlinkat(dirfd, n, 0) == 0;
		}
	}
	closedir(d);
	/* a prune cut short while writing its anchor (the old one stands) */
	removed += unlinkat(dirfd, JRN_ANCHOR ".tmp", 0) == 0;
	if (removed > 0 && sync_dir(dirfd) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	return DA_OK;
}

/* ---- the public wrapper (journal.h) ---- */

int
jrn_segment_open(struct jrn_segread **out, const char *dir, const char *name,
    char *err)
{
	struct jrn__src *s;
	int dfd, rc;

	*out = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	rc = jrn__src_open(&s, dfd, dir, name, NULL, err);
	close(dfd);
	if (rc == DA_OK)
		*out = (struct jrn_segread *)s;
	return rc;
}

ssize_t
jrn_segment_read(struct jrn_segread *r, void *buf, size_t n)
{
	return jrn__src_read((struct jrn__src *)r, buf, n);
}

void
jrn_segment_close(struct jrn_segread *r)
{
	jrn__src_close((struct jrn__src *)r);
}
