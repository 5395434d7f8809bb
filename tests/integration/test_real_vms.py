#!/usr/bin/env python3
"""The VMs virt-install makes: define, start, save, restore, verify.

SPDX-License-Identifier: LGPL-2.1-or-later

Each profile starts from the XML virt-install 4.1 printed for it
(tests/integration/data/virt-install, refreshed by
refresh_virtinst_xml.py) with only what the test machine needs changed:
its own name, UUID and disk image, and

- bios-server (q35, SeaBIOS, VNC, pty console, guest agent channel):
  the ring-3 test guest as a direct kernel boot, read through the pty
  that `virsh ttyconsole` names; it must go on verifying its memory
  after the restore;
- uefi-desktop (OVMF with Secure Boot, SPICE, virtio video, spicevmc,
  tablet, ich9 sound, USB redirection) and win11 (OVMF, Hyper-V
  enlightenments, SATA disk, qxl): boot to the firmware, which writes
  its variables; the NVRAM file must hold the same bytes after the
  restore, survive a second start, and go back to the template with
  --reset-nvram.

Secure Boot OVMF needs SMM, which a nested KVM may lack, so the UEFI
profiles run under TCG; host-passthrough keeps its meaning under KVM
(less 'arch-capabilities', which nested KVM refuses). The UEFI profiles
keep their TPM 2.0 (swtpm): its state directory is emptied while the
guest is saved, and the restore must bring the TPM state back from the
image.

After each restore (sparse, --bypass-cache --parallel-channels 4) the
display answers on the port `virsh domdisplay` names (RFB greeting for
VNC, a SPICE link reply), the guest agent socket accepts. Bad input: a
missing firmware file and a taken port each fail the start with one
error naming the element, leaving the domain shut off.

Prints TAP. VS_TEST_KEEP=1 keeps the work directory.
"""

import os
import re
import select
import shutil
import socket
import struct
import sys
import tempfile
import time
import tty
import uuid as uuidlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vstest  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                    "virt-install")
GUEST_OPTIONS = "seed=11 fill=50"
OK_RE = re.compile(r"VSGUEST VERIFY OK pass=(\d+)")
BAD_RE = re.compile(r"VSGUEST (VERIFY BAD|FAULT|ERROR)\b")
SAVE_OPTS = ("--image-format", "sparse", "--parallel-channels", "4",
             "--bypass-cache")
UEFI_TIMEOUT = 240 if vstest.accel() == "tcg" else 120


def result_text(r):
    return ("rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr)).strip()


def profile_xml(profile, name, disk, kvm):
    """The virt-install XML of @profile made runnable here."""
    with open(os.path.join(DATA, profile + ".xml")) as f:
        xml = f.read()
    uefi = 'firmware="efi"' in xml
    xml = re.sub(r"<name>[^<]*</name>", "<name>%s</name>" % name, xml, 1)
    xml = re.sub(r"<uuid>[^<]*</uuid>", "<uuid>%s</uuid>" % uuidlib.uuid4(),
                 xml, 1)
    xml = re.sub(r"/var/lib/libvirt/images/[^\"']+\.qcow2", disk, xml)
    if uefi or not kvm:
        xml = xml.replace('<domain type="kvm">', '<domain type="qemu">')
        xml = re.sub(r"\s*<cpu mode=\"host-passthrough\"/>", "", xml)
    else:
        xml = xml.replace(
            '<cpu mode="host-passthrough"/>',
            '<cpu mode="host-passthrough">\n'
            '    <feature policy="disable" name="arch-capabilities"/>\n'
            '  </cpu>')
    if not uefi:
        xml = xml.replace(
            "<boot dev=\"hd\"/>",
            "<kernel>%s</kernel>\n    <cmdline>%s</cmdline>\n"
            "    <boot dev=\"hd\"/>" % (vstest.guest_kernel(), GUEST_OPTIONS))
    return xml, uefi


def live_xml(daemon, name):
    return daemon.virsh("dumpxml", name).stdout


def rfb_greeting(host, port):
    """The first bytes a VNC server sends: 'RFB 003.008\\n'."""
    with socket.create_connection((host, port), timeout=10) as s:
        return s.recv(12)


def rfb_security_types(host, port):
    """The security types a VNC server offers (1: none, 2: VNC auth)."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.recv(12)
        s.sendall(b"RFB 003.008\n")
        n = s.recv(1)
        return list(s.recv(n[0])) if n else []


def spice_link(host, port):
    """Send a SPICE link message for the main channel; return the
    server's reply header (magic 'REDQ')."""
    mess = struct.pack("<IBBIII", 0, 1, 0, 0, 0, 18)
    hdr = struct.pack("<4sIII", b"REDQ", 2, 2, len(mess))
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(hdr + mess)
        return s.recv(16)


def check_display(tap, daemon, name, what):
    """domdisplay names a port that answers with its protocol."""
    r = daemon.virsh("domdisplay", name)
    m = re.match(r"(vnc|spice)://([\d.]+):(\d+)", r.stdout.strip())
    if not tap.ok(r.returncode == 0 and m is not None,
                  "%s: domdisplay names the display %s" % (name, what),
                  result_text(r)):
        return None
    proto, host, port = m.group(1), m.group(2), int(m.group(3))
    if proto == "vnc":
        port += 5900
        greet = rfb_greeting(host, port)
        tap.ok(greet.startswith(b"RFB 003."),
               "%s: VNC on %s:%d sends the RFB greeting %s" %
               (name, host, port, what), repr(greet))
        r = daemon.virsh("vncdisplay", name)
        tap.ok(r.returncode == 0 and
               r.stdout.strip() == "%s:%d" % (host, port - 5900),
               "%s: vncdisplay agrees %s" % (name, what), result_text(r))
    else:
        reply = spice_link(host, port)
        tap.ok(reply[:4] == b"REDQ",
               "%s: SPICE on %s:%d answers the link message %s" %
               (name, host, port, what), repr(reply))
    return port


def check_agent(tap, daemon, name, what):
    xml = live_xml(daemon, name)
    m = re.search(r"<source mode='bind' path='([^']+)'/>\s*"
                  r"<target type='virtio' name='org.qemu.guest_agent.0'",
                  xml)
    if not tap.ok(m is not None, "%s: live XML names the guest agent "
                  "socket %s" % (name, what), xml[-2000:]):
        return
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect(m.group(1))
        ok = True
        err = ""
    except OSError as e:
        ok = False
        err = str(e)
    finally:
        s.close()
    tap.ok(ok, "%s: the guest agent socket accepts %s" % (name, what), err)


class Pty:
    """Reads the guest's serial port through the pty QEMU opened."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        self.data = ""

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if r:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            self.data += chunk.decode("utf-8", "replace")

    def wait_ok(self, offset, timeout, after=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.5)
            text = self.data[offset:]
            if BAD_RE.search(text):
                return None, "guest reported: " + BAD_RE.search(text).group(0)
            for m in OK_RE.finditer(text):
                if after is None or int(m.group(1)) > after:
                    return int(m.group(1)), "pass=%s" % m.group(1)
        return None, "no VERIFY OK; tail:\n" + self.data[-800:]

    def close(self):
        os.close(self.fd)


def open_console(tap, daemon, name):
    """ttyconsole and the live XML name the same pty; open it."""
    r = daemon.virsh("ttyconsole", name)
    pty = r.stdout.strip()
    xml = live_xml(daemon, name)
    ok = (r.returncode == 0 and pty.startswith("/dev/pts/") and
          ("<console type='pty' tty='%s'>" % pty) in xml and
          ("<source path='%s'/>" % pty) in xml)
    if not tap.ok(ok, "%s: ttyconsole and live XML name pty %s" %
                  (name, pty), result_text(r)):
        return None
    return Pty(pty)


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def nvram_paths(daemon, name):
    xml = daemon.virsh("dumpxml", "--inactive", name).stdout
    m = re.search(r"<nvram template='([^']+)'[^>]*>([^<]+)</nvram>", xml)
    return (m.group(2), m.group(1)) if m else (None, None)


def wait_nvram_written(path, template, timeout):
    """OVMF writes its variables at boot; wait until the file differs
    from the template and stops changing."""
    deadline = time.monotonic() + timeout
    last = None
    stable = 0
    while time.monotonic() < deadline:
        cur = read_file(path)
        if cur is not None and cur != template:
            stable = stable + 1 if cur == last else 0
            if stable >= 6:
                return cur
        last = cur
        time.sleep(1)
    return last


def run_bios(tap, daemon, name, work):
    r = daemon.virsh("start", "--paused", name)
    if not tap.ok(r.returncode == 0, "%s: starts paused" % name,
                  result_text(r)):
        return
    pty = open_console(tap, daemon, name)
    r = daemon.virsh("resume", name)
    tap.ok(r.returncode == 0, "%s: resumes" % name, result_text(r))
    if pty:
        got, msg = pty.wait_ok(0, 120)
        tap.ok(got is not None, "%s: test guest verifies its memory "
               "through the pty console (%s)" % (name, msg))
    check_display(tap, daemon, name, "after start")
    check_agent(tap, daemon, name, "after start")

    img = os.path.join(work, name + ".img")
    last = None
    if pty:
        pty.pump(0.1)
        found = OK_RE.findall(pty.data)
        last = int(found[-1]) if found else None
        pty.close()
    r = daemon.virsh("save", name, img, *SAVE_OPTS)
    tap.ok(r.returncode == 0, "%s: save %s" % (name, " ".join(SAVE_OPTS)),
           result_text(r))
    r = daemon.virsh("restore", img, "--paused")
    if not tap.ok(r.returncode == 0, "%s: restore (paused)" % name,
                  result_text(r)):
        return
    pty = open_console(tap, daemon, name)
    daemon.virsh("resume", name)
    if pty:
        got, msg = pty.wait_ok(len(pty.data), 120, after=last)
        tap.ok(got is not None, "%s: test guest goes on after the restore "
               "(%s, saved after pass %s)" % (name, msg, last))
        pty.close()
    check_display(tap, daemon, name, "after restore")
    check_agent(tap, daemon, name, "after restore")


def tpm_state_dir(daemon, name):
    uuid = daemon.virsh("domuuid", name).stdout.strip()
    return os.path.join(daemon.root, "lib", "swtpm", uuid, "tpm2")


def swtpm_running(tpmdir):
    """Whether an swtpm process serves the state in @tpmdir."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"swtpm") and any(
                tpmdir.encode() in a for a in args):
            return True
    return False


def run_uefi(tap, daemon, name, work):
    nvram, template_path = nvram_paths(daemon, name)
    if not tap.ok(nvram is not None, "%s: the definition names the "
                  "firmware's NVRAM and its template" % name):
        return
    template = read_file(template_path)
    tap.ok(read_file(nvram) is None, "%s: no NVRAM file before the first "
           "start" % name)
    r = daemon.virsh("start", name)
    if not tap.ok(r.returncode == 0, "%s: starts" % name, result_text(r)):
        return
    tap.ok(read_file(nvram) is not None, "%s: NVRAM file created from its "
           "template" % name)
    check_display(tap, daemon, name, "after start")
    before = wait_nvram_written(nvram, template, UEFI_TIMEOUT)
    tap.ok(before is not None and before != template,
           "%s: the firmware ran and wrote its variables" % name)

    tpmdir = tpm_state_dir(daemon, name)
    tap.ok(os.path.exists(os.path.join(tpmdir, "tpm2-00.permall")),
           "%s: swtpm keeps the TPM state in %s" % (name, tpmdir))

    img = os.path.join(work, name + ".img")
    r = daemon.virsh("save", name, img, *SAVE_OPTS)
    tap.ok(r.returncode == 0, "%s: save %s" % (name, " ".join(SAVE_OPTS)),
           result_text(r))
    tap.ok(not swtpm_running(tpmdir), "%s: swtpm ends with the saved "
           "guest" % name)
    # The image alone must carry the TPM.
    shutil.rmtree(tpmdir, ignore_errors=True)
    r = daemon.virsh("restore", img, "--paused")
    if not tap.ok(r.returncode == 0, "%s: restore" % name, result_text(r)):
        return
    tap.ok(swtpm_running(tpmdir) and
           os.path.exists(os.path.join(tpmdir, "tpm2-00.permall")),
           "%s: the restore brings the TPM state back from the image" % name)
    tap.ok(read_file(nvram) == before, "%s: the NVRAM holds the variables "
           "written before the save" % name)
    r = daemon.virsh("resume", name)
    tap.ok(r.returncode == 0, "%s: resumes after restore" % name,
           result_text(r))
    state = daemon.virsh("domstate", name).stdout.strip()
    tap.ok(state == "running", "%s: running after restore" % name, state)
    check_display(tap, daemon, name, "after restore")

    daemon.virsh("destroy", name)
    r = daemon.virsh("start", "--paused", name)
    tap.ok(r.returncode == 0 and read_file(nvram) not in (None, template),
           "%s: a second start keeps the NVRAM file" % name, result_text(r))
    daemon.virsh("destroy", name)
    r = daemon.virsh("start", "--paused", "--reset-nvram", name)
    tap.ok(r.returncode == 0 and read_file(nvram) == template,
           "%s: start --reset-nvram copies the template again" % name,
           result_text(r))


def run_profile(tap, daemon, profile, work, kvm):
    name = "vsreal-%s-%d" % (profile, os.getpid())
    disk = os.path.join(work, name + ".qcow2")
    vstest_qemu_img(disk)
    xml, uefi = profile_xml(profile, name, disk, kvm)
    path = os.path.join(work, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    r = daemon.virsh("define", path)
    if not tap.ok(r.returncode == 0, "%s: virt-install XML defines" % name,
                  result_text(r)):
        return
    inactive = daemon.virsh("dumpxml", "--inactive", name).stdout
    tap.ok("machine='pc-q35-" in inactive,
           "%s: the stored XML holds the versioned machine type" % name)
    try:
        if uefi:
            run_uefi(tap, daemon, name, work)
        else:
            run_bios(tap, daemon, name, work)
    finally:
        daemon.virsh("destroy", name)
        if uefi:
            check_undefine(tap, daemon, name)
        daemon.virsh("undefine", "--nvram", name)


def check_undefine(tap, daemon, name):
    """libvirt's rules: the NVRAM file blocks a plain undefine; --nvram
    removes it, and the TPM state goes too."""
    nvram, _ = nvram_paths(daemon, name)
    tpmdir = tpm_state_dir(daemon, name)
    r = daemon.virsh("undefine", name)
    tap.ok(r.returncode != 0 and "nvram" in r.stderr,
           "%s: undefine without --nvram is refused" % name, result_text(r))
    r = daemon.virsh("undefine", "--nvram", name)
    tap.ok(r.returncode == 0 and not os.path.exists(nvram) and
           not os.path.exists(os.path.dirname(tpmdir)),
           "%s: undefine --nvram removes the NVRAM file and TPM state" % name,
           result_text(r))


def vstest_qemu_img(path):
    import subprocess
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, "64M"],
                   check=True)


def check_bad_input(tap, daemon, work, kvm):
    """One clear error naming the element; the domain stays shut off."""
    name = "vsreal-bad-%d" % os.getpid()
    disk = os.path.join(work, name + ".qcow2")
    vstest_qemu_img(disk)
    with open(os.path.join(DATA, "uefi-desktop.xml")) as f:
        full = f.read()
    xml, _ = profile_xml("uefi-desktop", name, disk, kvm)
    path = os.path.join(work, name + ".xml")

    tpm = re.sub(r"<name>[^<]*</name>", "<name>%s</name>" % name, full, 1)
    tpm = tpm.replace('<backend type="emulator"/>',
                      '<backend type="emulator" version="1.2"/>')
    with open(path, "w") as f:
        f.write(tpm)
    r = daemon.virsh("define", path)
    tap.ok(r.returncode != 0 and "/domain/devices/tpm" in r.stderr,
           "a TPM 1.2 is refused by name", result_text(r))

    missing = xml.replace(
        "<boot dev=\"hd\"/>",
        "<loader readonly=\"yes\" type=\"pflash\">%s/no-such-OVMF_CODE.fd"
        "</loader>\n    <boot dev=\"hd\"/>" % work)
    with open(path, "w") as f:
        f.write(missing)
    r = daemon.virsh("define", path)
    tap.ok(r.returncode == 0, "a definition with a missing loader file is "
           "accepted", result_text(r))
    r = daemon.virsh("start", name)
    state = daemon.virsh("domstate", name).stdout.strip()
    tap.ok(r.returncode != 0 and "/domain/os/loader" in r.stderr and
           state == "shut off",
           "a missing firmware file fails the start by name, nothing runs",
           result_text(r) + "\nstate: " + state)
    daemon.virsh("undefine", "--nvram", name)

    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    xml, _ = profile_xml("bios-server", name, disk, kvm)
    xml = re.sub(r"<graphics type=\"vnc\"[^>]*/>",
                 "<graphics type=\"vnc\" port=\"%d\" autoport=\"no\"/>" %
                 port, xml)
    with open(path, "w") as f:
        f.write(xml)
    daemon.virsh("define", path)
    r = daemon.virsh("start", name)
    state = daemon.virsh("domstate", name).stdout.strip()
    tap.ok(r.returncode != 0 and "graphics" in r.stderr and
           str(port) in r.stderr and state == "shut off",
           "a taken display port fails the start by name, nothing runs",
           result_text(r) + "\nstate: " + state)
    taken.close()
    daemon.virsh("undefine", name)


def check_two_displays(tap, daemon, work, kvm):
    """Two running domains with autoport get different ports."""
    names = []
    for i in range(2):
        name = "vsreal-ports%d-%d" % (i, os.getpid())
        disk = os.path.join(work, name + ".qcow2")
        vstest_qemu_img(disk)
        xml, _ = profile_xml("bios-server", name, disk, kvm)
        if i == 0:
            xml = xml.replace('<graphics type="vnc" port="-1"/>',
                              '<graphics type="vnc" port="-1" '
                              'passwd="vs-secret"/>')
        path = os.path.join(work, name + ".xml")
        with open(path, "w") as f:
            f.write(xml)
        daemon.virsh("define", path)
        daemon.virsh("start", "--paused", name)
        names.append(name)
    shown = [daemon.virsh("domdisplay", n).stdout.strip() for n in names]
    tap.ok(all(s.startswith("vnc://") for s in shown) and
           shown[0] != shown[1],
           "two domains get different VNC ports", repr(shown))
    plain = daemon.virsh("dumpxml", names[0]).stdout
    secure = daemon.virsh("dumpxml", "--security-info", names[0]).stdout
    tap.ok("vs-secret" not in plain and "passwd='vs-secret'" in secure,
           "the VNC password shows only with --security-info")
    ports = [int(re.search(r"port='(\d+)'", daemon.virsh(
        "dumpxml", n).stdout[daemon.virsh("dumpxml", n).stdout.index(
            "<graphics"):]).group(1)) for n in names]
    types = [rfb_security_types("127.0.0.1", p) for p in ports]
    tap.ok(types[0] == [2] and types[1] == [1],
           "VNC asks for the password only where one is set", repr(types))
    for n in names:
        daemon.virsh("destroy", n)
        daemon.virsh("undefine", n)


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("test guest not built")
    for prog in ("virsh", "qemu-img"):
        if not shutil.which(prog):
            tap.skip_all("%s is not installed" % prog)
    if not os.path.exists("/usr/share/qemu/firmware"):
        tap.skip_all("no QEMU firmware descriptors (ovmf not installed)")
    kvm = vstest.accel() == "kvm"
    work = tempfile.mkdtemp(prefix="vsreal-%d-" % os.getpid())
    daemon = vstest.Daemon(root=os.path.join(work, "root"))
    os.makedirs(daemon.root)
    try:
        daemon.start()
        for profile in ("bios-server", "uefi-desktop", "win11"):
            run_profile(tap, daemon, profile, work, kvm)
        check_two_displays(tap, daemon, work, kvm)
        check_bad_input(tap, daemon, work, kvm)
    finally:
        daemon.stop()
        if not os.environ.get("VS_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            tap.diag("kept %s" % work)
    tap.exit()


if __name__ == "__main__":
    main()
