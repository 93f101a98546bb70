/* fuzz-journal.c -- libFuzzer target: journal segments read back by
 * `dockaudit verify` (jrn_verify, jrn_verify_key) and by the reader, and
 * the line-level checks they use (framing, the JSON scanner).
 *
 * The input is the content of the segment files of a journal whose
 * journal.meta (fixed id, so a committed seed chains) is written once at
 * start.  A line "=SEG=" splits the input into segments; each segment
 * after the first is named after the seq of its first line, as the writer
 * names them.  Invariants beyond "no crash, no leak, no UB":
 *  - whenever verify says OK, the bytes are exactly a hash chain from the
 *    genesis: every byte belongs to a '\n'-terminated, non-empty line, line
 *    i has seq i, and recomputing SHA-256 over the lines gives the head
 *    verify reports.  So any change to a valid journal is reported as
 *    damage or moves the head (what an auditor compares with a head kept
 *    elsewhere: the unsealed tail);
 *  - a keyed verify that says OK agrees with the unkeyed one;
 *  - after an OK verify, the reader returns exactly the same lines.
 *
 * FUZZ_JOURNAL_SEED=FILE makes the target write a valid journal (sealed
 * every 3 records, several segments) to FILE in the input format and exit:
 * that is how tests/fuzz/corpus/journal/ was made. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz.h"

#include "base/err.h"
#include "journal/internal.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/seal.h"
#include "journal/verify.h"

#define FUZZ_ID		"0f0e0d0c-0b0a-4908-8706-050403020100"
#define SEG_MARK	"=SEG=\n"
#define SEG_MARK_LEN	6
#define MAX_SEGS	8

static const unsigned char k0[JRN_SEAL_KEY_LEN] = "dockaudit fuzz sealing key k0..";
static char dir[256];
static unsigned char genesis[JRN_HASH_LEN];

/* verify re-reads a partial last line TAIL_RETRIES times with a sleep in
 * between, in case a writer is mid-write; nobody writes here, and the
 * sleeps would cost ~200 ms per input.  This definition takes the place
 * of libc's in this program only. */
int
usleep(useconds_t us)
{
	(void)us;
	return 0;
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz-journal: %s: %s\n", what, err);
	exit(1);
}

static void
write_file(const char *name, const char *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		die(path, strerror(errno));
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		die(path, "short write");
	close(fd);
}

/* Remove the segment files left by the last input. */
static void
clear_segments(void)
{
	char **names;
	size_t n;
	char err[DA_ERRLEN], path[512];

	if (jrn_segments(dir, &names, &n, err) != DA_OK)
		die("jrn_segments", err);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	jrn_segments_free(names, n);
}

static void
make_dir(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char ghex[JRN_HEX_LEN], meta[256];
	int n;

	snprintf(dir, sizeof(dir), "%s/da-fuzz-journal.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", strerror(errno));
	jrn__genesis(FUZZ_ID, genesis);
	jrn_hex(genesis, ghex);
	n = snprintf(meta, sizeof(meta), "{\"v\":1,\"id\":\"%s\",\"created\":"
	    "\"2026-01-01T00:00:00Z\",\"genesis\":\"%s\"}\n", FUZZ_ID, ghex);
	write_file(JRN_META, meta, (size_t)n);
}

static void
remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0) {
			snprintf(path, sizeof(path), "%s/%s/x", dir, e->d_name);
			(void)rmdir(path);
		}
	}
	closedir(d);
	(void)rmdir(dir);
}

/* FUZZ_JOURNAL_SEED: a real journal written by the writer. */
static void
make_seed(const char *out)
{
	static const char *recs[] = {
		"\"id\":\"r1\",\"kind\":\"api\",\"phase\":\"request\",\"action\":"
		"\"container.create\",\"security\":{\"privileged\":true,"
		"\"cap_add\":[\"CAP_SYS_ADMIN\"],\"mounts\":[{\"type\":\"bind\","
		"\"source\":\"/\",\"target\":\"/host\",\"rw\":true}]}",
		"\"id\":\"r1\",\"kind\":\"api\",\"phase\":\"response\","
		"\"status\":201,\"object\":{\"id\":\"4f1c2a\"}",
		"\"id\":\"r2\",\"kind\":\"api\",\"action\":\"container.start\","
		"\"outcome\":\"success\",\"note\":\"\\u00e9\\\"q\\\\\"",
		"\"id\":\"r3\",\"kind\":\"audit\",\"action\":\"journal.recovered\","
		"\"detail\":{\"dropped_bytes\":0,\"list\":[1,2.5,-3e2,null,false]}",
		"\"id\":\"r4\",\"kind\":\"api\",\"action\":\"image.pull\","
		"\"query\":{\"fromImage\":\"busybox\",\"tag\":\"latest\"}",
		"\"id\":\"r5\",\"kind\":\"api\",\"action\":\"exec.start\"",
		"\"id\":\"r6\",\"kind\":\"api\",\"action\":\"volume.create\"",
		"\"id\":\"r7\",\"kind\":\"api\",\"action\":\"network.create\"",
	};
	struct jrn_opts o;
	struct jrn_recovery rec;
	struct journal *j;
	struct buf all;
	char err[DA_ERRLEN], **names;
	size_t n;
	uint64_t t = 0;
	FILE *f;

	if (jrn_seal_init(dir, k0, err) != DA_OK)
		die("jrn_seal_init", err);
	jrn_opts_default(&o);
	o.dir = dir;
	o.fsync = 0;
	o.seal_every = 3;
	o.segment_max_bytes = 1200;
	o.commit_delay_ns = -1;
	if (jrn_open(&j, &o, &rec, err) != DA_OK)
		die("jrn_open", err);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		if (jrn_submit(j, recs[i], strlen(recs[i]), &t) != DA_OK)
			die("jrn_submit", "refused");
	jrn_close(j);
	if (jrn_segments(dir, &names, &n, err) != DA_OK)
		die("jrn_segments", err);
	buf_init(&all, BUF_UNLIMITED);
	for (size_t i = 0; i < n; i++) {
		char path[512], chunk[4096];
		ssize_t r;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((fd = open(path, O_RDONLY)) < 0)
			die(path, strerror(errno));
		if (i > 0)
			buf_puts(&all, SEG_MARK);
		while ((r = read(fd, chunk, sizeof(chunk))) > 0)
			buf_append(&all, chunk, (size_t)r);
		close(fd);
	}
	jrn_segments_free(names, n);
	if ((f = fopen(out, "w")) == NULL ||
	    fwrite(all.data, 1, all.len, f) != all.len || fclose(f) != 0)
		die(out, "cannot write");
	fprintf(stderr, "fuzz-journal: wrote %zu bytes in %zu segments to %s\n",
	    all.len, n, out);
	buf_free(&all);
	remove_dir();
	exit(0);
}

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("FUZZ_JOURNAL_SEED");

	(void)argc;
	(void)argv;
	make_dir();
	if (seed != NULL)
		make_seed(seed);
	atexit(remove_dir);
	return 0;
}

struct seg {
	char		 name[JRN_SEGNAME_LEN];
	const char	*p;
	size_t		 n;
};

/* Split the input at SEG_MARK lines; name the segments.  Segments whose
 * name repeats an earlier one are dropped.  Returns the count. */
static size_t
split(const char *p, size_t n, struct seg *segs)
{
	size_t ns = 0;
	const char *end = p + n;

	while (ns < MAX_SEGS) {
		const char *m = p, *cut = NULL;
		uint64_t first;
		int dup = 0;

		while ((m = memmem(m, (size_t)(end - m), SEG_MARK,
		    SEG_MARK_LEN)) != NULL) {
			if (m == p || m[-1] == '\n') {
				cut = m;
				break;
			}
			m++;
		}
		if (ns == MAX_SEGS - 1)
			cut = NULL;
		first = ns == 0 ? 1 : jrn__line_seq(p, (size_t)((cut ? cut :
		    end) - p));
		if (first == 0)
			first = 1000 + ns;	/* a segment named for no record */
		jrn__seg_name(first, segs[ns].name);
		for (size_t i = 0; i < ns; i++)
			dup |= strcmp(segs[i].name, segs[ns].name) == 0;
		segs[ns].p = p;
		segs[ns].n = (size_t)((cut ? cut : end) - p);
		if (!dup)
			ns++;
		if (cut == NULL)
			break;
		p = cut + SEG_MARK_LEN;
	}
	return ns;
}

static int
cmp_seg(const void *a, const void *b)
{
	return strcmp(((const struct seg *)a)->name,
	    ((const struct seg *)b)->name);
}

/* verify said OK: the bytes must be exactly the chain it reports. */
static void
check_ok(const struct jrn_verify_result *res, const struct seg *segs,
    size_t ns)
{
	unsigned char h[JRN_HASH_LEN];
	char hex[JRN_HEX_LEN];
	uint64_t lines = 0;
	struct jrn_reader *r;
	char err[DA_ERRLEN];

	memcpy(h, genesis, sizeof(h));
	if (jrn_reader_open(&r, dir, 1, err) != DA_OK)
		die("jrn_reader_open", err);
	for (size_t i = 0; i < ns; i++) {
		const char *p = segs[i].p, *end = p + segs[i].n;

		FUZZ_CHECK(segs[i].n == 0 || end[-1] == '\n',
		    "verify OK, but segment %s does not end with a newline",
		    segs[i].name);
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *rline;
			size_t rlen;
			uint64_t rseq;
			int rc;

			FUZZ_CHECK(nl != NULL && nl > p, "verify OK, but %s has "
			    "an empty line at byte %zu", segs[i].name,
			    (size_t)(p - segs[i].p));
			lines++;
			FUZZ_CHECK(jrn__line_seq(p, (size_t)(nl - p)) == lines,
			    "verify OK, but line %llu has seq %llu",
			    (unsigned long long)lines, (unsigned long long)
			    jrn__line_seq(p, (size_t)(nl - p)));
			jrn_chain_step(h, p, (size_t)(nl + 1 - p), h);
			rc = jrn_reader_next(r, &rline, &rlen, &rseq, err);
			FUZZ_CHECK(rc == DA_OK && rseq == lines &&
			    rlen == (size_t)(nl - p) &&
			    memcmp(rline, p, rlen) == 0,
			    "verify OK, but the reader gives %d (%s) for seq %llu",
			    rc, rc == DA_OK ? "another line" : err,
			    (unsigned long long)lines);
			p = nl + 1;
		}
	}
	{
		const char *rline;
		size_t rlen;
		uint64_t rseq;
		int rc = jrn_reader_next(r, &rline, &rlen, &rseq, err);

		FUZZ_CHECK(rc == DA_E_AGAIN, "the reader goes on past the "
		    "verified journal: %d", rc);
	}
	jrn_reader_close(r);
	FUZZ_CHECK(res->records == lines && res->last_seq == lines,
	    "verify OK with %llu records (last seq %llu), the bytes hold %llu",
	    (unsigned long long)res->records,
	    (unsigned long long)res->last_seq, (unsigned long long)lines);
	jrn_hex(h, hex);
	FUZZ_CHECK(strcmp(hex, res->head) == 0,
	    "verify OK with head %s, the bytes chain to %s", res->head, hex);
}

/* The reader over damaged input: it must stop, not crash or spin. */
static void
read_all(void)
{
	struct jrn_reader *r;
	const char *line;
	size_t len;
	uint64_t seq;
	char err[DA_ERRLEN];

	if (jrn_reader_open(&r, dir, 1, err) != DA_OK)
		return;
	for (int i = 0; i < 10000; i++) {
		int rc = jrn_reader_next(r, &line, &len, &seq, err);

		if (rc == DA_E_AGAIN)
			break;
		if (rc == DA_OK)
			(void)jrn__line_json_ok(line, len, err);
	}
	jrn_reader_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seg segs[MAX_SEGS];
	struct jrn_verify_result plain, keyed;
	char err[DA_ERRLEN];
	size_t ns;

	if (size > (1 << 20))
		return 0;
	ns = split((const char *)data, size, segs);
	clear_segments();
	for (size_t i = 0; i < ns; i++)
		write_file(segs[i].name, segs[i].p, segs[i].n);
	qsort(segs, ns, sizeof(segs[0]), cmp_seg);

	FUZZ_CHECK(jrn_verify(dir, &plain, err) == DA_OK, "verify: %s", err);
	if (plain.ok)
		check_ok(&plain, segs, ns);
	else
		FUZZ_CHECK(plain.kind != NULL && plain.why[0] != '\0',
		    "damage without a kind or a reason");
	FUZZ_CHECK(jrn_verify_key(dir, k0, &keyed, err) == DA_OK,
	    "verify with key: %s", err);
	if (keyed.ok) {
		FUZZ_CHECK(plain.ok && strcmp(plain.head, keyed.head) == 0 &&
		    plain.records == keyed.records,
		    "keyed verify OK, unkeyed %s", plain.ok ? "another head" :
		    plain.why);
		check_ok(&keyed, segs, ns);
	}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz-journal: %zu segments; verify: %s %s; "
		    "with k0: %s %s (%llu seals)\n", ns, plain.ok ? "OK" :
		    plain.kind, plain.ok ? plain.head : plain.why, keyed.ok ?
		    "OK" : keyed.kind, keyed.ok ? "" : keyed.why,
		    (unsigned long long)keyed.seals);
	read_all();
	return 0;
}
