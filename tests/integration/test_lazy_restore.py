#!/usr/bin/env python3
# test_lazy_restore.py: restore_mode = "lazy", the guest's RAM mapped
# copy-on-write from a sparse image.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs real virtsaved, virsh, python3-libvirt and QEMU on the test guest,
# which prints "VSGUEST VERIFY OK pass=N" while every word of its memory
# is what it wrote, and "VSGUEST VERIFY BAD addr=..." naming the first
# wrong word otherwise. Checks at 1 GiB, and at 4 GiB when the machine
# has 12 GiB free: lazy restores of images written by virtsave (with and
# without --bypass-cache) and by libvirt; a flipped byte reported at its
# address; a size mismatch, a cut page area and stale data in a hole
# refused; the image deleted or renamed over under a running guest; the
# image overwritten under a running guest, which the daemon detaches from
# it first, also after a daemon restart; on XFS, a guest on a reflink
# clone of the image, which is
# then overwritten, truncated and deleted; restore_lazy_detach = 1; the
# lazily restored guest saved again and restored both ways; managed
# save and start. Prints TAP.

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
import libvirtd_private  # noqa: E402

NAME = "vslazy%d" % os.getpid()
CMDLINE = "seed=0x5eed fill=50 pause=100"
PAGE = 4096
VERIFY_RE = re.compile(r"VSGUEST VERIFY (OK pass=(\d+)|BAD addr=0x([0-9a-f]+))")


def domain_xml(serial, memory_mib, uuid):
    """The test guest without a balloon (a balloon forbids lazy)."""
    xml = vstest.domain_xml(NAME, serial, memory_mib=memory_mib, uuid=uuid,
                            cmdline=CMDLINE)
    xml = xml.replace("<source path='%s'/>" % serial,
                      "<source path='%s' append='on'/>" % serial)
    if vstest.accel() == "kvm":
        xml = xml.replace("  <os>", "  <cpu mode='host-passthrough'>\n"
                          "    <feature policy='disable' "
                          "name='arch-capabilities'/>\n  </cpu>\n  <os>")
    return xml.replace("  </devices>",
                       "    <memballoon model='none'/>\n  </devices>")


def serial_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def wait_pass(serial, offset, after, timeout):
    """('ok', n) for a pass n > @after, ('bad', addr) or ('timeout', tail)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(serial, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            text = ""
        for m in VERIFY_RE.finditer(text):
            if m.group(3):
                return "bad", int(m.group(3), 16)
            if int(m.group(2)) > after:
                return "ok", int(m.group(2))
        if time.monotonic() > deadline:
            return "timeout", text[-300:]
        time.sleep(0.05)


def last_pass(serial):
    with open(serial, "rb") as f:
        passes = re.findall(rb"VERIFY OK pass=(\d+)", f.read())
    return int(passes[-1]) if passes else 0


def ram_block(path):
    """(used_length, bitmap_offset, pages_offset) of pc.ram in an image."""
    with open(path, "rb") as f:
        head = f.read(92)
        data_len = struct.unpack_from("<I", head, 20)[0]
        f.seek(92 + data_len)
        stream = f.read(1 << 20)
    i = stream.index(b"\x06pc.ram")
    used, _ver, _psize, bitmap, pages = struct.unpack_from(
        ">QIQQQ", stream, i + 7)
    return used, bitmap, pages


def page_present(path, bitmap_offset, page):
    with open(path, "rb") as f:
        f.seek(bitmap_offset + page // 8)
        return (f.read(1)[0] >> (page % 8)) & 1 == 1


def qemu_pid(root):
    with open(os.path.join(root, "run", "qemu", NAME + ".pid")) as f:
        return int(f.read().strip())


def maps_image(root, path):
    """Whether QEMU maps @path (or its deleted inode) right now."""
    try:
        with open("/proc/%d/maps" % qemu_pid(root)) as f:
            return any(path in line for line in f)
    except OSError:
        return False


def mapping_kib(root, path):
    """(Rss, Anonymous) in KiB of QEMU's mappings of @path."""
    rss = anon = 0
    mapped = False
    with open("/proc/%d/smaps" % qemu_pid(root)) as f:
        for line in f:
            if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
                mapped = path in line
            elif mapped and line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif mapped and line.startswith("Anonymous:"):
                anon += int(line.split()[1])
    return rss, anon


def copy_sparse(src, dst):
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)


class Run:
    def __init__(self, tap, daemon, work, memory_mib):
        self.tap = tap
        self.d = daemon
        self.work = work
        self.mem = memory_mib
        self.serial = os.path.join(work, "serial-%d.log" % memory_mib)
        self.libvirt = vstest.import_libvirt()
        self.timeout = 120 + memory_mib // 16
        self.tag = "%d MiB" % memory_mib

    def virsh(self, *args, **kw):
        r = self.d.virsh(*args, **kw)
        return r, (r.stdout + r.stderr).strip()[-600:]

    def verify(self, what, after=None, timeout=None):
        """The guest completes a pass (after @after) with no BAD line."""
        if after is None:
            after = last_pass(self.serial)
        kind, val = wait_pass(self.serial, self.offset, after,
                              timeout or self.timeout)
        return self.tap.ok(kind == "ok", "%s: %s: the guest's memory check "
                           "passes" % (self.tag, what), "%s %s" % (kind, val))

    def mark(self):
        self.offset = serial_size(self.serial)
        return last_pass(self.serial) if os.path.exists(self.serial) else 0

    def boot(self):
        self.mark()
        r, out = self.virsh("start", NAME)
        self.tap.ok(r.returncode == 0, "%s: boot" % self.tag, out)
        return self.verify("after boot", after=0, timeout=self.timeout * 3)

    def save(self, path, *flags):
        self.mark()
        self.verify("before saving %s" % os.path.basename(path))
        r, out = self.virsh("save", NAME, path, *flags, timeout=900)
        return self.tap.ok(r.returncode == 0, "%s: save %s %s" %
                           (self.tag, os.path.basename(path),
                            " ".join(flags)), out)

    def restore(self, path, mode=None, what="", expect_lazy=True):
        """Restore @path by virsh (mode None: qemu.conf) or the API."""
        before = self.mark()
        t0 = time.monotonic()
        if mode is None:
            r, out = self.virsh("restore", path, timeout=900)
            ok = r.returncode == 0
        else:
            conn = self.libvirt.open(self.d.uri)
            try:
                conn.restoreParams({"file": path,
                                    "virtsave.restore_mode": mode}, 0)
                ok, out = True, ""
            except self.libvirt.libvirtError as e:
                ok, out = False, str(e)
            finally:
                conn.close()
        took = time.monotonic() - t0
        desc = "%s: restore %s %s" % (self.tag, os.path.basename(path), what)
        if not self.tap.ok(ok, desc, out):
            return False
        self.tap.diag("%s took %.3f s" % (desc, took))
        lazy = maps_image(self.d.root, path)
        self.tap.ok(lazy == expect_lazy, "%s: %s" % (
            desc, "QEMU maps the image" if expect_lazy else
            "QEMU does not map the image"))
        return self.verify("after %s" % desc, after=before)

    def destroy(self):
        self.virsh("destroy", NAME)


def warm_up_stats(run):
    """The warm-up's progress in the restore's completed job statistics
    reaches the whole RAM block."""
    conn = run.libvirt.open(run.d.uri)
    stats = {}
    try:
        dom = conn.lookupByName(NAME)
        deadline = time.monotonic() + run.timeout
        while time.monotonic() < deadline:
            # KEEP: reading completed statistics otherwise discards them,
            # and a large guest's warm-up may still run at the first read
            stats = dom.jobStats(
                run.libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED |
                run.libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
            if (stats.get("memory_total") == run.mem << 20 and
                    stats.get("memory_remaining") == 0):
                break
            time.sleep(0.2)
    finally:
        conn.close()
    run.tap.ok(stats.get("memory_processed") == run.mem << 20 and
               stats.get("memory_remaining") == 0,
               "%s: the warm-up reports its progress in the job "
               "statistics" % run.tag, str(stats))


def lazy_from_virtsave(run, work):
    plain = os.path.join(work, "plain.img")
    bypass = os.path.join(work, "bypass.img")
    if run.save(plain):
        if run.restore(plain, what="(virtsave image, lazy by qemu.conf)"):
            warm_up_stats(run)
    if run.save(bypass, "--bypass-cache"):
        run.restore(bypass, what="(virtsave --bypass-cache image)")
    return plain


def flipped_byte(run, image, work):
    bad = os.path.join(work, "flipped.img")
    used, bitmap, pages = ram_block(image)
    addr = (used // 2) + 0x1234        # the first half of a MiB is filled
    if not run.tap.ok(page_present(image, bitmap, addr // PAGE),
                      "%s: the page to corrupt is in the image" % run.tag):
        return
    copy_sparse(image, bad)
    with open(bad, "r+b") as f:
        f.seek(pages + addr)
        byte = f.read(1)[0]
        f.seek(pages + addr)
        f.write(bytes([byte ^ 0x40]))
    run.mark()
    r, out = run.virsh("restore", bad)
    run.tap.ok(r.returncode == 0, "%s: restore the image with a flipped "
               "byte" % run.tag, out)
    kind, val = wait_pass(run.serial, run.offset, 0, run.timeout)
    run.tap.ok(kind == "bad" and val == addr & ~3,
               "%s: the guest reports exactly the flipped word 0x%x" %
               (run.tag, addr & ~3), "%s %s" % (kind, val))
    run.destroy()
    os.unlink(bad)


def refused_images(run, image, work):
    used, bitmap, pages = ram_block(image)

    # Stale data in a hole the bitmap marks absent.
    stale = os.path.join(work, "stale.img")
    copy_sparse(image, stale)
    hole = used // 2 + (768 << 10)     # second half of a MiB: zero
    with open(stale, "r+b") as f:
        f.seek(pages + hole)
        f.write(b"\xaa" * PAGE)
    run.tap.ok(not page_present(stale, bitmap, hole // PAGE),
               "%s: the stale page is absent from the bitmap" % run.tag)
    conn = run.libvirt.open(run.d.uri)
    try:
        conn.restoreParams({"file": stale, "virtsave.restore_mode": "lazy"},
                           0)
        err = ""
    except run.libvirt.libvirtError as e:
        err = str(e)
    run.tap.ok("stale data" in err, "%s: explicit lazy restore of a "
               "stale-extent image fails clearly" % run.tag, err)
    run.restore(stale, what="(stale extent, falls back to eager)",
                expect_lazy=False)
    with open(run.d.log_path, errors="replace") as f:
        log = f.read()
    run.tap.ok("eagerly instead of lazily" in log and "stale data" in log,
               "%s: the fallback is logged with its reason" % run.tag)
    run.destroy()
    os.unlink(stale)

    # A cut page area.
    cut = os.path.join(work, "cut.img")
    copy_sparse(image, cut)
    os.truncate(cut, pages + used // 2)
    r, out = run.virsh("restore", cut)
    run.tap.ok(r.returncode != 0 and "truncated" in out,
               "%s: a cut page area fails clearly" % run.tag, out)
    os.unlink(cut)

    # The XML's memory one MiB smaller than the saved RAM block.
    small = os.path.join(work, "small.img")
    copy_sparse(image, small)
    with open(small, "r+b") as f:
        head = f.read(1 << 16)
        old = ("<memory unit='KiB'>%d</memory>" % (run.mem * 1024)).encode()
        new = ("<memory unit='KiB'>%d</memory>" %
               ((run.mem - 1) * 1024)).encode().ljust(len(old))
        i = head.find(old)
        if i < 0 or len(new) != len(old):
            new = None
        else:
            cur = head.replace(b"currentMemory unit='KiB'>%d<" %
                               (run.mem * 1024),
                               b"currentMemory unit='KiB'>%d<" %
                               ((run.mem - 1) * 1024))
            f.seek(0)
            f.write(cur[:i] + new + cur[i + len(old):])
    if new is None:
        run.tap.ok(False, "%s: build a size-mismatch image" % run.tag)
        return
    conn = run.libvirt.open(run.d.uri)
    try:
        conn.restoreParams({"file": small, "virtsave.restore_mode": "lazy"},
                           0)
        err = ""
    except run.libvirt.libvirtError as e:
        err = str(e)
    run.tap.ok("but the domain has" in err, "%s: explicit lazy restore of "
               "a size-mismatch image fails clearly" % run.tag, err)
    r, out = run.virsh("restore", small)
    run.tap.ok(r.returncode != 0, "%s: the size-mismatch image falls back "
               "to eager, which QEMU refuses" % run.tag, out)
    run.virsh("destroy", NAME)
    os.unlink(small)


def image_moves(run, image, work):
    """Delete, then rename over, an image a running guest maps."""
    run.destroy()
    victim = os.path.join(work, "victim.img")
    copy_sparse(image, victim)
    if run.restore(victim, what="(to be deleted)"):
        os.unlink(victim)
        run.mark()
        run.verify("image deleted under the guest")
        run.tap.ok(maps_image(run.d.root, victim + " (deleted)"),
                   "%s: QEMU keeps the deleted image mapped" % run.tag)
    run.destroy()
    again = os.path.join(work, "again.img")
    other = os.path.join(work, "other.img")
    copy_sparse(image, again)
    with open(other, "wb") as f:
        f.write(b"\x55" * (1 << 20))
    if run.restore(again, what="(to be renamed over)"):
        os.rename(other, again)
        run.mark()
        run.verify("image renamed over under the guest")


def overwrite_pages(path):
    """Open @path for writing (which waits for the daemon's lease) and
    overwrite the first 64 MiB of its page area; returns the wait."""
    used, _bitmap, pages = ram_block(path)
    t0 = time.monotonic()
    with open(path, "r+b") as f:
        waited = time.monotonic() - t0
        f.seek(pages)
        f.write(b"\xa5" * min(used, 64 << 20))
        f.flush()
        os.fsync(f.fileno())
    return waited


def image_changes(run, image, work):
    """Another process overwrites an image a running guest maps. The
    daemon's lease on the image holds the open back until QEMU has
    copied the guest's memory out of the image, so the guest never sees
    the change. (A truncation would still end the guest: the kernel
    takes a truncated file's copied pages away too; see
    reflink_isolation.)"""
    run.destroy()
    target = os.path.join(work, "changed.img")
    copy_sparse(image, target)
    if not run.restore(target, what="(to be overwritten)"):
        return
    used = ram_block(target)[0]
    waited = overwrite_pages(target)
    run.tap.diag("the open for writing waited %.2f s" % waited)
    log = run.d.log_text()
    run.tap.ok("domain '%s': guest memory detached from the image" % NAME
               in log, "%s: the guest's memory is detached from the image "
               "before another process may write it" % run.tag,
               "\n".join(line for line in log.splitlines()
                         if "detach" in line or "lease" in line))
    rss, anon = mapping_kib(run.d.root, target)
    run.tap.ok(anon >= (used >> 10) * 99 // 100,
               "%s: all of the guest's memory is QEMU's own then" % run.tag,
               "Rss %d KiB, Anonymous %d KiB" % (rss, anon))
    run.mark()
    run.verify("image overwritten under the guest")


def lease_after_restart(run, image, work):
    """A daemon restarted under a lazily restored guest takes the lease
    on the guest's image again: a later write still waits for the
    guest's memory to be detached from the image."""
    run.destroy()
    target = os.path.join(work, "restart.img")
    copy_sparse(image, target)
    if not run.restore(target, what="(the daemon then restarts)"):
        return
    detached = run.d.log_text().count("guest memory detached from the image")
    run.d.stop()
    run.d.start()
    r, out = run.virsh("domstate", NAME)
    run.tap.ok(out == "running", "%s: the restarted daemon reattaches to "
               "the lazily restored guest" % run.tag, out)
    log = run.d.log_text()
    run.tap.ok("runs lazily on its image; holding a lease on it again" in log,
               "%s: it holds a lease on the guest's image again" % run.tag)
    waited = overwrite_pages(target)
    run.tap.diag("after the restart the open for writing waited %.2f s" %
                 waited)
    run.tap.ok(run.d.log_text().count("guest memory detached from the "
                                      "image") == detached + 1,
               "%s: a write after the restart waits for the detach too" %
               run.tag)
    run.mark()
    run.verify("image overwritten under the guest after a daemon restart")


def reflink_isolation(tap, run, image, work):
    """On a file system with reflinks the guest runs on a private clone of
    the image: overwriting, truncating and deleting the image do not
    reach it."""
    run.destroy()
    mnt = os.path.join(work, "xfs")
    fsimg = os.path.join(work, "xfs.fs")
    os.makedirs(mnt)
    size = os.path.getsize(image) + (512 << 20)
    with open(fsimg, "wb") as f:
        f.truncate(size)
    made = subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", fsimg],
                          capture_output=True, text=True)
    mounted = made.returncode == 0 and subprocess.run(
        ["mount", "-o", "loop", fsimg, mnt], capture_output=True).returncode == 0
    if not mounted:
        tap.skip("%s: reflink clone" % run.tag, "no XFS on a loop device "
                 "here: %s" % (made.stderr.strip() or "mount failed"))
        os.unlink(fsimg)
        return
    try:
        target = os.path.join(mnt, "clone.img")
        copy_sparse(image, target)
        before = run.mark()
        r, out = run.virsh("restore", target, timeout=900)
        tap.ok(r.returncode == 0, "%s: restore from XFS" % run.tag, out)
        if r.returncode != 0:
            return
        log = run.d.log_text()
        tap.ok("'%s': block pc.ram" % target in log and
               "mapped from a reflink clone" in log,
               "%s: the guest is mapped from a reflink clone of the image" %
               run.tag, [line for line in log.splitlines()
                         if "lazy restore of" in line])
        tap.ok(maps_image(run.d.root, mnt + "/#") and
               not maps_image(run.d.root, target),
               "%s: QEMU maps an unnamed file, not the image" % run.tag)
        run.verify("after the restore from a clone", after=before)
        overwrite_pages(target)
        os.truncate(target, 4096)
        os.unlink(target)
        run.mark()
        run.verify("image overwritten, truncated and deleted under a guest "
                   "on its clone")
        run.destroy()
    finally:
        subprocess.run(["umount", mnt])
        os.unlink(fsimg)


def detach_when_warm(tap, run, image, work):
    """restore_lazy_detach = 1: once the warm-up is over, QEMU copies the
    guest's memory out of the image."""
    run.destroy()
    root = os.path.join(work, "root-detach")
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write('restore_mode = "lazy"\nrestore_lazy_detach = 1\n')
    target = os.path.join(work, "detach.img")
    copy_sparse(image, target)
    with vstest.Daemon(root=root) as d:
        other = Run(tap, d, work, run.mem)
        other.tag = "%s, detach when warm" % run.tag
        if not other.restore(target, what="(restore_lazy_detach = 1)"):
            return
        used = ram_block(target)[0]
        deadline = time.monotonic() + other.timeout
        while time.monotonic() < deadline:
            if "guest memory detached from the image" in d.log_text():
                break
            time.sleep(0.2)
        rss, anon = mapping_kib(root, target)
        tap.ok(anon >= (used >> 10) * 99 // 100,
               "%s: after the warm-up all of the guest's memory is QEMU's "
               "own" % other.tag, "Rss %d KiB, Anonymous %d KiB; log: %s" % (
                   rss, anon, [line for line in d.log_text().splitlines()
                               if "warm-up" in line or "detach" in line]))
        other.mark()
        other.verify("after the detach")
        other.destroy()
    os.unlink(target)


def save_again(run, work):
    """The lazily restored guest (running now) saved, then restored both
    ways."""
    second = os.path.join(work, "second.img")
    if not run.save(second):
        return
    run.restore(second, mode="eager", what="(resaved, eager by parameter)",
                expect_lazy=False)
    run.destroy()
    run.restore(second, mode="lazy", what="(resaved, lazy by parameter)")
    os.unlink(second)


def managed(run):
    run.mark()
    r, out = run.virsh("managedsave", NAME, timeout=900)
    if not run.tap.ok(r.returncode == 0, "%s: managedsave" % run.tag, out):
        return
    before = run.mark()
    r, out = run.virsh("start", NAME)
    run.tap.ok(r.returncode == 0, "%s: start from the managed save image" %
               run.tag, out)
    run.tap.ok(maps_image(run.d.root, ".save"),
               "%s: QEMU maps the managed save image" % run.tag)
    run.verify("after start from managed save", after=before)


def libvirt_image(tap, run, work):
    """An image written by libvirt 11.3 restored lazily by virtsave."""
    reason = libvirtd_private.unavailable_reason()
    if reason:
        tap.skip("%s: libvirt image" % run.tag, reason)
        return
    lv = libvirtd_private.Libvirtd(os.path.join(work, "libvirtd"))
    os.makedirs(lv.root)
    image = os.path.join(work, "libvirt.img")
    xml = os.path.join(work, "lv.xml")
    with open(xml, "w") as f:
        f.write(domain_xml(run.serial, run.mem, None).replace(
            "<uuid>None</uuid>", ""))
    try:
        lv.start()
        run.mark()
        r = lv.virsh("create", xml)
        tap.ok(r.returncode == 0, "%s: libvirt boots the guest" % run.tag,
               r.stderr)
        run.verify("under libvirt", after=0, timeout=run.timeout * 3)
        run.mark()
        run.verify("under libvirt, before its save")
        r = lv.virsh("save", NAME, image, "--image-format", "sparse",
                     timeout=900)
        tap.ok(r.returncode == 0, "%s: libvirt saves a sparse image" %
               run.tag, r.stderr)
    finally:
        lv.stop()
    if os.path.exists(image):
        run.virsh("undefine", NAME)
        run.restore(image, what="(libvirt 11.3 image)")
        run.destroy()
        os.unlink(image)


def one_size(tap, work, memory_mib, full):
    root = os.path.join(work, "root-%d" % memory_mib)
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write('restore_mode = "lazy"\n')
    with vstest.Daemon(root=root) as d:
        run = Run(tap, d, work, memory_mib)
        xml = os.path.join(work, "dom-%d.xml" % memory_mib)
        with open(xml, "w") as f:
            f.write(domain_xml(run.serial, memory_mib, None).replace(
                "<uuid>None</uuid>", ""))
        r, out = run.virsh("define", xml)
        tap.ok(r.returncode == 0, "%d MiB: define" % memory_mib, out)
        if not run.boot():
            return
        image = lazy_from_virtsave(run, work)
        if full:
            image_moves(run, image, work)
            reflink_isolation(tap, run, image, work)
            image_changes(run, image, work)
            # Leaves the guest running for save_again().
            lease_after_restart(run, image, work)
            save_again(run, work)
            managed(run)
            run.destroy()
            flipped_byte(run, image, work)
            refused_images(run, image, work)
        run.destroy()
        if full:
            detach_when_warm(tap, run, image, work)
            libvirt_image(tap, run, work)
        for f in os.listdir(work):
            if f.endswith(".img"):
                os.unlink(os.path.join(work, f))


def free_gib():
    with open("/proc/meminfo") as f:
        info = dict(line.split(":", 1) for line in f)
    return int(info["MemAvailable"].split()[0]) / (1 << 20)


def main():
    tap = vstest.TAP()
    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip_all("python3-libvirt is not installed")
    # Failures are checked from the exceptions; keep stderr quiet.
    libvirt.registerErrorHandler(lambda *args: None, None)
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    work = tempfile.mkdtemp(prefix="vslazy-%d-" % os.getpid())
    try:
        tap.diag("accelerator: %s" % vstest.accel())
        one_size(tap, work, 1024, True)
        if free_gib() < 12:
            tap.skip("4096 MiB", "less than 12 GiB free (%.1f GiB)" %
                     free_gib())
        else:
            one_size(tap, work, 4096, False)
    finally:
        if not os.environ.get("VS_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return tap.exit()


if __name__ == "__main__":
    sys.exit(main())
