/* supctl: supd's control client.  Until the control plane exists it only
 * knows its version. */
#include "config.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "version") || !strcmp(argv[1], "-v") ||
			  !strcmp(argv[1], "--version"))) {
		printf("%s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "supctl %s: the control plane is not built yet; only 'supctl version' works\n",
		PACKAGE_VERSION);
	return 3;
}
