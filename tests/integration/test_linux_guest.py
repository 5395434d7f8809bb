#!/usr/bin/env python3
"""The Linux test guest in each virt-install profile: save and restore.

SPDX-License-Identifier: LGPL-2.1-or-later

The domains are the XML virt-install 4.1 printed for a BIOS Debian
server, a UEFI Debian desktop and Windows 11
(tests/integration/data/virt-install: q35, VNC or SPICE, a pty console,
the guest agent channel for the Debian ones, virtio or qxl video, USB
tablet, sound and TPM for the UEFI ones), made runnable as
test_real_vms.py makes them, with:

- the Linux test guest (linuxguest.py) booted directly with
  <kernel>, <initrd> and <cmdline> (by OVMF with Secure Boot in the
  UEFI profiles); it reports on a second serial port written to a file
  (ttyS1), the kernel console stays on the pty;
- its qcow2 disk (virtio, or SATA in the Windows profile) on a raw
  backing file (qemu-img create -b) whose first MiB hold blocks written
  here, which the guest verifies, while it rewrites and verifies the
  area after them with O_DIRECT all the time;
- a NIC of type 'bridge' (virtio, or e1000e for Windows, as virt-install
  chooses) on a bridge the test makes in a network namespace of its own
  (no uplink: no traffic leaves the namespace); the guest pings the
  bridge's address every second, and after the restore the new tap must
  be a port of the same bridge;
- qemu-ga in the guest on the agent channel.

Each starts, waits until memory, disk and network checks have passed
and the guest agent answers, saves (sparse, --bypass-cache
--parallel-channels 4) while the disk and memory checkers run, restores,
and requires two more passes of each checker without a bad word or
block, the display to answer on its port (RFB greeting, SPICE link
reply), and the agent to answer guest-ping and guest-info (through virsh
qemu-agent-command, or on the channel's socket when the daemon does not
pass agent commands). The UEFI profiles must keep their NVRAM variables
and get their TPM state back from the image alone. The BIOS server then
saves again and the disk chain is read on the host: the backing area
still holds its blocks and every rewritten block is a whole block of
one generation (the save flushed the disk). Last, while the guest is
saved, one backing-area block is changed in the overlay and one word of
the guest's memory pattern in the save image; after the restore the
guest must report both, which shows that its checks can fail.

A minimal domain from linuxguest.domain_xml() boots first.

The BIOS server runs under KVM when linuxguest.accel() finds that KVM
boots the guest here, and then once more under TCG; otherwise, and for
the UEFI profiles always, under TCG. The whole test
runs inside its network namespace (it starts itself again under
`ip netns exec`), so the daemon makes its taps there and the VNC port
is reached there. Prints TAP; VS_TEST_KEEP=1 keeps the work directory.
"""

import json
import mmap
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linuxguest  # noqa: E402
import test_real_vms as realvms  # noqa: E402
import vstest  # noqa: E402

SEED = 0x5eed
MEMORY_MIB = 256
FILL_MIB = 150
DISK_BASE_MIB = 4
DISK_RW_MIB = 8
DISK_MIB = 16
SAVE_OPTS = ("--image-format", "sparse", "--parallel-channels", "4",
             "--bypass-cache")
TIMEOUT = 600
BRIDGE = "vslgbr0"
BRIDGE_ADDR = "10.0.77.1"
GUEST_ADDR = "10.0.77.15/24"


def result_text(r):
    return ("rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr)).strip()


# What each virt-install profile needs beyond its own XML: the NIC
# model virt-install picks for the OS (virtio for Debian; Windows 11 has
# no virtio driver of its own, so e1000e) and the disk's name in the
# guest (the Windows profile's disk is on SATA).
PROFILES = {
    "bios-server": {"nic": "virtio", "disk": "vda"},
    "uefi-desktop": {"nic": "virtio", "disk": "vda"},
    "win11": {"nic": "e1000e", "disk": "sda"},
}


def guest_xml(profile, name, disk, report, kvm):
    """@profile as test_real_vms makes it, booting the Linux guest."""
    xml, uefi = realvms.profile_xml(profile, name, disk, kvm)
    kernel, initrd = linuxguest.build()
    line = linuxguest.cmdline(seed=SEED, mem=FILL_MIB,
                              disk=PROFILES[profile]["disk"],
                              diskbase=DISK_BASE_MIB, diskrw=DISK_RW_MIB,
                              net=GUEST_ADDR, peer=BRIDGE_ADDR,
                              report="ttyS1", console="ttyS0")
    # bios-server boots the ring-3 guest: drop it. The firmware of the
    # UEFI profiles loads the kernel as well (QEMU's fw_cfg).
    xml = re.sub(r"<kernel>[^<]*</kernel>\s*<cmdline>[^<]*</cmdline>\s*",
                 "", xml, count=1)
    xml, n = re.subn(r'<boot dev="hd"/>',
                     "<kernel>%s</kernel>\n    <initrd>%s</initrd>\n"
                     "    <cmdline>%s</cmdline>\n    <boot dev=\"hd\"/>" %
                     (kernel, initrd, line), xml, count=1)
    assert n == 1, "%s.xml has no <boot dev='hd'/>" % profile
    # The console mirrors serial port 0, the pty; port 1 is the report.
    devices = ("    <serial type='pty'>\n"
               "      <target port='0'/>\n"
               "    </serial>\n"
               "    <serial type='file'>\n"
               "      <source path='%s' append='on'/>\n"
               "      <target port='1'/>\n"
               "    </serial>\n"
               "    <interface type='bridge'>\n"
               "      <source bridge='%s'/>\n"
               "      <model type='%s'/>\n"
               "    </interface>\n"
               "  </devices>" % (report, BRIDGE, PROFILES[profile]["nic"]))
    return xml.replace("</devices>", devices, 1), uefi


def bridge_ports():
    return sorted(os.listdir("/sys/class/net/%s/brif" % BRIDGE))


def tap_of(daemon, name):
    r = daemon.virsh("domiflist", name)
    for line in r.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "bridge":
            return fields[0]
    return None


def check_bridged(tap, daemon, name, when):
    dev = tap_of(daemon, name)
    ports = bridge_ports()
    tap.ok(dev is not None and dev in ports, "%s: %s, its tap %s is a port "
           "of %s" % (name, when, dev, BRIDGE), "ports: %s" % ports)


def make_disk(work, name):
    """A raw backing file with the guest's generation-0 blocks and a
    qcow2 overlay on it."""
    backing = os.path.join(work, name + "-base.raw")
    linuxguest.write_backing(backing, SEED, DISK_BASE_MIB, DISK_MIB)
    disk = os.path.join(work, name + ".qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
                    "-b", backing, disk], check=True)
    return disk


def agent_call_daemon(daemon, name, command):
    """One guest agent command through virsh qemu-agent-command: its
    'return', or NotImplemented when the daemon does not pass agent
    commands (then the test talks to the socket itself)."""
    r = daemon.virsh("qemu-agent-command", name,
                     json.dumps({"execute": command}), "--timeout", "60")
    if r.returncode != 0:
        # Without the libvirt-qemu program, or without agent support.
        if "Cannot find program" in r.stderr or "not supported" in r.stderr:
            return NotImplemented
        raise OSError("qemu-agent-command %s: %s" % (command,
                                                     r.stderr.strip()))
    return json.loads(r.stdout).get("return")


def agent_call(path, command):
    """One guest agent command over the channel's socket; its 'return'."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(60)
        s.connect(path)
        token = os.getpid() & 0x7fffffff
        s.sendall(json.dumps({"execute": "guest-sync",
                              "arguments": {"id": token}}).encode() + b"\n")
        s.sendall(json.dumps({"execute": command}).encode() + b"\n")
        data = b""
        replies = []
        while len(replies) < 2:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            while b"\n" in data:
                line, data = data.split(b"\n", 1)
                line = line.strip(b"\xff \r")
                if line:
                    replies.append(json.loads(line))
        replies = [r for r in replies if r.get("return") != token]
        return replies[0].get("return") if replies else None


def check_agent(tap, daemon, name, what):
    xml = daemon.virsh("dumpxml", name).stdout
    m = re.search(r"<source mode='bind' path='([^']+)'/>\s*"
                  r"<target type='virtio' name='org.qemu.guest_agent.0'",
                  xml)
    if not tap.ok(m is not None, "%s: live XML names the guest agent "
                  "socket %s" % (name, what), xml[-2000:]):
        return
    try:
        ping = agent_call_daemon(daemon, name, "guest-ping")
        if ping is NotImplemented:
            how = "on its socket"
            ping = agent_call(m.group(1), "guest-ping")
            info = agent_call(m.group(1), "guest-info")
        else:
            how = "through qemu-agent-command"
            info = agent_call_daemon(daemon, name, "guest-info")
        err = ""
    except (OSError, ValueError) as e:
        ping = info = None
        how = ""
        err = str(e)
    tap.ok(ping == {}, "%s: qemu-ga answers guest-ping %s %s" %
           (name, how, what), err or repr(ping))
    tap.ok(isinstance(info, dict) and "version" in info,
           "%s: qemu-ga answers guest-info %s %s (version %s)" %
           (name, how, what, info.get("version") if info else None),
           err or repr(info)[:300])


def check_disk_image(tap, name, disk, work):
    """The image on the host: backing blocks intact, rewritten blocks
    whole (one generation each, no torn block)."""
    raw = os.path.join(work, name + "-check.raw")
    r = subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw",
                        disk, raw], capture_output=True, text=True)
    if not tap.ok(r.returncode == 0, "%s: qemu-img reads the disk chain" %
                  name, r.stderr):
        return
    bad = []
    with open(raw, "rb") as f:
        base_blocks = DISK_BASE_MIB * 1024 * 1024 // linuxguest.BLOCK
        rw_blocks = DISK_RW_MIB * 1024 * 1024 // linuxguest.BLOCK
        for b in range(base_blocks + rw_blocks):
            data = f.read(linuxguest.BLOCK)
            if b < base_blocks:
                if data != linuxguest._block_bytes(SEED, b, 0):
                    bad.append("base block %d" % b)
                continue
            first = struct.unpack_from("<Q", data)[0]
            words = [(first + j * linuxguest.GOLDEN) & linuxguest.MASK
                     for j in range(linuxguest.BLOCK // 8)]
            if data != struct.pack("<%dQ" % len(words), *words):
                bad.append("block %d" % b)
    os.unlink(raw)
    tap.ok(not bad, "%s: on the host, the %d MiB from the backing file and "
           "the %d MiB the guest rewrote are whole blocks" %
           (name, DISK_BASE_MIB, DISK_RW_MIB), ", ".join(bad[:10]))


def check_firmware(tap, daemon, name):
    """A UEFI profile while the guest runs: the NVRAM file came from its
    template and the firmware wrote its variables; swtpm keeps the TPM
    state. Returns the NVRAM's path and content, or (None, None)."""
    nvram, template = realvms.nvram_paths(daemon, name)
    if not tap.ok(nvram is not None, "%s: the definition names the "
                  "firmware's NVRAM and its template" % name):
        return None, None
    content = realvms.read_file(nvram)
    tap.ok(content is not None and
           content != realvms.read_file(template),
           "%s: the firmware booted the kernel and wrote its variables to "
           "%s" % (name, nvram))
    tpmdir = realvms.tpm_state_dir(daemon, name)
    tap.ok(realvms.swtpm_running(tpmdir) and
           os.path.exists(os.path.join(tpmdir, "tpm2-00.permall")),
           "%s: swtpm keeps the TPM state in %s" % (name, tpmdir))
    return nvram, content


def wait_ready(tap, name, report):
    """The guest booted and each of its checkers passed once."""
    ready = True
    for what, pattern in (("boots", r"LGUEST READY"),
                          ("verifies its memory", r"LGMEM PASS n=1\b"),
                          ("verifies its disk", r"LGDISK PASS n=1\b"),
                          ("reaches its gateway", r"LGNET OK n=\d+")):
        m = linuxguest.wait_for(report, pattern, timeout=TIMEOUT)
        ready = tap.ok(m is not None, "%s: the Linux guest %s" %
                       (name, what),
                       linuxguest._log(report)[-1500:]) and ready
    return ready


def check_devices(tap, daemon, name, agent, what):
    realvms.check_display(tap, daemon, name, what)
    if agent:
        check_agent(tap, daemon, name, what)
    check_bridged(tap, daemon, name, what)


def run(tap, daemon, work, profile, kvm):
    """@profile's virt-install XML booting the Linux guest: start, save,
    restore and check memory, disk, network, display, agent, and for the
    UEFI profiles the NVRAM and the TPM state."""
    tag = "kvm" if kvm else "tcg"
    name = "vslinux-%s-%s-%d" % (profile, tag, os.getpid())
    report = os.path.join(work, name + ".serial")
    disk = make_disk(work, name)
    xml, uefi = guest_xml(profile, name, disk, report, kvm)
    agent = "org.qemu.guest_agent.0" in xml
    path = os.path.join(work, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    r = daemon.virsh("define", path)
    if not tap.ok(r.returncode == 0, "%s: %s XML with the Linux guest "
                  "defines" % (name, profile), result_text(r)):
        return
    try:
        r = daemon.virsh("start", name)
        if not tap.ok(r.returncode == 0, "%s: starts" % name,
                      result_text(r)):
            return
        if not wait_ready(tap, name, report):
            return
        before = linuxguest.progress(report)
        tap.ok(not before["bad"], "%s: no check failed before the save" %
               name, "\n".join(before["bad"][:10]))
        if uefi:
            nvram, variables = check_firmware(tap, daemon, name)
        check_devices(tap, daemon, name, agent, "after start")

        img = os.path.join(work, name + ".img")
        r = daemon.virsh("save", name, img, *SAVE_OPTS)
        # The guest runs on while its memory is copied: what it reports
        # is complete only once QEMU is gone.
        before = linuxguest.progress(report)
        tap.ok(r.returncode == 0, "%s: save %s (memory pass %d, disk pass "
               "%d, ping %d)" % (name, " ".join(SAVE_OPTS), before["mem"],
                                 before["disk"], before["net"]),
               result_text(r))
        r = daemon.virsh("domstate", name)
        tap.ok(r.stdout.strip() == "shut off", "%s: shut off after the "
               "save" % name, result_text(r))
        if uefi:
            tpmdir = realvms.tpm_state_dir(daemon, name)
            tap.ok(not realvms.swtpm_running(tpmdir), "%s: swtpm ends with "
                   "the saved guest" % name)
            # The image alone must carry the TPM.
            shutil.rmtree(tpmdir, ignore_errors=True)
        r = daemon.virsh("restore", img)
        if not tap.ok(r.returncode == 0, "%s: restore" % name,
                      result_text(r)):
            return
        ok, why = linuxguest.check_progress(report, before, timeout=TIMEOUT)
        after = linuxguest.progress(report)
        tap.ok(ok, "%s: after the restore the guest verified all its memory "
               "and disk and reached its gateway again (memory pass %d, "
               "disk pass %d, ping %d)" % (name, after["mem"], after["disk"],
                                           after["net"]), why)
        check_devices(tap, daemon, name, agent, "after restore")
        if uefi:
            tap.ok(nvram is not None and
                   realvms.read_file(nvram) == variables,
                   "%s: the NVRAM holds the variables written before the "
                   "save" % name)
            tap.ok(realvms.swtpm_running(tpmdir) and os.path.exists(
                   os.path.join(tpmdir, "tpm2-00.permall")),
                   "%s: the restore brings the TPM state back from the "
                   "image" % name)
        if profile == "bios-server":
            check_tampered(tap, daemon, name, disk, img, report, work)
    finally:
        daemon.virsh("destroy", name)
        daemon.virsh("undefine", "--nvram", name)


def flip_memory_word(img, index):
    """Find word @index of the guest's filled memory in the save image
    and flip its bytes; False if it is not there exactly once."""
    needle = struct.pack("<Q", linuxguest.memory_word(SEED, index))
    with open(img, "r+b") as f:
        with mmap.mmap(f.fileno(), 0) as m:
            at = m.find(needle)
            if at < 0 or m.find(needle, at + 1) >= 0:
                return False
            m[at:at + 8] = bytes(b ^ 0xFF for b in needle)
            m.flush()
    return True


def check_tampered(tap, daemon, name, disk, img, report, work):
    """Save again: the image on the host holds whole blocks while the
    guest is saved. Then change one backing-area block in the overlay and
    one word of the checked memory in the save image; after the restore
    the guest must report both."""
    os.unlink(img)
    r = daemon.virsh("save", name, img, *SAVE_OPTS)
    if not tap.ok(r.returncode == 0, "%s: second save" % name,
                  result_text(r)):
        return
    before = linuxguest.progress(report)
    check_disk_image(tap, name, disk, work)
    offset = linuxguest.BLOCK
    r = subprocess.run(["qemu-io", "-f", "qcow2",
                        "-c", "write -P 0x5a %d 4096" % offset,
                        "-c", "read -P 0x5a %d 4096" % offset, disk],
                       capture_output=True, text=True)
    tap.ok(r.returncode == 0 and "Pattern verification failed" not in
           r.stdout and r.stdout.count("ops/sec") == 2,
           "%s: one block changed in the overlay while the guest is saved" %
           name, r.stdout + r.stderr)
    word = FILL_MIB * 1024 * 1024 // 8 // 3
    tap.ok(flip_memory_word(img, word), "%s: word %d of the guest's "
           "pattern found once in the save image and changed" % (name, word))
    r = daemon.virsh("restore", img)
    if not tap.ok(r.returncode == 0, "%s: restore after the changes" % name,
                  result_text(r)):
        return
    for what, pattern in (("block", r"LGDISK BAD .*block=1 "),
                          ("memory word", r"LGMEM BAD .*word=%d " % word)):
        m = linuxguest.wait_for(report, pattern, timeout=TIMEOUT,
                                offset=before["size"])
        tap.ok(m is not None, "%s: the guest finds the changed %s" %
               (name, what), "log tail:\n" + linuxguest._log(report)[-800:])


def run_minimal(tap, daemon, work):
    """linuxguest.domain_xml() as other tests use it: the guest with no
    disk and no NIC boots and verifies its memory."""
    name = "vslinux-min-%d" % os.getpid()
    report = os.path.join(work, name + ".serial")
    path = os.path.join(work, name + ".xml")
    with open(path, "w") as f:
        f.write(linuxguest.domain_xml(name, report, memory_mib=128,
                                      cmdline=linuxguest.cmdline(seed=3,
                                                                 mem=32)))
    r = daemon.virsh("define", path)
    if not tap.ok(r.returncode == 0, "%s: linuxguest.domain_xml() "
                  "defines" % name, result_text(r)):
        return
    try:
        r = daemon.virsh("start", name)
        tap.ok(r.returncode == 0, "%s: starts" % name, result_text(r))
        m = linuxguest.wait_for(report, r"LGMEM PASS n=2\b", timeout=TIMEOUT)
        tap.ok(m is not None and not linuxguest.progress(report)["bad"],
               "%s: the guest boots and verifies its memory" % name,
               linuxguest._log(report)[-1500:])
    finally:
        daemon.virsh("destroy", name)
        daemon.virsh("undefine", name)


def main():
    vstest.in_own_netns("vslg", BRIDGE, BRIDGE_ADDR + "/24")
    tap = vstest.TAP()
    why = linuxguest.available()
    if why:
        tap.skip_all(why)
    for prog in ("virsh", "qemu-img"):
        if not shutil.which(prog):
            tap.skip_all("%s is not installed" % prog)
    accel = linuxguest.accel()
    if accel != vstest.accel():
        tap.diag("KVM here cannot boot the Linux guest; it runs under TCG")
    work = tempfile.mkdtemp(prefix="vslinux-%d-" % os.getpid())
    daemon = vstest.Daemon(root=os.path.join(work, "root"))
    os.makedirs(daemon.root)
    try:
        daemon.start()
        run_minimal(tap, daemon, work)
        run(tap, daemon, work, "bios-server", accel == "kvm")
        if accel == "kvm":
            run(tap, daemon, work, "bios-server", False)
        # Secure Boot OVMF needs SMM, which a nested KVM may lack: the
        # UEFI profiles run under TCG (see test_real_vms.py).
        for profile in ("uefi-desktop", "win11"):
            run(tap, daemon, work, profile, False)
    finally:
        daemon.stop()
        if not os.environ.get("VS_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            tap.diag("kept %s" % work)
    tap.exit()


if __name__ == "__main__":
    main()
