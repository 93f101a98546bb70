/* peer.c -- caller identity from SO_PEERCRED and /proc (see peer.h).
 *
 * Reads are bounded (small fixed buffers), and a pidfd (SO_PEERPIDFD on
 * Linux >= 6.5, pidfd_open otherwise) tells afterwards whether the process
 * we read is still the one that connected.  User and group names come from
 * the NSS databases through a small cache, so a busy client costs one
 * lookup. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/cmdline.h"
#include "capture/peer.h"
#include "json/json.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define LOGINUID_UNSET	4294967295u
#define CMDLINE_MAX	8192
#define CMDLINE_ARGS	64
#define NAME_CACHE	64

struct name_ent {
	unsigned	 id;
	int		 used;
	char		 name[64];
};

/* The proxy loop, the events thread and the AuthZ plugin's threads all
 * render actors: every cache here is read and written under cache_lock,
 * and callers get copies, never pointers into a cache. */
static pthread_mutex_t	cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct name_ent user_cache[NAME_CACHE], group_cache[NAME_CACHE];

/* Name of uid/gid into out[64], "" when it has none.  The NSS lookup runs
 * outside the lock (it may be slow); its answer is stored under it. */
static const char *
cached_name(struct name_ent *cache, unsigned id, int is_group, char out[64])
{
	struct name_ent *e = &cache[id % NAME_CACHE];
	char tmp[4096];
	int hit;

	pthread_mutex_lock(&cache_lock);
	if ((hit = e->used && e->id == id))
		memcpy(out, e->name, sizeof(e->name));
	pthread_mutex_unlock(&cache_lock);
	if (hit)
		return out;
	out[0] = '\0';
	if (is_group) {
		struct group gr, *res = NULL;
		if (getgrgid_r(id, &gr, tmp, sizeof(tmp), &res) == 0 && res)
			snprintf(out, 64, "%s", gr.gr_name);
	} else {
		struct passwd pw, *res = NULL;
		if (getpwuid_r(id, &pw, tmp, sizeof(tmp), &res) == 0 && res)
			snprintf(out, 64, "%s", pw.pw_name);
	}
	pthread_mutex_lock(&cache_lock);
	e->used = 1;
	e->id = id;
	memcpy(e->name, out, sizeof(e->name));
	pthread_mutex_unlock(&cache_lock);
	return out;
}

/* Read up to cap-1 bytes of /proc/<pid>/<name>; returns length or -1. */
static ssize_t
proc_read(pid_t pid, const char *name, char *out, size_t cap)
{
	char path[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((size_t)total < cap - 1) {
		n = read(fd, out + total, cap - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	out[total] = '\0';
	return total;
}

static int
proc_uint(pid_t pid, const char *name, unsigned long *out)
{
	char b[32], *end;
	unsigned long v;

	if (proc_read(pid, name, b, sizeof(b)) <= 0)
		return -1;
	errno = 0;
	v = strtoul(b, &end, 10);
	if (errno != 0 || end == b)
		return -1;
	*out = v;
	return 0;
}

struct stat_info {
	char		 comm[64];
	pid_t		 ppid;
	unsigned long	 tty_nr;
	unsigned long long starttime;
};

/* /proc/<pid>/stat: "pid (comm) S ppid pgrp session tty_nr ... starttime" */
static int
proc_stat(pid_t pid, struct stat_info *si)
{
	char b[1024], *l, *r, *p;
	int field;

	if (proc_read(pid, "stat", b, sizeof(b)) <= 0)
		return -1;
	if ((l = strchr(b, '(')) == NULL || (r = strrchr(b, ')')) == NULL ||
	    r < l)
		return -1;
	snprintf(si->comm, sizeof(si->comm), "%.*s", (int)(r - l - 1), l + 1);
	p = r + 2;	/* state */
	for (field = 3; field <= 22 && p != NULL && *p; field++) {
		char *end;

		if (field == 4)
			si->ppid = (pid_t)strtol(p, &end, 10);
		else if (field == 7)
			si->tty_nr = strtoul(p, &end, 10);
		else if (field == 22)
			si->starttime = strtoull(p, &end, 10);
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return field > 22 ? 0 : -1;
}

int
peer_tty_name(unsigned long tty_nr, char *out, size_t outlen)
{
	unsigned major = (unsigned)((tty_nr >> 8) & 0xfff);
	unsigned minor = (unsigned)((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));

	if (tty_nr == 0)
		return 0;
	if (major >= 136 && major <= 143)
		snprintf(out, outlen, "pts/%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64)
		snprintf(out, outlen, "tty%u", minor);
	else if (major == 4)
		snprintf(out, outlen, "ttyS%u", minor - 64);
	else
		snprintf(out, outlen, "%u:%u", major, minor);
	return 1;
}

static int
is_hex64(const char *p, size_t n)
{
	if (n < 64)
		return 0;
	for (int i = 0; i < 64; i++) {
		char c = p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return n == 64 || p[64] == '.' || p[64] == '/' || p[64] == '\n';
}

int
peer_container_from_cgroup(const char *text, char id[65])
{
	static const char *marks[] = { "/docker/", "/docker-", "docker-", NULL };

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);

		for (int m = 0; marks[m] != NULL; m++) {
			size_t ml = strlen(marks[m]);
			const char *p = line;

			while ((p = memmem(p, ll - (size_t)(p - line), marks[m], ml))
			    != NULL) {
				const char *h = p + ml;
				size_t rest = ll - (size_t)(h - line);

				if (is_hex64(h, rest)) {
					memcpy(id, h, 64);
					id[64] = '\0';
					return 1;
				}
				p = h;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Signal 0 through the pidfd: ESRCH once the process is gone.  EPERM (a
 * caller of another user, dockaudit running as run.user without CAP_KILL)
 * means it is still there. */
static int
pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 ||
	    errno == EPERM;
}

static void
write_exe(struct jw *w, const char *key, pid_t pid)
{
	char path[64], exe[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) < 0) {
		jw_null(w, key);
		return;
	}
	jw_strn(w, key, exe, (size_t)n);
}

static void
write_name_or_null(struct jw *w, const char *key, const char *name)
{
	if (name[0] != '\0')
		jw_str(w, key, name);
	else
		jw_null(w, key);
}

/* The /proc part of the actor: everything that can race with exit. */
static int
write_proc(struct jw *w, pid_t pid, const struct stat_info *si)
{
	char *cmd, tty[32], cg[4096], cid[65], name[64];
	unsigned long loginuid = LOGINUID_UNSET, sessionid = LOGINUID_UNSET;
	ssize_t n;
	int trunc = 0;
	pid_t pp;

	if (proc_uint(pid, "loginuid", &loginuid) == 0 &&
	    loginuid != LOGINUID_UNSET) {
		jw_uint(w, "loginuid", loginuid);
		write_name_or_null(w, "login_user",
		    cached_name(user_cache, (unsigned)loginuid, 0, name));
	} else {
		jw_uint(w, "loginuid", LOGINUID_UNSET);
		jw_null(w, "login_user");
	}
	if (proc_uint(pid, "sessionid", &sessionid) == 0 &&
	    sessionid != LOGINUID_UNSET)
		jw_uint(w, "sessionid", sessionid);
	else
		jw_null(w, "sessionid");
	jw_str(w, "comm", si->comm);
	write_exe(w, "exe", pid);
	if ((cmd = malloc(CMDLINE_MAX)) == NULL)
		return -1;
	n = proc_read(pid, "cmdline", cmd, CMDLINE_MAX);
	if (n > 0) {
		cmdline_write(w, "cmdline", cmd, (size_t)n, CMDLINE_ARGS, &trunc);
		if (trunc || n == CMDLINE_MAX - 1)
			jw_bool(w, "cmdline_truncated", 1);
	} else {
		jw_null(w, "cmdline");
	}
	free(cmd);
	if (peer_tty_name(si->tty_nr, tty, sizeof(tty)))
		jw_str(w, "tty", tty);
	else
		jw_null(w, "tty");
	jw_arr_begin(w, "parents");
	pp = si->ppid;
	for (int i = 0; i < PEER_PARENTS && pp > 1; i++) {
		struct stat_info ps;

		if (proc_stat(pp, &ps) != 0)
			break;
		jw_obj_begin(w, NULL);
		jw_int(w, "pid", pp);
		jw_str(w, "comm", ps.comm);
		write_exe(w, "exe", pp);
		jw_obj_end(w);
		pp = ps.ppid;
	}
	jw_arr_end(w);
	if (proc_read(pid, "cgroup", cg, sizeof(cg)) > 0 &&
	    peer_container_from_cgroup(cg, cid))
		jw_str(w, "container", cid);
	else
		jw_null(w, "container");
	return 0;
}

/* The docker CLI opens several connections per command (ping, then the
 * call).  A process seen in the last ACTOR_TTL_NS -- same pid, start time,
 * uid, gid and loginuid -- reuses its rendered actor: two small /proc
 * reads instead of about 45 system calls. */
#define ACTOR_CACHE	32
#define ACTOR_TTL_NS	2000000000LL

struct actor_ent {
	pid_t		 pid;
	uid_t		 uid;
	gid_t		 gid;
	unsigned long long start;
	unsigned long	 loginuid;
	int64_t		 at;
	char		*json;
	size_t		 len;
};

static struct actor_ent actor_cache[ACTOR_CACHE];

static struct actor_ent *
actor_slot(pid_t pid)
{
	return &actor_cache[(unsigned)pid % ACTOR_CACHE];
}

static void
actor_remember(pid_t pid, uid_t uid, gid_t gid, unsigned long long start,
    unsigned long loginuid, const char *json, size_t len)
{
	struct actor_ent *e;
	char *copy = malloc(len), *old;

	if (copy == NULL)
		return;
	memcpy(copy, json, len);
	pthread_mutex_lock(&cache_lock);
	e = actor_slot(pid);
	old = e->json;
	*e = (struct actor_ent){ pid, uid, gid, start, loginuid,
	    clock_mono_ns(), copy, len };
	pthread_mutex_unlock(&cache_lock);
	free(old);
}

int
peer_actor_json_for(pid_t pid, uid_t uid, gid_t gid, int pidfd,
    struct buf *out)
{
	struct stat_info si, si2;
	struct actor_ent *e;
	char name[64];
	unsigned long lu = LOGINUID_UNSET;
	size_t start_len = out->len;
	struct jw w;
	size_t mark;
	int ok = 0, own_pidfd = -1, seen = 0;

	memset(&si, 0, sizeof(si));
	if (pid > 0 && proc_stat(pid, &si2) == 0) {
		seen = 1;
		(void)proc_uint(pid, "loginuid", &lu);
		int hit = 0, rc = DA_OK;

		pthread_mutex_lock(&cache_lock);
		e = actor_slot(pid);
		if (e->json != NULL && e->pid == pid && e->uid == uid &&
		    e->gid == gid && e->start == si2.starttime &&
		    e->loginuid == lu && clock_mono_ns() - e->at < ACTOR_TTL_NS) {
			hit = 1;
			rc = buf_append(out, e->json, e->len);	/* a copy */
		}
		pthread_mutex_unlock(&cache_lock);
		if (hit)
			return rc;
	}
	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "auth", "peercred");
	jw_uint(&w, "uid", uid);
	write_name_or_null(&w, "user", cached_name(user_cache, uid, 0, name));
	jw_uint(&w, "gid", gid);
	write_name_or_null(&w, "group",
	    cached_name(group_cache, gid, 1, name));
	jw_int(&w, "pid", pid);
	if (pidfd < 0 && pid > 0)
		pidfd = own_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	mark = out->len;
	if (pid > 0 && proc_stat(pid, &si) == 0 && write_proc(&w, pid, &si) == 0) {
		/* Still the same process?  A pidfd answers exactly; without
		 * one, an unchanged start time does. */
		if (pidfd >= 0)
			ok = pidfd_alive(pidfd);
		else
			ok = proc_stat(pid, &si2) == 0 &&
			    si2.starttime == si.starttime;
	}
	if (!ok) {
		out->len = mark;	/* drop what may describe another process */
		out->data[out->len] = '\0';
		w.need_comma[w.depth] = 1;
		jw_str(&w, "proc", "exited");
		jw_null(&w, "container");
	} else {
		jw_str(&w, "proc", "ok");
	}
	jw_null(&w, "cert_subject");
	jw_null(&w, "remote");
	jw_obj_end(&w);
	if (own_pidfd >= 0)
		close(own_pidfd);
	if (ok && seen && w.err == 0 && si.starttime == si2.starttime)
		actor_remember(pid, uid, gid, si.starttime, lu,
		    out->data + start_len, out->len - start_len);
	return w.err;
}

int
peer_actor_json(int fd, struct buf *out)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int pidfd = -1, rc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "auth", "none");
		jw_null(&w, "uid");
		jw_str(&w, "proc", "unknown");
		jw_obj_end(&w);
		return w.err;
	}
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) != 0)
		pidfd = -1;
	rc = peer_actor_json_for(cr.pid, cr.uid, cr.gid, pidfd, out);
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}
