/* daemon.c: being written */
#include "config.h"
#include "daemon.h"
int daemon_run(const struct supd_opts *o, struct conf *c)
{
	(void)o;
	conf_free(c);
	return 1;
}
