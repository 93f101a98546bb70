/* unit.h -- the unit-test harness: TEST(name) cases, ASSERT_* that print
 * both sides, and a main() that runs each case in a forked child under a
 * timeout and prints "N passed, N failed".  Include once per test file. */
#ifndef DA_UNIT_H
#define DA_UNIT_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*unit_fn)(void);
struct unit_case { const char *name; unit_fn fn; };

#define UNIT_MAX 512
static struct unit_case unit_cases[UNIT_MAX];
static int unit_ncases;

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void reg_##name(void) {	\
		if (unit_ncases < UNIT_MAX)				\
			unit_cases[unit_ncases++] =			\
			    (struct unit_case){ #name, test_##name };	\
	}								\
	static void test_##name(void)

#define UNIT_FAIL(...) do {						\
	fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define ASSERT(c) do { if (!(c)) UNIT_FAIL("assertion failed: %s", #c); } while (0)
#define ASSERT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) UNIT_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b); \
} while (0)
#define ASSERT_STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0)		\
		UNIT_FAIL("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", \
		    #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");	\
} while (0)
#define ASSERT_NULL(a) do { if ((a) != NULL) UNIT_FAIL("%s is not NULL", #a); } while (0)
#define ASSERT_CONTAINS(hay, needle) do {				\
	const char *_h = (hay), *_n = (needle);				\
	if (_h == NULL || strstr(_h, _n) == NULL)			\
		UNIT_FAIL("%s does not contain \"%s\":\n    \"%s\"", #hay, _n, _h ? _h : "(null)"); \
} while (0)
#define ASSERT_NOT_CONTAINS(hay, needle) do {				\
	const char *_h = (hay), *_n = (needle);				\
	if (_h != NULL && strstr(_h, _n) != NULL)			\
		UNIT_FAIL("%s contains \"%s\":\n    \"%s\"", #hay, _n, _h); \
} while (0)

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	for (int i = 0; i < unit_ncases; i++) {
		pid_t pid;
		int st;

		if (only != NULL && strcmp(only, unit_cases[i].name) != 0)
			continue;
		fflush(stdout);
		if ((pid = fork()) == 0) {
			alarm(60);
			unit_cases[i].fn();
			exit(0);
		}
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s: %s\n", unit_cases[i].name,
			    WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "assertion");
		}
	}
	printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
	return failed ? 1 : 0;
}

#endif
