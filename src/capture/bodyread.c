/* bodyread.c -- which routes dockerd reads a body on, and how (see
 * bodyread.h).  The table follows moby-decoding.md section 2: the v20.10
 * handlers of the swarm objects, checkpoints and plugins decode JSON
 * without looking at Content-Type (v23+ check it), exec start skips the
 * check below API 1.22, and an old-API start body is a HostConfig. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "capture/bodyread.h"

#define JSON_CHECKED	(BR_JSON | BR_CT_CHECKED | BR_SETTINGS)
#define JSON_ANY	(BR_JSON | BR_SETTINGS)

static const struct {
	const char	*action;
	unsigned	 flags;
} routes[] = {
	/* CheckForJSON (v20.10) or ReadJSON/loadJSON (v23+), then decode */
	{ "container.create",		JSON_CHECKED },
	{ "container.commit",		JSON_CHECKED },
	{ "container.update",		JSON_CHECKED },
	{ "container.exec.create",	JSON_CHECKED },
	{ "network.create",		JSON_CHECKED },
	{ "network.connect",		JSON_CHECKED },
	{ "network.disconnect",		JSON_CHECKED },
	{ "volume.create",		JSON_CHECKED },
	{ "volume.update",		JSON_CHECKED },
	/* v20.10: json.NewDecoder with no Content-Type check */
	{ "service.create",		JSON_ANY },
	{ "service.update",		JSON_ANY },
	{ "secret.create",		JSON_ANY },
	{ "secret.update",		JSON_ANY },
	{ "config.create",		JSON_ANY },
	{ "config.update",		JSON_ANY },
	{ "node.update",		JSON_ANY },
	{ "swarm.init",			JSON_ANY },
	{ "swarm.join",			JSON_ANY },
	{ "swarm.update",		JSON_ANY },
	{ "swarm.unlock",		JSON_ANY },
	{ "checkpoint.create",		JSON_ANY },
	{ "plugin.set",			JSON_ANY },
	{ "plugin.pull",		JSON_ANY },
	{ "plugin.upgrade",		JSON_ANY },
	/* every version: no check; credentials, no settings */
	{ "auth.login",			BR_JSON },
	/* FormValue parses a multipart body (tar bodies are the context) */
	{ "image.build",		BR_MULTIPART },
	{ "unknown",			BR_UNKNOWN },
};

/* strconv.Atoi as moby uses it: errors give 0, overflow saturates. */
static int64_t
atoi_part(const char *s, size_t n)
{
	int64_t v = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
bodyread_version_cmp(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 0;
	while (*a != '\0' || *b != '\0') {
		size_t an = strcspn(a, "."), bn = strcspn(b, ".");
		int64_t x = atoi_part(a, an), y = atoi_part(b, bn);

		if (x != y)
			return x > y ? 1 : -1;
		a += an;
		b += bn;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

unsigned
bodyread_route(const char *action, const char *api_version)
{
	/* no prefix: DefaultVersion, 1.41 or later in every version */
	const char *v = api_version != NULL && api_version[0] != '\0' ?
	    api_version : "1.41";

	if (action == NULL)
		return BR_UNKNOWN;
	if (strcmp(action, "exec.start") == 0)
		/* CheckForJSON only if version > 1.21 (v20.10); v23-v25
		 * overwrite the Content-Type below 1.22 (so 1.21.x is
		 * checked by one and not by the other) */
		return bodyread_version_cmp(v, "1.22") >= 0 ? JSON_CHECKED :
		    JSON_ANY;
	if (strcmp(action, "container.start") == 0)
		/* a body over 7 bytes (or chunked) is a HostConfig below
		 * 1.24 (v20.10-v24); from 1.24 it is refused */
		return bodyread_version_cmp(v, "1.24") < 0 ? JSON_CHECKED : 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].action, action) == 0)
			return routes[i].flags;
	return 0;
}

void
bodyread_security_error(struct jw *w, const char *err,
    const struct extract_doubt *d)
{
	jw_obj_begin(w, "security");
	jw_str(w, "body_error", err);
	if (d != NULL && d->n > 0) {
		jw_arr_begin(w, "uncertain");
		for (size_t i = 0; i < d->n; i++)
			jw_str(w, NULL, d->reason[i]);
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

size_t
bodyread_uncertain(const struct json *security, char *out, size_t len)
{
	const struct json *u = json_get(security, "uncertain");
	size_t n = 0, o = 0;

	if (len > 0)
		out[0] = '\0';
	for (size_t i = 0; i < json_len(u); i++) {
		const char *r = json_str(json_at(u, i));
		int w;

		if (r == NULL)
			continue;
		n++;
		if (o >= len)
			continue;
		w = snprintf(out + o, len - o, "%s%s", o > 0 ? "; " : "", r);
		if (w > 0)
			o += (size_t)w;
	}
	return n;
}
