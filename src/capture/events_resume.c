/* events_resume.c -- where the event stream resumes, what is a duplicate,
 * and what is a gap.
 *
 * The journal is the source of truth: at start the newest segments are
 * read backwards (at most a budget of bytes, so start-up time and memory
 * stay bounded however large the journal is) for the last record from the
 * events source.  Only lines that contain "source":"events" are parsed.
 * The hint file (EV_HINT_FILE in the journal directory) is consulted only
 * when the budget runs out first, and only believed when the record it
 * names is in the journal and carries the same time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/events_int.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "json/json.h"

#define SCAN_BLOCK	(1024 * 1024)
#define BOUNDARY_EXTRA	((int64_t)1 << 20)	/* read on past the match for same-time keys */

struct ev_key
ev_key_make(int64_t time_nano, const char *type, const char *action,
    const char *actor_id)
{
	struct ev_key k = { .time_nano = time_nano,
	    .hash = 1469598103934665603ULL };
	const char *parts[3] = { type, action, actor_id };

	for (int p = 0; p < 3; p++) {
		for (const char *s = parts[p] ? parts[p] : ""; *s; s++)
			k.hash = (k.hash ^ (unsigned char)*s) * 1099511628211ULL;
		k.hash = (k.hash ^ 0xff) * 1099511628211ULL;	/* separator */
	}
	return k;
}

int
ev_dedupe_seen(const struct ev_dedupe *d, struct ev_key k)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->keys[i].time_nano == k.time_nano &&
		    d->keys[i].hash == k.hash)
			return 1;
	return 0;
}

void
ev_dedupe_add(struct ev_dedupe *d, struct ev_key k)
{
	d->keys[d->next] = k;
	d->next = (d->next + 1) % EV_DEDUPE_MAX;
	if (d->count < EV_DEDUPE_MAX)
		d->count++;
}

void
ev_format_since(int64_t ns, char out[EV_SINCE_LEN])
{
	if (ns < 0)
		ns = 0;
	snprintf(out, EV_SINCE_LEN, "%lld.%09lld",
	    (long long)(ns / 1000000000), (long long)(ns % 1000000000));
}

int
ev_gap_check(int64_t resume_ns, int64_t daemon_start_ns, size_t replayed,
    int64_t first_replayed_ns, struct ev_gap *g)
{
	memset(g, 0, sizeof(*g));
	if (resume_ns <= 0)
		return 0;
	g->from_ns = resume_ns;
	if (daemon_start_ns > resume_ns) {
		g->why |= EV_GAP_RESTART;
		g->to_ns = daemon_start_ns;
	}
	if (replayed >= EV_DOCKERD_HISTORY && first_replayed_ns > resume_ns) {
		g->why |= EV_GAP_OVERFLOW;
		if (first_replayed_ns > g->to_ns)
			g->to_ns = first_replayed_ns;
	}
	return g->why != 0;
}

/* boottime-relative start of a process, as realtime ns. */
int64_t
ev_process_start_ns(int pid)
{
	char path[64], text[2048], *p;
	unsigned long long start_ticks = 0;
	struct timespec rt, bt;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd, field;

	if (pid <= 1 || hz <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* comm may hold spaces and parentheses: fields count from the last ')' */
	if ((p = strrchr(text, ')')) == NULL)
		return 0;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &start_ticks) != 1)
		return 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec -
	    ((int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec) +
	    (int64_t)(start_ticks * (1000000000ULL / (unsigned long long)hz));
}

/* ---- the journal, backwards ---- */

struct scan {
	struct ev_resume *r;
	int		 done;
	int64_t		 extra_left;	/* after the match: bytes still to look at */
	int64_t		 oldest_ns;	/* time of the oldest record read */
};

/* A record's "time" from its fixed prefix {"v":1,"seq":N,"id":"...","time":"..." */
static int64_t
line_time(const char *line, size_t n)
{
	static const char key[] = "\"time\":\"";
	const char *p = memmem(line, n < 160 ? n : 160, key, sizeof(key) - 1);
	char ts[CLOCK_RFC3339_LEN + 8];
	const char *q;
	int64_t t;

	if (p == NULL)
		return 0;
	p += sizeof(key) - 1;
	if ((q = memchr(p, '"', (size_t)(line + n - p))) == NULL ||
	    (size_t)(q - p) >= sizeof(ts))
		return 0;
	memcpy(ts, p, (size_t)(q - p));
	ts[q - p] = '\0';
	return clock_parse(ts, 0, &t) == 0 ? t : 0;
}

/* What an events-source line says: 1 with time and (for daemon records)
 * its key, 0 when it is not one. */
static int
line_resume(const char *line, size_t n, int64_t *t, struct ev_key *key,
    int *is_event, uint64_t *seq)
{
	static const char needle[] = "\"source\":\"events\"";
	const struct json *kind, *d;
	struct json *root;
	int64_t s;
	int rc = 0;

	if (memmem(line, n, needle, sizeof(needle) - 1) == NULL)
		return 0;
	if ((root = json_parse(line, n, NULL)) == NULL)
		return 0;
	kind = json_get(root, "kind");
	*seq = json_int(json_get(root, "seq"), &s) == 0 ? (uint64_t)s : 0;
	if (json_type(kind) != JSON_STRING ||
	    strcmp(json_str(json_get(root, "source")) ?
	    json_str(json_get(root, "source")) : "", "events") != 0)
		goto out;
	if (strcmp(json_str(kind), "daemon") == 0 &&
	    (d = json_get(root, "daemon_event")) != NULL &&
	    json_int(json_get(d, "time_nano"), t) == 0) {
		*key = ev_key_make(*t, json_str(json_get(d, "type")),
		    json_str(json_get(d, "action")),
		    json_str(json_get(d, "actor_id")));
		*is_event = 1;
		rc = 1;
	} else if (strcmp(json_str(kind), "audit") == 0 &&
	    json_str(json_get(root, "action")) != NULL &&
	    strcmp(json_str(json_get(root, "action")), "events.gap") == 0 &&
	    json_int(json_path(root, "detail.to_nano"), t) == 0) {
		*is_event = 0;
		rc = 1;
	}
out:
	json_free(root);
	return rc;
}

static void
scan_line(struct scan *sc, const char *line, size_t n)
{
	struct ev_resume *r = sc->r;
	struct ev_key key;
	int64_t t;
	uint64_t seq;
	int is_event;

	if (!r->found && (t = line_time(line, n)) > 0)
		sc->oldest_ns = t;
	if (!line_resume(line, n, &t, &key, &is_event, &seq))
		return;
	if (!r->found) {
		r->found = 1;
		r->source = "journal";
		r->time_nano = t;
		r->seq = seq;
		sc->extra_left = BOUNDARY_EXTRA;
		if (is_event)
			r->boundary[r->nboundary++] = key;
		return;
	}
	/* older records at the same time: their keys are duplicates too */
	if (t < r->time_nano) {
		sc->done = 1;
		return;
	}
	if (is_event && t == r->time_nano && r->nboundary < EV_BOUNDARY_MAX)
		r->boundary[r->nboundary++] = key;
}

/* Lines of [0, len) from the last to the first complete one; what comes
 * before the first '\n' is left in *keep. */
static void
scan_block(struct scan *sc, char *data, size_t len, size_t *keep)
{
	size_t p = len;

	while (p > 0 && !sc->done) {
		char *q = memrchr(data, '\n', p - 1);

		if (q == NULL)
			break;
		scan_line(sc, q + 1, p - 1 - (size_t)(q + 1 - data));
		p = (size_t)(q + 1 - data);
	}
	*keep = p;
}

/* A compressed (closed) segment cannot be read backwards: decompress it
 * whole, within what is left of the budget, and scan that from its end. */
static int
scan_compressed(struct scan *sc, const char *dir, const char *name,
    int64_t *budget, char *err)
{
	struct jrn_segread *sr;
	struct buf b;
	size_t keep;
	ssize_t n;
	int rc;

	if ((rc = jrn_segment_open(&sr, dir, name, err)) != DA_OK)
		return rc == DA_E_NOTFOUND ? DA_OK : rc;
	buf_init(&b, (size_t)*budget + SCAN_BLOCK);
	for (;;) {
		if ((int64_t)b.len >= *budget) {
			*budget = 0;	/* too big to look at: the hint decides */
			goto out;
		}
		if (buf_reserve(&b, SCAN_BLOCK) != DA_OK) {
			rc = da_seterr(err, DA_E_NOMEM, "%s/%s: out of memory",
			    dir, name);
			goto out;
		}
		if ((n = jrn_segment_read(sr, b.data + b.len, SCAN_BLOCK)) < 0) {
			rc = da_seterr(err, DA_E_IO, "%s/%s: %s", dir, name,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	*budget -= (int64_t)b.len;
	sc->r->scanned_bytes += (int64_t)b.len;
	if (b.len > 0 && b.data[b.len - 1] == '\n') {
		scan_block(sc, b.data, b.len, &keep);
		if (!sc->done && keep > 1)
			scan_line(sc, b.data, keep - 1);
	}
out:
	buf_free(&b);
	jrn_segment_close(sr);
	return rc;
}

static int
scan_segment(struct scan *sc, const char *dir, const char *name,
    int64_t *budget, char *err)
{
	char path[4096];
	struct buf b;
	struct stat st;
	off_t off;
	int fd, first = 1, rc = DA_OK;

	if (strstr(name, ".zst") != NULL)
		return scan_compressed(sc, dir, name, budget, err);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return DA_OK;
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	}
	buf_init(&b, (size_t)JRN_MAX_LINE + 2 * SCAN_BLOCK);
	off = st.st_size;
	while (off > 0 && !sc->done && *budget > 0) {
		size_t rd = off > SCAN_BLOCK ? SCAN_BLOCK : (size_t)off, keep, tail;
		ssize_t n;

		off -= (off_t)rd;
		/* this block goes in front of the partial line kept so far */
		tail = b.len;
		if (buf_reserve(&b, rd) != DA_OK) {
			rc = da_seterr(err, DA_E_TOOBIG, "%s: a line longer than "
			    "%u bytes", path, JRN_MAX_LINE);
			break;
		}
		memmove(b.data + rd, b.data, tail);
		if ((n = pread(fd, b.data, rd, off)) != (ssize_t)rd) {
			rc = da_seterr(err, DA_E_IO, "%s: %s", path,
			    n < 0 ? strerror(errno) : "short read");
			break;
		}
		b.len = tail + rd;
		b.data[b.len] = '\0';
		*budget -= (int64_t)rd;
		sc->r->scanned_bytes += (int64_t)rd;
		if (first) {
			/* a torn last line (no '\n' yet) is not a record */
			char *lf = memrchr(b.data, '\n', b.len);
			b.len = lf ? (size_t)(lf - b.data) + 1 : 0;
			first = lf == NULL;
		}
		if (b.len == 0)
			continue;
		scan_block(sc, b.data, b.len, &keep);
		if (sc->r->found && !sc->done) {
			sc->extra_left -= (int64_t)rd;
			if (sc->extra_left <= 0)
				sc->done = 1;
		}
		b.len = keep;
	}
	/* the segment's first line */
	if (rc == DA_OK && off == 0 && !sc->done && b.len > 1 &&
	    b.data[b.len - 1] == '\n')
		scan_line(sc, b.data, b.len - 1);
	buf_free(&b);
	close(fd);
	return rc;
}

/* Believe the hint only if the journal holds the record it names. */
static int
hint_check(const char *dir, struct ev_resume *r)
{
	char path[4096], text[256], err[DA_ERRLEN];
	struct jrn_reader *rd;
	const char *line;
	struct json *h;
	struct ev_key key;
	int64_t hseq, ht, t;
	uint64_t seq, lseq;
	size_t len;
	ssize_t n;
	int fd, ok = 0, is_event;

	snprintf(path, sizeof(path), "%s/%s", dir, EV_HINT_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0 || (h = json_parse(text, (size_t)n, NULL)) == NULL)
		return 0;
	if (json_int(json_get(h, "seq"), &hseq) != 0 || hseq <= 0 ||
	    json_int(json_get(h, "time_nano"), &ht) != 0) {
		json_free(h);
		return 0;
	}
	json_free(h);
	if (jrn_reader_open(&rd, dir, (uint64_t)hseq, err) != DA_OK)
		return 0;
	if (jrn_reader_next(rd, &line, &len, &seq, err) == DA_OK &&
	    seq == (uint64_t)hseq &&
	    line_resume(line, len, &t, &key, &is_event, &lseq) && t == ht) {
		r->found = 1;
		r->source = "hint";
		r->time_nano = t;
		r->seq = seq;
		if (is_event)
			r->boundary[r->nboundary++] = key;
		ok = 1;
	}
	jrn_reader_close(rd);
	return ok;
}

int
ev_resume_find(const char *dir, int64_t budget, struct ev_resume *out,
    char *err)
{
	struct scan sc = { .r = out };
	char **segs;
	size_t nsegs;
	int rc;

	memset(out, 0, sizeof(*out));
	out->source = "none";
	if ((rc = jrn_segments(dir, &segs, &nsegs, err)) != DA_OK)
		return rc;
	for (size_t i = nsegs; i > 0 && !sc.done && budget > 0; i--)
		if ((rc = scan_segment(&sc, dir, segs[i - 1], &budget, err)) !=
		    DA_OK)
			break;
	jrn_segments_free(segs, nsegs);
	if (rc != DA_OK)
		return rc;
	if (!out->found && budget <= 0 && !hint_check(dir, out)) {
		/* no events record in the newest budget bytes: nothing after
		 * the oldest record read was recorded, so resume there */
		out->source = "scan_limit";
		out->floor_ns = sc.oldest_ns;
	}
	return DA_OK;
}

int
ev_hint_write(const char *dir, uint64_t seq, int64_t time_nano)
{
	char path[4096], tmp[4200], text[128];
	int fd, n, rc = DA_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, EV_HINT_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(text, sizeof(text), "{\"seq\":%llu,\"time_nano\":%lld}\n",
	    (unsigned long long)seq, (long long)time_nano);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		return DA_E_IO;
	if (write(fd, text, (size_t)n) != n)
		rc = DA_E_IO;
	close(fd);
	if (rc == DA_OK && rename(tmp, path) != 0)
		rc = DA_E_IO;
	if (rc != DA_OK)
		unlink(tmp);
	return rc;
}
