/* table.c -- records joined into calls, and the table view (see table.h).
 *
 * Calls live in an array indexed by an open-addressing hash of request.id;
 * rows are an array in journal order; ids and cells are bytes in a struct
 * buf, referred to by offset (the buffer moves as it grows).  Cells are made safe for a terminal when stored: control bytes and
 * C1 controls become '?', and a cell past its column's maximum is cut to end
 * in "...".  Only the fields named in table.h are ever printed. */
#include <string.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "cli/table.h"

#define TABLE_MEM_MAX	((size_t)8 << 30)	/* per buffer or array */
#define OUTCOME_LEN	16
#define LOGINUID_UNSET	4294967295LL

struct table_call {
	uint64_t	 c_hash;
	size_t		 c_id;		/* offset of the id in t_strs */
	size_t		 c_idlen;
	size_t		 c_row;		/* index of its row + 1; 0 = none yet */
	char		 c_outcome[OUTCOME_LEN];
	int		 c_status;	/* latest response.status seen, -1 none */
	int		 c_decided;	/* a non-request record was seen */
};

/* One line of the table: a call, or a record without request.id. */
struct table_row {
	size_t		 r_call;	/* call index + 1; 0: no request.id */
	char		 r_outcome[OUTCOME_LEN];	/* when r_call == 0 */
	int		 r_status;			/* when r_call == 0 */
	char		 r_time[TABLE_TIME_LEN + 1];	/* "" = unknown */
	size_t		 r_who, r_action, r_object;	/* in t_strs, 0 = unknown */
};

struct table {
	int		 t_flags;
	struct buf	 t_strs;	/* ids, cells; NUL-terminated; 0 is "" */
	struct table_call *t_calls;
	size_t		 t_ncalls, t_capcalls;
	size_t		*t_slots;	/* call index + 1, 0 = free */
	size_t		 t_nslots;	/* power of two */
	struct table_row *t_rows;
	size_t		 t_nrows, t_caprows;
};

/* Double an array's capacity; NULL (p untouched) past TABLE_MEM_MAX or
 * when out of memory. */
static void *
grow(void *p, size_t *cap, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 64;

	if (ncap > TABLE_MEM_MAX / size)
		return NULL;
	if ((p = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return p;
}

struct table *
table_new(int flags)
{
	struct table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->t_flags = flags;
	buf_init(&t->t_strs, TABLE_MEM_MAX);
	if (buf_putc(&t->t_strs, '\0') != DA_OK) {
		free(t);
		return NULL;
	}
	return t;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	buf_free(&t->t_strs);
	free(t->t_calls);
	free(t->t_slots);
	free(t->t_rows);
	free(t);
}

/* ---- calls ---- */

static uint64_t
hash_id(const char *id, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 0x100000001b3ULL;
	return h;
}

/* The slot holding id, or the free slot where it would go. */
static size_t
call_slot(const struct table *t, const char *id, size_t n, uint64_t h)
{
	size_t mask = t->t_nslots - 1, i = h & mask;
	const struct table_call *c;

	for (;; i = (i + 1) & mask) {
		if (t->t_slots[i] == 0)
			return i;
		c = &t->t_calls[t->t_slots[i] - 1];
		if (c->c_hash == h && c->c_idlen == n &&
		    memcmp(t->t_strs.data + c->c_id, id, n) == 0)
			return i;
	}
}

static struct table_call *
call_find(const struct table *t, const char *id, size_t n)
{
	size_t s;

	if (t->t_nslots == 0)
		return NULL;
	s = call_slot(t, id, n, hash_id(id, n));
	return t->t_slots[s] ? &t->t_calls[t->t_slots[s] - 1] : NULL;
}

static int
rehash(struct table *t)
{
	size_t n = t->t_nslots ? t->t_nslots * 2 : 1024, *slots, *old;
	size_t oldn = t->t_nslots;

	if (n > TABLE_MEM_MAX / sizeof(*slots))
		return DA_E_TOOBIG;
	if ((slots = calloc(n, sizeof(*slots))) == NULL)
		return DA_E_NOMEM;
	old = t->t_slots;
	t->t_slots = slots;
	t->t_nslots = n;
	for (size_t i = 0; i < oldn; i++) {
		const struct table_call *c;

		if (old[i] == 0)
			continue;
		c = &t->t_calls[old[i] - 1];
		slots[call_slot(t, t->t_strs.data + c->c_id, c->c_idlen,
		    c->c_hash)] = old[i];
	}
	free(old);
	return DA_OK;
}

static int
call_add(struct table *t, const char *id, struct table_call **out)
{
	size_t n = strlen(id), off = t->t_strs.len;
	struct table_call *c;
	void *p;
	int rc;

	if ((t->t_ncalls + 1) * 2 > t->t_nslots && (rc = rehash(t)) != DA_OK)
		return rc;
	if (t->t_ncalls == t->t_capcalls) {
		if ((p = grow(t->t_calls, &t->t_capcalls,
		    sizeof(*t->t_calls))) == NULL)
			return DA_E_NOMEM;
		t->t_calls = p;
	}
	if ((rc = buf_append(&t->t_strs, id, n + 1)) != DA_OK)
		return rc;
	c = &t->t_calls[t->t_ncalls++];
	memset(c, 0, sizeof(*c));
	c->c_hash = hash_id(id, n);
	c->c_id = off;
	c->c_idlen = n;
	c->c_status = -1;
	t->t_slots[call_slot(t, id, n, c->c_hash)] = t->t_ncalls;
	*out = c;
	return DA_OK;
}

/* The call's outcome is its last non-request record's. */
static void
call_update(struct table_call *c, const struct filter_rec *r)
{
	int request = r->stage != NULL && strcmp(r->stage, "request") == 0;

	if (request && c->c_decided)
		return;
	if (!request)
		c->c_decided = 1;
	snprintf(c->c_outcome, sizeof(c->c_outcome), "%s",
	    r->outcome ? r->outcome : "");
	if (r->status >= 0)
		c->c_status = r->status;
}

size_t
table_ncalls(const struct table *t)
{
	return t->t_ncalls;
}

int
table_has_call(const struct table *t, const char *id, size_t n)
{
	return call_find(t, id, n) != NULL;
}

const char *
table_call_outcome(const struct table *t, const char *id, size_t n)
{
	const struct table_call *c = call_find(t, id, n);

	return c != NULL ? c->c_outcome : NULL;
}

int
table_line_call(const char *line, size_t len, const char **id, size_t *n)
{
	/* record.c writes "request":{"id":"<uuid>",... and a raw '"' cannot
	 * occur inside a JSON string, so the first hit is the member. */
	static const char pat[] = "\"request\":{\"id\":\"";
	const char *p, *e;

	if ((p = memmem(line, len, pat, sizeof(pat) - 1)) == NULL)
		return memmem(line, len, "\"request\"", 9) ? -1 : 0;
	p += sizeof(pat) - 1;
	if ((e = memchr(p, '"', (size_t)(line + len - p))) == NULL ||
	    memchr(p, '\\', (size_t)(e - p)) != NULL)
		return -1;
	*id = p;
	*n = (size_t)(e - p);
	return 1;
}

/* ---- cells ---- */

static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Store s as a cell of at most max characters; *off gets its offset. */
static int
put_cell(struct table *t, const char *s, size_t max, size_t *off)
{
	char tmp[TABLE_OBJECT_MAX * 4 + 8];
	size_t n = 0, w = 0, keep = text_width(s) > max ? max - 3 : max;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++) {
		if ((*p & 0xc0) != 0x80 && w++ == keep)
			break;
		if (n >= sizeof(tmp) - 4)
			break;	/* only if s were not UTF-8 */
		if (*p < 0x20 || *p == 0x7f) {
			tmp[n++] = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			tmp[n++] = '?';	/* C1 control */
			p++;
		} else {
			tmp[n++] = (char)*p;
		}
	}
	if (keep < max) {
		memcpy(tmp + n, "...", 3);
		n += 3;
	}
	tmp[n++] = '\0';
	*off = t->t_strs.len;
	return buf_append(&t->t_strs, tmp, n);
}

static const char *
jstr(const struct json *v, const char *key)
{
	v = json_get(v, key);
	return json_type(v) == JSON_STRING && json_str(v)[0] != '\0' ?
	    json_str(v) : NULL;
}

/* "2026-11-28T08:22:44Z" from the record's time, "" if it has none. */
static void
short_time(const struct filter_rec *r, char out[TABLE_TIME_LEN + 1])
{
	char tmp[64], full[CLOCK_RFC3339_LEN];
	int64_t ns;

	out[0] = '\0';
	if (r->time == NULL || r->time_len == 0 || r->time_len >= sizeof(tmp))
		return;
	memcpy(tmp, r->time, r->time_len);
	tmp[r->time_len] = '\0';
	if (tmp[0] == '-' || clock_parse(tmp, 0, &ns) != 0)
		return;
	if (r->time_len != CLOCK_RFC3339_LEN - 1 || tmp[29] != 'Z') {
		clock_format(ns, full);	/* normalise to UTC */
		memcpy(tmp, full, sizeof(full));
	}
	memcpy(out, tmp, 19);
	out[19] = 'Z';
	out[20] = '\0';
}

/* WHO: "alice(root)" when the login user differs from the user, else the
 * user (or uid), plus " in <container id, 12>" for a caller in a
 * container.  0 if nothing is known about the caller. */
static int
who_text(const struct filter_rec *r, char *out, size_t size)
{
	const struct json *a = r->actor, *ac;
	const char *user, *login, *cid = NULL;
	char ubuf[24], lbuf[24];
	int64_t uid = -1, luid = -1;
	int n;

	if (a == NULL)
		return 0;
	if (json_int(json_get(a, "uid"), &uid) != DA_OK)
		uid = -1;
	if (json_int(json_get(a, "loginuid"), &luid) != DA_OK ||
	    luid == LOGINUID_UNSET)
		luid = -1;
	if ((user = jstr(a, "user")) == NULL && uid >= 0) {
		snprintf(ubuf, sizeof(ubuf), "%lld", (long long)uid);
		user = ubuf;
	}
	if ((login = jstr(a, "login_user")) == NULL && luid >= 0 &&
	    luid != uid) {
		snprintf(lbuf, sizeof(lbuf), "%lld", (long long)luid);
		login = lbuf;
	}
	if (user == NULL && (user = jstr(a, "cert_subject")) == NULL)
		user = jstr(a, "remote");
	ac = json_get(a, "container");
	if (json_type(ac) == JSON_STRING)
		cid = json_str(ac);
	else if (json_type(ac) == JSON_OBJECT)
		cid = jstr(ac, "id");
	if (cid != NULL && cid[0] == '\0')
		cid = NULL;
	if (login != NULL && user != NULL && strcmp(login, user) != 0)
		n = snprintf(out, size, "%s(%s)", login, user);
	else if (user != NULL || login != NULL)
		n = snprintf(out, size, "%s", user ? user : login);
	else if (cid != NULL)
		n = snprintf(out, size, "-");
	else
		return 0;
	if (cid != NULL && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, " in %.12s", cid);
	return 1;
}

/* OBJECT: name, else 12-character id, else image, else request path. */
static const char *
object_text(const struct filter_rec *r, char idbuf[13])
{
	const char *s;

	if (r->object != NULL) {
		if ((s = jstr(r->object, "name")) != NULL)
			return s;
		if ((s = jstr(r->object, "id")) != NULL) {
			snprintf(idbuf, 13, "%s", s);
			return idbuf;
		}
		if ((s = jstr(r->object, "image")) != NULL)
			return s;
	}
	return r->request ? jstr(r->request, "path") : NULL;
}

/* Fill the cells a row does not have yet from r. */
static int
row_fill(struct table *t, size_t ri, const struct filter_rec *r)
{
	struct table_row *row = &t->t_rows[ri];
	char who[512], idbuf[13];
	const char *obj;
	int rc = DA_OK;

	if (row->r_time[0] == '\0')
		short_time(r, row->r_time);
	if (row->r_who == 0 && who_text(r, who, sizeof(who)))
		rc = put_cell(t, who, TABLE_WHO_MAX, &row->r_who);
	if (rc == DA_OK && row->r_action == 0 && r->action != NULL &&
	    r->action[0] != '\0')
		rc = put_cell(t, r->action, TABLE_ACTION_MAX, &row->r_action);
	if (rc == DA_OK && row->r_object == 0 &&
	    (obj = object_text(r, idbuf)) != NULL)
		rc = put_cell(t, obj, TABLE_OBJECT_MAX, &row->r_object);
	return rc;
}

/* The row of call c (NULL: r has no request.id), made on first use. */
static int
row_get(struct table *t, struct table_call *c, const struct filter_rec *r,
    size_t *ri)
{
	struct table_row *row;
	void *p;

	if (c != NULL && c->c_row != 0) {
		*ri = c->c_row - 1;
		return DA_OK;
	}
	if (t->t_nrows == t->t_caprows) {
		if ((p = grow(t->t_rows, &t->t_caprows,
		    sizeof(*t->t_rows))) == NULL)
			return DA_E_NOMEM;
		t->t_rows = p;
	}
	*ri = t->t_nrows++;
	row = &t->t_rows[*ri];
	memset(row, 0, sizeof(*row));
	row->r_status = -1;
	if (c != NULL) {
		row->r_call = (size_t)(c - t->t_calls) + 1;
		c->c_row = *ri + 1;
	} else {
		snprintf(row->r_outcome, sizeof(row->r_outcome), "%s",
		    r->outcome ? r->outcome : "");
		row->r_status = r->status;
	}
	return DA_OK;
}

int
table_add(struct table *t, const struct filter_rec *r, int passed)
{
	struct table_call *c = NULL;
	size_t ri;
	int rc;

	if (r->req_id != NULL) {
		c = call_find(t, r->req_id, strlen(r->req_id));
		if (c == NULL && passed &&
		    (rc = call_add(t, r->req_id, &c)) != DA_OK)
			return rc;
		if (c != NULL)
			call_update(c, r);
	}
	if (!passed) {	/* it only completes what its call's row lacks */
		if (c != NULL && c->c_row != 0 && (t->t_flags & TABLE_ROWS))
			return row_fill(t, c->c_row - 1, r);
		return DA_OK;
	}
	if ((rc = row_get(t, c, r, &ri)) != DA_OK)
		return rc;
	if (t->t_flags & TABLE_ROWS)
		return row_fill(t, ri, r);
	return DA_OK;
}

/* ---- output ---- */

static const char *
row_outcome(const struct table *t, const struct table_row *row, int *status)
{
	const struct table_call *c;

	if (row->r_call == 0) {
		*status = row->r_status;
		return row->r_outcome;
	}
	c = &t->t_calls[row->r_call - 1];
	*status = c->c_status;
	return c->c_outcome;
}

static int
row_ok(const struct table *t, const struct table_row *row,
    const struct filter *f)
{
	int status;

	return f == NULL || filter_outcome_ok(f, row_outcome(t, row, &status));
}

uint64_t
table_count(const struct table *t, const struct filter *f, uint64_t limit)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->t_nrows && (limit == 0 || n < limit); i++)
		n += row_ok(t, &t->t_rows[i], f);
	return n;
}

static const char *
cell(const struct table *t, size_t off)
{
	return off != 0 ? t->t_strs.data + off : "-";
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

void
table_fit(const struct table *t, const struct filter *f, uint64_t limit,
    struct table_widths *w)
{
	const struct table_row *row;
	uint64_t n = 0;

	w->tw_who = max_size(w->tw_who, 3);		/* "WHO" */
	w->tw_action = max_size(w->tw_action, 6);	/* "ACTION" */
	w->tw_object = max_size(w->tw_object, 6);	/* "OBJECT" */
	for (size_t i = 0; i < t->t_nrows && (limit == 0 || n < limit); i++) {
		row = &t->t_rows[i];
		if (!row_ok(t, row, f))
			continue;
		n++;
		w->tw_who = max_size(w->tw_who, text_width(cell(t, row->r_who)));
		w->tw_action = max_size(w->tw_action,
		    text_width(cell(t, row->r_action)));
		w->tw_object = max_size(w->tw_object,
		    text_width(cell(t, row->r_object)));
	}
}

static void
put_padded(FILE *out, const char *s, size_t width)
{
	fputs(s, out);
	for (size_t w = text_width(s); w < width; w++)
		putc(' ', out);
	fputs("  ", out);
}

int
table_print(const struct table *t, const struct filter *f, uint64_t limit,
    const struct table_widths *w, int header, FILE *out)
{
	const struct table_row *row;
	const char *oc;
	uint64_t n = 0;
	int status;

	if (header) {
		put_padded(out, "TIME", TABLE_TIME_LEN);
		put_padded(out, "WHO", w->tw_who);
		put_padded(out, "ACTION", w->tw_action);
		put_padded(out, "OBJECT", w->tw_object);
		fputs("OUTCOME\n", out);
	}
	for (size_t i = 0; i < t->t_nrows && (limit == 0 || n < limit); i++) {
		row = &t->t_rows[i];
		if (!row_ok(t, row, f))
			continue;
		n++;
		put_padded(out, row->r_time[0] ? row->r_time : "-",
		    TABLE_TIME_LEN);
		put_padded(out, cell(t, row->r_who), w->tw_who);
		put_padded(out, cell(t, row->r_action), w->tw_action);
		put_padded(out, cell(t, row->r_object), w->tw_object);
		oc = row_outcome(t, row, &status);
		if (status >= 0)
			fprintf(out, "%s %d\n", oc[0] ? oc : "-", status);
		else
			fprintf(out, "%s\n", oc[0] ? oc : "-");
		if (ferror(out))
			return -1;
	}
	return ferror(out) ? -1 : 0;
}
