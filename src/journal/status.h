/* status.h -- what `dockaudit journal status` shows (status.c). */
#ifndef DA_JOURNAL_STATUS_H
#define DA_JOURNAL_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "journal/cursor.h"
#include "journal/journal.h"
#include "journal/retention.h"

struct jrn_status {
	char		 id[JRN_ID_LEN];
	uint64_t	 segments, compressed, bytes;
	char		 oldest[32], newest[32];	/* segment names */
	uint64_t	 oldest_seq;		/* 0: empty journal */
	char		 oldest_time[64];
	uint64_t	 head_seq;
	char		 head[JRN_HEX_LEN];	/* h(head_seq) */
	int		 has_seal;
	uint64_t	 last_seal_seq, last_seal_epoch;
	int		 key_state;		/* 1 read, 0 no seal.key, -1 unreadable */
	uint64_t	 key_epoch;		/* epoch of the next seal */
	int		 anchored;		/* 1 pruned, 0 never, -1 bad anchor file */
	uint64_t	 anchor_seq, anchor_epoch, anchor_record_seq;
	int		 anchor_has_epoch;
	char		 anchor_head[JRN_HEX_LEN];
	uint64_t	 damaged_zst;		/* compressed segments that did not read */
	struct jrn_cursor *cursors;
	size_t		 ncursors;
};

int	jrn_status_read(const char *dir, struct jrn_status *st, char *err);
void	jrn_status_free(struct jrn_status *st);

#endif
