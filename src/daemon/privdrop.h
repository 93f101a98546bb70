/* privdrop.h -- run as an unprivileged user once the sockets are bound and
 * the journal is open (issue 13, least privilege).
 *
 * dockaudit starts as root: it binds the public socket in /run and the
 * plugin socket in /run/docker/plugins, gives them their group, and opens
 * the journal.  After that it needs one privilege only: reading
 * /proc/<pid>/exe of callers that belong to other users, which the kernel
 * allows only with CAP_SYS_PTRACE (ptrace_may_access(PTRACE_MODE_READ);
 * CAP_DAC_READ_SEARCH does not help, measured in docs/install.md).
 * privdrop() hands the journal to the user, switches every thread to it and
 * keeps CAP_SYS_PTRACE (or nothing) in the main thread, which is the one
 * that reads /proc for the proxy. */
#ifndef DA_PRIVDROP_H
#define DA_PRIVDROP_H

#include <sys/types.h>

struct privdrop_result {
	int	 dropped;		/* now running as user */
	char	 user[64];
	uid_t	 uid;
	gid_t	 gid;
	int	 keep_ptrace;		/* CAP_SYS_PTRACE kept */
	unsigned journal_chowned;	/* journal entries handed to the user */
	char	 warning[512];		/* why not dropped, or a weak setup */
};

/* Drop to user (NULL: stay as we are; the result carries a warning when
 * that is root).  backend is dockerd's socket: when it exists it must be
 * reachable by user (else an error naming the fix), and a warning says when
 * others can reach it too.  Call after every socket is bound, before
 * anything the journal writes must be owned by user. */
int	privdrop(const char *user, int keep_ptrace, const char *journal_dir,
	    const char *backend, struct privdrop_result *r, char *err);

/* Before the journal is opened (as root, run.user set): hand the journal
 * directory to the user and become it for the files dockaudit keeps there
 * (privdrop_as_user(pd, 1) ... (pd, 0)), so the journal's own key checks
 * (seal.key, authz.key "owned by us") hold for the user on every start, and
 * what is created is the user's.  Only the effective ids change: the switch
 * back to root (for binding) is the saved uid's.  pd->active is 0 when
 * there is nothing to do (no run.user, or not root). */
struct privdrop_early {
	int	 active;
	uid_t	 uid;
	gid_t	 gid;
};

int	privdrop_prepare(const char *user, const char *journal_dir,
	    struct privdrop_early *pd, char *err);
int	privdrop_as_user(const struct privdrop_early *pd, int on, char *err);

#endif
