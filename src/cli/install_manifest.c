/* install_manifest.c -- the record of what install changed, and its undo
 * (see install_manifest.h).  One line per entry, tab-separated:
 *   dir PATH | created PATH SHA | modified PATH SHA BACKUP MODE UID GID |
 *   user NAME
 * after a first line "dockaudit-install-manifest 1". */
#define _XOPEN_SOURCE 700	/* nftw */
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/install_manifest.h"

#define MANIFEST_HEAD "dockaudit-install-manifest 1\n"

void
manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void
manifest_free(struct manifest *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static struct mentry *
add(struct manifest *m, int kind, const char *path)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct mentry *e = realloc(m->e, cap * sizeof(*e));

		if (e == NULL)
			return NULL;
		m->e = e;
		m->cap = cap;
	}
	memset(&m->e[m->n], 0, sizeof(m->e[0]));
	m->e[m->n].kind = kind;
	snprintf(m->e[m->n].path, sizeof(m->e[0].path), "%s", path);
	return &m->e[m->n++];
}

static struct mentry *
find(const struct manifest *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if ((m->e[i].kind == M_CREATED || m->e[i].kind == M_MODIFIED) &&
		    strcmp(m->e[i].path, path) == 0)
			return &m->e[i];
	return NULL;
}

int
manifest_load(const struct inst_opts *o, struct manifest *m, char *err)
{
	char path[INST_PATH], *data, *line, *save;
	size_t len;
	int r;

	inst_path(o, INST_BACKUP "/manifest", path);
	if ((r = inst_read(path, &data, &len)) == 0)
		return DA_OK;
	if (r < 0 || strncmp(data, MANIFEST_HEAD, strlen(MANIFEST_HEAD)) != 0) {
		free(data);
		return da_seterr(err, DA_E_CORRUPT, "%s: unreadable or not a "
		    "dockaudit manifest; restore it from a backup or undo by hand "
		    "(docs/install.md lists every file)", path);
	}
	m->found = 1;
	for (line = strtok_r(data + strlen(MANIFEST_HEAD), "\n", &save);
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[8], *s2;
		int nf = 0;
		struct mentry *e;

		for (char *t = strtok_r(line, "\t", &s2); t && nf < 8;
		    t = strtok_r(NULL, "\t", &s2))
			f[nf++] = t;
		if (nf < 2)
			continue;
		if (strcmp(f[0], "dir") == 0)
			e = add(m, M_DIR, f[1]);
		else if (strcmp(f[0], "user") == 0)
			e = add(m, M_USER, f[1]);
		else if (strcmp(f[0], "created") == 0 && nf >= 3)
			e = add(m, M_CREATED, f[1]);
		else if (strcmp(f[0], "modified") == 0 && nf >= 7)
			e = add(m, M_MODIFIED, f[1]);
		else
			continue;
		if (e == NULL) {
			free(data);
			return da_seterr(err, DA_E_NOMEM, "manifest: out of memory");
		}
		if (nf >= 3)
			snprintf(e->sha, sizeof(e->sha), "%s", f[2]);
		if (e->kind == M_MODIFIED) {
			snprintf(e->backup, sizeof(e->backup), "%s", f[3]);
			e->mode = (unsigned)strtoul(f[4], NULL, 8);
			e->uid = (unsigned)strtoul(f[5], NULL, 10);
			e->gid = (unsigned)strtoul(f[6], NULL, 10);
		}
	}
	free(data);
	return DA_OK;
}

static int
save(const struct inst_opts *o, const struct manifest *m, char *err)
{
	char path[INST_PATH];
	struct buf b;
	int rc;

	buf_init(&b, 16 << 20);
	buf_puts(&b, MANIFEST_HEAD);
	for (size_t i = 0; i < m->n; i++) {
		const struct mentry *e = &m->e[i];

		switch (e->kind) {
		case M_DIR: buf_printf(&b, "dir\t%s\n", e->path); break;
		case M_USER: buf_printf(&b, "user\t%s\n", e->path); break;
		case M_CREATED:
			buf_printf(&b, "created\t%s\t%s\n", e->path, e->sha);
			break;
		case M_MODIFIED:
			buf_printf(&b, "modified\t%s\t%s\t%s\t%04o\t%u\t%u\n",
			    e->path, e->sha, e->backup, e->mode, e->uid, e->gid);
			break;
		}
	}
	inst_path(o, INST_BACKUP "/manifest", path);
	rc = inst_write(path, b.data, b.len, 0600, (uid_t)-1, (gid_t)-1, err);
	buf_free(&b);
	return rc;
}

size_t
manifest_compare(const struct inst_opts *o, struct inst_file *f, size_t nf)
{
	char path[INST_PATH];
	size_t n = 0;

	for (size_t i = 0; i < nf; i++) {
		inst_path(o, f[i].path, path);
		free(f[i].cur);
		if (inst_read(path, &f[i].cur, &f[i].curlen) != 1) {
			f[i].change = INST_CREATE;
		} else if (f[i].only_if_missing || (f[i].curlen == f[i].len &&
		    memcmp(f[i].cur, f[i].data, f[i].len) == 0)) {
			f[i].change = INST_SAME;
		} else {
			f[i].change = INST_MODIFY;
		}
		n += f[i].change != INST_SAME;
	}
	return n;
}

void
manifest_print_plan(const struct inst_opts *o, const struct inst_file *f,
    size_t nf, FILE *out)
{
	char path[INST_PATH];

	for (size_t i = 0; i < nf; i++) {
		if (f[i].change == INST_SAME)
			continue;
		inst_path(o, f[i].path, path);
		if (f[i].binary)
			fprintf(out, "binary %s: would be %s (%zu bytes, mode "
			    "%04o)\n", path, f[i].change == INST_CREATE ?
			    "created" : "replaced", f[i].len, (unsigned)f[i].mode);
		else
			inst_diff(out, path, f[i].change == INST_CREATE ? NULL :
			    f[i].cur, f[i].curlen, f[i].data, f[i].len);
	}
}

void
manifest_add_user(struct manifest *m, const char *user)
{
	add(m, M_USER, user);
}

static int
mkdirs(const struct inst_opts *o, struct manifest *m, const char *dir,
    mode_t mode, char *err)
{
	struct buf created;
	int rc;

	buf_init(&created, 1 << 20);
	rc = inst_mkdirs(o, dir, mode, &created, err);
	for (char *p = created.data, *nl; rc == DA_OK && p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (add(m, M_DIR, p) == NULL)
			rc = da_seterr(err, DA_E_NOMEM, "out of memory");
	}
	buf_free(&created);
	return rc;
}

int
manifest_apply(const struct inst_opts *o, struct manifest *m,
    struct inst_file *f, size_t nf, char *err)
{
	char path[INST_PATH], bpath[INST_PATH], parent[INST_PATH];
	struct stat st;
	int rc;

	if ((rc = mkdirs(o, m, "/var/lib", 0755, err)) != DA_OK ||
	    (rc = mkdirs(o, m, INST_STATE, 0750, err)) != DA_OK ||
	    (rc = mkdirs(o, m, INST_BACKUP, 0700, err)) != DA_OK)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		struct mentry *e;

		if (f[i].change == INST_SAME)
			continue;
		snprintf(parent, sizeof(parent), "%s", f[i].path);
		*strrchr(parent, '/') = '\0';
		if ((rc = mkdirs(o, m, parent, strcmp(parent, "/etc/dockaudit") ?
		    0755 : 0750, err)) != DA_OK)
			return rc;
		if ((e = find(m, f[i].path)) == NULL) {
			inst_path(o, f[i].path, path);
			if (f[i].change == INST_CREATE) {
				e = add(m, M_CREATED, f[i].path);
			} else {
				if (stat(path, &st) != 0)
					return da_seterr(err, DA_E_IO, "%s: %s",
					    path, strerror(errno));
				e = add(m, M_MODIFIED, f[i].path);
				if (e == NULL)
					break;
				snprintf(e->backup, sizeof(e->backup), "%zu.orig",
				    m->n);
				e->mode = st.st_mode & 07777;
				e->uid = st.st_uid;
				e->gid = st.st_gid;
				inst_path(o, INST_BACKUP, bpath);
				snprintf(bpath + strlen(bpath), sizeof(bpath) -
				    strlen(bpath), "/%s", e->backup);
				if ((rc = inst_write(bpath, f[i].cur, f[i].curlen,
				    0600, (uid_t)-1, (gid_t)-1, err)) != DA_OK)
					return rc;
			}
			if (e == NULL)
				return da_seterr(err, DA_E_NOMEM, "out of memory");
		}
		inst_sha256_hex(f[i].data, f[i].len, e->sha);
	}
	if ((rc = save(o, m, err)) != DA_OK)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		uid_t uid;
		gid_t gid;

		if (f[i].change == INST_SAME)
			continue;
		inst_path(o, f[i].path, path);
		if (inst_uid(o, f[i].owner, &uid) != 0 ||
		    inst_gid(o, f[i].group, &gid) != 0)
			return da_seterr(err, DA_E_NOTFOUND, "%s: no user %s or "
			    "group %s here", path, f[i].owner ? f[i].owner : "root",
			    f[i].group ? f[i].group : "root");
		if (uid == (uid_t)-1 && gid != (gid_t)-1)
			uid = 0;
		if ((rc = inst_write(path, f[i].data, f[i].len, f[i].mode, uid,
		    gid, err)) != DA_OK)
			return rc;
		printf("  wrote %s\n", path);
	}
	return DA_OK;
}

static uid_t	own_uid;
static gid_t	own_gid;

static int
own_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return lchown(p, own_uid, own_gid) != 0;
}

int
manifest_own_state(const struct inst_opts *o, char *err)
{
	struct passwd *pw;
	char dir[INST_PATH];

	if (o->root[0] != '\0')
		return DA_OK;
	if ((pw = getpwnam(o->user)) == NULL)
		return da_seterr(err, DA_E_NOTFOUND, "no user %s", o->user);
	own_uid = pw->pw_uid;
	own_gid = pw->pw_gid;
	inst_path(o, INST_STATE, dir);
	if (lchown(dir, own_uid, own_gid) != 0 || chmod(dir, 0750) != 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	inst_path(o, INST_JOURNAL, dir);
	if (nftw(dir, own_entry, 16, FTW_PHYS) != 0)
		return da_seterr(err, DA_E_IO, "%s: cannot hand it to %s: %s",
		    dir, o->user, strerror(errno));
	return DA_OK;
}

int
manifest_check_edits(const struct inst_opts *o, const struct manifest *m,
    FILE *out)
{
	char path[INST_PATH], sha[65], *d;
	size_t l;
	int edited = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct mentry *e = &m->e[i];

		if (e->kind != M_CREATED && e->kind != M_MODIFIED)
			continue;
		inst_path(o, e->path, path);
		if (inst_read(path, &d, &l) != 1)
			continue;	/* gone: nothing of the operator's lost */
		inst_sha256_hex(d, l, sha);
		free(d);
		if (strcmp(sha, e->sha) == 0)
			continue;
		fprintf(out, "dockaudit uninstall: %s was edited since install: "
		    "%s\n", path, o->force ? "--force: restoring the original "
		    "anyway" : "undo the edit, or --force to restore the "
		    "original over it");
		edited = 1;
	}
	return edited && !o->force ? -1 : 0;
}

/* The original bytes of a modified file (owned), or NULL. */
static char *
original(const struct inst_opts *o, const struct mentry *e, size_t *len)
{
	char p[INST_PATH], *d;

	inst_path(o, INST_BACKUP, p);
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "/%s", e->backup);
	if (inst_read(p, &d, len) != 1)
		return NULL;
	return d;
}

void
manifest_print_undo(const struct inst_opts *o, const struct manifest *m,
    FILE *out)
{
	char path[INST_PATH], *cur, *orig;
	size_t cl, ol;

	for (size_t i = m->n; i-- > 0;) {
		const struct mentry *e = &m->e[i];

		if (e->kind != M_CREATED && e->kind != M_MODIFIED)
			continue;
		inst_path(o, e->path, path);
		if (inst_read(path, &cur, &cl) != 1)
			cur = NULL;
		orig = e->kind == M_MODIFIED ? original(o, e, &ol) : NULL;
		if (strcmp(e->path, INST_BIN) == 0)
			fprintf(out, "binary %s: would be removed\n", path);
		else
			inst_diff(out, path, cur, cl, orig, orig ? ol : 0);
		free(cur);
		free(orig);
	}
	if (o->purge)
		fprintf(out, "would remove %s%s (the journal) and every file "
		    "in it\n", o->root, INST_STATE);
}

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p) != 0;
}

int
manifest_undo(const struct inst_opts *o, const struct manifest *m, char *err)
{
	char path[INST_PATH], *d;
	size_t l;
	int rc;

	for (size_t i = m->n; i-- > 0;) {
		const struct mentry *e = &m->e[i];

		inst_path(o, e->path, path);
		if (e->kind == M_CREATED) {
			if (unlink(path) != 0 && errno != ENOENT)
				return da_seterr(err, DA_E_IO, "%s: %s", path,
				    strerror(errno));
		} else if (e->kind == M_MODIFIED) {
			if ((d = original(o, e, &l)) == NULL)
				return da_seterr(err, DA_E_IO, "%s: its original "
				    "(%s%s/%s) is missing", path, o->root,
				    INST_BACKUP, e->backup);
			rc = inst_write(path, d, l, e->mode, o->root[0] ?
			    (uid_t)-1 : e->uid, e->gid, err);
			free(d);
			if (rc != DA_OK)
				return rc;
		}
	}
	inst_path(o, INST_BACKUP, path);
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return da_seterr(err, DA_E_IO, "%s: cannot remove it: %s", path,
		    strerror(errno));
	if (o->purge) {
		inst_path(o, INST_STATE, path);
		if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 &&
		    errno != ENOENT)
			return da_seterr(err, DA_E_IO, "%s: cannot remove it: %s",
			    path, strerror(errno));
	}
	for (size_t i = m->n; i-- > 0;) {
		if (m->e[i].kind != M_DIR)
			continue;
		inst_path(o, m->e[i].path, path);
		(void)rmdir(path);	/* kept when not empty (the journal) */
	}
	for (size_t i = 0; o->purge && o->root[0] == '\0' && i < m->n; i++)
		if (m->e[i].kind == M_USER) {
			char cmd[256];

			snprintf(cmd, sizeof(cmd), "userdel %.64s", m->e[i].path);
			printf("  running: %s\n", cmd);
			if (system(cmd) != 0)
				fprintf(stderr, "dockaudit uninstall: `%s` failed; "
				    "remove the user by hand\n", cmd);
		}
	return DA_OK;
}
