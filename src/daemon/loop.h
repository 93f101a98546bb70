/* loop.h -- a minimal epoll event loop with a once-a-second tick.
 *
 * Handlers are caller-owned structs registered by pointer; the loop never
 * allocates per event.  One loop per thread; not thread-safe. */
#ifndef DA_LOOP_H
#define DA_LOOP_H

#include <stdint.h>

struct loop;
struct loop_handle;

typedef void (*loop_cb)(struct loop_handle *h, uint32_t events);

struct loop_handle {
	int		 fd;
	uint32_t	 events;	/* currently registered EPOLL* mask */
	loop_cb		 cb;
	void		*arg;
	int		 added;
};

struct loop	*loop_new(void);
void		 loop_free(struct loop *l);
/* Register or change interest; events 0 keeps the fd registered but idle. */
int		 loop_set(struct loop *l, struct loop_handle *h, uint32_t events);
void		 loop_del(struct loop *l, struct loop_handle *h);
/* Called about once a second from the loop thread. */
void		 loop_on_tick(struct loop *l, void (*tick)(void *), void *arg);
/* Called after each batch of events (deferred frees go here). */
void		 loop_on_batch(struct loop *l, void (*after)(void *), void *arg);
/* Run until loop_stop(); returns 0, or -1 on an epoll failure. */
int		 loop_run(struct loop *l);
void		 loop_stop(struct loop *l);

#endif
