/* authz_server.c -- the AuthZ plugin's socket: accept dockerd's
 * keep-alive connections, frame its HTTP/1.1 requests (src/http), answer
 * Plugin.Activate / AuthZReq / AuthZRes, and hold an answer back -- never
 * the loop -- until a bypass record is durable or its bound passes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "capture/authz_int.h"
#include "capture/inflight.h"
#include "http/http.h"
#include "journal/journal.h"

#define AZ_HEAD_MAX	(64 * 1024)

enum ac_state { AC_READ, AC_WAIT };

struct az_conn {
	struct authz	*a;
	struct loop_handle h;
	struct buf	 in, out;
	enum ac_state	 state;
	int64_t		 discard;	/* body bytes of an oversized request to skip */
	int		 discard_res;	/* it was an AuthZRes */
	int		 eof, closed, close_after;
	uint64_t	 ticket;
	int64_t		 deadline;	/* mono ns */
	struct az_conn	*next, *prev;
};

static void conn_process(struct az_conn *c);

static void
conn_close(struct az_conn *c)
{
	struct authz *a = c->a;

	if (c->closed)
		return;
	c->closed = 1;
	loop_del(a->loop, &c->h);
	close(c->h.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = a->dead;
	a->dead = c;
}

static void
free_dead(struct authz *a)
{
	while (a->dead) {
		struct az_conn *c = a->dead;

		a->dead = c->next;
		buf_free(&c->in);
		buf_free(&c->out);
		free(c);
	}
}

static void
conn_flush(struct az_conn *c)
{
	uint32_t ev = 0;

	while (c->out.len > 0) {
		ssize_t w = send(c->h.fd, c->out.data, c->out.len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			conn_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)w);
	}
	if (c->out.len == 0 && c->close_after) {
		conn_close(c);
		return;
	}
	if (c->out.len == 0 && c->eof && c->state == AC_READ) {
		conn_close(c);
		return;
	}
	if (c->state == AC_READ && !c->eof)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (c->out.len > 0)
		ev |= EPOLLOUT;
	loop_set(c->a->loop, &c->h, ev);
}

static void
arm_timer(struct authz *a, int on)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (on == a->timer_armed || a->th.fd < 0)
		return;
	if (on) {
		its.it_interval.tv_nsec = 50 * 1000000;
		its.it_value.tv_nsec = 50 * 1000000;
	}
	timerfd_settime(a->th.fd, 0, &its, NULL);
	a->timer_armed = on;
}

/* Answer the waiters whose record is durable, or whose bound passed. */
static void
check_waiters(struct authz *a)
{
	uint64_t durable = jrn_durable(a->j);
	int64_t now = clock_mono_ns();
	int any = 0;

	for (struct az_conn *c = a->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->state != AC_WAIT)
			continue;
		if (c->ticket <= durable) {
			authz_reply(&c->out, 1, NULL, NULL);
		} else if (now >= c->deadline || !jrn_healthy(a->j)) {
			if (a->cfg.on_failure_block) {
				char msg[512];

				a->st.denied_journal++;
				snprintf(msg, sizeof(msg), "dockaudit: the audit "
				    "journal %s did not make the record of this "
				    "call durable in time; mutating calls that "
				    "bypass the proxy are refused until it "
				    "recovers (on_failure: block)",
				    a->cfg.journal_dir ? a->cfg.journal_dir : "");
				authz_reply(&c->out, 0, msg, NULL);
			} else {
				a->st.allowed_unrecorded++;
				authz_reply(&c->out, 1, NULL, NULL);
			}
		} else {
			any = 1;
			continue;
		}
		c->state = AC_READ;
		conn_process(c);
	}
	arm_timer(a, any);
	free_dead(a);
}

static void
dispatch(struct az_conn *c, const struct http_head *h, const char *body,
    size_t n, int close)
{
	struct authz *a = c->a;
	struct authz_decision d;
	int is_res;

	if (h->target_len == 16 && memcmp(h->target, "/Plugin.Activate", 16) == 0) {
		static const char act[] = "{\"Implements\":[\"authz\"]}\n";

		a->st.activations++;
		log_info("authz: dockerd activated the plugin");
		buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/vnd.docker.plugins.v1.2+json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", sizeof(act) - 1, act);
		return;
	}
	if (h->target_len == 21 &&
	    memcmp(h->target, "/AuthZPlugin.AuthZReq", 21) == 0)
		is_res = 0;
	else if (h->target_len == 21 &&
	    memcmp(h->target, "/AuthZPlugin.AuthZRes", 21) == 0)
		is_res = 1;
	else {
		char err[300];

		snprintf(err, sizeof(err), "dockaudit: unknown plugin endpoint "
		    "%.*s (expected /Plugin.Activate, /AuthZPlugin.AuthZReq or "
		    "/AuthZPlugin.AuthZRes)", (int)(h->target_len < 200 ?
		    h->target_len : 200), h->target);
		authz_reply_error(&c->out, 404, err, close);
		return;
	}
	authz_decide(a, is_res, body, n, &d);
	if (d.wait_durable && d.ticket > jrn_durable(a->j)) {
		c->state = AC_WAIT;
		c->ticket = d.ticket;
		c->deadline = clock_mono_ns() + a->cfg.durable_wait_ms * 1000000;
		arm_timer(a, 1);
		return;
	}
	authz_reply(&c->out, d.allow, d.allow ? NULL : d.msg, NULL);
}

static void
conn_process(struct az_conn *c)
{
	struct authz *a = c->a;

	while (!c->closed && c->state == AC_READ && !c->close_after) {
		struct http_head h;
		struct http_framing f;
		const char *why = NULL;
		int status = 400, rc;
		size_t need;

		if (c->discard > 0) {
			size_t take = c->in.len < (uint64_t)c->discard ?
			    c->in.len : (size_t)c->discard;

			buf_consume(&c->in, take);
			c->discard -= (int64_t)take;
			if (c->discard > 0)
				break;
			if (c->discard_res)
				authz_reply(&c->out, 1, NULL, NULL);
			else
				authz_reply(&c->out, 0, "dockaudit policy: the "
				    "AuthZ request is larger than the plugin's "
				    "limit; denied", NULL);
			continue;
		}
		if (c->in.len == 0)
			break;
		rc = http_parse_request(c->in.data, c->in.len, AZ_HEAD_MAX, &h,
		    &status, &why);
		if (rc == HTTP_INCOMPLETE)
			break;
		if (rc == HTTP_BAD || http_request_framing(&h, &f, &status,
		    &why) != 0) {
			a->st.bad_requests++;
			authz_reply_error(&c->out, status, why, 1);
			c->close_after = 1;
			break;
		}
		if (f.chunked) {
			a->st.bad_requests++;
			authz_reply_error(&c->out, 411, "dockaudit: chunked "
			    "plugin requests are not supported (send a "
			    "Content-Length)", 1);
			c->close_after = 1;
			break;
		}
		if (f.length < 0)
			f.length = 0;
		if ((uint64_t)f.length > a->cfg.body_cap) {
			/* Skip it without holding it, then deny (413-like,
			 * but as an answer dockerd shows the client). */
			log_warnx("authz: %.*s body of %lld bytes is over the "
			    "%zu-byte limit: denied", (int)h.target_len,
			    h.target, (long long)f.length, a->cfg.body_cap);
			a->st.bad_requests++;
			c->discard_res = h.target_len == 21 &&
			    memcmp(h.target, "/AuthZPlugin.AuthZRes", 21) == 0;
			c->discard = f.length;
			buf_consume(&c->in, (size_t)rc);
			continue;
		}
		need = (size_t)rc + (size_t)f.length;
		if (c->in.len < need)
			break;
		if (f.close)
			c->close_after = 1;
		dispatch(c, &h, c->in.data + rc, (size_t)f.length, f.close);
		buf_consume(&c->in, need);
	}
	if (!c->closed)
		conn_flush(c);
}

static void
on_conn(struct loop_handle *h, uint32_t ev)
{
	struct az_conn *c = h->arg;
	struct authz *a = c->a;

	if (c->closed)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n;

			if (c->in.len >= AZ_HEAD_MAX + a->cfg.body_cap + 1)
				break;
			if (buf_reserve(&c->in, 64 * 1024) != DA_OK)
				break;
			n = read(h->fd, c->in.data + c->in.len, 64 * 1024);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK) {
					conn_close(c);
					free_dead(a);
					return;
				}
				break;
			}
			if (n == 0) {
				c->eof = 1;
				break;
			}
			c->in.len += (size_t)n;
			c->in.data[c->in.len] = '\0';
			if (n < 64 * 1024)
				break;
		}
	}
	if (ev & (EPOLLHUP | EPOLLERR))
		c->eof = 1;
	if (c->eof && c->state == AC_WAIT) {
		/* dockerd gave up on the call: nothing to answer */
		conn_close(c);
		free_dead(a);
		return;
	}
	conn_process(c);
	free_dead(a);
}

static void
on_accept(struct loop_handle *h, uint32_t ev)
{
	struct authz *a = h->arg;
	int fd;

	(void)ev;
	while ((fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct az_conn *c = calloc(1, sizeof(*c));

		if (c == NULL) {
			close(fd);
			continue;
		}
		c->a = a;
		c->h = (struct loop_handle){ .fd = fd, .cb = on_conn, .arg = c };
		buf_init(&c->in, AZ_HEAD_MAX + a->cfg.body_cap + 64 * 1024);
		buf_init(&c->out, 1 << 20);
		c->next = a->conns;
		if (a->conns)
			a->conns->prev = c;
		a->conns = c;
		loop_set(a->loop, &c->h, EPOLLIN | EPOLLRDHUP);
	}
}

static void
on_journal(struct loop_handle *h, uint32_t ev)
{
	(void)ev;
	/* Edge-triggered on a dup of the proxy's eventfd: never read it,
	 * the proxy's waiters need its counter. */
	check_waiters(h->arg);
}

static void
on_timer(struct loop_handle *h, uint32_t ev)
{
	uint64_t v;

	(void)ev;
	while (read(h->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	check_waiters(h->arg);
}

static int
listen_plugin(struct authz *a, char *err)
{
	int rc;

	/* dockerd connects as root; nobody else needs this socket */
	if ((rc = unixsock_listen(&a->sock, "authz socket", a->cfg.socket_path,
	    0600, (gid_t)-1, 1024, err)) != DA_OK)
		return rc;
	a->lh = (struct loop_handle){ .fd = a->sock.fd, .cb = on_accept,
	    .arg = a };
	if (loop_set(a->loop, &a->lh, EPOLLIN) != 0) {
		rc = da_seterr(err, DA_E_IO, "authz socket %s: epoll: %s",
		    a->cfg.socket_path, strerror(errno));
		unixsock_close(&a->sock);
		a->lh.fd = -1;
		return rc;
	}
	return DA_OK;
}

int
authz_start(struct authz **out, struct loop *loop, struct journal *j,
    const struct authz_config *cfg, char *err)
{
	struct authz *a;
	int rc;

	if (cfg->socket_path == NULL)
		return da_seterr(err, DA_E_INVAL, "authz: no socket path");
	if ((a = authz_new(j, cfg)) == NULL)
		return DA_E_NOMEM;
	a->loop = loop;
	a->jh = (struct loop_handle){ .fd = dup(jrn_notify_fd(j)),
	    .cb = on_journal, .arg = a };
	a->th = (struct loop_handle){ .fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC), .cb = on_timer, .arg = a };
	if (a->jh.fd < 0 || a->th.fd < 0 ||
	    loop_set(loop, &a->jh, EPOLLIN | EPOLLET) != 0 ||
	    loop_set(loop, &a->th, EPOLLIN) != 0) {
		rc = da_seterr(err, DA_E_IO, "authz: journal notify / timer: %s",
		    strerror(errno));
		authz_stop(a);
		return rc;
	}
	if ((rc = listen_plugin(a, err)) != DA_OK) {
		authz_stop(a);
		return rc;
	}
	inflight_enable(1);
	*out = a;
	return DA_OK;
}

void
authz_stop(struct authz *a)
{
	if (a == NULL)
		return;
	if (a->lh.fd >= 0) {
		loop_del(a->loop, &a->lh);
		unixsock_close(&a->sock);
	}
	while (a->conns)
		conn_close(a->conns);
	free_dead(a);
	if (a->jh.fd >= 0) {
		loop_del(a->loop, &a->jh);
		close(a->jh.fd);
	}
	if (a->th.fd >= 0) {
		loop_del(a->loop, &a->th);
		close(a->th.fd);
	}
	inflight_enable(0);
	authz_free(a);
}
