/* compress_segments.c -- compress every closed segment of a journal with
 * the journal's own code (jrn__compress_segment, as the maintenance thread
 * does) and print bytes in, bytes out and seconds, for bench/journal_ops.sh.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc bench/compress_segments.c \
 *       src/journal/[a-z]*.c src/json/[a-z]*.c src/base/[a-z]*.c \
 *       -lcrypto -lzstd -lpthread -o build/bench/compress_segments
 * Run: compress_segments DIR [LEVEL]
 * Output: one line "in=BYTES out=BYTES seconds=S segments=N". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "journal/internal.h"

int
main(int argc, char **argv)
{
	char **segs, err[DA_ERRLEN];
	uint64_t tin = 0, tout = 0, in, out;
	size_t n, done = 0;
	int64_t t0;
	int dfd, level = argc > 2 ? atoi(argv[2]) : 3;

	if (argc < 2) {
		fprintf(stderr, "usage: compress_segments DIR [LEVEL]\n");
		return 2;
	}
	if (jrn_segments(argv[1], &segs, &n, err) != DA_OK ||
	    (dfd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0) {
		fprintf(stderr, "compress_segments: %s\n", err);
		return 1;
	}
	t0 = clock_mono_ns();
	for (size_t i = 0; i + 1 < n; i++) {
		if (jrn__is_zst(segs[i]))
			continue;
		if (jrn__compress_segment(dfd, argv[1], segs[i], level, &in,
		    &out, err) != DA_OK) {
			fprintf(stderr, "compress_segments: %s\n", err);
			return 1;
		}
		tin += in;
		tout += out;
		done++;
	}
	printf("in=%llu out=%llu seconds=%.3f segments=%zu\n",
	    (unsigned long long)tin, (unsigned long long)tout,
	    (double)(clock_mono_ns() - t0) / 1e9, done);
	jrn_segments_free(segs, n);
	close(dfd);
	return 0;
}
