/* node.h -- the JSON tree's node and arena layout, private to src/json/
 * (parse.c builds trees, access.c reads them).  Everyone else sees struct
 * json as opaque through json.h. */
#ifndef DA_JSON_NODE_H
#define DA_JSON_NODE_H

#include <stddef.h>
#include <stdint.h>

struct json {
	const char	*key;	/* member name inside an object, else NULL */
	union {
		const char	*s;	/* string (decoded) or number literal */
		struct json	*kids;	/* array elements / object members */
	} u;
	uint32_t	 keylen;
	uint32_t	 len;	/* bytes of s, or number of kids */
	uint8_t		 type;	/* enum json_type */
	uint8_t		 flags;	/* JSON_F_* */
};

#define JSON_F_KEY_ASCII	0x01	/* key has no byte >= 0x80 */

/* Arena block: parse.c allocates nodes and strings from a list of these. */
struct ablk {
	struct ablk	*next;
	size_t		 cap;
	size_t		 used;
	char		 data[];
};

/* The root node comes first so that json_free can find the blocks. */
struct json_doc {
	struct json	 root;
	struct ablk	*blocks;
};

/* Length of the valid UTF-8 sequence at p (2..4), or 0 if invalid, with
 * utf8.DecodeRune's rules: no overlongs, no surrogates, max U+10FFFF. */
static inline size_t
json__utf8_len(const unsigned char *p, size_t avail)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		if (avail < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 ||
	    (p[3] & 0xc0) != 0x80)
		return 0;
	return 4;
}

#endif
