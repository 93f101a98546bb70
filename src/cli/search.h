/* search.h -- what `dockaudit search` (search.c) and `dockaudit tail`
 * (tail.c) share: option errors worded the same way, checked numbers,
 * --format, segment names, and reading the journal with damaged records
 * reported and skipped. */
#ifndef DA_CLI_SEARCH_H
#define DA_CLI_SEARCH_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/reader.h"

#define SEARCH_USAGE	2	/* exit status of a usage error */

/* Print "dockaudit <cmd>: <message>" and the --help hint to stderr;
 * returns SEARCH_USAGE. */
int	search_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report what getopt_long (optstring starting with "+:") returned for a
 * bad option: c is '?' or ':'.  meta[i] names the value of opts[i] ("DIR")
 * or is NULL.  Returns SEARCH_USAGE. */
int	search_opt_error(const char *cmd, int c, const struct option *opts,
	    const char *const *meta, char **argv);

/* A decimal count in [min, max]: 0, or -1 if s is not one. */
int	search_parse_count(const char *s, uint64_t min, uint64_t max,
	    uint64_t *out);

/* --format: ndjson (0) or table (1); -1 if neither. */
int	search_parse_format(const char *s);

/* First seq of a segment file name ("%016x.jsonl"), 0 if not one. */
uint64_t search_seg_first(const char *name);

/* Report a damaged record on stderr (where: "DIR/SEGMENT byte N: why")
 * with the hint to run `dockaudit verify`. */
void	search_damaged(const char *cmd, const char *dir, const char *where);

/* The next committed line, like jrn_reader_next(), except that damaged
 * records are reported, counted in *damaged and skipped.  Returns DA_OK,
 * DA_E_AGAIN at the current end, or an error already reported. */
int	search_next(const char *cmd, const char *dir, struct jrn_reader *r,
	    const char **line, size_t *len, uint64_t *damaged);

#endif
