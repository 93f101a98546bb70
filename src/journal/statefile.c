/* statefile.c -- the journal's small JSON state files: journal.anchor
 * (retention.h) and verify checkpoints (verify.h).
 *
 * Both are one JSON object and a newline, replaced atomically (temporary
 * file, fsync, rename, directory fsync), and read strictly: a file that is
 * not exactly the expected shape is DA_E_CORRUPT, never guessed at. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "journal/internal.h"
#include "journal/retention.h"
#include "journal/verify.h"
#include "json/json.h"

#define STATE_MAX	4096

/* Read path into a parsed JSON object. */
static int
load_json(const char *path, struct json **out, char *err)
{
	char data[STATE_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | JRN_NOLINK)) < 0)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s: %s", path, jrn__why(errno));
	while (len < STATE_MAX && (n = read(fd, data + len, STATE_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(e));
		}
		len += (size_t)n;
	}
	close(fd);
	if (len >= STATE_MAX || (*out = json_parse(data, len, NULL)) == NULL ||
	    json_type(*out) != JSON_OBJECT) {
		json_free(*out);
		*out = NULL;
		return da_seterr(err, DA_E_CORRUPT, "%s: not valid JSON", path);
	}
	return DA_OK;
}

static int
get_u64(const struct json *o, const char *key, uint64_t *v)
{
	int64_t i;

	if (json_int(json_get(o, key), &i) != 0 || i < 0)
		return -1;
	*v = (uint64_t)i;
	return 0;
}

static int
get_hash(const struct json *o, const char *key, unsigned char h[JRN_HASH_LEN])
{
	const struct json *v = json_get(o, key);

	return json_type(v) == JSON_STRING && json_strlen(v) == 64 &&
	    jrn__unhex(json_str(v), h) == 0 ? 0 : -1;
}

/* Replace path with text atomically. */
static int
store(const char *path, const char *text, size_t n, char *err)
{
	char tmp[4200], dir[4096];
	int fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | JRN_NOLINK, 0640);
	if (fd < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", tmp, jrn__why(errno));
	if (jrn__write_all(&jrn_io_default, fd, text, n) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return da_seterr(err, DA_E_IO, "%s: %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(e));
	}
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return DA_OK;
}

int
jrn_anchor_read(const char *dir, struct jrn_anchor *a, char *err)
{
	char path[4096];
	struct json *o;
	const struct json *e;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, JRN_ANCHOR) >=
	    sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", dir);
	if ((rc = load_json(path, &o, err)) != DA_OK)
		return rc;
	e = json_get(o, "epoch");
	a->has_epoch = json_type(e) != JSON_NULL;
	if (json_int(json_get(o, "v"), &(int64_t){ 0 }) != 0 ||
	    get_u64(o, "seq", &a->seq) != 0 || a->seq == 0 ||
	    get_hash(o, "head", a->head) != 0 ||
	    get_u64(o, "record_seq", &a->record_seq) != 0 ||
	    (a->has_epoch && get_u64(o, "epoch", &a->epoch) != 0))
		rc = da_seterr(err, DA_E_CORRUPT, "%s: not an anchor (needs v, "
		    "seq, head, epoch, record_seq)", path);
	json_free(o);
	return rc;
}

int
jrn__anchor_write(const char *dir, const struct jrn_anchor *a, char *err)
{
	char path[4096], text[512], hex[JRN_HEX_LEN], ep[24], t[CLOCK_RFC3339_LEN];
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, JRN_ANCHOR) >=
	    sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", dir);
	jrn_hex(a->head, hex);
	if (a->has_epoch)
		snprintf(ep, sizeof(ep), "%llu", (unsigned long long)a->epoch);
	else
		snprintf(ep, sizeof(ep), "null");
	clock_format(clock_now_ns(), t);
	n = snprintf(text, sizeof(text), "{\"v\":1,\"seq\":%llu,\"head\":\"%s\","
	    "\"epoch\":%s,\"record_seq\":%llu,\"time\":\"%s\"}\n",
	    (unsigned long long)a->seq, hex, ep,
	    (unsigned long long)a->record_seq, t);
	return store(path, text, (size_t)n, err);
}

int
jrn_checkpoint_read(const char *path, struct jrn_verify_checkpoint *cp,
    char *err)
{
	const struct json *seg, *fp;
	struct json *o;
	int rc;

	memset(cp, 0, sizeof(*cp));
	if ((rc = load_json(path, &o, err)) != DA_OK)
		return rc;
	seg = json_get(o, "segment");
	fp = json_get(o, "key_fp");
	if (get_u64(o, "seq", &cp->seq) != 0 ||
	    get_hash(o, "head", cp->head) != 0 ||
	    get_u64(o, "epoch", &cp->epoch) != 0 ||
	    get_u64(o, "offset", &cp->offset) != 0 ||
	    json_type(seg) != JSON_STRING ||
	    json_strlen(seg) >= sizeof(cp->segment) ||
	    jrn_segment_first_seq(json_str(seg)) == 0 ||
	    json_type(fp) != JSON_STRING || json_strlen(fp) != 16)
		rc = da_seterr(err, DA_E_CORRUPT, "%s: not a verify checkpoint "
		    "(needs seq, head, epoch, segment, offset, key_fp)", path);
	else {
		memcpy(cp->segment, json_str(seg), json_strlen(seg) + 1);
		memcpy(cp->key_fp, json_str(fp), 17);
	}
	json_free(o);
	return rc;
}

int
jrn_checkpoint_write(const char *path, const struct jrn_verify_checkpoint *cp,
    char *err)
{
	char text[512], hex[JRN_HEX_LEN], t[CLOCK_RFC3339_LEN];
	int n;

	jrn_hex(cp->head, hex);
	clock_format(clock_now_ns(), t);
	n = snprintf(text, sizeof(text), "{\"v\":1,\"seq\":%llu,\"head\":\"%s\","
	    "\"epoch\":%llu,\"segment\":\"%s\",\"offset\":%llu,\"key_fp\":"
	    "\"%s\",\"time\":\"%s\"}\n", (unsigned long long)cp->seq, hex,
	    (unsigned long long)cp->epoch, cp->segment,
	    (unsigned long long)cp->offset, cp->key_fp, t);
	return store(path, text, (size_t)n, err);
}
