/* test-extract.c -- the security object and object names extracted from
 * Docker request bodies: real docker CLI bodies with exact output, each
 * action, and Go decoding edge cases (case variants, duplicate keys and
 * objects, nulls, merged slices) that must read as dockerd reads them. */
#include <time.h>

#include "unit.h"
#include "base/buf.h"
#include "base/err.h"
#include "event/extract.h"
#include "json/json.h"

/* `docker run --privileged -v /:/host --cap-add sys_admin --pid host
 * --security-opt seccomp=unconfined --device /dev/sda -e SECRET=x -it
 * busybox sh` as docker CLI 28 sends it to API 1.41 (the CLI normalises
 * the capability itself). */
static const char run_body[] =
    "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":true,"
    "\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":true,\"OpenStdin\":true,"
    "\"StdinOnce\":true,\"Env\":[\"SECRET=x\"],\"Cmd\":[\"sh\"],\"Image\":\"busybox\","
    "\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
    "\"Labels\":{},\"HostConfig\":{\"Binds\":[\"/:/host\"],\"ContainerIDFile\":\"\","
    "\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode\":\"default\","
    "\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},"
    "\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
    "\"ConsoleSize\":[50,200],\"CapAdd\":[\"CAP_SYS_ADMIN\"],\"CapDrop\":null,"
    "\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],"
    "\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\","
    "\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"host\",\"Privileged\":true,"
    "\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,"
    "\"SecurityOpt\":[\"seccomp=unconfined\"],\"UTSMode\":\"\",\"UsernsMode\":\"\","
    "\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,"
    "\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
    "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],"
    "\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,"
    "\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,"
    "\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[{\"PathOnHost\":\"/dev/sda\","
    "\"PathInContainer\":\"/dev/sda\",\"CgroupPermissions\":\"rwm\"}],"
    "\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,"
    "\"MemorySwap\":0,\"MemorySwappiness\":null,\"OomKillDisable\":false,"
    "\"PidsLimit\":null,\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,"
    "\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,"
    "\"ReadonlyPaths\":null},\"NetworkingConfig\":{\"EndpointsConfig\":{}}}";

static const char run_security[] =
    "{\"security\":{\"privileged\":true,\"cap_add\":[\"CAP_SYS_ADMIN\"],"
    "\"cap_drop\":null,\"mounts\":[{\"type\":\"bind\",\"source\":\"/\","
    "\"target\":\"/host\",\"rw\":true}],\"devices\":[\"/dev/sda\"],"
    "\"device_cgroup_rules\":null,\"pid_mode\":\"host\",\"ipc_mode\":\"\","
    "\"uts_mode\":\"\",\"userns_mode\":\"\",\"network_mode\":\"default\","
    "\"cgroupns_mode\":\"\",\"seccomp\":\"unconfined\",\"apparmor\":null,"
    "\"no_new_privileges\":null,\"security_opt\":[\"seccomp=unconfined\"],"
    "\"user\":\"\",\"log_driver\":\"\",\"sysctls\":null,\"readonly_rootfs\":false,"
    "\"group_add\":null,\"runtime\":null,\"cgroup_parent\":\"\","
    "\"volumes_from\":null,\"port_bindings\":[],\"masked_paths\":null,"
    "\"readonly_paths\":null,\"cmd\":[\"sh\"],\"entrypoint\":null,"
    "\"env_names\":[\"SECRET\"]}}";

/* {<security member, if any>} for action/body/query (NULL: none), with
 * the API version of the path (NULL: none) and doubts collected in d. */
static char *
sec_v(const char *action, const char *api, const char *body,
    const char *query, struct extract_doubt *d)
{
	char err[DA_ERRLEN];
	struct json *b = NULL, *q = NULL;
	struct buf out;
	struct jw w;

	if (body != NULL && (b = json_parse(body, strlen(body), err)) == NULL)
		UNIT_FAIL("body: %s", err);
	if (query != NULL && (q = json_parse(query, strlen(query), err)) == NULL)
		UNIT_FAIL("query: %s", err);
	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	jw_obj_begin(&w, NULL);
	extract_security(action, api, b, q, d, &w);
	jw_obj_end(&w);
	ASSERT_EQ(w.err, 0);
	ASSERT_EQ(w.depth, 0);
	json_free(b);
	json_free(q);
	{	/* always valid JSON */
		struct json *chk = json_parse(out.data, out.len, err);

		if (chk == NULL)
			UNIT_FAIL("output %s: %s", out.data, err);
		json_free(chk);
	}
	return buf_steal(&out, NULL);
}

static char *
sec(const char *action, const char *body, const char *query)
{
	return sec_v(action, NULL, body, query, NULL);
}

#define EXPECT(action, body, query, want) do {				\
	char *_got = sec(action, body, query);				\
	ASSERT_STREQ(_got, want);					\
	free(_got);							\
} while (0)

/* Only the member named field of the create security object. */
static char *
create_field(const char *body, const char *field)
{
	char *all = sec("container.create", body, NULL), *r;
	struct json *v = json_parse(all, strlen(all), NULL);
	struct buf b;

	ASSERT(v != NULL);
	buf_init(&b, BUF_UNLIMITED);
	ASSERT(json_get(json_get(v, "security"), field) != NULL);
	json_dump(json_get(json_get(v, "security"), field), &b);
	r = buf_steal(&b, NULL);
	json_free(v);
	free(all);
	return r;
}

#define FIELD(body, field, want) do {					\
	char *_got = create_field(body, field);				\
	ASSERT_STREQ(_got, want);					\
	free(_got);							\
} while (0)

TEST(cli_privileged_run)
{
	char *got = sec("container.create", run_body, "{\"name\":\"x\"}");

	ASSERT_STREQ(got, run_security);
	ASSERT_NOT_CONTAINS(got, "=x");
	free(got);
}

TEST(minimal_create_has_every_key)
{
	EXPECT("container.create", "{\"Image\":\"bb\"}", NULL,
	    "{\"security\":{\"host_config_from\":\"top_level\","
	    "\"privileged\":null,\"cap_add\":null,"
	    "\"cap_drop\":null,\"mounts\":null,\"devices\":null,"
	    "\"device_cgroup_rules\":null,\"pid_mode\":null,\"ipc_mode\":null,"
	    "\"uts_mode\":null,\"userns_mode\":null,\"network_mode\":null,"
	    "\"cgroupns_mode\":null,\"seccomp\":null,\"apparmor\":null,"
	    "\"no_new_privileges\":null,\"security_opt\":null,\"user\":null,"
	    "\"log_driver\":null,\"sysctls\":null,\"readonly_rootfs\":null,"
	    "\"group_add\":null,\"runtime\":null,\"cgroup_parent\":null,"
	    "\"volumes_from\":null,\"port_bindings\":null,\"masked_paths\":null,"
	    "\"readonly_paths\":null,\"cmd\":null,\"entrypoint\":null,"
	    "\"env_names\":null}}");
}

TEST(raw_api_create_every_field)
{
	/* a hand-written client: lower-case keys, host namespaces, ports */
	EXPECT("container.create",
	    "{\"image\":\"alpine\",\"user\":\"0:0\",\"entrypoint\":\"/bin/sh\","
	    "\"cmd\":[\"-c\",\"id\"],\"env\":[\"A=1\",\"B=x=y\",\"C\",\"=v\"],"
	    "\"hostconfig\":{\"privileged\":false,\"capadd\":\"net_admin\","
	    "\"capdrop\":[\"all\"],\"ipcmode\":\"host\",\"utsmode\":\"host\","
	    "\"usernsmode\":\"host\",\"networkmode\":\"host\","
	    "\"cgroupnsmode\":\"host\",\"pidmode\":\"container:abc\","
	    "\"devicecgrouprules\":[\"c *:* rwm\"],\"groupadd\":[\"docker\"],"
	    "\"volumesfrom\":[\"other:ro\"],\"runtime\":\"runc\","
	    "\"cgroupparent\":\"/\",\"readonlyrootfs\":true,"
	    "\"logconfig\":{\"type\":\"none\"},"
	    "\"sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"1\","
	    "\"net.ipv4.ip_forward\":\"0\"},"
	    "\"portbindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}],"
	    "\"22/tcp\":[{\"hostip\":\"127.0.0.1\",\"hostport\":\"2222\"},null],"
	    "\"53/udp\":null},"
	    "\"maskedpaths\":[],\"readonlypaths\":[],"
	    "\"securityopt\":[\"apparmor=unconfined\",\"label=disable\","
	    "\"no-new-privileges\",\"no-new-privileges:false\"]}}",
	    NULL,
	    "{\"security\":{\"privileged\":false,\"cap_add\":[\"CAP_NET_ADMIN\"],"
	    "\"cap_drop\":[\"ALL\"],\"mounts\":null,\"devices\":null,"
	    "\"device_cgroup_rules\":[\"c *:* rwm\"],\"pid_mode\":\"container:abc\","
	    "\"ipc_mode\":\"host\",\"uts_mode\":\"host\",\"userns_mode\":\"host\","
	    "\"network_mode\":\"host\",\"cgroupns_mode\":\"host\",\"seccomp\":null,"
	    "\"apparmor\":\"unconfined\",\"no_new_privileges\":false,"
	    "\"security_opt\":[\"apparmor=unconfined\",\"label=disable\","
	    "\"no-new-privileges\",\"no-new-privileges:false\"],\"user\":\"0:0\","
	    "\"log_driver\":\"none\",\"sysctls\":{\"kernel.msgmax\":\"1\","
	    "\"net.ipv4.ip_forward\":\"0\"},\"readonly_rootfs\":true,"
	    "\"group_add\":[\"docker\"],\"runtime\":\"runc\",\"cgroup_parent\":\"/\","
	    "\"volumes_from\":[\"other:ro\"],\"port_bindings\":["
	    "{\"port\":\"22/tcp\",\"host_ip\":\"127.0.0.1\",\"host_port\":\"2222\"},"
	    "{\"port\":\"22/tcp\",\"host_ip\":\"\",\"host_port\":\"\"},"
	    "{\"port\":\"80/tcp\",\"host_ip\":\"\",\"host_port\":\"8080\"}],"
	    "\"masked_paths\":[],\"readonly_paths\":[],\"cmd\":[\"-c\",\"id\"],"
	    "\"entrypoint\":[\"/bin/sh\"],\"env_names\":[\"A\",\"B\",\"C\",\"\"]}}");
}

TEST(capabilities_normalised)
{
	FIELD("{\"HostConfig\":{\"CapAdd\":[\"sys_admin\",\"CAP_NET_ADMIN\","
	    "\"Cap_Sys_Ptrace\",\"ALL\",\"all\",\"\\u017fys_module\","
	    "\"cap_\\u0131pc_lock\",\"net_raw\",null]}}", "cap_add",
	    "[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\",\"CAP_SYS_PTRACE\",\"ALL\","
	    "\"ALL\",\"CAP_SYS_MODULE\",\"CAP_IPC_LOCK\",\"CAP_NET_RAW\","
	    "\"CAP_\"]");
	FIELD("{\"HostConfig\":{\"CapAdd\":\"SYS_ADMIN\"}}", "cap_add",
	    "[\"CAP_SYS_ADMIN\"]");
	/* StrSlice decodes into a fresh slice: no element merging */
	FIELD("{\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\",\"NET_ADMIN\"],"
	    "\"capadd\":[\"CHOWN\"]}}", "cap_add", "[\"CAP_CHOWN\"]");
	FIELD("{\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"],\"CapAdd\":null}}",
	    "cap_add", "null");
	FIELD("{\"HostConfig\":{\"CapDrop\":[]}}", "cap_drop", "[]");
}

TEST(go_case_and_duplicates)
{
	FIELD("{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}",
	    "privileged", "true");
	FIELD("{\"hostconfig\":{\"PRIVILEGED\":true}}", "privileged", "true");
	FIELD("{\"HostConfig\":{\"Privileged\":true,\"Privileged\":false}}",
	    "privileged", "false");
	/* null does not reset a bool */
	FIELD("{\"HostConfig\":{\"Privileged\":true,\"Privileged\":null}}",
	    "privileged", "true");
	/* a repeated HostConfig decodes into the same struct */
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":{}}",
	    "privileged", "true");
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"hostConfig\":"
	    "{\"PidMode\":\"host\"}}", "privileged", "true");
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"hostConfig\":"
	    "{\"PidMode\":\"host\"}}", "pid_mode", "\"host\"");
	/* ... until null resets the pointer */
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":null}",
	    "privileged", "null");
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":null,"
	    "\"HostConfig\":{\"PidMode\":\"host\"}}", "privileged", "null");
	/* LogConfig is a value struct: null leaves it alone */
	FIELD("{\"HostConfig\":{\"LogConfig\":{\"Type\":\"none\"},"
	    "\"LogConfig\":null}}", "log_driver", "\"none\"");
	/* escaped names are compared decoded; Unicode folds like Go */
	FIELD("{\"HostConfig\":{\"\\u0050rivileged\":true}}", "privileged",
	    "true");
	FIELD("{\"HostConfig\":{\"NetworkMode\":\"bridge\","
	    "\"Networ\\u212aMode\":\"host\"}}", "network_mode", "\"host\"");
	FIELD("{\"HostConfig\":{\"\\u017fecurityOpt\":[\"seccomp=unconfined\"]}}",
	    "seccomp", "\"unconfined\"");
	FIELD("{\"HostConfig\":{\"Pr\\u0131vileged\":true}}", "privileged",
	    "null");
	FIELD("{\"HostConfig\":{\"Priv\\u00edleged\":true}}", "privileged",
	    "null");
	/* wrong JSON types are Go decode errors: never reported as set */
	FIELD("{\"HostConfig\":{\"Privileged\":\"true\"}}", "privileged",
	    "null");
	FIELD("{\"User\":0}", "user", "null");
	FIELD("{\"HostConfig\":[{\"Privileged\":true}]}", "privileged", "null");
}

TEST(go_slice_element_merging)
{
	/* [null] decodes nothing into element 0: the bind stays */
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/host\"],\"Binds\":[null]}}",
	    "mounts", "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/host\","
	    "\"rw\":true}]");
	/* [] and null start over */
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/host\"],\"Binds\":[]}}",
	    "mounts", "[]");
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/host\"],\"Binds\":null}}",
	    "mounts", "null");
	/* a shorter array in between keeps the element past its end */
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/a\",\"/etc:/b\"],"
	    "\"Binds\":[\"/x:/x\"],\"binds\":[\"/y:/y\",null]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/y\",\"target\":\"/y\",\"rw\":true},"
	    "{\"type\":\"bind\",\"source\":\"/etc\",\"target\":\"/b\",\"rw\":true}]");
	/* struct elements merge field by field */
	FIELD("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\","
	    "\"Target\":\"/h\"}],\"Mounts\":[{\"Target\":\"/x\"}]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/x\",\"rw\":true}]");
	FIELD("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}],"
	    "\"Devices\":[{\"PathInContainer\":\"/dev/x\"}]}}", "devices",
	    "[\"/dev/sda\"]");
	/* across repeated HostConfig objects too */
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/host\"]},"
	    "\"HostConfig\":{\"Binds\":[null]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/host\","
	    "\"rw\":true}]");
	/* Env values never appear, names do */
	{
		char *got = sec("container.create", "{\"Env\":[\"SECRET=abc\"],"
		    "\"env\":[null,\"X=1=2\"]}", NULL);

		ASSERT_CONTAINS(got, "\"env_names\":[\"SECRET\",\"X\"]");
		ASSERT_NOT_CONTAINS(got, "abc");
		ASSERT_NOT_CONTAINS(got, "1=2");
		free(got);
	}
}

TEST(binds_parsed_like_moby)
{
	FIELD("{\"HostConfig\":{\"VolumeDriver\":\"rexray\",\"Binds\":["
	    "\"/:/host\",\"/etc:/etc:ro\","
	    "\"/var/run/docker.sock:/var/run/docker.sock:rw,z\","
	    "\"named:/data\",\"named:/data:ro,nocopy\",\"/anon\","
	    "\"a:b:c:d\",\"/x:ro\",\"/x:/y:bogus\",\":/x\",\"/x:/y:ro,rw\","
	    "\"/x:/y:rshared\"]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/host\",\"rw\":true},"
	    "{\"type\":\"bind\",\"source\":\"/etc\",\"target\":\"/etc\",\"rw\":false},"
	    "{\"type\":\"bind\",\"source\":\"/var/run/docker.sock\","
	    "\"target\":\"/var/run/docker.sock\",\"rw\":true},"
	    "{\"type\":\"volume\",\"source\":\"named\",\"target\":\"/data\","
	    "\"rw\":true,\"driver\":\"rexray\"},"
	    "{\"type\":\"volume\",\"source\":\"named\",\"target\":\"/data\","
	    "\"rw\":false,\"driver\":\"rexray\"},"
	    "{\"type\":\"volume\",\"source\":null,\"target\":\"/anon\",\"rw\":true,"
	    "\"driver\":\"rexray\"},"
	    "{\"type\":\"invalid\",\"source\":\"a:b:c:d\",\"target\":null,\"rw\":null},"
	    "{\"type\":\"invalid\",\"source\":\"/x:ro\",\"target\":null,\"rw\":null},"
	    "{\"type\":\"invalid\",\"source\":\"/x:/y:bogus\",\"target\":null,"
	    "\"rw\":null},"
	    "{\"type\":\"invalid\",\"source\":\":/x\",\"target\":null,\"rw\":null},"
	    "{\"type\":\"invalid\",\"source\":\"/x:/y:ro,rw\",\"target\":null,"
	    "\"rw\":null},"
	    "{\"type\":\"bind\",\"source\":\"/x\",\"target\":\"/y\",\"rw\":true}]");
	FIELD("{\"HostConfig\":{\"Binds\":[\"v:/d\"]}}", "mounts",
	    "[{\"type\":\"volume\",\"source\":\"v\",\"target\":\"/d\",\"rw\":true,"
	    "\"driver\":null}]");
}

TEST(mounts_array)
{
	FIELD("{\"HostConfig\":{\"Binds\":[\"/srv:/srv\"],\"Mounts\":["
	    "{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\","
	    "\"ReadOnly\":true},"
	    "{\"Type\":\"volume\",\"Source\":\"hostroot\",\"Target\":\"/h\","
	    "\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\","
	    "\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}}},"
	    "{\"type\":\"volume\",\"source\":\"data\",\"target\":\"/d\","
	    "\"volumeoptions\":{\"driverconfig\":{\"options\":"
	    "{\"O\":\"bind\",\"device\":\"/etc\"}}}},"
	    "{\"Type\":\"tmpfs\",\"Target\":\"/run\"},null]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/srv\",\"target\":\"/srv\",\"rw\":true},"
	    "{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/host\",\"rw\":false},"
	    "{\"type\":\"volume\",\"source\":\"hostroot\",\"target\":\"/h\","
	    "\"rw\":true,\"driver\":\"local\",\"device\":\"/\",\"bind\":true},"
	    "{\"type\":\"volume\",\"source\":\"data\",\"target\":\"/d\",\"rw\":true,"
	    "\"driver\":null},"
	    "{\"type\":\"tmpfs\",\"source\":null,\"target\":\"/run\",\"rw\":true},"
	    "{\"type\":null,\"source\":null,\"target\":null,\"rw\":true}]");
	/* driver options (possibly passwords) are never copied */
	{
		char *got = sec("container.create", "{\"HostConfig\":{\"Mounts\":"
		    "[{\"Type\":\"volume\",\"Target\":\"/m\",\"VolumeOptions\":"
		    "{\"DriverConfig\":{\"Options\":{\"type\":\"cifs\","
		    "\"o\":\"username=u,password=hunter2\","
		    "\"device\":\"//srv/share\"}}}}]}}", NULL);

		ASSERT_NOT_CONTAINS(got, "hunter2");
		ASSERT_CONTAINS(got, "\"mounts\":[{\"type\":\"volume\","
		    "\"source\":null,\"target\":\"/m\",\"rw\":true,\"driver\":null}]");
		free(got);
	}
}

TEST(security_opt_variants)
{
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp:unconfined\","
	    "\"apparmor:docker-default\",\"no-new-privileges=true\"]}}",
	    "seccomp", "\"unconfined\"");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"apparmor:unconfined\"]}}",
	    "apparmor", "\"unconfined\"");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges=true\"]}}",
	    "no_new_privileges", "true");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges\","
	    "\"no-new-privileges=F\"]}}", "no_new_privileges", "false");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges=maybe\"]}}",
	    "no_new_privileges", "null");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=unconfined\","
	    "\"seccomp=builtin\"]}}", "seccomp", "\"builtin\"");
	/* the CLI sends a profile file's JSON as the value */
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp={\\\"defaultAction\\\":"
	    "\\\"SCMP_ACT_ALLOW\\\"}\",\"label=type:svirt_t\",\"label:disable\"]}}",
	    "security_opt", "[\"seccomp=custom\",\"label=type:svirt_t\","
	    "\"label:disable\"]");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=\\n{}\"]}}", "seccomp",
	    "\"custom\"");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=unconfined\"],"
	    "\"SecurityOpt\":[null]}}", "seccomp", "\"unconfined\"");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[]}}", "security_opt", "[]");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[]}}", "seccomp", "null");
}

TEST(exec_create_and_start)
{
	/* docker exec -it -u root --privileged -e TOKEN=abc -w / c sh -c id */
	EXPECT("container.exec.create",
	    "{\"User\":\"root\",\"Privileged\":true,\"Tty\":true,"
	    "\"ConsoleSize\":[50,200],\"AttachStdin\":true,\"AttachStderr\":true,"
	    "\"AttachStdout\":true,\"DetachKeys\":\"\",\"Env\":[\"TOKEN=abc\"],"
	    "\"WorkingDir\":\"/\",\"Cmd\":[\"sh\",\"-c\",\"id\"]}", NULL,
	    "{\"security\":{\"exec\":{\"cmd\":[\"sh\",\"-c\",\"id\"],"
	    "\"user\":\"root\",\"tty\":true,\"privileged\":true,"
	    "\"env_names\":[\"TOKEN\"],\"workdir\":\"/\"}}}");
	EXPECT("container.exec.create",
	    "{\"User\":\"\",\"Privileged\":false,\"Tty\":false,\"Env\":null,"
	    "\"Cmd\":[\"true\"]}", NULL,
	    "{\"security\":{\"exec\":{\"cmd\":[\"true\"],\"user\":\"\","
	    "\"tty\":false,\"privileged\":false}}}");
	EXPECT("exec.start", "{\"Detach\":false,\"Tty\":true,"
	    "\"ConsoleSize\":[50,200]}", NULL,
	    "{\"security\":{\"exec\":{\"detach\":false,\"tty\":true}}}");
	/* nothing to say: no member at all */
	EXPECT("exec.start", "{}", NULL, "{}");
	EXPECT("container.exec.create", "[]", NULL, "{}");
}

TEST(update_commit_build)
{
	EXPECT("container.update", "{\"Memory\":0,\"Devices\":[{\"PathOnHost\":"
	    "\"/dev/mem\",\"PathInContainer\":\"/dev/mem\","
	    "\"CgroupPermissions\":\"rwm\"}],\"DeviceCgroupRules\":[\"a *:* rwm\"],"
	    "\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":0}}",
	    NULL, "{\"security\":{\"devices\":[\"/dev/mem\"],"
	    "\"device_cgroup_rules\":[\"a *:* rwm\"],"
	    "\"restart_policy\":\"always\"}}");
	EXPECT("container.update", "{\"Memory\":1024}", NULL, "{}");
	EXPECT("container.commit", "{\"Env\":[\"DB_PASSWORD=s3cret\"],"
	    "\"User\":\"root\",\"Cmd\":[\"sh\"]}",
	    "{\"container\":\"c1\",\"repo\":\"evil/img\",\"tag\":\"v1\","
	    "\"changes\":\"USER root\",\"changes\":[\"CMD sh\"],\"pause\":\"1\"}",
	    "{\"security\":{\"commit\":{\"container\":\"c1\",\"repo\":\"evil/img\","
	    "\"tag\":\"v1\",\"changes\":[\"USER root\",\"CMD sh\"]},"
	    "\"user\":\"root\",\"cmd\":[\"/bin/sh\",\"-c\",\"sh\"],"
	    "\"env_names\":[\"DB_PASSWORD\"]}}");
	EXPECT("image.build", NULL,
	    "{\"t\":\"app:1\",\"t\":\"app:latest\",\"networkmode\":\"host\","
	    "\"networkmode\":\"none\",\"dockerfile\":\"Dockerfile.x\","
	    "\"remote\":\"https://example.com/r.git\",\"buildargs\":"
	    "\"{\\\"HTTP_PROXY\\\":\\\"http://p\\\",\\\"PASSWORD\\\":\\\"hunter2\\\","
	    "\\\"PASSWORD\\\":\\\"again\\\",\\\"password\\\":null}\"}",
	    "{\"security\":{\"network_mode\":\"host\",\"build\":{\"tags\":"
	    "[\"app:1\",\"app:latest\"],\"dockerfile\":\"Dockerfile.x\","
	    "\"remote\":\"https://example.com/r.git\",\"buildarg_names\":"
	    "[\"HTTP_PROXY\",\"PASSWORD\",\"password\"]}}}");
	EXPECT("image.build", NULL, "{\"buildargs\":\"not json\"}", "{}");
	EXPECT("image.build", NULL, NULL, "{}");
}

TEST(volume_network_plugin_swarm)
{
	char *got;

	EXPECT("volume.create", "{\"Name\":\"hostroot\",\"Driver\":\"local\","
	    "\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"},"
	    "\"Labels\":{}}", NULL,
	    "{\"security\":{\"volume\":{\"driver\":\"local\",\"type\":\"none\","
	    "\"device\":\"/\",\"bind\":true},\"mounts\":[{\"type\":\"volume\","
	    "\"source\":\"hostroot\",\"target\":null,\"rw\":true,"
	    "\"driver\":\"local\",\"device\":\"/\",\"bind\":true}]}}");
	got = sec("volume.create", "{\"Name\":\"share\",\"DriverOpts\":"
	    "{\"type\":\"cifs\",\"o\":\"username=u,password=hunter2\","
	    "\"device\":\"//srv/s\"}}", NULL);
	ASSERT_STREQ(got, "{\"security\":{\"volume\":{\"type\":\"cifs\","
	    "\"device\":\"//srv/s\",\"bind\":false}}}");
	free(got);
	/* map keys are exact: "O" is not the local driver's "o" */
	EXPECT("volume.create", "{\"Name\":\"v\",\"DriverOpts\":{\"O\":\"bind\","
	    "\"device\":\"/\"}}", NULL, "{\"security\":{\"volume\":{"
	    "\"device\":\"/\",\"bind\":false}}}");
	EXPECT("volume.create", "{\"Name\":\"plain\"}", NULL, "{}");
	EXPECT("network.create", "{\"Name\":\"n\",\"CheckDuplicate\":true,"
	    "\"Driver\":\"bridge\",\"Internal\":false,\"Attachable\":true,"
	    "\"Options\":{\"com.docker.network.bridge.name\":\"br0\","
	    "\"a\\u0000b\":\"x\"},\"Labels\":{}}", NULL,
	    "{\"security\":{\"network\":{\"driver\":\"bridge\",\"internal\":false,"
	    "\"attachable\":true,\"options\":{\"a\\u0000b\":\"x\","
	    "\"com.docker.network.bridge.name\":\"br0\"}}}}");
	EXPECT("network.connect", "{\"Container\":\"web\",\"EndpointConfig\":{}}",
	    NULL, "{\"security\":{\"network\":{\"container\":\"web\"}}}");
	EXPECT("plugin.pull", "[{\"Name\":\"network\",\"Description\":\"\","
	    "\"Value\":[\"host\"]},{\"Name\":\"mount\",\"Description\":\"\","
	    "\"Value\":[\"/var/lib/docker/plugins/\"]},{\"name\":\"device\","
	    "\"value\":[\"/dev/fuse\"]},{\"Name\":\"capabilities\","
	    "\"Value\":[\"CAP_SYS_ADMIN\"]},null,7]",
	    NULL, "{\"security\":{\"plugin_privileges\":["
	    "{\"name\":\"network\",\"value\":[\"host\"]},"
	    "{\"name\":\"mount\",\"value\":[\"/var/lib/docker/plugins/\"]},"
	    "{\"name\":\"device\",\"value\":[\"/dev/fuse\"]},"
	    "{\"name\":\"capabilities\",\"value\":[\"CAP_SYS_ADMIN\"]}]}}");
	EXPECT("plugin.upgrade", "{}", NULL, "{}");
	got = sec("swarm.join", "{\"ListenAddr\":\"0.0.0.0:2377\","
	    "\"AdvertiseAddr\":\"10.0.0.5\",\"RemoteAddrs\":[\"10.0.0.1:2377\"],"
	    "\"JoinToken\":\"SWMTKN-1-abc\"}", NULL);
	ASSERT_STREQ(got, "{\"security\":{\"swarm\":{\"listen_addr\":"
	    "\"0.0.0.0:2377\",\"advertise_addr\":\"10.0.0.5\","
	    "\"remote_addrs\":[\"10.0.0.1:2377\"]}}}");
	free(got);
	EXPECT("swarm.init", "{\"ListenAddr\":\"0.0.0.0:2377\","
	    "\"ForceNewCluster\":false,\"AutoLockManagers\":true,\"Spec\":"
	    "{\"CAConfig\":{\"SigningCAKey\":\"-----BEGIN EC PRIVATE KEY\"}}}", NULL,
	    "{\"security\":{\"swarm\":{\"listen_addr\":\"0.0.0.0:2377\","
	    "\"force_new_cluster\":false,\"autolock\":true}}}");
}

TEST(service_create)
{
	/* docker service create --cap-add SYS_ADMIN --mount
	 * type=bind,src=/,dst=/host -e PASS=x --user root ... */
	char *got = sec("service.create", "{\"Name\":\"web\",\"Labels\":{},"
	    "\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"nginx:latest\","
	    "\"Env\":[\"PASS=x\"],\"User\":\"root\",\"Groups\":[\"docker\"],"
	    "\"Command\":[\"nginx\"],\"Args\":[\"-g\",\"daemon off;\"],"
	    "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}],"
	    "\"CapabilityAdd\":[\"SYS_ADMIN\"],\"CapabilityDrop\":null,"
	    "\"Privileges\":{\"CredentialSpec\":null,\"SELinuxContext\":null,"
	    "\"Seccomp\":{\"Mode\":\"unconfined\"},\"AppArmor\":{\"Mode\":"
	    "\"disabled\"},\"NoNewPrivileges\":false},\"ReadOnly\":false,"
	    "\"Sysctls\":{\"net.core.somaxconn\":\"1024\"}},"
	    "\"LogDriver\":{\"Name\":\"none\"},\"ForceUpdate\":0},"
	    "\"Mode\":{\"Replicated\":{\"Replicas\":1}}}", NULL);

	ASSERT_STREQ(got, "{\"security\":{\"image\":\"nginx:latest\","
	    "\"cap_add\":[\"CAP_SYS_ADMIN\"],\"mounts\":[{\"type\":\"bind\","
	    "\"source\":\"/\",\"target\":\"/host\",\"rw\":true}],"
	    "\"seccomp\":\"unconfined\",\"apparmor\":\"disabled\","
	    "\"no_new_privileges\":false,\"user\":\"root\","
	    "\"group_add\":[\"docker\"],\"log_driver\":\"none\","
	    "\"sysctls\":{\"net.core.somaxconn\":\"1024\"},"
	    "\"readonly_rootfs\":false,\"cmd\":[\"nginx\"],"
	    "\"args\":[\"-g\",\"daemon off;\"],\"env_names\":[\"PASS\"]}}");
	free(got);
	EXPECT("service.update", "{\"Name\":\"web\"}", NULL, "{}");
}

/* Issue 10 class 1: moby's ContainerConfigWrapper embeds a deprecated
 * HostConfig at the top level; with no "HostConfig" (or a null one) its
 * fields are the HostConfig (v20.10-v26). */
TEST(top_level_hostconfig_fields)
{
	char *got;

	got = sec("container.create", "{\"Image\":\"bb\",\"Privileged\":true,"
	    "\"Binds\":[\"/:/host\"],\"CapAdd\":\"sys_admin\",\"PidMode\":"
	    "\"host\",\"IpcMode\":\"host\",\"UTSMode\":\"host\",\"UsernsMode\":"
	    "\"host\",\"NetworkMode\":\"host\",\"CgroupnsMode\":\"host\","
	    "\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}],\"SecurityOpt\":"
	    "[\"seccomp:unconfined\"],\"Sysctls\":{\"kernel.shm_rmid_forced\":"
	    "\"1\"},\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\","
	    "\"Target\":\"/e\"}],\"User\":\"root\"}", NULL);
	ASSERT_CONTAINS(got, "{\"security\":{\"host_config_from\":\"top_level\","
	    "\"privileged\":true,\"cap_add\":[\"CAP_SYS_ADMIN\"],"
	    "\"cap_drop\":null,\"mounts\":[{\"type\":\"bind\",\"source\":\"/\","
	    "\"target\":\"/host\",\"rw\":true},{\"type\":\"bind\",\"source\":"
	    "\"/etc\",\"target\":\"/e\",\"rw\":true}],\"devices\":[\"/dev/sda\"],"
	    "\"device_cgroup_rules\":null,\"pid_mode\":\"host\",\"ipc_mode\":"
	    "\"host\",\"uts_mode\":\"host\",\"userns_mode\":\"host\","
	    "\"network_mode\":\"host\",\"cgroupns_mode\":\"host\",\"seccomp\":"
	    "\"unconfined\",");
	ASSERT_CONTAINS(got, "\"user\":\"root\"");
	ASSERT_CONTAINS(got, "\"sysctls\":{\"kernel.shm_rmid_forced\":\"1\"}");
	free(got);
	/* HostConfig null (after Go's duplicate rules) is no HostConfig */
	FIELD("{\"Privileged\":true,\"HostConfig\":null}", "privileged", "true");
	FIELD("{\"HostConfig\":{\"PidMode\":\"host\"},\"Privileged\":true,"
	    "\"hostconfig\":null}", "privileged", "true");
	FIELD("{\"HostConfig\":{\"PidMode\":\"host\"},\"Privileged\":true,"
	    "\"hostconfig\":null}", "pid_mode", "null");
	/* with both, the inner one wins: top-level Privileged is dropped */
	FIELD("{\"HostConfig\":{},\"Privileged\":true}", "privileged", "null");
	FIELD("{\"Privileged\":true,\"HostConfig\":null,\"HostConfig\":{}}",
	    "privileged", "null");
	FIELD("{\"Binds\":[\"/:/h\"],\"HostConfig\":{\"Binds\":[\"/x:/x\"]}}",
	    "mounts", "[{\"type\":\"bind\",\"source\":\"/x\",\"target\":\"/x\","
	    "\"rw\":true}]");
	/* ... except VolumeDriver (and resources) when the inner is zero */
	FIELD("{\"VolumeDriver\":\"rexray\",\"HostConfig\":{\"Binds\":"
	    "[\"v:/d\"],\"VolumeDriver\":\"\"}}", "mounts",
	    "[{\"type\":\"volume\",\"source\":\"v\",\"target\":\"/d\",\"rw\":true,"
	    "\"driver\":\"rexray\"}]");
	FIELD("{\"VolumeDriver\":\"rexray\",\"HostConfig\":{\"Binds\":"
	    "[\"v:/d\"],\"VolumeDriver\":\"local\"}}", "mounts",
	    "[{\"type\":\"volume\",\"source\":\"v\",\"target\":\"/d\",\"rw\":true,"
	    "\"driver\":\"local\"}]");
	/* a HostConfig present: no marker */
	got = sec("container.create", "{\"HostConfig\":{}}", NULL);
	ASSERT_NOT_CONTAINS(got, "host_config_from");
	free(got);
	/* Go's key rules hold at the top level too */
	FIELD("{\"privileged\":true,\"Pr\\u0131vileged\":false}", "privileged",
	    "true");
	FIELD("{\"\\u0050rivileged\":true}", "privileged", "true");
	FIELD("{\"\\u017fecurityOpt\":[\"apparmor=unconfined\"]}", "apparmor",
	    "\"unconfined\"");
}

/* Issue 10 class 2: only U+017F (s) and U+212A (k) fold onto ASCII
 * letters in Go; U+0130/U+0131 do not, so those keys are unknown fields
 * that leave the real ones alone. */
TEST(go_exact_key_folding)
{
	FIELD("{\"HostConfig\":{\"Privileged\":true,\"Pr\\u0131vileged\":false}}",
	    "privileged", "true");
	FIELD("{\"HostConfig\":{\"Privileged\":true,\"PR\\u0130VILEGED\":false}}",
	    "privileged", "true");
	/* "HostConfıg":null does not erase the HostConfig */
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"HostConf\\u0131g\":null}",
	    "privileged", "true");
	FIELD("{\"HostConfig\":{\"Binds\":[\"/:/h\"]},\"HostConf\\u0131g\":null}",
	    "mounts", "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/h\","
	    "\"rw\":true}]");
	/* Kelvin and long s still fold */
	FIELD("{\"HostConfig\":{\"NetworkMode\":\"bridge\","
	    "\"Networ\\u212aMode\":\"host\"}}", "network_mode", "\"host\"");
	EXPECT("container.exec.create", "{\"Privileged\":true,"
	    "\"Pr\\u0131vileged\":false,\"\\u0130ser\":\"1\",\"User\":\"root\"}",
	    NULL, "{\"security\":{\"exec\":{\"user\":\"root\","
	    "\"privileged\":true}}}");
	EXPECT("container.exec.create", "{\"Privileged\":false,"
	    "\"\\u0070rivileged\":true,\"U\\u017fer\":\"root\"}",
	    NULL, "{\"security\":{\"exec\":{\"user\":\"root\","
	    "\"privileged\":true}}}");
}

/* Issue 10 class 7: below API 1.24 a start body is a HostConfig that
 * replaces the container's (dockerd v20.10-v24). */
TEST(old_api_start_body)
{
	char *got;

	got = sec_v("container.start", "1.23", "{\"Binds\":[\"/etc:/hostetc\"],"
	    "\"CapAdd\":[\"SYS_ADMIN\"],\"PidMode\":\"host\"}", NULL, NULL);
	ASSERT_CONTAINS(got, "{\"security\":{\"host_config_from\":\"top_level\","
	    "\"privileged\":null,\"cap_add\":[\"CAP_SYS_ADMIN\"],\"cap_drop\":null,"
	    "\"mounts\":[{\"type\":\"bind\",\"source\":\"/etc\",\"target\":"
	    "\"/hostetc\",\"rw\":true}],");
	ASSERT_CONTAINS(got, "\"pid_mode\":\"host\"");
	ASSERT_NOT_CONTAINS(got, "\"user\"");	/* Config is not applied */
	ASSERT_NOT_CONTAINS(got, "\"cmd\"");
	free(got);
	got = sec_v("container.start", "1.12", "{\"HostConfig\":{\"Privileged\":"
	    "true},\"Privileged\":false}", NULL, NULL);
	ASSERT_CONTAINS(got, "{\"security\":{\"host_config_from\":\"HostConfig\","
	    "\"privileged\":true,");
	free(got);
	/* Go's version compare: 1.023 is 1.23, 1.23.9 is below 1.24 */
	got = sec_v("container.start", "1.023", "{\"Privileged\":true}", NULL,
	    NULL);
	ASSERT_CONTAINS(got, "\"privileged\":true");
	free(got);
	got = sec_v("container.start", "1.23.9", "{\"Privileged\":true}", NULL,
	    NULL);
	ASSERT_CONTAINS(got, "\"privileged\":true");
	free(got);
	/* 1.24 and later, or no version (the default): the body is refused */
	got = sec_v("container.start", "1.24", "{\"Privileged\":true}", NULL,
	    NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
	got = sec_v("container.start", "1.41", "{\"Privileged\":true}", NULL,
	    NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
	got = sec_v("container.start", NULL, "{\"Privileged\":true}", NULL, NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
	got = sec_v("container.start", "1.24.0", "{\"Privileged\":true}", NULL,
	    NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
	/* no HostConfig field at all: getHostConfig is nil, nothing applied */
	got = sec_v("container.start", "1.23", "{\"Image\":\"bb\",\"x\":1}",
	    NULL, NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
	/* a null field still makes the embedded HostConfig non-nil: the
	 * container's HostConfig is replaced by an empty one */
	got = sec_v("container.start", "1.23", "{\"Privileged\":null}", NULL,
	    NULL);
	ASSERT_CONTAINS(got, "\"host_config_from\":\"top_level\","
	    "\"privileged\":null");
	free(got);
	got = sec_v("container.start", "1.23", NULL, NULL, NULL);
	ASSERT_STREQ(got, "{}");
	free(got);
}

/* Issue 10 item 4: the rest of reference/moby-decoding.md sections 2
 * and 7, each as dockerd 20.10.24 decodes it. */
TEST(moby_decoding_semantics)
{
	/* duplicate HostConfig objects merge (struct pointer reused) */
	FIELD("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":{\"Binds\":"
	    "[\"/:/h\"]}}", "privileged", "true");
	/* arrays of objects merge per index */
	FIELD("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\","
	    "\"Target\":\"/h\"}],\"Mounts\":[{\"Target\":\"/x\"}]}}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/x\",\"rw\":true}]");
	FIELD("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\","
	    "\"Target\":\"/h\"}],\"Mounts\":[{\"Target\":\"/x\"}]}", "mounts",
	    "[{\"type\":\"bind\",\"source\":\"/\",\"target\":\"/x\",\"rw\":true}]");
	/* maps merge across duplicates; a key repeated inside one replaces */
	FIELD("{\"HostConfig\":{\"Sysctls\":{\"a\":\"1\"},\"Sysctls\":{\"b\":"
	    "\"2\",\"b\":\"3\"}}}", "sysctls", "{\"a\":\"1\",\"b\":\"3\"}");
	/* null: bools and strings kept, pointers/slices/maps reset */
	FIELD("{\"HostConfig\":{\"PidMode\":\"host\",\"PidMode\":null}}",
	    "pid_mode", "\"host\"");
	FIELD("{\"HostConfig\":{\"Sysctls\":{\"a\":\"1\"},\"Sysctls\":null}}",
	    "sysctls", "null");
	FIELD("{\"HostConfig\":{\"CapAdd\":[\"ALL\"],\"CapAdd\":null}}",
	    "cap_add", "null");
	/* strslice takes a bare string */
	FIELD("{\"HostConfig\":{\"CapAdd\":\"SYS_ADMIN\"}}", "cap_add",
	    "[\"CAP_SYS_ADMIN\"]");
	FIELD("{\"Entrypoint\":\"/bin/sh\"}", "entrypoint", "[\"/bin/sh\"]");
	/* keys unescaped before matching */
	FIELD("{\"HostConfig\":{\"\\u0050rivileged\":true}}", "privileged",
	    "true");
	/* strings.ToUpper: U+0131 -> I, U+017F -> S */
	FIELD("{\"HostConfig\":{\"CapAdd\":[\"\\u017fys_adm\\u0131n\","
	    "\"cap_net_raw\",\"all\"]}}", "cap_add",
	    "[\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\",\"ALL\"]");
	/* security-opt with ':' */
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp:unconfined\"]}}",
	    "seccomp", "\"unconfined\"");
	FIELD("{\"HostConfig\":{\"SecurityOpt\":[\"apparmor:unconfined\"]}}",
	    "apparmor", "\"unconfined\"");
	/* type mismatches fail the call: never reported as set */
	FIELD("{\"HostConfig\":{\"Privileged\":1}}", "privileged", "null");
}

/* Issue 10 class 4 (changes): dockerd joins every `changes` value with
 * "\n" and parses the text as a Dockerfile. */
TEST(commit_changes_as_dockerfile)
{
	struct extract_doubt d = { { NULL }, 0 };
	char *got;

	/* several instructions in one value, a continuation, a comment,
	 * names in any case (U+212A is k to strings.ToLower), the query as an
	 * array (query rendering with repeated keys) */
	got = sec("container.commit", "{\"User\":\"app\",\"Env\":[\"A=1\"]}",
	    "{\"container\":\"c1\",\"changes\":[\"LABEL a=b\\nuser root\","
	    "\"# a comment\\nENTRYPOINT [\\\"/bin/sh\\\", \\\\\\n  \\\"-c\\\"]\","
	    "\"ENV TOKEN=s3cret X=\\\"y z\\\"\\nWOR\\u212aDIR /root\"]}");
	ASSERT_STREQ(got, "{\"security\":{\"commit\":{\"container\":\"c1\","
	    "\"changes\":[\"LABEL a=b\",\"USER root\","
	    "\"ENTRYPOINT [\\\"/bin/sh\\\",   \\\"-c\\\"]\","
	    "\"ENV TOKEN=[redacted] X=[redacted]\",\"WORKDIR /root\"]},"
	    "\"user\":\"root\",\"cmd\":null,\"entrypoint\":[\"/bin/sh\",\"-c\"],"
	    "\"env_names\":[\"A\",\"TOKEN\",\"X\"]}}");
	ASSERT_NOT_CONTAINS(got, "s3cret");
	free(got);
	/* repeated keys (the older query rendering) join the same way; a
	 * value ending in the escape character continues into the next */
	EXPECT("container.commit", NULL, "{\"changes\":\"USER \\\\\","
	    "\"changes\":\"root\"}", "{\"security\":{\"commit\":{"
	    "\"changes\":"
	    "[\"USER root\"]},\"user\":\"root\"}}");
	/* the escape directive changes the continuation character */
	EXPECT("container.commit", NULL, "{\"changes\":\"# escape=`\\nUSER `\\n"
	    "  nobody\\nCMD echo hi\"}", "{\"security\":{\"commit\":{"
	    "\"changes\":"
	    "[\"USER nobody\",\"CMD echo hi\"]},\"user\":\"nobody\","
	    "\"cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}}");
	/* USER expands $VAR from the body's Env and earlier ENV */
	EXPECT("container.commit", "{\"Env\":[\"U=daemon\"]}",
	    "{\"changes\":[\"ENV G=root\",\"USER ${U}:$G\"]}",
	    "{\"security\":{\"commit\":{"
	    "\"changes\":[\"ENV G=[redacted]\","
	    "\"USER ${U}:$G\"]},\"user\":\"daemon:root\","
	    "\"env_names\":[\"U\",\"G\"]}}");
	/* shell syntax the record does not follow: a doubt */
	got = sec_v("container.commit", NULL, NULL,
	    "{\"changes\":\"USER ${U:-root}\"}", &d);
	ASSERT_CONTAINS(got, "\"uncertain\":[\"commit changes: USER uses shell "
	    "syntax the record does not expand\"]");
	ASSERT_EQ(d.n, 1);
	free(got);
	/* import: the same over an empty config */
	EXPECT("image.import", NULL, "{\"fromSrc\":\"-\",\"repo\":\"x\","
	    "\"changes\":[\"USER root\",\"CMD [\\\"id\\\"]\"]}",
	    "{\"security\":{\"import\":{\"source\":\"-\",\"repo\":\"x\","
	    "\"changes\":[\"USER root\",\"CMD [\\\"id\\\"]\"]},"
	    "\"user\":\"root\",\"cmd\":[\"id\"]}}");
	EXPECT("image.import", NULL, "{\"fromSrc\":\"http://h/x.tar\"}",
	    "{\"security\":{\"import\":{\"source\":\"http://h/x.tar\""
	    "}}}");
}

/* exec create and update under the same key rules as create */
TEST(exec_and_update_key_rules)
{
	char *got;

	got = sec("container.exec.create", "{\"Env\":[\"A=1\"],"
	    "\"Env\":[null,\"B=2\"],\"\\u0045nv\\u0131\":[\"C=3\"],"
	    "\"User\":\"root\",\"User\":null}", NULL);
	ASSERT_STREQ(got, "{\"security\":{\"exec\":{\"user\":\"root\","
	    "\"env_names\":[\"A\",\"B\"]}}}");
	free(got);
	EXPECT("container.update", "{\"RestartPolicy\":{\"Name\":\"always\"},"
	    "\"RestartPol\\u0131cy\":{\"Name\":\"no\"}}", NULL,
	    "{\"security\":{\"restart_policy\":\"always\"}}");
	EXPECT("container.update", "{\"restartpolicy\":{\"Name\":\"no\"},"
	    "\"RESTARTPOLICY\":{\"MaximumRetryCount\":3}}", NULL,
	    "{\"security\":{\"restart_policy\":\"no\"}}");
}

TEST(nothing_to_say)
{
	EXPECT("container.create", NULL, NULL, "{}");
	EXPECT("container.create", "[{\"Privileged\":true}]", NULL, "{}");
	EXPECT("container.start", "{\"HostConfig\":{\"Privileged\":true}}", NULL,
	    "{}");
	EXPECT(NULL, "{}", NULL, "{}");
	EXPECT("plugin.pull", "{\"Name\":\"x\"}", NULL, "{}");
}

static struct json *
PJ(const char *s)
{
	struct json *v = json_parse(s, strlen(s), NULL);

	ASSERT(v != NULL);
	return v;
}

TEST(object_names)
{
	struct json *b, *q;
	const char *name, *image;
	char buf[128];

	b = PJ("{\"Image\":\"busybox:1.36\",\"image\":\"alpine\"}");
	q = PJ("{\"name\":\"web\",\"name\":\"other\"}");
	ASSERT(b != NULL && q != NULL);
	extract_object("container.create", b, q, &name, &image);
	ASSERT_STREQ(name, "web");		/* Form.Get: first value */
	ASSERT_STREQ(image, "alpine");	/* body: last wins */
	json_free(b);
	json_free(q);

	q = PJ("{\"fromImage\":\"busybox\",\"tag\":\"1.36\"}");
	extract_object("image.pull", NULL, q, &name, &image);
	ASSERT_NULL(name);
	ASSERT_STREQ(image, "busybox");
	extract_object_buf("image.pull", NULL, q, &name, &image, buf,
	    sizeof(buf));
	ASSERT_STREQ(image, "busybox:1.36");
	extract_object_buf("image.pull", NULL, q, &name, &image, buf, 12);
	ASSERT_STREQ(image, "busybox");	/* does not fit */
	json_free(q);
	q = PJ("{\"fromImage\":\"reg:5000/a/b\",\"tag\":\"sha256:ab\"}");
	extract_object_buf("image.pull", NULL, q, &name, &image, buf,
	    sizeof(buf));
	ASSERT_STREQ(image, "reg:5000/a/b@sha256:ab");
	json_free(q);

	b = PJ("{\"Name\":\"v1\",\"name\":\"v2\"}");
	extract_object("volume.create", b, NULL, &name, &image);
	ASSERT_STREQ(name, "v2");
	ASSERT_NULL(image);
	extract_object("secret.create", b, NULL, &name, &image);
	ASSERT_STREQ(name, "v2");
	json_free(b);

	b = PJ("{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":"
	    "{\"Image\":\"nginx\"}}}");
	ASSERT(b != NULL);
	extract_object("service.create", b, NULL, &name, &image);
	ASSERT_STREQ(name, "web");
	ASSERT_STREQ(image, "nginx");
	json_free(b);

	q = PJ("{\"t\":\"app:1\",\"t\":\"app:2\"}");
	extract_object("image.build", NULL, q, &name, &image);
	ASSERT_STREQ(image, "app:1");
	json_free(q);

	q = PJ("{\"remote\":\"vieux/sshfs:latest\"}");
	extract_object("plugin.pull", NULL, q, &name, &image);
	ASSERT_STREQ(name, "vieux/sshfs:latest");
	ASSERT_STREQ(image, "vieux/sshfs:latest");
	json_free(q);

	q = PJ("{\"container\":\"c1\",\"repo\":\"me/img\",\"tag\":\"v2\"}");
	ASSERT(q != NULL);
	extract_object_buf("container.commit", NULL, q, &name, &image, buf,
	    sizeof(buf));
	ASSERT_STREQ(name, "c1");
	ASSERT_STREQ(image, "me/img:v2");
	json_free(q);

	extract_object("container.kill", NULL, NULL, &name, &image);
	ASSERT_NULL(name);
	ASSERT_NULL(image);
	extract_object(NULL, NULL, NULL, &name, &image);
	ASSERT_NULL(name);
}

/* Hostile shapes decode right: 40k junk members next to 40k binds, 30k
 * repeated HostConfig objects, 30k resets.  (No time limit here: machines
 * are noisy.  Extraction is linear by construction, extract.h; a quadratic
 * slip would show as the unit runner's 60 s alarm on these sizes.) */
TEST(hostile_bodies_decode_right)
{
	struct buf b;
	char *got;
	int i;

	buf_init(&b, BUF_UNLIMITED);
	buf_puts(&b, "{\"HostConfig\":{");
	for (i = 0; i < 40000; i++)
		buf_printf(&b, "\"X%d\":0,", i);
	buf_puts(&b, "\"Binds\":[");
	for (i = 0; i < 40000; i++)
		buf_printf(&b, "%s\"/d%d:/d\"", i ? "," : "", i);
	buf_puts(&b, "],\"Mounts\":[");
	for (i = 0; i < 20000; i++)
		buf_printf(&b, "%s{\"Target\":\"/m\"}", i ? "," : "");
	buf_puts(&b, "]}");
	for (i = 0; i < 30000; i++)
		buf_printf(&b, ",\"HostConfig\":{\"Binds\":[null],\"Mounts\":[{}]}");
	buf_puts(&b, ",\"Env\":[");
	for (i = 0; i < 30000; i++)
		buf_printf(&b, "%s\"E%d=v\"", i ? "," : "", i);
	buf_puts(&b, "]}");
	got = sec("container.create", b.data, NULL);
	ASSERT_CONTAINS(got, "\"mounts\":[{\"type\":\"bind\",\"source\":\"/d0\",\"target\":\"/d\",\"rw\":true},{\"type\":null,\"source\":null,\"target\":\"/m\",\"rw\":true}],");
	ASSERT_CONTAINS(got, "\"E29999\"]}}");
	free(got);
	buf_free(&b);

	buf_init(&b, BUF_UNLIMITED);
	buf_puts(&b, "{\"HostConfig\":{\"Privileged\":true}");
	for (i = 0; i < 30000; i++)
		buf_puts(&b, ",\"HostConfig\":null,\"HostConfig\":{\"Binds\":[]}");
	buf_puts(&b, "}");
	got = sec("container.create", b.data, NULL);
	ASSERT_CONTAINS(got, "\"privileged\":null,");
	ASSERT_CONTAINS(got, "\"mounts\":[],");
	free(got);
	buf_free(&b);
}
