/* install_manifest.h -- what `dockaudit install` changed, so uninstall can
 * undo exactly that: ROOT/var/lib/dockaudit/install-backup/manifest lists
 * the directories and files install created, the files it modified (each
 * original saved there as N.orig with its mode and owner) and the user it
 * added, with the SHA-256 of what install wrote, to tell a file the
 * operator edited since. */
#ifndef DA_INSTALL_MANIFEST_H
#define DA_INSTALL_MANIFEST_H

#include <stdio.h>

#include "cli/install.h"

enum { M_DIR, M_CREATED, M_MODIFIED, M_USER };

struct mentry {
	int	 kind;
	char	 path[INST_PATH];	/* without root; the user name for M_USER */
	char	 sha[65];		/* of what install wrote */
	char	 backup[32];		/* N.orig */
	unsigned mode, uid, gid;	/* of the original */
};

struct manifest {
	int		 found;
	struct mentry	*e;
	size_t		 n, cap;
};

void	manifest_init(struct manifest *m);
void	manifest_free(struct manifest *m);
int	manifest_load(const struct inst_opts *o, struct manifest *m, char *err);
/* Fill f[i].change and .cur; returns how many files differ. */
size_t	manifest_compare(const struct inst_opts *o, struct inst_file *f,
	    size_t nf);
void	manifest_print_plan(const struct inst_opts *o, const struct inst_file *f,
	    size_t nf, FILE *out);
void	manifest_add_user(struct manifest *m, const char *user);
/* Back up, record, write: the manifest is saved before any file changes. */
int	manifest_apply(const struct inst_opts *o, struct manifest *m,
	    struct inst_file *f, size_t nf, char *err);
/* /var/lib/dockaudit and the journal to run.user (live installs). */
int	manifest_own_state(const struct inst_opts *o, char *err);
/* Files edited since install: listed on out; -1 unless o->force. */
int	manifest_check_edits(const struct inst_opts *o, const struct manifest *m,
	    FILE *out);
void	manifest_print_undo(const struct inst_opts *o, const struct manifest *m,
	    FILE *out);
int	manifest_undo(const struct inst_opts *o, const struct manifest *m,
	    char *err);

#endif
