/*
 * hash: FNV-1a, for the in-memory tables that find credentials by name
 * (the cache index, a run's repeated services, the tickets a run
 * replaced).  Not for anything an attacker's choice of names could hurt
 * beyond a slower look-up.
 */
#ifndef KS_HASH_H
#define KS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <krb5.h>

#define KS_HASH_INIT 0xcbf29ce484222325ULL

/* H extended with the LEN bytes at P. */
uint64_t ks_hash_bytes(uint64_t h, const void *p, size_t len);

/* A principal's realm and components, each with its length (the name
 * type does not count, as in krb5_principal_compare). */
uint64_t ks_hash_principal(krb5_const_principal p);

#endif /* KS_HASH_H */
