/* seal.c -- sealing keys, MACs and seal records (see seal.h).
 *
 * The key file is written like journal.meta: a temporary file (0600),
 * fsync, rename over the old one, directory fsync.  Rewriting replaces the
 * directory entry; whether the old key's blocks are gone from the medium
 * depends on the filesystem (copy-on-write filesystems, journaling data
 * modes and SSD remapping can keep them): see docs/design-notes.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/err.h"
#include "base/log.h"
#include "journal/internal.h"
#include "journal/seal.h"
#include "json/json.h"

#define KEYFILE_MAX	256

int
jrn_seal_keygen(unsigned char k[JRN_SEAL_KEY_LEN], char *err)
{
	size_t got = 0;

	while (got < JRN_SEAL_KEY_LEN) {
		ssize_t n = getrandom(k + got, JRN_SEAL_KEY_LEN - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return da_seterr(err, DA_E_IO, "getrandom: %s",
			    strerror(errno));
		got += (size_t)n;
	}
	return DA_OK;
}

void
jrn_seal_fingerprint(const unsigned char k[JRN_SEAL_KEY_LEN],
    char out[JRN_SEAL_FP_LEN])
{
	unsigned char h[JRN_HASH_LEN];
	char hex[JRN_HEX_LEN];

	if (EVP_Digest(k, JRN_SEAL_KEY_LEN, h, NULL, EVP_sha256(), NULL) != 1)
		fatalx("journal: SHA-256 failed");
	jrn_hex(h, hex);
	memcpy(out, hex, JRN_SEAL_FP_LEN - 1);
	out[JRN_SEAL_FP_LEN - 1] = '\0';
}

static void
hmac(const unsigned char k[JRN_SEAL_KEY_LEN], const unsigned char *msg,
    size_t n, unsigned char out[JRN_HASH_LEN])
{
	unsigned int olen = 0;

	if (HMAC(EVP_sha256(), k, JRN_SEAL_KEY_LEN, msg, n, out, &olen) == NULL ||
	    olen != JRN_HASH_LEN)
		fatalx("journal: HMAC-SHA256 failed");
}

void
jrn_seal_mac(const unsigned char k[JRN_SEAL_KEY_LEN], uint64_t epoch,
    uint64_t seq, const unsigned char head[JRN_HASH_LEN],
    unsigned char mac[JRN_HASH_LEN])
{
	static const char tag[] = "dockaudit-seal-v1";
	unsigned char msg[sizeof(tag) - 1 + 16 + JRN_HASH_LEN], *p = msg;

	memcpy(p, tag, sizeof(tag) - 1);
	p += sizeof(tag) - 1;
	for (int i = 7; i >= 0; i--)
		*p++ = (unsigned char)(epoch >> (8 * i));
	for (int i = 7; i >= 0; i--)
		*p++ = (unsigned char)(seq >> (8 * i));
	memcpy(p, head, JRN_HASH_LEN);
	hmac(k, msg, sizeof(msg), mac);
}

void
jrn_seal_evolve(unsigned char k[JRN_SEAL_KEY_LEN])
{
	unsigned char next[JRN_HASH_LEN];

	hmac(k, (const unsigned char *)"evolve", 6, next);
	memcpy(k, next, JRN_SEAL_KEY_LEN);
	explicit_bzero(next, sizeof(next));
}

static size_t
key_line(char *out, size_t cap, uint64_t epoch,
    const unsigned char k[JRN_SEAL_KEY_LEN])
{
	char hex[JRN_HEX_LEN];
	int n;

	jrn_hex(k, hex);
	n = snprintf(out, cap, "{\"epoch\":%llu,\"key\":\"%s\"}\n",
	    (unsigned long long)epoch, hex);
	explicit_bzero(hex, sizeof(hex));
	return (size_t)n;
}

int
jrn_seal_key_write_fd(int fd, const char *path, uint64_t epoch,
    const unsigned char k[JRN_SEAL_KEY_LEN], char *err)
{
	char line[KEYFILE_MAX];
	size_t n = key_line(line, sizeof(line), epoch, k);
	int rc = DA_OK;

	if (jrn__write_all(&jrn_io_default, fd, line, n) < 0 || fsync(fd) < 0)
		rc = da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	explicit_bzero(line, sizeof(line));
	return rc;
}

int
jrn_seal_key_write(int dirfd, const char *dir, const char *name,
    uint64_t epoch, const unsigned char k[JRN_SEAL_KEY_LEN], char *err)
{
	char tmp[64], path[4096];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	snprintf(path, sizeof(path), "%s/%s", dir, tmp);
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	(void)fchmod(fd, 0600);
	if ((rc = jrn_seal_key_write_fd(fd, path, epoch, k, err)) != DA_OK) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0 || fsync(dirfd) < 0)
		return da_seterr(err, DA_E_IO, "%s/%s: %s", dir, name,
		    strerror(errno));
	return DA_OK;
}

int
jrn_seal_init(const char *dir, const unsigned char k0[JRN_SEAL_KEY_LEN],
    char *err)
{
	int dirfd, rc;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	if (faccessat(dirfd, JRN_SEAL_KEYFILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dirfd);
		return da_seterr(err, DA_E_EXISTS, "%s/%s already exists", dir,
		    JRN_SEAL_KEYFILE);
	}
	rc = jrn_seal_key_write(dirfd, dir, JRN_SEAL_KEYFILE, 0, k0, err);
	close(dirfd);
	return rc;
}

int
jrn_seal_key_load(const char *path, int flags, uint64_t *epoch,
    unsigned char k[JRN_SEAL_KEY_LEN], char *err)
{
	char data[KEYFILE_MAX + 1], perr[DA_ERRLEN];
	const struct json *ve, *vk;
	struct json *root;
	struct stat st;
	size_t len = 0;
	int64_t e;
	ssize_t n;
	int fd, rc = DA_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC |
	    (flags & JRN_KEY_NOLINK ? O_NOFOLLOW : 0))) < 0)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s: %s", path, jrn__why(errno));
	if (fstat(fd, &st) < 0) {
		rc = da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((flags & JRN_KEY_OWNER) && (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)) {
		rc = da_seterr(err, DA_E_INVAL, "%s: refusing a sealing key file "
		    "that is not a regular file owned by uid %u with mode 0600 "
		    "(it is uid %u, mode %04o); fix with chown/chmod 600 and "
		    "consider the key exposed", path, (unsigned)geteuid(),
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < sizeof(data) - 1 &&
	    (n = read(fd, data + len, sizeof(data) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = da_seterr(err, DA_E_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len >= KEYFILE_MAX ||
	    (root = json_parse(data, len, perr)) == NULL) {
		rc = da_seterr(err, DA_E_CORRUPT, "%s: not a sealing key file",
		    path);
		goto out;
	}
	ve = json_get(root, "epoch");
	vk = json_get(root, "key");
	if (json_int(ve, &e) != 0 || e < 0 || json_type(vk) != JSON_STRING ||
	    json_strlen(vk) != 64 || jrn__unhex(json_str(vk), k) != 0)
		rc = da_seterr(err, DA_E_CORRUPT, "%s: not a sealing key file "
		    "(needs {\"epoch\":N,\"key\":\"<64 hex>\"})", path);
	else
		*epoch = (uint64_t)e;
	json_free(root);
out:
	explicit_bzero(data, sizeof(data));
	close(fd);
	return rc;
}

size_t
jrn_seal_members(char *out, size_t cap, const char *id, const char *time,
    uint64_t epoch, uint64_t seq, const unsigned char head[JRN_HASH_LEN],
    const unsigned char mac[JRN_HASH_LEN])
{
	char hh[JRN_HEX_LEN], mh[JRN_HEX_LEN];
	int n;

	jrn_hex(head, hh);
	jrn_hex(mac, mh);
	n = snprintf(out, cap, "\"id\":\"%s\",\"time\":\"%s\",\"kind\":\"seal\","
	    "\"source\":\"dockaudit\",\"action\":\"journal.seal\",\"seal\":"
	    "{\"epoch\":%llu,\"seq\":%llu,\"head\":\"%s\",\"mac\":\"%s\"}",
	    id, time, (unsigned long long)epoch, (unsigned long long)seq, hh, mh);
	if (n < 0 || (size_t)n >= cap)
		fatalx("journal: seal record does not fit");
	return (size_t)n;
}

/* Digits of a JSON integer (no sign, no leading zero) at *p, below end. */
static int
seal_uint(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;

	if (q >= end || *q < '0' || *q > '9' || (*q == '0' && q + 1 < end &&
	    q[1] >= '0' && q[1] <= '9'))
		return -1;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - 9) / 10 || q - *p >= 19)
			return -1;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*p = q;
	*out = v;
	return 0;
}

static int
seal_lit(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

static int
seal_hex(const char **p, const char *end, unsigned char out[JRN_HASH_LEN])
{
	if (end - *p < 64 || jrn__unhex(*p, out) != 0)
		return -1;
	*p += 64;
	return 0;
}

/* The seal member exactly as jrn_seal_members writes it, the last member
 * of the line: ,"seal":{"epoch":E,"seq":S,"head":"<hex>","mac":"<hex>"}
 * followed by the ,"prev":"<hex>"} suffix.  Byte for byte, so that no
 * other spelling of the same values (letter case of keys, which json_get
 * folds, duplicates, spaces) passes for a seal. */
static int
seal_member(const char *line, size_t len, uint64_t *epoch, uint64_t *seq,
    unsigned char head[JRN_HASH_LEN], unsigned char mac[JRN_HASH_LEN])
{
	static const char m[] = ",\"seal\":{\"epoch\":";
	const char *end, *p, *q, *at = NULL;

	if (len < JRN_LINE_SUFFIX_LEN)
		return -1;
	end = line + len - JRN_LINE_SUFFIX_LEN;
	for (p = line; (q = memmem(p, (size_t)(end - p), m, sizeof(m) - 1)) !=
	    NULL; p = q + 1)
		at = q;
	if (at == NULL)
		return -1;
	p = at + sizeof(m) - 1;
	if (seal_uint(&p, end, epoch) != 0 ||
	    seal_lit(&p, end, ",\"seq\":") != 0 || seal_uint(&p, end, seq) != 0 ||
	    seal_lit(&p, end, ",\"head\":\"") != 0 || seal_hex(&p, end, head) != 0 ||
	    seal_lit(&p, end, "\",\"mac\":\"") != 0 || seal_hex(&p, end, mac) != 0 ||
	    seal_lit(&p, end, "\"}") != 0 || p != end)
		return -1;
	return 0;
}

int
jrn_seal_parse(const char *line, size_t len, uint64_t *epoch, uint64_t *seq,
    unsigned char head[JRN_HASH_LEN], unsigned char mac[JRN_HASH_LEN],
    char *why)
{
	static const char kind[] = "\"kind\":\"seal\"";
	const struct json *vk;
	struct json *root;
	int rc = 1;

	/* cheap filter: the writer puts kind near the start of a seal */
	if (memmem(line, len < 160 ? len : 160, kind, sizeof(kind) - 1) == NULL)
		return 0;
	if ((root = json_parse(line, len, NULL)) == NULL) {
		snprintf(why, 96, "seal record is not valid JSON");
		return -1;
	}
	vk = json_get(root, "kind");
	if (json_type(vk) != JSON_STRING || json_strlen(vk) != 4 ||
	    memcmp(json_str(vk), "seal", 4) != 0) {
		json_free(root);
		return 0;
	}
	if (seal_member(line, len, epoch, seq, head, mac) != 0) {
		snprintf(why, 96, "seal record without a well-formed seal "
		    "object (epoch, seq, head, mac, as the writer puts them)");
		rc = -1;
	}
	json_free(root);
	return rc;
}
