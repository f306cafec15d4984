/*
 * tgs: the client half of the TGS exchange, one function per client step
 * (DESIGN.md):
 *
 *   1 ks_tgs_build_request   KRB_TGS_REQ: req-body, PA-TGS-REQ holding an
 *                            AP-REQ with the TGT and an authenticator
 *                            (usage 7) carrying a keyed checksum over the
 *                            DER req-body (usage 6) and a fresh subkey
 *   6 ks_tgs_send            through transport to the TGT's realm
 *   7 ks_tgs_open_reply      decrypt (subkey usage 9, then session key 8)
 *                            and every check of PROTOCOL.md 1.3
 *   8 ks_tgs_store           ticket and key into the cache
 *
 * ks_tgs_get_creds chains them with a cache lookup first, referrals
 * (canonicalize; hop limit, loop detection, decided from the enc-part) and
 * cross-realm paths ([capaths], [domain_realm]; cached cross-realm TGTs are
 * reused).
 */
#ifndef KS_TGS_H
#define KS_TGS_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"
#include "wire/transport.h"

/* At most this many referral or cross-realm hops (MIT's KRB5_REFERRAL_MAXHOPS). */
#define KS_TGS_MAX_HOPS 10

struct ks_tgs_request;
struct ks_tgs_hook;
struct ks_fast;

struct ks_tgs_options {
    krb5_flags kdc_options;         /* KDC_OPT_*; 0 for a plain request */
    krb5_timestamp till;            /* 0: the TGT's endtime */
    const krb5_enctype *etypes;     /* NULL: config tgs_enctypes */
    /* S4U and user-to-user (common/s4u.h); NULL for a plain request. */
    const krb5_data *second_ticket; /* additional ticket (DER Ticket) */
    const struct ks_tgs_hook *hook; /* borrowed until the reply is opened */
    bool fast;                      /* wrap in FAST with implicit TGT armor
                                     * (RFC 6113); the reply must be FAST */
};

/*
 * What S4U requests add to the exchange: padata made once the nonce and
 * subkey are chosen, and checks of the decrypted reply.
 */
struct ks_tgs_hook {
    /* Padata sent after PA-TGS-REQ (NULL-terminated; freed by the
     * caller with krb5_free_pa_data), or NULL for none. */
    krb5_error_code (*padata)(struct ks_context *ctx,
                              const struct ks_tgs_request *req, void *arg,
                              krb5_pa_data ***padata_out);
    /* Called on the decrypted reply after the other checks; when
     * checks_client is set, the reply's client is checked here instead
     * of against the TGT's, and the credentials take the reply's. */
    krb5_error_code (*check_reply)(struct ks_context *ctx,
                                   const struct ks_tgs_request *req,
                                   const krb5_kdc_rep *rep, void *arg);
    bool checks_client;
    void *arg;
};

/* What step 1 made and steps 6-8 need.  Owns every pointer. */
struct ks_tgs_request {
    krb5_data encoded;              /* the KRB_TGS_REQ as on the wire */
    krb5_creds *tgt;                /* the TGT it was built from */
    krb5_principal server;          /* the service asked for */
    krb5_int32 nonce;               /* 31 bits */
    krb5_flags kdc_options;
    krb5_timestamp till;
    krb5_timestamp ctime;           /* authenticator time, for the skew check */
    krb5_int32 cusec;
    krb5_keyblock *subkey;          /* authenticator subkey */
    krb5_key subkey_key;            /* the same as a key object */
    krb5_key session_key;           /* the TGT session key, a reference
                                     * to the run's (core/keys.h) */
    krb5_enctype *etypes;           /* 0-terminated, as sent */
    krb5_data second_ticket;        /* additional ticket, or empty */
    const struct ks_tgs_hook *hook; /* borrowed, or NULL */
    struct ks_fast *fast;           /* FAST armor (fast.h), or NULL */
};

void ks_tgs_request_free(struct ks_context *ctx, struct ks_tgs_request *req);

/*
 * Step 1: build a TGS-REQ for SERVER from TGT.  Refuses an empty ticket
 * (KRB5_NO_TKT_SUPPLIED).  Traced at "1/8 request".
 */
krb5_error_code ks_tgs_build_request(struct ks_context *ctx,
                                     const krb5_creds *tgt,
                                     krb5_const_principal server,
                                     const struct ks_tgs_options *opts,
                                     struct ks_tgs_request **req_out);

/*
 * Step 1 read back from an artefact: decode the DER TGS-REQ, find the TGT
 * it carries in CC (same ticket bytes), open the authenticator with the TGT
 * session key to recover the subkey and times.  KRB5_CC_NOTFOUND when the
 * cache has no such TGT.
 */
krb5_error_code ks_tgs_load_request(struct ks_context *ctx, krb5_ccache cc,
                                    const krb5_data *der,
                                    struct ks_tgs_request **req_out);

/* Step 6: send to the KDCs of the TGT's realm.  Traced at "6/8 send". */
krb5_error_code ks_tgs_send(struct ks_context *ctx,
                            const struct ks_tgs_request *req,
                            krb5_data *reply_out,
                            struct ks_send_result *result_out);

/*
 * Step 7: a KRB-ERROR becomes its code with a message (ks_error_from_reply);
 * a TGS-REP is decrypted and checked; *creds_out gets the new credentials
 * (deep copies; free with krb5_free_creds).  KRB5_KDCREP_MODIFIED when a
 * check fails, with a message naming the check.  Traced at "7/8 decrypt".
 */
krb5_error_code ks_tgs_open_reply(struct ks_context *ctx,
                                  const struct ks_tgs_request *req,
                                  const krb5_data *reply,
                                  krb5_creds **creds_out);

/*
 * The keys REPLY's enc-part is encrypted under, for opening it outside
 * step 7 (kstep open-reply): the request's subkey (usage 9) and the TGT
 * session key (usage 8); for a request in FAST, both strengthened with
 * the key of the reply's checked KrbFastResponse (RFC 6113 5.4.3; plain
 * when the reply has no PA-FX-FAST, which step 7 accepts too).  The
 * caller frees both (krb5_free_keyblock).  FAST's errors as
 * ks_fast_open_reply.
 */
krb5_error_code ks_tgs_reply_keys(struct ks_context *ctx,
                                  const struct ks_tgs_request *req,
                                  const krb5_data *reply,
                                  krb5_keyblock **subkey_out,
                                  krb5_keyblock **session_out);

/* What step 8 knows of the cache's earlier tickets for the server. */
enum ks_tgs_store_mode {
    KS_TGS_STORE_REPLACE,   /* there may be some: remove them (one scan
                             * of the cache) */
    KS_TGS_STORE_APPEND,    /* the caller knows there are none (an index
                             * of the cache said so): no scan */
};

/*
 * Step 8: store CREDS in CC in place of the earlier tickets it replaces
 * (ks_ccache_replaces: same client and server, whatever the session key
 * type), so that MIT's klist lists the server once; see
 * ks_ccache_remove_replaced for how each cache type removes them.  Errors
 * name the ticket and the cache.  Traced at "8/8 store".
 */
krb5_error_code ks_tgs_store(struct ks_context *ctx, krb5_ccache cc,
                             const krb5_creds *creds,
                             enum ks_tgs_store_mode mode);

/* What ks_tgs_get_creds may do. */
struct ks_tgs_get_options {
    struct ks_tgs_options request;
    bool cached_only;               /* never contact a KDC */
    bool no_store;                  /* do not write new tickets to the cache */
    bool canonicalize;              /* follow server referrals */
};

/*
 * Make OPTS the request kvno builds with TGT from cache CC: the KDC
 * options its flags pass on (forwardable, proxiable, may-postdate,
 * renewable, as MIT's KDC_TKT_COMMON_MASK) added, and FAST with implicit
 * TGT armor when CC says the TGT's KDC offered it (MIT's fast_avail).
 */
void ks_tgs_as_kvno_would(struct ks_context *ctx, krb5_ccache cc,
                          const krb5_creds *tgt, struct ks_tgs_options *opts);

/*
 * A service ticket for SERVER with the cache's TGT: a valid cached ticket
 * is returned as is; otherwise steps 1, 6, 7 (and 8 unless no_store), across
 * realms as needed.  Errors name the service and what failed.
 */
krb5_error_code ks_tgs_get_creds(struct ks_context *ctx, krb5_ccache cc,
                                 krb5_const_principal server,
                                 const struct ks_tgs_get_options *opts,
                                 krb5_creds **creds_out);

/*
 * Additions for programs that ask for many services (kvno) and for the
 * steps' callers.
 */

struct ks_ccache_index;

/*
 * ks_tgs_get_creds on a cache already read into IDX (ccache_lookup.h):
 * lookups are in memory, and what is stored in CC is also added to IDX.
 */
krb5_error_code ks_tgs_get_creds_index(struct ks_context *ctx,
                                       krb5_ccache cc,
                                       struct ks_ccache_index *idx,
                                       krb5_const_principal server,
                                       const struct ks_tgs_get_options *opts,
                                       krb5_creds **creds_out);

/* One service of a batch. */
struct ks_tgs_job {
    krb5_const_principal server;    /* in, borrowed */
    krb5_creds *creds;              /* out: free with krb5_free_creds */
    krb5_error_code code;           /* out: 0 or why it failed */
    char *message;                  /* out when code != 0: malloc'ed, the
                                     * whole message ("getting a ticket for
                                     * S: ...") */
    bool settled;                   /* out: creds or code set (the creds
                                     * may since have been taken) */
    /* Set by ks_tgs_get_creds_many for a service named more than once:
     * the first asks the KDC, the others take its ticket from the run. */
    bool named_again, named_before;
};

/*
 * Requests ks_tgs_get_creds_many keeps in flight by default, and the most
 * it may be asked for (each takes a socket; the window is the client's
 * memory bound, not the number of services).
 */
#define KS_TGS_IN_FLIGHT 32

/*
 * Earlier tickets ks_tgs_get_creds_many replaces with a krb5_cc_remove_cred
 * scan of the cache each; a run replacing more takes them all out in one
 * rewrite at its end (ks_ccache_drop_superseded).
 */
#define KS_TGS_REPLACE_IN_PLACE 8
#define KS_TGS_IN_FLIGHT_MAX 256

/* How ks_tgs_get_creds_many runs, and what it tells its caller on the way. */
struct ks_tgs_many {
    size_t in_flight;               /* requests in flight at once (capped at
                                     * KS_TGS_IN_FLIGHT_MAX); 0: the default */
    /* Once, after the cache look-ups: how many services are left to get
     * from a KDC.  May be NULL. */
    void (*start)(void *arg, size_t to_fetch);
    /* Once per job, as soon as it is settled (its creds or its code and
     * message set), in no particular order; it may take JOB->creds
     * (setting them to NULL) so that the run does not keep them.  May be
     * NULL. */
    void (*settled)(void *arg, struct ks_tgs_job *job);
    void *arg;
};

/*
 * ks_tgs_get_creds_index for N services: cached tickets first, then the
 * services whose realm's TGT is at hand are streamed through a window of
 * MANY->in_flight requests (ks_transport_send_stream): each request is
 * made when a slot frees up, and each reply is opened and stored as soon
 * as it is in, while the KDC works on the others.  The rest go one by one
 * (cross-realm paths, referrals).  A streamed service ticket is stored in
 * CC but not added to IDX (nothing in the run looks it up again; a TGT
 * is added).  Each job gets its own result; a job's failure (even a
 * local one) is that job's only.  MANY may be NULL.  Returns 0 unless
 * something stopped them all (ENOMEM).
 */
krb5_error_code ks_tgs_get_creds_many(struct ks_context *ctx, krb5_ccache cc,
                                      struct ks_ccache_index *idx,
                                      const struct ks_tgs_get_options *opts,
                                      const struct ks_tgs_many *many,
                                      struct ks_tgs_job *jobs, size_t n);

/* Free what the jobs hold (not the servers). */
void ks_tgs_jobs_clear(struct ks_context *ctx, struct ks_tgs_job *jobs,
                       size_t n);

/*
 * The realm whose KDC answers a TGS-REQ made with TGT: the instance of
 * krbtgt/REALM@ISSUER, else the ticket's own realm.  Borrowed from TGT.
 */
const krb5_data *ks_tgs_kdc_realm(const krb5_creds *tgt);

/* Whether P is a ticket-granting service principal krbtgt/X@Y. */
bool ks_tgs_is_tgs_principal(krb5_const_principal p);

/*
 * The realms from CLIENT_REALM to SERVICE_REALM, both included: [capaths]
 * when it names the pair, else the hierarchical path over common domain
 * suffixes.  A path of more than KS_TGS_MAX_HOPS + 1 realms, or one that
 * names a realm twice, is KRB5_CONFIG_BADFORMAT with a message.  Free with
 * ks_config_free_list.
 */
krb5_error_code ks_tgs_realm_path(struct ks_context *ctx,
                                  const char *client_realm,
                                  const char *service_realm,
                                  char ***path_out);

/*
 * MIT's client path (k5_client_realm_path): CLIENT_REALM, the [capaths]
 * intermediates when [capaths] names the pair, and SERVICE_REALM.  Errors
 * and freeing as ks_tgs_realm_path.
 */
krb5_error_code ks_tgs_client_path(struct ks_context *ctx,
                                   const char *client_realm,
                                   const char *service_realm,
                                   char ***path_out);

/*
 * The realm [domain_realm] gives HOST (exact name, then each parent
 * domain as ".suffix" and "suffix"), or NULL in *realm_out when none does
 * (0 returned).  Free with free().
 */
krb5_error_code ks_tgs_host_realm(struct ks_context *ctx, const char *host,
                                  char **realm_out);

#endif /* KS_TGS_H */
