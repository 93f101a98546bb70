/* text.c -- hex digits, UTF-8 runes, Go's white space (see text.h). */
#include "base/text.h"

int
text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint32_t
text_utf8_rune(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t r, min;
	size_t l;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		l = 2, r = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		l = 3, r = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		l = 4, r = s[0] & 0x07, min = 0x10000;
	} else {
		return 0xfffd;
	}
	if (l > n)
		return 0xfffd;
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		r = r << 6 | (s[i] & 0x3f);
	}
	if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		return 0xfffd;
	*len = l;
	return r;
}

int
text_go_is_space(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200a;
}
