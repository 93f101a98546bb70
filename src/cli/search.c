/* search.c -- `dockaudit search`: the journal's records that match filters.
 *
 * Reads the journal in seq order through the journal reader; NDJSON output
 * is copied out as it is read.  --outcome applies to whole calls, whose
 * outcome comes with their last records, so it takes a first pass: it
 * parses only lines mentioning the outcome word (every call with that
 * outcome has one, the record deciding it) and the later records of their
 * calls, and learns those calls' outcomes; the second pass then keeps the
 * records of matching calls.  --count and --format table collect calls in
 * a struct table (table.c) and print at the end.
 *
 * A line is parsed (once per pass) only when the prefilter (filter_quick,
 * outcome_gate) cannot rule it out, or when it may change the outcome of a
 * call collected; with no filter, lines are copied without parsing.
 * --since skips whole segments: those before the newest segment whose
 * first record is at least SEARCH_SKEW_NS older than --since.
 *
 * Damaged records met are reported on stderr, skipped, and make the exit
 * status 1.  Lines that need no parse are not checked: checking every
 * record is `dockaudit verify`'s job. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/filter.h"
#include "cli/search.h"
#include "cli/table.h"
#include "journal/journal.h"
#include "json/json.h"

/* Record times are stamped before the writer orders records by seq, so
 * time may run backwards across seq by a little; segment skipping leaves
 * this much slack. */
#define SEARCH_SKEW_NS		(60LL * 1000000000)
#define SEARCH_LIMIT_MAX	((uint64_t)1 << 62)
#define SEARCH_HEAD_MAX		(64u << 10)	/* read for a segment's 1st record */

static const char search_help[] =
"Usage: dockaudit search --journal DIR [filters] [--format ndjson|table]\n"
"\n"
"Print the journal's records that match every filter given, oldest first.\n"
"\n"
"  --journal DIR        the journal directory (required)\n"
"  --since T            records at or after T: RFC 3339 (2026-11-28T08:00:00Z),\n"
"                       a date (2026-11-28) or relative to now (-15m, -2h, -7d)\n"
"  --until T            records at or before T (same forms)\n"
"  --user U             actor.user or actor.login_user is U; a number also\n"
"                       matches actor.uid or actor.loginuid\n"
"  --action A           action is A; '*' matches any text: container.*, *.create\n"
"  --kind K             records of kind K: api (calls), daemon (dockerd's own\n"
"                       events), alert, audit (dockaudit itself) or seal\n"
"  --container ID|NAME  calls on a container (id prefix of 4+ characters, or\n"
"                       name) and calls made from inside it\n"
"  --outcome O          calls whose outcome is O: success, failure, denied or\n"
"                       pending; every record of such a call is printed\n"
"  --format F           ndjson (default): each record line as stored;\n"
"                       table: one line per call, TIME WHO ACTION OBJECT OUTCOME\n"
"  --count              print only the number of matching calls\n"
"  --limit N            stop after N records (ndjson) or N calls (table, --count)\n"
"  -h, --help           print this help\n"
"\n"
"The other filters test each record.  A call's records (request, response,\n"
"session) share request.id; its outcome is that of its last response or\n"
"session record, else the request's own (pending, or denied or failure when\n"
"dockaudit refused the call).\n"
"\n"
"Exit status: 0 when the search ran, matches or not; 1 when the journal could\n"
"not be read or has damaged records (reported on stderr: run `dockaudit\n"
"verify`); 2 on a usage error.\n";

static const struct option search_opts[] = {
	{ "journal",	required_argument,	NULL, 'j' },
	{ "since",	required_argument,	NULL, 's' },
	{ "until",	required_argument,	NULL, 'u' },
	{ "user",	required_argument,	NULL, 'U' },
	{ "action",	required_argument,	NULL, 'a' },
	{ "kind",	required_argument,	NULL, 'k' },
	{ "container",	required_argument,	NULL, 'c' },
	{ "outcome",	required_argument,	NULL, 'o' },
	{ "format",	required_argument,	NULL, 'F' },
	{ "count",	no_argument,		NULL, 'C' },
	{ "limit",	required_argument,	NULL, 'l' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};
static const char *const search_meta[] = {
	"DIR", "T", "T", "U", "A", "K", "ID|NAME", "success|failure|denied|pending",
	"ndjson|table", NULL, "N", NULL
};

struct search {
	const char	*s_dir;
	int		 s_table;	/* --format table */
	int		 s_count;
	uint64_t	 s_limit;	/* 0: none */
	struct filter	 s_f;
	uint64_t	 s_from;	/* first seq to read */
	char		 s_olit[24];	/* --outcome as a line holds it: "failure" */
	size_t		 s_olen;
	struct table	*s_oc;		/* --outcome: calls that may have it (pass 1) */
	struct table	*s_t;		/* table, --count: the calls found */
	uint64_t	 s_damaged;
};

/* ---- shared with tail.c (search.h) ---- */

int
search_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dockaudit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dockaudit %s --help'.\n", cmd);
	return SEARCH_USAGE;
}

int
search_opt_error(const char *cmd, int c, const struct option *opts,
    const char *const *meta, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	for (int i = 0; optopt != 0 && opts[i].name != NULL; i++) {
		if (opts[i].val != optopt)
			continue;
		if (c == ':' && meta[i] != NULL)
			return search_usage(cmd, "option '--%s' needs a value: "
			    "--%s %s", opts[i].name, opts[i].name, meta[i]);
		if (c == '?' && strncmp(arg, "--", 2) == 0)
			return search_usage(cmd, "option '--%s' takes no value",
			    opts[i].name);
	}
	if (c == ':')
		return search_usage(cmd, "option '%s' needs a value", arg);
	if (optopt != 0)
		return search_usage(cmd, "unknown option '-%c'", optopt);
	return search_usage(cmd, "unknown or ambiguous option '%.*s'",
	    (int)strcspn(arg, "="), arg);
}

int
search_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

int
search_parse_format(const char *s)
{
	if (strcmp(s, "ndjson") == 0)
		return 0;
	if (strcmp(s, "table") == 0)
		return 1;
	return -1;
}

uint64_t
search_seg_first(const char *name)
{
	return jrn_segment_first_seq(name);
}

void
search_damaged(const char *cmd, const char *dir, const char *where)
{
	fprintf(stderr, "dockaudit %s: damaged record skipped: %s; run "
	    "'dockaudit verify --journal %s'\n", cmd, where, dir);
}

int
search_next(const char *cmd, const char *dir, struct jrn_reader *r,
    const char **line, size_t *len, uint64_t *damaged)
{
	char err[DA_ERRLEN], last[DA_ERRLEN] = "";
	uint64_t seq;
	int rc;

	for (;;) {
		rc = jrn_reader_next(r, line, len, &seq, err);
		if (rc == DA_OK || rc == DA_E_AGAIN)
			return rc;
		if (rc != DA_E_CORRUPT || strcmp(err, last) == 0) {
			/* an error, or damage the reader cannot step over */
			fprintf(stderr, "dockaudit %s: %s\n", cmd, err);
			return rc;
		}
		if (damaged != NULL) {
			search_damaged(cmd, dir, err);
			(*damaged)++;
		}
		memcpy(last, err, sizeof(last));
	}
}

/* ---- options ---- */

static int
search_args(struct search *s, int argc, char **argv)
{
	struct filter *f = &s->s_f;
	int64_t now = clock_now_ns();
	int c, fmt;

	memset(s, 0, sizeof(*s));
	optind = 0;	/* rescan from argv[1]: we may be called more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", search_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			s->s_dir = optarg;
			break;
		case 's':
		case 'u':
			if (clock_parse(optarg, now, c == 's' ? &f->f_since :
			    &f->f_until) != 0)
				return search_usage("search", "--%s '%s' is not a "
				    "time: use RFC 3339 (2026-11-28T08:00:00Z), a "
				    "date (2026-11-28) or a time relative to now "
				    "(-15m, -2h, -7d)", c == 's' ? "since" :
				    "until", optarg);
			*(c == 's' ? &f->f_has_since : &f->f_has_until) = 1;
			break;
		case 'U':
			if (optarg[0] == '\0')
				return search_usage("search", "--user needs a "
				    "user name or a numeric uid");
			f->f_user = optarg;
			break;
		case 'a':
			if (optarg[0] == '\0')
				return search_usage("search", "--action needs an "
				    "action, e.g. container.create or container.*");
			f->f_action = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "api") != 0 &&
			    strcmp(optarg, "daemon") != 0 &&
			    strcmp(optarg, "alert") != 0 &&
			    strcmp(optarg, "audit") != 0 &&
			    strcmp(optarg, "seal") != 0)
				return search_usage("search", "--kind '%s' is "
				    "not a record kind: use api, daemon, alert, "
				    "audit or seal", optarg);
			f->f_kind = optarg;
			break;
		case 'c':
			if (optarg[0] == '\0' || strcmp(optarg, "/") == 0)
				return search_usage("search", "--container needs "
				    "a container id (4 or more characters) or name");
			f->f_container = optarg;
			break;
		case 'o':
			if (!filter_outcome_valid(optarg))
				return search_usage("search", "--outcome '%s' is "
				    "not an outcome: use %s", optarg,
				    FILTER_OUTCOMES);
			f->f_outcome = optarg;
			break;
		case 'F':
			if ((fmt = search_parse_format(optarg)) < 0)
				return search_usage("search", "--format '%s' is "
				    "not a format: use ndjson or table", optarg);
			s->s_table = fmt;
			break;
		case 'C':
			s->s_count = 1;
			break;
		case 'l':
			if (search_parse_count(optarg, 1, SEARCH_LIMIT_MAX,
			    &s->s_limit) != 0)
				return search_usage("search", "--limit '%s' is not "
				    "a count: use a whole number such as 100",
				    optarg);
			break;
		case 'h':
			fputs(search_help, stdout);
			return -1;
		default:
			return search_opt_error("search", c, search_opts,
			    search_meta, argv);
		}
	}
	if (optind < argc)
		return search_usage("search", "unexpected argument '%s': filters "
		    "are options, e.g. --action container.create", argv[optind]);
	if (s->s_dir == NULL)
		return search_usage("search", "--journal DIR is required: the "
		    "directory holding the journal to search");
	if (f->f_has_since && f->f_has_until && f->f_since > f->f_until)
		return search_usage("search", "--since is later than --until, so "
		    "nothing can match: swap them");
	filter_compile(f);
	return 0;
}

/* ---- reading ---- */

/* The time of a segment's first record, for segment skipping: 1 and
 * out[] (NUL-terminated), or 0 if it cannot be read. */
static int
seg_first_time(const char *dir, const char *name, char *out, size_t size)
{
	char *head = NULL, *nl, err[DA_ERRLEN];
	const struct json *t;
	struct json *root = NULL;
	struct jrn_segread *sr;
	ssize_t n = -1, got;
	int ok = 0;

	if (jrn_segment_open(&sr, dir, name, err) != DA_OK)
		return 0;
	if ((head = malloc(SEARCH_HEAD_MAX)) != NULL) {
		/* up to the first newline (a .zst gives it in pieces) */
		n = 0;
		while (n < (ssize_t)SEARCH_HEAD_MAX &&
		    memchr(head, '\n', (size_t)n) == NULL &&
		    (got = jrn_segment_read(sr, head + n,
		    SEARCH_HEAD_MAX - (size_t)n)) > 0)
			n += got;
	}
	jrn_segment_close(sr);
	if (n > 0 && (nl = memchr(head, '\n', (size_t)n)) != NULL &&
	    (root = json_parse(head, (size_t)(nl - head), NULL)) != NULL &&
	    json_type(t = json_get(root, "time")) == JSON_STRING &&
	    json_strlen(t) < size) {
		memcpy(out, json_str(t), json_strlen(t) + 1);
		ok = 1;
	}
	json_free(root);
	free(head);
	return ok;
}

/* First seq to read for --since: the newest segment starting at least
 * SEARCH_SKEW_NS before it (every older one ends before it too). */
static uint64_t
since_start(const struct search *s)
{
	char **names, err[DA_ERRLEN], t[64], text[CLOCK_RFC3339_LEN];
	int64_t edge = s->s_f.f_since - SEARCH_SKEW_NS;
	uint64_t from = 1;
	size_t n;
	int ok;

	if (jrn_segments(s->s_dir, &names, &n, err) != DA_OK)
		return 1;	/* jrn_reader_open reports it */
	clock_format(edge, text);
	for (size_t i = n; i-- > 1;) {
		if (seg_first_time(s->s_dir, names[i], t, sizeof(t)) &&
		    filter_time_cmp(t, strlen(t), edge, text, &ok) <= 0 && ok) {
			from = search_seg_first(names[i]);
			break;
		}
	}
	jrn_segments_free(names, n);
	return from;
}

/* Whether a line the prefilter ruled out must still be parsed: it may be
 * a later stage of a call in t (and change its outcome). */
static int
needed_for_call(const struct table *t, const char *line, size_t len)
{
	const char *id;
	size_t n;
	int k;

	if (t == NULL || table_ncalls(t) == 0)
		return 0;
	if ((k = table_line_call(line, len, &id, &n)) <= 0)
		return k < 0;
	return table_has_call(t, id, n);
}

/* --outcome, pass 1: the outcome of every call with a record that mentions
 * the outcome word, which every call with that outcome has (the record
 * deciding it).  Only those lines and the later records of their calls are
 * parsed.  Damage is left for pass 2 to report. */
static int
outcome_pass(struct search *s)
{
	char err[DA_ERRLEN];
	struct jrn_reader *r;
	struct filter_rec rec;
	struct json *root;
	const char *line;
	size_t len;
	int rc, hit;

	if ((s->s_oc = table_new(0)) == NULL)
		return DA_E_NOMEM;
	if ((rc = jrn_reader_open(&r, s->s_dir, s->s_from, err)) != DA_OK) {
		fprintf(stderr, "dockaudit search: cannot read the journal: "
		    "%s\n", err);
		return rc;
	}
	while ((rc = search_next("search", s->s_dir, r, &line, &len,
	    NULL)) == DA_OK) {
		hit = memmem(line, len, s->s_olit, s->s_olen) != NULL;
		if (!hit && !needed_for_call(s->s_oc, line, len))
			continue;
		if ((root = json_parse(line, len, NULL)) == NULL)
			continue;
		filter_rec_load(&rec, root);
		rc = rec.req_id != NULL ? table_add(s->s_oc, &rec, hit) : DA_OK;
		json_free(root);
		if (rc != DA_OK)
			break;
	}
	jrn_reader_close(r);
	return rc == DA_E_AGAIN ? DA_OK : rc;
}

/* --container, pass 0: learn the container's other names from records
 * that tie an id to a name (create responses), so that `--container ID`
 * also finds the calls made by name and `--container NAME` the calls made
 * by id.  Only lines holding the literal are parsed. */
static int
alias_pass(struct search *s)
{
	const char *c = s->s_f.f_container + (s->s_f.f_container[0] == '/');
	char err[DA_ERRLEN];
	struct jrn_reader *r;
	struct filter_rec rec;
	struct json *root;
	const char *line;
	size_t len, clen = strlen(c);
	int rc;

	if (clen == 0)
		return DA_OK;
	if ((rc = jrn_reader_open(&r, s->s_dir, 1, err)) != DA_OK) {
		fprintf(stderr, "dockaudit search: cannot read the journal: "
		    "%s\n", err);
		return rc;
	}
	while ((rc = search_next("search", s->s_dir, r, &line, &len,
	    NULL)) == DA_OK) {
		if (memmem(line, len, c, clen) == NULL)
			continue;
		if ((root = json_parse(line, len, NULL)) == NULL)
			continue;
		filter_rec_load(&rec, root);
		rc = filter_learn_alias(&s->s_f, &rec);
		json_free(root);
		if (rc != DA_OK)
			break;
	}
	jrn_reader_close(r);
	if (rc == DA_E_AGAIN)
		rc = DA_OK;
	filter_compile(&s->s_f);
	return rc;
}

/* --outcome, pass 2, without parsing: 0 if the line cannot belong to a
 * matching call, 1 if its call has the outcome, 2 if a parse must tell. */
static int
outcome_gate(const struct search *s, const char *line, size_t len)
{
	const char *id, *oc;
	size_t n;

	switch (table_line_call(line, len, &id, &n)) {
	case 1:
		oc = table_call_outcome(s->s_oc, id, n);
		return oc != NULL && strcmp(oc, s->s_f.f_outcome) == 0;
	case 0:		/* no request: its own outcome decides */
		return memmem(line, len, s->s_olit, s->s_olen) ? 2 : 0;
	default:
		return 2;
	}
}

/* Parse one line and apply the filters: 1 if it passed, 0 if not (or
 * damaged: reported), or -DA_E_* (memory) collecting it.  Into the table
 * (table view, --count) goes every record parsed: it may decide a call. */
static int
search_record(struct search *s, struct jrn_reader *r, const char *line,
    size_t len)
{
	char perr[DA_ERRLEN], where[DA_ERRLEN + 64];
	struct filter_rec rec;
	struct json *root;
	const char *oc;
	int passed, rc = DA_OK;

	if ((root = json_parse(line, len, perr)) == NULL) {
		snprintf(where, sizeof(where), "%s/%s byte %llu: %s", s->s_dir,
		    jrn_reader_segment(r),
		    (unsigned long long)jrn_reader_offset(r), perr);
		search_damaged("search", s->s_dir, where);
		s->s_damaged++;
		return 0;
	}
	filter_rec_load(&rec, root);
	passed = filter_match(&s->s_f, &rec);
	if (s->s_t != NULL) {
		rc = table_add(s->s_t, &rec, passed);
	} else if (passed && s->s_oc != NULL) {
		oc = rec.req_id == NULL ? rec.outcome : table_call_outcome(
		    s->s_oc, rec.req_id, strlen(rec.req_id));
		passed = filter_outcome_ok(&s->s_f, oc);
	}
	json_free(root);
	return rc != DA_OK ? -rc : passed;
}

static int
search_scan(struct search *s, struct jrn_reader *r)
{
	const char *line;
	uint64_t printed = 0;
	size_t len;
	int rc, m, all = s->s_t == NULL && filter_none(&s->s_f);

	while ((rc = search_next("search", s->s_dir, r, &line, &len,
	    &s->s_damaged)) == DA_OK) {
		if (!filter_quick(&s->s_f, line, len) &&
		    !needed_for_call(s->s_t, line, len))
			continue;
		if ((m = s->s_oc ? outcome_gate(s, line, len) : 1) == 0)
			continue;
		/* with no filter, a line of a matching call prints as stored */
		if ((!all || m == 2) &&
		    (m = search_record(s, r, line, len)) < 0)
			return -m;
		if (s->s_t != NULL || m == 0)
			continue;
		fwrite(line, 1, len, stdout);
		putc('\n', stdout);
		if ((s->s_limit && ++printed >= s->s_limit) || ferror(stdout))
			return DA_OK;
	}
	return rc == DA_E_AGAIN ? DA_OK : rc;
}

/* Print the table or the count; write errors show in ferror(stdout). */
static void
search_output(const struct search *s)
{
	struct table_widths w = { 0, 0, 0 };

	if (s->s_count) {
		printf("%llu\n", (unsigned long long)table_count(s->s_t,
		    &s->s_f, s->s_limit));
	} else {
		table_fit(s->s_t, &s->s_f, s->s_limit, &w);
		table_print(s->s_t, &s->s_f, s->s_limit, &w, 1, stdout);
	}
}

int
cli_search(int argc, char **argv)
{
	struct search s;
	struct jrn_reader *r = NULL;
	struct sigaction ign, old;
	char err[DA_ERRLEN];
	int rc, status = 1;

	if ((rc = search_args(&s, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	/* A reader that went away (| head) ends the search quietly. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	s.s_from = s.s_f.f_has_since ? since_start(&s) : 1;
	if (s.s_f.f_container != NULL && (rc = alias_pass(&s)) != DA_OK)
		goto out;
	if (s.s_f.f_outcome != NULL) {
		s.s_olen = (size_t)snprintf(s.s_olit, sizeof(s.s_olit), "\"%s\"",
		    s.s_f.f_outcome);
		if ((rc = outcome_pass(&s)) != DA_OK)
			goto out;
	}
	if ((s.s_table || s.s_count) &&
	    (s.s_t = table_new(s.s_table ? TABLE_ROWS : 0)) == NULL) {
		rc = DA_E_NOMEM;
		goto out;
	}
	if ((rc = jrn_reader_open(&r, s.s_dir, s.s_from, err)) != DA_OK) {
		fprintf(stderr, "dockaudit search: cannot read the journal: %s\n",
		    err);
		goto out;
	}
	if ((rc = search_scan(&s, r)) != DA_OK)
		goto out;
	if (s.s_t != NULL && !ferror(stdout))
		search_output(&s);
	status = s.s_damaged ? 1 : 0;
out:
	if (rc == DA_E_NOMEM || rc == DA_E_TOOBIG)
		fprintf(stderr, "dockaudit search: %s while collecting matches; "
		    "narrow the search (--since, --until)\n", da_strerror(rc));
	if ((fflush(stdout) != 0 || ferror(stdout)) && errno != EPIPE) {
		fprintf(stderr, "dockaudit search: writing the output: %s\n",
		    strerror(errno));
		status = 1;
	}
	sigaction(SIGPIPE, &old, NULL);
	jrn_reader_close(r);
	table_free(s.s_oc);
	table_free(s.s_t);
	filter_free_aliases(&s.s_f);
	return status;
}
