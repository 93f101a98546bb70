/* events_inspect.c -- a container's label names, asked of dockerd.
 *
 * An exit code, signal or exec id is promoted only when the container is
 * known to have no label of that name (events_map.c).  Label names are
 * normally learned from the container's earlier events; for a container
 * whose earlier events we never saw (created before dockaudit watched, or
 * before the replay window) the events stream asks dockerd once:
 * GET /containers/<id>/json, Config.Labels.  The call blocks the loop, so
 * it is bounded by a short deadline and made at most once per container. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "capture/callmark.h"
#include "capture/events_int.h"
#include "http/http.h"
#include "json/json.h"

#define INSPECT_MAX	(4 * 1024 * 1024)

/* Read until EOF or the deadline. */
static int
read_all(int fd, int64_t deadline, struct buf *b, char *err)
{
	char tmp[16384];

	for (;;) {
		int64_t left = (deadline - clock_mono_ns()) / 1000000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			return da_seterr(err, DA_E_AGAIN, "no answer in time");
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return da_seterr(err, DA_E_IO, "poll: %s", strerror(errno));
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			return DA_OK;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return da_seterr(err, DA_E_IO, "read: %s", strerror(errno));
		}
		if (buf_append(b, tmp, (size_t)n) != DA_OK)
			return da_seterr(err, DA_E_TOOBIG, "answer too large");
	}
}

int
ev_inspect_labels(const char *backend, const char *id, int timeout_ms,
    unsigned *mask, char *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = clock_mono_ns() + (int64_t)timeout_ms * 1000000;
	struct http_head h;
	const char *why;
	struct json *root;
	struct buf b;
	char req[160 + CALLMARK_LINE_MAX], target[96], mark[CALLMARK_LINE_MAX];
	int fd, rc, n;

	if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return da_seterr(err, DA_E_INVAL, "not a container id");
	snprintf(target, sizeof(target), "/containers/%s/json", id);
	callmark_own_call("GET", target, mark);
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.0\r\nHost: docker\r\n%s\r\n", target, mark);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", backend);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = da_seterr(err, DA_E_IO, "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	/* a request this small fits the socket buffer of a fresh connection */
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return da_seterr(err, DA_E_IO, "send: %s", strerror(errno));
	}
	buf_init(&b, INSPECT_MAX);
	rc = read_all(fd, deadline, &b, err);
	close(fd);
	if (rc == DA_OK) {
		int hl = b.len ? http_parse_response(b.data, b.len, 65536, &h,
		    &why) : HTTP_INCOMPLETE;

		if (hl < 0)
			rc = da_seterr(err, DA_E_PARSE, "bad answer");
		else if (h.status == 404)
			rc = da_seterr(err, DA_E_NOTFOUND, "no such container");
		else if (h.status != 200 || (root = json_parse(b.data + hl,
		    b.len - (size_t)hl, err)) == NULL)
			rc = da_seterr(err, DA_E_PARSE, "answer %d", h.status);
		else {
			*mask = ev_added_mask(json_path(root, "Config.Labels"));
			json_free(root);
		}
	}
	buf_free(&b);
	return rc;
}
