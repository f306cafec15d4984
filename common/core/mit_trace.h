/*
 * mit_trace: MIT's trace log, the one KRB5_TRACE names.  An administrator's
 * first move is KRB5_TRACE=/dev/stderr; libkrb5 then writes its own lines
 * for what it does for us (ccache and keytab operations), and this sink
 * writes the lines MIT's client writes for the exchanges we drive
 * ourselves, in MIT's line format and wording:
 *
 *     [4242] 1764000000.123456: Sending request (181 bytes) to TEST.REALM
 *
 * Our own step-labelled trace (--trace, KSTEP_TRACE; trace.h) is separate
 * and unchanged.  MIT's trace points (src/include/k5-trace.h) are the
 * specification of the wording; every trace point is a macro below.
 *
 * The message format is MIT's, with words in braces that take arguments:
 *   {int} int            {long} long          {str} const char *
 *   {lenstr} size_t, const char *   (printable bytes; others as \xNN)
 *   {data} const krb5_data *        (printable, like {lenstr})
 *   {hexdata} const krb5_data *     (upper-case hex)
 *   {errno} int           "N/strerror"
 *   {kerr} krb5_error_code "N/message", "0/Success"
 *   {keyblock} const krb5_keyblock * "aes256-cts/3F9A": enctype and the first
 *                         two bytes of the key's SHA-1, never the key
 *   {princ} krb5_const_principal     {etype} krb5_enctype (shortest name)
 *   {etypes} const krb5_enctype *, 0-terminated, "a, b" or "(empty)"
 *   {patypes} krb5_pa_data *const *, "PA-ENC-TIMESTAMP (2), ..." or "(empty)"
 *   {ccache} krb5_ccache "TYPE:name"   {keytab} krb5_keytab
 *   {raddr} int is_tcp, const struct sockaddr *: "dgram 127.0.0.1:88"
 *
 * A context without KRB5_TRACE has no sink and every macro costs one test.
 */
#ifndef KS_MIT_TRACE_H
#define KS_MIT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

/*
 * Open the file KRB5_TRACE names (as MIT: write-only, appended to, created
 * 0600), or set *sink_out to NULL when the variable is unset or the file
 * does not open (MIT then traces nothing either).  Never fails.
 */
void ks_mit_trace_open_env(struct ks_mit_trace **sink_out);

void ks_mit_trace_close(struct ks_mit_trace *sink);

/* Whether CTX writes MIT trace lines: callers test it before work done
 * only for a trace line. */
bool ks_mit_trace_on(const struct ks_context *ctx);

/* Format FMT (words above) and write one line to CTX's MIT sink. */
void ks_mtrace(struct ks_context *ctx, const char *fmt, ...);

/* ---- the AS exchange (MIT: get_in_tkt.c, preauth2.c) ---------------- */

#define KS_MTRACE_INIT_CREDS(c, princ) \
    ks_mtrace(c, "Getting initial credentials for {princ}", princ)
#define KS_MTRACE_INIT_CREDS_KEYTAB_LOOKUP(c, princ, etypes) \
    ks_mtrace(c, "Found entries for {princ} in keytab: {etypes}", princ, \
              etypes)
#define KS_MTRACE_INIT_CREDS_PREAUTH_NONE(c) \
    ks_mtrace(c, "Sending unauthenticated request")
#define KS_MTRACE_INIT_CREDS_PREAUTH(c) \
    ks_mtrace(c, "Preauthenticating using KDC method data")
#define KS_MTRACE_INIT_CREDS_ERROR_REPLY(c, code) \
    ks_mtrace(c, "Received error from KDC: {kerr}", code)
#define KS_MTRACE_INIT_CREDS_RETRY_TCP(c) \
    ks_mtrace(c, "Request or response is too big for UDP; retrying with TCP")
#define KS_MTRACE_INIT_CREDS_PRIMARY(c) \
    ks_mtrace(c, "Retrying AS request with primary KDC")
#define KS_MTRACE_INIT_CREDS_REFERRAL(c, realm) \
    ks_mtrace(c, "Following referral to realm {data}", realm)
#define KS_MTRACE_INIT_CREDS_GAK(c, salt, params) \
    ks_mtrace(c, "Getting AS key, salt \"{data}\", params \"{data}\"", \
              salt, params)
#define KS_MTRACE_INIT_CREDS_AS_KEY_GAK(c, key) \
    ks_mtrace(c, "AS key obtained from gak_fct: {keyblock}", key)
#define KS_MTRACE_INIT_CREDS_AS_KEY_PREAUTH(c, key) \
    ks_mtrace(c, "AS key determined by preauth: {keyblock}", key)
#define KS_MTRACE_INIT_CREDS_DECRYPTED_REPLY(c, key) \
    ks_mtrace(c, "Decrypted AS reply; session key is: {keyblock}", key)
#define KS_MTRACE_PREAUTH_INPUT(c, padata) \
    ks_mtrace(c, "Processing preauth types: {patypes}", padata)
#define KS_MTRACE_PREAUTH_OUTPUT(c, padata) \
    ks_mtrace(c, "Produced preauth for next request: {patypes}", padata)
#define KS_MTRACE_PREAUTH_ETYPE_INFO(c, etype, salt, params) \
    ks_mtrace(c, "Selected etype info: etype {etype}, salt \"{data}\", " \
              "params \"{data}\"", etype, salt, params)
#define KS_MTRACE_PREAUTH_COOKIE(c, len, bytes) \
    ks_mtrace(c, "Received cookie: {lenstr}", (size_t)(len), bytes)
#define KS_MTRACE_PREAUTH_ENC_TS_KEY_GAK(c, key) \
    ks_mtrace(c, "AS key obtained for encrypted timestamp: {keyblock}", key)
#define KS_MTRACE_PREAUTH_ENC_TS(c, sec, usec, plain, enc) \
    ks_mtrace(c, "Encrypted timestamp (for {long}.{int}): plain {hexdata}, " \
              "encrypted {hexdata}", (long)(sec), (int)(usec), plain, enc)
#define KS_MTRACE_PREAUTH_PROCESS(c, name, patype, real, code) \
    ks_mtrace(c, "Preauth module {str} ({int}) ({str}) returned: {kerr}", \
              name, (int)(patype), (real) ? "real" : "info", code)
#define KS_MTRACE_FAST_NEGO(c, avail) \
    ks_mtrace(c, "FAST negotiation: {str}available", (avail) ? "" : "un")
#define KS_MTRACE_FAST_ARMOR_CCACHE(c, name) \
    ks_mtrace(c, "FAST armor ccache: {str}", name)
/* "sesion" is MIT's spelling: the wording is MIT's, typo included, so that
 * what people grep for in MIT's traces is found in ours. */
#define KS_MTRACE_FAST_ARMOR_CCACHE_KEY(c, key) \
    ks_mtrace(c, "Armor ccache sesion key: {keyblock}", key)
#define KS_MTRACE_MK_REQ(c, client, server, seqnum, subkey, session) \
    ks_mtrace(c, "Creating authenticator for {princ} -> {princ}, seqnum " \
              "{int}, subkey {keyblock}, session key {keyblock}", client, \
              server, (int)(seqnum), subkey, session)
#define KS_MTRACE_FAST_ARMOR_KEY(c, key) \
    ks_mtrace(c, "FAST armor key: {keyblock}", key)
#define KS_MTRACE_FAST_ENCODE(c) \
    ks_mtrace(c, "Encoding request body and padata into FAST request")
#define KS_MTRACE_FAST_DECODE(c) \
    ks_mtrace(c, "Decoding FAST response")
#define KS_MTRACE_FAST_REPLY_KEY(c, key) \
    ks_mtrace(c, "FAST reply key: {keyblock}", key)

/* ---- sending to a KDC (MIT: sendto_kdc.c) ---------------------------- */

#define KS_MTRACE_SENDTO_KDC(c, len, realm, primary, tcp) \
    ks_mtrace(c, "Sending request ({int} bytes) to {str}{str}{str}", \
              (int)(len), realm, (primary) ? " (primary)" : "", \
              (tcp) ? " (tcp only)" : "")
#define KS_MTRACE_SENDTO_KDC_RESOLVING(c, host) \
    ks_mtrace(c, "Resolving hostname {str}", host)
#define KS_MTRACE_SENDTO_KDC_UDP_SEND_INITIAL(c, sa) \
    ks_mtrace(c, "Sending initial UDP request to {raddr}", 0, sa)
#define KS_MTRACE_SENDTO_KDC_UDP_SEND_RETRY(c, sa) \
    ks_mtrace(c, "Sending retry UDP request to {raddr}", 0, sa)
#define KS_MTRACE_SENDTO_KDC_TCP_CONNECT(c, sa) \
    ks_mtrace(c, "Initiating TCP connection to {raddr}", 1, sa)
#define KS_MTRACE_SENDTO_KDC_TCP_SEND(c, sa) \
    ks_mtrace(c, "Sending TCP request to {raddr}", 1, sa)
#define KS_MTRACE_SENDTO_KDC_TCP_DISCONNECT(c, sa) \
    ks_mtrace(c, "Terminating TCP connection to {raddr}", 1, sa)
#define KS_MTRACE_SENDTO_KDC_RESPONSE(c, len, tcp, sa) \
    ks_mtrace(c, "Received answer ({int} bytes) from {raddr}", (int)(len), \
              tcp, sa)
#define KS_MTRACE_SENDTO_KDC_PRIMARY(c, primary) \
    ks_mtrace(c, "Response was{str} from primary KDC", \
              (primary) ? "" : " not")

/* ---- the TGS exchange (MIT: get_creds.c, get_tkt.c, send_tgs.c) ------ */

#define KS_MTRACE_TKT_CREDS(c, client, server, cache) \
    ks_mtrace(c, "Getting credentials {princ} -> {princ} using ccache " \
              "{ccache}", client, server, cache)
#define KS_MTRACE_CC_RETRIEVE(c, cache, client, server, code) \
    ks_mtrace(c, "Retrieving {princ} -> {princ} from {ccache} with " \
              "result: {kerr}", client, server, cache, code)
#define KS_MTRACE_CC_RETRIEVE_REF(c, client, server, code) \
    ks_mtrace(c, "Retrying {princ} -> {princ} with result: {kerr}", \
              client, server, code)
#define KS_MTRACE_TKT_CREDS_REFERRAL_REALM(c, server) \
    ks_mtrace(c, "Server has referral realm; starting with {princ}", server)
#define KS_MTRACE_TKT_CREDS_LOCAL_TGT(c, client, tgt) \
    ks_mtrace(c, "Starting with TGT for client realm: {princ} -> {princ}", \
              client, tgt)
#define KS_MTRACE_TKT_CREDS_CACHED_INTERMEDIATE_TGT(c, client, tgt) \
    ks_mtrace(c, "Found cached TGT for intermediate realm: {princ} -> " \
              "{princ}", client, tgt)
#define KS_MTRACE_TKT_CREDS_CACHED_SERVICE_TGT(c, client, tgt) \
    ks_mtrace(c, "Found cached TGT for service realm: {princ} -> {princ}", \
              client, tgt)
#define KS_MTRACE_TKT_CREDS_SERVICE_REQ(c, server, referral) \
    ks_mtrace(c, "Requesting tickets for {princ}, referrals {str}", server, \
              (referral) ? "on" : "off")
#define KS_MTRACE_TKT_CREDS_TGT_REQ(c, next, cur) \
    ks_mtrace(c, "Requesting TGT {princ} using TGT {princ}", next, cur)
#define KS_MTRACE_SEND_TGS_SUBKEY(c, key) \
    ks_mtrace(c, "Generated subkey for TGS request: {keyblock}", key)
#define KS_MTRACE_SEND_TGS_ETYPES(c, etypes) \
    ks_mtrace(c, "etypes requested in TGS request: {etypes}", etypes)
#define KS_MTRACE_TGS_REPLY_SERVER_DIFFERS(c, got, wanted) \
    ks_mtrace(c, "Reply server {princ} differs from requested {princ}", \
              got, wanted)
#define KS_MTRACE_TGS_REPLY(c, client, server, key) \
    ks_mtrace(c, "TGS reply is for {princ} -> {princ} with session key " \
              "{keyblock}", client, server, key)
#define KS_MTRACE_TKT_CREDS_RESPONSE_CODE(c, code) \
    ks_mtrace(c, "TGS request result: {kerr}", code)
#define KS_MTRACE_TKT_CREDS_RETRY_TCP(c) \
    ks_mtrace(c, "Request or response is too big for UDP; retrying with TCP")
#define KS_MTRACE_TKT_CREDS_TARGET_TGT(c, tgt) \
    ks_mtrace(c, "Received TGT for service realm: {princ}", tgt)
#define KS_MTRACE_TKT_CREDS_ADVANCE(c, realm) \
    ks_mtrace(c, "Received TGT for {data}; advancing current realm", realm)
#define KS_MTRACE_TKT_CREDS_CLOSER_REALM(c, realm) \
    ks_mtrace(c, "Trying next closer realm in path: {data}", realm)
#define KS_MTRACE_TKT_CREDS_REFERRAL(c, tgt) \
    ks_mtrace(c, "Following referral TGT {princ}", tgt)
#define KS_MTRACE_TKT_CREDS_NON_TGT(c, princ) \
    ks_mtrace(c, "Received non-TGT referral response ({princ}); trying " \
              "again without referrals", princ)
#define KS_MTRACE_TKT_CREDS_FALLBACK(c, realm) \
    ks_mtrace(c, "Local realm referral failed; trying fallback realm {data}", \
              realm)
#define KS_MTRACE_GET_CRED_VIA_TKT_EXT(c, request, reply, kdcopt) \
    ks_mtrace(c, "Get cred via TGT {princ} after requesting {princ} " \
              "(canonicalize {str})", reply, request, \
              ((kdcopt) & KDC_OPT_CANONICALIZE) ? "on" : "off")
#define KS_MTRACE_GET_CRED_VIA_TKT_EXT_RETURN(c, code) \
    ks_mtrace(c, "Got cred; {kerr}", code)
#define KS_MTRACE_TKT_CREDS_COMPLETE(c, server) \
    ks_mtrace(c, "Received creds for desired service {princ}", server)

#endif /* KS_MIT_TRACE_H */
