/* init.c -- `dockaudit init --journal DIR [--verification-key-out FILE]`:
 * create an empty journal and its initial sealing key k0.
 *
 * k0 (32 bytes from getrandom) becomes DIR/seal.key at epoch 0 -- the
 * running key the writer evolves and overwrites after every seal -- and is
 * handed to the auditor once: written to FILE (created new, 0600) or,
 * without --verification-key-out, printed to stdout.  Only a copy kept off
 * this host proves later which records existed before a compromise. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli.h"
#include "journal/journal.h"
#include "journal/seal.h"

static const char init_usage[] =
"usage: dockaudit init --journal DIR [--verification-key-out FILE]\n"
"\n"
"Create a new journal in DIR (mode 0750): a random journal id and the\n"
"genesis hash that anchors its hash chain, and the initial sealing key k0\n"
"(DIR/seal.key, mode 0600, rewritten with the next key after every seal).\n"
"Fails if DIR already holds a journal.\n"
"\n"
"  -j, --journal DIR                the journal directory\n"
"  -k, --verification-key-out FILE  write k0 for the auditor to FILE (new,\n"
"                                   0600); without it k0 is printed once\n"
"\n"
"Keep k0 off this host: `dockaudit verify --key FILE` needs it to check\n"
"the seals, and anyone who is root here later must not have it.\n";

int
cli_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "verification-key-out", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *keyout = NULL;
	char id[JRN_ID_LEN], hex[JRN_HEX_LEN], err[DA_ERRLEN] = "";
	char fp[JRN_SEAL_FP_LEN];
	unsigned char genesis[JRN_HASH_LEN], k0[JRN_SEAL_KEY_LEN];
	int c, kfd = -1, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'k':
			keyout = optarg;
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
	if (jrn_seal_keygen(k0, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		return 1;
	}
	/* the auditor's file first: nothing is created if it cannot be */
	if (keyout != NULL && (kfd = open(keyout, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "dockaudit init: %s: %s%s\n", keyout,
		    strerror(errno), errno == EEXIST ?
		    " (will not overwrite a key file)" : "");
		goto out;
	}
	if (kfd >= 0)
		(void)fchmod(kfd, 0600);
	if (jrn_init(dir, id, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		if (kfd >= 0)
			(void)unlink(keyout);
		goto out;
	}
	if (jrn_seal_init(dir, k0, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s (the journal was created "
		    "but will not be sealed)\n", err);
		if (kfd >= 0)
			(void)unlink(keyout);
		goto out;
	}
	if (kfd >= 0 && jrn_seal_key_write_fd(kfd, keyout, 0, k0, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		goto out;
	}
	if (jrn_meta_read(dir, id, genesis, err) != DA_OK) {
		fprintf(stderr, "dockaudit init: %s\n", err);
		goto out;
	}
	jrn_hex(genesis, hex);
	jrn_seal_fingerprint(k0, fp);
	printf("journal created: %s\n  id      %s\n  genesis %s\n", dir, id, hex);
	if (kfd >= 0) {
		printf("  sealing key k0 written to %s (fingerprint %s)\n",
		    keyout, fp);
		printf("  move it off this host; verify with: dockaudit verify "
		    "--journal %s --key FILE\n", dir);
	} else {
		jrn_hex(k0, hex);
		printf("  sealing key k0 (fingerprint %s), shown this once:\n"
		    "{\"epoch\":0,\"key\":\"%s\"}\n", fp, hex);
		fprintf(stderr, "dockaudit init: WARNING: store the key line "
		    "above off this host (it is what `dockaudit verify --key` "
		    "needs); it is not kept anywhere else\n");
	}
	rc = 0;
out:
	if (kfd >= 0)
		close(kfd);
	explicit_bzero(k0, sizeof(k0));
	explicit_bzero(hex, sizeof(hex));
	return rc;
}
