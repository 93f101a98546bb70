/* query.c -- a request's query string as the JSON object records carry
 * (query.h): what dockerd will read, values redacted.  Shared by the proxy
 * and the AuthZ plugin, so a call reads the same whichever line saw it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "capture/query.h"
#include "event/redact.h"
#include "http/http.h"
#include "json/json.h"

#define QUERY_KEYS_MAX 64

void
query_render(const char *action, const char *q, size_t n, struct buf *out)
{
	char keys[QUERY_KEYS_MAX][64];
	int nkeys = 0;
	char *kbuf = malloc(n + 1), *vbuf = malloc(n + 1);
	const char *p = q, *end = q + n;
	struct jw w;

	if (kbuf == NULL || vbuf == NULL)
		goto out;
	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end, *eq;
		long kl, vl;
		int dup = 0;

		eq = memchr(p, '=', (size_t)(e - p));
		kl = http_pct_decode(p, (size_t)((eq ? eq : e) - p), kbuf, n + 1, 1);
		vl = eq ? http_pct_decode(eq + 1, (size_t)(e - eq - 1), vbuf, n + 1, 1)
		    : 0;
		if (!eq)
			vbuf[0] = '\0';
		p = amp ? amp + 1 : end;
		if (kl <= 0 || vl < 0)
			continue;	/* undecodable: dockerd would not see it either */
		for (int i = 0; i < nkeys; i++)
			if (strcmp(keys[i], kbuf) == 0)
				dup = 1;
		if (dup)
			continue;
		if (nkeys < QUERY_KEYS_MAX)
			snprintf(keys[nkeys++], sizeof(keys[0]), "%s", kbuf);
		redact_query_value(action, kbuf, vbuf, (size_t)vl, &w);
	}
	jw_obj_end(&w);
out:
	free(kbuf);
	free(vbuf);
}
