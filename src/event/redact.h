/* redact.h -- keep secrets out of the journal.
 *
 * Rules (DESIGN.md section 3): X-Registry-Auth / X-Registry-Config /
 * Authorization header values; the whole /auth body except username and
 * serveraddress; secret and config Data; swarm JoinToken, UnlockKey,
 * SigningCAKey; any key named (case-insensitively) password, secret, data,
 * jointoken, signingcakey, unlockkey, token, identitytoken, registrytoken;
 * Env / env entries "NAME=value" become "NAME=[redacted]"; build buildargs
 * values become "[redacted]".  The replacement is the string "[redacted]";
 * when a hash key is configured, "[redacted:hmac:<16 hex>]" (HMAC-SHA256 of
 * the value under that key, truncated) so equal secrets can be correlated
 * without being revealed.
 *
 * Also (redact.c): key names match as dockerd's decoder matches them
 * (json_key_match: any case, plus the Unicode runes Go folds onto ASCII
 * letters), the list has "jointokens" (GET /swarm) and "auth" as well;
 * null values stay null; a non-string value is replaced whole; plugin.set
 * bodies (["KEY=value"]) are treated like Env; mount option strings under
 * a key "o" lose the values of secret options (redact_name_is_secretish:
 * "password=", "pass=", "credentials="); keys of driver option maps
 * (LogConfig.Config, LogDriver.Options, DriverConfig.Options, DriverOpts)
 * are matched by the same pattern (splunk-token, logentries-token,
 * awslogs-credentials-endpoint, gelf-...-password);
 * the user info of any URL in any string ("https://user:token@host/") is
 * replaced; non-object bodies of secret/config/swarm join/unlock calls are
 * replaced whole.  Headers whose name contains auth, token, secret, passw
 * or cookie, and X-Registry-Config, are secret. */
#ifndef DA_REDACT_H
#define DA_REDACT_H

#include <stddef.h>

#include "json/json.h"

#define REDACTED "[redacted]"

/* Optional keyed hashing of redacted values; key NULL disables. */
void	redact_set_hash_key(const unsigned char *key, size_t len);

/* Write `body` under member `key` with every secret replaced.  action
 * decides body-wide rules (auth.login keeps only username and
 * serveraddress). */
void	redact_json(const char *action, const struct json *body, struct jw *w,
	    const char *key);

/* 1 if a request or response header's value must never be recorded. */
int	redact_header_is_secret(const char *name, size_t len);

/* 1 if a query parameter's value must be redacted (build "buildargs" is
 * handled by redact_query_value, which keeps the JSON map's names). */
int	redact_query_is_secret(const char *action, const char *name);

/* Write query parameter value: for image.build "buildargs" (a JSON map)
 * writes the map with values redacted (a value that is no JSON object is
 * replaced whole); otherwise the value with URL user info replaced (build
 * remote=https://user:token@..., import fromSrc=...), or REDACTED when
 * redact_query_is_secret. */
void	redact_query_value(const char *action, const char *name,
	    const char *value, size_t len, struct jw *w);
/* The same for one value of a repeated parameter: an array element. */
void	redact_query_item(const char *action, const char *name,
	    const char *value, size_t len, struct jw *w);

/* Write the replacement for a secret value (REDACTED or its keyed hash). */
void	redact_write_secret(struct jw *w, const char *key, const char *value,
	    size_t len);

/* Write a free-text string (a URL, a command argument) with the user info
 * of every URL in it replaced; s NULL writes null. */
void	redact_write_text(struct jw *w, const char *key, const char *s,
	    size_t n);

/* 1 if a free-form option or parameter name says its value is secret:
 * it contains (any case) passw, secret, token, cred, key, auth or pwd, or
 * is "pass" or ends in -pass/_pass/.pass.  Used for driver option maps
 * (LogConfig.Config, LogDriver.Options, DriverConfig.Options,
 * DriverOpts), mount option strings and free text. */
int	redact_name_is_secretish(const char *name, size_t len);

/* Write free text that may quote secrets -- dockerd's error messages
 * (response.error: a failed mount repeats its options), command-line
 * arguments -- with these replaced: the value of NAME=value when NAME is
 * secretish ("password=hunter2", "o=...,credentials=/x"), of "Name: value"
 * for Authorization / Proxy-Authorization / X-Registry-Auth / password
 * (an auth scheme word such as Basic or Bearer is kept), of a quoted
 * "name": "value" with a secretish name, and URL user info.  s NULL
 * writes null. */
void	redact_write_message(struct jw *w, const char *key, const char *s,
	    size_t n);

#endif
