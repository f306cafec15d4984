/*
 * as: the AS exchange.  AS-REQ with a random 31-bit nonce; on
 * KDC_ERR_PREAUTH_REQUIRED, ETYPE-INFO2 (first entry among the enctypes we
 * asked for) gives the enctype, salt and s2kparams for PA-ENC-TIMESTAMP;
 * the loop is bounded.  The reply is decrypted (usage 3; EncASRepPart or
 * EncTGSRepPart) and checked against ../shared/PROTOCOL.md 1.2: etype asked
 * for, names, nonce, times, skew; with kdc_timesync the clock offset is
 * taken from the authenticated reply only.
 */
#ifndef KS_AS_H
#define KS_AS_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"
#include "wire/transport.h"

struct ks_fast;

/* At most this many AS-REQs in one exchange (MIT's MAX_IN_TKT_LOOPS). */
#define KS_AS_MAX_ROUNDS 16

/* -1 means "the configuration decides" for the tri-state fields. */
struct ks_as_options {
    krb5_principal client;          /* required */
    krb5_principal server;          /* NULL: krbtgt/REALM@REALM */
    krb5_deltat lifetime;           /* 0: ticket_lifetime; may be < 0 */
    krb5_deltat renew_lifetime;     /* -1: renew_lifetime, 0: not renewable */
    krb5_deltat start_delay;        /* > 0: postdated by this much; < 0:
                                     * "from" in the past, not postdated */
    int forwardable;                /* -1, 0, 1 */
    int proxiable;                  /* -1, 0, 1 */
    int addresses;                  /* -1 (noaddresses decides), 0, 1 */
    int request_pac;                /* -1: send none, 0: false, 1: true */
    bool canonicalize;
    const krb5_enctype *etypes;     /* NULL: config tkt_enctypes */
    struct ks_send_result *sent;    /* NULL, or out: the KDC that sent
                                     * the last reply (kinit --json) */
    krb5_ccache armor_ccache;       /* -T: FAST armor (fast.h); NULL: none */
    bool *fast_avail;               /* NULL, or out: the authenticated
                                     * reply advertised FAST (MIT's
                                     * fast_avail cache config) */
    struct ks_as_notes *notes;      /* NULL, or out: see below */
};

/* What kinit warns about, from the authenticated reply. */
struct ks_as_notes {
    /* When the password expires: from a last-req entry (the KDC wants a
     * warning), else from key-expiration; 0 when the reply names none. */
    krb5_timestamp password_expires;
    bool from_last_req;
    krb5_enctype key_enctype;       /* the client key's, for the reply */
};

/*
 * MIT's warning for NOTES at NOW, into BUF ("Warning: Your password will
 * expire in 47 hours on Thu Nov 26 17:04:25 2026"), or "" when MIT would
 * not warn: no expiry, or one from key-expiration more than a week away.
 */
void ks_as_expiry_warning(const struct ks_as_notes *notes,
                          krb5_timestamp now, char *buf, size_t len);

/*
 * MIT's warning when the client's key has a deprecated enctype (des3,
 * RC4, or a weak one allowed by allow_weak_crypto), into BUF, else "".
 */
void ks_as_enctype_warning(const struct ks_as_notes *notes, char *buf,
                           size_t len);

/*
 * Where the client's long-term key comes from.  The password callback is
 * called only when the key is needed (after the KDC's hints came), with
 * the prompt to show ("Password for alice@REALM: "); it fills BUF (a
 * NUL-terminated password) and returns 0, or an error such as
 * KRB5_LIBOS_PWDINTR.  kstep zeroes BUF after use.
 */
typedef krb5_error_code (*ks_password_fn)(void *data, const char *prompt,
                                          char *buf, size_t buflen);

struct ks_as_keys {
    ks_password_fn password;        /* either this ... */
    void *password_data;
    krb5_keytab keytab;             /* ... or this */
};

/*
 * Run the AS exchange for OPTS->client and return the credentials in
 * *creds_out (free with krb5_free_creds).  Errors carry a message such as
 * "Password incorrect" or "Client 'x@R' not found in Kerberos database";
 * the caller prefixes what it was doing.
 */
krb5_error_code ks_as_get_creds(struct ks_context *ctx,
                                const struct ks_as_options *opts,
                                const struct ks_as_keys *keys,
                                krb5_creds **creds_out);

/*
 * The steps of the exchange, for ks_as_get_creds and the unit tests.
 * Everything below works on one request and its reply; nothing sends.
 */

/* What one AS-REQ asked for, kept to check the reply against. */
struct ks_as_request {
    krb5_principal client;          /* borrowed */
    krb5_principal server;          /* borrowed */
    krb5_flags kdc_options;
    krb5_timestamp from;            /* 0: not postdated */
    krb5_timestamp till;
    krb5_timestamp rtime;           /* 0: not renewable */
    krb5_int32 nonce;
    const krb5_enctype *etypes;     /* borrowed, 0-terminated */
    krb5_address **addresses;       /* borrowed, NULL: none */
    int request_pac;                /* -1: no PA-PAC-REQUEST */
    struct ks_fast *fast;           /* borrowed: wrap in FAST; NULL: plain */
    krb5_data der;                  /* owned: the AS-REQ as sent */
};

/* What a KDC's hints say about the client's long-term key. */
struct ks_as_hint {
    krb5_enctype etype;             /* 0: no hint */
    bool has_salt;                  /* false: the default salt */
    krb5_data salt;                 /* owned, not NUL-terminated */
    krb5_data s2kparams;            /* owned, length 0: none */
};

/* A random nonce masked to 31 bits (a new one for every AS-REQ). */
krb5_error_code ks_as_make_nonce(krb5_context kctx, krb5_int32 *nonce_out);

/*
 * The boolean NAME of the client's REALM as MIT reads it for an AS
 * request: the realm's subsection of [libdefaults] when it has NAME,
 * else PLAIN (the [libdefaults] value from struct ks_config).
 */
bool ks_as_realm_bool(struct ks_context *ctx, const krb5_data *realm,
                      const char *name, bool plain);

/*
 * Set REQ's from, till and rtime from OPTS and the configuration, counted
 * from NOW (which, as in MIT, may be the KDC's time: see kdc_timesync).
 */
void ks_as_set_times(struct ks_context *ctx, const struct ks_as_options *opts,
                     krb5_timestamp now, struct ks_as_request *req);

/*
 * Fill *REQ_OUT (all but nonce and der) from OPTS and the configuration:
 * kdc-options, from/till/rtime relative to NOW, the enctypes ETYPES
 * (borrowed).  The principals are borrowed from OPTS (SERVER must be set).
 */
krb5_error_code ks_as_init_request(struct ks_context *ctx,
                                   const struct ks_as_options *opts,
                                   krb5_principal server,
                                   const krb5_enctype *etypes,
                                   krb5_timestamp now,
                                   struct ks_as_request *req_out);

/*
 * Encode REQ (with its current nonce) into req->der, replacing what was
 * there.  The padata are ENC_TS (may be NULL), the echoed COOKIE (may be
 * NULL), PA-PAC-REQUEST when request_pac >= 0, and PA-REQ-ENC-PA-REP.
 * With req->fast they travel inside the FAST request and the outer
 * request carries only PA-FX-FAST.  ENC_TS may also be
 * PA-ENCRYPTED-CHALLENGE.
 */
krb5_error_code ks_as_encode_request(struct ks_context *ctx,
                                     struct ks_as_request *req,
                                     const krb5_pa_data *enc_ts,
                                     const krb5_data *cookie);

void ks_as_request_clear(struct ks_as_request *req);

/*
 * Pick the key hint from PADATA (METHOD-DATA of an error or an AS-REP's
 * padata): ETYPE-INFO2 > ETYPE-INFO > PW-SALT, the first entry whose etype
 * is in REQUESTED.  No hint at all gives etype 0 and returns 0; hints that
 * name only enctypes we did not ask for return KRB5_CONFIG_ETYPE_NOSUPP.
 * IN_REPLY says PADATA came with the AS-REP (for the trace).  Free with
 * ks_as_hint_clear().
 */
krb5_error_code ks_as_choose_hint(struct ks_context *ctx,
                                  krb5_pa_data *const *padata,
                                  const krb5_enctype *requested,
                                  bool in_reply,
                                  struct ks_as_hint *hint_out);

void ks_as_hint_clear(struct ks_as_hint *hint);

/* Whether krb5.conf [realms] REALM disable_encrypted_timestamp is true
 * (MIT 1.17): PA-ENC-TIMESTAMP is then never sent. */
bool ks_as_enc_ts_disabled(struct ks_context *ctx, const char *realm);

/*
 * The client's key from PASSWORD: string-to-key for hint->etype with the
 * hint's salt (or CLIENT's default salt) and s2kparams.
 */
krb5_error_code ks_as_password_key(struct ks_context *ctx,
                                   krb5_const_principal client,
                                   const char *password,
                                   const struct ks_as_hint *hint,
                                   krb5_keyblock *key_out);

/*
 * PA-ENC-TIMESTAMP: PA-ENC-TS-ENC for TIME/USEC, encrypted with KEY (usage
 * 1).  Free with krb5_free_pa_data-style: free(pa->contents), free(pa).
 */
krb5_error_code ks_as_make_enc_timestamp(struct ks_context *ctx,
                                         const krb5_keyblock *key,
                                         krb5_timestamp time,
                                         krb5_int32 usec,
                                         krb5_pa_data **pa_out);

/*
 * Decode an AS-REP (REPLY starts with 0x6b) and make the cleartext checks:
 * msg-type, and an enc-part etype we asked for (KRB5_CONFIG_ETYPE_NOSUPP).
 * Free with krb5_free_kdc_rep.
 */
krb5_error_code ks_as_decode_reply(struct ks_context *ctx,
                                   const struct ks_as_request *req,
                                   const krb5_data *reply,
                                   krb5_kdc_rep **rep_out);

/*
 * Decrypt REP's enc-part with KEY (usage 3), decode EncASRepPart or
 * EncTGSRepPart into rep->enc_part2 and, when the reply carries the
 * enc-pa-rep flag, check PA-REQ-ENC-PA-REP (usage 56) over req->der.
 * The plaintext is zeroed.  A wrong key gives KRB5KRB_AP_ERR_BAD_INTEGRITY.
 */
krb5_error_code ks_as_decrypt_reply(struct ks_context *ctx,
                                    const struct ks_as_request *req,
                                    krb5_kdc_rep *rep,
                                    const krb5_keyblock *key);

/*
 * The checks of PROTOCOL.md 1.2 on a decrypted reply: names, nonce, times,
 * renew bounds, clock skew against NOW (unless postdated or kdc_timesync),
 * the session key.  KRB5_KDCREP_MODIFIED, KRB5_KDCREP_SKEW or
 * KRB5_CONFIG_ETYPE_NOSUPP, with a message saying which check failed.
 */
krb5_error_code ks_as_verify_reply(struct ks_context *ctx,
                                   const struct ks_as_request *req,
                                   const krb5_kdc_rep *rep,
                                   krb5_timestamp now);

/* Credentials deep-copied from a checked reply; free with krb5_free_creds. */
krb5_error_code ks_as_make_creds(struct ks_context *ctx,
                                 const krb5_kdc_rep *rep,
                                 krb5_creds **creds_out);

/*
 * CANDIDATES sorted as MIT sorts them for a keytab: first those for which
 * KEYTAB holds a key of CLIENT, then the others, each group in CANDIDATES'
 * order; a 0-terminated array to free().  No key of any candidate:
 * KRB5_KT_NOTFOUND with "Keytab contains no suitable keys for CLIENT".
 */
krb5_error_code ks_as_keytab_etypes(struct ks_context *ctx,
                                    krb5_keytab keytab,
                                    krb5_const_principal client,
                                    const krb5_enctype *candidates,
                                    krb5_enctype **etypes_out);

/*
 * as_referral: the errors that send the AS exchange elsewhere.
 */

/* At most this many client referrals (RFC 6806 7 suggests 5). */
#define KS_AS_MAX_REFERRALS 5

/* The realms an exchange asked so far: the first, then each referral's. */
struct ks_as_referral {
    unsigned int hops;
    size_t nseen;
    char *seen[KS_AS_MAX_REFERRALS + 2];
};

/*
 * Whether ERR looks like a client referral for CLIENT: KDC_ERR_WRONG_REALM,
 * or KDC_ERR_C_PRINCIPAL_UNKNOWN whose crealm is another realm.
 */
bool ks_as_referral_is(const krb5_error *err, krb5_const_principal client);

/*
 * Decide on the referral ERR (ks_as_referral_is) for CLIENT.  Not ALLOWED
 * (no canonicalize, no enterprise name): the plain error's code and
 * message, naming the realm and -C.  Otherwise 0 with *realm_out (malloc'ed)
 * the realm to ask next, taken from the error's crealm only; or
 * KRB5_KDCREP_MODIFIED with a message when there is no realm, an unusable
 * one, one krb5.conf names no KDC for, a loop, or more than
 * KS_AS_MAX_REFERRALS hops.  Traced at "AS request".
 */
krb5_error_code ks_as_referral_next(struct ks_context *ctx,
                                    struct ks_as_referral *ref,
                                    krb5_const_principal client,
                                    bool allowed, const krb5_error *err,
                                    char **realm_out);

void ks_as_referral_clear(struct ks_as_referral *ref);

/*
 * The primary KDCs of REALM from krb5.conf ([realms] primary_kdc, else
 * master_kdc) into *list_out; an empty list when none is named.  Free with
 * ks_kdc_list_free.
 */
krb5_error_code ks_as_primary_kdcs(struct ks_context *ctx, const char *realm,
                                   struct ks_kdc_list *list_out);

/* Whether NAME (a ks_send_result's kdc) is an address of LIST. */
bool ks_as_kdc_in(const struct ks_kdc_list *list, const char *name);

/*
 * KRB5KRB_AP_ERR_SKEW with a message giving this machine's time NOW and the
 * time the KDC's (unauthenticated) error claims, and whether the exchange
 * already RETRIED with the KDC's time.
 */
krb5_error_code ks_as_skew_error(struct ks_context *ctx,
                                 const krb5_error *err, krb5_timestamp now,
                                 bool retried);

#endif /* KS_AS_H */
