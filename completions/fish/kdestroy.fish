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
    complete -c $cmd -l trace -r -F -d 'Trace to DEST (- for stderr)'
    complete -c $cmd -l trace-format -x -a 'text json' -d 'Trace format'
    complete -c $cmd -l version -d 'Print the version and exit'
    complete -c $cmd -s '?' -l help -d 'Show help'
    complete -c $cmd -l usage -d 'Show a brief usage message'
end
