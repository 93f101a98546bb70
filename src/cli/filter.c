/* filter.c -- the record filter of `dockaudit search` (see filter.h).
 *
 * Matching rules (the contract of the search flags):
 *   --since/--until  record "time" within [since, until], nanosecond exact;
 *   --user U         actor.user or actor.login_user equals U; when U is a
 *                    number, actor.uid or actor.loginuid equal to it too;
 *   --action A       action equals A, '*' in A matching any text;
 *   --container C    the record is about a container (object.type
 *                    "container", or action "container.*" / "exec.*") whose
 *                    object.id starts with C (4+ characters) or whose
 *                    object.name is C (a leading '/' ignored on both), or
 *                    the caller ran inside container C (actor.container).
 * A member that is absent never matches.
 *
 * The prefilter: every match of a flag implies a literal in the raw line
 * (`"alice"`, `"container.`, ...), because the journal holds compact JSON
 * written by json/write.c, which copies printable ASCII other than '"' and
 * '\\' as it is.  Values with other bytes get no literal: lines are then
 * always parsed. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cli/filter.h"

static const char *
str_of(const struct json *v)
{
	return json_type(v) == JSON_STRING ? json_str(v) : NULL;
}

static const struct json *
obj_of(const struct json *v)
{
	return json_type(v) == JSON_OBJECT ? v : NULL;
}

void
filter_rec_load(struct filter_rec *r, const struct json *root)
{
	const struct json *v, *resp;
	int64_t st;

	memset(r, 0, sizeof(*r));
	r->root = root;
	r->status = -1;
	if ((v = json_get(root, "time")) != NULL && json_type(v) == JSON_STRING) {
		r->time = json_str(v);
		r->time_len = json_strlen(v);
	}
	r->kind = str_of(json_get(root, "kind"));
	r->stage = str_of(json_get(root, "stage"));
	r->action = str_of(json_get(root, "action"));
	r->outcome = str_of(json_get(root, "outcome"));
	r->actor = obj_of(json_get(root, "actor"));
	r->object = obj_of(json_get(root, "object"));
	if ((r->request = obj_of(json_get(root, "request"))) != NULL) {
		r->req_id = str_of(json_get(r->request, "id"));
		if (r->req_id != NULL && r->req_id[0] == '\0')
			r->req_id = NULL;
	}
	if ((resp = obj_of(json_get(root, "response"))) != NULL &&
	    json_int(json_get(resp, "status"), &st) == DA_OK &&
	    st >= 0 && st < 1000)
		r->status = (int)st;
}

int
filter_outcome_valid(const char *s)
{
	return strcmp(s, "success") == 0 || strcmp(s, "failure") == 0 ||
	    strcmp(s, "denied") == 0 || strcmp(s, "pending") == 0;
}

/* ---- prefilter ---- */

/* Bytes json/write.c certainly copies as they are. */
static int
lit_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* Add literal q + s[0..n) + q2 to group g (q, q2: "" or "\"").  A literal
 * longer than FILTER_LIT_MAX is cut: any part of a required text is
 * required too. */
static void
group_add(struct filter_group *g, const char *q, const char *s, size_t n,
    const char *q2)
{
	char *d = g->fg_lit[g->fg_n];
	size_t len = 0;

	if (n > FILTER_LIT_MAX) {
		n = FILTER_LIT_MAX;
		q2 = "";
	}
	len += strlen(q);
	memcpy(d, q, len);
	memcpy(d + len, s, n);
	len += n;
	memcpy(d + len, q2, strlen(q2));
	len += strlen(q2);
	d[len] = '\0';
	g->fg_len[g->fg_n++] = len;
}

/* The longest literal every string matching glob pat contains. */
static void
glob_literal(struct filter *f, const char *pat)
{
	const char *p = pat, *best = NULL, *star;
	size_t n, best_n = 0, best_score = 0;
	int best_first = 0, best_last = 0;

	for (;;) {
		star = strchr(p, '*');
		n = star ? (size_t)(star - p) : strlen(p);
		if (n > 0) {
			int first = p == pat, last = star == NULL;
			size_t score = n + first + last;

			if (!lit_safe(p, n))
				return;	/* unpredictable text: no literal */
			if (score > best_score) {
				best = p;
				best_n = n;
				best_score = score;
				best_first = first;
				best_last = last;
			}
		}
		if (star == NULL)
			break;
		p = star + 1;
	}
	if (best == NULL)
		return;
	memset(&f->f_groups[f->f_ngroups], 0, sizeof(f->f_groups[0]));
	group_add(&f->f_groups[f->f_ngroups++], best_first ? "\"" : "", best,
	    best_n, best_last ? "\"" : "");
}

static int
parse_uint(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

void
filter_compile(struct filter *f)
{
	struct filter_group *g;
	const char *c;

	f->f_ngroups = 0;
	if (f->f_has_since)
		clock_format(f->f_since, f->f_since_text);
	if (f->f_has_until)
		clock_format(f->f_until, f->f_until_text);
	f->f_user_isnum = 0;
	if (f->f_user != NULL) {
		f->f_user_isnum = parse_uint(f->f_user, 4294967295LL,
		    &f->f_user_num) == 0;
		if (lit_safe(f->f_user, strlen(f->f_user))) {
			g = &f->f_groups[f->f_ngroups++];
			memset(g, 0, sizeof(*g));
			group_add(g, "\"", f->f_user, strlen(f->f_user), "\"");
			if (f->f_user_isnum)	/* "uid":1001 */
				group_add(g, ":", f->f_user, strlen(f->f_user), "");
		}
	}
	if (f->f_action != NULL)
		glob_literal(f, f->f_action);
	if (f->f_container != NULL && f->f_naliases == 0) {
		/* with aliases, a matching line may hold any of them */
		c = f->f_container + (f->f_container[0] == '/');
		if (*c != '\0' && lit_safe(c, strlen(c))) {
			g = &f->f_groups[f->f_ngroups++];
			memset(g, 0, sizeof(*g));
			group_add(g, "", c, strlen(c), "");
		}
	}
}

int
filter_quick(const struct filter *f, const char *line, size_t len)
{
	for (int i = 0; i < f->f_ngroups; i++) {
		const struct filter_group *g = &f->f_groups[i];
		int hit = 0;

		for (int k = 0; k < g->fg_n && !hit; k++)
			hit = memmem(line, len, g->fg_lit[k], g->fg_len[k]) != NULL;
		if (!hit)
			return 0;
	}
	return 1;
}

/* ---- exact matching ---- */

int
filter_glob(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int
filter_time_cmp(const char *t, size_t n, int64_t ns, const char *text,
    int *ok)
{
	char tmp[64];
	int64_t v;

	*ok = 1;
	/* Canonical "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" sorts like the number. */
	if (n == CLOCK_RFC3339_LEN - 1 && t[4] == '-' && t[10] == 'T' &&
	    t[19] == '.' && t[29] == 'Z')
		return memcmp(t, text, n);
	if (n == 0 || n >= sizeof(tmp) || t[0] == '-') {
		*ok = 0;
		return 0;
	}
	memcpy(tmp, t, n);
	tmp[n] = '\0';
	if (clock_parse(tmp, 0, &v) != 0) {
		*ok = 0;
		return 0;
	}
	return v < ns ? -1 : v > ns;
}

static int
str_eq(const struct json *v, const char *s)
{
	const char *t = str_of(v);

	return t != NULL && strcmp(t, s) == 0;
}

static int
int_eq(const struct json *v, int64_t n)
{
	int64_t x;

	return json_int(v, &x) == DA_OK && x == n;
}

static int
user_match(const struct filter *f, const struct json *actor)
{
	if (actor == NULL)
		return 0;
	if (str_eq(json_get(actor, "user"), f->f_user) ||
	    str_eq(json_get(actor, "login_user"), f->f_user))
		return 1;
	return f->f_user_isnum &&
	    (int_eq(json_get(actor, "uid"), f->f_user_num) ||
	    int_eq(json_get(actor, "loginuid"), f->f_user_num));
}

/* id starts with c (c of 4+ characters) or equals it. */
static int
id_match(const char *id, const char *c, size_t clen)
{
	if (id == NULL)
		return 0;
	if (clen >= 4)
		return strncmp(id, c, clen) == 0;
	return strcmp(id, c) == 0;
}

static int
name_match(const char *name, const char *c)
{
	if (name == NULL)
		return 0;
	name += name[0] == '/';
	c += c[0] == '/';
	return strcmp(name, c) == 0;
}

static int
object_is_container(const struct filter_rec *r)
{
	const char *type;

	if (r->object == NULL)
		return 0;
	type = str_of(json_get(r->object, "type"));
	return (type && strcmp(type, "container") == 0) ||
	    (r->action && (strncmp(r->action, "container.", 10) == 0 ||
	    strncmp(r->action, "exec.", 5) == 0));
}

static int
object_match(const struct filter_rec *r, const char *c)
{
	return id_match(str_of(json_get(r->object, "id")), c, strlen(c)) ||
	    name_match(str_of(json_get(r->object, "name")), c);
}

static int
container_match(const struct filter *f, const struct filter_rec *r)
{
	const char *c = f->f_container;
	size_t clen = strlen(c);
	const struct json *ac;

	if (object_is_container(r)) {
		if (object_match(r, c))
			return 1;
		for (size_t i = 0; i < f->f_naliases; i++)
			if (object_match(r, f->f_aliases[i]))
				return 1;
	}
	if (r->actor == NULL ||
	    (ac = json_get(r->actor, "container")) == NULL)
		return 0;
	if (json_type(ac) == JSON_STRING)
		return id_match(json_str(ac), c, clen);
	if (json_type(ac) == JSON_OBJECT)
		return id_match(str_of(json_get(ac, "id")), c, clen) ||
		    name_match(str_of(json_get(ac, "name")), c);
	return 0;
}

static int
add_alias(struct filter *f, const char *v)
{
	char **na;

	for (size_t i = 0; i < f->f_naliases; i++)
		if (strcmp(f->f_aliases[i], v) == 0)
			return 0;
	if ((na = realloc(f->f_aliases, (f->f_naliases + 1) *
	    sizeof(*na))) == NULL)
		return DA_E_NOMEM;
	f->f_aliases = na;
	if ((na[f->f_naliases] = strdup(v)) == NULL)
		return DA_E_NOMEM;
	f->f_naliases++;
	return 0;
}

int
filter_learn_alias(struct filter *f, const struct filter_rec *r)
{
	const char *id, *name, *c = f->f_container;

	if (c == NULL || !object_is_container(r))
		return 0;
	id = str_of(json_get(r->object, "id"));
	name = str_of(json_get(r->object, "name"));
	if (id == NULL || name == NULL)
		return 0;
	if (id_match(id, c, strlen(c)))
		return add_alias(f, name + (name[0] == '/'));
	if (name_match(name, c))
		return add_alias(f, id);
	return 0;
}

void
filter_free_aliases(struct filter *f)
{
	for (size_t i = 0; i < f->f_naliases; i++)
		free(f->f_aliases[i]);
	free(f->f_aliases);
	f->f_aliases = NULL;
	f->f_naliases = 0;
}

int
filter_none(const struct filter *f)
{
	return !f->f_has_since && !f->f_has_until && f->f_user == NULL &&
	    f->f_action == NULL && f->f_kind == NULL && f->f_container == NULL;
}

int
filter_match(const struct filter *f, const struct filter_rec *r)
{
	int ok;

	if (f->f_has_since && (r->time == NULL ||
	    filter_time_cmp(r->time, r->time_len, f->f_since, f->f_since_text,
	    &ok) < 0 || !ok))
		return 0;
	if (f->f_has_until && (r->time == NULL ||
	    filter_time_cmp(r->time, r->time_len, f->f_until, f->f_until_text,
	    &ok) > 0 || !ok))
		return 0;
	if (f->f_action != NULL &&
	    (r->action == NULL || !filter_glob(f->f_action, r->action)))
		return 0;
	if (f->f_kind != NULL &&
	    (r->kind == NULL || strcmp(f->f_kind, r->kind) != 0))
		return 0;
	if (f->f_user != NULL && !user_match(f, r->actor))
		return 0;
	if (f->f_container != NULL && !container_match(f, r))
		return 0;
	return 1;
}

int
filter_outcome_ok(const struct filter *f, const char *outcome)
{
	return f->f_outcome == NULL ||
	    (outcome != NULL && strcmp(outcome, f->f_outcome) == 0);
}
