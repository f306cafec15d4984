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
 * Read one element at the start of BUF (LEN bytes); *tlv_out points into
 * BUF.  Definite lengths of up to 4 octets, tag numbers of up to 28 bits.
 * Bytes after the element are not looked at (total_len says where it
 * ends).  Returns 0, or: ASN1_OVERRUN (truncated header or contents),
 * ASN1_INDEF (BER indefinite length), ASN1_BAD_LENGTH (length of more than
 * 4 octets), ASN1_BAD_ID (tag number too large), EINVAL (BUF NULL).
 */
krb5_error_code ks_der_read(const uint8_t *buf, size_t len,
                            struct ks_der_tlv *tlv_out);

/*
 * Follow PATH from the element at BUF: PATH[0] names the element at BUF
 * itself, each later step the tag (class and number) of a child inside the
 * element reached so far; an [APPLICATION n] or SEQUENCE wrapper is
 * entered by naming it.  The first child with that tag is taken.  For the
 * Ticket in a TGS-REP: {APPLICATION 13}, {UNIVERSAL 16}, {CONTEXT 5},
 * {APPLICATION 1}.  The final element is returned in *tlv_out (pointing
 * into BUF).  ENOENT when a step is missing, EINVAL for an empty PATH or
 * one longer than KS_DER_MAX_DEPTH, a ks_der_read() code for a malformed
 * element on the way.
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
 * (what the authenticator checksum covers), copied into *body_out (free
 * with krb5_free_data_contents).  ASN1_MISSING_FIELD when REQ is not a
 * KDC-REQ with a req-body, a ks_der_read() code when it is malformed.
 */
krb5_error_code ks_der_req_body(const krb5_data *req, krb5_data *body_out);

/*
 * Print the TLV tree of DATA to OUT, one element a line, indented two
 * spaces a level: the tag ("[APPLICATION 12]", "[4]", "SEQUENCE"), the
 * contents length in parentheses, and for a primitive element its value:
 * INTEGER and BOOLEAN decoded, strings and times as escaped text, other
 * bytes as a hex preview of 16 octets.  An OCTET STRING holding exactly
 * one constructed element (a padata value) is dumped as a subtree.
 * Trailing bytes after the message are reported.  A malformed element or
 * nesting deeper than KS_DER_MAX_DEPTH prints a "!" line and returns its
 * code (what was dumped before it stays).
 */
krb5_error_code ks_der_dump(FILE *out, const krb5_data *data);

#endif /* KS_DER_H */
