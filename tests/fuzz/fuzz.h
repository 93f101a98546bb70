/* fuzz.h -- what the libFuzzer targets of tests/fuzz share: an invariant
 * check that aborts (libFuzzer then saves the input as a crash), a memfd
 * holding the input for functions that read a path, and a check that text
 * is valid JSON.  Built only by `make fuzz` (clang); see README.md. */
#ifndef DA_FUZZ_H
#define DA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code under test promised: a failure is a finding. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* Put data in an anonymous memory file; path gets "/proc/self/fd/N" so
 * that code which opens a path reads it.  Returns the fd (close it), or
 * -1. */
static inline int
fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz-input", 0);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* 1 if s[0..n) parses as JSON. */
static inline int
fuzz_json_valid(const char *s, size_t n)
{
	struct json *v = json_parse(s, n, NULL);

	json_free(v);
	return v != NULL;
}

/* 1 if s[0..n) is the text of object members: "{" s "}" parses. */
static inline int
fuzz_members_valid(const char *s, size_t n)
{
	struct buf b;
	int ok;

	buf_init(&b, BUF_UNLIMITED);
	if (buf_putc(&b, '{') != 0 || buf_append(&b, s, n) != 0 ||
	    buf_putc(&b, '}') != 0) {
		buf_free(&b);
		return 1;	/* out of memory: nothing to judge */
	}
	ok = fuzz_json_valid(b.data, b.len);
	buf_free(&b);
	return ok;
}

#endif
