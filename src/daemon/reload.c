/* reload.c -- SIGHUP reloads the configuration file (see reload.h).
 *
 * What is live: the deny policy (policy:), which the proxy and the AuthZ
 * plugin consult through cfg->policy on the main loop, the thread that
 * runs this.  Everything else (sockets, journal, levels, limits, run.user)
 * is fixed in the components at start; a changed key is named in the
 * record's restart_needed list and takes effect at the next start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "daemon/config.h"
#include "daemon/reload.h"
#include "daemon/selfaudit.h"
#include "json/json.h"

/* Policies replaced by a reload, freed only once nothing runs (at exit). */
static struct policy_list {
	struct policy		 p;
	struct policy_list	*next;
} *retired;

static int shared;	/* file_cfg shares live's policy (after a reload) */

void
reload_release(struct config *file_cfg)
{
	if (shared)
		policy_init(&file_cfg->policy);
	config_free(file_cfg);
	shared = 0;
}

void
reload_free_retired(void)
{
	while (retired != NULL) {
		struct policy_list *n = retired->next;

		policy_free(&retired->p);
		free(retired);
		retired = n;
	}
}

struct diffs {
	const char	*keys[64];
	size_t		 n;
};

static void
collect(const char *key, void *arg)
{
	struct diffs *d = arg;

	if (d->n < sizeof(d->keys) / sizeof(d->keys[0]))
		d->keys[d->n++] = key;
}

void
reload_config(struct journal *j, const char *path, struct config *file_cfg,
    struct config *live)
{
	struct config next;
	struct diffs d = { .n = 0 };
	struct buf detail;
	struct jw w;
	char err[DA_ERRLEN] = "";
	int ok;

	buf_init(&detail, 64 * 1024);
	jw_init(&w, &detail);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "config_file", path);
	config_defaults(&next);
	ok = path != NULL && path[0] != '\0' &&
	    config_load(&next, path, err) == DA_OK;
	if (path == NULL || path[0] == '\0')
		snprintf(err, sizeof(err), "no --config file to reload");
	if (ok) {
		/* validate as it would run: the file with the running flags */
		struct config trial = *live;

		trial.policy = next.policy;
		if (config_validate(&trial, err) != DA_OK)
			ok = 0;
	}
	if (!ok) {
		jw_str(&w, "error", err);
		jw_obj_end(&w);
		log_warnx("reload: %s (configuration unchanged)", err);
		selfaudit(j, "dockaudit.reload", "failure", detail.data, NULL);
		config_free(&next);
		buf_free(&detail);
		return;
	}
	config_diff(file_cfg, &next, collect, &d);
	jw_arr_begin(&w, "restart_needed");
	for (size_t i = 0; i < d.n; i++)
		jw_str(&w, NULL, d.keys[i]);
	jw_arr_end(&w);
	jw_obj_begin(&w, "policy");
	jw_str(&w, "mode", next.policy.enforce ? "enforce" : "observe");
	jw_uint(&w, "rules", next.policy.nrules);
	jw_uint(&w, "previous_rules", live->policy.nrules);
	jw_bool(&w, "applied", 1);
	jw_obj_end(&w);
	jw_obj_end(&w);
	/* The old rules stay allocated (a decision waiting for the journal
	 * may point at one): a small leak per reload, never a dangling
	 * pointer.  file_cfg shares the new rules with live and never frees
	 * them. */
	{
		struct policy_list *r = calloc(1, sizeof(*r));

		if (r != NULL) {
			r->p = live->policy;
			r->next = retired;
			retired = r;
		}
	}
	live->policy = next.policy;
	policy_init(&file_cfg->policy);
	config_free(file_cfg);
	*file_cfg = next;
	shared = 1;
	log_info("reload: %s: policy %s, %zu rules; %zu keys need a restart",
	    path, live->policy.enforce ? "enforce" : "observe",
	    live->policy.nrules, d.n);
	selfaudit(j, "dockaudit.reload", "success", detail.data, NULL);
	buf_free(&detail);
}
