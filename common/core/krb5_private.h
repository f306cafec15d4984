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

/*
 * FAST (RFC 6113), MIT's layouts from k5-int.h (unchanged since 1.8).  MIT
 * exports decoders for all of them but encoders only for the reply side:
 * the request is written by der_write.c.
 */
#define KS_FAST_ARMOR_AP_REQUEST 1

typedef struct ks_fast_armor {
    krb5_int32 armor_type;
    krb5_data armor_value;
} krb5_fast_armor;

typedef struct ks_fast_armored_req {
    krb5_magic magic;
    krb5_fast_armor *armor;
    krb5_checksum req_checksum;
    krb5_enc_data enc_part;
} krb5_fast_armored_req;

typedef struct ks_fast_req {
    krb5_magic magic;
    krb5_flags fast_options;
    krb5_kdc_req *req_body;         /* its padata are KrbFastReq's padata */
} krb5_fast_req;

typedef struct ks_fast_finished {
    krb5_timestamp timestamp;
    krb5_int32 usec;
    krb5_principal client;          /* crealm and cname together */
    krb5_checksum ticket_checksum;
} krb5_fast_finished;

typedef struct ks_fast_response {
    krb5_magic magic;
    krb5_pa_data **padata;
    krb5_keyblock *strengthen_key;  /* NULL: absent */
    krb5_fast_finished *finished;   /* NULL: absent */
    krb5_int32 nonce;
} krb5_fast_response;

/* MS-SFU PA-FOR-USER (padata 129). */
typedef struct ks_pa_for_user {
    krb5_principal user;
    krb5_checksum cksum;
    krb5_data auth_package;
} krb5_pa_for_user;

/* S4UUserID, inside PA-S4U-X509-USER (padata 130). */
typedef struct ks_s4u_userid {
    krb5_int32 nonce;
    krb5_principal user;
    krb5_data subject_cert;
    krb5_flags options;
} krb5_s4u_userid;

/* The KDC signs its PA-S4U-X509-USER with usage 27 instead of 26. */
#define KS_S4U_OPTS_USE_REPLY_KEY_USAGE 0x20000000

typedef struct ks_pa_s4u_x509_user {
    krb5_s4u_userid user_id;
    krb5_checksum cksum;
} krb5_pa_s4u_x509_user;

/* PA-PAC-OPTIONS (padata 167, MS-KILE); free a decoded one with free(). */
typedef struct ks_pa_pac_options {
    krb5_flags options;
} krb5_pa_pac_options;

/* Resource-based constrained delegation (MS-SFU 2.2.5). */
#define KS_PA_PAC_OPTIONS_RBCD 0x10000000

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
krb5_error_code encode_krb5_fast_response(const krb5_fast_response *,
                                          krb5_data **);
krb5_error_code encode_krb5_pa_fx_fast_reply(const krb5_enc_data *,
                                            krb5_data **);
krb5_error_code encode_krb5_pa_for_user(const krb5_pa_for_user *,
                                       krb5_data **);
krb5_error_code encode_krb5_s4u_userid(const krb5_s4u_userid *, krb5_data **);
krb5_error_code encode_krb5_pa_s4u_x509_user(const krb5_pa_s4u_x509_user *,
                                            krb5_data **);
krb5_error_code encode_krb5_pa_pac_options(const krb5_pa_pac_options *,
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
krb5_error_code decode_krb5_fast_req(const krb5_data *, krb5_fast_req **);
krb5_error_code decode_krb5_pa_fx_fast_request(const krb5_data *,
                                              krb5_fast_armored_req **);
krb5_error_code decode_krb5_pa_fx_fast_reply(const krb5_data *,
                                            krb5_enc_data **);
krb5_error_code decode_krb5_fast_response(const krb5_data *,
                                         krb5_fast_response **);
krb5_error_code decode_krb5_pa_for_user(const krb5_data *,
                                       krb5_pa_for_user **);
krb5_error_code decode_krb5_pa_s4u_x509_user(const krb5_data *,
                                            krb5_pa_s4u_x509_user **);
krb5_error_code decode_krb5_pa_pac_options(const krb5_data *,
                                          krb5_pa_pac_options **);

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
void krb5_free_fast_req(krb5_context, krb5_fast_req *);
void krb5_free_fast_armored_req(krb5_context, krb5_fast_armored_req *);
void krb5_free_fast_response(krb5_context, krb5_fast_response *);
void krb5_free_pa_for_user(krb5_context, krb5_pa_for_user *);
void krb5_free_pa_s4u_x509_user(krb5_context, krb5_pa_s4u_x509_user *);

/*
 * KRB-PRIV (RFC 4120 5.7) for kpasswd, MIT's layouts from k5-int.h.  An
 * encoded EncKrbPrivPart omits timestamp/usec when timestamp is 0, the
 * seq-number when it is 0, and r-address when NULL; s-address is required.
 * AP-REP's structs are public in <krb5.h>, its codecs are not.
 */
typedef struct ks_priv {
    krb5_magic magic;
    krb5_enc_data enc_part;
} krb5_priv;

typedef struct ks_priv_enc_part {
    krb5_magic magic;
    krb5_data user_data;
    krb5_timestamp timestamp;
    krb5_int32 usec;
    krb5_ui_4 seq_number;
    krb5_address *s_address;
    krb5_address *r_address;
} krb5_priv_enc_part;

krb5_error_code encode_krb5_priv(const krb5_priv *, krb5_data **);
krb5_error_code encode_krb5_enc_priv_part(const krb5_priv_enc_part *,
                                          krb5_data **);
krb5_error_code encode_krb5_ap_rep(const krb5_ap_rep *, krb5_data **);
krb5_error_code encode_krb5_ap_rep_enc_part(const krb5_ap_rep_enc_part *,
                                            krb5_data **);
krb5_error_code decode_krb5_priv(const krb5_data *, krb5_priv **);
krb5_error_code decode_krb5_enc_priv_part(const krb5_data *,
                                          krb5_priv_enc_part **);
krb5_error_code decode_krb5_ap_rep(const krb5_data *, krb5_ap_rep **);
krb5_error_code decode_krb5_ap_rep_enc_part(const krb5_data *,
                                            krb5_ap_rep_enc_part **);
void krb5_free_priv(krb5_context, krb5_priv *);
void krb5_free_priv_enc_part(krb5_context, krb5_priv_enc_part *);
void krb5_free_ap_rep(krb5_context, krb5_ap_rep *);

#endif /* KS_KRB5_PRIVATE_H */
