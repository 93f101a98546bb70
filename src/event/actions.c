/* actions.c -- classify a Docker API request (method, request-target) into
 * an action name by matching it against the route table in routes.c.
 *
 * Runs on every proxied request, so it allocates nothing and reads the
 * target once: normalise the absolute form, split off the query,
 * percent-decode into a stack buffer, reject what dockerd would not route
 * (control bytes, bad escapes, NUL, paths gorilla/mux redirects because
 * they are not clean), strip "/v<version>", binary-search the table for
 * the group of the first path segment and match templates in that group.
 * Everything that fails on the way is action "unknown". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event/actions.h"
#include "event/routes.h"

#define TARGET_MAX	8192	/* longer request-targets classify as unknown */

struct span {
	const char	*p;
	size_t		 n;
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

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

/* Match the whole of p[0..pn) against the rest of a template, t, walking
 * both a segment at a time: a literal segment must be equal, "{x}" takes
 * one non-empty segment, "{x*}" takes one or more so that the template's
 * remaining segments match the end of the path.  The first variable
 * matched goes to *ref unless ref->p is already set.  Fails at the first
 * segment that differs, which for most rows is the first one compared. */
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
		if (e[-1] == '*') {
			/* greedy: the segments after it (m of them) take the
			 * end of the path; the variable is what lies between */
			size_t m = 0, b = pn;
			for (const char *x = e + 1; *x != '\0'; x++)
				m += *x == '/';
			while (m > 0) {
				if (b <= pi)
					return false;
				if (p[--b] == '/')
					m--;
			}
			if (b <= pi || p[b - 1] == '/')
				return false;
			if (ref->p == NULL) {
				ref->p = p + pi;
				ref->n = b - pi;
			}
			return match_tmpl(e + 1, p + b, pn - b, ref);
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

/* dockerd's r.Form.Get(key) != "" for the query q[0..qn), as Go's
 * url.ParseQuery reads it: pairs split on '&', a pair holding ';' or a bad
 * escape is skipped, '+' is a space, the first value counts. */
static bool
query_nonempty(const char *q, size_t qn, const char *key)
{
	size_t i = 0;

	while (i < qn) {
		const char *pair = q + i;
		const char *amp = memchr(pair, '&', qn - i);
		size_t pl = amp != NULL ? (size_t)(amp - pair) : qn - i;

		i += pl + 1;
		if (pl == 0 || memchr(pair, ';', pl) != NULL)
			continue;

		/* decode the key on the fly and compare it to key */
		const char *kp = key;
		bool same = true, bad = false;
		size_t j = 0;
		for (; j < pl && pair[j] != '='; j++) {
			int c = (unsigned char)pair[j];
			if (c == '+')
				c = ' ';
			else if (c == '%') {
				int hi, lo;
				if (j + 2 >= pl ||
				    (hi = hexval((unsigned char)pair[j + 1])) < 0 ||
				    (lo = hexval((unsigned char)pair[j + 2])) < 0) {
					bad = true;
					break;
				}
				c = hi << 4 | lo;
				j += 2;
			}
			if (same && *kp != '\0' && (unsigned char)*kp == c)
				kp++;
			else
				same = false;
		}
		if (bad || !same || *kp != '\0')
			continue;

		/* the value: non-empty when it has at least one byte and
		 * every escape in it is valid */
		size_t v = j < pl ? j + 1 : pl;
		for (size_t x = v; x < pl; x++) {
			if (pair[x] == '%') {
				if (x + 2 >= pl || hexval((unsigned char)pair[x + 1]) < 0 ||
				    hexval((unsigned char)pair[x + 2]) < 0) {
					bad = true;
					break;
				}
				x += 2;
			}
		}
		if (bad)
			continue;
		return v < pl;
	}
	return false;
}

/* The first row of group g that matches method, path p[0..pn) (of which
 * the first skip bytes are known to match) and query q[0..qn); its index
 * in the group, or -1.  *ref gets its first path variable. */
static long
scan_group(const struct route_group *g, size_t skip, const char *method,
    const char *p, size_t pn, const char *q, size_t qn, struct span *ref)
{
	for (size_t i = 0; i < g->rg_count; i++) {
		const struct route *r = &g->rg_rows[i];

		ref->p = NULL;
		ref->n = 0;
		if (r->rt_method[0] != method[0] ||
		    strcmp(r->rt_method, method) != 0 ||
		    !match_tmpl(r->rt_tmpl + skip, p + skip, pn - skip, ref))
			continue;
		if (r->rt_query != NULL &&
		    (q == NULL || !query_nonempty(q, qn, r->rt_query)))
			continue;
		return (long)i;
	}
	return -1;
}

static void
set_unknown(const char *method, struct route_match *m)
{
	m->action = "unknown";
	m->object_type = NULL;
	m->object_ref[0] = '\0';
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
 * but for api_version.  *gi gets the row's group. */
static const struct route *
classify(const char *method, const char *target, size_t target_len,
    struct route_match *m, size_t *gi)
{
	char dec[TARGET_MAX];
	const char *p, *q = NULL;
	size_t pn, qn = 0;

	m->api_version[0] = '\0';
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
		q = qm + 1;
		qn = pn - (size_t)(q - p);
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
			    (h = hexval((unsigned char)p[i + 1])) < 0 ||
			    (l = hexval((unsigned char)p[i + 2])) < 0)
				return NULL;
			if (h == 0 && l == 0)	/* decoded NUL */
				return NULL;
			dec[o++] = (char)(h << 4 | l);
			i += 2;
		}
		p = dec;
		pn = o;
	}
	if (!path_clean(p, pn))
		return NULL;

	/* "/v<digits and dots>" is the API version ("/v1.41" alone is "/") */
	if (pn >= 3 && p[1] == 'v') {
		size_t i = 2;
		while (i < pn && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
			i++;
		if (i > 2 && (i == pn || p[i] == '/')) {
			copy_trunc(m->api_version, sizeof(m->api_version),
			    p + 2, i - 2);
			p += i;
			pn -= i;
			if (pn == 0)
				return NULL;
		}
	}

	/* the group named by the first segment (binary search; the last
	 * group, "", holds the rows that start with a variable), then that
	 * last group.  The first row that matches wins; the table is ordered
	 * so that a row with variables never shadows an all-literal row. */
	const char *seg = p + 1;
	size_t sl = seglen(seg, pn - 1);
	size_t lo = 0, hi = route_groups_len - 1, g = route_groups_len - 1;
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
	struct span ref;
	long row = -1;
	if (g + 1 < route_groups_len)	/* rows share "/<seg>": skip it */
		row = scan_group(&route_groups[g], 1 + sl, method, p, pn, q, qn,
		    &ref);
	if (row < 0) {
		g = route_groups_len - 1;
		row = scan_group(&route_groups[g], 0, method, p, pn, q, qn, &ref);
	}
	if (row < 0)
		return NULL;

	const struct route *r = &route_groups[g].rg_rows[row];
	m->action = r->rt_action;
	m->object_type = r->rt_objtype;
	m->flags = r->rt_flags;
	m->object_ref[0] = '\0';
	if (r->rt_objtype != NULL && ref.p != NULL)
		copy_trunc(m->object_ref, sizeof(m->object_ref), ref.p, ref.n);
	*gi = g;
	return r;
}

long
actions__classify(const char *method, const char *target, size_t target_len,
    struct route_match *m)
{
	size_t g;
	const struct route *r = classify(method, target, target_len, m, &g);
	long row;

	if (r == NULL) {
		set_unknown(method, m);
		return -1;
	}
	row = (long)(r - route_groups[g].rg_rows);
	for (size_t i = 0; i < g; i++)
		row += (long)route_groups[i].rg_count;
	return row;
}

void
actions_classify(const char *method, const char *target, size_t target_len,
    struct route_match *m)
{
	size_t g;

	if (classify(method, target, target_len, m, &g) == NULL)
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
