# fish completion for kstep: the eight steps of the TGS exchange

set -l kstep_subs request open-tgt check-authenticator open-reply open-ticket send decrypt store run kdc decode doctor help 1 2 3 4 5 6 7 8

complete -c kstep -f
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'request 1' -d 'Step 1: build the TGS-REQ from the cache TGT'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'open-tgt 2' -d 'Step 2: open the TGT with the krbtgt key'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'check-authenticator 3' -d 'Step 3: open and check the authenticator'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'open-reply 4' -d 'Step 4: open the part encrypted for the client'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'open-ticket 5' -d 'Step 5: open the service ticket'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'send 6' -d 'Step 6: send to the KDCs; explain a KRB-ERROR'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'decrypt 7' -d 'Step 7: check the reply, take the session key'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a 'store 8' -d 'Step 8: store ticket and key in the cache'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a run -d 'All eight steps in order, traced'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a kdc -d 'Steps 2-6 performed locally'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a decode -d 'Any Kerberos message, field by field'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a doctor -d "Examine a realm's set-up: KDCs, clock, pre-auth, keytab, krb5.conf"
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -a help -d 'Help of kstep or of a subcommand'
complete -c kstep -n "__fish_seen_subcommand_from help" -a 'request open-tgt check-authenticator open-reply open-ticket send decrypt store run kdc decode doctor'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -l help -d 'Show help'
complete -c kstep -n "not __fish_seen_subcommand_from $kstep_subs" -l version -d 'Print the version and exit'

# Files for every subcommand that reads one.
complete -c kstep -n "__fish_seen_subcommand_from open-tgt check-authenticator open-reply open-ticket send decrypt store kdc decode 2 3 4 5 6 7 8" -F

# Options of every subcommand.
set -l any "__fish_seen_subcommand_from $kstep_subs"
complete -c kstep -n $any -l json -d 'Write the output as one JSON document'
complete -c kstep -n $any -s c -l cache -r -F -d 'The credentials cache'
complete -c kstep -n $any -l show-keys -d 'Show key bytes in output and traces'
complete -c kstep -n $any -l trace -r -F -d 'Trace to DEST (- for stderr)'
complete -c kstep -n $any -l trace-format -x -a 'text json' -d 'Trace format'
complete -c kstep -n $any -l kdc -x -a '(__fish_print_hostnames)' -d "Ask this KDC instead of the realm's (repeatable)"
complete -c kstep -n $any -l transport -x -a 'udp tcp' -d 'Talk to KDCs over this transport only'
complete -c kstep -n $any -l timeout -x -d 'Give up on a request after this many seconds'
complete -c kstep -n $any -l retries -x -d 'Passes over the KDC list (default 3)'
complete -c kstep -n $any -s '?' -l help -d 'Show help'
complete -c kstep -n $any -l usage -d 'Show a brief usage message'
complete -c kstep -n $any -l version -d 'Print the version and exit'

# Options of some.
complete -c kstep -n "__fish_seen_subcommand_from request send kdc 1 6" -s o -l output -r -F -d 'Write the DER message to FILE (- for stdout)'
complete -c kstep -n "__fish_seen_subcommand_from open-tgt check-authenticator open-ticket kdc decode 2 3 5" -s k -l keytab -r -F -d 'The keytab with the key (repeatable)'
complete -c kstep -n "__fish_seen_subcommand_from open-reply open-ticket decrypt store 4 5 7 8" -l request -r -F -d 'The TGS-REQ this reply answers'
complete -c kstep -n "__fish_seen_subcommand_from run" -l krbtgt-keytab -r -F -d 'Show step 2 with this krbtgt keytab'
complete -c kstep -n "__fish_seen_subcommand_from run" -l service-keytab -r -F -d 'Show step 5 with the service keytab'
complete -c kstep -n "__fish_seen_subcommand_from run" -l local-kdc -r -F -d 'Answer with the local KDC and these keys'
complete -c kstep -n "__fish_seen_subcommand_from request run 1" -l bare -d 'Send no KDC options and no FAST'
complete -c kstep -n "__fish_seen_subcommand_from decode" -l der -d 'Print the raw DER tree'
complete -c kstep -n "__fish_seen_subcommand_from doctor" -s k -l keytab -r -F -d "Check this keytab's keys against the KDC's"
