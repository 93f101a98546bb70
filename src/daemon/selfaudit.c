/* selfaudit.c -- records about dockaudit itself (see selfaudit.h).  The
 * actor is dockaudit's own process, so an operator sees who started or
 * stopped the auditor. */
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "capture/peer.h"
#include "daemon/selfaudit.h"
#include "event/record.h"
#include "journal/journal.h"

int
selfaudit(struct journal *j, const char *action, const char *outcome,
    const char *detail_json, uint64_t *ticket)
{
	struct buf actor, out;
	struct evt e;
	int rc;

	buf_init(&actor, 64 * 1024);
	buf_init(&out, BUF_UNLIMITED);
	peer_actor_json_for(getpid(), getuid(), getgid(), -1, &actor);
	memset(&e, 0, sizeof(e));
	e.kind = "audit";
	e.source = "dockaudit";
	e.action = action;
	e.outcome = outcome;
	e.actor_json = actor.data;
	e.actor_len = actor.len;
	e.detail_json = detail_json;
	e.detail_len = detail_json ? strlen(detail_json) : 0;
	rc = evt_render(&e, &out);
	if (rc == 0)
		rc = jrn_submit(j, out.data, out.len, ticket);
	buf_free(&actor);
	buf_free(&out);
	return rc;
}
