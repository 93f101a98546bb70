/* gen_journal.c -- write a realistic journal for benchmarks, through the
 * real writer (jrn_init, jrn_open, jrn_submit, jrn_close) and the real
 * record renderer (evt_render).
 *
 *   gen_journal DIR N [SEED [K0FILE]]
 *
 * N records: API calls (request + response, hijacked exec/attach with a
 * session record too) by 8 people, mostly through sudo, some from CI
 * containers, over ~60 actions; ~88% success, ~8% failure, ~2% denied,
 * ~1% left pending; one record every ~50 ms from 2026-11-28T00:00:00Z;
 * an audit record every 10,000.  Deterministic for a given SEED (the
 * record contents; ids and times of seals are not).  With K0FILE (or
 * GEN_K0=K0FILE) the journal gets a sealing key (like `dockaudit init`;
 * k0 written to K0FILE, a new file) and a seal every 1,000 records, the
 * default; GEN_SEGMENT_BYTES=N sets the rotation size (default 64 MiB). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "event/record.h"
#include "journal/journal.h"
#include "journal/seal.h"

#define GEN_T0	((int64_t)1795824000 * 1000000000)	/* 2026-11-28T00:00:00Z */

static const char *const people[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"
};

struct route {
	const char	*method, *path, *action, *otype;
	int		 weight;
	int		 status;	/* on success */
	int		 hijack;
};

static const struct route routes[] = {
	{ "GET", "/v1.41/containers/json", "container.list", NULL, 30, 200, 0 },
	{ "GET", "/v1.41/containers/%s/json", "container.inspect", "container", 15, 200, 0 },
	{ "POST", "/v1.41/containers/create", "container.create", "container", 5, 201, 0 },
	{ "POST", "/v1.41/containers/%s/start", "container.start", "container", 5, 204, 0 },
	{ "POST", "/v1.41/containers/%s/stop", "container.stop", "container", 3, 204, 0 },
	{ "DELETE", "/v1.41/containers/%s", "container.delete", "container", 3, 204, 0 },
	{ "POST", "/v1.41/containers/%s/exec", "container.exec.create", "container", 4, 201, 0 },
	{ "POST", "/v1.41/exec/%s/start", "exec.start", "exec", 4, 101, 1 },
	{ "POST", "/v1.41/containers/%s/attach", "container.attach", "container", 1, 101, 1 },
	{ "GET", "/v1.41/containers/%s/logs", "container.logs", "container", 4, 200, 0 },
	{ "POST", "/v1.41/images/create", "image.pull", "image", 5, 200, 0 },
	{ "GET", "/v1.41/images/json", "image.list", NULL, 8, 200, 0 },
	{ "DELETE", "/v1.41/images/%s", "image.delete", "image", 1, 200, 0 },
	{ "GET", "/v1.41/info", "system.info", NULL, 6, 200, 0 },
	{ "GET", "/_ping", "system.ping", NULL, 4, 200, 0 },
	{ "GET", "/v1.41/networks", "network.list", NULL, 2, 200, 0 },
	{ "GET", "/v1.41/volumes", "volume.list", NULL, 1, 200, 0 },
};

static uint64_t rng;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;	/* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
		out[i] = digits[rnd() & 15];
	out[n] = '\0';
}

static void
submit(struct journal *j, struct evt *e, struct buf *b)
{
	struct timespec ts = { 0, 1000000 };
	int rc;

	buf_reset(b);
	if (evt_render(e, b) != DA_OK) {
		fprintf(stderr, "gen_journal: render failed\n");
		exit(1);
	}
	while ((rc = jrn_submit_lazy(j, b->data, b->len, NULL)) == DA_E_TOOBIG)
		nanosleep(&ts, NULL);	/* queue full: let the writer drain */
	if (rc != DA_OK) {
		fprintf(stderr, "gen_journal: record refused: %s\n",
		    da_strerror(rc));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static char containers[50][65], cis[4][65];
	char id[JRN_ID_LEN], err[DA_ERRLEN], actor[1024], path[256];
	char oid[65], xid[65], name[32];
	const struct route *rt;
	struct jrn_opts o;
	struct jrn_recovery rec;
	struct journal *j;
	struct evt e;
	struct buf b;
	uint64_t n, done = 0, call = 0;
	int64_t t = GEN_T0;
	int total = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: gen_journal DIR N [SEED [K0FILE]]\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	rng = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 88172645463325252ULL;
	for (int i = 0; i < 50; i++)
		hex(containers[i], 64);
	for (int i = 0; i < 4; i++)
		hex(cis[i], 64);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		total += routes[i].weight;
	if (jrn_init(argv[1], id, err) != DA_OK) {
		fprintf(stderr, "gen_journal: %s\n", err);
		return 1;
	}
	if (argc > 4 || getenv("GEN_K0") != NULL) {
		const char *k0file = argc > 4 ? argv[4] : getenv("GEN_K0");
		unsigned char k0[JRN_SEAL_KEY_LEN];
		int fd;

		if (jrn_seal_keygen(k0, err) != DA_OK ||
		    jrn_seal_init(argv[1], k0, err) != DA_OK) {
			fprintf(stderr, "gen_journal: %s\n", err);
			return 1;
		}
		if ((fd = open(k0file, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
		    jrn_seal_key_write_fd(fd, k0file, 0, k0, err) != DA_OK) {
			fprintf(stderr, "gen_journal: %s: cannot write k0\n",
			    k0file);
			return 1;
		}
		close(fd);
	}
	jrn_opts_default(&o);
	o.dir = argv[1];
	o.fsync = 0;
	if (getenv("GEN_SEGMENT_BYTES") != NULL)	/* rotation size */
		o.segment_max_bytes = strtoull(getenv("GEN_SEGMENT_BYTES"), NULL, 10);
	if (jrn_open(&j, &o, &rec, err) != DA_OK) {
		fprintf(stderr, "gen_journal: %s\n", err);
		return 1;
	}
	evt_set_host("web-3", "7TRN:IPZB:QYBB:VPBQ:UWB4:4YMM:G3Z7:J4GN:2VHR:M4TE:2P3K:S6NQ");
	buf_init(&b, 1 << 20);
	while (done < n) {
		int r = (int)(rnd() % (uint32_t)total), p = (int)(rnd() % 8);
		int ci = rnd() % 20 == 0, fate = (int)(rnd() % 100);
		int status, stages;
		const char *outcome;
		char reqid[EVT_UUID_LEN];

		if (done % 10000 == 0) {	/* dockaudit's own heartbeat */
			memset(&e, 0, sizeof(e));
			e.time_ns = t;
			e.kind = "audit";
			e.source = "dockaudit";
			e.action = "dockaudit.stats";
			e.outcome = "success";
			e.detail_json = "{\"records\":10000,\"lag\":0}";
			e.detail_len = strlen(e.detail_json);
			submit(j, &e, &b);
			done++;
			continue;
		}
		for (rt = routes; r >= rt->weight; rt++)
			r -= rt->weight;
		memcpy(oid, containers[rnd() % 50], sizeof(oid));
		hex(xid, 64);
		snprintf(path, sizeof(path), rt->path,
		    strcmp(rt->otype ? rt->otype : "", "exec") == 0 ? xid :
		    strncmp(rt->action, "image.", 6) == 0 ? "busybox:latest" :
		    oid);
		if (ci)
			snprintf(actor, sizeof(actor), "{\"auth\":\"peercred\","
			    "\"uid\":0,\"user\":\"root\",\"gid\":0,\"pid\":%u,"
			    "\"loginuid\":4294967295,\"login_user\":null,"
			    "\"sessionid\":null,\"comm\":\"python3\",\"exe\":"
			    "\"/usr/bin/python3\",\"cmdline\":[\"python3\","
			    "\"/ci/run.py\",\"--stage\",\"deploy\"],\"tty\":null,"
			    "\"parents\":[{\"pid\":1,\"comm\":\"tini\"}],"
			    "\"container\":\"%s\",\"proc\":\"ok\","
			    "\"cert_subject\":null,\"remote\":null}",
			    1000 + rnd() % 30000, cis[rnd() % 4]);
		else
			snprintf(actor, sizeof(actor), "{\"auth\":\"peercred\","
			    "\"uid\":0,\"user\":\"root\",\"gid\":0,\"pid\":%u,"
			    "\"loginuid\":%d,\"login_user\":\"%s\","
			    "\"sessionid\":%d,\"comm\":\"docker\",\"exe\":"
			    "\"/usr/bin/docker\",\"cmdline\":[\"docker\",\"%s\","
			    "\"--format\",\"{{.ID}}\"],\"tty\":\"pts/%d\","
			    "\"parents\":[{\"pid\":%u,\"comm\":\"sudo\"},"
			    "{\"pid\":%u,\"comm\":\"bash\"},{\"pid\":1,"
			    "\"comm\":\"systemd\"}],\"container\":null,"
			    "\"proc\":\"ok\",\"cert_subject\":null,"
			    "\"remote\":null}", 1000 + rnd() % 30000, 1001 + p,
			    people[p], 10 + p, strchr(rt->action, '.') + 1, p,
			    1000 + rnd() % 30000, 1000 + rnd() % 30000);
		snprintf(name, sizeof(name), "app-%u", rnd() % 50);
		evt_uuid(reqid);
		if (fate < 2) {
			outcome = "denied";
			status = 403;
		} else if (fate < 10) {
			outcome = "failure";
			status = fate < 6 ? 404 : fate < 9 ? 409 : 500;
		} else {
			outcome = "success";
			status = rt->status;
		}
		stages = fate == 99 ? 1 : outcome[0] == 'd' ? 1 :
		    rt->hijack && status == 101 ? 3 : 2;

		for (int s = 0; s < stages && done < n; s++) {
			memset(&e, 0, sizeof(e));
			e.time_ns = t;
			e.kind = "api";
			e.stage = s == 0 ? "request" : s == 1 ? "response" :
			    "session";
			e.source = "proxy";
			e.action = rt->action;
			e.outcome = s == 0 && outcome[0] != 'd' ? "pending" :
			    outcome;
			e.actor_json = actor;
			e.actor_len = strlen(actor);
			e.has_request = 1;
			memcpy(e.req.id, reqid, sizeof(reqid));
			e.req.method = rt->method;
			e.req.method_len = strlen(rt->method);
			e.req.path = path;
			e.req.path_len = strlen(path);
			e.req.api_version = "1.41";
			e.req.user_agent = "Docker-Client/28.2.2 (linux)";
			e.req.user_agent_len = strlen(e.req.user_agent);
			e.req.bytes = strcmp(rt->method, "GET") ? 812 : 0;
			if (strcmp(rt->action, "container.create") == 0) {
				e.req.query_json = "{\"name\":\"app\"}";
				e.req.query_len = strlen(e.req.query_json);
				e.req.body_json = "{\"Image\":\"nginx:1.27\","
				    "\"Env\":[\"PATH=[redacted]\",\"TOKEN="
				    "[redacted]\"],\"HostConfig\":{\"Binds\":"
				    "[\"/srv/app:/app:ro\"],\"Privileged\":false,"
				    "\"NetworkMode\":\"bridge\"}}";
				e.req.body_len = strlen(e.req.body_json);
				e.security_json = "\"security\":{\"privileged\":false,"
				    "\"cap_add\":null,\"mounts\":[{\"type\":"
				    "\"bind\",\"source\":\"/srv/app\",\"target\":"
				    "\"/app\",\"rw\":false}],\"network_mode\":"
				    "\"bridge\",\"pid_mode\":null}";
				e.security_len = strlen(e.security_json);
			}
			if (s > 0 || outcome[0] == 'd') {
				e.has_response = s < 2;
				e.resp.status = status;
				e.resp.bytes = 100 + rnd() % 5000;
				e.resp.duration_us = 200 + rnd() % 20000;
				if (status >= 400) {
					e.resp.error = "No such container";
					e.resp.error_len = strlen(e.resp.error);
				}
			}
			if (s == 2) {
				e.has_session = 1;
				e.sess.duration_us = 1000000 + rnd() % 100000000;
				e.sess.bytes_in = rnd() % 10000;
				e.sess.bytes_out = rnd() % 1000000;
				e.sess.end = "client_closed";
			}
			e.obj.type = rt->otype;
			if (rt->otype != NULL) {
				e.obj.id = strcmp(rt->otype, "exec") == 0 ? xid :
				    strcmp(rt->otype, "image") == 0 ? NULL : oid;
				e.obj.name = strcmp(rt->otype, "container") == 0 ?
				    name : NULL;
				e.obj.image = strcmp(rt->otype, "image") == 0 ?
				    "busybox:latest" : NULL;
			}
			submit(j, &e, &b);
			done++;
			t += 5000000 + (int64_t)(rnd() % 90000000);	/* ~50 ms */
		}
		call++;
	}
	jrn_close(j);
	buf_free(&b);
	fprintf(stderr, "gen_journal: %llu records, %llu calls in %s\n",
	    (unsigned long long)done, (unsigned long long)call, argv[1]);
	return 0;
}
