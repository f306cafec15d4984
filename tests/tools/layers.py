#!/usr/bin/env python3
"""Check that common/ keeps its floors and has no circle.

    layers.py SOURCE_DIR [BUILD_DIR]

A file of common/FLOOR/ may include only files of FLOOR or of a floor
below it (core < wire, creds < exchange < inspect < doctor; wire and creds do not
include each other), and cmd/ and tests/ may include any.  With BUILD_DIR,
the object files of common/ are read with nm as well: no object may, through
the symbols it uses, depend on itself (no circle between rooms).  Prints
one line per violation and exits 1 if there was any, else prints "ok".
"""
import glob
import os
import re
import subprocess
import sys

RANK = {'core': 0, 'wire': 1, 'creds': 1, 'exchange': 2, 'inspect': 3,
        'doctor': 4}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def include_problems(src):
    problems = []
    graph = {}
    for path in sorted(glob.glob(os.path.join(src, 'common', '*', '*.[ch]'))):
        rel = os.path.relpath(path, os.path.join(src, 'common'))
        floor = rel.split('/')[0]
        if floor not in RANK:
            problems.append('%s: a folder that is not a floor' % rel)
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            if inc == 'ks_version.h':
                continue
            if '/' not in inc:
                problems.append('common/%s includes "%s" without its floor'
                                % (rel, inc))
                continue
            target = inc.split('/')[0]
            if target not in RANK:
                problems.append('common/%s includes "%s": no such floor'
                                % (rel, inc))
            elif target != floor and RANK[target] >= RANK[floor]:
                problems.append('common/%s (floor %s) includes "%s" (floor %s)'
                                % (rel, floor, inc, target))
            graph.setdefault(rel, set()).add(inc)
    for cycle in cycles(graph):
        problems.append('include circle: ' + ' -> '.join(cycle))
    return problems


def symbol_graph(build):
    defined, used = {}, {}
    objs = glob.glob(os.path.join(build, 'common', '**', '*.o'),
                     recursive=True)
    for obj in objs:
        name = os.path.basename(obj)[:-len('.c.o')].replace('_', '/', 1)
        out = subprocess.run(['nm', obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in 'TDBR':
                defined[fields[2]] = name
            elif len(fields) == 2 and fields[0] == 'U':
                used.setdefault(name, set()).add(fields[1])
    graph = {}
    for name, syms in used.items():
        for sym in syms:
            owner = defined.get(sym)
            if owner is not None and owner != name:
                graph.setdefault(name, set()).add(owner)
    return graph, len(objs)


def cycles(graph):
    """The strongly connected components of more than one node."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    problems = include_problems(argv[1])
    if len(argv) == 3:
        graph, count = symbol_graph(argv[2])
        if count == 0:
            problems.append('no object files of common/ under ' + argv[2])
        for cycle in cycles(graph):
            problems.append('symbol circle between objects: '
                            + ', '.join(cycle))
    for p in problems:
        print(p)
    if not problems:
        print('ok')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
