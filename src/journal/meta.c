/* meta.c -- creating a journal (`dockaudit init`) and reading journal.meta.
 *
 * journal.meta is {"v":1,"id":"<uuid v4>","created":"<rfc3339>",
 * "genesis":"<hex>"}, written once through a temporary file, fsync and
 * rename, then the directory is synced.  The id comes from getrandom(2); the
 * genesis is derived from it (chain.c), so reading checks both agree.  The
 * directory is 0750 and files are 0640 whatever the umask. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "journal/internal.h"
#include "json/json.h"

#define META_MAX	4096

int
jrn__uuid(char out[JRN_ID_LEN], char *err)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char r[16];
	size_t got = 0, o = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return da_seterr(err, DA_E_IO, "getrandom: %s",
			    strerror(errno));
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[r[i] >> 4];
		out[o++] = hx[r[i] & 15];
	}
	out[o] = '\0';
	return DA_OK;
}

static int
write_file_sync(int dirfd, const char *dir, const char *name, const char *data,
    size_t n, char *err)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | JRN_NOLINK, 0640);
	if (fd < 0)
		return da_seterr(err, DA_E_IO, "%s/%s: %s", dir, tmp,
		    strerror(errno));
	(void)fchmod(fd, 0640);
	if (jrn__write_all(&jrn_io_default, fd, data, n) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlinkat(dirfd, tmp, 0);
		return da_seterr(err, DA_E_IO, "%s/%s: %s", dir, tmp, strerror(e));
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0 || fsync(dirfd) < 0)
		return da_seterr(err, DA_E_IO, "%s/%s: %s", dir, name,
		    strerror(errno));
	return DA_OK;
}

int
jrn_init(const char *dir, char *id_out, char *err)
{
	unsigned char gen[JRN_HASH_LEN];
	char id[JRN_ID_LEN], ghex[JRN_HEX_LEN], created[CLOCK_RFC3339_LEN];
	char **segs;
	size_t nsegs;
	struct buf b;
	int dirfd, rc;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return da_seterr(err, DA_E_IO, "mkdir %s: %s", dir, strerror(errno));
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	if (faccessat(dirfd, JRN_META, F_OK, 0) == 0) {
		close(dirfd);
		return da_seterr(err, DA_E_EXISTS, "%s: a journal is already "
		    "there (%s exists)", dir, JRN_META);
	}
	if ((rc = jrn_segments(dir, &segs, &nsegs, err)) != DA_OK) {
		close(dirfd);
		return rc;
	}
	jrn_segments_free(segs, nsegs);
	if (nsegs > 0) {
		close(dirfd);
		return da_seterr(err, DA_E_EXISTS, "%s holds journal segments "
		    "but no %s; refusing to start a new chain there", dir,
		    JRN_META);
	}
	(void)fchmod(dirfd, 0750);
	if (mkdirat(dirfd, JRN_CURSORS, 0750) < 0 && errno != EEXIST) {
		rc = da_seterr(err, DA_E_IO, "mkdir %s/%s: %s", dir, JRN_CURSORS,
		    strerror(errno));
		close(dirfd);
		return rc;
	}
	if ((rc = jrn__uuid(id, err)) != DA_OK) {
		close(dirfd);
		return rc;
	}
	jrn__genesis(id, gen);
	jrn_hex(gen, ghex);
	clock_format(clock_now_ns(), created);
	buf_init(&b, META_MAX);
	rc = buf_printf(&b, "{\"v\":1,\"id\":\"%s\",\"created\":\"%s\","
	    "\"genesis\":\"%s\"}\n", id, created, ghex);
	if (rc == DA_OK)
		rc = write_file_sync(dirfd, dir, JRN_META, b.data, b.len, err);
	else
		da_seterr(err, rc, "formatting %s", JRN_META);
	buf_free(&b);
	close(dirfd);
	if (rc == DA_OK && id_out != NULL)
		memcpy(id_out, id, JRN_ID_LEN);
	return rc;
}

static int
uuid_ok(const char *s, size_t n)
{
	if (n != JRN_ID_LEN - 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
jrn_meta_read(const char *dir, char id[JRN_ID_LEN],
    unsigned char genesis[JRN_HASH_LEN], char *err)
{
	unsigned char want[JRN_HASH_LEN], got[JRN_HASH_LEN];
	char data[META_MAX + 2], perr[DA_ERRLEN], path[4096];
	const struct json *vid, *vgen, *vv;
	struct json *root;
	int64_t ver;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, JRN_META) >=
	    sizeof(path))
		return da_seterr(err, DA_E_INVAL, "%s: path too long", dir);
	if ((fd = open(path, O_RDONLY | JRN_NOLINK)) < 0)
		return da_seterr(err, errno == ENOENT ? DA_E_NOTFOUND : DA_E_IO,
		    "%s: %s%s", path, jrn__why(errno), errno == ENOENT ?
		    " (not a journal; run dockaudit init)" : "");
	while (len < sizeof(data) - 1 &&
	    (n = read(fd, data + len, sizeof(data) - 1 - len)) != 0) {
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
	if (len > META_MAX)
		return da_seterr(err, DA_E_CORRUPT, "%s: larger than %d bytes",
		    path, META_MAX);
	if ((root = json_parse(data, len, perr)) == NULL)
		return da_seterr(err, DA_E_CORRUPT, "%s: %s", path, perr);
	vv = json_get(root, "v");
	vid = json_get(root, "id");
	vgen = json_get(root, "genesis");
	if (json_int(vv, &ver) != 0 || ver != 1 ||
	    json_type(vid) != JSON_STRING ||
	    !uuid_ok(json_str(vid), json_strlen(vid)) ||
	    json_type(vgen) != JSON_STRING || json_strlen(vgen) != 64 ||
	    jrn__unhex(json_str(vgen), got) != 0) {
		json_free(root);
		return da_seterr(err, DA_E_CORRUPT, "%s: not a version 1 journal "
		    "meta (needs v, id and genesis)", path);
	}
	jrn__genesis(json_str(vid), want);
	if (memcmp(want, got, JRN_HASH_LEN) != 0) {
		json_free(root);
		return da_seterr(err, DA_E_CORRUPT, "%s: genesis does not match "
		    "the journal id", path);
	}
	if (id != NULL)
		memcpy(id, json_str(vid), JRN_ID_LEN);
	if (genesis != NULL)
		memcpy(genesis, got, JRN_HASH_LEN);
	json_free(root);
	return DA_OK;
}
