# fish completion for kstep's kvno (installed as kvno or kstep-kvno)

for cmd in kvno kstep-kvno
    complete -c $cmd -s c -r -F -d 'Use this credentials cache'
    complete -c $cmd -s e -x -a 'aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 camellia256-cts-cmac camellia128-cts-cmac' -d 'Ask for a session key of this encryption type'
    complete -c $cmd -s q -d 'Print nothing on success'
    complete -c $cmd -s u -d 'Treat the service names as of unknown name type'
    complete -c $cmd -s S -x -a 'host HTTP ldap nfs cifs imap smtp' -d 'The arguments are host names of this service'
    complete -c $cmd -s k -r -F -d 'Check each ticket with this keytab'
    complete -c $cmd -s C -d 'Ask the KDC to canonicalize names (follow referrals)'
    complete -c $cmd -l cached-only -d 'Use only tickets already in the cache'
    complete -c $cmd -l no-store -d 'Do not store new tickets in the cache'
    complete -c $cmd -l out-cache -r -F -d 'Put the tickets in this cache instead'
    complete -c $cmd -l json -d 'Print one JSON document, an entry per service'
    complete -c $cmd -l in-flight -x -d 'Keep up to N requests at the KDC at once (1-256)'
    complete -c $cmd -s I -x -d "S4U2Self: a ticket to the cache's principal for this user"
    complete -c $cmd -s U -x -d 'As -I, with an enterprise user name'
    complete -c $cmd -s F -r -F -d "S4U2Self for a certificate's user (not supported)"
    complete -c $cmd -s P -d 'With -I or -U: S4U2Proxy tickets to the services named'
    complete -c $cmd -l u2u -r -F -d "User-to-user tickets in the TGT of this cache's principal"
    complete -c $cmd -l trace -r -F -d 'Trace to DEST (- for stderr)'
    complete -c $cmd -l trace-format -x -a 'text json' -d 'Trace format'
    complete -c $cmd -l kdc -x -a '(__fish_print_hostnames)' -d "Ask this KDC instead of the realm's (repeatable)"
    complete -c $cmd -l transport -x -a 'udp tcp' -d 'Talk to KDCs over this transport only'
    complete -c $cmd -l timeout -x -d 'Give up on a request after this many seconds'
    complete -c $cmd -l retries -x -d 'Passes over the KDC list (default 3)'
    complete -c $cmd -l version -d 'Print the version and exit'
    complete -c $cmd -s '?' -l help -d 'Show help'
    complete -c $cmd -l usage -d 'Show a brief usage message'
end
