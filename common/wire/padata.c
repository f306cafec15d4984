/*
 * padata: looking through a PA-DATA sequence, and the names of padata types.
 */
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

/*
 * Every padata type with a name in the IANA "Pre-authentication and Typed
 * Data" registry, MIT's krb5.h (KRB5_PADATA_*) or Heimdal's krb5.asn1
 * (PADATA-TYPE), under the registry's spelling where it has one.  Where a
 * number has two names, the one in use today is given.  Sorted by number.
 */
static const struct {
    krb5_preauthtype type;
    const char *name;
} padata_names[] = {
    { 0, "PA-NONE" },                   /* MIT, Heimdal */
    { 1, "PA-TGS-REQ" },                /* RFC 4120 */
    { 2, "PA-ENC-TIMESTAMP" },          /* RFC 4120 */
    { 3, "PA-PW-SALT" },                /* RFC 4120 */
    { 4, "PA-ENC-ENCKEY" },             /* MIT */
    { 5, "PA-ENC-UNIX-TIME" },          /* RFC 4120, deprecated */
    { 6, "PA-SANDIA-SECUREID" },        /* RFC 4120 */
    { 7, "PA-SESAME" },                 /* RFC 4120 */
    { 8, "PA-OSF-DCE" },                /* RFC 4120 */
    { 9, "PA-CYBERSAFE-SECUREID" },     /* RFC 4120 */
    { 10, "PA-AFS3-SALT" },             /* RFC 4120, RFC 3961 */
    { 11, "PA-ETYPE-INFO" },            /* RFC 4120 */
    { 12, "PA-SAM-CHALLENGE" },         /* draft-ietf-cat-kerberos-passwords */
    { 13, "PA-SAM-RESPONSE" },
    { 14, "PA-PK-AS-REQ_OLD" },         /* PKINIT draft 9 */
    { 15, "PA-PK-AS-REP_OLD" },         /* PKINIT draft 9 (Windows) */
    { 16, "PA-PK-AS-REQ" },             /* RFC 4556 */
    { 17, "PA-PK-AS-REP" },             /* RFC 4556 */
    { 18, "PA-PK-OCSP-RESPONSE" },      /* RFC 4557 */
    { 19, "PA-ETYPE-INFO2" },           /* RFC 4120 */
    { 20, "PA-SVR-REFERRAL-INFO" },     /* also PA-USE-SPECIFIED-KVNO */
    { 21, "PA-SAM-REDIRECT" },
    { 22, "PA-GET-FROM-TYPED-DATA" },   /* also TD-PADATA */
    { 23, "PA-SAM-ETYPE-INFO" },
    { 24, "PA-ALT-PRINC" },
    { 25, "PA-SERVER-REFERRAL" },       /* RFC 6806 drafts */
    { 30, "PA-SAM-CHALLENGE2" },
    { 31, "PA-SAM-RESPONSE2" },
    { 41, "PA-EXTRA-TGT" },             /* reserved */
    { 71, "PA-FX-FAST-ARMOR" },         /* Heimdal */
    { 102, "TD-KRB-PRINCIPAL" },        /* Heimdal */
    { 104, "TD-TRUSTED-CERTIFIERS" },   /* RFC 4556 */
    { 105, "TD-INVALID-CERTIFICATES" }, /* RFC 4556 */
    { 106, "TD-APP-DEFINED-ERROR" },    /* RFC 4120 */
    { 107, "TD-REQ-NONCE" },            /* RFC 4120 */
    { 108, "TD-REQ-SEQ" },              /* RFC 4120 */
    { 109, "TD-DH-PARAMETERS" },        /* RFC 4556 */
    { 111, "TD-CMS-DIGEST-ALGORITHMS" },   /* RFC 8636 */
    { 112, "TD-CERT-DIGEST-ALGORITHMS" },  /* RFC 8636 */
    { 128, "PA-PAC-REQUEST" },          /* MS-KILE */
    { 129, "PA-FOR-USER" },             /* MS-SFU */
    { 130, "PA-S4U-X509-USER" },        /* MS-SFU */
    { 131, "PA-FOR-CHECK-DUPS" },       /* MS-KILE */
    { 132, "PA-AS-CHECKSUM" },          /* also PA-PK-AS-09-BINDING */
    { 133, "PA-FX-COOKIE" },            /* RFC 6113 */
    { 134, "PA-AUTHENTICATION-SET" },   /* RFC 6113 */
    { 135, "PA-AUTH-SET-SELECTED" },    /* RFC 6113 */
    { 136, "PA-FX-FAST" },              /* RFC 6113 */
    { 137, "PA-FX-ERROR" },             /* RFC 6113 */
    { 138, "PA-ENCRYPTED-CHALLENGE" },  /* RFC 6113 */
    { 141, "PA-OTP-CHALLENGE" },        /* RFC 6560 */
    { 142, "PA-OTP-REQUEST" },          /* RFC 6560 */
    { 143, "PA-OTP-CONFIRM" },          /* RFC 6560 drafts */
    { 144, "PA-OTP-PIN-CHANGE" },       /* RFC 6560 */
    { 145, "PA-EPAK-AS-REQ" },
    { 146, "PA-EPAK-AS-REP" },
    { 147, "PA-PKINIT-KX" },            /* RFC 8062 */
    { 148, "PA-PKU2U-NAME" },           /* draft-zhu-pku2u */
    { 149, "PA-REQ-ENC-PA-REP" },       /* RFC 6806 */
    { 150, "PA-AS-FRESHNESS" },         /* RFC 8070 */
    { 151, "PA-SPAKE" },                /* RFC 9588 */
    { 152, "PA-REDHAT-IDP-OAUTH2" },    /* MIT */
    { 153, "PA-REDHAT-PASSKEY" },       /* MIT */
    { 161, "PA-KERB-KEY-LIST-REQ" },    /* MS-KILE */
    { 162, "PA-KERB-KEY-LIST-REP" },    /* MS-KILE */
    { 165, "PA-SUPPORTED-ENCTYPES" },   /* MS-KILE */
    { 167, "PA-PAC-OPTIONS" },          /* MS-KILE, MS-SFU */
    { 655, "PA-GSS" },                  /* draft-perez-krb-wg-gss-preauth */
};

const char *
ks_padata_name(krb5_preauthtype type)
{
    for (size_t i = 0; i < sizeof(padata_names) / sizeof(padata_names[0]);
         i++) {
        if (padata_names[i].type == type)
            return padata_names[i].name;
    }
    return NULL;
}
