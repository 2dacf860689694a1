/* conf.c: being written */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include "conf.h"
int conf_load(const struct conf_load_opts *o, struct conf **out, struct diags *d)
{
	(void)o; (void)out; (void)d;
	return -ENOSYS;
}
void conf_free(struct conf *c) { (void)c; }
int conf_print_ini(const struct conf *c, FILE *f) { (void)c; (void)f; return -ENOSYS; }
int conf_print_json(const struct conf *c, FILE *f) { (void)c; (void)f; return -ENOSYS; }
char *conf_search_default(void) { return NULL; }
