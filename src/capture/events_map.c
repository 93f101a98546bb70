/* events_map.c -- one dockerd event object -> one `daemon` record.
 *
 * dockerd builds a container event's Actor.Attributes by copying all the
 * container's labels and then setting "image" and "name"; the keys it adds
 * for some actions (exitCode for die, signal for kill, execID for exec_*)
 * are set BEFORE the labels are copied, so a label of the same name
 * replaces them.  Hence: object.name and object.image come from the two
 * attributes a label cannot override; an added key is promoted into
 * daemon_event (exit_code, signal, exec_id, ...) only when we know the
 * container has no label of that name -- its label keys are learned from
 * events that carry nothing but labels, image and name (create, start,
 * destroy, ...); everything else is kept verbatim under
 * daemon_event.attributes_untrusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/events_int.h"
#include "capture/recent.h"
#include "event/record.h"
#include "json/json.h"

/* Keys dockerd adds to container events before it copies the labels, and
 * the names they are promoted under. */
static const struct {
	const char	*attr;
	const char	*field;
	int		 numeric;
} added_keys[] = {
	{ "exitCode", "exit_code", 1 },
	{ "signal", "signal", 0 },
	{ "execID", "exec_id", 0 },
	{ "oldName", "old_name", 0 },
	{ "execDuration", "exec_duration", 1 },
};
#define NADDED (sizeof(added_keys) / sizeof(added_keys[0]))

/* Container actions whose attributes are labels, image and name only. */
static const char *const plain_actions[] = {
	"create", "start", "destroy", "stop", "restart", "pause", "unpause",
	"oom", "health_status", "attach", "detach", "update", "top", "export",
	"archive-path", "extract-to-dir", NULL
};

/* Which API calls can cause a container event (docs/actions.md). */
static const struct {
	const char	*base;
	const char	*calls[6];
	int		 by_exec;	/* match the exec id, not the container */
	int		 pending;	/* a create still waiting may match */
} cause_table[] = {
	{ "create", { "container.create" }, 0, 1 },
	{ "start", { "container.start", "container.restart" }, 0, 0 },
	{ "die", { "container.kill", "container.stop", "container.restart",
	    "container.delete", "container.start" }, 0, 0 },
	{ "kill", { "container.kill", "container.stop", "container.restart",
	    "container.delete" }, 0, 0 },
	{ "stop", { "container.stop", "container.restart" }, 0, 0 },
	{ "restart", { "container.restart" }, 0, 0 },
	{ "destroy", { "container.delete" }, 0, 0 },
	{ "pause", { "container.pause" }, 0, 0 },
	{ "unpause", { "container.unpause" }, 0, 0 },
	{ "rename", { "container.rename" }, 0, 0 },
	{ "update", { "container.update" }, 0, 0 },
	{ "resize", { "container.resize" }, 0, 0 },
	{ "attach", { "container.attach", "container.attach.ws" }, 0, 0 },
	{ "export", { "container.export" }, 0, 0 },
	{ "top", { "container.top" }, 0, 0 },
	{ "commit", { "container.commit" }, 0, 0 },
	{ "archive-path", { "container.archive.get" }, 0, 0 },
	{ "extract-to-dir", { "container.archive.put" }, 0, 0 },
	{ "exec_create", { "container.exec.create" }, 0, 0 },
	{ "exec_start", { "exec.start" }, 1, 0 },
	{ "exec_die", { "exec.start" }, 1, 0 },
	{ "exec_detach", { "exec.start" }, 1, 0 },
};
#define NCAUSE (sizeof(cause_table) / sizeof(cause_table[0]))

/* An attribute by its exact key (a Go map: keys are case-sensitive and
 * unique, so json_get's case folding would be wrong here). */
static const struct json *
attr(const struct json *attrs, const char *key)
{
	size_t kl = strlen(key);
	const struct json *found = NULL;

	for (size_t i = 0; i < json_len(attrs); i++)
		if (json_keylen_at(attrs, i) == kl &&
		    memcmp(json_key_at(attrs, i), key, kl) == 0)
			found = json_at(attrs, i);
	return found;
}

static const char *
attr_str(const struct json *attrs, const char *key)
{
	return json_str(attr(attrs, key));
}

/* Members that must be strings if present. */
static int
opt_str(const struct json *root, const char *key, const char **out, char *err)
{
	const struct json *v = json_get(root, key);

	*out = NULL;
	if (v == NULL || json_type(v) == JSON_NULL)
		return DA_OK;
	if (json_type(v) != JSON_STRING)
		return da_seterr(err, DA_E_PARSE, "event member %s is not a string",
		    key);
	*out = json_str(v);
	return DA_OK;
}

int
ev_parse(const char *line, size_t n, struct ev_event *ev, char *err)
{
	const struct json *actor, *t;
	const char *colon;
	size_t bl;

	memset(ev, 0, sizeof(*ev));
	if ((ev->root = json_parse(line, n, err)) == NULL)
		return DA_E_PARSE;
	if (json_type(ev->root) != JSON_OBJECT) {
		ev_event_free(ev);
		return da_seterr(err, DA_E_PARSE, "event is not a JSON object");
	}
	if (opt_str(ev->root, "Type", &ev->type, err) != DA_OK ||
	    opt_str(ev->root, "Action", &ev->action, err) != DA_OK ||
	    opt_str(ev->root, "scope", &ev->scope, err) != DA_OK)
		goto bad;
	if (ev->type == NULL || ev->action == NULL) {
		da_seterr(err, DA_E_PARSE, "event without Type or Action");
		goto bad;
	}
	actor = json_get(ev->root, "Actor");
	if (json_type(actor) == JSON_OBJECT) {
		if (opt_str(actor, "ID", &ev->actor_id, err) != DA_OK)
			goto bad;
		if (json_type(ev->attrs = json_get(actor, "Attributes")) !=
		    JSON_OBJECT)
			ev->attrs = NULL;
	}
	t = json_get(ev->root, "timeNano");
	if (json_int(t, &ev->time_nano) != 0 || ev->time_nano <= 0) {
		int64_t s;

		if (json_int(json_get(ev->root, "time"), &s) != 0 || s <= 0) {
			da_seterr(err, DA_E_PARSE, "event without timeNano");
			goto bad;
		}
		ev->time_nano = s * 1000000000;
	}
	colon = strstr(ev->action, ": ");
	bl = colon ? (size_t)(colon - ev->action) : strlen(ev->action);
	if (bl >= sizeof(ev->base))
		bl = sizeof(ev->base) - 1;
	memcpy(ev->base, ev->action, bl);
	ev->base[bl] = '\0';
	ev->suffix = colon ? colon + 2 : NULL;
	return DA_OK;
bad:
	ev_event_free(ev);
	return DA_E_PARSE;
}

void
ev_event_free(struct ev_event *ev)
{
	json_free(ev->root);
	ev->root = NULL;
}

static int
word_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return 0;
	return 1;
}

void
ev_record_action(const struct ev_event *ev, char *out, size_t size)
{
	snprintf(out, size, "%s.%s", word_ok(ev->type) ? ev->type : "unknown",
	    word_ok(ev->base) ? ev->base : "unknown");
}

/* ---- label keys per container ---- */

static size_t
slot_of(const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return (size_t)(h % EV_LABELS_MAX);
}

static int
is_plain(const char *base)
{
	for (int i = 0; plain_actions[i] != NULL; i++)
		if (strcmp(plain_actions[i], base) == 0)
			return 1;
	return 0;
}

/* 1 and *mask when the container's label keys are known. */
static int
labels_known(const struct ev_labels *lb, const char *id, unsigned *mask)
{
	size_t s = slot_of(id);

	if (strcmp(lb->slot[s].id, id) != 0)
		return 0;
	*mask = lb->slot[s].mask;
	return 1;
}

static void
labels_learn(struct ev_labels *lb, const struct ev_event *ev)
{
	size_t s;
	unsigned mask = 0;

	if (ev->actor_id == NULL || strlen(ev->actor_id) >= sizeof(lb->slot[0].id))
		return;
	s = slot_of(ev->actor_id);
	if (strcmp(ev->base, "destroy") == 0) {
		if (strcmp(lb->slot[s].id, ev->actor_id) == 0)
			lb->slot[s].id[0] = '\0';
		return;
	}
	mask = ev_added_mask(ev->attrs);
	snprintf(lb->slot[s].id, sizeof(lb->slot[s].id), "%s", ev->actor_id);
	lb->slot[s].mask = mask;
}

unsigned
ev_added_mask(const struct json *labels)
{
	unsigned mask = 0;

	for (size_t i = 0; i < NADDED; i++)
		if (attr(labels, added_keys[i].attr) != NULL)
			mask |= 1u << i;
	return mask;
}

void
ev_labels_set(struct ev_labels *lb, const char *id, unsigned mask)
{
	size_t s;

	if (strlen(id) >= sizeof(lb->slot[0].id))
		return;
	s = slot_of(id);
	snprintf(lb->slot[s].id, sizeof(lb->slot[s].id), "%s", id);
	lb->slot[s].mask = mask;
}

int
ev_needs_labels(const struct ev_labels *lb, const struct ev_event *ev)
{
	unsigned mask;
	size_t n;

	if (strcmp(ev->type, "container") != 0 || ev->actor_id == NULL ||
	    is_plain(ev->base) || ev_added_mask(ev->attrs) == 0)
		return 0;
	if ((n = strlen(ev->actor_id)) != 64 ||
	    strspn(ev->actor_id, "0123456789abcdef") != n)
		return 0;
	return !labels_known(lb, ev->actor_id, &mask);
}

/* ---- rendering ---- */

static void
promote(struct jw *w, const char *field, const char *v, int numeric)
{
	char *end;
	long long n;

	if (numeric || (v[0] >= '0' && v[0] <= '9')) {
		n = strtoll(v, &end, 10);
		if (*v != '\0' && *end == '\0') {
			jw_int(w, field, n);
			return;
		}
	}
	jw_str(w, field, v);
}

static void
render_cause(const struct ev_event *ev, const char *name,
    const char *exec_id, struct jw *w)
{
	struct recent_cause c;

	if (strcmp(ev->type, "container") != 0)
		return;
	for (size_t i = 0; i < NCAUSE; i++) {
		const char *id = ev->actor_id;

		if (strcmp(cause_table[i].base, ev->base) != 0)
			continue;
		if (cause_table[i].by_exec) {
			if (exec_id == NULL)
				return;
			id = exec_id;
			name = NULL;
		}
		if (!recent_find(cause_table[i].calls, id, name,
		    cause_table[i].pending, &c))
			return;
		jw_obj_begin(w, "cause");
		jw_str(w, "request_id", c.request_id);
		jw_str(w, "action", c.action);
		if (c.user[0])
			jw_str(w, "user", c.user);
		else
			jw_null(w, "user");
		if (c.login_user[0])
			jw_str(w, "login_user", c.login_user);
		if (c.uid >= 0)
			jw_int(w, "uid", c.uid);
		jw_str(w, "match", c.match);
		jw_obj_end(w);
		return;
	}
}

int
ev_render(struct ev_labels *lb, const struct ev_event *ev, struct buf *out)
{
	char action[128], ts[CLOCK_RFC3339_LEN];
	int container = strcmp(ev->type, "container") == 0;
	const char *name = attr_str(ev->attrs, "name");
	const char *image = container ? attr_str(ev->attrs, "image") : NULL;
	const char *exec_id = NULL;
	unsigned mask = 0;
	int known = 0, rc;
	struct evt e;
	struct jw w;

	/* a volume's Actor.ID is its name (dockerd sets no name attribute) */
	if (name == NULL && strcmp(ev->type, "volume") == 0)
		name = ev->actor_id;
	if (container && ev->actor_id != NULL) {
		if (is_plain(ev->base))
			labels_learn(lb, ev);
		known = labels_known(lb, ev->actor_id, &mask);
	}
	ev_record_action(ev, action, sizeof(action));
	memset(&e, 0, sizeof(e));
	e.kind = "daemon";
	e.source = "events";
	e.action = action;
	e.obj.type = word_ok(ev->type) ? ev->type : "unknown";
	e.obj.id = ev->actor_id;
	e.obj.name = name;
	e.obj.image = image;
	if ((rc = evt_render(&e, out)) != DA_OK)
		return rc;

	jw_init(&w, out);
	w.depth = 1;
	w.need_comma[1] = 1;
	jw_obj_begin(&w, "daemon_event");
	jw_int(&w, "time_nano", ev->time_nano);
	clock_format(ev->time_nano, ts);
	jw_str(&w, "time", ts);
	jw_str(&w, "type", ev->type);
	jw_str(&w, "action", ev->action);
	jw_str(&w, "actor_id", ev->actor_id);
	jw_str(&w, "scope", ev->scope);
	if (ev->suffix != NULL && strcmp(ev->base, "health_status") == 0)
		jw_str(&w, "health_status", ev->suffix);
	else if (ev->suffix != NULL && strncmp(ev->base, "exec_", 5) == 0)
		jw_str(&w, "exec_cmd", ev->suffix);
	if (container) {
		int any_unverified = 0;

		for (size_t i = 0; i < NADDED; i++) {
			const char *v = attr_str(ev->attrs, added_keys[i].attr);

			if (v == NULL)
				continue;
			if (!known || (mask & (1u << i)))
				continue;
			promote(&w, added_keys[i].field, v, added_keys[i].numeric);
			if (i == 2)
				exec_id = v;
		}
		jw_bool(&w, "labels_known", known);
		for (size_t i = 0; i < NADDED; i++) {
			if (attr(ev->attrs, added_keys[i].attr) == NULL ||
			    (known && !(mask & (1u << i))))
				continue;
			if (!any_unverified++)
				jw_arr_begin(&w, "unverified");
			jw_str(&w, NULL, added_keys[i].attr);
		}
		if (any_unverified)
			jw_arr_end(&w);
	}
	jw_obj_begin(&w, "attributes_untrusted");
	for (size_t i = 0; i < json_len(ev->attrs); i++) {
		const char *k = json_key_at(ev->attrs, i);
		size_t kl = json_keylen_at(ev->attrs, i);
		char key[256];

		if ((kl == 4 && memcmp(k, "name", 4) == 0) ||
		    (kl == 5 && memcmp(k, "image", 5) == 0 && container))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)kl, k);
		jw_value(&w, key, json_at(ev->attrs, i));
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	render_cause(ev, name, exec_id, &w);
	return w.err;
}
