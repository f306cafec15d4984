/*
 * options: the pieces of popt tables that kinit and kvno share, one row a
 * line or two: a flag, a string, a value, a yes/no pair, -c CACHE,
 * --json, the common table.  A yes/no pair (-f/-F) ORs KS_OPT_YES and
 * KS_OPT_NO into one int, so that giving both is seen afterwards.
 */
#ifndef KS_OPTIONS_H
#define KS_OPTIONS_H

#include <stdbool.h>
#include <popt.h>

#include "cli.h"

#define KS_OPT_YES 1
#define KS_OPT_NO 2

#define KS_OPT_FLAG(shrt, lng, var, help) \
    { lng, shrt, POPT_ARG_NONE, var, 0, help, NULL }
#define KS_OPT_TEXT(shrt, lng, var, arg, help) \
    { lng, shrt, POPT_ARG_STRING, var, 0, help, arg }
#define KS_OPT_VAL(shrt, var, val, help) \
    { NULL, shrt, POPT_ARG_VAL, var, val, help, NULL }
#define KS_OPT_ASK(shrt, lng, var, yes_or_no, help) \
    { lng, shrt, POPT_ARG_VAL | POPT_ARGFLAG_OR, var, yes_or_no, help, NULL }
/* -Y/--NAME asks for a NAME ticket, -N/--noNAME for one that is not. */
#define KS_OPT_PAIR(yes, no, name, var) \
    KS_OPT_ASK(yes, name, var, KS_OPT_YES, "ask for a " name " ticket"), \
    KS_OPT_ASK(no, "no" name, var, KS_OPT_NO, \
               "ask for a ticket that is not " name)
#define KS_OPT_CACHE(var, help) \
    { NULL, 'c', POPT_ARG_STRING, var, 0, help, "CCACHE" }
#define KS_OPT_JSON(help) \
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0, help, NULL }
#define KS_OPT_COMMON \
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0, \
      "Common options:", NULL }

/* A yes/no pair's value for common/: 1 yes, 0 no, -1 neither given. */
int ks_opt_tristate(int pair);

/* Whether both halves of a pair were given. */
bool ks_opt_both(int pair);

#endif /* KS_OPTIONS_H */
