/*
 * pac: every buffer of a PAC (MS-PAC) decoded by our own reader, as
 * impacket, Rubeus and Wireshark do; libkrb5 reads no NDR.  The container
 * (PACTYPE and its PAC_INFO_BUFFER entries) is read here, each buffer by
 * its room: pac_logon.c (KERB_VALIDATION_INFO, PAC_DEVICE_INFO),
 * pac_upn.c (UPN_DNS_INFO), pac_small.c (CLIENT_INFO, ATTRIBUTES_INFO,
 * REQUESTOR, the signatures), pac_delegation.c (S4U_DELEGATION_INFO);
 * pac_sign.c verifies the signatures and pac_emit.c shows it all.
 *
 * A buffer that does not decode does not stop the others: its entry
 * carries the error, and the decoded part for it stays NULL.
 */
#ifndef KS_PAC_H
#define KS_PAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <krb5.h>

/* MS-PAC 2.4 ulType values. */
#define KS_PAC_LOGON_INFO          1
#define KS_PAC_CREDENTIALS_INFO    2
#define KS_PAC_SERVER_CHECKSUM     6
#define KS_PAC_KDC_CHECKSUM        7
#define KS_PAC_CLIENT_INFO         10
#define KS_PAC_DELEGATION_INFO     11
#define KS_PAC_UPN_DNS_INFO        12
#define KS_PAC_CLIENT_CLAIMS_INFO  13
#define KS_PAC_DEVICE_INFO         14
#define KS_PAC_DEVICE_CLAIMS_INFO  15
#define KS_PAC_TICKET_CHECKSUM     16
#define KS_PAC_ATTRIBUTES_INFO     17
#define KS_PAC_REQUESTOR           18
#define KS_PAC_FULL_CHECKSUM       19

/* FILETIME values that are not times. */
#define KS_FILETIME_NEVER 0x7fffffffffffffffULL

/* GROUP_MEMBERSHIP: a RID of some domain with SE_GROUP_* attributes. */
struct ks_pac_rid {
    uint32_t rid;
    uint32_t attributes;
};

/* KERB_SID_AND_ATTRIBUTES. */
struct ks_pac_sid_attr {
    char *sid;
    uint32_t attributes;
};

/* A domain SID and RIDs in it (resource groups, device domain groups). */
struct ks_pac_domain_groups {
    char *domain_sid;           /* NULL when the pointer is NULL */
    size_t count;
    struct ks_pac_rid *rids;
};

/* KERB_VALIDATION_INFO (MS-PAC 2.5).  Times are FILETIMEs as sent. */
struct ks_pac_logon {
    uint64_t logon_time, logoff_time, kickoff_time;
    uint64_t password_last_set, password_can_change, password_must_change;
    char *effective_name, *full_name, *logon_script, *profile_path;
    char *home_directory, *home_drive;
    uint16_t logon_count, bad_password_count;
    uint32_t user_id, primary_group_id;
    size_t group_count;
    struct ks_pac_rid *groups;
    uint32_t user_flags;
    char *logon_server, *logon_domain;
    char *logon_domain_sid;     /* NULL when the pointer is NULL */
    uint32_t user_account_control, sub_auth_status;
    uint64_t last_successful_logon, last_failed_logon;
    uint32_t failed_logon_count;
    size_t sid_count;
    struct ks_pac_sid_attr *extra_sids;
    struct ks_pac_domain_groups resource;
};

/* PAC_DEVICE_INFO (MS-PAC 2.12). */
struct ks_pac_device {
    uint32_t user_id, primary_group_id;
    char *account_domain_sid;
    size_t group_count;
    struct ks_pac_rid *groups;
    size_t sid_count;
    struct ks_pac_sid_attr *extra_sids;
    size_t domain_count;
    struct ks_pac_domain_groups *domains;
};

/* UPN_DNS_INFO flags (MS-PAC 2.10). */
#define KS_PAC_UPN_CONSTRUCTED 0x1u
#define KS_PAC_UPN_EXTENDED    0x2u

struct ks_pac_upn {
    char *upn, *dns_domain;
    uint32_t flags;
    char *sam_name, *sid;       /* with KS_PAC_UPN_EXTENDED, else NULL */
};

/* PAC_CLIENT_INFO (MS-PAC 2.7). */
struct ks_pac_client {
    uint64_t client_id;
    char *name;
};

/* PAC_ATTRIBUTES_INFO (MS-PAC 2.14). */
#define KS_PAC_ATTR_WAS_REQUESTED         0x1u
#define KS_PAC_ATTR_WAS_GIVEN_IMPLICITLY  0x2u

struct ks_pac_attributes {
    uint32_t flags_length;      /* in bits */
    uint32_t flags;             /* the first 32 of them */
};

/* S4U_DELEGATION_INFO (MS-PAC 2.9). */
struct ks_pac_delegation {
    char *proxy_target;
    size_t count;
    char **transited;
};

/* A signature buffer (PAC_SIGNATURE_DATA, MS-PAC 2.8) and its check. */
enum ks_pac_verdict {
    KS_PAC_NOT_CHECKED = -1,    /* no key (see why) */
    KS_PAC_INVALID = 0,
    KS_PAC_VALID = 1,
};

struct ks_pac_signature {
    uint32_t buffer_type;       /* KS_PAC_*_CHECKSUM */
    krb5_cksumtype cksumtype;
    size_t offset, length;      /* of the Signature bytes, in the PAC */
    bool has_rodc;
    uint16_t rodc_identifier;
    enum ks_pac_verdict verdict;
    const char *why;            /* not checked, or invalid: a reason */
    const char *key_name;       /* "service" or "krbtgt" when checked */
};

/* One PAC_INFO_BUFFER and what became of its contents. */
struct ks_pac_entry {
    uint32_t type;
    size_t offset, length;
    int error;                  /* 0, or the code its decoding gave */
    size_t error_at;            /* where in the buffer it failed */
};

#define KS_PAC_MAX_SIGNATURES 4

struct ks_pac {
    uint32_t version;
    size_t count;
    struct ks_pac_entry *entries;
    struct ks_pac_logon *logon;
    struct ks_pac_client *client;
    struct ks_pac_upn *upn;
    struct ks_pac_attributes *attributes;
    char *requestor_sid;
    struct ks_pac_delegation *delegation;
    struct ks_pac_device *device;
    bool has_client_claims, has_device_claims;
    size_t client_claims_length, device_claims_length;
    size_t sig_count;
    struct ks_pac_signature sigs[KS_PAC_MAX_SIGNATURES];
};

/*
 * Decode the PAC of LEN bytes at DATA into *pac_out (free with
 * ks_pac_free).  EINVAL when the container itself is malformed (too
 * short, a buffer outside the PAC, too many buffers); a buffer whose
 * contents are malformed is only marked in its entry.  ENOMEM.
 */
krb5_error_code ks_pac_decode(const void *data, size_t len,
                              struct ks_pac **pac_out);

/* NULL is fine. */
void ks_pac_free(struct ks_pac *pac);

/* The entry of the first buffer of TYPE, or NULL. */
const struct ks_pac_entry *ks_pac_find(const struct ks_pac *pac,
                                       uint32_t type);

/* Buffer decoders, one per room: DATA/LEN is the buffer; *out on success;
 * EINVAL (with *at_out the offset) or ENOMEM. */
int ks_pac_decode_logon(const unsigned char *data, size_t len,
                        struct ks_pac_logon **out, size_t *at_out);
int ks_pac_decode_device(const unsigned char *data, size_t len,
                         struct ks_pac_device **out, size_t *at_out);
int ks_pac_decode_upn(const unsigned char *data, size_t len,
                      struct ks_pac_upn **out, size_t *at_out);
int ks_pac_decode_client(const unsigned char *data, size_t len,
                         struct ks_pac_client **out, size_t *at_out);
int ks_pac_decode_attributes(const unsigned char *data, size_t len,
                             struct ks_pac_attributes **out, size_t *at_out);
int ks_pac_decode_requestor(const unsigned char *data, size_t len,
                            char **sid_out, size_t *at_out);
int ks_pac_decode_delegation(const unsigned char *data, size_t len,
                             struct ks_pac_delegation **out, size_t *at_out);
int ks_pac_decode_signature(const unsigned char *data, size_t len,
                            struct ks_pac_signature *sig, size_t *at_out);

void ks_pac_logon_free(struct ks_pac_logon *logon);
void ks_pac_device_free(struct ks_pac_device *device);
void ks_pac_upn_free(struct ks_pac_upn *upn);
void ks_pac_delegation_free(struct ks_pac_delegation *d);

#endif /* KS_PAC_H */
