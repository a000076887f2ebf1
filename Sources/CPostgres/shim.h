#ifndef LOTSEN_CPOSTGRES_SHIM_H
#define LOTSEN_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
