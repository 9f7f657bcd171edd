/* Events as JSON lines, for `otwatch analyze --events` and debugging. */
#ifndef OTW_EVJSON_H
#define OTW_EVJSON_H

#include <stdio.h>
#include <string.h>

#include "otw_ev-t.h"

/* One line {"ev":"device"|"conn"|"op"|"attr", ...} to f. */
void otw_evjson(FILE *f, const struct otw_ev *ev);

#endif
