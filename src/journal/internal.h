/* internal.h -- what the journal's files share and nobody else uses.
 *
 * struct journal (writer state, filled by recovery before the writer thread
 * starts), the jrn__ helpers for hashing, line framing and segment files,
 * and the limits.  Not for use outside src/journal/. */
#ifndef DA_JOURNAL_INTERNAL_H
#define DA_JOURNAL_INTERNAL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "journal/io.h"
#include "journal/journal.h"
#include "journal/retention.h"

#define JRN_META		"journal.meta"
#define JRN_CURSORS		"cursors"
#define JRN_SEGNAME_LEN		32	/* 16 hex + ".jsonl.zst" + NUL, rounded */
#define JRN_ZST_SUFFIX		".zst"
#define JRN_ANCHOR		"journal.anchor"
#define JRN_DEFAULT_SEG_BYTES	(64ull << 20)
#define JRN_DEFAULT_SEG_AGE	(24ll * 3600 * 1000000000)
#define JRN_DEFAULT_QUEUE	1000000
#define JRN_WBUF_KEEP		(1 << 20)	/* batch buffer kept between batches */
#define JRN_DEFAULT_COMMIT_DELAY 10000000ll	/* 10 ms */
#define JRN_BATCH_MAX		(16u << 20)	/* bytes per write+sync unit */
#define JRN_READ_CHUNK		(1u << 20)

/* Every file and directory inside the journal directory (segments, meta,
 * seal key, anchor, cursors, temporary files) is opened with JRN_NOLINK: a
 * symbolic link planted there is refused (ELOOP), never followed, and
 * jrn__why() names that in the error.  (The journal directory itself may
 * be reached through links: that is the administrator's choice.) */
#define JRN_NOLINK		(O_NOFOLLOW | O_CLOEXEC)

static inline const char *
jrn__why(int e)
{
	return e == ELOOP ? "is a symbolic link: refused (journal files are "
	    "never followed through links; remove it and check who made it)" :
	    strerror(e);
}

/* `{"v":1,"seq":` N `,` members `,"prev":"` hex `"}` '\n' */
#define JRN_LINE_PREFIX		"{\"v\":1,\"seq\":"
#define JRN_LINE_PREFIX_LEN	13
#define JRN_LINE_PREV		",\"prev\":\""
#define JRN_LINE_PREV_LEN	9
#define JRN_LINE_SUFFIX_LEN	(JRN_LINE_PREV_LEN + 64 + 2)	/* ,"prev":"<hex>"} */

/* One queued record; seq is assigned at submit and is also its ticket. */
struct jrn_entry {
	struct jrn_entry	*e_next;
	uint64_t		 e_seq;
	size_t			 e_len;		/* a seal: 0 until the writer fills it */
	int			 e_seal;	/* a seal record (writer fills e_data) */
	uint64_t		 e_epoch;	/* a filled seal: its epoch */
	char			 e_data[];
};

/* A reusable SHA-256 context for chain steps (one per thread). */
struct jrn__md {
	void	*md_ctx;	/* EVP_MD_CTX */
	void	*md_alg;	/* EVP_MD, fetched once */
};

struct journal {
	/* fixed at open */
	char			*j_dir;
	int			 j_dirfd;	/* also holds the flock */
	int			 j_efd;		/* eventfd */
	const struct jrn_io	*j_io;
	uint64_t		 j_seg_max;
	int64_t			 j_seg_max_age;
	int			 j_fsync;
	size_t			 j_queue_max;
	int64_t			 j_commit_delay;	/* ns; 0 = none */
	pthread_t		 j_thread;
	int			 j_started;

	/* under j_mu */
	pthread_mutex_t		 j_mu;
	pthread_cond_t		 j_cv;		/* writer waits here */
	struct jrn_entry	*j_qhead;	/* submitted, not yet taken */
	struct jrn_entry	**j_qtail;
	uint64_t		 j_next_seq;
	size_t			 j_queued;	/* submitted, not yet durable */
	int			 j_closing;
	int			 j_urgent;	/* a non-lazy record is queued */
	int64_t			 j_qborn;	/* mono ns the queue became non-empty */
	uint64_t		 j_records, j_bytes, j_batches, j_write_errors;

	/* atomics (__atomic builtins) */
	uint64_t		 j_durable;
	int			 j_healthy;

	/* writer thread only (recovery fills them before it starts) */
	unsigned char		 j_head[JRN_HASH_LEN];	/* h(j_last_seq) */
	uint64_t		 j_last_seq;	/* last durable seq */
	int			 j_segfd;	/* current segment, -1 none */
	char			 j_segname[JRN_SEGNAME_LEN];
	uint64_t		 j_seg_len;	/* durable length */
	int64_t			 j_seg_born;	/* CLOCK_REALTIME ns */
	int			 j_seg_dirty;	/* may hold bytes past j_seg_len */
	struct jrn__md		 j_md;
	struct buf		 j_wbuf;
	struct jrn_entry	*j_phead;	/* taken, not yet durable */
	struct jrn_entry	**j_ptail;

	/* seals (seal.h); j_seal fixed at open */
	int			 j_seal;	/* 0: no seal.key, no seals */
	uint64_t		 j_seal_every;
	int64_t			 j_seal_interval;	/* ns */
	/* under j_mu */
	uint64_t		 j_unsealed;	/* records queued since the last seal */
	int64_t			 j_seal_last;	/* mono ns the last seal was queued */
	/* writer thread only */
	unsigned char		 j_skey[32];	/* key of epoch j_sepoch: next seal's */
	uint64_t		 j_sepoch;

	/* maintenance thread (maint.c): compression and retention */
	int			 j_compress;
	int			 j_zlevel;
	struct jrn_retention	 j_ret;
	int			 j_retain;	/* some retention limit is set */
	int64_t			 j_maint_interval;
	jrn_audit_fn		 j_audit;
	void			*j_audit_arg;
	pthread_t		 j_mthread;
	int			 j_mstarted;
	pthread_mutex_t		 j_mmu;
	pthread_cond_t		 j_mcv;
	int			 j_mkick;	/* under j_mmu: a rotation happened */
	int			 j_mclosing;	/* atomic */
	uint64_t		 j_cur_first;	/* atomic: first seq of the current segment */
	uint64_t		 j_skey_disk;	/* epoch of the key in seal.key */
	uint64_t		 j_sealed_next;	/* epoch after the newest durable seal */
	int			 j_skey_failing;	/* the last rewrite failed */
};

#define JRN_SEAL_CAP		512	/* bytes of a seal entry's members */

/* chain.c */
int	jrn__md_init(struct jrn__md *m);
void	jrn__md_free(struct jrn__md *m);
void	jrn__md_step(struct jrn__md *m, const unsigned char prev[JRN_HASH_LEN],
	    const char *line, size_t n, unsigned char out[JRN_HASH_LEN]);
void	jrn__genesis(const char *id, unsigned char out[JRN_HASH_LEN]);
int	jrn__unhex(const char *hex, unsigned char out[JRN_HASH_LEN]);
/* Seq from a line's fixed prefix; 0 if the prefix is not well formed. */
uint64_t jrn__line_seq(const char *line, size_t len);
/* Check a line's framing (len excludes '\n'): the prefix with its seq and
 * the ,"prev":"<64 lower-case hex>"} suffix.  Returns 0 and sets *seq and
 * *prev_hex (pointing into line), or -1 with a reason in why[96]. */
int	jrn__line_frame(const char *line, size_t len, uint64_t *seq,
	    const char **prev_hex, char *why);
/* 1 if the line is one valid JSON value (json_parse). */
int	jrn__line_json_ok(const char *line, size_t len, char *why);

/* scan.c: 0 if s[0..n) is one valid JSON value -- or, with members set,
 * a valid object body without its braces ("" included) -- else -1 with
 * the offset of the error in *at. */
int	jrn__json_scan(const char *s, size_t n, int members, size_t *at);

/* segment.c */
void	jrn__seg_name(uint64_t first_seq, char out[JRN_SEGNAME_LEN]);
/* First seq of a segment file name; 0 if name is not a segment name. */

int	jrn__seg_create(struct journal *j, uint64_t first_seq, char *err);
int	jrn__write_all(const struct jrn_io *io, int fd, const char *p, size_t n);
int	jrn__fsync_dir(const struct jrn_io *io, int dirfd);

/* Complete lines of a file, read in big chunks (segment.c).  At the end of
 * the file next returns 0 and leaves any partial line buffered; calling it
 * again later picks up appended bytes. */
struct jrn__src;
struct jrn__lines {
	int		 l_fd;
	struct jrn__src	*l_src;		/* non-NULL: decompress through it */
	char		*l_buf;
	size_t		 l_cap, l_start, l_end;
	uint64_t	 l_off;		/* file offset of l_buf[0] */
};
int	jrn__lines_init(struct jrn__lines *l, int fd, size_t chunk);
void	jrn__lines_free(struct jrn__lines *l);
/* 1: a line at *line, *len bytes (no newline), at file offset *off;
 * 0: end of file for now (see jrn__lines_partial);
 * -1: read error (errno); -2: a line longer than JRN_MAX_LINE. */
int	jrn__lines_next(struct jrn__lines *l, const char **line, size_t *len,
	    uint64_t *off);
/* Bytes of an unfinished last line held after next returned 0. */
#define jrn__lines_partial(l)	((l)->l_end - (l)->l_start)
/* Offset just past the last complete line returned. */
#define jrn__lines_pos(l)	((l)->l_off + (l)->l_start)

/* zseg.c: a segment's bytes, decompressed when it is a .zst */
int	jrn__is_zst(const char *name);
void	jrn__seg_sibling(const char *name, char out[JRN_SEGNAME_LEN]);
/* Open name in dirfd, or its other form if name is gone; opened (may be
 * NULL) gets the name actually opened.  DA_E_NOTFOUND if neither exists. */
int	jrn__src_open(struct jrn__src **out, int dirfd, const char *dir,
	    const char *name, char opened[JRN_SEGNAME_LEN], char *err);
struct jrn__src *jrn__src_fd(int fd, int zst);	/* takes fd */
ssize_t	jrn__src_read(struct jrn__src *s, char *buf, size_t n);
void	jrn__src_close(struct jrn__src *s);
/* X.jsonl -> X.jsonl.zst (crash-safe, see zseg.c) and back. */
int	jrn__compress_segment(int dirfd, const char *dir, const char *name,
	    int level, uint64_t *in_bytes, uint64_t *out_bytes, char *err);
int	jrn__decompress_segment(int dirfd, const char *dir, const char *zname,
	    char *err);
/* Remove leftovers of interrupted (de)compressions. */
int	jrn__zst_cleanup(int dirfd, const char *dir, char *err);

/* statefile.c */
struct jrn_anchor;
int	jrn__anchor_write(const char *dir, const struct jrn_anchor *a,
	    char *err);

/* meta.c */
int	jrn__uuid(char out[JRN_ID_LEN], char *err);

/* maint.c */
int	jrn__maint_start(struct journal *j, const struct jrn_opts *o, char *err);
void	jrn__maint_stop(struct journal *j);
void	jrn__maint_kick(struct journal *j);	/* after a rotation */

/* recover.c */
int	jrn__recover(struct journal *j, const unsigned char genesis[JRN_HASH_LEN],
	    struct jrn_recovery *rec, char *err);

#endif
