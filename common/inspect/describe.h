/*
 * describe: Kerberos messages written field by field through emit, with
 * RFC 4120's field names (pvno, msg-type, padata, req-body, kdc-options,
 * cname, realm, sname, till, nonce, etype, ...), numbers with their names
 * (msg-type 12 (KRB_TGS_REQ), error-code 7 (KDC_ERR_S_PRINCIPAL_UNKNOWN)),
 * kdc-options and ticket flags as names.  Ciphertexts are shown as their
 * etype, kvno and length; keys through ks_emit_key (enctype and
 * fingerprint unless the emitter shows keys).  Text from the wire (e-text,
 * names) is sanitised by emit.
 *
 * KEY is the member name the description is written under (NULL inside an
 * array).  Nothing here decrypts: a ticket's EncTicketPart is described
 * when a caller has attached it (ticket->enc_part2).
 */
#ifndef KS_DESCRIBE_H
#define KS_DESCRIBE_H

#include <krb5.h>
#include "core/context.h"
#include "core/emit.h"

struct ks_pac_view;

/*
 * Decode DER (any message ks_artefact_kind() names) and describe it at
 * the top level of E: "message" (its kind), "length", then its fields.
 * Messages libkrb5 offers us no decoder for (AP-REP, KRB-SAFE, KRB-PRIV,
 * KRB-CRED and their encrypted parts) are named with a note to use the
 * raw dump.  A message that does not decode returns the decoder's code
 * with a message naming WHAT (a file name) and the kind; nothing is
 * emitted then.  KRB5KRB_AP_ERR_MSG_TYPE when DER is not a Kerberos
 * message at all.
 */
krb5_error_code ks_describe_message(struct ks_context *ctx,
                                    struct ks_emit *e, const char *what,
                                    const krb5_data *der);

/* KDC-REQ (AS-REQ or TGS-REQ): pvno, msg-type, padata, req-body. */
void ks_describe_kdc_req(struct ks_context *ctx, struct ks_emit *e,
                         const char *key, const krb5_kdc_req *req);

/* KDC-REP: pvno, msg-type, padata, crealm, cname, ticket, enc-part (and
 * the decrypted part when rep->enc_part2 is set). */
void ks_describe_kdc_rep(struct ks_context *ctx, struct ks_emit *e,
                         const char *key, const krb5_kdc_rep *rep);

/* KRB-ERROR: times, error-code with its name, names, e-text, e-data. */
void ks_describe_error(struct ks_context *ctx, struct ks_emit *e,
                       const char *key, const krb5_error *err);

/* Ticket: tkt-vno, realm, sname, enc-part; EncTicketPart if attached. */
void ks_describe_ticket(struct ks_context *ctx, struct ks_emit *e,
                        const char *key, const krb5_ticket *t);

/* EncTicketPart: flags, key, crealm, cname, transited, times, caddr,
 * authorization-data. */
void ks_describe_enc_tkt_part(struct ks_context *ctx, struct ks_emit *e,
                              const char *key,
                              const krb5_enc_tkt_part *part);

/* EncKDCRepPart: key, last-req, nonce, key-expiration, flags, times,
 * srealm, sname, caddr, encrypted-pa-data. */
void ks_describe_enc_kdc_rep_part(struct ks_context *ctx, struct ks_emit *e,
                                  const char *key,
                                  const krb5_enc_kdc_rep_part *part);

/* Authenticator: authenticator-vno, crealm, cname, cksum, cusec, ctime,
 * subkey, seq-number, authorization-data. */
void ks_describe_authenticator(struct ks_context *ctx, struct ks_emit *e,
                               const char *key,
                               const krb5_authenticator *a);

/* AP-REQ: ap-options, ticket, authenticator (EncryptedData). */
void ks_describe_ap_req(struct ks_context *ctx, struct ks_emit *e,
                        const char *key, const krb5_ap_req *ap);

/* EncryptedData: etype, kvno, cipher (its length). */
void ks_describe_enc_data(struct ks_emit *e, const char *key,
                          const krb5_enc_data *enc);

/* A PAC as inspect read it: buffers, client info, server checksum. */
void ks_describe_pac(struct ks_emit *e, const char *key,
                     const struct ks_pac_view *pac);

/* Names for numbers, or NULL when unknown. */
const char *ks_describe_msg_type_name(int msg_type);
const char *ks_describe_padata_name(krb5_preauthtype type);
const char *ks_describe_error_name(krb5_int32 protocol_error);
const char *ks_describe_authdata_name(krb5_authdatatype type);
const char *ks_describe_pac_buffer_name(krb5_ui_4 type);

/* The short name of a checksum type ("hmac-sha1-96-aes256") into BUF
 * ("cksumtype N" when unknown).  Returns BUF. */
const char *ks_describe_cksumtype(krb5_cksumtype type, char *buf,
                                  size_t len);

#endif /* KS_DESCRIBE_H */
