/*
 * fuzz_config: krb5.conf values as we read them: the input written as a
 * krb5.conf and a context made from it (libkrb5's profile parser, then
 * every [libdefaults] value we take), and the input as one enctype list
 * and as one "kdc" value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "fuzz.h"
#include "wire/kdc_list.h"

static char conf_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(conf_path, sizeof(conf_path), "/tmp/kstep-fuzz-%d.conf",
             (int)getpid());
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_context *ctx = NULL;
    krb5_enctype *list = NULL;
    enum ks_transport_kind kind;
    char *text, *host = NULL, *port = NULL;
    FILE *f;

    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (ks_config_parse_enctypes(text, true, &list) == 0)
        free(list);
    if (ks_kdc_list_parse_entry(text, &host, &port, &kind) == 0) {
        free(host);
        free(port);
    }
    f = fopen(conf_path, "w");
    if (f != NULL) {
        fwrite(data, 1, size, f);
        fclose(f);
        setenv("KRB5_CONFIG", conf_path, 1);
        if (ks_context_new("fuzz", &ctx, NULL) == 0)
            ks_context_free(ctx);
        unlink(conf_path);
    }
    free(text);
    return 0;
}
