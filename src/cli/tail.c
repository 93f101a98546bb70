/* tail.c -- `dockaudit tail`: the journal's last records, and with -f the
 * new ones as they are committed.
 *
 * The start is found without reading the whole journal: segments are
 * counted back from the newest (by their newlines) until they hold N
 * records, and the reader starts at the first of them, keeping the last N
 * lines in a ring.  Following polls the reader every TAIL_POLL_NS while it
 * answers DA_E_AGAIN; SIGINT, SIGTERM and a closed output (EPIPE) end it
 * with status 0.  The table view joins each batch of records read in one
 * go (the initial N, then whatever one poll brings) into calls; a call
 * still pending at the end of a batch shows again once its outcome comes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/search.h"
#include "cli/table.h"
#include "journal/journal.h"
#include "json/json.h"

#define TAIL_POLL_NS	(150L * 1000000)
#define TAIL_MAX_N	10000000	/* -n */
#define TAIL_BATCH	4096		/* records per table batch when following */
#define TAIL_COUNT_BUF	(1u << 20)

/* Column widths when following: rows to come are not known yet. */
#define TAIL_WHO_W	16
#define TAIL_ACTION_W	24
#define TAIL_OBJECT_W	24

static const char tail_help[] =
"Usage: dockaudit tail [-f] --journal DIR [-n N] [--format ndjson|table]\n"
"\n"
"Print the journal's last N records, and with -f keep printing new records\n"
"as they are committed, until interrupted.\n"
"\n"
"  --journal DIR        the journal directory (required)\n"
"  -n, --lines N        how many records to print first (default 10; 0 for\n"
"                       only new ones)\n"
"  -f, --follow         keep printing new records (stop with Ctrl-C)\n"
"  --format F           ndjson (default): each record line as stored;\n"
"                       table: one line per call, TIME WHO ACTION OBJECT OUTCOME\n"
"  -h, --help           print this help\n"
"\n"
"Exit status: 0 on success or when stopped by a signal or a closed output;\n"
"1 when the journal could not be read or has damaged records (reported on\n"
"stderr: run `dockaudit verify`); 2 on a usage error.\n";

static const struct option tail_opts[] = {
	{ "journal",	required_argument,	NULL, 'j' },
	{ "lines",	required_argument,	NULL, 'n' },
	{ "follow",	no_argument,		NULL, 'f' },
	{ "format",	required_argument,	NULL, 'F' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};
static const char *const tail_meta[] = {
	"DIR", "N", NULL, "ndjson|table", NULL
};

static volatile sig_atomic_t tail_stop;

struct tail {
	const char	*t_dir;
	uint64_t	 t_n;
	int		 t_follow;
	int		 t_table;
	uint64_t	 t_damaged;
	struct table_widths t_w;
	struct table	*t_batch;	/* table view: records of this batch */
	size_t		 t_inbatch;
};

static void
on_stop(int sig)
{
	(void)sig;
	tail_stop = 1;
}

static int
tail_args(struct tail *t, int argc, char **argv)
{
	int c, fmt;

	memset(t, 0, sizeof(*t));
	t->t_n = 10;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:fn:h", tail_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			t->t_dir = optarg;
			break;
		case 'n':
			if (search_parse_count(optarg, 0, TAIL_MAX_N, &t->t_n) != 0)
				return search_usage("tail", "-n '%s' is not a count: "
				    "use a whole number from 0 to %d", optarg,
				    TAIL_MAX_N);
			break;
		case 'f':
			t->t_follow = 1;
			break;
		case 'F':
			if ((fmt = search_parse_format(optarg)) < 0)
				return search_usage("tail", "--format '%s' is not "
				    "a format: use ndjson or table", optarg);
			t->t_table = fmt;
			break;
		case 'h':
			fputs(tail_help, stdout);
			return -1;
		default:
			return search_opt_error("tail", c, tail_opts, tail_meta,
			    argv);
		}
	}
	if (optind < argc)
		return search_usage("tail", "unexpected argument '%s': give the "
		    "journal as --journal DIR", argv[optind]);
	if (t->t_dir == NULL)
		return search_usage("tail", "--journal DIR is required: the "
		    "directory holding the journal to read");
	return 0;
}

/* Records (newlines) in one segment file; 0 if it cannot be read. */
static uint64_t
count_lines(const char *dir, const char *name, char *buf)
{
	struct jrn_segread *sr;
	char err[DA_ERRLEN];
	uint64_t n = 0;
	ssize_t got;

	if (jrn_segment_open(&sr, dir, name, err) != DA_OK)
		return 0;
	while ((got = jrn_segment_read(sr, buf, TAIL_COUNT_BUF)) > 0 ||
	    (got < 0 && errno == EINTR)) {
		for (const char *p = buf, *e = buf + (got > 0 ? got : 0);
		    (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
			n++;
	}
	jrn_segment_close(sr);
	return n;
}

/* The seq to start reading from so that the last n records are read. */
static int
tail_from(const struct tail *t, uint64_t *from)
{
	char **names, err[DA_ERRLEN], *buf;
	uint64_t have = 0;
	size_t count, k;
	int rc;

	if ((rc = jrn_segments(t->t_dir, &names, &count, err)) != DA_OK) {
		fprintf(stderr, "dockaudit tail: cannot read the journal: %s\n",
		    err);
		return rc;
	}
	if ((buf = malloc(TAIL_COUNT_BUF)) == NULL) {
		jrn_segments_free(names, count);
		fprintf(stderr, "dockaudit tail: out of memory\n");
		return DA_E_NOMEM;
	}
	for (k = count; k > 0 && (have < t->t_n || k == count); ) {
		k--;
		have += count_lines(t->t_dir, names[k], buf);
	}
	*from = count > 0 ? search_seg_first(names[k]) : 1;
	free(buf);
	jrn_segments_free(names, count);
	return DA_OK;
}

/* Print one record: NDJSON as it is, or into the current table batch. */
static int
tail_emit(struct tail *t, const char *line, size_t len)
{
	char perr[DA_ERRLEN];
	struct filter_rec rec;
	struct json *root;
	int rc;

	if (!t->t_table) {
		fwrite(line, 1, len, stdout);
		putc('\n', stdout);
		return DA_OK;
	}
	if (t->t_batch == NULL && (t->t_batch = table_new(TABLE_ROWS)) == NULL)
		return DA_E_NOMEM;
	if ((root = json_parse(line, len, perr)) == NULL) {
		fprintf(stderr, "dockaudit tail: damaged record skipped: %s; run "
		    "'dockaudit verify --journal %s'\n", perr, t->t_dir);
		t->t_damaged++;
		return DA_OK;
	}
	filter_rec_load(&rec, root);
	rc = table_add(t->t_batch, &rec, 1);
	json_free(root);
	t->t_inbatch++;
	return rc;
}

/* End of a batch: print the table rows gathered, flush.  -1 when the
 * output is gone or failed. */
static int
tail_flush(struct tail *t, int first)
{
	int rc = 0;

	if (t->t_table && t->t_batch != NULL) {
		if (first) {
			if (t->t_follow) {
				t->t_w.tw_who = TAIL_WHO_W;
				t->t_w.tw_action = TAIL_ACTION_W;
				t->t_w.tw_object = TAIL_OBJECT_W;
			}
			table_fit(t->t_batch, NULL, 0, &t->t_w);
		}
		rc = table_print(t->t_batch, NULL, 0, &t->t_w, first, stdout);
		table_free(t->t_batch);
		t->t_batch = NULL;
		t->t_inbatch = 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = -1;
	return rc;
}

/* Read up to the current end: the first time (initial) keeping the last
 * t_n records in ring[] and printing them at the end, later printing each
 * as it comes.  DA_OK at the end, -1 when the output failed, or a reader
 * error (reported). */
static int
tail_drain(struct tail *t, struct jrn_reader *r, int initial,
    struct buf *ring, uint64_t *nring)
{
	const char *line;
	size_t len;
	uint64_t at = 0;
	int rc = DA_OK;

	while (!tail_stop && (rc = search_next("tail", t->t_dir, r, &line,
	    &len, &t->t_damaged)) == DA_OK) {
		if (initial) {
			if (t->t_n == 0)
				continue;
			buf_reset(&ring[at]);
			if ((rc = buf_append(&ring[at], line, len)) != DA_OK)
				return rc;
			at = (at + 1) % t->t_n;
			if (*nring < t->t_n)
				(*nring)++;
			continue;
		}
		if ((rc = tail_emit(t, line, len)) != DA_OK)
			return rc;
		if (t->t_inbatch >= TAIL_BATCH && tail_flush(t, 0) != 0)
			return -1;
		if (ferror(stdout))
			return -1;
	}
	if (initial) {	/* oldest first */
		for (uint64_t i = 0; i < *nring; i++) {
			struct buf *b = &ring[(at + t->t_n - *nring + i) % t->t_n];

			if ((rc = tail_emit(t, b->data, b->len)) != DA_OK)
				return rc;
		}
	}
	return tail_stop || rc == DA_E_AGAIN ? DA_OK : rc;
}

static int
tail_run(struct tail *t)
{
	struct timespec poll = { 0, TAIL_POLL_NS };
	struct jrn_reader *r;
	struct buf *ring = NULL;
	char err[DA_ERRLEN];
	uint64_t from, nring = 0;
	int rc;

	if ((rc = tail_from(t, &from)) != DA_OK)
		return 1;
	if ((rc = jrn_reader_open(&r, t->t_dir, from, err)) != DA_OK) {
		fprintf(stderr, "dockaudit tail: cannot read the journal: %s\n",
		    err);
		return 1;
	}
	if (t->t_n > 0 && (ring = calloc(t->t_n, sizeof(*ring))) == NULL) {
		rc = DA_E_NOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < t->t_n; i++)
		buf_init(&ring[i], JRN_MAX_LINE);
	if (t->t_table && (t->t_batch = table_new(TABLE_ROWS)) == NULL)
		rc = DA_E_NOMEM;	/* the header prints even with no rows */
	else
		rc = tail_drain(t, r, 1, ring, &nring);
	if (rc == DA_OK && tail_flush(t, 1) != 0)
		rc = -1;
	for (uint64_t i = 0; i < t->t_n; i++)
		buf_free(&ring[i]);
	free(ring);
	while (rc == DA_OK && t->t_follow && !tail_stop) {
		nanosleep(&poll, NULL);
		if ((rc = tail_drain(t, r, 0, NULL, NULL)) == DA_OK &&
		    tail_flush(t, 0) != 0)
			rc = -1;
	}
out:
	jrn_reader_close(r);
	table_free(t->t_batch);
	if (rc == -1) {
		if (errno == EPIPE)
			return 0;	/* the reader of our output went away */
		fprintf(stderr, "dockaudit tail: writing the output: %s\n",
		    strerror(errno));
		return 1;
	}
	if (rc == DA_E_NOMEM)
		fprintf(stderr, "dockaudit tail: out of memory\n");
	return rc != DA_OK || t->t_damaged ? 1 : 0;
}

int
cli_tail(int argc, char **argv)
{
	struct sigaction sa, old_int, old_term, old_pipe;
	struct tail t;
	int rc;

	if ((rc = tail_args(&t, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	tail_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: wake the poll sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	rc = tail_run(&t);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return rc;
}
