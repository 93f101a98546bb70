/* routes.c -- the Docker Engine API route table, as data.
 *
 * One row per (method, path template) that dockerd registers for API
 * 1.41 .. 1.56, taken from moby's routers (daemon/server/router/<x>/<x>.go,
 * api/server/router/ in trees before v29) and checked against
 * api/swagger.yaml.  actions.c matches requests against it; docs/actions.md
 * lists it and test-actions.c keeps the two identical.
 *
 * Layout: one array per first path segment, listed in route_groups[]
 * sorted by that segment (byte order), so the matcher finds a request's
 * group by binary search and scans only its rows; rows whose template
 * starts with a variable form the last group, "".  Inside a group, rows
 * follow dockerd's registration order and the first row that matches
 * wins.  No row with variables may shadow a later all-literal row
 * (test-actions.c checks that every row is reachable), so a literal route
 * always wins over a variable one.
 *
 * Where this table deliberately differs from dockerd:
 *  - POST /containers/{name}/copy is left out: registered until v25 but
 *    answers 404 to every API version >= 1.24.
 *  - the debug routes were registered without a method (and unversioned)
 *    before v28; only GET is listed, as dockerd registers them now. */
#include <stddef.h>

#include "event/actions.h"
#include "event/routes.h"

#define MUT	ROUTE_MUTATING
#define HIJ	ROUTE_HIJACK
#define STR	ROUTE_STREAM
#define SEC	ROUTE_SECRET_BODY

#define GROUP(name, rows) { name, rows, sizeof(rows) / sizeof(rows[0]) }

/* system router: ping (the CLI tries HEAD first) */
static const struct route r_ping[] = {
	{ "GET",    "/_ping",					"system.ping",		"system",	0, NULL, 0 },
	{ "HEAD",   "/_ping",					"system.ping",		"system",	0, NULL, 0 },
};

static const struct route r_auth[] = {
	{ "POST",   "/auth",					"auth.login",		"auth",		MUT | SEC, NULL, 0 },
};

/* build router */
static const struct route r_build[] = {
	{ "POST",   "/build",					"image.build",		"image",	MUT | STR, NULL, 0 },
	{ "POST",   "/build/prune",				"build.prune",		"build",	MUT, NULL, 0 },
	{ "POST",   "/build/cancel",				"build.cancel",		"build",	MUT, NULL, 0 },
};

static const struct route r_commit[] = {
	{ "POST",   "/commit",					"container.commit",	"container",	MUT, NULL, 0 },
};

/* swarm router: configs (API >= 1.30) */
static const struct route r_configs[] = {
	{ "GET",    "/configs",					"config.list",		"config",	0, NULL, 0 },
	{ "POST",   "/configs/create",				"config.create",	"config",	MUT, NULL, 0 },
	{ "DELETE", "/configs/{id}",				"config.delete",	"config",	MUT, NULL, 0 },
	{ "GET",    "/configs/{id}",				"config.inspect",	"config",	0, NULL, 0 },
	{ "POST",   "/configs/{id}/update",			"config.update",	"config",	MUT, NULL, 0 },
};

/* checkpoint router (experimental; registered before the container
 * router so its DELETE is not masked; its {name} is one segment, the
 * others are {name:.*}), then the container router.  DELETE with a true
 * "link" parameter removes the link /<name> (daemon/delete.go rmLink)
 * and never the container. */
static const struct route r_containers[] = {
	{ "GET",    "/containers/{name*}/checkpoints",		"checkpoint.list",	"container",	0, NULL, 0 },
	{ "POST",   "/containers/{name*}/checkpoints",		"checkpoint.create",	"container",	MUT, NULL, 0 },
	{ "DELETE", "/containers/{name}/checkpoints/{checkpoint}", "checkpoint.delete",	"container",	MUT, NULL, 0 },
	{ "HEAD",   "/containers/{name*}/archive",		"container.archive.head", "container",	0, NULL, 0 },
	{ "GET",    "/containers/json",				"container.list",	"container",	0, NULL, 0 },
	{ "GET",    "/containers/{name*}/export",			"container.export",	"container",	STR, NULL, 0 },
	{ "GET",    "/containers/{name*}/changes",		"container.changes",	"container",	0, NULL, 0 },
	{ "GET",    "/containers/{name*}/json",			"container.inspect",	"container",	0, NULL, 0 },
	{ "GET",    "/containers/{name*}/top",			"container.top",	"container",	0, NULL, 0 },
	{ "GET",    "/containers/{name*}/logs",			"container.logs",	"container",	STR, NULL, 0 },
	{ "GET",    "/containers/{name*}/stats",			"container.stats",	"container",	STR, NULL, 0 },
	{ "GET",    "/containers/{name*}/attach/ws",		"container.attach.ws",	"container",	MUT | HIJ | STR, NULL, 0 },
	{ "GET",    "/containers/{name*}/archive",		"container.archive.get", "container",	STR, NULL, 0 },
	{ "POST",   "/containers/create",				"container.create",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/kill",			"container.kill",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/pause",			"container.pause",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/unpause",		"container.unpause",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/restart",		"container.restart",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/start",			"container.start",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/stop",			"container.stop",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/wait",			"container.wait",	"container",	STR, NULL, 0 },
	{ "POST",   "/containers/{name*}/resize",			"container.resize",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/attach",			"container.attach",	"container",	MUT | HIJ | STR, NULL, 0 },
	{ "POST",   "/containers/{name*}/exec",			"container.exec.create", "container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/rename",			"container.rename",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/{name*}/update",			"container.update",	"container",	MUT, NULL, 0 },
	{ "POST",   "/containers/prune",				"container.prune",	"container",	MUT, NULL, 0 },
	{ "PUT",    "/containers/{name*}/archive",		"container.archive.put", "container",	MUT, NULL, 0 },
	{ "DELETE", "/containers/{name*}",			"container.link.delete", "container",	MUT, "link", ROUTE_COND_TRUE },
	{ "DELETE", "/containers/{name*}",			"container.delete",	"container",	MUT, NULL, 0 },
};

/* debug router: expvar and pprof ({name}: cmdline, profile, symbol,
 * trace and the named profiles such as heap or goroutine) */
static const struct route r_debug[] = {
	{ "GET",    "/debug/vars",				"system.debug",		"system",	0, NULL, 0 },
	{ "GET",    "/debug/pprof/",				"system.debug",		"system",	0, NULL, 0 },
	{ "GET",    "/debug/pprof/{name}",			"system.debug",		"system",	0, NULL, 0 },
};

/* distribution router (API >= 1.30) */
static const struct route r_distribution[] = {
	{ "GET",    "/distribution/{name*}/json",			"distribution.inspect",	"distribution",	0, NULL, 0 },
};

static const struct route r_events[] = {
	{ "GET",    "/events",					"system.events",	"system",	STR, NULL, 0 },
};

/* container router: exec */
static const struct route r_exec[] = {
	{ "GET",    "/exec/{id*}/json",				"exec.inspect",		"exec",		0, NULL, 0 },
	{ "POST",   "/exec/{id*}/start",				"exec.start",		"exec",		MUT | HIJ | STR, NULL, 0 },
	{ "POST",   "/exec/{id*}/resize",				"exec.resize",		"exec",		MUT, NULL, 0 },
};

/* grpc router (BuildKit over h2c; deprecated in API 1.53) */
static const struct route r_grpc[] = {
	{ "POST",   "/grpc",					"grpc.start",		"session",	MUT | HIJ | STR, NULL, 0 },
};

/* image router; POST /images/create pulls when fromImage is given
 * (r.Form: an urlencoded body's value first) and imports (fromSrc, or
 * the request body) otherwise */
static const struct route r_images[] = {
	{ "GET",    "/images/json",				"image.list",		"image",	0, NULL, 0 },
	{ "GET",    "/images/search",				"image.search",		"image",	0, NULL, 0 },
	{ "GET",    "/images/get",				"image.get_all",	"image",	STR, NULL, 0 },
	{ "GET",    "/images/{name*}/get",			"image.get",		"image",	STR, NULL, 0 },
	{ "GET",    "/images/{name*}/history",			"image.history",	"image",	0, NULL, 0 },
	{ "GET",    "/images/{name*}/json",			"image.inspect",	"image",	0, NULL, 0 },
	{ "GET",    "/images/{name*}/attestations",		"image.attestations",	"image",	0, NULL, 0 },
	{ "POST",   "/images/load",				"image.load",		"image",	MUT | STR, NULL, 0 },
	{ "POST",   "/images/create",				"image.pull",		"image",	MUT | STR, "fromImage", ROUTE_COND_NONEMPTY },
	{ "POST",   "/images/create",				"image.import",		"image",	MUT | STR, NULL, 0 },
	{ "POST",   "/images/{name*}/push",			"image.push",		"image",	MUT | STR, NULL, 0 },
	{ "POST",   "/images/{name*}/tag",			"image.tag",		"image",	MUT, NULL, 0 },
	{ "POST",   "/images/prune",				"image.prune",		"image",	MUT, NULL, 0 },
	{ "DELETE", "/images/{name*}",				"image.delete",		"image",	MUT, NULL, 0 },
};

static const struct route r_info[] = {
	{ "GET",    "/info",					"system.info",		"system",	0, NULL, 0 },
};

/* network router: moby matches network ids with {id:.*}, GET {id:.+}; the
 * daemon does not hold network names to a pattern (it does container
 * and volume names), so a name may contain '/' */
static const struct route r_networks[] = {
	{ "GET",    "/networks",					"network.list",		"network",	0, NULL, 0 },
	{ "GET",    "/networks/",					"network.list",		"network",	0, NULL, 0 },
	{ "GET",    "/networks/{id+}",				"network.inspect",	"network",	0, NULL, 0 },
	{ "POST",   "/networks/create",				"network.create",	"network",	MUT, NULL, 0 },
	{ "POST",   "/networks/{id*}/connect",			"network.connect",	"network",	MUT, NULL, 0 },
	{ "POST",   "/networks/{id*}/disconnect",			"network.disconnect",	"network",	MUT, NULL, 0 },
	{ "POST",   "/networks/prune",				"network.prune",	"network",	MUT, NULL, 0 },
	{ "DELETE", "/networks/{id*}",				"network.delete",	"network",	MUT, NULL, 0 },
};

/* swarm router: nodes */
static const struct route r_nodes[] = {
	{ "GET",    "/nodes",					"node.list",		"node",		0, NULL, 0 },
	{ "GET",    "/nodes/{id}",				"node.inspect",		"node",		0, NULL, 0 },
	{ "DELETE", "/nodes/{id}",				"node.delete",		"node",		MUT, NULL, 0 },
	{ "POST",   "/nodes/{id}/update",				"node.update",		"node",		MUT, NULL, 0 },
};

/* plugin router */
static const struct route r_plugins[] = {
	{ "GET",    "/plugins",					"plugin.list",		"plugin",	0, NULL, 0 },
	{ "GET",    "/plugins/{name*}/json",			"plugin.inspect",	"plugin",	0, NULL, 0 },
	{ "GET",    "/plugins/privileges",			"plugin.privileges",	"plugin",	0, NULL, 0 },
	{ "DELETE", "/plugins/{name*}",				"plugin.delete",	"plugin",	MUT, NULL, 0 },
	{ "POST",   "/plugins/{name*}/enable",			"plugin.enable",	"plugin",	MUT, NULL, 0 },
	{ "POST",   "/plugins/{name*}/disable",			"plugin.disable",	"plugin",	MUT, NULL, 0 },
	{ "POST",   "/plugins/pull",				"plugin.pull",		"plugin",	MUT | STR, NULL, 0 },
	{ "POST",   "/plugins/{name*}/push",			"plugin.push",		"plugin",	MUT | STR, NULL, 0 },
	{ "POST",   "/plugins/{name*}/upgrade",			"plugin.upgrade",	"plugin",	MUT | STR, NULL, 0 },
	{ "POST",   "/plugins/{name*}/set",			"plugin.set",		"plugin",	MUT, NULL, 0 },
	{ "POST",   "/plugins/create",				"plugin.create",	"plugin",	MUT, NULL, 0 },
};

/* swarm router: secrets (API >= 1.25) */
static const struct route r_secrets[] = {
	{ "GET",    "/secrets",					"secret.list",		"secret",	0, NULL, 0 },
	{ "POST",   "/secrets/create",				"secret.create",	"secret",	MUT, NULL, 0 },
	{ "DELETE", "/secrets/{id}",				"secret.delete",	"secret",	MUT, NULL, 0 },
	{ "GET",    "/secrets/{id}",				"secret.inspect",	"secret",	0, NULL, 0 },
	{ "POST",   "/secrets/{id}/update",			"secret.update",	"secret",	MUT, NULL, 0 },
};

/* swarm router: services */
static const struct route r_services[] = {
	{ "GET",    "/services",					"service.list",		"service",	0, NULL, 0 },
	{ "GET",    "/services/{id}",				"service.inspect",	"service",	0, NULL, 0 },
	{ "POST",   "/services/create",				"service.create",	"service",	MUT, NULL, 0 },
	{ "POST",   "/services/{id}/update",			"service.update",	"service",	MUT, NULL, 0 },
	{ "DELETE", "/services/{id}",				"service.delete",	"service",	MUT, NULL, 0 },
	{ "GET",    "/services/{id}/logs",			"service.logs",		"service",	STR, NULL, 0 },
};

/* session router (BuildKit over h2c; deprecated in API 1.53) */
static const struct route r_session[] = {
	{ "POST",   "/session",					"session.start",	"session",	MUT | HIJ | STR, NULL, 0 },
};

/* swarm router: the swarm itself */
static const struct route r_swarm[] = {
	{ "GET",    "/swarm",					"swarm.inspect",	"swarm",	0, NULL, 0 },
	{ "POST",   "/swarm/init",				"swarm.init",		"swarm",	MUT, NULL, 0 },
	{ "POST",   "/swarm/join",				"swarm.join",		"swarm",	MUT, NULL, 0 },
	{ "POST",   "/swarm/leave",				"swarm.leave",		"swarm",	MUT, NULL, 0 },
	{ "GET",    "/swarm/unlockkey",				"swarm.unlockkey",	"swarm",	0, NULL, 0 },
	{ "POST",   "/swarm/update",				"swarm.update",		"swarm",	MUT, NULL, 0 },
	{ "POST",   "/swarm/unlock",				"swarm.unlock",		"swarm",	MUT, NULL, 0 },
};

static const struct route r_system[] = {
	{ "GET",    "/system/df",					"system.df",		"system",	0, NULL, 0 },
};

/* swarm router: tasks */
static const struct route r_tasks[] = {
	{ "GET",    "/tasks",					"task.list",		"task",		0, NULL, 0 },
	{ "GET",    "/tasks/{id}",				"task.inspect",		"task",		0, NULL, 0 },
	{ "GET",    "/tasks/{id}/logs",				"task.logs",		"task",		STR, NULL, 0 },
};

static const struct route r_version[] = {
	{ "GET",    "/version",					"system.version",	"system",	0, NULL, 0 },
};

/* volume router (PUT: API >= 1.42, cluster volumes) */
static const struct route r_volumes[] = {
	{ "GET",    "/volumes",					"volume.list",		"volume",	0, NULL, 0 },
	{ "GET",    "/volumes/{name*}",				"volume.inspect",	"volume",	0, NULL, 0 },
	{ "POST",   "/volumes/create",				"volume.create",	"volume",	MUT, NULL, 0 },
	{ "POST",   "/volumes/prune",				"volume.prune",		"volume",	MUT, NULL, 0 },
	{ "PUT",    "/volumes/{name*}",				"volume.update",	"volume",	MUT, NULL, 0 },
	{ "DELETE", "/volumes/{name*}",				"volume.delete",	"volume",	MUT, NULL, 0 },
};

/* system router: CORS preflight, any path (dockerd's
 * /{anyroute:.*}); names no object */
static const struct route r_any[] = {
	{ "OPTIONS","/{path*}",					"system.options",	NULL,		0, NULL, 0 },
};

const struct route_group route_groups[] = {
	GROUP("_ping", r_ping),
	GROUP("auth", r_auth),
	GROUP("build", r_build),
	GROUP("commit", r_commit),
	GROUP("configs", r_configs),
	GROUP("containers", r_containers),
	GROUP("debug", r_debug),
	GROUP("distribution", r_distribution),
	GROUP("events", r_events),
	GROUP("exec", r_exec),
	GROUP("grpc", r_grpc),
	GROUP("images", r_images),
	GROUP("info", r_info),
	GROUP("networks", r_networks),
	GROUP("nodes", r_nodes),
	GROUP("plugins", r_plugins),
	GROUP("secrets", r_secrets),
	GROUP("services", r_services),
	GROUP("session", r_session),
	GROUP("swarm", r_swarm),
	GROUP("system", r_system),
	GROUP("tasks", r_tasks),
	GROUP("version", r_version),
	GROUP("volumes", r_volumes),
	GROUP("", r_any),
};

const size_t route_groups_len = sizeof(route_groups) / sizeof(route_groups[0]);
