/* reload.h -- SIGHUP: read the configuration file again, apply what can
 * change while running, and record it (audit record dockaudit.reload). */
#ifndef DA_RELOAD_H
#define DA_RELOAD_H

struct config;
struct journal;

/* file_cfg: defaults + the file as last loaded (flags not applied), kept
 * to tell what the new file changes; live: the running configuration.
 * The policy is applied live (the old rules are kept allocated: a call
 * being decided may still point at one); every other changed key is
 * reported as needing a restart.  Nothing is changed when the new file
 * does not load or validate (outcome failure, with the error).  file_cfg
 * then shares live's policy: free it with reload_release. */
void	reload_config(struct journal *j, const char *path,
	    struct config *file_cfg, struct config *live);

/* Free file_cfg (not the policy it may share with the live config). */
void	reload_release(struct config *file_cfg);

/* Free the policies reloads replaced: once the proxy and plugin stopped. */
void	reload_free_retired(void);

#endif
