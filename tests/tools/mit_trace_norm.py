#!/usr/bin/env python3
"""Normalise an MIT-format trace (KRB5_TRACE) for comparison.

    mit_trace_norm.py FILE

Prints the set of the file's trace messages, sorted, one a line, with what
changes from run to run taken out: the "[pid] sec.usec: " prefix, key
fingerprints ("aes256-cts/3F9A" -> "aes256-cts/KEY"), byte counts
("(181 bytes)" -> "(N bytes)"), ports, hex blobs (encrypted timestamps),
timestamps, MEMORY ccache names, and the " (filename: ...)" that libkrb5
adds to a cache look-up's message.  A line that does not start with the
MIT prefix is a continuation or someone else's output and is dropped.
"""
import re
import sys

PREFIX = re.compile(r'^\[\d+\] \d+\.\d+: (.*)$')
RULES = [
    # enctype/fingerprint of a key
    (re.compile(r'([a-z0-9-]+)/[0-9A-F]{4}\b'), r'\1/KEY'),
    (re.compile(r'\((\d+) bytes\)'), '(N bytes)'),
    (re.compile(r'(dgram|stream) ([0-9.]+|[0-9a-f:]+):\d+'), r'\1 \2:PORT'),
    (re.compile(r'Encrypted timestamp \(for \d+\.\d+\): plain [0-9A-F]+, '
                r'encrypted [0-9A-F]+'),
     'Encrypted timestamp (for TIME): plain HEX, encrypted HEX'),
    (re.compile(r'MEMORY:[A-Za-z0-9]+'), 'MEMORY:CC'),
    (re.compile(r' \(filename: [^)]*\)'), ''),
]


def normalise(line):
    m = PREFIX.match(line)
    if m is None:
        return None
    msg = m.group(1)
    for pattern, repl in RULES:
        msg = pattern.sub(repl, msg)
    return msg


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    seen = set()
    with open(sys.argv[1], encoding='utf-8', errors='replace') as f:
        for line in f:
            msg = normalise(line.rstrip('\n'))
            if msg is not None:
                seen.add(msg)
    for msg in sorted(seen):
        print(msg)
    return 0


if __name__ == '__main__':
    sys.exit(main())
