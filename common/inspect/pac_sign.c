/*
 * pac_sign: check the PAC's signatures (MS-PAC 2.8), each with
 * krb5_c_verify_checksum and key usage 17 (KERB_NON_KERB_CKSUM_SALT):
 *
 *   server (6)  the whole PAC, server and KDC Signature fields zeroed;
 *               the key of the service the ticket is for
 *   KDC (7)     the server signature's Signature bytes; the krbtgt key
 *   ticket (16) the EncTicketPart (DER) with the PAC's ad-data replaced
 *               by one zero byte; the krbtgt key
 *   full (19)   the whole PAC, server, KDC and full Signature fields
 *               zeroed; the krbtgt key
 *
 * The ticket and full signatures are made before the server signature,
 * so the server signature covers them (they are not zeroed for it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/krb5_private.h"
#include "inspect/pac.h"
#include "inspect/pac_sign.h"

#define KEYUSAGE_PAC 17         /* KERB_NON_KERB_CKSUM_SALT */

krb5_enctype
ks_pac_cksum_enctype(krb5_cksumtype type)
{
    switch (type) {
    case -138:
        return ENCTYPE_ARCFOUR_HMAC;
    case 15:
        return ENCTYPE_AES128_CTS_HMAC_SHA1_96;
    case 16:
        return ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    case 19:
        return ENCTYPE_AES128_CTS_HMAC_SHA256_128;
    case 20:
        return ENCTYPE_AES256_CTS_HMAC_SHA384_192;
    default:
        return ENCTYPE_NULL;
    }
}

const char *
ks_pac_cksum_name(krb5_cksumtype type)
{
    switch (type) {
    case -138:
        return "hmac-md5";
    case 15:
        return "hmac-sha1-96-aes128";
    case 16:
        return "hmac-sha1-96-aes256";
    case 19:
        return "hmac-sha256-128-aes128";
    case 20:
        return "hmac-sha384-192-aes256";
    default:
        return "unknown";
    }
}

static struct ks_pac_signature *
find_sig(struct ks_pac *pac, uint32_t type)
{
    for (size_t i = 0; i < pac->sig_count; i++) {
        if (pac->sigs[i].buffer_type == type)
            return &pac->sigs[i];
    }
    return NULL;
}

/* Check SIG over MSG with KEY and record the verdict. */
static void
check(krb5_context k5, struct ks_pac_signature *sig, const unsigned char *pac,
      const krb5_data *msg, const krb5_keyblock *key, const char *key_name)
{
    krb5_checksum ck;
    krb5_boolean valid = FALSE;
    krb5_error_code ret;

    sig->key_name = key_name;
    /* An unkeyed checksum "verifies" without the key: it proves nothing. */
    if (!krb5_c_is_keyed_cksum(sig->cksumtype)) {
        sig->verdict = KS_PAC_INVALID;
        sig->why = "not a keyed checksum type";
        return;
    }
    ck.magic = KV5M_CHECKSUM;
    ck.checksum_type = sig->cksumtype;
    ck.length = (unsigned int)sig->length;
    ck.contents = (krb5_octet *)(pac + sig->offset);
    ret = krb5_c_verify_checksum(k5, key, KEYUSAGE_PAC, msg, &ck, &valid);
    sig->verdict = ret == 0 && valid ? KS_PAC_VALID : KS_PAC_INVALID;
    if (ret != 0)
        sig->why = "the key does not fit the checksum type";
    else if (!valid)
        sig->why = "does not match";
}

/* Check SIG over a copy of the PAC with the signatures of ZERO zeroed. */
static krb5_error_code
check_zeroed(krb5_context k5, struct ks_pac *pac, struct ks_pac_signature *sig,
             const unsigned char *data, size_t len, const uint32_t *zero,
             size_t nzero, const krb5_keyblock *key, const char *key_name)
{
    struct ks_pac_signature *z;
    krb5_data msg;
    unsigned char *copy;

    copy = malloc(len ? len : 1);
    if (copy == NULL)
        return ENOMEM;
    memcpy(copy, data, len);
    for (size_t i = 0; i < nzero; i++) {
        z = find_sig(pac, zero[i]);
        if (z != NULL)
            memset(copy + z->offset, 0, z->length);
    }
    msg.magic = KV5M_DATA;
    msg.length = (unsigned int)len;
    msg.data = (char *)copy;
    check(k5, sig, data, &msg, key, key_name);
    free(copy);
    return 0;
}

/* In the authorization data AD, the index of the AD-IF-RELEVANT element
 * holding the PAC, with its decoded contents in *inner_out. */
static krb5_error_code
find_pac_container(krb5_context k5, krb5_authdata *const *ad, size_t *index_out,
                   krb5_authdata ***inner_out, size_t *pac_index_out)
{
    krb5_authdata **inner;
    krb5_data d;

    for (size_t i = 0; ad != NULL && ad[i] != NULL; i++) {
        if (ad[i]->ad_type != KRB5_AUTHDATA_IF_RELEVANT)
            continue;
        d.magic = KV5M_DATA;
        d.length = ad[i]->length;
        d.data = (char *)ad[i]->contents;
        if (decode_krb5_authdata(&d, &inner) != 0)
            continue;
        for (size_t j = 0; inner != NULL && inner[j] != NULL; j++) {
            if (inner[j]->ad_type == KRB5_AUTHDATA_WIN2K_PAC) {
                *index_out = i;
                *pac_index_out = j;
                *inner_out = inner;
                return 0;
            }
        }
        krb5_free_authdata(k5, inner);
    }
    return ENOENT;
}

/* PART in DER with the PAC's ad-data replaced by one zero byte. */
static krb5_error_code
ticket_without_pac(krb5_context k5, const krb5_enc_tkt_part *part,
                   krb5_data **der_out)
{
    krb5_authdata **inner = NULL, **outer = NULL, elem;
    krb5_enc_tkt_part copy;
    krb5_data *container = NULL;
    krb5_octet zero = 0, *saved;
    unsigned int saved_len;
    size_t idx, pidx, n = 0;
    krb5_error_code ret;

    ret = find_pac_container(k5, part->authorization_data, &idx, &inner, &pidx);
    if (ret)
        return ret;
    saved = inner[pidx]->contents;
    saved_len = inner[pidx]->length;
    inner[pidx]->contents = &zero;
    inner[pidx]->length = 1;
    ret = encode_krb5_authdata(inner, &container);
    inner[pidx]->contents = saved;
    inner[pidx]->length = saved_len;
    if (ret)
        goto cleanup;
    while (part->authorization_data[n] != NULL)
        n++;
    outer = calloc(n + 1, sizeof(*outer));
    if (outer == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    memcpy(outer, part->authorization_data, n * sizeof(*outer));
    elem = *part->authorization_data[idx];
    elem.contents = (krb5_octet *)container->data;
    elem.length = container->length;
    outer[idx] = &elem;
    copy = *part;
    copy.authorization_data = outer;
    ret = encode_krb5_enc_tkt_part(&copy, der_out);

cleanup:
    free(outer);
    krb5_free_data(k5, container);
    krb5_free_authdata(k5, inner);
    return ret;
}

static krb5_error_code
check_ticket(krb5_context k5, struct ks_pac_signature *sig,
             const unsigned char *data, const krb5_enc_tkt_part *part,
             const krb5_keyblock *key)
{
    krb5_enc_tkt_part copy;
    krb5_data *der = NULL;
    krb5_error_code ret;

    if (part == NULL) {
        sig->why = "no ticket to check it against";
        return 0;
    }
    ret = ticket_without_pac(k5, part, &der);
    if (ret == ENOMEM)
        return ret;
    if (ret) {
        sig->key_name = "krbtgt";
        sig->verdict = KS_PAC_INVALID;
        sig->why = "the ticket cannot be encoded without its PAC";
        return 0;
    }
    check(k5, sig, data, der, key, "krbtgt");
    krb5_free_data(k5, der);
    if (sig->verdict == KS_PAC_VALID ||
        part->times.starttime != part->times.authtime)
        return 0;
    /* The ticket decoder gives an absent starttime as authtime (inspect.h);
     * the KDC signed the ticket without it. */
    copy = *part;
    copy.times.starttime = 0;
    ret = ticket_without_pac(k5, &copy, &der);
    if (ret)
        return ret == ENOMEM ? ret : 0;
    check(k5, sig, data, der, key, "krbtgt");
    krb5_free_data(k5, der);
    return 0;
}

krb5_error_code
ks_pac_verify_signatures(krb5_context k5, struct ks_pac *pac,
                         const void *data, size_t len,
                         const krb5_enc_tkt_part *part,
                         const krb5_keyblock *server_key,
                         const krb5_keyblock *krbtgt_key)
{
    static const uint32_t srv_zero[] = { KS_PAC_SERVER_CHECKSUM,
                                         KS_PAC_KDC_CHECKSUM };
    static const uint32_t full_zero[] = { KS_PAC_SERVER_CHECKSUM,
                                          KS_PAC_KDC_CHECKSUM,
                                          KS_PAC_FULL_CHECKSUM };
    struct ks_pac_signature *srv = find_sig(pac, KS_PAC_SERVER_CHECKSUM);
    krb5_error_code ret = 0;

    for (size_t i = 0; i < pac->sig_count; i++) {
        struct ks_pac_signature *sig = &pac->sigs[i];
        const krb5_keyblock *key = sig == srv ? server_key : krbtgt_key;
        krb5_data msg;

        sig->verdict = KS_PAC_NOT_CHECKED;
        if (key == NULL) {
            sig->why = sig == srv ? "no service key" : "no krbtgt key";
            continue;
        }
        sig->why = NULL;
        switch (sig->buffer_type) {
        case KS_PAC_SERVER_CHECKSUM:
            ret = check_zeroed(k5, pac, sig, data, len, srv_zero, 2, key,
                               "service");
            break;
        case KS_PAC_FULL_CHECKSUM:
            ret = check_zeroed(k5, pac, sig, data, len, full_zero, 3, key,
                               "krbtgt");
            break;
        case KS_PAC_KDC_CHECKSUM:
            if (srv == NULL) {
                sig->why = "no server signature to countersign";
                break;
            }
            msg.magic = KV5M_DATA;
            msg.length = (unsigned int)srv->length;
            msg.data = (char *)data + srv->offset;
            check(k5, sig, data, &msg, key, "krbtgt");
            break;
        case KS_PAC_TICKET_CHECKSUM:
            ret = check_ticket(k5, sig, data, part, key);
            break;
        }
        if (ret)
            return ret;
    }
    return 0;
}
