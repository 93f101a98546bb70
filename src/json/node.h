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

#endif
