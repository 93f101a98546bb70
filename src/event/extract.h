/* extract.h -- security-relevant settings and object names from request bodies.
 *
 * Input is a body parsed by json_parse (Go semantics: case-insensitive keys,
 * last duplicate wins, repeated objects merge: see the internal section at
 * the end) and the action from actions_classify.  Output is
 * written with the JSON writer.  Security fields are extracted at every audit
 * level; nothing here copies a secret value (Env values, secret Data...). */
#ifndef DA_EXTRACT_H
#define DA_EXTRACT_H

#include "base/buf.h"
#include "json/json.h"

struct extract_doubt;

/* Write member "security":{...} for actions whose body carries settings:
 * container.create, container.update, container.exec.create, exec.start,
 * container.start (API < 1.24), image.import (changes),
 * volume.create, network.create, network.connect, plugin.pull,
 * plugin.upgrade, service.create, service.update, swarm.init, swarm.join,
 * image.build (query), container.commit (query and body).  Writes nothing
 * when there is nothing to say (body NULL or of the wrong JSON type, an
 * action without settings, or none of the fields present).  `query` is
 * the parsed query object (exact names, first value wins as in Go's
 * Form.Get; a value may also be an array of strings), may be NULL.
 *
 * container.create writes every key below, null when absent:
 *   privileged, cap_add[], cap_drop[], mounts[], devices[] (PathOnHost),
 *   device_cgroup_rules[], pid_mode, ipc_mode, uts_mode, userns_mode,
 *   network_mode, cgroupns_mode, seccomp ("unconfined", "builtin", "" or
 *   "custom" for a JSON profile), apparmor, no_new_privileges,
 *   security_opt[] (as sent; a JSON seccomp profile as "seccomp=custom"),
 *   user, log_driver, sysctls{} (sorted), readonly_rootfs, group_add[],
 *   runtime, cgroup_parent, volumes_from[],
 *   port_bindings[{port,host_ip,host_port}] (sorted by port),
 *   masked_paths[], readonly_paths[] ([] is --security-opt
 *   systempaths=unconfined), cmd[], entrypoint[], env_names[].
 * Values are what dockerd decodes (see the internal section below), as
 * sent otherwise: strings unnormalised ("" stays ""), wrong JSON types
 * (a Go decode error, the call fails) null.  cap_add/cap_drop are
 * normalised like moby: upper case, "CAP_" prefix, "ALL" as is.
 * mounts[] entries: {"type","source","target","rw"} from Binds ("bind" for
 * an absolute source, else "volume"; rw false when the mode has "ro";
 * "invalid" with the whole spec as source when moby would refuse it) and
 * Mounts[] (type as sent); volumes add "driver" (VolumeDriver or
 * DriverConfig.Name, null if unset) and, when their driver options bind a
 * host path (o containing "bind" plus device), "device":<path>,"bind":true.
 *
 * The HostConfig is moby's ContainerConfigWrapper's: the "HostConfig"
 * object, or with none (absent or null) the top-level fields, and then
 * "host_config_from":"top_level" comes first (dockerd v20.10-v26 uses
 * them; v27+ ignores them: over-reporting).
 *
 * container.start with api_version below 1.24 and a body that sets a
 * HostConfig: "host_config_from" ("HostConfig" or "top_level") and the
 * HostConfig keys above, all present (dockerd v20.10-v24 replaces the
 * container's HostConfig with it).
 *
 * Other actions write only the fields present:
 *   container.exec.create: exec{cmd[],user,tty,privileged,env_names[],workdir}
 *   exec.start: exec{detach,tty}
 *   container.update: devices[], device_cgroup_rules[], restart_policy
 *   container.commit: commit{container,repo,tag,changes[]}, user, cmd[],
 *     entrypoint[], env_names[] (the body's Config with the changes'
 *     instructions applied; changes[] as "NAME args", extract_changes.c)
 *   image.import: import{source,repo,tag,changes[]}, and user, cmd[],
 *     entrypoint[], env_names[] when the changes set them
 *   image.build: network_mode, build{tags[],dockerfile,remote,
 *     buildarg_names[]}
 *   volume.create: volume{driver,type,device,bind}, mounts[] (bind volumes)
 *   network.create: network{driver,internal,attachable,ingress,options{}}
 *   network.connect: network{container}
 *   plugin.pull/upgrade: plugin_privileges[{name,value[]}]
 *   service.create/update (TaskTemplate.ContainerSpec): image, cap_add[],
 *     cap_drop[], mounts[], seccomp, apparmor (Privileges modes),
 *     no_new_privileges, user, group_add[], log_driver, sysctls{},
 *     readonly_rootfs, cmd[], args[], env_names[]
 *   swarm.init/join: swarm{listen_addr,advertise_addr,data_path_addr,
 *     remote_addrs[],force_new_cluster,autolock}
 * "incomplete":true is added if memory ran out.  Nothing copies a secret:
 * Env and build args give names only, driver options are not copied, and
 * URL user info in any string is replaced (redact_write_text). */
int	extract_security(const char *action, const char *api_version,
	    const struct json *body, const struct json *query,
	    struct extract_doubt *doubt, struct jw *w);

/* Doubts: reasons the record may not say exactly what dockerd will do with
 * a call (a body it cannot read as dockerd will, a Content-Type it is not
 * sure dockerd refuses, ...).  The caller may add reasons of its own
 * before extract_security, which adds the ones extraction finds and writes
 * them all as "uncertain":[...] inside "security" (opening it if nothing
 * else was written), and returns their count.  Reasons are static strings
 * (never request data), at most EXTRACT_MAX_DOUBTS, each once.
 * api_version is the text after "/v" in the path ("1.23"), NULL when the
 * path has no version (the daemon's default applies). */
#define EXTRACT_MAX_DOUBTS 8
struct extract_doubt {
	const char	*reason[EXTRACT_MAX_DOUBTS];
	size_t		 n;
};
void	extract_doubt_add(struct extract_doubt *d, const char *reason);

/* Object name and image from the body/query of create-like calls:
 * container.create: name from query "name", image from "Image";
 * volume/network/secret/config/service create: "Name"; image.pull:
 * fromImage[:tag]; image.build: t.  Sets *name / *image to pointers into
 * body/query strings (or NULL). */
void	extract_object(const char *action, const struct json *body,
	    const struct json *query, const char **name, const char **image);
/* Like extract_object, but where the reference is split over two query
 * parameters (image.pull fromImage + tag, container.commit repo + tag) it
 * is joined into buf ("name:tag", or "name@digest" when tag holds a ':'),
 * and *image points at buf.  buf NULL: as extract_object (name only). */
void	extract_object_buf(const char *action, const struct json *body,
	    const struct json *query, const char **name, const char **image,
	    char *buf, size_t buflen);

/* ---- internal to extract.c, extract_go.c and extract_mounts.c ----
 *
 * dockerd decodes a body into Go structs, and encoding/json does more than
 * "last key wins": a repeated key holding an object decodes INTO the value
 * the earlier one built (pointers and maps are reused), so
 * {"HostConfig":{"Privileged":true},"HostConfig":{}} is privileged; null
 * resets pointers, slices and maps but leaves strings, bools and value
 * structs alone; a repeated array decodes element i into the existing
 * element i (even past a shorter array in between: the capacity keeps it),
 * so "Binds":["/:/h"],"Binds":[null] still binds "/".  An empty array
 * starts a fresh slice.  A view is one Go struct value: the objects that
 * were merged into it, in document order, after the last reset.  Field
 * names match with json_key_match (Go's folding), map keys exactly.  Every
 * function is linear in the members it looks at, so a hostile body cannot
 * make extraction quadratic. */
struct extract__view {
	const struct json	**obj;	/* objects merged into the value */
	size_t			 n;
	size_t			 cap;
	const struct json	*inl[2];	/* obj's storage while n <= 2 */
	int			*nomem;	/* set on allocation failure */
};

/* Output context: nulls set means absent fields are written as null;
 * doubts found while extracting go to doubt (may be NULL). */
struct extract__out {
	struct jw		*w;
	int			 nulls;
	int			 nomem;
	struct extract_doubt	*doubt;
};

/* extract_go.c.  A view is never copied by value (obj may point into it); free
 * each with extract__view_free. */
void	extract__view_root(struct extract__view *v, const struct json *obj,
	    int *nomem);
/* Struct field: ptr set for *T fields (null resets), clear for T fields. */
void	extract__view_field(struct extract__view *v,
	    const struct extract__view *parent, const char *key, int ptr);
/* []struct field: returns 0 when nil, else 1; *n elements (the length of
 * the last array; *elems NULL when 0), freed with extract__views_free. */
int	extract__view_elems(const struct extract__view *parent,
	    const char *key, struct extract__view **elems, size_t *n);
void	extract__view_free(struct extract__view *v);
void	extract__views_free(struct extract__view *elems, size_t n);

/* Scalar field (string, bool, number): the last non-null value. */
const struct json *extract__scalar(const struct extract__view *v,
	    const char *key);
/* Field whose null resets it (pointers, StrSlice): the last value, NULL
 * if absent or null. */
const struct json *extract__last(const struct extract__view *v,
	    const char *key);
/* []string (any []scalar) field: returns 0 when nil, else 1 with *vals
 * (malloc'd, free it) holding *n element values, NULL where the element
 * is Go's zero value. */
int	extract__strs(const struct extract__view *v, const char *key,
	    const struct json ***vals, size_t *n);
/* map[string]T field: the value under exactly mkey, NULL if none. */
const struct json *extract__map_get(const struct extract__view *v,
	    const char *key, const char *mkey);
/* map[string]T field: returns 0 when nil, else 1 with *out (malloc'd,
 * free it) holding its *n entries sorted by key, one per exact key (the
 * last one decoded). */
struct extract__ment {
	const char		*k;
	size_t			 kl;
	const struct json	*v;
	size_t			 seq;
};
int	extract__map_collect(const struct extract__view *v, const char *key,
	    struct extract__ment **out, size_t *n);

/* extract_mounts.c: HostConfig Binds (+ VolumeDriver, or vdriver_top
 * when the HostConfig's own is empty: the wrapper's top-level copy) and
 * Mounts, or a ContainerSpec's Mounts, as "mounts"; volume.create's bind
 * volumes; Devices as "devices". */
void	extract__mounts(struct extract__out *o, const struct extract__view *v,
	    int binds, const struct json *vdriver_top);
void	extract__volume_create(struct extract__out *o,
	    const struct extract__view *body);
void	extract__devices(struct extract__out *o, const struct extract__view *v);
/* extract_secopt.c: seccomp, apparmor, no_new_privileges, security_opt[]
 * from HostConfig view hc. */
void	extract__security_opt(struct extract__out *o,
	    const struct extract__view *hc);

/* extract_out.c: writers shared by the per-action functions (key okey
 * or k; nulls written only when o->nulls). */
typedef void (*extract__put_fn)(struct jw *, const char *, size_t);
void	extract__out_null(struct extract__out *o, const char *k);
void	extract__out_str(struct extract__out *o, const char *k,
	    const struct json *v);
void	extract__out_bool(struct extract__out *o, const char *k,
	    const struct json *v);
void	extract__out_kv(struct jw *w, const char *k, size_t kl, const char *s,
	    size_t n);
void	extract__put_plain(struct jw *w, const char *s, size_t n);
void	extract__put_env_name(struct jw *w, const char *s, size_t n);
void	extract__put_cap(struct jw *w, const char *s, size_t n);
void	extract__out_strs(struct extract__out *o, const char *okey,
	    const struct extract__view *v, const char *key,
	    extract__put_fn put);
void	extract__out_strslice(struct extract__out *o, const char *okey,
	    const struct extract__view *v, const char *key,
	    extract__put_fn put);
void	extract__out_map(struct extract__out *o, const char *okey,
	    const struct extract__view *v, const char *key);
void	extract__out_ports(struct extract__out *o,
	    const struct extract__view *hc);
/* An object member dropped again if nothing is written into it. */
struct extract__mark {
	size_t		len;
	size_t		after;
	unsigned char	nc;
};
void	extract__obj_open(struct jw *w, const char *key,
	    struct extract__mark *m);
void	extract__obj_close(struct jw *w, struct extract__mark *m);

/* extract_changes.c: the `changes` query values (a string or an array
 * of strings per key, every key named exactly "changes", in order) joined
 * with "\n" into text; returns 0 when there are none. */
int	extract__changes_text(const struct json *query, struct buf *text);
/* Writes "changes":[...] (one "NAME args" per Dockerfile instruction, ENV
 * values redacted) and fills res with what the instructions set over the
 * Config view config (may be NULL): USER, CMD, ENTRYPOINT and the final
 * Env names (config's first).  Returns 0, writing nothing, when there are
 * no changes.  Free res with extract__changes_free. */
#define EXTRACT_MAX_ENV 256
struct extract__changes_out {
	char		*user;		/* last USER, expanded; NULL if none */
	int		 cmd_set;	/* CMD given: cmd holds the JSON array */
	int		 cmd_reset;	/* ENTRYPOINT cleared Cmd */
	int		 entry_set;	/* ENTRYPOINT given: entry holds it */
	struct buf	 cmd;
	struct buf	 entry;
	char		*env_name[EXTRACT_MAX_ENV];
	size_t		 env_n;
};
int	extract__changes(struct extract__out *o, const struct json *query,
	    const struct extract__view *config,
	    struct extract__changes_out *res);
/* Writes key: the JSON array text in b. */
void	extract__changes_json(struct extract__out *o, const char *key,
	    const struct buf *b);
void	extract__changes_free(struct extract__changes_out *res);

#endif
