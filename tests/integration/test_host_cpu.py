#!/usr/bin/env python3
"""The host CPU in capabilities and per host CPU statistics.

SPDX-License-Identifier: LGPL-2.1-or-later

virsh capabilities must describe the real CPU: the vendor, signature,
microcode and address size /proc/cpuinfo shows, a model QEMU has, and
features the CPU really has; domain capabilities do not offer
host-model, which runs as the host CPU. virsh nodecpustats --cpu N reads that CPU's line of
/proc/stat. CPU comparison is refused clearly.
"""

import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

VENDORS = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD",
           "HygonGenuine": "Hygon"}
# libvirt's feature names the kernel spells differently
KERNEL_NAMES = {"pclmuldq": "pclmulqdq", "tsc-deadline": "tsc_deadline_timer",
                "cr8legacy": "cr8_legacy", "avx512vbmi2": "avx512_vbmi2",
                "avx512vnni": "avx512_vnni", "avx512bitalg": "avx512_bitalg",
                "pause-filter": "pausefilter"}


def cpuinfo():
    """The first processor's fields of /proc/cpuinfo."""
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
    return fields


def kernel_flag(name):
    if name in KERNEL_NAMES:
        return KERNEL_NAMES[name]
    return name.replace("-", "_").replace(".", "_")


def test_capabilities(tap, d):
    info = cpuinfo()
    flags = set(info.get("flags", "").split())
    r = d.virsh("capabilities")
    if not vstest.check_run(tap, r, "virsh capabilities"):
        return None
    cpu = ET.fromstring(r.stdout).find("host/cpu")
    tap.ok(cpu.findtext("arch") == os.uname().machine, "host CPU: arch",
           cpu.findtext("arch"))
    vendor = VENDORS.get(info.get("vendor_id"), info.get("vendor_id"))
    tap.ok(cpu.findtext("vendor") == vendor, "host CPU: vendor %s" % vendor,
           cpu.findtext("vendor"))
    mc = cpu.find("microcode")
    if "microcode" in info:
        tap.ok(mc is not None and
               int(mc.get("version")) == int(info["microcode"], 16),
               "host CPU: microcode %s" % info["microcode"],
               ET.tostring(cpu).decode()[:300])
    else:
        tap.ok(mc is None, "host CPU: no microcode without the kernel's")
    sig = cpu.find("signature")
    tap.ok(sig is not None and
           sig.get("family") == info.get("cpu family") and
           sig.get("model") == info.get("model") and
           sig.get("stepping") == info.get("stepping"),
           "host CPU: signature is family/model/stepping",
           ET.tostring(cpu).decode()[:400])
    bits = info.get("address sizes", "").split(" ")[0]
    mpa = cpu.find("maxphysaddr")
    tap.ok(mpa is not None and mpa.get("bits") == bits,
           "host CPU: %s physical address bits" % bits)
    topo = cpu.find("topology")
    tap.ok(topo is not None and
           int(topo.get("sockets")) * int(topo.get("cores")) *
           int(topo.get("threads")) >= 1, "host CPU: topology")
    names = [f.get("name") for f in cpu.findall("feature")]
    missing = [n for n in names if kernel_flag(n) not in flags]
    tap.ok(not missing, "host CPU: its %d features are the CPU's own" %
           len(names), "not in /proc/cpuinfo: %s" % missing)
    model = cpu.findtext("model")
    r = d.virsh("cpu-models", "x86_64")
    vstest.check_run(tap, r, "virsh cpu-models x86_64")
    models = r.stdout.split()
    tap.ok(len(models) > 20 and "qemu64" in models and "host" not in models,
           "cpu-models lists QEMU's named models", r.stdout[:500])
    tap.ok(model is not None and model in models,
           "host CPU: model %s is one of QEMU's" % model)
    vstest.check_run(tap, d.virsh("cpu-models", "aarch64"),
          "cpu-models of another architecture is refused", want_rc=1,
          stderr="no CPU models for architecture 'aarch64'")
    return model


def test_host_model(tap, d, model):
    """host-model runs as QEMU's host CPU, so it is not offered: tools
    such as virt-install must not pick it as a safe default."""
    r = d.virsh("domcapabilities")
    if not vstest.check_run(tap, r, "virsh domcapabilities"):
        return
    mode = ET.fromstring(r.stdout).find("cpu/mode[@name='host-model']")
    tap.ok(mode is not None and mode.get("supported") == "no" and
           len(mode) == 0,
           "domcapabilities: host-model is not offered",
           ET.tostring(mode).decode()[:500] if mode is not None else "")


def read_stat(cpu):
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if w[0] == "cpu%d" % cpu:
                return [int(x) for x in w[1:]]
    return None


def test_node_cpu_stats(tap, d):
    tick = 1000000000 // os.sysconf("SC_CLK_TCK")
    ncpus = os.sysconf("SC_NPROCESSORS_ONLN")
    last = ncpus - 1
    before = read_stat(last)
    r = d.virsh("nodecpustats", "--cpu", str(last))
    after = read_stat(last)
    vstest.check_run(tap, r, "virsh nodecpustats --cpu %d" % last, stdout="idle")
    got = {}
    for line in r.stdout.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            got[k.strip()] = int(v.split()[0])
    # user nice system idle iowait irq softirq
    lo = {"user": (before[0] + before[1]) * tick,
          "system": (before[2] + before[5] + before[6]) * tick,
          "idle": before[3] * tick}
    hi = {"user": (after[0] + after[1]) * tick,
          "system": (after[2] + after[5] + after[6]) * tick,
          "idle": after[3] * tick}
    tap.ok(all(k in got and lo[k] <= got[k] <= hi[k] for k in lo),
           "nodecpustats --cpu %d: user, system and idle are cpu%d of "
           "/proc/stat" % (last, last), "%s\n%s\n%s" % (lo, got, hi))
    vstest.check_run(tap, d.virsh("nodecpustats", "--cpu", str(ncpus + 7)),
          "nodecpustats of a CPU the host lacks is refused", want_rc=1,
          stderr="no such host CPU")

    libvirt = vstest.import_libvirt()
    if libvirt is None:
        tap.skip("python getCPUStats", "python3-libvirt is not installed")
        return
    conn = libvirt.open(d.uri)
    try:
        s = conn.getCPUStats(0)
        total = conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS)
        tap.ok(set(s) == {"kernel", "user", "idle", "iowait"} and
               0 < s["idle"] <= total["idle"],
               "python getCPUStats(0): cpu0's share of the total",
               "%s %s" % (s, total))
    finally:
        conn.close()


def test_compare(tap, d, tmp):
    r = d.virsh("capabilities")
    start = r.stdout.index("<cpu>")
    path = os.path.join(tmp, "hostcpu.xml")
    with open(path, "w") as f:
        f.write(r.stdout[start:r.stdout.index("</cpu>") + 6])
    for cmd in ("cpu-compare", "hypervisor-cpu-compare", "cpu-baseline",
                "hypervisor-cpu-baseline"):
        vstest.check_run(tap, d.virsh(cmd, path), "%s is refused as not supported" % cmd,
              want_rc=1, stderr="not supported by virtsaved")


def main():
    tap = vstest.TAP()
    tmp = tempfile.mkdtemp(prefix="vshostcpu-%d-" % os.getpid())
    try:
        with vstest.Daemon() as d:
            model = test_capabilities(tap, d)
            test_host_model(tap, d, model)
            test_node_cpu_stats(tap, d)
            test_compare(tap, d, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
