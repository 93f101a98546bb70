/* privdrop.c -- from root to run.user keeping only CAP_SYS_PTRACE (see
 * privdrop.h).
 *
 * Order matters: the journal is chowned while we are root; the bounding
 * set is cut and PR_SET_KEEPCAPS set in this (the main) thread; then
 * setresgid/setresuid, which glibc applies to every thread of the process
 * (the journal writer, the events loop): threads without KEEPCAPS lose all
 * their capabilities there, and this one keeps its permitted set, which
 * capset() then narrows to CAP_SYS_PTRACE.  No thread can get root back:
 * the saved uid is the user too, and no_new_privs blocks set-uid and file
 * capabilities for anything this thread ever executes (it executes
 * nothing). */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "daemon/privdrop.h"

static uid_t	chown_uid;
static gid_t	chown_gid;
static unsigned	chown_count;
static int	chown_errno;

static int
chown_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (st->st_uid == chown_uid && st->st_gid == chown_gid)
		return 0;
	if (lchown(path, chown_uid, chown_gid) != 0) {
		chown_errno = errno;
		return 1;
	}
	chown_count++;
	return 0;
}

static int
set_caps(int keep_ptrace)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (keep_ptrace) {
		d[0].effective = d[0].permitted = 1u << CAP_SYS_PTRACE;
	}
	return (int)syscall(SYS_capset, &h, d);
}

/* Can uid/gid (no supplementary groups) connect to the socket? */
static int
reachable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode & 0200) != 0;
	if (st->st_gid == gid)
		return (st->st_mode & 0020) != 0;
	return (st->st_mode & 0002) != 0;
}

static int
check_backend(const char *backend, struct privdrop_result *r, char *err)
{
	struct stat st;
	struct group *gr;
	char gname[64];

	if (backend == NULL || stat(backend, &st) != 0 || !S_ISSOCK(st.st_mode))
		return DA_OK;	/* dockerd not up yet (dockaudit starts first) */
	if ((gr = getgrgid(st.st_gid)) != NULL)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st.st_gid);
	if (!reachable(&st, r->uid, r->gid))
		return da_seterr(err, DA_E_INVAL, "backend %s (mode %04o, group "
		    "%s) is not reachable by run.user %s: give dockerd's socket "
		    "the group %s (docker.socket SocketGroup=, or dockerd -G), "
		    "mode 0660", backend, (unsigned)(st.st_mode & 07777), gname,
		    r->user, r->user);
	if ((st.st_mode & 0006) != 0 ||
	    (st.st_gid != r->gid && (st.st_mode & 0060) != 0))
		snprintf(r->warning, sizeof(r->warning), "backend %s (mode "
		    "%04o, group %s) is reachable by others than %s: they can "
		    "call dockerd without passing the proxy", backend,
		    (unsigned)(st.st_mode & 07777), gname, r->user);
	return DA_OK;
}

int
privdrop_prepare(const char *user, const char *journal_dir,
    struct privdrop_early *pd, char *err)
{
	struct passwd *pw;

	memset(pd, 0, sizeof(*pd));
	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return DA_OK;
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0)
		return DA_OK;	/* privdrop() says what is wrong */
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	chown_uid = pd->uid;
	chown_gid = pd->gid;
	chown_errno = 0;
	if (nftw(journal_dir, chown_entry, 16, FTW_PHYS) != 0 &&
	    (chown_errno != 0 || errno != ENOENT))
		return da_seterr(err, DA_E_IO, "journal %s: cannot hand it to "
		    "run.user %s: %s", journal_dir, user,
		    strerror(chown_errno ? chown_errno : errno));
	pd->active = 1;
	return DA_OK;
}

int
privdrop_as_user(const struct privdrop_early *pd, int on, char *err)
{
	int ok;

	if (!pd->active)
		return DA_OK;
	if (on)
		ok = setegid(pd->gid) == 0 && seteuid(pd->uid) == 0;
	else
		ok = seteuid(0) == 0 && setegid(0) == 0;
	if (!ok)
		return da_seterr(err, DA_E_IO, "run.user: cannot %s: %s", on ?
		    "take the user's ids for the journal" : "return to root to "
		    "bind the sockets", strerror(errno));
	return DA_OK;
}

int
privdrop(const char *user, int keep_ptrace, const char *journal_dir,
    const char *backend, struct privdrop_result *r, char *err)
{
	struct passwd *pw;
	int rc;

	memset(r, 0, sizeof(*r));
	r->uid = geteuid();
	r->gid = getegid();
	if (user == NULL || user[0] == '\0') {
		if (r->uid == 0)
			snprintf(r->warning, sizeof(r->warning), "running as root "
			    "with every capability: set run.user (e.g. dockaudit) "
			    "to drop them after start");
		return DA_OK;
	}
	snprintf(r->user, sizeof(r->user), "%s", user);
	if ((pw = getpwnam(user)) == NULL)
		return da_seterr(err, DA_E_NOTFOUND, "run.user: no user '%s' on "
		    "this host (create it: useradd --system --user-group "
		    "--home-dir /var/lib/dockaudit --shell /usr/sbin/nologin %s)",
		    user, user);
	if (pw->pw_uid == 0)
		return da_seterr(err, DA_E_INVAL, "run.user %s is root: name an "
		    "unprivileged user, or leave run.user unset", user);
	if (r->uid != 0) {
		if (r->uid == pw->pw_uid)
			return (r->dropped = 1, DA_OK);
		return da_seterr(err, DA_E_INVAL, "run.user %s: started as uid "
		    "%u, which cannot switch users (start as root)", user,
		    (unsigned)r->uid);
	}
	r->uid = pw->pw_uid;
	r->gid = pw->pw_gid;
	r->keep_ptrace = keep_ptrace;
	if ((rc = check_backend(backend, r, err)) != DA_OK)
		return rc;
	chown_uid = r->uid;
	chown_gid = r->gid;
	chown_count = 0;
	chown_errno = 0;
	if (nftw(journal_dir, chown_entry, 16, FTW_PHYS) != 0)
		return da_seterr(err, DA_E_IO, "journal %s: cannot hand it to "
		    "run.user %s: %s", journal_dir, user,
		    strerror(chown_errno ? chown_errno : errno));
	r->journal_chowned = chown_count;
	/* the bounding set of this thread: what an execve could ever grant */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep_ptrace && c == CAP_SYS_PTRACE))
			(void)prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    setgroups(1, &r->gid) != 0 ||
	    setresgid(r->gid, r->gid, r->gid) != 0 ||
	    setresuid(r->uid, r->uid, r->uid) != 0 ||
	    set_caps(keep_ptrace) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return da_seterr(err, DA_E_IO, "run.user %s: cannot switch to "
		    "uid %u: %s", user, (unsigned)r->uid, strerror(errno));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return da_seterr(err, DA_E_INVAL, "run.user %s: root could be "
		    "regained after the switch; refusing to run", user);
	r->dropped = 1;
	return DA_OK;
}
