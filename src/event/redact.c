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
			return json_key_match_wide(k, kl, lit);
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
		if (json_key_match_wide(k, kl, secret_keys[i].name))
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

static int
has_ci(const char *s, size_t n, const char *lit)
{
	size_t i, ll = strlen(lit);

	for (i = 0; i + ll <= n; i++)
		if (ieq(s + i, ll, lit))
			return 1;
	return 0;
}

/* A name that says its value is a secret, by pattern rather than by list:
 * driver options (splunk-token, logentries-token, awslogs-credentials-...,
 * gelf-...-password, sshkey), mount options (password=, pass=,
 * credentials=, secret=) and NAME=value pairs in free text.  Matches any
 * case; "max-size" or "mode" do not match. */
int
redact_name_is_secretish(const char *s, size_t n)
{
	static const char *const words[] = { "passw", "secret", "token",
	    "cred", "key", "auth", "pwd", NULL };
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (has_ci(s, n, words[i]))
			return 1;
	/* "pass" alone or as the last part of a name: pass, smb_pass */
	return n >= 4 && ieq(s + n - 4, 4, "pass") &&
	    (n == 4 || s[n - 5] == '-' || s[n - 5] == '_' || s[n - 5] == '.');
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
		if (eq != NULL && redact_name_is_secretish(s + start, kl)) {
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

/* Where a value sits, for the option maps whose keys are free-form:
 * LogConfig.Config, LogDriver.Options (services), DriverConfig.Options
 * (mounts), DriverOpts (volumes, networks).  In those, a key whose name
 * looks secret (redact_name_is_secretish) loses its value. */
enum ctx { C_PLAIN, C_DRIVER, C_OPTMAP };

static enum ctx
child_ctx(enum ctx parent, const char *k, size_t kl)
{
	if (key_is(k, kl, "logconfig") || key_is(k, kl, "logdriver") ||
	    key_is(k, kl, "driverconfig"))
		return C_DRIVER;
	if (key_is(k, kl, "driveropts") || (parent == C_DRIVER &&
	    (key_is(k, kl, "config") || key_is(k, kl, "options"))))
		return C_OPTMAP;
	return C_PLAIN;
}

static void put_value(struct rd *, const struct json *, enum ctx);

static void
put_member_value(struct rd *r, const char *k, size_t kl,
    const struct json *v, enum ctx parent)
{
	if (parent == C_OPTMAP && redact_name_is_secretish(k, kl)) {
		put_secret(r, v);
		return;
	}
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
		put_value(r, v, child_ctx(parent, k, kl));
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
put_value(struct rd *r, const struct json *v, enum ctx ctx)
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
			    json_keylen_at(v, i), json_at(v, i), ctx);
		}
		put(r, "}", 1);
		break;
	case JSON_ARRAY:
		put(r, "[", 1);
		for (i = 0; i < json_len(v); i++) {
			if (i > 0)
				put(r, ",", 1);
			put_value(r, json_at(v, i), C_PLAIN);
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
			put_value(r, m, C_PLAIN);
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
		put_value(&r, body, C_PLAIN);
	if (r.rc != 0 && w->err == 0)
		w->err = r.rc;
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

/* One JSON string member built by put_body (the scrubbing variant) from
 * s[0..n); null when s is NULL. */
static void
write_scrubbed(struct jw *w, const char *key, const char *s, size_t n,
    void (*put_body)(struct rd *, const char *, size_t))
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
	put(&r, "\"", 1);
	put_body(&r, s, n);
	put(&r, "\"", 1);
	if (r.rc != 0 && w->err == 0)
		w->err = r.rc;
}

void
redact_write_text(struct jw *w, const char *key, const char *s, size_t n)
{
	write_scrubbed(w, key, s, n, put_scrubbed);
}

/* ---- free text: dockerd's error messages, command-line arguments ---- */

static int
is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* A header-like "Name: value" whose value is a credential. */
static int
colon_name_is_secret(const char *k, size_t kl, int quoted)
{
	if (quoted)	/* "password": "..." as JSON or Go's %q print it */
		return redact_name_is_secretish(k, kl);
	return ieq(k, kl, "authorization") ||
	    ieq(k, kl, "proxy-authorization") || ieq(k, kl, "x-registry-auth") ||
	    ieq(k, kl, "password") || ieq(k, kl, "passwd") ||
	    ieq(k, kl, "pwd");
}

/* An auth scheme word that a credential follows ("Basic <base64>"). */
static int
is_auth_scheme(const char *s, size_t n)
{
	return ieq(s, n, "basic") || ieq(s, n, "bearer") ||
	    ieq(s, n, "token") || ieq(s, n, "digest") ||
	    ieq(s, n, "negotiate") || ieq(s, n, "aws4-hmac-sha256");
}

/* If the separator at s[i] ('=' or ':') ends a secret name, the value's
 * span [*vs, *ve) in s; else 0. */
static int
secret_value_at(const char *s, size_t n, size_t i, size_t *vs, size_t *ve)
{
	size_t ks, ke = i, v, e;
	int quoted = 0;
	char q = 0;

	if (ke > 0 && (s[ke - 1] == '"' || s[ke - 1] == '\''))
		ke--, quoted = 1;
	if (quoted && ke > 0 && s[ke - 1] == '\\')
		ke--;			/* \"name\": */
	for (ks = ke; ks > 0 && is_name_char((unsigned char)s[ks - 1]); ks--)
		;
	if (ks == ke || (quoted && (ks == 0 || (s[ks - 1] != s[i - 1] &&
	    s[ks - 1] != '\\'))))
		return 0;
	if (s[i] == '=' ? !redact_name_is_secretish(s + ks, ke - ks) :
	    !colon_name_is_secret(s + ks, ke - ks, quoted))
		return 0;
	for (v = i + 1; s[i] == ':' && v < n && (s[v] == ' ' || s[v] == '\t');
	    v++)
		;
	if (v < n && (s[v] == '"' || s[v] == '\''))
		q = s[v++];
	else if (v + 1 < n && s[v] == '\\' && s[v + 1] == '"')
		q = '\\', v += 2;	/* \"value\" as Go's %q quotes it */
	if (q == 0 && s[i] == ':') {
		/* "Authorization: Basic xyz": keep the scheme */
		for (e = v; e < n && is_name_char((unsigned char)s[e]); e++)
			;
		if (e < n && s[e] == ' ' && is_auth_scheme(s + v, e - v))
			for (v = e; v < n && s[v] == ' '; v++)
				;
	}
	for (e = v; e < n; e++) {
		if (q == 0) {
			if (strchr(",; \t\r\n\"'&)}]", s[e]) != NULL)
				break;
		} else if (s[e] == '\\') {
			if (q == '\\' && e + 1 < n && s[e + 1] == '"')
				break;	/* the closing \" */
			if (q != '\\' && e + 1 < n)
				e++;	/* an escaped character inside "..." */
		} else if (s[e] == q) {
			break;
		}
	}
	if (e == v)
		return 0;
	*vs = v;
	*ve = e;
	return 1;
}

/* Escaped text with secret NAME=value / Name: value values and URL user
 * info replaced. */
static void
put_message(struct rd *r, const char *s, size_t n)
{
	char sec[SECRET_MAX];
	size_t i, p = 0, vs, ve;

	for (i = 0; i < n; i++) {
		if ((s[i] != '=' && s[i] != ':') ||
		    !secret_value_at(s, n, i, &vs, &ve))
			continue;
		put_scrubbed(r, s + p, vs - p);
		put(r, sec, secret_text(sec, s + vs, ve - vs));
		p = ve;
		i = ve - 1;
	}
	put_scrubbed(r, s + p, n - p);
}

void
redact_write_message(struct jw *w, const char *key, const char *s, size_t n)
{
	write_scrubbed(w, key, s, n, put_message);
}
