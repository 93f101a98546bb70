/* unixsock.h -- listening unix sockets that dockaudit serves (the audited
 * socket, the AuthZ plugin socket).
 *
 * One place knows how such a socket is put in the file system: its parent
 * directories made as dockerd makes /run/docker/plugins (0755, root) so a
 * fresh host works, a stale socket of an earlier run replaced (anything that
 * is not a socket refused), mode and group set before listen(2), and on stop
 * the path removed only if it is still the socket this process bound (a newer
 * instance may already have replaced it). */
#ifndef DA_UNIXSOCK_H
#define DA_UNIXSOCK_H

#include <sys/types.h>

struct unixsock {
	int fd;			/* listening, non-blocking, close-on-exec */
	dev_t dev;		/* identity of the bound path, for unlink */
	ino_t ino;
	char path[108];
};

/* Make the parent directories of path (mode 0755) that do not exist. */
int unixsock_mkparents(const char *path, char *err);

/* Bind and listen on path with the given mode (and group unless gid is
 * (gid_t)-1).  what names the socket in messages ("listen", "authz socket").
 * Returns DA_OK and fills *us, or an error with err set. */
int unixsock_listen(struct unixsock *us, const char *what, const char *path,
    mode_t mode, gid_t gid, int backlog, char *err);

/* Close the socket and unlink its path if the path still names it. */
void unixsock_close(struct unixsock *us);

#endif
