/*
 * ndr: a small bounds-checked reader of the NDR (MS-RPCE 2.2.6 type
 * serialization, version 1, little-endian) that the PAC's buffers are
 * written in, and of the plain little-endian fields around them.  Every
 * read checks the bytes left first; a read past the end, a count larger
 * than the bytes that could hold it, or a string that is not UTF-16 gives
 * EINVAL and leaves the reader's position at the faulty field, so that a
 * hostile PAC gives an error and never a crash or a huge allocation.
 *
 * Alignment is counted from the start of the reader's bytes, which the PAC
 * buffers place at an offset that is a multiple of 8.
 */
#ifndef KS_NDR_H
#define KS_NDR_H

#include <stddef.h>
#include <stdint.h>

struct ks_ndr {
    const unsigned char *data;
    size_t len;
    size_t pos;
};

/* An RPC_UNICODE_STRING's inline part: byte lengths and the referent id
 * of its deferred buffer (0 for a NULL pointer). */
struct ks_ndr_ustr {
    uint16_t length;
    uint16_t max_length;
    uint32_t ref;
};

void ks_ndr_init(struct ks_ndr *r, const void *data, size_t len);

int ks_ndr_u8(struct ks_ndr *r, uint8_t *out);
int ks_ndr_u16(struct ks_ndr *r, uint16_t *out);
int ks_ndr_u32(struct ks_ndr *r, uint32_t *out);
/* Two 32-bit halves, low first (FILETIME, NTTIME); aligned to 4. */
int ks_ndr_u64(struct ks_ndr *r, uint64_t *out);
int ks_ndr_skip(struct ks_ndr *r, size_t n);
/* Skip padding up to a multiple of N (a power of two). */
int ks_ndr_align(struct ks_ndr *r, size_t n);

/* The 16 bytes before every serialized type: common header (version 1,
 * little-endian, 8 bytes) and private header (object length, fits). */
int ks_ndr_type_header(struct ks_ndr *r);

/* A conformant array's count, refused when COUNT elements of at least
 * MIN_SIZE bytes each could not fit in what is left. */
int ks_ndr_count(struct ks_ndr *r, size_t min_size, uint32_t *count_out);

int ks_ndr_ustr_header(struct ks_ndr *r, struct ks_ndr_ustr *out);

/*
 * The deferred buffer of HDR (maximum count, offset, actual count, then
 * UTF-16LE characters) as a UTF-8 string in *str_out (free()); "" for a
 * NULL pointer.  The counts must agree with HDR's lengths.
 */
int ks_ndr_ustr_body(struct ks_ndr *r, const struct ks_ndr_ustr *hdr,
                     char **str_out);

/* A deferred RPC_SID (conformance count first) as "S-1-5-21-..." in
 * *sid_out (free()). */
int ks_ndr_sid(struct ks_ndr *r, char **sid_out);

/* A binary SID (MS-DTYP 2.4.2.2, no conformance count) of at most LEN
 * bytes at P as a string in *sid_out; *used_out is its size. */
int ks_sid_from_bytes(const unsigned char *p, size_t len, char **sid_out,
                      size_t *used_out);

/* LEN bytes of UTF-16LE at P as UTF-8 in *str_out (free()); EINVAL for an
 * odd length, a NUL or an unpaired surrogate. */
int ks_utf16le_to_utf8(const unsigned char *p, size_t len, char **str_out);

#endif /* KS_NDR_H */
