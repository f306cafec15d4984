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
#include "context.h"

/* At most this many AS-REQs in one exchange (MIT's MAX_IN_TKT_LOOPS). */
#define KS_AS_MAX_ROUNDS 16

/* -1 means "the configuration decides" for the tri-state fields. */
struct ks_as_options {
    krb5_principal client;          /* required */
    krb5_principal server;          /* NULL: krbtgt/REALM@REALM */
    krb5_deltat lifetime;           /* 0: ticket_lifetime */
    krb5_deltat renew_lifetime;     /* -1: renew_lifetime, 0: not renewable */
    krb5_deltat start_delay;        /* > 0: postdated by this much */
    int forwardable;                /* -1, 0, 1 */
    int proxiable;                  /* -1, 0, 1 */
    int addresses;                  /* -1 (noaddresses decides), 0, 1 */
    int request_pac;                /* -1: send none, 0: false, 1: true */
    bool canonicalize;
    const krb5_enctype *etypes;     /* NULL: config tkt_enctypes */
};

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

#endif /* KS_AS_H */
