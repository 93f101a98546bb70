/* chain.c -- the journal's hash chain: SHA-256 steps, genesis, hex, and the
 * fixed framing of a record line.
 *
 * h(0) = SHA-256("dockaudit-genesis:" || id), h(N) = SHA-256(h(N-1) || line
 * N including its '\n'); line N carries hex(h(N-1)) as "prev".  Hashing goes
 * through OpenSSL's EVP interface with one context reused per thread (the
 * SHA256_* calls are deprecated in OpenSSL 3).  The framing helpers check
 * the parts of a line the writer itself produces -- the {"v":1,"seq":N,
 * prefix and the ,"prev":"<hex>"} suffix -- without parsing the members. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "base/log.h"
#include "journal/internal.h"
#include "json/json.h"

static const char hexdigits[] = "0123456789abcdef";

void
jrn_hex(const unsigned char h[JRN_HASH_LEN], char out[JRN_HEX_LEN])
{
	for (int i = 0; i < JRN_HASH_LEN; i++) {
		out[2 * i] = hexdigits[h[i] >> 4];
		out[2 * i + 1] = hexdigits[h[i] & 15];
	}
	out[2 * JRN_HASH_LEN] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 64 lower-case hex digits (exactly what jrn_hex writes) -> 32 bytes. */
int
jrn__unhex(const char *hex, unsigned char out[JRN_HASH_LEN])
{
	for (int i = 0; i < JRN_HASH_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo;

		if (hi < 0 || (lo = hexval(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
jrn__md_init(struct jrn__md *m)
{
	m->md_alg = EVP_MD_fetch(NULL, "SHA256", NULL);
	m->md_ctx = EVP_MD_CTX_new();
	if (m->md_alg == NULL || m->md_ctx == NULL) {
		jrn__md_free(m);
		return DA_E_NOMEM;
	}
	return DA_OK;
}

void
jrn__md_free(struct jrn__md *m)
{
	EVP_MD_CTX_free(m->md_ctx);
	EVP_MD_free(m->md_alg);
	m->md_ctx = m->md_alg = NULL;
}

void
jrn__md_step(struct jrn__md *m, const unsigned char prev[JRN_HASH_LEN],
    const char *line, size_t n, unsigned char out[JRN_HASH_LEN])
{
	EVP_MD_CTX *ctx = m->md_ctx;

	/* Failure here means OpenSSL itself is broken: an invariant. */
	if (EVP_DigestInit_ex2(ctx, m->md_alg, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev, JRN_HASH_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, line, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		fatalx("journal: SHA-256 failed");
}

void
jrn_chain_step(const unsigned char h_prev[JRN_HASH_LEN], const char *line,
    size_t n, unsigned char h_next[JRN_HASH_LEN])
{
	struct jrn__md m;

	if (jrn__md_init(&m) != DA_OK)
		fatalx("journal: cannot set up SHA-256");
	jrn__md_step(&m, h_prev, line, n, h_next);
	jrn__md_free(&m);
}

void
jrn__genesis(const char *id, unsigned char out[JRN_HASH_LEN])
{
	static const char tag[] = "dockaudit-genesis:";
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, tag, sizeof(tag) - 1) != 1 ||
	    EVP_DigestUpdate(ctx, id, strlen(id)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		fatalx("journal: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
}

/* Decimal seq at p (at most len bytes), no sign, no leading zero, >= 1.
 * Returns digits consumed, 0 if none or overflow. */
static size_t
parse_seq(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && i < 20 && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i == 0 || (p[0] == '0') || (i < len && p[i] >= '0' && p[i] <= '9'))
		return 0;
	*out = v;
	return i;
}

uint64_t
jrn__line_seq(const char *line, size_t len)
{
	uint64_t seq;
	size_t d;

	if (len < JRN_LINE_PREFIX_LEN + 2 ||
	    memcmp(line, JRN_LINE_PREFIX, JRN_LINE_PREFIX_LEN) != 0)
		return 0;
	d = parse_seq(line + JRN_LINE_PREFIX_LEN, len - JRN_LINE_PREFIX_LEN, &seq);
	if (d == 0 || JRN_LINE_PREFIX_LEN + d >= len ||
	    line[JRN_LINE_PREFIX_LEN + d] != ',')
		return 0;
	return seq;
}

int
jrn__line_frame(const char *line, size_t len, uint64_t *seq,
    const char **prev_hex, char *why)
{
	const char *suf;
	size_t digits = 0;
	uint64_t s;

	if ((s = jrn__line_seq(line, len)) == 0) {
		snprintf(why, 96, "does not start with {\"v\":1,\"seq\":N,");
		return -1;
	}
	for (uint64_t v = s; v > 0; v /= 10)
		digits++;
	/* with no members the prefix's comma is the suffix's */
	if (len < JRN_LINE_PREFIX_LEN + digits + JRN_LINE_SUFFIX_LEN) {
		snprintf(why, 96, "too short for a record");
		return -1;
	}
	suf = line + len - JRN_LINE_SUFFIX_LEN;
	if (memcmp(suf, JRN_LINE_PREV, JRN_LINE_PREV_LEN) != 0 ||
	    suf[JRN_LINE_SUFFIX_LEN - 2] != '"' ||
	    suf[JRN_LINE_SUFFIX_LEN - 1] != '}') {
		snprintf(why, 96, "does not end with ,\"prev\":\"<hex>\"}");
		return -1;
	}
	for (int i = 0; i < 64; i++) {
		if (hexval(suf[JRN_LINE_PREV_LEN + i]) < 0) {
			snprintf(why, 96, "\"prev\" is not 64 lower-case hex digits");
			return -1;
		}
	}
	*seq = s;
	*prev_hex = suf + JRN_LINE_PREV_LEN;
	return 0;
}

int
jrn__line_json_ok(const char *line, size_t len, char *why)
{
	char err[DA_ERRLEN];
	struct json *v;

	if ((v = json_parse(line, len, err)) == NULL) {
		snprintf(why, 96, "%.90s", err);
		return 0;
	}
	json_free(v);
	return 1;
}
