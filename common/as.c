/* placeholder: filled in by its room's work */
#include "as.h"
