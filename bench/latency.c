// SPDX-License-Identifier: MIT
/* latency.c -- per-call latency of HTTP/1.1 servers on unix sockets.
 *
 * Sends N requests one after another to each target socket, either on one
 * keep-alive connection per target (default) or on a new connection per
 * call (-c: connect, request, read the answer, close -- what the docker CLI
 * does for every command).  With several targets (-s repeated: direct
 * dockerd, a proxy, ...) the calls are interleaved, round-robin, with the
 * starting target rotated each round, so that background load and drift hit
 * every target alike: a side-by-side measurement in one run.  It times
 * each call with CLOCK_MONOTONIC from just before the first byte is written
 * (or, with -c, before socket()) to the last byte of the response.
 * Responses are parsed properly: Content-Length, chunked (with extensions
 * and trailers), bodiless statuses and read-until-close.  Several PATHs are
 * used in turn across the whole interleaved sequence (e.g. pause then
 * unpause on one container, whichever target carries the call).  Prints one
 * line per target:
 *
 *   RESULT label=L n=N med=.. p90=.. p99=.. p999=.. max=.. mean=.. min=.. errors=E
 *
 * with times in microseconds; -o FILE also writes every sample (ns), one a
 * line, in the order measured, to FILE.LABEL.  Exits 1 if any response was not 2xx (unless
 * -a), or on an I/O or protocol error.  Used by bench/run.sh. */
#define _GNU_SOURCE
#include <signal.h>

#include "httpc.h"

#define MAX_PATHS	16
#define REQ_MAX		16384

#define MAX_TARGETS	8

struct target {
	const char	*t_sock;
	const char	*t_label;
	char		 t_ctx[512];	/* "latency: LABEL: METHOD PATH" */
	int		 t_fd;
	long		 t_errors;
	int64_t		*t_samples;
	struct rbuf	*t_rb;
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double
pct(const int64_t *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: latency -s SOCKET [-l LABEL] [-s SOCKET [-l LABEL]]... [-n N]\n"
	    "               [-w WARMUP] [-c] [-a] [-X METHOD] [-b BODY]\n"
	    "               [-H 'Name: value']... [-o PREFIX] [-T SECS] PATH [PATH...]\n"
	    "  -s/-l  target socket and its label (repeat: calls are interleaved)\n"
	    "  -n     measured calls per target; -w warm-up calls per target\n"
	    "  -c     new connection per call (default: one keep-alive connection)\n"
	    "  -a     accept any status (default: non-2xx is an error)\n"
	    "  -T     give up when a read or write blocks this long (30; 0 = never)\n"
	    "  PATHs are used in turn; a body gets Content-Type: application/json\n");
	exit(2);
}

static void
report(const struct target *t, long n)
{
	int64_t *v = t->t_samples;
	double sum = 0;

	for (long i = 0; i < n; i++)
		sum += (double)v[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	printf("RESULT label=%s n=%ld med=%.1f p90=%.1f p99=%.1f "
	    "p999=%.1f max=%.1f mean=%.1f min=%.1f errors=%ld\n",
	    t->t_label, n, pct(v, (size_t)n, 50), pct(v, (size_t)n, 90),
	    pct(v, (size_t)n, 99), pct(v, (size_t)n, 99.9),
	    (double)v[n - 1] / 1000.0, sum / (double)n / 1000.0,
	    (double)v[0] / 1000.0, t->t_errors);
}

int
main(int argc, char **argv)
{
	const char *method = "GET", *body = NULL, *out = NULL;
	const char *paths[MAX_PATHS];
	struct target tg[MAX_TARGETS];
	char extra[4096] = "";
	char *reqs[MAX_PATHS];
	size_t reqlen[MAX_PATHS];
	long n = 1000, warm = 200, errors = 0, seq = 0;
	int newconn = 0, anystatus = 0, npaths, ntg = 0, opt;
	int head = 0;

	prog_name = "latency";
	memset(tg, 0, sizeof(tg));
	while ((opt = getopt(argc, argv, "s:l:n:w:caX:b:H:o:T:")) != -1) {
		switch (opt) {
		case 's':
			if (ntg == MAX_TARGETS)
				die("at most %d targets", MAX_TARGETS);
			tg[ntg].t_sock = optarg;
			tg[ntg].t_label = optarg;
			tg[ntg].t_fd = -1;
			ntg++;
			break;
		case 'l':
			if (ntg == 0)
				die("-l LABEL must follow its -s SOCKET");
			tg[ntg - 1].t_label = optarg;
			break;
		case 'n': n = (long)parse_u64(optarg, 10, "-n"); break;
		case 'w': warm = (long)parse_u64(optarg, 10, "-w"); break;
		case 'c': newconn = 1; break;
		case 'a': anystatus = 1; break;
		case 'X': method = optarg; break;
		case 'b': body = optarg; break;
		case 'o': out = optarg; break;
		case 'T': io_timeout_s = (int)parse_u64(optarg, 10, "-T"); break;
		case 'H':
			if (strlen(extra) + strlen(optarg) + 3 > sizeof(extra))
				die("too many headers");
			strcat(extra, optarg);
			strcat(extra, "\r\n");
			break;
		default: usage();
		}
	}
	if (ntg == 0 || optind >= argc || n < 1)
		usage();
	head = strcmp(method, "HEAD") == 0;
	npaths = argc - optind;
	if (npaths > MAX_PATHS)
		die("at most %d paths", MAX_PATHS);
	for (int i = 0; i < npaths; i++) {
		int len;

		paths[i] = argv[optind + i];
		reqs[i] = malloc(REQ_MAX);
		if (reqs[i] == NULL)
			die("out of memory");
		if (body != NULL)
			len = snprintf(reqs[i], REQ_MAX,
			    "%s %s HTTP/1.1\r\nHost: api.moby.localhost\r\n"
			    "User-Agent: dockaudit-bench/1\r\n%s"
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    method, paths[i], extra, strlen(body), body);
		else if (strcmp(method, "POST") == 0 ||
		    strcmp(method, "PUT") == 0)
			len = snprintf(reqs[i], REQ_MAX,
			    "%s %s HTTP/1.1\r\nHost: api.moby.localhost\r\n"
			    "User-Agent: dockaudit-bench/1\r\n%s"
			    "Content-Length: 0\r\n\r\n", method, paths[i], extra);
		else
			len = snprintf(reqs[i], REQ_MAX,
			    "%s %s HTTP/1.1\r\nHost: api.moby.localhost\r\n"
			    "User-Agent: dockaudit-bench/1\r\n%s\r\n",
			    method, paths[i], extra);
		if (len < 0 || len >= REQ_MAX)
			die("request too long");
		reqlen[i] = (size_t)len;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int t = 0; t < ntg; t++) {
		tg[t].t_samples = calloc((size_t)n, sizeof(int64_t));
		tg[t].t_rb = malloc(sizeof(struct rbuf));
		if (tg[t].t_samples == NULL || tg[t].t_rb == NULL)
			die("out of memory");
	}

	for (long round = -warm; round < n; round++) {
		for (int j = 0; j < ntg; j++) {
			struct target *t = &tg[(int)((round + warm + j) % ntg)];
			struct rbuf *rb = t->t_rb;
			int k = (int)(seq++ % npaths), status, closed;
			int64_t t0, t1;

			snprintf(t->t_ctx, sizeof(t->t_ctx), "latency: %s: %s %s",
			    t->t_label, method, paths[k]);
			prog_name = t->t_ctx;
			t0 = now_ns();
			if (newconn || t->t_fd < 0) {
				if (t->t_fd >= 0)
					close(t->t_fd);
				t->t_fd = connect_unix(t->t_sock);
				rb->rb_fd = t->t_fd;
				rb->rb_off = rb->rb_len = 0;
				if (!newconn)
					t0 = now_ns();	/* keep-alive: not the connect */
			}
			write_all(t->t_fd, reqs[k], reqlen[k]);
			status = read_response(rb, head, &closed);
			t1 = now_ns();
			if (rb->rb_off != rb->rb_len)
				die("%zu unexpected bytes after a response",
				    rb->rb_len - rb->rb_off);
			if (status < 200 || status > 299) {
				t->t_errors++;
				if (!anystatus && ++errors <= 3)
					fprintf(stderr, "latency: %s: %s %s: "
					    "status %d\n", t->t_label, method,
					    paths[k], status);
			}
			if (newconn || closed) {
				close(t->t_fd);
				t->t_fd = -1;
			}
			if (round >= 0)
				t->t_samples[round] = t1 - t0;
		}
	}

	prog_name = "latency";
	for (int t = 0; t < ntg; t++) {
		if (tg[t].t_fd >= 0)
			close(tg[t].t_fd);
		if (out != NULL) {
			char name[4096];
			FILE *f;

			snprintf(name, sizeof(name), "%s.%s", out, tg[t].t_label);
			if ((f = fopen(name, "w")) == NULL)
				die("%s: %s", name, strerror(errno));
			for (long i = 0; i < n; i++)
				fprintf(f, "%" PRId64 "\n", tg[t].t_samples[i]);
			if (fclose(f) != 0)
				die("%s: %s", name, strerror(errno));
		}
		report(&tg[t], n);
	}
	return errors > 0 && !anystatus ? 1 : 0;
}
