/*
 * padata: looking through a PA-DATA sequence, shared by the AS, TGS, FAST,
 * S4U and inspection code, and the names of padata types.
 */
#ifndef KS_PADATA_H
#define KS_PADATA_H

#include <stdbool.h>
#include <krb5.h>

/* The first element of the NULL-terminated PADATA (which may be NULL) of
 * TYPE, or NULL.  The result points into PADATA. */
krb5_pa_data *ks_padata_find(krb5_pa_data *const *padata,
                             krb5_preauthtype type);

/* Whether PADATA holds an element of TYPE. */
bool ks_padata_has(krb5_pa_data *const *padata, krb5_preauthtype type);

/* The registered name of padata TYPE ("PA-FX-FAST", "PA-GSS", ...; the
 * typed-data numbers of the same registry as "TD-..."), or NULL for a
 * number without one.  The one table traces, kstep decode and JSON use. */
const char *ks_padata_name(krb5_preauthtype type);

#endif /* KS_PADATA_H */
