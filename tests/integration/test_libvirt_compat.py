#!/usr/bin/env python3
"""Save image compatibility with the real libvirt, in both directions.

SPDX-License-Identifier: LGPL-2.1-or-later

A private libvirtd (see libvirtd_private.py) boots the test guest and
writes save images in the sparse format with two channels and bypassing
the page cache, sparse with one channel, and raw. libvirtd restores each
of them itself (sanity), then virtsaved restores each. The other way,
virtsaved writes sparse images with four channels and bypassing the
cache, sparse with one channel, raw, and raw bypassing the cache, and
libvirtd restores each.

After every restore the guest must print a new "VSGUEST VERIFY OK" line
on its serial port, which appends to one file across all processes: it
re-checked every word it filled before the save, without rebooting.

VMs as virt-install 4.1 makes them (the BIOS server profile of
test_real_vms.py: q35, VNC, pty console, guest agent channel, tablet,
virtio video, root ports, and a NIC of type 'bridge'; and the UEFI
desktop: OVMF with Secure Boot,
SPICE, virtio video, spicevmc, tablet, ich9 sound, USB redirection,
without its TPM) are then saved by each daemon (sparse, --bypass-cache,
four channels) and restored by the other; the test guest must go on
verifying its RAM, the firmware's variables must stay in the NVRAM, and
the display must answer. Each daemon makes the bridged NIC's tap on the
same bridge, removes it with the saved guest, and the restoring daemon
puts a tap of its own on that bridge.

The test runs in a network namespace of its own (it starts itself again
under `ip netns exec`), with the bridge and no uplink, so both daemons
make their taps there and no traffic leaves it.

Prints TAP. Set VS_TEST_KEEP=1 to keep the images and logs.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libvirtd_private  # noqa: E402
import test_real_vms  # noqa: E402
import vstest  # noqa: E402

NAME = "vscompat"
BRIDGE = "vscbr0"
BRIDGE_ADDR = "10.0.78.1/24"
MEMORY_MIB = 256
GUEST_OPTIONS = "seed=7 fill=50"

OK_RE = r"^VSGUEST VERIFY OK pass=(\d+)"
BAD_RE = re.compile(r"^VSGUEST (VERIFY BAD|FAULT|ERROR)\b.*$", re.M)
BOOT_RE = re.compile(r"^VSGUEST BOOT\b", re.M)

# libvirt's images: (file, virsh save options)
LIBVIRT_IMAGES = (
    ("libvirt-sparse-2ch-direct.img",
     ("--image-format", "sparse", "--parallel-channels", "2",
      "--bypass-cache")),
    ("libvirt-sparse-1ch.img", ("--image-format", "sparse")),
    ("libvirt-raw.img", ()),
)

# virtsave's images
VIRTSAVE_IMAGES = (
    ("virtsave-sparse-4ch-direct.img",
     ("--image-format", "sparse", "--parallel-channels", "4",
      "--bypass-cache")),
    ("virtsave-sparse-1ch.img", ("--image-format", "sparse")),
    ("virtsave-raw.img", ()),
    ("virtsave-raw-direct.img", ("--bypass-cache",)),
)

# restore options for each image (the channel count need not match the
# one used for saving; see docs/compatibility.md)
RESTORE_FLAGS = {
    "libvirt-sparse-2ch-direct.img": ("--bypass-cache",
                                      "--parallel-channels", "2"),
    "libvirt-sparse-1ch.img": (),
    "libvirt-raw.img": (),
    "virtsave-sparse-4ch-direct.img": ("--bypass-cache",
                                       "--parallel-channels", "4"),
    "virtsave-sparse-1ch.img": (),
    "virtsave-raw.img": (),
    "virtsave-raw-direct.img": ("--bypass-cache",),
}

EXPECTED_FORMAT = {
    "libvirt-sparse-2ch-direct.img": "sparse",
    "libvirt-sparse-1ch.img": "sparse",
    "libvirt-raw.img": "raw",
}


def slow():
    return vstest.accel() != "kvm"


def boot_timeout():
    return 600.0 if slow() else 180.0


def verify_timeout():
    return 300.0 if slow() else 90.0


def domain_xml(serial, kernel, uuid):
    """The test guest as libvirt and virtsave both accept it.

    Under KVM the CPU is passed through, less 'arch-capabilities': a
    nested KVM may refuse that MSR, and the guest does not use it.
    """
    if vstest.accel() == "kvm":
        dtype = "kvm"
        cpu = ("  <cpu mode='host-passthrough'>\n"
               "    <feature policy='disable' name='arch-capabilities'/>\n"
               "  </cpu>\n")
    else:
        dtype = "qemu"
        cpu = ""
    return """<domain type='{type}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>{mem}</memory>
  <currentMemory unit='MiB'>{mem}</currentMemory>
  <vcpu>1</vcpu>
{cpu}  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <cmdline>{opts}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='{serial}' append='on'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
""".format(type=dtype, name=NAME, uuid=uuid, mem=MEMORY_MIB, cpu=cpu,
           kernel=kernel, opts=GUEST_OPTIONS, serial=serial)


def find_guest(work, tap):
    """The test guest from the build tree, else built from tests/guest."""
    kernel = vstest.guest_kernel()
    if os.path.exists(kernel):
        return kernel
    script = os.path.join(vstest.source_root(), "tests", "guest", "build.sh")
    if not os.path.exists(script):
        return None
    outdir = os.path.join(work, "guest")
    os.makedirs(outdir, exist_ok=True)
    r = subprocess.run(["sh", script, outdir], capture_output=True,
                       text=True, timeout=300)
    kernel = os.path.join(outdir, "vsguest.elf")
    if r.returncode != 0 or not os.path.exists(kernel):
        tap.diag("building the test guest failed:\n" + r.stdout + r.stderr)
        return None
    tap.diag("the build tree has no vsguest.elf; built it with build.sh")
    return kernel


class Serial:
    """The guest's serial file, shared by every QEMU that runs it."""

    def __init__(self, path):
        self.path = path

    def size(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def text(self, offset=0):
        try:
            with open(self.path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def tail(self, offset=0, lines=12):
        return "\n".join(self.text(offset).splitlines()[-lines:])

    def wait_ok(self, offset, timeout):
        """Wait for a VERIFY OK line after @offset.

        Returns (ok, message): ok only if the line came, with no failure
        report and no reboot of the guest in between.
        """
        m = vstest.wait_for_serial(self.path, OK_RE, timeout=timeout,
                                   offset=offset)
        text = self.text(offset)
        bad = BAD_RE.search(text)
        if bad:
            return False, "guest reported: %s" % bad.group(0)
        if m is None:
            return False, "no VERIFY OK within %gs; serial tail:\n%s" % (
                timeout, self.tail(offset))
        return True, "pass=%s" % m.group(1)

    def wait_ok_after_restore(self, offset, timeout, last_pass):
        """Like wait_ok(), and the guest must not have rebooted: its pass
        counter, kept in its RAM, goes on from where it was saved."""
        ok, msg = self.wait_ok(offset, timeout)
        if not ok:
            return ok, msg
        if BOOT_RE.search(self.text(offset)):
            return False, "the guest booted again instead of resuming"
        got = int(msg.split("=")[1])
        if last_pass is not None and got <= last_pass:
            return False, "pass counter went back: %d after %d" % (
                got, last_pass)
        return True, msg

    def last_pass(self):
        found = re.findall(r"VSGUEST VERIFY OK pass=(\d+)", self.text())
        return int(found[-1]) if found else None


def qemu_argv_libvirt(log):
    """The last QEMU command line libvirt logged, as a list of words."""
    try:
        with open(log, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    start = None
    for i, line in enumerate(lines):
        if re.match(r"^\S*qemu-system-\S+ \\$", line):
            start = i
    if start is None:
        return []
    words = []
    for line in lines[start:]:
        cont = line.endswith(" \\")
        words.extend(shlex.split(line[:-2] if cont else line))
        if not cont:
            break
    return words


def qemu_argv_virtsave(log):
    """The last QEMU command line virtsave logged, as a list of words."""
    try:
        with open(log, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    found = [ln for ln in lines if re.match(r"^\S*qemu-system-\S+ ", ln)]
    return shlex.split(found[-1]) if found else []


def argv_options(words):
    """QEMU argv as 'option value' strings, for a set difference."""
    opts = []
    i = 1
    while i < len(words):
        w = words[i]
        if w.startswith("-") and i + 1 < len(words) and \
                not words[i + 1].startswith("-"):
            opts.append("%s %s" % (w, words[i + 1]))
            i += 2
        else:
            opts.append(w)
            i += 1
    return opts


def argv_diff(libvirt_words, virtsave_words):
    a = argv_options(libvirt_words)
    b = argv_options(virtsave_words)
    out = ["only in libvirt's QEMU command line:"]
    out += ["  " + o for o in a if o not in b]
    out += ["only in virtsave's QEMU command line:"]
    out += ["  " + o for o in b if o not in a]
    return "\n".join(out)


def virtsave_tool(*args, timeout=120):
    tool = os.path.join(vstest.build_root(), "tools", "virtsave")
    try:
        return subprocess.run([tool] + [str(a) for a in args],
                              capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -9, "", "(timed out)")


def domain_gone(virsh_fn, timeout=30.0):
    """Wait until the transient domain no longer exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = virsh_fn("domstate", NAME, timeout=30)
        if r.returncode != 0:
            return True
        time.sleep(0.2)
    return False


def result_text(r):
    return ("exit %d\nstdout: %s\nstderr: %s" %
            (r.returncode, r.stdout.strip(), r.stderr.strip()))


def save_images(tap, side, virsh_fn, xml_path, serial, work, images):
    """Boot the guest fresh for each image and save it with @virsh_fn.

    A fresh boot per image keeps each save independent of the migration
    settings a previous restore left in QEMU. Returns {file: the guest's
    last pass number before the save} for the files made.
    """
    made = {}
    for fname, opts in images:
        path = os.path.join(work, fname)
        desc = "%s: save %s (%s)" % (side, fname, " ".join(opts) or
                                     "default format")
        off = serial.size()
        r = virsh_fn("create", xml_path, timeout=120)
        if not tap.ok(r.returncode == 0, "%s: boot the guest for %s" %
                      (side, fname), result_text(r)):
            continue
        ok, msg = serial.wait_ok(off, boot_timeout())
        if not tap.ok(ok, "%s: guest verifies its RAM before %s" %
                      (side, fname), msg):
            virsh_fn("destroy", NAME, timeout=60)
            continue
        before = serial.last_pass()
        r = virsh_fn("save", NAME, path, *opts, timeout=600)
        saved = r.returncode == 0 and os.path.exists(path)
        tap.ok(saved, desc, result_text(r))
        if saved:
            made[fname] = before
            tap.ok(domain_gone(virsh_fn),
                   "%s: the domain is gone after saving %s" % (side, fname))
        else:
            virsh_fn("destroy", NAME, timeout=60)
    return made


def restore_image(tap, side, virsh_fn, serial, path, flags, last_pass,
                  on_fail=None):
    """Restore @path with @virsh_fn; check the guest verifies its RAM.

    @last_pass: the guest's pass number when the image was saved
    """
    fname = os.path.basename(path)
    off = serial.size()
    r = virsh_fn("restore", path, *flags, timeout=600)
    desc = "%s: restore %s%s" % (side, fname,
                                 (" " + " ".join(flags)) if flags else "")
    if not tap.ok(r.returncode == 0, desc, result_text(r)):
        if on_fail:
            tap.diag(on_fail())
        return
    ok, msg = serial.wait_ok_after_restore(off, verify_timeout(), last_pass)
    tap.ok(ok, "%s: guest memory intact after restoring %s (%s)" %
           (side, fname, msg), msg)
    r = virsh_fn("destroy", NAME, timeout=60)
    tap.ok(r.returncode == 0 and domain_gone(virsh_fn),
           "%s: destroy the guest restored from %s" % (side, fname),
           result_text(r))


def check_image_tool(tap, path):
    fname = os.path.basename(path)
    r = virtsave_tool("image", "info", "--json", path)
    if not tap.ok(r.returncode == 0, "virtsave image info %s" % fname,
                  result_text(r)):
        return
    want = EXPECTED_FORMAT.get(fname)
    try:
        info = json.loads(r.stdout)
    except ValueError:
        info = None
    fmt = None
    if isinstance(info, dict):
        fmt = info.get("format")
        if isinstance(info.get("header"), dict):
            fmt = fmt or info["header"].get("format")
    tap.ok(want is None or fmt == want,
           "virtsave image info names %s's format %s" % (fname, want),
           "got %r from:\n%s" % (fmt, r.stdout[:2000]))
    r = virtsave_tool("image", "verify", path)
    tap.ok(r.returncode == 0, "virtsave image verify %s" % fname,
           result_text(r))


def real_vm_xml(work, name):
    """The virt-install XML of the BIOS server profile (VNC, pty console,
    guest agent channel, tablet, virtio video, 14 root ports), with the
    test guest as a direct kernel boot, as both daemons run it."""
    disk = os.path.join(work, name + ".qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "64M"],
                   check=True)
    xml, _ = test_real_vms.profile_xml("bios-server", name, disk,
                                       vstest.accel() == "kvm")
    xml = xml.replace("</devices>",
                      "  <interface type='bridge'>\n"
                      "      <source bridge='%s'/>\n"
                      "      <model type='virtio'/>\n"
                      "    </interface>\n"
                      "  </devices>" % BRIDGE, 1)
    path = os.path.join(work, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    return path


def bridge_ports():
    return sorted(os.listdir("/sys/class/net/%s/brif" % BRIDGE))


def check_tap(tap, side, daemon, name, what):
    """The domain's one tap is the bridge's one port."""
    r = daemon.virsh("domiflist", name)
    devs = [line.split()[0] for line in r.stdout.splitlines()
            if len(line.split()) >= 3 and line.split()[1] == "bridge"]
    tap.ok(len(devs) == 1 and bridge_ports() == devs,
           "%s: %s, the bridged NIC's tap %s is the port of %s" %
           (side, what, devs, BRIDGE), "%s ports %s" % (r.stdout,
                                                       bridge_ports()))


def real_vm_boot(tap, side, daemon, name):
    """Start paused, attach to the pty console, resume, wait for a pass.

    Returns the guest's last pass number, or None."""
    r = daemon.virsh("start", "--paused", name)
    if not tap.ok(r.returncode == 0, "%s: start the virt-install VM" % side,
                  result_text(r)):
        return None
    check_tap(tap, side, daemon, name, "after start")
    pty = test_real_vms.open_console(tap, daemon, name)
    daemon.virsh("resume", name)
    if pty is None:
        return None
    got, msg = pty.wait_ok(0, boot_timeout())
    tap.ok(got is not None, "%s: the virt-install VM verifies its RAM (%s)" %
           (side, msg))
    pty.pump(0.2)
    found = test_real_vms.OK_RE.findall(pty.data)
    pty.close()
    return int(found[-1]) if found else None


def real_vm_restore(tap, side, daemon, name, img, last):
    """Restore @img paused, resume, check the guest goes on and the
    display answers."""
    r = daemon.virsh("restore", img, "--paused", timeout=600)
    if not tap.ok(r.returncode == 0, "%s: restore the virt-install VM" % side,
                  result_text(r)):
        return
    pty = test_real_vms.open_console(tap, daemon, name)
    daemon.virsh("resume", name)
    if pty is not None:
        got, msg = pty.wait_ok(0, verify_timeout(), after=last)
        tap.ok(got is not None, "%s: the virt-install VM goes on after the "
               "restore (%s, saved after pass %s)" % (side, msg, last))
        pty.close()
    test_real_vms.check_display(tap, daemon, name, "after the restore")
    check_tap(tap, side, daemon, name, "after the restore")
    r = daemon.virsh("destroy", name)
    tap.ok(r.returncode == 0, "%s: destroy the restored VM" % side,
           result_text(r))


def check_real_vm(tap, lv, vs, work):
    """A VM as virt-install makes it, saved by one daemon and restored by
    the other, both ways."""
    name = "vscompat-real-%d" % os.getpid()
    path = real_vm_xml(work, name)
    for src, dst, tag in ((lv, vs, "libvirt->virtsave"),
                          (vs, lv, "virtsave->libvirt")):
        img = os.path.join(work, "%s-%s.img" % (name, tag.split("-")[0]))
        r = src.virsh("define", path)
        if not tap.ok(r.returncode == 0, "%s: define the virt-install VM" %
                      tag, result_text(r)):
            continue
        last = real_vm_boot(tap, tag, src, name)
        r = src.virsh("save", name, img, *test_real_vms.SAVE_OPTS,
                      timeout=600)
        saved = tap.ok(r.returncode == 0, "%s: save the virt-install VM %s" %
                       (tag, " ".join(test_real_vms.SAVE_OPTS)),
                       result_text(r))
        tap.ok(bridge_ports() == [], "%s: the saved VM's tap is gone" % tag,
               str(bridge_ports()))
        src.virsh("destroy", name)
        src.virsh("undefine", name)
        if saved:
            real_vm_restore(tap, tag, dst, name, img, last)


def uefi_vm_xml(work, name):
    """The UEFI desktop profile of test_real_vms.py (OVMF with Secure
    Boot, SPICE, virtio video, spicevmc, tablet, ich9 sound, USB
    redirection) without its TPM: libvirt's swtpm would log outside the
    private daemon's directories. TCG, for SMM."""
    disk = os.path.join(work, name + ".qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "64M"],
                   check=True)
    xml, _ = test_real_vms.profile_xml("uefi-desktop", name, disk, False)
    xml = re.sub(r"\s*<tpm model=.*?</tpm>", "", xml, flags=re.S)
    path = os.path.join(work, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    return path


def check_uefi_vm(tap, lv, vs, work):
    """The UEFI desktop saved by one daemon and restored by the other.

    The image XML names the NVRAM file of the daemon that saved it; for
    libvirt's that path exists only inside its private mount namespace,
    so virtsave restores it with --xml naming the same file as seen from
    outside (NVRAM paths are host details the ABI check allows)."""
    name = "vscompat-uefi-%d" % os.getpid()
    path = uefi_vm_xml(work, name)
    for src, dst, tag in ((lv, vs, "libvirt->virtsave"),
                          (vs, lv, "virtsave->libvirt")):
        img = os.path.join(work, "%s-%s.img" % (name, tag.split("-")[0]))
        r = src.virsh("define", path)
        if not tap.ok(r.returncode == 0, "%s: define the UEFI desktop" % tag,
                      result_text(r)):
            continue
        r = src.virsh("start", name)
        tap.ok(r.returncode == 0, "%s: start the UEFI desktop" % tag,
               result_text(r))
        nvram, template = test_real_vms.nvram_paths(src, name)
        if src is lv:
            nvram = nvram.replace("/var/lib/libvirt/",
                                  os.path.join(lv.root, "lib") + "/")
        template = test_real_vms.read_file(template)
        written = test_real_vms.wait_nvram_written(
            nvram, template, test_real_vms.UEFI_TIMEOUT)
        tap.ok(written not in (None, template), "%s: the firmware runs and "
               "writes its variables" % tag)
        r = src.virsh("save", name, img, *test_real_vms.SAVE_OPTS,
                      timeout=600)
        saved = tap.ok(r.returncode == 0, "%s: save the UEFI desktop %s" %
                       (tag, " ".join(test_real_vms.SAVE_OPTS)),
                       result_text(r))
        src.virsh("destroy", name)
        flags = ()
        if src is lv and saved:
            xml = src.virsh("save-image-dumpxml", "--security-info",
                            img).stdout
            xml = xml.replace("/var/lib/libvirt/",
                              os.path.join(lv.root, "lib") + "/")
            xml_path = os.path.join(work, name + "-restore.xml")
            with open(xml_path, "w") as f:
                f.write(xml)
            flags = ("--xml", xml_path)
        if saved:
            r = dst.virsh("restore", img, "--paused", *flags, timeout=600)
            tap.ok(r.returncode == 0, "%s: restore the UEFI desktop" % tag,
                   result_text(r))
            tap.ok(test_real_vms.read_file(nvram) == written,
                   "%s: the NVRAM keeps the firmware's variables" % tag)
            dst.virsh("resume", name)
            state = dst.virsh("domstate", name).stdout.strip()
            tap.ok(state == "running", "%s: the UEFI desktop runs after the "
                   "restore" % tag, state)
            test_real_vms.check_display(tap, dst, name, "after the restore")
            dst.virsh("destroy", name)
        src.virsh("undefine", "--nvram", name)


def main():
    reason = libvirtd_private.unavailable_reason()
    if not reason:
        vstest.in_own_netns("vscompat", BRIDGE, BRIDGE_ADDR)
    tap = vstest.TAP()
    if reason:
        print("#" * 70 + "\n# SKIPPING libvirt compatibility: %s\n" % reason +
              "#" * 70, flush=True)
        tap.skip_all(reason)
    if shutil.which("qemu-system-x86_64") is None:
        tap.skip_all("qemu-system-x86_64 is not installed")

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="vscompat-")
    lv = None
    vs = None
    try:
        kernel = find_guest(work, tap)
        if not tap.ok(kernel is not None, "test guest vsguest.elf available"):
            return tap
        tap.diag("accelerator: %s" % vstest.accel())
        serial = Serial(os.path.join(work, "serial.log"))
        xml_path = os.path.join(work, "domain.xml")
        with open(xml_path, "w") as f:
            f.write(domain_xml(serial.path, kernel, str(uuidlib.uuid4())))

        # -- libvirt makes its images and restores them itself ----------
        lv = libvirtd_private.Libvirtd(os.path.join(work, "libvirtd"))
        os.makedirs(lv.root)
        try:
            lv.start()
            started_lv = True
        except RuntimeError as e:
            started_lv = False
            tap.ok(False, "start a private libvirtd", str(e))
        if started_lv:
            tap.ok(True, "start a private libvirtd")
            r = lv.virsh("version")
            tap.diag(r.stdout.strip())

            def lv_cmdline():
                return "libvirt's QEMU log:\n" + "\n".join(
                    open(lv.qemu_log(NAME), errors="replace")
                    .read().splitlines()[-15:]) \
                    if os.path.exists(lv.qemu_log(NAME)) else "(no log)"

            lv_made = save_images(tap, "libvirt", lv.virsh, xml_path,
                                  serial, work, LIBVIRT_IMAGES)
            for fname in lv_made:
                restore_image(tap, "libvirt", lv.virsh, serial,
                              os.path.join(work, fname),
                              RESTORE_FLAGS[fname], lv_made[fname],
                              lv_cmdline)
        else:
            lv_made = {}

        # -- virtsave reads libvirt's images -------------------------------
        vs = vstest.Daemon(os.path.join(work, "virtsaved"))
        os.makedirs(vs.root)
        try:
            vs.start()
            started_vs = tap.ok(True, "start virtsaved")
        except RuntimeError as e:
            started_vs = tap.ok(False, "start virtsaved", str(e))

        def vs_cmdline():
            log = os.path.join(vs.root, "log", "qemu", "%s.log" % NAME)
            try:
                with open(log, errors="replace") as f:
                    return "virtsave's QEMU log:\n" + "\n".join(
                        f.read().splitlines()[-10:])
            except OSError:
                return "(no virtsave QEMU log)"

        for fname in lv_made:
            path = os.path.join(work, fname)
            check_image_tool(tap, path)
            if started_vs:
                restore_image(tap, "libvirt->virtsave", vs.virsh, serial,
                              path, RESTORE_FLAGS[fname], lv_made[fname],
                              vs_cmdline)
        # another channel count than the save used, and buffered reads of
        # an image written with direct I/O
        if started_vs and "libvirt-sparse-2ch-direct.img" in lv_made:
            restore_image(tap, "libvirt->virtsave", vs.virsh, serial,
                          os.path.join(work, "libvirt-sparse-2ch-direct.img"),
                          ("--parallel-channels", "3"),
                          lv_made["libvirt-sparse-2ch-direct.img"],
                          vs_cmdline)
        # a raw image may also be read bypassing the cache
        if started_vs and "libvirt-raw.img" in lv_made:
            restore_image(tap, "libvirt->virtsave", vs.virsh, serial,
                          os.path.join(work, "libvirt-raw.img"),
                          ("--bypass-cache",), lv_made["libvirt-raw.img"],
                          vs_cmdline)

        # -- libvirt reads virtsave's images -------------------------------
        vs_made = {}
        if started_vs:
            vs_made = save_images(tap, "virtsave", vs.virsh, xml_path,
                                  serial, work, VIRTSAVE_IMAGES)
        vs_argv = qemu_argv_virtsave(
            os.path.join(vs.root, "log", "qemu", "%s.log" % NAME))
        for fname in vs_made:
            path = os.path.join(work, fname)
            if not started_lv:
                tap.ok(False, "virtsave->libvirt: restore %s" % fname,
                       "libvirtd did not start")
                continue

            def diff():
                return "%s\n%s" % (lv_cmdline(), argv_diff(
                    qemu_argv_libvirt(lv.qemu_log(NAME)), vs_argv))

            restore_image(tap, "virtsave->libvirt", lv.virsh, serial, path,
                          RESTORE_FLAGS[fname], vs_made[fname], diff)

        # -- a VM as virt-install makes it, both ways ----------------------
        if started_lv and started_vs:
            check_real_vm(tap, lv, vs, work)
            check_uefi_vm(tap, lv, vs, work)
    finally:
        if vs is not None:
            vs.stop()
        if lv is not None:
            lv.stop()
        if os.environ.get("VS_TEST_KEEP"):
            tap.diag("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
        tap.diag("runtime %.0fs" % (time.monotonic() - started))
    return tap


if __name__ == "__main__":
    main().exit()
