/* test-actions.c -- the specification of request classification
 * (src/event/actions.c) and of the route table (src/event/routes.c):
 * one example per route, versioned and not; percent-encoding, greedy
 * names, absolute form, queries, images/create pull vs import, HEAD,
 * unknown routes and garbage; table consistency; docs/actions.md kept
 * identical to the table; and a speed check. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "event/actions.h"
#include "event/routes.h"
#include "unit.h"

#define M	ROUTE_MUTATING
#define H	ROUTE_HIJACK
#define S	ROUTE_STREAM
#define X	ROUTE_SECRET_BODY

#define NROUTES	actions_count()

static struct route_match rm;

/* classify a NUL-terminated target; returns the row index or -1 */
static long
cls(const char *method, const char *target)
{
	memset(&rm, 0xa5, sizeof(rm));	/* catch fields left unset */
	return actions__classify(method, target, strlen(target), &rm);
}

/* One example per route; the same example is also run with "/v1.41" and
 * "/v1.52" in front.  ref is the expected object_ref. */
struct example {
	const char	*method;
	const char	*target;
	const char	*action;
	const char	*objtype;
	const char	*ref;
	unsigned	 flags;
};

static const struct example examples[] = {
	{ "GET", "/_ping", "system.ping", "system", "", 0 },
	{ "HEAD", "/_ping", "system.ping", "system", "", 0 },
	{ "POST", "/auth", "auth.login", "auth", "", M | X },
	{ "POST", "/build?t=app:1&dockerfile=Dockerfile&buildargs=%7B%7D", "image.build", "image", "", M | S },
	{ "POST", "/build/prune?all=1", "build.prune", "build", "", M },
	{ "POST", "/build/cancel?id=abc", "build.cancel", "build", "", M },
	{ "POST", "/commit?container=web&repo=snap", "container.commit", "container", "", M },

	{ "GET", "/configs", "config.list", "config", "", 0 },
	{ "POST", "/configs/create", "config.create", "config", "", M },
	{ "DELETE", "/configs/cfg1", "config.delete", "config", "cfg1", M },
	{ "GET", "/configs/cfg1", "config.inspect", "config", "cfg1", 0 },
	{ "POST", "/configs/cfg1/update?version=3", "config.update", "config", "cfg1", M },

	{ "GET", "/containers/web/checkpoints", "checkpoint.list", "container", "web", 0 },
	{ "POST", "/containers/web/checkpoints", "checkpoint.create", "container", "web", M },
	{ "DELETE", "/containers/web/checkpoints/cp1", "checkpoint.delete", "container", "web", M },
	{ "HEAD", "/containers/web/archive?path=/etc", "container.archive.head", "container", "web", 0 },
	{ "GET", "/containers/json?all=1", "container.list", "container", "", 0 },
	{ "GET", "/containers/3f2a9c/export", "container.export", "container", "3f2a9c", S },
	{ "GET", "/containers/web/changes", "container.changes", "container", "web", 0 },
	{ "GET", "/containers/web/json", "container.inspect", "container", "web", 0 },
	{ "GET", "/containers/web/top?ps_args=aux", "container.top", "container", "web", 0 },
	{ "GET", "/containers/web/logs?follow=1&stdout=1", "container.logs", "container", "web", S },
	{ "GET", "/containers/web/stats?stream=0", "container.stats", "container", "web", S },
	{ "GET", "/containers/web/attach/ws?stream=1", "container.attach.ws", "container", "web", M | H | S },
	{ "GET", "/containers/web/archive?path=/etc/shadow", "container.archive.get", "container", "web", S },
	{ "POST", "/containers/create?name=x", "container.create", "container", "", M },
	{ "POST", "/containers/web/kill?signal=KILL", "container.kill", "container", "web", M },
	{ "POST", "/containers/web/pause", "container.pause", "container", "web", M },
	{ "POST", "/containers/web/unpause", "container.unpause", "container", "web", M },
	{ "POST", "/containers/web/restart?t=3", "container.restart", "container", "web", M },
	{ "POST", "/containers/web/start", "container.start", "container", "web", M },
	{ "POST", "/containers/web/stop", "container.stop", "container", "web", M },
	{ "POST", "/containers/web/wait?condition=next-exit", "container.wait", "container", "web", S },
	{ "POST", "/containers/web/resize?h=40&w=80", "container.resize", "container", "web", M },
	{ "POST", "/containers/web/attach?stream=1&stdin=1", "container.attach", "container", "web", M | H | S },
	{ "POST", "/containers/web/exec", "container.exec.create", "container", "web", M },
	{ "POST", "/containers/web/rename?name=web2", "container.rename", "container", "web", M },
	{ "POST", "/containers/web/update", "container.update", "container", "web", M },
	{ "POST", "/containers/prune", "container.prune", "container", "", M },
	{ "PUT", "/containers/web/archive?path=/tmp", "container.archive.put", "container", "web", M },
	{ "DELETE", "/containers/web/db?link=1", "container.link.delete", "container", "web/db", M },
	{ "DELETE", "/containers/web?force=1&v=1", "container.delete", "container", "web", M },

	{ "GET", "/debug/vars", "system.debug", "system", "", 0 },
	{ "GET", "/debug/pprof/", "system.debug", "system", "", 0 },
	{ "GET", "/debug/pprof/heap", "system.debug", "system", "heap", 0 },
	{ "GET", "/distribution/reg:5000/org/img:1/json", "distribution.inspect", "distribution", "reg:5000/org/img:1", 0 },
	{ "GET", "/events?since=1700000000.5&filters=%7B%22type%22%3A%5B%22container%22%5D%7D", "system.events", "system", "", S },

	{ "GET", "/exec/9e1f/json", "exec.inspect", "exec", "9e1f", 0 },
	{ "POST", "/exec/9e1f/start", "exec.start", "exec", "9e1f", M | H | S },
	{ "POST", "/exec/9e1f/resize?h=1&w=2", "exec.resize", "exec", "9e1f", M },
	{ "POST", "/grpc", "grpc.start", "session", "", M | H | S },

	{ "GET", "/images/json?all=1", "image.list", "image", "", 0 },
	{ "GET", "/images/search?term=alpine", "image.search", "image", "", 0 },
	{ "GET", "/images/get?names=alpine&names=busybox", "image.get_all", "image", "", S },
	{ "GET", "/images/alpine:3/get", "image.get", "image", "alpine:3", S },
	{ "GET", "/images/library/alpine/history", "image.history", "image", "library/alpine", 0 },
	{ "GET", "/images/alpine/json", "image.inspect", "image", "alpine", 0 },
	{ "GET", "/images/alpine/attestations", "image.attestations", "image", "alpine", 0 },
	{ "POST", "/images/load?quiet=1", "image.load", "image", "", M | S },
	{ "POST", "/images/create?fromImage=alpine&tag=3", "image.pull", "image", "", M | S },
	{ "POST", "/images/create?fromSrc=-&repo=imp", "image.import", "image", "", M | S },
	{ "POST", "/images/reg:5000/org/img/push?tag=1", "image.push", "image", "reg:5000/org/img", M | S },
	{ "POST", "/images/alpine/tag?repo=x&tag=y", "image.tag", "image", "alpine", M },
	{ "POST", "/images/prune", "image.prune", "image", "", M },
	{ "DELETE", "/images/reg:5000/org/img:1?force=1", "image.delete", "image", "reg:5000/org/img:1", M },
	{ "GET", "/info", "system.info", "system", "", 0 },

	{ "GET", "/networks?filters=%7B%7D", "network.list", "network", "", 0 },
	{ "GET", "/networks/", "network.list", "network", "", 0 },
	{ "GET", "/networks/bridge?verbose=1", "network.inspect", "network", "bridge", 0 },
	{ "POST", "/networks/create", "network.create", "network", "", M },
	{ "POST", "/networks/backend/connect", "network.connect", "network", "backend", M },
	{ "POST", "/networks/backend/disconnect", "network.disconnect", "network", "backend", M },
	{ "POST", "/networks/prune", "network.prune", "network", "", M },
	{ "DELETE", "/networks/backend", "network.delete", "network", "backend", M },

	{ "GET", "/nodes", "node.list", "node", "", 0 },
	{ "GET", "/nodes/n1", "node.inspect", "node", "n1", 0 },
	{ "DELETE", "/nodes/n1?force=1", "node.delete", "node", "n1", M },
	{ "POST", "/nodes/n1/update?version=9", "node.update", "node", "n1", M },

	{ "GET", "/plugins", "plugin.list", "plugin", "", 0 },
	{ "GET", "/plugins/vieux/sshfs:latest/json", "plugin.inspect", "plugin", "vieux/sshfs:latest", 0 },
	{ "GET", "/plugins/privileges?remote=vieux/sshfs", "plugin.privileges", "plugin", "", 0 },
	{ "DELETE", "/plugins/vieux/sshfs:latest?force=1", "plugin.delete", "plugin", "vieux/sshfs:latest", M },
	{ "POST", "/plugins/vieux/sshfs:latest/enable?timeout=0", "plugin.enable", "plugin", "vieux/sshfs:latest", M },
	{ "POST", "/plugins/authz/disable", "plugin.disable", "plugin", "authz", M },
	{ "POST", "/plugins/pull?remote=vieux/sshfs&name=sshfs", "plugin.pull", "plugin", "", M | S },
	{ "POST", "/plugins/reg:5000/p/x/push", "plugin.push", "plugin", "reg:5000/p/x", M | S },
	{ "POST", "/plugins/sshfs/upgrade?remote=vieux/sshfs:next", "plugin.upgrade", "plugin", "sshfs", M | S },
	{ "POST", "/plugins/sshfs/set", "plugin.set", "plugin", "sshfs", M },
	{ "POST", "/plugins/create?name=p", "plugin.create", "plugin", "", M },

	{ "GET", "/secrets", "secret.list", "secret", "", 0 },
	{ "POST", "/secrets/create", "secret.create", "secret", "", M },
	{ "DELETE", "/secrets/s1", "secret.delete", "secret", "s1", M },
	{ "GET", "/secrets/s1", "secret.inspect", "secret", "s1", 0 },
	{ "POST", "/secrets/s1/update?version=2", "secret.update", "secret", "s1", M },

	{ "GET", "/services?status=1", "service.list", "service", "", 0 },
	{ "GET", "/services/svc", "service.inspect", "service", "svc", 0 },
	{ "POST", "/services/create", "service.create", "service", "", M },
	{ "POST", "/services/svc/update?version=4", "service.update", "service", "svc", M },
	{ "DELETE", "/services/svc", "service.delete", "service", "svc", M },
	{ "GET", "/services/svc/logs?follow=1", "service.logs", "service", "svc", S },
	{ "POST", "/session", "session.start", "session", "", M | H | S },

	{ "GET", "/swarm", "swarm.inspect", "swarm", "", 0 },
	{ "POST", "/swarm/init", "swarm.init", "swarm", "", M },
	{ "POST", "/swarm/join", "swarm.join", "swarm", "", M },
	{ "POST", "/swarm/leave?force=1", "swarm.leave", "swarm", "", M },
	{ "GET", "/swarm/unlockkey", "swarm.unlockkey", "swarm", "", 0 },
	{ "POST", "/swarm/update?version=1&rotateWorkerToken=1", "swarm.update", "swarm", "", M },
	{ "POST", "/swarm/unlock", "swarm.unlock", "swarm", "", M },
	{ "GET", "/system/df?type=container", "system.df", "system", "", 0 },

	{ "GET", "/tasks", "task.list", "task", "", 0 },
	{ "GET", "/tasks/t1", "task.inspect", "task", "t1", 0 },
	{ "GET", "/tasks/t1/logs", "task.logs", "task", "t1", S },
	{ "GET", "/version", "system.version", "system", "", 0 },

	{ "GET", "/volumes", "volume.list", "volume", "", 0 },
	{ "GET", "/volumes/data", "volume.inspect", "volume", "data", 0 },
	{ "POST", "/volumes/create", "volume.create", "volume", "", M },
	{ "POST", "/volumes/prune", "volume.prune", "volume", "", M },
	{ "PUT", "/volumes/data?version=3", "volume.update", "volume", "data", M },
	{ "DELETE", "/volumes/data?force=1", "volume.delete", "volume", "data", M },
	{ "OPTIONS", "/containers/json", "system.options", NULL, "", 0 },
};
#define NEXAMPLES (sizeof(examples) / sizeof(examples[0]))

static void
check_example(const struct example *e, const char *prefix, const char *ver)
{
	char t[1024];
	long idx;

	snprintf(t, sizeof(t), "%s%s", prefix, e->target);
	idx = cls(e->method, t);
	if (idx < 0 || strcmp(rm.action, e->action) != 0)
		UNIT_FAIL("%s %s: got %s, expected %s", e->method, t,
		    idx < 0 ? "unknown" : rm.action, e->action);
	if ((e->objtype == NULL) != (rm.object_type == NULL) ||
	    (e->objtype != NULL && strcmp(e->objtype, rm.object_type) != 0))
		UNIT_FAIL("%s %s: object type %s, expected %s", e->method, t,
		    rm.object_type ? rm.object_type : "NULL",
		    e->objtype ? e->objtype : "NULL");
	if (strcmp(rm.object_ref, e->ref) != 0)
		UNIT_FAIL("%s %s: ref \"%s\", expected \"%s\"", e->method, t,
		    rm.object_ref, e->ref);
	if (rm.flags != e->flags)
		UNIT_FAIL("%s %s: flags %#x, expected %#x", e->method, t,
		    rm.flags, e->flags);
	ASSERT_STREQ(rm.api_version, ver);
}

TEST(every_route_by_example)
{
	bool hit[512] = { false };

	ASSERT(NROUTES <= 512);
	for (size_t i = 0; i < NEXAMPLES; i++) {
		const struct example *e = &examples[i];
		long idx;

		check_example(e, "", "");
		check_example(e, "/v1.41", "1.41");
		check_example(e, "/v1.52", "1.52");
		check_example(e, "http://localhost/v1.44", "1.44");
		idx = cls(e->method, e->target);
		hit[idx] = true;
	}
	for (size_t i = 0; i < NROUTES; i++)
		if (!hit[i])
			UNIT_FAIL("row %zu (%s %s %s) has no example", i,
			    actions__row(i)->rt_method, actions__row(i)->rt_tmpl,
			    actions__row(i)->rt_action);
}

/* Build a concrete path for a template: {x} -> "x1", {x*} -> "r:5/o/x1". */
static void
concrete(const char *tmpl, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *t = tmpl; *t != '\0' && o + 16 < cap; ) {
		if (*t == '{') {
			const char *e = strchr(t, '}');
			const char *v = e[-1] == '*' || e[-1] == '+' ?
			    "r:5/o/x1" : "x1";
			o += (size_t)snprintf(out + o, cap - o, "%s", v);
			t = e + 1;
		} else
			out[o++] = *t++;
	}
	out[o] = '\0';
}

TEST(every_row_reachable)
{
	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *r = actions__row(i);
		char path[256], t[300];

		concrete(r->rt_tmpl, path, sizeof(path));
		snprintf(t, sizeof(t), "/v1.45%s%s%s%s", path,
		    r->rt_query ? "?" : "", r->rt_query ? r->rt_query : "",
		    r->rt_query ? "=x" : "");
		long idx = cls(r->rt_method, t);
		if (idx != (long)i)
			UNIT_FAIL("row %zu (%s %s) not reached by %s: got row %ld",
			    i, r->rt_method, r->rt_tmpl, t, idx);
		ASSERT_EQ(rm.flags, r->rt_flags);
		if (strchr(r->rt_tmpl, '{') != NULL && r->rt_objtype != NULL) {
			const char *star = strchr(r->rt_tmpl, '*') ?
			    strchr(r->rt_tmpl, '*') : strchr(r->rt_tmpl, '+');
			const char *first = strchr(r->rt_tmpl, '{');
			/* the first variable is the greedy one or a plain one */
			bool greedy = star != NULL && strchr(first, '}') > star;
			ASSERT_STREQ(rm.object_ref, greedy ? "r:5/o/x1" : "x1");
		} else
			ASSERT_STREQ(rm.object_ref, "");
	}
}

TEST(percent_encoded_names)
{
	ASSERT(cls("POST", "/images/reg%3A5000%2Forg%2Fimg/push") >= 0);
	ASSERT_STREQ(rm.action, "image.push");
	ASSERT_STREQ(rm.object_ref, "reg:5000/org/img");

	ASSERT(cls("GET", "/v1.41/images/reg%3a5000/org/img%3Atag/json") >= 0);
	ASSERT_STREQ(rm.action, "image.inspect");
	ASSERT_STREQ(rm.object_ref, "reg:5000/org/img:tag");
	ASSERT_STREQ(rm.api_version, "1.41");

	/* an encoded literal segment still matches the literal */
	ASSERT(cls("GET", "/%63ontainers/%6Ason") >= 0);
	ASSERT_STREQ(rm.action, "container.list");
	/* the version itself may be encoded: dockerd matches decoded paths */
	ASSERT(cls("GET", "/v1%2E41/info") >= 0);
	ASSERT_STREQ(rm.api_version, "1.41");
	ASSERT_STREQ(rm.action, "system.info");

	/* digest references, and a name that is also a route word */
	ASSERT(cls("DELETE", "/images/alpine@sha256%3Aabc123") >= 0);
	ASSERT_STREQ(rm.object_ref, "alpine@sha256:abc123");
	ASSERT(cls("GET", "/images/org/json/history") >= 0);
	ASSERT_STREQ(rm.action, "image.history");
	ASSERT_STREQ(rm.object_ref, "org/json");
	ASSERT(cls("GET", "/images/get/get") >= 0);
	ASSERT_STREQ(rm.action, "image.get");
	ASSERT_STREQ(rm.object_ref, "get");
	ASSERT(cls("GET", "/images/json/json") >= 0);
	ASSERT_STREQ(rm.action, "image.inspect");
	ASSERT_STREQ(rm.object_ref, "json");

	/* container name encoded; an encoded '/' is a '/' of the name
	 * (moby's {name:.*} on the decoded path) */
	ASSERT(cls("POST", "/containers/my%2Dapp/start") >= 0);
	ASSERT_STREQ(rm.object_ref, "my-app");
	ASSERT(cls("POST", "/containers/a%2Fb/start") >= 0);
	ASSERT_STREQ(rm.action, "container.start");
	ASSERT_STREQ(rm.object_ref, "a/b");
	/* '+' is not a space in a path */
	ASSERT(cls("GET", "/volumes/a+b") >= 0);
	ASSERT_STREQ(rm.object_ref, "a+b");
	/* UTF-8 in a name passes through */
	ASSERT(cls("GET", "/volumes/caf%C3%A9") >= 0);
	ASSERT_STREQ(rm.object_ref, "caf\xc3\xa9");
}

TEST(literal_beats_variable)
{
	ASSERT(cls("GET", "/images/json") >= 0);
	ASSERT_STREQ(rm.action, "image.list");
	ASSERT(cls("GET", "/images/get") >= 0);
	ASSERT_STREQ(rm.action, "image.get_all");
	ASSERT(cls("GET", "/images/search") >= 0);
	ASSERT_STREQ(rm.action, "image.search");
	ASSERT(cls("GET", "/containers/json") >= 0);
	ASSERT_STREQ(rm.action, "container.list");
	ASSERT(cls("GET", "/containers/json/json") >= 0);
	ASSERT_STREQ(rm.action, "container.inspect");
	ASSERT_STREQ(rm.object_ref, "json");
	ASSERT(cls("POST", "/plugins/pull") >= 0);
	ASSERT_STREQ(rm.action, "plugin.pull");
	ASSERT(cls("POST", "/plugins/create") >= 0);
	ASSERT_STREQ(rm.action, "plugin.create");
	ASSERT(cls("GET", "/plugins/privileges") >= 0);
	ASSERT_STREQ(rm.action, "plugin.privileges");
	ASSERT(cls("POST", "/plugins/pull/push") >= 0);
	ASSERT_STREQ(rm.action, "plugin.push");
	ASSERT_STREQ(rm.object_ref, "pull");
	ASSERT(cls("POST", "/networks/create") >= 0);
	ASSERT_STREQ(rm.action, "network.create");
	ASSERT(cls("GET", "/networks/create") >= 0);	/* as dockerd: inspect "create" */
	ASSERT_STREQ(rm.action, "network.inspect");
	ASSERT_STREQ(rm.object_ref, "create");
	/* DELETE on a word that is a route elsewhere is a delete, as in dockerd */
	ASSERT(cls("DELETE", "/images/json") >= 0);
	ASSERT_STREQ(rm.action, "image.delete");
	ASSERT_STREQ(rm.object_ref, "json");
	ASSERT(cls("DELETE", "/containers/create") >= 0);
	ASSERT_STREQ(rm.action, "container.delete");
	/* checkpoint delete is not masked by container delete */
	ASSERT(cls("DELETE", "/containers/c1/checkpoints/cp1") >= 0);
	ASSERT_STREQ(rm.action, "checkpoint.delete");
	ASSERT_STREQ(rm.object_ref, "c1");
	ASSERT(cls("POST", "/networks/a/disconnect") >= 0);
	ASSERT_STREQ(rm.action, "network.disconnect");
}

TEST(greedy_names)
{
	ASSERT(cls("POST", "/images/reg:5000/org/team/img/push") >= 0);
	ASSERT_STREQ(rm.object_ref, "reg:5000/org/team/img");
	ASSERT(cls("POST", "/images/a/push/push") >= 0);
	ASSERT_STREQ(rm.action, "image.push");
	ASSERT_STREQ(rm.object_ref, "a/push");
	ASSERT(cls("POST", "/images/reg.example/ns/img/tag?repo=x") >= 0);
	ASSERT_STREQ(rm.action, "image.tag");
	ASSERT_STREQ(rm.object_ref, "reg.example/ns/img");
	ASSERT(cls("DELETE", "/plugins/reg:5000/vieux/sshfs:1") >= 0);
	ASSERT_STREQ(rm.action, "plugin.delete");
	ASSERT_STREQ(rm.object_ref, "reg:5000/vieux/sshfs:1");
	/* networks: moby's {id:.*}; names are not restricted */
	ASSERT(cls("GET", "/networks/a/b") >= 0);
	ASSERT_STREQ(rm.action, "network.inspect");
	ASSERT_STREQ(rm.object_ref, "a/b");
	ASSERT(cls("POST", "/networks/a/b/connect") >= 0);
	ASSERT_STREQ(rm.action, "network.connect");
	ASSERT_STREQ(rm.object_ref, "a/b");

	/* {name:.*} may be empty: "/images/push" is "/images/" + "" +
	 * "/push"?  No: the literal "/push" needs its own '/' after
	 * "/images/", so that path is unknown; "DELETE /images/" names "" */
	ASSERT_EQ(cls("POST", "/images/push"), -1);
	ASSERT(cls("DELETE", "/images/") >= 0);
	ASSERT_STREQ(rm.action, "image.delete");
	ASSERT_STREQ(rm.object_ref, "");
	ASSERT(cls("DELETE", "/containers/") >= 0);
	ASSERT_STREQ(rm.action, "container.delete");
	ASSERT_STREQ(rm.object_ref, "");
	ASSERT(cls("GET", "/volumes/") >= 0);
	ASSERT_STREQ(rm.action, "volume.inspect");
	ASSERT_STREQ(rm.object_ref, "");
	/* ... but {id:.+} may not: GET /networks/ is the list */
	ASSERT(cls("GET", "/networks/") >= 0);
	ASSERT_STREQ(rm.action, "network.list");
	ASSERT(cls("DELETE", "/networks/") >= 0);
	ASSERT_STREQ(rm.action, "network.delete");
	ASSERT_STREQ(rm.object_ref, "");
	/* a trailing '/' is part of the name */
	ASSERT(cls("DELETE", "/images/alpine/") >= 0);
	ASSERT_STREQ(rm.object_ref, "alpine/");
	ASSERT(cls("DELETE", "/containers/foo/") >= 0);
	ASSERT_STREQ(rm.action, "container.delete");
	ASSERT_STREQ(rm.object_ref, "foo/");
	ASSERT_EQ(cls("GET", "/containers/web/json/"), -1);
	ASSERT_EQ(cls("GET", "/distribution/json"), -1);
	ASSERT_EQ(cls("GET", "/images//json"), -1);	/* unclean: 301 */

	/* containers and exec are {name:.*} too: legacy link aliases */
	ASSERT(cls("GET", "/containers/web/db/json") >= 0);
	ASSERT_STREQ(rm.action, "container.inspect");
	ASSERT_STREQ(rm.object_ref, "web/db");
	ASSERT(cls("POST", "/exec/a/b/start") >= 0);
	ASSERT_STREQ(rm.action, "exec.start");
	ASSERT_STREQ(rm.object_ref, "a/b");
	ASSERT(cls("POST", "/containers/x/start/kill") >= 0);
	ASSERT_STREQ(rm.action, "container.kill");
	ASSERT_STREQ(rm.object_ref, "x/start");
	ASSERT(cls("GET", "/containers/x/checkpoints/json") >= 0);
	ASSERT_STREQ(rm.action, "container.inspect");
	ASSERT_STREQ(rm.object_ref, "x/checkpoints");
	/* checkpoint delete ({name}, one segment) is registered first */
	ASSERT(cls("DELETE", "/containers/web/checkpoints/c1") >= 0);
	ASSERT_STREQ(rm.action, "checkpoint.delete");
	ASSERT_STREQ(rm.object_ref, "web");
	ASSERT(cls("DELETE", "/containers/a/b/checkpoints/c1") >= 0);
	ASSERT_STREQ(rm.action, "container.delete");
	ASSERT_STREQ(rm.object_ref, "a/b/checkpoints/c1");

	/* ".*" does not take a newline; "[^/]+" does */
	ASSERT_EQ(cls("DELETE", "/containers/a%0Ab"), -1);
	ASSERT_EQ(cls("GET", "/images/a%0Ab/json"), -1);
	ASSERT_EQ(cls("OPTIONS", "/a%0Ab"), -1);
	ASSERT(cls("GET", "/services/a%0Ab") >= 0);
	ASSERT_STREQ(rm.action, "service.inspect");
	ASSERT_STREQ(rm.object_ref, "a\nb");
	ASSERT(cls("GET", "/images/a%0Db/json") >= 0);
	ASSERT_STREQ(rm.object_ref, "a\rb");
}

TEST(link_removal)
{
	static const struct { const char *t; const char *action; } c[] = {
		{ "/containers/web/db?link=1", "container.link.delete" },
		{ "/containers/web/db?link=true", "container.link.delete" },
		{ "/v1.41/containers/web/db?link=1", "container.link.delete" },
		{ "/containers/web/db", "container.delete" },
		{ "/containers/web/db?link=0", "container.delete" },
		{ "/containers/web/db?link=", "container.delete" },
		{ "/containers/web/db?link", "container.delete" },
		/* Go's BoolValue: false only for "", 0, no, false, none */
		{ "/containers/web/db?link=off", "container.link.delete" },
		{ "/containers/web/db?link=n", "container.link.delete" },
		{ "/containers/web/db?link=f", "container.link.delete" },
		{ "/containers/web/db?link=2", "container.link.delete" },
		{ "/containers/web/db?link=fals%C5%BFe", "container.link.delete" },
		{ "/containers/web/db?link=NO", "container.delete" },
		{ "/containers/web/db?link=None", "container.delete" },
		{ "/containers/web/db?link=FALSE", "container.delete" },
		{ "/containers/web/db?link=+false+", "container.delete" },
		{ "/containers/web/db?link=%C2%A0false%E3%80%80", "container.delete" },
		{ "/containers/web/db?link=%09no%0A", "container.delete" },
		/* the first value counts; keys are case-sensitive */
		{ "/containers/web/db?link=0&link=1", "container.delete" },
		{ "/containers/web/db?link=1&link=0", "container.link.delete" },
		{ "/containers/web/db?Link=1", "container.delete" },
		/* a pair Go rejects is not the first value */
		{ "/containers/web/db?link=0;x&link=1", "container.link.delete" },
		/* a name without a parent: still rmLink (dockerd fails it) */
		{ "/containers/db?link=1", "container.link.delete" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (cls("DELETE", c[i].t) < 0 || strcmp(rm.action, c[i].action) != 0)
			UNIT_FAIL("DELETE %s: got %s, expected %s", c[i].t,
			    rm.action, c[i].action);
		ASSERT_EQ(rm.flags, M);
	}
	ASSERT(cls("DELETE", "/containers/web/db?link=1") >= 0);
	ASSERT_STREQ(rm.object_ref, "web/db");
	/* a form body is never read for DELETE */
	actions_classify_form("DELETE", "/containers/web/db", 18, "link=1", 6,
	    &rm);
	ASSERT_STREQ(rm.action, "container.delete");
}

TEST(form_body_first)
{
	static const struct { const char *t, *body, *action; } c[] = {
		{ "/images/create?fromSrc=-", "fromImage=host/evil", "image.pull" },
		{ "/images/create?fromImage=alpine", "fromImage=", "image.import" },
		{ "/images/create?fromImage=alpine", "x=1", "image.pull" },
		{ "/images/create", "fromImage=a;b", "image.import" },
		{ "/images/create", "a=1&fromImage=%zz&fromImage=b", "image.pull" },
		{ "/images/create?fromImage=", "fromImage=x", "image.pull" },
		{ "/images/create", "", "image.import" },
	};
	struct route_match m;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		actions_classify_form("POST", c[i].t, strlen(c[i].t), c[i].body,
		    strlen(c[i].body), &m);
		if (strcmp(m.action, c[i].action) != 0)
			UNIT_FAIL("POST %s body %s: got %s, expected %s", c[i].t,
			    c[i].body, m.action, c[i].action);
	}
	/* no body: the query alone */
	actions_classify_form("POST", "/images/create?fromImage=a", 26, NULL, 0,
	    &m);
	ASSERT_STREQ(m.action, "image.pull");
}

TEST(api_version_compare)
{
	ASSERT(api_version_lt("1.23", 1, 24));
	ASSERT(!api_version_lt("1.24", 1, 24));
	ASSERT(!api_version_lt("1.41", 1, 24));
	ASSERT(api_version_lt("1.023", 1, 24));
	ASSERT(!api_version_lt("1.041", 1, 41));
	ASSERT_EQ(api_version_cmp("1.041", 1, 41), 0);
	ASSERT_EQ(api_version_cmp("1.41.0", 1, 41), 0);
	ASSERT_EQ(api_version_cmp("1.41.0.0", 1, 41), 0);
	ASSERT(api_version_cmp("1.41.1", 1, 41) > 0);
	ASSERT(api_version_cmp("1.41.0.1", 1, 41) > 0);
	ASSERT(api_version_cmp("1", 1, 0) == 0);
	ASSERT(api_version_cmp("1", 1, 24) < 0);
	ASSERT(api_version_cmp("1..24", 1, 0) > 0);	/* "1", "", "24" */
	ASSERT(api_version_cmp(".", 1, 12) < 0);	/* "", "" -> 0.0 */
	ASSERT(api_version_cmp("2", 1, 99) > 0);
	ASSERT(api_version_cmp("1.99999999999999999999999", 1, 99) > 0);
	ASSERT(api_version_lt("0.99999999999999999999999", 1, 0));
	/* unversioned: the daemon's default (1.41 on v20.10) */
	ASSERT(!api_version_lt("", 1, 24));
	ASSERT(!api_version_lt(NULL, 1, 41));
	ASSERT(api_version_lt(NULL, 1, 42));

	/* the classifier keeps the version as sent, or, when too long,
	 * a text that compares the same */
	ASSERT(cls("POST", "/v1.023/containers/x/start") >= 0);
	ASSERT_STREQ(rm.api_version, "1.023");
	ASSERT(api_version_lt(rm.api_version, 1, 24));
	ASSERT(cls("GET", "/v1.00000000000000000000000000000000000000000000000000000000000000023/info") >= 0);
	ASSERT_STREQ(rm.api_version, "1.23");
	ASSERT(api_version_lt(rm.api_version, 1, 24));
	ASSERT(cls("GET", "/v1.41000000000000000000000000000000000000000000000000000000000000000/info") >= 0);
	ASSERT_STREQ(rm.api_version, "1.9223372036854775807");
}

TEST(absolute_form)
{
	ASSERT(cls("GET", "http://localhost/v1.41/containers/json?all=1") >= 0);
	ASSERT_STREQ(rm.action, "container.list");
	ASSERT_STREQ(rm.api_version, "1.41");
	ASSERT(cls("POST", "HTTP://docker:2375/auth") >= 0);
	ASSERT_STREQ(rm.action, "auth.login");
	ASSERT_EQ(rm.flags, M | X);
	ASSERT(cls("GET", "https://user@[::1]:2376/_ping") >= 0);
	ASSERT_STREQ(rm.action, "system.ping");
	ASSERT(cls("POST", "http://h/images/reg%3A5000%2Fimg/push") >= 0);
	ASSERT_STREQ(rm.object_ref, "reg:5000/img");
	/* a '/' in the query is not the path */
	ASSERT_EQ(cls("GET", "http://host?x=/info"), -1);
	ASSERT_EQ(cls("GET", "http://host"), -1);
	ASSERT_EQ(cls("GET", "http:/info"), -1);
	ASSERT_EQ(cls("GET", "http//host/info"), -1);
	ASSERT_EQ(cls("GET", "://host/info"), -1);
	ASSERT_EQ(cls("GET", "1http://host/info"), -1);
	ASSERT_EQ(cls("GET", "info"), -1);
}

TEST(query_strings)
{
	ASSERT(cls("GET", "/containers/json?") >= 0);
	ASSERT_STREQ(rm.action, "container.list");
	ASSERT(cls("GET", "/containers/web/logs?follow=1&tail=all&since=0") >= 0);
	ASSERT_STREQ(rm.object_ref, "web");
	/* the query is not decoded into the path */
	ASSERT(cls("GET", "/info?x=%2F..%2F") >= 0);
	ASSERT_STREQ(rm.action, "system.info");
	/* a bad escape in the query does not matter to the route */
	ASSERT(cls("GET", "/info?x=%zz") >= 0);
	ASSERT_STREQ(rm.action, "system.info");
	/* '?' inside an encoded name is part of the name */
	ASSERT(cls("GET", "/volumes/a%3Fb?x=1") >= 0);
	ASSERT_STREQ(rm.object_ref, "a?b");
}

TEST(images_create_pull_vs_import)
{
	static const struct { const char *t; const char *action; } c[] = {
		{ "/images/create?fromImage=alpine&tag=3", "image.pull" },
		{ "/images/create?tag=3&fromImage=docker.io%2Flibrary%2Falpine", "image.pull" },
		{ "/images/create?from%49mage=alpine", "image.pull" },
		{ "/images/create?fromImage=+", "image.pull" },
		{ "/images/create?fromImage=alpine&fromSrc=-", "image.pull" },
		{ "/images/create?fromImage=%00", "image.pull" },
		{ "/images/create?fromSrc=-&repo=x", "image.import" },
		{ "/images/create?fromSrc=http%3A%2F%2Fexample.com%2Fa.tar", "image.import" },
		{ "/images/create", "image.import" },
		{ "/images/create?", "image.import" },
		{ "/images/create?fromImage=", "image.import" },
		{ "/images/create?fromImage", "image.import" },
		/* first value wins, as r.Form.Get */
		{ "/images/create?fromImage=&fromImage=alpine", "image.import" },
		{ "/images/create?fromimage=alpine", "image.import" },
		{ "/images/create?xfromImage=alpine", "image.import" },
		{ "/images/create?fromImag=alpine", "image.import" },
		{ "/images/create?fromImage%3D=alpine", "image.import" },
		/* pairs Go's ParseQuery skips */
		{ "/images/create?fromImage=a;b", "image.import" },
		{ "/images/create?fromImage=alp%zzine", "image.import" },
		{ "/images/create?fromImage=alpine%", "image.import" },
		{ "/images/create?fromImage=alpine%4", "image.import" },
		{ "/images/create?from%zzImage=alpine", "image.import" },
		/* ... and then a later valid one counts */
		{ "/images/create?fromImage=a;b&fromImage=alpine", "image.pull" },
		{ "/images/create?fromImage=%zz&fromImage=alpine", "image.pull" },
		{ "/images/create?&&fromImage=alpine&", "image.pull" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (cls("POST", c[i].t) < 0 || strcmp(rm.action, c[i].action) != 0)
			UNIT_FAIL("%s: got %s, expected %s", c[i].t, rm.action,
			    c[i].action);
		ASSERT_EQ(rm.flags, M | S);
		ASSERT_STREQ(rm.object_type, "image");
	}
	ASSERT(cls("POST", "/v1.41/images/create?fromImage=alpine") >= 0);
	ASSERT_STREQ(rm.action, "image.pull");
	ASSERT_EQ(cls("GET", "/images/create?fromImage=alpine"), -1);
}

TEST(head_and_methods)
{
	ASSERT(cls("HEAD", "/_ping") >= 0);
	ASSERT_STREQ(rm.action, "system.ping");
	ASSERT_EQ(rm.flags, 0);
	ASSERT(cls("HEAD", "/containers/web/archive?path=/") >= 0);
	ASSERT_STREQ(rm.action, "container.archive.head");
	/* no HEAD where dockerd has none */
	ASSERT_EQ(cls("HEAD", "/version"), -1);
	ASSERT_EQ(rm.flags, 0);
	ASSERT_EQ(cls("HEAD", "/containers/json"), -1);
	/* methods are case-sensitive; unknown methods are mutating */
	ASSERT_EQ(cls("get", "/info"), -1);
	ASSERT_EQ(rm.flags, M);
	ASSERT_EQ(cls("PATCH", "/containers/web/start"), -1);
	ASSERT_EQ(rm.flags, M);
	ASSERT_EQ(cls("POST", "/containers/json"), -1);
	ASSERT_EQ(rm.flags, M);
	ASSERT_EQ(cls("PUT", "/volumes"), -1);
	ASSERT_EQ(rm.flags, M);
	ASSERT_EQ(cls("", "/info"), -1);
	ASSERT_EQ(rm.flags, M);
	/* OPTIONS: dockerd's CORS route on any path */
	ASSERT(cls("OPTIONS", "/v1.41/images/a/b/json") >= 0);
	ASSERT_STREQ(rm.action, "system.options");
	ASSERT_NULL(rm.object_type);
	ASSERT_STREQ(rm.object_ref, "");
	ASSERT_EQ(rm.flags, 0);
	/* /{anyroute:.*} takes "" too */
	ASSERT(cls("OPTIONS", "/") >= 0);
	ASSERT_STREQ(rm.action, "system.options");
	ASSERT(cls("OPTIONS", "/v1.41") >= 0);
	ASSERT_STREQ(rm.action, "system.options");
	ASSERT_STREQ(rm.api_version, "");
	ASSERT_EQ(rm.flags, 0);
}

TEST(versions)
{
	ASSERT(cls("GET", "/v1.41.0/info") >= 0);
	ASSERT_STREQ(rm.api_version, "1.41.0");
	ASSERT(cls("GET", "/v1/version") >= 0);
	ASSERT_STREQ(rm.api_version, "1");
	/* "/v1.41" alone is no versioned path (the prefix is "/v1.41/") */
	ASSERT_EQ(cls("GET", "/v1.41"), -1);
	ASSERT_STREQ(rm.api_version, "");
	ASSERT_STREQ(rm.action, "unknown");
	ASSERT_EQ(cls("GET", "/v1.41/"), -1);
	ASSERT_STREQ(rm.api_version, "1.41");
	ASSERT_EQ(cls("GET", "/v1.41/v1.41/info"), -1);
	ASSERT_EQ(cls("GET", "/V1.41/info"), -1);
	ASSERT_STREQ(rm.api_version, "");
	ASSERT_EQ(cls("GET", "/v1.41x/info"), -1);
	ASSERT_EQ(cls("GET", "/v/info"), -1);
	ASSERT_EQ(cls("GET", "/vx/info"), -1);
	/* "/version" and "/volumes" are not versions */
	ASSERT(cls("GET", "/version") >= 0);
	ASSERT_STREQ(rm.api_version, "");
	ASSERT(cls("GET", "/volumes") >= 0);
	ASSERT_STREQ(rm.api_version, "");
	/* a long version is kept while it fits */
	ASSERT(cls("GET", "/v1.41000000000000000000000/info") >= 0);
	ASSERT_STREQ(rm.action, "system.info");
	ASSERT_STREQ(rm.api_version, "1.41000000000000000000000");
}

TEST(unknown_routes)
{
	static const char *const u[][2] = {
		{ "GET", "/" },
		{ "GET", "/containers" },
		{ "GET", "/containers/" },
		{ "GET", "/containers/web" },
		{ "GET", "/containers/json/" },
		{ "GET", "/containers/web/json/" },
		{ "GET", "/containers/web/attach" },
		{ "GET", "/containers/web/ws" },
		{ "POST", "/containers/web/copy" },
		{ "GET", "/images" },
		{ "GET", "/images/" },
		{ "POST", "/system/prune" },
		{ "GET", "/swarm/" },
		{ "GET", "/debug/pprof" },
		{ "GET", "/debug/pprof/heap/x" },
		{ "GET", "/pprof/heap" },
		{ "GET", "/exec/x" },
		{ "GET", "/zzz" },
		{ "GET", "/{path*}" },
		{ "GET", "/_pin" },
		{ "GET", "/_pingx" },
		{ "POST", "/authx" },
		{ "GET", "/tasks/t1/logs/x" },
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (cls(u[i][0], u[i][1]) != -1)
			UNIT_FAIL("%s %s: got %s, expected unknown", u[i][0],
			    u[i][1], rm.action);
		ASSERT_STREQ(rm.action, "unknown");
		ASSERT_NULL(rm.object_type);
		ASSERT_STREQ(rm.object_ref, "");
		ASSERT_EQ(rm.flags, strcmp(u[i][0], "GET") == 0 ? 0 : M);
	}
}

TEST(unclean_paths)
{
	static const char *const u[] = {
		"//info", "/info/", "/./info", "/../info", "/v1.41//info",
		"/v1.41/./info", "/containers/x/../y/start",
		"/containers//start", "/images/a/./b/push", "/images/a/../push",
		"/images/a/%2E%2E/b/push", "/images/a%2F%2Fb/push",
		"/images/a/..", "/images/a/.", "/images/%2E%2E/json",
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		const char *method = strstr(u[i], "push") ? "POST" :
		    strstr(u[i], "start") ? "POST" : "GET";
		if (strcmp(u[i], "/images/a/..") == 0 ||
		    strcmp(u[i], "/images/a/.") == 0)
			method = "DELETE";
		if (cls(method, u[i]) != -1)
			UNIT_FAIL("%s %s: got %s, expected unknown", method, u[i],
			    rm.action);
	}
	/* dots inside a segment are fine */
	ASSERT(cls("GET", "/volumes/...") >= 0);
	ASSERT(cls("GET", "/volumes/.a") >= 0);
	ASSERT(cls("GET", "/images/reg.example.com/a..b/json") >= 0);
	ASSERT_STREQ(rm.object_ref, "reg.example.com/a..b");
}

TEST(garbage)
{
	struct route_match m;
	static const char nul_mid[] = "/info\0/containers/json";
	static const char *const bad[] = {
		"", "*", "%", "/%", "/%4", "/%zz", "/info%", "/images/a%g0/json",
		"/images/a%00b/json", "/%00", "/in fo", "/info\t", "/info\r\n",
		"/info\x7f", "/images/\x01/json", "\xff", "/\xff%",
		"?", "?/info", "#/info",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cls("GET", bad[i]) != -1)
			UNIT_FAIL("\"%s\": got %s, expected unknown", bad[i],
			    rm.action);
		ASSERT_STREQ(rm.action, "unknown");
		ASSERT_STREQ(rm.object_ref, "");
	}
	/* a NUL byte inside the target, length given explicitly */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(actions__classify("GET", nul_mid, sizeof(nul_mid) - 1, &m), -1);
	ASSERT_EQ(actions__classify("GET", "/info\0", 6, &m), -1);
	/* the length is honoured: no read past it, no need for a NUL */
	ASSERT(actions__classify("GET", "/infoXYZ", 5, &m) >= 0);
	ASSERT_STREQ(m.action, "system.info");
	ASSERT_EQ(actions__classify("GET", "/info", 0, &m), -1);
	/* NULL method or target */
	actions_classify(NULL, "/info", 5, &m);
	ASSERT_STREQ(m.action, "unknown");
	ASSERT_EQ(m.flags, M);
	actions_classify("GET", NULL, 5, &m);
	ASSERT_STREQ(m.action, "unknown");
	ASSERT_EQ(m.flags, 0);
	/* every byte value at every position of a target long enough for
	 * the word-at-a-time control-byte scan: control bytes, space and DEL
	 * make it unknown, other plain bytes are part of the volume name */
	for (int c = 1; c < 256; c++) {
		for (size_t p = 9; p < 34; p++) {
			char s[] = "/volumes/aaaaaaaaaaaaaaaaaaaaaaaaa";
			s[p] = (char)c;
			long idx = actions__classify("GET", s, sizeof(s) - 1, &m);
			if (c <= 0x20 || c == 0x7f)
				ASSERT_EQ(idx, -1);
			else if (c != '%' && c != '/' && c != '?') {
				ASSERT(idx >= 0);
				ASSERT_EQ((unsigned char)m.object_ref[p - 9], c);
			}
		}
	}
	/* every byte value, at every position of a short target */
	for (int c = 0; c < 256; c++) {
		char t[] = "/images/x/json";
		for (size_t p = 0; p < sizeof(t) - 1; p++) {
			char s[sizeof(t)];
			memcpy(s, t, sizeof(t));
			s[p] = (char)c;
			actions_classify("GET", s, sizeof(t) - 1, &m);
			ASSERT(m.action != NULL);
		}
	}
}

TEST(guard_page_no_overread)
{
	/* each target ends exactly where a PROT_NONE page begins */
	static const struct { const char *m, *t, *action; } c[] = {
		{ "GET", "/images/a/json", "image.inspect" },
		{ "GET", "/images/a%2", "unknown" },
		{ "GET", "/images/a%", "unknown" },
		{ "GET", "/v1.41", "unknown" },
		{ "GET", "/v", "unknown" },
		{ "GET", "http://h", "unknown" },
		{ "GET", "http://h/_ping", "system.ping" },
		{ "POST", "/images/create?fromImage=a%4", "image.import" },
		{ "POST", "/images/create?fromImage", "image.import" },
		{ "POST", "/images/create?fromImage=", "image.import" },
		{ "POST", "/images/create?fromImage=a", "image.pull" },
		{ "POST", "/images/create?from%4", "image.import" },
		{ "GET", "/", "unknown" },
		{ "GET", "%", "unknown" },
		{ "GET", "/debug/pprof/", "system.debug" },
		{ "DELETE", "/images/a/", "image.delete" },
		{ "DELETE", "/containers/a?link=1", "container.link.delete" },
		{ "DELETE", "/containers/a?link=n", "container.link.delete" },
		{ "DELETE", "/containers/a?link=no", "container.delete" },
		{ "DELETE", "/containers/a?link=%C2%A0", "container.delete" },
		{ "DELETE", "/containers/a?link=%C2", "container.link.delete" },
		{ "GET", "/volumes/a.", "volume.inspect" },
		{ "GET", "/volumes/..", "unknown" },
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct route_match m;

	ASSERT(map != MAP_FAILED);
	ASSERT_EQ(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t n = strlen(c[i].t);
		char *s = map + pg - n;

		memcpy(s, c[i].t, n);
		actions_classify(c[i].m, s, n, &m);
		if (strcmp(m.action, c[i].action) != 0)
			UNIT_FAIL("%s %s: got %s, expected %s", c[i].m, c[i].t,
			    m.action, c[i].action);
	}
	munmap(map, (size_t)pg * 2);
}

TEST(huge_targets)
{
	static char t[9000];
	struct route_match m;
	size_t n;

	/* 8 KiB exactly is classified; the name is cut to 511 bytes */
	n = (size_t)snprintf(t, sizeof(t), "/images/");
	while (n < 8192 - 5)
		t[n++] = 'a';
	memcpy(t + n, "/json", 5);
	n += 5;
	ASSERT_EQ(n, 8192);
	ASSERT(actions__classify("GET", t, n, &m) >= 0);
	ASSERT_STREQ(m.action, "image.inspect");
	ASSERT_EQ(strlen(m.object_ref), ROUTE_ID_MAX - 1);
	/* one byte more is unknown */
	memmove(t + 9, t + 8, n - 8);
	n++;
	ASSERT_EQ(actions__classify("GET", t, n, &m), -1);
	ASSERT_STREQ(m.action, "unknown");
	/* far too long */
	memset(t, 'a', sizeof(t));
	t[0] = '/';
	ASSERT_EQ(actions__classify("GET", t, sizeof(t), &m), -1);
	/* many segments: "/images" + 4089 x "/a" + "/json" */
	memcpy(t, "/images", 7);
	n = 7;
	for (int i = 0; i < 4089; i++) {
		t[n++] = '/';
		t[n++] = 'a';
	}
	memcpy(t + n, "/json", 5);
	n += 5;
	ASSERT_EQ(n, 8190);
	ASSERT(actions__classify("GET", t, n, &m) >= 0);
	ASSERT_STREQ(m.action, "image.inspect");
	ASSERT_EQ(strlen(m.object_ref), ROUTE_ID_MAX - 1);
	ASSERT_EQ(strncmp(m.object_ref, "a/a/a/", 6), 0);
	ASSERT_EQ(m.object_ref[ROUTE_ID_MAX - 2], 'a');
}

TEST(ref_truncated_at_utf8_boundary)
{
	char t[1200], want[ROUTE_ID_MAX];
	size_t n;

	/* 510 'a' then U+00E9 (2 bytes): byte 511 would split it */
	n = (size_t)snprintf(t, sizeof(t), "/volumes/");
	memset(t + n, 'a', 510);
	n += 510;
	memcpy(t + n, "\xc3\xa9zz", 4);
	n += 4;
	t[n] = '\0';
	ASSERT(cls("GET", t) >= 0);
	memset(want, 'a', 510);
	want[510] = '\0';
	ASSERT_STREQ(rm.object_ref, want);

	/* 509 'a' then U+20AC (3 bytes): cut before it */
	n = (size_t)snprintf(t, sizeof(t), "/volumes/");
	memset(t + n, 'a', 509);
	n += 509;
	memcpy(t + n, "%E2%82%ACzz", 11);
	n += 11;
	t[n] = '\0';
	ASSERT(cls("GET", t) >= 0);
	want[509] = '\0';
	ASSERT_STREQ(rm.object_ref, want);

	/* 511 'a' then the same: fits exactly, no cut needed */
	n = (size_t)snprintf(t, sizeof(t), "/volumes/");
	memset(t + n, 'a', 511);
	n += 511;
	memcpy(t + n, "\xe2\x82\xac", 3);
	n += 3;
	t[n] = '\0';
	ASSERT(cls("GET", t) >= 0);
	ASSERT_EQ(strlen(rm.object_ref), 511);
	ASSERT_EQ(rm.object_ref[510], 'a');

	/* 508 'a' then U+1F600 (4 bytes) at 508..511: cut before it */
	n = (size_t)snprintf(t, sizeof(t), "/volumes/");
	memset(t + n, 'a', 508);
	n += 508;
	memcpy(t + n, "\xf0\x9f\x98\x80", 4);
	n += 4;
	t[n] = '\0';
	ASSERT(cls("GET", t) >= 0);
	ASSERT_EQ(strlen(rm.object_ref), 508);

	/* invalid UTF-8 (only continuation bytes): cut at 511 anyway */
	n = (size_t)snprintf(t, sizeof(t), "/volumes/");
	memset(t + n, 0x80, 600);
	n += 600;
	t[n] = '\0';
	ASSERT(cls("GET", t) >= 0);
	ASSERT_EQ(strlen(rm.object_ref), 511);
}

/* ^[a-z_]+(\.[a-z_]+)*$ */
static bool
action_ok(const char *s)
{
	bool seg = false;

	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || *s == '_')
			seg = true;
		else if (*s == '.' && seg)
			seg = false;
		else
			return false;
	}
	return seg;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static size_t
first_seg_len(const char *t)
{
	return strcspn(t + 1, "/");
}

TEST(table_consistency)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
	};
	static const char *const types[] = {
		"container", "exec", "image", "build", "network", "volume",
		"swarm", "node", "service", "task", "secret", "config", "plugin",
		"system", "auth", "distribution", "session", "checkpoint",
	};

	ASSERT(NROUTES >= 100);
	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *r = actions__row(i);
		const char *method, *tmpl, *action;
		bool ok = false;

		actions_entry(i, &method, &tmpl, &action);
		ASSERT(method == r->rt_method && tmpl == r->rt_tmpl &&
		    action == r->rt_action);
		if (!action_ok(r->rt_action))
			UNIT_FAIL("row %zu: bad action \"%s\"", i, r->rt_action);
		ASSERT(strcmp(r->rt_action, "unknown") != 0);
		for (size_t j = 0; j < sizeof(methods) / sizeof(methods[0]); j++)
			ok |= strcmp(r->rt_method, methods[j]) == 0;
		if (!ok)
			UNIT_FAIL("row %zu: bad method \"%s\"", i, r->rt_method);
		ok = r->rt_objtype == NULL;
		for (size_t j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			ok |= r->rt_objtype != NULL &&
			    strcmp(r->rt_objtype, types[j]) == 0;
		if (!ok)
			UNIT_FAIL("row %zu: bad object type", i);
		ASSERT_EQ(r->rt_flags & ~(unsigned)(M | H | S | X), 0);
		/* a hijacked connection is a long stream and writes */
		if (r->rt_flags & H)
			ASSERT_EQ(r->rt_flags & (M | S), M | S);
		/* GET/HEAD/OPTIONS are reads, except attach over websocket */
		if ((strcmp(r->rt_method, "GET") == 0 ||
		    strcmp(r->rt_method, "HEAD") == 0 ||
		    strcmp(r->rt_method, "OPTIONS") == 0) && (r->rt_flags & M))
			ASSERT_STREQ(r->rt_action, "container.attach.ws");
		/* POST/PUT/DELETE write, except waiting for a container */
		if ((strcmp(r->rt_method, "POST") == 0 ||
		    strcmp(r->rt_method, "PUT") == 0 ||
		    strcmp(r->rt_method, "DELETE") == 0) && !(r->rt_flags & M))
			ASSERT_STREQ(r->rt_action, "container.wait");
		if (r->rt_flags & X)
			ASSERT_STREQ(r->rt_action, "auth.login");

		/* template: "/" then segments; a variable is a whole
		 * segment "{name}", "{name*}" or "{name+}"; at most one
		 * greedy, and only literal segments after it */
		const char *t = r->rt_tmpl;
		int greedy = 0;
		ASSERT_EQ(t[0], '/');
		for (const char *s = t; *s != '\0'; ) {
			ASSERT_EQ(*s, '/');
			s++;
			size_t l = strcspn(s, "/");
			if (l > 0 && s[0] == '{') {
				ASSERT(l >= 3 && s[l - 1] == '}');
				size_t nl = l - 2;
				if (s[l - 2] == '*' || s[l - 2] == '+') {
					greedy++;
					nl--;
				}
				ASSERT(nl > 0);
				for (size_t k = 1; k <= nl; k++)
					ASSERT(s[k] >= 'a' && s[k] <= 'z');
			} else {
				for (size_t k = 0; k < l; k++)
					ASSERT(s[k] != '{' && s[k] != '}' &&
					    s[k] != '*' && s[k] != '%' &&
					    s[k] != '?');
				/* only the last segment may be empty */
				ASSERT(l > 0 || s[l] == '\0');
			}
			s += l;
		}
		ASSERT(greedy <= 1);
		const char *g = strchr(t, '*') != NULL ? strchr(t, '*') :
		    strchr(t, '+');
		if (g != NULL)
			ASSERT(strchr(g, '{') == NULL);
		if (r->rt_query != NULL)
			ASSERT(r->rt_cond == ROUTE_COND_NONEMPTY ||
			    r->rt_cond == ROUTE_COND_TRUE);

		/* no two rows the same; a duplicate (method, template,
		 * condition) could never be reached */
		for (size_t j = 0; j < i; j++) {
			const struct route *o = actions__row(j);
			if (strcmp(o->rt_method, r->rt_method) == 0 &&
			    strcmp(o->rt_tmpl, r->rt_tmpl) == 0 &&
			    same_str(o->rt_query, r->rt_query))
				UNIT_FAIL("rows %zu and %zu: same %s %s", j, i,
				    r->rt_method, r->rt_tmpl);
		}

	}

	/* groups: sorted by name, each row's first segment is its group's
	 * name, the last group "" holds the rows starting with a variable */
	size_t total = 0;
	for (size_t g = 0; g < route_groups_len; g++) {
		const struct route_group *rg = &route_groups[g];
		bool last = g + 1 == route_groups_len;

		ASSERT(memchr(rg->rg_name, '\0', ROUTE_GROUP_NAME_MAX) != NULL);
		ASSERT(rg->rg_count > 0);
		ASSERT_EQ(rg->rg_name[0] == '\0', last);
		if (g > 0 && !last && strcmp(route_groups[g - 1].rg_name,
		    rg->rg_name) >= 0)
			UNIT_FAIL("groups %s, %s out of order",
			    route_groups[g - 1].rg_name, rg->rg_name);
		for (size_t i = 0; i < rg->rg_count; i++) {
			const char *t = rg->rg_rows[i].rt_tmpl;
			size_t l = first_seg_len(t);
			if (last ? t[1] != '{' : (t[1] == '{' ||
			    l != strlen(rg->rg_name) ||
			    memcmp(t + 1, rg->rg_name, l) != 0))
				UNIT_FAIL("row %s is in group \"%s\"", t,
				    rg->rg_name);
			ASSERT(actions__row(total) == &rg->rg_rows[i]);
			total++;
		}
	}
	ASSERT_EQ(total, NROUTES);
	ASSERT_NULL(actions__row(total));

	const char *mm = "x", *tt = "x", *aa = "x";
	actions_entry(NROUTES, &mm, &tt, &aa);
	ASSERT_NULL(mm);
	ASSERT_NULL(tt);
	ASSERT_NULL(aa);
}

/* The docs/actions.md row for route i. */
static void
doc_row(size_t i, char *out, size_t cap)
{
	static const char *const fnames[] = {
		"mutating", "hijack", "stream", "secret-body",
	};
	const struct route *r = actions__row(i);
	char fl[64] = "", cond[64] = "";
	size_t n = 0;

	for (unsigned b = 0; b < 4; b++)
		if (r->rt_flags & (1u << b))
			n += (size_t)snprintf(fl + n, sizeof(fl) - n, "%s%s",
			    n ? ", " : "", fnames[b]);
	if (r->rt_query != NULL)
		snprintf(cond, sizeof(cond), "`%s` %s", r->rt_query,
		    r->rt_cond == ROUTE_COND_TRUE ? "true" : "non-empty");
	snprintf(out, cap, "| `%s` | `%s` | %s | `%s` | %s | %s |",
	    r->rt_method, r->rt_tmpl, cond, r->rt_action,
	    r->rt_objtype != NULL ? r->rt_objtype : "-", fl);
}

static void
doc_dump_expected(void)
{
	char row[256];

	fprintf(stderr, "  docs/actions.md should list:\n");
	for (size_t i = 0; i < NROUTES; i++) {
		doc_row(i, row, sizeof(row));
		fprintf(stderr, "%s\n", row);
	}
	fprintf(stderr, "\n%zu routes.\n", NROUTES);
}

TEST(doc_matches_table)
{
	const char *dir = getenv("DOCKAUDIT_SRCDIR");
	char path[512], line[512], row[256];
	size_t i = 0, lineno = 0;
	bool count_seen = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s%sdocs/actions.md",
	    dir != NULL ? dir : "", dir != NULL ? "/" : "");
	if ((f = fopen(path, "r")) == NULL)
		UNIT_FAIL("cannot open %s (run from the source tree or set "
		    "DOCKAUDIT_SRCDIR)", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "| `", 3) == 0) {
			if (i >= NROUTES) {
				doc_dump_expected();
				UNIT_FAIL("%s:%zu: more rows than the table's %zu",
				    path, lineno, NROUTES);
			}
			doc_row(i, row, sizeof(row));
			if (strcmp(line, row) != 0) {
				doc_dump_expected();
				UNIT_FAIL("%s:%zu: row %zu differs:\n    doc   %s\n"
				    "    table %s", path, lineno, i, line, row);
			}
			i++;
		} else {
			char *end;
			unsigned long v = strtoul(line, &end, 10);
			if (end != line && strcmp(end, " routes.") == 0) {
				ASSERT_EQ(v, NROUTES);
				count_seen = true;
			}
		}
	}
	fclose(f);
	if (i != NROUTES) {
		doc_dump_expected();
		UNIT_FAIL("%s: %zu rows, the table has %zu", path, i,
		    NROUTES);
	}
	ASSERT(count_seen);
}

