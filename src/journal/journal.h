/* journal.h -- the append-only, hash-chained, durable journal.
 *
 * Layout (DESIGN.md section 4): a directory (0750) holding
 *   journal.meta          {"v":1,"id":"<uuid>","created":"<rfc3339>","genesis":"<hex>"}
 *   <first-seq %016x>.jsonl   segments (0640), one record per line;
 *                         closed ones may be compressed to .jsonl.zst
 *   journal.anchor        after a prune: where the remaining chain starts
 *                         (retention.h)
 *   cursors/<name>        consumer cursors (see cursor.h)
 *   seal.key              the running sealing key, 0600 (see seal.h); absent
 *                         in journals made before sealing: no seals then
 * Each line is {"v":1,"seq":N,<members>,"prev":"<hex h(N-1)>"}\n where
 * h(N) = SHA-256(h(N-1) || line N bytes including the '\n') and
 * h(0) = genesis = SHA-256("dockaudit-genesis:" || id).  seq starts at 1.
 *
 * Writing: jrn_submit() queues a record (any thread); one writer thread
 * assigns seq and prev, appends batches with one write() and one fdatasync()
 * (group commit) and publishes the highest durable ticket.  Callers that
 * must wait (write-ahead of mutating calls) poll jrn_notify_fd() and compare
 * jrn_durable() with their ticket.
 *
 * Recovery: jrn_open() scans the newest segment; a torn or damaged tail (no
 * final newline, bad JSON, broken chain, seq gap) is truncated back to the
 * last good record and reported in struct jrn_recovery so the caller can
 * append an `audit` record saying so. */
#ifndef DA_JOURNAL_H
#define DA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JRN_HASH_LEN	32
#define JRN_HEX_LEN	65	/* 64 hex digits + NUL */
#define JRN_ID_LEN	37	/* uuid text + NUL */

struct journal;
struct jrn_io;		/* journal/io.h: system calls, replaceable by tests */

/* Longest record line, '\n' excluded; longer lines are DA_E_TOOBIG at
 * submit and DA_E_CORRUPT when read. */
#define JRN_MAX_LINE	(16u << 20)

/* Appends an `audit` record (action, outcome, detail: a JSON object) to
 * the journal and gives its ticket; the daemon passes selfaudit().  Used
 * by retention for its journal.pruned records. */
typedef int (*jrn_audit_fn)(struct journal *j, void *arg, const char *action,
    const char *outcome, const char *detail_json, uint64_t *ticket);

#define JRN_COMPRESS_NONE	0
#define JRN_COMPRESS_ZSTD	1

struct jrn_opts {
	const char	*dir;
	uint64_t	 segment_max_bytes;	/* rotate when a segment would pass this (default 64 MiB) */
	int64_t		 segment_max_age_ns;	/* rotate when older (default 24 h; 0 = never) */
	int		 fsync;			/* 1 (default): fdatasync every batch */
	size_t		 queue_max;		/* records waiting in memory before submit fails (default 1,000,000) */
	int64_t		 commit_delay_ns;	/* how long a lazy record may wait for company (default 10 ms; -1: none) */
	uint64_t	 seal_every;		/* seal after this many records (default 1000; 0 = default) */
	int64_t		 seal_interval_ns;	/* or this long after the last seal (default 1 s; 0 = default) */
	const struct jrn_io *io;		/* NULL: the real system calls */
	/* maintenance (a background thread, started when either is set) */
	int		 compress;		/* JRN_COMPRESS_*: closed segments */
	int		 compress_level;	/* zstd level (0: 3) */
	int64_t		 retention_max_age_ns;	/* retention.h; 0: off */
	uint64_t	 retention_max_bytes;
	uint64_t	 retention_hard_max_bytes;
	int64_t		 maint_interval_ns;	/* retention check (0: 60 s) */
	jrn_audit_fn	 audit;			/* needed for retention */
	void		*audit_arg;
};

/* Fill o with the defaults above (dir NULL).  jrn_open also takes 0 for
 * segment_max_bytes and queue_max to mean the default; fsync and
 * segment_max_age_ns are used as given. */
void	jrn_opts_default(struct jrn_opts *o);

struct jrn_recovery {
	uint64_t	 last_seq;	/* seq of the last good record after recovery (0 = empty) */
	uint64_t	 dropped_bytes;	/* bytes cut from the tail */
	uint64_t	 dropped_lines;	/* complete or partial lines cut */
	char		 reason[128];	/* why the tail was cut ("" if nothing was) */
	char		 saved[64];	/* file in dir now holding the cut bytes, so
					   nothing is destroyed ("" if none: nothing
					   cut, or the cut bytes were all zero) */
};

struct jrn_stats {
	uint64_t	 records;	/* appended since open */
	uint64_t	 bytes;
	uint64_t	 batches;	/* fdatasync calls */
	uint64_t	 write_errors;	/* failed write/fsync attempts */
	uint64_t	 queued;	/* waiting now */
	uint64_t	 last_seq;
	int		 healthy;	/* 0 while writes are failing */
};

/* `dockaudit init`: create dir and journal.meta.  Fails with DA_E_EXISTS if
 * a journal is already there.  id_out (JRN_ID_LEN) receives the new id. */
int	jrn_init(const char *dir, char *id_out, char *err);

/* Read journal.meta: id and genesis hash. */
int	jrn_meta_read(const char *dir, char id[JRN_ID_LEN],
	    unsigned char genesis[JRN_HASH_LEN], char *err);

/* Open for appending: recover the tail, start the writer thread. */
int	jrn_open(struct journal **out, const struct jrn_opts *opts,
	    struct jrn_recovery *rec, char *err);

/* Stop accepting records, write everything queued, sync, join the writer. */
void	jrn_close(struct journal *j);

/* Queue one record.  members is the JSON object body without braces and
 * without v/seq/prev (e.g. "\"id\":\"...\",\"kind\":\"api\""), n its length;
 * it is copied.  *ticket (may be NULL) gets a number that jrn_durable()
 * reaches once the record is on disk; it is the record's seq.  DA_E_TOOBIG
 * when the queue is full or the line would pass JRN_MAX_LINE, DA_E_INVAL
 * if members holds a '\n', DA_E_PARSE if it is not a valid JSON object
 * body (strict RFC 8259, UTF-8), DA_E_CLOSED after jrn_close began. */
int	jrn_submit(struct journal *j, const char *members, size_t n,
	    uint64_t *ticket);

/* The same for a record nobody waits for (reads, responses): the writer
 * may hold it up to commit_delay_ns so that one write and one fdatasync
 * carry many records.  A jrn_submit() after it ends the wait at once.
 * This is what keeps a read-heavy load from paying an fdatasync per call;
 * the cost is that up to commit_delay_ns of such records can be lost in a
 * crash (never a write-ahead record: those use jrn_submit). */
int	jrn_submit_lazy(struct journal *j, const char *members, size_t n,
	    uint64_t *ticket);

/* Highest ticket whose record is durable (written and synced). */
uint64_t jrn_durable(const struct journal *j);

/* An eventfd that becomes readable whenever jrn_durable() advances or the
 * health changes; read it (8 bytes) to re-arm. */
int	jrn_notify_fd(const struct journal *j);

/* 1 when the last write succeeded, 0 while writes are failing (the writer
 * keeps the records and retries every second). */
int	jrn_healthy(const struct journal *j);

void	jrn_get_stats(const struct journal *j, struct jrn_stats *st);

/* Segment files of dir in seq order; *names is a malloc'd array of malloc'd
 * file names (not paths).  Free with jrn_segments_free. */
int	jrn_segments(const char *dir, char ***names, size_t *count, char *err);
void	jrn_segments_free(char **names, size_t count);

/* The first seq a segment file name declares ("%016x.jsonl", or
 * "%016x.jsonl.zst" once compressed), or 0 if the name is not a segment's. */
uint64_t jrn_segment_first_seq(const char *name);

/* A segment's bytes, decompressed if it is a .zst (a name that has just
 * changed form is found under the other one).  read: bytes, 0 at the end,
 * -1 with errno (EBADMSG: a damaged compressed segment). */
struct jrn_segread;
int	jrn_segment_open(struct jrn_segread **out, const char *dir,
	    const char *name, char *err);
ssize_t	jrn_segment_read(struct jrn_segread *r, void *buf, size_t n);
void	jrn_segment_close(struct jrn_segread *r);

/* Hex of a hash (out: JRN_HEX_LEN). */
void	jrn_hex(const unsigned char h[JRN_HASH_LEN], char out[JRN_HEX_LEN]);
/* h_next = SHA-256(h_prev || line[0..n)). */
void	jrn_chain_step(const unsigned char h_prev[JRN_HASH_LEN],
	    const char *line, size_t n, unsigned char h_next[JRN_HASH_LEN]);

#endif
