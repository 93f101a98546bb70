/* journal.c -- `dockaudit journal status|prune`: operating a journal.
 *
 *   dockaudit journal status --journal DIR [--format text|json]
 *   dockaudit journal prune  --journal DIR [--config FILE] [--max-age D]
 *                            [--max-bytes SIZE] [--hard-max-bytes SIZE]
 *                            [--dry-run]
 *
 * status reads the directory only (safe while the daemon runs).  prune
 * applies retention once: limits from the flags, else from the config
 * file's journal.retention keys.  It opens the journal for writing, which
 * takes the journal's lock: while the daemon runs it refuses (the daemon
 * applies its own retention); --dry-run only plans and needs no lock. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/selfaudit.h"
#include "journal/retention.h"
#include "journal/status.h"
#include "json/json.h"

static void
journal_usage(FILE *f)
{
	fprintf(f,
	    "usage: dockaudit journal status --journal DIR [--format text|json]\n"
	    "       dockaudit journal prune --journal DIR [--config FILE]\n"
	    "             [--max-age DURATION] [--max-bytes SIZE]\n"
	    "             [--hard-max-bytes SIZE] [--dry-run]\n"
	    "\n"
	    "status: segments (count, compressed, bytes), oldest record, head seq\n"
	    "  and hash, last seal and the running key epoch, the anchor if the\n"
	    "  journal was pruned, and every cursor with its lag in records.\n"
	    "prune: apply retention once (whole segments, oldest first, never the\n"
	    "  newest, never past the slowest cursor unless over --hard-max-bytes)\n"
	    "  and append a journal.pruned audit record.  Limits come from the\n"
	    "  flags, else from journal.retention in --config.  Refused while\n"
	    "  dockaudit run holds the journal (it prunes by itself).\n");
}

static void
status_json(const struct jrn_status *st)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 1 << 20);
	jw_init(&w, &b);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "id", st->id);
	jw_uint(&w, "bytes", st->bytes);
	jw_obj_begin(&w, "segments");
	jw_uint(&w, "count", st->segments);
	jw_uint(&w, "compressed", st->compressed);
	jw_str(&w, "oldest", st->segments ? st->oldest : NULL);
	jw_str(&w, "newest", st->segments ? st->newest : NULL);
	jw_obj_end(&w);
	jw_obj_begin(&w, "head");
	jw_uint(&w, "seq", st->head_seq);
	jw_str(&w, "hash", st->head[0] ? st->head : NULL);
	jw_obj_end(&w);
	jw_obj_begin(&w, "oldest");
	jw_uint(&w, "seq", st->oldest_seq);
	jw_str(&w, "time", st->oldest_time[0] ? st->oldest_time : NULL);
	jw_obj_end(&w);
	jw_obj_begin(&w, "seals");
	if (st->has_seal) {
		jw_uint(&w, "last_seq", st->last_seal_seq);
		jw_uint(&w, "last_epoch", st->last_seal_epoch);
		jw_uint(&w, "count", st->last_seal_epoch + 1);
	} else {
		jw_null(&w, "last_seq");
		jw_null(&w, "last_epoch");
	}
	if (st->key_state == 1)
		jw_uint(&w, "key_epoch", st->key_epoch);
	else
		jw_null(&w, "key_epoch");
	jw_str(&w, "key", st->key_state == 1 ? "present" : st->key_state == 0 ?
	    "none" : "unreadable");
	jw_obj_end(&w);
	if (st->anchored == 1) {
		jw_obj_begin(&w, "anchor");
		jw_uint(&w, "seq", st->anchor_seq);
		jw_str(&w, "head", st->anchor_head);
		if (st->anchor_has_epoch)
			jw_uint(&w, "epoch", st->anchor_epoch);
		else
			jw_null(&w, "epoch");
		jw_uint(&w, "record_seq", st->anchor_record_seq);
		jw_obj_end(&w);
	} else
		jw_null(&w, "anchor");
	jw_arr_begin(&w, "cursors");
	for (size_t i = 0; i < st->ncursors; i++) {
		jw_obj_begin(&w, NULL);
		jw_str(&w, "name", st->cursors[i].name);
		jw_uint(&w, "seq", st->cursors[i].seq);
		jw_uint(&w, "lag", st->head_seq > st->cursors[i].seq ?
		    st->head_seq - st->cursors[i].seq : 0);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_uint(&w, "damaged_compressed_segments", st->damaged_zst);
	jw_obj_end(&w);
	if (b.data != NULL)
		printf("%s\n", b.data);
	buf_free(&b);
}

static void
status_text(const char *dir, const struct jrn_status *st)
{
	printf("journal    %s (id %s)\n", dir, st->id);
	printf("size       %llu bytes in %llu segments (%llu compressed)\n",
	    (unsigned long long)st->bytes, (unsigned long long)st->segments,
	    (unsigned long long)st->compressed);
	if (st->segments > 0)
		printf("segments   %s .. %s\n", st->oldest, st->newest);
	if (st->oldest_seq > 0)
		printf("oldest     seq %llu, %s\n",
		    (unsigned long long)st->oldest_seq,
		    st->oldest_time[0] ? st->oldest_time : "(no time)");
	printf("head       seq %llu%s%s\n", (unsigned long long)st->head_seq,
	    st->head[0] ? ", hash " : "", st->head);
	if (st->has_seal)
		printf("seals      last at seq %llu, epoch %llu (%llu seals)\n",
		    (unsigned long long)st->last_seal_seq,
		    (unsigned long long)st->last_seal_epoch,
		    (unsigned long long)(st->last_seal_epoch + 1));
	else
		printf("seals      none\n");
	if (st->key_state == 1)
		printf("key        running sealing key at epoch %llu\n",
		    (unsigned long long)st->key_epoch);
	else
		printf("key        %s\n", st->key_state == 0 ? "no seal.key "
		    "(unsealed journal)" : "seal.key unreadable here");
	if (st->anchored == 1 && st->anchor_has_epoch)
		printf("anchor     pruned through seq %llu (head %s, next seal "
		    "epoch %llu, prune record seq %llu)\n",
		    (unsigned long long)st->anchor_seq, st->anchor_head,
		    (unsigned long long)st->anchor_epoch,
		    (unsigned long long)st->anchor_record_seq);
	else if (st->anchored == 1)
		printf("anchor     pruned through seq %llu (head %s, unsealed, "
		    "prune record seq %llu)\n", (unsigned long long)st->anchor_seq,
		    st->anchor_head, (unsigned long long)st->anchor_record_seq);
	else if (st->anchored == 0)
		printf("anchor     none (never pruned)\n");
	else
		printf("anchor     journal.anchor unreadable or malformed\n");
	if (st->ncursors == 0)
		printf("cursors    none\n");
	for (size_t i = 0; i < st->ncursors; i++)
		printf("cursor     %-20s seq %llu, lag %llu records\n",
		    st->cursors[i].name, (unsigned long long)st->cursors[i].seq,
		    (unsigned long long)(st->head_seq > st->cursors[i].seq ?
		    st->head_seq - st->cursors[i].seq : 0));
	if (st->damaged_zst > 0)
		printf("WARNING    %llu compressed segments do not decompress: "
		    "run dockaudit verify\n", (unsigned long long)st->damaged_zst);
}

static int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct jrn_status st;
	const char *dir = NULL;
	char err[DA_ERRLEN];
	int c, json = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+j:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "dockaudit journal status: --format "
				    "%s: expected text or json\n", optarg);
				return 2;
			}
			break;
		case 'h':
			journal_usage(stdout);
			return 0;
		default:
			journal_usage(stderr);
			return 2;
		}
	}
	if (dir == NULL || optind < argc) {
		fprintf(stderr, "dockaudit journal status: %s\n", dir == NULL ?
		    "--journal DIR is required" : "unexpected argument");
		return 2;
	}
	if (jrn_status_read(dir, &st, err) != DA_OK) {
		fprintf(stderr, "dockaudit journal status: %s\n", err);
		jrn_status_free(&st);
		return 2;
	}
	if (json)
		status_json(&st);
	else
		status_text(dir, &st);
	jrn_status_free(&st);
	return 0;
}

static int
prune_audit(struct journal *j, void *arg, const char *action,
    const char *outcome, const char *detail_json, uint64_t *ticket)
{
	(void)arg;
	return selfaudit(j, action, outcome, detail_json, ticket);
}

static void
print_plan(const struct jrn_prune_plan *p, int dry)
{
	if (p->count == 0) {
		printf("nothing to prune (%llu bytes%s%s)\n",
		    (unsigned long long)p->total_before, p->limit ? "; slowest "
		    "cursor " : "", p->limit ? p->limit->name : "");
		return;
	}
	printf("%s %zu segments, seq %llu..%llu, %llu bytes (%s); %llu -> %llu "
	    "bytes\n", dry ? "would prune" : "pruned", p->count,
	    (unsigned long long)p->first_seq, (unsigned long long)p->last_seq,
	    (unsigned long long)p->bytes, p->reason,
	    (unsigned long long)p->total_before,
	    (unsigned long long)p->total_after);
	for (size_t i = 0; i < p->count; i++)
		printf("  %s\n", p->names[i]);
	for (size_t i = 0; i < p->nbehind; i++)
		printf("ALERT: cursor %s (seq %llu) loses undelivered records "
		    "up to seq %llu (over hard_max_bytes)\n", p->behind[i].name,
		    (unsigned long long)p->behind[i].seq,
		    (unsigned long long)p->last_seq);
}

static int
cmd_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "max-age", required_argument, NULL, 1 },
		{ "max-bytes", required_argument, NULL, 2 },
		{ "hard-max-bytes", required_argument, NULL, 3 },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *keys[] = { NULL, "journal.retention.max_age",
	    "journal.retention.max_bytes", "journal.retention.hard_max_bytes" };
	struct jrn_retention pol;
	struct jrn_prune_plan plan;
	struct jrn_opts jo;
	struct journal *j;
	struct config cfg;
	const char *dir = NULL, *cfile = NULL;
	char err[DA_ERRLEN], origin[32];
	int c, dry = 0, rc;
	size_t pruned = 0;

	config_defaults(&cfg);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+j:c:nh", opts, NULL)) != -1)
		if (c == 'c')
			cfile = optarg;
	if (cfile != NULL && config_load(&cfg, cfile, err) != DA_OK) {
		fprintf(stderr, "dockaudit journal prune: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	if (cfg.journal_dir != NULL && cfile != NULL)
		dir = cfg.journal_dir;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+j:c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dir = optarg;
			break;
		case 'c':
			break;
		case 'n':
			dry = 1;
			break;
		case 1: case 2: case 3:
			snprintf(origin, sizeof(origin), "--%s", opts[c + 1].name);
			if (config_set(&cfg, keys[c], optarg, origin, err) != DA_OK) {
				fprintf(stderr, "dockaudit journal prune: %s\n", err);
				config_free(&cfg);
				return 2;
			}
			break;
		case 'h':
			journal_usage(stdout);
			config_free(&cfg);
			return 0;
		default:
			journal_usage(stderr);
			config_free(&cfg);
			return 2;
		}
	}
	memset(&pol, 0, sizeof(pol));
	pol.max_age_ns = cfg.retention_max_age_s * 1000000000LL;
	pol.max_bytes = cfg.retention_max_bytes;
	pol.hard_max_bytes = cfg.retention_hard_max_bytes;
	if (dir == NULL || optind < argc) {
		fprintf(stderr, "dockaudit journal prune: %s\n", dir == NULL ?
		    "--journal DIR is required" : "unexpected argument");
		config_free(&cfg);
		return 2;
	}
	if (pol.max_age_ns == 0 && pol.max_bytes == 0 && pol.hard_max_bytes == 0) {
		fprintf(stderr, "dockaudit journal prune: no retention limit: give "
		    "--max-age, --max-bytes or --hard-max-bytes, or --config "
		    "with journal.retention\n");
		config_free(&cfg);
		return 2;
	}
	if (pol.hard_max_bytes > 0 && pol.max_bytes > pol.hard_max_bytes) {
		fprintf(stderr, "dockaudit journal prune: --hard-max-bytes must "
		    "be at least --max-bytes\n");
		config_free(&cfg);
		return 2;
	}
	if (dry) {
		rc = jrn_prune_plan_make(dir, &pol, clock_now_ns(), 0, &plan, err);
		if (rc != DA_OK) {
			fprintf(stderr, "dockaudit journal prune: %s\n", err);
			config_free(&cfg);
			return 2;
		}
		print_plan(&plan, 1);
		jrn_prune_plan_free(&plan);
		config_free(&cfg);
		return 0;
	}
	jrn_opts_default(&jo);
	jo.dir = dir;
	if (jrn_open(&j, &jo, NULL, err) != DA_OK) {
		fprintf(stderr, "dockaudit journal prune: %s%s\n", err,
		    strstr(err, "another process") ? " -- dockaudit run applies "
		    "journal.retention itself; use --dry-run to see the plan, "
		    "or stop it first" : "");
		config_free(&cfg);
		return 2;
	}
	/* the plan as it will be run, for the report */
	rc = jrn_prune_plan_make(dir, &pol, clock_now_ns(), 0, &plan, err);
	if (rc == DA_OK)
		rc = jrn_prune_run(j, &pol, prune_audit, NULL, &pruned, err);
	jrn_close(j);
	config_free(&cfg);
	if (rc != DA_OK) {
		fprintf(stderr, "dockaudit journal prune: %s\n", err);
		jrn_prune_plan_free(&plan);
		return 1;
	}
	if (pruned == 0)
		printf("nothing to prune (%llu bytes)\n",
		    (unsigned long long)plan.total_before);
	else
		print_plan(&plan, 0);
	jrn_prune_plan_free(&plan);
	return 0;
}

int
cli_journal(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		journal_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "prune") == 0)
		return cmd_prune(argc - 1, argv + 1);
	fprintf(stderr, "dockaudit journal: unknown subcommand '%s' (expected "
	    "status or prune)\n", argv[1]);
	return 2;
}
