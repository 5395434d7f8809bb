/*
 * interfacetest.c: the decisions behind a domain's tap interfaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vhost-net per interface and host (this test needs no /dev/vhost-net),
 * the bridge of a libvirt network definition, the interface a device
 * update names, and the -netdev and -device arguments built from the
 * descriptors the driver opened.
 */

#include <config.h>

#include <string.h>

#include "domain_conf.h"
#include "qemu_command.h"
#include "qemu_interface.h"
#include "vserror.h"

typedef struct {
    const char *name;
    vsDomainNetType type;
    vsDomainNetModel model;
    vsDomainNetBackend backend;
    gboolean hostHasVhost;
    int expect;                 /* 1: vhost, 0: none, -1: error */
} vhostCase;

static const vhostCase vhostCases[] = {
    { "virtio-default-host", VS_DOMAIN_NET_TYPE_BRIDGE,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_DEFAULT, TRUE, 1 },
    { "virtio-default-nohost", VS_DOMAIN_NET_TYPE_BRIDGE,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_DEFAULT, FALSE, 0 },
    { "virtio-qemu-host", VS_DOMAIN_NET_TYPE_NETWORK,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_QEMU, TRUE, 0 },
    { "virtio-vhost-host", VS_DOMAIN_NET_TYPE_ETHERNET,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_VHOST, TRUE, 1 },
    { "virtio-vhost-nohost", VS_DOMAIN_NET_TYPE_ETHERNET,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_VHOST, FALSE, -1 },
    { "e1000-default-host", VS_DOMAIN_NET_TYPE_BRIDGE,
      VS_DOMAIN_NET_MODEL_E1000, VS_DOMAIN_NET_BACKEND_DEFAULT, TRUE, 0 },
    { "e1000-vhost-host", VS_DOMAIN_NET_TYPE_BRIDGE,
      VS_DOMAIN_NET_MODEL_E1000, VS_DOMAIN_NET_BACKEND_VHOST, TRUE, -1 },
    { "user-virtio-host", VS_DOMAIN_NET_TYPE_USER,
      VS_DOMAIN_NET_MODEL_VIRTIO, VS_DOMAIN_NET_BACKEND_DEFAULT, TRUE, 0 },
};


static void
testVhost(gconstpointer data)
{
    const vhostCase *tc = data;
    vsDomainNetDef net = {
        .type = tc->type,
        .model = tc->model,
        .backend = tc->backend,
        .info = { .alias = (char *) "net0" },
    };
    g_autoptr(GError) err = NULL;
    gboolean vhost = TRUE;
    gboolean ok;

    ok = qemuInterfaceWantVhost(&net, tc->hostHasVhost, &vhost, &err);
    if (tc->expect < 0) {
        g_assert_false(ok);
        g_assert_error(err, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED);
        g_assert_nonnull(strstr(err->message, "net0"));
        return;
    }
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpint(vhost, ==, tc->expect);
}


typedef struct {
    const char *name;
    const char *xml;
    const char *bridge;         /* NULL: an error naming the network */
} networkCase;

static const networkCase networkCases[] = {
    { "nat", "<network><name>default</name><forward mode='nat'/>"
      "<bridge name='virbr0' stp='on' delay='0'/></network>", "virbr0" },
    { "isolated", "<network><name>default</name>"
      "<bridge name='virbr1'/></network>", "virbr1" },
    { "host-bridge", "<network><name>default</name><forward mode='bridge'/>"
      "<bridge name='br0'/></network>", "br0" },
    { "macvtap", "<network><name>default</name><forward mode='bridge'>"
      "<interface dev='eth0'/></forward></network>", NULL },
    { "passthrough", "<network><name>default</name>"
      "<forward mode='passthrough'/><bridge name='br0'/></network>", NULL },
    { "no-bridge", "<network><name>default</name></network>", NULL },
    { "not-network", "<domain/>", NULL },
    { "malformed", "<network", NULL },
};


static void
testNetwork(gconstpointer data)
{
    const networkCase *tc = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *bridge = qemuInterfaceParseNetworkBridge(tc->xml,
                                                              "default",
                                                              &err);

    if (!tc->bridge) {
        g_assert_null(bridge);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, "'default'"));
        return;
    }
    g_assert_no_error(err);
    g_assert_cmpstr(bridge, ==, tc->bridge);
}


#define TEST_DOMAIN \
    "<domain type='qemu'><name>vs1</name>" \
    "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>" \
    "<memory unit='MiB'>64</memory>" \
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" \
    "<interface type='bridge'><mac address='52:54:00:00:00:01'/>" \
    "<source bridge='br0'/><model type='virtio'/><mtu size='1400'/>" \
    "</interface>" \
    "<interface type='user'><mac address='52:54:00:00:00:02'/></interface>" \
    "<interface type='ethernet'><mac address='52:54:00:00:00:03'/>" \
    "<model type='e1000'/></interface>" \
    "</devices></domain>"


static char *
testBuild(const int *taps,
          const int *vhosts,
          GError **error)
{
    g_autoptr(vsDomainDef) def = NULL;
    g_auto(GStrv) argv = NULL;
    qemuCommandOptions opts;

    def = vsDomainDefParseString(TEST_DOMAIN, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                 error);
    g_assert_nonnull(def);
    qemuCommandOptionsInit(&opts);
    opts.emulator = "qemu-system-x86_64";
    opts.monitorPath = "/run/vs1.monitor";
    opts.netTapFds = taps;
    opts.netVhostFds = vhosts;
    if (!(argv = qemuBuildCommandLine(def, &opts, error)))
        return NULL;
    return g_strjoinv("\n", argv);
}


static void
testCommandTaps(void)
{
    static const int taps[] = { 7, -1, 9 };
    static const int vhosts[] = { 8, -1, -1 };
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = testBuild(taps, vhosts, &err);

    g_assert_no_error(err);
    g_assert_nonnull(strstr(cmd, "-netdev\n{\"type\":\"tap\",\"fd\":\"7\","
                                 "\"vhost\":true,\"vhostfd\":\"8\","
                                 "\"id\":\"hostnet0\"}\n"));
    g_assert_nonnull(strstr(cmd, "-netdev\n{\"type\":\"user\","
                                 "\"id\":\"hostnet1\"}\n"));
    g_assert_nonnull(strstr(cmd, "-netdev\n{\"type\":\"tap\",\"fd\":\"9\","
                                 "\"id\":\"hostnet2\"}\n"));
    g_assert_nonnull(strstr(cmd, "\"host_mtu\":1400"));
}


static void
testCommandNoTap(void)
{
    static const int taps[] = { 7, -1, -1 };
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = testBuild(taps, NULL, &err);

    g_assert_null(cmd);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "'net2'"));
}


typedef struct {
    const char *name;
    const char *xml;
    int match;                  /* index in TEST_DOMAIN's interfaces, -1 */
    int code;                   /* error code when @match is -1 */
} updateCase;

static const updateCase updateCases[] = {
    { "link-down", "<interface type='bridge'>"
      "<mac address='52:54:00:00:00:01'/><source bridge='br0'/>"
      "<target dev='vnet3'/><model type='virtio'/><mtu size='1400'/>"
      "<link state='down'/><alias name='net0'/></interface>", 0, 0 },
    { "by-mac", "<interface type='ethernet'>"
      "<mac address='52:54:00:00:00:03'/><model type='e1000'/>"
      "<link state='down'/></interface>", 2, 0 },
    { "no-mac-many", "<interface type='user'><link state='down'/>"
      "</interface>", -1, VS_ERR_OPERATION_FAILED },
    { "unknown-mac", "<interface type='user'>"
      "<mac address='52:54:00:00:00:09'/></interface>", -1,
      VS_ERR_OPERATION_FAILED },
    { "other-model", "<interface type='ethernet'>"
      "<mac address='52:54:00:00:00:03'/><model type='virtio'/>"
      "</interface>", -1, VS_ERR_OPERATION_UNSUPPORTED },
    { "other-bridge", "<interface type='bridge'>"
      "<mac address='52:54:00:00:00:01'/><source bridge='br1'/>"
      "<model type='virtio'/><mtu size='1400'/></interface>", -1,
      VS_ERR_OPERATION_UNSUPPORTED },
    { "other-type", "<interface type='user'>"
      "<mac address='52:54:00:00:00:01'/></interface>", -1,
      VS_ERR_OPERATION_UNSUPPORTED },
};


static void
testUpdate(gconstpointer data)
{
    const updateCase *tc = data;
    g_autoptr(vsDomainDef) def = NULL;
    g_autoptr(GError) err = NULL;
    vsDomainNetDef *update;
    vsDomainNetDef *net;
    gboolean hasMac;

    def = vsDomainDefParseString(TEST_DOMAIN, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                 &err);
    g_assert_no_error(err);
    update = vsDomainNetDefParseString(tc->xml, &hasMac, &err);
    g_assert_no_error(err);
    net = qemuInterfaceFindUpdate(def, update, hasMac, &err);
    if (tc->match < 0) {
        g_assert_null(net);
        g_assert_error(err, VS_ERROR_QEMU, tc->code);
    } else {
        g_assert_no_error(err);
        g_assert_true(net == g_ptr_array_index(def->nets, tc->match));
    }
    vsDomainNetDefFree(update);
}


static void
testUpdateNotInterface(void)
{
    g_autoptr(GError) err = NULL;
    gboolean hasMac;

    g_assert_null(vsDomainNetDefParseString("<disk type='file'/>", &hasMac,
                                            &err));
    g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR);
    g_clear_error(&err);
    g_assert_null(vsDomainNetDefParseString("<interface type='direct'/>",
                                            &hasMac, &err));
    g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(vhostCases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/interface/vhost/%s",
                                                vhostCases[i].name);
        g_test_add_data_func(path, &vhostCases[i], testVhost);
    }
    for (i = 0; i < G_N_ELEMENTS(networkCases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/interface/network/%s",
                                                networkCases[i].name);
        g_test_add_data_func(path, &networkCases[i], testNetwork);
    }
    for (i = 0; i < G_N_ELEMENTS(updateCases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/interface/update/%s",
                                                updateCases[i].name);
        g_test_add_data_func(path, &updateCases[i], testUpdate);
    }
    g_test_add_func("/qemu/interface/update/not-interface",
                    testUpdateNotInterface);
    g_test_add_func("/qemu/interface/command/taps", testCommandTaps);
    g_test_add_func("/qemu/interface/command/no-tap", testCommandNoTap);
    return g_test_run();
}
