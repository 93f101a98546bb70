/* record.h -- the event record (DESIGN.md section 3) and its JSON form.
 *
 * A struct evt holds slices and pre-rendered JSON fragments owned by the
 * caller; evt_render() turns it into the members text that jrn_submit()
 * takes (the journal adds "v", "seq" and "prev").  Field order is fixed:
 * id, time, host, kind, stage, source, action, outcome, actor, request,
 * response, session, object, security, alert, detail.  Absent parts are omitted,
 * except that api records always carry actor, request and object. */
#ifndef DA_RECORD_H
#define DA_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define EVT_UUID_LEN 37

struct evt {
	char		 id[EVT_UUID_LEN];	/* filled by evt_render if empty */
	int64_t		 time_ns;		/* 0: now */
	const char	*kind;		/* api, daemon, alert, audit, seal */
	const char	*stage;		/* request, response, session (api) */
	const char	*source;	/* proxy, authz, events, dockaudit */
	const char	*action;
	const char	*outcome;	/* pending, success, failure, denied */

	const char	*actor_json;	/* rendered actor object, or NULL */
	size_t		 actor_len;

	int		 has_request;
	struct {
		char		 id[EVT_UUID_LEN];
		const char	*method;
		size_t		 method_len;
		const char	*path;		/* raw, without the query */
		size_t		 path_len;
		const char	*api_version;	/* "" if unversioned */
		const char	*query_json;	/* rendered object or NULL */
		size_t		 query_len;
		const char	*user_agent;	/* NULL if absent */
		size_t		 user_agent_len;
		int64_t		 bytes;		/* body bytes, -1 unknown */
		const char	*body_json;	/* redacted body or NULL */
		size_t		 body_len;
		int		 body_truncated;
		int64_t		 body_trailing;	/* bytes after the JSON value dockerd reads */
		const char	*headers_json;	/* selected headers or NULL */
		size_t		 headers_len;
	} req;

	int		 has_response;
	struct {
		int		 status;
		int64_t		 bytes;
		int64_t		 duration_us;
		const char	*error;		/* daemon's or dockaudit's message */
		size_t		 error_len;
		const char	*body_json;	/* redacted reply (request_response) or NULL */
		size_t		 body_len;
	} resp;

	int		 has_session;
	struct {
		int64_t		 duration_us;
		int64_t		 bytes_in;	/* client -> daemon */
		int64_t		 bytes_out;	/* daemon -> client */
		const char	*end;		/* "client_closed", "daemon_closed", ... */
	} sess;

	struct {
		const char	*type;
		const char	*id;
		const char	*name;
		const char	*image;
	} obj;

	const char	*security_json;	/* member text "security":{...}, or NULL */
	size_t		 security_len;
	const char	*detail_json;	/* audit/daemon specifics, or NULL */
	size_t		 detail_len;
	const char	*alert_json;	/* alert records: the "alert" object, or NULL */
	size_t		 alert_len;
	const char	*audit_rule;	/* audit.rules rule that set the level, or NULL */
};

/* Host facts stamped on every record; set once at start.  The daemon id
 * (NULL or "" = unknown, records say null) may be set once more later, from
 * any thread. */
void	evt_set_host(const char *name, const char *daemon_id);
void	evt_set_daemon_id(const char *daemon_id);

/* A random v4 UUID into out[EVT_UUID_LEN]. */
void	evt_uuid(char out[EVT_UUID_LEN]);

/* Render e's members into out (appending). */
int	evt_render(struct evt *e, struct buf *out);

#endif
