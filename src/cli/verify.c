/* verify.c -- `dockaudit verify`: check a journal's integrity.
 *
 *   dockaudit verify --journal DIR [--key FILE] [--strict] [--from-seal]
 *                    [--checkpoint FILE] [--format text|json] [--quiet]
 *
 * Prints "OK: N records, seq 1..N, head <hex>" (and on stderr that only
 * the chain was checked) or, with --key, "OK: N records, seq 1..N, K seals,
 * last sealed seq S, unsealed tail T, head <hex>" and exits 0 (with a warning line when records follow
 * the last seal; with --strict that is a failure, exit 1), or
 * "DAMAGED: seq N: <why> (segment <file>, byte <off>)" and exits 1; 2 for
 * usage errors and when the journal cannot be read at all.  After a
 * failure without --key a last line says "records from seq N on are
 * unverified"; with --key the output says what the seals vouch for, what
 * only chains, and that nothing from the failure on was checked.
 * --format json prints one object instead (ok, records, seals, epochs,
 * last_sealed_seq, unsealed, bytes; on failure seq, segment, offset,
 * offset_in, kind, reason, vouched_to, unverified_from), same exit codes.
 * A --key run that finds no damage saves a checkpoint at the last seal
 * it confirmed; --from-seal resumes there.  The work is jrn_verify_ex()
 * (journal/verify.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "json/json.h"
#include "journal/seal.h"
#include "journal/verify.h"

static void
usage(FILE *f, int full)
{
	fprintf(f, "usage: dockaudit verify --journal DIR [--key FILE] "
	    "[--strict] [--from-seal] [--checkpoint FILE] [--format text|json] "
	    "[--quiet]\n");
	if (!full) {
		fprintf(f, "(dockaudit verify --help explains)\n");
		return;
	}
	fprintf(f,
	    "\n"
	    "Check every record of the journal in DIR: framing and JSON, seq\n"
	    "continuity across segments, segment names, and the hash chain from\n"
	    "the genesis in journal.meta (or from journal.anchor once retention\n"
	    "has pruned seq 1; the anchor is checked against its journal.pruned\n"
	    "record).  Compressed segments (.jsonl.zst) are read transparently;\n"
	    "byte offsets in them are offsets in the decompressed stream.\n"
	    "Reports the first damage found.\n"
	    "\n"
	    "  -j, --journal DIR     the journal directory\n"
	    "  -k, --key FILE        the initial sealing key k0 (from dockaudit init):\n"
	    "                        check every seal's MAC, epoch and head\n"
	    "  -s, --strict          records after the last seal are a failure\n"
	    "                        (default: a warning; needs --key)\n"
	    "  -F, --from-seal       incremental: start after the last seal an\n"
	    "                        earlier --key run confirmed (its checkpoint);\n"
	    "                        without one, from the beginning (needs --key)\n"
	    "  -C, --checkpoint FILE where --key runs keep that checkpoint\n"
	    "                        (default DIR/verify.checkpoint; keep it with\n"
	    "                        the key, off this host, to trust it fully);\n"
	    "                        written by --from-seal or --checkpoint runs\n"
	    "  -f, --format FMT      text (default) or json (one object)\n"
	    "  -q, --quiet           print nothing when the journal verifies\n"
	    "  -h, --help            this text\n"
	    "\n"
	    "Exit status: 0 verified, 1 damaged, 2 usage or read error.\n"
	    "Without --key only the chain is checked: whoever is root here can\n"
	    "recompute it.  With --key, records after the last seal are not\n"
	    "vouched for by anything (unverifiable), and after a failure the\n"
	    "output says which records the seals vouch for; nothing from the\n"
	    "failure on is checked.  See docs/threat-model.md.\n");
}

/* The last record the seals vouch for after a failure: never one blamed
 * on the failure, never past the last verified seal. */
static uint64_t
vouched_to(const struct jrn_verify_result *res, uint64_t *last_good)
{
	uint64_t s = res->last_sealed_seq, n = res->last_seq;

	if (res->bad_seq > 0 && res->bad_seq <= n)
		n = res->bad_seq - 1;
	if (s > n)
		s = n;
	*last_good = n;
	return s;
}

static void
json_out(const struct jrn_verify_result *res, int strict_fail,
    const char *cp_note)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 1 << 20);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_bool(&w, "ok", res->ok && !strict_fail);
	jw_bool(&w, "key_checked", res->key_checked);
	jw_str(&w, "started", res->started);
	jw_uint(&w, "first_seq", res->records ? res->first_seq : 0);
	jw_uint(&w, "last_seq", res->last_seq);
	jw_uint(&w, "records", res->records);
	jw_uint(&w, "seals", res->seals);
	jw_uint(&w, "epochs", res->next_epoch);
	jw_uint(&w, "last_sealed_seq", res->last_sealed_seq);
	jw_uint(&w, "unsealed", res->unsealed);
	jw_uint(&w, "bytes", res->bytes);
	jw_str(&w, "head", res->head);
	if (res->anchored) {
		jw_obj_begin(&w, "anchor");
		jw_uint(&w, "seq", res->anchor_seq);
		jw_bool(&w, "confirmed", res->anchor_confirmed);
		jw_obj_end(&w);
	} else
		jw_null(&w, "anchor");
	if (cp_note != NULL)
		jw_str(&w, "checkpoint", cp_note);
	if (!res->ok) {
		jw_uint(&w, "seq", res->bad_seq);
		jw_str(&w, "segment", res->segment[0] ? res->segment :
		    "journal.meta");
		jw_uint(&w, "offset", res->offset);
		jw_str(&w, "offset_in", strstr(res->segment, ".zst") != NULL ?
		    "decompressed stream" : "file");
		jw_str(&w, "kind", res->kind);
		jw_str(&w, "reason", res->why);
		if (res->key_checked) {
			uint64_t good, s = vouched_to(res, &good);

			jw_uint(&w, "vouched_to", s);
			jw_uint(&w, "unverified_from", good + 1);
		} else
			jw_uint(&w, "unverified_from", res->bad_seq);
	} else if (strict_fail) {
		jw_uint(&w, "seq", res->last_seq - res->unsealed + 1);
		jw_str(&w, "kind", "unsealed");
		jw_str(&w, "reason", "records after the last seal (--strict)");
		jw_uint(&w, "unverified_from", res->last_seq - res->unsealed + 1);
	}
	jw_obj_end(&w);
	if (b.data != NULL)
		printf("%s\n", b.data);
	buf_free(&b);
	fflush(stdout);
}

/* After a failure with --key: what the seals vouch for, what only chains
 * (which proves nothing against root) and that nothing from the failure
 * on was checked.  Never calls a record good that no seal covers. */
static void
print_keyed_damage(const struct jrn_verify_result *res, const char *fp)
{
	uint64_t n, s = vouched_to(res, &n);
	uint64_t first = res->records ? res->first_seq : 1;

	if (res->seals > 0 && s >= first)
		printf("verified with key %s: seq %llu..%llu (%llu seals)\n", fp,
		    (unsigned long long)first, (unsigned long long)s,
		    (unsigned long long)res->seals);
	else
		printf("verified with key %s: nothing (no seal verified)\n", fp);
	if (n > s && n >= first)
		printf("not vouched for: seq %llu..%llu (the chain holds there, "
		    "but whoever is root can recompute a chain)\n",
		    (unsigned long long)(s >= first ? s + 1 : first),
		    (unsigned long long)n);
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
		{ "from-seal",	no_argument,		NULL, 'F' },
		{ "checkpoint",	required_argument,	NULL, 'C' },
		{ "format",	required_argument,	NULL, 'f' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct jrn_verify_checkpoint from;
	struct jrn_verify_result res;
	const char *dir = NULL, *keyfile = NULL, *cpfile = NULL, *cp_note = NULL;
	int keep_cp;
	unsigned char k0[JRN_SEAL_KEY_LEN];
	char err[DA_ERRLEN], fp[JRN_SEAL_FP_LEN], cppath[4096];
	uint64_t kepoch = 0;
	int c, quiet = 0, strict = 0, json = 0, from_seal = 0, have_from = 0;
	int rc, strict_fail;

	optind = 0;	/* full reset: callers may parse more than once */
	while ((c = getopt_long(argc, argv, "+j:k:sFC:f:qh", longopts,
	    NULL)) != -1) {
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
		case 'F':
			from_seal = 1;
			break;
		case 'C':
			cpfile = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "dockaudit verify: --format %s: "
				    "expected text or json\n", optarg);
				return 2;
			}
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
	if (from_seal && keyfile == NULL) {
		fprintf(stderr, "dockaudit verify: --from-seal needs --key FILE "
		    "(only a keyed run confirms the seal it resumes from)\n");
		usage(stderr, 0);
		return 2;
	}
	if (keyfile != NULL) {
		/* k0 is kept wherever the operator keeps it: links allowed */
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
	keep_cp = from_seal || cpfile != NULL;
	if (cpfile == NULL) {
		snprintf(cppath, sizeof(cppath), "%s/verify.checkpoint", dir);
		cpfile = cppath;
	}
	if (from_seal) {
		rc = jrn_checkpoint_read(cpfile, &from, err);
		if (rc == DA_OK)
			have_from = 1;
		else if (rc == DA_E_NOTFOUND)
			cp_note = "none yet: verified from the beginning";
		else {
			fprintf(stderr, "dockaudit verify: %s (remove it to start "
			    "from the beginning)\n", err);
			explicit_bzero(k0, sizeof(k0));
			return 2;
		}
	}
	rc = jrn_verify_ex(dir, keyfile != NULL ? k0 : NULL,
	    have_from ? &from : NULL, &res, err);
	explicit_bzero(k0, sizeof(k0));
	if (rc != DA_OK) {
		fprintf(stderr, "dockaudit verify: %s\n", err);
		return 2;
	}
	if (have_from && strcmp(res.started, "checkpoint") != 0)
		cp_note = strcmp(from.key_fp, fp) != 0 ? "made with another key: "
		    "ignored, verified from the beginning" : "its segment is "
		    "gone (pruned): verified from the beginning";
	else if (have_from)
		cp_note = "resumed";
	/* a keyed --from-seal (or --checkpoint) run that found no damage
	 * moves the checkpoint on */
	if (keep_cp && res.ok && res.key_checked && res.cp_valid &&
	    jrn_checkpoint_write(cpfile, &res.cp, err) != DA_OK)
		fprintf(stderr, "dockaudit verify: checkpoint not saved: %s\n",
		    err);
	strict_fail = res.ok && res.key_checked && res.unsealed > 0 && strict;
	if (json) {
		json_out(&res, strict_fail, cp_note);
		return res.ok && !strict_fail ? 0 : 1;
	}
	if (!quiet && strcmp(res.started, "genesis") != 0)
		fprintf(stderr, "(verification started %s at seq %llu%s)\n",
		    strcmp(res.started, "anchor") == 0 ? "from journal.anchor" :
		    "from the checkpoint of the seal", (unsigned long long)
		    (res.records ? res.first_seq : res.last_seq + 1),
		    strcmp(res.started, "anchor") == 0 ? ": earlier records "
		    "were pruned" : ": earlier records were verified before");
	else if (!quiet && cp_note != NULL)
		fprintf(stderr, "(checkpoint %s: %s)\n", cpfile, cp_note);
	if (strict_fail) {
		printf("DAMAGED: %llu records after the last seal (unverifiable): "
		    "seq %llu..%llu (--strict)\n",
		    (unsigned long long)res.unsealed,
		    (unsigned long long)(res.last_seq - res.unsealed + 1),
		    (unsigned long long)res.last_seq);
		if (!quiet)
			printf("before it: %llu good records, seq %llu..%llu, "
			    "%llu seals, last sealed seq %llu, head %s\n",
			    (unsigned long long)res.records,
			    res.records ? (unsigned long long)res.first_seq : 0ull,
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
			    res.records ? (unsigned long long)res.first_seq : 0ull,
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
			    res.records ? (unsigned long long)res.first_seq : 0ull,
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
	if (res.bad_seq == 0)
		printf("DAMAGED: %s: %s\n", res.segment[0] ? res.segment :
		    "journal.meta", res.why);
	else
		printf("DAMAGED: seq %llu: %s (segment %s, byte %llu%s)\n",
		    (unsigned long long)res.bad_seq, res.why, res.segment,
		    (unsigned long long)res.offset,
		    strstr(res.segment, ".zst") != NULL ?
		    " of the decompressed stream" : "");
	if (!quiet && !res.key_checked)
		printf("before it: %llu good records, seq %llu..%llu, head %s\n",
		    (unsigned long long)res.records,
		    res.records ? (unsigned long long)res.first_seq : 0ull,
		    (unsigned long long)res.last_seq, res.head);
	if (!quiet && !res.key_checked && res.bad_seq > 0)
		printf("records from seq %llu on are unverified\n",
		    (unsigned long long)res.bad_seq);
	else if (!quiet && res.key_checked)
		print_keyed_damage(&res, fp);
	fflush(stdout);
	return 1;
}
