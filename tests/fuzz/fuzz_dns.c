/* fuzz_dns: DNS answers read for SRV and URI records naming KDCs, then
 * put in RFC 2782 order. */
#include "fuzz.h"
#include "wire/locate_dns.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static unsigned long
first(unsigned long n, void *arg)
{
    (void)n;
    (void)arg;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[2] = { KS_DNS_T_SRV, KS_DNS_T_URI };
    struct ks_dns_targets targets;

    for (int i = 0; i < 2; i++) {
        if (ks_dns_parse_answer(data, size, types[i], KS_TRANSPORT_UDP,
                                &targets) == 0) {
            ks_dns_targets_order(&targets, first, NULL);
            ks_dns_targets_free(&targets);
        }
    }
    return 0;
}
