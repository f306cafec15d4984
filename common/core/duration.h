/*
 * duration: the durations and times of kinit's -l, -r and -s, read as
 * MIT's kinit reads them (krb5_string_to_deltat, then for -s
 * krb5_string_to_timestamp): "90" (seconds), "1h30m", "1d", "1:30:00",
 * "-3600s"; an absolute time for -s.
 */
#ifndef KS_DURATION_H
#define KS_DURATION_H

#include <stdbool.h>
#include <krb5.h>

/* TEXT as a duration in seconds, negative ones included, into *OUT; false
 * (and *OUT untouched) when it is not one or is zero, which MIT's kinit
 * refuses too. */
bool ks_duration_parse(const char *text, krb5_deltat *out);

/*
 * -s: TEXT as a duration from now (negative: in the past), else as an
 * absolute time (krb5_string_to_timestamp's forms: "20261206100000",
 * "06-Dec-2026:10:00:00", ...), which gives its distance from NOW.  False
 * when neither, or zero.
 */
bool ks_duration_parse_start(const char *text, krb5_timestamp now,
                             krb5_deltat *out);

#endif /* KS_DURATION_H */
