/* clock.h -- time as int64 nanoseconds since the epoch, and its text forms.
 *
 * Records carry time as RFC 3339 UTC with exactly nine fractional digits
 * ("2026-11-28T08:22:44.123456789Z"), so their text sorts like the number. */
#ifndef DA_CLOCK_H
#define DA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_RFC3339_LEN 31	/* incl. NUL */

int64_t	clock_now_ns(void);		/* CLOCK_REALTIME */
int64_t	clock_mono_ns(void);		/* CLOCK_MONOTONIC */
/* Format ns as RFC 3339 UTC with nine fractional digits into out[31]. */
void	clock_format(int64_t ns, char out[CLOCK_RFC3339_LEN]);
/* Parse "2026-11-28T08:22:44Z", with optional fraction and +hh:mm offset,
 * a plain date "2026-11-28", or a relative "-15m" / "-2h" / "-7d" / "-30s"
 * (relative to now_ns).  Returns 0 and sets *ns, or -1. */
int	clock_parse(const char *s, int64_t now_ns, int64_t *ns);

#endif
