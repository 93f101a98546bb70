/* tamper-util.h -- an intruder's toolkit for the tamper tests: a sealed
 * multi-segment journal written by the real writer, its lines held in
 * memory with the segment each belongs to, edits on them, re-chaining
 * from the genesis and re-sealing with whatever key the intruder holds,
 * and writing the segments back.  Included by test-tamper.c only (after
 * unit.h and journal-util.h). */
#ifndef DA_TEST_TAMPER_UTIL_H
#define DA_TEST_TAMPER_UTIL_H

#define IMG_MAX		4096
#define SEG_MAX		256

static unsigned char k0[JRN_SEAL_KEY_LEN];
static char kpath[400];		/* <tdir>/k0.key */

/* the journal as lines: segment index, text without '\n' */
struct iline {
	int	 seg;
	char	*s;
	size_t	 n;
};
static struct iline img[IMG_MAX];
static int nimg;
static char segname[SEG_MAX][32];
static int nseg;

static __attribute__((unused)) void
key_at(uint64_t epoch, unsigned char k[JRN_SEAL_KEY_LEN])
{
	memcpy(k, k0, JRN_SEAL_KEY_LEN);
	for (uint64_t e = 0; e < epoch; e++)
		jrn_seal_evolve(k);
}

/* A fresh journal with a sealing key; k0 also in kpath. */
static __attribute__((unused)) void
mk_sealed_journal(void)
{
	char err[DA_ERRLEN];
	int fd;

	mk_journal();
	ASSERT_EQ(jrn_seal_keygen(k0, err), DA_OK);
	ASSERT_EQ(jrn_seal_init(jdir, k0, err), DA_OK);
	ASSERT((fd = open(tdir, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT_EQ(jrn_seal_key_write(fd, tdir, "k0.key", 0, k0, err), DA_OK);
	close(fd);
	snprintf(kpath, sizeof(kpath), "%s/k0.key", tdir);
}

static __attribute__((unused)) struct journal *
open_sealed_j(uint64_t every, uint64_t seg_max)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];

	jrn_opts_default(&o);
	o.dir = jdir;
	o.seal_every = every;
	o.seal_interval_ns = 3600ll * 1000000000;
	o.segment_max_bytes = seg_max;
	if (jrn_open(&j, &o, NULL, err) != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

/* n api-like records of varying length (~150-260 bytes a line). */
static __attribute__((unused)) void
write_records(struct journal *j, int first, int n)
{
	char m[1024];
	uint64_t t = 0;

	for (int i = first; i < first + n; i++) {
		int k = snprintf(m, sizeof(m), "\"id\":\"r%d\",\"kind\":\"api\","
		    "\"stage\":\"request\",\"action\":\"container.create\","
		    "\"actor\":{\"uid\":%d,\"comm\":\"docker\"},\"security\":"
		    "{\"privileged\":%s},\"note\":\"%.*s\"", i, 1000 + i % 7,
		    i % 3 ? "false" : "true", 10 + (i * 37) % 90,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

		ASSERT_EQ(jrn_submit(j, m, (size_t)k, &t), DA_OK);
	}
	wait_durable(j, t);
}

/* n records sealed every `every`, segments of seg_max bytes, closed (a
 * final seal). */
static __attribute__((unused)) void
build_sealed(int n, uint64_t every, uint64_t seg_max)
{
	struct journal *j;

	mk_sealed_journal();
	j = open_sealed_j(every, seg_max);
	write_records(j, 0, n);
	jrn_close(j);
}

/* The same, but the process dies (no close, no final seal) after the
 * records are durable: a tail of unsealed records, as kill -9 leaves. */
static __attribute__((unused)) void
build_crashed(int n, uint64_t every, uint64_t seg_max)
{
	pid_t pid;
	int st;

	mk_sealed_journal();
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct journal *j = open_sealed_j(every, seg_max);

		write_records(j, 0, n);
		_exit(0);
	}
	ASSERT(pid > 0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static __attribute__((unused)) uint64_t
line_seq(const struct iline *l)
{
	return strtoull(l->s + 13, NULL, 10);
}

static __attribute__((unused)) int
line_is_seal(const struct iline *l)
{
	return memmem(l->s, l->n, "\"kind\":\"seal\"", 13) != NULL;
}

static __attribute__((unused)) int
seal_epoch(const struct iline *l, uint64_t *epoch)
{
	unsigned char head[JRN_HASH_LEN], mac[JRN_HASH_LEN];
	uint64_t s;
	char why[96];

	return jrn_seal_parse(l->s, l->n, epoch, &s, head, mac, why) == 1;
}

static __attribute__((unused)) void
img_free(void)
{
	for (int i = 0; i < nimg; i++)
		free(img[i].s);
	nimg = 0;
	nseg = 0;
}

static __attribute__((unused)) void
img_load(void)
{
	char **names, err[DA_ERRLEN];
	size_t n;

	img_free();
	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n <= SEG_MAX);
	for (size_t i = 0; i < n; i++) {
		size_t sz;
		char *b = slurp(names[i], &sz);

		snprintf(segname[i], sizeof(segname[i]), "%s", names[i]);
		for (char *p = b, *nl; p < b + sz; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(b + sz - p));
			ASSERT(nl != NULL);
			ASSERT(nimg < IMG_MAX);
			img[nimg].seg = (int)i;
			img[nimg].n = (size_t)(nl - p);
			ASSERT((img[nimg].s = malloc(img[nimg].n + 1)) != NULL);
			memcpy(img[nimg].s, p, img[nimg].n);
			img[nimg].s[img[nimg].n] = '\0';
			nimg++;
		}
		free(b);
	}
	nseg = (int)n;
	jrn_segments_free(names, n);
}

/* Write every segment back from the image.  With rename (what root
 * re-chaining the journal would do) each segment is named after its first
 * seq and one left with no line is removed; without, the files keep
 * their names and an emptied one stays, empty. */
static __attribute__((unused)) void
img_store(int rename_segs)
{
	char tmp[64], name[32], p[400], q[400];

	for (int g = 0; g < nseg; g++) {
		size_t cap = 1, n = 0;
		int first = -1;
		char *b;

		for (int i = 0; i < nimg; i++)
			if (img[i].seg == g) {
				cap += img[i].n + 1;
				if (first < 0)
					first = i;
			}
		ASSERT((b = malloc(cap)) != NULL);
		for (int i = 0; i < nimg; i++) {
			if (img[i].seg != g)
				continue;
			memcpy(b + n, img[i].s, img[i].n);
			n += img[i].n;
			b[n++] = '\n';
		}
		if (!rename_segs) {
			spit(segname[g], b, n);
		} else {
			snprintf(p, sizeof(p), "%s/%.31s", jdir, segname[g]);
			ASSERT_EQ(unlink(p), 0);
			if (first >= 0) {
				snprintf(tmp, sizeof(tmp), "new-%d", g);
				spit(tmp, b, n);
			}
		}
		free(b);
	}
	if (!rename_segs)
		return;
	for (int g = 0, first; g < nseg; g++) {
		for (first = 0; first < nimg && img[first].seg != g; first++)
			;
		if (first == nimg)
			continue;
		snprintf(name, sizeof(name), "%016llx.jsonl",
		    (unsigned long long)line_seq(&img[first]));
		snprintf(p, sizeof(p), "%s/new-%d", jdir, g);
		snprintf(q, sizeof(q), "%s/%s", jdir, name);
		ASSERT_EQ(rename(p, q), 0);
		memcpy(segname[g], name, sizeof(name));
	}
}

static __attribute__((unused)) int
img_find(uint64_t seq)
{
	for (int i = 0; i < nimg; i++)
		if (line_seq(&img[i]) == seq)
			return i;
	UNIT_FAIL("seq %llu not in the journal", (unsigned long long)seq);
	return -1;
}

static __attribute__((unused)) void
img_delete(int i)
{
	free(img[i].s);
	memmove(&img[i], &img[i + 1], sizeof(img[0]) * (size_t)(nimg - i - 1));
	nimg--;
}

/* Insert a copy of line `from`'s text before index i, in i's segment. */
static __attribute__((unused)) void
img_insert_copy(int i, int from)
{
	struct iline l = img[from];

	ASSERT(nimg < IMG_MAX);
	l.seg = img[i].seg;
	ASSERT((l.s = strdup(img[from].s)) != NULL);
	memmove(&img[i + 1], &img[i], sizeof(img[0]) * (size_t)(nimg - i));
	img[i] = l;
	nimg++;
}

/* Change record i's content (one character of its id), keeping JSON. */
static __attribute__((unused)) void
img_forge(int i)
{
	char *t = strstr(img[i].s, "\"id\":\"r");

	ASSERT(t != NULL);
	t[6] = 'F';
}

/* Change "privileged":true to false in record i. */
static __attribute__((unused)) void
img_unprivilege(int i)
{
	char *t = strstr(img[i].s, "\"privileged\":true"), *n;
	size_t pre;

	ASSERT(t != NULL);
	pre = (size_t)(t - img[i].s) + 13;
	ASSERT((n = malloc(img[i].n + 2)) != NULL);
	memcpy(n, img[i].s, pre);
	memcpy(n + pre, "false", 5);
	strcpy(n + pre + 5, img[i].s + pre + 4);
	free(img[i].s);
	img[i].s = n;
	img[i].n = strlen(n);
}

/* Lines i and k change places (each stays in its segment slot). */
static __attribute__((unused)) void
swap_text(int i, int k)
{
	char *s = img[i].s;
	size_t n = img[i].n;

	img[i].s = img[k].s;
	img[i].n = img[k].n;
	img[k].s = s;
	img[k].n = n;
}

/* How the intruder re-seals the seals at or after index `from`. */
enum reseal {
	RS_KEEP,	/* leave seal bodies as they are */
	RS_HONEST,	/* each with its own epoch's key (from k0: a control) */
	RS_STOLEN,	/* all with the stolen key, epochs as they were */
	RS_EVOLVE,	/* the stolen key for epochs before it, evolved
			 * forward from it for the later ones */
	RS_RELABEL	/* epochs renumbered from the stolen key's on, each
			 * MACed with the stolen key evolved to it: every
			 * MAC is right for the epoch it claims */
};

/* Recompute the whole chain from the genesis: seqs 1..nimg when renumber,
 * every prev, and the seals at or after index from per how. */
static __attribute__((unused)) void
img_rechain(int renumber, int from, enum reseal how,
    const unsigned char stolen[JRN_SEAL_KEY_LEN], uint64_t stolen_epoch)
{
	unsigned char h[JRN_HASH_LEN], key[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], hex[JRN_HEX_LEN], *body, *out;
	uint64_t relabel = stolen_epoch;

	ASSERT_EQ(jrn_meta_read(jdir, NULL, h, err), DA_OK);
	for (int i = 0; i < nimg; i++) {
		struct iline *l = &img[i];
		uint64_t seq = renumber ? (uint64_t)i + 1 : line_seq(l), e;
		size_t blen, n;
		char mem[600];

		body = strchr(l->s + 13, ',') + 1;	/* after {"v":1,"seq":N, */
		blen = (size_t)(l->s + l->n - 75 - body);
		if (how != RS_KEEP && i >= from && seal_epoch(l, &e)) {
			unsigned char mac[JRN_HASH_LEN];

			switch (how) {
			case RS_HONEST:
				key_at(e, key);
				break;
			case RS_STOLEN:
				memcpy(key, stolen, sizeof(key));
				break;
			case RS_EVOLVE:
				memcpy(key, stolen, sizeof(key));
				for (uint64_t k = stolen_epoch; k < e; k++)
					jrn_seal_evolve(key);
				break;
			default:
				e = relabel++;
				memcpy(key, stolen, sizeof(key));
				for (uint64_t k = stolen_epoch; k < e; k++)
					jrn_seal_evolve(key);
				break;
			}
			jrn_seal_mac(key, e, seq - 1, h, mac);
			blen = jrn_seal_members(mem, sizeof(mem),
			    "00000000-0000-4000-8000-000000000000",
			    "2026-01-01T00:00:00.000000000Z", e, seq - 1, h, mac);
			body = mem;
		}
		ASSERT((out = malloc(blen + 200)) != NULL);
		jrn_hex(h, hex);
		n = (size_t)snprintf(out, blen + 200, "{\"v\":1,\"seq\":%llu,%.*s,"
		    "\"prev\":\"%s\"}", (unsigned long long)seq, (int)blen, body,
		    hex);
		out[n] = '\n';
		jrn_chain_step(h, out, n + 1, h);
		out[n] = '\0';
		free(l->s);
		l->s = out;
		l->n = n;
	}
}

/* The current key file, as an intruder who is root reads it. */
static __attribute__((unused)) void
steal_key(unsigned char k[JRN_SEAL_KEY_LEN], uint64_t *epoch)
{
	char err[DA_ERRLEN], p[400];

	snprintf(p, sizeof(p), "%s/%s", jdir, JRN_SEAL_KEYFILE);
	ASSERT_EQ(jrn_seal_key_load(p, 1, epoch, k, err), DA_OK);
}

static __attribute__((unused)) struct jrn_verify_result
verify_with(const unsigned char *key)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify_key(jdir, key, &vr, err), DA_OK);
	return vr;
}

/* Verification (with the key when keyed) fails with kind at seq, and
 * says why. */
static __attribute__((unused)) void
expect_fail(int keyed, const char *kind, uint64_t seq)
{
	struct jrn_verify_result vr = verify_with(keyed ? k0 : NULL);

	if (vr.ok)
		UNIT_FAIL("%s verification passed (%llu records, %llu seals), "
		    "expected %s at seq %llu", keyed ? "keyed" : "chain-only",
		    (unsigned long long)vr.records, (unsigned long long)vr.seals,
		    kind, (unsigned long long)seq);
	if (strcmp(vr.kind, kind) != 0 || vr.bad_seq != seq ||
	    vr.why[0] == '\0' || vr.segment[0] == '\0')
		UNIT_FAIL("%s: got %s at seq %llu (%s: %s), expected %s at seq "
		    "%llu", keyed ? "keyed" : "chain-only", vr.kind,
		    (unsigned long long)vr.bad_seq, vr.segment, vr.why, kind,
		    (unsigned long long)seq);
}

static __attribute__((unused)) void
expect_ok(int keyed, uint64_t records, uint64_t unsealed)
{
	struct jrn_verify_result vr = verify_with(keyed ? k0 : NULL);

	if (!vr.ok)
		UNIT_FAIL("%s: %s at seq %llu: %s", keyed ? "keyed" :
		    "chain-only", vr.kind, (unsigned long long)vr.bad_seq,
		    vr.why);
	ASSERT_EQ(vr.records, records);
	if (keyed)
		ASSERT_EQ(vr.unsealed, unsealed);
}

/* Run `dockaudit verify` (argv) with stdout captured into out. */
static __attribute__((unused)) int
run_cli(char *out, size_t cap, char **argv)
{
	char p[400];
	int argc = 0, fd, saved, saved2, rc;
	ssize_t n;

	while (argv[argc] != NULL)
		argc++;
	snprintf(p, sizeof(p), "%s/cli.out", tdir);
	fflush(stdout);
	fflush(stderr);
	saved = dup(1);
	saved2 = dup(2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	rc = cli_verify(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved2, 2);
	close(saved);
	close(saved2);
	fd = open(p, O_RDONLY);
	n = read(fd, out, cap - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return rc;
}

#endif
