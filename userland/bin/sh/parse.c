/*
 * sh's lexer and parser: a line into a list of and-or lists of pipelines of simple commands.
 * Words stay raw (quotes and $ still in them): expand.c gives them their meaning when the
 * command runs, so `x=1; echo $x` sees the new value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sh.h"

/* The arena: blocks of memory for one line's parse and expansion, freed all at once. */
struct block {
	struct block	*next;
	size_t		used, size;
	char		data[];
};
static struct block *blocks;

/* sh_alloc: n zeroed bytes from the arena; the shell gives up when memory runs out. */
void *
sh_alloc(size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (blocks == NULL || blocks->used + n > blocks->size) {
		size_t size = n > 8192 ? n : 8192;
		struct block *b = malloc(sizeof(*b) + size);
		if (b == NULL) {
			fprintf(stderr, "sh: out of memory\n");
			exit(2);
		}
		b->next = blocks;
		b->used = 0;
		b->size = size;
		blocks = b;
	}
	void *p = blocks->data + blocks->used;
	blocks->used += n;
	memset(p, 0, n);
	return p;
}

/* sh_strndup: a copy of the first n bytes of s in the arena. */
char *
sh_strndup(const char *s, size_t n)
{
	char *p = sh_alloc(n + 1);

	memcpy(p, s, n);
	return p;
}

/* sh_arena_reset: free everything sh_alloc gave since the last reset. */
void
sh_arena_reset(void)
{
	while (blocks != NULL) {
		struct block *b = blocks;
		blocks = b->next;
		free(b);
	}
}

enum tok { T_WORD, T_PIPE, T_OR, T_AMP, T_AND, T_SEMI, T_REDIR, T_END, T_ERROR };

struct lexer {
	const char	*p;		/* the next character */
	const char	*start;		/* where the last token began */
	enum tok	tok;
	const char	*word;		/* T_WORD: the raw word */
	struct redir	redir;		/* T_REDIR: fd and kind (the word follows as a T_WORD) */
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_op(char c)
{
	return c == '|' || c == '&' || c == ';' || c == '<' || c == '>';
}

/* scan_word: the end of the raw word at p, quotes and backslashes kept; NULL if a quote is open. */
static const char *
scan_word(const char *p)
{
	while (*p && !is_blank(*p) && !is_op(*p)) {
		if (*p == '\\' && p[1]) {
			p += 2;
		} else if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (q == NULL)
				return NULL;
			p = q + 1;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p != '"')
				return NULL;
			p++;
		} else {
			p++;
		}
	}
	return p;
}

/* next: the next token into lx->tok. */
static void
next(struct lexer *lx)
{
	const char *p = lx->p;
	int fd = -1;

	while (is_blank(*p))
		p++;
	lx->start = p;
	if (*p == '#')				/* a comment: the rest of the line */
		p += strlen(p);
	if (*p == '\0') {
		lx->tok = T_END;
		lx->p = p;
		return;
	}
	/* An io number: digits right before < or >. */
	const char *d = p;
	while (*d >= '0' && *d <= '9')
		d++;
	if (d > p && d - p < 3 && (*d == '<' || *d == '>')) {
		fd = atoi(p);
		p = d;
	}
	switch (*p) {
	case '|':
		lx->tok = p[1] == '|' ? T_OR : T_PIPE;
		p += p[1] == '|' ? 2 : 1;
		break;
	case '&':
		lx->tok = p[1] == '&' ? T_AND : T_AMP;
		p += p[1] == '&' ? 2 : 1;
		break;
	case ';':
		lx->tok = T_SEMI;
		p++;
		break;
	case '<':
	case '>':
		lx->tok = T_REDIR;
		lx->redir.fd = fd >= 0 ? fd : *p == '<' ? 0 : 1;
		if (p[1] == '&') {
			lx->redir.kind = R_DUP;
			p += 2;
		} else if (*p == '>' && p[1] == '>') {
			lx->redir.kind = R_APPEND;
			p += 2;
		} else {
			lx->redir.kind = *p == '<' ? R_IN : R_OUT;
			p++;
		}
		break;
	default: {
		const char *end = scan_word(p);
		if (end == NULL) {
			fprintf(stderr, "sh: syntax error: a quote is not closed\n");
			lx->tok = T_ERROR;
			return;
		}
		lx->tok = T_WORD;
		lx->word = sh_strndup(p, (size_t)(end - p));
		p = end;
	}
	}
	lx->p = p;
}

static const char *
tok_name(enum tok t)
{
	static const char *names[] = { "word", "|", "||", "&", "&&", ";", "redirection", "end of line", "error" };
	return names[t];
}

static int
syntax(struct lexer *lx)
{
	if (lx->tok != T_ERROR)
		fprintf(stderr, "sh: syntax error near %s\n", tok_name(lx->tok));
	return -1;
}

/* command: words and redirections up to an operator; -1 on a syntax error. */
static int
command(struct lexer *lx, struct cmd *c)
{
	const char *words[128];
	struct redir **tail = &c->redirs;

	c->nwords = 0;
	for (;;) {
		if (lx->tok == T_WORD) {
			if (c->nwords == (int)(sizeof(words) / sizeof(words[0])) - 1) {
				fprintf(stderr, "sh: too many words\n");
				return -1;
			}
			words[c->nwords++] = lx->word;
		} else if (lx->tok == T_REDIR) {
			struct redir *r = sh_alloc(sizeof(*r));
			*r = lx->redir;
			next(lx);
			if (lx->tok != T_WORD)
				return syntax(lx);
			r->word = lx->word;
			*tail = r;
			tail = &r->next;
		} else {
			break;
		}
		next(lx);
	}
	if (c->nwords == 0 && c->redirs == NULL)
		return syntax(lx);
	c->words = sh_alloc((size_t)(c->nwords + 1) * sizeof(char *));
	memcpy(c->words, words, (size_t)c->nwords * sizeof(char *));
	return 0;
}

/* pipeline: command | command ...; -1 on a syntax error. */
static int
pipeline(struct lexer *lx, struct pipeline *pl)
{
	for (;;) {
		if (pl->ncmds == SH_MAXPIPE) {
			fprintf(stderr, "sh: a pipeline of more than %d commands\n", SH_MAXPIPE);
			return -1;
		}
		if (command(lx, &pl->cmds[pl->ncmds++]) < 0)
			return -1;
		if (lx->tok != T_PIPE)
			return 0;
		next(lx);
	}
}

/* sh_parse: the line's and-or lists; NULL when it has none or has a syntax error (reported). */
struct andor *
sh_parse(const char *line)
{
	struct lexer lx = { .p = line };
	struct andor *first = NULL, **tail = &first;

	next(&lx);
	while (lx.tok != T_END) {
		struct andor *ao = sh_alloc(sizeof(*ao));
		struct pipeline **pt = &ao->first;
		const char *begin = lx.start, *end;
		enum andor_op op = OP_NONE;

		for (;;) {
			struct pipeline *pl = sh_alloc(sizeof(*pl));
			pl->op = op;
			if (pipeline(&lx, pl) < 0)
				return NULL;
			*pt = pl;
			pt = &pl->next;
			if (lx.tok != T_AND && lx.tok != T_OR)
				break;
			op = lx.tok == T_AND ? OP_AND : OP_OR;
			next(&lx);
			while (lx.tok == T_END) {	/* `a &&` at a line's end: POSIX reads on; we cannot */
				syntax(&lx);
				return NULL;
			}
		}
		end = lx.start;
		while (end > begin && is_blank(end[-1]))
			end--;
		ao->text = sh_strndup(begin, (size_t)(end - begin));
		if (lx.tok == T_AMP || lx.tok == T_SEMI) {
			ao->background = lx.tok == T_AMP;
			next(&lx);
		} else if (lx.tok != T_END) {
			syntax(&lx);
			return NULL;
		}
		*tail = ao;
		tail = &ao->next;
	}
	return first;
}

/* sh_strdup: a malloc'd copy of s (libcr has no strdup), or NULL. */
char *
sh_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}
