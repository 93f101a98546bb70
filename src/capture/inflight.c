/* inflight.c -- the table of calls being forwarded (inflight.h): a
 * chained hash on the request id, bounded. */
#include <stdlib.h>
#include <string.h>

#include "capture/inflight.h"
#include "json/json.h"

#define INFLIGHT_BUCKETS	4096
#define INFLIGHT_MAX		65536

static struct inflight	*buckets[INFLIGHT_BUCKETS];
static size_t		 count;
static int		 enabled;

void
inflight_enable(int on)
{
	enabled = on;
}

int
inflight_enabled(void)
{
	return enabled;
}

size_t
inflight_count(void)
{
	return count;
}

static unsigned
bucket_of(const char *id)
{
	unsigned h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % INFLIGHT_BUCKETS;
}

static void
copy_name(const struct json *actor, const char *key, char *out, size_t len)
{
	const struct json *v = json_get(actor, key);

	out[0] = '\0';
	if (json_type(v) == JSON_STRING && json_strlen(v) < len)
		memcpy(out, json_str(v), json_strlen(v) + 1);
}

int
inflight_put(const char *id, const char *sec, size_t slen,
    const char *actor_json, size_t alen, int body_whole)
{
	struct inflight *e;
	unsigned b;

	if (!enabled || count >= INFLIGHT_MAX)
		return -1;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	memcpy(e->id, id, sizeof(e->id) - 1);
	if (sec != NULL && slen > 0) {
		const char *colon = memchr(sec, ':', slen);

		if (colon != NULL) {
			size_t n = slen - (size_t)(colon + 1 - sec);

			if ((e->security = malloc(n + 1)) == NULL) {
				free(e);
				return -1;
			}
			memcpy(e->security, colon + 1, n);
			e->security[n] = '\0';
			e->security_len = n;
		}
	}
	if (actor_json != NULL) {
		struct json *a = json_parse(actor_json, alen, NULL);

		copy_name(a, "user", e->user, sizeof(e->user));
		copy_name(a, "login_user", e->login_user, sizeof(e->login_user));
		json_free(a);
	}
	e->body_whole = body_whole;
	b = bucket_of(e->id);
	e->next = buckets[b];
	buckets[b] = e;
	count++;
	return 0;
}

const struct inflight *
inflight_get(const char *id)
{
	for (struct inflight *e = buckets[bucket_of(id)]; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

void
inflight_del(const char *id)
{
	struct inflight **pp = &buckets[bucket_of(id)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0) {
			struct inflight *e = *pp;

			*pp = e->next;
			free(e->security);
			free(e);
			count--;
			return;
		}
}
