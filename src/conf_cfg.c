/* conf_cfg: being written */
#include "config.h"
extern int supd_placeholder_conf_cfg;
