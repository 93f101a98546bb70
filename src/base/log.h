/* log.h -- diagnostics to stderr, OpenBSD log.c style.
 *
 * log_warn appends strerror(errno); the x variants do not.  fatal/fatalx
 * exit(1) and are only for start-up errors and broken invariants: bad peer
 * input is answered and recorded, never fatal. */
#ifndef DA_LOG_H
#define DA_LOG_H

void	log_init(const char *progname, int verbose);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
