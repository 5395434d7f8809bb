#!/usr/bin/env python3
"""Storage: virtio-scsi, block disks, backing chains from the XML.

SPDX-License-Identifier: LGPL-2.1-or-later

One q35 guest (the test guest, one of two vCPUs online) has:

- a virtio-scsi controller with two queues; on it a qcow2 disk whose
  backing chain the XML gives (a raw base whose first sector looks like a
  qcow2 header: QEMU must open it as raw because the XML says so) and an
  empty SCSI CD-ROM;
- an empty SATA CD-ROM;
- a virtio disk on a loop device the test makes (<disk type='block'>);
- the ICH9 EHCI1 USB controller with its three UHCI companions and a USB
  tablet.

It defines, starts, saves (sparse, --bypass-cache --parallel-channels 4)
and restores the guest, and checks QEMU's devices and block nodes, the
live XML (the same before and after), that the guest's memory checks
pass after the restore, that right after the save every writable image
is flushed and released (qemu-img opens it without -U and finds it
clean), and that the disks' contents are unchanged.

Bad input, each refused with one error naming the element and with
nothing left running: a <backingStore> that points at the image itself,
a backing file that does not exist, a <backingStore> format that
disagrees with the format the image header records, a block device that
does not exist, and a SCSI disk without a SCSI controller.

Prints TAP.
"""

import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
import test_disk_chain as chain  # noqa: E402

NAME = "vsstor%d" % os.getpid()
MEMORY_MIB = 128
CMDLINE = "seed=0x5c5151ab fill=50"
PASS_RE = r"VSGUEST VERIFY OK pass=(\d+)"
FAST = ("--bypass-cache", "--parallel-channels", "4")


def q35_xml(name, serial, devices, memory_mib=MEMORY_MIB, cmdline=CMDLINE):
    xml = vstest.domain_xml(name, serial, memory_mib=memory_mib,
                            vcpus=2, cmdline=cmdline)
    xml = xml.replace("machine='pc'", "machine='q35'")
    xml = xml.replace("<vcpu>2</vcpu>", "<vcpu current='1'>2</vcpu>")
    return xml.replace("</devices>", devices + "\n  </devices>")


def storage_devices(top, base, loop):
    return """
    <controller type='scsi' index='0' model='virtio-scsi'>
      <driver queues='2'/>
    </controller>
    <controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'>
      <master startport='0'/>
    </controller>
    <controller type='usb' index='0' model='ich9-uhci2'>
      <master startport='2'/>
    </controller>
    <controller type='usb' index='0' model='ich9-uhci3'>
      <master startport='4'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%(top)s'/>
      <backingStore type='file'>
        <format type='raw'/>
        <source file='%(base)s'/>
        <backingStore/>
      </backingStore>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sdb' bus='scsi'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sdc' bus='sata'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='%(loop)s'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <input type='tablet' bus='usb'/>""" % {"top": top, "base": base,
                                           "loop": loop}


def write_xml(tmp, name, xml):
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    return path


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def qemu_args(log):
    """The -device and -blockdev values of the last QEMU start in @log."""
    start = log.rfind("-name guest=")
    line = log[start:].split("\n", 1)[0] if start >= 0 else ""
    return re.findall(r"-(?:device|blockdev) '(\{.*?\})'(?= |$)", line)


def live_xml(d, name):
    r = d.virsh("dumpxml", name)
    return r.stdout if r.returncode == 0 else ""


def losetup(image):
    r = subprocess.run(["losetup", "-f", "--show", image],
                       capture_output=True, text=True, timeout=60)
    return r.stdout.strip() if r.returncode == 0 else None


def make_images(tmp):
    base = os.path.join(tmp, "base.raw")
    top = os.path.join(tmp, "top.qcow2")
    blk = os.path.join(tmp, "block.raw")
    with open(base, "wb") as f:
        # What a guest could have written: a qcow2 header naming a file.
        f.write(chain.fake_qcow2_header(os.path.join(tmp, "evil")))
        f.truncate(16 * 1024 * 1024)
    with open(blk, "wb") as f:
        f.write(os.urandom(1 << 20))
        f.truncate(16 * 1024 * 1024)
    r = chain.qemu_img("create", "-q", "-f", "qcow2", "-b", base,
                       "-F", "raw", top)
    return base, top, blk, r.stderr


def check_devices(tap, args, when):
    want = (
        '"driver":"virtio-scsi-pci","id":"scsi0","num_queues":2',
        '"driver":"scsi-hd","bus":"scsi0.0","channel":0,"scsi-id":0,'
        '"lun":0,"device_id":"drive-scsi0-0-0-0"',
        '"driver":"scsi-cd","bus":"scsi0.0","channel":0,"scsi-id":0,'
        '"lun":1,"device_id":"drive-scsi0-0-0-1","id":"scsi0-0-0-1"}',
        '"driver":"ide-cd","bus":"ide.2","id":"sata0-0-2"}',
        '"driver":"host_device"',
        '"driver":"ich9-usb-ehci1","id":"usb","bus":"pcie.0",'
        '"addr":"0x1d.0x7"}',
        '"driver":"ich9-usb-uhci1","masterbus":"usb.0","firstport":0,'
        '"bus":"pcie.0","multifunction":true,"addr":"0x1d"}',
        '"driver":"usb-tablet"',
        # the XML's format for the base, never the header's
        '"node-name":"vs-scsi0-0-0-0-b1-fmt","read-only":true,'
        '"driver":"raw"',
        '"driver":"qcow2","file":"vs-scsi0-0-0-0-file",'
        '"backing":"vs-scsi0-0-0-0-b1-fmt"}',
    )
    text = "\n".join(args)
    missing = [w for w in want if w not in text]
    tap.ok(not missing, "QEMU gets the SCSI, block, chain and USB devices "
           "(%s)" % when, "missing %s in:\n%s" % (missing, text[:4000]))


def check_released(tap, top, loop):
    # QEMU stops the guest, drains and flushes every block node and
    # inactivates it (dropping its write lock) before the migration
    # stream is complete (docs/save-restore.md): without -U, qemu-img can
    # only open an image nobody holds for writing.
    r = chain.qemu_img("check", "-q", "-f", "qcow2", top)
    tap.ok(r.returncode == 0, "the qcow2 disk is flushed, clean and "
           "released right after the save", r.stdout + r.stderr)
    r = chain.qemu_img("info", "-f", "raw", loop)
    tap.ok(r.returncode == 0, "the block device is released right after "
           "the save", r.stdout + r.stderr)


def test_machine(tap, d, tmp, loop, images):
    base, top, blk = images
    serial = os.path.join(tmp, "serial.log")
    sums = {p: digest(p) for p in (base, blk)}
    xml = q35_xml(NAME, serial, storage_devices(top, base, loop))
    r = d.virsh("define", write_xml(tmp, NAME, xml))
    tap.ok(r.returncode == 0, "define the storage guest", r.stderr)
    r = d.virsh("start", NAME)
    tap.ok(r.returncode == 0, "start it", r.stderr)
    args = qemu_args(chain.qemu_log(d, NAME))
    check_devices(tap, args, "start")
    log = chain.qemu_log(d, NAME)
    tap.ok("-smp 1,maxcpus=2," in log, "one of two vCPUs is online",
           log[-3000:])
    r = d.virsh("vcpucount", NAME, "--live", "--active")
    tap.ok(r.returncode == 0 and r.stdout.strip() == "1",
           "vcpucount shows one vCPU", r.stdout + r.stderr)

    before = live_xml(d, NAME)
    tap.ok("<vcpu placement='static' current='1'>2</vcpu>" in before and
           "<format type='raw'/>" in before and
           "<source file='%s'/>" % base in before and
           "<source dev='%s'/>" % loop in before and
           "<address type='drive' controller='0' bus='0' target='0' "
           "unit='1'/>" in before,
           "live XML shows current vCPUs, the chain, the device and "
           "the SCSI address", before)
    r = d.virsh("domblkinfo", NAME, "vdb")
    tap.ok(r.returncode == 0 and
           re.search(r"Capacity:\s+%d\b" % (16 << 20), r.stdout),
           "domblkinfo gives the block device's size", r.stdout + r.stderr)
    held = chain.open_files(chain.qemu_pid(d, NAME) or 0)
    tap.ok(all(p in held for p in (base, top, loop)),
           "QEMU holds the chain and the device open", sorted(held))
    m = vstest.wait_for_serial(serial, PASS_RE, timeout=120)
    tap.ok(m is not None, "the guest verifies its memory")

    image = os.path.join(tmp, "storage.img")
    r = d.virsh("save", NAME, image, "--image-format", "sparse", *FAST,
                timeout=300)
    tap.ok(r.returncode == 0, "save it (sparse, bypass cache, 4 channels)",
           r.stderr)
    check_released(tap, top, loop)

    offset = os.path.getsize(serial) if os.path.exists(serial) else 0
    r = d.virsh("restore", image, *FAST, timeout=300)
    tap.ok(r.returncode == 0, "restore it", r.stderr)
    again = qemu_args(chain.qemu_log(d, NAME))
    tap.ok(args and again == args, "the restored QEMU has the same devices and "
           "nodes", "\n".join(sorted(set(args) ^ set(again))))
    after = live_xml(d, NAME)
    strip = re.compile(r"<domain type='\w+' id='\d+'>")
    tap.ok(strip.sub("", after) == strip.sub("", before),
           "the live XML is the same after the restore", after)
    m = vstest.wait_for_serial(serial, PASS_RE, timeout=120, offset=offset)
    tap.ok(m is not None, "the restored guest verifies its memory")
    d.virsh("destroy", NAME)
    tap.ok(all(digest(p) == s for p, s in sums.items()),
           "the base image and the block device are unchanged")
    r = chain.qemu_img("check", "-q", "-f", "qcow2", top)
    tap.ok(r.returncode == 0, "the qcow2 disk is clean after the restored "
           "guest stopped", r.stdout + r.stderr)
    d.virsh("undefine", NAME)


def expect_refused(tap, d, tmp, kind, devices, words, at="start"):
    name = "%s-%s" % (NAME, kind)
    xml = q35_xml(name, os.path.join(tmp, kind + ".log"), devices,
                  memory_mib=32)
    r = d.virsh("define", write_xml(tmp, name, xml))
    if at == "define":
        tap.ok(r.returncode != 0 and all(w in r.stderr for w in words),
               "define is refused (%s)" % kind, r.stderr)
        r = d.virsh("domstate", name)
        tap.ok(r.returncode != 0, "nothing is defined (%s)" % kind,
               r.stdout)
        return
    tap.ok(r.returncode == 0, "define a guest (%s)" % kind, r.stderr)
    r = d.virsh("start", name)
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    tap.ok(r.returncode != 0 and all(w in r.stderr for w in words),
           "start is refused naming the element (%s)" % kind, r.stderr)
    tap.ok(len(errors) <= 2, "with one error (%s)" % kind, r.stderr)
    r = d.virsh("domstate", name)
    tap.ok(r.returncode == 0 and r.stdout.strip() == "shut off",
           "nothing is left running (%s)" % kind, r.stdout + r.stderr)
    tap.ok(chain.qemu_pid(d, name) is None,
           "no QEMU pid file is left (%s)" % kind)
    d.virsh("undefine", name)


def chain_disk(top, layers, dev="vda", bus="virtio"):
    inner = "<backingStore/>"
    for fmt, path in reversed(layers):
        inner = ("<backingStore type='file'><format type='%s'/>"
                 "<source file='%s'/>%s</backingStore>" % (fmt, path, inner))
    return ("<disk type='file' device='disk'>"
            "<driver name='qemu' type='qcow2'/><source file='%s'/>%s"
            "<target dev='%s' bus='%s'/></disk>" % (top, inner, dev, bus))


def test_probed_chain(tap, d, tmp):
    """A chain read from the images shows in live XML only."""
    name = NAME + "-probed"
    base = os.path.join(tmp, "probed-base.qcow2")
    top = os.path.join(tmp, "probed-top.qcow2")
    r1 = chain.qemu_img("create", "-q", "-f", "qcow2", base, "16M")
    r2 = chain.qemu_img("create", "-q", "-f", "qcow2", "-b", base,
                        "-F", "qcow2", top)
    tap.ok(not (r1.stderr + r2.stderr), "qemu-img made a qcow2 chain",
           r1.stderr + r2.stderr)
    disk = ("<disk type='file' device='disk'>"
            "<driver name='qemu' type='qcow2'/><source file='%s'/>"
            "<target dev='vda' bus='virtio'/></disk>" % top)
    xml = q35_xml(name, os.path.join(tmp, "probed.log"), disk,
                  memory_mib=32)
    r = d.virsh("define", write_xml(tmp, name, xml))
    tap.ok(r.returncode == 0, "define a guest without <backingStore>",
           r.stderr)
    r = d.virsh("start", name)
    tap.ok(r.returncode == 0, "start it", r.stderr)
    want = ("<source file='%s'/>\n"
            "      <backingStore type='file'>\n"
            "        <format type='qcow2'/>\n"
            "        <source file='%s'/>\n"
            "        <backingStore/>\n"
            "      </backingStore>\n" % (top, base))
    live = live_xml(d, name)
    tap.ok(want in live, "live XML shows the chain read from the images",
           live)
    r = d.virsh("dumpxml", "--inactive", name)
    tap.ok(r.returncode == 0 and "<backingStore" not in r.stdout,
           "the stored definition does not", r.stdout + r.stderr)
    d.virsh("destroy", name)
    d.virsh("undefine", name)


def test_bad_input(tap, d, tmp):
    a = os.path.join(tmp, "bad-a.qcow2")
    mid = os.path.join(tmp, "bad-mid.qcow2")
    b = os.path.join(tmp, "bad-b.qcow2")
    r1 = chain.qemu_img("create", "-q", "-f", "qcow2", mid, "16M")
    r2 = chain.qemu_img("create", "-q", "-f", "qcow2", "-b", mid,
                        "-F", "qcow2", b)
    r3 = chain.qemu_img("create", "-q", "-f", "qcow2", a, "16M")
    tap.ok(not (r1.stderr + r2.stderr + r3.stderr), "qemu-img made the "
           "images for the bad cases", r1.stderr + r2.stderr + r3.stderr)
    expect_refused(tap, d, tmp, "self",
                   chain_disk(a, [("qcow2", a)]),
                   ("disk 'vda'", "<backingStore>", "loops back"))
    expect_refused(tap, d, tmp, "missing",
                   chain_disk(a, [("raw", os.path.join(tmp, "nothere"))]),
                   ("disk 'vda'", "<backingStore>", "nothere"))
    expect_refused(tap, d, tmp, "format",
                   chain_disk(b, [("raw", mid)]),
                   ("disk 'vda'", "<backingStore>", "records 'qcow2'"))
    nodev = "/dev/vsnodev%d" % os.getpid()
    expect_refused(tap, d, tmp, "nodev",
                   "<disk type='block' device='disk'>"
                   "<driver name='qemu' type='raw'/>"
                   "<source dev='%s'/><target dev='vdb' bus='virtio'/>"
                   "</disk>" % nodev,
                   ("disk 'vdb'", "<source dev='%s'>" % nodev))
    expect_refused(tap, d, tmp, "nocontroller",
                   "<disk type='file' device='disk'>"
                   "<driver name='qemu' type='qcow2'/>"
                   "<source file='%s'/><target dev='sda' bus='scsi'/>"
                   "</disk>" % a,
                   ("disk 'sda'", "virtio-scsi"), at="define")


def main():
    tap = vstest.TAP()
    if not os.path.exists(vstest.guest_kernel()):
        tap.skip_all("the test guest is not built")
    if os.geteuid() != 0:
        tap.skip_all("loop devices need root")
    with tempfile.TemporaryDirectory(prefix="vsstorage-") as tmp:
        base, top, blk, err = make_images(tmp)
        loop = losetup(blk)
        if loop is None:
            tap.skip_all("no loop device could be set up")
        try:
            tap.ok(not err, "qemu-img made a qcow2 image on a raw base", err)
            with vstest.Daemon() as d:
                test_machine(tap, d, tmp, loop, (base, top, blk))
                test_probed_chain(tap, d, tmp)
                test_bad_input(tap, d, tmp)
        finally:
            subprocess.run(["losetup", "-d", loop], timeout=60)
    tap.exit()


if __name__ == "__main__":
    main()
