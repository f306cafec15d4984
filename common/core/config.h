/*
 * config: the krb5.conf settings kstep's exchanges use, read once per run
 * through libkrb5's profile API.  Defaults are MIT's.
 */
#ifndef KS_CONFIG_H
#define KS_CONFIG_H

#include <stdbool.h>
#include <krb5.h>

#define KS_DEFAULT_UDP_PREFERENCE_LIMIT 1465
#define KS_MAX_UDP_PREFERENCE_LIMIT 32700
#define KS_DEFAULT_CLOCKSKEW 300
#define KS_DEFAULT_TICKET_LIFETIME (24 * 60 * 60)
/* Total bound on one request to a realm's KDCs, all KDCs and retries. */
#define KS_DEFAULT_REQUEST_TIMEOUT_MS 10000

struct ks_config {
    char *default_realm;            /* NULL when krb5.conf names none */
    int udp_preference_limit;       /* bytes; larger requests go over TCP */
    krb5_deltat ticket_lifetime;
    krb5_deltat renew_lifetime;     /* 0: not renewable */
    krb5_deltat clockskew;
    bool forwardable;
    bool proxiable;
    bool noaddresses;
    bool canonicalize;              /* ask for name canonicalization */
    bool kdc_timesync;
    krb5_flags kdc_default_options; /* AS-REQ options to start from */
    bool allow_weak_crypto;
    int request_timeout_ms;         /* libdefaults request_timeout */
    /* 0-terminated, in order; each list is read as MIT reads it: when
     * absent, permitted_enctypes' text stands for it. */
    krb5_enctype *tkt_enctypes;       /* default_tkt_enctypes: AS-REQ */
    krb5_enctype *tgs_enctypes;       /* default_tgs_enctypes: TGS-REQ */
    krb5_enctype *permitted_enctypes; /* what a reply may use, besides
                                       * what was asked for */
};

/*
 * Read [libdefaults] into *cfg_out.  A realm-specific value in [realms]
 * (clockskew, ...) is not applied here; use ks_config_realm_string().
 * Returns 0, ENOMEM or a profile error.  Free with ks_config_clear().
 */
krb5_error_code ks_config_load(krb5_context kctx, struct ks_config *cfg_out);

void ks_config_clear(struct ks_config *cfg);

/*
 * All values of [realms] REALM NAME (for example "kdc"), in file order, as a
 * NULL-terminated array the caller frees with ks_config_free_list().
 * No value is not an error: *values_out is then an array of one NULL.
 */
krb5_error_code ks_config_realm_values(krb5_context kctx, const char *realm,
                                       const char *name, char ***values_out);

void ks_config_free_list(char **values);

/*
 * The value of NAME in the realm's own subsection of [libdefaults]
 * ("[libdefaults] REALM = { forwardable = true }"), which MIT prefers to
 * the plain [libdefaults] value for the options of an AS request.  Sets
 * *VALUE_OUT to a string to free(), or to NULL when the realm has none
 * (the plain value in struct ks_config then holds).  Returns 0 or ENOMEM.
 */
krb5_error_code ks_config_realm_libdefault(krb5_context kctx,
                                           const krb5_data *realm,
                                           const char *name,
                                           char **value_out);

/* A boolean as MIT's profile reads one: y, yes, true, t, 1, on. */
bool ks_config_parse_bool(const char *text);

/*
 * Parse an enctype list as krb5.conf writes it ("aes256-cts DEFAULT -rc4",
 * families "aes", "camellia", "des3", "rc4" as MIT 1.20, and kstep's
 * "aes-sha1", "aes-sha2"), keeping
 * only enctypes libkrb5 implements and, unless allow_weak, none that are
 * weak.  Returns a 0-terminated array the caller free()s.
 */
krb5_error_code ks_config_parse_enctypes(const char *text, bool allow_weak,
                                         krb5_enctype **list_out);

#endif /* KS_CONFIG_H */
