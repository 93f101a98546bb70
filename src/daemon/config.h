/* config.h -- dockaudit's configuration: YAML file, flags, validation.
 *
 * The schema is a table (config.c): every key has a type, a default and a
 * description; an unknown key, a bad value or a wrong type is an error that
 * names the file, the line and the fix.  Command-line flags override the
 * file. */
#ifndef DA_CONFIG_H
#define DA_CONFIG_H

#include <stdint.h>

#include "capture/proxy.h"
#include "policy/auditpolicy.h"
#include "policy/policy.h"

#define CONFIG_MAX_LISTEN 8

struct config {
	char		*listen[CONFIG_MAX_LISTEN];	/* paths (unix:// stripped) */
	int		 nlisten;
	char		*backend;
	char		*journal_dir;
	uint64_t	 segment_size;
	int64_t		 segment_age_s;
	int64_t		 commit_delay_ms;
	int64_t		 seal_every;
	int64_t		 seal_interval_ms;
	int		 fsync;
	int		 compress;			/* JRN_COMPRESS_* */
	int64_t		 retention_max_age_s;		/* 0: off */
	uint64_t	 retention_max_bytes;
	uint64_t	 retention_hard_max_bytes;
	int64_t		 retention_interval_s;
	int		 on_failure_block;
	int		 socket_mode;
	char		*socket_group;			/* name or number; NULL = none */
	char		*socket_user;			/* owner of listen sockets; NULL = ours */
	uint64_t	 head_limit;
	uint64_t	 buffered_limit;	/* limits.buffered_bytes */
	uint64_t	 body_limit;
	int64_t		 header_timeout_s;
	int64_t		 max_connections;
	int		 level_write;
	int		 level_read;
	struct audit_rules audit_rules;		/* audit.rules: first match wins */
	char		*redact_key_file;
	char		*host_name;
	int		 events_enabled;		/* record GET /events (capture/events.h) */
	int		 events_explicit;		/* set by a flag or the file, not the default */
	char		*authz_socket;		/* plugin socket path; NULL = no plugin */
	char		*authz_secret_file;	/* shared mark key; NULL = <journal>/authz.key */
	int64_t		 authz_max_skew_s;
	int64_t		 authz_durable_wait_ms;
	uint64_t	 authz_body_limit;
	struct policy	 policy;
	char		*run_user;		/* drop to this user after start; NULL = stay */
	int		 run_keep_ptrace;	/* keep CAP_SYS_PTRACE after the drop */
};

void	config_defaults(struct config *cfg);
void	config_free(struct config *cfg);

/* Load a YAML file over cfg.  err gets "FILE line N: ...". */
int	config_load(struct config *cfg, const char *path, char *err);

/* Set one key from a flag ("--body-limit 4MiB" is key "limits.body_bytes");
 * err gets "--flag: ..." on a bad value. */
int	config_set(struct config *cfg, const char *key, const char *value,
	    const char *origin, char *err);

/* Cross-field checks after loading and flags (required keys, paths). */
int	config_validate(const struct config *cfg, char *err);

/* Fill a proxy_config (pointers into cfg). */
int	config_to_proxy(const struct config *cfg, struct proxy_config *pc,
	    char *err);

/* Call fn for every schema key whose value differs between a and b (the
 * policy section is not a key: compare it apart). */
void	config_diff(const struct config *a, const struct config *b,
	    void (*fn)(const char *key, void *arg), void *arg);

/* Print the schema: key, type, default, description (for --help). */
void	config_print_schema(void);

#endif
