/* peer.h -- who is on the other end of a unix-socket connection.
 *
 * SO_PEERCRED gives pid/uid/gid as of connect(); /proc/<pid> gives the
 * rest: loginuid (the human behind sudo/su; 4294967295 = unset), sessionid,
 * comm, exe, cmdline (secrets in it redacted, see cmdline.h), tty, a few
 * parents, and the caller's container id from /proc/<pid>/cgroup.  When the
 * process exits while we read (or its pid was reused), the /proc fields are
 * dropped and "proc":"exited" says so: nothing is guessed. */
#ifndef DA_PEER_H
#define DA_PEER_H

#include <sys/types.h>

#include "base/buf.h"

#define PEER_PARENTS	4

/* Render the "actor" object for the peer of connected unix socket fd into
 * out (the JSON object text, braces included).  Never fails for lack of
 * /proc data; returns DA_E_NOMEM only. */
int	peer_actor_json(int fd, struct buf *out);

/* The same for a known pid/uid/gid (tests, AuthZ peers); pidfd may be -1. */
int	peer_actor_json_for(pid_t pid, uid_t uid, gid_t gid, int pidfd,
	    struct buf *out);

/* Container id (64 hex) from a /proc/<pid>/cgroup text, or 0 if the process
 * is not in a docker container.  Handles cgroupfs ("/docker/<id>") and the
 * systemd driver ("/system.slice/docker-<id>.scope"), v1 and v2. */
int	peer_container_from_cgroup(const char *text, char id[65]);

/* "pts/3", "tty1", "ttyS0" from a tty_nr, or 0 if none. */
int	peer_tty_name(unsigned long tty_nr, char *out, size_t outlen);

#endif
