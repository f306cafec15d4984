/*
 * ticket_check: kvno -k: a ticket the KDC sent, opened with the service's
 * keytab and compared with what the KDC told the client.
 */
#ifndef KS_TICKET_CHECK_H
#define KS_TICKET_CHECK_H

#include <krb5.h>

#include "core/context.h"

/*
 * Decrypt T (decoded from CREDS->ticket) with KT's key for its server
 * (t->enc_part2 is then set) and check that it holds CREDS's session key
 * and client.  The keytab's or the decryption's error, or
 * KRB5_KDCREP_MODIFIED with a message saying what differs.
 */
krb5_error_code ks_ticket_check(struct ks_context *ctx, krb5_keytab kt,
                                krb5_ticket *t, const krb5_creds *creds);

#endif /* KS_TICKET_CHECK_H */
