/* buf.c -- bounded byte buffer (see buf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_free(struct buf *b)
{
	if (b->data != NULL)
		free(b->data - b->skip);
	b->data = NULL;
	b->len = b->cap = b->skip = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL) {
		b->data -= b->skip;
		b->cap += b->skip;
		b->skip = 0;
		b->data[0] = '\0';
	}
}

/* Move the live bytes back to the start of the allocation. */
static void
compact(struct buf *b)
{
	char *base = b->data - b->skip;

	memmove(base, b->data, b->len + 1);
	b->data = base;
	b->cap += b->skip;
	b->skip = 0;
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return DA_E_TOOBIG;
	need = b->len + extra;
	if (need <= b->cap && b->data != NULL)
		return DA_OK;
	if (b->skip > 0) {
		compact(b);
		if (need <= b->cap)
			return DA_OK;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > BUF_UNLIMITED / 2 ? need : ncap * 2;
	if (ncap > b->max && need <= b->max)
		ncap = b->max;
	if ((p = realloc(b->data, ncap + 1)) == NULL)
		return DA_E_NOMEM;
	b->data = p;
	b->cap = ncap;
	return DA_OK;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = buf_reserve(b, n)) != DA_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return DA_OK;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return DA_E_INVAL;
	if ((rc = buf_reserve(b, (size_t)n)) != DA_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return DA_OK;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	b->data += n;
	b->skip += n;
	b->cap -= n;
	b->len -= n;
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *p;

	if (b->skip > 0)
		compact(b);
	p = b->data;
	if (len != NULL)
		*len = b->len;
	if (p == NULL && (p = calloc(1, 1)) == NULL)
		return NULL;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
