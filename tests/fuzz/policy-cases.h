/* policy-cases.h -- security objects (as event/extract.h writes them) and
 * callers that the config and policy fuzz targets judge every policy they
 * manage to load against. */
#ifndef DA_FUZZ_POLICY_CASES_H
#define DA_FUZZ_POLICY_CASES_H

#include "policy/policy.h"

static const char *const policy_case_security[] = {
	"{\"privileged\":true,\"cap_add\":[\"CAP_SYS_ADMIN\",\"ALL\"],"
	"\"cap_drop\":[],\"mounts\":[{\"type\":\"bind\",\"source\":\"/\","
	"\"target\":\"/host\",\"rw\":true},{\"type\":\"bind\",\"source\":"
	"\"/var/run/docker.sock\",\"target\":\"/s\",\"rw\":false},{\"type\":"
	"\"volume\",\"source\":\"data\",\"target\":\"/d\",\"rw\":true,"
	"\"driver\":\"local\",\"device\":\"/etc\",\"bind\":true}],"
	"\"devices\":[\"/dev/sda\",\"/dev/fuse\"],\"pid_mode\":\"host\","
	"\"ipc_mode\":\"container:abc\",\"uts_mode\":\"host\","
	"\"userns_mode\":\"host\",\"network_mode\":\"host\","
	"\"seccomp\":\"unconfined\",\"apparmor\":\"unconfined\","
	"\"security_opt\":[\"seccomp=unconfined\",\"apparmor=unconfined\"]}",
	"{\"privileged\":false,\"cap_add\":null,\"mounts\":[],\"devices\":null,"
	"\"pid_mode\":\"\",\"network_mode\":\"bridge\",\"seccomp\":null}",
	"{\"exec\":{\"cmd\":[\"sh\"],\"privileged\":true,\"user\":\"root\"}}",
	"{\"mounts\":[{\"type\":\"invalid\",\"source\":\"/etc/../:x:y:z\"}],"
	"\"cap_add\":[\"NET_ADMIN\"],\"network_mode\":\"container:x\"}",
	"{\"volume\":{\"driver\":\"local\",\"type\":\"none\",\"device\":"
	"\"/root\",\"bind\":true},\"mounts\":[{\"type\":\"bind\",\"source\":"
	"\"/root\",\"target\":\"\",\"rw\":true}]}",
};

static const char *const policy_case_actions[] = {
	"container.create", "container.exec.create", "volume.create",
	"service.create", "plugin.disable", "container.update", "unknown",
};

/* Judge every case; the answers are not checked, the walk is. */
static inline void
policy_cases_run(const struct policy *p)
{
	char msg[600];

	for (size_t s = 0; s < sizeof(policy_case_security) /
	    sizeof(policy_case_security[0]) + 1; s++) {
		struct json *sec = NULL;

		if (s > 0)
			sec = json_parse(policy_case_security[s - 1],
			    strlen(policy_case_security[s - 1]), NULL);
		for (size_t a = 0; a < sizeof(policy_case_actions) /
		    sizeof(policy_case_actions[0]); a++) {
			const struct policy_rule *r = policy_match(p,
			    policy_case_actions[a], sec, s & 1 ? "alice" : NULL,
			    s & 2 ? "root" : NULL);

			if (r != NULL) {
				policy_message(r, msg, sizeof(msg));
				FUZZ_CHECK(r->name != NULL, "rule without a name");
			}
			(void)policy_body_bearing(policy_case_actions[a]);
		}
		json_free(sec);
	}
	(void)policy_user_exempt(p, "alice", "root");
	(void)policy_user_exempt(p, NULL, NULL);
}

#endif
