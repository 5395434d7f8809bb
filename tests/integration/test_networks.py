#!/usr/bin/env python3
"""Bridge, network and ethernet interfaces on taps, end to end.

SPDX-License-Identifier: LGPL-2.1-or-later

The test makes its own network namespace holding a Linux bridge with no
uplink and a pre-created tap, and runs virtsaved inside it, so that the
daemon's taps never appear in the host's namespace and no packet leaves
the machine. It shows: a bridged guest whose tap (MAC fe:..., the
bridge's MTU) joins the bridge; its counters from the guest's point of
view; a sparse save with --bypass-cache --parallel-channels 4 that
removes the tap and a restore that puts a fresh one on the same bridge;
destroy removing the tap; type 'network' resolved through network_dir;
type 'ethernet' with a pre-created tap left as it was, and without a
target; <link state='down'/>; and the bad inputs (a bridge or network
that does not exist) failing by name with nothing left behind.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import vstest

PID = os.getpid()
NS = "vsnet%d" % PID
BR = "vsbr%d" % PID
PRETAP = "vstap%d" % PID
NETNAME = "vsnet%d" % PID
BR_MTU = 1400
FAST = ("--bypass-cache", "--parallel-channels", "4")
MAC = "52:54:00:12:%02x:%02x" % ((PID >> 8) & 0xff, PID & 0xff)


def ip(*args, check=True):
    r = subprocess.run(["ip", "-n", NS] + list(args), capture_output=True,
                       text=True)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr))
    return r


def links():
    """name -> 'ip -j link' entry, inside the test's namespace."""
    r = ip("-j", "link", "show")
    return {e["ifname"]: e for e in json.loads(r.stdout)}


def bridge_ports():
    r = subprocess.run(["ip", "netns", "exec", NS, "ls",
                        "/sys/class/net/%s/brif" % BR],
                       capture_output=True, text=True)
    return sorted(r.stdout.split())


def taps():
    return sorted(n for n in links() if n.startswith("vnet"))


def guest_xml(name, serial, nic):
    xml = vstest.domain_xml(name, serial, memory_mib=64)
    return xml.replace("  </devices>", nic + "  </devices>")


def target_dev(d, name):
    r = d.virsh("dumpxml", name)
    m = re.search(r"<target dev='([^']+)'", r.stdout)
    return (m.group(1) if m else None), r.stdout


def setup_namespace(tmp):
    subprocess.run(["ip", "netns", "add", NS], check=True)
    ip("link", "set", "lo", "up")
    ip("link", "add", BR, "type", "bridge")
    ip("link", "set", BR, "mtu", str(BR_MTU))
    ip("link", "set", BR, "up")
    ip("tuntap", "add", "dev", PRETAP, "mode", "tap")
    netdir = os.path.join(tmp, "networks")
    os.makedirs(netdir)
    with open(os.path.join(netdir, NETNAME + ".xml"), "w") as f:
        f.write("<network>\n  <name>%s</name>\n  <forward mode='nat'/>\n"
                "  <bridge name='%s' stp='on' delay='0'/>\n</network>\n"
                % (NETNAME, BR))
    return netdir


# The test guest has no network driver, so QEMU stops reading its tap
# after the first frame; the tap's queue (1000 frames) then fills and
# the kernel drops the rest, on the host's transmit side.
POKE_FRAMES = 1500
POKE_QUEUE = 1000
POKE = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = b"\\xff" * 6 + bytes.fromhex("020000000001") + b"\\x88\\xb5"
for i in range(%d):
    s.send(frame + bytes(200 - len(frame)))
""" % POKE_FRAMES


def poke_bridge():
    """Broadcast frames (local experimental EtherType) sent into the
    bridge: the bridge floods them to every port, so every tap
    transmits them towards its guest."""
    subprocess.run(["ip", "netns", "exec", NS, "python3", "-c", POKE, BR],
                   check=True)


def guest_counters(d, name, dev):
    r = d.virsh("domifstat", name, dev)
    stats = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[2].isdigit():
            stats[f[1]] = int(f[2])
    return r, stats


def check_bridged(tap, d, tmp):
    name = "vsnetbr%d" % PID
    serial = os.path.join(tmp, name + ".serial")
    nic = ("    <interface type='bridge'>\n      <mac address='%s'/>\n"
           "      <source bridge='%s'/>\n      <model type='virtio'/>\n"
           "    </interface>\n" % (MAC, BR))
    xmlpath = os.path.join(tmp, name + ".xml")
    with open(xmlpath, "w") as f:
        f.write(guest_xml(name, serial, nic))
    r = d.virsh("define", xmlpath)
    tap.ok(r.returncode == 0, "define a guest with a bridged NIC", r.stderr)
    r = d.virsh("dumpxml", "--inactive", name)
    tap.ok("<source bridge='%s'/>" % BR in r.stdout and
           "<target dev" not in r.stdout,
           "the inactive XML keeps the bridge and has no tap", r.stdout)

    r = d.virsh("start", name)
    tap.ok(r.returncode == 0, "start it", r.stderr)
    dev, xml = target_dev(d, name)
    tap.ok(dev is not None and dev.startswith("vnet") and
           "<alias name='net0'/>" in xml,
           "live XML shows the tap as <target dev='vnetN'/> and the alias",
           xml)
    info = links().get(dev or "", {})
    tap.ok(info.get("master") == BR and dev in bridge_ports(),
           "the tap is a port of the bridge", json.dumps(info))
    tap.ok(info.get("address") == "fe" + MAC[2:] and
           info.get("mtu") == BR_MTU and "UP" in info.get("flags", []),
           "the tap has MAC fe:..., the bridge's MTU and is up",
           json.dumps(info))

    r = d.virsh("domiflist", name)
    fields = r.stdout.split()
    tap.ok(r.returncode == 0 and fields[:5] == [dev, "bridge", BR, "virtio",
                                                MAC],
           "virsh domiflist", r.stdout + r.stderr)

    r, before = guest_counters(d, name, dev)
    poke_bridge()
    r, after = guest_counters(d, name, dev)
    hs = json.loads(ip("-j", "-s", "link", "show", dev).stdout)[0]["stats64"]
    got = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    tap.ok(r.returncode == 0 and
           got.get("rx_drop", 0) >= (POKE_FRAMES - POKE_QUEUE) * 4 // 5 and
           got.get("tx_drop", 0) == 0 and
           0 < after["rx_bytes"] <= hs["tx"]["bytes"] and
           after["tx_bytes"] <= hs["rx"]["bytes"],
           "domifstat counts what the bridge sent the guest (and what the "
           "guest could not take) on the guest's receive side",
           "%s %s %s" % (before, after, json.dumps(hs)))
    r = d.virsh("domifstat", name, MAC)
    tap.ok(r.returncode == 0, "domifstat by MAC address", r.stderr)
    r = d.virsh("domstats", "--interface", name)
    tap.ok("net.0.name=%s" % dev in r.stdout and
           "net.0.rx.bytes=" in r.stdout and "net.0.tx.pkts=" in r.stdout,
           "domstats --interface has the tap's counters", r.stdout)

    image = os.path.join(tmp, name + ".img")
    r = d.virsh("save", name, image, "--image-format", "sparse", *FAST,
                timeout=600)
    tap.ok(r.returncode == 0,
           "save it (sparse, bypass cache, 4 channels)", r.stderr)
    tap.ok(taps() == [] and bridge_ports() == [],
           "the tap is gone once the guest is saved",
           "%s %s" % (taps(), bridge_ports()))
    r = d.virsh("save-image-dumpxml", image)
    tap.ok(r.returncode == 0 and "<source bridge='%s'/>" % BR in r.stdout and
           "<target dev=" not in r.stdout,
           "the image keeps the bridge but not the tap's name, as libvirt's",
           r.stdout + r.stderr)

    r = d.virsh("restore", image, timeout=600)
    tap.ok(r.returncode == 0, "restore it", r.stderr)
    dev2, xml = target_dev(d, name)
    tap.ok(dev2 is not None and bridge_ports() == [dev2] and
           links()[dev2].get("address") == "fe" + MAC[2:],
           "the restored guest has a fresh tap on the same bridge",
           "%s %s" % (dev2, bridge_ports()))
    r = d.virsh("domstate", name)
    tap.ok(r.stdout.strip() == "running", "it runs after the restore",
           r.stdout)

    r = d.virsh("domif-setlink", name, MAC, "down", "--config")
    live = target_dev(d, name)[1]
    inactive = d.virsh("dumpxml", "--inactive", name).stdout
    tap.ok(r.returncode == 0 and "<link state='down'/>" in inactive and
           "<link state" not in live,
           "domif-setlink --config changes only the persistent definition",
           r.stderr + inactive)
    r = d.virsh("domif-setlink", name, MAC, "up", "--config")
    tap.ok(r.returncode == 0 and "<link state" not in
           d.virsh("dumpxml", "--inactive", name).stdout,
           "and back", r.stderr)
    bad = ("<interface type='bridge'><mac address='%s'/>"
           "<source bridge='%s'/><model type='e1000'/></interface>"
           % (MAC, BR))
    with open(os.path.join(tmp, "bad-nic.xml"), "w") as f:
        f.write(bad)
    r = d.virsh("update-device", name, os.path.join(tmp, "bad-nic.xml"))
    tap.ok(r.returncode != 0 and "link state" in r.stderr,
           "an update that changes more than the link is refused", r.stderr)

    r = d.virsh("managedsave", name, "--bypass-cache", timeout=600)
    tap.ok(r.returncode == 0 and taps() == [],
           "managedsave removes the tap", "%s %s" % (taps(), r.stderr))
    r = d.virsh("start", name, timeout=600)
    dev3, xml = target_dev(d, name)
    tap.ok(r.returncode == 0 and dev3 is not None and
           bridge_ports() == [dev3],
           "start from the managed save image puts a tap on the bridge",
           "%s %s %s" % (dev3, bridge_ports(), r.stderr))

    r = d.virsh("destroy", name)
    tap.ok(r.returncode == 0 and taps() == [] and bridge_ports() == [],
           "destroy removes the tap", "%s %s" % (taps(), r.stderr))
    d.virsh("undefine", name)


def start_transient(d, tmp, name, nic):
    serial = os.path.join(tmp, name + ".serial")
    xmlpath = os.path.join(tmp, name + ".xml")
    with open(xmlpath, "w") as f:
        f.write(guest_xml(name, serial, nic))
    return d.virsh("create", xmlpath)


def check_network(tap, d, tmp):
    name = "vsnetnw%d" % PID
    r = start_transient(d, tmp, name,
                        "    <interface type='network'>\n"
                        "      <source network='%s'/>\n"
                        "      <model type='e1000'/>\n"
                        "      <mtu size='1300'/>\n"
                        "    </interface>\n" % NETNAME)
    tap.ok(r.returncode == 0, "start a guest on a 'network' interface",
           r.stderr)
    dev, xml = target_dev(d, name)
    tap.ok("<source network='%s' bridge='%s'/>" % (NETNAME, BR) in xml,
           "live XML shows the network and its bridge", xml)
    info = links().get(dev or "", {})
    tap.ok(info.get("master") == BR and info.get("mtu") == 1300,
           "its tap joined the network's bridge with the <mtu> size",
           json.dumps(info))
    d.virsh("destroy", name)
    tap.ok(taps() == [], "destroy removes it", str(taps()))

    r = start_transient(d, tmp, name,
                        "    <interface type='network'>\n"
                        "      <source network='nosuch%d'/>\n"
                        "    </interface>\n" % PID)
    tap.diag(r.stderr.strip())
    tap.ok(r.returncode != 0 and "nosuch%d" % PID in r.stderr and
           "Network not found" in r.stderr,
           "a network that does not exist fails by name", r.stderr)


def check_ethernet(tap, d, tmp):
    before = links()[PRETAP]
    name = "vsneteth%d" % PID
    r = start_transient(d, tmp, name,
                        "    <interface type='ethernet'>\n"
                        "      <target dev='%s' managed='no'/>\n"
                        "      <model type='virtio'/>\n"
                        "      <link state='down'/>\n"
                        "    </interface>\n" % PRETAP)
    tap.ok(r.returncode == 0, "start on a pre-created tap (managed='no')",
           r.stderr)
    dev, xml = target_dev(d, name)
    tap.ok(dev == PRETAP and "managed='no'" in xml and
           "<link state='down'/>" in xml,
           "live XML names the tap and the link state", xml)
    r = d.virsh("domif-getlink", name, PRETAP)
    tap.ok("down" in r.stdout, "domif-getlink says down", r.stdout + r.stderr)
    with open(d.log_path, errors="replace") as f:
        sent = re.findall(r'"execute":"set_link","arguments":(\{[^}]*\})',
                          f.read())
    tap.ok('{"name":"net0","up":false}' in sent,
           "QEMU was told to put the link down (set_link)", str(sent))
    log = open(os.path.join(d.root, "log", "qemu", name + ".log")).read()
    tap.ok('"type":"tap","fd":"' in log,
           "QEMU got the tap as a descriptor", log[-2000:])
    r = d.virsh("domif-setlink", name, PRETAP, "up")
    xml = target_dev(d, name)[1]
    with open(d.log_path, errors="replace") as f:
        sent = re.findall(r'"execute":"set_link","arguments":(\{[^}]*\})',
                          f.read())
    tap.ok(r.returncode == 0 and "<link state" not in xml and
           sent[-1:] == ['{"name":"net0","up":true}'],
           "domif-setlink up: QEMU's link and the live XML follow",
           r.stderr + str(sent))
    r = d.virsh("domif-setlink", name, PRETAP, "down", "--config")
    tap.ok(r.returncode != 0 and "persistent" in r.stderr,
           "a transient domain has no config to change", r.stderr)
    # The tap is attached to this QEMU: nobody else may attach to it.
    r2 = start_transient(d, tmp, name + "b",
                         "    <interface type='ethernet'>\n"
                         "      <target dev='%s' managed='no'/>\n"
                         "    </interface>\n" % PRETAP)
    tap.diag(r2.stderr.strip())
    tap.ok(r2.returncode != 0 and PRETAP in r2.stderr,
           "a second guest cannot take the tap in use", r2.stderr)
    r = d.virsh("domifstat", name, PRETAP)
    tap.ok(r.returncode == 0 and "rx_bytes" in r.stdout,
           "domifstat on the pre-created tap", r.stdout + r.stderr)
    d.virsh("destroy", name)
    after = links().get(PRETAP, {})
    tap.ok(after.get("address") == before["address"] and
           after.get("mtu") == before["mtu"] and "master" not in after,
           "the pre-created tap outlives the guest, unchanged",
           json.dumps(after))

    name = "vsneteth2%d" % PID
    r = start_transient(d, tmp, name,
                        "    <interface type='ethernet'>\n"
                        "      <model type='rtl8139'/>\n"
                        "    </interface>\n")
    dev, xml = target_dev(d, name)
    info = links().get(dev or "", {})
    tap.ok(r.returncode == 0 and dev is not None and "master" not in info and
           "UP" in info.get("flags", []),
           "ethernet without a target: a new tap on no bridge",
           r.stderr + json.dumps(info))
    d.virsh("destroy", name)
    tap.ok(taps() == [], "destroy removes it", str(taps()))


def check_missing_bridge(tap, d, tmp):
    name = "vsnetbad%d" % PID
    before = sorted(links())
    r = start_transient(d, tmp, name,
                        "    <interface type='bridge'>\n"
                        "      <source bridge='nobr%d'/>\n"
                        "    </interface>\n"
                        "    <interface type='ethernet'/>\n" % PID)
    tap.diag(r.stderr.strip())
    tap.ok(r.returncode != 0 and "nobr%d" % PID in r.stderr and
           "net0" in r.stderr,
           "a bridge that does not exist fails, naming bridge and interface",
           r.stderr)
    tap.ok(sorted(links()) == before, "no tap is left behind",
           "%s -> %s" % (before, sorted(links())))
    r = d.virsh("list", "--all", "--name")
    tap.ok(name not in r.stdout, "no domain is left behind", r.stdout)
    r = subprocess.run(["pgrep", "-f", "guest=%s," % name],
                       capture_output=True)
    tap.ok(r.returncode == 1, "no QEMU is left behind")

    # A tap made first and a bridge failing second: the tap goes too.
    r = start_transient(d, tmp, name,
                        "    <interface type='ethernet'/>\n"
                        "    <interface type='bridge'>\n"
                        "      <source bridge='nobr%d'/>\n"
                        "    </interface>\n" % PID)
    tap.ok(r.returncode != 0 and "net1" in r.stderr and
           sorted(links()) == before,
           "a failure after a first tap was made leaves no tap", r.stderr)


def check_lazy_and_reattach(tap, d, tmp):
    """A lazy restore maps the image and still gets its tap (its
    descriptor comes after the mapped one); a restarted daemon finds the
    tap of a running guest again."""
    libvirt = vstest.import_libvirt()
    name = "vsnetlazy%d" % PID
    nic = ("    <interface type='bridge'>\n      <source bridge='%s'/>\n"
           "      <model type='virtio'/>\n    </interface>\n"
           "    <memballoon model='none'/>\n" % BR)
    r = start_transient(d, tmp, name, nic)
    tap.ok(r.returncode == 0, "start a bridged guest without a balloon",
           r.stderr)
    image = os.path.join(tmp, name + ".img")
    r = d.virsh("save", name, image, "--image-format", "sparse", *FAST,
                timeout=600)
    tap.ok(r.returncode == 0 and taps() == [], "save it", r.stderr)
    if libvirt is None:
        tap.skip("lazy restore", "python3-libvirt is missing")
    else:
        conn = libvirt.open(d.uri)
        try:
            conn.restoreParams({"file": image,
                                "virtsave.restore_mode": "lazy"}, 0)
            ok, out = True, ""
        except libvirt.libvirtError as e:
            ok, out = False, str(e)
        finally:
            conn.close()
        pidfile = os.path.join(d.root, "run", "qemu", name + ".pid")
        try:
            with open("/proc/%s/maps" % open(pidfile).read().strip()) as f:
                mapped = image in f.read()
        except OSError:
            mapped = False
        dev, _ = target_dev(d, name)
        tap.ok(ok and mapped and dev is not None and bridge_ports() == [dev],
               "a lazy restore maps the image and puts a tap on the bridge",
               "%s mapped=%s %s %s" % (out, mapped, dev, bridge_ports()))

    dev, _ = target_dev(d, name)
    d.stop()
    d.start()
    dev2, _ = target_dev(d, name)
    r = d.virsh("domifstat", name, dev or "")
    tap.ok(dev2 == dev and r.returncode == 0 and bridge_ports() == [dev],
           "after a daemon restart the guest keeps its tap and counters",
           "%s %s %s" % (dev2, r.stdout, r.stderr))
    d.virsh("destroy", name)
    tap.ok(taps() == [], "destroy removes it", str(taps()))


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsnet-")
    d = None
    try:
        netdir = setup_namespace(tmp)
        d = vstest.Daemon(wrapper=("ip", "netns", "exec", NS))
        os.makedirs(os.path.join(d.root, "etc"), exist_ok=True)
        with open(os.path.join(d.root, "etc", "qemu.conf"), "w") as f:
            f.write('network_dir = "%s"\n' % netdir)
        d.start()
        check_bridged(tap, d, tmp)
        check_network(tap, d, tmp)
        check_ethernet(tap, d, tmp)
        check_missing_bridge(tap, d, tmp)
        check_lazy_and_reattach(tap, d, tmp)
    finally:
        if d is not None:
            for n in d.virsh("list", "--name").stdout.split():
                d.virsh("destroy", n)
            d.stop()
            d.cleanup()
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
