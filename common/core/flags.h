/*
 * flags: ticket flags and KDC options written for people.  The letters
 * are MIT klist's ("Flags: FRIA"), in MIT's order; the names are RFC
 * 4120's TicketFlags names, for programs that spell flags out.
 */
#ifndef KS_FLAGS_H
#define KS_FLAGS_H

#include <stddef.h>
#include <krb5.h>

/* Room for every letter and the NUL. */
#define KS_FLAGS_LETTERS_MAX 24

/*
 * Write MIT klist's letters for FLAGS into BUF (LEN bytes, at least
 * KS_FLAGS_LETTERS_MAX for all of them; shorter output is cut) and return
 * BUF.  Flags without a letter (enc-pa-rep, reserved bits) are skipped;
 * no flag at all gives "".
 */
const char *ks_flags_letters(krb5_flags flags, char *buf, size_t len);

/*
 * Write the names of FLAGS joined by SEP ("forwardable, renewable") into
 * BUF (LEN bytes, cut if too short) and return BUF.  Bits without a name
 * are written as "0x00004000".
 */
const char *ks_flags_names(krb5_flags flags, const char *sep, char *buf,
                           size_t len);

/* The name of the single flag BIT ("pre-authent"), or NULL. */
const char *ks_flag_name(krb5_flags bit);

/* As ks_flags_names, for KDCOptions ("forwardable, renewable-ok"). */
const char *ks_kdc_options_names(krb5_flags options, const char *sep,
                                 char *buf, size_t len);

/* The name of the single KDC option BIT ("renewable-ok"), or NULL. */
const char *ks_kdc_option_name(krb5_flags bit);

#endif /* KS_FLAGS_H */
