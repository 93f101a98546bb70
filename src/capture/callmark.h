/* callmark.h -- the X-Dockaudit-Call header: how the AuthZ plugin knows a
 * call came through the proxy.
 *
 *   X-Dockaudit-Call: v1;id=<request.id>;t=<unix ms>;b=<sha256 hex|->;m=<hmac hex>
 *
 * m = hex HMAC-SHA256(key, "v1;id=...;t=...;b=...;" || method || " " ||
 * raw request-target).  b is the SHA-256 of the request body as forwarded
 * (decoded, for a chunked body) when the proxy held all of it, "-" when it
 * did not.  The key is 32+ random bytes in a 0600 file shared only by
 * proxy and plugin (created when missing).  The proxy removes any copy of
 * the header a client sent.  See docs/design-notes.md for why. */
#ifndef DA_CALLMARK_H
#define DA_CALLMARK_H

#include <stddef.h>
#include <stdint.h>

#define CALLMARK_HEADER		"X-Dockaudit-Call"
#define CALLMARK_MAX		256	/* header value bytes */

struct callmark {
	char		 id[37];
	int64_t		 t_ms;
	int		 has_body;		/* b was a digest, not "-" */
	unsigned char	 body_sha[32];
};

enum callmark_result {
	CALLMARK_VALID,
	CALLMARK_MALFORMED,	/* not v1;id=;t=;b=;m= */
	CALLMARK_BAD_MAC	/* MAC does not verify for this method and target */
};

/* Load the shared key from path; create it (0600, 32 random bytes) when
 * missing and create is set.  Refuses a file group/other can read or that
 * is not ours.  err names the file and the fix. */
int	callmark_key_load(const char *path, int create, char *err);
/* Set the key directly (tests). */
void	callmark_key_set(const unsigned char *key, size_t len);
int	callmark_enabled(void);

/* The header value for one call; body_sha NULL writes b=-.  Returns the
 * length written (< CALLMARK_MAX), or 0 with out "" when no MAC could be
 * computed (no key, or OpenSSL failed): then send no header at all -- the
 * plugin records the call as a bypass, never as vouched for. */
size_t	callmark_make(const char *id, int64_t t_ms,
	    const unsigned char body_sha[32], const char *method, size_t mlen,
	    const char *target, size_t tlen, char out[CALLMARK_MAX]);

/* The whole header line ("X-Dockaudit-Call: ...\r\n") for a call
 * dockaudit itself makes to dockerd (the events stream, label lookups,
 * GET /info): a fresh id, no body digest, so the plugin does not report
 * dockaudit's own calls as bypasses.  Writes "" and returns 0 when no key
 * is loaded. */
#define CALLMARK_LINE_MAX	(sizeof(CALLMARK_HEADER) + CALLMARK_MAX + 4)
size_t	callmark_own_call(const char *method, const char *target,
	    char out[CALLMARK_LINE_MAX]);

/* CALLMARK_VALID only for a MAC computed and matched here; a MAC that
 * cannot be computed, or an all-zero one, is CALLMARK_BAD_MAC. */
enum callmark_result callmark_verify(const char *value, size_t vlen,
	    const char *method, size_t mlen, const char *target, size_t tlen,
	    struct callmark *out);

/* Tests: make every MAC computation fail as OpenSSL failing would. */
void	callmark_test_fail(int on);

#endif
