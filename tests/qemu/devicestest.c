/*
 * devicestest.c: firmware selection, NVRAM files, display ports and ptys
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Firmware cases choose from the descriptors in data/firmware/share and
 * data/firmware/etc (the latter overriding a file of the same name). The
 * other cases use a scratch directory and the loopback interface.
 */

#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qemu_firmware.h"
#include "qemu_firmwarepriv.h"
#include "qemu_graphics.h"
#include "vserror.h"

typedef struct {
    const char *name;
    const char *machine;
    const char *os;             /* extra XML inside <os> */
    const char *features;       /* extra XML inside <features> */
    gboolean useEtc;
    const char *loader;         /* NULL: the selection must fail */
    const char *nvramTemplate;
    vsDomainTristate smm;
} FirmwareCase;

static const FirmwareCase firmwareCases[] = {
    { "default", "pc-q35-10.0", "", "", FALSE,
      "/fw/CODE.ms.fd", "/fw/VARS.ms.fd", VS_DOMAIN_TRISTATE_ON },
    { "no-enrolled-keys", "pc-q35-10.0",
      "<firmware><feature enabled='no' name='enrolled-keys'/></firmware>",
      "", FALSE, "/fw/CODE.secboot.fd", "/fw/VARS.fd", VS_DOMAIN_TRISTATE_ON },
    { "no-secure-boot", "pc-q35-10.0",
      "<firmware><feature enabled='no' name='secure-boot'/></firmware>",
      "", FALSE, "/fw/CODE.fd", "/fw/VARS.fd", VS_DOMAIN_TRISTATE_ABSENT },
    { "smm-off", "pc-q35-10.0", "", "<smm state='off'/>", FALSE,
      "/fw/CODE.fd", "/fw/VARS.fd", VS_DOMAIN_TRISTATE_OFF },
    { "i440fx", "pc-i440fx-10.0", "", "", FALSE,
      "/fw/CODE.fd", "/fw/VARS.fd", VS_DOMAIN_TRISTATE_ABSENT },
    { "etc-overrides", "pc-i440fx-10.0", "", "", TRUE,
      "/fw/CODE.local.fd", "/fw/VARS.local.fd", VS_DOMAIN_TRISTATE_ABSENT },
    { "i440fx-secure", "pc-i440fx-10.0",
      "<firmware><feature enabled='yes' name='secure-boot'/></firmware>",
      "", FALSE, NULL, NULL, VS_DOMAIN_TRISTATE_ABSENT },
};


static vsDomainDef *
testParse(const char *machine,
          const char *os,
          const char *features,
          const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>vs1</name>"
        "<memory unit='MiB'>64</memory>"
        "<os firmware='efi'><type arch='x86_64' machine='%s'>hvm</type>%s</os>"
        "<features><acpi/>%s</features><devices>%s</devices></domain>",
        machine, os, features, devices);
    g_autoptr(GError) err = NULL;
    vsDomainDef *def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                              &err);

    g_assert_no_error(err);
    return def;
}


static void
testFirmware(gconstpointer data)
{
    const FirmwareCase *tc = data;
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");
    g_autofree char *share = g_build_filename(srcdir, "qemu", "data",
                                              "firmware", "share", NULL);
    g_autofree char *etc = g_build_filename(srcdir, "qemu", "data",
                                            "firmware", "etc", NULL);
    const char *dirs[] = { share, tc->useEtc ? etc : NULL, NULL };
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/vsroot");
    g_autoptr(vsDomainDef) def = testParse(tc->machine, tc->os, tc->features,
                                           "");
    g_autoptr(GError) err = NULL;
    gboolean ok = qemuFirmwareFillDefFromDirs(cfg, def, dirs, &err);

    if (!tc->loader) {
        g_assert_false(ok);
        g_assert_nonnull(strstr(err->message, "efi"));
        return;
    }
    g_assert_no_error(err);
    g_assert_cmpstr(def->fw.loader, ==, tc->loader);
    g_assert_cmpstr(def->fw.nvramTemplate, ==, tc->nvramTemplate);
    g_assert_cmpstr(def->fw.nvram, ==, "/vsroot/lib/nvram/vs1_VARS.fd");
    g_assert_cmpint(def->fw.loaderType, ==, VS_DOMAIN_LOADER_TYPE_PFLASH);
    g_assert_cmpint(def->fw.loaderReadonly, ==, VS_DOMAIN_TRISTATE_ON);
    g_assert_cmpint(def->smm, ==, tc->smm);
    g_assert_cmpint(def->fw.loaderSecure, ==,
                    tc->smm == VS_DOMAIN_TRISTATE_ON ? VS_DOMAIN_TRISTATE_ON :
                    VS_DOMAIN_TRISTATE_OFF);
}


/* NVRAM: created from the template, kept, reset on request; a missing
 * template fails by element. */
static void
testNVRAM(void)
{
    g_autofree char *dir = g_dir_make_tmp("vsdevices-XXXXXX", NULL);
    g_autofree char *template = g_build_filename(dir, "VARS.fd", NULL);
    g_autofree char *nvram = g_build_filename(dir, "nvram", "vs1_VARS.fd",
                                              NULL);
    g_autoptr(vsDomainDef) def = testParse("pc-q35-10.0", "", "", "");
    g_autoptr(GError) err = NULL;
    g_autofree char *content = NULL;
    g_autofree char *nvramDir = NULL;

    g_assert_true(g_file_set_contents(template, "template", -1, NULL));
    def->fw.loader = g_strdup(template);
    def->fw.loaderType = VS_DOMAIN_LOADER_TYPE_PFLASH;
    def->fw.nvram = g_strdup(nvram);
    def->fw.nvramTemplate = g_strdup(template);

    g_assert_true(qemuFirmwarePrepare(def, FALSE, &err));
    g_assert_true(g_file_get_contents(nvram, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "template");
    g_clear_pointer(&content, g_free);

    g_assert_true(g_file_set_contents(nvram, "written", -1, NULL));
    g_assert_true(qemuFirmwarePrepare(def, FALSE, &err));
    g_assert_true(g_file_get_contents(nvram, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "written");
    g_clear_pointer(&content, g_free);

    g_assert_true(qemuFirmwarePrepare(def, TRUE, &err));
    g_assert_true(g_file_get_contents(nvram, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "template");

    g_free(def->fw.loader);
    def->fw.loader = g_build_filename(dir, "missing.fd", NULL);
    g_assert_false(qemuFirmwarePrepare(def, FALSE, &err));
    g_assert_nonnull(strstr(err->message, "/domain/os/loader"));

    nvramDir = g_path_get_dirname(nvram);
    g_unlink(nvram);
    g_rmdir(nvramDir);
    g_unlink(template);
    g_rmdir(dir);
}


/* query-chardev's answer gives the pty of serial0 to the serial port
 * and to the console that mirrors it. */
static void
testChardevPtys(void)
{
    g_autoptr(vsDomainDef) def = NULL;
    g_autoptr(GError) err = NULL;
    json_object *reply;
    vsDomainChrDef *serial;
    vsDomainChrDef *console;

    def = vsDomainDefParseString(
        "<domain type='qemu'><name>vs1</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        "<serial type='pty'/><serial type='null'/><console type='pty'/>"
        "</devices></domain>", VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    reply = json_tokener_parse(
        "[{\"frontend-open\": true, \"filename\": \"pty:/dev/pts/7\","
        "  \"label\": \"charserial0\"},"
        " {\"frontend-open\": true, \"filename\": \"null\","
        "  \"label\": \"charserial1\"},"
        " {\"frontend-open\": true, \"filename\": \"unix:/x,server=on\","
        "  \"label\": \"charmonitor\"}]");
    qemuGraphicsParseChardevPtys(reply, def);
    json_object_put(reply);

    serial = g_ptr_array_index(def->serials, 0);
    console = g_ptr_array_index(def->consoles, 0);
    g_assert_cmpstr(serial->ptyPath, ==, "/dev/pts/7");
    g_assert_cmpstr(console->ptyPath, ==, "/dev/pts/7");
    g_assert_null(((vsDomainChrDef *) g_ptr_array_index(def->serials,
                                                        1))->ptyPath);
}


static vsDomainDef *
testGraphicsDef(const char *uuid,
                const char *graphics)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>vs-%s</name><uuid>%s</uuid>"
        "<memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
        "<devices>%s</devices></domain>", uuid, uuid, graphics);
    g_autoptr(GError) err = NULL;
    vsDomainDef *def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                              &err);

    g_assert_no_error(err);
    return def;
}


/* What the driver chose (listen address, channel socket) shows in live
 * and status XML, survives a copy, and stays out of migratable XML. */
static void
testGeneratedSettings(const vsDomainDef *def)
{
    g_autoptr(vsDomainDef) copy = NULL;
    g_autofree char *live = NULL;
    g_autofree char *image = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_nonnull((copy = vsDomainDefCopy(def, &err)));
    live = vsDomainDefFormat(copy, 1, 0, &err);
    image = vsDomainDefFormat(copy, 1, VS_DOMAIN_DEF_FORMAT_SECURE |
                              VS_DOMAIN_DEF_FORMAT_MIGRATABLE, &err);
    g_assert_nonnull(strstr(live, "address='127.0.0.1'"));
    g_assert_nonnull(strstr(live, "/channel/vs-"));
    g_assert_null(strstr(live, "autoGenerated"));
    g_assert_null(strstr(image, "127.0.0.1"));
    g_assert_null(strstr(image, "/channel/vs-"));
}


/* Autoport hands out distinct ports from 5900 up and gives them back; a
 * fixed port somebody holds fails by element. */
static void
testGraphicsPorts(void)
{
    g_autoptr(qemuGraphicsPorts) ports = qemuGraphicsPortsNew();
    g_autoptr(vsDomainDef) a = testGraphicsDef(
        "11111111-2222-3333-4444-555555555555",
        "<graphics type='vnc'/><channel type='unix'>"
        "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
    g_autoptr(vsDomainDef) b = testGraphicsDef(
        "11111111-2222-3333-4444-666666666666",
        "<graphics type='spice' autoport='yes'/>");
    g_autoptr(vsDomainDef) c = NULL;
    g_autofree char *fixed = NULL;
    g_autoptr(GError) err = NULL;
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof(addr);
    vsDomainGraphicsDef *ga;
    vsDomainGraphicsDef *gb;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_autofree char *dir = g_dir_make_tmp("vsdevices-XXXXXX", NULL);
    g_autofree char *chanDir = g_build_filename(dir, "channel", NULL);
    g_autofree char *sockDir = NULL;

    g_assert_true(qemuGraphicsPrepare(ports, dir, a, &err));
    g_assert_true(qemuGraphicsPrepare(ports, dir, b, &err));
    ga = g_ptr_array_index(a->graphics, 0);
    gb = g_ptr_array_index(b->graphics, 0);
    g_assert_cmpint(ga->port, >=, 5900);
    g_assert_cmpint(gb->port, >=, 5900);
    g_assert_cmpint(ga->port, !=, gb->port);
    g_assert_cmpstr(ga->listenAddress, ==, "127.0.0.1");
    testGeneratedSettings(a);
    qemuGraphicsRelease(ports, a);
    qemuGraphicsRelease(ports, b);
    g_assert_cmpuint(g_hash_table_size(ports->owners), ==, 0);

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *) &addr, &len), ==, 0);
    fixed = g_strdup_printf("<graphics type='vnc' port='%d' autoport='no'/>",
                            ntohs(addr.sin_port));
    c = testGraphicsDef("11111111-2222-3333-4444-777777777777", fixed);
    g_assert_false(qemuGraphicsPrepare(ports, dir, c, &err));
    g_assert_nonnull(strstr(err->message, "/domain/devices/graphics"));
    g_assert_cmpuint(g_hash_table_size(ports->owners), ==, 0);
    close(fd);

    sockDir = g_build_filename(chanDir, a->name, NULL);
    g_rmdir(sockDir);
    g_rmdir(chanDir);
    g_rmdir(dir);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(firmwareCases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/devices/firmware/%s",
                                                firmwareCases[i].name);

        g_test_add_data_func(path, &firmwareCases[i], testFirmware);
    }
    g_test_add_func("/qemu/devices/nvram", testNVRAM);
    g_test_add_func("/qemu/devices/chardev-ptys", testChardevPtys);
    g_test_add_func("/qemu/devices/graphics-ports", testGraphicsPorts);
    return g_test_run();
}
