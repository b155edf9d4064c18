#!/usr/bin/env python3
"""Import cycles between modules, per crate (issue 18: none but clap's).

Nodes are module files; an edge is a path a file names (a `use`
declaration or an inline `crate::`/`super::`/`self::` path, or a path
through a name a `use` brought in), resolved to the longest module prefix.
Edges between a module and its own ancestors or descendants are left out
(a directory module and its parts). Comments, strings and character
literals are skipped.

A cycle fails the check unless every module in it is in ALLOWED: clap
derives `cli` from the commands and `completions`/`man` render `cli`.

    .ci/cycles.py              check src/ and crates/*/src (exit 1 on a cycle)
    .ci/cycles.py DIR...       check these source roots
    .ci/cycles.py --self-test  show that a cycle is found and clap's is allowed
"""
import os
import re
import sys
import tempfile

ALLOWED = {('src', frozenset({'cli', 'cmd::completions', 'cmd::man'}))}


def modules(src):
    mods = {}
    for dp, _, fs in os.walk(src):
        for f in fs:
            if not f.endswith('.rs'):
                continue
            p = os.path.join(dp, f)
            rel = os.path.relpath(p, src)[:-3].split(os.sep)
            if rel[-1] in ('mod', 'lib', 'main'):
                rel = rel[:-1]
            if rel and rel[0] == 'bin':
                continue
            mods[tuple(rel)] = p
    return mods


RAW = re.compile(r'b?r(#*)"')
CHAR = re.compile(r"b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")


def strip(text):
    """The code of `text` with comments, strings and char literals blanked."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j
        elif text.startswith('/*', i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith('/*', i):
                    depth, i = depth + 1, i + 2
                elif text.startswith('*/', i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif (m := RAW.match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            end = text.find('"' + m.group(1), m.end())
            i = n if end < 0 else end + 1 + len(m.group(1))
            out.append('""')
        elif c == '"' or (c == 'b' and text.startswith('b"', i) and not (i and (text[i - 1].isalnum() or text[i - 1] == '_'))):
            i += 1 if c == '"' else 2
            while i < n and text[i] != '"':
                i += 2 if text[i] == '\\' else 1
            i += 1
            out.append('""')
        elif (c == "'" or text.startswith("b'", i)) and (m := CHAR.match(text, i)):
            i = m.end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def expand(tree):
    """`a::{b, c::{d, e}}` -> `a::b`, `a::c::d`, `a::c::e`."""
    tree = re.sub(r'\s+', ' ', tree).strip()
    m = re.match(r'^(.*?)\{(.*)\}$', tree, re.S)
    if not m:
        return [tree]
    prefix, inner = m.groups()
    parts, depth, cur = [], 0, ''
    for ch in inner:
        if ch == ',' and depth == 0:
            parts.append(cur)
            cur = ''
            continue
        depth += ch == '{'
        depth -= ch == '}'
        cur += ch
    if cur.strip():
        parts.append(cur)
    return [x for p in parts for x in expand(prefix.replace(' ', '') + p.strip())]


def resolve(segs, here, mods):
    if not segs:
        return None
    if segs[0] == 'crate':
        base, rest = (), segs[1:]
    elif segs[0] in ('super', 'self'):
        base, rest = here, segs
        while rest and rest[0] in ('super', 'self'):
            if rest[0] == 'super':
                base = base[:-1]
            rest = rest[1:]
    else:
        return None
    best = base if base in mods else None
    cur = base
    for s in rest:
        cur = cur + (s,)
        if cur in mods:
            best = cur
        else:
            break
    return best


def edges(mods):
    out = {m: set() for m in mods}
    for here, path in mods.items():
        with open(path, encoding='utf-8') as f:
            text = strip(f.read())
        aliases = {}
        for m in re.finditer(r'\buse\s+([^;]+);', text):
            for item in expand(m.group(1)):
                path_part, _, alias = item.partition(' as ')
                segs = [s for s in path_part.strip().split('::') if s]
                if segs and segs[-1] == 'self':
                    segs = segs[:-1]
                if not segs:
                    continue
                name = alias.strip() or segs[-1]
                if segs[0] not in ('crate', 'super', 'self') and (here + (segs[0],)) in mods:
                    segs = ['self'] + segs
                full = resolve(segs, here, mods) if segs[-1] != '*' else resolve(segs[:-1], here, mods)
                if full is not None:
                    out[here].add(full)
                    if segs[-1] != '*' and full[-1:] == tuple(segs[-1:]):
                        aliases[name] = full
        for m in re.finditer(r'(?<![\w:])((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)', text):
            t = resolve(m.group(1).split('::'), here, mods)
            if t is not None:
                out[here].add(t)
        for a, t in aliases.items():
            for m in re.finditer(r'(?<![:\w])' + re.escape(a) + r'((?:::[A-Za-z_][A-Za-z0-9_]*)+)', text):
                r = resolve(['crate', *t, *[s for s in m.group(1).split('::') if s]], here, mods)
                if r is not None:
                    out[here].add(r)

    def related(a, b):
        return a[: len(b)] == b or b[: len(a)] == a

    return {m: {t for t in ts if not related(m, t)} for m, ts in out.items()}


def sccs(g):
    index, low, stack, on, res = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            c = []
            while True:
                w = stack.pop()
                on.discard(w)
                c.append(w)
                if w == v:
                    break
            res.append(c)

    for v in sorted(g):
        if v not in index:
            visit(v)
    return [c for c in res if len(c) > 1]


def name(m):
    return '::'.join(m) or '<root>'


def check(src, label, report=print):
    """The cycles in `src` that are not allowed, reported."""
    mods = modules(src)
    g = edges(mods)
    bad = []
    for c in sccs(g):
        names = frozenset(name(m) for m in c)
        allowed = any(label == where and names <= ok for where, ok in ALLOWED)
        if not allowed:
            bad.append(c)
        report(f'{src}: {"allowed" if allowed else "CYCLE"}: ' + ' <-> '.join(sorted(names)))
        for a in sorted(c):
            for b in sorted(c):
                if b in g[a]:
                    report(f'    {name(a)} -> {name(b)}')
    return bad


def self_test():
    cases = {
        # a -> b -> a through a `use`, an inline path and a grouped import
        'cycle': ({'main.rs': 'mod a; mod b;', 'a.rs': 'use crate::b::f;', 'b.rs': 'fn g() { crate::a::h() }'}, 1),
        'group': ({'main.rs': 'mod a; mod b;', 'a.rs': 'use crate::{b::{self, f}};', 'b.rs': 'use super::a;\nfn g() { a::h() }'}, 1),
        # an alias of a module then a path through it
        'alias': ({'main.rs': 'mod a; mod b; mod c;', 'a.rs': 'use crate::c as x;\nfn f() { x::g() }', 'c.rs': 'use crate::a;', 'b.rs': ''}, 1),
        # paths in comments, strings and after char literals are not edges
        'text': ({'main.rs': 'mod a; mod b;', 'a.rs': 'use crate::b;', 'b.rs': "// crate::a\nconst S: &str = \"crate::a\";\nconst R: &str = r#\"\"crate::a\"\"#;\nconst C: char = '\"'; const D: &str = \"x\";"}, 0),
        # a parent and its child are not a cycle
        'parent': ({'main.rs': 'mod a;', 'a/mod.rs': 'mod b; fn f() { b::g() }', 'a/b.rs': 'use super::h;'}, 0),
        # clap's cycle is allowed in src only
        'clap': ({'main.rs': 'mod cli; mod cmd;', 'cli.rs': 'use crate::cmd::man;', 'cmd/mod.rs': 'pub mod man;', 'cmd/man.rs': 'use crate::cli::Cli;'}, 0),
    }
    failed = 0
    for label, (files, want) in cases.items():
        with tempfile.TemporaryDirectory() as d:
            root = os.path.join(d, 'src')
            for p, body in files.items():
                os.makedirs(os.path.dirname(os.path.join(root, p)), exist_ok=True)
                with open(os.path.join(root, p), 'w', encoding='utf-8') as f:
                    f.write(body)
            got = len(check(root, 'src', report=lambda _: None))
            if got != want:
                print(f'self-test {label}: {got} cycles, expected {want}')
                failed += 1
    print(f'self-test: {len(cases) - failed}/{len(cases)} passed')
    return failed == 0


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    if argv[1:] == ['--self-test']:
        return 0 if self_test() else 1
    roots = argv[1:] or ['src'] + sorted(
        os.path.join('crates', c, 'src') for c in os.listdir(os.path.join(top, 'crates'))
        if os.path.isdir(os.path.join(top, 'crates', c, 'src'))
    )
    bad = 0
    for root in roots:
        path = root if os.path.isabs(root) else os.path.join(top, root)
        bad += len(check(path, os.path.relpath(path, top)))
    if bad:
        print(f'.ci/cycles.py: {bad} import cycle(s) between modules; move what both sides use into a module below them (docs/architecture.md)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
