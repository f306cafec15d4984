/*
 * inspect: the KDC-side steps of the TGS exchange, seen with keys.
 *
 *   2 ks_inspect_open_tgt        the TGT in a TGS-REQ, opened with a krbtgt
 *                                key from a keytab (usage 2)
 *   3 ks_inspect_check_authenticator
 *                                the authenticator opened with the logon
 *                                session key (usage 7) and checked as the
 *                                KDC would: client against the TGT, time
 *                                within skew, keyed checksum over the
 *                                DER req-body (usage 6)
 *   4 ks_inspect_open_reply      the reply's enc-part (subkey usage 9, or
 *                                session key usage 8)
 *   5 ks_inspect_open_ticket     the service ticket opened with the
 *                                service's key: flags, times, transited,
 *                                authorization data, PAC
 *
 * Nothing here contacts a KDC or writes a cache.
 */
#ifndef KS_INSPECT_H
#define KS_INSPECT_H

#include <stdbool.h>
#include <krb5.h>
#include "context.h"

/*
 * Find in KT the key for PRINC with ENCTYPE and KVNO (0: any) and copy it
 * into *key_out (free with krb5_free_keyblock).  The message names the
 * principal, kvno, enctype and keytab when none matches.
 */
krb5_error_code ks_inspect_keytab_key(struct ks_context *ctx, krb5_keytab kt,
                                      krb5_const_principal princ,
                                      krb5_kvno kvno, krb5_enctype enctype,
                                      krb5_keyblock **key_out);

/*
 * Decrypt TICKET's enc-part with the matching key from KT and attach the
 * plaintext as ticket->enc_part2 (usage 2).  Shared by steps 2 and 5.
 */
krb5_error_code ks_inspect_decrypt_ticket(struct ks_context *ctx,
                                          krb5_keytab kt,
                                          krb5_ticket *ticket);

/* Step 2: the TGT inside TGS_REQ, with enc_part2 filled.  Free with
 * krb5_free_ticket. */
krb5_error_code ks_inspect_open_tgt(struct ks_context *ctx,
                                    const krb5_data *tgs_req, krb5_keytab kt,
                                    krb5_ticket **tgt_out);

/* What step 3 found. */
struct ks_authenticator_check {
    krb5_authenticator *authenticator;  /* decrypted */
    bool client_matches;        /* cname/crealm == the TGT's client */
    bool time_ok;               /* |ctime - now| <= clockskew */
    krb5_deltat skew;           /* now - ctime, seconds */
    bool checksum_keyed;        /* a keyed checksum type */
    bool checksum_ok;           /* verifies over the DER req-body */
    bool body_from_wire;        /* the req-body bytes were sliced, not re-encoded */
};

void ks_authenticator_check_free(struct ks_context *ctx,
                                 struct ks_authenticator_check *chk);

/*
 * Step 3: open the authenticator of TGS_REQ with SESSION_KEY (the logon
 * session key, from the cache or from step 2) and check it against
 * TGT_CLIENT.  A failed check is not an error: look at the flags.  An
 * authenticator that does not decrypt is (KRB5KRB_AP_ERR_BAD_INTEGRITY).
 */
krb5_error_code ks_inspect_check_authenticator(
    struct ks_context *ctx, const krb5_data *tgs_req,
    const krb5_keyblock *session_key, krb5_const_principal tgt_client,
    struct ks_authenticator_check **chk_out);

/*
 * Step 4: decrypt the enc-part of the TGS-REP REPLY with SUBKEY (usage 9)
 * or, failing that, SESSION_KEY (usage 8); either may be NULL.
 * *usage_out says which worked.  Free with krb5_free_enc_kdc_rep_part.
 */
krb5_error_code ks_inspect_open_reply(struct ks_context *ctx,
                                      const krb5_data *reply,
                                      const krb5_keyblock *subkey,
                                      const krb5_keyblock *session_key,
                                      krb5_enc_kdc_rep_part **part_out,
                                      krb5_keyusage *usage_out);

/* Step 5: the service ticket in the TGS-REP REPLY, opened with KT. */
krb5_error_code ks_inspect_open_ticket(struct ks_context *ctx,
                                       const krb5_data *reply, krb5_keytab kt,
                                       krb5_ticket **ticket_out);

/* One PAC buffer, for display. */
struct ks_pac_buffer {
    krb5_ui_4 type;
    size_t length;
};

struct ks_pac_view {
    struct ks_pac_buffer *buffers;
    size_t count;
    char *client_name;          /* from PAC_CLIENT_INFO, or NULL */
    krb5_timestamp client_time;
    int server_checksum_ok;     /* 1 ok, 0 bad, -1 not checked (no key) */
};

void ks_pac_view_free(struct ks_pac_view *view);

/*
 * The PAC among PART's authorization data (AD-IF-RELEVANT/AD-WIN2K-PAC);
 * ENOENT when the ticket has none.  SERVER_KEY, if not NULL, verifies the
 * server checksum.
 */
krb5_error_code ks_inspect_pac(struct ks_context *ctx,
                               const krb5_enc_tkt_part *part,
                               krb5_const_principal server,
                               const krb5_keyblock *server_key,
                               struct ks_pac_view **view_out);

#endif /* KS_INSPECT_H */
