/* seal.h -- forward-secure seals (DESIGN.md section 4, issue 4).
 *
 * The running sealing key lives in <journal>/seal.key (0600, owner only):
 *   {"epoch":E,"key":"<64 hex>"}\n
 * `dockaudit init` draws k0 from getrandom(2) and hands it to the auditor
 * once.  The writer seals every N records or T ns: a `seal` record whose
 * seal.mac = HMAC-SHA256(k_E, "dockaudit-seal-v1" || E (8 bytes BE) ||
 * S (8 bytes BE) || h(S)), S being the seq before the seal record.  Then
 * k_{E+1} = HMAC-SHA256(k_E, "evolve"), the key file is rewritten (temp
 * file, fsync, rename, directory fsync) and k_E is wiped from memory.
 * Whoever takes the key file later holds k_now only and cannot produce a
 * valid MAC for an earlier epoch; an auditor holding k0 evolves it forward
 * and checks every seal. */
#ifndef DA_JOURNAL_SEAL_H
#define DA_JOURNAL_SEAL_H

#include <stdint.h>

#include "journal/journal.h"

#define JRN_SEAL_KEYFILE	"seal.key"
#define JRN_SEAL_KEY_LEN	32
#define JRN_SEAL_FP_LEN		17	/* 16 hex + NUL */
#define JRN_DEFAULT_SEAL_EVERY	1000
#define JRN_DEFAULT_SEAL_NS	1000000000ll

/* 32 random bytes from getrandom(2). */
int	jrn_seal_keygen(unsigned char k[JRN_SEAL_KEY_LEN], char *err);

/* First 16 hex digits of SHA-256(k). */
void	jrn_seal_fingerprint(const unsigned char k[JRN_SEAL_KEY_LEN],
	    char out[JRN_SEAL_FP_LEN]);

/* Create <dir>/seal.key holding k0 at epoch 0 (DA_E_EXISTS if there). */
int	jrn_seal_init(const char *dir, const unsigned char k0[JRN_SEAL_KEY_LEN],
	    char *err);

/* Replace name in dirfd atomically with {"epoch":E,"key":"<hex>"} (0600). */
int	jrn_seal_key_write(int dirfd, const char *dir, const char *name,
	    uint64_t epoch, const unsigned char k[JRN_SEAL_KEY_LEN], char *err);

/* Write the key line to an already open (new, 0600) file and fsync it. */
int	jrn_seal_key_write_fd(int fd, const char *path, uint64_t epoch,
	    const unsigned char k[JRN_SEAL_KEY_LEN], char *err);

/* Read a key file.  With JRN_KEY_OWNER, a file that is not a regular file
 * owned by the effective uid, or has any group/other permission bit, is
 * refused (DA_E_INVAL); with JRN_KEY_NOLINK (the key inside a journal
 * directory) a symbolic link is refused.  DA_E_NOTFOUND if absent,
 * DA_E_CORRUPT if its contents are not a key line. */
#define JRN_KEY_OWNER	1
#define JRN_KEY_NOLINK	2
int	jrn_seal_key_load(const char *path, int flags, uint64_t *epoch,
	    unsigned char k[JRN_SEAL_KEY_LEN], char *err);

/* mac = HMAC-SHA256(k, "dockaudit-seal-v1" || BE64(epoch) || BE64(seq) ||
 * head). */
void	jrn_seal_mac(const unsigned char k[JRN_SEAL_KEY_LEN], uint64_t epoch,
	    uint64_t seq, const unsigned char head[JRN_HASH_LEN],
	    unsigned char mac[JRN_HASH_LEN]);

/* k = HMAC-SHA256(k, "evolve"); the old value is wiped. */
void	jrn_seal_evolve(unsigned char k[JRN_SEAL_KEY_LEN]);

/* The members of a seal record (no braces, no v/seq/prev) into out (cap
 * >= 512); returns their length. */
size_t	jrn_seal_members(char *out, size_t cap, const char *id,
	    const char *time, uint64_t epoch, uint64_t seq,
	    const unsigned char head[JRN_HASH_LEN],
	    const unsigned char mac[JRN_HASH_LEN]);

/* If line (a whole record line, len bytes, no '\n') is a seal record, 1
 * with its fields; 0 if it is not a seal; -1 if it says kind "seal" but its
 * seal member is not byte for byte what jrn_seal_members writes, as the
 * last member before the "prev" suffix (why[96] set). */
int	jrn_seal_parse(const char *line, size_t len, uint64_t *epoch,
	    uint64_t *seq, unsigned char head[JRN_HASH_LEN],
	    unsigned char mac[JRN_HASH_LEN], char *why);

#endif
