/* install.h -- `dockaudit install` / `uninstall`, shared between its files.
 *
 * install.c        options, the plan, applying it, systemctl
 * install_units.c  what is written: dockaudit.service, the docker drop-ins,
 *                  config.yaml, sysusers.d; reading docker.socket; the
 *                  conflicts that would leave dockerd reachable unaudited
 * install_json.c   daemon.json: the authorization-plugins entry, edited in
 *                  place so every other byte stays as it was
 * install_files.c  file helpers and the unified diff
 * install_manifest.c  the manifest and the backups uninstall restores
 *                  byte for byte (install_manifest.h) */
#ifndef DA_INSTALL_H
#define DA_INSTALL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/buf.h"

#define INST_PATH 4096
#define INST_MAX_FILES 16

/* Fixed layout (paths without --root). */
#define INST_UNIT_DIR	"/etc/systemd/system"
#define INST_SERVICE	INST_UNIT_DIR "/dockaudit.service"
#define INST_DOCKER_DROPIN INST_UNIT_DIR "/docker.service.d/dockaudit.conf"
#define INST_SOCKET_DROPIN INST_UNIT_DIR "/docker.socket.d/dockaudit.conf"
#define INST_DAEMON_JSON "/etc/docker/daemon.json"
#define INST_CONFIG	"/etc/dockaudit/config.yaml"
#define INST_SYSUSERS	"/etc/sysusers.d/dockaudit.conf"
#define INST_BIN	"/usr/local/sbin/dockaudit"
#define INST_STATE	"/var/lib/dockaudit"
#define INST_JOURNAL	INST_STATE "/journal"
#define INST_BACKUP	INST_STATE "/install-backup"
#define INST_PRIVATE	"/run/dockaudit/docker.sock"
#define INST_PLUGIN_DIR	"/run/docker/plugins"

struct inst_opts {
	const char	*root;		/* "" for the live system */
	const char	*bin;		/* ExecStart binary (without root) */
	const char	*user;		/* run.user */
	const char	*plugin;	/* AuthZ plugin name */
	const char	*keyout;	/* --verification-key-out */
	int		 dry_run;
	int		 no_restart;
	int		 force;
	int		 purge;
};

/* What docker.socket made public: the path and who may connect. */
struct inst_socket {
	char	 path[INST_PATH];	/* ListenStream (a path) */
	char	 user[64];		/* SocketUser, default root */
	char	 group[64];		/* SocketGroup, default docker */
	char	 mode[8];		/* SocketMode, default 0660 */
	char	 unit[INST_PATH];	/* the docker.socket read (with root) */
	char	 service[INST_PATH];	/* the docker.service read (with root) */
};

/* One file install manages. */
struct inst_file {
	char	 path[INST_PATH];	/* without root */
	char	*data;			/* what install writes (owned) */
	size_t	 len;
	mode_t	 mode;
	const char *owner, *group;	/* names; NULL = root */
	int	 only_if_missing;	/* config.yaml: never overwrite edits */
	int	 binary;		/* no text diff */
	int	 change;		/* INST_SAME, INST_CREATE, INST_MODIFY */
	char	*cur;			/* what is there now (owned), for diffs */
	size_t	 curlen;
};

enum { INST_SAME, INST_CREATE, INST_MODIFY };

/* install_units.c */
int	inst_read_docker(const struct inst_opts *o, struct inst_socket *s,
	    struct buf *problems);
int	inst_check_conflicts(const struct inst_opts *o,
	    const struct inst_socket *s, struct buf *problems);
char	*inst_service_unit(const struct inst_opts *o);
char	*inst_docker_dropin(const struct inst_opts *o);
char	*inst_socket_dropin(const struct inst_opts *o);
char	*inst_config_yaml(const struct inst_opts *o, const struct inst_socket *s);
char	*inst_sysusers(const struct inst_opts *o);

/* install_json.c: the new daemon.json text for the old one (NULL: no
 * file); *changed 0 when it already names the plugin.  Returns NULL with
 * problems filled when the file cannot be edited safely (hosts set, not a
 * JSON object, authorization-plugins not a list of strings). */
char	*inst_daemon_json(const char *old, size_t oldlen, const char *plugin,
	    const char *path, int *changed, struct buf *problems);

/* install_files.c */
void	inst_path(const struct inst_opts *o, const char *p, char *out);
int	inst_read(const char *path, char **data, size_t *len);	/* 1 read, 0 absent, -1 error */
int	inst_write(const char *path, const char *data, size_t len, mode_t mode,
	    uid_t uid, gid_t gid, char *err);
int	inst_mkdirs(const struct inst_opts *o, const char *dir, mode_t mode,
	    struct buf *created, char *err);
void	inst_sha256_hex(const char *data, size_t len, char out[65]);
void	inst_diff(FILE *f, const char *label, const char *a, size_t alen,
	    const char *b, size_t blen);
int	inst_uid(const struct inst_opts *o, const char *user, uid_t *uid);
int	inst_gid(const struct inst_opts *o, const char *group, gid_t *gid);

#endif
