/* query.h -- a request's parameters as dockerd reads them (its r.Form:
 * event/form.h), for records: the action they select and the
 * "request.query" object.  One function for the proxy and the AuthZ
 * plugin, so a call reads the same whichever line saw it. */
#ifndef DA_QUERY_H
#define DA_QUERY_H

#include <stddef.h>

struct buf;
struct extract_doubt;
struct form;
struct route_match;

/* What dockerd's net/http does with a request body, from the method and
 * the (first) Content-Type header, as Go's mime.ParseMediaType reads it
 * (Unicode lower-casing and white space trimmed around the media type). */
#define QUERY_BODY_NONE		0	/* not read as parameters */
#define QUERY_BODY_FORM		1	/* POST/PUT/PATCH, application/x-www-form-
					 * urlencoded: ParseForm reads its pairs
					 * BEFORE the query's (at most 10 MB) */
#define QUERY_BODY_MULTIPART	2	/* multipart/form-data: handlers that never
					 * call ParseForm (/build) append its
					 * values AFTER the query's */
#define QUERY_CT_UNSURE		0x10	/* or'ed in: media type parameters Go may
					 * reject (a duplicate name), so whether
					 * the body is read is not certain */
int	query_body_kind(const char *method, const char *ct, size_t ct_len);

struct query_call {
	const char	*method;
	const char	*target;	/* raw request-target, query included */
	size_t		 target_len;
	int		 body_kind;	/* query_body_kind() */
	const char	*body;		/* the whole body when held, else NULL */
	size_t		 body_len;
	int		 body_unseen;	/* a body may exist but is not held */
	int		 ct_unsure;	/* the Content-Type dockerd reads is not
					 * known (the AuthZ plugin sees only the
					 * last of repeated headers): an unseen
					 * body of image pull/import/build/tag/
					 * push may be a form (a doubt) */
};

/* Classify the call with its form (actions_classify_form) into *rm,
 * render request.query into out (which is reset) and add to doubt what
 * cannot be known (a form body not held or read after a peek on /build;
 * a multipart body on /build is capture/bodyread.c's doubt).  doubt may
 * be NULL. */
void	query_record(const struct query_call *qc, struct route_match *rm,
	    struct buf *out, struct extract_doubt *doubt);

/* f's pairs -> {"k":"v", "r":["v1","v2"], ...} appended to out: every
 * pair Go's url.ParseQuery keeps, keys and values decoded; a key given
 * once is a string, a repeated key an array of its values in r.Form's
 * order (an urlencoded body's first, then the query's); keys in the
 * order they first appear; values redacted (event/redact.h) for the
 * action.  Pairs Go rejects (';', bad escapes) are left out: dockerd
 * answers 400 where it calls ParseForm, and drops them where it does
 * not.  Returns 0, or -1 when out was too small (it then holds a valid
 * object with the keys that fitted). */
int	query_render(const char *action, const struct form *f,
	    struct buf *out);

#endif
