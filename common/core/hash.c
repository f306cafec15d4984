#include "core/hash.h"

uint64_t
ks_hash_bytes(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t
ks_hash_principal(krb5_const_principal p)
{
    uint64_t h = KS_HASH_INIT;
    uint32_t len = p->realm.length;

    h = ks_hash_bytes(h, &len, sizeof(len));
    h = ks_hash_bytes(h, p->realm.data, p->realm.length);
    for (krb5_int32 i = 0; i < p->length; i++) {
        len = p->data[i].length;
        h = ks_hash_bytes(h, &len, sizeof(len));
        h = ks_hash_bytes(h, p->data[i].data, p->data[i].length);
    }
    return h;
}
