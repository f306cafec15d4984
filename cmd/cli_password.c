/*
 * cli_password: ks_cli_read_password(), the password from the terminal
 * (without echo), from stdin, or from a file (cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

/* The terminal state to put back if the user interrupts the prompt. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void
restore_tty_and_die(int sig)
{
    if (tty_saved)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Read one line from FD straight into BUF with read(2): stdio would keep a
 * copy of the password in its buffer, which nobody zeroes.
 */
static krb5_error_code
read_line(int fd, char *buf, size_t buflen)
{
    size_t len = 0;
    ssize_t n;
    char c;

    for (;;) {
        n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (c == '\n') {
            buf[len] = '\0';
            return 0;
        }
        if (len + 1 >= buflen) {
            explicit_bzero(buf, buflen);
            return KRB5_LIBOS_CANTREADPWD;  /* longer than we can hold */
        }
        buf[len++] = c;
    }
    buf[len] = '\0';
    /* End of input: a last line without newline still counts. */
    return len > 0 ? 0 : KRB5_LIBOS_PWDINTR;
}

static krb5_error_code
read_from_terminal(const char *prompt, char *buf, size_t buflen)
{
    struct termios quiet;
    void (*old_int)(int), (*old_term)(int);
    bool tty = isatty(STDIN_FILENO);
    /* MIT prompts on stdout; with --json stdout holds only the document. */
    FILE *out = ks_cli.json ? stderr : stdout;
    krb5_error_code ret;

    fputs(prompt, out);
    fflush(out);
    if (tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        tty_saved = 1;
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        old_int = signal(SIGINT, restore_tty_and_die);
        old_term = signal(SIGTERM, restore_tty_and_die);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        ret = read_line(STDIN_FILENO, buf, buflen);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_saved = 0;
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
    } else {
        ret = read_line(STDIN_FILENO, buf, buflen);
    }
    fputc('\n', out);
    fflush(out);
    return ret;
}

static krb5_error_code
read_from_file(const char *path, char *buf, size_t buflen)
{
    struct stat st;
    int fd;
    krb5_error_code ret;

    if (strcmp(path, "-") == 0)
        return read_line(STDIN_FILENO, buf, buflen);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ks_cli_error("cannot read password file %s: %s", path,
                     strerror(errno));
        return KRB5_LIBOS_CANTREADPWD;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
        ks_cli_error("warning: password file %s is readable by others "
                     "(chmod 600 it)", path);
    ret = read_line(fd, buf, buflen);
    close(fd);
    if (ret == KRB5_LIBOS_PWDINTR)
        ret = KRB5_LIBOS_CANTREADPWD;    /* an empty file */
    return ret;
}

krb5_error_code
ks_cli_read_password(void *data, const char *prompt, char *buf,
                     size_t buflen)
{
    const struct ks_password_source *src = data;

    if (src != NULL && src->file != NULL)
        return read_from_file(src->file, buf, buflen);
    return read_from_terminal(prompt, buf, buflen);
}
