/* authz_wire.c -- parse dockerd's AuthZ requests and write our answers
 * (authz_wire.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "capture/authz_wire.h"
#include "http/http.h"

static int
b64v(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
authz_b64_decode(const char *in, size_t n, unsigned char *out)
{
	size_t o = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64v((unsigned char)in[i]), b = b64v((unsigned char)in[i + 1]);
		int c, d, last = i + 4 == n;

		if (a < 0 || b < 0)
			return -1;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (last && in[i + 2] == '=') {
			if (in[i + 3] != '=' || (b & 15) != 0)
				return -1;
			break;
		}
		if ((c = b64v((unsigned char)in[i + 2])) < 0)
			return -1;
		out[o++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (last && in[i + 3] == '=') {
			if ((c & 3) != 0)
				return -1;
			break;
		}
		if ((d = b64v((unsigned char)in[i + 3])) < 0)
			return -1;
		out[o++] = (unsigned char)((c & 3) << 6 | d);
	}
	return (long)o;
}

static const struct json *
field(const struct json *root, const char *key, enum json_type want,
    int *bad)
{
	const struct json *v = json_get(root, key);

	if (v == NULL || json_type(v) == JSON_NULL)
		return NULL;
	if (json_type(v) != want)
		*bad = 1;
	return json_type(v) == want ? v : NULL;
}

static void
cert_subject(const struct json *certs, char *out, size_t len)
{
	const struct json *c0 = json_at(certs, 0);
	unsigned char *pem;
	long n;
	BIO *bio;
	X509 *x;

	out[0] = '\0';
	if (json_type(c0) != JSON_STRING)
		return;
	if ((pem = malloc(json_strlen(c0) + 4)) == NULL)
		return;
	n = authz_b64_decode(json_str(c0), json_strlen(c0), pem);
	if (n > 0 && (bio = BIO_new_mem_buf(pem, (int)n)) != NULL) {
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			BIO *mb = BIO_new(BIO_s_mem());
			char *p;
			long l;

			if (mb != NULL && X509_NAME_print_ex(mb,
			    X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0 &&
			    (l = BIO_get_mem_data(mb, &p)) > 0)
				snprintf(out, len, "%.*s", (int)l, p);
			BIO_free(mb);
			X509_free(x);
		}
		BIO_free(bio);
	}
	free(pem);
}

int
authz_msg_parse(const char *body, size_t n, struct authz_msg *m, char *err)
{
	char perr[DA_ERRLEN];
	const struct json *v;
	int bad = 0;

	memset(m, 0, sizeof(*m));
	m->method = m->uri = "";
	if (n == 0)
		return da_seterr(err, DA_E_PARSE, "empty AuthZ request body "
		    "(dockerd re-sends a call that way after a failed attempt)");
	if ((m->root = json_parse(body, n, perr)) == NULL)
		return da_seterr(err, DA_E_PARSE, "AuthZ request is not JSON: %s",
		    perr);
	if (json_type(m->root) != JSON_OBJECT)
		return da_seterr(err, DA_E_PARSE, "AuthZ request is not a JSON "
		    "object");
	if ((v = field(m->root, "RequestMethod", JSON_STRING, &bad)) != NULL) {
		m->method = json_str(v);
		m->method_len = json_strlen(v);
	}
	if ((v = field(m->root, "RequestUri", JSON_STRING, &bad)) != NULL) {
		m->uri = json_str(v);
		m->uri_len = json_strlen(v);
	}
	m->req_headers = field(m->root, "RequestHeaders", JSON_OBJECT, &bad);
	m->resp_headers = field(m->root, "ResponseHeaders", JSON_OBJECT, &bad);
	if ((v = field(m->root, "User", JSON_STRING, &bad)) != NULL &&
	    json_strlen(v) > 0)
		m->user = json_str(v);
	if ((v = field(m->root, "UserAuthNMethod", JSON_STRING, &bad)) != NULL &&
	    json_strlen(v) > 0)
		m->authn = json_str(v);
	if ((v = field(m->root, "ResponseStatusCode", JSON_NUMBER, &bad)) != NULL) {
		int64_t s = 0;

		if (json_int(v, &s) != 0 || s < 0 || s > 999)
			bad = 1;
		m->status = (int)s;
	}
	if ((v = field(m->root, "RequestBody", JSON_STRING, &bad)) != NULL) {
		long dl;

		if ((m->req_body = malloc(json_strlen(v) / 4 * 3 + 4)) == NULL)
			return da_seterr(err, DA_E_NOMEM, "out of memory");
		if ((dl = authz_b64_decode(json_str(v), json_strlen(v),
		    m->req_body)) < 0)
			return da_seterr(err, DA_E_PARSE, "AuthZ RequestBody is "
			    "not valid base64");
		m->req_body_len = (size_t)dl;
		m->req_body[dl] = '\0';
		m->has_req_body = 1;
	}
	if ((v = field(m->root, "ResponseBody", JSON_STRING, &bad)) != NULL) {
		m->has_resp_body = 1;
		m->resp_body_len = json_strlen(v) / 4 * 3;
	}
	if ((v = field(m->root, "RequestPeerCertificates", JSON_ARRAY, &bad)) !=
	    NULL)
		cert_subject(v, m->cert_subject, sizeof(m->cert_subject));
	if (bad)
		return da_seterr(err, DA_E_PARSE, "AuthZ request has a field of "
		    "the wrong JSON type");
	if (m->method_len == 0 || m->uri_len == 0)
		return da_seterr(err, DA_E_PARSE, "AuthZ request without "
		    "RequestMethod or RequestUri");
	return DA_OK;
}

void
authz_msg_free(struct authz_msg *m)
{
	json_free(m->root);
	free(m->req_body);
	memset(m, 0, sizeof(*m));
}

const char *
authz_msg_header(const struct authz_msg *m, const char *name, size_t *len)
{
	const struct json *v = json_get(m->req_headers, name);

	if (json_type(v) != JSON_STRING)
		return NULL;
	if (len)
		*len = json_strlen(v);
	return json_str(v);
}

static void
reply_body(struct buf *out, int status, const char *body, size_t n, int close)
{
	buf_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/vnd.docker.plugins.v1.2+json\r\nContent-Length: %zu\r\n"
	    "%s\r\n", status, http_reason(status), n,
	    close ? "Connection: close\r\n" : "");
	buf_append(out, body, n);
}

void
authz_reply(struct buf *out, int allow, const char *msg, const char *err)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 64 * 1024);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_bool(&w, "Allow", allow);
	if (msg != NULL)
		jw_str(&w, "Msg", msg);
	if (err != NULL)
		jw_str(&w, "Err", err);
	jw_obj_end(&w);
	buf_putc(&b, '\n');
	reply_body(out, 200, b.data, b.len, 0);
	buf_free(&b);
}

void
authz_reply_error(struct buf *out, int status, const char *err, int close)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 64 * 1024);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "Err", err);
	jw_obj_end(&w);
	buf_putc(&b, '\n');
	reply_body(out, status, b.data, b.len, close);
	buf_free(&b);
}
