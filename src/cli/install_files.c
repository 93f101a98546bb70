/* install_files.c -- files for `dockaudit install` (see install.h): read,
 * write atomically, make directories under --root, hash, and print a
 * unified diff of what would change. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "cli/install.h"

void
inst_path(const struct inst_opts *o, const char *p, char *out)
{
	snprintf(out, INST_PATH, "%s%s", o->root, p);
}

int
inst_read(const char *path, char **data, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (64 << 20) ||
	    (*data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	(*data)[got] = '\0';
	*len = got;
	return 1;
}

int
inst_write(const char *path, const char *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid, char *err)
{
	char tmp[INST_PATH + 16];
	size_t off = 0;
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.da-tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, mode & 07777)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", tmp, strerror(errno));
	while (off < len && (n = write(fd, data + off, len - off)) > 0)
		off += (size_t)n;
	if (off != len || fchmod(fd, mode & 07777) != 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) != 0) ||
	    fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(e));
	}
	return DA_OK;
}

int
inst_mkdirs(const struct inst_opts *o, const char *dir, mode_t mode,
    struct buf *created, char *err)
{
	char p[INST_PATH], full[INST_PATH];
	struct stat st;

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		inst_path(o, p, full);
		if (stat(full, &st) != 0) {
			if (mkdir(full, mode) != 0)
				return da_seterr(err, DA_E_IO, "cannot create "
				    "directory %s: %s", full, strerror(errno));
			(void)chmod(full, mode);
			if (created != NULL)
				buf_printf(created, "%s\n", p);
		} else if (!S_ISDIR(st.st_mode)) {
			return da_seterr(err, DA_E_IO, "%s is not a directory",
			    full);
		}
		*s = c;
		if (c == '\0')
			return DA_OK;
	}
}

void
inst_sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
inst_uid(const struct inst_opts *o, const char *user, uid_t *uid)
{
	struct passwd *pw;

	*uid = (uid_t)-1;
	if (o->root[0] != '\0')
		return 0;	/* staged: ownership is the packager's */
	if (user == NULL)
		return (*uid = 0, 0);
	if ((pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

int
inst_gid(const struct inst_opts *o, const char *group, gid_t *gid)
{
	struct group *gr;

	*gid = (gid_t)-1;
	if (o->root[0] != '\0')
		return 0;
	if (group == NULL)
		return (*gid = 0, 0);
	if ((gr = getgrnam(group)) == NULL)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

/* ---- unified diff (longest common subsequence over lines) ---- */

struct lines {
	const char	**p;
	size_t		 *len;
	size_t		  n;
};

static void
split(const char *s, size_t n, struct lines *l)
{
	size_t cap = 1;

	for (size_t i = 0; i < n; i++)
		cap += s[i] == '\n';
	l->p = calloc(cap, sizeof(*l->p));
	l->len = calloc(cap, sizeof(*l->len));
	l->n = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n;

		l->p[l->n] = s + i;
		l->len[l->n++] = e - i;
		i = e;
	}
}

static int
same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

static void
put_line(FILE *f, char tag, const char *p, size_t len)
{
	fputc(tag, f);
	fwrite(p, 1, len, f);
	if (len == 0 || p[len - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", f);
}

#define CONTEXT 3

void
inst_diff(FILE *f, const char *label, const char *a, size_t alen,
    const char *b, size_t blen)
{
	struct lines la, lb;
	unsigned *lcs;
	char *op;	/* ' ', '-', '+' per step */
	size_t nops = 0, i, j, w;

	split(a ? a : "", a ? alen : 0, &la);
	split(b ? b : "", b ? blen : 0, &lb);
	w = lb.n + 1;
	lcs = calloc((la.n + 1) * w, sizeof(*lcs));
	op = malloc(la.n + lb.n + 1);
	if (lcs == NULL || op == NULL || la.n > 20000 || lb.n > 20000) {
		fprintf(f, "(%s: too large to diff)\n", label);
		goto out;
	}
	for (i = la.n; i-- > 0;)
		for (j = lb.n; j-- > 0;)
			lcs[i * w + j] = same(&la, i, &lb, j) ?
			    lcs[(i + 1) * w + j + 1] + 1 :
			    (lcs[(i + 1) * w + j] > lcs[i * w + j + 1] ?
			    lcs[(i + 1) * w + j] : lcs[i * w + j + 1]);
	for (i = 0, j = 0; i < la.n || j < lb.n;) {
		if (i < la.n && j < lb.n && same(&la, i, &lb, j)) {
			op[nops++] = ' ';
			i++, j++;
		} else if (i < la.n && (j == lb.n ||
		    lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
			op[nops++] = '-';	/* removals first, as diff -u */
			i++;
		} else {
			op[nops++] = '+';
			j++;
		}
	}
	fprintf(f, "--- %s\n+++ %s\n", a ? label : "/dev/null",
	    b ? label : "/dev/null");
	/* hunks: runs of changes with CONTEXT lines around them */
	for (size_t k = 0, ai = 0, bi = 0; k < nops;) {
		size_t s, e, ka, kb, a0, b0, ac = 0, bc = 0;

		if (op[k] == ' ') {
			k++, ai++, bi++;
			continue;
		}
		s = k > CONTEXT ? k - CONTEXT : 0;
		for (e = k;;) {
			size_t r;

			while (e < nops && op[e] != ' ')
				e++;		/* the end of this run of changes */
			for (r = e; r < nops && op[r] == ' '; r++)
				;
			if (r == nops || r - e > 2 * CONTEXT) {
				e = e + CONTEXT < r ? e + CONTEXT : r;
				break;
			}
			e = r;			/* close enough: one hunk */
		}
		a0 = ai - (k - s);
		b0 = bi - (k - s);
		for (size_t t = s; t < e; t++) {
			ac += op[t] != '+';
			bc += op[t] != '-';
		}
		fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? a0 + 1 : a0, ac,
		    bc ? b0 + 1 : b0, bc);
		for (size_t t = s, x = a0, y = b0; t < e; t++) {
			if (op[t] == '+')
				put_line(f, '+', lb.p[y], lb.len[y]), y++;
			else if (op[t] == '-')
				put_line(f, '-', la.p[x], la.len[x]), x++;
			else
				put_line(f, ' ', la.p[x], la.len[x]), x++, y++;
		}
		for (ka = 0, kb = 0; k < e; k++) {
			ka += op[k] != '+';
			kb += op[k] != '-';
		}
		ai += ka;
		bi += kb;
	}
out:
	free(lcs);
	free(op);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
}
