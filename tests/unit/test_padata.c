/*
 * padata: finding an element in a PA-DATA sequence, and the one table of
 * padata type names that traces, kstep decode and JSON show (issue 15:
 * numbers a Samba AD KDC sends, such as 15, 147 and 655, had no name).
 */
#include <stdlib.h>
#include <string.h>

#include "wire/padata.h"
#include "tap.h"

/* Numbers checked against MIT's krb5.h (KRB5_PADATA_*), Heimdal's
 * krb5.asn1 (PADATA-TYPE) and the RFCs that define them. */
static void
test_names(void)
{
    static const struct {
        krb5_preauthtype type;
        const char *name;
    } want[] = {
        { 1, "PA-TGS-REQ" },            { 2, "PA-ENC-TIMESTAMP" },
        { 3, "PA-PW-SALT" },            { 11, "PA-ETYPE-INFO" },
        { 14, "PA-PK-AS-REQ_OLD" },     { 15, "PA-PK-AS-REP_OLD" },
        { 16, "PA-PK-AS-REQ" },         { 17, "PA-PK-AS-REP" },
        { 19, "PA-ETYPE-INFO2" },       { 20, "PA-SVR-REFERRAL-INFO" },
        { 22, "PA-GET-FROM-TYPED-DATA" },
        { 25, "PA-SERVER-REFERRAL" },   { 128, "PA-PAC-REQUEST" },
        { 129, "PA-FOR-USER" },         { 130, "PA-S4U-X509-USER" },
        { 133, "PA-FX-COOKIE" },        { 136, "PA-FX-FAST" },
        { 137, "PA-FX-ERROR" },         { 138, "PA-ENCRYPTED-CHALLENGE" },
        { 141, "PA-OTP-CHALLENGE" },    { 147, "PA-PKINIT-KX" },
        { 149, "PA-REQ-ENC-PA-REP" },   { 150, "PA-AS-FRESHNESS" },
        { 151, "PA-SPAKE" },            { 165, "PA-SUPPORTED-ENCTYPES" },
        { 167, "PA-PAC-OPTIONS" },      { 655, "PA-GSS" },
    };

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *got = ks_padata_name(want[i].type);

        is_str(got != NULL ? got : "(null)", want[i].name, "padata %d",
               (int)want[i].type);
    }
    /* The constants libkrb5 names agree with the table. */
    is_str(ks_padata_name(KRB5_PADATA_PK_AS_REP_OLD), "PA-PK-AS-REP_OLD",
           "KRB5_PADATA_PK_AS_REP_OLD");
    is_str(ks_padata_name(KRB5_PADATA_PKINIT_KX), "PA-PKINIT-KX",
           "KRB5_PADATA_PKINIT_KX");
    is_str(ks_padata_name(KRB5_PADATA_PAC_OPTIONS), "PA-PAC-OPTIONS",
           "KRB5_PADATA_PAC_OPTIONS");
    ok(ks_padata_name(26) == NULL, "an unassigned number has no name");
    ok(ks_padata_name(-1) == NULL, "a negative number has no name");
    ok(ks_padata_name(65535) == NULL, "a large number has no name");
}

/* Every name in the table looks like a registry name and appears once. */
static void
test_table_shape(void)
{
    const char *seen[1024] = { 0 };
    size_t n = 0;
    bool well_formed = true, unique = true;

    for (krb5_preauthtype t = 0; t < 1024; t++) {
        const char *name = ks_padata_name(t);

        if (name == NULL)
            continue;
        if (strncmp(name, "PA-", 3) != 0 && strncmp(name, "TD-", 3) != 0)
            well_formed = false;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(seen[i], name) == 0)
                unique = false;
        }
        seen[n++] = name;
    }
    ok(n >= 60, "at least 60 named types (%zu)", n);
    ok(well_formed, "every name starts with PA- or TD-");
    ok(unique, "no name is given to two numbers");
}

static void
test_find(void)
{
    krb5_pa_data a = { .pa_type = 133 }, b = { .pa_type = 136 };
    krb5_pa_data c = { .pa_type = 136 };
    krb5_pa_data *list[] = { &a, &b, &c, NULL };

    ok(ks_padata_find(list, 136) == &b, "the first element of a type");
    ok(ks_padata_find(list, 2) == NULL, "a type not there");
    ok(ks_padata_find(NULL, 2) == NULL, "no sequence at all");
    ok(ks_padata_has(list, 133) && !ks_padata_has(list, 655),
       "ks_padata_has");
}

int
main(void)
{
    test_names();
    test_table_shape();
    test_find();
    return tap_done();
}
