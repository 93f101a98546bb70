/* cmdline.h -- a caller's argv as recorded: secrets in it redacted.
 *
 * Command lines carry secrets: `docker login -p PASS`, `docker run -e
 * TOKEN=x`, `--build-arg KEY=v`, `curl -H 'X-Registry-Auth: ...'`.  Values
 * of those options become "[redacted]" (for NAME=value forms the name is
 * kept: "TOKEN=[redacted]"). */
#ifndef DA_CMDLINE_H
#define DA_CMDLINE_H

#include <stddef.h>

#include "json/json.h"

/* Write raw /proc/<pid>/cmdline bytes (NUL-separated) as a JSON array
 * member `key`, at most max_args arguments; sets *truncated if cut. */
void	cmdline_write(struct jw *w, const char *key, const char *raw, size_t n,
	    size_t max_args, int *truncated);

#endif
