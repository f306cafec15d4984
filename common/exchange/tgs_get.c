/*
 * tgs_get: a service ticket from the cache or through the eight steps,
 * with the TGT of the service's realm found in the cache or fetched along
 * the realm path, and server referrals followed when asked for.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds/ccache.h"
#include "creds/ccache_lookup.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/hash.h"
#include "core/mit_trace.h"
#include "core/text.h"
#include "exchange/fast.h"
#include "exchange/tgs.h"
#include "exchange/tgs_int.h"
#include "wire/locate.h"

/* What one run of ks_tgs_get_creds* works with. */
struct walk {
    struct ks_context *ctx;
    krb5_ccache cc;
    struct ks_ccache_index *idx;
    const struct ks_tgs_get_options *opts;
    krb5_timestamp now;
    /* A run replacing many tickets appends each and takes the earlier
     * ones out in one rewrite at the end (ks_ccache_drop_superseded), not
     * with a scan of the cache per ticket. */
    bool defer_removal;
    struct ks_ccache_fresh *fresh;
    size_t nfresh, fresh_cap;
};

static krb5_error_code
walk_init(struct walk *w, struct ks_context *ctx, krb5_ccache cc,
          struct ks_ccache_index *idx, const struct ks_tgs_get_options *opts)
{
    krb5_int32 usec;

    w->ctx = ctx;
    w->cc = cc;
    w->idx = idx;
    w->opts = opts;
    w->defer_removal = false;
    w->fresh = NULL;
    w->nfresh = w->fresh_cap = 0;
    return krb5_us_timeofday(ctx->k5, &w->now, &usec);
}

/* With -e: the one enctype asked for, which a cached ticket must have. */
static krb5_enctype
wanted_etype(const struct walk *w)
{
    const krb5_enctype *e = w->opts->request.etypes;

    return e != NULL && e[0] != 0 && e[1] == 0 ? e[0] : 0;
}

static const krb5_creds *
find_valid(const struct walk *w, krb5_const_principal server,
           krb5_enctype etype)
{
    struct ks_ccache_match m;

    m.etype = etype;
    m.permitted = w->ctx->config.permitted_enctypes;
    m.now = w->now;
    return ks_ccache_index_find(w->idx, server, &m);
}

static const krb5_data *
client_realm(const struct walk *w)
{
    return &ks_ccache_index_client(w->idx)->realm;
}

/* MIT traces each cache look-up with its result; ours look in the cache's
 * contents read once, and say the same. */
static void
mtrace_lookup(const struct walk *w, krb5_const_principal server,
              const krb5_creds *found)
{
    KS_MTRACE_CC_RETRIEVE(w->ctx, w->cc, ks_ccache_index_client(w->idx),
                          server, found != NULL ? 0 : KRB5_CC_NOTFOUND);
}

static bool
data_eq(const krb5_data *a, const char *s)
{
    return a->length == strlen(s) && memcmp(a->data, s, a->length) == 0;
}

static krb5_error_code
tgs_principal(struct walk *w, const char *to, const char *at,
              krb5_principal *out)
{
    return krb5_build_principal_ext(w->ctx->k5, out, (unsigned int)strlen(at),
                                    at, KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                    (unsigned int)strlen(to), to, 0);
}

/* The cache's own TGT krbtgt/C@C, valid now. */
static krb5_error_code
local_tgt(struct walk *w, const krb5_creds **tgt_out)
{
    const krb5_data *r = client_realm(w);
    krb5_principal tgs = NULL;
    const krb5_creds *c;
    char *realm, name[256], when[64];
    krb5_error_code ret;

    realm = strndup(r->data, r->length);
    if (realm == NULL)
        return ENOMEM;
    ret = tgs_principal(w, realm, realm, &tgs);
    free(realm);
    if (ret)
        return ret;
    c = find_valid(w, tgs, 0);
    mtrace_lookup(w, tgs, c);
    ks_text_principal(w->ctx->k5, tgs, name, sizeof(name));
    if (c == NULL && (ret = ks_ccache_index_error(w->idx)) != 0) {
        krb5_free_principal(w->ctx->k5, tgs);
        return ret;
    }
    if (c != NULL) {
        KS_MTRACE_TKT_CREDS_LOCAL_TGT(w->ctx, ks_ccache_index_client(w->idx),
                                      tgs);
        *tgt_out = c;
    } else if ((c = ks_ccache_index_find_any(w->idx, tgs)) != NULL) {
        krb5_timestamp_to_sfstring(c->times.endtime, when, sizeof(when),
                                   NULL);
        ret = ks_error_set(w->ctx, KRB5KRB_AP_ERR_TKT_EXPIRED,
                           "the ticket-granting ticket %s expired at %s",
                           name, when);
    } else {
        ret = ks_error_set(w->ctx, KRB5_CC_NOTFOUND, "no ticket-granting "
                           "ticket %s in the credentials cache", name);
    }
    if (ret) {
        const char *msg = ks_context_message(w->ctx, ret);

        krb5_set_error_message(w->ctx->k5, ret, "%s (%s)", msg,
                               ks_error_hint(ret) ? ks_error_hint(ret) :
                               "run kinit first");
        ks_context_free_message(w->ctx, msg);
    }
    krb5_free_principal(w->ctx->k5, tgs);
    return ret;
}

/* The options a request inherits from its TGT's flags (MIT's
 * KDC_TKT_COMMON_MASK): forwardable, proxiable, may-postdate, renewable. */
#define INHERITED_FLAGS (TKT_FLG_FORWARDABLE | TKT_FLG_PROXIABLE | \
                         TKT_FLG_MAY_POSTDATE | TKT_FLG_RENEWABLE)

void
ks_tgs_as_kvno_would(struct ks_context *ctx, krb5_ccache cc,
                     const krb5_creds *tgt, struct ks_tgs_options *opts)
{
    opts->kdc_options |= tgt->ticket_flags & INHERITED_FLAGS;
    /* FAST with implicit TGT armor when the cache says the TGT's KDC
     * advertised it (MIT's fast_avail entry, which kinit writes). */
    opts->fast = opts->fast ||
                 ks_fast_ccache_avail(ctx, cc, ks_tgs_kdc_realm(tgt));
}

/* Steps 1, 6 and 7 for SERVER with TGT.  A TGT on the way (FOR_TGT) is
 * asked for with the configured enctypes, not the service's -e.  When
 * REFUSED_OUT is not NULL it tells whether a failure came from the KDC's
 * reply (a KRB-ERROR or a reply that failed a check) rather than from
 * building or sending the request: only then may the realm path try a
 * closer realm, as MIT does. */
static krb5_error_code
exchange(struct walk *w, const krb5_creds *tgt, krb5_const_principal server,
         krb5_flags extra_options, bool for_tgt, bool *refused_out,
         krb5_creds **creds_out)
{
    struct ks_tgs_options o = w->opts->request;
    struct ks_tgs_request *req = NULL;
    krb5_data reply = { 0 };
    bool refused = false;
    krb5_error_code ret;

    o.kdc_options |= extra_options;
    if (for_tgt)
        o.etypes = NULL;
    ks_tgs_as_kvno_would(w->ctx, w->cc, tgt, &o);
    ret = ks_tgs_build_request(w->ctx, tgt, server, &o, &req);
    if (!ret)
        ret = ks_tgs_send(w->ctx, req, &reply, NULL);
    if (!ret) {
        ret = ks_tgs_open_reply(w->ctx, req, &reply, creds_out);
        KS_MTRACE_TKT_CREDS_RESPONSE_CODE(w->ctx, ret);
        refused = ret != 0;
    }
    if (refused_out != NULL)
        *refused_out = refused;
    krb5_free_data_contents(w->ctx->k5, &reply);
    ks_tgs_request_free(w->ctx, req);
    return ret;
}

/* Remember that CREDS was stored in place of earlier tickets, for the
 * rewrite at the end of the run. */
static krb5_error_code
defer_removal(struct walk *w, const krb5_creds *creds)
{
    struct ks_ccache_fresh *grown, *f;
    size_t cap;
    krb5_error_code ret;

    if (w->nfresh == w->fresh_cap) {
        cap = w->fresh_cap == 0 ? 64 : w->fresh_cap * 2;
        grown = realloc(w->fresh, cap * sizeof(*grown));
        if (grown == NULL)
            return ENOMEM;
        w->fresh = grown;
        w->fresh_cap = cap;
    }
    f = &w->fresh[w->nfresh];
    ret = krb5_copy_principal(w->ctx->k5, creds->server, &f->server);
    if (ret)
        return ret;
    f->ticket_hash = ks_hash_bytes(KS_HASH_INIT, creds->ticket.data,
                                   creds->ticket.length);
    w->nfresh++;
    return 0;
}

/* Take out the tickets the run's stores replaced, in one rewrite. */
static krb5_error_code
finish_removal(struct walk *w)
{
    krb5_error_code ret = 0;

    if (w->nfresh > 0)
        ret = ks_ccache_drop_superseded(w->ctx, w->cc, w->fresh, w->nfresh,
                                        NULL);
    for (size_t i = 0; i < w->nfresh; i++)
        krb5_free_principal(w->ctx->k5, w->fresh[i].server);
    free(w->fresh);
    w->fresh = NULL;
    w->nfresh = w->fresh_cap = 0;
    return ret;
}

/* Step 8.  The cache is scanned to take out an earlier ticket for the
 * server only when the index holds one: kvno of many new services must
 * not rescan the cache for each.  (CREDS's client is the index's: it is
 * the client of a TGT the index gave.) */
static krb5_error_code
store(struct walk *w, const krb5_creds *creds)
{
    bool held, now;
    krb5_error_code ret;

    held = ks_ccache_index_find_any(w->idx, creds->server) != NULL;
    now = held && !w->defer_removal;
    ret = ks_tgs_store(w->ctx, w->cc, creds, now ? KS_TGS_STORE_REPLACE
                                                 : KS_TGS_STORE_APPEND);
    if (!ret && held && w->defer_removal)
        ret = defer_removal(w, creds);
    if (!ret && held)
        ret = ks_ccache_index_forget(w->ctx, w->idx, creds);
    return ret;
}

/* Step 8 (unless no_store) and the in-memory index. */
static krb5_error_code
keep(struct walk *w, const krb5_creds *creds, bool store_it,
     const krb5_creds **kept_out)
{
    krb5_error_code ret;

    if (store_it && !w->opts->no_store && (ret = store(w, creds)) != 0)
        return ret;
    return ks_ccache_index_add(w->ctx, w->idx, creds, kept_out);
}

/* Whether REALM is one of the first N of SEEN. */
static bool
seen_before(const krb5_data *realm, char **seen, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data_eq(realm, seen[i]))
            return true;
    }
    return false;
}

/* Where REALM is in PATH after position FROM, or 0. */
static size_t
path_pos(char **path, size_t from, const krb5_data *realm)
{
    for (size_t i = from + 1; path[i] != NULL; i++) {
        if (data_eq(realm, path[i]))
            return i;
    }
    return 0;
}

/* A valid cached TGT for PATH[TO] issued by any realm before it on the
 * path (MIT matches the TGT's name only, whoever issued it), or NULL. */
static krb5_error_code
cached_tgt(struct walk *w, char **path, size_t to, const krb5_creds **tgt_out)
{
    krb5_principal want = NULL;
    const krb5_creds *c = NULL;
    krb5_error_code ret = 0;

    for (size_t i = 0; c == NULL && i < to; i++) {
        ret = tgs_principal(w, path[to], path[i], &want);
        if (ret)
            break;
        c = find_valid(w, want, 0);
        mtrace_lookup(w, want, c);
        krb5_free_principal(w->ctx->k5, want);
    }
    *tgt_out = c;
    return ret;
}

/* Ask the KDC that *TGT is for (TO's issuer AT) for krbtgt/TO@AT; the
 * reply must be a TGT issued by AT.  *refused_out as for exchange(). */
static krb5_error_code
ask_tgt(struct walk *w, const char *to, const char *at,
        const krb5_creds *tgt, bool *refused_out, krb5_creds **got_out)
{
    krb5_principal want = NULL;
    krb5_creds *got = NULL;
    char name[256];
    krb5_error_code ret;

    *refused_out = false;
    ret = tgs_principal(w, to, at, &want);
    if (ret)
        return ret;
    if (w->opts->cached_only) {
        ret = ks_error_set(w->ctx, KRB5_CC_NOTFOUND, "no cross-realm "
                           "ticket-granting ticket %s in the cache",
                           ks_text_principal(w->ctx->k5, want, name,
                                             sizeof(name)));
        goto cleanup;
    }
    KS_MTRACE_TKT_CREDS_TGT_REQ(w->ctx, want, tgt->server);
    ret = exchange(w, tgt, want, 0, true, refused_out, &got);
    if (ret)
        goto cleanup;
    if (!ks_tgs_is_tgs_principal(got->server) ||
        !data_eq(&got->server->realm, at)) {
        ret = ks_error_set(w->ctx, KRB5_KDCREP_MODIFIED, "the KDC of %s "
                           "sent %s, not a ticket-granting ticket of its "
                           "own", at, ks_text_principal(w->ctx->k5,
                                                        got->server, name,
                                                        sizeof(name)));
        goto cleanup;
    }
    ks_trace(w->ctx->trace, "TGS path", 0, "hop", "cross-realm TGT %s",
             ks_text_principal(w->ctx->k5, got->server, name, sizeof(name)));
    *got_out = got;
    got = NULL;

cleanup:
    krb5_free_creds(w->ctx->k5, got);
    krb5_free_principal(w->ctx->k5, want);
    return ret;
}

/*
 * A KDC on the path sent a TGT for a realm off it (it knows another way):
 * ask the KDC of each TGT received for the service realm's TGT, as MIT
 * does, until it comes (KRB5_KDC_UNREACH on a loop or after
 * KS_TGS_MAX_HOPS).  These TGTs are kept in memory only, as MIT keeps them.
 */
static krb5_error_code
off_path(struct walk *w, const char *target, krb5_creds *first,
         bool *refused_out, const krb5_creds **tgt_out)
{
    char *seen[KS_TGS_MAX_HOPS + 1] = { 0 };
    const krb5_creds *tgt = NULL;
    krb5_creds *got = first;
    const krb5_data *r;
    size_t n = 0;
    krb5_error_code ret = 0;

    *refused_out = false;
    while (!ret) {
        r = &got->server->data[1];
        if (seen_before(r, seen, n) || n == KS_TGS_MAX_HOPS) {
            ret = ks_error_set(w->ctx, KRB5_KDC_UNREACH, "off the realm "
                               "path: a loop or too many hops at %.*s",
                               (int)r->length, r->data);
            break;
        }
        seen[n] = strndup(r->data, r->length);
        ret = seen[n] == NULL ? ENOMEM : keep(w, got, false, &tgt);
        if (ret)
            break;
        krb5_free_creds(w->ctx->k5, got);
        got = NULL;
        if (data_eq(&tgt->server->data[1], target))
            break;
        ks_trace(w->ctx->trace, "TGS path", 0, "off path",
                 "realm %s is off the path: asking its KDC for %s",
                 seen[n], target);
        ret = ask_tgt(w, target, seen[n++], tgt, refused_out, &got);
    }
    if (!ret)
        *tgt_out = tgt;
    krb5_free_creds(w->ctx->k5, got);
    for (size_t i = 0; i <= n && i <= KS_TGS_MAX_HOPS; i++)
        free(seen[i]);
    return ret;
}

/*
 * Walk PATH (client realm first, service realm last) from *TGT, the local
 * TGT, in MIT's order (get_creds.c): from the realm reached so far, ask
 * first for the TGT of the service realm itself (a direct cross-realm
 * key); when that KDC refuses, for the realm before it on the path, and so
 * on back towards the realm reached.  A TGT received for a realm on the
 * path moves the walk there (and is stored when it is the one asked for,
 * as MIT stores it); one for a realm off the path starts off_path().  A
 * cached TGT stands in for a request.  The last refusal is the error, and
 * *refused_out says the walk ended on one.
 */
static krb5_error_code
walk_path(struct walk *w, char **path, bool direct_refused,
          const krb5_creds **tgt, bool *refused_out)
{
    const krb5_creds *c;
    krb5_creds *got = NULL;
    size_t last = 0, cur = 0, next, j;
    krb5_error_code ret = 0;

    while (path[last + 1] != NULL)
        last++;
    /* DIRECT_REFUSED: the client realm's KDC already refused the TGT of
     * the service realm; ask for the realm before it. */
    next = direct_refused && last > 1 ? last - 1 : last;
    /* Each pass moves CUR forward or NEXT back towards CUR: it ends. */
    while (cur < last) {
        ret = cached_tgt(w, path, next, &c);
        if (ret)
            return ret;
        if (c != NULL) {
            *tgt = c;
            cur = next;
            next = last;
            continue;
        }
        ret = ask_tgt(w, path[next], path[cur], *tgt, refused_out, &got);
        if (ret && (!*refused_out || next == cur + 1))
            return ret;
        if (ret) {
            ks_trace(w->ctx->trace, "TGS path", 0, "closer",
                     "the KDC of %s refused krbtgt/%s@%s: trying the "
                     "closer realm %s", path[cur], path[next], path[cur],
                     path[next - 1]);
            next--;
            continue;
        }
        j = path_pos(path, cur, &got->server->data[1]);
        if (j == last)
            KS_MTRACE_TKT_CREDS_TARGET_TGT(w->ctx, got->server);
        else
            KS_MTRACE_TKT_CREDS_ADVANCE(w->ctx, &got->server->data[1]);
        if (j == 0 && data_eq(&got->server->data[1], path[0])) {
            krb5_free_creds(w->ctx->k5, got);
            return ks_error_set(w->ctx, KRB5_KDCREP_MODIFIED, "the KDC of "
                                "%s sent the client realm's TGT back",
                                path[cur]);
        }
        if (j == 0)
            return off_path(w, path[last], got, refused_out, tgt);
        ret = keep(w, got, j == next, tgt);
        krb5_free_creds(w->ctx->k5, got);
        got = NULL;
        if (ret)
            return ret;
        cur = j;
        next = last;
    }
    return 0;
}

/* kstep's last resort after MIT's walk ended on refusal MIT_RET: PATH, the
 * hierarchical path, from LOCAL.  If that fails too, MIT's error stays. */
static krb5_error_code
walk_hierarchy(struct walk *w, char **path, krb5_error_code mit_ret,
               const krb5_creds *local, const krb5_creds **tgt_out)
{
    const char *msg = ks_context_message(w->ctx, mit_ret);
    const krb5_creds *tgt = local;
    bool refused;
    krb5_error_code ret;

    ks_trace(w->ctx->trace, "TGS path", 0, "hierarchy",
             "no way found where MIT looks: trying the realm hierarchy "
             "through %s", path[1]);
    ret = walk_path(w, path, true, &tgt, &refused);
    if (ret && msg != NULL) {
        krb5_set_error_message(w->ctx->k5, mit_ret, "%s", msg);
        ret = mit_ret;
    }
    ks_context_free_message(w->ctx, msg);
    if (!ret)
        *tgt_out = tgt;
    return ret;
}

/*
 * A TGT that the KDC of REALM accepts: a valid cached TGT for REALM, or one
 * fetched along MIT's client path from the local TGT (walk_path).  Where
 * MIT gives up on a refusal and the realm hierarchy offers intermediate
 * realms that [capaths] did not name, kstep walks that path too; when
 * that fails as well, the error is MIT's.
 */
static krb5_error_code
tgt_for_realm(struct walk *w, const char *realm, const krb5_creds **tgt_out)
{
    const krb5_data *cr = client_realm(w);
    const krb5_creds *tgt = NULL, *local = NULL;
    char **path = NULL, **hier = NULL, *client = NULL;
    size_t last = 1;
    bool refused = false;
    krb5_error_code ret;

    if (data_eq(cr, realm))
        return local_tgt(w, tgt_out);
    client = strndup(cr->data, cr->length);
    if (client == NULL)
        return ENOMEM;
    ret = ks_tgs_client_path(w->ctx, client, realm, &path);
    while (!ret && path[last + 1] != NULL)
        last++;
    if (!ret)
        ret = cached_tgt(w, path, last, &tgt);
    if (!ret && tgt != NULL)
        KS_MTRACE_TKT_CREDS_CACHED_SERVICE_TGT(w->ctx, tgt->client,
                                               tgt->server);
    if (ret || tgt != NULL)
        goto done;
    ret = local_tgt(w, &local);
    if (ret)
        goto done;
    ks_trace(w->ctx->trace, "TGS path", 0, "path",
             "no TGT for %s in the cache: going there from %s", realm,
             client);
    tgt = local;
    ret = walk_path(w, path, false, &tgt, &refused);
    if (ret && refused && path[2] == NULL &&
        ks_tgs_realm_path(w->ctx, client, realm, &hier) == 0 &&
        hier[2] != NULL)
        ret = walk_hierarchy(w, hier, ret, local, &tgt);

done:
    if (!ret)
        *tgt_out = tgt;
    ks_config_free_list(hier);
    ks_config_free_list(path);
    free(client);
    return ret;
}

static krb5_error_code
with_realm(struct walk *w, krb5_const_principal p, const char *realm,
           size_t len, krb5_principal *out)
{
    krb5_principal copy = NULL;
    char *r;
    krb5_error_code ret;

    ret = krb5_copy_principal(w->ctx->k5, p, &copy);
    if (ret)
        return ret;
    r = malloc(len + 1);
    if (r == NULL) {
        krb5_free_principal(w->ctx->k5, copy);
        return ENOMEM;
    }
    memcpy(r, realm, len);
    r[len] = '\0';
    free(copy->realm.data);
    copy->realm.data = r;
    copy->realm.length = (unsigned int)len;
    *out = copy;
    return 0;
}

static krb5_error_code
referral_error(struct walk *w, const char *why, const krb5_data *realm)
{
    return ks_error_set(w->ctx, KRB5_KDCREP_MODIFIED, "following "
                        "referrals: %s (%.*s)", why, (int)realm->length,
                        realm->data);
}

/* Follow server referrals (canonicalize) from TGT's realm: each referral
 * is a TGT krbtgt/NEXT@CUR, decided from the reply's encrypted part. */
static krb5_error_code
follow_referrals(struct walk *w, krb5_const_principal server,
                 const krb5_creds *tgt, krb5_creds **creds_out)
{
    char *seen[KS_TGS_MAX_HOPS + 1] = { 0 };
    krb5_principal ask = NULL;
    krb5_creds *got = NULL;
    const krb5_data *cur = ks_tgs_kdc_realm(tgt), *next;
    size_t nseen = 0, hops;
    char name[256];
    krb5_error_code ret = 0;

    for (hops = 0; hops <= KS_TGS_MAX_HOPS; hops++) {
        seen[nseen] = strndup(cur->data, cur->length);
        if (seen[nseen] == NULL) {
            ret = ENOMEM;
            break;
        }
        nseen++;
        krb5_free_principal(w->ctx->k5, ask);
        ask = NULL;
        ret = with_realm(w, server, cur->data, cur->length, &ask);
        if (!ret)
            KS_MTRACE_TKT_CREDS_SERVICE_REQ(w->ctx, ask, true);
        if (!ret)
            ret = exchange(w, tgt, ask, KDC_OPT_CANONICALIZE, false, NULL,
                           &got);
        if (ret || !ks_tgs_is_tgs_principal(got->server) ||
            ks_tgs_is_tgs_principal(server))
            break;
        next = &got->server->data[1];
        if (!data_eq(&got->server->realm, seen[nseen - 1]))
            ret = referral_error(w, "a referral TGT from another realm",
                                 &got->server->realm);
        else if (seen_before(next, seen, nseen))
            ret = referral_error(w, "referral loop", next);
        else if (hops == KS_TGS_MAX_HOPS)
            ret = referral_error(w, "too many referrals", next);
        if (ret)
            break;
        KS_MTRACE_TKT_CREDS_REFERRAL(w->ctx, got->server);
        ks_trace(w->ctx->trace, "TGS path", 0, "referral",
                 "referred to realm %.*s by %s", (int)next->length,
                 next->data, ks_text_principal(w->ctx->k5, got->server, name,
                                      sizeof(name)));
        /* Kept in memory only: MIT does not cache referral TGTs. */
        ret = keep(w, got, false, &tgt);
        krb5_free_creds(w->ctx->k5, got);
        got = NULL;
        if (ret)
            break;
        cur = ks_tgs_kdc_realm(tgt);
    }
    if (!ret) {
        *creds_out = got;
        got = NULL;
    }
    krb5_free_creds(w->ctx->k5, got);
    krb5_free_principal(w->ctx->k5, ask);
    for (size_t i = 0; i < nseen; i++)
        free(seen[i]);
    return ret;
}

/* SERVER in REALM: its realm's TGT, then the request. */
static krb5_error_code
get_in_realm(struct walk *w, krb5_const_principal server, const char *realm,
             krb5_creds **creds_out)
{
    const krb5_creds *tgt = NULL;
    krb5_principal there = NULL;
    krb5_error_code ret;

    ret = with_realm(w, server, realm, strlen(realm), &there);
    if (!ret)
        ret = tgt_for_realm(w, realm, &tgt);
    if (!ret && w->opts->canonicalize) {
        ret = follow_referrals(w, there, tgt, creds_out);
    } else if (!ret) {
        KS_MTRACE_TKT_CREDS_SERVICE_REQ(w->ctx, there, false);
        ret = exchange(w, tgt, there, 0, false, NULL, creds_out);
    }
    krb5_free_principal(w->ctx->k5, there);
    return ret;
}

/* A name without a realm: [domain_realm] of its host, else referrals from
 * the client's realm, else the default realm. */
static krb5_error_code
get_no_realm(struct walk *w, krb5_const_principal server,
             krb5_creds **creds_out)
{
    const krb5_data *cr = client_realm(w);
    const char *def = w->ctx->config.default_realm;
    const krb5_creds *tgt = NULL;
    krb5_principal ask = NULL;
    char *realm = NULL, *host = NULL;
    krb5_error_code ret = 0;

    if (server->length == 2) {
        host = strndup(server->data[1].data, server->data[1].length);
        ret = host == NULL ? ENOMEM : ks_tgs_host_realm(w->ctx, host, &realm);
        free(host);
    }
    if (!ret && realm != NULL) {
        ks_trace(w->ctx->trace, "TGS path", 0, "realm",
                 "[domain_realm] puts the service in realm %s", realm);
        ret = get_in_realm(w, server, realm, creds_out);
        free(realm);
        return ret;
    }
    if (!ret)
        ret = local_tgt(w, &tgt);
    if (!ret)
        ret = with_realm(w, server, cr->data, cr->length, &ask);
    if (!ret && ks_mit_trace_on(w->ctx)) {
        KS_MTRACE_CC_RETRIEVE_REF(w->ctx, ks_ccache_index_client(w->idx),
                                  ask, find_valid(w, ask, wanted_etype(w))
                                           ? 0 : KRB5_CC_NOTFOUND);
        KS_MTRACE_TKT_CREDS_REFERRAL_REALM(w->ctx, ask);
    }
    if (!ret)
        ret = follow_referrals(w, ask, tgt, creds_out);
    krb5_free_principal(w->ctx->k5, ask);
    if (ret == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN && def != NULL &&
        !data_eq(cr, def)) {
        krb5_data d = { KV5M_DATA, (unsigned int)strlen(def), (char *)def };

        KS_MTRACE_TKT_CREDS_FALLBACK(w->ctx, &d);
        ks_trace(w->ctx->trace, "TGS path", 0, "fallback",
                 "no referral: trying the default realm %s", def);
        ret = get_in_realm(w, server, def, creds_out);
    }
    return ret;
}

static krb5_error_code
copy_cached(struct walk *w, const krb5_creds *c, krb5_creds **creds_out)
{
    char name[256], when[64];

    if (ks_trace_enabled(w->ctx->trace)) {
        krb5_timestamp_to_sfstring(c->times.endtime, when, sizeof(when),
                                   NULL);
        ks_trace(w->ctx->trace, "TGS lookup", 0, "cached",
                 "valid ticket for %s in the cache (until %s): no request",
                 ks_text_principal(w->ctx->k5, c->server, name, sizeof(name)), when);
    }
    return krb5_copy_creds(w->ctx->k5, c, creds_out);
}

/* The whole of one service, without the message prefix. */
static krb5_error_code
get_one(struct walk *w, krb5_const_principal server, krb5_creds **creds_out)
{
    const krb5_creds *cached;
    krb5_creds *creds = NULL;
    krb5_principal requested = NULL;
    char *realm = NULL;
    krb5_error_code ret;

    KS_MTRACE_TKT_CREDS(w->ctx, ks_ccache_index_client(w->idx), server,
                        w->cc);
    cached = find_valid(w, server, wanted_etype(w));
    mtrace_lookup(w, server, cached);
    if (cached != NULL)
        return copy_cached(w, cached, creds_out);
    /* Not cached, or the cache could not be read that far. */
    if ((ret = ks_ccache_index_error(w->idx)) != 0)
        return ret;
    if (w->opts->cached_only)
        return ks_error_set(w->ctx, KRB5_CC_NOTFOUND, "no valid ticket in "
                            "the cache, and only cached tickets were to be "
                            "used");
    if (server->realm.length == 0) {
        ret = get_no_realm(w, server, &creds);
    } else {
        realm = strndup(server->realm.data, server->realm.length);
        ret = realm == NULL ? ENOMEM : get_in_realm(w, server, realm, &creds);
        free(realm);
    }
    if (!ret)
        KS_MTRACE_TKT_CREDS_COMPLETE(w->ctx, creds->server);
    /* MIT keeps a ticket under the name asked for (an empty realm, or a
     * name the KDC canonicalised), and since 1.18 under that name only. */
    if (!ret && !krb5_principal_compare(w->ctx->k5, creds->server, server)) {
        ret = krb5_copy_principal(w->ctx->k5, server, &requested);
        if (!ret) {
            krb5_free_principal(w->ctx->k5, creds->server);
            creds->server = requested;
        }
    }
    if (!ret)
        ret = keep(w, creds, true, NULL);
    if (ret) {
        krb5_free_creds(w->ctx->k5, creds);
        return ret;
    }
    *creds_out = creds;
    return 0;
}

static krb5_error_code
prefix_service(struct ks_context *ctx, krb5_error_code code,
               krb5_const_principal server)
{
    char name[256];

    return ks_error_prefix(ctx, code, "getting a ticket for %s",
                           ks_text_principal(ctx->k5, server, name, sizeof(name)));
}

krb5_error_code
ks_tgs_get_creds_index(struct ks_context *ctx, krb5_ccache cc,
                       struct ks_ccache_index *idx,
                       krb5_const_principal server,
                       const struct ks_tgs_get_options *opts,
                       krb5_creds **creds_out)
{
    struct ks_tgs_get_options none = { 0 };
    struct walk w;
    krb5_error_code ret;

    ret = walk_init(&w, ctx, cc, idx, opts != NULL ? opts : &none);
    if (!ret)
        ret = get_one(&w, server, creds_out);
    if (ret)
        prefix_service(ctx, ret, server);
    return ret;
}

krb5_error_code
ks_tgs_get_creds(struct ks_context *ctx, krb5_ccache cc,
                 krb5_const_principal server,
                 const struct ks_tgs_get_options *opts,
                 krb5_creds **creds_out)
{
    struct ks_ccache_index *idx = NULL;
    krb5_error_code ret;

    ret = ks_ccache_index_load(ctx, cc, &idx);
    if (ret)
        return prefix_service(ctx, ret, server);
    ret = ks_tgs_get_creds_index(ctx, cc, idx, server, opts, creds_out);
    ks_ccache_index_free(ctx, idx);
    return ret;
}

/*
 * Many services.
 */

/* Record JOB's failure: "getting a ticket for S: " and the message the
 * context holds for CODE (left as it is, for the next job of a group). */
static void
job_failed(struct ks_context *ctx, struct ks_tgs_job *job,
           krb5_error_code code)
{
    const char *msg;
    char name[256];
    int len;

    msg = ks_context_message(ctx, code);
    ks_text_principal(ctx->k5, job->server, name, sizeof(name));
    job->code = code;
    free(job->message);
    len = asprintf(&job->message, "getting a ticket for %s: %s", name, msg);
    if (len < 0)
        job->message = NULL;
    ks_context_free_message(ctx, msg);
}

/* Whether JOB can go in a batch: a realm of its own and no referrals. */
static bool
batchable(const struct walk *w, const struct ks_tgs_job *job)
{
    return !job->settled && job->creds == NULL && job->code == 0 &&
           !job->named_before && job->server->realm.length != 0 &&
           !w->opts->canonicalize;
}

static bool
same_realm(const struct ks_tgs_job *job, const krb5_data *realm)
{
    const krb5_data *r = &job->server->realm;

    return r->length == realm->length &&
           memcmp(r->data, realm->data, r->length) == 0;
}

/* One run of ks_tgs_get_creds_many. */
struct many {
    struct walk w;
    const struct ks_tgs_many *many;
    struct ks_tgs_job *jobs;
    size_t n;
};

static void
settled(struct many *m, struct ks_tgs_job *job)
{
    job->settled = true;
    if (m->many != NULL && m->many->settled != NULL)
        m->many->settled(m->many->arg, job);
}

/* The jobs of one realm streamed to its KDCs, all with TGT. */
struct stream {
    struct many *m;
    const krb5_creds *tgt;
    struct ks_tgs_options o;
    const krb5_data *realm;
    size_t scan;                    /* the next job to look at */
    size_t started;                 /* jobs handed to the transport */
    /* Step 8 goes in the order the jobs were named, as MIT's kvno stores
     * them (klist lists a cache in its order): a job over early waits in
     * ORDER, OVER set, for those before it. */
    struct ks_tgs_job **order;      /* [started], in the order started */
    bool *over;
    size_t flushed;                 /* stored and settled */
};

/* One request of the stream, from prepare() to done(). */
struct pending {
    struct ks_tgs_job *job;
    size_t seq;                     /* its place in the stream's order */
    struct ks_tgs_request *req;
};

/* What get_one says for a service before its request (none of the
 * stream's was in the cache). */
static void
mtrace_ask(struct walk *w, krb5_const_principal server)
{
    KS_MTRACE_TKT_CREDS(w->ctx, ks_ccache_index_client(w->idx), server,
                        w->cc);
    mtrace_lookup(w, server, NULL);
    KS_MTRACE_TKT_CREDS_SERVICE_REQ(w->ctx, server, false);
}

/* Step 8 for JOB's streamed ticket.  Only a TGT, or a service named
 * again later in the list, also goes into the index: a later look-up of
 * the run may ask for those, while no other ticket the stream got is
 * asked for again, and a copy of each would double what a long run
 * holds. */
static krb5_error_code
keep_streamed(struct walk *w, const struct ks_tgs_job *job,
              const krb5_creds *creds)
{
    if (ks_tgs_is_tgs_principal(creds->server) || job->named_again)
        return keep(w, creds, true, NULL);
    return w->opts->no_store ? 0 : store(w, creds);
}

/* The next job of the stream's realm (there is one: the stream has as
 * many jobs as the realm). */
static struct ks_tgs_job *
next_job(struct stream *st)
{
    struct many *m = st->m;

    while (!batchable(&m->w, &m->jobs[st->scan]) ||
           !same_realm(&m->jobs[st->scan], st->realm))
        st->scan++;
    st->order[st->started++] = &m->jobs[st->scan];
    return &m->jobs[st->scan++];
}

/* Step 8 and the settling of every job over whose predecessors all are. */
static void
flush(struct stream *st)
{
    struct walk *w = &st->m->w;
    krb5_error_code code;

    while (st->flushed < st->started && st->over[st->flushed]) {
        struct ks_tgs_job *job = st->order[st->flushed++];

        if (job->creds != NULL &&
            (code = keep_streamed(w, job, job->creds)) != 0) {
            krb5_free_creds(w->ctx->k5, job->creds);
            job->creds = NULL;
            job_failed(w->ctx, job, code);
        }
        settled(st->m, job);
    }
}

/* Step 1 for the next job, just before it is sent. */
static krb5_error_code
stream_prepare(void *arg, size_t i, struct ks_send_job *sjob)
{
    struct stream *st = arg;
    struct walk *w = &st->m->w;
    struct pending *p;
    krb5_error_code ret;

    (void)i;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return ENOMEM;
    p->job = next_job(st);
    p->seq = st->started - 1;
    sjob->user = p;
    mtrace_ask(w, p->job->server);
    ret = ks_tgs_build_request(w->ctx, st->tgt, p->job->server, &st->o,
                               &p->req);
    if (!ret)
        sjob->request = &p->req->encoded;
    return ret;
}

/* Steps 7 and 8 for a job whose reply is in, or its failure. */
static void
stream_done(void *arg, size_t i, struct ks_send_job *sjob)
{
    struct stream *st = arg;
    struct walk *w = &st->m->w;
    struct pending *p = sjob->user;
    krb5_creds *creds = NULL;
    krb5_error_code code = sjob->code;

    (void)i;
    if (p == NULL) {                /* prepare() found no memory */
        job_failed(w->ctx, next_job(st), code);
        st->over[st->started - 1] = true;
        flush(st);
        return;
    }
    if (!code) {
        code = ks_tgs_open_reply(w->ctx, p->req, &sjob->reply, &creds);
        KS_MTRACE_TKT_CREDS_RESPONSE_CODE(w->ctx, code);
    }
    krb5_free_data_contents(w->ctx->k5, &sjob->reply);
    ks_tgs_request_free(w->ctx, p->req);
    if (!code)
        KS_MTRACE_TKT_CREDS_COMPLETE(w->ctx, creds->server);
    if (code) {
        krb5_free_creds(w->ctx->k5, creds);
        job_failed(w->ctx, p->job, code);
    } else {
        p->job->creds = creds;
    }
    st->over[p->seq] = true;
    free(p);
    flush(st);
}

/* The jobs of the stream never prepared, failed with CODE (its message
 * is the context's). */
static void
fail_rest(struct stream *st, size_t left, krb5_error_code code)
{
    struct many *m = st->m;

    for (; left > 0; left--) {
        struct ks_tgs_job *job = next_job(st);

        mtrace_ask(&m->w, job->server);
        job_failed(m->w.ctx, job, code);
        st->over[st->started - 1] = true;
    }
    flush(st);
}

static size_t
in_flight(const struct many *m)
{
    size_t k = m->many != NULL ? m->many->in_flight : 0;

    if (k == 0)
        return KS_TGS_IN_FLIGHT;
    return k < KS_TGS_IN_FLIGHT_MAX ? k : KS_TGS_IN_FLIGHT_MAX;
}

/* Steps 1, 6, 7 and 8 for the COUNT batchable jobs of REALM from FIRST on,
 * with TGT, through one window. */
static krb5_error_code
run_stream(struct many *m, const krb5_creds *tgt, size_t first, size_t count)
{
    struct stream st = { m, tgt, m->w.opts->request,
                         &m->jobs[first].server->realm, first, 0, NULL, NULL,
                         0 };
    struct ks_send_stream ss = { count, in_flight(m), stream_prepare,
                                 stream_done, &st };
    struct ks_kdc_list list = { 0 };
    const krb5_data *r = ks_tgs_kdc_realm(tgt);
    char *realm;
    krb5_error_code ret;

    ks_tgs_as_kvno_would(m->w.ctx, m->w.cc, tgt, &st.o);
    realm = strndup(r->data, r->length);
    st.order = calloc(count, sizeof(*st.order));
    st.over = calloc(count, sizeof(*st.over));
    ret = realm == NULL || st.order == NULL || st.over == NULL ? ENOMEM :
          ks_locate_kdcs(m->w.ctx, realm, &list);
    if (!ret)
        ret = ks_transport_send_stream(m->w.ctx, realm, &list, &ss,
                                       "6/8 send", 6);
    ks_kdc_list_free(&list);
    free(realm);
    /* Jobs never prepared: the one error that stopped them all. */
    if (ret && st.order != NULL && st.over != NULL)
        fail_rest(&st, count - st.started, ret);
    free(st.order);
    free(st.over);
    return ret == ENOMEM ? ret : 0;
}

/* The batchable jobs of FIRST's realm. */
static krb5_error_code
run_realm(struct many *m, size_t first)
{
    const krb5_data *realm = &m->jobs[first].server->realm;
    const krb5_creds *tgt = NULL;
    size_t count = 0;
    char *r;
    krb5_error_code ret;

    for (size_t i = first; i < m->n; i++) {
        if (batchable(&m->w, &m->jobs[i]) && same_realm(&m->jobs[i], realm))
            count++;
    }
    r = strndup(realm->data, realm->length);
    if (r == NULL)
        return ENOMEM;
    ret = tgt_for_realm(&m->w, r, &tgt);
    free(r);
    if (!ret)
        return run_stream(m, tgt, first, count);
    for (size_t i = first; i < m->n; i++) {
        struct ks_tgs_job *job = &m->jobs[i];

        if (!batchable(&m->w, job) || !same_realm(job, realm))
            continue;
        job_failed(m->w.ctx, job, ret);
        settled(m, job);
    }
    return 0;
}

/* Mark the services named more than once among the jobs still to get, so
 * that the stream asks for each once and the cache gets one ticket (MIT's
 * kvno finds the first one's ticket in the cache for the others). */
static krb5_error_code
mark_repeats(struct many *m)
{
    struct ks_name_set seen;
    size_t first;
    krb5_error_code ret;

    ret = ks_name_set_init(&seen, m->n);
    if (ret)
        return ret;
    for (size_t i = 0; i < m->n; i++) {
        struct ks_tgs_job *job = &m->jobs[i];

        if (batchable(&m->w, job) &&
            !ks_name_set_add(&seen, job->server, i, &first)) {
            m->jobs[first].named_again = true;
            job->named_before = true;
        }
    }
    ks_name_set_free(&seen);
    return 0;
}

/* Cached tickets first; returns how many jobs are left for the KDCs. */
static krb5_error_code
take_cached(struct many *m, size_t *left_out, size_t *pending_out)
{
    struct walk *w = &m->w;
    size_t left = 0, pending = 0;
    krb5_error_code ret;

    for (size_t i = 0; i < m->n; i++) {
        struct ks_tgs_job *job = &m->jobs[i];
        const krb5_creds *c = find_valid(w, job->server, wanted_etype(w));

        if (c == NULL) {
            left++;
            pending += batchable(w, job);
            continue;
        }
        KS_MTRACE_TKT_CREDS(w->ctx, ks_ccache_index_client(w->idx),
                            job->server, w->cc);
        mtrace_lookup(w, job->server, c);
        ret = copy_cached(w, c, &job->creds);
        if (ret)
            return ret;
        settled(m, job);
    }
    *left_out = left;
    *pending_out = pending;
    return 0;
}

/* Whether the run is to replace more tickets than are worth a scan of the
 * cache each (the index, read to its end, holds a ticket for them). */
static bool
replaces_many(struct many *m)
{
    size_t held = 0;

    if (m->w.opts->no_store || m->w.opts->cached_only)
        return false;
    for (size_t i = 0; i < m->n && held <= KS_TGS_REPLACE_IN_PLACE; i++) {
        if (!m->jobs[i].settled && !m->jobs[i].named_before &&
            ks_ccache_index_find_any(m->w.idx, m->jobs[i].server) != NULL)
            held++;
    }
    return held > KS_TGS_REPLACE_IN_PLACE;
}

/* The jobs left after the stream, one by one (referrals, no realm, a
 * service named again). */
static krb5_error_code
run_rest(struct many *m)
{
    krb5_error_code ret;

    for (size_t i = 0; i < m->n; i++) {
        struct ks_tgs_job *job = &m->jobs[i];

        if (job->settled || job->creds != NULL || job->code != 0)
            continue;
        ret = get_one(&m->w, job->server, &job->creds);
        if (ret == ENOMEM)
            return ret;
        if (ret)
            job_failed(m->w.ctx, job, ret);
        settled(m, job);
    }
    return 0;
}

krb5_error_code
ks_tgs_get_creds_many(struct ks_context *ctx, krb5_ccache cc,
                      struct ks_ccache_index *idx,
                      const struct ks_tgs_get_options *opts,
                      const struct ks_tgs_many *many,
                      struct ks_tgs_job *jobs, size_t n)
{
    struct ks_tgs_get_options none = { 0 };
    struct many m = { .many = many, .jobs = jobs, .n = n };
    krb5_error_code ret, end;
    size_t left = 0, pending = 0;

    ret = walk_init(&m.w, ctx, cc, idx, opts != NULL ? opts : &none);
    if (!ret)
        ret = take_cached(&m, &left, &pending);
    if (!ret && pending > 1)
        ret = mark_repeats(&m);
    if (ret)
        return ret;
    m.w.defer_removal = replaces_many(&m);
    if (many != NULL && many->start != NULL)
        many->start(many->arg, m.w.opts->cached_only ? 0 : left);
    /* Each pass settles every pending job of one realm.  A cache
     * unreadable part-way: each job fails alone in get_one. */
    for (size_t i = 0; pending > 1 && !m.w.opts->cached_only &&
         ks_ccache_index_error(m.w.idx) == 0 && ret == 0 && i < n; i++) {
        if (batchable(&m.w, &jobs[i]))
            ret = run_realm(&m, i);
    }
    if (!ret)
        ret = run_rest(&m);
    /* Even after a failure: the tickets stored are in the cache twice. */
    end = finish_removal(&m.w);
    return ret ? ret : end;
}

void
ks_tgs_jobs_clear(struct ks_context *ctx, struct ks_tgs_job *jobs, size_t n)
{
    for (size_t i = 0; jobs != NULL && i < n; i++) {
        krb5_free_creds(ctx->k5, jobs[i].creds);
        jobs[i].creds = NULL;
        free(jobs[i].message);
        jobs[i].message = NULL;
        jobs[i].settled = false;
        jobs[i].named_again = jobs[i].named_before = false;
    }
}
