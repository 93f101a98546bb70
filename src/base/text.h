/* text.h -- small byte and UTF-8 helpers that several parsers need, written
 * once: hex digits, one UTF-8 rune as Go's decoder reads it, and Go's
 * unicode.IsSpace (dockerd trims with it in Content-Type and form values). */
#ifndef DA_TEXT_H
#define DA_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit c, or -1. */
int		text_hexval(int c);

/* One UTF-8 sequence at s[0..n) (n >= 1): its code point, *len its byte
 * length.  Invalid input (a bad lead or continuation byte, an overlong
 * form, a surrogate, past U+10FFFF, a cut sequence) is one byte of U+FFFD,
 * as Go's utf8.DecodeRune reads it. */
uint32_t	text_utf8_rune(const unsigned char *s, size_t n, size_t *len);

/* Go's unicode.IsSpace: ASCII white space, U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
int		text_go_is_space(uint32_t r);

#endif
