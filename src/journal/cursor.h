/* cursor.h -- consumer cursors: how far each consumer has processed.
 *
 * Every consumer of the journal (an output, the rules engine, a `tail`
 * that resumes) keeps the seq of the last record it finished in
 * <journal>/cursors/<name>, a file holding that decimal seq and a newline.
 * Writes are atomic (temporary file, fsync, rename, directory fsync), so a
 * crash leaves the old or the new value, never a torn one; after a restart
 * the consumer resumes at seq + 1 and may see a record twice (at-least-once).
 * One writer per cursor name.  Retention reads the list to avoid pruning
 * records a consumer has not processed yet. */
#ifndef DA_JOURNAL_CURSOR_H
#define DA_JOURNAL_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define JRN_CURSOR_NAME_MAX	64

struct jrn_cursor {
	char		 name[JRN_CURSOR_NAME_MAX + 1];
	uint64_t	 seq;		/* last processed seq (0: none yet) */
};

/* 1 if name is a valid cursor name: [a-z0-9_.-]{1,64}, not "." or "..". */
int	jrn_cursor_name_ok(const char *name);

/* Store seq as cursor name of the journal in dir (creates cursors/ if
 * needed).  DA_E_INVAL for a bad name, DA_E_IO. */
int	jrn_cursor_write(const char *dir, const char *name, uint64_t seq,
	    char *err);

/* Read cursor name: DA_E_NOTFOUND if it was never written, DA_E_CORRUPT if
 * the file does not hold a seq. */
int	jrn_cursor_read(const char *dir, const char *name, uint64_t *seq,
	    char *err);

/* Remove cursor name (a consumer taken out of the config). */
int	jrn_cursor_remove(const char *dir, const char *name, char *err);

/* All cursors, sorted by name; *out is malloc'd (free()).  Files that are
 * not valid cursors (bad names, leftovers of interrupted writes, bad
 * content) are skipped. */
int	jrn_cursor_list(const char *dir, struct jrn_cursor **out, size_t *n,
	    char *err);

#endif
