#!/usr/bin/env python3
"""The Linux test guest's initramfs and checker, without booting it.

SPDX-License-Identifier: LGPL-2.1-or-later

Builds the initramfs with linuxguest.build() into a fresh directory and
reads the archive back: /init, busybox, lgcheck, the modules in the
order file, qemu-ga and every library it needs. A second build()
reuses the file. Then lgcheck runs on the host: its memory mode passes,
and its disk mode, on a file whose first MiB linuxguest.write_backing()
wrote, passes, and reports the one block changed in the file, which
shows that the host and the guest compute the same blocks.

Prints TAP. VS_TEST_KEEP=1 keeps the work directory.
"""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linuxguest  # noqa: E402
import vstest  # noqa: E402

SEED = 0x1234


def read_cpio(path):
    """{name: (mode, data)} of a gzip-compressed newc archive."""
    with open(path, "rb") as f:
        data = gzip.decompress(f.read())
    entries = {}
    pos = 0
    while True:
        hdr = data[pos:pos + 110]
        if hdr[:6] != b"070701":
            raise ValueError("bad cpio header at %d" % pos)
        fields = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, data[pos:pos + size])
        pos += size
        pos += -pos % 4


def lgcheck_lines(args, want, timeout=60):
    """Run lgcheck until @want lines are printed; return them."""
    proc = subprocess.Popen([linuxguest.lgcheck_binary()] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    deadline = time.monotonic() + timeout
    try:
        while len(lines) < want and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.decode().strip())
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    return lines


def main():
    tap = vstest.TAP()
    why = linuxguest.available()
    if why:
        tap.skip_all(why)
    work = tempfile.mkdtemp(prefix="vslgbuild-%d-" % os.getpid())
    try:
        kernel, initrd = linuxguest.build(work)
        tap.ok(os.path.isfile(kernel) and os.path.isfile(initrd),
               "build() gives a kernel and an initramfs")
        mtime = os.stat(initrd).st_mtime_ns
        again = linuxguest.build(work)
        tap.ok(again == (kernel, initrd) and
               os.stat(initrd).st_mtime_ns == mtime,
               "a second build() reuses the initramfs")

        entries = read_cpio(initrd)
        tap.ok(entries.get("init", (0, b""))[1].startswith(b"#!/bin/busybox"),
               "the archive has /init")
        tap.ok(entries.get("bin/busybox", (0, b""))[1].startswith(b"\x7fELF"),
               "the archive has busybox")
        tap.ok(entries.get("bin/lgcheck", (0, b""))[1].startswith(b"\x7fELF"),
               "the archive has lgcheck")
        tap.ok("dev/console" in entries and
               (entries["dev/console"][0] & 0o170000) == 0o020000,
               "the archive has a /dev/console device node")
        order = entries.get("lib/modules/order", (0, b""))[1].decode()
        mods = order.split()
        missing = [m for m in mods if "lib/modules/" + m not in entries]
        tap.ok(mods and not missing and
               all(entries["lib/modules/" + m][1].startswith(b"\x7fELF")
                   for m in mods),
               "every module in the order file is there, uncompressed (%s)" %
               " ".join(mods), "missing: %s" % missing)
        names = [m.split(".ko")[0].replace("-", "_") for m in mods]
        tap.ok("virtio_blk" in names and "virtio_net" in names and
               names.index("failover") < names.index("net_failover") <
               names.index("virtio_net"),
               "virtio_blk and virtio_net come after their dependencies")
        ga = linuxguest._qemu_ga_files()
        if not ga:
            tap.skip("qemu-ga and its libraries are in the archive",
                     "qemu-guest-agent is not installed")
        else:
            absent = [dst for _, dst in ga if dst not in entries]
            tap.ok(not absent, "qemu-ga and its %d libraries are in the "
                   "archive" % (len(ga) - 1), "absent: %s" % absent)

        lines = lgcheck_lines(["mem", "4", str(SEED)], 3)
        tap.ok(lines[:3] == ["LGMEM FILLED mib=4 seed=0x%x" % SEED,
                             "LGMEM PASS n=1", "LGMEM PASS n=2"],
               "lgcheck mem fills and verifies", lines)

        disk = os.path.join(work, "disk.raw")
        linuxguest.write_backing(disk, SEED, 1, 2)
        lines = lgcheck_lines(["disk", disk, str(SEED), "1", "1"], 2)
        tap.ok(lines == ["LGDISK WROTE gen=1", "LGDISK PASS n=1"],
               "lgcheck disk accepts the blocks written on the host", lines)
        with open(disk, "r+b") as f:
            f.seek(3 * linuxguest.BLOCK + 100)
            f.write(b"\x00")
        lines = lgcheck_lines(["disk", disk, str(SEED), "1", "1"], 3)
        tap.ok(lines[1:3] == ["LGDISK BAD gen=1 block=3 want_gen=0",
                              "LGDISK FAIL n=1 bad=1"],
               "lgcheck disk reports the block changed on the host", lines)
    finally:
        if not os.environ.get("VS_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            tap.diag("kept %s" % work)
    tap.exit()


if __name__ == "__main__":
    main()
