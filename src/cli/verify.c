/* verify.c -- `dockaudit verify`: check a journal's integrity.
 *
 *   dockaudit verify --journal DIR [--key FILE] [--strict] [--quiet]
 *
 * Prints "OK: N records, seq 1..N, head <hex>" (and on stderr that only
 * the chain was checked) or, with --key, "OK: N records, seq 1..N, K seals,
 * last sealed seq S, unsealed tail T, head <hex>" and exits 0 (with a warning line when records follow
 * the last seal; with --strict that is a failure, exit 1), or
 * "DAMAGED: seq N: <why> (segment <file>, byte <off>)" and exits 1 (with
 * --key followed by what the seals vouch for, what only chains, and that
 * nothing from the failure on was checked); 2 for
 * usage errors and when the journal cannot be read at all.  The work is
 * jrn_verify() (journal/verify.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "cli/cli.h"
#include "journal/seal.h"
#include "journal/verify.h"

static void
usage(FILE *f, int full)
{
	fprintf(f, "usage: dockaudit verify --journal DIR [--key FILE] "
	    "[--strict] [--quiet]\n");
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
	    "  -k, --key FILE     the initial sealing key k0 (from dockaudit init):\n"
	    "                     check every seal's MAC, epoch and head\n"
	    "  -s, --strict       records after the last seal are a failure\n"
	    "                     (default: a warning; needs --key)\n"
	    "  -q, --quiet        print nothing when the journal verifies\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 verified, 1 damaged, 2 usage or read error.\n"
	    "Without --key only the chain is checked: whoever is root here can\n"
	    "recompute it.  With --key, records after the last seal are not\n"
	    "vouched for by anything (unverifiable), and after a failure the\n"
	    "output says which records the seals vouch for; nothing from the\n"
	    "failure on is checked.  See docs/threat-model.md.\n");
}

/* After a failure with --key: what the seals vouch for, what only chains
 * (which proves nothing against root) and that nothing from the failure
 * on was checked.  Never calls a record good that no seal covers. */
static void
print_keyed_damage(const struct jrn_verify_result *res, const char *fp)
{
	uint64_t s = res->last_sealed_seq, n = res->last_seq;

	/* a record blamed on the failure is not good, even if it chained */
	if (res->bad_seq > 0 && res->bad_seq <= n)
		n = res->bad_seq - 1;
	if (s > n)
		s = n;

	if (res->seals > 0)
		printf("verified with key %s: seq 1..%llu (%llu seals)\n", fp,
		    (unsigned long long)s, (unsigned long long)res->seals);
	else
		printf("verified with key %s: nothing (no seal verified)\n", fp);
	if (n > s)
		printf("not vouched for: seq %llu..%llu (the chain holds there, "
		    "but whoever is root can recompute a chain)\n",
		    (unsigned long long)(s + 1), (unsigned long long)n);
	printf("unverified: seq %llu and everything after it (verification "
	    "stops at the first failure)\n", (unsigned long long)(n + 1));
}

int
cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal",	required_argument,	NULL, 'j' },
		{ "key",	required_argument,	NULL, 'k' },
		{ "strict",	no_argument,		NULL, 's' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct jrn_verify_result res;
	const char *dir = NULL, *keyfile = NULL;
	unsigned char k0[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], fp[JRN_SEAL_FP_LEN];
	uint64_t kepoch = 0;
	int c, quiet = 0, strict = 0, rc;

	optind = 0;	/* full reset: callers may parse more than once */
	while ((c = getopt_long(argc, argv, "+j:k:sqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			strict = 1;
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
	if (strict && keyfile == NULL) {
		fprintf(stderr, "dockaudit verify: --strict needs --key FILE "
		    "(without the key no seal can be checked)\n");
		usage(stderr, 0);
		return 2;
	}
	if (keyfile != NULL) {
		if (jrn_seal_key_load(keyfile, 0, &kepoch, k0, err) != DA_OK) {
			fprintf(stderr, "dockaudit verify: %s\n", err);
			return 2;
		}
		if (kepoch != 0) {
			explicit_bzero(k0, sizeof(k0));
			fprintf(stderr, "dockaudit verify: %s: holds the key of "
			    "epoch %llu; verification needs the initial key k0 "
			    "(epoch 0) written by dockaudit init\n", keyfile,
			    (unsigned long long)kepoch);
			return 2;
		}
		jrn_seal_fingerprint(k0, fp);
	}
	rc = jrn_verify_key(dir, keyfile != NULL ? k0 : NULL, &res, err);
	explicit_bzero(k0, sizeof(k0));
	if (rc != DA_OK) {
		fprintf(stderr, "dockaudit verify: %s\n", err);
		return 2;
	}
	if (res.ok && res.key_checked && res.unsealed > 0 && strict) {
		printf("DAMAGED: %llu records after the last seal (unverifiable): "
		    "seq %llu..%llu (--strict)\n",
		    (unsigned long long)res.unsealed,
		    (unsigned long long)(res.last_seq - res.unsealed + 1),
		    (unsigned long long)res.last_seq);
		if (!quiet)
			printf("before it: %llu good records, seq %llu..%llu, "
			    "%llu seals, last sealed seq %llu, head %s\n",
			    (unsigned long long)res.records,
			    res.records ? 1ull : 0ull,
			    (unsigned long long)res.last_seq,
			    (unsigned long long)res.seals,
			    (unsigned long long)res.last_sealed_seq, res.head);
		fflush(stdout);
		return 1;
	}
	if (res.ok) {
		if (!quiet && res.key_checked) {
			printf("OK: %llu records, seq %llu..%llu, %llu seals, "
			    "last sealed seq %llu, unsealed tail %llu, head %s\n",
			    (unsigned long long)res.records,
			    res.records ? 1ull : 0ull,
			    (unsigned long long)res.last_seq,
			    (unsigned long long)res.seals,
			    (unsigned long long)res.last_sealed_seq,
			    (unsigned long long)res.unsealed, res.head);
			printf("seals verified with key %s\n", fp);
		} else if (!quiet) {
			/* the line scripts parse stays as it was; the note
			 * goes to stderr */
			printf("OK: %llu records, seq %llu..%llu, head %s\n",
			    (unsigned long long)res.records,
			    res.records ? 1ull : 0ull,
			    (unsigned long long)res.last_seq, res.head);
			fflush(stdout);		/* the OK line first */
			fprintf(stderr, "(chain only: no --key given, seals not "
			    "checked; %llu seal records seen)\n",
			    (unsigned long long)res.seals);
		}
		if (res.key_checked && res.unsealed > 0)
			printf("WARNING: %llu records after the last seal "
			    "(unverifiable): seq %llu..%llu\n",
			    (unsigned long long)res.unsealed,
			    (unsigned long long)(res.last_seq - res.unsealed + 1),
			    (unsigned long long)res.last_seq);
		fflush(stdout);
		return 0;
	}
	if (res.segment[0] == '\0')
		printf("DAMAGED: journal.meta: %s\n", res.why);
	else
		printf("DAMAGED: seq %llu: %s (segment %s, byte %llu)\n",
		    (unsigned long long)res.bad_seq, res.why, res.segment,
		    (unsigned long long)res.offset);
	if (!quiet && !res.key_checked)
		printf("before it: %llu good records, seq %llu..%llu, head %s\n",
		    (unsigned long long)res.records, res.records ? 1ull : 0ull,
		    (unsigned long long)res.last_seq, res.head);
	else if (!quiet)
		print_keyed_damage(&res, fp);
	fflush(stdout);
	return 1;
}
