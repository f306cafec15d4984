/*
 * tgs_path: which realms a cross-realm request goes through ([capaths],
 * else straight to the service realm, as MIT's client does; or, for
 * kstep's last resort, the hierarchical path over common domain suffixes),
 * and which realm [domain_realm] gives a host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <profile.h>

#include "core/config.h"
#include "core/errors.h"
#include "exchange/tgs.h"

/* Largest path: the client realm and KS_TGS_MAX_HOPS more. */
#define MAX_PATH (KS_TGS_MAX_HOPS + 1)

struct path {
    char *realms[MAX_PATH + 1];     /* NULL-terminated */
    size_t n;
};

static krb5_error_code
path_add(struct path *p, const char *realm, size_t len)
{
    if (p->n >= MAX_PATH)
        return KRB5_CONFIG_BADFORMAT;
    for (size_t i = 0; i < p->n; i++) {
        if (strlen(p->realms[i]) == len &&
            memcmp(p->realms[i], realm, len) == 0)
            return KRB5_CONFIG_BADFORMAT;   /* a loop */
    }
    p->realms[p->n] = strndup(realm, len);
    if (p->realms[p->n] == NULL)
        return ENOMEM;
    p->n++;
    return 0;
}

static void
path_clear(struct path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->realms[i]);
    memset(p, 0, sizeof(*p));
}

/* [capaths] CLIENT = { SERVICE = I1 I2 ... } ("." alone: direct).
 * *found is false when the pair is not configured. */
static krb5_error_code
capaths(struct ks_context *ctx, const char *client, const char *service,
        struct path *p, bool *found)
{
    profile_t prof = NULL;
    const char *names[4] = { "capaths", client, service, NULL };
    char **vals = NULL;
    krb5_error_code ret;

    *found = false;
    ret = krb5_get_profile(ctx->k5, &prof);
    if (ret)
        return ret;
    ret = profile_get_values(prof, names, &vals);
    if (ret == PROF_NO_RELATION || ret == PROF_NO_SECTION) {
        ret = 0;
        goto cleanup;
    }
    if (ret)
        goto cleanup;
    *found = true;
    ret = path_add(p, client, strlen(client));
    for (size_t i = 0; !ret && vals[i] != NULL; i++) {
        if (strcmp(vals[i], ".") != 0)
            ret = path_add(p, vals[i], strlen(vals[i]));
    }
    if (!ret)
        ret = path_add(p, service, strlen(service));

cleanup:
    profile_free_list(vals);
    profile_release(prof);
    return ret;
}

/* How many trailing dot-separated components A and B share. */
static size_t
common_suffix(const char *a, const char *b, const char **sa, const char **sb)
{
    size_t la = strlen(a), lb = strlen(b), k = 0;
    size_t i = la, j = lb;

    *sa = a + la;
    *sb = b + lb;
    /* Walk back one component at a time while the tails agree. */
    while (i > 0 && j > 0) {
        size_t ci = i, cj = j;

        while (ci > 0 && a[ci - 1] != '.')
            ci--;
        while (cj > 0 && b[cj - 1] != '.')
            cj--;
        if (i - ci != j - cj || memcmp(a + ci, b + cj, i - ci) != 0)
            break;
        k++;
        *sa = a + ci;
        *sb = b + cj;
        if (ci == 0 || cj == 0)
            break;
        i = ci - 1;
        j = cj - 1;
    }
    return k;
}

/* MIT's hierarchical path: up from CLIENT to the common suffix, then down
 * to SERVICE; no common suffix: straight there. */
static krb5_error_code
hierarchical(const char *client, const char *service, struct path *p)
{
    const char *sc, *ss, *s;
    krb5_error_code ret;

    if (common_suffix(client, service, &sc, &ss) == 0) {
        ret = path_add(p, client, strlen(client));
        return ret ? ret : path_add(p, service, strlen(service));
    }
    /* Up: CLIENT and each of its parents down to the common suffix. */
    for (s = client; ; s = strchr(s, '.') + 1) {
        ret = path_add(p, s, strlen(s));
        if (ret || s == sc)
            break;
    }
    if (ret)
        return ret;
    /* Down: the parents of SERVICE below the common suffix, then it. */
    for (const char *stop = ss; stop > service;) {
        const char *start = stop - 1;       /* the '.' before STOP */

        while (start > service && start[-1] != '.')
            start--;
        ret = path_add(p, start, strlen(start));
        if (ret)
            return ret;
        stop = start;
    }
    return 0;
}

/* The path from CLIENT to SERVICE: [capaths], else the hierarchy when
 * HIERARCHY is set, else straight there. */
static krb5_error_code
make_path(struct ks_context *ctx, const char *client, const char *service,
          bool hierarchy, char ***path_out)
{
    struct path p = { 0 };
    bool found;
    char **out;
    krb5_error_code ret;

    ret = capaths(ctx, client, service, &p, &found);
    if (!ret && !found && hierarchy) {
        ret = hierarchical(client, service, &p);
    } else if (!ret && !found) {
        ret = path_add(&p, client, strlen(client));
        if (!ret)
            ret = path_add(&p, service, strlen(service));
    }
    if (ret == KRB5_CONFIG_BADFORMAT)
        ks_error_set(ctx, ret, "the path from realm %s to %s is longer "
                     "than %d hops or names a realm twice", client,
                     service, KS_TGS_MAX_HOPS);
    if (ret) {
        path_clear(&p);
        return ret;
    }
    out = calloc(p.n + 1, sizeof(*out));
    if (out == NULL) {
        path_clear(&p);
        return ENOMEM;
    }
    memcpy(out, p.realms, p.n * sizeof(*out));
    *path_out = out;
    return 0;
}

krb5_error_code
ks_tgs_realm_path(struct ks_context *ctx, const char *client_realm,
                  const char *service_realm, char ***path_out)
{
    return make_path(ctx, client_realm, service_realm, true, path_out);
}

krb5_error_code
ks_tgs_client_path(struct ks_context *ctx, const char *client_realm,
                   const char *service_realm, char ***path_out)
{
    return make_path(ctx, client_realm, service_realm, false, path_out);
}

krb5_error_code
ks_tgs_host_realm(struct ks_context *ctx, const char *host, char **realm_out)
{
    profile_t prof = NULL;
    char *val = NULL, *lower = NULL;
    const char *cp;
    krb5_error_code ret;

    *realm_out = NULL;
    lower = strdup(host);
    if (lower == NULL)
        return ENOMEM;
    for (char *c = lower; *c != '\0'; c++) {
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
    ret = krb5_get_profile(ctx->k5, &prof);
    if (ret)
        goto cleanup;
    /* "web.test.realm", ".test.realm", "test.realm", ".realm", "realm":
     * each step moves CP forward, so this ends. */
    for (cp = lower; cp != NULL && *cp != '\0';) {
        if (profile_get_string(prof, "domain_realm", cp, NULL, NULL,
                               &val) == 0 && val != NULL)
            break;
        if (*cp == '.')
            cp++;
        else
            cp = strchr(cp, '.');
    }
    if (val != NULL && *val != '\0') {
        *realm_out = strdup(val);
        if (*realm_out == NULL)
            ret = ENOMEM;
    }

cleanup:
    profile_release_string(val);
    profile_release(prof);
    free(lower);
    return ret;
}
