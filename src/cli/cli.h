/* cli.h -- entry points of the dockaudit subcommands.
 *
 * Each takes the arguments after the program name (argv[0] is the command
 * name, e.g. "search"), parses its own options with getopt_long, prints
 * --help on request, and returns the process exit status. */
#ifndef DA_CLI_H
#define DA_CLI_H

int	cli_init(int argc, char **argv);	/* cli/init.c */
int	cli_run(int argc, char **argv);		/* daemon/run.c */
int	cli_search(int argc, char **argv);	/* cli/search.c */
int	cli_tail(int argc, char **argv);	/* cli/tail.c */
int	cli_verify(int argc, char **argv);	/* cli/verify.c */
int	cli_check(int argc, char **argv);	/* cli/check.c */
int	cli_journal(int argc, char **argv);	/* cli/journal.c */
int	cli_install(int argc, char **argv);	/* cli/install.c */
int	cli_uninstall(int argc, char **argv);	/* cli/install.c */

#endif
