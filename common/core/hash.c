#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

bool
ks_name_equal(krb5_const_principal a, krb5_const_principal b)
{
    if (a->length != b->length || a->realm.length != b->realm.length ||
        memcmp(a->realm.data, b->realm.data, a->realm.length) != 0)
        return false;
    for (krb5_int32 i = 0; i < a->length; i++) {
        if (a->data[i].length != b->data[i].length ||
            memcmp(a->data[i].data, b->data[i].data, a->data[i].length) != 0)
            return false;
    }
    return true;
}

krb5_error_code
ks_name_set_init(struct ks_name_set *set, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap <<= 1;
    set->slots = calloc(cap, sizeof(*set->slots));
    set->mask = cap - 1;
    return set->slots == NULL ? ENOMEM : 0;
}

/* NAME's slot, or the free slot where it would go (the table is never
 * full, so the probe ends). */
static struct ks_name_slot *
slot_of(const struct ks_name_set *set, krb5_const_principal name)
{
    size_t h = ks_hash_principal(name) & set->mask;

    while (set->slots[h].name != NULL &&
           !ks_name_equal(set->slots[h].name, name))
        h = (h + 1) & set->mask;
    return &set->slots[h];
}

bool
ks_name_set_find(const struct ks_name_set *set, krb5_const_principal name,
                 size_t *value_out)
{
    const struct ks_name_slot *s = slot_of(set, name);

    if (s->name != NULL && value_out != NULL)
        *value_out = s->value;
    return s->name != NULL;
}

bool
ks_name_set_add(struct ks_name_set *set, krb5_const_principal name,
                size_t value, size_t *value_out)
{
    struct ks_name_slot *s = slot_of(set, name);

    if (s->name != NULL) {
        if (value_out != NULL)
            *value_out = s->value;
        return false;
    }
    s->name = name;
    s->value = value;
    return true;
}

void
ks_name_set_free(struct ks_name_set *set)
{
    free(set->slots);
    set->slots = NULL;
}
