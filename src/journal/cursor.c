/* cursor.c -- the consumer cursor registry under <journal>/cursors/.
 *
 * A cursor file holds "<seq>\n".  It is replaced atomically: the value goes
 * to "<name>~" (a name no valid cursor can have), is fsync'd, renamed over
 * "<name>", and the directory is fsync'd.  Names are checked before any
 * path is built, so a name can never leave the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "journal/cursor.h"
#include "journal/internal.h"

int
jrn_cursor_name_ok(const char *name)
{
	size_t n = 0;

	if (name == NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (; name[n] != '\0'; n++) {
		char c = name[n];

		if (n >= JRN_CURSOR_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return n > 0;
}

/* Open <dir>/cursors, creating it when create is set. */
static int
open_cdir(const char *dir, int create, int *fd, char *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, JRN_CURSORS) >=
	    sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", dir);
	if (create && mkdir(path, 0750) < 0 && errno != EEXIST)
		return da_seterr(err, DA_E_IO, "mkdir %s: %s", path,
		    strerror(errno));
	if ((*fd = open(path, O_RDONLY | O_DIRECTORY | JRN_NOLINK)) < 0)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s: %s", path, jrn__why(errno));
	return DA_OK;
}

static int
parse_seq(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
read_at(int cfd, const char *name, uint64_t *seq)
{
	char b[32];
	ssize_t n;
	int fd;

	if ((fd = openat(cfd, name, O_RDONLY | JRN_NOLINK)) < 0)
		return errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO;
	do
		n = read(fd, b, sizeof(b));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return DA_E_IO;
	return parse_seq(b, (size_t)n, seq) == 0 ? DA_OK : DA_E_CORRUPT;
}

int
jrn_cursor_write(const char *dir, const char *name, uint64_t seq, char *err)
{
	char tmp[JRN_CURSOR_NAME_MAX + 2], text[24];
	int cfd, fd, rc, len;

	if (!jrn_cursor_name_ok(name))
		return da_seterr(err, DA_E_INVAL, "bad cursor name \"%.70s\" "
		    "(want [a-z0-9_.-], 1 to %d characters)", name ? name : "",
		    JRN_CURSOR_NAME_MAX);
	if ((rc = open_cdir(dir, 1, &cfd, err)) != DA_OK)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s~", name);
	len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)seq);
	fd = openat(cfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | JRN_NOLINK, 0640);
	if (fd < 0 ||
	    jrn__write_all(&jrn_io_default, fd, text, (size_t)len) < 0 ||
	    fsync(fd) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s/%s: %s", dir, JRN_CURSORS,
		    tmp, jrn__why(errno));
		if (fd >= 0) {
			close(fd);
			unlinkat(cfd, tmp, 0);
		}
		close(cfd);
		return rc;
	}
	close(fd);
	if (renameat(cfd, tmp, cfd, name) < 0 || fsync(cfd) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s/%s/%s: %s", dir, JRN_CURSORS,
		    name, strerror(errno));
		unlinkat(cfd, tmp, 0);
		close(cfd);
		return rc;
	}
	close(cfd);
	return DA_OK;
}

int
jrn_cursor_read(const char *dir, const char *name, uint64_t *seq, char *err)
{
	int cfd, rc;

	if (!jrn_cursor_name_ok(name))
		return da_seterr(err, DA_E_INVAL, "bad cursor name \"%.70s\"",
		    name ? name : "");
	if ((rc = open_cdir(dir, 0, &cfd, err)) != DA_OK)
		return rc == DA_E_NOTFOUND ? da_seterr(err, rc, "no cursor %s",
		    name) : rc;
	rc = read_at(cfd, name, seq);
	close(cfd);
	if (rc == DA_E_NOTFOUND)
		return da_seterr(err, rc, "no cursor %s", name);
	if (rc == DA_E_CORRUPT)
		return da_seterr(err, rc, "%s/%s/%s: does not hold a seq", dir,
		    JRN_CURSORS, name);
	if (rc != DA_OK)
		return da_seterr(err, rc, "%s/%s/%s: %s", dir, JRN_CURSORS, name,
		    strerror(errno));
	return DA_OK;
}

int
jrn_cursor_remove(const char *dir, const char *name, char *err)
{
	int cfd, rc;

	if (!jrn_cursor_name_ok(name))
		return da_seterr(err, DA_E_INVAL, "bad cursor name \"%.70s\"",
		    name ? name : "");
	if ((rc = open_cdir(dir, 0, &cfd, err)) != DA_OK)
		return rc;
	if (unlinkat(cfd, name, 0) < 0) {
		rc = da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s/%s/%s: %s", dir, JRN_CURSORS, name, strerror(errno));
		close(cfd);
		return rc;
	}
	rc = fsync(cfd) < 0 ? da_seterr(err, DA_E_IO, "%s/%s: %s", dir,
	    JRN_CURSORS, strerror(errno)) : DA_OK;
	close(cfd);
	return rc;
}

static int
cmp_cursor(const void *a, const void *b)
{
	return strcmp(((const struct jrn_cursor *)a)->name,
	    ((const struct jrn_cursor *)b)->name);
}

int
jrn_cursor_list(const char *dir, struct jrn_cursor **out, size_t *count,
    char *err)
{
	struct jrn_cursor *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int cfd, dfd, rc;

	*out = NULL;
	*count = 0;
	if ((rc = open_cdir(dir, 0, &cfd, err)) != DA_OK)
		return rc == DA_E_NOTFOUND ? DA_OK : rc;	/* none yet */
	if ((dfd = dup(cfd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, JRN_CURSORS,
		    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		close(cfd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t seq;

		if (!jrn_cursor_name_ok(de->d_name) ||
		    read_at(cfd, de->d_name, &seq) != DA_OK)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				close(cfd);
				return da_seterr(err, DA_E_NOMEM,
				    "cursors: out of memory");
			}
			v = nv;
		}
		/* name_ok bounded it to JRN_CURSOR_NAME_MAX */
		memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
		v[n].seq = seq;
		n++;
	}
	closedir(d);
	close(cfd);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_cursor);
	*out = v;
	*count = n;
	return DA_OK;
}
