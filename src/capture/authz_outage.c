/* authz_outage.c -- how long was the plugin away?  While dockaudit's
 * plugin socket is down dockerd retries each call for about 15 s, then
 * fails it; at start the plugin notes that window in an `audit` record:
 * from the previous run's stop record (clean) or its last record (not
 * clean: killed, crashed) to now. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/authz_outage.h"
#include "journal/journal.h"
#include "json/json.h"

#define TAIL_BYTES (512 * 1024)

int
authz_outage_read(const char *dir, struct authz_outage *o)
{
	char **names = NULL, path[4096], err[DA_ERRLEN];
	size_t count = 0, len;
	struct stat st;
	char *buf = NULL, *end;
	off_t from;
	ssize_t n;
	int fd, rc = -1;

	memset(o, 0, sizeof(*o));
	if (jrn_segments(dir, &names, &count, err) != DA_OK || count == 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, names[count - 1]);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	if (fstat(fd, &st) != 0 || (buf = malloc(TAIL_BYTES + 1)) == NULL) {
		close(fd);
		goto out;
	}
	from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	n = pread(fd, buf, TAIL_BYTES, from);
	close(fd);
	if (n <= 0)
		goto out;
	len = (size_t)n;
	buf[len] = '\0';
	/* walk complete lines from the end, skipping seals */
	end = buf + len;
	while (end > buf) {
		char *line_end = end, *start;
		struct json *j;
		const struct json *kind, *action, *t;

		if (line_end > buf && line_end[-1] == '\n')
			line_end--;
		start = line_end;
		while (start > buf && start[-1] != '\n')
			start--;
		if (start == buf && from > 0)
			break;		/* partial first line */
		end = start;
		if (line_end == start)
			continue;
		if ((j = json_parse(start, (size_t)(line_end - start), NULL)) == NULL)
			continue;
		kind = json_get(j, "kind");
		action = json_get(j, "action");
		t = json_get(j, "time");
		if (json_type(kind) == JSON_STRING &&
		    strcmp(json_str(kind), "seal") == 0) {
			json_free(j);
			continue;
		}
		if (json_type(t) == JSON_STRING) {
			snprintf(o->since, sizeof(o->since), "%s", json_str(t));
			clock_parse(o->since, clock_now_ns(), &o->since_ns);
		}
		o->clean_stop = json_type(action) == JSON_STRING &&
		    strcmp(json_str(action), "dockaudit.stop") == 0;
		snprintf(o->last_action, sizeof(o->last_action), "%s",
		    json_type(action) == JSON_STRING ? json_str(action) : "");
		o->found = 1;
		json_free(j);
		rc = 0;
		break;
	}
out:
	free(buf);
	jrn_segments_free(names, count);
	return rc;
}

void
authz_outage_detail(const struct authz_outage *o, const char *socket,
    struct buf *out)
{
	char now[CLOCK_RFC3339_LEN];
	int64_t t = clock_now_ns();
	struct jw w;

	clock_format(t, now);
	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "socket", socket);
	jw_str(&w, "from", o->since);
	jw_str(&w, "to", now);
	if (o->since_ns > 0)
		jw_int(&w, "seconds", (t - o->since_ns) / 1000000000);
	jw_bool(&w, "clean_stop", o->clean_stop);
	jw_str(&w, "last_record_action", o->last_action);
	jw_str(&w, "note", "while the plugin was down dockerd retried each "
	    "API call for about 15 s and then failed it");
	jw_obj_end(&w);
}
