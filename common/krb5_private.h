/*
 * The libkrb5 encoders, decoders and free functions that MIT exports under
 * the symbol version krb5_3_MIT but leaves out of <krb5.h>, declared once,
 * here, for every room of common/.  The two struct layouts below are MIT's
 * private ones (unchanged for decades); see ../shared/LIBKRB5.md.
 *
 * Ownership: every encode_* returns a krb5_data * that the caller frees with
 * krb5_free_data(); every decode_* result is freed with the matching
 * krb5_free_* below.  Never pass a struct built on the stack to a free
 * function: they free what the struct points to.
 */
#ifndef KS_KRB5_PRIVATE_H
#define KS_KRB5_PRIVATE_H

#include <krb5.h>

/* PA-ENC-TS-ENC (RFC 4120 5.2.7.2). */
typedef struct ks_pa_enc_ts {
    krb5_timestamp patimestamp;
    krb5_int32 pausec;
} krb5_pa_enc_ts;

/* One ETYPE-INFO2 entry.  An absent salt is length == KS_ETYPE_NO_SALT;
 * the salt is not NUL-terminated. */
typedef struct ks_etype_info_entry {
    krb5_magic magic;
    krb5_enctype etype;
    unsigned int length;
    krb5_octet *salt;
    krb5_data s2kparams;
} krb5_etype_info_entry;

#define KS_ETYPE_NO_SALT ((unsigned int)-1)

/* Encoders. */
krb5_error_code encode_krb5_as_req(const krb5_kdc_req *, krb5_data **);
krb5_error_code encode_krb5_tgs_req(const krb5_kdc_req *, krb5_data **);
krb5_error_code encode_krb5_kdc_req_body(const krb5_kdc_req *, krb5_data **);
krb5_error_code encode_krb5_as_rep(const krb5_kdc_rep *, krb5_data **);
krb5_error_code encode_krb5_tgs_rep(const krb5_kdc_rep *, krb5_data **);
krb5_error_code encode_krb5_enc_kdc_rep_part(const krb5_enc_kdc_rep_part *,
                                             krb5_data **);
krb5_error_code encode_krb5_authenticator(const krb5_authenticator *,
                                          krb5_data **);
krb5_error_code encode_krb5_ap_req(const krb5_ap_req *, krb5_data **);
krb5_error_code encode_krb5_ticket(const krb5_ticket *, krb5_data **);
krb5_error_code encode_krb5_enc_tkt_part(const krb5_enc_tkt_part *,
                                         krb5_data **);
krb5_error_code encode_krb5_padata_sequence(krb5_pa_data *const *,
                                            krb5_data **);
krb5_error_code encode_krb5_pa_enc_ts(const krb5_pa_enc_ts *, krb5_data **);
krb5_error_code encode_krb5_enc_data(const krb5_enc_data *, krb5_data **);
krb5_error_code encode_krb5_error(const krb5_error *, krb5_data **);
krb5_error_code encode_krb5_checksum(const krb5_checksum *, krb5_data **);
krb5_error_code encode_krb5_authdata(krb5_authdata *const *, krb5_data **);
krb5_error_code encode_krb5_etype_info2(krb5_etype_info_entry *const *,
                                        krb5_data **);

/* Decoders. */
krb5_error_code decode_krb5_as_req(const krb5_data *, krb5_kdc_req **);
krb5_error_code decode_krb5_tgs_req(const krb5_data *, krb5_kdc_req **);
krb5_error_code decode_krb5_as_rep(const krb5_data *, krb5_kdc_rep **);
krb5_error_code decode_krb5_tgs_rep(const krb5_data *, krb5_kdc_rep **);
krb5_error_code decode_krb5_enc_kdc_rep_part(const krb5_data *,
                                             krb5_enc_kdc_rep_part **);
krb5_error_code decode_krb5_error(const krb5_data *, krb5_error **);
krb5_error_code decode_krb5_etype_info2(const krb5_data *,
                                        krb5_etype_info_entry ***);
krb5_error_code decode_krb5_etype_info(const krb5_data *,
                                       krb5_etype_info_entry ***);
krb5_error_code decode_krb5_padata_sequence(const krb5_data *,
                                            krb5_pa_data ***);
krb5_error_code decode_krb5_typed_data(const krb5_data *, krb5_pa_data ***);
krb5_error_code decode_krb5_ticket(const krb5_data *, krb5_ticket **);
krb5_error_code decode_krb5_enc_tkt_part(const krb5_data *,
                                         krb5_enc_tkt_part **);
krb5_error_code decode_krb5_authdata(const krb5_data *, krb5_authdata ***);
krb5_error_code decode_krb5_ap_req(const krb5_data *, krb5_ap_req **);
krb5_error_code decode_krb5_authenticator(const krb5_data *,
                                          krb5_authenticator **);
krb5_error_code decode_krb5_pa_enc_ts(const krb5_data *, krb5_pa_enc_ts **);
krb5_error_code decode_krb5_enc_data(const krb5_data *, krb5_enc_data **);

/* Free functions for the decoders' results. */
void krb5_free_kdc_rep(krb5_context, krb5_kdc_rep *);
void krb5_free_kdc_req(krb5_context, krb5_kdc_req *);
void krb5_free_enc_kdc_rep_part(krb5_context, krb5_enc_kdc_rep_part *);
void krb5_free_enc_tkt_part(krb5_context, krb5_enc_tkt_part *);
void krb5_free_pa_data(krb5_context, krb5_pa_data **);
void krb5_free_etype_info(krb5_context, krb5_etype_info_entry **);
void krb5_free_pa_enc_ts(krb5_context, krb5_pa_enc_ts *);
void krb5_free_enc_data(krb5_context, krb5_enc_data *);
void krb5_free_ap_req(krb5_context, krb5_ap_req *);
void krb5_free_last_req(krb5_context, krb5_last_req_entry **);

#endif /* KS_KRB5_PRIVATE_H */
