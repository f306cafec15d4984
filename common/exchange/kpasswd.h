/*
 * kpasswd: change a password with the kpasswd protocol, MIT's flavour of
 * RFC 3244 (version 1, "change password"), driven by kstep itself.
 *
 * The request is, after a 2-byte length and the version 0x0001, an AP-REQ
 * for kadmin/changepw (authenticator under the ticket's session key, usage
 * 11, carrying a new random subkey and a sequence number) and a KRB-PRIV
 * holding the new password (encrypted with that subkey, usage 13, with the
 * same sequence number and our address as s-address).  The reply is an
 * AP-REP (usage 12: it proves the server holds kadmin/changepw's key) and a
 * KRB-PRIV with a 2-byte result code and the server's result string; or,
 * when the server could not read the request, a KRB-ERROR whose e-data
 * holds the result (unauthenticated).
 *
 * The servers are [realms] REALM kpasswd_server (port 464 by default),
 * else admin_server with its port replaced by 464 (MIT), else the realm's
 * kdc hosts on port 464 (MIT stops before this last step).
 */
#ifndef KS_KPASSWD_H
#define KS_KPASSWD_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"
#include "core/errors.h"
#include "wire/locate.h"

#define KS_KPASSWD_PORT "464"
/* The protocol version of a change-password request (RFC 3244 section 2). */
#define KS_KPASSWD_VERSION 0x0001
/* The version of RFC 3244's set-password replies, also accepted. */
#define KS_KPASSWD_SETPW_VERSION 0xff80

/* One request as sent, with what is needed to read its reply. */
struct ks_kpasswd_request {
    krb5_keyblock session;          /* owned copy of the ticket's key */
    krb5_keyblock subkey;           /* owned: ours, it also seals the reply */
    krb5_timestamp ctime;           /* the authenticator's, echoed in AP-REP */
    krb5_int32 cusec;
    krb5_ui_4 seq;                  /* ours (authenticator and KRB-PRIV) */
    krb5_data der;                  /* owned: the framed request */
};

/* What the server answered. */
struct ks_kpasswd_result {
    int code;                       /* KRB5_KPASSWD_SUCCESS (0) .. 7 */
    bool authenticated;             /* in a KRB-PRIV, not a KRB-ERROR */
    char text[KS_ETEXT_MAX * 4 + 8];/* the result string, sanitised */
};

/*
 * The kpasswd servers of REALM, in the order above; each source is traced.
 * KRB5_REALM_UNKNOWN (with a message) when the realm names none of
 * kpasswd_server, admin_server, kdc; KRB5_KDC_UNREACH when none resolves.
 * Free with ks_kdc_list_free().
 */
krb5_error_code ks_kpasswd_locate(struct ks_context *ctx, const char *realm,
                                  struct ks_kdc_list *list_out);

/*
 * Build the request that changes the password of CREDS->client to
 * NEW_PASSWORD, with CREDS a ticket for kadmin/changepw (from an AS
 * exchange: the server wants the initial flag).  LOCAL is the address the
 * request will come from (the KRB-PRIV's s-address, which MIT's server
 * checks).  Free with ks_kpasswd_request_clear().  EINVAL when the
 * password or the ticket is too large for the 16-bit framing.
 */
krb5_error_code ks_kpasswd_build_request(struct ks_context *ctx,
                                         const krb5_creds *creds,
                                         const char *new_password,
                                         const krb5_address *local,
                                         struct ks_kpasswd_request *req_out);

/* Zero the keys and free what REQ owns.  Accepts a zeroed REQ. */
void ks_kpasswd_request_clear(krb5_context kctx,
                              struct ks_kpasswd_request *req);

/*
 * Read REPLY to REQ: framing, AP-REP (usage 12, ctime and cusec echoed),
 * KRB-PRIV (usage 13 under our subkey, the AP-REP's sequence number),
 * result code 0..7.  A framed or bare KRB-ERROR gives its e-data's result,
 * or a code and message from the error itself when it has none.  Returns 0
 * when a result was read (look at result_out->code), else
 * KRB5KRB_AP_ERR_MODIFIED, KRB5KDC_ERR_BAD_PVNO, KRB5_MUTUAL_FAILED,
 * KRB5KRB_AP_ERR_BADORDER, KRB5KRB_AP_ERR_BAD_INTEGRITY ... with a
 * message; result_out is then untouched.
 */
krb5_error_code ks_kpasswd_read_reply(struct ks_context *ctx,
                                      const struct ks_kpasswd_request *req,
                                      const krb5_data *reply,
                                      struct ks_kpasswd_result *result_out);

/* MIT's words for a result code ("Password change rejected", ...). */
const char *ks_kpasswd_result_name(int code);

/*
 * Change the password of CREDS->client (CREDS: a kadmin/changepw ticket)
 * to NEW_PASSWORD: locate the servers, and for each in turn build the
 * request from the address we reach it from, send it through the
 * transport and read the reply.  Returns 0 only when the server said the
 * password was changed; KRB5_CHPW_FAIL with "Password change rejected:
 * <server's words>" when it refused; KRB5_KDC_UNREACH when no server
 * answered; the errors of ks_kpasswd_read_reply for a reply that fails its
 * checks.
 */
krb5_error_code ks_kpasswd_change(struct ks_context *ctx,
                                  const krb5_creds *creds,
                                  const char *new_password);

#endif /* KS_KPASSWD_H */
