/* proxy.c -- listeners, connections and byte pumping for the audited socket.
 *
 * One epoll loop serves every client.  Each client connection is paired
 * with its own connection to dockerd (keep-alive maps one to one, which is
 * what makes hijacked streams safe).  Bytes move without copies beyond the
 * two per-direction buffers; request and response state machines live in
 * proxy_request.c and proxy_response.c and only mark how many front bytes
 * of a buffer may be forwarded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "capture/peer.h"
#include "capture/proxy_int.h"
#include "daemon/selfaudit.h"
#include "journal/journal.h"
#include "json/json.h"

void
proxy_config_defaults(struct proxy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socket_mode = 0660;
	cfg->socket_gid = (gid_t)-1;
	cfg->head_limit = 64 * 1024;
	cfg->body_limit = 4 * 1024 * 1024;
	cfg->header_timeout_s = 30;
	cfg->max_conns = 4096;
	cfg->buffered_limit = (size_t)256 << 20;
	cfg->on_failure_block = 1;
	cfg->level_write = LEVEL_REQUEST;
	cfg->level_read = LEVEL_METADATA;
}

static void on_client(struct loop_handle *h, uint32_t ev);
static void on_upstream(struct loop_handle *h, uint32_t ev);

/* ---- connection lifecycle ---- */

static void
conn_unlink_waiter(struct conn *c)
{
	struct proxy *px = c->px;
	struct conn **pp = &px->wait_head, *prev = NULL;

	if (!c->waiting)
		return;
	for (; *pp != NULL; prev = *pp, pp = &(*pp)->wnext) {
		if (*pp == c) {
			*pp = c->wnext;
			if (px->wait_tail == c)
				px->wait_tail = prev;
			break;
		}
	}
	c->waiting = 0;
}

void
px_conn_close(struct conn *c)
{
	struct proxy *px = c->px;

	if (c->closed)
		return;
	if (c->call_active)
		px_call_finish(c, c->rq == RQ_TUNNEL ? "closed" : "aborted");
	c->closed = 1;
	px_account(c);		/* its buffers no longer count */
	conn_unlink_waiter(c);
	loop_del(px->loop, &c->ch);
	close(c->ch.fd);
	if (c->uh.fd >= 0) {
		loop_del(px->loop, &c->uh);
		close(c->uh.fd);
		c->uh.fd = -1;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = px->dead;
	px->dead = c;
	px->st.conns_active--;
}

static void
conn_free(struct conn *c)
{
	px_call_reset(c);
	buf_free(&c->cin);
	buf_free(&c->uin);
	buf_free(&c->up_head);
	buf_free(&c->to_client);
	free(c->actor);
	free(c);
}

static void
free_dead(void *arg)
{
	struct proxy *px = arg;

	while (px->dead) {
		struct conn *c = px->dead;
		px->dead = c->next;
		conn_free(c);
	}
}

/* Bigger socket buffers let image load/save and cp move in fewer, larger
 * steps (fewer wakeups and EAGAINs); the kernel only uses the memory while
 * data is queued.  SO_SNDBUFFORCE passes wmem_max when we may; otherwise
 * the plain option gives what the system allows. */
static void
set_stream_buffers(int fd)
{
	int sz = PX_SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

int
px_connect_upstream(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (c->uh.fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->px->cfg.backend);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A unix connect either completes or fails (EAGAIN: dockerd's
	 * listen backlog is full); there is no connection in progress. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	c->uh = (struct loop_handle){ .fd = fd, .cb = on_upstream, .arg = c };
	set_stream_buffers(fd);
	return 0;
}

/* ---- writing ---- */

/* Write from b[0..n); returns bytes written, or -1 on a hard error. */
static ssize_t
write_some(int fd, const char *p, size_t n)
{
	ssize_t w;

	do {
		w = send(fd, p, n, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	return w;
}

/* Push pending bytes upstream and to the client.  -1: connection broke. */
static int
flush(struct conn *c)
{
	ssize_t w;

	if (c->uh.fd >= 0) {
		while (c->up_head.len > 0) {
			if ((w = write_some(c->uh.fd, c->up_head.data,
			    c->up_head.len)) < 0)
				return -1;
			if (w == 0)
				break;
			buf_consume(&c->up_head, (size_t)w);
		}
		while (c->up_head.len == 0 && c->cin_fwd > 0) {
			if ((w = write_some(c->uh.fd, c->cin.data, c->cin_fwd)) < 0)
				return -1;
			if (w == 0)
				break;
			buf_consume(&c->cin, (size_t)w);
			c->cin_fwd -= (size_t)w;
			c->cin_seen -= (size_t)w;
			if (c->call_active)
				c->call.bytes_in += w;
		}
		if (c->c_eof && !c->u_shut && c->cin.len == 0 &&
		    c->up_head.len == 0 &&
		    (c->rq == RQ_TUNNEL || c->rq == RQ_SENT ||
		    c->rq == RQ_BODY_STREAM)) {
			shutdown(c->uh.fd, SHUT_WR);
			c->u_shut = 1;
		}
	}
	while (c->to_client.len > 0) {
		if ((w = write_some(c->ch.fd, c->to_client.data,
		    c->to_client.len)) < 0)
			return -1;
		if (w == 0)
			break;
		buf_consume(&c->to_client, (size_t)w);
	}
	while (c->to_client.len == 0 && c->uin_fwd > 0) {
		if ((w = write_some(c->ch.fd, c->uin.data, c->uin_fwd)) < 0)
			return -1;
		if (w == 0)
			break;
		buf_consume(&c->uin, (size_t)w);
		c->uin_fwd -= (size_t)w;
		c->uin_seen -= (size_t)w;
		if (c->call_active)
			c->call.bytes_out += w;
	}
	if (c->u_eof && !c->c_shut && c->rq == RQ_TUNNEL && c->uin.len == 0 &&
	    c->to_client.len == 0) {
		shutdown(c->ch.fd, SHUT_WR);
		c->c_shut = 1;
	}
	return 0;
}

/* Read what the socket has into b, up to its limit.  Buffers start small
 * (an idle keep-alive connection should cost little) and double while a
 * stream keeps filling them.  Returns bytes read, 0 at EOF, -2 when
 * nothing is available or b is full, -1 on error; *drained is set when the
 * read came back short, so the socket has nothing more for now. */
static ssize_t
read_into(int fd, struct buf *b, size_t limit, int *drained)
{
	size_t room, want;
	ssize_t n;

	if (b->len >= limit)
		return -2;
	if (b->data != NULL && b->cap - b->len >= 4096)
		want = b->cap - b->len;
	else
		want = b->cap < PX_READ_MIN ? PX_READ_MIN : b->cap;
	if (want > PX_READ_CHUNK)
		want = PX_READ_CHUNK;
	room = limit - b->len < want ? limit - b->len : want;
	if (buf_reserve(b, room) != DA_OK)
		return -2;
	do {
		n = read(fd, b->data + b->len, room);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
	b->len += (size_t)n;
	b->data[b->len] = '\0';
	*drained = (size_t)n < room;
	return n;
}

/* How many client bytes we are willing to hold.  While streaming this
 * bounds the bytes not yet sent upstream, so a slow dockerd (or a slow
 * reader on the other side) pushes back on the client instead of growing
 * our memory. */
static size_t
cin_limit(const struct conn *c)
{
	const struct proxy_config *cfg = &c->px->cfg;

	if (c->rq == RQ_HEAD)
		return cfg->head_limit + 1;
	if (c->rq == RQ_BODY_BUFFER || c->rq == RQ_WAIT_DURABLE)
		return c->call.head_len + cfg->body_limit + 64 * 1024 +
		    PX_STREAM_MAX;
	return PX_STREAM_MAX;
}

/* ---- the budget for all connections' buffers (limits.buffered_bytes) ----
 *
 * px->st.buffered_bytes is what the connections' buffers have allocated,
 * brought up to date by px_account after every read and every advance.
 * While it is at or over the limit no buffer grows: a stream goes on
 * through the room its buffers already have (at least PX_READ_MIN), so it
 * slows down but never stops for good; a call still being read (its head,
 * or a JSON body held for extraction) that would need more room is
 * refused with 503 before anything of it is forwarded.  The count can
 * pass the limit by what one read adds to one buffer. */

static size_t
held(const struct buf *b)
{
	return b->data != NULL ? b->cap + b->skip : 0;
}

void
px_account(struct conn *c)
{
	size_t now = 0;

	if (!c->closed)
		now = held(&c->cin) + held(&c->uin) + held(&c->up_head) +
		    held(&c->to_client) + held(&c->call.raw);
	c->px->st.buffered_bytes += now;
	c->px->st.buffered_bytes -= c->accounted;
	c->accounted = now;
}

static int
over_budget(const struct proxy *px)
{
	return px->cfg.buffered_limit > 0 &&
	    px->st.buffered_bytes >= px->cfg.buffered_limit;
}

/* The most b may hold now: limit, or while over budget no more than the
 * room it already has. */
static size_t
budget_limit(const struct conn *c, const struct buf *b, size_t limit)
{
	size_t room;

	if (!over_budget(c->px))
		return limit;
	room = held(b) > PX_READ_MIN ? held(b) : PX_READ_MIN;
	return room < limit ? room : limit;
}

static size_t
client_limit(const struct conn *c)
{
	return budget_limit(c, &c->cin, cin_limit(c));
}

/* A call still being read that cannot go on without a bigger buffer. */
static int
blocked_by_budget(const struct conn *c)
{
	return (c->rq == RQ_HEAD || c->rq == RQ_BODY_BUFFER) && !c->c_eof &&
	    c->cin.len > 0 && c->cin.len >= client_limit(c) &&
	    c->cin.len < cin_limit(c);
}

/* Register interest; a hung-up socket that we neither read nor write is
 * taken out of epoll, or its level-triggered HUP would spin the loop. */
static void
set_interest(struct loop *l, struct loop_handle *h, uint32_t ev, int hup)
{
	if (hup && ev == 0)
		loop_del(l, h);
	else
		loop_set(l, h, ev);
}

void
px_update_interest(struct conn *c)
{
	uint32_t cev = 0, uev = 0;

	if (c->closed)
		return;
	if (!c->c_eof && c->rq != RQ_DEAD && c->cin.len < client_limit(c))
		cev |= EPOLLIN | EPOLLRDHUP;
	if (c->to_client.len > 0 || c->uin_fwd > 0)
		cev |= EPOLLOUT;
	set_interest(c->px->loop, &c->ch, cev, c->c_hup);
	if (c->uh.fd >= 0) {
		if (!c->u_eof && c->uin.len < budget_limit(c, &c->uin,
		    PX_STREAM_MAX))
			uev |= EPOLLIN | EPOLLRDHUP;
		if (c->up_head.len > 0 || c->cin_fwd > 0)
			uev |= EPOLLOUT;
		set_interest(c->px->loop, &c->uh, uev, c->u_hup);
	}
}

/* Drive both state machines until neither makes progress, then flush
 * once (one send per direction per wakeup); repeat while flushing frees
 * room that lets them go on. */
void
px_advance(struct conn *c)
{
	for (int guard = 0; guard < 64 && !c->closed; guard++) {
		size_t cin_before, uin_before;
		int progress = 1;

		for (int i = 0; i < 64 && progress && !c->closed; i++) {
			progress = px_request_progress(c);
			if (!c->closed)
				progress |= px_response_progress(c);
		}
		if (c->closed)
			return;
		cin_before = c->cin_fwd + c->up_head.len;
		uin_before = c->uin_fwd + c->to_client.len;
		if (flush(c) != 0) {
			px_conn_close(c);
			return;
		}
		/* Nothing left to send: the next request (or response) may
		 * now be parsed; otherwise the sockets are full or idle. */
		if (!((cin_before > 0 && c->cin_fwd + c->up_head.len == 0) ||
		    (uin_before > 0 && c->uin_fwd + c->to_client.len == 0)))
			break;
	}
	if (c->closed)
		return;
	px_account(c);
	if (blocked_by_budget(c)) {
		px_request_over_budget(c);
		if (flush(c) != 0) {
			px_conn_close(c);
			return;
		}
	}
	if (c->close_after_flush && c->to_client.len == 0 && c->uin_fwd == 0) {
		px_conn_close(c);
		return;
	}
	/* Both directions finished: the connection is done. */
	if (c->c_eof && c->cin.len == 0 && !c->call_active &&
	    c->to_client.len == 0 && c->uin_fwd == 0 &&
	    (c->rq == RQ_HEAD || c->rq == RQ_DEAD)) {
		px_conn_close(c);
		return;
	}
	/* An idle keep-alive connection keeps no buffers. */
	if (c->rq == RQ_HEAD && !c->call_active && c->cin.len == 0 &&
	    c->uin.len == 0) {
		buf_free(&c->cin);
		buf_free(&c->uin);
	}
	px_account(c);
	if (c->rq == RQ_TUNNEL && c->c_eof && c->u_eof && c->cin.len == 0 &&
	    c->uin.len == 0 && c->to_client.len == 0) {
		px_conn_close(c);
		return;
	}
	px_update_interest(c);
}

void
px_respond_local(struct conn *c, int status, const char *msg)
{
	struct buf body;

	buf_init(&body, 4096);
	buf_puts(&body, "{\"message\":\"");
	json_escape(&body, msg, strlen(msg));
	buf_puts(&body, "\"}\n");
	buf_printf(&c->to_client,
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    status, http_reason(status), body.len, body.data);
	buf_free(&body);
	c->close_after_flush = 1;
	c->rq = RQ_DEAD;
}

/* ---- events ---- */

static void
on_client(struct loop_handle *h, uint32_t ev)
{
	struct conn *c = h->arg;
	ssize_t n;

	if (c->closed)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		int drained = 0;

		while (!c->c_eof && !drained && (n = read_into(c->ch.fd,
		    &c->cin, client_limit(c), &drained)) != -2) {
			if (n < 0) {
				px_conn_close(c);
				return;
			}
			if (n == 0)
				c->c_eof = 1;
			px_account(c);
		}
	}
	if (ev & (EPOLLHUP | EPOLLERR))
		c->c_hup = 1;
	px_advance(c);
}

static void
on_upstream(struct loop_handle *h, uint32_t ev)
{
	struct conn *c = h->arg;
	int fd = h->fd;
	ssize_t n;

	if (c->closed)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		int drained = 0;

		while (!c->u_eof && !drained && (n = read_into(fd, &c->uin,
		    budget_limit(c, &c->uin, PX_STREAM_MAX), &drained)) != -2) {
			px_account(c);
			if (n <= 0) {
				c->u_eof = 1;
				px_response_eof(c);
				if (c->closed)
					return;
				break;
			}
		}
	}
	/* px_response_eof may have dropped an idle upstream connection. */
	if ((ev & (EPOLLHUP | EPOLLERR)) && c->uh.fd == fd)
		c->u_hup = 1;
	px_advance(c);
}

static void
on_accept(struct loop_handle *h, uint32_t ev)
{
	struct listener *l = h->arg;
	struct proxy *px = l->px;
	int fd;

	(void)ev;
	while ((fd = accept4(h->fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = calloc(1, sizeof(*c));
		struct buf actor;

		if (c == NULL) {
			close(fd);
			continue;
		}
		c->px = px;
		c->ch = (struct loop_handle){ .fd = fd, .cb = on_client, .arg = c };
		set_stream_buffers(fd);
		c->uh.fd = -1;
		buf_init(&c->cin, BUF_UNLIMITED);
		buf_init(&c->uin, BUF_UNLIMITED);
		buf_init(&c->up_head, 128 * 1024);
		buf_init(&c->to_client, 64 * 1024);
		buf_init(&actor, 64 * 1024);
		peer_actor_json(fd, &actor);
		c->actor = buf_steal(&actor, &c->actor_len);
		c->next = px->conns;
		if (px->conns)
			px->conns->prev = c;
		px->conns = c;
		px->st.conns_accepted++;
		px->st.conns_active++;
		if ((int)px->st.conns_active > px->cfg.max_conns) {
			px->st.conns_refused++;
			px_respond_local(c, 503,
			    "dockaudit: too many connections (max_connections); retry later");
		}
		px_advance(c);
	}
}

static void
on_journal(struct loop_handle *h, uint32_t ev)
{
	struct proxy *px = h->arg;
	uint64_t v, durable;

	(void)ev;
	while (read(h->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	if (jrn_healthy(px->j) != px->jhealthy) {
		char detail[160];

		px->jhealthy = jrn_healthy(px->j);
		snprintf(detail, sizeof(detail),
		    "{\"denied_journal\":%llu,\"forwarded_unrecorded\":%llu}",
		    (unsigned long long)px->st.denied_journal,
		    (unsigned long long)px->st.forwarded_unrecorded);
		if (px->jhealthy)
			log_warnx("journal writable again");
		else
			log_warnx("journal not writable: mutating calls are %s",
			    px->cfg.on_failure_block ? "refused" :
			    "passed unrecorded");
		selfaudit(px->j, px->jhealthy ? "journal.resumed" :
		    "journal.failed", px->jhealthy ? "success" : "failure",
		    detail, NULL);
	}
	durable = jrn_durable(px->j);
	while (px->wait_head != NULL &&
	    (px->wait_head->call.ticket <= durable || !jrn_healthy(px->j))) {
		struct conn *c = px->wait_head;

		px->wait_head = c->wnext;
		if (px->wait_head == NULL)
			px->wait_tail = NULL;
		c->waiting = 0;
		c->wnext = NULL;
		px_request_durable(c);
		if (!c->closed)
			px_advance(c);
	}
}

/* Header timeouts: a request head (or a buffered JSON body) that does not
 * complete in time gets 408, whatever else the connection is doing. */
static void
on_tick(void *arg)
{
	struct proxy *px = arg;
	int64_t now = clock_mono_ns();
	int64_t limit = (int64_t)px->cfg.header_timeout_s * 1000000000;

	for (struct conn *c = px->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->head_start == 0 || now - c->head_start < limit)
			continue;
		if (c->rq != RQ_HEAD && c->rq != RQ_BODY_BUFFER)
			continue;
		c->head_start = 0;
		px_request_timeout(c);
		px_advance(c);
	}
}

static int
listen_unix(struct proxy *px, const char *path, char *err)
{
	struct listener *l = &px->ls[px->nls];
	int rc;

	if ((rc = unixsock_listen(&l->sock, "listen", path, px->cfg.socket_mode,
	    px->cfg.socket_gid, 1024, err)) != DA_OK)
		return rc;
	l->px = px;
	l->h = (struct loop_handle){ .fd = l->sock.fd, .cb = on_accept,
	    .arg = l };
	if (loop_set(px->loop, &l->h, EPOLLIN) != 0) {
		rc = da_seterr(err, DA_E_IO, "listen %s: epoll: %s", path,
		    strerror(errno));
		unixsock_close(&l->sock);
		return rc;
	}
	px->nls++;
	return DA_OK;
}

int
proxy_start(struct proxy **out, struct loop *loop, struct journal *j,
    const struct proxy_config *cfg, char *err)
{
	struct proxy *px;
	int rc;

	if (cfg->nlisten == 0 || cfg->nlisten > 8)
		return da_seterr(err, DA_E_INVAL,
		    "need 1 to 8 --listen sockets (got %zu)", cfg->nlisten);
	if ((px = calloc(1, sizeof(*px))) == NULL)
		return DA_E_NOMEM;
	px->loop = loop;
	px->j = j;
	px->cfg = *cfg;
	px->jhealthy = 1;
	buf_init(&px->scratch, BUF_UNLIMITED);
	px->jh = (struct loop_handle){ .fd = jrn_notify_fd(j), .cb = on_journal,
	    .arg = px };
	if (loop_set(loop, &px->jh, EPOLLIN) != 0) {
		free(px);
		return da_seterr(err, DA_E_IO, "journal notify: %s",
		    strerror(errno));
	}
	for (size_t i = 0; i < cfg->nlisten; i++) {
		if ((rc = listen_unix(px, cfg->listen[i], err)) != DA_OK) {
			proxy_stop(px);
			return rc;
		}
	}
	loop_on_tick(loop, on_tick, px);
	loop_on_batch(loop, free_dead, px);
	*out = px;
	return DA_OK;
}

void
proxy_stop(struct proxy *px)
{
	if (px == NULL)
		return;
	for (size_t i = 0; i < px->nls; i++) {
		loop_del(px->loop, &px->ls[i].h);
		unixsock_close(&px->ls[i].sock);
	}
	while (px->conns)
		px_conn_close(px->conns);
	free_dead(px);
	loop_del(px->loop, &px->jh);
	buf_free(&px->scratch);
	free(px);
}

void
proxy_get_stats(const struct proxy *px, struct proxy_stats *st)
{
	*st = px->st;
}
