/* cmdline.c -- record a caller's argv with the secrets in it redacted
 * (see cmdline.h).  The rules know the docker CLI and curl, the two
 * clients operators paste secrets into, plus generic NAME=value pairs whose
 * name says "password", "secret", "token" or "key". */
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "capture/cmdline.h"
#include "event/redact.h"

enum next_rule {
	NEXT_NONE,
	NEXT_WHOLE,	/* the next argument is a secret */
	NEXT_ASSIGN,	/* NAME=value: keep NAME */
	NEXT_HEADER,	/* "Name: value": keep Name unless it is secret */
	NEXT_USERPASS,	/* user:password */
	NEXT_DATA	/* a request body (curl -d): JSON redacted like a body */
};

#define ARG_MAX_LEN 4096

static int
arg_is(const char *a, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && memcmp(a, lit, l) == 0;
}

static int
arg_prefix(const char *a, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n > l && memcmp(a, lit, l) == 0;
}

static int
name_is_secretish(const char *s, size_t n)
{
	static const char *words[] = { "password", "passwd", "secret", "token",
	    "apikey", "api_key", "credential", "private_key", NULL };

	for (int i = 0; words[i] != NULL; i++) {
		size_t wl = strlen(words[i]);

		for (size_t j = 0; j + wl <= n; j++)
			if (strncasecmp(s + j, words[i], wl) == 0)
				return 1;
	}
	return 0;
}

/* Write arg with the part from `keep` on replaced by the redaction marker. */
static void
write_kept(struct jw *w, const char *a, size_t keep)
{
	struct buf b;

	buf_init(&b, ARG_MAX_LEN + 32);
	buf_append(&b, a, keep);
	buf_puts(&b, REDACTED);
	jw_strn(w, NULL, b.data, b.len);
	buf_free(&b);
}

static void
write_assign(struct jw *w, const char *a, size_t n, size_t start)
{
	const char *eq = memchr(a + start, '=', n - start);

	if (eq == NULL)
		jw_strn(w, NULL, a, n);	/* a bare name: no value to hide */
	else
		write_kept(w, a, (size_t)(eq - a) + 1);
}

/* A request body given on the command line (curl -d '{"password":...}'):
 * JSON is written with the body redaction rules; other text is hidden
 * whole if it names a secret. */
static void
write_data(struct jw *w, const char *a, size_t n)
{
	struct json *j = json_parse(a, n, NULL);
	struct buf b;
	struct jw bw;

	if (j == NULL) {
		if (name_is_secretish(a, n))
			jw_str(w, NULL, REDACTED);
		else
			jw_strn(w, NULL, a, n);
		return;
	}
	buf_init(&b, BUF_UNLIMITED);
	jw_init(&bw, &b);
	redact_json("unknown", j, &bw, NULL);
	if (bw.err == 0)
		jw_strn(w, NULL, b.data, b.len);
	else
		jw_str(w, NULL, REDACTED);
	buf_free(&b);
	json_free(j);
}

/* scheme://user:pass@host -> scheme://user:[redacted]@host */
static int
write_url_userinfo(struct jw *w, const char *a, size_t n)
{
	const char *s = memmem(a, n, "://", 3), *at, *colon, *slash;
	struct buf b;

	if (s == NULL)
		return 0;
	s += 3;
	slash = memchr(s, '/', n - (size_t)(s - a));
	at = memchr(s, '@', (size_t)((slash ? slash : a + n) - s));
	if (at == NULL)
		return 0;
	colon = memchr(s, ':', (size_t)(at - s));
	if (colon == NULL)
		return 0;
	buf_init(&b, ARG_MAX_LEN + 32);
	buf_append(&b, a, (size_t)(colon - a) + 1);
	buf_puts(&b, REDACTED);
	buf_append(&b, at, n - (size_t)(at - a));
	jw_strn(w, NULL, b.data, b.len);
	buf_free(&b);
	return 1;
}

static enum next_rule
write_arg(struct jw *w, const char *a, size_t n, int login, int curl)
{
	const char *eq;

	if (arg_is(a, n, "--password") || (login && arg_is(a, n, "-p")))
		return jw_strn(w, NULL, a, n), NEXT_WHOLE;
	if (arg_prefix(a, n, "--password="))
		return write_kept(w, a, 11), NEXT_NONE;
	if (login && arg_prefix(a, n, "-p"))
		return write_kept(w, a, 2), NEXT_NONE;
	if (arg_is(a, n, "-e") || arg_is(a, n, "--env") ||
	    arg_is(a, n, "--build-arg"))
		return jw_strn(w, NULL, a, n), NEXT_ASSIGN;
	if (arg_prefix(a, n, "--env="))
		return write_assign(w, a, n, 6), NEXT_NONE;
	if (arg_prefix(a, n, "--build-arg="))
		return write_assign(w, a, n, 12), NEXT_NONE;
	if (!curl && arg_prefix(a, n, "-e") && a[2] != '-')
		return write_assign(w, a, n, 2), NEXT_NONE;
	if (arg_is(a, n, "-H") || arg_is(a, n, "--header"))
		return jw_strn(w, NULL, a, n), NEXT_HEADER;
	if (curl && (arg_is(a, n, "-u") || arg_is(a, n, "--user")))
		return jw_strn(w, NULL, a, n), NEXT_USERPASS;
	if (curl && (arg_is(a, n, "-d") || arg_is(a, n, "--data") ||
	    arg_is(a, n, "--data-raw") || arg_is(a, n, "--data-binary") ||
	    arg_is(a, n, "--data-ascii") || arg_is(a, n, "--json")))
		return jw_strn(w, NULL, a, n), NEXT_DATA;
	if (curl && arg_prefix(a, n, "-d") && a[2] != '@') {
		jw_str(w, NULL, "-d");
		write_data(w, a + 2, n - 2);
		return NEXT_NONE;
	}
	if (write_url_userinfo(w, a, n))
		return NEXT_NONE;
	if ((eq = memchr(a, '=', n)) != NULL && a[0] != '-' &&
	    name_is_secretish(a, (size_t)(eq - a)))
		return write_kept(w, a, (size_t)(eq - a) + 1), NEXT_NONE;
	/* --log-opt=splunk-token=x, o=addr=h,password=x, Authorization: x */
	redact_write_message(w, NULL, a, n);
	return NEXT_NONE;
}

static void
write_after(struct jw *w, enum next_rule rule, const char *a, size_t n)
{
	const char *c;

	switch (rule) {
	case NEXT_WHOLE:
		jw_str(w, NULL, REDACTED);
		break;
	case NEXT_ASSIGN:
		write_assign(w, a, n, 0);
		break;
	case NEXT_HEADER:
		c = memchr(a, ':', n);
		if (c != NULL && redact_header_is_secret(a, (size_t)(c - a)))
			write_kept(w, a, (size_t)(c - a) + 1);
		else
			jw_strn(w, NULL, a, n);
		break;
	case NEXT_USERPASS:
		c = memchr(a, ':', n);
		if (c != NULL)
			write_kept(w, a, (size_t)(c - a) + 1);
		else
			jw_strn(w, NULL, a, n);
		break;
	case NEXT_DATA:
		write_data(w, a, n);
		break;
	case NEXT_NONE:
		redact_write_message(w, NULL, a, n);
		break;
	}
}

void
cmdline_write(struct jw *w, const char *key, const char *raw, size_t n,
    size_t max_args, int *truncated)
{
	const char *p = raw, *end = raw + n;
	enum next_rule rule = NEXT_NONE;
	int login = 0, curl = 0;
	size_t count = 0;

	*truncated = 0;
	/* Context: which program, and is it `docker login`? */
	for (const char *q = raw; q < end; q += strlen(q) + 1) {
		size_t l = strnlen(q, (size_t)(end - q));

		if (q == raw) {
			const char *base = memrchr(q, '/', l);
			base = base ? base + 1 : q;
			curl = arg_is(base, l - (size_t)(base - q), "curl");
		}
		if (arg_is(q, l, "login"))
			login = 1;
		if (l == (size_t)(end - q))
			break;
	}
	jw_arr_begin(w, key);
	while (p < end) {
		size_t l = strnlen(p, (size_t)(end - p));

		if (count == max_args || l > ARG_MAX_LEN) {
			*truncated = 1;
			if (l > ARG_MAX_LEN && count < max_args)
				write_kept(w, p, 0);	/* too long to vet: hide */
			break;
		}
		if (rule != NEXT_NONE) {
			write_after(w, rule, p, l);
			rule = NEXT_NONE;
		} else {
			rule = write_arg(w, p, l, login, curl);
		}
		count++;
		p += l + 1;
	}
	jw_arr_end(w);
}
