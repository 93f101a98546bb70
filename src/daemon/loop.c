/* loop.c -- epoll event loop (see loop.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/clock.h"
#include "daemon/loop.h"

#define LOOP_BATCH 256

struct loop {
	int		 epfd;
	volatile int	 stop;
	void		(*tick)(void *);
	void		*tick_arg;
	void		(*after)(void *);
	void		*after_arg;
};

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

int
loop_set(struct loop *l, struct loop_handle *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (h->added && h->events == events)
		return 0;
	if (epoll_ctl(l->epfd, h->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, h->fd,
	    &ev) != 0)
		return -1;
	h->added = 1;
	h->events = events;
	return 0;
}

void
loop_del(struct loop *l, struct loop_handle *h)
{
	if (h->added)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->added = 0;
	h->events = 0;
}

void
loop_on_tick(struct loop *l, void (*tick)(void *), void *arg)
{
	l->tick = tick;
	l->tick_arg = arg;
}

void
loop_on_batch(struct loop *l, void (*after)(void *), void *arg)
{
	l->after = after;
	l->after_arg = arg;
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_BATCH];
	int64_t next_tick = clock_mono_ns() + 1000000000;

	while (!l->stop) {
		int64_t now = clock_mono_ns();
		int timeout = (int)((next_tick - now) / 1000000);
		int n;

		if (timeout < 0)
			timeout = 0;
		n = epoll_wait(l->epfd, evs, LOOP_BATCH, timeout + 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct loop_handle *h = evs[i].data.ptr;
			h->cb(h, evs[i].events);
		}
		if (l->after)
			l->after(l->after_arg);
		if (clock_mono_ns() >= next_tick) {
			next_tick = clock_mono_ns() + 1000000000;
			if (l->tick)
				l->tick(l->tick_arg);
		}
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}
