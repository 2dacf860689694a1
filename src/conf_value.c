#include "config.h"
#include "conf_value.h"
extern int supd_placeholder_conf_value;
