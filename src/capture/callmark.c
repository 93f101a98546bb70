/* callmark.c -- make and verify the X-Dockaudit-Call header (callmark.h).
 * The HMAC is fetched once (pthread_once) and any OpenSSL failure fails
 * closed: no header is made, and a mark that cannot be checked (or carries
 * an all-zero MAC) is not accepted. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/callmark.h"
#include "event/record.h"

static unsigned char	mark_key[64];
static size_t		mark_keylen;

void
callmark_key_set(const unsigned char *key, size_t len)
{
	if (len > sizeof(mark_key))
		len = sizeof(mark_key);
	memcpy(mark_key, key, len);
	mark_keylen = len;
}

int
callmark_enabled(void)
{
	return mark_keylen > 0;
}

int
callmark_key_load(const char *path, int create, char *err)
{
	unsigned char key[64];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		if (getrandom(key, 32, 0) != 32)
			return da_seterr(err, DA_E_IO, "authz key %s: getrandom: %s",
			    path, strerror(errno));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, key, 32) != 32 || fsync(fd) != 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			unlink(path);
			return da_seterr(err, DA_E_IO, "authz key %s: cannot "
			    "create it: %s (is the directory writable?)", path,
			    strerror(e));
		}
		close(fd);
		explicit_bzero(key, sizeof(key));
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return da_seterr(err, DA_E_IO, "authz key %s: %s%s", path,
		    strerror(errno), create ? "" : " (proxy and plugin share "
		    "this file: give both the same authz.secret_file)");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		close(fd);
		return da_seterr(err, DA_E_INVAL, "authz key %s: must be a "
		    "regular file owned by us and not readable by group or "
		    "others (chmod 600)", path);
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	if (n < 16) {
		explicit_bzero(key, sizeof(key));
		return da_seterr(err, DA_E_INVAL, "authz key %s: need at least "
		    "16 bytes of key (remove it to have a new one made)", path);
	}
	callmark_key_set(key, (size_t)n);
	explicit_bzero(key, sizeof(key));
	return DA_OK;
}

static void
hexs(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The HMAC implementation, fetched once for every thread (the proxy loop,
 * the events thread and the plugin's threads all make or check marks). */
static pthread_once_t	mac_once = PTHREAD_ONCE_INIT;
static EVP_MAC		*mac_impl;
static int		 mac_fail_injected;	/* tests: callmark_test_fail */

static void
mac_fetch(void)
{
	mac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

void
callmark_test_fail(int on)
{
	__atomic_store_n(&mac_fail_injected, on, __ATOMIC_RELAXED);
}

/* HMAC-SHA256 of fields || method || " " || target into md.  0, or -1 when
 * OpenSSL failed at any step: then md holds nothing to use (it is wiped)
 * and the caller must fail closed -- no mark sent, no mark accepted. */
static int
mac_of(const char *fields, size_t flen, const char *method, size_t mlen,
    const char *target, size_t tlen, unsigned char md[32])
{
	EVP_MAC_CTX *ctx = NULL;
	size_t outl = 0;
	int ok = 0;
	char dig[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", dig, 0),
		OSSL_PARAM_construct_end()
	};

	(void)pthread_once(&mac_once, mac_fetch);
	if (mac_impl != NULL && mark_keylen > 0 &&
	    !__atomic_load_n(&mac_fail_injected, __ATOMIC_RELAXED) &&
	    (ctx = EVP_MAC_CTX_new(mac_impl)) != NULL &&
	    EVP_MAC_init(ctx, mark_key, mark_keylen, params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)fields, flen) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)method, mlen) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)" ", 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)target, tlen) == 1 &&
	    EVP_MAC_final(ctx, md, &outl, 32) == 1 && outl == 32)
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(md, 32);
		return -1;
	}
	return 0;
}

size_t
callmark_make(const char *id, int64_t t_ms, const unsigned char body_sha[32],
    const char *method, size_t mlen, const char *target, size_t tlen,
    char out[CALLMARK_MAX])
{
	char bhex[65];
	unsigned char md[32];
	int n;

	if (body_sha != NULL)
		hexs(body_sha, 32, bhex);
	else
		snprintf(bhex, sizeof(bhex), "-");
	n = snprintf(out, CALLMARK_MAX, "v1;id=%s;t=%lld;b=%s;", id,
	    (long long)t_ms, bhex);
	if (mac_of(out, (size_t)n, method, mlen, target, tlen, md) != 0) {
		out[0] = '\0';		/* fail closed: no mark at all */
		return 0;
	}
	n += snprintf(out + n, CALLMARK_MAX - (size_t)n, "m=");
	hexs(md, 32, out + n);
	return (size_t)n + 64;
}

size_t
callmark_own_call(const char *method, const char *target,
    char out[CALLMARK_LINE_MAX])
{
	char id[EVT_UUID_LEN], mark[CALLMARK_MAX];
	size_t ml;
	int n;

	out[0] = '\0';
	if (!callmark_enabled())
		return 0;
	evt_uuid(id);
	ml = callmark_make(id, clock_now_ns() / 1000000, NULL, method,
	    strlen(method), target, strlen(target), mark);
	if (ml == 0)
		return 0;	/* no MAC: the plugin will see a bypass */
	n = snprintf(out, CALLMARK_LINE_MAX, "%s: %.*s\r\n", CALLMARK_HEADER,
	    (int)ml, mark);
	return n > 0 && (size_t)n < CALLMARK_LINE_MAX ? (size_t)n : 0;
}

static int
unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		int v = 0;

		for (int k = 0; k < 2; k++) {
			char ch = s[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				v |= ch - 'a' + 10;
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

enum callmark_result
callmark_verify(const char *v, size_t vlen, const char *method, size_t mlen,
    const char *target, size_t tlen, struct callmark *out)
{
	const char *p = v, *end = v + vlen, *mpos;
	unsigned char md[32], got[32];
	long long t = 0;
	size_t fl;

	memset(out, 0, sizeof(*out));
	/* v1;id=<36>;t=<digits>;b=<64 hex or ->;m=<64 hex> */
	if (vlen < 3 + 4 + 36 + 1 || memcmp(p, "v1;id=", 6) != 0)
		return CALLMARK_MALFORMED;
	p += 6;
	if (end - p < 37 || p[36] != ';')
		return CALLMARK_MALFORMED;
	for (int i = 0; i < 36; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		    p[i] == '-'))
			return CALLMARK_MALFORMED;
	memcpy(out->id, p, 36);
	out->id[36] = '\0';
	p += 37;
	if (end - p < 3 || memcmp(p, "t=", 2) != 0)
		return CALLMARK_MALFORMED;
	p += 2;
	if (p >= end || *p < '0' || *p > '9')
		return CALLMARK_MALFORMED;
	while (p < end && *p >= '0' && *p <= '9') {
		if (t > 100000000000000LL)
			return CALLMARK_MALFORMED;
		t = t * 10 + (*p++ - '0');
	}
	out->t_ms = t;
	if (end - p < 4 || memcmp(p, ";b=", 3) != 0)
		return CALLMARK_MALFORMED;
	p += 3;
	if (end - p >= 2 && p[0] == '-' && p[1] == ';') {
		p += 2;
	} else if (end - p >= 65 && p[64] == ';' &&
	    unhex(p, 64, out->body_sha) == 0) {
		out->has_body = 1;
		p += 65;
	} else {
		return CALLMARK_MALFORMED;
	}
	mpos = p;
	if (end - p != 66 || memcmp(p, "m=", 2) != 0 ||
	    unhex(p + 2, 64, got) != 0)
		return CALLMARK_MALFORMED;
	fl = (size_t)(mpos - v);
	if (!callmark_enabled() || all_zero(got, 32))
		return CALLMARK_BAD_MAC;	/* what a broken maker writes */
	if (mac_of(v, fl, method, mlen, target, tlen, md) != 0)
		return CALLMARK_BAD_MAC;	/* cannot check: not vouched */
	if (CRYPTO_memcmp(md, got, 32) != 0)
		return CALLMARK_BAD_MAC;
	return CALLMARK_VALID;
}
