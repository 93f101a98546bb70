/* config.c -- the configuration schema, YAML loading (libyaml) and value
 * parsing.  Every key lives in one table with its type, default and
 * description; the loader walks the YAML event stream so errors carry the
 * line they come from. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <yaml.h>

#include "base/err.h"
#include "daemon/config.h"

enum ctype { C_STR, C_UNIX, C_LISTEN, C_BOOL, C_SIZE, C_DURATION,
	C_DURATION_MS, C_INT,
	C_MODE, C_LEVEL, C_ONFAIL, C_COMPRESS };

struct ckey {
	const char	*key;
	enum ctype	 type;
	size_t		 off;
	const char	*def;
	const char	*desc;
};

#define OFF(f) offsetof(struct config, f)

static const struct ckey schema[] = {
	{ "listen", C_LISTEN, OFF(listen), "unix:///var/run/docker.sock",
	  "socket(s) clients connect to (a list; unix:///PATH)" },
	{ "backend", C_UNIX, OFF(backend), "unix:///run/dockaudit/docker.sock",
	  "dockerd's own socket (unix:///PATH, mode 0600)" },
	{ "journal.dir", C_STR, OFF(journal_dir), "/var/lib/dockaudit/journal",
	  "journal directory (create it with `dockaudit init`)" },
	{ "journal.segment_size", C_SIZE, OFF(segment_size), "64MiB",
	  "rotate a segment past this size" },
	{ "journal.segment_age", C_DURATION, OFF(segment_age_s), "24h",
	  "rotate a segment older than this (0 = never)" },
	{ "journal.commit_delay", C_DURATION_MS, OFF(commit_delay_ms), "10ms",
	  "how long records nobody waits for (reads, responses) may wait to "
	  "share an fdatasync; write-ahead records never wait (0 = no delay)" },
	{ "journal.seal_every", C_INT, OFF(seal_every), "1000",
	  "write a forward-secure seal after this many records" },
	{ "journal.seal_interval", C_DURATION_MS, OFF(seal_interval_ms), "1s",
	  "or this long after the last seal, when records were added since" },
	{ "journal.fsync", C_BOOL, OFF(fsync), "true",
	  "fdatasync every batch (group commit); false loses durability" },
	{ "journal.compress", C_COMPRESS, OFF(compress), "none",
	  "compress closed segments: zstd or none (the newest is never "
	  "compressed; every reader decompresses transparently)" },
	{ "journal.retention.max_age", C_DURATION, OFF(retention_max_age_s), "0",
	  "prune whole segments whose last record is older (e.g. 30d; 0 = keep)" },
	{ "journal.retention.max_bytes", C_SIZE, OFF(retention_max_bytes), "0",
	  "prune the oldest segments while the journal is larger (0 = no limit); "
	  "never past a consumer cursor" },
	{ "journal.retention.hard_max_bytes", C_SIZE,
	  OFF(retention_hard_max_bytes), "0",
	  "past this size prune even records cursors have not delivered, with "
	  "an alert record (0 = cursors always win)" },
	{ "journal.retention.check_interval", C_DURATION,
	  OFF(retention_interval_s), "60s",
	  "how often retention runs (also after every rotation)" },
	{ "journal.on_failure", C_ONFAIL, OFF(on_failure_block), "block",
	  "journal unwritable: block (refuse mutating calls, 503) or allow" },
	{ "socket.mode", C_MODE, OFF(socket_mode), "0660",
	  "permission bits of the listening sockets" },
	{ "socket.group", C_STR, OFF(socket_group), "docker",
	  "group owning the listening sockets (name or gid)" },
	{ "socket.user", C_STR, OFF(socket_user), NULL,
	  "user owning the listening sockets (name or uid; default: the user "
	  "dockaudit starts as, root)" },
	{ "limits.head_bytes", C_SIZE, OFF(head_limit), "64KiB",
	  "largest request head (431 past it)" },
	{ "limits.body_bytes", C_SIZE, OFF(body_limit), "4MiB",
	  "largest JSON body buffered for extraction (larger: forwarded, "
	  "recorded with request.body_truncated)" },
	{ "limits.header_timeout", C_DURATION, OFF(header_timeout_s), "30s",
	  "a request head or JSON body must arrive within this (else 408)" },
	{ "limits.max_connections", C_INT, OFF(max_connections), "4096",
	  "concurrent client connections (more get 503)" },
	{ "limits.buffered_bytes", C_SIZE, OFF(buffered_limit), "256MiB",
	  "bytes the proxy holds in connection buffers, all connections "
	  "together: past it, streams wait (no buffer grows) and a request "
	  "head or JSON body that would need more is refused (503, "
	  "recorded, not forwarded)" },
	{ "audit.level", C_LEVEL, OFF(level_write), "request",
	  "mutating calls: metadata, request or request_response" },
	{ "audit.read_level", C_LEVEL, OFF(level_read), "metadata",
	  "read-only calls: none, metadata, request or request_response" },
	{ "audit.redact_hash_key_file", C_STR, OFF(redact_key_file), NULL,
	  "key file: redacted values become keyed hashes, so equal secrets "
	  "correlate" },
	{ "host.name", C_STR, OFF(host_name), NULL,
	  "host name stamped on records (default: the system's)" },
	{ "events.enabled", C_BOOL, OFF(events_enabled), "true",
	  "record dockerd's own events (GET /events on the backend) as daemon "
	  "records: deaths with exit codes, OOM kills, restarts; set "
	  "explicitly, it runs without listen sockets too" },
	{ "authz.socket", C_UNIX, OFF(authz_socket), NULL,
	  "serve the Docker AuthZ plugin here (unix:///run/docker/plugins/"
	  "NAME.sock; dockerd --authorization-plugin=NAME)" },
	{ "authz.secret_file", C_STR, OFF(authz_secret_file), NULL,
	  "key the proxy marks calls with and the plugin checks (0600; made "
	  "when missing; default <journal.dir>/authz.key when authz.socket "
	  "is set; give both processes the same file when they run apart)" },
	{ "authz.max_skew", C_DURATION, OFF(authz_max_skew_s), "60s",
	  "a proxy mark older than this at AuthZReq is stale (bypass)" },
	{ "authz.durable_wait", C_DURATION_MS, OFF(authz_durable_wait_ms), "2s",
	  "a mutating call that bypassed the proxy waits at most this long "
	  "for its record to be durable, then journal.on_failure applies" },
	{ "authz.body_limit", C_SIZE, OFF(authz_body_limit), "16MiB",
	  "largest AuthZ request the plugin reads (larger: denied)" },
	{ "run.user", C_STR, OFF(run_user), NULL,
	  "after binding its sockets and opening the journal, run as this "
	  "user (the journal is handed to it; dockerd's socket must be "
	  "reachable by it); unset: stay as started, a warning in the "
	  "dockaudit.start record when that is root" },
	{ "run.keep_ptrace", C_BOOL, OFF(run_keep_ptrace), "true",
	  "with run.user: keep CAP_SYS_PTRACE, the one capability needed to "
	  "read /proc/PID/exe of callers of other users (actor.exe); false: "
	  "their exe is null (see docs/threat-model.md)" },
};

#define NKEYS (sizeof(schema) / sizeof(schema[0]))

static const struct ckey *
find_key(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(schema[i].key, key) == 0)
			return &schema[i];
	return NULL;
}

/* "journal.sice" -> "dir, segment_size, ..." : the valid keys beside it. */
static void
siblings(const char *key, char *out, size_t len)
{
	const char *dot = strrchr(key, '.');
	size_t plen = dot ? (size_t)(dot - key) + 1 : 0;
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NKEYS && o < len; i++) {
		const char *k = schema[i].key, *kd = strrchr(k, '.');
		size_t kp = kd ? (size_t)(kd - k) + 1 : 0;

		if (plen == 0 && kd != NULL) {
			/* top level: offer section names once */
			size_t sl = (size_t)(kd - k);
			if (i > 0 && strncmp(schema[i - 1].key, k, sl) == 0 &&
			    schema[i - 1].key[sl] == '.')
				continue;
			o += (size_t)snprintf(out + o, len - o, "%s%.*s",
			    o ? ", " : "", (int)sl, k);
			continue;
		}
		if (kp != plen || strncmp(k, key, plen) != 0)
			continue;
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "",
		    k + plen);
	}
}

static int
parse_u64(const char *s, uint64_t *out, const char **rest)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	*out = v;
	*rest = end;
	return 0;
}

static int
parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "K", 1024 }, { "KB", 1024 },
		{ "KiB", 1024 }, { "M", 1 << 20 }, { "MB", 1 << 20 },
		{ "MiB", 1 << 20 }, { "G", 1 << 30 }, { "GB", 1 << 30 },
		{ "GiB", 1 << 30 },
	};
	const char *rest;
	uint64_t v;

	if (parse_u64(s, &v, &rest) != 0)
		return -1;
	while (*rest == ' ')
		rest++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(rest, units[i].sfx) == 0) {
			if (v > UINT64_MAX / units[i].mul / 4)
				return -1;
			*out = v * units[i].mul;
			return 0;
		}
	return -1;
}

static int
parse_duration(const char *s, int64_t *out)
{
	const char *rest;
	uint64_t v, mul;

	if (parse_u64(s, &v, &rest) != 0 || v > 100000000)
		return -1;
	if (*rest == '\0' || strcmp(rest, "s") == 0)
		mul = 1;
	else if (strcmp(rest, "m") == 0)
		mul = 60;
	else if (strcmp(rest, "h") == 0)
		mul = 3600;
	else if (strcmp(rest, "d") == 0)
		mul = 86400;
	else
		return -1;
	*out = (int64_t)(v * mul);
	return 0;
}

/* "10ms", "1s", "0" -> milliseconds */
static int
parse_duration_ms(const char *s, int64_t *out)
{
	const char *rest;
	uint64_t v;

	if (parse_u64(s, &v, &rest) != 0 || v > 3600000)
		return -1;
	if (strcmp(rest, "ms") == 0 || (*rest == '\0' && v == 0))
		*out = (int64_t)v;
	else if (strcmp(rest, "s") == 0 && v <= 3600)
		*out = (int64_t)v * 1000;
	else
		return -1;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on") || !strcmp(s, "1"))
		return (*out = 1, 0);
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off") || !strcmp(s, "0"))
		return (*out = 0, 0);
	return -1;
}

static int
parse_level(const char *s, int *out)
{
	static const char *names[] = { "none", "metadata", "request",
	    "request_response" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return (*out = i, 0);
	return -1;
}

/* unix:///path or /path -> path */
static const char *
unix_path(const char *s)
{
	if (strncmp(s, "unix://", 7) == 0)
		s += 7;
	return s[0] == '/' ? s : NULL;
}

static int
set_str(char **slot, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		return DA_E_NOMEM;
	free(*slot);
	*slot = d;
	return DA_OK;
}

int
config_set(struct config *cfg, const char *key, const char *v,
    const char *origin, char *err)
{
	const struct ckey *k = find_key(key);
	char *base = (char *)cfg;
	char sib[512];
	const char *p;

	if (k == NULL) {
		siblings(key, sib, sizeof(sib));
		return da_seterr(err, DA_E_INVAL,
		    "%s: unknown key '%s' (expected %s)", origin, key, sib);
	}
	if (k->off == OFF(events_enabled) && strcmp(origin, "default") != 0)
		cfg->events_explicit = 1;
	switch (k->type) {
	case C_STR:
		return set_str((char **)(base + k->off), v);
	case C_UNIX:
		if ((p = unix_path(v)) == NULL)
			goto bad_unix;
		return set_str((char **)(base + k->off), p);
	case C_LISTEN:
		if ((p = unix_path(v)) == NULL)
			goto bad_unix;
		if (cfg->nlisten == CONFIG_MAX_LISTEN)
			return da_seterr(err, DA_E_INVAL,
			    "%s: at most %d listen sockets", origin,
			    CONFIG_MAX_LISTEN);
		return set_str(&cfg->listen[cfg->nlisten++], p);
	case C_BOOL:
		if (parse_bool(v, (int *)(base + k->off)) != 0)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not a boolean (expected true or false)",
			    origin, key, v);
		return DA_OK;
	case C_SIZE:
		if (parse_size(v, (uint64_t *)(base + k->off)) != 0)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not a size (expected e.g. 4MiB, 64KiB, 1048576)",
			    origin, key, v);
		return DA_OK;
	case C_DURATION:
		if (parse_duration(v, (int64_t *)(base + k->off)) != 0)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not a duration (expected e.g. 30s, 5m, 24h)",
			    origin, key, v);
		return DA_OK;
	case C_DURATION_MS:
		if (parse_duration_ms(v, (int64_t *)(base + k->off)) != 0)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not a duration (expected e.g. 10ms, 1s, 0)",
			    origin, key, v);
		return DA_OK;
	case C_INT: {
		uint64_t n;
		if (parse_u64(v, &n, &p) != 0 || *p != '\0' || n < 1 ||
		    n > 1000000)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not a number from 1 to 1000000",
			    origin, key, v);
		*(int64_t *)(base + k->off) = (int64_t)n;
		return DA_OK;
	}
	case C_MODE: {
		char *end;
		long m = strtol(v, &end, 8);
		if (*v == '\0' || *end != '\0' || m < 0 || m > 0777)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' is not an octal mode (expected e.g. 0660)",
			    origin, key, v);
		*(int *)(base + k->off) = (int)m;
		return DA_OK;
	}
	case C_LEVEL:
		if (parse_level(v, (int *)(base + k->off)) != 0)
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: unknown level '%s' (expected none, metadata, "
			    "request or request_response)", origin, key, v);
		return DA_OK;
	case C_COMPRESS:
		if (strcmp(v, "zstd") == 0)
			cfg->compress = 1;
		else if (strcmp(v, "none") == 0)
			cfg->compress = 0;
		else
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' (expected zstd or none)", origin, key, v);
		return DA_OK;
	case C_ONFAIL:
		if (strcmp(v, "block") == 0)
			cfg->on_failure_block = 1;
		else if (strcmp(v, "allow") == 0)
			cfg->on_failure_block = 0;
		else
			return da_seterr(err, DA_E_INVAL,
			    "%s: %s: '%s' (expected block or allow)", origin, key, v);
		return DA_OK;
	}
	return DA_E_INVAL;
bad_unix:
	return da_seterr(err, DA_E_INVAL,
	    "%s: %s: '%s' is not a unix socket address (expected unix:///PATH)",
	    origin, key, v);
}

void
config_defaults(struct config *cfg)
{
	char err[DA_ERRLEN];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (schema[i].def != NULL && schema[i].type != C_LISTEN)
			config_set(cfg, schema[i].key, schema[i].def, "default",
			    err);
}

void
config_free(struct config *cfg)
{
	for (int i = 0; i < cfg->nlisten; i++)
		free(cfg->listen[i]);
	free(cfg->backend);
	free(cfg->journal_dir);
	free(cfg->socket_group);
	free(cfg->socket_user);
	free(cfg->run_user);
	free(cfg->redact_key_file);
	free(cfg->host_name);
	free(cfg->authz_socket);
	free(cfg->authz_secret_file);
	policy_free(&cfg->policy);
	audit_rules_free(&cfg->audit_rules);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- YAML ---- */

struct yctx {
	yaml_parser_t	 p;
	const char	*file;
	struct config	*cfg;
	char		*err;
};

static int
next_event(struct yctx *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->p, ev))
		return da_seterr(y->err, DA_E_PARSE, "%s line %zu: %s", y->file,
		    y->p.problem_mark.line + 1,
		    y->p.problem ? y->p.problem : "YAML syntax error");
	return DA_OK;
}

static int walk_mapping(struct yctx *y, const char *prefix);

static int
walk_value(struct yctx *y, const char *key, yaml_event_t *ev)
{
	char origin[600];
	int rc;

	snprintf(origin, sizeof(origin), "%s line %zu", y->file,
	    ev->start_mark.line + 1);
	if (strcmp(key, "audit.rules") == 0 && ev->type != YAML_SEQUENCE_START_EVENT)
		return da_seterr(y->err, DA_E_INVAL, "%s: audit.rules: expected "
		    "a list of rules (e.g. '- {actions: system.ping, level: none}')",
		    origin);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return config_set(y->cfg, key, (const char *)ev->data.scalar.value,
		    origin, y->err);
	case YAML_MAPPING_START_EVENT:
		if (strcmp(key, "policy") == 0) {
			if (y->cfg->policy.present)
				return da_seterr(y->err, DA_E_INVAL, "%s: policy "
				    "given twice", origin);
			return policy_yaml(&y->p, y->file, &y->cfg->policy,
			    y->err);
		}
		return walk_mapping(y, key);
	case YAML_SEQUENCE_START_EVENT: {
		const struct ckey *k = find_key(key);

		if (strcmp(key, "audit.rules") == 0)
			return audit_rules_yaml(&y->p, y->file,
			    &y->cfg->audit_rules, y->err);

		if (k == NULL)
			return config_set(y->cfg, key, "", origin, y->err);
		if (k->type != C_LISTEN)
			return da_seterr(y->err, DA_E_INVAL,
			    "%s: %s takes one value, not a list", origin, key);
		for (;;) {
			yaml_event_t it;

			if ((rc = next_event(y, &it)) != DA_OK)
				return rc;
			if (it.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&it);
				return DA_OK;
			}
			snprintf(origin, sizeof(origin), "%s line %zu", y->file,
			    it.start_mark.line + 1);
			if (it.type != YAML_SCALAR_EVENT) {
				yaml_event_delete(&it);
				return da_seterr(y->err, DA_E_INVAL,
				    "%s: %s entries must be plain values", origin, key);
			}
			rc = config_set(y->cfg, key,
			    (const char *)it.data.scalar.value, origin, y->err);
			yaml_event_delete(&it);
			if (rc != DA_OK)
				return rc;
		}
	}
	default:
		return da_seterr(y->err, DA_E_INVAL, "%s: %s: unsupported YAML "
		    "value (aliases and tags are not accepted)", origin, key);
	}
}

static int
walk_mapping(struct yctx *y, const char *prefix)
{
	for (;;) {
		yaml_event_t kev, vev;
		char key[256];
		int rc;

		if ((rc = next_event(y, &kev)) != DA_OK)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return DA_OK;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			rc = da_seterr(y->err, DA_E_INVAL,
			    "%s line %zu: keys must be plain words", y->file,
			    kev.start_mark.line + 1);
			yaml_event_delete(&kev);
			return rc;
		}
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
		    (const char *)kev.data.scalar.value);
		yaml_event_delete(&kev);
		if ((rc = next_event(y, &vev)) != DA_OK)
			return rc;
		rc = walk_value(y, key, &vev);
		yaml_event_delete(&vev);
		if (rc != DA_OK)
			return rc;
	}
}

int
config_load(struct config *cfg, const char *path, char *err)
{
	struct yctx y = { .file = path, .cfg = cfg, .err = err };
	yaml_event_t ev;
	FILE *f;
	int rc = DA_OK, done = 0;

	if ((f = fopen(path, "r")) == NULL)
		return da_seterr(err, DA_E_IO, "%s: %s", path, strerror(errno));
	yaml_parser_initialize(&y.p);
	yaml_parser_set_input_file(&y.p, f);
	while (rc == DA_OK && !done) {
		if ((rc = next_event(&y, &ev)) != DA_OK)
			break;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			rc = walk_mapping(&y, "");
			break;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.length == 0)
				break;	/* empty document */
			/* FALLTHROUGH */
		default:
			rc = da_seterr(err, DA_E_INVAL,
			    "%s line %zu: the top level must be a mapping of keys "
			    "(e.g. 'listen: unix:///var/run/docker.sock')", path,
			    ev.start_mark.line + 1);
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y.p);
	fclose(f);
	return rc;
}

int
config_validate(const struct config *cfg, char *err)
{
	if (cfg->nlisten == 0 && cfg->authz_socket == NULL &&
	    !(cfg->events_enabled && cfg->events_explicit))
		return da_seterr(err, DA_E_INVAL,
		    "no listen socket: give --listen unix:///PATH or 'listen:' "
		    "in the config (or --events to record only dockerd's events, "
		    "or --authz-socket for the AuthZ plugin alone)");
	if (cfg->policy.nrules > 0 && cfg->authz_socket == NULL &&
	    cfg->nlisten == 0)
		return da_seterr(err, DA_E_INVAL,
		    "policy: deny rules need the AuthZ plugin or the proxy");
	if (cfg->authz_body_limit < (4u << 20) ||
	    cfg->authz_body_limit > (256u << 20))
		return da_seterr(err, DA_E_INVAL,
		    "authz.body_limit must be 4MiB..256MiB (dockerd sends up to "
		    "about 1.5 MB)");
	if (cfg->journal_dir == NULL)
		return da_seterr(err, DA_E_INVAL,
		    "no journal: give --journal DIR or 'journal: {dir: ...}'");
	for (int i = 0; i < cfg->nlisten; i++)
		if (strcmp(cfg->listen[i], cfg->backend) == 0)
			return da_seterr(err, DA_E_INVAL,
			    "listen %s is also the backend: move dockerd to a "
			    "private socket (dockerd -H unix:///run/dockaudit/docker.sock)",
			    cfg->listen[i]);
	if (cfg->retention_hard_max_bytes > 0 && cfg->retention_max_bytes >
	    cfg->retention_hard_max_bytes)
		return da_seterr(err, DA_E_INVAL,
		    "journal.retention: hard_max_bytes must be at least max_bytes "
		    "(the hard cap is the ceiling above the normal limit)");
	if (cfg->retention_interval_s < 1)
		return da_seterr(err, DA_E_INVAL,
		    "journal.retention.check_interval must be at least 1s");
	if (cfg->level_write == LEVEL_NONE)
		return da_seterr(err, DA_E_INVAL,
		    "audit.level: none is not allowed for mutating calls "
		    "(expected metadata, request or request_response)");
	if (cfg->buffered_limit < (uint64_t)1 << 20)
		return da_seterr(err, DA_E_INVAL,
		    "limits.buffered_bytes must be at least 1MiB");
	if (cfg->body_limit > (uint64_t)1 << 30 || cfg->head_limit < 1024 ||
	    cfg->head_limit > (uint64_t)16 << 20)
		return da_seterr(err, DA_E_INVAL,
		    "limits: head_bytes must be 1KiB..16MiB and body_bytes at most 1GiB");
	return DA_OK;
}

int
config_to_proxy(const struct config *cfg, struct proxy_config *pc, char *err)
{
	proxy_config_defaults(pc);
	for (int i = 0; i < cfg->nlisten; i++)
		pc->listen[i] = cfg->listen[i];
	pc->nlisten = (size_t)cfg->nlisten;
	pc->backend = cfg->backend;
	pc->socket_mode = (mode_t)cfg->socket_mode;
	pc->head_limit = cfg->head_limit;
	pc->body_limit = cfg->body_limit;
	pc->header_timeout_s = (int)cfg->header_timeout_s;
	pc->max_conns = (int)cfg->max_connections;
	pc->buffered_limit = (size_t)cfg->buffered_limit;
	pc->on_failure_block = cfg->on_failure_block;
	pc->level_write = cfg->level_write;
	pc->level_read = cfg->level_read;
	pc->audit_rules = &cfg->audit_rules;
	/* The plugin enforces for every listener; the proxy only when there
	 * is no plugin here (calls on other sockets then go unjudged). */
	pc->policy = cfg->authz_socket == NULL ? &cfg->policy : NULL;
	pc->socket_gid = (gid_t)-1;
	if (cfg->socket_group != NULL && cfg->socket_group[0] != '\0') {
		struct group *gr = getgrnam(cfg->socket_group);
		char *end;
		long g = strtol(cfg->socket_group, &end, 10);

		if (gr != NULL)
			pc->socket_gid = gr->gr_gid;
		else if (*end == '\0' && g >= 0)
			pc->socket_gid = (gid_t)g;
		else
			return da_seterr(err, DA_E_INVAL,
			    "socket.group: no group '%s' on this host (create it, "
			    "or set socket.group to an existing group or gid)",
			    cfg->socket_group);
	}
	return DA_OK;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

void
config_diff(const struct config *a, const struct config *b,
    void (*fn)(const char *key, void *arg), void *arg)
{
	const char *pa = (const char *)a, *pb = (const char *)b;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct ckey *k = &schema[i];
		int differs = 0;

		switch (k->type) {
		case C_STR:
		case C_UNIX:
			differs = str_differs(*(char *const *)(pa + k->off),
			    *(char *const *)(pb + k->off));
			break;
		case C_LISTEN:
			differs = a->nlisten != b->nlisten;
			for (int l = 0; !differs && l < a->nlisten; l++)
				differs = str_differs(a->listen[l], b->listen[l]);
			break;
		case C_SIZE:
			differs = *(const uint64_t *)(pa + k->off) !=
			    *(const uint64_t *)(pb + k->off);
			break;
		case C_DURATION:
		case C_DURATION_MS:
		case C_INT:
			differs = *(const int64_t *)(pa + k->off) !=
			    *(const int64_t *)(pb + k->off);
			break;
		case C_BOOL:
		case C_MODE:
		case C_LEVEL:
		case C_ONFAIL:
		case C_COMPRESS:
			differs = *(const int *)(pa + k->off) !=
			    *(const int *)(pb + k->off);
			break;
		}
		if (differs)
			fn(k->key, arg);
	}
	/* read at start only: a change is a restart */
	if (!audit_rules_equal(&a->audit_rules, &b->audit_rules))
		fn("audit.rules", arg);
}

void
config_print_schema(void)
{
	for (size_t i = 0; i < NKEYS; i++)
		printf("  %-28s %s (default: %s)\n", schema[i].key, schema[i].desc,
		    schema[i].def ? schema[i].def : "unset");
	/* the two lists of rules, which are not single keys */
	printf("  %-28s %s\n", "audit.rules",
	    "ordered rules (first match wins) choosing the level per call: "
	    "actions, users, groups, containers, programs -> level none|"
	    "metadata|request|request_response, omit_stages; mutating calls "
	    "keep at least metadata (default: none: audit.level and "
	    "audit.read_level)");
	printf("  %-28s %s\n", "policy",
	    "mode observe|enforce, deny rules (privileged, bind_source, "
	    "cap_add, devices, *_mode, seccomp/apparmor unconfined), "
	    "allow_users: docs/authz.md (default: none)");
}
