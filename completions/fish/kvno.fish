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
    complete -c $cmd -l trace -r -F -d 'Trace to DEST (- for stderr)'
    complete -c $cmd -l trace-format -x -a 'text json' -d 'Trace format'
    complete -c $cmd -l version -d 'Print the version and exit'
    complete -c $cmd -s '?' -l help -d 'Show help'
    complete -c $cmd -l usage -d 'Show a brief usage message'
end
