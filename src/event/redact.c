/* redact.c -- keeps secrets out of the journal (rules in redact.h and
 * DESIGN.md section 3).  A body is re-serialised member by member straight
 * into the record's buffer with every secret value replaced by "[redacted]"
 * or, when a hash key is set, "[redacted:hmac:<16 hex>]" (HMAC-SHA256 of the
 * value, truncated, so equal secrets correlate).
 *
 * Key names match like dockerd's decoder matches them (json_key_match: any
 * letter case, and the Unicode runes Go folds to ASCII), so no spelling that
 * dockerd would read as Password slips through as something else.  Beyond
 * the key list: Env arrays keep names only, mount option strings ("o",
 * e.g. "username=u,password=p") lose their secret options, and URL user
 * info ("https://user:token@host") is replaced in every string. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base/buf.h"
#include "base/err.h"
#include "event/redact.h"

/* HMAC's own rule: keys longer than SHA-256's block are hashed first, so
 * storing the hash of a long key gives the same MACs. */
static unsigned char	hash_key[SHA256_CBLOCK];
static size_t		hash_keylen;
static int		hash_on;

#define SECRET_MAX	40	/* "[redacted:hmac:" + 16 hex + "]" + NUL */

#define K(s)	{ s, sizeof(s) - 1 }
static const struct {
	const char	*name;	/* lower case */
	size_t		 len;
} secret_keys[] = {
	K("password"), K("secret"), K("data"), K("jointoken"), K("jointokens"),
	K("signingcakey"), K("unlockkey"), K("token"), K("identitytoken"),
	K("registrytoken"), K("auth"), { NULL, 0 }
};
#undef K

void
redact_set_hash_key(const unsigned char *key, size_t len)
{
	OPENSSL_cleanse(hash_key, sizeof(hash_key));
	hash_keylen = 0;
	hash_on = 0;
	if (key == NULL)
		return;
	if (len > sizeof(hash_key)) {
		SHA256(key, len, hash_key);
		hash_keylen = SHA256_DIGEST_LENGTH;
	} else {
		memcpy(hash_key, key, len);
		hash_keylen = len;
	}
	hash_on = 1;
}

/* The replacement text for value into out[SECRET_MAX]; its length. */
static size_t
secret_text(char *out, const void *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i, o;

	if (!hash_on || HMAC(EVP_sha256(), hash_key, (int)hash_keylen,
	    value ? value : "", len, md, &mdlen) == NULL || mdlen < 8) {
		memcpy(out, REDACTED, sizeof(REDACTED));
		return sizeof(REDACTED) - 1;
	}
	memcpy(out, "[redacted:hmac:", 15);
	for (i = 0, o = 15; i < 8; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o++] = ']';
	out[o] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return o;
}

/* a equals the lower-case ASCII lit of n bytes, ignoring ASCII case */
static int
ieqn(const char *a, size_t al, const char *lit, size_t n)
{
	size_t i;

	if (al != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)a[i];

		if (c - 'A' < 26)
			c += 32;
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

static int
ieq(const char *a, size_t al, const char *lit)
{
	return ieqn(a, al, lit, strlen(lit));
}

/* json_key_match(k, kl, lit) for a lower-case ASCII lit, with the common
 * case (an ASCII name) answered without Unicode folding. */
static int
key_is(const char *k, size_t kl, const char *lit)
{
	size_t i;

	for (i = 0; i < kl; i++)
		if ((unsigned char)k[i] >= 0x80)
			return json_key_match(k, kl, lit);
	return ieq(k, kl, lit);
}

enum kclass { K_PLAIN, K_SECRET, K_ENV, K_OPTS };

/* What a member's name makes of its value.  ASCII names (nearly all) are
 * compared by length first, without Unicode folding. */
static enum kclass
classify(const char *k, size_t kl)
{
	size_t i;

	for (i = 0; i < kl; i++)
		if ((unsigned char)k[i] >= 0x80)
			break;
	if (i == kl) {
		if (kl == 1)
			return ieqn(k, kl, "o", 1) ? K_OPTS : K_PLAIN;
		if (kl == 3)
			return ieqn(k, kl, "env", 3) ? K_ENV : K_PLAIN;
		for (i = 0; secret_keys[i].name != NULL; i++)
			if (secret_keys[i].len == kl && ieqn(k, kl,
			    secret_keys[i].name, kl))
				return K_SECRET;
		return K_PLAIN;
	}
	for (i = 0; secret_keys[i].name != NULL; i++)
		if (json_key_match(k, kl, secret_keys[i].name))
			return K_SECRET;
	if (json_key_match(k, kl, "env"))
		return K_ENV;
	return json_key_match(k, kl, "o") ? K_OPTS : K_PLAIN;
}

static int
is_secret_key(const char *k, size_t kl)
{
	return classify(k, kl) == K_SECRET;
}

/* ---- writing into the record's buffer ---- */

struct rd {
	struct buf	*b;
	int		 rc;	/* first error */
};

static inline void
put(struct rd *r, const char *s, size_t n)
{
	struct buf *b = r->b;

	if (r->rc != 0)
		return;
	if (b->data != NULL && n <= b->cap - b->len && n <= b->max - b->len) {
		memcpy(b->data + b->len, s, n);	/* room already there */
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	r->rc = buf_append(b, s, n);
}

static void
put_esc(struct rd *r, const char *s, size_t n)
{
	if (r->rc == 0)
		r->rc = json_escape(r->b, s, n);
}

/* Escaped string content with the user info of any URL replaced. */
static void
put_scrubbed(struct rd *r, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *sch, *auth, *ae, *at, *q;
	char sec[SECRET_MAX];

	while ((sch = memmem(p, (size_t)(end - p), "://", 3)) != NULL) {
		auth = sch + 3;
		for (ae = auth; ae < end && *ae != '/' && *ae != '?' &&
		    *ae != '#' && *ae != ' ' && *ae != '"'; ae++)
			;
		at = NULL;
		for (q = auth; q < ae; q++)
			if (*q == '@')
				at = q;
		if (at == NULL || at == auth) {
			put_esc(r, p, (size_t)(auth - p));
			p = auth;
			continue;
		}
		put_esc(r, p, (size_t)(auth - p));
		put(r, sec, secret_text(sec, auth, (size_t)(at - auth)));
		p = at;
	}
	put_esc(r, p, (size_t)(end - p));
}

static void
put_string(struct rd *r, const char *s, size_t n)
{
	put(r, "\"", 1);
	put_scrubbed(r, s, n);
	put(r, "\"", 1);
}

/* The replacement for a whole value; null stays null (it hides nothing). */
static void
put_secret(struct rd *r, const struct json *v)
{
	char sec[SECRET_MAX];
	struct buf tmp;
	size_t n;

	if (json_type(v) == JSON_NULL) {
		put(r, "null", 4);
		return;
	}
	if (json_type(v) == JSON_STRING || !hash_on) {
		n = secret_text(sec, json_str(v), json_strlen(v));
	} else {
		/* hash the compact text of a non-string */
		buf_init(&tmp, BUF_UNLIMITED);
		if (json_dump(v, &tmp) != 0) {
			buf_free(&tmp);
			r->rc = r->rc ? r->rc : DA_E_NOMEM;
			return;
		}
		n = secret_text(sec, tmp.data, tmp.len);
		OPENSSL_cleanse(tmp.data, tmp.len);
		buf_free(&tmp);
	}
	put(r, "\"", 1);
	put(r, sec, n);
	put(r, "\"", 1);
}

/* "NAME=value" -> "NAME=[redacted]"; no '=' means a name only. */
static void
put_env_entry(struct rd *r, const struct json *e)
{
	const char *s = json_str(e), *eq;
	char sec[SECRET_MAX];
	size_t n = json_strlen(e);

	if (json_type(e) != JSON_STRING) {
		put_secret(r, e);
		return;
	}
	if ((eq = memchr(s, '=', n)) == NULL) {
		put_string(r, s, n);
		return;
	}
	put(r, "\"", 1);
	put_esc(r, s, (size_t)(eq - s) + 1);
	put(r, sec, secret_text(sec, eq + 1, n - (size_t)(eq - s) - 1));
	put(r, "\"", 1);
}

static void
put_env(struct rd *r, const struct json *v)
{
	size_t i;

	if (json_type(v) != JSON_ARRAY) {
		put_secret(r, v);
		return;
	}
	put(r, "[", 1);
	for (i = 0; i < json_len(v); i++) {
		if (i > 0)
			put(r, ",", 1);
		put_env_entry(r, json_at(v, i));
	}
	put(r, "]", 1);
}

/* Mount options "a=b,password=c": secret options lose their value. */
static void
put_mount_opts(struct rd *r, const char *s, size_t n)
{
	char sec[SECRET_MAX];
	const char *eq;
	size_t i, start = 0, kl;

	put(r, "\"", 1);
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		eq = memchr(s + start, '=', i - start);
		kl = eq ? (size_t)(eq - (s + start)) : 0;
		if (eq != NULL && (is_secret_key(s + start, kl) ||
		    ieq(s + start, kl, "pass") || ieq(s + start, kl, "passwd"))) {
			put_esc(r, s + start, kl + 1);
			put(r, sec, secret_text(sec, eq + 1,
			    i - start - kl - 1));
		} else {
			put_scrubbed(r, s + start, i - start);
		}
		if (i < n)
			put(r, ",", 1);
		start = i + 1;
	}
	put(r, "\"", 1);
}

static void put_value(struct rd *, const struct json *);

static void
put_member_value(struct rd *r, const char *k, size_t kl,
    const struct json *v)
{
	switch (classify(k, kl)) {
	case K_SECRET:
		put_secret(r, v);
		break;
	case K_ENV:
		put_env(r, v);
		break;
	case K_OPTS:
		if (json_type(v) == JSON_STRING) {
			put_mount_opts(r, json_str(v), json_strlen(v));
			break;
		}
		/* FALLTHROUGH */
	default:
		put_value(r, v);
		break;
	}
}

static void
put_key(struct rd *r, const struct json *o, size_t i)
{
	put(r, "\"", 1);
	put_esc(r, json_key_at(o, i), json_keylen_at(o, i));
	put(r, "\":", 2);
}

static void
put_value(struct rd *r, const struct json *v)
{
	size_t i;

	switch (json_type(v)) {
	case JSON_OBJECT:
		put(r, "{", 1);
		for (i = 0; i < json_len(v); i++) {
			if (i > 0)
				put(r, ",", 1);
			put_key(r, v, i);
			put_member_value(r, json_key_at(v, i),
			    json_keylen_at(v, i), json_at(v, i));
		}
		put(r, "}", 1);
		break;
	case JSON_ARRAY:
		put(r, "[", 1);
		for (i = 0; i < json_len(v); i++) {
			if (i > 0)
				put(r, ",", 1);
			put_value(r, json_at(v, i));
		}
		put(r, "]", 1);
		break;
	case JSON_STRING:
		put_string(r, json_str(v), json_strlen(v));
		break;
	default:
		if (r->rc == 0)
			r->rc = json_dump(v, r->b);
		break;
	}
}

/* /auth: only username and serveraddress (strings) survive. */
static void
put_auth(struct rd *r, const struct json *v)
{
	const struct json *m;
	const char *k;
	size_t i, kl;

	if (json_type(v) != JSON_OBJECT) {
		put_secret(r, v);
		return;
	}
	put(r, "{", 1);
	for (i = 0; i < json_len(v); i++) {
		k = json_key_at(v, i);
		kl = json_keylen_at(v, i);
		m = json_at(v, i);
		if (i > 0)
			put(r, ",", 1);
		put_key(r, v, i);
		if ((key_is(k, kl, "username") ||
		    key_is(k, kl, "serveraddress")) &&
		    (json_type(m) == JSON_STRING || json_type(m) == JSON_NULL))
			put_value(r, m);
		else
			put_secret(r, m);
	}
	put(r, "}", 1);
}

static int
act(const char *action, const char *name)
{
	return action != NULL && strcmp(action, name) == 0;
}

void
redact_json(const char *action, const struct json *body, struct jw *w,
    const char *key)
{
	struct rd r;

	if (jw_value_begin(w, key) != 0)
		return;
	r.b = w->b;
	r.rc = 0;
	if (act(action, "auth.login"))
		put_auth(&r, body);
	else if (act(action, "plugin.set"))
		put_env(&r, body);	/* ["KEY=value", ...] */
	else if (json_type(body) != JSON_OBJECT && (act(action, "secret.create") ||
	    act(action, "secret.update") || act(action, "config.create") ||
	    act(action, "config.update") || act(action, "swarm.join") ||
	    act(action, "swarm.unlock")))
		put_secret(&r, body);	/* dockerd refuses it; hide it anyway */
	else
		put_value(&r, body);
	if (r.rc != 0 && w->err == 0)
		w->err = r.rc;
}

static int
has_ci(const char *s, size_t n, const char *lit)
{
	size_t i, ll = strlen(lit);

	for (i = 0; i + ll <= n; i++)
		if (ieq(s + i, ll, lit))
			return 1;
	return 0;
}

int
redact_header_is_secret(const char *name, size_t len)
{
	return has_ci(name, len, "auth") || has_ci(name, len, "token") ||
	    has_ci(name, len, "secret") || has_ci(name, len, "passw") ||
	    has_ci(name, len, "cookie") || ieq(name, len, "x-registry-config");
}

int
redact_query_is_secret(const char *action, const char *name)
{
	(void)action;
	if (name == NULL)
		return 0;
	return strcmp(name, "buildargs") == 0 ||
	    is_secret_key(name, strlen(name));
}

void
redact_write_secret(struct jw *w, const char *key, const char *value,
    size_t len)
{
	char sec[SECRET_MAX];

	jw_strn(w, key, sec, secret_text(sec, value, len));
}

/* buildargs={"NAME":"value",...}: names kept, values redacted. */
static void
put_buildargs(struct rd *r, const char *value, size_t len)
{
	struct json *m = json_parse(value, len, NULL);
	size_t i;

	if (json_type(m) != JSON_OBJECT) {
		char sec[SECRET_MAX];

		put(r, "\"", 1);
		put(r, sec, secret_text(sec, value, len));
		put(r, "\"", 1);
		json_free(m);
		return;
	}
	put(r, "{", 1);
	for (i = 0; i < json_len(m); i++) {
		if (i > 0)
			put(r, ",", 1);
		put_key(r, m, i);
		put_secret(r, json_at(m, i));
	}
	put(r, "}", 1);
	json_free(m);
}

/* A query value: name decides the redaction, key is the member written
 * (NULL inside an array). */
static void
query_value(const char *action, const char *name, const char *key,
    const char *value, size_t len, struct jw *w)
{
	struct rd r;

	if (value == NULL) {
		jw_null(w, key);
		return;
	}
	if (name != NULL && strcmp(name, "buildargs") == 0) {
		if (jw_value_begin(w, key) != 0)
			return;
		r.b = w->b;
		r.rc = 0;
		put_buildargs(&r, value, len);
		if (r.rc != 0 && w->err == 0)
			w->err = r.rc;
		return;
	}
	if (redact_query_is_secret(action, name)) {
		redact_write_secret(w, key, value, len);
		return;
	}
	if (jw_value_begin(w, key) != 0)
		return;
	r.b = w->b;
	r.rc = 0;
	put_string(&r, value, len);
	if (r.rc != 0 && w->err == 0)
		w->err = r.rc;
}

void
redact_query_value(const char *action, const char *name, const char *value,
    size_t len, struct jw *w)
{
	query_value(action, name, name, value, len, w);
}

void
redact_query_item(const char *action, const char *name, const char *value,
    size_t len, struct jw *w)
{
	query_value(action, name, NULL, value, len, w);
}

void
redact_write_text(struct jw *w, const char *key, const char *s, size_t n)
{
	struct rd r;

	if (s == NULL) {
		jw_null(w, key);
		return;
	}
	if (jw_value_begin(w, key) != 0)
		return;
	r.b = w->b;
	r.rc = 0;
	put_string(&r, s, n);
	if (r.rc != 0 && w->err == 0)
		w->err = r.rc;
}
