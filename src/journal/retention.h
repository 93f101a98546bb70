/* retention.h -- pruning old segments, and the anchor that keeps what is
 * left verifiable.
 *
 * Policy (jrn_retention): whole segments only, oldest first, never the
 * segment being written (the newest).  A segment goes when it is older
 * than max_age (its file mtime: the time of its last record; compression
 * keeps it) or while the journal is larger than max_bytes (file sizes on
 * disk).  Never past the slowest cursor (cursor.h): a segment whose last
 * seq is above some cursor's seq stays -- unless the journal is larger
 * than hard_max_bytes; then segments go regardless, down to max_bytes (or
 * hard_max_bytes if max_bytes is 0), and the prune record is an alert
 * naming the cursors that lose undelivered records.
 *
 * A prune (jrn_prune_run): plan; append an `audit` record, action
 * `journal.pruned`, through the caller's jrn_audit_fn, whose detail holds
 * the removed range and segment names and the anchor {seq: S, head:
 * h(S), epoch: E} (S the last removed seq, E the epoch of the next seal);
 * wait until that record is durable; write <journal>/journal.anchor
 * atomically; only then unlink the segments, oldest first, and sync the
 * directory.  A crash anywhere leaves the old state, or an anchor whose
 * segments are partly gone: the next prune finishes the unlinking, and
 * verify skips segments wholly at or below the anchor's seq.  verify starts
 * from the anchor when seq 1 is gone and cross-checks it against the
 * journal.pruned record that names it, so a forged anchor file is caught. */
#ifndef DA_JOURNAL_RETENTION_H
#define DA_JOURNAL_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "journal/cursor.h"
#include "journal/journal.h"

struct jrn_retention {
	int64_t		 max_age_ns;	/* 0: no age limit */
	uint64_t	 max_bytes;	/* 0: no size limit */
	uint64_t	 hard_max_bytes;	/* 0: cursors always win */
};

/* <journal>/journal.anchor:
 * {"v":1,"seq":S,"head":"<hex h(S)>","epoch":E|null,"record_seq":R,
 *  "time":"<rfc3339>"}\n */
struct jrn_anchor {
	uint64_t	 seq;		/* last pruned seq */
	unsigned char	 head[JRN_HASH_LEN];	/* h(seq) */
	int		 has_epoch;	/* 0: unsealed journal */
	uint64_t	 epoch;		/* epoch of the first seal after seq */
	uint64_t	 record_seq;	/* seq of the journal.pruned record */
};

/* DA_E_NOTFOUND if the journal was never pruned, DA_E_CORRUPT if the file
 * is not an anchor. */
int	jrn_anchor_read(const char *dir, struct jrn_anchor *a, char *err);

struct jrn_prune_plan {
	char		**names;	/* segments to remove, oldest first */
	size_t		 count;
	uint64_t	 first_seq, last_seq;	/* removed range */
	uint64_t	 bytes;		/* removed bytes */
	uint64_t	 total_before, total_after;
	const char	*reason;	/* "max_age", "max_bytes", "hard_max_bytes" */
	int		 forced;	/* the hard cap overrode a cursor */
	struct jrn_cursor *behind;	/* cursors losing undelivered records */
	size_t		 nbehind;
	struct jrn_cursor *limit;	/* the slowest cursor (NULL: none) */
	struct jrn_cursor *cursors;	/* all of them (owned) */
	size_t		 ncursors;
	struct jrn_anchor anchor;	/* after the prune (when count > 0) */
	uint64_t	 leftovers;	/* segments of an earlier, interrupted
					   prune still to unlink */
};

/* Work out what retention would remove now (nothing removed).  protect:
 * segments whose first seq is >= it stay (the writer's current segment;
 * 0: the newest one). */
int	jrn_prune_plan_make(const char *dir, const struct jrn_retention *pol,
	    int64_t now_ns, uint64_t protect, struct jrn_prune_plan *p,
	    char *err);
void	jrn_prune_plan_free(struct jrn_prune_plan *p);

/* The detail object of the journal.pruned record (JSON text, malloc'd). */
char	*jrn_prune_detail(const struct jrn_prune_plan *p);

/* Plan and carry out a prune on the open journal j (see above).  *pruned
 * gets the number of segments removed.  DA_E_CLOSED if the journal closed
 * before the record became durable (nothing removed). */
int	jrn_prune_run(struct journal *j, const struct jrn_retention *pol,
	    jrn_audit_fn audit, void *arg, size_t *pruned, char *err);

#endif
