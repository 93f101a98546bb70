/* selfaudit.h -- `audit` records about dockaudit itself: start, stop,
 * configuration, journal recovery and outages (PCI DSS 10.2.1.6, 10.7). */
#ifndef DA_SELFAUDIT_H
#define DA_SELFAUDIT_H

#include <stdint.h>

struct journal;

/* Append an audit record: action e.g. "dockaudit.start", outcome
 * "success"/"failure", detail_json an object (or NULL).  *ticket as for
 * jrn_submit (may be NULL). */
int	selfaudit(struct journal *j, const char *action, const char *outcome,
	    const char *detail_json, uint64_t *ticket);

#endif
