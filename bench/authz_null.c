/* authz_null.c -- the least an AuthZ plugin can cost: the baseline for
 * bench/authz.sh.
 *
 * Serves the plugin protocol on a unix socket and allows everything
 * without looking: Plugin.Activate answers {"Implements":["authz"]},
 * anything else {"Allow":true}.  Reads each request's head and
 * Content-Length body, keeps connections alive, one poll() loop.  What a
 * dockerd with this plugin costs over a dockerd without one is dockerd's
 * own AuthZ client (marshal, HTTP, unmarshal, twice a call), which no
 * plugin can make cheaper.
 * usage: authz_null SOCKET */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXC	128
#define BUFSZ	(4 << 20)	/* dockerd sends up to ~1.5 MB */

struct conn {
	int	 fd;
	char	*buf;
	size_t	 len;
};

static struct conn conns[MAXC];

/* Bytes of one whole request at the start of c->buf, or 0 if incomplete. */
static size_t
request_len(const struct conn *c)
{
	const char *end, *p;
	size_t head, body = 0;

	if ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	for (p = c->buf; p < end; p++)
		if ((p == c->buf || p[-1] == '\n') &&
		    strncasecmp(p, "Content-Length:", 15) == 0)
			body = strtoul(p + 15, NULL, 10);
	return c->len >= head + body ? head + body : 0;
}

static int
serve(struct conn *c)
{
	static const char act[] = "{\"Implements\":[\"authz\"]}";
	static const char allow[] = "{\"Allow\":true}";
	char out[256];
	ssize_t n;
	size_t r;

	n = read(c->fd, c->buf + c->len, BUFSZ - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	while ((r = request_len(c)) > 0) {
		const char *body = memmem(c->buf, r, "/Plugin.Activate", 16) ?
		    act : allow;
		int ol = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "\r\n%s", strlen(body), body);

		if (write(c->fd, out, (size_t)ol) != ol)
			return -1;
		memmove(c->buf, c->buf + r, c->len - r);
		c->len -= r;
	}
	return c->len < BUFSZ ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pf[MAXC + 1];
	int lfd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: authz_null SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 64) != 0) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	for (;;) {
		int n = 0, map[MAXC + 1];

		pf[n].fd = lfd;
		pf[n++].events = POLLIN;
		for (int i = 0; i < MAXC; i++)
			if (conns[i].fd >= 0) {
				map[n] = i;
				pf[n].fd = conns[i].fd;
				pf[n++].events = POLLIN;
			}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (int k = 1; k < n; k++) {
			struct conn *c = &conns[map[k]];

			if (pf[k].revents && serve(c) < 0) {
				close(c->fd);
				c->fd = -1;
				c->len = 0;
			}
		}
		if (pf[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			int i;

			for (i = 0; fd >= 0 && i < MAXC && conns[i].fd >= 0; i++)
				;
			if (fd >= 0 && i == MAXC) {
				close(fd);
				continue;
			}
			if (fd >= 0 && conns[i].buf == NULL &&
			    (conns[i].buf = malloc(BUFSZ)) == NULL) {
				close(fd);
				continue;
			}
			if (fd >= 0)
				conns[i].fd = fd;
		}
	}
}
