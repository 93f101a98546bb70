/* extract.c -- the "security" member of an event: the settings in a Docker
 * request body (and query) that decide what a container, exec, volume,
 * network, plugin or service may do on the host, read the way dockerd's Go
 * decoder reads them (extract_go.c), one function per action.  Also the
 * object name and image of create-like calls.  Copies no secret: Env gives
 * names only, build args names only, volume driver options never, and URL
 * user info is replaced in every string.  Mounts and devices are in
 * extract_mounts.c, SecurityOpt in extract_secopt.c, commit and import
 * changes in extract_changes.c, the shared writers in extract_out.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "event/extract.h"
#include "event/redact.h"

static int
key_is(const struct json *o, size_t i, const char *k, size_t kl)
{
	return json_keylen_at(o, i) == kl && memcmp(json_key_at(o, i), k,
	    kl) == 0;
}

/* ---- per action ---- */

/* The HostConfig dockerd v20.10-v26 decodes from a create or old start
 * body (runconfig ContainerConfigWrapper.getHostConfig): the "HostConfig"
 * object when there is one after Go's duplicate and null rules, else the
 * deprecated copy embedded at the top level, whose fields then ARE the
 * HostConfig.  With both, the inner one wins and only Memory, MemorySwap,
 * CpuShares, CpusetCpus and VolumeDriver are taken from the top when the
 * inner is zero: of those the record uses VolumeDriver, *vdriver_top.
 * Returns 1 when the top level is used.  v27+ ignores the top-level
 * fields: reading them is over-reporting there, never under-reporting. */
static int
host_config(struct extract__view *hc, const struct extract__view *root,
    const struct json *body, const struct json **vdriver_top)
{
	extract__view_field(hc, root, "HostConfig", 1);
	*vdriver_top = NULL;
	if (hc->n > 0) {
		*vdriver_top = extract__scalar(root, "VolumeDriver");
		return 0;
	}
	extract__view_free(hc);
	extract__view_root(hc, body, root->nomem);
	return 1;
}

/* The HostConfig part of the security object (create and old start), and
 * with root set the Config fields of a create in between. */
static void
out_host(struct extract__out *o, const struct extract__view *hc,
    const struct extract__view *root, const struct json *vdriver_top)
{
	struct extract__view lc;

	extract__view_field(&lc, hc, "LogConfig", 0);
	extract__out_bool(o, "privileged", extract__scalar(hc, "Privileged"));
	extract__out_strslice(o, "cap_add", hc, "CapAdd", extract__put_cap);
	extract__out_strslice(o, "cap_drop", hc, "CapDrop", extract__put_cap);
	extract__mounts(o, hc, 1, vdriver_top);
	extract__devices(o, hc);
	extract__out_strs(o, "device_cgroup_rules", hc, "DeviceCgroupRules", extract__put_plain);
	extract__out_str(o, "pid_mode", extract__scalar(hc, "PidMode"));
	extract__out_str(o, "ipc_mode", extract__scalar(hc, "IpcMode"));
	extract__out_str(o, "uts_mode", extract__scalar(hc, "UTSMode"));
	extract__out_str(o, "userns_mode", extract__scalar(hc, "UsernsMode"));
	extract__out_str(o, "network_mode", extract__scalar(hc, "NetworkMode"));
	extract__out_str(o, "cgroupns_mode", extract__scalar(hc, "CgroupnsMode"));
	extract__security_opt(o, hc);
	if (root != NULL)
		extract__out_str(o, "user", extract__scalar(root, "User"));
	extract__out_str(o, "log_driver", extract__scalar(&lc, "Type"));
	extract__out_map(o, "sysctls", hc, "Sysctls");
	extract__out_bool(o, "readonly_rootfs", extract__scalar(hc, "ReadonlyRootfs"));
	extract__out_strs(o, "group_add", hc, "GroupAdd", extract__put_plain);
	extract__out_str(o, "runtime", extract__scalar(hc, "Runtime"));
	extract__out_str(o, "cgroup_parent", extract__scalar(hc, "CgroupParent"));
	extract__out_strs(o, "volumes_from", hc, "VolumesFrom", extract__put_plain);
	extract__out_ports(o, hc);
	extract__out_strs(o, "masked_paths", hc, "MaskedPaths", extract__put_plain);
	extract__out_strs(o, "readonly_paths", hc, "ReadonlyPaths", extract__put_plain);
	if (root != NULL) {
		extract__out_strslice(o, "cmd", root, "Cmd", extract__put_plain);
		extract__out_strslice(o, "entrypoint", root, "Entrypoint", extract__put_plain);
		extract__out_strs(o, "env_names", root, "Env", extract__put_env_name);
	}
	extract__view_free(&lc);
}

static void
sec_container_create(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root, hc;
	const struct json *vdriver_top;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	if (host_config(&hc, &root, body, &vdriver_top))
		jw_str(o->w, "host_config_from", "top_level");
	out_host(o, &hc, &root, vdriver_top);
	extract__view_free(&hc);
	extract__view_free(&root);
}

/* Go's versions.LessThan(v, ref) (api/types/versions): dot-separated
 * parts compared as numbers, a missing or non-numeric part is 0, a part
 * too large for an int saturates (strconv.Atoi returns the maximum). */
static int
api_less(const char *v, const char *ref)
{
	while (*v != '\0' || *ref != '\0') {
		int64_t a = 0, b = 0;
		int bad = 0;

		for (; *v != '\0' && *v != '.'; v++) {
			if ((unsigned)(*v - '0') >= 10)
				bad = 1;
			else if (a <= (INT64_MAX - 9) / 10)
				a = a * 10 + (*v - '0');
			else
				a = INT64_MAX;
		}
		if (bad)
			a = 0;
		for (; *ref != '\0' && *ref != '.'; ref++)
			b = b * 10 + (*ref - '0');
		if (a != b)
			return a < b;
		if (*v == '.')
			v++;
		if (*ref == '.')
			ref++;
	}
	return 0;
}

/* Go's HostConfig field names (v20.10-v24, Resources included): a
 * top-level one, even null, makes the embedded HostConfig non-nil. */
static const char *const hostconfig_fields[] = {
	"Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings",
	"RestartPolicy", "AutoRemove", "VolumeDriver", "VolumesFrom",
	"ConsoleSize", "Annotations", "CapAdd", "CapDrop", "CgroupnsMode",
	"Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode",
	"Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged",
	"PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt",
	"Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls", "Runtime",
	"Isolation", "CpuShares", "Memory", "NanoCpus", "CgroupParent",
	"BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps",
	"BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps",
	"CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime",
	"CpusetCpus", "CpusetMems", "Devices", "DeviceCgroupRules",
	"DeviceRequests", "KernelMemory", "KernelMemoryTCP",
	"MemoryReservation", "MemorySwap", "MemorySwappiness",
	"OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent",
	"IOMaximumIOps", "IOMaximumBandwidth", "Mounts", "MaskedPaths",
	"ReadonlyPaths", "Init",
};

static int
has_hostconfig_field(const struct json *body)
{
	size_t i;

	for (i = 0; i < sizeof(hostconfig_fields) /
	    sizeof(hostconfig_fields[0]); i++)
		if (json_get(body, hostconfig_fields[i]) != NULL)
			return 1;
	return 0;
}

/* POST /v1.23/containers/{id}/start with a body: below API 1.24 dockerd
 * v20.10-v24 (v25 with DOCKER_MIN_API_VERSION lowered) decodes it with the
 * create wrapper and REPLACES the container's HostConfig with it
 * (daemon/start.go setHostConfig), when getHostConfig is not nil.  From
 * 1.24 on (and with no version: the default is newer) a body is refused.
 * Bodies of 7 bytes or less are ignored by dockerd; no such body can name
 * a HostConfig field. */
static void
sec_container_start(struct extract__out *o, const struct json *body,
    const char *api_version)
{
	struct extract__view root, hc;
	const struct json *vdriver_top;
	int top;

	if (api_version == NULL || !api_less(api_version, "1.24") ||
	    json_type(body) != JSON_OBJECT)
		return;
	extract__view_root(&root, body, &o->nomem);
	top = host_config(&hc, &root, body, &vdriver_top);
	if (!top || has_hostconfig_field(body)) {
		o->nulls = 1;
		jw_str(o->w, "host_config_from", top ? "top_level" :
		    "HostConfig");
		out_host(o, &hc, NULL, vdriver_top);
	}
	extract__view_free(&hc);
	extract__view_free(&root);
}

static void
sec_exec_create(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root;
	struct extract__mark m;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__obj_open(o->w, "exec", &m);
	extract__out_strs(o, "cmd", &root, "Cmd", extract__put_plain);	/* []string here */
	extract__out_str(o, "user", extract__scalar(&root, "User"));
	extract__out_bool(o, "tty", extract__scalar(&root, "Tty"));
	extract__out_bool(o, "privileged", extract__scalar(&root, "Privileged"));
	extract__out_strs(o, "env_names", &root, "Env", extract__put_env_name);
	extract__out_str(o, "workdir", extract__scalar(&root, "WorkingDir"));
	extract__obj_close(o->w, &m);
	extract__view_free(&root);
}

static void
sec_exec_start(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root;
	struct extract__mark m;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__obj_open(o->w, "exec", &m);
	extract__out_bool(o, "detach", extract__scalar(&root, "Detach"));
	extract__out_bool(o, "tty", extract__scalar(&root, "Tty"));
	extract__obj_close(o->w, &m);
	extract__view_free(&root);
}

static void
sec_container_update(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root, rp;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__view_field(&rp, &root, "RestartPolicy", 0);
	extract__devices(o, &root);
	extract__out_strs(o, "device_cgroup_rules", &root, "DeviceCgroupRules",
	    extract__put_plain);
	extract__out_str(o, "restart_policy", extract__scalar(&rp, "Name"));
	extract__view_free(&rp);
	extract__view_free(&root);
}

/* Query parameters: exact names; Go's Form.Get takes the first value. */
static const struct json *
q_first(const struct json *q, const char *name)
{
	const struct json *v;
	size_t i, nl = strlen(name);

	for (i = 0; i < json_len(q) && json_type(q) == JSON_OBJECT; i++) {
		if (!key_is(q, i, name, nl))
			continue;
		v = json_at(q, i);
		if (json_type(v) == JSON_ARRAY)
			v = json_at(v, 0);
		return json_type(v) == JSON_STRING ? v : NULL;
	}
	return NULL;
}

/* Every value of a repeated query parameter, as a list. */
static void
q_all(struct extract__out *o, const char *okey, const struct json *q,
    const char *name)
{
	const struct json *v, *e;
	size_t i, k, nl = strlen(name);
	int any = 0;

	for (i = 0; i < json_len(q) && json_type(q) == JSON_OBJECT; i++) {
		if (!key_is(q, i, name, nl))
			continue;
		v = json_at(q, i);
		for (k = 0; k < (json_type(v) == JSON_ARRAY ? json_len(v) : 1);
		    k++) {
			e = json_type(v) == JSON_ARRAY ? json_at(v, k) : v;
			if (json_type(e) != JSON_STRING)
				continue;
			if (!any++)
				jw_arr_begin(o->w, okey);
			extract__put_plain(o->w, json_str(e), json_strlen(e));
		}
	}
	if (any)
		jw_arr_end(o->w);
}

/* user, cmd, entrypoint and env_names of an image config: the body's
 * (cfg, may be NULL) with the changes' instructions (res) applied. */
static void
out_image_config(struct extract__out *o, const struct extract__view *cfg,
    const struct extract__changes_out *res, int changes)
{
	size_t i;

	if (changes && res->user != NULL)
		jw_str(o->w, "user", res->user);
	else if (cfg != NULL)
		extract__out_str(o, "user", extract__scalar(cfg, "User"));
	if (changes && res->cmd_set)
		extract__changes_json(o, "cmd", &res->cmd);
	else if (changes && res->cmd_reset)
		jw_null(o->w, "cmd");
	else if (cfg != NULL)
		extract__out_strslice(o, "cmd", cfg, "Cmd", extract__put_plain);
	if (changes && res->entry_set)
		extract__changes_json(o, "entrypoint", &res->entry);
	else if (cfg != NULL)
		extract__out_strslice(o, "entrypoint", cfg, "Entrypoint", extract__put_plain);
	if (changes && res->env_n > 0) {
		jw_arr_begin(o->w, "env_names");
		for (i = 0; i < res->env_n; i++)
			jw_str(o->w, NULL, res->env_name[i]);
		jw_arr_end(o->w);
	} else if (cfg != NULL) {
		extract__out_strs(o, "env_names", cfg, "Env", extract__put_env_name);
	}
}

/* POST /commit: the container from the query, the body's Config as the
 * image config, then every `changes` value as Dockerfile instructions
 * over it (builder/dockerfile BuildFromConfig). */
static void
sec_container_commit(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__changes_out res;
	struct extract__view root;
	struct extract__mark m;
	int changes;

	extract__view_root(&root, body, &o->nomem);
	extract__obj_open(o->w, "commit", &m);
	extract__out_str(o, "container", q_first(query, "container"));
	extract__out_str(o, "repo", q_first(query, "repo"));
	extract__out_str(o, "tag", q_first(query, "tag"));
	changes = extract__changes(o, query, &root, &res);
	extract__obj_close(o->w, &m);
	out_image_config(o, &root, &res, changes);
	if (changes)
		extract__changes_free(&res);
	extract__view_free(&root);
}

/* POST /images/create without fromImage: an import from fromSrc ("-":
 * the body) with the changes applied over an empty config. */
static void
sec_image_import(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__changes_out res;
	struct extract__mark m;
	int changes;

	(void)body;
	extract__obj_open(o->w, "import", &m);
	extract__out_str(o, "source", q_first(query, "fromSrc"));
	extract__out_str(o, "repo", q_first(query, "repo"));
	extract__out_str(o, "tag", q_first(query, "tag"));
	changes = extract__changes(o, query, NULL, &res);
	extract__obj_close(o->w, &m);
	if (changes) {
		out_image_config(o, NULL, &res, 1);
		extract__changes_free(&res);
	}
}

static void
sec_image_build(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	const struct json *ba = q_first(query, "buildargs");
	struct json *args;
	struct extract__mark m;
	size_t i;

	(void)body;
	extract__out_str(o, "network_mode", q_first(query, "networkmode"));
	extract__obj_open(o->w, "build", &m);
	q_all(o, "tags", query, "t");
	extract__out_str(o, "dockerfile", q_first(query, "dockerfile"));
	extract__out_str(o, "remote", q_first(query, "remote"));
	if (ba != NULL && (args = json_parse(json_str(ba), json_strlen(ba),
	    NULL)) != NULL) {
		/* names only; Go's map keeps one entry per exact name */
		if (json_type(args) == JSON_OBJECT) {
			jw_arr_begin(o->w, "buildarg_names");
			for (i = 0; i < json_len(args); i++) {
				size_t k, kl = json_keylen_at(args, i);

				for (k = 0; k < i; k++)
					if (key_is(args, k, json_key_at(args, i),
					    kl))
						break;
				if (k == i)
					jw_strn(o->w, NULL, json_key_at(args, i),
					    kl);
			}
			jw_arr_end(o->w);
		}
		json_free(args);
	}
	extract__obj_close(o->w, &m);
}

static void
sec_network(struct extract__out *o, const struct json *body,
    const struct json *query, int connect)
{
	struct extract__view root;
	struct extract__mark m;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__obj_open(o->w, "network", &m);
	if (connect) {
		extract__out_str(o, "container", extract__scalar(&root, "Container"));
	} else {
		extract__out_str(o, "driver", extract__scalar(&root, "Driver"));
		extract__out_bool(o, "internal", extract__scalar(&root, "Internal"));
		extract__out_bool(o, "attachable", extract__scalar(&root, "Attachable"));
		extract__out_bool(o, "ingress", extract__scalar(&root, "Ingress"));
		extract__out_map(o, "options", &root, "Options");
	}
	extract__obj_close(o->w, &m);
	extract__view_free(&root);
}

static void
sec_network_create(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	sec_network(o, body, query, 0);
}

static void
sec_network_connect(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	sec_network(o, body, query, 1);
}

static void
sec_volume_create(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__volume_create(o, &root);
	extract__view_free(&root);
}

/* plugin pull / upgrade: the privileges granted, [{Name,Value}]. */
static void
sec_plugin(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view el;
	size_t i;

	(void)query;
	jw_arr_begin(o->w, "plugin_privileges");
	for (i = 0; i < json_len(body); i++) {
		if (json_type(json_at(body, i)) != JSON_OBJECT)
			continue;
		extract__view_root(&el, json_at(body, i), &o->nomem);
		jw_obj_begin(o->w, NULL);
		extract__out_str(o, "name", extract__scalar(&el, "Name"));
		extract__out_strs(o, "value", &el, "Value", extract__put_plain);
		jw_obj_end(o->w);
		extract__view_free(&el);
	}
	jw_arr_end(o->w);
}

static void
sec_service(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root, tt, cs, pr, sc, aa, ld;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__view_field(&tt, &root, "TaskTemplate", 0);
	extract__view_field(&cs, &tt, "ContainerSpec", 1);
	extract__view_field(&pr, &cs, "Privileges", 1);
	extract__view_field(&sc, &pr, "Seccomp", 1);
	extract__view_field(&aa, &pr, "AppArmor", 1);
	extract__view_field(&ld, &tt, "LogDriver", 1);
	extract__out_str(o, "image", extract__scalar(&cs, "Image"));
	extract__out_strs(o, "cap_add", &cs, "CapabilityAdd", extract__put_cap);
	extract__out_strs(o, "cap_drop", &cs, "CapabilityDrop", extract__put_cap);
	extract__mounts(o, &cs, 0, NULL);
	extract__out_str(o, "seccomp", extract__scalar(&sc, "Mode"));
	extract__out_str(o, "apparmor", extract__scalar(&aa, "Mode"));
	extract__out_bool(o, "no_new_privileges", extract__scalar(&pr,
	    "NoNewPrivileges"));
	extract__out_str(o, "user", extract__scalar(&cs, "User"));
	extract__out_strs(o, "group_add", &cs, "Groups", extract__put_plain);
	extract__out_str(o, "log_driver", extract__scalar(&ld, "Name"));
	extract__out_map(o, "sysctls", &cs, "Sysctls");
	extract__out_bool(o, "readonly_rootfs", extract__scalar(&cs, "ReadOnly"));
	extract__out_strs(o, "cmd", &cs, "Command", extract__put_plain);
	extract__out_strs(o, "args", &cs, "Args", extract__put_plain);
	extract__out_strs(o, "env_names", &cs, "Env", extract__put_env_name);
	extract__view_free(&ld);
	extract__view_free(&aa);
	extract__view_free(&sc);
	extract__view_free(&pr);
	extract__view_free(&cs);
	extract__view_free(&tt);
	extract__view_free(&root);
}

static void
sec_swarm(struct extract__out *o, const struct json *body,
    const struct json *query)
{
	struct extract__view root;
	struct extract__mark m;

	(void)query;
	extract__view_root(&root, body, &o->nomem);
	extract__obj_open(o->w, "swarm", &m);
	extract__out_str(o, "listen_addr", extract__scalar(&root, "ListenAddr"));
	extract__out_str(o, "advertise_addr", extract__scalar(&root, "AdvertiseAddr"));
	extract__out_str(o, "data_path_addr", extract__scalar(&root, "DataPathAddr"));
	extract__out_strs(o, "remote_addrs", &root, "RemoteAddrs", extract__put_plain);
	extract__out_bool(o, "force_new_cluster", extract__scalar(&root,
	    "ForceNewCluster"));
	extract__out_bool(o, "autolock", extract__scalar(&root, "AutoLockManagers"));
	extract__obj_close(o->w, &m);
	extract__view_free(&root);
}

/* body: the JSON type the action's body must have, or -1 for any/none. */
static const struct {
	const char	*action;
	void		(*fn)(struct extract__out *, const struct json *,
			    const struct json *);
	int		 body;
} sec_actions[] = {
	{ "container.update",		sec_container_update,	JSON_OBJECT },
	{ "container.exec.create",	sec_exec_create,	JSON_OBJECT },
	{ "exec.start",			sec_exec_start,		JSON_OBJECT },
	{ "container.commit",		sec_container_commit,	-1 },
	{ "image.build",		sec_image_build,	-1 },
	{ "image.import",		sec_image_import,	-1 },
	{ "volume.create",		sec_volume_create,	JSON_OBJECT },
	{ "network.create",		sec_network_create,	JSON_OBJECT },
	{ "network.connect",		sec_network_connect,	JSON_OBJECT },
	{ "plugin.pull",		sec_plugin,		JSON_ARRAY },
	{ "plugin.upgrade",		sec_plugin,		JSON_ARRAY },
	{ "service.create",		sec_service,		JSON_OBJECT },
	{ "service.update",		sec_service,		JSON_OBJECT },
	{ "swarm.init",			sec_swarm,		JSON_OBJECT },
	{ "swarm.join",			sec_swarm,		JSON_OBJECT },
};

void
extract_doubt_add(struct extract_doubt *d, const char *reason)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->reason[i], reason) == 0)
			return;
	if (d->n < EXTRACT_MAX_DOUBTS)
		d->reason[d->n++] = reason;
	else
		d->reason[EXTRACT_MAX_DOUBTS - 1] = "more doubts than recorded";
}

static void
out_doubts(struct jw *w, const struct extract_doubt *d)
{
	if (d == NULL || d->n == 0)
		return;
	jw_arr_begin(w, "uncertain");
	for (size_t i = 0; i < d->n; i++)
		jw_str(w, NULL, d->reason[i]);
	jw_arr_end(w);
}

int
extract_security(const char *action, const char *api_version,
    const struct json *body, const struct json *query,
    struct extract_doubt *doubt, struct jw *w)
{
	struct extract__out o = { w, 0, 0, doubt };
	struct extract__mark m;
	size_t i;

	extract__obj_open(w, "security", &m);
	if (action == NULL)
		goto out;
	if (strcmp(action, "container.create") == 0) {
		if (json_type(body) != JSON_OBJECT)
			goto out;
		o.nulls = 1;
		sec_container_create(&o, body, query);
		goto out;
	}
	if (strcmp(action, "container.start") == 0) {
		sec_container_start(&o, body, api_version);
		goto out;
	}
	for (i = 0; i < sizeof(sec_actions) / sizeof(sec_actions[0]); i++) {
		if (strcmp(action, sec_actions[i].action) != 0)
			continue;
		if (sec_actions[i].body >= 0 &&
		    (int)json_type(body) != sec_actions[i].body)
			goto out;
		sec_actions[i].fn(&o, body, query);
		break;
	}
out:
	if (o.nomem)
		jw_bool(w, "incomplete", 1);
	out_doubts(w, doubt);
	extract__obj_close(w, &m);
	return doubt != NULL ? (int)doubt->n : 0;
}

/* ---- object name and image ---- */

void
extract_object_buf(const char *action, const struct json *body,
    const struct json *query, const char **name, const char **image,
    char *buf, size_t buflen)
{
	struct extract__view root, tt, cs;
	const struct json *img = NULL, *tag = NULL;
	int nomem = 0;

	*name = *image = NULL;
	if (action == NULL)
		return;
	extract__view_root(&root, body, &nomem);
	if (strcmp(action, "container.create") == 0) {
		*name = json_str(q_first(query, "name"));
		*image = json_str(extract__scalar(&root, "Image"));
	} else if (strcmp(action, "volume.create") == 0 ||
	    strcmp(action, "network.create") == 0 ||
	    strcmp(action, "secret.create") == 0 ||
	    strcmp(action, "config.create") == 0) {
		*name = json_str(extract__scalar(&root, "Name"));
	} else if (strcmp(action, "service.create") == 0 ||
	    strcmp(action, "service.update") == 0) {
		*name = json_str(extract__scalar(&root, "Name"));
		extract__view_field(&tt, &root, "TaskTemplate", 0);
		extract__view_field(&cs, &tt, "ContainerSpec", 1);
		*image = json_str(extract__scalar(&cs, "Image"));
		extract__view_free(&cs);
		extract__view_free(&tt);
	} else if (strcmp(action, "image.pull") == 0) {
		img = q_first(query, "fromImage");
		tag = q_first(query, "tag");
	} else if (strcmp(action, "image.build") == 0) {
		*image = json_str(q_first(query, "t"));
	} else if (strcmp(action, "plugin.pull") == 0 ||
	    strcmp(action, "plugin.upgrade") == 0) {
		*name = json_str(q_first(query, "name"));
		*image = json_str(q_first(query, "remote"));
		if (*name == NULL || **name == '\0')
			*name = *image;
	} else if (strcmp(action, "container.commit") == 0) {
		*name = json_str(q_first(query, "container"));
		img = q_first(query, "repo");
		tag = q_first(query, "tag");
	}
	extract__view_free(&root);
	if (img == NULL)
		return;
	*image = json_str(img);
	if (buf != NULL && json_strlen(tag) > 0 && json_strlen(img) > 0 &&
	    json_strlen(img) + 1 + json_strlen(tag) < buflen) {
		size_t il = json_strlen(img), tl = json_strlen(tag);

		memcpy(buf, json_str(img), il);
		buf[il] = memchr(json_str(tag), ':', tl) ? '@' : ':';
		memcpy(buf + il + 1, json_str(tag), tl);
		buf[il + 1 + tl] = '\0';
		*image = buf;
	}
}

void
extract_object(const char *action, const struct json *body,
    const struct json *query, const char **name, const char **image)
{
	extract_object_buf(action, body, query, name, image, NULL, 0);
}
