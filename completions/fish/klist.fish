# fish completion for kstep's klist (installed as klist or kstep-klist)

for cmd in klist kstep-klist
    complete -c $cmd -s c -d 'List a credentials cache (the default)'
    complete -c $cmd -s k -d 'List a keytab'
    complete -c $cmd -s i -d 'With -k and no name: the default client keytab'
    complete -c $cmd -s l -d 'List the caches of the collection'
    complete -c $cmd -s A -d 'Show every cache of the collection'
    complete -c $cmd -s e -d 'Show encryption types'
    complete -c $cmd -s V -d 'Print the version and exit'
    complete -c $cmd -s d -d 'Show authorization data types'
    complete -c $cmd -s f -d 'Show ticket flags'
    complete -c $cmd -s s -d 'Print nothing; exit 0 if the cache holds a current ticket'
    complete -c $cmd -s a -d 'Show ticket addresses'
    complete -c $cmd -s n -d 'With -a: numeric addresses, no reverse lookup'
    complete -c $cmd -s t -d 'With -k: show entry timestamps'
    complete -c $cmd -s K -d 'With -k: show the keys themselves'
    complete -c $cmd -s C -d 'Show configuration entries'
    complete -c $cmd -l trace -r -F -d 'Trace to DEST (- for stderr)'
    complete -c $cmd -l trace-format -x -a 'text json' -d 'Trace format'
    complete -c $cmd -l version -d 'Print the version and exit'
    complete -c $cmd -s '?' -l help -d 'Show help'
    complete -c $cmd -l usage -d 'Show a brief usage message'
end
