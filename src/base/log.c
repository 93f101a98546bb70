/* log.c -- diagnostics to stderr (see log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

static const char *log_prog = "dockaudit";
static int log_verbose;

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

static void
vlog(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s: %s: %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, log_prog, level, msg, strerror(saved));
	else
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s: %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, log_prog, level, msg);
	errno = saved;
}

#define LOGFN(name, level, with_errno, cond)			\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	vlog(level, with_errno, fmt, ap);			\
	va_end(ap);						\
}

LOGFN(log_warn, "warning", 1, 1)
LOGFN(log_warnx, "warning", 0, 1)
LOGFN(log_info, "info", 0, 1)
LOGFN(log_debug, "debug", 0, log_verbose > 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
