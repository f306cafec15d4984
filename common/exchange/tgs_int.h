/*
 * tgs_int: what the tgs_*.c files share and nobody else needs.
 */
#ifndef KS_TGS_INT_H
#define KS_TGS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <krb5.h>
#include "core/context.h"

/* Unsigned 32-bit times (y2038: MIT treats krb5_timestamp as unsigned). */
static inline bool
tgs_ts_after(krb5_timestamp a, krb5_timestamp b)
{
    return (uint32_t)a > (uint32_t)b;
}

/* |a - b| in seconds, as an unsigned distance. */
static inline uint32_t
tgs_ts_distance(krb5_timestamp a, krb5_timestamp b)
{
    uint32_t d = (uint32_t)a - (uint32_t)b;

    return d > 0x7fffffffU ? (uint32_t)0 - d : d;
}

/* Whether E is in the 0-terminated LIST. */
bool tgs_etype_in(krb5_enctype e, const krb5_enctype *list);

#endif /* KS_TGS_INT_H */
