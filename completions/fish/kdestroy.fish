# fish completion for kstep's kdestroy (installed as kdestroy or
# kstep-kdestroy)

function __kstep_kdestroy_principals
    klist -l 2>/dev/null | awk 'NR > 2 { print $1 }'
end

for cmd in kdestroy kstep-kdestroy
    complete -c $cmd -s A -d 'Destroy every cache of the collection'
    complete -c $cmd -s q -d 'Quiet: no bell, no warning about other caches'
    complete -c $cmd -s c -r -F -d 'The credentials cache to destroy'
    complete -c $cmd -s p -x -a '(__kstep_kdestroy_principals)' -d 'Destroy the cache of PRINCIPAL'
    complete -c $cmd -l credential -x -d 'Remove only the ticket for this service, keep the rest'
    complete -c $cmd -l json -d 'Write what was destroyed as JSON'
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
