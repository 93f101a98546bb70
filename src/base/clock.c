/* clock.c -- time stamps and their RFC 3339 form (see clock.h). */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

int64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char *
put_digits(char *p, long v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Hand-formatted: this runs for every record on the proxy's hot path. */
void
clock_format(int64_t ns, char out[CLOCK_RFC3339_LEN])
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char *p = out;

	if (frac < 0) {
		frac += 1000000000;
		sec -= 1;
	}
	gmtime_r(&sec, &tm);
	p = put_digits(p, (tm.tm_year + 1900) % 10000, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, frac, 9);
	*p++ = 'Z';
	*p = '\0';
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
parse_relative(const char *s, int64_t now_ns, int64_t *ns)
{
	const char *p = s + 1;
	int64_t v = 0, unit;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > 1000000000)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	switch (*p++) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	if (*p != '\0')
		return -1;
	*ns = now_ns - v * unit * 1000000000;
	return 0;
}

int
clock_parse(const char *s, int64_t now_ns, int64_t *ns)
{
	const char *p = s;
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, scale = 100000000;
	time_t t;

	if (s[0] == '-')
		return parse_relative(s, now_ns, ns);
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p != '\0') {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
		    *p++ != ':' || digits(&p, 2, &se))
			return -1;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p)) {
				if (scale > 0) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
				p++;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '+' ? 1 : -1;
			if (digits(&p, 2, &oh) || *p++ != ':' ||
			    digits(&p, 2, &om))
				return -1;
		} else {
			return -1;
		}
		if (*p != '\0')
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	t -= sign * (oh * 3600 + om * 60);
	*ns = (int64_t)t * 1000000000 + frac;
	return 0;
}
