/* authz_wire.h -- the JSON dockerd sends an AuthZ plugin, and our answers.
 *
 * Keys (Go struct order, all omitempty, so any may be absent): User,
 * UserAuthNMethod, RequestMethod, RequestUri, RequestBody (base64),
 * RequestHeaders {string:string}, RequestPeerCertificates [base64 PEM],
 * ResponseStatusCode, ResponseBody (base64), ResponseHeaders.  Parsed with
 * Go's decoding rules (json.h): keys case-insensitive, last one wins. */
#ifndef DA_AUTHZ_WIRE_H
#define DA_AUTHZ_WIRE_H

#include <stddef.h>

#include "base/buf.h"
#include "json/json.h"

struct authz_msg {
	struct json		*root;
	const char		*method;	/* "" when absent */
	size_t			 method_len;
	const char		*uri;		/* raw request target, "" when absent */
	size_t			 uri_len;
	const struct json	*req_headers;	/* object or NULL */
	const struct json	*resp_headers;
	unsigned char		*req_body;	/* decoded, malloc'd; NULL if absent */
	size_t			 req_body_len;
	int			 has_req_body;
	size_t			 resp_body_len;	/* decoded length, 0 if absent */
	int			 has_resp_body;
	int			 status;	/* ResponseStatusCode, 0 absent */
	const char		*user;		/* NULL when absent or "" */
	const char		*authn;		/* UserAuthNMethod */
	char			 cert_subject[512];	/* first peer cert, "" none */
};

/* Parse one AuthZReq/AuthZRes body.  An empty body, or one that is not a
 * JSON object, or a field of the wrong type or bad base64, is DA_E_PARSE
 * with err saying which. */
int	authz_msg_parse(const char *body, size_t n, struct authz_msg *m,
	    char *err);
void	authz_msg_free(struct authz_msg *m);

/* A RequestHeaders value (Go-canonical name, matched case-insensitively);
 * NULL if absent. */
const char *authz_msg_header(const struct authz_msg *m, const char *name,
	    size_t *len);

/* Strict standard base64 (with padding, as Go's encoding/json writes
 * []byte).  Returns the decoded length or -1. */
long	authz_b64_decode(const char *in, size_t n, unsigned char *out);

/* {"Allow":true} / {"Allow":false,"Msg":msg} (+ "Err" when err != NULL),
 * appended to out as an HTTP/1.1 200 response (keep-alive). */
void	authz_reply(struct buf *out, int allow, const char *msg,
	    const char *err);
/* A non-200 answer with {"Err":...} (unknown endpoint, bad framing). */
void	authz_reply_error(struct buf *out, int status, const char *err,
	    int close);

#endif
