/* reader.h -- sequential reading of committed journal records.
 *
 * The stable interface for every consumer (search, tail, verify, outputs,
 * rules): records come back as whole lines in seq order across segments.
 * A partial last line (being written) is not returned until complete. */
#ifndef DA_JOURNAL_READER_H
#define DA_JOURNAL_READER_H

#include <stddef.h>
#include <stdint.h>

struct jrn_reader;

/* Open dir positioned at the first record with seq >= from_seq (1 = start;
 * segments wholly below from_seq are skipped by name). */
int	jrn_reader_open(struct jrn_reader **out, const char *dir,
	    uint64_t from_seq, char *err);

/* Next record: *line points into reader memory valid until the next call,
 * *len excludes the '\n'; *seq is parsed from the line's "seq" member.
 * Returns DA_OK, DA_E_AGAIN at the current end (call again later to follow:
 * new data and new segments are picked up), or DA_E_CORRUPT / DA_E_IO with
 * a message in err. */
int	jrn_reader_next(struct jrn_reader *r, const char **line, size_t *len,
	    uint64_t *seq, char *err);

/* Name of the segment the last record came from, and its byte offset. */
const char *jrn_reader_segment(const struct jrn_reader *r);
uint64_t jrn_reader_offset(const struct jrn_reader *r);

void	jrn_reader_close(struct jrn_reader *r);

#endif
