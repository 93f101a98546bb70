/* test-redact.c -- no secret value may reach the journal: the key list in
 * every letter case and Go folding, nesting, duplicates, Env entries,
 * per-action rules (auth, secret/config, swarm, plugin set), buildargs of
 * every shape, mount options, URL user info, keyed hashing, headers, and
 * a generator of random bodies with secrets planted where they belong. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unit.h"
#include "base/buf.h"
#include "base/err.h"
#include "event/redact.h"
#include "json/json.h"

#define R "\"[redacted]\""

/* {"body":<redacted body>} */
static char *
red(const char *action, const char *body)
{
	char err[DA_ERRLEN];
	struct json *b = NULL, *chk;
	struct buf out;
	struct jw w;

	if (body != NULL && (b = json_parse(body, strlen(body), err)) == NULL)
		UNIT_FAIL("body: %s", err);
	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	jw_obj_begin(&w, NULL);
	redact_json(action, b, &w, "body");
	jw_obj_end(&w);
	ASSERT_EQ(w.err, 0);
	json_free(b);
	if ((chk = json_parse(out.data, out.len, err)) == NULL)
		UNIT_FAIL("output %s: %s", out.data, err);
	json_free(chk);
	return buf_steal(&out, NULL);
}

#define EXPECT(action, body, want) do {					\
	char *_got = red(action, body);					\
	ASSERT_STREQ(_got, "{\"body\":" want "}");			\
	ASSERT_NOT_CONTAINS(_got, "S3CR3T");				\
	free(_got);							\
} while (0)

TEST(secret_keys_any_case)
{
	EXPECT("container.create",
	    "{\"Password\":\"S3CR3T1\",\"password\":\"S3CR3T2\","
	    "\"PASSWORD\":\"S3CR3T3\",\"Secret\":\"S3CR3T\",\"data\":\"S3CR3T\","
	    "\"JoinToken\":\"S3CR3T\",\"signingCAkey\":\"S3CR3T\","
	    "\"UnlockKey\":\"S3CR3T\",\"token\":\"S3CR3T\","
	    "\"IdentityToken\":\"S3CR3T\",\"RegistryToken\":\"S3CR3T\","
	    "\"Auth\":\"S3CR3T\",\"keep\":\"visible\",\"n\":1,\"nul\":null,"
	    "\"Password\":null}",
	    "{\"Password\":" R ",\"password\":" R ",\"PASSWORD\":" R
	    ",\"Secret\":" R ",\"data\":" R ",\"JoinToken\":" R
	    ",\"signingCAkey\":" R ",\"UnlockKey\":" R ",\"token\":" R
	    ",\"IdentityToken\":" R ",\"RegistryToken\":" R ",\"Auth\":" R
	    ",\"keep\":\"visible\",\"n\":1,\"nul\":null,\"Password\":null}");
	/* names dockerd folds onto the field: long s, Kelvin sign, escapes */
	EXPECT("secret.create",
	    "{\"Pa\\u017f\\u017fword\":\"S3CR3T\",\"Jointo\\u212aen\":\"S3CR3T\","
	    "\"\\u0044ata\":\"S3CR3T\",\"UnlockKey\\u0000\":\"visible\","
	    "\"to\\u212aen\":\"S3CR3T\",\"\\u0131dentitytoken\":\"S3CR3T\","
	    "\"\\u0045nv\":[\"A=S3CR3T\"],\"passwordx\":\"visible\"}",
	    "{\"Pa\xc5\xbf\xc5\xbfword\":" R ",\"Jointo\xe2\x84\xaa" "en\":" R
	    ",\"Data\":" R ",\"UnlockKey\\u0000\":\"visible\",\"to\xe2\x84\xaa"
	    "en\":" R ",\"\xc4\xb1" "dentitytoken\":" R ",\"Env\":[\"A=[redacted]\"],"
	    "\"passwordx\":\"visible\"}");
	/* whole values: objects, arrays, numbers */
	EXPECT("container.create",
	    "{\"secret\":{\"a\":\"S3CR3T\",\"b\":[\"S3CR3T\"]},"
	    "\"token\":[\"S3CR3T\",{\"x\":\"S3CR3T\"}],\"data\":12345,"
	    "\"auth\":true}",
	    "{\"secret\":" R ",\"token\":" R ",\"data\":" R ",\"auth\":" R "}");
}

TEST(nested_and_duplicates)
{
	EXPECT("service.create",
	    "{\"a\":[{\"x\":{\"password\":\"S3CR3T\"}},{\"Password\":{\"nested\":"
	    "[\"S3CR3T\"]}},[[{\"TOKEN\":\"S3CR3T\"}]]],\"b\":{\"c\":{\"d\":"
	    "{\"token\":[1,2,\"S3CR3T\"]}}},\"password\":\"S3CR3T\","
	    "\"password\":\"S3CR3T\",\"Labels\":{\"com.example.team\":\"ops\","
	    "\"password\":\"S3CR3T\"}}",
	    "{\"a\":[{\"x\":{\"password\":" R "}},{\"Password\":" R "},"
	    "[[{\"TOKEN\":" R "}]]],\"b\":{\"c\":{\"d\":{\"token\":" R "}}},"
	    "\"password\":" R ",\"password\":" R ",\"Labels\":{"
	    "\"com.example.team\":\"ops\",\"password\":" R "}}");
	/* keys that only contain a secret word are kept */
	EXPECT("service.create", "{\"Secrets\":[{\"SecretName\":\"db\","
	    "\"SecretID\":\"abc\"}],\"Tokens\":1,\"Metadata\":\"m\"}",
	    "{\"Secrets\":[{\"SecretName\":\"db\",\"SecretID\":\"abc\"}],"
	    "\"Tokens\":1,\"Metadata\":\"m\"}");
}

TEST(env_names_kept_values_redacted)
{
	EXPECT("container.create",
	    "{\"Env\":[\"A=S3CR3T\",\"B=x=S3CR3T\",\"NAME_ONLY\",\"=S3CR3T\","
	    "\"EMPTY=\",null,7,{\"password\":\"S3CR3T\"},[\"S3CR3T\"]],"
	    "\"env\":\"X=S3CR3T\",\"ENV\":{\"k\":\"S3CR3T\"},\"eNv\":null}",
	    "{\"Env\":[\"A=[redacted]\",\"B=[redacted]\",\"NAME_ONLY\","
	    "\"=[redacted]\",\"EMPTY=[redacted]\",null," R "," R "," R "],"
	    "\"env\":" R ",\"ENV\":" R ",\"eNv\":null}");
	/* in service specs and inspect responses too */
	EXPECT("service.create", "{\"TaskTemplate\":{\"ContainerSpec\":"
	    "{\"Env\":[\"DB_PASSWORD=S3CR3T\"],\"Image\":\"x\"}}}",
	    "{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":"
	    "[\"DB_PASSWORD=[redacted]\"],\"Image\":\"x\"}}}");
	/* plugin set takes env-style settings as the whole body */
	EXPECT("plugin.set", "[\"DEBUG=1\",\"PASS=S3CR3T\",\"flag\"]",
	    "[\"DEBUG=[redacted]\",\"PASS=[redacted]\",\"flag\"]");
	EXPECT("plugin.set", "{\"x\":\"S3CR3T\"}", R);
}

TEST(docker_create_body)
{
	char *got = red("container.create", "{\"Hostname\":\"\",\"User\":\"\","
	    "\"Env\":[\"SECRET=S3CR3T\",\"PATH=/usr/bin\"],\"Cmd\":[\"sh\"],"
	    "\"Image\":\"busybox\",\"Labels\":{\"app\":\"web\"},\"HostConfig\":"
	    "{\"Binds\":[\"/:/host\"],\"Privileged\":true,\"LogConfig\":"
	    "{\"Type\":\"\",\"Config\":{}},\"Memory\":0,\"CpuShares\":1.5e0}}");

	ASSERT_STREQ(got, "{\"body\":{\"Hostname\":\"\",\"User\":\"\",\"Env\":"
	    "[\"SECRET=[redacted]\",\"PATH=[redacted]\"],\"Cmd\":[\"sh\"],"
	    "\"Image\":\"busybox\",\"Labels\":{\"app\":\"web\"},\"HostConfig\":"
	    "{\"Binds\":[\"/:/host\"],\"Privileged\":true,\"LogConfig\":"
	    "{\"Type\":\"\",\"Config\":{}},\"Memory\":0,\"CpuShares\":1.5e0}}}");
	free(got);
}

TEST(action_rules)
{
	EXPECT("auth.login", "{\"username\":\"alice\",\"password\":\"S3CR3T\","
	    "\"serveraddress\":\"https://index.docker.io/v1/\","
	    "\"email\":\"S3CR3T@x\",\"auth\":\"S3CR3T\","
	    "\"identitytoken\":\"S3CR3T\",\"Username\":\"bob\","
	    "\"ServerAddress\":{\"x\":\"S3CR3T\"},\"other\":[\"S3CR3T\"],"
	    "\"username\":null}",
	    "{\"username\":\"alice\",\"password\":" R ",\"serveraddress\":"
	    "\"https://index.docker.io/v1/\",\"email\":" R ",\"auth\":" R
	    ",\"identitytoken\":" R ",\"Username\":\"bob\",\"ServerAddress\":"
	    R ",\"other\":" R ",\"username\":null}");
	EXPECT("auth.login", "[\"S3CR3T\"]", R);
	EXPECT("auth.login", "\"S3CR3T\"", R);
	EXPECT("secret.create", "{\"Name\":\"db\",\"Labels\":{\"a\":\"b\"},"
	    "\"Data\":\"UzNDUjNU\",\"Driver\":null}",
	    "{\"Name\":\"db\",\"Labels\":{\"a\":\"b\"},\"Data\":" R
	    ",\"Driver\":null}");
	EXPECT("config.update", "{\"data\":\"S3CR3T\"}", "{\"data\":" R "}");
	EXPECT("secret.create", "\"S3CR3T\"", R);
	EXPECT("secret.update", "[\"S3CR3T\"]", R);
	EXPECT("swarm.init", "{\"ListenAddr\":\"0.0.0.0:2377\",\"Spec\":"
	    "{\"CAConfig\":{\"SigningCAKey\":\"-----BEGIN S3CR3T\","
	    "\"SigningCACert\":\"cert\"}}}",
	    "{\"ListenAddr\":\"0.0.0.0:2377\",\"Spec\":{\"CAConfig\":"
	    "{\"SigningCAKey\":" R ",\"SigningCACert\":\"cert\"}}}");
	EXPECT("swarm.join", "{\"JoinToken\":\"SWMTKN-S3CR3T\","
	    "\"RemoteAddrs\":[\"10.0.0.1:2377\"]}",
	    "{\"JoinToken\":" R ",\"RemoteAddrs\":[\"10.0.0.1:2377\"]}");
	EXPECT("swarm.join", "\"SWMTKN-S3CR3T\"", R);
	EXPECT("swarm.unlock", "{\"UnlockKey\":\"SWMKEY-S3CR3T\"}",
	    "{\"UnlockKey\":" R "}");
	/* GET /swarm response */
	EXPECT("swarm.inspect", "{\"ID\":\"x\",\"JoinTokens\":{\"Worker\":"
	    "\"S3CR3T\",\"Manager\":\"S3CR3T\"}}",
	    "{\"ID\":\"x\",\"JoinTokens\":" R "}");
	/* /auth response */
	EXPECT("auth.login", "{\"Status\":\"Login Succeeded\","
	    "\"IdentityToken\":\"S3CR3T\"}",
	    "{\"Status\":" R ",\"IdentityToken\":" R "}");
}

TEST(mount_options_and_urls)
{
	EXPECT("volume.create", "{\"Name\":\"share\",\"DriverOpts\":{\"type\":"
	    "\"cifs\",\"o\":\"addr=1.2.3.4,username=u,password=S3CR3T,"
	    "pass=S3CR3T,PASSWD=S3CR3T,vers=3.0,ro\",\"device\":\"//h/s\"}}",
	    "{\"Name\":\"share\",\"DriverOpts\":{\"type\":\"cifs\",\"o\":"
	    "\"addr=1.2.3.4,username=u,password=[redacted],pass=[redacted],"
	    "PASSWD=[redacted],vers=3.0,ro\",\"device\":\"//h/s\"}}");
	EXPECT("volume.create", "{\"O\":\"\",\"o\":\"bind\",\"o\":7}",
	    "{\"O\":\"\",\"o\":\"bind\",\"o\":7}");
	EXPECT("container.create",
	    "{\"remote\":\"https://user:S3CR3T@github.com/x.git\","
	    "\"Cmd\":[\"sh\",\"-c\",\"curl http://u:S3CR3T@h/p && curl "
	    "https://h/p?a@b\"],\"x\":\"ftp://S3CR3T@h\",\"y\":\"no url @ here\","
	    "\"z\":\"a://@b\",\"w\":\"git://S3CR3T@h:22\"}",
	    "{\"remote\":\"https://[redacted]@github.com/x.git\",\"Cmd\":[\"sh\","
	    "\"-c\",\"curl http://[redacted]@h/p && curl https://h/p?a@b\"],"
	    "\"x\":\"ftp://[redacted]@h\",\"y\":\"no url @ here\","
	    "\"z\":\"a://@b\",\"w\":\"git://[redacted]@h:22\"}");
}

/* Log-driver and volume-driver options are free-form maps: their keys
 * match by pattern (token, secret, passw, cred, key, auth, pwd), wherever
 * LogConfig sits (HostConfig or the top level) and in service specs. */
TEST(driver_options_by_pattern)
{
	EXPECT("container.create",
	    "{\"Image\":\"bb\",\"HostConfig\":{\"LogConfig\":{\"Type\":\"splunk\","
	    "\"Config\":{\"splunk-token\":\"S3CR3T\",\"splunk-url\":\"https://h\","
	    "\"logentries-token\":\"S3CR3T\",\"max-size\":\"10m\","
	    "\"awslogs-credentials-endpoint\":\"S3CR3T\","
	    "\"gelf-tls-password\":\"S3CR3T\",\"SYSLOG-TLS-KEY\":\"S3CR3T\","
	    "\"x-Secret-y\":\"S3CR3T\",\"smb_pass\":\"S3CR3T\",\"mode\":\"blocking\","
	    "\"api_pwd\":\"S3CR3T\",\"tag\":\"{{.Name}}\"}}},"
	    "\"logconfig\":{\"config\":{\"fluentd-auth\":\"S3CR3T\"}}}",
	    "{\"Image\":\"bb\",\"HostConfig\":{\"LogConfig\":{\"Type\":\"splunk\","
	    "\"Config\":{\"splunk-token\":" R ",\"splunk-url\":\"https://h\","
	    "\"logentries-token\":" R ",\"max-size\":\"10m\","
	    "\"awslogs-credentials-endpoint\":" R ",\"gelf-tls-password\":" R
	    ",\"SYSLOG-TLS-KEY\":" R ",\"x-Secret-y\":" R ",\"smb_pass\":" R
	    ",\"mode\":\"blocking\",\"api_pwd\":" R ",\"tag\":\"{{.Name}}\"}}},"
	    "\"logconfig\":{\"config\":{\"fluentd-auth\":" R "}}}");
	/* outside an option map a "key" member is not a secret */
	EXPECT("container.create", "{\"Config\":{\"splunk-token\":\"x\"},"
	    "\"Labels\":{\"key\":\"v\"}}",
	    "{\"Config\":{\"splunk-token\":\"x\"},\"Labels\":{\"key\":\"v\"}}");
	EXPECT("service.create", "{\"TaskTemplate\":{\"LogDriver\":{\"Name\":"
	    "\"splunk\",\"Options\":{\"splunk-token\":\"S3CR3T\",\"max-file\":"
	    "\"3\"}},\"ContainerSpec\":{\"Mounts\":[{\"VolumeOptions\":{"
	    "\"DriverConfig\":{\"Name\":\"sshfs\",\"Options\":{\"sshkey\":"
	    "\"S3CR3T\",\"host\":\"h\"}}}}]}}}",
	    "{\"TaskTemplate\":{\"LogDriver\":{\"Name\":\"splunk\",\"Options\":"
	    "{\"splunk-token\":" R ",\"max-file\":\"3\"}},\"ContainerSpec\":"
	    "{\"Mounts\":[{\"VolumeOptions\":{\"DriverConfig\":{\"Name\":"
	    "\"sshfs\",\"Options\":{\"sshkey\":" R ",\"host\":\"h\"}}}}]}}}");
	EXPECT("volume.create", "{\"Driver\":\"local\",\"DriverOpts\":{\"type\":"
	    "\"cifs\",\"device\":\"//h/s\",\"o\":\"username=u,credentials=S3CR3T,"
	    "secret=S3CR3T,vers=3.0\",\"smbpassword\":\"S3CR3T\"}}",
	    "{\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"cifs\",\"device\":"
	    "\"//h/s\",\"o\":\"username=u,credentials=[redacted],secret=[redacted],"
	    "vers=3.0\",\"smbpassword\":" R "}}");
}

/* {"error":<text>} as record.c writes dockerd's error */
static char *
msg(const char *text)
{
	struct buf out;
	struct jw w;

	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	jw_obj_begin(&w, NULL);
	redact_write_message(&w, "error", text, strlen(text));
	jw_obj_end(&w);
	ASSERT_EQ(w.err, 0);
	return buf_steal(&out, NULL);
}

#define MSG(text, want) do {						\
	char *_got = msg(text);						\
	ASSERT_STREQ(_got, "{\"error\":\"" want "\"}");			\
	ASSERT_NOT_CONTAINS(_got, "S3CR3T");				\
	ASSERT_NOT_CONTAINS(_got, "hunter2");				\
	free(_got);							\
} while (0)

TEST(error_text_secrets)
{
	/* what dockerd 20.10 answers when a CIFS volume fails to mount */
	MSG("error while mounting volume '/var/lib/docker/volumes/v/_data': "
	    "failed to mount local volume: mount //127.0.0.1/share:/var/lib/"
	    "docker/volumes/v/_data, data: addr=127.0.0.1,username=u,"
	    "password=hunter2,vers=3.0: invalid argument",
	    "error while mounting volume '/var/lib/docker/volumes/v/_data': "
	    "failed to mount local volume: mount //127.0.0.1/share:/var/lib/"
	    "docker/volumes/v/_data, data: addr=127.0.0.1,username=u,"
	    "password=[redacted],vers=3.0: invalid argument");
	MSG("mount opts pass=S3CR3T,credentials=/S3CR3T,secret=S3CR3T "
	    "PASSWD='S3CR3T x' smb_pass=S3CR3T;",
	    "mount opts pass=[redacted],credentials=[redacted],secret=[redacted] "
	    "PASSWD='[redacted]' smb_pass=[redacted];");
	MSG("Get https://bob:S3CR3T@reg/v2/: denied; url=https://u:S3CR3T@h",
	    "Get https://[redacted]@reg/v2/: denied; url=https://[redacted]@h");
	MSG("bad header Authorization: Basic S3CR3T== from proxy",
	    "bad header Authorization: Basic [redacted] from proxy");
	MSG("authorization:S3CR3T, X-Registry-Auth: S3CR3T",
	    "authorization:[redacted], X-Registry-Auth: [redacted]");
	MSG("json: {\"password\":\"S3CR3T\",\"user\":\"u\"}",
	    "json: {\\\"password\\\":\\\"[redacted]\\\",\\\"user\\\":"
	    "\\\"u\\\"}");
	/* the same quoted again, as Go's %q prints it */
	MSG("invalid \\\"secret\\\": \\\"S3CR3T x\\\" given",
	    "invalid \\\\\\\"secret\\\\\\\": \\\\\\\"[redacted]\\\\\\\" given");
	/* what stays: ordinary messages, names without values */
	MSG("unauthorized: authentication required",
	    "unauthorized: authentication required");
	MSG("No such container: abc; max-size=10m; token not found",
	    "No such container: abc; max-size=10m; token not found");
	MSG("failed to fetch anonymous token: unexpected status: 401",
	    "failed to fetch anonymous token: unexpected status: 401");
	MSG("password= and key=", "password= and key=");
	char *n = NULL;
	struct buf out;
	struct jw w;

	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	jw_obj_begin(&w, NULL);
	redact_write_message(&w, "error", n, 0);
	jw_obj_end(&w);
	ASSERT_STREQ(out.data, "{\"error\":null}");
	buf_free(&out);
}

TEST(non_object_bodies)
{
	EXPECT("container.create", "\"a string\"", "\"a string\"");
	EXPECT("container.create", "12", "12");
	EXPECT("container.create", "null", "null");
	EXPECT("container.create", "[]", "[]");
	EXPECT("container.create", "[true,{\"token\":\"S3CR3T\"}]",
	    "[true,{\"token\":" R "}]");
	{
		char *got = red("container.create", NULL);

		ASSERT_STREQ(got, "{\"body\":null}");
		free(got);
	}
	/* a top-level value with no key, deep nesting below a deep writer */
	{
		struct buf b, out;
		struct json *v;
		struct jw w;
		int d;

		buf_init(&b, BUF_UNLIMITED);
		for (d = 0; d < JSON_MAX_DEPTH - 1; d++)
			buf_puts(&b, "{\"a\":");
		buf_puts(&b, "{\"password\":\"S3CR3T\"}");
		for (d = 0; d < JSON_MAX_DEPTH - 1; d++)
			buf_puts(&b, "}");
		v = json_parse(b.data, b.len, NULL);
		ASSERT(v != NULL);
		buf_init(&out, BUF_UNLIMITED);
		jw_init(&w, &out);
		jw_obj_begin(&w, NULL);
		jw_obj_begin(&w, "request");
		redact_json("container.create", v, &w, "body");
		jw_obj_end(&w);
		jw_obj_end(&w);
		ASSERT_EQ(w.err, 0);
		ASSERT_NOT_CONTAINS(out.data, "S3CR3T");
		ASSERT_CONTAINS(out.data, "{\"password\":\"[redacted]\"}}}");
		buf_reset(&out);
		jw_init(&w, &out);
		redact_json("container.create", v, &w, NULL);
		ASSERT_EQ(w.err, 0);
		ASSERT_EQ(out.data[0], '{');
		json_free(v);
		buf_free(&b);
		buf_free(&out);
	}
	/* a full buffer is an error, never a truncated record */
	{
		struct buf out;
		struct json *v = json_parse("{\"a\":\"0123456789\"}", 18, NULL);
		struct jw w;

		buf_init(&out, 10);
		jw_init(&w, &out);
		redact_json("x", v, &w, NULL);
		ASSERT_EQ(w.err, DA_E_TOOBIG);
		json_free(v);
		buf_free(&out);
	}
}

static void
hmac16(const char *key, size_t kl, const char *v, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int i;

	ASSERT(HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)v, n, md,
	    &mdlen) != NULL);
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

TEST(keyed_hash)
{
	char h[17], h2[17], hobj[17], want[512], lk[100];
	char *got;

	redact_set_hash_key((const unsigned char *)"k3y", 3);
	hmac16("k3y", 3, "same", 4, h);
	hmac16("k3y", 3, "other", 5, h2);
	hmac16("k3y", 3, "{\"x\":1}", 7, hobj);
	got = red("container.create", "{\"password\":\"same\",\"token\":\"same\","
	    "\"secret\":\"other\",\"Env\":[\"A=same\"],\"data\":{\"x\":1},"
	    "\"auth\":null}");
	snprintf(want, sizeof(want), "{\"body\":{\"password\":"
	    "\"[redacted:hmac:%s]\",\"token\":\"[redacted:hmac:%s]\","
	    "\"secret\":\"[redacted:hmac:%s]\",\"Env\":[\"A=[redacted:hmac:%s]\"],"
	    "\"data\":\"[redacted:hmac:%s]\",\"auth\":null}}", h, h, h2, h, hobj);
	ASSERT_STREQ(got, want);
	ASSERT(strcmp(h, h2) != 0);
	free(got);
	/* a long key gives HMAC's own result (it hashes long keys) */
	memset(lk, 'k', sizeof(lk));
	redact_set_hash_key((const unsigned char *)lk, sizeof(lk));
	hmac16(lk, sizeof(lk), "same", 4, h);
	got = red("x", "{\"password\":\"same\"}");
	snprintf(want, sizeof(want), "{\"body\":{\"password\":"
	    "\"[redacted:hmac:%s]\"}}", h);
	ASSERT_STREQ(got, want);
	free(got);
	/* query values and the writer helper too */
	{
		struct buf out;
		struct jw w;

		buf_init(&out, BUF_UNLIMITED);
		jw_init(&w, &out);
		redact_write_secret(&w, NULL, "same", 4);
		snprintf(want, sizeof(want), "\"[redacted:hmac:%s]\"", h);
		ASSERT_STREQ(out.data, want);
		buf_free(&out);
	}
	redact_set_hash_key(NULL, 0);
	got = red("x", "{\"password\":\"same\"}");
	ASSERT_STREQ(got, "{\"body\":{\"password\":\"[redacted]\"}}");
	free(got);
}

TEST(headers)
{
	static const char *secret[] = {
		"Authorization", "authorization", "X-Registry-Auth",
		"x-registry-config", "X-REGISTRY-CONFIG", "Proxy-Authorization",
		"Cookie", "Set-Cookie", "X-Auth-Token", "X-Api-Secret",
		"X-Password",
	};
	static const char *plain[] = {
		"Content-Type", "User-Agent", "Host", "X-Registry-Configx",
		"Content-Length", "Api-Version", "",
	};
	size_t i;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (!redact_header_is_secret(secret[i], strlen(secret[i])))
			UNIT_FAIL("%s is not secret", secret[i]);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (redact_header_is_secret(plain[i], strlen(plain[i])))
			UNIT_FAIL("%s is secret", plain[i]);
	/* length, not NUL, ends the name */
	ASSERT(!redact_header_is_secret("Authorization", 3));
}

static char *
qv(const char *action, const char *name, const char *value)
{
	struct buf out;
	struct jw w;
	char err[DA_ERRLEN];
	struct json *chk;

	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	jw_obj_begin(&w, NULL);
	redact_query_value(action, name, value, value ? strlen(value) : 0, &w);
	jw_obj_end(&w);
	ASSERT_EQ(w.err, 0);
	if ((chk = json_parse(out.data, out.len, err)) == NULL)
		UNIT_FAIL("output %s: %s", out.data, err);
	json_free(chk);
	ASSERT_NOT_CONTAINS(out.data, "S3CR3T");
	return buf_steal(&out, NULL);
}

#define EXPECT_Q(action, name, value, want) do {			\
	char *_got = qv(action, name, value);				\
	ASSERT_STREQ(_got, want);					\
	free(_got);							\
} while (0)

TEST(query_values)
{
	ASSERT(redact_query_is_secret("image.build", "buildargs"));
	ASSERT(redact_query_is_secret("x", "password"));
	ASSERT(redact_query_is_secret("x", "Token"));
	ASSERT(!redact_query_is_secret("image.build", "t"));
	ASSERT(!redact_query_is_secret("image.build", NULL));
	EXPECT_Q("image.build", "buildargs",
	    "{\"A\":\"S3CR3T\",\"a\":\"S3CR3T\",\"A\":\"S3CR3T\",\"B\":null,"
	    "\"C\":{\"x\":\"S3CR3T\"},\"D\":[\"S3CR3T\"],\"E\":5,"
	    "\"\\u0041\\\"q\":\"S3CR3T\",\"HTTP_PROXY\":\"http://u:S3CR3T@p\"}",
	    "{\"buildargs\":{\"A\":" R ",\"a\":" R ",\"A\":" R ",\"B\":null,"
	    "\"C\":" R ",\"D\":" R ",\"E\":" R ",\"A\\\"q\":" R
	    ",\"HTTP_PROXY\":" R "}}");
	EXPECT_Q("image.build", "buildargs", "{\"A\":\"S3CR3T\"",
	    "{\"buildargs\":" R "}");
	EXPECT_Q("image.build", "buildargs", "[\"A=S3CR3T\"]",
	    "{\"buildargs\":" R "}");
	EXPECT_Q("image.build", "buildargs", "\"S3CR3T\"", "{\"buildargs\":" R "}");
	EXPECT_Q("image.build", "buildargs", "", "{\"buildargs\":" R "}");
	EXPECT_Q("image.build", "buildargs", "{}", "{\"buildargs\":{}}");
	EXPECT_Q("image.build", "buildargs", "{\"A\":\"S3CR3T\"} junk",
	    "{\"buildargs\":" R "}");
	EXPECT_Q("image.build", "remote", "https://u:S3CR3T@github.com/r.git",
	    "{\"remote\":\"https://[redacted]@github.com/r.git\"}");
	EXPECT_Q("image.build", "t", "app:1", "{\"t\":\"app:1\"}");
	EXPECT_Q("image.build", "t", NULL, "{\"t\":null}");
	EXPECT_Q("x", "password", "S3CR3T", "{\"password\":" R "}");
	EXPECT_Q("image.import", "fromSrc", "http://u:S3CR3T@h/img.tar",
	    "{\"fromSrc\":\"http://[redacted]@h/img.tar\"}");
	{
		struct buf out;
		struct jw w;

		buf_init(&out, BUF_UNLIMITED);
		jw_init(&w, &out);
		redact_write_text(&w, NULL, "a\"b https://x:S3CR3T@y", 22);
		ASSERT_STREQ(out.data, "\"a\\\"b https://[redacted]@y\"");
		buf_reset(&out);
		jw_init(&w, &out);
		redact_write_text(&w, NULL, NULL, 0);
		ASSERT_STREQ(out.data, "null");
		buf_free(&out);
	}
}

/* ---- random bodies: the marker is planted only in secret places ---- */

static unsigned rng = 2463534242u;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

static const char *const secret_names[] = {
	"password", "Password", "PASSWORD", "pAsSwOrD", "pa\\u017fsword",
	"secret", "SECRET", "data", "Data", "\\u0044ATA", "jointoken",
	"JoinToken", "Jointo\\u212aen", "signingcakey", "SigningCAKey",
	"unlockkey", "UnlockKey", "token", "Token", "identitytoken",
	"IdentityToken", "registrytoken", "RegistryToken", "auth", "AUTH",
};
static const char *const plain_names[] = {
	"Image", "Labels", "HostConfig", "a", "Secrets", "Tokens", "name",
	"passwords", "x\\u0000", "\\u00e9", "Cmd",
};

static void gen_value(struct buf *b, int depth, int secret);

/* A value that may only hold the marker under secret keys. */
static void
gen_object(struct buf *b, int depth)
{
	int n = (int)rnd(5), i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		switch (rnd(4)) {
		case 0:
			buf_printf(b, "\"%s\":", secret_names[rnd(
			    sizeof(secret_names) / sizeof(secret_names[0]))]);
			gen_value(b, depth + 1, 1);
			break;
		case 1:
			buf_printf(b, "\"%s\":[", rnd(2) ? "Env" : "eNV");
			buf_printf(b, "\"N%u=S3CR3T%u\",\"M=x=S3CR3T\"]", rnd(9),
			    rnd(9));
			break;
		case 2:
			buf_puts(b, "\"o\":\"uid=1,password=S3CR3T,x=y\"");
			break;
		default:
			buf_printf(b, "\"%s\":", plain_names[rnd(
			    sizeof(plain_names) / sizeof(plain_names[0]))]);
			gen_value(b, depth + 1, 0);
			break;
		}
	}
	buf_putc(b, '}');
}

static void
gen_value(struct buf *b, int depth, int secret)
{
	int n, i;

	switch (depth > 6 ? rnd(3) : rnd(6)) {
	case 0:
		buf_puts(b, secret ? "\"S3CR3T\"" : "\"plain\"");
		break;
	case 1:
		buf_puts(b, secret ? "1234" : "null");
		break;
	case 2:
		buf_puts(b, secret ? "\"x://u:S3CR3T@h\"" :
		    "\"see https://u:S3CR3T@h/x\"");
		break;
	case 3:
	case 4:
		gen_object(b, depth);
		break;
	default:
		n = (int)rnd(4);
		buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			gen_value(b, depth + 1, secret);
		}
		buf_putc(b, ']');
		break;
	}
}

TEST(generated_bodies_leak_nothing)
{
	static const char *actions[] = {
		"container.create", "auth.login", "secret.create", "swarm.join",
		"plugin.set", "service.create",
	};
	int it;

	for (it = 0; it < 5000; it++) {
		struct buf b;
		char *got;

		buf_init(&b, BUF_UNLIMITED);
		gen_object(&b, 0);
		got = red(actions[it % 6], b.data);
		if (strstr(got, "S3CR3T") != NULL)
			UNIT_FAIL("leak for %s:\n  in  %s\n  out %s", actions[it % 6],
			    b.data, got);
		free(got);
		buf_free(&b);
	}
}
