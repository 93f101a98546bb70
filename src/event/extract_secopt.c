/* extract_secopt.c -- HostConfig.SecurityOpt read the way moby's
 * parseSecurityOpt reads it: seccomp (a named profile, or "custom" for a
 * JSON profile, which is never copied), apparmor, no-new-privileges (with
 * Go's strconv.ParseBool spellings), and the list as sent. */
#include <stdlib.h>
#include <string.h>

#include "event/extract.h"

static void
null_if(struct extract__out *o, const char *k)
{
	if (o->nulls)
		jw_null(o->w, k);
}

static int
seq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static int
parse_gobool(const char *s, size_t n)
{
	if (seq(s, n, "1") || seq(s, n, "t") || seq(s, n, "T") ||
	    seq(s, n, "TRUE") || seq(s, n, "true") || seq(s, n, "True"))
		return 1;
	if (seq(s, n, "0") || seq(s, n, "f") || seq(s, n, "F") ||
	    seq(s, n, "FALSE") || seq(s, n, "false") || seq(s, n, "False"))
		return 0;
	return -1;
}

/* A seccomp value other than these is a JSON profile: "custom". */
static int
seccomp_named(const char *s, size_t n)
{
	return n == 0 || seq(s, n, "unconfined") || seq(s, n, "builtin");
}

void
extract__security_opt(struct extract__out *o, const struct extract__view *hc)
{
	const struct json **vals;
	const char *s, *sep, *sc = NULL, *aa = NULL;
	size_t i, n, len, kl, scl = 0, aal = 0;
	int nnp = -1, b, present;

	present = extract__strs(hc, "SecurityOpt", &vals, &n);
	for (i = 0; i < n; i++) {
		s = json_str(vals[i]) ? json_str(vals[i]) : "";
		len = json_strlen(vals[i]);
		if (seq(s, len, "no-new-privileges")) {
			nnp = 1;
			continue;
		}
		if ((sep = memchr(s, '=', len)) == NULL &&
		    (sep = memchr(s, ':', len)) == NULL)
			continue;
		kl = (size_t)(sep - s);
		if (seq(s, kl, "seccomp")) {
			sc = sep + 1;
			scl = len - kl - 1;
		} else if (seq(s, kl, "apparmor")) {
			aa = sep + 1;
			aal = len - kl - 1;
		} else if (seq(s, kl, "no-new-privileges") &&
		    (b = parse_gobool(sep + 1, len - kl - 1)) >= 0) {
			nnp = b;
		}
	}
	if (sc == NULL)
		null_if(o, "seccomp");
	else if (seccomp_named(sc, scl))
		jw_strn(o->w, "seccomp", sc, scl);
	else
		jw_str(o->w, "seccomp", "custom");
	if (aa == NULL)
		null_if(o, "apparmor");
	else
		jw_strn(o->w, "apparmor", aa, aal);
	if (nnp < 0)
		null_if(o, "no_new_privileges");
	else
		jw_bool(o->w, "no_new_privileges", nnp);
	if (!present) {
		null_if(o, "security_opt");
		return;
	}
	jw_arr_begin(o->w, "security_opt");
	for (i = 0; i < n; i++) {
		s = json_str(vals[i]) ? json_str(vals[i]) : "";
		len = json_strlen(vals[i]);
		if (vals[i] != NULL && json_type(vals[i]) != JSON_STRING)
			continue;
		sep = memchr(s, '=', len);
		if (sep == NULL)
			sep = memchr(s, ':', len);
		kl = sep ? (size_t)(sep - s) : len;
		if (sep != NULL && seq(s, kl, "seccomp") &&
		    !seccomp_named(sep + 1, len - kl - 1))
			jw_str(o->w, NULL, "seccomp=custom");	/* not the profile */
		else
			jw_strn(o->w, NULL, s, len);
	}
	jw_arr_end(o->w);
	free(vals);
}
