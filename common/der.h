/*
 * der: a small DER walker for what libkrb5's decoders do not give us:
 * the exact bytes of an inner element (the req-body a checksum covers, the
 * Ticket inside a reply) and a raw TLV dump for `kstep decode --der`.
 * Every length is checked against its container; nesting is bounded.
 */
#ifndef KS_DER_H
#define KS_DER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <krb5.h>

#define KS_DER_MAX_DEPTH 32

enum ks_der_class {
    KS_DER_UNIVERSAL = 0,
    KS_DER_APPLICATION = 1,
    KS_DER_CONTEXT = 2,
    KS_DER_PRIVATE = 3,
};

struct ks_der_tlv {
    enum ks_der_class cls;
    int constructed;
    uint32_t tag;
    const uint8_t *start;       /* the whole element, header included */
    size_t total_len;
    const uint8_t *value;       /* its contents */
    size_t value_len;
};

/*
 * Read one element at the start of BUF (LEN bytes).  Definite lengths only
 * (DER).  Returns 0, or ASN1_OVERRUN / ASN1_BAD_LENGTH style codes
 * (EINVAL) for a truncated or malformed header.
 */
krb5_error_code ks_der_read(const uint8_t *buf, size_t len,
                            struct ks_der_tlv *tlv_out);

/*
 * Follow PATH from the element at BUF: each step names the tag of a child
 * (class and number) inside the current constructed element; an
 * [APPLICATION n] or SEQUENCE wrapper is entered by naming it.  The final
 * element is returned in *tlv_out (pointing into BUF).  ENOENT when a
 * step is missing.
 */
struct ks_der_step {
    enum ks_der_class cls;
    uint32_t tag;
};

krb5_error_code ks_der_find(const uint8_t *buf, size_t len,
                            const struct ks_der_step *path, size_t nsteps,
                            struct ks_der_tlv *tlv_out);

/*
 * The DER KDC-REQ-BODY inside a KRB_AS_REQ or KRB_TGS_REQ, as on the wire
 * (what the authenticator checksum covers).
 */
krb5_error_code ks_der_req_body(const krb5_data *req, krb5_data *body_out);

/* Print the TLV tree of DATA, one element a line, indented by depth. */
krb5_error_code ks_der_dump(FILE *out, const krb5_data *data);

#endif /* KS_DER_H */
