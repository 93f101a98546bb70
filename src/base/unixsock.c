/* unixsock.c -- listening unix sockets in the file system (see unixsock.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "base/unixsock.h"

int
unixsock_mkparents(const char *path, char *err)
{
	char dir[sizeof(((struct unixsock *)0)->path)];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", path);
	/* each prefix ending before a '/', shortest first */
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			int e = errno;

			return da_seterr(err, DA_E_IO, "%s: cannot create "
			    "directory %s: %s", path, dir, strerror(e));
		}
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			return da_seterr(err, DA_E_IO, "%s: %s is not a "
			    "directory", path, dir);
		*p = '/';
	}
	return DA_OK;
}

int
unixsock_listen(struct unixsock *us, const char *what, const char *path,
    mode_t mode, gid_t gid, int backlog, char *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	us->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return da_seterr(err, DA_E_INVAL, "%s %s: path longer than %zu "
		    "bytes; use a shorter path", what, path,
		    sizeof(sa.sun_path) - 1);
	if ((rc = unixsock_mkparents(path, err)) != DA_OK) {
		char inner[DA_ERRLEN];

		snprintf(inner, sizeof(inner), "%s", err);
		return da_seterr(err, rc, "%s %s", what, inner);
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return da_seterr(err, DA_E_EXISTS, "%s %s: exists and is "
			    "not a socket; remove it or choose another path",
			    what, path);
		unlink(path);	/* stale socket of an earlier run */
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return da_seterr(err, DA_E_IO, "%s %s: socket: %s", what, path,
		    strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, mode) != 0 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0) ||
	    lstat(path, &st) != 0 || listen(fd, backlog) != 0) {
		int e = errno;

		close(fd);
		return da_seterr(err, DA_E_IO, "%s %s: %s", what, path,
		    strerror(e));
	}
	us->fd = fd;
	us->dev = st.st_dev;
	us->ino = st.st_ino;
	snprintf(us->path, sizeof(us->path), "%s", path);
	return DA_OK;
}

void
unixsock_close(struct unixsock *us)
{
	struct stat st;

	if (us->fd < 0)
		return;
	close(us->fd);
	us->fd = -1;
	/* a newer instance may have bound the path since: leave its socket */
	if (lstat(us->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == us->dev && st.st_ino == us->ino)
		unlink(us->path);
}
