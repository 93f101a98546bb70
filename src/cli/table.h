/* table.h -- records joined into calls, and the table view of `search` and
 * `tail`.
 *
 * All records of one API call share request.id; the call's outcome is the
 * outcome of its last non-request record, or the request record's own when
 * no later stage has been seen (then "pending", unless dockaudit refused the
 * call itself).  A struct table collects, in journal order, one row per call
 * (and one per record without request.id) from the records that passed the
 * record filters, keeps every call's outcome current from all of its
 * records, and prints the rows passing --outcome as the table view (TIME
 * WHO ACTION OBJECT OUTCOME) or counts them.  Everything stays in memory
 * until table_free(). */
#ifndef DA_CLI_TABLE_H
#define DA_CLI_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/filter.h"

#define TABLE_ROWS	0x1	/* keep TIME/WHO/ACTION/OBJECT of each row */

/* Cells longer than these are cut (ending in "..."); TIME is fixed. */
#define TABLE_WHO_MAX		40
#define TABLE_ACTION_MAX	32
#define TABLE_OBJECT_MAX	48
#define TABLE_TIME_LEN		20	/* 2026-11-28T08:22:44Z */

struct table;

struct table_widths {
	size_t	tw_who, tw_action, tw_object;
};

/* NULL when out of memory. */
struct table	*table_new(int flags);
void		 table_free(struct table *t);

/* Feed the next record in journal order.  passed: it passed the record
 * filters, so it gets a row (or joins its call's row).  A record that did
 * not pass only updates a call already in the table.  DA_E_NOMEM /
 * DA_E_TOOBIG. */
int	table_add(struct table *t, const struct filter_rec *r, int passed);

/* Number of calls in the table. */
size_t	table_ncalls(const struct table *t);
/* 1 if the call with request id id[0..n) is in the table. */
int	table_has_call(const struct table *t, const char *id, size_t n);
/* That call's outcome as known so far ("" if none), NULL if not in t. */
const char *table_call_outcome(const struct table *t, const char *id,
	    size_t n);

/* The request id of a raw journal line without parsing it: 1 and *id, *n
 * set, 0 if the line has no "request" member, -1 if it cannot tell (the
 * line must be parsed). */
int	table_line_call(const char *line, size_t len, const char **id,
	    size_t *n);

/* Rows passing --outcome (f may be NULL: all), at most limit (0: all). */
uint64_t table_count(const struct table *t, const struct filter *f,
	    uint64_t limit);
/* Column widths that fit those rows, at least w's on entry. */
void	table_fit(const struct table *t, const struct filter *f,
	    uint64_t limit, struct table_widths *w);
/* Print those rows, after a header line if header.  Returns 0, or -1 with
 * errno set when writing failed. */
int	table_print(const struct table *t, const struct filter *f,
	    uint64_t limit, const struct table_widths *w, int header,
	    FILE *out);

#endif
