#ifndef SUPD_CONF_VALUE_H
#define SUPD_CONF_VALUE_H
#endif
