/* envfile: the KEY=VALUE files of env_file= (doc/supd.conf.5, "ENVIRONMENT
 * FILES"), read the way docker compose reads its env files:
 *
 *   # a comment line, and blank lines, are skipped
 *   export KEY=value          "export " before a key is allowed
 *   KEY=value # comment       unquoted: trimmed; " #" starts a comment
 *   KEY="a\tb \"q\" ${X}"     double quotes: \n \r \t \\ \" \$ escapes
 *   KEY='literal \' quote'    single quotes: literal but for \'
 *   KEY="line one
 *   line two"                 quoted values may span lines
 *
 * No ${VAR} interpolation (compose's env_file does none either).  A key is
 * a letter or '_', then letters, digits, '_', '.' or '-'.  A pure parser:
 * no file access, no logging. */
#ifndef SUPD_ENVFILE_H
#define SUPD_ENVFILE_H

#include <stddef.h>

/* Called for each assignment, in file order; a negative return stops the
 * parse and is returned. */
typedef int (*envfile_set_fn)(void *arg, const char *key, const char *val);

/* Parses len bytes of text.  Returns 0, the callback's negative return,
 * -ENOMEM, or -EINVAL with *line (1-based, the line where the bad
 * assignment starts) and *why (a static string) set. */
int envfile_parse(const char *text, size_t len, envfile_set_fn set, void *arg, int *line,
		  const char **why);

#endif
