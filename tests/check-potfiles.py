#!/usr/bin/env python3
"""Check that po/POTFILES lists exactly the sources with translatable
messages, so that no user-visible error escapes the message catalog."""

import os
import re
import subprocess
import sys

MARK = re.compile(r'\b_\("')


def sources(top):
    """The C sources under src/ and tools/: those git tracks when @top is
    a git checkout (work in progress is not checked), else all of them."""
    try:
        out = subprocess.run(['git', '-C', top, 'ls-files', 'src', 'tools'],
                             capture_output=True, text=True, check=True)
        return [p for p in out.stdout.splitlines() if p.endswith('.c')]
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for sub in ('src', 'tools'):
        for dirpath, _, files in os.walk(os.path.join(top, sub)):
            found += [os.path.relpath(os.path.join(dirpath, n), top)
                      for n in files if n.endswith('.c')]
    return found


def main(top):
    with open(os.path.join(top, 'po', 'POTFILES')) as f:
        listed = {line.strip() for line in f if line.strip()}
    found = set()
    for rel in sources(top):
        with open(os.path.join(top, rel), encoding='utf-8',
                  errors='replace') as f:
            if MARK.search(f.read()):
                found.add(rel)
    print('1..2')
    missing = sorted(found - listed)
    stale = sorted(listed - found)
    print('%s 1 - every source with _() is in po/POTFILES'
          % ('not ok' if missing else 'ok'))
    for m in missing:
        print('# missing: %s' % m)
    print('%s 2 - po/POTFILES names only such sources'
          % ('not ok' if stale else 'ok'))
    for s in stale:
        print('# stale: %s' % s)
    return 1 if missing or stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
