/* test-authz.c -- the AuthZ plugin without sockets: wire parsing (absent
 * keys, base64), the proxy's mark (MAC, replay, staleness, body digest),
 * and authz_decide's answers and records against a real journal. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/err.h"
#include "capture/authz.h"
#include "capture/authz_wire.h"
#include "capture/bodyread.h"
#include "capture/callmark.h"
#include "capture/inflight.h"
#include "journal/journal.h"
#include "journal/verify.h"
#include "json/json.h"
#include "policy/policy.h"
#include "journal-util.h"

#include <openssl/provider.h>
#include <openssl/sha.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static char *
b64(const char *s)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	char *out = malloc(n * 4 / 3 + 8);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

TEST(base64_strict)
{
	unsigned char out[64];

	ASSERT_EQ(authz_b64_decode("aGk=", 4, out), 2);
	ASSERT(memcmp(out, "hi", 2) == 0);
	ASSERT_EQ(authz_b64_decode("aGVsbG8=", 8, out), 5);
	ASSERT_EQ(authz_b64_decode("", 0, out), 0);
	ASSERT_EQ(authz_b64_decode("aGk", 3, out), -1);	/* no padding */
	ASSERT_EQ(authz_b64_decode("aG!=", 4, out), -1);
	ASSERT_EQ(authz_b64_decode("aGl=", 4, out), -1);	/* non-zero pad bits */
	ASSERT_EQ(authz_b64_decode("a===", 4, out), -1);
}

TEST(wire_absent_keys_and_types)
{
	struct authz_msg m;
	char err[DA_ERRLEN];
	const char *v;
	size_t n;

	/* only method and URI: everything else omitempty */
	const char *min = "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\"}";
	ASSERT_EQ(authz_msg_parse(min, strlen(min), &m, err), DA_OK);
	ASSERT_EQ(m.has_req_body, 0);
	ASSERT_EQ(m.status, 0);
	ASSERT_NULL(m.user);
	ASSERT_NULL(m.req_headers);
	ASSERT_NULL(authz_msg_header(&m, "Content-Length", NULL));
	authz_msg_free(&m);

	const char *full = "{\"User\":\"alice\",\"UserAuthNMethod\":\"TLS\","
	    "\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/x?a=1\","
	    "\"RequestBody\":\"eyJhIjoxfQ==\",\"RequestHeaders\":{\"Content-"
	    "Length\":\"7\"},\"ResponseStatusCode\":201,\"ResponseBody\":\"e30=\","
	    "\"ResponseHeaders\":{\"Api-Version\":\"1.41\"}}\n";
	ASSERT_EQ(authz_msg_parse(full, strlen(full), &m, err), DA_OK);
	ASSERT_EQ(m.has_req_body, 1);
	ASSERT_EQ(m.req_body_len, 7);
	ASSERT(memcmp(m.req_body, "{\"a\":1}", 7) == 0);
	ASSERT_EQ(m.status, 201);
	ASSERT_STREQ(m.user, "alice");
	ASSERT_STREQ(m.authn, "TLS");
	v = authz_msg_header(&m, "content-length", &n);
	ASSERT(v != NULL && n == 1 && v[0] == '7');
	authz_msg_free(&m);

	ASSERT(authz_msg_parse("", 0, &m, err) != DA_OK);
	ASSERT_CONTAINS(err, "empty AuthZ request body");
	authz_msg_free(&m);
	ASSERT(authz_msg_parse("[1]", 3, &m, err) != DA_OK);
	authz_msg_free(&m);
	const char *badb = "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/\","
	    "\"RequestBody\":\"@@@@\"}";
	ASSERT(authz_msg_parse(badb, strlen(badb), &m, err) != DA_OK);
	ASSERT_CONTAINS(err, "base64");
	authz_msg_free(&m);
	const char *badt = "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/\","
	    "\"ResponseStatusCode\":\"200\"}";
	ASSERT(authz_msg_parse(badt, strlen(badt), &m, err) != DA_OK);
	ASSERT_CONTAINS(err, "wrong JSON type");
	authz_msg_free(&m);
	/* Go decoding: keys case-insensitive, last one wins */
	const char *dup = "{\"requestmethod\":\"GET\",\"RequestMethod\":\"POST\","
	    "\"requesturi\":\"/x\"}";
	ASSERT_EQ(authz_msg_parse(dup, strlen(dup), &m, err), DA_OK);
	ASSERT_STREQ(m.method, "POST");
	authz_msg_free(&m);
}

TEST(callmark_roundtrip_and_tampering)
{
	char mark[CALLMARK_MAX];
	struct callmark cm;
	unsigned char sha[32];
	const char *id = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
	size_t n;

	callmark_key_set(key, sizeof(key));
	SHA256((const unsigned char *)"{}", 2, sha);
	n = callmark_make(id, 1700000000123LL, sha, "POST", 4,
	    "/v1.41/containers/create?name=a", 31, mark);
	ASSERT_EQ(strlen(mark), n);
	ASSERT_EQ(callmark_verify(mark, n, "POST", 4,
	    "/v1.41/containers/create?name=a", 31, &cm), CALLMARK_VALID);
	ASSERT_STREQ(cm.id, id);
	ASSERT_EQ(cm.t_ms, 1700000000123LL);
	ASSERT_EQ(cm.has_body, 1);
	ASSERT(memcmp(cm.body_sha, sha, 32) == 0);
	/* other target or method: the MAC fails */
	ASSERT_EQ(callmark_verify(mark, n, "POST", 4,
	    "/v1.41/containers/create?name=b", 31, &cm), CALLMARK_BAD_MAC);
	ASSERT_EQ(callmark_verify(mark, n, "PUT", 3,
	    "/v1.41/containers/create?name=a", 31, &cm), CALLMARK_BAD_MAC);
	/* a changed digest or time: the MAC fails */
	char t2[CALLMARK_MAX];
	memcpy(t2, mark, n + 1);
	t2[strlen("v1;id=") + 36 + 3] ^= 1;
	ASSERT_EQ(callmark_verify(t2, n, "POST", 4,
	    "/v1.41/containers/create?name=a", 31, &cm), CALLMARK_BAD_MAC);
	/* another key */
	unsigned char k2[32];
	memcpy(k2, key, 32);
	k2[0] ^= 1;
	callmark_key_set(k2, sizeof(k2));
	ASSERT_EQ(callmark_verify(mark, n, "POST", 4,
	    "/v1.41/containers/create?name=a", 31, &cm), CALLMARK_BAD_MAC);
	callmark_key_set(key, sizeof(key));
	/* "-": the proxy did not hold the body */
	n = callmark_make(id, 5, NULL, "GET", 3, "/_ping", 6, mark);
	ASSERT_CONTAINS(mark, ";b=-;m=");
	ASSERT_EQ(callmark_verify(mark, n, "GET", 3, "/_ping", 6, &cm),
	    CALLMARK_VALID);
	ASSERT_EQ(cm.has_body, 0);
	ASSERT_EQ(callmark_verify("v1;id=x", 7, "GET", 3, "/", 1, &cm),
	    CALLMARK_MALFORMED);
	ASSERT_EQ(callmark_verify("abc", 3, "GET", 3, "/", 1, &cm),
	    CALLMARK_MALFORMED);
}

/* OpenSSL failing makes no mark (never an all-zero or partial MAC), and
 * the checker accepts neither an all-zero MAC nor one it cannot compute. */
TEST(callmark_fails_closed)
{
	char mark[CALLMARK_MAX], zero[CALLMARK_MAX], line[CALLMARK_LINE_MAX];
	const char *id = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
	struct callmark cm;
	size_t n;

	callmark_key_set(key, sizeof(key));
	n = callmark_make(id, 5, NULL, "GET", 3, "/_ping", 6, mark);
	ASSERT(n > 0);
	callmark_test_fail(1);
	memset(zero, 'x', sizeof(zero));
	zero[CALLMARK_MAX - 1] = '\0';
	ASSERT_EQ(callmark_make(id, 5, NULL, "GET", 3, "/_ping", 6, zero), 0);
	ASSERT_STREQ(zero, "");
	ASSERT_EQ(callmark_own_call("GET", "/info", line), 0);
	ASSERT_STREQ(line, "");
	/* a good mark cannot be checked now: not vouched */
	ASSERT_EQ(callmark_verify(mark, n, "GET", 3, "/_ping", 6, &cm),
	    CALLMARK_BAD_MAC);
	callmark_test_fail(0);
	ASSERT_EQ(callmark_verify(mark, n, "GET", 3, "/_ping", 6, &cm),
	    CALLMARK_VALID);
	/* the same mark with an all-zero MAC, as a broken maker wrote it */
	memcpy(zero, mark, n + 1);
	memset(strstr(zero, ";m=") + 3, '0', 64);
	ASSERT_EQ(callmark_verify(zero, n, "GET", 3, "/_ping", 6, &cm),
	    CALLMARK_BAD_MAC);
}

/* The same with OpenSSL really failing: only the null provider loaded
 * (this test runs in its own forked process), so HMAC cannot be fetched.
 * A maker that ignored that would send an all-zero MAC and a checker that
 * ignored it would compute all zeros too and accept it. */
TEST(callmark_openssl_without_hmac_fails_closed)
{
	char mark[CALLMARK_MAX];
	const char *id = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
	struct callmark cm;
	OSSL_PROVIDER *null_prov;
	size_t n;

	/* only the null provider: no HMAC can be fetched */
	ASSERT((null_prov = OSSL_PROVIDER_load(NULL, "null")) != NULL);
	callmark_key_set(key, sizeof(key));
	n = callmark_make(id, 5, NULL, "GET", 3, "/_ping", 6, mark);
	ASSERT_EQ(n, 0);
	snprintf(mark, sizeof(mark), "v1;id=%s;t=5;b=-;m=%064d", id, 0);
	ASSERT_EQ(callmark_verify(mark, strlen(mark), "GET", 3, "/_ping", 6,
	    &cm), CALLMARK_BAD_MAC);
	OSSL_PROVIDER_unload(null_prov);	/* LeakSanitizer counts it */
}

TEST(key_file_created_0600_and_checked)
{
	char path[400], err[DA_ERRLEN];
	struct stat st;

	mk_tmp();
	snprintf(path, sizeof(path), "%s/authz.key", tdir);
	ASSERT_EQ(callmark_key_load(path, 1, err), DA_OK);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT_EQ(st.st_size, 32);
	ASSERT_EQ(callmark_key_load(path, 0, err), DA_OK);
	chmod(path, 0644);
	ASSERT(callmark_key_load(path, 0, err) != DA_OK);
	ASSERT_CONTAINS(err, "chmod 600");
	rm_tmp();
}

/* ---- authz_decide against a real journal ---- */

static struct journal *J;
static struct policy POL;

static struct authz *
setup(int enforce)
{
	struct authz_config cfg;
	struct config_rule { const char *n; } unused;
	(void)unused;

	mk_journal();
	J = open_j(0, NULL, NULL);
	callmark_key_set(key, sizeof(key));
	policy_init(&POL);
	POL.enforce = enforce;
	POL.rules = calloc(1, sizeof(*POL.rules));
	POL.nrules = 1;
	POL.rules[0].name = strdup("no-privileged");
	POL.rules[0].message = strdup("privileged containers are not allowed");
	POL.rules[0].privileged = 1;
	POL.rules[0].has_condition = 1;
	POL.rules[0].seccomp_unconfined = POL.rules[0].apparmor_unconfined = -1;
	authz_config_defaults(&cfg);
	cfg.policy = &POL;
	cfg.journal_dir = jdir;
	return authz_new(J, &cfg);
}

/* Close the journal and return every record line (malloc'd). */
static char *
finish(struct authz *a)
{
	char **names = NULL, path[512], err[DA_ERRLEN];
	size_t count = 0;
	struct buf all;

	authz_free(a);
	jrn_close(J);
	policy_free(&POL);
	buf_init(&all, BUF_UNLIMITED);
	ASSERT_EQ(jrn_segments(jdir, &names, &count, err), DA_OK);
	for (size_t i = 0; i < count; i++) {
		FILE *f;
		char tmp[65536];
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", jdir, names[i]);
		f = fopen(path, "r");
		ASSERT(f != NULL);
		while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
			buf_append(&all, tmp, n);
		fclose(f);
	}
	jrn_segments_free(names, count);
	rm_tmp();
	buf_putc(&all, '\0');
	return buf_steal(&all, &(size_t){ 0 });
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t c = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		c++;
	return c;
}

/* An AuthZ body for method/uri with an optional JSON request body and an
 * optional mark (made with the test key, at time t_ms). */
static char *
wire(const char *method, const char *uri, const char *body, int mark,
    const char *id, int64_t t_ms, const char *extra_headers)
{
	char mk[CALLMARK_MAX] = "", *out, *bb = body ? b64(body) : NULL;
	unsigned char sha[32];
	size_t cap;

	if (mark) {
		SHA256((const unsigned char *)(body ? body : ""),
		    body ? strlen(body) : 0, sha);
		callmark_make(id, t_ms, sha, method, strlen(method), uri,
		    strlen(uri), mk);
	}
	cap = 4096 + (bb ? strlen(bb) : 0);
	out = malloc(cap);
	snprintf(out, cap, "{\"RequestMethod\":\"%s\",\"RequestUri\":\"%s\""
	    "%s%s%s,\"RequestHeaders\":{\"Content-Type\":\"application/json\""
	    "%s%s%s%s}}\n", method, uri, bb ? ",\"RequestBody\":\"" : "",
	    bb ? bb : "", bb ? "\"" : "", mark ? ",\"X-Dockaudit-Call\":\"" : "",
	    mk, mark ? "\"" : "", extra_headers ? extra_headers : "");
	free(bb);
	return out;
}

static void
decide(struct authz *a, int res, const char *w, struct authz_decision *d)
{
	authz_decide(a, res, w, strlen(w), d);
}

static const char *ID1 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee1";
static const char *CREATE = "/v1.41/containers/create";

TEST(decide_bypass_recorded_and_alerted)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	char *w = wire("POST", CREATE, "{\"Image\":\"bb\"}", 0, NULL, 0, NULL), *all;

	decide(a, 0, w, &d);
	ASSERT_EQ(d.allow, 1);
	ASSERT_EQ(d.wait_durable, 1);	/* mutating: write-ahead */
	ASSERT(d.ticket > 0);
	free(w);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"source\":\"authz\"");
	ASSERT_CONTAINS(all, "\"bypass\":true,\"bypass_reason\":\"no header\"");
	ASSERT_CONTAINS(all, "\"kind\":\"alert\"");
	ASSERT_CONTAINS(all, "\"rule\":\"dockaudit.authz.bypass\"");
	ASSERT_CONTAINS(all, "\"level\":\"high\"");
	free(all);
}

TEST(decide_proxied_call_writes_nothing_and_replay_is_caught)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	int64_t now = clock_now_ns() / 1000000;
	char *w = wire("POST", CREATE, "{\"Image\":\"bb\"}", 1, ID1, now, NULL), *all;

	decide(a, 0, w, &d);
	ASSERT_EQ(d.allow, 1);
	ASSERT_EQ(d.wait_durable, 0);
	/* the same id once more at AuthZRes is legitimate */
	decide(a, 1, w, &d);
	ASSERT_EQ(d.allow, 1);
	/* but a second AuthZReq with it is a replay */
	decide(a, 0, w, &d);
	ASSERT_EQ(d.allow, 1);
	free(w);
	all = finish(a);
	ASSERT_EQ(count_of(all, "\"bypass_reason\""), 1);
	ASSERT_CONTAINS(all, "\"bypass_reason\":\"replayed\"");
	free(all);
}

TEST(decide_stale_badmac_and_body_mismatch)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	int64_t now = clock_now_ns() / 1000000;
	char *w, *all;

	w = wire("GET", "/v1.41/info", NULL, 1,
	    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee2", now - 3600 * 1000, NULL);
	decide(a, 0, w, &d);
	free(w);
	/* mark made for another URI */
	{
		char mk[CALLMARK_MAX], *x;
		callmark_make("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee3", now, NULL,
		    "GET", 3, "/v1.41/version", 14, mk);
		x = malloc(1024);
		snprintf(x, 1024, "{\"RequestMethod\":\"GET\",\"RequestUri\":"
		    "\"/v1.41/info\",\"RequestHeaders\":{\"X-Dockaudit-Call\":"
		    "\"%s\"}}", mk);
		decide(a, 0, x, &d);
		free(x);
	}
	/* the body dockerd shows is not the body the proxy forwarded */
	{
		char mk[CALLMARK_MAX], *x, *bb = b64("{\"Image\":\"evil\"}");
		unsigned char sha[32];

		SHA256((const unsigned char *)"{\"Image\":\"bb\"}", 14, sha);
		callmark_make("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee4", now, sha,
		    "POST", 4, CREATE, strlen(CREATE), mk);
		x = malloc(2048);
		snprintf(x, 2048, "{\"RequestMethod\":\"POST\",\"RequestUri\":"
		    "\"%s\",\"RequestBody\":\"%s\",\"RequestHeaders\":{"
		    "\"X-Dockaudit-Call\":\"%s\"}}", CREATE, bb, mk);
		decide(a, 0, x, &d);
		free(x);
		free(bb);
	}
	all = finish(a);
	ASSERT_CONTAINS(all, "\"bypass_reason\":\"stale\"");
	ASSERT_CONTAINS(all, "\"bypass_reason\":\"bad mac\"");
	ASSERT_CONTAINS(all, "\"bypass_reason\":\"body mismatch\"");
	free(all);
}

TEST(decide_empty_resend_is_denied)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	char *all;

	/* dockerd's re-send after a read-then-closed attempt: no body */
	authz_decide(a, 0, "", 0, &d);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "dockaudit policy: empty AuthZ request body");
	authz_decide(a, 0, "{\"RequestMethod\":", 17, &d);
	ASSERT_EQ(d.allow, 0);
	/* at AuthZRes denying would only hide the answer */
	authz_decide(a, 1, "", 0, &d);
	ASSERT_EQ(d.allow, 1);
	all = finish(a);
	ASSERT_EQ(count_of(all, "\"action\":\"authz.bad_request\""), 3);
	free(all);
}

TEST(decide_enforce_policy_and_hidden_bodies)
{
	struct authz *a = setup(1);
	struct authz_decision d;
	int64_t now = clock_now_ns() / 1000000;
	char *w, *all;

	w = wire("POST", CREATE, "{\"HostConfig\":{\"Privileged\":true}}", 0,
	    NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_STREQ(d.msg, "dockaudit policy: privileged containers are not "
	    "allowed (rule no-privileged)");
	/* Go decoding: the last duplicate wins, keys fold */
	w = wire("POST", CREATE, "{\"HostConfig\":{\"Privileged\":false,"
	    "\"privileged\":true}}", 0, NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	/* >= 1 MiB: dockerd sends no body, Content-Length says so */
	w = wire("POST", CREATE, NULL, 0, NULL, 0,
	    ",\"Content-Length\":\"2097152\"");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "1 MiB or more");
	/* chunked (no Content-Length) looks empty: denied on a create */
	w = wire("POST", CREATE, NULL, 0, NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "chunked or empty");
	/* a read without a body is fine */
	w = wire("GET", "/v1.41/containers/json", NULL, 0, NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	/* proxied, body withheld, but the proxy held it whole and is in
	 * this process: judged on the proxy's security fields */
	inflight_enable(1);
	{
		char mk[CALLMARK_MAX], x[2048];
		unsigned char sha[32] = { 1 };
		const char *ids[2] = { "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee10",
		    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee11" };
		const char *secs[2] = { "\"security\":{\"privileged\":false}",
		    "\"security\":{\"privileged\":true}" };

		for (int i = 0; i < 2; i++) {
			ASSERT_EQ(inflight_put(ids[i], secs[i], strlen(secs[i]),
			    "{\"user\":\"alice\"}", 16, 1), 0);
			callmark_make(ids[i], now, sha, "POST", 4, CREATE,
			    strlen(CREATE), mk);
			snprintf(x, sizeof(x), "{\"RequestMethod\":\"POST\","
			    "\"RequestUri\":\"%s\",\"RequestHeaders\":{"
			    "\"Content-Length\":\"2097152\",\"X-Dockaudit-Call\":"
			    "\"%s\"}}", CREATE, mk);
			decide(a, 0, x, &d);
			ASSERT_EQ(d.allow, i == 0);
			inflight_del(ids[i]);
		}
		/* not in the table (proxy in another process): denied */
		callmark_make("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee12", now, sha,
		    "POST", 4, CREATE, strlen(CREATE), mk);
		snprintf(x, sizeof(x), "{\"RequestMethod\":\"POST\",\"RequestUri\":"
		    "\"%s\",\"RequestHeaders\":{\"Content-Length\":\"2097152\","
		    "\"X-Dockaudit-Call\":\"%s\"}}", CREATE, mk);
		decide(a, 0, x, &d);
		ASSERT_EQ(d.allow, 0);
	}
	inflight_enable(0);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"outcome\":\"denied\"");
	ASSERT_CONTAINS(all, "\"stage\":\"decision\"");
	ASSERT_CONTAINS(all, "\"rule\":\"body-not-visible\"");
	free(all);
}

TEST(decide_observe_only_alerts)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	char *w, *all;

	w = wire("POST", CREATE, NULL, 0, NULL, 0, ",\"Content-Length\":\"2097152\"");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	w = wire("POST", CREATE, "{\"HostConfig\":{\"Privileged\":true}}", 0,
	    NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"mode\":\"observe\"");
	ASSERT_NOT_CONTAINS(all, "\"outcome\":\"denied\"");
	free(all);
}

TEST(decide_auth_password_never_recorded)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	char *w, *all;

	w = wire("POST", "/v1.41/auth", "{\"username\":\"u\",\"password\":"
	    "\"Unit-Secret-Pw\",\"serveraddress\":\"r:1\"}", 0, NULL, 0, NULL);
	decide(a, 0, w, &d);
	decide(a, 1, w, &d);
	free(w);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"action\":\"auth.login\"");
	ASSERT_NOT_CONTAINS(all, "Unit-Secret-Pw");
	free(all);
}

TEST(decide_response_of_bypass_links_request)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	char *w, *all, *p, id[37];

	w = wire("GET", "/v1.41/version", NULL, 0, NULL, 0, NULL);
	decide(a, 0, w, &d);
	decide(a, 1, w, &d);
	free(w);
	all = finish(a);
	p = strstr(all, "\"request\":{\"id\":\"");
	ASSERT(p != NULL);
	memcpy(id, p + 17, 36);
	id[36] = '\0';
	ASSERT_EQ(count_of(all, id), 3);	/* request, alert, response */
	ASSERT_CONTAINS(all, "\"stage\":\"response\"");
	ASSERT_CONTAINS(all, "\"outcome\":\"unknown\"");	/* no status */
	free(all);
}

/* An AuthZReq with the given Content-Type and Content-Length headers and
 * no RequestBody (what dockerd sends when it does not show the body). */
static char *
wire_hidden(const char *method, const char *uri, const char *ct,
    const char *cl)
{
	char *out = malloc(4096);

	snprintf(out, 4096, "{\"RequestMethod\":\"%s\",\"RequestUri\":\"%s\","
	    "\"RequestHeaders\":{\"Content-Length\":\"%s\",\"Content-Type\":"
	    "\"%s\"}}\n", method, uri, cl, ct);
	return out;
}

TEST(decide_hidden_body_content_type_as_go_reads_it)
{
	struct authz *a = setup(1);
	struct authz_decision d;
	/* Go reads all of these as application/json: a >= 1 MiB body under
	 * them is hidden from the plugin and must be denied */
	const char *json_types[] = { "application/json\\t;",
	    "appl\\u0130cation/json", "APPLICATION/JSON; charset=utf-8",
	    "application/json\\u00a0", "application/json; a=1; a=1" };
	char *w, *all;

	for (size_t i = 0; i < sizeof(json_types) / sizeof(json_types[0]);
	    i++) {
		w = wire_hidden("POST", CREATE, json_types[i], "1200000");
		decide(a, 0, w, &d);
		free(w);
		ASSERT_EQ(d.allow, 0);
		ASSERT_CONTAINS(d.msg, "1 MiB or more");
	}
	/* on a route that decodes JSON, whatever the type the plugin sees
	 * (it sees the last Content-Type header, dockerd the first) */
	w = wire_hidden("POST", CREATE, "text/plain", "1200000");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	/* not a JSON route, not a JSON type: a tar upload is fine */
	w = wire_hidden("PUT", "/v1.41/containers/x/archive?path=/",
	    "application/x-tar", "1200000");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	/* ... but not under a JSON type on an unknown route */
	w = wire_hidden("GET", "/v1.41/no/such/route", "application/json\\t;",
	    "1200000");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"rule\":\"body-not-visible\"");
	free(all);
}

TEST(decide_json_route_without_json_type_is_uncertain)
{
	struct authz *a = setup(1);
	struct authz_decision d;
	char *w, *all;

	/* v20.10 decodes a service spec whatever its Content-Type, and shows
	 * the plugin no body unless Go reads the type as JSON */
	w = wire_hidden("POST", "/v1.41/services/create", "text/plain", "120");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "not application/json to Go");
	/* upstream dockerd never shows /auth bodies: not a settings body */
	w = wire_hidden("POST", "/v1.41/auth", "application/json", "80");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	/* a body on a route dockaudit does not know */
	w = wire("POST", "/v1.41/containers/x/frobnicate", "{\"a\":1}", 0,
	    NULL, 0, NULL);
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "cannot be recorded exactly");
	ASSERT_CONTAINS(d.msg, "route dockaudit does not know");
	/* a multipart body on /build */
	w = wire_hidden("POST", "/v1.41/build",
	    "multipart/form-data; boundary=x", "300");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 0);
	ASSERT_CONTAINS(d.msg, "multipart/form-data body on /build");
	/* a tar build context is not */
	w = wire_hidden("POST", "/v1.41/build", "application/x-tar", "300");
	decide(a, 0, w, &d);
	free(w);
	ASSERT_EQ(d.allow, 1);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"uncertain\":[");
	ASSERT_CONTAINS(all, "\"rule\":\"dockaudit.record.uncertain\"");
	ASSERT_CONTAINS(all, "\"rule\":\"uncertain\"");
	free(all);
}

TEST(decide_proxied_uncertain_denied_in_enforce_only)
{
	int64_t now = clock_now_ns() / 1000000;

	for (int enforce = 0; enforce <= 1; enforce++) {
		struct authz *a = setup(enforce);
		struct authz_decision d;
		char mk[CALLMARK_MAX], x[2048], *all;
		unsigned char sha[32] = { 1 };
		const char *id = enforce ? "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee21" :
		    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee20";
		const char *sec = "\"security\":{\"privileged\":false,"
		    "\"uncertain\":[\"a request body larger than dockaudit reads\"]}";

		inflight_enable(1);
		/* held whole (vouched for), but unsure */
		ASSERT_EQ(inflight_put(id, sec, strlen(sec), "{\"user\":\"bob\"}",
		    14, 1), 0);
		callmark_make(id, now, sha, "POST", 4, CREATE, strlen(CREATE), mk);
		snprintf(x, sizeof(x), "{\"RequestMethod\":\"POST\",\"RequestUri\":"
		    "\"%s\",\"RequestHeaders\":{\"Content-Length\":\"900\","
		    "\"Content-Type\":\"text/plain\",\"X-Dockaudit-Call\":\"%s\"}}",
		    CREATE, mk);
		decide(a, 0, x, &d);
		ASSERT_EQ(d.allow, !enforce);
		if (enforce)
			ASSERT_CONTAINS(d.msg, "larger than dockaudit reads");
		inflight_del(id);
		inflight_enable(0);
		all = finish(a);
		/* the proxy wrote the alert; the plugin adds no second one */
		ASSERT_NOT_CONTAINS(all, "dockaudit.record.uncertain");
		free(all);
	}
}

TEST(bodyread_routes_and_versions)
{
	/* moby's versions.compare */
	ASSERT_EQ(bodyread_version_cmp("1.41", "1.41"), 0);
	ASSERT_EQ(bodyread_version_cmp("1.041", "1.41"), 0);
	ASSERT_EQ(bodyread_version_cmp("1.41.0", "1.41"), 0);
	ASSERT(bodyread_version_cmp("1.41.1", "1.41") > 0);
	ASSERT(bodyread_version_cmp("1.9", "1.24") < 0);
	ASSERT(bodyread_version_cmp("1.x", "1.0") == 0);
	ASSERT(bodyread_version_cmp("2", "1.99") > 0);
	/* Content-Type checked in every version */
	ASSERT_EQ(bodyread_route("container.create", NULL),
	    BR_JSON | BR_CT_CHECKED | BR_SETTINGS);
	/* v20.10: swarm, checkpoint, plugin bodies decoded unchecked */
	ASSERT_EQ(bodyread_route("service.create", "1.41"), BR_JSON | BR_SETTINGS);
	ASSERT_EQ(bodyread_route("plugin.set", NULL), BR_JSON | BR_SETTINGS);
	ASSERT_EQ(bodyread_route("auth.login", NULL), BR_JSON);
	/* exec start: checked from API 1.22 (1.21.x: v23 does not) */
	ASSERT(bodyread_route("exec.start", "1.22") & BR_CT_CHECKED);
	ASSERT(bodyread_route("exec.start", "") & BR_CT_CHECKED);
	ASSERT(!(bodyread_route("exec.start", "1.21.5") & BR_CT_CHECKED));
	ASSERT(bodyread_route("exec.start", "1.21") & BR_JSON);
	/* start: a HostConfig below 1.24 */
	ASSERT(bodyread_route("container.start", "1.23") & BR_SETTINGS);
	ASSERT_EQ(bodyread_route("container.start", "1.24"), 0);
	ASSERT_EQ(bodyread_route("container.start", NULL), 0);
	ASSERT_EQ(bodyread_route("image.build", NULL), BR_MULTIPART);
	ASSERT_EQ(bodyread_route("image.import", NULL), 0);
	ASSERT_EQ(bodyread_route("unknown", NULL), BR_UNKNOWN);
}

/* dockerd never gives the plugin a form body (JSON only): under a form
 * Content-Type, an unseen body holds parameters that override the
 * query's.  The record says so (capture/query.c). */
TEST(decide_bypass_form_body_unseen_is_uncertain)
{
	struct authz *a = setup(0);
	struct authz_decision d;
	const char *form = "{\"RequestMethod\":\"POST\",\"RequestUri\":"
	    "\"/v1.41/images/create?fromSrc=-&repo=f1\",\"RequestHeaders\":"
	    "{\"Content-Length\":\"20\",\"Content-Type\":"
	    "\"application/x-www-form-urlencoded\"}}\n";
	const char *plain = "{\"RequestMethod\":\"POST\",\"RequestUri\":"
	    "\"/v1.41/images/create?fromSrc=-&repo=f2\",\"RequestHeaders\":"
	    "{\"Content-Length\":\"20\",\"Content-Type\":\"text/plain\"}}\n";
	const char *empty = "{\"RequestMethod\":\"POST\",\"RequestUri\":"
	    "\"/v1.41/containers/c1/kill?signal=KILL&signal=TERM\","
	    "\"RequestHeaders\":{\"Content-Length\":\"0\"}}\n";
	char *all;

	decide(a, 0, form, &d);
	decide(a, 0, plain, &d);
	decide(a, 0, empty, &d);
	all = finish(a);
	ASSERT_CONTAINS(all, "\"query\":{\"fromSrc\":\"-\",\"repo\":\"f1\"}");
	ASSERT_CONTAINS(all, "\"uncertain\":[\"form body not read");
	/* a text/plain body: its first Content-Type header is not known,
	 * but that doubt is off in the plugin (authz_record.c) */
	ASSERT_NOT_CONTAINS(all, "request body not seen");
	/* every value of a repeated parameter, no doubt without a body */
	ASSERT_CONTAINS(all, "\"query\":{\"signal\":[\"KILL\",\"TERM\"]}");
	ASSERT_EQ(count_of(all, "\"uncertain\""), 1);
	free(all);
}
