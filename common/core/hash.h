/*
 * hash: FNV-1a, for the in-memory tables that find credentials by name
 * (the cache index, a run's repeated services, the tickets a run
 * replaced).  Not for anything an attacker's choice of names could hurt
 * beyond a slower look-up.
 */
#ifndef KS_HASH_H
#define KS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <krb5.h>

#define KS_HASH_INIT 0xcbf29ce484222325ULL

/* H extended with the LEN bytes at P. */
uint64_t ks_hash_bytes(uint64_t h, const void *p, size_t len);

/* A principal's realm and components, each with its length (the name
 * type does not count, as in krb5_principal_compare). */
uint64_t ks_hash_principal(krb5_const_principal p);

/* Same realm and components: krb5_principal_compare without a context
 * (the name type does not count). */
bool ks_name_equal(krb5_const_principal a, krb5_const_principal b);

/*
 * A set of principals (same realm and components), each with a value the
 * caller gives (an index into its own array): open addressing, at most
 * half full.  The principals are borrowed and must outlive the set.
 */
struct ks_name_set {
    struct ks_name_slot {
        krb5_const_principal name;      /* NULL: free */
        size_t value;
    } *slots;
    size_t mask;
};

/* Room for N names; ENOMEM. */
krb5_error_code ks_name_set_init(struct ks_name_set *set, size_t n);

/* Whether NAME is in SET; *VALUE_OUT (may be NULL) gets its value. */
bool ks_name_set_find(const struct ks_name_set *set, krb5_const_principal name,
                      size_t *value_out);

/* Add NAME with VALUE and return true; or, if NAME is there already,
 * return false with *VALUE_OUT (may be NULL) set to the earlier value.
 * No more than the N names of ks_name_set_init. */
bool ks_name_set_add(struct ks_name_set *set, krb5_const_principal name,
                     size_t value, size_t *value_out);

void ks_name_set_free(struct ks_name_set *set);

#endif /* KS_HASH_H */
