/* fuzz-policy.c -- libFuzzer target: the policy: section on its own
 * (policy/policy_yaml.c policy_yaml) and host-path cleaning
 * (policy_clean_path).
 *
 * The input is the YAML mapping that follows `policy:` in a config, fed
 * straight to policy_yaml from a libyaml string parser (fuzz-config
 * reaches it through a whole file; here every byte is policy).  A policy
 * that loads judges a set of calls.  Invariants beyond "no crash, no
 * leak, no UB": a refused policy gets a message naming the file and a
 * line; policy_clean_path is idempotent and its output has no "." or ".."
 * segment and no repeated or trailing slash. */
#include <yaml.h>

#include "fuzz.h"

#include "base/err.h"
#include "policy-cases.h"

static void
clean_path(const uint8_t *data, size_t size)
{
	char in[512], out[512], again[512];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	memcpy(in, data, n);
	in[n] = '\0';
	policy_clean_path(in, out, sizeof(out));
	if (in[0] != '/')
		return;
	policy_clean_path(out, again, sizeof(again));
	FUZZ_CHECK(strcmp(out, again) == 0, "not idempotent: '%s' -> '%s'",
	    out, again);
	FUZZ_CHECK(strstr(out, "//") == NULL && strstr(out, "/./") == NULL &&
	    strstr(out, "/../") == NULL, "not clean: '%s'", out);
	n = strlen(out);
	FUZZ_CHECK(n <= 1 || out[n - 1] != '/', "trailing slash: '%s'", out);
	FUZZ_CHECK(!(n >= 2 && strcmp(out + n - 2, "/.") == 0) &&
	    !(n >= 3 && strcmp(out + n - 3, "/..") == 0), "not clean: '%s'",
	    out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct policy p;
	char err[DA_ERRLEN];
	int started = 0, rc;

	clean_path(data, size);
	if (size > 64 * 1024)
		return 0;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, data, size);
	/* stream start, document start, then the mapping policy_yaml reads */
	while (!started) {
		if (!yaml_parser_parse(&parser, &ev))
			goto out;
		if (ev.type == YAML_MAPPING_START_EVENT)
			started = 1;
		else if (ev.type != YAML_STREAM_START_EVENT &&
		    ev.type != YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			goto out;
		}
		yaml_event_delete(&ev);
	}
	policy_init(&p);
	err[0] = '\0';
	rc = policy_yaml((struct yaml_parser_s *)&parser, "policy.yaml", &p,
	    err);
	if (rc != DA_OK)
		FUZZ_CHECK(strncmp(err, "policy.yaml", 11) == 0,
		    "error does not name the file: %s", err);
	else
		policy_cases_run(&p);
	policy_free(&p);
out:
	yaml_parser_delete(&parser);
	return 0;
}
