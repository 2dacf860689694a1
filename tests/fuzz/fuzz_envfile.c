/* libFuzzer target: the env_file= parser (envfile.c).  Checks, besides the
 * sanitizers:
 *  - it answers 0 or -EINVAL, and -EINVAL comes with a reason and a line
 *    inside the input;
 *  - every key it reports has the documented shape;
 *  - a value never holds more bytes than the input. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t input_size;

static int check(void *arg, const char *key, const char *val)
{
	(void)arg;
	const char *k = key;
	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
		abort();
	for (k++; *k; k++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    *k))
			abort();
	if (strlen(key) + strlen(val) > input_size)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	input_size = size;
	int lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	int line = 0;
	const char *why = NULL;
	int r = envfile_parse((const char *)data, size, check, NULL, &line, &why);
	if (r == -EINVAL) {
		if (!why || line < 1 || line > lines)
			abort();
	} else if (r != 0) {
		abort();
	}
	return 0;
}
