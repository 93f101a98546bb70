/* err.c -- text for dockaudit's error values (see err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "base/err.h"

const char *
da_strerror(int rc)
{
	switch (rc) {
#define DA_ERR_CASE(name, num, text) case num: return text;
	DA_ERRORS(DA_ERR_CASE)
#undef DA_ERR_CASE
	}
	return "unknown error";
}

int
da_seterr(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, DA_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return rc;
}
