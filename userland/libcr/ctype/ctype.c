/*
 * Character classes for the C locale. Comparisons on ASCII ranges, not a table: each class is a
 * range or two, and a value outside 0..127 (EOF, the upper half, a sign-extended char) simply
 * falls in none of them, with no index to check.
 */
#include <ctype.h>

/* isupper: 'A'..'Z'. */
int
isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

/* islower: 'a'..'z'. */
int
islower(int c)
{
	return c >= 'a' && c <= 'z';
}

/* isalpha: a letter of either case. */
int
isalpha(int c)
{
	return isupper(c) || islower(c);
}

/* isdigit: '0'..'9'. */
int
isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* isalnum: a letter or a digit. */
int
isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

/* isxdigit: a digit or a..f in either case. */
int
isxdigit(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* isspace: space, \t \n \v \f \r. */
int
isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* isblank: the characters that separate words on a line: space and tab. */
int
isblank(int c)
{
	return c == ' ' || c == '\t';
}

/* iscntrl: the C0 controls and DEL. */
int
iscntrl(int c)
{
	return (c >= 0 && c < ' ') || c == 0x7f;
}

/* isprint: what prints, the space included. */
int
isprint(int c)
{
	return c >= ' ' && c < 0x7f;
}

/* isgraph: what prints and leaves ink: isprint without the space. */
int
isgraph(int c)
{
	return c > ' ' && c < 0x7f;
}

/* ispunct: ink that is neither letter nor digit. */
int
ispunct(int c)
{
	return isgraph(c) && !isalnum(c);
}

/* toupper: the capital of a lowercase letter; anything else unchanged. */
int
toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}

/* tolower: the lowercase of a capital; anything else unchanged. */
int
tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}
