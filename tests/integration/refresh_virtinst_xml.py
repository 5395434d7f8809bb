#!/usr/bin/env python3
"""Regenerate the virt-install XML the real-VM tests start from.

SPDX-License-Identifier: LGPL-2.1-or-later

Runs virt-install --print-xml against a private libvirtd (see
libvirtd_private.py) for each profile and writes
tests/integration/data/virt-install/<profile>.xml, with the disk image
path replaced by /var/lib/libvirt/images/<profile>.qcow2 and the random
UUID kept stable, so that a refresh shows only what virt-install changed.
The copies in tests/conf/data/virtinst-*.xml are refreshed too. Run it after a virt-install or osinfo-db upgrade and read the diff.

    tests/integration/refresh_virtinst_xml.py

osinfo-db in Debian 12 has no debian12 entry yet; the Debian profiles use
the newest it knows (PROFILES below) and so get the same devices.
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import libvirtd_private  # noqa: E402

DEBIAN = "debian11"

PROFILES = {
    # The guest agent channel comes with the OS profile.
    "bios-server": ["--osinfo", DEBIAN, "--graphics", "vnc"],
    "uefi-desktop": ["--osinfo", DEBIAN, "--boot", "uefi",
                     "--graphics", "spice", "--video", "virtio",
                     "--channel", "spicevmc", "--input", "tablet",
                     "--sound", "ich9"],
    "win11": ["--osinfo", "win11"],
}

DATA = os.path.join(HERE, "data", "virt-install")
CONF_DATA = os.path.join(os.path.dirname(HERE), "conf", "data")


def keep_uuid(path, xml):
    """Reuse the UUID of the existing file so diffs stay small."""
    try:
        with open(path) as f:
            old = re.search(r"<uuid>([^<]+)</uuid>", f.read())
    except OSError:
        return xml
    if not old:
        return xml
    return re.sub(r"<uuid>[^<]+</uuid>", "<uuid>%s</uuid>" % old.group(1),
                  xml, count=1)


def main():
    reason = libvirtd_private.unavailable_reason()
    if reason:
        print("cannot run libvirtd: %s" % reason, file=sys.stderr)
        return 1
    os.makedirs(DATA, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vsvirtinst-") as tmp, \
            libvirtd_private.Libvirtd() as lv:
        for name, args in sorted(PROFILES.items()):
            disk = os.path.join(tmp, name + ".qcow2")
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk,
                            "1G"], check=True)
            r = subprocess.run(
                ["virt-install", "--connect", lv.uri, "--name", name,
                 "--memory", "256", "--vcpus", "1",
                 "--disk", "path=%s,format=qcow2" % disk, "--import",
                 "--network", "none", "--noautoconsole", "--print-xml"] +
                args, capture_output=True, text=True)
            if r.returncode != 0:
                print("virt-install %s failed:\n%s" % (name, r.stderr),
                      file=sys.stderr)
                return 1
            xml = r.stdout.replace(disk, "/var/lib/libvirt/images/%s.qcow2"
                                   % name)
            path = os.path.join(DATA, name + ".xml")
            xml = keep_uuid(path, xml)
            with open(path, "w") as f:
                f.write(xml)
            with open(os.path.join(CONF_DATA, "virtinst-%s.xml" % name),
                      "w") as f:
                f.write(xml)
            print("wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
