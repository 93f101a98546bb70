/* install.c -- `dockaudit install` and `dockaudit uninstall`: put
 * dockaudit in front of dockerd on a systemd host (Debian's docker.io or
 * Docker CE) in one command, and take it out again in one.
 *
 * install plans every file it manages (install.h), compares the plan with
 * what is there, and writes only what differs: a second run changes
 * nothing.  --dry-run prints the plan as unified diffs.  Before a file is
 * first changed its original goes to /var/lib/dockaudit/install-backup/,
 * listed in a manifest with the hash of what install wrote; uninstall puts
 * every original back byte for byte (and removes what install created),
 * refusing files edited since unless --force.  --root DIR does all of it
 * in a staged tree, without systemctl. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli.h"
#include "cli/install.h"
#include "cli/install_manifest.h"

extern char **environ;

static const char install_usage[] =
"usage: dockaudit install --verification-key-out FILE [--root DIR] [--dry-run]\n"
"                         [--no-restart] [--bin PATH] [--user USER] [--plugin NAME]\n"
"\n"
"Put dockaudit in front of dockerd on this systemd host (docker.io or\n"
"docker-ce): dockerd moves to a private socket (" INST_PRIVATE ",\n"
"0660 root:USER) through a docker.socket drop-in; dockaudit.service owns the\n"
"public socket docker.socket had, with its owner, group and mode; daemon.json\n"
"names dockaudit's AuthZ plugin (every other byte of it kept); the journal is\n"
"made in " INST_JOURNAL " (0750) and k0 written to FILE.  Then\n"
"systemctl daemon-reload and restarts in the right order.  Refuses, saying\n"
"why, when dockerd would still listen elsewhere (daemon.json \"hosts\", -H in\n"
"ExecStart or DOCKER_OPTS).  A second run changes nothing.\n"
"\n"
"  -k, --verification-key-out FILE  k0 for the auditor (new file, 0600); needed\n"
"                                   when the journal does not exist yet.  Move\n"
"                                   it off this host.\n"
"  -n, --dry-run          print every change as a unified diff; write nothing\n"
"      --root DIR         install into the staged tree DIR (packaging, tests):\n"
"                         every path under DIR, no systemctl, no useradd\n"
"      --no-restart       write the files, print the systemctl commands\n"
"      --bin PATH         the dockaudit binary units run (default: this one,\n"
"                         copied to " INST_BIN ")\n"
"      --user USER        run.user and the private socket's group (dockaudit)\n"
"      --plugin NAME      AuthZ plugin name (dockaudit)\n"
"  -h, --help             this help\n"
"\n"
"Undo: dockaudit uninstall.  Files: docs/install.md, dockaudit(8).\n";

static const char uninstall_usage[] =
"usage: dockaudit uninstall [--root DIR] [--dry-run] [--no-restart] [--purge]\n"
"                           [--force]\n"
"\n"
"Undo `dockaudit install`: every file it changed gets its original back, byte\n"
"for byte (from " INST_BACKUP "), every file it created\n"
"is removed, dockerd gets its public socket back.  The journal is kept unless\n"
"--purge.  A file edited since install is refused unless --force.\n"
"\n"
"  -n, --dry-run     print what would change as unified diffs\n"
"      --root DIR    the staged tree install --root wrote\n"
"      --no-restart  print the systemctl commands instead of running them\n"
"      --purge       also remove " INST_STATE " (the journal!) and\n"
"                    the user install created\n"
"      --force       restore files edited since install anyway\n"
"  -h, --help        this help\n";

enum { O_ROOT = 1, O_NORESTART, O_BIN, O_USER, O_PLUGIN, O_PURGE, O_FORCE };

static const struct option inst_opts_long[] = {
	{ "verification-key-out", required_argument, NULL, 'k' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "root", required_argument, NULL, O_ROOT },
	{ "no-restart", no_argument, NULL, O_NORESTART },
	{ "bin", required_argument, NULL, O_BIN },
	{ "user", required_argument, NULL, O_USER },
	{ "plugin", required_argument, NULL, O_PLUGIN },
	{ "purge", no_argument, NULL, O_PURGE },
	{ "force", no_argument, NULL, O_FORCE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static char root_buf[INST_PATH];

/* Options common to both commands; returns -1 to exit 2, 1 for --help. */
static int
parse_opts(int argc, char **argv, struct inst_opts *o, int uninstall)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->root = "";
	o->user = "dockaudit";
	o->plugin = "dockaudit";
	optind = 1;
	while ((c = getopt_long(argc, argv, "k:nh", inst_opts_long, NULL)) != -1) {
		switch (c) {
		case 'k': o->keyout = optarg; break;
		case 'n': o->dry_run = 1; break;
		case O_ROOT:
			snprintf(root_buf, sizeof(root_buf), "%s", optarg);
			while (strlen(root_buf) > 1 &&
			    root_buf[strlen(root_buf) - 1] == '/')
				root_buf[strlen(root_buf) - 1] = '\0';
			if (strcmp(root_buf, "/") == 0)
				root_buf[0] = '\0';
			o->root = root_buf;
			break;
		case O_NORESTART: o->no_restart = 1; break;
		case O_BIN: o->bin = optarg; break;
		case O_USER: o->user = optarg; break;
		case O_PLUGIN: o->plugin = optarg; break;
		case O_PURGE: o->purge = 1; break;
		case O_FORCE: o->force = 1; break;
		case 'h':
			fputs(uninstall ? uninstall_usage : install_usage, stdout);
			return 1;
		default:
			fprintf(stderr, "try 'dockaudit %s --help'\n",
			    uninstall ? "uninstall" : "install");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dockaudit %s: unexpected argument '%s'\n",
		    uninstall ? "uninstall" : "install", argv[optind]);
		return -1;
	}
	if (o->root[0] != '\0' && (o->root[0] != '/' ||
	    access(o->root, F_OK) != 0)) {
		fprintf(stderr, "dockaudit: --root %s: give an absolute path to an "
		    "existing directory\n", o->root);
		return -1;
	}
	for (const char *p = o->plugin; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_')) {
			fprintf(stderr, "dockaudit: --plugin %s: use a-z, 0-9, - "
			    "and _ only\n", o->plugin);
			return -1;
		}
	if (!uninstall && (o->purge || o->force)) {
		fprintf(stderr, "dockaudit install: --purge and --force are "
		    "uninstall options\n");
		return -1;
	}
	return 0;
}

/* Run argv (a fixed command: systemctl, useradd); 0 when it exits 0. */
static int
run_cmd(char *const argv[])
{
	pid_t pid;
	int st;

	printf("  running:");
	for (int i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int
systemd_running(void)
{
	struct stat st;

	return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* Run the systemctl steps, or print them (staged, --no-restart, or no
 * systemd as PID 1). */
static int
systemctl_steps(const struct inst_opts *o, const char *const *steps[],
    size_t n)
{
	const char *why = o->root[0] ? "staged tree (--root): no systemctl" :
	    o->no_restart ? "--no-restart" :
	    !systemd_running() ? "systemd is not running here" : NULL;

	if (why != NULL) {
		printf("%s; run these yourself, in this order:\n", why);
		for (size_t i = 0; i < n; i++) {
			printf("  ");
			for (int k = 0; steps[i][k]; k++)
				printf("%s%s", k ? " " : "", steps[i][k]);
			printf("\n");
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (run_cmd((char *const *)steps[i]) != 0) {
			fprintf(stderr, "dockaudit: `%s %s` failed; see `journalctl "
			    "-u dockaudit -u docker` and run the remaining steps by "
			    "hand\n", steps[i][0], steps[i][1]);
			return -1;
		}
	return 0;
}

/* The files install manages, in the order they are written. */
static int
plan(const struct inst_opts *o, const struct inst_socket *s,
    struct inst_file *f, size_t *nf, struct buf *problems)
{
	char path[INST_PATH], *old = NULL;
	size_t oldlen = 0;
	int changed;

	*nf = 0;
	inst_path(o, INST_DAEMON_JSON, path);
	if (inst_read(path, &old, &oldlen) < 0) {
		buf_printf(problems, "- %s: cannot read it\n", path);
		return -1;
	}
	f[*nf] = (struct inst_file){ .path = INST_DAEMON_JSON, .mode = 0644 };
	f[*nf].data = inst_daemon_json(old, oldlen, o->plugin, path, &changed,
	    problems);
	free(old);
	if (f[*nf].data == NULL)
		return -1;
	(*nf)++;
	f[(*nf)++] = (struct inst_file){ .path = INST_SYSUSERS, .mode = 0644,
	    .data = inst_sysusers(o) };
	f[(*nf)++] = (struct inst_file){ .path = INST_CONFIG, .mode = 0640,
	    .group = o->user, .only_if_missing = 1,
	    .data = inst_config_yaml(o, s) };
	f[(*nf)++] = (struct inst_file){ .path = INST_SERVICE, .mode = 0644,
	    .data = inst_service_unit(o) };
	f[(*nf)++] = (struct inst_file){ .path = INST_SOCKET_DROPIN, .mode = 0644,
	    .data = inst_socket_dropin(o) };
	f[(*nf)++] = (struct inst_file){ .path = INST_DOCKER_DROPIN, .mode = 0644,
	    .data = inst_docker_dropin(o) };
	for (size_t i = 0; i < *nf; i++) {
		if (f[i].data == NULL)
			return -1;
		f[i].len = strlen(f[i].data);
	}
	return 0;
}

/* The binary units run: this one, copied, unless --bin names another. */
static int
plan_binary(const struct inst_opts *o, struct inst_file *f, size_t *nf)
{
	char *d;
	size_t l;

	if (strcmp(o->bin, INST_BIN) != 0)
		return 0;
	if (inst_read("/proc/self/exe", &d, &l) != 1)
		return -1;
	f[(*nf)++] = (struct inst_file){ .path = INST_BIN, .mode = 0755,
	    .data = d, .len = l, .binary = 1 };
	return 0;
}

static int
journal_exists(const struct inst_opts *o)
{
	char p[INST_PATH];

	inst_path(o, INST_JOURNAL "/journal.meta", p);
	return access(p, F_OK) == 0;
}

static int
make_journal(const struct inst_opts *o)
{
	char dir[INST_PATH];
	char *argv[] = { "init", "--journal", dir, "--verification-key-out",
	    (char *)o->keyout, NULL };

	inst_path(o, INST_JOURNAL, dir);
	return cli_init(5, argv);
}

static void
reminder(const struct inst_opts *o)
{
	printf("\n"
	    "  *****************************************************************\n"
	    "  * k0, the verification key, is in %s\n"
	    "  * Move it OFF this host now (offline storage, a password manager)\n"
	    "  * and delete the copy here: whoever is root here and has it can\n"
	    "  * forge every seal.  Verify with: dockaudit verify --journal\n"
	    "  * " INST_JOURNAL " --key FILE, on another machine.\n"
	    "  *****************************************************************\n",
	    o->keyout);
}

int
cli_install(int argc, char **argv)
{
	struct inst_opts o;
	struct inst_socket s;
	struct inst_file f[INST_MAX_FILES];
	struct manifest m;
	struct buf problems;
	size_t nf = 0, nchange = 0;
	int r, rc = 1, need_journal, need_user;
	char err[DA_ERRLEN];
	static const char *const reload[] = { "systemctl", "daemon-reload", NULL };
	static const char *const stop[] = { "systemctl", "stop", "docker.service",
	    "docker.socket", NULL };
	static const char *const start_da[] = { "systemctl", "start",
	    "dockaudit.service", NULL };
	static const char *const start_d[] = { "systemctl", "start",
	    "docker.socket", "docker.service", NULL };
	const char *const *steps[] = { reload, stop, start_da, start_d };

	if ((r = parse_opts(argc, argv, &o, 0)) != 0)
		return r > 0 ? 0 : 2;
	if (o.bin == NULL)
		o.bin = INST_BIN;
	if (o.root[0] == '\0' && !o.dry_run && geteuid() != 0) {
		fprintf(stderr, "dockaudit install: run as root (or --dry-run, "
		    "or --root DIR for a staged tree)\n");
		return 2;
	}
	buf_init(&problems, 1 << 20);
	memset(f, 0, sizeof(f));
	manifest_init(&m);
	if (inst_read_docker(&o, &s, &problems) != 0 ||
	    inst_check_conflicts(&o, &s, &problems) != 0 ||
	    plan(&o, &s, f, &nf, &problems) != 0 ||
	    plan_binary(&o, f, &nf) != 0) {
		fprintf(stderr, "dockaudit install: cannot install safely; "
		    "nothing was changed:\n%s", problems.data ? problems.data :
		    "- out of memory\n");
		goto out;
	}
	if (manifest_load(&o, &m, err) != DA_OK) {
		fprintf(stderr, "dockaudit install: %s\n", err);
		goto out;
	}
	nchange = manifest_compare(&o, f, nf);
	need_journal = !journal_exists(&o);
	need_user = o.root[0] == '\0' && getpwnam(o.user) == NULL;
	if (nchange == 0 && !need_journal && !need_user) {
		printf("dockaudit install: nothing to change: dockaudit is "
		    "installed%s%s (docker.socket %s -> dockaudit, dockerd on "
		    INST_PRIVATE ")\n", o.root[0] ? " in " : "", o.root, s.path);
		rc = 0;
		goto out;
	}
	if (need_journal && o.keyout == NULL) {
		fprintf(stderr, "dockaudit install: --verification-key-out FILE is "
		    "required: install creates the journal %s%s and its "
		    "verification key k0, which must go to a file you then move "
		    "off this host\n", o.root, INST_JOURNAL);
		rc = 2;
		goto out;
	}
	if (need_journal && access(o.keyout, F_OK) == 0) {
		fprintf(stderr, "dockaudit install: %s exists; k0 is never "
		    "written over a file (give a new path)\n", o.keyout);
		rc = 2;
		goto out;
	}
	if (o.dry_run) {
		manifest_print_plan(&o, f, nf, stdout);
		if (need_user)
			printf("would create the system user %s (useradd --system "
			    "--user-group)\n", o.user);
		if (need_journal)
			printf("would create the journal: dockaudit init --journal "
			    "%s%s --verification-key-out %s\n", o.root,
			    INST_JOURNAL, o.keyout);
		printf("then (not in a dry run): ");
		systemctl_steps(&o, steps, 4);
		rc = 0;
		goto out;
	}
	if (need_user) {
		char *ua[] = { "useradd", "--system", "--user-group", "--home-dir",
		    INST_STATE, "--no-create-home", "--shell", "/usr/sbin/nologin",
		    (char *)o.user, NULL };

		if (run_cmd(ua) != 0) {
			fprintf(stderr, "dockaudit install: cannot create the user "
			    "%s; create it (useradd --system %s) and run install "
			    "again\n", o.user, o.user);
			goto out;
		}
		manifest_add_user(&m, o.user);
	}
	if (manifest_apply(&o, &m, f, nf, err) != DA_OK) {
		fprintf(stderr, "dockaudit install: %s (what was written is in "
		    "the manifest: dockaudit uninstall undoes it)\n", err);
		goto out;
	}
	if (need_journal && make_journal(&o) != 0) {
		fprintf(stderr, "dockaudit install: the journal was not created; "
		    "fix the cause and run install again\n");
		goto out;
	}
	if (manifest_own_state(&o, err) != DA_OK) {
		fprintf(stderr, "dockaudit install: %s\n", err);
		goto out;
	}
	printf("dockaudit install: %zu file%s written%s%s\n", nchange,
	    nchange == 1 ? "" : "s", o.root[0] ? " in " : "", o.root);
	if (systemctl_steps(&o, steps, 4) != 0)
		goto out;
	if (need_journal)
		reminder(&o);
	rc = 0;
out:
	for (size_t i = 0; i < nf; i++) {
		free(f[i].data);
		free(f[i].cur);
	}
	manifest_free(&m);
	buf_free(&problems);
	return rc;
}

int
cli_uninstall(int argc, char **argv)
{
	struct inst_opts o;
	struct manifest m;
	char err[DA_ERRLEN];
	int r, rc = 1;
	static const char *const stop[] = { "systemctl", "stop", "docker.service",
	    "docker.socket", "dockaudit.service", NULL };
	static const char *const reload[] = { "systemctl", "daemon-reload", NULL };
	static const char *const start[] = { "systemctl", "start",
	    "docker.socket", "docker.service", NULL };
	const char *const *before[] = { stop };
	const char *const *after[] = { reload, start };

	if ((r = parse_opts(argc, argv, &o, 1)) != 0)
		return r > 0 ? 0 : 2;
	if (o.root[0] == '\0' && !o.dry_run && geteuid() != 0) {
		fprintf(stderr, "dockaudit uninstall: run as root (or --dry-run)\n");
		return 2;
	}
	manifest_init(&m);
	if (manifest_load(&o, &m, err) != DA_OK) {
		fprintf(stderr, "dockaudit uninstall: %s\n", err);
		goto out;
	}
	if (!m.found) {
		printf("dockaudit uninstall: nothing to undo (no %s%s/manifest)\n",
		    o.root, INST_BACKUP);
		rc = 0;
		goto out;
	}
	if (manifest_check_edits(&o, &m, stderr) != 0) {
		fprintf(stderr, "dockaudit uninstall: nothing was changed\n");
		goto out;
	}
	if (o.dry_run) {
		manifest_print_undo(&o, &m, stdout);
		rc = 0;
		goto out;
	}
	if (systemctl_steps(&o, before, 1) != 0)
		goto out;
	if (manifest_undo(&o, &m, err) != DA_OK) {
		fprintf(stderr, "dockaudit uninstall: %s\n", err);
		goto out;
	}
	printf("dockaudit uninstall: restored%s%s; the journal %s\n",
	    o.root[0] ? " in " : "", o.root, o.purge ? "was removed" :
	    "is kept in " INST_JOURNAL " (--purge removes it)");
	if (systemctl_steps(&o, after, 2) != 0)
		goto out;
	rc = 0;
out:
	manifest_free(&m);
	return rc;
}
