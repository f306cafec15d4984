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
#include "core/context.h"

/*
 * Find in KT the key for PRINC with ENCTYPE and KVNO (0: any; the highest
 * kvno is taken) and copy it into *key_out (free with krb5_free_keyblock).
 * The keytab's code (KRB5_KT_NOTFOUND, KRB5_KT_KVNONOTFOUND, ENOENT for a
 * missing file, ...) with a message naming the principal, kvno, enctype
 * and keytab when none matches.
 */
krb5_error_code ks_inspect_keytab_key(struct ks_context *ctx, krb5_keytab kt,
                                      krb5_const_principal princ,
                                      krb5_kvno kvno, krb5_enctype enctype,
                                      krb5_keyblock **key_out);

/*
 * The key in KT for TICKET, found as MIT's kvno -k and acceptors find it:
 * the entry under the ticket's server name with its kvno and enctype; when
 * no entry has that name (Active Directory exports keys under the account
 * name, "svc1@REALM", not the SPN), the first entry of any name with the
 * ticket's enctype and kvno whose key decrypts the ticket (traced as
 * keytab-other-name).  *key_out is the caller's (krb5_free_keyblock).
 * KRB5_KT_NOTFOUND & co. as ks_inspect_keytab_key when no entry fits, or
 * when entries of other names fit but none decrypts (the message says how
 * many were tried); KRB5_KT_KVNONOTFOUND when the keytab has the ticket's
 * enctype only at other key versions; each with a message.
 */
krb5_error_code ks_inspect_ticket_key(struct ks_context *ctx, krb5_keytab kt,
                                      const krb5_ticket *ticket,
                                      krb5_keyblock **key_out);

/*
 * Decrypt TICKET's enc-part with its key from KT (ks_inspect_ticket_key)
 * and attach the decoded plaintext as ticket->enc_part2 (usage 2),
 * replacing any there; an absent starttime is set to authtime.
 * Shared by steps 2 and 5.  A keytab code when the key is missing,
 * KRB5KRB_AP_ERR_BAD_INTEGRITY when it does not decrypt, an ASN.1 code
 * when the plaintext does not decode; each with a message.
 */
krb5_error_code ks_inspect_decrypt_ticket(struct ks_context *ctx,
                                          krb5_keytab kt,
                                          krb5_ticket *ticket);

/*
 * Decode the TGS-REQ in TGS_REQ and the AP-REQ in its PA-TGS-REQ padata.
 * Free with krb5_free_kdc_req and krb5_free_ap_req.  An ASN.1 code, or
 * KRB5KDC_ERR_PADATA_TYPE_NOSUPP when there is no PA-TGS-REQ.
 */
krb5_error_code ks_inspect_decode_tgs_req(struct ks_context *ctx,
                                          const krb5_data *tgs_req,
                                          krb5_kdc_req **req_out,
                                          krb5_ap_req **ap_req_out);

/*
 * Step 2: the TGT inside TGS_REQ, with enc_part2 filled, opened with the
 * key KT holds for its server (krbtgt/REALM@REALM; any ticket a TGS-REQ
 * carries works the same way).  Free with krb5_free_ticket.  Trailing
 * bytes after the TGS-REQ are reported in the trace.  Errors as
 * ks_inspect_decode_tgs_req and ks_inspect_decrypt_ticket.
 */
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

/* Free CHK and its authenticator (the subkey is zeroed); NULL is fine. */
void ks_authenticator_check_free(struct ks_context *ctx,
                                 struct ks_authenticator_check *chk);

/*
 * Step 3: open the authenticator of TGS_REQ with SESSION_KEY (the logon
 * session key, from the cache or from step 2) and check it against
 * TGT_CLIENT.  A failed check is not an error: look at the flags.  An
 * authenticator that does not decrypt is (KRB5KRB_AP_ERR_BAD_INTEGRITY).
 * The checksum is verified only when its type is keyed: an unkeyed one
 * (CRC32, RSA-MD5, SHA-1) would "verify" without the key (PROTOCOL.md
 * 1.6), so it leaves checksum_keyed and checksum_ok false.  Free *chk_out
 * with ks_authenticator_check_free.
 */
krb5_error_code ks_inspect_check_authenticator(
    struct ks_context *ctx, const krb5_data *tgs_req,
    const krb5_keyblock *session_key, krb5_const_principal tgt_client,
    struct ks_authenticator_check **chk_out);

/*
 * Step 4: decrypt the enc-part of the TGS-REP REPLY with SUBKEY (usage 9)
 * or, failing that, SESSION_KEY (usage 8); either may be NULL.
 * *usage_out says which worked.  Free with krb5_free_enc_kdc_rep_part.
 * KRB5KRB_AP_ERR_BAD_INTEGRITY when neither opens it; a KRB-ERROR reply
 * gives its code (ks_error_from_reply).
 */
krb5_error_code ks_inspect_open_reply(struct ks_context *ctx,
                                      const krb5_data *reply,
                                      const krb5_keyblock *subkey,
                                      const krb5_keyblock *session_key,
                                      krb5_enc_kdc_rep_part **part_out,
                                      krb5_keyusage *usage_out);

/*
 * Step 5: the service ticket in the TGS-REP REPLY (or a bare Ticket),
 * opened with KT.  Free with krb5_free_ticket.  A KRB-ERROR reply gives
 * its code (ks_error_from_reply); otherwise errors as
 * ks_inspect_decrypt_ticket.
 */
krb5_error_code ks_inspect_open_ticket(struct ks_context *ctx,
                                       const krb5_data *reply, krb5_keytab kt,
                                       krb5_ticket **ticket_out);

struct ks_pac;

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
    struct ks_pac *decoded;     /* every buffer, by our reader (pac.h),
                                 * with each signature's verdict; NULL
                                 * when the container does not decode */
};

/* NULL is fine. */
void ks_pac_view_free(struct ks_pac_view *view);

/*
 * The PAC among PART's authorization data (AD-IF-RELEVANT/AD-WIN2K-PAC);
 * ENOENT when the ticket has none, EINVAL when it has two, the parser's
 * code for a malformed PAC.  SERVER_KEY, if not NULL, verifies the server
 * checksum (krb5_pac_verify, which also checks the client info against
 * PART's client and authtime); SERVER only names the key in the trace.
 * Free with ks_pac_view_free.
 */
krb5_error_code ks_inspect_pac(struct ks_context *ctx,
                               const krb5_enc_tkt_part *part,
                               krb5_const_principal server,
                               const krb5_keyblock *server_key,
                               struct ks_pac_view **view_out);

/*
 * ks_inspect_pac, and every buffer decoded by our reader (view->decoded)
 * with all four signatures checked: the server signature with SERVER_KEY,
 * the KDC, ticket and full signatures with the krbtgt key, which is
 * SERVER_KEY when PART is a TGT of SERVER's own realm, or else looked up
 * in KRBTGT_KT (krbtgt/REALM@REALM of SERVER's realm, the enctype of the
 * KDC signature; NULL or no such key: "not checked").  Each verdict is
 * traced.  Errors as ks_inspect_pac.
 */
krb5_error_code ks_inspect_pac_keys(struct ks_context *ctx,
                                    const krb5_enc_tkt_part *part,
                                    krb5_const_principal server,
                                    const krb5_keyblock *server_key,
                                    krb5_keytab krbtgt_kt,
                                    struct ks_pac_view **view_out);

/* What ks_inspect_compare found different. */
#define KS_INSPECT_DIFF_FLAGS  0x1u   /* ticket flags != reply flags */
#define KS_INSPECT_DIFF_KEY    0x2u   /* session keys differ */
#define KS_INSPECT_DIFF_TIMES  0x4u   /* authtime/starttime/endtime/renew */
#define KS_INSPECT_DIFF_SERVER 0x8u   /* ticket sname != reply sname */

/*
 * Compare the opened service TICKET (step 5, enc_part2 filled) with the
 * reply PART (step 4): the flags a service sees are the ticket's, and the
 * client only sees the reply's (Bronze Bit, PROTOCOL.md 1.8).  Returns the
 * KS_INSPECT_DIFF_* bits, 0 when they agree (or TICKET is not opened);
 * each difference is traced at "5/8 open-ticket" ("flags mismatch between
 * ticket and KDC reply: ...").
 */
unsigned int ks_inspect_compare(struct ks_context *ctx,
                                const krb5_ticket *ticket,
                                const krb5_enc_kdc_rep_part *part);

#endif /* KS_INSPECT_H */
