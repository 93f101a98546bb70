/* err.h -- dockaudit's error values.
 *
 * Every fallible function returns an enum da_err (DA_OK == 0) or a negative
 * value documented at its declaration.  Numbers are stable: never renumber,
 * only append.  Context ("config line 12: ...") travels separately in a
 * caller-supplied char err[DA_ERRLEN]. */
#ifndef DA_ERR_H
#define DA_ERR_H

#include <stddef.h>

#define DA_ERRLEN 256

#define DA_ERRORS(X)                                              \
	X(DA_OK,        0, "success")                             \
	X(DA_E_NOMEM,   1, "out of memory")                       \
	X(DA_E_TOOBIG,  2, "input exceeds its configured limit")  \
	X(DA_E_PARSE,   3, "malformed input")                     \
	X(DA_E_IO,      4, "I/O error")                           \
	X(DA_E_INVAL,   5, "invalid argument")                    \
	X(DA_E_NOTFOUND,6, "not found")                           \
	X(DA_E_AGAIN,   7, "need more input")                     \
	X(DA_E_CORRUPT, 8, "data is damaged")                     \
	X(DA_E_EXISTS,  9, "already exists")                      \
	X(DA_E_CLOSED, 10, "closed")

enum da_err {
#define DA_ERR_ENUM(name, num, text) name = num,
	DA_ERRORS(DA_ERR_ENUM)
#undef DA_ERR_ENUM
};

/* A sentence describing rc; never NULL. */
const char *da_strerror(int rc);

/* snprintf into err (size DA_ERRLEN); returns rc so callers can
 * `return da_seterr(err, DA_E_PARSE, "line %d: ...", n);` */
int da_seterr(char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
