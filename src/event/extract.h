/* extract.h -- security-relevant settings and object names from request bodies.
 *
 * Input is a body parsed by json_parse (Go semantics: case-insensitive keys,
 * last duplicate wins) and the action from actions_classify.  Output is
 * written with the JSON writer.  Security fields are extracted at every audit
 * level; nothing here copies a secret value (Env values, secret Data...). */
#ifndef DA_EXTRACT_H
#define DA_EXTRACT_H

#include "json/json.h"

/* Write member "security":{...} for actions whose body carries settings:
 * container.create, container.update, container.exec.create, exec.start,
 * volume.create, network.create, network.connect, plugin.pull,
 * plugin.upgrade, service.create, service.update, swarm.init, image.build
 * (query), container.commit.  Writes nothing when there is nothing to say
 * (body NULL, or an action without settings).  `query` is the parsed query
 * object (json object of string values, may be NULL) for actions whose
 * settings travel in the query string (build: networkmode, buildargs names).
 * Fields (null when absent in the body):
 *   privileged, cap_add[], cap_drop[], mounts[{type,source,target,rw,driver}]
 *   (from Binds, Mounts, Volumes-from-driver binds, volume DriverOpts o=bind),
 *   devices[], device_cgroup_rules[], pid_mode, ipc_mode, uts_mode,
 *   userns_mode, network_mode, cgroupns_mode, seccomp, apparmor,
 *   no_new_privileges, security_opt[], user, log_driver, sysctls{},
 *   readonly_rootfs, group_add[], runtime, cgroup_parent, volumes_from[],
 *   port_bindings, env_names[], and for exec: exec{cmd[],user,tty,privileged,
 *   env_names[],workdir}. */
void	extract_security(const char *action, const struct json *body,
	    const struct json *query, struct jw *w);

/* Object name and image from the body/query of create-like calls:
 * container.create: name from query "name", image from "Image";
 * volume/network/secret/config/service create: "Name"; image.pull:
 * fromImage[:tag]; image.build: t.  Sets *name / *image to pointers into
 * body/query strings (or NULL). */
void	extract_object(const char *action, const struct json *body,
	    const struct json *query, const char **name, const char **image);

#endif
