/* conf_ini: being written */
#include "config.h"
extern int supd_placeholder_conf_ini;
