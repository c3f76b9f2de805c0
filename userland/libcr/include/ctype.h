/*
 * Character classes and case mapping for the C locale (ASCII), as plain functions. Each takes
 * an int that must be EOF or a value of unsigned char; anything else is in no class and maps to
 * itself, so a negative plain char is never an out-of-bounds access.
 */
#ifndef _CTYPE_H_
#define _CTYPE_H_

int	isalnum(int c);
int	isalpha(int c);
int	isblank(int c);
int	iscntrl(int c);
int	isdigit(int c);
int	isgraph(int c);
int	islower(int c);
int	isprint(int c);
int	ispunct(int c);
int	isspace(int c);
int	isupper(int c);
int	isxdigit(int c);
int	tolower(int c);
int	toupper(int c);

#endif
