/* install_units.c -- the units and files `dockaudit install` writes, and
 * what it reads of Docker's own units (see install.h).
 *
 * The layout: docker.socket keeps socket-activating dockerd (`-H fd://` in
 * docker.service is unchanged) but on a private path, /run/dockaudit/
 * docker.sock, 0660 root:dockaudit; dockaudit.service owns the public path
 * docker.socket had, with its owner, group and mode; dockerd finds the
 * AuthZ plugin's socket in /run/docker/plugins and daemon.json names it. */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/install.h"

static const char *unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system",
	"/lib/systemd/system", "/usr/lib/systemd/system" };

/* The first unit file named name under the unit directories. */
static int
find_unit(const struct inst_opts *o, const char *name, char *out)
{
	char p[INST_PATH], path[INST_PATH];
	char *d;
	size_t l;

	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", unit_dirs[i], name);
		inst_path(o, p, path);
		if (inst_read(path, &d, &l) == 1) {
			free(d);
			snprintf(out, INST_PATH, "%s", path);
			return 1;
		}
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Call fn on each line of [section] in the unit and its drop-ins (ours
 * excluded), in the order systemd applies them. */
static void
each_setting(const struct inst_opts *o, const char *unit_path, const char *name,
    const char *section, void (*fn)(const char *key, const char *val, void *),
    void *arg)
{
	char *files[64], p[INST_PATH + 512], dir[INST_PATH];
	size_t nf = 0;

	files[nf++] = strdup(unit_path);
	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		DIR *dh;
		struct dirent *de;

		snprintf(p, sizeof(p), "%s/%s.d", unit_dirs[i], name);
		inst_path(o, p, dir);
		if ((dh = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(dh)) != NULL && nf < 64) {
			size_t l = strlen(de->d_name);

			if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0 ||
			    strcmp(de->d_name, "dockaudit.conf") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			files[nf++] = strdup(p);
		}
		closedir(dh);
	}
	qsort(files + 1, nf - 1, sizeof(files[0]), cmp_str);
	for (size_t i = 0; i < nf; i++) {
		char *data, *line, *save;
		size_t len;
		int in = 0;

		if (files[i] == NULL || inst_read(files[i], &data, &len) != 1) {
			free(files[i]);
			continue;
		}
		for (line = strtok_r(data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *eq, *k, *v, *e;

			while (isspace((unsigned char)*line))
				line++;
			if (*line == '[') {
				in = strncmp(line + 1, section, strlen(section)) == 0 &&
				    line[1 + strlen(section)] == ']';
				continue;
			}
			if (!in || *line == '#' || *line == ';' ||
			    (eq = strchr(line, '=')) == NULL)
				continue;
			*eq = '\0';
			k = line;
			for (e = eq; e > k && isspace((unsigned char)e[-1]); e--)
				e[-1] = '\0';
			for (v = eq + 1; isspace((unsigned char)*v); v++)
				;
			for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
				e[-1] = '\0';
			fn(k, v, arg);
		}
		free(data);
		free(files[i]);
	}
}

struct sock_read {
	struct inst_socket *s;
	int	 nlisten;
	char	 other[INST_PATH];
};

static void
on_socket(const char *k, const char *v, void *arg)
{
	struct sock_read *r = arg;

	if (strcmp(k, "ListenStream") == 0) {
		if (*v == '\0') {
			r->nlisten = 0;
			r->other[0] = '\0';
		} else if (*v == '/' && r->nlisten == 0) {
			snprintf(r->s->path, sizeof(r->s->path), "%s", v);
			r->nlisten++;
		} else {
			snprintf(r->other, sizeof(r->other), "%s", v);
			r->nlisten++;
		}
	} else if (strcmp(k, "SocketUser") == 0) {
		snprintf(r->s->user, sizeof(r->s->user), "%s", *v ? v : "root");
	} else if (strcmp(k, "SocketGroup") == 0) {
		snprintf(r->s->group, sizeof(r->s->group), "%s", *v ? v : "root");
	} else if (strcmp(k, "SocketMode") == 0) {
		snprintf(r->s->mode, sizeof(r->s->mode), "%s", *v ? v : "0666");
	}
}

int
inst_read_docker(const struct inst_opts *o, struct inst_socket *s,
    struct buf *problems)
{
	struct sock_read r = { .s = s };

	memset(s, 0, sizeof(*s));
	snprintf(s->user, sizeof(s->user), "root");
	snprintf(s->group, sizeof(s->group), "docker");
	snprintf(s->mode, sizeof(s->mode), "0660");
	if (!find_unit(o, "docker.service", s->service)) {
		buf_printf(problems, "- no docker.service in %s/{etc,lib,usr/lib}/"
		    "systemd/system: install Docker first (Debian: apt-get install "
		    "docker.io; or Docker CE's docker-ce)\n", o->root);
		return -1;
	}
	if (!find_unit(o, "docker.socket", s->unit)) {
		buf_printf(problems, "- no docker.socket beside %s: dockaudit moves "
		    "dockerd's socket through it (docker.io and docker-ce ship it)\n",
		    s->service);
		return -1;
	}
	each_setting(o, s->unit, "docker.socket", "Socket", on_socket, &r);
	if (r.nlisten != 1 || r.other[0] != '\0' || s->path[0] != '/') {
		buf_printf(problems, "- docker.socket (%s and its drop-ins) must "
		    "listen on exactly one path (ListenStream=/run/docker.sock); "
		    "found %d entries%s%s: dockaudit would not be in front of the "
		    "others\n", s->unit, r.nlisten, r.other[0] ? ", e.g. " : "",
		    r.other);
		return -1;
	}
	return 0;
}

struct exec_read {
	char	 exec[8192];
};

static void
on_service(const char *k, const char *v, void *arg)
{
	struct exec_read *r = arg;

	if (strcmp(k, "ExecStart") == 0)
		snprintf(r->exec, sizeof(r->exec), "%s", v);	/* "" resets */
}

/* Every -H/--host value in a dockerd command line into hosts (\n-ended). */
static int
host_args(const char *cmd, struct buf *hosts)
{
	char *copy = strdup(cmd), *tok, *save;
	int n = 0, want = 0;

	if (copy == NULL)
		return 0;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		const char *v = NULL;

		if (want)
			v = tok;
		else if (strcmp(tok, "-H") == 0 || strcmp(tok, "--host") == 0)
			want = 1;
		else if (strncmp(tok, "--host=", 7) == 0)
			v = tok + 7;
		else if (strncmp(tok, "-H", 2) == 0)
			v = tok[2] == '=' ? tok + 3 : tok + 2;
		if (v != NULL) {
			want = 0;
			buf_printf(hosts, "%s\n", v);
			n++;
		}
	}
	free(copy);
	return n;
}

int
inst_check_conflicts(const struct inst_opts *o, const struct inst_socket *s,
    struct buf *problems)
{
	struct exec_read r = { .exec = "" };
	struct buf hosts;
	char path[INST_PATH], *d;
	size_t l;
	int bad = 0;

	each_setting(o, s->service, "docker.service", "Service", on_service, &r);
	buf_init(&hosts, 64 * 1024);
	if (host_args(r.exec, &hosts) == 0) {
		buf_printf(problems, "- docker.service starts dockerd without -H "
		    "(ExecStart=%s): dockerd would listen on /var/run/docker.sock "
		    "itself, unaudited.  Give it `-H fd://` (as docker.io and "
		    "docker-ce do) in a drop-in, then run install again\n", r.exec);
		bad = 1;
	}
	for (char *h = hosts.data, *nl; h != NULL && *h; h = nl + 1) {
		nl = strchr(h, '\n');
		*nl = '\0';
		if (strncmp(h, "fd://", 5) == 0)
			continue;
		buf_printf(problems, "- docker.service's ExecStart has -H %s: "
		    "dockerd would listen there itself, beside the private socket, "
		    "and every client there would bypass the audit.  Remove it "
		    "(keep -H fd://) and run install again\n", h);
		bad = 1;
	}
	buf_free(&hosts);
	inst_path(o, "/etc/default/docker", path);
	if (strstr(r.exec, "$DOCKER_OPTS") != NULL && inst_read(path, &d, &l) == 1) {
		char *line, *save;

		for (line = strtok_r(d, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			while (isspace((unsigned char)*line))
				line++;
			if (*line == '#' || strncmp(line, "DOCKER_OPTS", 11) != 0)
				continue;
			buf_init(&hosts, 64 * 1024);
			if (host_args(strchr(line, '=') ? strchr(line, '=') + 1 :
			    line, &hosts) > 0) {
				buf_printf(problems, "- %s sets DOCKER_OPTS with -H "
				    "(%s): dockerd would listen there too, unaudited.  "
				    "Remove the -H options and run install again\n",
				    path, line);
				bad = 1;
			}
			buf_free(&hosts);
		}
		free(d);
	}
	return bad ? -1 : 0;
}

static char *
dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *
inst_service_unit(const struct inst_opts *o)
{
	return dup_printf(
"# dockaudit.service -- written by `dockaudit install` (undo: dockaudit uninstall).\n"
"# The audit proxy on Docker's public socket, dockerd's AuthZ plugin and its\n"
"# events recorder.  It starts before docker.socket and docker.service, so the\n"
"# plugin socket exists before dockerd asks for it and nothing but dockaudit\n"
"# ever listens on the public socket.  See dockaudit(8), docs/install.md.\n"
"[Unit]\n"
"Description=dockaudit: audit trail for the Docker Engine API\n"
"Documentation=man:dockaudit(8) man:dockaudit.yaml(5)\n"
"# early, like docker.socket: before sockets.target, after the file systems\n"
"DefaultDependencies=no\n"
"After=local-fs.target sysinit.target systemd-sysusers.service\n"
"Before=docker.socket docker.service shutdown.target\n"
"Conflicts=shutdown.target\n"
"\n"
"[Service]\n"
"Type=notify\n"
"ExecStart=%s run --config /etc/dockaudit/config.yaml\n"
"ExecReload=/bin/kill -HUP $MAINPID\n"
"Restart=on-failure\n"
"RestartSec=1s\n"
"UMask=0027\n"
"LimitNOFILE=65536\n"
"# Starts as root to bind its sockets and open the journal, then runs as\n"
"# run.user (config.yaml) keeping CAP_SYS_PTRACE only (callers' /proc/PID/exe).\n"
"CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_SYS_PTRACE\n"
"AmbientCapabilities=\n"
"NoNewPrivileges=yes\n"
"ProtectSystem=strict\n"
"# /run: the public socket (/run/docker.sock) is made there; after the\n"
"# switch to run.user, /run is root's 0755 and no longer writable to it\n"
"ReadWritePaths=/var/lib/dockaudit /run\n"
"ProtectHome=yes\n"
"PrivateTmp=yes\n"
"PrivateDevices=yes\n"
"ProtectKernelTunables=yes\n"
"ProtectKernelModules=yes\n"
"ProtectKernelLogs=yes\n"
"ProtectControlGroups=yes\n"
"ProtectClock=yes\n"
"ProtectHostname=yes\n"
"# not ProtectProc=invisible: the callers' /proc/PID is the caller identity\n"
"RestrictAddressFamilies=AF_UNIX\n"
"IPAddressDeny=any\n"
"RestrictNamespaces=yes\n"
"RestrictRealtime=yes\n"
"RestrictSUIDSGID=yes\n"
"LockPersonality=yes\n"
"MemoryDenyWriteExecute=yes\n"
"SystemCallArchitectures=native\n"
"# @system-service has no ptrace(2), process_vm_*: CAP_SYS_PTRACE is for /proc\n"
"SystemCallFilter=@system-service\n"
"SystemCallErrorNumber=EPERM\n"
"\n"
"[Install]\n"
"WantedBy=multi-user.target\n", o->bin);
}

char *
inst_docker_dropin(const struct inst_opts *o)
{
	(void)o;
	return dup_printf(
"# docker.service.d/dockaudit.conf -- written by `dockaudit install`.\n"
"# dockerd starts after dockaudit, whose AuthZ plugin it needs (daemon.json\n"
"# authorization-plugins).  Wants=, not Requires=: restarting dockaudit must\n"
"# not restart dockerd and its containers; while dockaudit is down the public\n"
"# socket refuses connections and dockerd's plugin calls fail (closed).\n"
"[Unit]\n"
"Wants=dockaudit.service\n"
"After=dockaudit.service\n");
}

char *
inst_socket_dropin(const struct inst_opts *o)
{
	return dup_printf(
"# docker.socket.d/dockaudit.conf -- written by `dockaudit install`.\n"
"# dockerd (-H fd://) gets a private socket only dockaudit (user %s) can\n"
"# reach; the public path is dockaudit.service's.\n"
"[Unit]\n"
"Wants=dockaudit.service\n"
"After=dockaudit.service\n"
"\n"
"[Socket]\n"
"ListenStream=\n"
"ListenStream=" INST_PRIVATE "\n"
"SocketUser=root\n"
"SocketGroup=%s\n"
"SocketMode=0660\n"
"DirectoryMode=0755\n", o->user, o->user);
}

char *
inst_config_yaml(const struct inst_opts *o, const struct inst_socket *s)
{
	return dup_printf(
"# /etc/dockaudit/config.yaml -- written by `dockaudit install`; every key:\n"
"# dockaudit.yaml(5) or `dockaudit run --help`.  Reload: systemctl reload\n"
"# dockaudit (the policy applies at once; other keys need a restart).\n"
"listen: unix://%s\n"
"backend: unix://" INST_PRIVATE "\n"
"journal:\n"
"  dir: " INST_JOURNAL "\n"
"socket:                 # as docker.socket had it\n"
"  user: %s\n"
"  group: %s\n"
"  mode: \"%s\"\n"
"authz:\n"
"  socket: unix://" INST_PLUGIN_DIR "/%s.sock\n"
"run:\n"
"  user: %s\n", s->path, s->user, s->group, s->mode, o->plugin, o->user);
}

char *
inst_sysusers(const struct inst_opts *o)
{
	return dup_printf(
"# sysusers.d/dockaudit.conf -- written by `dockaudit install`: the user\n"
"# dockaudit runs as once started (see sysusers.d(5)).\n"
"u %s - \"dockaudit audit trail\" " INST_STATE " /usr/sbin/nologin\n",
	    o->user);
}
