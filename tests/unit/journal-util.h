/* journal-util.h -- helpers shared by the journal's unit tests: a fresh
 * journal under /tmp, opening it, record bodies, waiting for durability,
 * whole-file reads and writes, and "verify must pass". */
#ifndef DA_TEST_JOURNAL_UTIL_H
#define DA_TEST_JOURNAL_UTIL_H

static char tdir[256], jdir[300];

static void __attribute__((unused))
mk_tmp(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/da-jtest.XXXXXX");
	ASSERT(mkdtemp(tdir) != NULL);
	snprintf(jdir, sizeof(jdir), "%s/j", tdir);
}

static void __attribute__((unused))
rm_tmp(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ASSERT_EQ(system(cmd), 0);
}

static void __attribute__((unused))
mk_journal(void)
{
	char err[DA_ERRLEN], id[JRN_ID_LEN];

	mk_tmp();
	ASSERT_EQ(jrn_init(jdir, id, err), DA_OK);
}

static __attribute__((unused)) struct journal *
open_j(uint64_t seg_max, const struct jrn_io *io, struct jrn_recovery *rec)
{
	struct jrn_opts o;
	struct journal *j;
	char err[DA_ERRLEN];
	int rc;

	jrn_opts_default(&o);
	o.dir = jdir;
	o.segment_max_bytes = seg_max;
	o.io = io;
	rc = jrn_open(&j, &o, rec, err);
	if (rc != DA_OK)
		UNIT_FAIL("jrn_open: %s", err);
	return j;
}

/* A record body of about len bytes, distinct per (t, i). */
static __attribute__((unused)) size_t
members(char *out, size_t cap, int t, int i, size_t len)
{
	int n = snprintf(out, cap, "\"id\":\"t%d-r%d\",\"kind\":\"api\","
	    "\"action\":\"container.create\",\"pad\":\"", t, i);
	size_t k = (size_t)n;

	for (; k + 2 < len && k + 3 < cap; k++)
		out[k] = (char)('a' + (i + (int)k) % 26);
	out[k++] = '"';
	out[k] = '\0';
	return k;
}

static void __attribute__((unused))
wait_durable(struct journal *j, uint64_t ticket)
{
	for (int i = 0; i < 20000 && jrn_durable(j) < ticket; i++)
		usleep(500);
	ASSERT(jrn_durable(j) >= ticket);
}

static void __attribute__((unused))
append_n(struct journal *j, int n, size_t len)
{
	char m[8192];
	uint64_t t = 0;

	for (int i = 0; i < n; i++) {
		size_t ml = members(m, sizeof(m), 0, i, len);

		ASSERT_EQ(jrn_submit(j, m, ml, &t), DA_OK);
	}
	wait_durable(j, t);
}

static void __attribute__((unused))
assert_verifies(uint64_t records)
{
	struct jrn_verify_result vr;
	char err[DA_ERRLEN];

	ASSERT_EQ(jrn_verify(jdir, &vr, err), DA_OK);
	if (!vr.ok)
		UNIT_FAIL("verify: seq %llu: %s: %s (%s byte %llu)",
		    (unsigned long long)vr.bad_seq, vr.kind, vr.why, vr.segment,
		    (unsigned long long)vr.offset);
	ASSERT_EQ(vr.records, records);
	ASSERT_EQ(vr.last_seq, records);
}

static __attribute__((unused)) size_t
file_size(const char *name)
{
	char p[400];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT_EQ(stat(p, &st), 0);
	return (size_t)st.st_size;
}

static __attribute__((unused)) char *
slurp(const char *name, size_t *n)
{
	char p[400];
	FILE *f;
	char *b;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT((f = fopen(p, "rb")) != NULL);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	ASSERT((b = malloc(*n + 1)) != NULL);
	ASSERT_EQ(fread(b, 1, *n, f), *n);
	b[*n] = '\0';
	fclose(f);
	return b;
}

static void __attribute__((unused))
spit(const char *name, const char *b, size_t n)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", jdir, name);
	ASSERT((f = fopen(p, "wb")) != NULL);
	ASSERT_EQ(fwrite(b, 1, n, f), n);
	fclose(f);
}

static __attribute__((unused)) char *
last_segment(void)
{
	char **names, err[DA_ERRLEN], *s;
	size_t n;

	ASSERT_EQ(jrn_segments(jdir, &names, &n, err), DA_OK);
	ASSERT(n > 0);
	s = strdup(names[n - 1]);
	jrn_segments_free(names, n);
	return s;
}

#endif
