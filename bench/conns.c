// SPDX-License-Identifier: MIT
/* conns.c -- hold many idle keep-alive client connections open on a unix
 * socket, for measuring a proxy's memory per connection.
 *
 * Opens N connections, sends `GET /_ping` on each and reads the answer
 * (so every connection has carried one full call and the proxy has done
 * its per-connection work, including the identity lookup at accept), then
 * prints "ready N" on stdout and keeps them all open until stdin reaches
 * EOF (or a SIGTERM/SIGINT), then closes them and exits 0.  bench/run.sh
 * reads the proxy's VmRSS while they are open.  Raises RLIMIT_NOFILE to
 * the hard limit if N needs it. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>

#include "httpc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: conns -s SOCKET [-n N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char req[] = "GET /_ping HTTP/1.1\r\n"
	    "Host: api.moby.localhost\r\nUser-Agent: dockaudit-bench/1\r\n\r\n";
	const char *sock = NULL;
	struct rbuf *rb;
	struct rlimit rl;
	long n = 1000;
	int *fds, opt;
	char c;

	prog_name = "conns";
	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'n': n = (long)parse_u64(optarg, 10, "-n"); break;
		default: usage();
		}
	}
	if (sock == NULL || n < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 32) {
		rl.rlim_cur = rl.rlim_max;
		if ((rlim_t)n + 32 > rl.rlim_cur)
			die("RLIMIT_NOFILE hard limit %llu is too low for %ld "
			    "connections", (unsigned long long)rl.rlim_max, n);
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			die("setrlimit: %s", strerror(errno));
	}
	fds = calloc((size_t)n, sizeof(*fds));
	rb = malloc(sizeof(*rb));
	if (fds == NULL || rb == NULL)
		die("out of memory");
	for (long i = 0; i < n; i++) {
		int closed, status;

		fds[i] = connect_unix(sock);
		rb->rb_fd = fds[i];
		rb->rb_off = rb->rb_len = 0;
		write_all(fds[i], req, sizeof(req) - 1);
		status = read_response(rb, 0, &closed);
		if (status != 200)
			die("connection %ld: GET /_ping: status %d", i, status);
		if (closed)
			die("connection %ld: the server closed it", i);
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (long i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}
