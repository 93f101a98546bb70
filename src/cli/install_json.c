/* install_json.c -- daemon.json gains "authorization-plugins": [PLUGIN]
 * (see install.h).
 *
 * The file is the operator's: it is edited where it must change and
 * nowhere else (indentation, key order, other keys and their spelling stay
 * byte for byte), so that a diff shows one line and uninstall can put the
 * original back.  json/ validates before and after; a small scanner here
 * finds the byte offsets json/ does not keep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "cli/install.h"
#include "json/json.h"

#define PLUGINS_KEY "authorization-plugins"

struct member {
	size_t	 key_start;	/* the opening quote */
	size_t	 key_end;	/* after the closing quote */
	size_t	 val_start, val_end;
};

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

static size_t
skip_string(const char *s, size_t n, size_t i)	/* i at the quote */
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

static size_t
skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	for (; i < n; i++) {
		if (s[i] == '"') {
			i = skip_string(s, n, i) - 1;
		} else if (s[i] == '[' || s[i] == '{') {
			depth++;
		} else if (s[i] == ']' || s[i] == '}') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (s[i] == ',' || s[i] == ' ' ||
		    s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) {
			return i;
		}
	}
	return i;
}

/* The top-level members of a valid JSON object (json_parse said so). */
static size_t
members(const char *s, size_t n, struct member *m, size_t max, size_t *open)
{
	size_t i = skip_ws(s, n, 0), k = 0;

	*open = i;
	for (i++;;) {
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != '"')
			return k;
		if (k < max)
			m[k].key_start = i;
		i = skip_string(s, n, i);
		if (k < max)
			m[k].key_end = i;
		i = skip_ws(s, n, i) + 1;	/* ':' */
		i = skip_ws(s, n, i);
		if (k < max)
			m[k].val_start = i;
		i = skip_value(s, n, i);
		if (k < max)
			m[k].val_end = i;
		k++;
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ',')
			return k;
		i++;
	}
}

static char *
splice(const char *s, size_t n, size_t at, const char *ins)
{
	size_t il = strlen(ins);
	char *out = malloc(n + il + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, s, at);
	memcpy(out + at, ins, il);
	memcpy(out + at + il, s + at, n - at);
	out[n + il] = '\0';
	return out;
}

static int
names_plugin(const struct json *arr, const char *plugin)
{
	for (size_t i = 0; i < json_len(arr); i++)
		if (json_type(json_at(arr, i)) == JSON_STRING &&
		    strcmp(json_str(json_at(arr, i)), plugin) == 0)
			return 1;
	return 0;
}

char *
inst_daemon_json(const char *old, size_t oldlen, const char *plugin,
    const char *path, int *changed, struct buf *problems)
{
	struct member m[256];
	struct json *j, *check;
	const struct json *pl, *hosts;
	char err[DA_ERRLEN], ins[256], *out = NULL;
	size_t nm, open, k, at;

	*changed = 1;
	if (old == NULL || skip_ws(old, oldlen, 0) == oldlen) {
		if (asprintf(&out, "{\n  \"" PLUGINS_KEY "\": [\"%s\"]\n}\n",
		    plugin) < 0)
			return NULL;
		return out;
	}
	if ((j = json_parse(old, oldlen, err)) == NULL ||
	    json_type(j) != JSON_OBJECT) {
		buf_printf(problems, "- %s is not a JSON object (%s): dockerd "
		    "would not start with it either; fix it and run install "
		    "again\n", path, j ? "another JSON value" : err);
		json_free(j);
		return NULL;
	}
	if ((hosts = json_get(j, "hosts")) != NULL) {
		buf_printf(problems, "- %s sets \"hosts\": dockerd would listen "
		    "there itself, beside the private socket docker.socket gives "
		    "it, and every client on those addresses would bypass the "
		    "audit (with -H fd:// in docker.service dockerd also refuses "
		    "to start: hosts given both as a flag and in the file).  "
		    "Remove the \"hosts\" key (clients keep /var/run/docker.sock, "
		    "which becomes dockaudit's) and run install again\n", path);
		json_free(j);
		return NULL;
	}
	pl = json_get(j, PLUGINS_KEY);
	if (pl != NULL && json_type(pl) != JSON_ARRAY) {
		buf_printf(problems, "- %s: \"" PLUGINS_KEY "\" is not a list; "
		    "make it one and run install again\n", path);
		json_free(j);
		return NULL;
	}
	if (pl != NULL && names_plugin(pl, plugin)) {
		json_free(j);
		*changed = 0;
		if ((out = malloc(oldlen + 1)) != NULL) {
			memcpy(out, old, oldlen);
			out[oldlen] = '\0';
		}
		return out;
	}
	nm = members(old, oldlen, m, 256, &open);
	if (nm > 256) {
		buf_printf(problems, "- %s: more than 256 keys\n", path);
		json_free(j);
		return NULL;
	}
	for (k = nm; k > 0; k--)	/* the last one wins, any case (Go) */
		if (m[k - 1].key_end - m[k - 1].key_start == strlen(PLUGINS_KEY) + 2 &&
		    strncasecmp(old + m[k - 1].key_start + 1, PLUGINS_KEY,
		    strlen(PLUGINS_KEY)) == 0)
			break;
	if (k > 0) {
		/* [ ... ] : after the last element, or inside an empty list */
		size_t close = m[k - 1].val_end - 1, last = close;

		while (last > m[k - 1].val_start + 1 &&
		    strchr(" \t\r\n", old[last - 1]) != NULL)
			last--;
		at = last;
		snprintf(ins, sizeof(ins), "%s\"%s\"",
		    last == m[k - 1].val_start + 1 ? "" : ", ", plugin);
		if (last == m[k - 1].val_start + 1)
			at = m[k - 1].val_start + 1;
	} else if (nm == 0) {
		at = open + 1;
		snprintf(ins, sizeof(ins), "\"" PLUGINS_KEY "\": [\"%s\"]", plugin);
	} else {
		/* before the first key, repeating the space that precedes it */
		size_t ws = m[0].key_start - (open + 1);

		at = m[0].key_start;
		snprintf(ins, sizeof(ins), "\"" PLUGINS_KEY "\": [\"%s\"],%.*s",
		    plugin, (int)(ws < 64 ? ws : 0), old + open + 1);
	}
	json_free(j);
	if ((out = splice(old, oldlen, at, ins)) == NULL)
		return NULL;
	check = json_parse(out, strlen(out), err);
	if (check == NULL || !names_plugin(json_get(check, PLUGINS_KEY), plugin)) {
		buf_printf(problems, "- %s: could not add \"%s\" to \""
		    PLUGINS_KEY "\" safely (%s); add it by hand and run install "
		    "again\n", path, plugin, check ? "the result does not name it"
		    : err);
		free(out);
		out = NULL;
	}
	json_free(check);
	return out;
}
