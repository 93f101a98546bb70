/* fuzz-config.c -- libFuzzer target: the YAML configuration file
 * (daemon/config.h config_load, and through it the policy: section of
 * policy/policy_yaml.c).
 *
 * The input is the file; config_load reads it by path from a memfd
 * (/proc/self/fd/N).  A config that loads is validated, turned into the
 * proxy's settings, and its policy judges a set of calls.  Invariants
 * beyond "no crash, no leak, no UB": a refused file gets a message that
 * names the file; config_free leaves nothing behind (LeakSanitizer). */
#include "fuzz.h"

#include "base/err.h"
#include "daemon/config.h"
#include "policy-cases.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct proxy_config pc;
	char path[64], err[DA_ERRLEN];
	int fd, rc;

	if (size > 64 * 1024)
		return 0;
	if ((fd = fuzz_memfd(data, size, path, sizeof(path))) < 0)
		return 0;
	config_defaults(&cfg);
	err[0] = '\0';
	rc = config_load(&cfg, path, err);
	if (rc != DA_OK) {
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0,
		    "error does not name the file: %s", err);
	} else {
		(void)config_validate(&cfg, err);
		if (cfg.socket_group == NULL)	/* no NSS lookups in a fuzzer */
			(void)config_to_proxy(&cfg, &pc, err);
		policy_cases_run(&cfg.policy);
	}
	config_free(&cfg);
	close(fd);
	return 0;
}
