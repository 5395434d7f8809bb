#!/usr/bin/env python3
"""Count test results from meson's testlog.json files.

Every TAP test point counts ("ok" passed, "not ok" failed, "# SKIP"
skipped); a test program that failed without reporting a failing point
(crash, timeout, non-TAP test) counts as one failure. A build that failed
("BUILD-FAILED:<dir>") counts as one failure. The last line printed is
"N passed, M failed[, K skipped]"; the exit status is 1 when M > 0.
"""

import json
import re
import sys

TAP_LINE = re.compile(r'^(not ok|ok)\b(.*)$')
BAD_RESULTS = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS'}


def count_tap(text):
    passed = failed = skipped = 0
    for line in text.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        status, rest = m.groups()
        directive = rest.split('#', 1)[1].strip().upper() if '#' in rest else ''
        if directive.startswith('SKIP'):
            skipped += 1
        elif status == 'ok' or directive.startswith('TODO'):
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def main(paths):
    total = [0, 0, 0]
    failures = []
    for path in paths:
        if path.startswith('BUILD-FAILED:'):
            total[1] += 1
            failures.append(path)
            continue
        try:
            with open(path, encoding='utf-8') as f:
                entries = [json.loads(line) for line in f if line.strip()]
        except OSError as e:
            total[1] += 1
            failures.append('%s: %s' % (path, e))
            continue
        for entry in entries:
            result = entry.get('result', '')
            p, fl, s = count_tap(entry.get('stdout') or entry.get('stdo') or '')
            if p + fl + s == 0:
                if result == 'SKIP':
                    s = 1
                elif result in BAD_RESULTS:
                    fl = 1
                else:
                    p = 1
            elif result in BAD_RESULTS and fl == 0:
                fl = 1
            if fl:
                failures.append('%s (%s)' % (entry.get('name'), result))
            total[0] += p
            total[1] += fl
            total[2] += s
    for f in failures:
        print('FAILED: %s' % f)
    line = '%d passed, %d failed' % (total[0], total[1])
    if total[2]:
        line += ', %d skipped' % total[2]
    print(line)
    return 1 if total[1] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
