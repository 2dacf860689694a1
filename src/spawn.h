#ifndef SUPD_SPAWN_H
#define SUPD_SPAWN_H
#endif
