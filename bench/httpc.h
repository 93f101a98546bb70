// SPDX-License-Identifier: MIT
/* httpc.h -- the tiny blocking HTTP/1.1-over-unix-socket client shared by
 * the bench tools (latency.c, conns.c): connect, write, and read one
 * response (Content-Length, chunked with extensions and trailers, bodiless
 * statuses, read-until-close).  Header-only (static functions); errors are
 * fatal (die), which is what a benchmark wants. */
#ifndef BENCH_HTTPC_H
#define BENCH_HTTPC_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *prog_name = "bench";
static int io_timeout_s = 30;	/* per read/write; 0 = none */

#define RB_SIZE		(256 * 1024)

struct rbuf {
	int	 rb_fd;
	size_t	 rb_off;
	size_t	 rb_len;
	char	 rb_data[RB_SIZE];
};

static inline void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(prog_name, stderr);
	fputs(": ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("connect %s: %s", path, strerror(errno));
	if (io_timeout_s > 0) {
		struct timeval tv = { .tv_sec = io_timeout_s, .tv_usec = 0 };

		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
			die("setsockopt: %s", strerror(errno));
	}
	return fd;
}

static inline void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die("write blocked for %d s", io_timeout_s);
		if (w <= 0)
			die("write: %s", w < 0 ? strerror(errno) : "short write");
		p += w;
		n -= (size_t)w;
	}
}

/* Read more bytes; returns 0 at EOF. */
static inline size_t
rb_fill(struct rbuf *rb)
{
	ssize_t r;

	if (rb->rb_off > 0 && rb->rb_off == rb->rb_len)
		rb->rb_off = rb->rb_len = 0;
	if (rb->rb_len == sizeof(rb->rb_data)) {
		if (rb->rb_off == 0)
			die("response line or header block too long");
		memmove(rb->rb_data, rb->rb_data + rb->rb_off,
		    rb->rb_len - rb->rb_off);
		rb->rb_len -= rb->rb_off;
		rb->rb_off = 0;
	}
	do
		r = read(rb->rb_fd, rb->rb_data + rb->rb_len,
		    sizeof(rb->rb_data) - rb->rb_len);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		die("no response bytes for %d s (have %zu bytes of this response)",
		    io_timeout_s, rb->rb_len);
	if (r < 0)
		die("read: %s", strerror(errno));
	rb->rb_len += (size_t)r;
	return (size_t)r;
}

/* Next CRLF-terminated line (NUL-terminated in place, CRLF cut). */
static inline char *
rb_line(struct rbuf *rb)
{
	for (;;) {
		char *s = rb->rb_data + rb->rb_off;
		char *e = memmem(s, rb->rb_len - rb->rb_off, "\r\n", 2);

		if (e != NULL) {
			*e = '\0';
			rb->rb_off = (size_t)(e + 2 - rb->rb_data);
			return s;
		}
		if (rb_fill(rb) == 0)
			die("connection closed inside a response head");
	}
}

static inline void
rb_skip(struct rbuf *rb, uint64_t n)
{
	while (n > 0) {
		size_t have = rb->rb_len - rb->rb_off;

		if (have == 0) {
			if (rb_fill(rb) == 0)
				die("connection closed inside a response body");
			continue;
		}
		if (have > n)
			have = (size_t)n;
		rb->rb_off += have;
		n -= have;
	}
}

static inline uint64_t
parse_u64(const char *s, int base, const char *what)
{
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || end == s)
		die("bad %s: \"%s\"", what, s);
	return v;
}

/* Read one response; returns the status; *closed set when the server will
 * close (Connection: close or read-until-close body). */
static inline int
read_response(struct rbuf *rb, int head_only, int *closed)
{
	int status, chunked = 0, have_len = 0, i;
	uint64_t clen = 0;
	char *l;

	*closed = 0;
	for (;;) {
		l = rb_line(rb);
		if (strncmp(l, "HTTP/1.", 7) != 0 || strlen(l) < 12)
			die("bad status line: \"%.80s\"", l);
		status = 0;
		for (i = 9; i < 12; i++) {
			if (l[i] < '0' || l[i] > '9')
				die("bad status line: \"%.80s\"", l);
			status = status * 10 + (l[i] - '0');
		}
		if (l[7] == '0')
			*closed = 1;	/* HTTP/1.0 without keep-alive */
		while (*(l = rb_line(rb)) != '\0') {
			char *v = strchr(l, ':');

			if (v == NULL)
				die("bad header line: \"%.80s\"", l);
			*v++ = '\0';
			if (strcasecmp(l, "Content-Length") == 0) {
				clen = parse_u64(v, 10, "Content-Length");
				have_len = 1;
			} else if (strcasecmp(l, "Transfer-Encoding") == 0) {
				if (strcasestr(v, "chunked") != NULL)
					chunked = 1;
			} else if (strcasecmp(l, "Connection") == 0) {
				if (strcasestr(v, "close") != NULL)
					*closed = 1;
				else if (strcasestr(v, "keep-alive") != NULL)
					*closed = 0;
			}
		}
		if (status >= 100 && status < 200 && status != 101)
			continue;	/* interim response: the real one follows */
		break;
	}
	if (head_only || status == 204 || status == 304 || status == 101 ||
	    (status >= 100 && status < 200))
		return status;
	if (chunked) {
		for (;;) {
			uint64_t sz;

			l = rb_line(rb);
			sz = parse_u64(l, 16, "chunk size");
			if (sz == 0)
				break;
			rb_skip(rb, sz);
			if (*rb_line(rb) != '\0')
				die("chunk not followed by CRLF");
		}
		while (*rb_line(rb) != '\0')
			;	/* trailers */
	} else if (have_len) {
		rb_skip(rb, clen);
	} else {
		while (rb_fill(rb) > 0)
			rb->rb_off = rb->rb_len;
		*closed = 1;
	}
	return status;
}

#endif
