/* test-buf.c -- the bounded buffer: limits, NUL termination, and O(1)
 * consumption that compacts only when room is needed. */
#include "unit.h"

#include "base/buf.h"
#include "base/err.h"

TEST(limit_is_hard)
{
	struct buf b;

	buf_init(&b, 8);
	ASSERT_EQ(buf_append(&b, "12345678", 8), DA_OK);
	ASSERT_EQ(buf_append(&b, "9", 1), DA_E_TOOBIG);
	ASSERT_EQ(b.len, 8);
	ASSERT_STREQ(b.data, "12345678");
	buf_free(&b);
}

TEST(consume_then_append_keeps_bytes_in_order)
{
	struct buf b;
	char expect[64];

	buf_init(&b, 64);
	ASSERT_EQ(buf_puts(&b, "abcdefghij"), DA_OK);
	buf_consume(&b, 3);
	ASSERT_STREQ(b.data, "defghij");
	ASSERT_EQ(b.len, 7);
	/* the limit counts live bytes, not consumed ones */
	for (int i = 0; i < 57; i++)
		ASSERT_EQ(buf_putc(&b, 'x'), DA_OK);
	ASSERT_EQ(b.len, 64);
	ASSERT_EQ(buf_putc(&b, 'y'), DA_E_TOOBIG);
	memset(expect, 'x', sizeof(expect));
	memcpy(expect, "defghij", 7);
	ASSERT(memcmp(b.data, expect, 64) == 0);
	ASSERT_EQ(b.data[64], '\0');
	buf_consume(&b, 100);
	ASSERT_EQ(b.len, 0);
	ASSERT_STREQ(b.data, "");
	buf_free(&b);
}

TEST(steal_after_consume)
{
	struct buf b;
	size_t n;
	char *p;

	buf_init(&b, BUF_UNLIMITED);
	buf_printf(&b, "%s-%d", "hello", 42);
	buf_consume(&b, 2);
	p = buf_steal(&b, &n);
	ASSERT_EQ(n, 6);
	ASSERT_STREQ(p, "llo-42");
	free(p);
	ASSERT(b.data == NULL);
}

TEST(stream_pattern)
{
	struct buf b;
	unsigned char v = 0, want = 0;

	buf_init(&b, 4096);
	for (int round = 0; round < 1000; round++) {
		size_t add = (size_t)(round * 37 % 500) + 1, take;

		while (add-- > 0 && b.len < b.max)
			ASSERT_EQ(buf_putc(&b, (char)v++), DA_OK);
		take = (size_t)(round * 53 % 400);
		if (take > b.len)
			take = b.len;
		for (size_t i = 0; i < take; i++)
			ASSERT_EQ((unsigned char)b.data[i], want++);
		buf_consume(&b, take);
	}
	buf_free(&b);
}
