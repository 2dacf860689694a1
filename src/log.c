/* log: being written */
#include "config.h"
extern int supd_placeholder_log;
