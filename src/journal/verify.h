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

struct jrn_verify_result {
	int		 ok;		/* 1: everything verifies */
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
	char		 segment[24];	/* file name; "" for journal.meta */
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

#endif
