/* run.c -- `dockaudit run`: wire configuration, journal and proxy together,
 * handle signals, and record dockaudit's own start and stop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <pwd.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "capture/events.h"
#include "capture/authz.h"
#include "capture/authz_outage.h"
#include "capture/callmark.h"
#include "capture/proxy.h"
#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/loop.h"
#include "daemon/privdrop.h"
#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "daemon/selfaudit.h"
#include "event/record.h"
#include "event/redact.h"
#include "journal/journal.h"
#include "json/json.h"

static const char run_usage[] =
"usage: dockaudit run --listen unix:///PATH [--listen ...] --backend unix:///PATH\n"
"                     --journal DIR [--config FILE] [options]\n"
"\n"
"Serve the audited Docker socket: every API call on --listen is recorded in\n"
"the journal (mutating calls before they reach dockerd) and forwarded to\n"
"--backend.  Runs in the foreground; SIGTERM or SIGINT stops it cleanly,\n"
"SIGHUP reloads the --config file (the policy applies at once; other keys\n"
"are recorded as needing a restart).  Under systemd (Type=notify) it sends\n"
"READY=1 once its sockets are bound and it runs as --user.\n"
"\n"
"options (each also settable in the YAML config; flags win):\n"
"  --listen unix:///PATH      socket clients use (repeatable)      [listen]\n"
"  --backend unix:///PATH     dockerd's private socket              [backend]\n"
"  --journal DIR              journal directory                     [journal.dir]\n"
"  --config FILE              YAML configuration file\n"
"  --socket-mode MODE         listening socket mode (0660)          [socket.mode]\n"
"  --socket-group GROUP       listening socket group (docker)       [socket.group]\n"
"  --body-limit SIZE          JSON body buffered for extraction     [limits.body_bytes]\n"
"  --head-limit SIZE          largest request head                  [limits.head_bytes]\n"
"  --header-timeout DURATION  request head deadline (30s)           [limits.header_timeout]\n"
"  --max-connections N        concurrent clients (4096)             [limits.max_connections]\n"
"  --buffered-limit SIZE      buffered bytes, all clients (256MiB)  [limits.buffered_bytes]\n"
"  --on-failure block|allow   journal down: refuse or pass mutating calls\n"
"  --level LEVEL              mutating calls: metadata|request|request_response\n"
"  --read-level LEVEL         reads: none|metadata|request|request_response\n"
"  --segment-size SIZE        journal segment rotation size         [journal.segment_size]\n"
"  --fsync true|false         fdatasync each batch (true)           [journal.fsync]\n"
"  --commit-delay DURATION    lazy records share an fdatasync (10ms) [journal.commit_delay]\n"
"  --events                   record dockerd's events (GET /events; the default;\n"
"                             given alone, without --listen: events only) [events.enabled]\n"
"  --no-events                do not subscribe to dockerd's events\n"
"  --authz-socket unix:///run/docker/plugins/NAME.sock\n"
"                             also serve the AuthZ plugin NAME      [authz.socket]\n"
"  --authz-secret-file FILE   key shared by proxy and plugin        [authz.secret_file]\n"
"  --user USER                run as USER once started              [run.user]\n"
"  --socket-user USER         listening sockets' owner (root)       [socket.user]\n"
"  -v, --verbose              debug logging\n"
"  -h, --help                 this help\n"
"\n"
"configuration keys:\n";

static const struct option run_opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "backend", required_argument, NULL, 'b' },
	{ "journal", required_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "socket-mode", required_argument, NULL, 1 },
	{ "socket-group", required_argument, NULL, 2 },
	{ "body-limit", required_argument, NULL, 3 },
	{ "head-limit", required_argument, NULL, 4 },
	{ "header-timeout", required_argument, NULL, 5 },
	{ "max-connections", required_argument, NULL, 6 },
	{ "on-failure", required_argument, NULL, 7 },
	{ "level", required_argument, NULL, 8 },
	{ "read-level", required_argument, NULL, 9 },
	{ "segment-size", required_argument, NULL, 10 },
	{ "fsync", required_argument, NULL, 11 },
	{ "commit-delay", required_argument, NULL, 12 },
	{ "events", no_argument, NULL, 'E' },
	{ "no-events", no_argument, NULL, 'N' },
	{ "authz-socket", required_argument, NULL, 13 },
	{ "authz-secret-file", required_argument, NULL, 14 },
	{ "user", required_argument, NULL, 15 },
	{ "socket-user", required_argument, NULL, 16 },
	{ "buffered-limit", required_argument, NULL, 17 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *flag_keys[] = {
	[1] = "socket.mode", [2] = "socket.group", [3] = "limits.body_bytes",
	[4] = "limits.head_bytes", [5] = "limits.header_timeout",
	[6] = "limits.max_connections", [7] = "journal.on_failure",
	[8] = "audit.level", [9] = "audit.read_level",
	[10] = "journal.segment_size", [11] = "journal.fsync",
	[12] = "journal.commit_delay", [13] = "authz.socket",
	[14] = "authz.secret_file", [15] = "run.user", [16] = "socket.user",
	[17] = "limits.buffered_bytes",
};

/* The long name of the option whose getopt value is c. */
static const char *
flag_name(int c)
{
	for (const struct option *o = run_opts; o->name != NULL; o++)
		if (o->val == c)
			return o->name;
	return "flag";
}

/* Ask dockerd for its ID (GET /info) so records name the daemon.  The
 * call carries our mark, so a plugin here takes it for what it is. */
static void
fetch_daemon_id(const char *backend, char *id, size_t idlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 2, 0 };
	char req[64 + CALLMARK_LINE_MAX], mark[CALLMARK_LINE_MAX];
	struct buf resp;
	ssize_t n;
	int fd, rl;

	id[0] = '\0';
	callmark_own_call("GET", "/info", mark);
	rl = snprintf(req, sizeof(req), "GET /info HTTP/1.0\r\nHost: docker\r\n"
	    "%s\r\n", mark);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", backend);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	buf_init(&resp, 4 << 20);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, req, (size_t)rl) == (ssize_t)rl) {
		char tmp[16384];
		while ((n = read(fd, tmp, sizeof(tmp))) > 0)
			if (buf_append(&resp, tmp, (size_t)n) != DA_OK)
				break;
	}
	close(fd);
	if (resp.len > 0) {
		char *body = strstr(resp.data, "\r\n\r\n");
		struct json *j;

		if (body && (j = json_parse(body + 4,
		    resp.len - (size_t)(body + 4 - resp.data), NULL)) != NULL) {
			const struct json *v = json_get(j, "ID");
			if (json_type(v) == JSON_STRING)
				snprintf(id, idlen, "%s", json_str(v));
			json_free(j);
		}
	}
	buf_free(&resp);
}

/* With our AuthZ plugin in this process dockerd answers GET /info only
 * once the loop serves the plugin (and dockerd may start after us), so
 * the id is asked for from a thread of its own, once a second until it
 * comes; records written before then carry daemon_id null. */
static void *
daemon_id_thread(void *arg)
{
	const char *backend = arg;
	char id[128];

	for (;;) {
		fetch_daemon_id(backend, id, sizeof(id));
		if (id[0] != '\0') {
			evt_set_daemon_id(id);
			log_info("backend %s: daemon id %s", backend, id);
			return NULL;
		}
		sleep(1);
	}
}

static void
start_daemon_id_thread(const char *backend)
{
	sigset_t all, old;
	pthread_t t;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&t, NULL, daemon_id_thread, (void *)backend) == 0)
		pthread_detach(t);
	else
		log_warnx("backend %s: cannot start the daemon id lookup; "
		    "records will carry no daemon_id", backend);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Keyed hashing of redacted values: the key file must be ours alone. */
static int
load_redact_key(const char *path, char *err)
{
	unsigned char key[256];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return da_seterr(err, DA_E_IO, "audit.redact_hash_key_file %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 ||
	    st.st_uid != geteuid()) {
		close(fd);
		return da_seterr(err, DA_E_INVAL,
		    "audit.redact_hash_key_file %s: must be owned by us and not "
		    "readable by group or others (chmod 600)", path);
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	if (n < 16)
		return da_seterr(err, DA_E_INVAL,
		    "audit.redact_hash_key_file %s: need at least 16 bytes of key",
		    path);
	redact_set_hash_key(key, (size_t)n);
	explicit_bzero(key, sizeof(key));
	return DA_OK;
}

/* What the main loop's signal handler needs. */
struct run_ctx {
	struct loop	*loop;
	struct journal	*j;
	const char	*config_file;
	struct config	*file_cfg;	/* defaults + file, for reload diffs */
	struct config	*live;
};

static void
on_signal(struct loop_handle *h, uint32_t ev)
{
	struct run_ctx *rc = h->arg;
	struct signalfd_siginfo si;
	int stop = 0;

	(void)ev;
	while (read(h->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			(void)sdnotify("RELOADING=1");
			reload_config(rc->j, rc->config_file, rc->file_cfg,
			    rc->live);
			(void)sdnotify("READY=1");
			continue;
		}
		log_info("signal %u: stopping", si.ssi_signo);
		stop = 1;
	}
	if (stop) {
		(void)sdnotify("STOPPING=1");
		loop_stop(rc->loop);
	}
}

static void
start_detail(const struct config *cfg, const char *config_file,
    const struct privdrop_result *pr, struct buf *out)
{
	static const char *levels[] = { "none", "metadata", "request",
	    "request_response" };
	struct jw w;

	jw_init(&w, out);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "version", DOCKAUDIT_VERSION);
	jw_int(&w, "pid", getpid());
	jw_arr_begin(&w, "listen");
	for (int i = 0; i < cfg->nlisten; i++)
		jw_str(&w, NULL, cfg->listen[i]);
	jw_arr_end(&w);
	jw_str(&w, "backend", cfg->backend);
	jw_str(&w, "journal", cfg->journal_dir);
	jw_str(&w, "config_file", config_file);
	jw_str(&w, "level", levels[cfg->level_write]);
	jw_str(&w, "read_level", levels[cfg->level_read]);
	jw_str(&w, "on_failure", cfg->on_failure_block ? "block" : "allow");
	jw_bool(&w, "fsync", cfg->fsync);
	jw_uint(&w, "body_limit", cfg->body_limit);
	jw_bool(&w, "events", cfg->events_enabled);
	if (cfg->authz_socket != NULL) {
		jw_obj_begin(&w, "authz");
		jw_str(&w, "socket", cfg->authz_socket);
		jw_str(&w, "policy_mode", cfg->policy.enforce ? "enforce" :
		    "observe");
		jw_uint(&w, "policy_rules", cfg->policy.nrules);
		jw_obj_end(&w);
	}
	if (pr != NULL) {
		jw_obj_begin(&w, "privileges");
		jw_uint(&w, "uid", getuid());
		jw_uint(&w, "gid", getgid());
		if (pr->dropped)
			jw_str(&w, "user", pr->user);
		jw_bool(&w, "dropped", pr->dropped);
		jw_arr_begin(&w, "capabilities");
		if (pr->dropped && pr->keep_ptrace)
			jw_str(&w, NULL, "CAP_SYS_PTRACE");
		jw_arr_end(&w);
		if (pr->dropped)
			jw_uint(&w, "journal_entries_chowned", pr->journal_chowned);
		if (pr->warning[0] != '\0')
			jw_str(&w, "warning", pr->warning);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
}

/* socket.user: the listening sockets' owner (bound as root, so root's). */
static int
chown_listen_sockets(const struct config *cfg, char *err)
{
	struct passwd *pw;
	uid_t uid;
	char *end;

	if (cfg->socket_user == NULL || cfg->socket_user[0] == '\0')
		return DA_OK;
	if ((pw = getpwnam(cfg->socket_user)) != NULL)
		uid = pw->pw_uid;
	else if ((uid = (uid_t)strtoul(cfg->socket_user, &end, 10), *end != '\0'))
		return da_seterr(err, DA_E_INVAL, "socket.user: no user '%s' on "
		    "this host", cfg->socket_user);
	for (int i = 0; i < cfg->nlisten; i++)
		if (lchown(cfg->listen[i], uid, (gid_t)-1) != 0)
			return da_seterr(err, DA_E_IO, "socket.user %s: %s: %s",
			    cfg->socket_user, cfg->listen[i], strerror(errno));
	return DA_OK;
}

static void *
events_thread(void *arg)
{
	if (loop_run(arg) != 0)
		log_warn("events loop");
	return NULL;
}

/* The events stream runs on a loop and thread of its own: what it asks of
 * dockerd (a label lookup, a reconnection) may wait on dockerd, and
 * dockerd may itself be waiting on this process (the AuthZ plugin, the
 * proxy), so nothing it does may stall the main loop. */
static int
start_events(struct events **evs, struct loop **evloop, pthread_t *thread,
    struct journal *j, const struct config *cfg, char *err)
{
	sigset_t all, old;
	int rc;

	if ((*evloop = loop_new()) == NULL)
		return da_seterr(err, DA_E_NOMEM, "events: cannot create its loop");
	if ((rc = events_start(evs, *evloop, j, &(struct events_config){
	    cfg->backend, cfg->journal_dir }, err)) != DA_OK)
		return rc;
	sigfillset(&all);	/* signals stay with the main thread's signalfd */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(thread, NULL, events_thread, *evloop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		events_stop(*evs);
		*evs = NULL;
		return da_seterr(err, DA_E_IO, "events: cannot start its thread: %s",
		    strerror(rc));
	}
	return DA_OK;
}

/* The key proxy and plugin share (callmark.h): only when a plugin runs
 * here or a key file is configured for a plugin elsewhere. */
static int
load_mark_key(const struct config *cfg, char *err)
{
	char path[4096];

	if (cfg->authz_secret_file != NULL)
		snprintf(path, sizeof(path), "%s", cfg->authz_secret_file);
	else if (cfg->authz_socket != NULL)
		snprintf(path, sizeof(path), "%s/authz.key", cfg->journal_dir);
	else
		return DA_OK;
	return callmark_key_load(path, 1, err);
}

static int
start_authz(const struct config *cfg, struct loop *loop, struct journal *j,
    const struct authz_outage *outage, struct authz **out, char *err)
{
	struct authz_config ac;
	struct buf detail;
	int rc;

	authz_config_defaults(&ac);
	ac.socket_path = cfg->authz_socket;
	ac.journal_dir = cfg->journal_dir;
	ac.policy = &cfg->policy;
	ac.max_skew_ms = cfg->authz_max_skew_s * 1000;
	ac.durable_wait_ms = cfg->authz_durable_wait_ms;
	ac.on_failure_block = cfg->on_failure_block;
	ac.body_cap = cfg->authz_body_limit;
	ac.level_write = cfg->level_write;
	ac.level_read = cfg->level_read;
	ac.audit_rules = &cfg->audit_rules;
	if ((rc = authz_start(out, loop, j, &ac, err)) != DA_OK)
		return rc;
	if (outage->found) {
		buf_init(&detail, 64 * 1024);
		authz_outage_detail(outage, cfg->authz_socket, &detail);
		selfaudit(j, "authz.outage", outage->clean_stop ? "success" :
		    "failure", detail.data, NULL);
		buf_free(&detail);
	}
	return DA_OK;
}

/* Retention's journal.pruned records (journal/retention.h). */
static int
journal_audit(struct journal *j, void *arg, const char *action,
    const char *outcome, const char *detail_json, uint64_t *ticket)
{
	(void)arg;
	return selfaudit(j, action, outcome, detail_json, ticket);
}

static int
serve(struct config *cfg, const char *config_file, struct config *file_cfg)
{
	struct proxy_config pc;
	struct jrn_opts jo = { 0 };
	struct jrn_recovery rec;
	struct journal *j = NULL;
	struct proxy *px = NULL;
	struct events *evs = NULL;
	struct events_stats es;
	struct loop *loop = NULL, *evloop = NULL;
	pthread_t evthread;
	struct authz *az = NULL;
	struct authz_outage outage;
	struct loop_handle sh;
	struct run_ctx ctx;
	struct privdrop_result pr;
	struct privdrop_early early;
	struct proxy_stats st;
	char err[DA_ERRLEN], host[256] = "", daemon_id[128];
	struct buf detail;
	sigset_t mask;
	int sfd, rc = 1;

	if (config_validate(cfg, err) != DA_OK ||
	    config_to_proxy(cfg, &pc, err) != DA_OK ||
	    (cfg->redact_key_file &&
	    load_redact_key(cfg->redact_key_file, err) != DA_OK) ||
	    privdrop_prepare(cfg->run_user, cfg->journal_dir, &early, err) !=
	    DA_OK ||
	    /* a key file of our own (in the journal) is the user's */
	    privdrop_as_user(&early, cfg->authz_secret_file == NULL, err) !=
	    DA_OK ||
	    load_mark_key(cfg, err) != DA_OK ||
	    privdrop_as_user(&early, 0, err) != DA_OK) {
		log_warnx("%s", err);
		return 2;
	}
	if (cfg->host_name)
		snprintf(host, sizeof(host), "%s", cfg->host_name);
	else
		gethostname(host, sizeof(host) - 1);
	daemon_id[0] = '\0';
	if (cfg->authz_socket == NULL)
		fetch_daemon_id(cfg->backend, daemon_id, sizeof(daemon_id));
	if (daemon_id[0] == '\0' && cfg->nlisten > 0 && cfg->authz_socket == NULL)
		log_warnx("backend %s: no answer to GET /info yet; records "
		    "will carry no daemon_id (is dockerd running there?)",
		    cfg->backend);
	evt_set_host(host, daemon_id);

	jo.dir = cfg->journal_dir;
	jo.segment_max_bytes = cfg->segment_size;
	jo.segment_max_age_ns = cfg->segment_age_s * 1000000000LL;
	jo.fsync = cfg->fsync;
	jo.commit_delay_ns = cfg->commit_delay_ms ?
	    cfg->commit_delay_ms * 1000000 : -1;
	jo.seal_every = cfg->seal_every > 0 ? (uint64_t)cfg->seal_every : 0;
	jo.seal_interval_ns = cfg->seal_interval_ms * 1000000;
	jo.compress = cfg->compress;
	jo.retention_max_age_ns = cfg->retention_max_age_s * 1000000000LL;
	jo.retention_max_bytes = cfg->retention_max_bytes;
	jo.retention_hard_max_bytes = cfg->retention_hard_max_bytes;
	jo.maint_interval_ns = cfg->retention_interval_s * 1000000000LL;
	jo.audit = journal_audit;
	memset(&outage, 0, sizeof(outage));
	if (cfg->authz_socket != NULL)
		authz_outage_read(cfg->journal_dir, &outage);
	if (privdrop_as_user(&early, 1, err) != DA_OK ||
	    jrn_open(&j, &jo, &rec, err) != DA_OK ||
	    privdrop_as_user(&early, 0, err) != DA_OK) {
		log_warnx("journal %s: %s", cfg->journal_dir, err);
		jrn_close(j);
		return 1;
	}
	buf_init(&detail, 64 * 1024);
	if (rec.dropped_bytes > 0) {
		struct jw w;

		log_warnx("journal %s: torn tail cut: %llu bytes (%s)",
		    cfg->journal_dir, (unsigned long long)rec.dropped_bytes,
		    rec.reason);
		jw_init(&w, &detail);
		jw_obj_begin(&w, NULL);
		jw_uint(&w, "last_seq", rec.last_seq);
		jw_uint(&w, "dropped_bytes", rec.dropped_bytes);
		jw_uint(&w, "dropped_lines", rec.dropped_lines);
		jw_str(&w, "reason", rec.reason);
		if (rec.saved[0] != '\0')
			jw_str(&w, "cut_bytes_saved_in", rec.saved);
		jw_obj_end(&w);
		selfaudit(j, "journal.recovered", "success", detail.data, NULL);
		buf_reset(&detail);
	}
	start_detail(cfg, config_file, NULL, &detail);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((loop = loop_new()) == NULL ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_warn("event loop");
		goto out;
	}
	ctx = (struct run_ctx){ .loop = loop, .j = j, .config_file = config_file,
	    .file_cfg = file_cfg, .live = cfg };
	sh = (struct loop_handle){ .fd = sfd, .cb = on_signal, .arg = &ctx };
	loop_set(loop, &sh, EPOLLIN);
	if ((cfg->nlisten > 0 && proxy_start(&px, loop, j, &pc, err) != DA_OK) ||
	    (cfg->events_enabled && start_events(&evs, &evloop, &evthread, j,
	    cfg, err) != DA_OK) ||
	    (cfg->authz_socket != NULL &&
	    start_authz(cfg, loop, j, &outage, &az, err) != DA_OK) ||
	    chown_listen_sockets(cfg, err) != DA_OK ||
	    privdrop(cfg->run_user, cfg->run_keep_ptrace, cfg->journal_dir,
	    cfg->backend, &pr, err) != DA_OK) {
		log_warnx("%s", err);
		selfaudit(j, "dockaudit.start", "failure", detail.data, NULL);
		if (evs != NULL) {
			loop_stop(evloop);
			pthread_join(evthread, NULL);
		}
		authz_stop(az);
		events_stop(evs);
		proxy_stop(px);
		goto out;
	}
	buf_reset(&detail);
	start_detail(cfg, config_file, &pr, &detail);
	if (pr.warning[0] != '\0')
		log_warnx("%s", pr.warning);
	if (pr.dropped)
		log_info("running as %s (uid %u)%s", pr.user, (unsigned)pr.uid,
		    pr.keep_ptrace ? ", keeping CAP_SYS_PTRACE" : ", no capabilities");
	selfaudit(j, "dockaudit.start", "success", detail.data, NULL);
	if (sdnotify("READY=1") < 0)
		log_warn("NOTIFY_SOCKET %s", getenv("NOTIFY_SOCKET"));
	for (int i = 0; i < cfg->nlisten; i++)
		log_info("listening on unix://%s -> unix://%s, journal %s",
		    cfg->listen[i], cfg->backend, cfg->journal_dir);
	if (az != NULL)
		log_info("AuthZ plugin on unix://%s (policy %s, %zu rules)",
		    cfg->authz_socket, cfg->policy.enforce ? "enforce" :
		    "observe", cfg->policy.nrules);
	if (az != NULL)
		start_daemon_id_thread(cfg->backend);
	if (loop_run(loop) != 0)
		log_warn("event loop");
	if (evs != NULL) {
		loop_stop(evloop);
		pthread_join(evthread, NULL);
	}
	memset(&st, 0, sizeof(st));
	if (px != NULL)
		proxy_get_stats(px, &st);
	events_get_stats(evs, &es);
	buf_reset(&detail);
	{
		struct jw w;

		jw_init(&w, &detail);
		jw_obj_begin(&w, NULL);
		jw_uint(&w, "connections", st.conns_accepted);
		jw_uint(&w, "requests", st.requests);
		jw_uint(&w, "bad_requests", st.bad_requests);
		jw_uint(&w, "denied_journal", st.denied_journal);
		jw_uint(&w, "forwarded_unrecorded", st.forwarded_unrecorded);
		jw_uint(&w, "records_dropped", st.records_dropped);
		jw_uint(&w, "buffered_refused", st.buffered_refused);
		if (evs != NULL) {
			jw_obj_begin(&w, "events");
			jw_uint(&w, "read", es.events);
			jw_uint(&w, "recorded", es.recorded);
			jw_uint(&w, "duplicates", es.duplicates);
			jw_uint(&w, "malformed", es.malformed);
			jw_uint(&w, "gaps", es.gaps);
			jw_uint(&w, "connects", es.connects);
			jw_uint(&w, "records_dropped", es.records_dropped);
			jw_uint(&w, "label_lookups", es.inspects);
			jw_obj_end(&w);
		}
		if (az != NULL) {
			struct authz_stats as;

			authz_get_stats(az, &as);
			jw_obj_begin(&w, "authz");
			jw_uint(&w, "requests", as.requests);
			jw_uint(&w, "responses", as.responses);
			jw_uint(&w, "proxied", as.proxied);
			jw_uint(&w, "bypass", as.bypass);
			jw_uint(&w, "denied_policy", as.denied_policy);
			jw_uint(&w, "denied_blind", as.denied_blind);
			jw_uint(&w, "denied_journal", as.denied_journal);
			jw_uint(&w, "allowed_unrecorded", as.allowed_unrecorded);
			jw_uint(&w, "bad_requests", as.bad_requests);
			jw_uint(&w, "records_dropped", as.records_dropped);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
	}
	authz_stop(az);
	events_stop(evs);
	proxy_stop(px);
	selfaudit(j, "dockaudit.stop", "success", detail.data, NULL);
	rc = 0;
out:
	buf_free(&detail);
	jrn_close(j);
	loop_free(loop);
	loop_free(evloop);
	return rc;
}

int
cli_run(int argc, char **argv)
{
	struct config cfg, file_cfg;
	const char *config_file = NULL;
	char err[DA_ERRLEN], origin[64];
	int c, rc, cli_listen = 0;

	/* Stream buffers (up to 1 MiB) come and go; a fixed mmap threshold
	 * keeps them out of the heap so an idle proxy gives the memory back
	 * (glibc's dynamic threshold would move them into the heap). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	config_defaults(&cfg);
	config_defaults(&file_cfg);
	/* First pass: the config file, so flags can override it. */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:b:j:c:vh", run_opts, NULL)) != -1)
		if (c == 'c')
			config_file = optarg;
	if (config_file != NULL && (config_load(&cfg, config_file, err) != DA_OK ||
	    config_load(&file_cfg, config_file, err) != DA_OK)) {
		fprintf(stderr, "dockaudit run: %s\n", err);
		config_free(&cfg);
		config_free(&file_cfg);
		return 2;
	}
	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:b:j:c:vh", run_opts, NULL)) != -1) {
		rc = DA_OK;
		snprintf(origin, sizeof(origin), "--%s", flag_name(c));
		switch (c) {
		case 'l':
			if (!cli_listen++) {
				for (int i = 0; i < cfg.nlisten; i++)
					free(cfg.listen[i]);
				cfg.nlisten = 0;
			}
			rc = config_set(&cfg, "listen", optarg, "--listen", err);
			break;
		case 'b':
			rc = config_set(&cfg, "backend", optarg, "--backend", err);
			break;
		case 'j':
			rc = config_set(&cfg, "journal.dir", optarg, "--journal", err);
			break;
		case 'c':
			break;
		case 'E':
			rc = config_set(&cfg, "events.enabled", "true", "--events", err);
			break;
		case 'N':
			rc = config_set(&cfg, "events.enabled", "false",
			    "--no-events", err);
			break;
		case 'v':
			log_init("dockaudit", 1);
			break;
		case 'h':
			fputs(run_usage, stdout);
			config_print_schema();
			config_free(&cfg);
			config_free(&file_cfg);
			return 0;
		default:
			if (c >= 1 && c <= 17) {
				rc = config_set(&cfg, flag_keys[c], optarg, origin, err);
				break;
			}
			fprintf(stderr, "try 'dockaudit run --help'\n");
			config_free(&cfg);
			config_free(&file_cfg);
			return 2;
		}
		if (rc != DA_OK) {
			fprintf(stderr, "dockaudit run: %s\n", err);
			config_free(&cfg);
			config_free(&file_cfg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dockaudit run: unexpected argument '%s' "
		    "(try 'dockaudit run --help')\n", argv[optind]);
		config_free(&cfg);
		config_free(&file_cfg);
		return 2;
	}
	rc = serve(&cfg, config_file ? config_file : "", &file_cfg);
	reload_release(&file_cfg);	/* before cfg: may share its policy */
	config_free(&cfg);
	reload_free_retired();
	return rc;
}
