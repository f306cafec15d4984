#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "creds/ccfile.h"

/* What PATH is when it is no file libkrb5 may open, else NULL. */
static const char *
special_kind(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return NULL;
    if (S_ISFIFO(st.st_mode))
        return "a FIFO";
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return "a device";
    if (S_ISSOCK(st.st_mode))
        return "a socket";
    return NULL;
}

static krb5_error_code
check_path(struct ks_context *ctx, const char *path, krb5_error_code code,
           const char *what)
{
    const char *kind = special_kind(path);

    if (kind == NULL)
        return 0;
    krb5_set_error_message(ctx->k5, code, "%s is %s, not %s", path, kind,
                           what);
    return code;
}

/*
 * Split NAME as krb5_cc_resolve and krb5_kt_resolve do: no colon, or a
 * one-letter prefix (a drive letter), means FILE with the whole name.
 * Sets *type_len (0 for FILE-by-default) and returns the residual.
 */
static const char *
split_name(const char *name, int slash_is_file, size_t *type_len)
{
    const char *colon = strchr(name, ':');

    *type_len = 0;
    if (colon == NULL)
        return name;
    if (colon - name == 1 && isalpha((unsigned char)name[0]))
        return name;
    if (slash_is_file && name[0] == '/')
        return name;
    *type_len = (size_t)(colon - name);
    return colon + 1;
}

static int
type_is(const char *name, size_t type_len, const char *type)
{
    return type_len == strlen(type) && strncmp(name, type, type_len) == 0;
}

/* A DIR collection DIR: its primary file is read at resolve time. */
static krb5_error_code
check_dir_primary(struct ks_context *ctx, const char *dir)
{
    size_t len = strlen(dir) + sizeof("/primary");
    char *path = malloc(len);
    krb5_error_code ret;

    if (path == NULL)
        return ENOMEM;
    snprintf(path, len, "%s/primary", dir);
    ret = check_path(ctx, path, KRB5_CC_FORMAT, "a credentials cache");
    free(path);
    return ret;
}

krb5_error_code
ks_ccfile_check(struct ks_context *ctx, const char *name)
{
    size_t type_len;
    const char *resid = split_name(name, 0, &type_len);

    if (type_len == 0 || type_is(name, type_len, "FILE"))
        return check_path(ctx, resid, KRB5_CC_FORMAT, "a credentials cache");
    if (!type_is(name, type_len, "DIR"))
        return 0;
    if (resid[0] == ':')
        return check_path(ctx, resid + 1, KRB5_CC_FORMAT,
                          "a credentials cache");
    return check_dir_primary(ctx, resid);
}

krb5_error_code
ks_ktfile_check(struct ks_context *ctx, const char *name)
{
    size_t type_len;
    const char *resid = split_name(name, 1, &type_len);

    if (type_len == 0 || type_is(name, type_len, "FILE") ||
        type_is(name, type_len, "WRFILE"))
        return check_path(ctx, resid, KRB5_KT_FORMAT, "a keytab");
    return 0;
}

krb5_error_code
ks_ccfile_fix_empty_default(struct ks_context *ctx)
{
    const char *name = krb5_cc_default_name(ctx->k5);

    if (name == NULL || *name != '\0')
        return 0;
    return krb5_cc_set_default_name(ctx->k5, "FILE:");
}

krb5_error_code
ks_ccfile_check_cache(struct ks_context *ctx, krb5_ccache cache)
{
    char *name = NULL;
    krb5_error_code ret;

    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        return 0;
    ret = ks_ccfile_check(ctx, name);
    krb5_free_string(ctx->k5, name);
    return ret;
}

krb5_error_code
ks_ccfile_set_default(struct ks_context *ctx, const char *name)
{
    krb5_error_code ret = 0;

    if (name != NULL)
        ret = krb5_cc_set_default_name(ctx->k5, name);
    return ret ? ret : ks_ccfile_fix_empty_default(ctx);
}

krb5_error_code
ks_ccfile_check_default(struct ks_context *ctx)
{
    const char *name = krb5_cc_default_name(ctx->k5);

    return name != NULL ? ks_ccfile_check(ctx, name) : 0;
}
