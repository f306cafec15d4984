/*
 * artefact: Kerberos messages in files, exactly as on the wire.  Reads are
 * bounded; writes go through a temporary file in the same directory that
 * is renamed into place, mode 0600 (a TGS-REQ carries a TGT).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/artefact.h"
#include "wire/der.h"
#include "core/errors.h"

/* Kerberos messages by their first octet (RFC 4120 application tags). */
static const struct {
    unsigned char byte;
    const char *kind;
} kinds[] = {
    { 0x61, "Ticket" },
    { 0x62, "Authenticator" },
    { 0x63, "EncTicketPart" },
    { 0x6a, "KRB_AS_REQ" },
    { 0x6b, "KRB_AS_REP" },
    { 0x6c, "KRB_TGS_REQ" },
    { 0x6d, "KRB_TGS_REP" },
    { 0x6e, "KRB_AP_REQ" },
    { 0x6f, "KRB_AP_REP" },
    { 0x74, "KRB_SAFE" },
    { 0x75, "KRB_PRIV" },
    { 0x76, "KRB_CRED" },
    { 0x79, "EncASRepPart" },
    { 0x7a, "EncTGSRepPart" },
    { 0x7b, "EncAPRepPart" },
    { 0x7c, "EncKrbPrivPart" },
    { 0x7d, "EncKrbCredPart" },
    { 0x7e, "KRB_ERROR" },
};

const char *
ks_artefact_kind(const krb5_data *data)
{
    if (data == NULL || data->length == 0)
        return NULL;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if ((unsigned char)data->data[0] == kinds[i].byte)
            return kinds[i].kind;
    }
    return NULL;
}

static const char *
display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard input" : path;
}

/* Read FD to its end, at most KS_ARTEFACT_MAX bytes, into *buf_out. */
static krb5_error_code
read_all(int fd, char **buf_out, size_t *len_out)
{
    size_t cap = 4096, len = 0;
    char *buf = NULL, *bigger;
    ssize_t n;

    buf = malloc(cap);
    if (buf == NULL)
        return ENOMEM;
    for (;;) {
        if (len == cap) {
            /* One byte beyond the cap is enough to know it is too big. */
            if (cap > KS_ARTEFACT_MAX)
                break;
            cap = cap * 2 > KS_ARTEFACT_MAX + 1 ? KS_ARTEFACT_MAX + 1
                                                : cap * 2;
            bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
                return ENOMEM;
            }
            buf = bigger;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *buf_out = buf;
    *len_out = len;
    return 0;
}

/* Is BUF a plausible Kerberos message?  Sets the message when not. */
static krb5_error_code
check_message(struct ks_context *ctx, const char *name, const char *buf,
              size_t len)
{
    krb5_data d = { KV5M_DATA, (unsigned int)len, (char *)buf };
    struct ks_der_tlv tlv;
    krb5_error_code ret;

    if (len == 0)
        return ks_error_set(ctx, KRB5_BAD_MSIZE, "%s is empty", name);
    if (len > KS_ARTEFACT_MAX) {
        return ks_error_set(ctx, EFBIG, "%s is larger than %d bytes", name,
                            KS_ARTEFACT_MAX);
    }
    if (ks_artefact_kind(&d) == NULL) {
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "%s is not a Kerberos message in DER (first "
                            "byte 0x%02x)", name, (unsigned char)buf[0]);
    }
    ret = ks_der_read((const uint8_t *)buf, len, &tlv);
    if (ret) {
        return ks_error_set(ctx, ret, "%s holds a truncated or malformed %s",
                            name, ks_artefact_kind(&d));
    }
    return 0;
}

krb5_error_code
ks_artefact_read(struct ks_context *ctx, const char *path,
                 krb5_data *data_out)
{
    const char *name = display_name(path);
    char *buf = NULL;
    size_t len = 0;
    krb5_error_code ret;
    int fd = STDIN_FILENO;

    if (strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ks_error_set(ctx, errno, "reading %s", name);
    }
    ret = read_all(fd, &buf, &len);
    if (fd != STDIN_FILENO)
        close(fd);
    if (ret) {
        ks_error_set(ctx, ret, "reading %s", name);
        goto cleanup;
    }
    ret = check_message(ctx, name, buf, len);
    if (ret)
        goto cleanup;
    data_out->magic = KV5M_DATA;
    data_out->data = buf;
    data_out->length = (unsigned int)len;
    buf = NULL;

cleanup:
    if (buf != NULL) {
        explicit_bzero(buf, len);
        free(buf);
    }
    return ret;
}

static krb5_error_code
write_fd(int fd, const krb5_data *data)
{
    size_t done = 0;
    ssize_t n;

    while (done < data->length) {
        n = write(fd, data->data + done, data->length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        done += (size_t)n;
    }
    return 0;
}

/* Write into a fresh TMP (a mkostemp template), then rename it to PATH. */
static krb5_error_code
write_and_rename(char *tmp, const char *path, const krb5_data *data)
{
    krb5_error_code ret;
    int fd;

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return errno;
    ret = fchmod(fd, 0600) != 0 ? errno : 0;
    if (!ret)
        ret = write_fd(fd, data);
    if (!ret && fsync(fd) != 0)
        ret = errno;
    if (close(fd) != 0 && !ret)
        ret = errno;
    if (!ret && rename(tmp, path) != 0)
        ret = errno;
    if (ret)
        unlink(tmp);
    return ret;
}

krb5_error_code
ks_artefact_write(struct ks_context *ctx, const char *path,
                  const krb5_data *data)
{
    char *tmp = NULL;
    krb5_error_code ret;

    if (strcmp(path, "-") == 0) {
        /* Whatever stdio holds for stdout goes first. */
        fflush(stdout);
        ret = write_fd(STDOUT_FILENO, data);
        if (ret)
            return ks_error_set(ctx, ret, "writing to standard output");
        return 0;
    }
    if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
        return ks_error_set(ctx, ENOMEM, "writing %s", path);
    ret = write_and_rename(tmp, path, data);
    if (ret)
        ks_error_set(ctx, ret, "writing %s", path);
    free(tmp);
    return ret;
}
