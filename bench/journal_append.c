/* journal_append.c -- how fast the journal appends durable records, and how
 * fast a journal verifies compared with sha256sum reading the same bytes.
 *
 * Build (from the top of the tree), linking every .c of src/journal,
 * src/json and src/base:
 *   gcc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc bench/journal_append.c \
 *       src/journal/[a-z]*.c src/json/[a-z]*.c src/base/[a-z]*.c \
 *       -lcrypto -lzstd -lpthread -o build/journal_append
 * Run: build/journal_append [-n RECORDS] [-d DIR] [-b DOCKAUDIT] [-k]
 *      build/journal_append -S [-n RECORDS] [-d DIR]   (seals on vs off)
 *
 * With -S: only appends, 1 and 4 threads, each with seals off (no
 * seal.key) and on (a seal every 1,000 records, the default), run in the
 * order off, on, on, off and the best of each kept, printed as a table
 * with the on/off ratio.
 *
 * Appends RECORDS (default 1,000,000) realistic ~600-byte api records from
 * 1 and then 4 producer threads with fdatasync on (group commit), timing
 * from the first submit until the last record is durable.  Then, on the
 * 1-thread journal: sha256sum over its segments, the in-process
 * jrn_verify(), `dockaudit verify` if the binary exists, and the per-line
 * cost of json_parse() against the journal's own JSON scanner.  Numbers
 * only, no thresholds.  Files are warm in the page cache for every reader,
 * so the comparison is of CPU cost, not of the disk. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "journal/internal.h"
#include "journal/journal.h"
#include "journal/seal.h"
#include "journal/verify.h"
#include "json/json.h"

struct prod {
	struct journal	*j;
	int		 t;
	uint64_t	 n;
	uint64_t	 waits;		/* queue-full retries */
};

static size_t
record(char *out, size_t cap, int t, uint64_t i)
{
	static const char *acts[] = { "container.create", "container.start",
	    "exec.start", "image.pull", "container.archive.get" };
	char ts[CLOCK_RFC3339_LEN];
	int n;

	clock_format(clock_now_ns(), ts);
	/* about 600 bytes once framed: id, time, kind, action, actor, request,
	 * object -- the shape of DESIGN.md's record, trimmed */
	n = snprintf(out, cap,
	    "\"id\":\"5f0c%04x-%08llx-4a6e-9b1d-3c2e7f%06llx\",\"time\":\"%s\","
	    "\"kind\":\"api\",\"stage\":\"request\",\"source\":\"proxy\","
	    "\"action\":\"%s\",\"outcome\":\"success\","
	    "\"actor\":{\"uid\":0,\"user\":\"root\",\"loginuid\":1001,"
	    "\"login_user\":\"alice\",\"pid\":%llu,\"comm\":\"docker\","
	    "\"cmdline\":[\"docker\",\"run\",\"--privileged\",\"-v\","
	    "\"/:/host\",\"bb\",\"sh\"]},"
	    "\"request\":{\"id\":\"r-%llu\",\"method\":\"POST\","
	    "\"path\":\"/v1.41/containers/create\",\"bytes\":1234},"
	    "\"object\":{\"type\":\"container\",\"name\":\"x%llu\","
	    "\"image\":\"bb:latest\"},\"security\":{\"privileged\":true}",
	    t, (unsigned long long)i, (unsigned long long)(i & 0xffffff), ts,
	    acts[i % 5], (unsigned long long)(4000 + i % 30000),
	    (unsigned long long)i, (unsigned long long)i);
	return (size_t)n;
}

static void *
producer(void *arg)
{
	struct prod *p = arg;
	char m[2048];
	uint64_t t;

	for (uint64_t i = 0; i < p->n; i++) {
		size_t n = record(m, sizeof(m), p->t, i);
		int rc;

		while ((rc = jrn_submit(p->j, m, n, &t)) == DA_E_TOOBIG) {
			p->waits++;
			usleep(200);
		}
		if (rc != DA_OK) {
			fprintf(stderr, "submit: %s\n", da_strerror(rc));
			exit(1);
		}
	}
	return NULL;
}

static double
now_s(void)
{
	return (double)clock_mono_ns() / 1e9;
}

static int quiet_runs;		/* -S: the table only */
static double last_rate;	/* durable records/s of the last append_run */
static uint64_t last_seals, last_batches;

static void
append_run_sealed(const char *dir, uint64_t n, int threads, int sealed,
    uint64_t *bytes_out);

static void
append_run(const char *dir, uint64_t n, int threads, uint64_t *bytes_out)
{
	append_run_sealed(dir, n, threads, 0, bytes_out);
}

static void
append_run_sealed(const char *dir, uint64_t n, int threads, int sealed,
    uint64_t *bytes_out)
{
	struct prod p[16];
	pthread_t th[16];
	struct journal *j;
	struct jrn_opts o;
	struct jrn_stats st;
	struct pollfd pfd;
	char err[DA_ERRLEN];
	double t0, t1;
	uint64_t waits = 0, v;

	if (jrn_init(dir, NULL, err) != DA_OK) {
		fprintf(stderr, "init: %s\n", err);
		exit(1);
	}
	if (sealed) {
		unsigned char k0[JRN_SEAL_KEY_LEN];

		if (jrn_seal_keygen(k0, err) != DA_OK ||
		    jrn_seal_init(dir, k0, err) != DA_OK) {
			fprintf(stderr, "seal key: %s\n", err);
			exit(1);
		}
	}
	jrn_opts_default(&o);
	o.dir = dir;
	if (jrn_open(&j, &o, NULL, err) != DA_OK) {
		fprintf(stderr, "open: %s\n", err);
		exit(1);
	}
	t0 = now_s();
	for (int t = 0; t < threads; t++) {
		p[t] = (struct prod){ j, t, n / (uint64_t)threads +
		    (t == 0 ? n % (uint64_t)threads : 0), 0 };
		pthread_create(&th[t], NULL, producer, &p[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		waits += p[t].waits;
	}
	pfd.fd = jrn_notify_fd(j);
	pfd.events = POLLIN;
	while (jrn_durable(j) < n)
		if (poll(&pfd, 1, 100) == 1 && read(pfd.fd, &v, 8) < 0)
			break;
	t1 = now_s();
	jrn_get_stats(j, &st);
	jrn_close(j);
	last_rate = (double)n / (t1 - t0);
	/* records beyond n are the seals (their seqs are reserved too) */
	last_seals = st.records > n ? st.records - n : 0;
	last_batches = st.batches;
	*bytes_out = st.bytes;
	if (quiet_runs)
		return;
	printf("append %d thread%s: %llu records in %.2f s: %.0f durable "
	    "records/s, %.1f MB/s, %llu fdatasyncs (%.0f records each), "
	    "%llu queue-full waits\n", threads, threads > 1 ? "s" : "",
	    (unsigned long long)n, t1 - t0, (double)n / (t1 - t0),
	    (double)st.bytes / (t1 - t0) / 1e6, (unsigned long long)st.batches,
	    (double)n / (double)(st.batches ? st.batches : 1),
	    (unsigned long long)waits);
}

static double
timed_system(const char *cmd)
{
	double t0 = now_s();
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "(exit %d from: %s)\n", rc, cmd);
	return now_s() - t0;
}

/* Per-line cost of json_parse vs the scanner, over the first segment. */
static void
json_costs(const char *dir)
{
	char path[4096], err[DA_ERRLEN], **segs;
	size_t nsegs, len, lines = 0, bytes = 0;
	struct jrn__lines lr;
	const char *line;
	uint64_t off;
	double t0, tp, ts, th;
	int fd, bad = 0;
	struct jrn__md md;
	unsigned char h[JRN_HASH_LEN] = { 0 };

	if (jrn_segments(dir, &segs, &nsegs, err) != DA_OK || nsegs == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, segs[0]);
	jrn_segments_free(segs, nsegs);
	jrn__md_init(&md);
	for (int pass = 0; pass < 3; pass++) {
		if ((fd = open(path, O_RDONLY)) < 0)
			return;
		jrn__lines_init(&lr, fd, 4u << 20);
		t0 = now_s();
		while (jrn__lines_next(&lr, &line, &len, &off) == 1) {
			if (pass == 0) {
				struct json *v = json_parse(line, len, err);

				bad += v == NULL;
				json_free(v);
				lines++;
				bytes += len + 1;
			} else if (pass == 1) {
				bad += jrn__json_scan(line, len, 0, NULL) != 0;
			} else {
				jrn__md_step(&md, h, line, len + 1, h);
			}
		}
		if (pass == 0)
			tp = now_s() - t0;
		else if (pass == 1)
			ts = now_s() - t0;
		else
			th = now_s() - t0;
		jrn__lines_free(&lr);
		close(fd);
	}
	jrn__md_free(&md);
	printf("per line over %zu lines (%.1f MB): json_parse %.0f MB/s, "
	    "journal JSON scan %.0f MB/s, SHA-256 chain step %.0f MB/s%s\n",
	    lines, (double)bytes / 1e6, (double)bytes / tp / 1e6,
	    (double)bytes / ts / 1e6, (double)bytes / th / 1e6,
	    bad ? " (SOME LINES INVALID)" : "");
}

int
main(int argc, char **argv)
{
	const char *base = NULL, *bin = "build/dockaudit";
	char tmpl[] = "/tmp/da-bench.XXXXXX", d1[2048], d4[2048], cmd[5000];
	char err[DA_ERRLEN];
	struct jrn_verify_result vr;
	uint64_t n = 1000000, bytes1 = 0, bytes4 = 0;
	double t, tsha;
	int c, keep = 0;

	while ((c = getopt(argc, argv, "n:d:b:kS")) != -1) {
		switch (c) {
		case 'S':
			quiet_runs = 1;
			break;
		case 'n': {
			char *end;

			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || n == 0) {
				fprintf(stderr, "bad -n\n");
				return 2;
			}
			break;
		}
		case 'd':
			base = optarg;
			break;
		case 'b':
			bin = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		default:
			fprintf(stderr, "usage: journal_append [-n RECORDS] "
			    "[-d DIR] [-b DOCKAUDIT] [-k]\n");
			return 2;
		}
	}
	if (base == NULL && (base = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(d1, sizeof(d1), "%s/t1", base);
	snprintf(d4, sizeof(d4), "%s/t4", base);
	if (quiet_runs) {
		static const int th[] = { 1, 4 };

		printf("| threads | records | seals off (records/s) | seals on, "
		    "every 1000 (records/s) | seals written | fdatasyncs off / "
		    "on | on/off | goal >= 100,000 durable records/s with "
		    "seals |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|---|\n");
		for (int i = 0; i < 2; i++) {
			double off, on;
			uint64_t seals, boff, bon = 0;

			/* off, on, on, off: the best of two of each, so that
			 * neither always runs second (after the other's
			 * writeback) */
			off = on = 0;
			boff = seals = 0;
			for (int r = 0; r < 4; r++) {
				int sealed = r == 1 || r == 2;

				snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d1);
				(void)timed_system(cmd);
				append_run_sealed(d1, n, th[i], sealed, &bytes1);
				if (sealed && last_rate > on) {
					on = last_rate;
					seals = last_seals;
					bon = last_batches;
				} else if (!sealed && last_rate > off) {
					off = last_rate;
					boff = last_batches;
				}
			}
			printf("| %d | %llu | %.0f | %.0f | %llu | %llu / %llu | "
			    "%.2fx | %s |\n", th[i], (unsigned long long)n, off,
			    on, (unsigned long long)seals,
			    (unsigned long long)boff,
			    (unsigned long long)bon, on / off,
			    on >= 100000 ? "met" : "NOT met");
			fflush(stdout);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", d1, d4);
		(void)timed_system(cmd);
		if (base == tmpl)
			rmdir(base);
		return 0;
	}

	append_run(d1, n, 1, &bytes1);
	append_run(d4, n, 4, &bytes4);

	/* warm the cache, then time */
	snprintf(cmd, sizeof(cmd), "cat '%s'/*.jsonl > /dev/null", d1);
	(void)timed_system(cmd);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'/*.jsonl > /dev/null", d1);
	tsha = timed_system(cmd);
	printf("sha256sum of the 1-thread journal (%.1f MB): %.2f s, %.0f MB/s\n",
	    (double)bytes1 / 1e6, tsha, (double)bytes1 / tsha / 1e6);

	t = now_s();
	if (jrn_verify(d1, &vr, err) != DA_OK) {
		fprintf(stderr, "verify: %s\n", err);
		return 1;
	}
	t = now_s() - t;
	printf("jrn_verify in process: %s, %llu records, %.2f s, %.0f MB/s "
	    "(%.2fx sha256sum time)\n", vr.ok ? "OK" : "DAMAGED",
	    (unsigned long long)vr.records, t, (double)bytes1 / t / 1e6,
	    t / tsha);
	if (access(bin, X_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "'%s' verify --journal '%s'", bin, d1);
		t = timed_system(cmd);
		printf("%s verify: %.2f s, %.0f MB/s (%.2fx sha256sum time)\n",
		    bin, t, (double)bytes1 / t / 1e6, t / tsha);
	} else {
		printf("(%s not built: skipping the command's timing)\n", bin);
	}
	json_costs(d1);
	if (!keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/t1' '%s/t4'", base, base);
		(void)timed_system(cmd);
		if (base == tmpl)
			rmdir(base);
	}
	return 0;
}
