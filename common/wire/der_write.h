/*
 * der_write: a small DER writer for the messages MIT exports no encoder
 * for (the FAST request: KrbFastReq, KrbFastArmoredReq, PA-FX-FAST-REQUEST,
 * KrbFastArmor).  Everything libkrb5 can encode (AP-REQ, KDC-REQ-BODY,
 * PA-DATA sequences, Checksum, EncryptedData) is encoded by libkrb5 and
 * only wrapped here.
 *
 * Every function writes one complete element into OUT (malloc'ed; free
 * with ks_der_write_free) with the exact definite length (short form
 * below 128, else the shortest long form), and returns 0, ENOMEM, or
 * EOVERFLOW for an element longer than 2^32 - 1 bytes.  OUT is set only
 * on success.
 */
#ifndef KS_DER_WRITE_H
#define KS_DER_WRITE_H

#include <stddef.h>
#include <krb5.h>

/* Identifier octets used here. */
#define KS_DER_TAG_INTEGER 0x02
#define KS_DER_TAG_BIT_STRING 0x03
#define KS_DER_TAG_OCTET_STRING 0x04
#define KS_DER_TAG_GENERALIZED_TIME 0x18
#define KS_DER_TAG_SEQUENCE 0x30
/* [N] EXPLICIT: context-specific, constructed. */
#define KS_DER_TAG_CONTEXT(n) (0xa0 | (n))

/*
 * TAG (one identifier octet), the length of the N PARTS together, then the
 * parts, concatenated.  A part of length 0 adds nothing.
 */
krb5_error_code ks_der_write_tlv(unsigned char tag, const krb5_data *parts,
                                 size_t n, krb5_data *out);

/* [NUM] EXPLICIT around the complete element INNER (NUM 0..30). */
krb5_error_code ks_der_write_explicit(unsigned int num,
                                      const krb5_data *inner,
                                      krb5_data *out);

/*
 * SEQUENCE { [0] fields[0], [1] fields[1], ... } for N fields; a NULL
 * field is an absent OPTIONAL one and is left out.
 */
krb5_error_code ks_der_write_fields(const krb5_data *const *fields, size_t n,
                                    krb5_data *out);

/* INTEGER in the fewest octets (two's complement). */
krb5_error_code ks_der_write_integer(krb5_int32 value, krb5_data *out);

/* OCTET STRING holding LEN bytes from BYTES. */
krb5_error_code ks_der_write_octet_string(const void *bytes, size_t len,
                                          krb5_data *out);

/*
 * KerberosFlags (RFC 4120 5.2.8): a BIT STRING of 32 bits, no unused
 * bits, bit 0 first (the most significant bit of FLAGS).
 */
krb5_error_code ks_der_write_flags(krb5_flags flags, krb5_data *out);

/* KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ" (UTC, no fraction);
 * the timestamp is read as unsigned (y2038). */
krb5_error_code ks_der_write_time(krb5_timestamp t, krb5_data *out);

/* Zero and free OUT's buffer (it may hold key material); NULL is fine. */
void ks_der_write_free(krb5_data *out);

#endif /* KS_DER_WRITE_H */
