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

/* TEXT as a duration in seconds into *OUT; false (and *OUT untouched) when
 * it is not one or is zero, which MIT's kinit refuses too. */
bool ks_duration_parse(const char *text, krb5_deltat *out);

/*
 * -s: TEXT as a duration from now, else as an absolute time, which gives
 * its distance from NOW (negative in the past).  False when neither.
 */
bool ks_duration_parse_start(const char *text, krb5_timestamp now,
                             krb5_deltat *out);

#endif /* KS_DURATION_H */
