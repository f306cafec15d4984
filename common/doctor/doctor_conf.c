/* doctor: what krb5.conf gets wrong, read through libkrb5's profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <profile.h>

#include "core/config.h"
#include "doctor/doctor.h"

/* [libdefaults] relations of MIT's krb5.conf(5) (1.20 to 1.22), and a few
 * Heimdal ones that MIT ignores but shared files carry. */
static const char *const libdefaults_known[] = {
    "allow_des3", "allow_rc4", "allow_weak_crypto", "ap_req_checksum_type",
    "canonicalize", "ccache_type", "clockskew",
    "client_aware_channel_bindings", "default_ccache_name",
    "default_client_keytab_name", "default_keytab_name",
    "default_rcache_name", "default_realm", "default_tgs_enctypes",
    "default_tkt_enctypes", "dns_canonicalize_hostname", "dns_fallback",
    "dns_lookup_kdc", "dns_lookup_realm", "dns_uri_lookup",
    "enforce_ok_as_delegate", "err_fmt", "extra_addresses", "forwardable",
    "ignore_acceptor_hostname", "k5login_authoritative",
    "k5login_directory", "kcm_mach_service", "kcm_socket",
    "kdc_default_options", "kdc_req_checksum_type", "kdc_timesync",
    "noaddresses", "permitted_enctypes", "plugin_base_dir",
    "preferred_preauth_types", "proxiable", "qualify_shortname", "rdns",
    "realm_try_domains", "renew_lifetime", "request_timeout",
    "safe_checksum_type", "spake_preauth_groups", "ticket_lifetime",
    "udp_preference_limit", "verify_ap_req_nofail",
    /* Heimdal's */
    "fcache_version", "default_cc_name", "default_etypes",
    "default_etypes_des", "scan_interfaces", "log_utc",
    NULL
};

/* [realms] REALM relations (pkinit_* are checked by prefix). */
static const char *const realm_known[] = {
    "admin_server", "auth_to_local", "auth_to_local_names",
    "default_domain", "disable_encrypted_timestamp", "http_anchors", "kdc",
    "kpasswd_server", "master_kdc", "primary_kdc", "sitename",
    "v4_instance_convert", "v4_realm", "clockskew", "kdc_timesync",
    NULL
};

static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
    }
    return prev[lb];
}

const char *
ks_doctor_nearest(const char *name, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = 99, limit = strlen(name) / 4 + 1;

    if (limit > 3)
        limit = 3;
    for (size_t i = 0; known[i] != NULL; i++) {
        size_t d = distance(name, known[i]);

        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

static bool
is_known(const char *name, const char *const *known)
{
    for (size_t i = 0; known[i] != NULL; i++) {
        if (strcmp(name, known[i]) == 0)
            return true;
    }
    return false;
}

static void
check_names(struct ks_doctor_report *r, profile_t prof,
            const char **path, const char *where,
            const char *const *known, bool pkinit_prefix)
{
    char **names = NULL, hint[160];

    if (profile_get_relation_names(prof, path, &names) != 0)
        return;
    for (size_t i = 0; names[i] != NULL; i++) {
        const char *n = names[i], *near;

        if (is_known(n, known) ||
            (pkinit_prefix && strncmp(n, "pkinit_", 7) == 0))
            continue;
        near = ks_doctor_nearest(n, known);
        if (near != NULL)
            snprintf(hint, sizeof(hint), "did you mean %s?", near);
        else
            snprintf(hint, sizeof(hint), "MIT's krb5.conf(5) has no such "
                     "relation; remove it or check its spelling");
        ks_doctor_add(r, KS_DOCTOR_WARNING, "config", hint,
                      "%s: unknown relation '%s' (ignored)", where, n);
    }
    profile_free_list(names);
}

static bool
realm_has_kdc(profile_t prof, const char *realm)
{
    const char *path[] = { "realms", realm, "kdc", NULL };
    char **values = NULL;
    bool has;

    if (profile_get_values(prof, path, &values) != 0)
        return false;
    has = values != NULL && values[0] != NULL;
    profile_free_list(values);
    return has;
}

static bool
dns_kdc_allowed(profile_t prof)
{
    int on = 1;

    if (profile_get_boolean(prof, "libdefaults", "dns_lookup_kdc", NULL, 1,
                            &on) != 0)
        return true;
    return on != 0;
}

static void
check_realms(struct ks_doctor_report *r, profile_t prof)
{
    const char *path[] = { "realms", NULL };
    char **realms = NULL, where[300];
    bool dns = dns_kdc_allowed(prof);

    if (profile_get_subsection_names(prof, path, &realms) != 0)
        realms = NULL;
    for (size_t i = 0; realms != NULL && realms[i] != NULL; i++) {
        const char *rpath[] = { "realms", realms[i], NULL };

        snprintf(where, sizeof(where), "[realms] %s", realms[i]);
        check_names(r, prof, rpath, where, realm_known, true);
        if (!realm_has_kdc(prof, realms[i]) && !dns)
            ks_doctor_add(r, KS_DOCTOR_WARNING, "config",
                          "add kdc = HOST[:PORT] to the realm, or turn "
                          "dns_lookup_kdc on",
                          "[realms] %s names no kdc and dns_lookup_kdc is "
                          "off: its KDCs cannot be found", realms[i]);
    }
    if (realms != NULL)
        profile_free_list(realms);
}

/* The [domain_realm] value for HOST or one of its parent domains. */
static char *
domain_realm(profile_t prof, const char *host)
{
    for (const char *d = host; d != NULL && *d != '\0';) {
        const char *path[] = { "domain_realm", d, NULL };
        char **values = NULL, *found = NULL;

        if (profile_get_values(prof, path, &values) == 0) {
            if (values[0] != NULL)
                found = strdup(values[0]);
            profile_free_list(values);
            if (found != NULL)
                return found;
        }
        /* "web.example.org" -> ".example.org" -> "example.org" -> ... */
        d = d[0] == '.' ? d + 1 : strchr(d, '.');
    }
    return NULL;
}

static void
check_domain_realm(struct ks_doctor_report *r, profile_t prof,
                   const char *host)
{
    char *realm = domain_realm(prof, host), hint[300];
    const char *dot = strchr(host, '.');

    if (realm == NULL) {
        snprintf(hint, sizeof(hint), "add \"%s = %s\" to [domain_realm]",
                 dot != NULL ? dot : host,
                 r->realm != NULL ? r->realm : "YOUR.REALM");
        ks_doctor_add(r, KS_DOCTOR_WARNING, "config", hint,
                      "no [domain_realm] entry maps %s: its services are "
                      "looked for in the default realm", host);
        return;
    }
    if (r->realm != NULL && strcmp(realm, r->realm) != 0)
        ks_doctor_add(r, KS_DOCTOR_INFO, "config", NULL,
                      "[domain_realm] maps %s to %s, not %s: tickets for "
                      "it cross realms", host, realm, r->realm);
    else
        ks_doctor_add(r, KS_DOCTOR_OK, "config", NULL,
                      "[domain_realm] maps %s to %s", host, realm);
    free(realm);
}

void
ks_doctor_check_config(struct ks_context *ctx, const char *host,
                       struct ks_doctor_report *r)
{
    const char *libdefaults[] = { "libdefaults", NULL };
    profile_t prof = NULL;
    char *def = NULL;

    if (krb5_get_profile(ctx->k5, &prof) != 0)
        return;
    if (profile_get_string(prof, "libdefaults", "default_realm", NULL, NULL,
                           &def) != 0 || def == NULL)
        ks_doctor_add(r, r->realm != NULL ? KS_DOCTOR_WARNING
                                          : KS_DOCTOR_ERROR, "config",
                      "add default_realm = YOUR.REALM to [libdefaults]",
                      r->realm != NULL
                      ? "krb5.conf has no default_realm: names without "
                        "@REALM cannot be used"
                      : "krb5.conf has no default_realm and no realm was "
                        "named: there is no realm to examine");
    profile_release_string(def);
    check_names(r, prof, libdefaults, "[libdefaults]", libdefaults_known,
                false);
    check_realms(r, prof);
    if (host != NULL)
        check_domain_realm(r, prof, host);
    profile_release(prof);
}
