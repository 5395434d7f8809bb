/*
 * statstest.c: the parsers behind node information and domain
 * statistics, on recorded /proc text and QMP replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <string.h>
#include <unistd.h>

#include "qemu_host.h"
#include "qemu_stats.h"
#include "vserror.h"

static const char cpuinfo[] =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2596.000\n"
    "physical id\t: 0\ncpu cores\t: 4\n\n"
    "processor\t: 1\ncpu MHz\t\t: 2596.000\nphysical id\t: 0\ncpu cores\t: 4\n\n"
    "processor\t: 2\ncpu MHz\t\t: 2596.000\nphysical id\t: 1\ncpu cores\t: 4\n\n"
    "processor\t: 3\ncpu MHz\t\t: 2596.000\nphysical id\t: 1\ncpu cores\t: 4\n";

static const char meminfo[] =
    "MemTotal:       24683792 kB\nMemFree:        23650940 kB\n"
    "MemAvailable:   23900000 kB\nBuffers:            5480 kB\n"
    "Cached:           546720 kB\n";

static const char procstat[] =
    "cpu  100 20 300 4000 50 6 7 0 0 0\n"
    "cpu0 60 10 200 2000 25 3 4 0 0 0\n"
    "cpu1 40 10 100 2000 25 3 3 0 0 0\n"
    "intr 1 2 3\n";


static void
testNodeInfo(void)
{
    qemuHostNodeInfo info;
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuHostParseNodeInfo(cpuinfo, meminfo, "x86_64", 8, &info,
                                        &err));
    g_assert_cmpstr(info.model, ==, "x86_64");
    g_assert_cmpuint(info.memory, ==, 24683792);
    g_assert_cmpint(info.cpus, ==, 8);
    g_assert_cmpint(info.mhz, ==, 2596);
    g_assert_cmpint(info.nodes, ==, 1);
    g_assert_cmpint(info.sockets, ==, 2);
    g_assert_cmpint(info.cores, ==, 4);
    g_assert_cmpint(info.threads, ==, 1);

    /* no topology lines (many VMs): one socket holding every CPU */
    g_assert_true(qemuHostParseNodeInfo("processor\t: 0\n", meminfo, "x86_64",
                                        2, &info, &err));
    g_assert_cmpint(info.sockets, ==, 1);
    g_assert_cmpint(info.cores, ==, 2);
    g_assert_cmpint(info.threads, ==, 1);

    g_assert_false(qemuHostParseNodeInfo(cpuinfo, "Nothing: 1 kB\n", "x86_64",
                                         2, &info, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
}


static void
testCPUStats(void)
{
    qemuHostStat stats[QEMU_HOST_CPU_STATS_MAX];
    g_autoptr(GError) err = NULL;
    unsigned long long tick = 1000000000ULL / sysconf(_SC_CLK_TCK);

    g_assert_cmpint(qemuHostParseCPUStats(procstat, QEMU_HOST_ALL_CPUS, stats,
                                          &err), ==, 4);
    g_assert_cmpstr(stats[0].field, ==, "kernel");
    g_assert_cmpuint(stats[0].value, ==, (300 + 6 + 7) * tick);
    g_assert_cmpstr(stats[1].field, ==, "user");
    g_assert_cmpuint(stats[1].value, ==, (100 + 20) * tick);
    g_assert_cmpstr(stats[2].field, ==, "idle");
    g_assert_cmpuint(stats[2].value, ==, 4000 * tick);
    g_assert_cmpstr(stats[3].field, ==, "iowait");
    g_assert_cmpuint(stats[3].value, ==, 50 * tick);

    g_assert_cmpint(qemuHostParseCPUStats(procstat, 1, stats, &err), ==, 4);
    g_assert_cmpuint(stats[2].value, ==, 2000 * tick);

    g_assert_cmpint(qemuHostParseCPUStats(procstat, 7, stats, &err), ==, -1);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INVALID_ARG);
}


static void
testMemoryStats(void)
{
    qemuHostStat stats[QEMU_HOST_MEMORY_STATS_MAX];
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(qemuHostParseMemoryStats(meminfo, stats, &err), ==, 4);
    g_assert_cmpstr(stats[0].field, ==, "total");
    g_assert_cmpuint(stats[0].value, ==, 24683792);
    g_assert_cmpstr(stats[1].field, ==, "free");
    g_assert_cmpuint(stats[1].value, ==, 23650940);
    g_assert_cmpuint(stats[2].value, ==, 5480);
    g_assert_cmpuint(stats[3].value, ==, 546720);

    g_assert_cmpint(qemuHostParseMemoryStats("MemTotal: 1 kB\n", stats, &err),
                    ==, -1);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
}


static void
testCpusFast(void)
{
    json_object *reply = json_tokener_parse(
        "[{\"cpu-index\": 0, \"thread-id\": 101, \"target\": \"x86_64\"},"
        " {\"cpu-index\": 1, \"thread-id\": 102, \"target\": \"x86_64\"}]");
    json_object *bad = json_tokener_parse("[{\"cpu-index\": 0}]");
    g_autoptr(GArray) vcpus = NULL;
    g_autoptr(GError) err = NULL;

    vcpus = qemuStatsParseCpusFast(reply, &err);
    g_assert_nonnull(vcpus);
    g_assert_cmpuint(vcpus->len, ==, 2);
    g_assert_cmpuint(g_array_index(vcpus, qemuStatsVcpu, 1).number, ==, 1);
    g_assert_cmpint(g_array_index(vcpus, qemuStatsVcpu, 1).tid, ==, 102);
    g_assert_null(qemuStatsParseCpusFast(bad, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    json_object_put(reply);
    json_object_put(bad);
}


static void
testBlockstats(void)
{
    json_object *reply = json_tokener_parse(
        "[{\"device\": \"\", \"qdev\": \"/machine/peripheral/virtio-disk0/virtio-backend\","
        "  \"stats\": {\"rd_operations\": 3, \"rd_bytes\": 1536,"
        "   \"wr_operations\": 2, \"wr_bytes\": 8192, \"flush_operations\": 1,"
        "   \"rd_total_time_ns\": 10, \"wr_total_time_ns\": 20,"
        "   \"flush_total_time_ns\": 30}},"
        " {\"device\": \"\", \"qdev\": \"sata0-0-0\","
        "  \"stats\": {\"rd_operations\": 9, \"rd_bytes\": 4608}}]");
    qemuStatsBlock b;
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuStatsParseBlockstats(reply, "virtio-disk0", &b, &err));
    g_assert_cmpint(b.rdReq, ==, 3);
    g_assert_cmpint(b.rdBytes, ==, 1536);
    g_assert_cmpint(b.wrReq, ==, 2);
    g_assert_cmpint(b.wrBytes, ==, 8192);
    g_assert_cmpint(b.flReq, ==, 1);
    g_assert_cmpint(b.rdTimes, ==, 10);
    g_assert_cmpint(b.wrTimes, ==, 20);
    g_assert_cmpint(b.flTimes, ==, 30);

    g_assert_true(qemuStatsParseBlockstats(reply, "sata0-0-0", &b, &err));
    g_assert_cmpint(b.rdReq, ==, 9);
    g_assert_cmpint(b.wrBytes, ==, 0);

    /* a prefix of another disk's id is not that disk */
    g_assert_false(qemuStatsParseBlockstats(reply, "virtio-disk", &b, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    json_object_put(reply);
}


static void
testARP(void)
{
    static const char arp[] =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.7         0x1         0x2         52:54:00:12:34:56     *        br0\n"
        "10.0.0.9         0x1         0x2         52:54:00:aa:bb:cc     *        br0\n";
    static const unsigned char macs[] = {
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        0x52, 0x54, 0x00, 0x01, 0x02, 0x03,
    };
    const char *const names[] = { "net0", "net1" };
    g_autoptr(GPtrArray) ifaces = qemuStatsParseARP(arp, macs, 2, names);
    const qemuStatsInterface *iface;
    const qemuStatsIPAddress *addr;

    g_assert_cmpuint(ifaces->len, ==, 1);
    iface = g_ptr_array_index(ifaces, 0);
    g_assert_cmpstr(iface->name, ==, "net0");
    g_assert_cmpstr(iface->hwaddr, ==, "52:54:00:12:34:56");
    g_assert_cmpuint(iface->addrs->len, ==, 1);
    addr = g_ptr_array_index(iface->addrs, 0);
    g_assert_cmpstr(addr->addr, ==, "10.0.0.7");
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/node-info", testNodeInfo);
    g_test_add_func("/host/cpu-stats", testCPUStats);
    g_test_add_func("/host/memory-stats", testMemoryStats);
    g_test_add_func("/stats/cpus-fast", testCpusFast);
    g_test_add_func("/stats/blockstats", testBlockstats);
    g_test_add_func("/stats/arp", testARP);
    return g_test_run();
}
