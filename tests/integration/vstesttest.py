#!/usr/bin/env python3
"""vstest's own parts that need no QEMU: the save timeline parser, the
count of the test guest's verify passes in its serial file, and the disk
probe on a few MiB.

SPDX-License-Identifier: LGPL-2.1-or-later

Prints TAP.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

PREFIX = "2025-01-01 10:00:00.123+0000: 42: info : qemu.save: f:1: "
TIMELINES = [
    # (what, log line, expected parse)
    ("a whole line",
     PREFIX + "domain 'g1': save timeline (ms): checked 0.4, created 2.1, "
     "paused 5.9, migrating 6.5, completed 812.0, data-durable 830.2, "
     "stopped 860.4",
     ("g1", [("checked", 0.4), ("created", 2.1), ("paused", 5.9),
             ("migrating", 6.5), ("completed", 812.0),
             ("data-durable", 830.2), ("stopped", 860.4)])),
    ("a name with a space", "domain 'a b': save timeline (ms): stopped 3",
     ("a b", [("stopped", 3.0)])),
    ("items that are not EVENT MS",
     "domain 'g': save timeline (ms): checked x, 7.5, paused 1.0,",
     ("g", [("paused", 1.0)])),
    ("no events", "domain 'g': save timeline (ms): ", ("g", [])),
    ("another line", PREFIX + "domain 'g1': saved to '/i.img'", None),
    ("an empty line", "", None),
]

SERIAL = (b"VSGUEST FILLED\n"
          b"VSGUEST VERIFY OK pass=1\n"
          b"VSGUEST VERIFY OK pass=2\n"
          b"VSGUEST VERIFY OK pass=2\n")
FIRST_PASS = SERIAL.index(b"VSGUEST VERIFY OK pass=1")
PASSES = [
    # (offset, passes printed after it)
    (0, 3),
    (FIRST_PASS, 3),
    (FIRST_PASS + 5, 3),   # a line being printed at the offset counts
    (SERIAL.index(b"pass=2"), 2),
    (len(SERIAL), 0),
]


def test_timelines(tap):
    for what, line, want in TIMELINES:
        got = vstest.parse_save_timeline(line)
        tap.ok(got == want, "parse_save_timeline(): %s" % what,
               "got %r" % (got,))
    text = "\n".join(line for _, line, _ in TIMELINES)
    tap.ok(vstest.find_save_timeline(text, "g1") == TIMELINES[0][2][1],
           "find_save_timeline() finds the first line of the domain")
    tap.ok(vstest.find_save_timeline(text, "nosuch") is None,
           "find_save_timeline() of another domain is None")


def test_passes(tap, work):
    serial = os.path.join(work, "serial.log")
    tap.ok(vstest.serial_offset(serial) == 0 and
           vstest.guest_passes(serial) == 0,
           "a missing serial file: offset 0, no passes")
    with open(serial, "wb") as f:
        f.write(SERIAL)
    for offset, want in PASSES:
        got = vstest.guest_passes(serial, offset)
        tap.ok(got == want, "guest_passes(offset %d) is %d" % (offset, want),
               "got %d" % got)
    ok, line = vstest.wait_guest_passes(serial, FIRST_PASS, 2, timeout=0)
    tap.ok(ok and line == "VSGUEST VERIFY OK pass=2",
           "wait_guest_passes() returns the line of the pass it waited for",
           line)
    ok, diag = vstest.wait_guest_passes(serial, len(SERIAL), timeout=0)
    tap.ok(not ok and "0 of 1 passes" in diag,
           "wait_guest_passes() times out without a new pass", diag)
    with open(serial, "ab") as f:
        f.write(b"VSGUEST VERIFY BAD addr=0x00100000\n")
    ok, diag = vstest.wait_guest_passes(serial, 0, 1, timeout=0)
    tap.ok(not ok and "VERIFY BAD" in diag,
           "wait_guest_passes() fails when the guest reports damage", diag)


def test_disk(tap, work):
    try:
        bw = vstest.disk_bandwidth(work, 2 * vstest.DISK_REQUEST, 2)
    except OSError as e:
        tap.skip("disk_bandwidth()", "O_DIRECT in %s: %s" % (work, e))
        return
    tap.ok(bw.streams == 2 and bw.nbytes == 2 * vstest.DISK_REQUEST and
           min(bw.write, bw.durable, bw.read) > 0 and bw.durable <= bw.write,
           "disk_bandwidth(): two streams, one request each", repr(bw))
    tap.ok(os.listdir(work) == ["serial.log"],
           "disk_bandwidth() removes its files", os.listdir(work))


def main():
    tap = vstest.TAP()
    base = os.environ.get("VS_TEST_BUILDDIR") or None
    with tempfile.TemporaryDirectory(prefix="vstesttest-", dir=base) as work:
        test_timelines(tap)
        test_passes(tap, work)
        test_disk(tap, work)
    tap.exit()


if __name__ == "__main__":
    main()
