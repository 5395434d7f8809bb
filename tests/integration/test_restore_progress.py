#!/usr/bin/env python3
"""Progress of a restore in virsh domjobinfo and virDomainGetJobStats.

SPDX-License-Identifier: LGPL-2.1-or-later

A 2 GiB test guest filling most of its memory is saved in the sparse
format and restored twice, from a cold page cache and with
--bypass-cache. While each restore runs, virDomainGetJobStats (polled
through python3-libvirt) and virsh domjobinfo must show the bytes QEMU
has processed growing, with the remaining bytes shrinking, a total that
matches the image's data and a growing elapsed time; the guest then
verifies its memory.
"""

import os
import re
import threading
import time

import vstest

NAME = "rp-guest"
MEMORY_MIB = 2048
CMDLINE = "seed=0x5eed fill=90"
PASS_RE = re.compile(r"VSGUEST VERIFY OK pass=(\d+)")
BROKEN_RE = re.compile(r"VSGUEST (VERIFY BAD|FAULT|ERROR)")
PROCESSED_RE = re.compile(r"Data processed:\s+([\d.]+) (\w+)")


def text(r):
    return "rc=%d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout,
                                               r.stderr)


def serial_passes(path):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""
    passes = [int(m.group(1)) for m in PASS_RE.finditer(data)]
    return (max(passes) if passes else 0), data


def wait_passes(path, after, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last, data = serial_passes(path)
        if BROKEN_RE.search(data):
            return False, data[-1500:]
        if last > after:
            return True, None
        time.sleep(0.2)
    return False, "no pass after %d:\n%s" % (after,
                                             serial_passes(path)[1][-1500:])


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


class Sampler:
    """Polls the job statistics of NAME while a restore runs."""

    def __init__(self, d, libvirt):
        self.d = d
        self.libvirt = libvirt
        self.api = []       # (data_total, processed, remaining, elapsed)
        self.virsh = []     # "Data processed" of virsh domjobinfo, bytes
        self.stop = threading.Event()

    def run_api(self):
        conn = self.libvirt.open(self.d.uri)
        try:
            while not self.stop.is_set():
                try:
                    stats = conn.lookupByName(NAME).jobStats()
                except self.libvirt.libvirtError:
                    stats = {}
                # before QEMU begins to load, the total is not known yet
                if stats.get("type", 0) != 0 and \
                        stats.get("data_total", 0) > 0:
                    self.api.append((stats["data_total"],
                                     stats["data_processed"],
                                     stats["data_remaining"],
                                     stats["time_elapsed"]))
                time.sleep(0.02)
        finally:
            conn.close()

    def run_virsh(self):
        units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
        while not self.stop.is_set():
            r = self.d.virsh("domjobinfo", NAME, timeout=30)
            m = PROCESSED_RE.search(r.stdout)
            if r.returncode == 0 and m and m.group(2) in units:
                self.virsh.append(float(m.group(1)) * units[m.group(2)])


def growing(values):
    """At least two distinct values, never decreasing."""
    return len(set(values)) >= 2 and all(
        a <= b for a, b in zip(values, values[1:]))


def restore_with_progress(tap, d, libvirt, path, serial, extra, what):
    before, _ = serial_passes(serial)
    drop_cache(path)
    sampler = Sampler(d, libvirt)
    threads = [threading.Thread(target=sampler.run_api),
               threading.Thread(target=sampler.run_virsh)]
    for t in threads:
        t.start()
    start = time.monotonic()
    r = d.virsh("restore", path, *extra, timeout=600)
    secs = time.monotonic() - start
    sampler.stop.set()
    for t in threads:
        t.join()
    tap.ok(r.returncode == 0, "%s: restore" % what, text(r))
    running = [s for s in sampler.api if 0 < s[1] < s[0]]
    tap.diag("%s: restore %.1f s, %d API samples (%d mid-load), "
             "%d virsh samples, %s" % (what, secs, len(sampler.api),
                                       len(running), len(sampler.virsh),
              ["%.0f MiB" % (v / (1 << 20)) for v in sampler.virsh[::20]]))
    data_len = os.stat(path).st_blocks * 512
    totals = set(s[0] for s in sampler.api)
    tap.ok(len(totals) == 1 and
           data_len * 0.9 <= totals.pop() <= data_len,
           "%s: data_total is the image's data" % what,
           "totals %s, image %d" % (set(s[0] for s in sampler.api),
                                    data_len))
    tap.ok(growing([s[1] for s in sampler.api]) and len(running) >= 2,
           "%s: data_processed grows during the restore" % what,
           str(sampler.api[:50]))
    tap.ok(all(s[1] + s[2] == s[0] for s in sampler.api) and
           growing([-s[2] for s in sampler.api]),
           "%s: data_remaining shrinks with it" % what,
           str(sampler.api[:50]))
    tap.ok(growing([s[3] for s in sampler.api]),
           "%s: time_elapsed grows" % what, str(sampler.api[:50]))
    tap.ok(growing([v for v in sampler.virsh if v > 0]),
           "%s: virsh domjobinfo shows the processed bytes grow" % what,
           str(sampler.virsh))
    ok, diag = wait_passes(serial, before)
    tap.ok(ok, "%s: the guest verifies its memory" % what, diag)


def main():
    tap = vstest.TAP()
    libvirt = vstest.import_libvirt()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("test guest not built")
    if libvirt is None:
        tap.skip_all("python3-libvirt not installed")
    d = vstest.Daemon()
    try:
        d.start()
        serial = os.path.join(d.root, NAME + ".serial")
        xml = os.path.join(d.root, NAME + ".xml")
        with open(xml, "w") as f:
            f.write(vstest.domain_xml(NAME, serial, memory_mib=MEMORY_MIB,
                                      cmdline=CMDLINE))
        r = d.virsh("define", xml)
        tap.ok(r.returncode == 0, "define", text(r))
        r = d.virsh("start", NAME)
        if not tap.ok(r.returncode == 0, "start", text(r)):
            return
        ok, diag = wait_passes(serial, 0)
        if not tap.ok(ok, "the guest fills and verifies its memory", diag):
            return

        path = os.path.join(d.root, NAME + ".save")
        for extra, what in (((), "cold cache"),
                            (("--bypass-cache",), "bypass cache")):
            r = d.virsh("save", NAME, path, "--image-format", "sparse",
                        timeout=600)
            if not tap.ok(r.returncode == 0, "%s: save" % what, text(r)):
                break
            restore_with_progress(tap, d, libvirt, path, serial, extra, what)
            os.unlink(path)
    finally:
        d.virsh("destroy", NAME)
        d.stop()
        d.cleanup()
        tap.exit()


if __name__ == "__main__":
    main()
