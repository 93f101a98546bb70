/* check.c -- `dockaudit check --config FILE`: validate a configuration
 * without starting anything; prints "configuration OK" or the error with
 * file and line. */
#include <getopt.h>
#include <stdio.h>

#include "base/err.h"
#include "cli/cli.h"
#include "daemon/config.h"

int
cli_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config cfg;
	struct proxy_config pc;
	const char *file = NULL;
	char err[DA_ERRLEN];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'h':
			printf("usage: dockaudit check --config FILE\n\n"
			    "Validate FILE; print 'configuration OK' or what is wrong "
			    "and where.\n\nkeys:\n");
			config_print_schema();
			return 0;
		default:
			return 2;
		}
	}
	if (file == NULL) {
		fputs("dockaudit check: --config FILE is required\n", stderr);
		return 2;
	}
	config_defaults(&cfg);
	rc = config_load(&cfg, file, err);
	if (rc == DA_OK)
		rc = config_validate(&cfg, err);
	if (rc == DA_OK)
		rc = config_to_proxy(&cfg, &pc, err);
	config_free(&cfg);
	if (rc != DA_OK) {
		fprintf(stderr, "dockaudit check: %s\n", err);
		return 1;
	}
	printf("configuration OK\n");
	return 0;
}
