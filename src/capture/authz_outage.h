/* authz_outage.h -- the plugin's down time, read from the journal's tail
 * before a run writes anything (authz_outage.c). */
#ifndef DA_AUTHZ_OUTAGE_H
#define DA_AUTHZ_OUTAGE_H

#include <stdint.h>

#include "base/buf.h"

struct authz_outage {
	int		 found;		/* the journal had a record */
	int		 clean_stop;	/* it was dockaudit.stop */
	char		 since[64];	/* its time */
	int64_t		 since_ns;
	char		 last_action[128];
};

/* 0 and *o filled, or -1 when the journal has no record. */
int	authz_outage_read(const char *dir, struct authz_outage *o);
/* The detail object of the "authz.outage" audit record. */
void	authz_outage_detail(const struct authz_outage *o, const char *socket,
	    struct buf *out);

#endif
