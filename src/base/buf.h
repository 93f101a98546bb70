/* buf.h -- a bounded, binary-safe, length-tracked byte buffer.
 *
 * Every buffer has a maximum size fixed at init; an append that would pass it
 * fails with DA_E_TOOBIG and leaves the buffer unchanged.  data is always
 * NUL-terminated (not counted in len) so text can be used as a C string.
 * Peer input is only ever accumulated in a struct buf. */
#ifndef DA_BUF_H
#define DA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;	/* NULL until the first append */
	size_t	 len;	/* bytes in use */
	size_t	 cap;	/* bytes allocated (excluding the NUL) */
	size_t	 max;	/* hard limit on len */
	size_t	 skip;	/* consumed bytes before data (allocation starts
			 * at data - skip; see buf_consume) */
};

#define BUF_UNLIMITED ((size_t)-1 / 2)

void	buf_init(struct buf *b, size_t max);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);		/* len = 0, keeps memory */
int	buf_reserve(struct buf *b, size_t extra);	/* room for extra bytes */
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_puts(struct buf *b, const char *s);
int	buf_putc(struct buf *b, char c);
int	buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes.  O(1): data advances; the bytes are moved back
 * to the start of the allocation only when buf_reserve needs the room, so
 * a stream consumed in pieces is not copied over and over. */
void	buf_consume(struct buf *b, size_t n);
/* Take ownership of data (caller frees); the buffer is reset to empty. */
char   *buf_steal(struct buf *b, size_t *len);

#endif
