/* actions.c -- classify a Docker API request (method, request-target) into
 * an action name by matching it against the route table in routes.c.
 *
 * Runs on every proxied request, so it allocates nothing (but for a
 * condition's boolean longer than 256 bytes) and reads the target once:
 * normalise the absolute form, split off the query, percent-decode into
 * a stack buffer, reject what dockerd would not route (control bytes, bad
 * escapes, NUL, paths gorilla/mux redirects because they are not clean),
 * strip "/v<version>/", binary-search the table for the group of the
 * first path segment and match templates in that group; conditions read
 * dockerd's r.Form (event/form.h).  Everything that fails on the way is
 * action "unknown".  Also: API version comparison as dockerd's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "event/actions.h"
#include "event/form.h"
#include "event/routes.h"

#define TARGET_MAX	8192	/* longer request-targets classify as unknown */

struct span {
	const char	*p;
	size_t		 n;
};

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does s[0..n) hold a byte <= 0x20 or 0x7f?  Eight bytes at a time: the
 * exact "has a byte less than" and "has a zero byte" word tests. */
static bool
has_ctl(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, d;
		memcpy(&w, s + i, 8);
		d = w ^ (ones * 0x7f);
		if ((((w - ones * 0x21) & ~w) | ((d - ones) & ~d)) & highs)
			return true;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Copy src into dst, truncated to at most cap-1 bytes without splitting a
 * UTF-8 sequence, and NUL-terminate. */
static void
copy_trunc(char *dst, size_t cap, const char *src, size_t n)
{
	if (n > cap - 1) {
		n = cap - 1;
		/* back up over continuation bytes to the start of the
		 * sequence the cut would split */
		size_t k = n;
		while (k > 0 && n - k < 3 &&
		    ((unsigned char)src[k] & 0xc0) == 0x80)
			k--;
		if (((unsigned char)src[k] & 0xc0) != 0x80)
			n = k;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Length of the segment starting at p[0] (just after a '/'). */
static size_t
seglen(const char *p, size_t n)
{
	const char *e = memchr(p, '/', n);

	return e != NULL ? (size_t)(e - p) : n;
}

/* Byte-order comparison of a group name with the segment seg[0..sl); a
 * prefix sorts first.  Returns <0, 0, >0. */
static int
group_cmp(const char *name, const char *seg, size_t sl)
{
	for (size_t i = 0; ; i++) {
		int nc = (unsigned char)name[i];
		int sc = i < sl ? (unsigned char)seg[i] : 0;

		if (nc != sc || nc == 0)
			return nc - sc;
	}
}

/* Match the whole of p[0..pn) against the rest of a template, t, as
 * gorilla/mux matches moby's anchored regular expression: a literal
 * segment must be equal, "{x}" takes one non-empty segment ([^/]+),
 * "{x*}" takes any bytes but '\n' (.*) and "{x+}" at least one (.+), so
 * that the template's literal rest matches the end of the path.  The
 * first variable matched goes to *ref unless ref->p is already set. */
static bool
match_tmpl(const char *t, const char *p, size_t pn, struct span *ref)
{
	size_t pi = 0;

	while (*t != '\0') {
		if (*t != '/' || pi >= pn || p[pi] != '/')
			return false;
		t++;
		pi++;
		if (*t != '{') {
			for (; *t != '\0' && *t != '/'; t++, pi++)
				if (pi >= pn || p[pi] != *t)
					return false;
			if (pi < pn && p[pi] != '/')
				return false;
			continue;
		}

		const char *e = strchr(t, '}');
		if (e[-1] == '*' || e[-1] == '+') {
			/* greedy, then only literal text: the path must end
			 * with that text; the variable is what lies between */
			size_t sl = strlen(e + 1);
			if (pn - pi < sl || memcmp(p + pn - sl, e + 1, sl) != 0)
				return false;
			size_t vn = pn - sl - pi;
			if ((e[-1] == '+' && vn == 0) ||
			    memchr(p + pi, '\n', vn) != NULL)
				return false;
			if (ref->p == NULL) {
				ref->p = p + pi;
				ref->n = vn;
			}
			return true;
		}
		size_t s = pi;
		while (pi < pn && p[pi] != '/')
			pi++;
		if (pi == s)
			return false;
		if (ref->p == NULL) {
			ref->p = p + s;
			ref->n = pi - s;
		}
		t = e + 1;
	}
	return pi == pn;
}

/* Does row r's condition hold for form f? */
static bool
cond_holds(const struct route *r, const struct form *f)
{
	char c;

	if (r->rt_query == NULL)
		return true;
	if (r->rt_cond == ROUTE_COND_TRUE)
		return form_bool(f, r->rt_query) != 0;
	return form_get(f, r->rt_query, &c, 0) > 0;
}

/* The first row of group g that matches method, path p[0..pn) (of which
 * the first skip bytes are known to match) and form f; its index in the
 * group, or -1.  *ref gets its first path variable. */
static long
scan_group(const struct route_group *g, size_t skip, const char *method,
    const char *p, size_t pn, const struct form *f, struct span *ref)
{
	for (size_t i = 0; i < g->rg_count; i++) {
		const struct route *r = &g->rg_rows[i];

		ref->p = NULL;
		ref->n = 0;
		if (r->rt_method[0] != method[0] ||
		    strcmp(r->rt_method, method) != 0 ||
		    !match_tmpl(r->rt_tmpl + skip, p + skip, pn - skip, ref))
			continue;
		if (!cond_holds(r, f))
			continue;
		return (long)i;
	}
	return -1;
}

/* Route the decoded path p[0..pn): the group named by its first segment
 * (binary search), then the last group (rows starting with a variable).
 * Returns the row, *gi its group. */
static const struct route *
route_path(const char *method, const char *p, size_t pn,
    const struct form *f, struct span *ref, size_t *gi)
{
	const char *seg = p + 1;
	size_t sl = seglen(seg, pn - 1);
	size_t lo = 0, hi = route_groups_len - 1, g = route_groups_len - 1;
	long row = -1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = group_cmp(route_groups[mid].rg_name, seg, sl);
		if (c == 0) {
			g = mid;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (g + 1 < route_groups_len)	/* rows share "/<seg>": skip it */
		row = scan_group(&route_groups[g], 1 + sl, method, p, pn, f, ref);
	if (row < 0) {
		g = route_groups_len - 1;
		row = scan_group(&route_groups[g], 0, method, p, pn, f, ref);
	}
	if (row < 0)
		return NULL;
	*gi = g;
	return &route_groups[g].rg_rows[row];
}

/* Go's strconv.Atoi as versions.compare uses it: a syntax error is 0, a
 * value out of range is clamped. */
static long long
atoi_go(const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v <= (unsigned long long)INT64_MAX)
			v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (neg)
		return v > (unsigned long long)INT64_MAX + 1 ? INT64_MIN :
		    -(long long)(v - 1) - 1;
	return v > (unsigned long long)INT64_MAX ? INT64_MAX : (long long)v;
}

int
api_version_cmp(const char *v, int major, int minor)
{
	long long want[2] = { major, minor };
	const char *p;

	if (v == NULL || *v == '\0')
		v = ROUTE_DEFAULT_VERSION;
	p = v;
	for (int i = 0; ; i++) {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		long long x = atoi_go(p, l), w = i < 2 ? want[i] : 0;

		if (x != w)
			return x < w ? -1 : 1;
		if (dot == NULL) {
			/* Go's compare: missing parts are 0 */
			for (int k = i + 1; k < 2; k++)
				if (want[k] != 0)
					return want[k] > 0 ? -1 : 1;
			return 0;
		}
		p = dot + 1;
	}
}

int
api_version_lt(const char *v, int major, int minor)
{
	return api_version_cmp(v, major, minor) < 0;
}

/* Record the version text v[0..n) in m: as sent when it fits, else each
 * part as Atoi reads it (leading zeros dropped, clamped), trailing zero
 * parts dropped, cut at a part boundary: never a version that compares
 * differently with any "major.minor". */
static void
set_version(struct route_match *m, const char *v, size_t n)
{
	char out[ROUTE_VER_MAX];
	size_t o = 0, keep = 0;

	if (n < sizeof(m->api_version)) {
		memcpy(m->api_version, v, n);
		m->api_version[n] = '\0';
		return;
	}
	for (size_t i = 0, part = 0; i <= n; part++) {
		const char *dot = memchr(v + i, '.', n - i);
		size_t l = dot != NULL ? (size_t)(dot - (v + i)) : n - i;
		char num[24];
		int nl = snprintf(num, sizeof(num), "%lld", atoi_go(v + i, l));

		if (o + (part > 0) + (size_t)nl >= sizeof(out))
			break;
		if (part > 0)
			out[o++] = '.';
		memcpy(out + o, num, (size_t)nl);
		o += (size_t)nl;
		if (part < 2 || strcmp(num, "0") != 0)
			keep = o;
		i += l + 1;
	}
	memcpy(m->api_version, out, keep);
	m->api_version[keep] = '\0';
}

static void
set_unknown(const char *method, struct route_match *m)
{
	m->action = "unknown";
	m->object_type = NULL;
	m->object_ref[0] = '\0';
	m->route_row = -1;
	m->flags = ROUTE_MUTATING;
	if (method != NULL && (strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0))
		m->flags = 0;
}

/* Is p[0..n) a path gorilla/mux routes rather than redirects: starts with
 * '/', no empty segment except a trailing one, no "." or ".." segment. */
static bool
path_clean(const char *p, size_t n)
{
	if (n == 0 || p[0] != '/')
		return false;
	for (size_t i = 0; i < n; ) {
		size_t l = seglen(p + i + 1, n - i - 1);
		bool last = i + 1 + l == n;
		if (l == 0 && !last)
			return false;
		if ((l == 1 || l == 2) && p[i + 1] == '.' &&
		    (l == 1 || p[i + 2] == '.'))
			return false;
		i += 1 + l;
	}
	return true;
}

/* Classify into *m; returns the matching row, or NULL with *m untouched
 * but for api_version.  *gi gets the row's group.  body, if not NULL, is
 * the urlencoded form body dockerd's ParseForm reads first. */
static const struct route *
classify(const char *method, const char *target, size_t target_len,
    const char *body, size_t body_len, struct route_match *m, size_t *gi)
{
	char dec[TARGET_MAX];
	const char *p;
	size_t pn;
	struct form f = { body, body_len, NULL, 0 };

	m->api_version[0] = '\0';
	m->route_row = -1;
	if (method == NULL || target == NULL || target_len == 0 ||
	    target_len > TARGET_MAX)
		return NULL;

	/* no control bytes, spaces or DEL anywhere (Go rejects them) */
	if (has_ctl(target, target_len))
		return NULL;

	/* split off the query (before the authority, as Go does) */
	p = target;
	pn = target_len;
	const char *qm = memchr(p, '?', pn);
	if (qm != NULL) {
		f.query = qm + 1;
		f.query_len = pn - (size_t)(f.query - p);
		pn = (size_t)(qm - p);
	}

	/* absolute form: scheme "://" authority path */
	if (pn > 0 && p[0] != '/') {
		size_t i = 0;
		while (i < pn && (is_alpha(p[i]) ||
		    (i > 0 && ((p[i] >= '0' && p[i] <= '9') || p[i] == '+' ||
		    p[i] == '-' || p[i] == '.'))))
			i++;
		if (i == 0)
			return NULL;
		if (pn - i < 3 || memcmp(p + i, "://", 3) != 0)
			return NULL;
		i += 3;
		const char *slash = memchr(p + i, '/', pn - i);
		if (slash == NULL)
			return NULL;
		pn -= (size_t)(slash - p);
		p = slash;
	}

	/* percent-decode the path, only if it needs it */
	if (memchr(p, '%', pn) != NULL) {
		size_t o = 0;
		for (size_t i = 0; i < pn; i++) {
			if (p[i] != '%') {
				dec[o++] = p[i];
				continue;
			}
			int h, l;
			if (i + 2 >= pn ||
			    (h = text_hexval((unsigned char)p[i + 1])) < 0 ||
			    (l = text_hexval((unsigned char)p[i + 2])) < 0)
				return NULL;
			if (h == 0 && l == 0)	/* decoded NUL: see actions.md */
				return NULL;
			dec[o++] = (char)(h << 4 | l);
			i += 2;
		}
		p = dec;
		pn = o;
	}
	if (!path_clean(p, pn))
		return NULL;

	/* "/v{version:[0-9.]+}/...": each route is registered with that
	 * prefix first, then bare, so a versioned path matches a route's
	 * versioned form if its rest matches, and only then any bare
	 * template that takes the whole path (OPTIONS /{anyroute:.*}) */
	struct span ref;
	const struct route *r = NULL;
	if (pn >= 3 && p[1] == 'v') {
		size_t i = 2;
		while (i < pn && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
			i++;
		if (i > 2 && i < pn && p[i] == '/') {
			set_version(m, p + 2, i - 2);
			r = route_path(method, p + i, pn - i, &f, &ref, gi);
		}
	}
	if (r == NULL) {
		r = route_path(method, p, pn, &f, &ref, gi);
		if (r != NULL)
			m->api_version[0] = '\0';
	}
	if (r == NULL)
		return NULL;

	m->action = r->rt_action;
	m->object_type = r->rt_objtype;
	m->flags = r->rt_flags;
	m->object_ref[0] = '\0';
	if (r->rt_objtype != NULL && ref.p != NULL)
		copy_trunc(m->object_ref, sizeof(m->object_ref), ref.p, ref.n);
	m->route_row = (long)(r - route_groups[*gi].rg_rows);
	for (size_t i = 0; i < *gi; i++)
		m->route_row += (long)route_groups[i].rg_count;
	return r;
}

long
actions__classify(const char *method, const char *target, size_t target_len,
    struct route_match *m)
{
	size_t g;

	if (classify(method, target, target_len, NULL, 0, m, &g) == NULL) {
		set_unknown(method, m);
		return -1;
	}
	return m->route_row;
}

void
actions_classify(const char *method, const char *target, size_t target_len,
    struct route_match *m)
{
	size_t g;

	if (classify(method, target, target_len, NULL, 0, m, &g) == NULL)
		set_unknown(method, m);
}

void
actions_classify_form(const char *method, const char *target,
    size_t target_len, const char *body, size_t body_len,
    struct route_match *m)
{
	size_t g;

	/* ParseForm reads a body for these methods only */
	if (method == NULL || (strcmp(method, "POST") != 0 &&
	    strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0))
		body = NULL;
	if (classify(method, target, target_len, body, body_len, m,
	    &g) == NULL)
		set_unknown(method, m);
}

const struct route *
actions__row(size_t i)
{
	for (size_t g = 0; g < route_groups_len; g++) {
		if (i < route_groups[g].rg_count)
			return &route_groups[g].rg_rows[i];
		i -= route_groups[g].rg_count;
	}
	return NULL;
}

size_t
actions_count(void)
{
	size_t n = 0;

	for (size_t g = 0; g < route_groups_len; g++)
		n += route_groups[g].rg_count;
	return n;
}

void
actions_entry(size_t i, const char **method, const char **tmpl,
    const char **action)
{
	const struct route *r = actions__row(i);

	*method = r != NULL ? r->rt_method : NULL;
	*tmpl = r != NULL ? r->rt_tmpl : NULL;
	*action = r != NULL ? r->rt_action : NULL;
}

unsigned
actions_entry_flags(size_t i)
{
	const struct route *r = actions__row(i);

	return r != NULL ? r->rt_flags : 0;
}
