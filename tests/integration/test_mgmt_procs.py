#!/usr/bin/env python3
"""The calls management tools make, with virsh and python3-libvirt.

SPDX-License-Identifier: LGPL-2.1-or-later

virt-manager, virt-install, cockpit (through libvirt-dbus) and metrics
exporters ask a connection for node information, capabilities, domain
capabilities and the lists of other drivers' objects, then poll each
domain's statistics. This test boots the test guest with a disk and a
network interface in real QEMU and checks each answer against what the
host and the domain definition say: values, not just success.
"""

import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

NAME = "vsmgmt"
MEM_MIB = 96
NS = "http://example.org/virtsave-test/1"


def domain_xml(tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(32 << 20)
    xml = vstest.domain_xml(NAME, os.path.join(tmp, "serial.log"),
                            memory_mib=MEM_MIB, vcpus=2)
    devices = ("    <disk type='file' device='disk'>\n"
               "      <driver name='qemu' type='raw'/>\n"
               "      <source file='%s'/>\n"
               "      <target dev='vda' bus='virtio'/>\n"
               "    </disk>\n"
               "    <interface type='user'>\n"
               "      <mac address='52:54:00:12:34:56'/>\n"
               "      <model type='virtio'/>\n"
               "    </interface>\n"
               "    <memballoon model='virtio'/>\n"
               "  </devices>") % disk
    return xml.replace("  </devices>", devices), disk


def meminfo_kib(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def test_host(tap, d):
    r = d.virsh("nodeinfo")
    vstest.check_run(tap, r, "virsh nodeinfo")
    fields = dict(line.split(":", 1) for line in r.stdout.splitlines()
                  if ":" in line)
    cpus = int(fields.get("CPU(s)", "0").strip() or 0)
    mem = int(fields.get("Memory size", "0 KiB").split()[0])
    tap.ok(cpus == os.sysconf("SC_NPROCESSORS_ONLN"),
           "nodeinfo: CPU count is the host's", r.stdout)
    tap.ok(mem == meminfo_kib("MemTotal"), "nodeinfo: memory is MemTotal",
           r.stdout)

    r = d.virsh("capabilities")
    vstest.check_run(tap, r, "virsh capabilities")
    try:
        caps = ET.fromstring(r.stdout)
    except ET.ParseError as e:
        caps = None
        tap.diag(e)
    machines = [m.text for m in caps.iter("machine")] if caps is not None else []
    tap.ok(caps is not None and caps.find("host/cpu/topology") is not None and
           "pc" in machines and "q35" in machines and
           any(m.startswith("pc-q35-") for m in machines),
           "capabilities: host topology and QEMU's machine types", r.stdout[:2000])

    r = d.virsh("domcapabilities", "--machine", "q35")
    vstest.check_run(tap, r, "virsh domcapabilities --machine q35")
    try:
        dc = ET.fromstring(r.stdout)
    except ET.ParseError:
        dc = None
    tap.ok(dc is not None and dc.findtext("machine", "").startswith("pc-q35-")
           and int(dc.find("vcpu").get("max")) > 255 and
           len(dc.findall("cpu/mode[@name='custom']/model")) > 5 and
           dc.find("devices/disk[@supported='yes']") is not None and
           "vnc" in [v.text for v in dc.findall(
               "devices/graphics/enum[@name='type']/value")] and
           "virtio" in [v.text for v in dc.findall(
               "devices/video/enum[@name='modelType']/value")],
           "domcapabilities: machine, vCPU limit, CPU models, disks, "
           "displays and video",
           r.stdout[:2000])
    vstest.check_run(tap, d.virsh("domcapabilities", "--machine", "no-such-machine"),
          "domcapabilities of an unknown machine is refused", want_rc=1,
          stderr="no-such-machine")

    r = d.virsh("nodecpustats")
    vstest.check_run(tap, r, "virsh nodecpustats", stdout="idle")
    r = d.virsh("nodememstats")
    vstest.check_run(tap, r, "virsh nodememstats", stdout="total")
    total = [line for line in r.stdout.splitlines() if line.startswith("total")]
    tap.ok(total and int(total[0].split(":")[1].split()[0]) ==
           meminfo_kib("MemTotal"), "nodememstats: total is MemTotal", r.stdout)

    if os.path.isdir("/sys/class/dmi/id"):
        vstest.check_run(tap, d.virsh("sysinfo"), "virsh sysinfo", stdout="<sysinfo")
    else:
        vstest.check_run(tap, d.virsh("sysinfo"), "sysinfo without SMBIOS is refused",
              want_rc=1, stderr="SMBIOS")

    for cmd in (("net-list", "--all"), ("pool-list", "--all"),
                ("iface-list", "--all"), ("nodedev-list",),
                ("nwfilter-list",), ("secret-list",)):
        r = d.virsh(*cmd)
        vstest.check_run(tap, r, "virsh %s: an empty list" % cmd[0])
        tap.ok(r.stdout.strip() == "", "%s lists nothing" % cmd[0], r.stdout)

    vstest.check_run(tap, vstest.virsh("lxc+unix:///system?socket=%s" % d.socket, "list"),
          "an lxc URI is refused", want_rc=1,
          stderr="no connection driver available for lxc:///system")
    vstest.check_run(tap, vstest.virsh("bogus+unix:///system?socket=%s" % d.socket,
                            "list"),
          "an unknown driver's URI is refused", want_rc=1,
          stderr="no connection driver available for bogus:///system")


def test_domain_virsh(tap, d, disk):
    r = d.virsh("vcpuinfo", NAME)
    vstest.check_run(tap, r, "virsh vcpuinfo")
    tap.ok(r.stdout.count("VCPU:") == 2 and "running" in r.stdout,
           "vcpuinfo: two running vCPUs", r.stdout)
    r = d.virsh("vcpucount", NAME)
    vstest.check_run(tap, r, "virsh vcpucount", stdout="current      live           2")

    r = d.virsh("domblkinfo", NAME, "vda")
    vstest.check_run(tap, r, "virsh domblkinfo", stdout="Capacity:       %d" % (32 << 20))
    r = d.virsh("domblkstat", NAME, "vda")
    vstest.check_run(tap, r, "virsh domblkstat", stdout="rd_req")
    vstest.check_run(tap, d.virsh("domblkstat", NAME, "vdz"),
          "domblkstat of an unknown disk is refused", want_rc=1,
          stderr="vdz")
    r = d.virsh("domifstat", NAME, "52:54:00:12:34:56")
    vstest.check_run(tap, r, "domifstat of a user-mode interface says why it cannot",
          want_rc=1, stderr="user-mode networking")

    r = d.virsh("dommemstat", NAME)
    vstest.check_run(tap, r, "virsh dommemstat", stdout="actual %d" % (MEM_MIB * 1024))
    rss = [int(line.split()[1]) for line in r.stdout.splitlines()
           if line.startswith("rss")]
    tap.ok(rss and 0 < rss[0] < 4 * MEM_MIB * 1024 + 1024 * 1024,
           "dommemstat: QEMU's resident memory", r.stdout)

    r = d.virsh("cpu-stats", NAME, "--total")
    vstest.check_run(tap, r, "virsh cpu-stats --total", stdout="cpu_time")
    vstest.check_run(tap, d.virsh("cpu-stats", NAME), "per-CPU statistics are refused",
          want_rc=1, stderr="cgroup")
    vstest.check_run(tap, d.virsh("schedinfo", NAME), "schedinfo says why it cannot",
          want_rc=1, stderr="cgroup CPU controller")
    vstest.check_run(tap, d.virsh("domcontrol", NAME), "virsh domcontrol", stdout="ok")
    vstest.check_run(tap, d.virsh("domtime", NAME), "domtime needs the guest agent",
          want_rc=1, stderr="guest agent is not configured")
    vstest.check_run(tap, d.virsh("domifaddr", NAME, "--source", "agent"),
          "domifaddr --source agent needs the guest agent", want_rc=1,
          stderr="guest agent is not configured")
    vstest.check_run(tap, d.virsh("domifaddr", NAME, "--source", "arp"),
          "virsh domifaddr --source arp")
    vstest.check_run(tap, d.virsh("snapshot-list", NAME), "virsh snapshot-list")

    vstest.check_run(tap, d.virsh("desc", NAME, "--title", "--live", "--config",
                       "--new-desc", "a title"), "virsh desc --title: set")
    vstest.check_run(tap, d.virsh("desc", NAME, "--title"), "desc --title: read back",
          stdout="a title")
    vstest.check_run(tap, d.virsh("desc", NAME, "--config", "--new-desc", "text"),
          "virsh desc: set the description in the definition")
    vstest.check_run(tap, d.virsh("dumpxml", "--inactive", NAME),
          "the description is in the stored definition",
          stdout="<description>text</description>")
    vstest.check_run(tap, d.virsh("metadata", NAME, NS, "--key", "t", "--live",
                       "--config", "--set", "<probe>42</probe>"),
          "virsh metadata --set")
    vstest.check_run(tap, d.virsh("metadata", NAME, NS), "virsh metadata: read back",
          stdout=">42</t:probe>")
    vstest.check_run(tap, d.virsh("metadata", NAME, NS, "--config", "--remove"),
          "virsh metadata --remove")
    r = d.virsh("metadata", NAME, NS, "--config")
    vstest.check_run(tap, r, "virsh metadata: the removed element is gone")
    tap.ok(r.stdout.strip() == "", "nothing is printed for it", r.stdout)


def domstats(d):
    r = d.virsh("domstats", NAME)
    stats = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if "=" in line:
            k, v = line.split("=", 1)
            stats[k] = v
    return r, stats


def test_domstats(tap, d, disk):
    r, s1 = domstats(d)
    vstest.check_run(tap, r, "virsh domstats")
    tap.ok(s1.get("state.state") == "1" and
           s1.get("balloon.maximum") == str(MEM_MIB * 1024) and
           s1.get("vcpu.current") == "2" and "vcpu.1.time" in s1 and
           s1.get("block.count") == "1" and s1.get("block.0.name") == "vda" and
           s1.get("block.0.path") == disk and "block.0.rd.bytes" in s1 and
           s1.get("block.0.capacity") == str(32 << 20) and
           s1.get("net.count") == "1",
           "domstats: state, balloon, vCPUs, block and interface groups",
           r.stdout)
    # the test guest keeps its vCPU busy: CPU time must grow
    time.sleep(1.0)
    _, s2 = domstats(d)
    tap.ok(int(s2.get("cpu.time", 0)) > int(s1.get("cpu.time", 0)) > 0,
           "domstats: cpu.time grows while the guest runs",
           "%s -> %s" % (s1.get("cpu.time"), s2.get("cpu.time")))
    r = d.virsh("domstats", "--state", "--list-shutoff")
    vstest.check_run(tap, r, "domstats of shut-off domains: none while it runs")
    tap.ok(NAME not in r.stdout, "the running domain is not listed", r.stdout)


def test_python(tap, d, disk):
    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip("python3-libvirt", "python3-libvirt is not installed")
        return
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open(d.uri)
    info = conn.getInfo()
    tap.ok(info[0] == "x86_64" and info[2] == os.sysconf("SC_NPROCESSORS_ONLN"),
           "python: getInfo()", repr(info))
    tap.ok(conn.isSecure() == 1 and conn.isEncrypted() == 0,
           "python: isSecure() and isEncrypted()")
    tap.ok(conn.getMaxVcpus("qemu") >= 255, "python: getMaxVcpus('qemu')")
    tap.ok(conn.listAllNetworks() == [] and conn.listAllStoragePools() == [] and
           conn.numOfNetworks() == 0 and conn.listDefinedNetworks() == [],
           "python: no networks and no storage pools")
    caps = conn.getDomainCapabilities(None, "x86_64", "q35", "qemu", 0)
    tap.ok("<domain>qemu</domain>" in caps, "python: getDomainCapabilities()")
    tap.ok(conn.getFreeMemory() > 0 and
           conn.getMemoryStats(-1)["total"] == meminfo_kib("MemTotal"),
           "python: getFreeMemory() and getMemoryStats()")
    tap.ok("idle" in conn.getCPUStats(-1), "python: getCPUStats()")

    dom = conn.lookupByName(NAME)
    tap.ok(dom.maxMemory() == MEM_MIB * 1024 and dom.maxVcpus() == 2 and
           dom.vcpusFlags(0) == 2,
           "python: maxMemory(), maxVcpus(), vcpusFlags()")
    vcpus = dom.vcpus()
    tap.ok(len(vcpus[0]) == 2 and all(v[1] == 1 for v in vcpus[0]) and
           len(vcpus[1]) == 2, "python: vcpus()", repr(vcpus))
    mem = dom.memoryStats()
    tap.ok(mem.get("actual") == MEM_MIB * 1024 and mem.get("rss", 0) > 0,
           "python: memoryStats()", repr(mem))
    binfo = dom.blockInfo("vda")
    tap.ok(binfo[0] == 32 << 20, "python: blockInfo()", repr(binfo))
    bstats = dom.blockStats("vda")
    tap.ok(len(bstats) == 5 and bstats[4] == -1, "python: blockStats()",
           repr(bstats))
    bflags = dom.blockStatsFlags("vda")
    tap.ok("rd_bytes" in bflags and "flush_total_times" in bflags,
           "python: blockStatsFlags()", repr(bflags))
    total = dom.getCPUStats(True)
    tap.ok(len(total) == 1 and total[0].get("cpu_time", 0) > 0,
           "python: getCPUStats(total)", repr(total))
    ctl = dom.controlInfo()
    tap.ok(ctl[0] == 0, "python: controlInfo()", repr(ctl))
    tap.ok(dom.hasCurrentSnapshot() == 0 and dom.listAllSnapshots() == [],
           "python: no snapshots")
    addrs = dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)
    tap.ok(isinstance(addrs, dict), "python: interfaceAddresses(ARP)")
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, "<v>1</v>", "py", NS,
                    libvirt.VIR_DOMAIN_AFFECT_LIVE)
    tap.ok("<py:v" in dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NS,
                                   libvirt.VIR_DOMAIN_AFFECT_LIVE),
           "python: setMetadata() and metadata()")
    try:
        dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                     "http://example.org/other", 0)
        tap.ok(False, "python: metadata of another namespace is not found")
    except libvirt.libvirtError as e:
        tap.ok(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_METADATA,
               "python: metadata of another namespace is not found", str(e))

    # what prometheus exporters do: all domains, all groups, one call
    records = conn.getAllDomainStats(0, 0)
    names = [r[0].name() for r in records]
    stats = dict(records[0][1]) if records else {}
    tap.ok(names == [NAME] and stats.get("state.state") == 1 and
           stats.get("balloon.current") == MEM_MIB * 1024 and
           "vcpu.0.time" in stats and "block.0.wr.bytes" in stats,
           "python: getAllDomainStats()", repr(records))
    records = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_STATE)
    tap.ok(len(records) == 1 and set(records[0][1]) ==
           {"state.state", "state.reason"},
           "python: domainListGetStats() with one group", repr(records))
    try:
        conn.getAllDomainStats(1 << 20,
                               libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
        tap.ok(False, "unknown stats groups with ENFORCE are refused")
    except libvirt.libvirtError as e:
        tap.ok("not supported" in str(e),
               "unknown stats groups with ENFORCE are refused", str(e))
    conn.close()


def run(tap, d, tmp):
    xml, disk = domain_xml(tmp)
    path = os.path.join(tmp, "dom.xml")
    with open(path, "w") as f:
        f.write(xml)
    test_host(tap, d)
    vstest.check_run(tap, d.virsh("define", path), "virsh define")
    vstest.check_run(tap, d.virsh("start", NAME), "virsh start")
    m = vstest.wait_for_serial(os.path.join(tmp, "serial.log"),
                               r"VSGUEST BOOT", timeout=60)
    tap.ok(m is not None, "the guest booted")
    test_domain_virsh(tap, d, disk)
    test_domstats(tap, d, disk)
    test_python(tap, d, disk)
    vstest.check_run(tap, d.virsh("destroy", NAME), "virsh destroy")
    r, s = domstats(d)
    tap.ok(s.get("state.state") == "5" and "cpu.time" not in s and
           s.get("balloon.current") == str(MEM_MIB * 1024),
           "domstats of the shut-off domain", r.stdout)
    d.virsh("undefine", NAME)


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vsmgmt-")
    with vstest.Daemon() as d:
        try:
            run(tap, d, tmp)
        finally:
            # the daemon leaves guests running when it stops
            d.virsh("destroy", NAME)
            d.virsh("undefine", NAME)
    tap.exit()


if __name__ == "__main__":
    main()
