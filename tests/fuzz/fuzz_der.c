/* fuzz_der: the DER walker (read, find, req-body) and the TLV dump that
 * `kstep decode --der` prints. */
#include <stdio.h>

#include "fuzz.h"
#include "wire/der.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ks_der_step ticket_in_rep[] = {
        { KS_DER_APPLICATION, 13 }, { KS_DER_UNIVERSAL, 16 },
        { KS_DER_CONTEXT, 5 }, { KS_DER_APPLICATION, 1 },
    };
    static FILE *null_out;
    krb5_data d = { 0, (unsigned int)size, (char *)data };
    krb5_data body = { 0 };
    struct ks_der_tlv tlv;

    if (null_out == NULL)
        null_out = fopen("/dev/null", "w");
    (void)ks_der_read(data, size, &tlv);
    (void)ks_der_find(data, size, ticket_in_rep, 4, &tlv);
    if (ks_der_req_body(&d, &body) == 0)
        free(body.data);
    (void)ks_der_dump(null_out, &d);
    return 0;
}
