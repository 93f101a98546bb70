/* verify.h -- full verification of a journal directory (`dockaudit verify`).
 *
 * Reads every segment in order from seq 1 and checks each record's framing,
 * that it is valid JSON, that seqs run 1, 2, 3... across segments with no
 * gap, that each segment is named after its first seq, and the hash chain
 * from the genesis of journal.meta.  Stops at the first failure and names
 * it: the seq, what kind of damage, and where (segment file, byte offset).
 * A record whose content was changed is detected by the prev of the record
 * after it; the last record of the journal is only covered by its own
 * framing and JSON (the unsealed tail: compare the head with one stored
 * elsewhere).  Anyone who is root can recompute the chain; the seals
 * (seal.h), checked by jrn_verify_key with the auditor's k0, are what an
 * intruder holding only the current key cannot forge for earlier epochs. */
#ifndef DA_JOURNAL_VERIFY_H
#define DA_JOURNAL_VERIFY_H

#include <stdint.h>

#include "journal/journal.h"

/* Kinds of damage (jrn_verify_result.kind). */
#define JRN_V_MODIFIED	"modified"	/* chain mismatch: content changed */
#define JRN_V_MISSING	"missing range"	/* seq gap: records or segments gone */
#define JRN_V_REORDERED	"reordered"	/* a seq out of order or repeated */
#define JRN_V_TRUNCATED	"truncated"	/* partial line at a segment's end */
#define JRN_V_BADJSON	"bad JSON"	/* not a well-formed record line */
#define JRN_V_GENESIS	"genesis"	/* seq 1 does not chain to the meta */
#define JRN_V_META	"meta"		/* journal.meta unreadable or inconsistent */
#define JRN_V_SEGNAME	"segment name"	/* file name is not its first seq */
/* with a key (jrn_verify_key) */
#define JRN_V_SEAL_MAC	"seal MAC invalid"	/* records under a seal were changed */
#define JRN_V_EPOCH	"epoch gap"	/* seal epochs do not run 0, 1, 2... */
#define JRN_V_SEAL_CHAIN "seal does not match the chain"	/* seal.seq/head */
#define JRN_V_KEY	"key mismatch"	/* no seal verifies with this k0 */
#define JRN_V_SEAL_BAD	"bad seal"	/* kind seal without a usable seal object */
#define JRN_V_COMPRESSED "compressed segment damaged"	/* a .zst that does not decompress */
#define JRN_V_ANCHOR	"anchor"	/* journal.anchor does not match the chain or its prune record */

/* Where a keyed verification stopped at a confirmed seal: the next run
 * with --from-seal resumes there (jrn_verify_ex).  Stored as JSON in
 * <journal>/verify.checkpoint or a file the auditor chooses. */
struct jrn_verify_checkpoint {
	uint64_t	 seq;		/* seq of the seal record */
	unsigned char	 head[JRN_HASH_LEN];	/* h(seq) */
	uint64_t	 epoch;		/* epoch the next seal must carry */
	char		 segment[32];	/* segment holding the seal record */
	uint64_t	 offset;	/* byte just past it (decompressed stream) */
	char		 key_fp[17];	/* fingerprint of k0 (seal.h) */
};

struct jrn_verify_result {
	int		 ok;		/* 1: everything verifies */
	uint64_t	 first_seq;	/* first record checked (0: none) */
	const char	*started;	/* "genesis", "anchor" or "checkpoint" */
	uint64_t	 skipped_segments;	/* wholly below the start */
	uint64_t	 next_epoch;	/* epoch the next seal must carry */
	int		 anchored;	/* a journal.anchor was found */
	uint64_t	 anchor_seq;
	int		 anchor_confirmed;	/* its journal.pruned record was seen */
	int		 cp_valid;	/* cp: the last confirmed seal (keyed) */
	struct jrn_verify_checkpoint cp;
	uint64_t	 records;	/* good records before any failure */
	uint64_t	 last_seq;	/* of the last good record (0: none) */
	uint64_t	 bytes;		/* bytes read */
	char		 head[JRN_HEX_LEN];	/* h(last_seq) */
	/* seals (counted with or without a key; checked only with one) */
	int		 key_checked;	/* 1: a key was given, seals were checked */
	uint64_t	 seals;		/* good seal records */
	uint64_t	 last_sealed_seq;	/* seq the last good seal covers (0: none) */
	uint64_t	 unsealed;	/* records after the last seal record */
	/* when !ok */
	const char	*kind;		/* one of JRN_V_* */
	uint64_t	 bad_seq;	/* first failing seq (0: journal.meta) */
	char		 why[192];	/* a sentence, without segment/offset */
	char		 segment[32];	/* file name; "" for journal.meta */
	uint64_t	 offset;	/* byte offset of the failing line */
};

/* Verify the journal in dir.  DA_OK when verification ran to a verdict (in
 * res->ok); DA_E_NOTFOUND (not a journal), DA_E_IO, DA_E_NOMEM when it could
 * not, with err set.  Safe while a writer appends: a partial last line is
 * re-read a few times before it counts as truncation; segments created
 * after verification started are not looked at. */
int	jrn_verify(const char *dir, struct jrn_verify_result *res, char *err);

/* The same, and with k0 (the 32-byte initial sealing key; NULL: chain
 * only) every seal is checked: epochs 0, 1, 2... with no gap, seal.seq is
 * the seq before the seal and seal.head that record's hash, and the MAC
 * under k0 evolved to the seal's epoch.  A first seal whose MAC fails is
 * "seal MAC invalid" if some later seal verifies (the key is right, the
 * records were changed) and "key mismatch" if none does.  Records after
 * the last seal are counted in res->unsealed: nothing vouches for them. */
int	jrn_verify_key(const char *dir, const unsigned char *k0,
	    struct jrn_verify_result *res, char *err);

/* The same, resuming after checkpoint from (NULL: from seq 1, or from
 * journal.anchor when seq 1 was pruned).  A checkpoint whose segment is
 * gone, or made with another key (key_fp), is ignored (res->started says
 * where verification began). */
int	jrn_verify_ex(const char *dir, const unsigned char *k0,
	    const struct jrn_verify_checkpoint *from,
	    struct jrn_verify_result *res, char *err);

/* Checkpoint files: read (DA_E_NOTFOUND, DA_E_CORRUPT) and atomic write. */
int	jrn_checkpoint_read(const char *path, struct jrn_verify_checkpoint *cp,
	    char *err);
int	jrn_checkpoint_write(const char *path,
	    const struct jrn_verify_checkpoint *cp, char *err);

#endif
