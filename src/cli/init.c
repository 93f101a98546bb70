/* init.c -- `dockaudit init --journal DIR`: create an empty journal. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"

static const char init_usage[] =
"usage: dockaudit init --journal DIR\n"
"\n"
"Create a new journal in DIR (mode 0750): a random journal id and the\n"
"genesis hash that anchors its hash chain.  Fails if DIR already holds a\n"
"journal.\n";

int
cli_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL;
	char id[JRN_ID_LEN], hex[JRN_HEX_LEN], err[DA_ERRLEN] = "";
	unsigned char genesis[JRN_HASH_LEN];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'h':
			fputs(init_usage, stdout);
			return 0;
		default:
			fputs("try 'dockaudit init --help'\n", stderr);
			return 2;
		}
	}
	if (dir == NULL || optind < argc) {
		fputs("dockaudit init: --journal DIR is required\n", stderr);
		return 2;
	}
	if (jrn_init(dir, id, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		return 1;
	}
	if (jrn_meta_read(dir, id, genesis, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		return 1;
	}
	jrn_hex(genesis, hex);
	printf("journal created: %s\n  id      %s\n  genesis %s\n", dir, id, hex);
	return 0;
}
