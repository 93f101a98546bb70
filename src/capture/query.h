/* query.h -- render a query string for a record. */
#ifndef DA_QUERY_H
#define DA_QUERY_H

#include <stddef.h>

struct buf;

/* q (n bytes, after the '?') -> {"k":"v",...} appended to out: keys and
 * values percent-decoded as Go does, the first of repeated keys wins (Go's
 * Form.Get, which dockerd uses), undecodable pairs left out (dockerd would
 * not see them either), values redacted (event/redact.h) for the action. */
void	query_render(const char *action, const char *q, size_t n,
	    struct buf *out);

#endif
