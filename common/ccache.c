/* placeholder: filled in by its room's work */
#include "ccache.h"
