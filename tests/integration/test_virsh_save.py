#!/usr/bin/env python3
"""virsh save and restore against virtsaved, end to end.

SPDX-License-Identifier: LGPL-2.1-or-later

Runs the real virsh binary against a virtsaved under a temporary root,
with the test guest (it fills its RAM with a seeded pattern and prints
"VSGUEST VERIFY OK pass=N" after every full check) booted in real QEMU:

- save and restore with --bypass-cache --parallel-channels 4, the image
  checked with "virtsave image verify" and "virtsave image info --json";
- save --verbose and its progress line;
- domjobinfo, list and dominfo from other virsh processes while a save
  runs, domjobinfo --completed after it, domjobabort of a running save
  and the abort virsh sends itself on Ctrl-C;
- a paused guest saved and restored paused, then restored with --running;
- managedsave and the start that restores it;
- save-image-dumpxml, save-image-define and save-image-edit;
- the argument and image errors, each leaving the guest running and no
  file behind;
- destroy and undefine.

After every restore the test waits for verify passes that started after
the restore, so a lost or damaged page fails the test. Prints TAP.
"""

import os
import pty
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vssave"
MEMORY_MIB = 512
# 90% of every MiB is data, the rest a hole: the sparse image has holes
# throughout RAM, and a save without bypass on one channel lasts seconds.
CMDLINE = "seed=0x5a5e5a5e fill=90"
PASS_RE = re.compile(r"VSGUEST VERIFY OK pass=(\d+)")
BROKEN_RE = re.compile(r"VSGUEST (VERIFY BAD|FAULT|ERROR)")
MiB = 1024 * 1024
UNITS = {"B": 1, "KiB": 1024, "MiB": MiB, "GiB": 1024 * MiB,
         "TiB": 1024 * 1024 * MiB}
# The saves the concurrent checks watch, one per attempt: sparse on one
# channel through the page cache takes a second or so; if the second
# virsh comes too late twice, gzip takes many seconds.
SLOW_SAVES = (("--image-format", "sparse"), ("--image-format", "sparse"),
              ("--image-format", "gzip"))
FAST = ("--bypass-cache", "--parallel-channels", "4")

EDITOR = """#!/bin/sh
sed -i 's|<description>[^<]*</description>|<description>edited by the \
editor</description>|' "$1"
"""


class Background:
    """A virsh command running beside the test."""

    def __init__(self, d, *args, quiet=True, stdin=None):
        cmd, env = vstest.virsh_command(d.uri, *args, quiet=quiet)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=stdin,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=env)

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout=180):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            err += "\n(timed out)"
        self.took = time.monotonic() - self.started
        return subprocess.CompletedProcess(self.proc.args,
                                           self.proc.returncode, out, err)


def text(r):
    return "rc=%d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout,
                                               r.stderr)


def domstate(d, reason=True):
    args = ["domstate", NAME] + (["--reason"] if reason else [])
    r = d.virsh(*args)
    return r.stdout.strip() if r.returncode == 0 else \
        "(error: %s)" % r.stderr.strip()


def verify_after_restore(tap, serial, before, what):
    ok, diag = vstest.wait_guest_passes(serial, before, 2)
    return tap.ok(ok, "%s: the guest verifies its memory after the restore"
                  % what, diag)


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def find_file(root, name):
    for dirpath, _dirs, files in os.walk(root):
        if name in files:
            return os.path.join(dirpath, name)
    return None


def parse_jobinfo(out):
    """domjobinfo's "Key:   value" lines as a dict of strings."""
    info = {}
    for line in out.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def size_of(value):
    """Bytes of a domjobinfo size such as "193.059 MiB", or None."""
    m = re.match(r"^([0-9.]+)\s*(B|KiB|MiB|GiB|TiB)$", value or "")
    if not m:
        return None
    return float(m.group(1)) * UNITS[m.group(2)]


def sensible_save_job(info, job_type):
    """Why a domjobinfo of a save is not sensible, or None if it is."""
    if info.get("Job type") != job_type:
        return "job type %r, expected %r" % (info.get("Job type"), job_type)
    if info.get("Operation") != "Save":
        return "operation %r" % info.get("Operation")
    total = size_of(info.get("Data total"))
    processed = size_of(info.get("Data processed"))
    remaining = size_of(info.get("Data remaining"))
    if total is None or processed is None or remaining is None:
        return "data sizes missing"
    mem = MEMORY_MIB * MiB
    if not 0.5 * mem <= total <= 1.5 * mem:
        return "data total %d is not about the guest's %d" % (total, mem)
    if processed > total * 1.01 or remaining > total * 1.01:
        return "processed %d / remaining %d beyond total %d" % (
            processed, remaining, total)
    if job_type == "Completed" and processed < 0.5 * mem:
        return "a completed save processed only %d bytes" % processed
    if "Time elapsed" not in info:
        return "no elapsed time"
    return None


def save_image(tap, d, path, what, *flags):
    r = d.virsh("save", NAME, path, *flags)
    return vstest.check_run(tap, r, "%s: virsh save %s" %
                            (what, " ".join(flags)))


def restore_image(tap, d, serial, path, what, *flags, state="running"):
    before = vstest.serial_offset(serial)
    r = d.virsh("restore", path, *flags)
    if not vstest.check_run(tap, r, "%s: virsh restore %s" %
                            (what, " ".join(flags))):
        return False
    st = domstate(d, reason=False)
    tap.ok(st == state, "%s: the domain is %s after the restore" %
           (what, state), st)
    if state == "running":
        return verify_after_restore(tap, serial, before, what)
    return True


def restore_for_retry(d, serial, path):
    """Restore @path, saved by an attempt that came too late, and wait
    for a verify pass; returns whether both worked and the image is gone.
    """
    before = vstest.serial_offset(serial)
    r = d.virsh("restore", path)
    if r.returncode != 0 or not vstest.wait_guest_passes(serial, before)[0]:
        return False
    vstest.remove_file(path)
    return True


def test_fast_save(tap, d, serial, images):
    what = "bypass-cache, 4 channels"
    path = os.path.join(images, "fast.save")
    t0 = time.monotonic()
    if not save_image(tap, d, path, what, *FAST):
        return
    tap.diag("save took %.1f s" % (time.monotonic() - t0))
    tap.ok(domstate(d) == "shut off (saved)",
           "%s: domstate says shut off (saved)" % what, domstate(d))
    r = d.virsh("list", "--all")
    tap.ok(re.search(r"-\s+%s\s+shut off" % NAME, r.stdout) is not None,
           "%s: list --all shows the saved domain shut off" % what, text(r))

    r = vstest.run_virtsave("image", "verify", path)
    tap.ok(r.returncode == 0, "%s: virtsave image verify" % what, text(r))
    info, r = vstest.image_info(path)
    tap.ok(isinstance(info, dict) and info.get("format") == "sparse" and
           info.get("complete") is True and info.get("was_running") is True,
           "%s: image info --json: sparse, complete, was running" % what,
           text(r))
    st = os.stat(path)
    tap.ok(vstest.allocated(path) < st.st_size,
           "%s: the image file has holes" % what,
           "size %d, allocated %d" % (st.st_size, vstest.allocated(path)))

    before = vstest.serial_offset(serial)
    t0 = time.monotonic()
    r = d.virsh("restore", path, *FAST)
    if not vstest.check_run(tap, r, "%s: virsh restore" % what):
        return
    tap.diag("restore took %.1f s" % (time.monotonic() - t0))
    tap.ok(domstate(d) == "running (restored)",
           "%s: domstate says running (restored)" % what, domstate(d))
    verify_after_restore(tap, serial, before, what)
    vstest.remove_file(path)


def test_verbose(tap, d, serial, images):
    what = "save --verbose"
    path = os.path.join(images, "verbose.save")
    # without -q: virsh prints its confirmation
    bg = Background(d, "save", NAME, path, "--verbose", *FAST, quiet=False)
    r = bg.wait()
    out = r.stdout + r.stderr
    vstest.check_run(tap, r, "%s: exits 0" % what)
    tap.ok("Save: [100.00 %]" in out,
           "%s: progress line 'Save: [100.00 %%]'" % what, text(r))
    tap.ok("Domain '%s' saved to %s" % (NAME, path) in out,
           "%s: 'Domain saved to' line" % what, text(r))
    restore_image(tap, d, serial, path, what, *FAST)
    vstest.remove_file(path)


def run_slow_save(d, path, flags, during):
    """Save with @flags; call @during(sample) for every domjobinfo sample.

    Samples domjobinfo from a second virsh while the save runs. Returns
    (save result, list of (seconds, domjobinfo result)).
    """
    bg = Background(d, "save", NAME, path, *flags)
    samples = []
    while bg.running():
        r = d.virsh("domjobinfo", NAME, timeout=30)
        samples.append((time.monotonic() - bg.started, r))
        if during is not None and r.returncode == 0:
            during(parse_jobinfo(r.stdout))
    return bg.wait(), samples


def test_jobinfo(tap, d, serial, images):
    what = "save in progress"
    path = os.path.join(images, "slow.save")
    seen = {}

    def during(info):
        if "good" in seen or sensible_save_job(info, "Unbounded"):
            return
        seen["good"] = info
        t0 = time.monotonic()
        seen["list"] = d.virsh("list", "--all", timeout=30)
        seen["list_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        seen["dominfo"] = d.virsh("dominfo", NAME, timeout=30)
        seen["dominfo_s"] = time.monotonic() - t0

    for attempt, flags in enumerate(SLOW_SAVES, 1):
        r, samples = run_slow_save(d, path, flags, during)
        tap.diag("attempt %d (%s): save took %.1f s, %d domjobinfo samples" %
                 (attempt, " ".join(flags),
                  samples[-1][0] if samples else 0, len(samples)))
        if r.returncode != 0 or "good" in seen or \
                attempt == len(SLOW_SAVES):
            break
        # the save was over before a sample caught it: go again
        if not restore_for_retry(d, serial, path):
            break

    vstest.check_run(tap, r, "%s: the slow save succeeds" % what)
    bad = [s for s in samples if s[1].returncode != 0]
    tap.ok(not bad, "%s: every domjobinfo during the save answered" % what,
           "\n".join("%.2f s: %s" % (t, text(x)) for t, x in bad[:3]))
    ops = [parse_jobinfo(x.stdout).get("Operation") for _t, x in samples
           if parse_jobinfo(x.stdout).get("Job type") == "Unbounded"]
    tap.ok(ops and all(op == "Save" for op in ops),
           "%s: every running job sample says Operation: Save" % what,
           repr(ops))
    good = seen.get("good")
    last = [x.stdout for _t, x in samples if x.returncode == 0][-1:]
    tap.ok(good is not None,
           "%s: domjobinfo shows Job type Unbounded, Operation Save and "
           "sensible data sizes" % what,
           "last sample:\n%s" % (last[0] if last else "none"))
    if good is not None:
        tap.diag("during the save: processed %s of %s, remaining %s" %
                 (good.get("Data processed"), good.get("Data total"),
                  good.get("Data remaining")))
        lr, dr = seen["list"], seen["dominfo"]
        tap.ok(lr.returncode == 0 and NAME in lr.stdout and
               seen["list_s"] < 2.5,
               "%s: list --all answers in %.2f s" % (what, seen["list_s"]),
               text(lr))
        tap.ok(dr.returncode == 0 and "Name:           %s" % NAME in
               dr.stdout and seen["dominfo_s"] < 2.5,
               "%s: dominfo answers in %.2f s" % (what, seen["dominfo_s"]),
               text(dr))
    else:
        tap.ok(False, "%s: list --all answers" % what, "no sample")
        tap.ok(False, "%s: dominfo answers" % what, "no sample")

    r = d.virsh("domjobinfo", NAME, "--completed")
    why = sensible_save_job(parse_jobinfo(r.stdout), "Completed")
    tap.ok(r.returncode == 0 and why is None,
           "%s: domjobinfo --completed shows the completed save" % what,
           "%s\n%s" % (why, text(r)))
    restore_image(tap, d, serial, path, what)
    vstest.remove_file(path)


def test_abort(tap, d, serial, images):
    what = "domjobabort"
    path = os.path.join(images, "aborted.save")
    for attempt, flags in enumerate(SLOW_SAVES, 1):
        bg = Background(d, "save", NAME, path, *flags)
        # until the save job begins, domjobabort fails: no job to abort
        abort = None
        deadline = time.monotonic() + 60
        while bg.running() and time.monotonic() < deadline:
            abort = d.virsh("domjobabort", NAME)
            if abort.returncode == 0:
                break
        r = bg.wait()
        if r.returncode != 0 or attempt == len(SLOW_SAVES):
            break
        tap.diag("attempt %d (%s): the save finished before the abort" %
                 (attempt, " ".join(flags)))
        if not restore_for_retry(d, serial, path):
            break

    tap.ok(abort is not None and abort.returncode == 0,
           "%s: virsh domjobabort while the save runs" % what,
           text(abort) if abort else "the save ended first")
    tap.ok(r.returncode != 0 and "operation aborted" in r.stderr,
           "%s: the save fails with 'operation aborted'" % what, text(r))
    tap.ok(domstate(d) == "running (save canceled)",
           "%s: the domain runs again: running (save canceled)" % what,
           domstate(d))
    tap.ok(files_in(images) == [], "%s: no image left" % what,
           files_in(images))
    ok, diag = vstest.wait_guest_passes(serial, vstest.serial_offset(serial))
    tap.ok(ok, "%s: the guest keeps verifying its memory" % what, diag)


def test_ctrl_c(tap, d, serial, images):
    """Ctrl-C typed at virsh: it aborts the job on its own connection.

    virsh reads the terminal raw once it sees the job running and takes
    a ^C byte as the interrupt, so the test types ^C into a pty until
    the save ends.
    """
    what = "Ctrl-C at virsh save"
    path = os.path.join(images, "interrupted.save")
    for attempt, flags in enumerate(SLOW_SAVES, 1):
        master, slave = pty.openpty()
        bg = Background(d, "save", NAME, path, *flags, stdin=slave)
        os.close(slave)
        sent = False
        deadline = time.monotonic() + 60
        while bg.running() and time.monotonic() < deadline:
            if not sent:
                info = parse_jobinfo(d.virsh("domjobinfo", NAME).stdout)
                sent = info.get("Job type") == "Unbounded"
            if sent:
                os.write(master, b"\x03")
                time.sleep(0.05)
        r = bg.wait()
        os.close(master)
        if r.returncode != 0 or attempt == len(SLOW_SAVES):
            break
        tap.diag("attempt %d (%s): the save finished before Ctrl-C" %
                 (attempt, " ".join(flags)))
        if not restore_for_retry(d, serial, path):
            break

    tap.ok(sent, "%s: Ctrl-C typed while the save runs" % what)
    tap.ok(r.returncode != 0 and "operation aborted" in r.stderr,
           "%s: the save fails with 'operation aborted'" % what, text(r))
    tap.ok(domstate(d) == "running (save canceled)",
           "%s: the domain runs again: running (save canceled)" % what,
           domstate(d))
    tap.ok(files_in(images) == [], "%s: no image left" % what,
           files_in(images))
    ok, diag = vstest.wait_guest_passes(serial, vstest.serial_offset(serial))
    tap.ok(ok, "%s: the guest keeps verifying its memory" % what, diag)


def test_errors(tap, d, serial, images):
    path = os.path.join(images, "err.save")
    cases = [
        (["save", NAME, path, "--parallel-channels", "2",
          "--image-format", "raw"],
         ["error: invalid argument: Parallel save is only supported with "
          "the 'sparse' save image format"]),
        (["save", NAME, path, "--parallel-channels", "0"],
         ["error: invalid argument: number of parallel save channels "
          "cannot be less than 1"]),
        (["save", NAME, path, "--image-format", "foo"],
         ["error: operation failed: Invalid image_format 'foo'"]),
    ]
    missing = os.path.join(images, "missing.save")
    cases.append((["restore", missing],
                  ["error: Failed to open file '%s': No such file or "
                   "directory" % missing]))
    corrupt_dir = os.path.join(d.root, "corrupt")
    os.makedirs(corrupt_dir)
    corrupt = os.path.join(corrupt_dir, "corrupt.save")
    with open(corrupt, "wb") as f:
        f.write(b"NotAVirtSaveImg!" + bytes(range(76)) + b"\0" * 4004)
    # virtsaved names the file before libvirt's text
    magic = ["error: operation failed: ", "image magic is incorrect"]
    cases.append((["restore", corrupt], magic))
    cases.append((["restore", corrupt, "--bypass-cache",
                   "--parallel-channels", "4"], magic))

    for args, want in cases:
        what = " ".join(a.replace(d.root, "ROOT") for a in args)
        r = d.virsh(*args)
        tap.ok(r.returncode == 1 and all(w in r.stderr for w in want),
               "%s: fails with '%s'" % (what, want[-1]), text(r))
        st = domstate(d, reason=False)
        left = files_in(images) + [f for f in files_in(corrupt_dir)
                                   if f != "corrupt.save"]
        tap.ok(st == "running" and left == [],
               "%s: the guest still runs, no file left" % what,
               "state %s, files %r" % (st, left))
    ok, diag = vstest.wait_guest_passes(serial, vstest.serial_offset(serial))
    tap.ok(ok, "after the errors the guest keeps verifying its memory", diag)


def rewrite_memory(xml, kib):
    xml = re.sub(r"<memory[^>]*>\d+</memory>",
                 "<memory unit='KiB'>%d</memory>" % kib, xml)
    return re.sub(r"<currentMemory[^>]*>\d+</currentMemory>",
                  "<currentMemory unit='KiB'>%d</currentMemory>" % kib, xml)


def test_image_xml(tap, d, serial, images):
    what = "save-image"
    path = os.path.join(images, "xml.save")
    if not save_image(tap, d, path, what, *FAST):
        return
    r = d.virsh("save-image-dumpxml", path)
    vstest.check_run(tap, r, "save-image-dumpxml shows the domain XML",
                     stdout="<name>%s</name>" % NAME)
    xml = r.stdout
    tap.ok("<description>" not in xml, "the saved XML has no description",
           xml)

    defined = re.sub(r"(<name>[^<]*</name>)",
                     r"\1\n  <description>set by define</description>",
                     xml, count=1)
    xml_path = os.path.join(d.root, "image-define.xml")
    with open(xml_path, "w") as f:
        f.write(defined)
    r = d.virsh("save-image-define", path, xml_path)
    vstest.check_run(tap, r, "save-image-define with a new description")
    r = d.virsh("save-image-dumpxml", path)
    vstest.check_run(tap, r, "save-image-dumpxml shows the new description",
                     stdout="<description>set by define</description>")
    r = vstest.run_virtsave("image", "verify", path)
    tap.ok(r.returncode == 0, "the redefined image passes virtsave image "
           "verify", text(r))

    bad_path = os.path.join(d.root, "image-define-bad.xml")
    with open(bad_path, "w") as f:
        f.write(rewrite_memory(defined, MEMORY_MIB * 1024 // 2))
    before = open(path, "rb").read(1 << 20)
    r = d.virsh("save-image-define", path, bad_path)
    tap.ok(r.returncode == 1 and "does not match" in r.stderr and
           "memory" in r.stderr,
           "save-image-define with another <memory> is refused: "
           "'does not match'", text(r))
    tap.diag(r.stderr.strip())
    tap.ok(open(path, "rb").read(1 << 20) == before,
           "the refused define left the image unchanged")

    editor = os.path.join(d.root, "editor.sh")
    with open(editor, "w") as f:
        f.write(EDITOR)
    os.chmod(editor, 0o755)
    r = d.virsh("save-image-edit", path,
                env={"EDITOR": editor, "VISUAL": editor})
    vstest.check_run(tap, r, "save-image-edit with an editor script")
    r = d.virsh("save-image-dumpxml", path)
    vstest.check_run(tap, r, "save-image-dumpxml shows the edited description",
                     stdout="<description>edited by the editor</description>")

    if restore_image(tap, d, serial, path, what, *FAST):
        r = d.virsh("dumpxml", NAME)
        vstest.check_run(
            tap, r, "the restored domain has the edited description",
            stdout="<description>edited by the editor</description>")
    vstest.remove_file(path)


def test_paused(tap, d, serial, images):
    what = "paused guest"
    path = os.path.join(images, "paused.save")
    vstest.check_run(tap, d.virsh("suspend", NAME), "%s: virsh suspend" % what)
    if not save_image(tap, d, path, what, *FAST):
        return
    info, r = vstest.image_info(path)
    tap.ok(isinstance(info, dict) and info.get("was_running") is False,
           "%s: the image says it was not running" % what, text(r))
    if not restore_image(tap, d, serial, path, what, *FAST, state="paused"):
        return
    before = vstest.serial_offset(serial)
    ok, _diag = vstest.wait_guest_passes(serial, before, timeout=4)
    tap.ok(not ok, "%s: no verify pass while restored paused" % what,
           "%d passes" % vstest.guest_passes(serial, before))
    vstest.remove_file(path)
    if not save_image(tap, d, path, what + " again", *FAST):
        return
    restore_image(tap, d, serial, path, what, *FAST, "--running")
    vstest.remove_file(path)


def test_managedsave(tap, d, serial):
    what = "managedsave"
    before = vstest.serial_offset(serial)
    r = d.virsh("managedsave", NAME)
    if not vstest.check_run(tap, r, "virsh managedsave"):
        return
    r = d.virsh("list", "--all")
    tap.ok(re.search(r"-\s+%s\s+shut off" % NAME, r.stdout) is not None,
           "%s: list --all shows it shut off" % what, text(r))
    r = d.virsh("dominfo", NAME)
    vstest.check_run(tap, r, "%s: dominfo says 'Managed save: yes'" % what,
                     stdout="Managed save:   yes")
    image = find_file(d.root, NAME + ".save")
    tap.ok(image is not None, "%s: the managed image exists" % what)
    if image is not None:
        info, r = vstest.image_info(image)
        tap.ok(isinstance(info, dict) and info.get("complete") is True,
               "%s: the managed image is complete" % what, text(r))

    r = d.virsh("start", NAME)
    if not vstest.check_run(tap, r, "%s: virsh start restores it" % what):
        return
    tap.ok(domstate(d) == "running (restored)",
           "%s: domstate says running (restored)" % what, domstate(d))
    ok, diag = vstest.wait_guest_passes(serial, before, 2)
    tap.ok(ok, "%s: the guest verifies its memory after start" % what, diag)
    tap.ok(image is not None and not os.path.exists(image),
           "%s: the managed image is gone" % what, image)
    r = d.virsh("dominfo", NAME)
    vstest.check_run(tap, r, "%s: dominfo says 'Managed save: no'" % what,
                     stdout="Managed save:   no")


def run(tap, d):
    serial = os.path.join(d.root, "serial.log")
    images = os.path.join(d.root, "images")
    os.makedirs(images)
    xml = vstest.domain_xml(NAME, serial, memory_mib=MEMORY_MIB,
                            cmdline=CMDLINE, serial_append=True)
    xml_path = os.path.join(d.root, NAME + ".xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    vstest.check_run(tap, d.virsh("define", xml_path), "virsh define")
    if not vstest.check_run(tap, d.virsh("start", NAME), "virsh start"):
        return
    ok, diag = vstest.wait_guest_passes(serial, timeout=180)
    if not tap.ok(ok, "the guest verifies its memory after boot", diag):
        return

    for step in (test_fast_save, test_verbose, test_jobinfo, test_abort,
                 test_ctrl_c, test_errors, test_image_xml, test_paused):
        t0 = time.monotonic()
        step(tap, d, serial, images)
        tap.diag("%s: %.1f s" % (step.__name__, time.monotonic() - t0))
        if domstate(d, reason=False) not in ("running", "paused"):
            tap.diag("the domain is %s; stopping here" % domstate(d))
            return
    test_managedsave(tap, d, serial)

    vstest.check_run(tap, d.virsh("destroy", NAME), "virsh destroy")
    tap.ok(domstate(d) == "shut off (destroyed)",
           "domstate: shut off (destroyed)", domstate(d))
    vstest.check_run(tap, d.virsh("undefine", NAME), "virsh undefine")
    vstest.check_run(tap, d.virsh("dominfo", NAME), "the domain is gone",
                     want_rc=1,
                     stderr="error: failed to get domain '%s'" % NAME)


def main():
    if not os.path.exists(vstest.guest_kernel()):
        vstest.TAP().skip_all("the test guest is not built")
    tap = vstest.TAP()
    t0 = time.monotonic()
    d = vstest.Daemon().start()
    try:
        run(tap, d)
    finally:
        d.virsh("destroy", NAME)
        d.virsh("undefine", NAME, "--managed-save")
        status = d.stop()
        tap.ok(status == 0, "daemon exits 0 on SIGTERM", d.output())
        d.cleanup()
    tap.diag("total %.1f s" % (time.monotonic() - t0))
    tap.exit()


if __name__ == "__main__":
    main()
