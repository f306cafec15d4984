/*
 * ccache_choose: which client and which cache kinit works with, by MIT
 * 1.20's rules: the name given (an enterprise name with -E), else with a
 * keytab host/THIS-HOST, else the default cache's principal, else the
 * login name; -n names WELLKNOWN/ANONYMOUS.  The cache is -c's, else in a
 * collection (DIR, KEYRING, KCM) the one already holding the client or a
 * new one when the primary holds another, else the default cache.
 */
#ifndef KS_CCACHE_CHOOSE_H
#define KS_CCACHE_CHOOSE_H

#include <stdbool.h>
#include <krb5.h>

#include "core/context.h"

/* What the command line asked for. */
struct ks_ccache_want {
    const char *cache_name;         /* -c, else NULL */
    const char *principal;          /* as typed, else NULL */
    bool enterprise;                /* -E: parse as an enterprise name */
    bool keytab;                    /* -k: no name means host/THIS-HOST */
    bool anonymous;                 /* -n */
};

/* How the cache was found (MIT's kinit -V says so). */
enum ks_ccache_how {
    KS_CCACHE_SPECIFIED,            /* -c */
    KS_CCACHE_EXISTING,             /* the collection's cache of the client */
    KS_CCACHE_NEW,                  /* a new cache in the collection */
    KS_CCACHE_DEFAULT,              /* the default cache */
};

/* Called as soon as the cache is known, before anything else can fail,
 * with the cache's name (-c's as typed; kinit -V prints it then, as
 * MIT's does). */
typedef void (*ks_ccache_note_fn)(void *data, enum ks_ccache_how how,
                                  const char *name);

struct ks_ccache_choice {
    krb5_ccache cc;
    krb5_principal client;
    char *client_name;              /* unparsed */
    bool switch_to;                 /* make CC the collection's primary */
};

/*
 * Choose as above into *choice_out (free with ks_ccache_choice_clear);
 * NOTE (may be NULL) hears of the cache.  Errors: parsing the name (with
 * the name in the message), resolving the cache, KRB5_CC_NOTFOUND when the
 * login name is unknown.
 */
krb5_error_code ks_ccache_choose(struct ks_context *ctx,
                                 const struct ks_ccache_want *want,
                                 ks_ccache_note_fn note, void *note_data,
                                 struct ks_ccache_choice *choice_out);

/* Free what CHOICE holds; accepts a zeroed one. */
void ks_ccache_choice_clear(struct ks_context *ctx,
                            struct ks_ccache_choice *choice);

#endif /* KS_CCACHE_CHOOSE_H */
