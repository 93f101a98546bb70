/* main.c -- dockaudit: an audit trail for the Docker Engine API.
 * Dispatches to the subcommands (cli/cli.h). */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*what;
} commands[] = {
	{ "init", cli_init, "create a journal" },
	{ "run", cli_run, "serve the audited Docker socket" },
	{ "search", cli_search, "find recorded calls" },
	{ "tail", cli_tail, "show (and follow) the newest records" },
	{ "verify", cli_verify, "check the journal's hash chain" },
	{ "check", cli_check, "validate a configuration file" },
	{ "journal", cli_journal, "journal status, prune (retention)" },
	{ "install", cli_install, "put dockaudit in front of dockerd (systemd)" },
	{ "uninstall", cli_uninstall, "undo install, byte for byte" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: dockaudit COMMAND [options]   (dockaudit COMMAND --help)\n\n"
	    "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n  --version  print the version\n");
}

int
main(int argc, char **argv)
{
	log_init("dockaudit", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("dockaudit %s\n", DOCKAUDIT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "dockaudit: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
