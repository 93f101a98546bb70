/* verify.c -- `dockaudit verify`: check a journal's integrity.
 *
 *   dockaudit verify --journal DIR [--quiet]
 *
 * Prints "OK: N records, seq 1..N, head <hex>" and exits 0, or
 * "DAMAGED: seq N: <why> (segment <file>, byte <off>)" and exits 1; 2 for
 * usage errors and when the journal cannot be read at all.  The work is
 * jrn_verify() (journal/verify.c). */
#include <getopt.h>
#include <stdio.h>

#include "base/err.h"
#include "cli/cli.h"
#include "journal/verify.h"

static void
usage(FILE *f, int full)
{
	fprintf(f, "usage: dockaudit verify --journal DIR [--quiet]\n");
	if (!full) {
		fprintf(f, "(dockaudit verify --help explains)\n");
		return;
	}
	fprintf(f,
	    "\n"
	    "Check every record of the journal in DIR: framing and JSON, seq\n"
	    "continuity across segments, segment names, and the hash chain from\n"
	    "the genesis in journal.meta.  Reports the first damage found.\n"
	    "\n"
	    "  -j, --journal DIR  the journal directory\n"
	    "  -q, --quiet        print nothing when the journal verifies\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 verified, 1 damaged, 2 usage or read error.\n"
	    "The last record is covered by its framing only: compare the head\n"
	    "printed here with one kept elsewhere (a shipped copy or a seal).\n");
}

int
cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal",	required_argument,	NULL, 'j' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct jrn_verify_result res;
	const char *dir = NULL;
	char err[DA_ERRLEN];
	int c, quiet = 0;

	optind = 0;	/* full reset: callers may parse more than once */
	while ((c = getopt_long(argc, argv, "+j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout, 1);
			return 0;
		default:
			usage(stderr, 0);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dockaudit verify: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr, 0);
		return 2;
	}
	if (dir == NULL) {
		fprintf(stderr, "dockaudit verify: --journal DIR is required\n");
		usage(stderr, 0);
		return 2;
	}
	if (jrn_verify(dir, &res, err) != DA_OK) {
		fprintf(stderr, "dockaudit verify: %s\n", err);
		return 2;
	}
	if (res.ok) {
		if (!quiet)
			printf("OK: %llu records, seq %llu..%llu, head %s\n",
			    (unsigned long long)res.records,
			    res.records ? 1ull : 0ull,
			    (unsigned long long)res.last_seq, res.head);
		fflush(stdout);
		return 0;
	}
	if (res.segment[0] == '\0')
		printf("DAMAGED: journal.meta: %s\n", res.why);
	else
		printf("DAMAGED: seq %llu: %s (segment %s, byte %llu)\n",
		    (unsigned long long)res.bad_seq, res.why, res.segment,
		    (unsigned long long)res.offset);
	if (!quiet)
		printf("before it: %llu good records, seq %llu..%llu, head %s\n",
		    (unsigned long long)res.records, res.records ? 1ull : 0ull,
		    (unsigned long long)res.last_seq, res.head);
	fflush(stdout);
	return 1;
}
