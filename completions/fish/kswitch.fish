# fish completion for kstep's kswitch (installed as kswitch or kstep-kswitch)

for cmd in kswitch kstep-kswitch
    complete -c $cmd -f
    complete -c $cmd -s c -x -a '(klist -l 2>/dev/null | awk \'NR > 2 { print $2 }\')' -d 'Make CACHE the primary cache of its collection'
    complete -c $cmd -s p -x -a '(klist -l 2>/dev/null | awk \'NR > 2 { print $1 }\')' -d "Make the collection's cache of PRINCIPAL the primary one"
    complete -c $cmd -l json -d 'Write the new primary cache as JSON'
    complete -c $cmd -l trace -r -F -d 'Trace to DEST (- for stderr)'
    complete -c $cmd -l trace-format -x -a 'text json' -d 'Trace format'
    complete -c $cmd -l kdc -x -d 'Ask this KDC (unused by kswitch)'
    complete -c $cmd -l transport -x -a 'udp tcp' -d 'Talk to KDCs over udp or tcp (unused by kswitch)'
    complete -c $cmd -l timeout -x -d 'Bound on a request in seconds (unused by kswitch)'
    complete -c $cmd -l retries -x -d 'Passes over the KDC list (unused by kswitch)'
    complete -c $cmd -l version -d 'Print the version and exit'
    complete -c $cmd -s '?' -l help -d 'Show help'
    complete -c $cmd -l usage -d 'Show a brief usage message'
end
