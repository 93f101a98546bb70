/* status.c -- a journal's state at a glance (`dockaudit journal status`).
 *
 * Cheap by design: segment sizes come from stat, the oldest record from the
 * first line of the first segment, the head and the last seal from reading
 * the newest segment (and older ones backwards only until a seal turns up).
 * Nothing here verifies anything: that is `dockaudit verify`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "journal/internal.h"
#include "journal/seal.h"
#include "journal/status.h"
#include "json/json.h"

/* Walk segment name: first line (seq, time), last line (seq, its hash),
 * last seal.  Returns DA_OK or an error. */
static int
scan_seg(int dirfd, const char *dir, const char *name, int want_first,
    struct jrn_status *st, int *found_seal, char *err)
{
	unsigned char head[JRN_HASH_LEN], mac[JRN_HASH_LEN], prev[JRN_HASH_LEN];
	struct jrn__lines l;
	struct jrn__src *src;
	struct jrn__md md;
	const char *line, *prev_hex, *last = NULL;
	uint64_t off, s, epoch, sseq;
	size_t len, last_len = 0;
	char why[96], *lastcopy = NULL;
	int rc, r;

	if ((rc = jrn__src_open(&src, dirfd, dir, name, NULL, err)) != DA_OK)
		return rc;
	if (jrn__lines_init(&l, -1, JRN_READ_CHUNK) != DA_OK) {
		jrn__src_close(src);
		return da_seterr(err, DA_E_NOMEM, "status: out of memory");
	}
	l.l_src = src;
	while ((r = jrn__lines_next(&l, &line, &len, &off)) == 1) {
		if (jrn__line_frame(line, len, &s, &prev_hex, why) < 0)
			continue;
		if (want_first) {
			struct json *root = json_parse(line, len, NULL);
			const struct json *t = json_get(root, "time");

			st->oldest_seq = s;
			if (json_type(t) == JSON_STRING &&
			    json_strlen(t) < sizeof(st->oldest_time))
				memcpy(st->oldest_time, json_str(t),
				    json_strlen(t) + 1);
			json_free(root);
			want_first = 0;
			if (found_seal == NULL)
				break;
		}
		if (found_seal == NULL)
			continue;
		if (jrn_seal_parse(line, len, &epoch, &sseq, head, mac, why) == 1 &&
		    (!*found_seal || s > st->last_seal_seq)) {
			*found_seal = 1;
			st->last_seal_seq = s;
			st->last_seal_epoch = epoch;
		}
		if (s > st->head_seq) {
			free(lastcopy);
			if ((lastcopy = malloc(len + 1)) == NULL)
				break;
			memcpy(lastcopy, line, len);
			lastcopy[len] = '\n';
			last = lastcopy;
			last_len = len + 1;
			st->head_seq = s;
		}
	}
	if (last != NULL && jrn__line_frame(last, last_len - 1, &s, &prev_hex,
	    why) == 0 && jrn__md_init(&md) == DA_OK) {
		jrn__unhex(prev_hex, prev);
		jrn__md_step(&md, prev, last, last_len, head);
		jrn_hex(head, st->head);
		jrn__md_free(&md);
	}
	free(lastcopy);
	if (r == -1 && errno == EBADMSG)
		st->damaged_zst++;
	jrn__lines_free(&l);
	jrn__src_close(src);
	return DA_OK;
}

int
jrn_status_read(const char *dir, struct jrn_status *st, char *err)
{
	unsigned char key[JRN_SEAL_KEY_LEN];
	struct jrn_anchor a;
	char **segs = NULL, path[4096];
	size_t n = 0;
	int dirfd, rc, found = 0;

	memset(st, 0, sizeof(*st));
	if ((rc = jrn_meta_read(dir, st->id, NULL, err)) != DA_OK)
		return rc;
	if ((rc = jrn_segments(dir, &segs, &n, err)) != DA_OK)
		return rc;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		jrn_segments_free(segs, n);
		return da_seterr(err, DA_E_IO, "%s: %s", dir, strerror(errno));
	}
	st->segments = n;
	for (size_t i = 0; i < n; i++) {
		char alt[JRN_SEGNAME_LEN];
		struct stat sb;

		if (fstatat(dirfd, segs[i], &sb, 0) < 0) {
			jrn__seg_sibling(segs[i], alt);
			if (fstatat(dirfd, alt, &sb, 0) < 0)
				continue;
			st->compressed += jrn__is_zst(alt);
		} else
			st->compressed += jrn__is_zst(segs[i]);
		st->bytes += (uint64_t)sb.st_size;
	}
	if (n > 0) {
		snprintf(st->newest, sizeof(st->newest), "%s", segs[n - 1]);
		snprintf(st->oldest, sizeof(st->oldest), "%s", segs[0]);
		rc = scan_seg(dirfd, dir, segs[0], 1, st, NULL, err);
		for (size_t i = n; rc == DA_OK && i > 0 && !found; i--)
			rc = scan_seg(dirfd, dir, segs[i - 1], 0, st, &found, err);
	}
	st->has_seal = found;
	close(dirfd);
	jrn_segments_free(segs, n);
	if (rc != DA_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, JRN_SEAL_KEYFILE);
	rc = jrn_seal_key_load(path, JRN_KEY_NOLINK, &st->key_epoch, key, err);
	explicit_bzero(key, sizeof(key));
	st->key_state = rc == DA_OK ? 1 : rc == DA_E_NOTFOUND ? 0 : -1;
	if ((rc = jrn_anchor_read(dir, &a, err)) == DA_OK) {
		st->anchored = 1;
		st->anchor_seq = a.seq;
		jrn_hex(a.head, st->anchor_head);
		st->anchor_has_epoch = a.has_epoch;
		st->anchor_epoch = a.epoch;
		st->anchor_record_seq = a.record_seq;
	} else if (rc != DA_E_NOTFOUND)
		st->anchored = -1;
	err[0] = '\0';
	return jrn_cursor_list(dir, &st->cursors, &st->ncursors, err);
}

void
jrn_status_free(struct jrn_status *st)
{
	free(st->cursors);
	st->cursors = NULL;
}
