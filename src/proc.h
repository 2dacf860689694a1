#ifndef SUPD_PROC_H
#define SUPD_PROC_H
#endif
