/* extract_changes.c -- the `changes` of POST /commit and of an image import
 * (POST /images/create?fromSrc=...) read as dockerd reads them: every value
 * joined with "\n" and parsed as a Dockerfile (builder/dockerfile
 * BuildFromConfig with buildkit's parser): a "# escape=" directive,
 * comments, continuation lines, instruction names in any case (Go's
 * strings.ToLower, so U+0130 is i and U+212A is k), several instructions
 * in one value.  Each instruction is recorded as "NAME args" (ENV values
 * as [redacted]); USER (with $VAR expansion from Env and earlier ENV),
 * CMD, ENTRYPOINT and ENV names are applied over the body's Config and
 * surfaced as user, cmd, entrypoint and env_names.  What it cannot expand
 * exactly is a doubt. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "event/extract.h"
#include "event/redact.h"


struct env {
	char	*name[EXTRACT_MAX_ENV];
	char	*value[EXTRACT_MAX_ENV];
	size_t	 n;
};

struct state {
	struct extract__out	*o;
	struct env		 env;
	char			 esc;
	char			*user;		/* set by USER */
	struct buf		 cmd;		/* JSON array text, if cmd_set */
	struct buf		 entry;
	int			 cmd_set;	/* CMD seen */
	int			 cmd_reset;	/* ENTRYPOINT without CMD before */
	int			 entry_set;
	const struct json	*shell;		/* body Config.Shell, or NULL */
};

static int
is_hspace(unsigned char c)	/* Go's reWhitespace [\t\v\f\r ] */
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int
is_space(unsigned char c)	/* ASCII part of unicode.IsSpace */
{
	return is_hspace(c) || c == '\n';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static void
oom(struct state *st)
{
	st->o->nomem = 1;
}

static char *
dupn(struct state *st, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		oom(st);
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- environment (runConfig.Env: first match wins, ENV replaces) ---- */

static void
env_set(struct state *st, const char *name, size_t nl, const char *val,
    size_t vl, int replace)
{
	struct env *e = &st->env;
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (strlen(e->name[i]) == nl && memcmp(e->name[i], name, nl) == 0) {
			if (!replace)
				return;
			free(e->value[i]);
			e->value[i] = dupn(st, val, vl);
			return;
		}
	}
	if (e->n == EXTRACT_MAX_ENV) {
		extract_doubt_add(st->o->doubt, "commit changes: more environment "
		    "variables than the record follows");
		return;
	}
	e->name[e->n] = dupn(st, name, nl);
	e->value[e->n] = dupn(st, val, vl);
	if (e->name[e->n] == NULL || e->value[e->n] == NULL) {
		free(e->name[e->n]);
		free(e->value[e->n]);
		return;
	}
	e->n++;
}

static const char *
env_get(const struct state *st, const char *name, size_t nl)
{
	size_t i;

	for (i = 0; i < st->env.n; i++)
		if (strlen(st->env.name[i]) == nl &&
		    memcmp(st->env.name[i], name, nl) == 0)
			return st->env.value[i] ? st->env.value[i] : "";
	return "";
}

/* ---- buildkit's shell word processing, the common part ---- */

static int
is_name_char(unsigned char c, int first)
{
	return c == '_' || (unsigned)((c | 0x20) - 'a') < 26 ||
	    (!first && (unsigned)(c - '0') < 10);
}

static int
put_var(struct state *st, struct buf *out, const char *s, size_t n,
    size_t *i)
{
	size_t j = *i + 1, start;

	if (j < n && s[j] == '{') {
		start = ++j;
		while (j < n && is_name_char((unsigned char)s[j], j == start))
			j++;
		if (j == n || s[j] != '}' || j == start)
			return -1;	/* ${x:-y} and friends: not followed */
		*i = j + 1;
		return buf_puts(out, env_get(st, s + start, j - start));
	}
	start = j;
	while (j < n && is_name_char((unsigned char)s[j], j == start))
		j++;
	if (j == start) {		/* a lone '$' is literal */
		*i = j;
		return buf_putc(out, '$');
	}
	*i = j;
	return buf_puts(out, env_get(st, s + start, j - start));
}

/* ProcessWord: quotes, the escape character and $NAME / ${NAME}.
 * Returns 0, or -1 for syntax the record does not follow exactly. */
static int
process_word(struct state *st, const char *s, size_t n, struct buf *out)
{
	size_t i = 0;
	char q = 0;

	while (i < n) {
		char c = s[i];

		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else if (buf_putc(out, c) != 0)
				return -1;
			i++;
		} else if (c == st->esc) {
			if (i + 1 < n && (q != '"' || s[i + 1] == '"' ||
			    s[i + 1] == '$' || s[i + 1] == st->esc)) {
				if (buf_putc(out, s[i + 1]) != 0)
					return -1;
				i += 2;
			} else {
				if (i + 1 == n)
					return -1;	/* a trailing escape */
				if (buf_putc(out, c) != 0)
					return -1;
				i++;
			}
		} else if (c == '$') {
			if (put_var(st, out, s, n, &i) != 0)
				return -1;
		} else if (c == '"' || (c == '\'' && q == 0)) {
			q = q == c ? 0 : (q == 0 ? c : q);
			if (q == '"' && c != '"' && buf_putc(out, c) != 0)
				return -1;
			i++;
		} else {
			if (buf_putc(out, c) != 0)
				return -1;
			i++;
		}
	}
	return q == 0 ? 0 : -1;
}

/* ---- instructions ---- */

/* strings.ToLower of an instruction name, as far as it can give an
 * ASCII name: ASCII letters, U+0130 -> i, U+212A -> k; else as is. */
static size_t
lower_name(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < cap; i++) {
		if ((unsigned)(p[i] - 'A') < 26) {
			out[o++] = (char)(p[i] + 32);
		} else if (i + 1 < n && p[i] == 0xc4 && p[i + 1] == 0xb0) {
			out[o++] = 'i';
			i++;
		} else if (i + 2 < n && p[i] == 0xe2 && p[i + 1] == 0x84 &&
		    p[i + 2] == 0xaa) {
			out[o++] = 'k';
			i += 2;
		} else {
			out[o++] = (char)p[i];
		}
	}
	out[o] = '\0';
	return o;
}

/* CMD / ENTRYPOINT arguments as the JSON array dockerd stores: the exec
 * form (a JSON array of strings) as is, else the shell form after the
 * shell (the body's Shell or /bin/sh -c). */
static void
exec_form(struct state *st, const char *a, size_t al, struct buf *out)
{
	struct json *j = NULL;
	struct jw w;
	size_t i;
	int strings = 0;

	buf_reset(out);
	if (al > 0 && a[0] == '[' && (j = json_parse(a, al, NULL)) != NULL &&
	    json_type(j) == JSON_ARRAY) {
		strings = 1;
		for (i = 0; i < json_len(j); i++)
			if (json_type(json_at(j, i)) != JSON_STRING)
				strings = 0;
	}
	jw_init(&w, out);
	jw_arr_begin(&w, NULL);
	if (strings) {
		for (i = 0; i < json_len(j); i++)
			redact_write_text(&w, NULL, json_str(json_at(j, i)),
			    json_strlen(json_at(j, i)));
	} else {
		if (json_type(st->shell) == JSON_ARRAY && json_len(st->shell) > 0) {
			for (i = 0; i < json_len(st->shell); i++)
				redact_write_text(&w, NULL,
				    json_str(json_at(st->shell, i)),
				    json_strlen(json_at(st->shell, i)));
		} else if (json_type(st->shell) == JSON_STRING) {
			redact_write_text(&w, NULL, json_str(st->shell),
			    json_strlen(st->shell));
		} else {
			jw_str(&w, NULL, "/bin/sh");
			jw_str(&w, NULL, "-c");
		}
		redact_write_text(&w, NULL, a, al);
	}
	jw_arr_end(&w);
	if (w.err != 0)
		oom(st);
	json_free(j);
}

/* One ENV word "name=value" (or the old "name value" form when eq is
 * NULL): applied to the environment, written as name=[redacted]. */
static void
env_word(struct state *st, struct buf *rec, const char *w, size_t wl,
    const char *val, size_t vl)
{
	struct buf name, value;

	buf_init(&name, BUF_UNLIMITED);
	buf_init(&value, BUF_UNLIMITED);
	if (process_word(st, w, wl, &name) != 0 ||
	    process_word(st, val, vl, &value) != 0)
		extract_doubt_add(st->o->doubt, "commit changes: ENV uses shell "
		    "syntax the record does not expand");
	if (name.len > 0 || name.data != NULL)
		env_set(st, name.data ? name.data : "", name.len,
		    value.data ? value.data : "", value.len, 1);
	if (rec->len > 0)
		buf_putc(rec, ' ');
	buf_append(rec, name.data ? name.data : "", name.len);
	buf_puts(rec, "=[redacted]");
	buf_free(&name);
	buf_free(&value);
}

/* ENV args: parseNameVal's words (split on blanks outside quotes). */
static void
apply_env(struct state *st, const char *a, size_t al, struct buf *rec)
{
	size_t i = 0, start, k;
	const char *eq;
	char q;

	buf_puts(rec, "ENV");
	buf_putc(rec, ' ');
	{
		struct buf words;

		buf_init(&words, BUF_UNLIMITED);
		/* old form: the first word has no '=' */
		for (k = 0; k < al && !is_hspace((unsigned char)a[k]); k++)
			;
		if (memchr(a, '=', k) == NULL) {
			const char *v = a + k;
			size_t vl = al - k;

			trim(&v, &vl);
			env_word(st, &words, a, k, v, vl);
		} else {
			while (i < al) {
				while (i < al && is_hspace((unsigned char)a[i]))
					i++;
				if (i == al)
					break;
				start = i;
				q = 0;
				for (; i < al && (q || !is_hspace((unsigned char)a[i]));
				    i++) {
					if (a[i] == st->esc && i + 1 < al)
						i++;
					else if (q == 0 && (a[i] == '"' || a[i] == '\''))
						q = a[i];
					else if (q == a[i])
						q = 0;
				}
				eq = memchr(a + start, '=', i - start);
				if (eq == NULL)
					env_word(st, &words, a + start, i - start, "", 0);
				else
					env_word(st, &words, a + start,
					    (size_t)(eq - a - start), eq + 1,
					    (size_t)(a + i - eq - 1));
			}
		}
		buf_append(rec, words.data ? words.data : "", words.len);
		buf_free(&words);
	}
}

/* One logical line: record it and apply what the record surfaces. */
static void
instruction(struct state *st, const char *line, size_t n)
{
	char name[32];
	const char *a;
	size_t i, al;
	struct buf rec, word;

	trim(&line, &n);
	for (i = 0; i < n && !is_hspace((unsigned char)line[i]); i++)
		;
	lower_name(line, i, name, sizeof(name));
	a = line + i;
	al = n - i;
	trim(&a, &al);
	buf_init(&rec, BUF_UNLIMITED);
	if (strcmp(name, "env") == 0) {
		apply_env(st, a, al, &rec);
	} else {
		for (i = 0; name[i] != '\0'; i++)
			buf_putc(&rec, (char)((unsigned)(name[i] - 'a') < 26 ?
			    name[i] - 32 : name[i]));
		if (al > 0) {
			buf_putc(&rec, ' ');
			buf_append(&rec, a, al);
		}
	}
	if (strcmp(name, "user") == 0) {
		buf_init(&word, BUF_UNLIMITED);
		if (process_word(st, a, al, &word) != 0) {
			extract_doubt_add(st->o->doubt, "commit changes: USER uses "
			    "shell syntax the record does not expand");
			buf_reset(&word);
			buf_append(&word, a, al);
		}
		free(st->user);
		st->user = dupn(st, word.data ? word.data : "", word.len);
		buf_free(&word);
	} else if (strcmp(name, "cmd") == 0) {
		exec_form(st, a, al, &st->cmd);
		st->cmd_set = 1;
		st->cmd_reset = 0;
	} else if (strcmp(name, "entrypoint") == 0) {
		exec_form(st, a, al, &st->entry);
		st->entry_set = 1;
		if (!st->cmd_set)
			st->cmd_reset = 1;
	}
	if (rec.data != NULL)
		redact_write_text(st->o->w, NULL, rec.data, rec.len);
	else
		oom(st);
	buf_free(&rec);
}

/* "# escape=X" among the leading comment lines (buildkit's directive
 * regexp on the lower-cased line). Returns 1 when the line is one. */
static int
escape_directive(struct state *st, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_space((unsigned char)s[i]))
		i++;
	if (i == n || s[i++] != '#')
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < 6 || strncasecmp(s + i, "escape", 6) != 0)
		return 0;
	i += 6;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i++] != '=')
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return 0;
	if (s[i] == '`' || s[i] == '\\')
		st->esc = s[i];
	/* another character: dockerd refuses the changes */
	return 1;
}

static int
is_comment(const char *s, size_t n)
{
	while (n > 0 && is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	return n > 0 && *s == '#';
}

static int
is_blank(const char *s, size_t n)
{
	while (n > 0 && is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	return n == 0;
}

/* The escape character and blanks/tabs at the end: a continuation. */
static int
continues(const struct state *st, const char *s, size_t *n)
{
	size_t k = *n;

	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (k == 0 || s[k - 1] != st->esc)
		return 0;
	*n = k - 1;
	return 1;
}

/* Next line of text at *pos (bufio.ScanLines: '\n' ends it, one '\r'
 * before it is dropped). Returns 0 at the end. */
static int
next_line(const char *t, size_t tl, size_t *pos, const char **l, size_t *ll)
{
	const char *nl;

	if (*pos >= tl)
		return 0;
	*l = t + *pos;
	nl = memchr(*l, '\n', tl - *pos);
	*ll = nl ? (size_t)(nl - *l) : tl - *pos;
	*pos += *ll + (nl != NULL);
	if (*ll > 0 && (*l)[*ll - 1] == '\r')
		(*ll)--;
	return 1;
}

static void
parse_text(struct state *st, const char *t, size_t tl)
{
	const char *l;
	size_t pos = 0, ll, k;
	int directives = 1, more;
	struct buf logical;

	buf_init(&logical, BUF_UNLIMITED);
	while (next_line(t, tl, &pos, &l, &ll)) {
		if (directives && escape_directive(st, l, ll))
			continue;
		directives = 0;
		for (k = 0; k < ll && is_space((unsigned char)l[k]); k++)
			;
		l += k;
		ll -= k;
		if (is_comment(l, ll))
			continue;
		more = continues(st, l, &ll);
		if (!more && ll == 0)
			continue;
		buf_reset(&logical);
		buf_append(&logical, l, ll);
		while (more && next_line(t, tl, &pos, &l, &ll)) {
			if (is_comment(l, ll) || is_blank(l, ll))
				continue;
			more = continues(st, l, &ll);
			buf_append(&logical, l, ll);
		}
		if (logical.len > 0)
			instruction(st, logical.data, logical.len);
	}
	buf_free(&logical);
}

static void
out_json_arr(struct extract__out *o, const char *key, const struct buf *b)
{
	struct json *j = json_parse(b->data, b->len, NULL);

	if (j != NULL)
		jw_value(o->w, key, j);
	json_free(j);
}

int
extract__changes_text(const struct json *query, struct buf *text)
{
	const struct json *v, *e;
	size_t i, k;
	int any = 0;

	for (i = 0; i < json_len(query) && json_type(query) == JSON_OBJECT;
	    i++) {
		if (json_keylen_at(query, i) != 7 ||
		    memcmp(json_key_at(query, i), "changes", 7) != 0)
			continue;
		v = json_at(query, i);
		for (k = 0; k < (json_type(v) == JSON_ARRAY ? json_len(v) : 1);
		    k++) {
			e = json_type(v) == JSON_ARRAY ? json_at(v, k) : v;
			if (json_type(e) != JSON_STRING)
				continue;
			if (any++)
				buf_putc(text, '\n');
			buf_append(text, json_str(e), json_strlen(e));
		}
	}
	return any;
}

int
extract__changes(struct extract__out *o, const struct json *query,
    const struct extract__view *config, struct extract__changes_out *res)
{
	struct state st;
	struct buf text;
	const struct json **vals;
	const char *s, *eq;
	size_t i, n;

	memset(res, 0, sizeof(*res));
	buf_init(&text, BUF_UNLIMITED);
	if (!extract__changes_text(query, &text)) {
		buf_free(&text);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	st.o = o;
	st.esc = '\\';
	st.shell = config != NULL ? extract__last(config, "Shell") : NULL;
	buf_init(&st.cmd, BUF_UNLIMITED);
	buf_init(&st.entry, BUF_UNLIMITED);
	if (config != NULL && extract__strs(config, "Env", &vals, &n)) {
		for (i = 0; i < n; i++) {
			if ((s = json_str(vals[i])) == NULL)
				continue;
			eq = memchr(s, '=', json_strlen(vals[i]));
			if (eq != NULL)
				env_set(&st, s, (size_t)(eq - s), eq + 1,
				    json_strlen(vals[i]) - (size_t)(eq - s) - 1, 0);
			else
				env_set(&st, s, json_strlen(vals[i]), "", 0, 0);
		}
		free(vals);
	}
	jw_arr_begin(o->w, "changes");
	parse_text(&st, text.data ? text.data : "", text.len);
	jw_arr_end(o->w);
	res->user = st.user;
	res->cmd_set = st.cmd_set;
	res->cmd_reset = st.cmd_reset;
	res->entry_set = st.entry_set;
	res->cmd = st.cmd;
	res->entry = st.entry;
	res->env_n = st.env.n;
	memcpy(res->env_name, st.env.name, st.env.n * sizeof(char *));
	for (i = 0; i < st.env.n; i++)
		free(st.env.value[i]);
	buf_free(&text);
	return 1;
}

void
extract__changes_json(struct extract__out *o, const char *key,
    const struct buf *b)
{
	out_json_arr(o, key, b);
}

void
extract__changes_free(struct extract__changes_out *res)
{
	size_t i;

	free(res->user);
	buf_free(&res->cmd);
	buf_free(&res->entry);
	for (i = 0; i < res->env_n; i++)
		free(res->env_name[i]);
	memset(res, 0, sizeof(*res));
}
