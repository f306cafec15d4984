#include <stddef.h>

#include "wire/padata.h"

krb5_pa_data *
ks_padata_find(krb5_pa_data *const *padata, krb5_preauthtype type)
{
    for (size_t i = 0; padata != NULL && padata[i] != NULL; i++) {
        if (padata[i]->pa_type == type)
            return padata[i];
    }
    return NULL;
}

bool
ks_padata_has(krb5_pa_data *const *padata, krb5_preauthtype type)
{
    return ks_padata_find(padata, type) != NULL;
}
