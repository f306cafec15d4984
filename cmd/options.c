#include "options.h"

int
ks_opt_tristate(int pair)
{
    return pair == KS_OPT_YES ? 1 : pair == KS_OPT_NO ? 0 : -1;
}

bool
ks_opt_both(int pair)
{
    return pair == (KS_OPT_YES | KS_OPT_NO);
}
