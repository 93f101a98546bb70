/* recent.c -- the bounded table of recent mutating calls (see recent.h).
 *
 * A ring of RECENT_MAX fixed-size entries: no allocation after the first
 * use, O(1) insert, and a lookup that walks back from the newest entry and
 * stops at the first one past RECENT_TTL_NS.  A later stage of a call
 * updates its entry in place (found among the newest RECENT_UPDATE_SCAN). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "capture/recent.h"
#include "json/json.h"

#define RECENT_UPDATE_SCAN	512
#define RECENT_REF_MAX		80	/* ids are 64 hex; longer names are cut */

struct recent_entry {
	int64_t		 at;		/* monotonic ns of the request stage */
	char		 request_id[37];
	char		 action[48];
	char		 obj_id[RECENT_REF_MAX];
	char		 obj_name[RECENT_REF_MAX];
	char		 user[64];
	char		 login_user[64];
	int64_t		 uid;
	int		 status;
	int		 used;
};

static struct recent_entry table[RECENT_MAX];
static size_t next_slot;	/* where the next entry goes */
static size_t count;		/* live slots, up to RECENT_MAX */
static int64_t (*clock_fn)(void) = clock_mono_ns;
/* The proxy notes from the main loop, the events stream reads from its own
 * thread (daemon/run.c). */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

void
recent_reset(void)
{
	pthread_mutex_lock(&table_mu);
	memset(table, 0, sizeof(table));
	next_slot = count = 0;
	pthread_mutex_unlock(&table_mu);
}

void
recent_set_clock(int64_t (*now)(void))
{
	clock_fn = now ? now : clock_mono_ns;
}

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* actor.user, actor.login_user and actor.uid from the rendered actor. */
static void
actor_fields(struct recent_entry *e, const char *actor, size_t len)
{
	const struct json *v;
	struct json *a;
	int64_t n;

	e->user[0] = e->login_user[0] = '\0';
	e->uid = -1;
	if (actor == NULL || len == 0 || (a = json_parse(actor, len, NULL)) == NULL)
		return;
	if ((v = json_get(a, "user")) != NULL && json_type(v) == JSON_STRING)
		copy(e->user, sizeof(e->user), json_str(v));
	if ((v = json_get(a, "login_user")) != NULL && json_type(v) == JSON_STRING)
		copy(e->login_user, sizeof(e->login_user), json_str(v));
	if (json_int(json_get(a, "uid"), &n) == 0)
		e->uid = n;
	json_free(a);
}

static void
note_locked(const char *request_id, const char *action, const char *obj_type,
    const char *obj_id, const char *obj_name, int status,
    const char *actor_json, size_t actor_len)
{
	struct recent_entry *e = NULL;

	(void)obj_type;
	if (request_id == NULL || request_id[0] == '\0' || action == NULL)
		return;
	for (size_t i = 0; i < count && i < RECENT_UPDATE_SCAN; i++) {
		struct recent_entry *c =
		    &table[(next_slot + RECENT_MAX - 1 - i) % RECENT_MAX];

		if (strcmp(c->request_id, request_id) == 0) {
			e = c;
			break;
		}
	}
	if (e == NULL) {
		e = &table[next_slot];
		next_slot = (next_slot + 1) % RECENT_MAX;
		if (count < RECENT_MAX)
			count++;
		memset(e, 0, sizeof(*e));
		e->at = clock_fn();
		e->used = 1;
		copy(e->request_id, sizeof(e->request_id), request_id);
		copy(e->action, sizeof(e->action), action);
		actor_fields(e, actor_json, actor_len);
	}
	/* later stages learn the id a create answered with */
	if (obj_id != NULL && obj_id[0] != '\0')
		copy(e->obj_id, sizeof(e->obj_id), obj_id);
	if (obj_name != NULL && obj_name[0] != '\0' && e->obj_name[0] == '\0')
		copy(e->obj_name, sizeof(e->obj_name),
		    obj_name[0] == '/' ? obj_name + 1 : obj_name);
	if (status != 0)
		e->status = status;
}

static int
action_in(const char *action, const char *const *actions)
{
	for (; *actions != NULL; actions++)
		if (strcmp(action, *actions) == 0)
			return 1;
	return 0;
}

static int
find_locked(const char *const *actions, const char *id, const char *name,
    int allow_pending, struct recent_cause *out)
{
	int64_t now = clock_fn();

	for (size_t i = 0; i < count; i++) {
		const struct recent_entry *e =
		    &table[(next_slot + RECENT_MAX - 1 - i) % RECENT_MAX];
		const char *match = NULL;
		size_t il = strlen(e->obj_id);

		if (now - e->at > RECENT_TTL_NS)
			break;		/* older ones are older still */
		if (!e->used || e->status >= 400 || !action_in(e->action, actions))
			continue;
		if (il >= 12 && id != NULL && strncmp(e->obj_id, id, il) == 0)
			match = RECENT_MATCH_ID;
		else if (e->obj_name[0] != '\0' && name != NULL &&
		    strcmp(e->obj_name, name) == 0)
			match = RECENT_MATCH_NAME;
		else if (allow_pending && e->status == 0 && il == 0 &&
		    (e->obj_name[0] == '\0' || (name && strcmp(e->obj_name, name) == 0)))
			match = RECENT_MATCH_PENDING;
		if (match == NULL)
			continue;
		copy(out->request_id, sizeof(out->request_id), e->request_id);
		copy(out->action, sizeof(out->action), e->action);
		copy(out->user, sizeof(out->user), e->user);
		copy(out->login_user, sizeof(out->login_user), e->login_user);
		out->uid = e->uid;
		out->status = e->status;
		out->match = match;
		return 1;
	}
	return 0;
}

void
recent_note(const char *request_id, const char *action, const char *obj_type,
    const char *obj_id, const char *obj_name, int status,
    const char *actor_json, size_t actor_len)
{
	pthread_mutex_lock(&table_mu);
	note_locked(request_id, action, obj_type, obj_id, obj_name, status,
	    actor_json, actor_len);
	pthread_mutex_unlock(&table_mu);
}

int
recent_find(const char *const *actions, const char *id, const char *name,
    int allow_pending, struct recent_cause *out)
{
	int found;

	pthread_mutex_lock(&table_mu);
	found = find_locked(actions, id, name, allow_pending, out);
	pthread_mutex_unlock(&table_mu);
	return found;
}
