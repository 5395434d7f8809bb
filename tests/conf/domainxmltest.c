/*
 * domainxmltest.c: domain XML parsing, formatting, round trips, ABI
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case in data/ is <case>.xml with either <case>.out.xml (the
 * canonical persistent form) or <case>.err (the message the parse must
 * fail with). Valid cases also check that the output parses back to the
 * same definition and formats to the same bytes, in every flavour.
 * ABI cases pair data/abi/<case>-src.xml with <case>-dst.xml and an
 * optional <case>.err. VS_TEST_REGENERATE=1 rewrites expected files.
 */

#include <config.h>

#include <string.h>

#include "domain_conf.h"
#include "domain_confpriv.h"
#include "vserror.h"

static const char *const validCases[] = {
    "minimal",
    "libvirt-kernel-boot",
    "libvirt-live",
    "kernel-tcg",
    "disks-i440fx",
    "disks-q35",
    "disks-options",
    "q35-root-ports",
    "serial-pty",
    "serial-null",
    "console-only",
    "cpu-custom",
    "cpu-host-model",
    "memory-units",
    "metadata",
    "metadata-text",
    "usb-moved",
    "boot-order",
    "usb-none",
    "pm-features",
    "escaping",
    "virtinst-bios-server",
    "virtinst-uefi-desktop",
    "virtinst-win11",
    "devices-i440fx",
    "devices-q35-video",
    "graphics-passwd",
    "storage-q35",
    "scsi-usb-order",
    "net-types",
    "pci-ports-no-root",
};

static const char *const invalidCases[] = {
    "err-malformed",
    "err-root",
    "err-no-name",
    "err-name-slash",
    "err-no-os-type",
    "err-os-type-xen",
    "err-no-memory",
    "err-memory-unit",
    "err-memory-overflow",
    "err-current-above-max",
    "err-machine",
    "err-arch",
    "err-virt-type",
    "err-unknown-element",
    "err-unknown-attribute",
    "err-graphics",
    "err-sound",
    "err-interface-direct",
    "err-net-bridge-nosource",
    "err-net-no-source",
    "err-net-user-target",
    "err-net-managed-bridge",
    "err-net-unmanaged-noname",
    "err-net-ifname",
    "err-net-mtu",
    "err-net-link",
    "err-disk-block",
    "err-disk-bus-usb",
    "err-disk-bus-scsi",
    "err-backing-raw-below",
    "err-backing-qcow2-open",
    "err-backing-raw-top",
    "err-backing-no-format",
    "err-usb-ich9-partial",
    "err-scsi-address-bus",
    "err-disk-driver-discard-bad",
    "err-disk-serial",
    "err-disk-shareable-qcow2",
    "err-disk-dup-target",
    "err-disk-no-source",
    "err-disk-cdrom-virtio",
    "err-disk-ide-q35",
    "err-disk-io-native",
    "err-serial-tcp",
    "err-serial-port-range",
    "err-serial-log",
    "err-console-virtio",
    "err-video-xen",
    "err-tpm",
    "err-spicevmc-no-spice",
    "err-sound-ich6-q35",
    "err-usb-port-taken",
    "err-channel-no-name",
    "err-graphics-tls",
    "err-controller-virtio-serial",
    "err-controller-scsi",
    "err-memballoon-stats",
    "err-rng-egd",
    "err-clock-timer",
    "err-vcpu-auto",
    "err-cpu-topology",
    "err-cpu-numa",
    "err-features-hyperv",
    "err-os-loader",
    "err-boot-mixed",
    "err-pci-address-dup",
    "err-pci-address-bus",
    "err-user-alias",
    "err-seclabel-static",
    "err-lifecycle-coredump",
    "err-mac",
    "err-uuid",
    "err-text-in-devices",
    "err-namespace-element",
    "err-duplicate-name",
};

typedef struct _abiCase abiCase;
struct _abiCase {
    const char *name;
    gboolean ok;
};

static const abiCase abiCases[] = {
    { "same", TRUE },
    { "host-side-changes", TRUE },
    { "memory", FALSE },
    { "name", FALSE },
    { "uuid", FALSE },
    { "vcpus", FALSE },
    { "machine", FALSE },
    { "disk-count", FALSE },
    { "disk-target", FALSE },
    { "disk-address", FALSE },
    { "net-mac", FALSE },
    { "net-model", FALSE },
    { "serial-count", FALSE },
    { "balloon", FALSE },
    { "feature", FALSE },
    { "cpu-mode", FALSE },
    { "vcpus-current", FALSE },
    { "scsi-queues", FALSE },
    { "backing-path", TRUE },
};


static char *
testDataPath(const char *fmt,
             ...) G_GNUC_PRINTF(1, 2);

static char *
testDataPath(const char *fmt,
             ...)
{
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");
    g_autofree char *name = NULL;
    va_list args;

    va_start(args, fmt);
    name = g_strdup_vprintf(fmt, args);
    va_end(args);

    if (!srcdir)
        srcdir = SRCDIR_FALLBACK;
    return g_build_filename(srcdir, "conf", "data", name, NULL);
}


static gboolean
testRegenerate(void)
{
    return g_strcmp0(g_getenv("VS_TEST_REGENERATE"), "1") == 0;
}


/* Compares @actual with the file at @path, or rewrites it. */
static void
testCompareFile(const char *path,
                const char *actual)
{
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    if (testRegenerate()) {
        g_assert_true(g_file_set_contents(path, actual, -1, &err));
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &err))
        g_error("cannot read %s: %s", path, err->message);
    if (!g_str_equal(expected, actual)) {
        g_printerr("--- expected %s\n%s--- actual\n%s", path, expected, actual);
        g_test_fail();
    }
}


static char *
testFormat(const vsDomainDef *def,
           unsigned int flags)
{
    g_autoptr(GError) err = NULL;
    char *xml = vsDomainDefFormat(def, 7, flags, &err);

    g_assert_no_error(err);
    g_assert_nonnull(xml);
    return xml;
}


/* Formats @def with @flags, parses the result, and checks that the new
 * definition formats identically and is ABI-compatible with @def. */
static void
testRoundTrip(const vsDomainDef *def,
              unsigned int formatFlags,
              unsigned int parseFlags)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *first = testFormat(def, formatFlags);
    g_autoptr(vsDomainDef) again = vsDomainDefParseString(first, parseFlags,
                                                          &err);
    g_autofree char *second = NULL;

    g_assert_no_error(err);
    second = testFormat(again, formatFlags);
    g_assert_cmpstr(first, ==, second);
    g_assert_true(vsDomainDefCheckABIStability(def, again, &err));
    g_assert_no_error(err);
}


static void
testValid(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in = testDataPath("%s.xml", name);
    g_autofree char *out = testDataPath("%s.out.xml", name);
    g_autoptr(GError) err = NULL;
    g_autoptr(vsDomainDef) def = NULL;
    g_autoptr(vsDomainDef) copy = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *copyXML = NULL;
    unsigned int persistent = VS_DOMAIN_DEF_FORMAT_INACTIVE |
        VS_DOMAIN_DEF_FORMAT_SECURE;

    def = vsDomainDefParseFile(in, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    g_assert_nonnull(def);

    xml = testFormat(def, persistent);
    testCompareFile(out, xml);

    testRoundTrip(def, persistent, VS_DOMAIN_DEF_PARSE_INACTIVE);
    testRoundTrip(def, persistent | VS_DOMAIN_DEF_FORMAT_MIGRATABLE,
                  VS_DOMAIN_DEF_PARSE_INACTIVE);
    testRoundTrip(def, 0, VS_DOMAIN_DEF_PARSE_INACTIVE);
    testRoundTrip(def, VS_DOMAIN_DEF_FORMAT_STATUS, VS_DOMAIN_DEF_PARSE_STATUS);

    copy = vsDomainDefCopy(def, &err);
    g_assert_no_error(err);
    copyXML = testFormat(copy, persistent);
    g_assert_cmpstr(xml, ==, copyXML);
}


static void
testInvalid(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in = testDataPath("%s.xml", name);
    g_autofree char *errPath = testDataPath("%s.err", name);
    g_autofree char *xml = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(vsDomainDef) def = NULL;

    g_assert_true(g_file_get_contents(in, &xml, NULL, NULL));
    def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_assert_true(err->domain == VS_ERROR_DOMAIN);
    g_assert_true(err->code == VS_ERR_XML_ERROR ||
                  err->code == VS_ERR_CONFIG_UNSUPPORTED);

    msg = vsErrorFormatMessage(err);
    line = g_strdup_printf("%s\n", msg);
    testCompareFile(errPath, line);
}


static void
testABI(gconstpointer data)
{
    const abiCase *tc = data;
    g_autofree char *srcPath = testDataPath("abi/%s-src.xml", tc->name);
    g_autofree char *dstPath = testDataPath("abi/%s-dst.xml", tc->name);
    g_autofree char *errPath = testDataPath("abi/%s.err", tc->name);
    g_autoptr(vsDomainDef) src = NULL;
    g_autoptr(vsDomainDef) dst = NULL;
    g_autoptr(GError) err = NULL;

    src = vsDomainDefParseFile(srcPath, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    dst = vsDomainDefParseFile(dstPath, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);

    if (tc->ok) {
        g_assert_true(vsDomainDefCheckABIStability(src, dst, &err));
        g_assert_no_error(err);
    } else {
        g_autofree char *msg = NULL;
        g_autofree char *line = NULL;

        g_assert_false(vsDomainDefCheckABIStability(src, dst, &err));
        g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED);
        msg = vsErrorFormatMessage(err);
        line = g_strdup_printf("%s\n", msg);
        testCompareFile(errPath, line);
    }
}


static void
testMemoryUnits(void)
{
    static const struct {
        const char *unit;
        const char *value;
        unsigned long long kib;
    } cases[] = {
        { "b", "1073741824", 1048576 },
        { "bytes", "1073741825", 1049600 },
        { "KB", "1024000", 1000448 },
        { "k", "262144", 262144 },
        { "KiB", "262144", 262144 },
        { "MB", "1000", 976896 },
        { "M", "256", 262144 },
        { "MiB", "256", 262144 },
        { "GB", "1", 976896 },
        { "G", "1", 1048576 },
        { "GiB", "2", 2097152 },
        { "TB", "1", 976563200 },
        { "T", "1", 1073741824 },
        { "TiB", "1", 1073741824 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = NULL;
        g_autoptr(vsDomainDef) def = NULL;
        g_autoptr(GError) err = NULL;

        xml = g_strdup_printf("<domain type='kvm'><name>m</name>"
                              "<memory unit='%s'>%s</memory>"
                              "<os><type>hvm</type></os></domain>",
                              cases[i].unit, cases[i].value);
        def = vsDomainDefParseString(xml, 0, &err);
        g_assert_no_error(err);
        /* Sizes are rounded up to whole MiB. */
        g_assert_cmpuint(def->maxMemory, ==, cases[i].kib);
        g_assert_cmpuint(def->curMemory, ==, cases[i].kib);
    }
}


static void
testNames(void)
{
    static const struct {
        const char *name;
        gboolean ok;
    } cases[] = {
        { "vm1", TRUE },
        { "a b.c-d_e", TRUE },
        { "", FALSE },
        { "a/b", FALSE },
        { ".", FALSE },
        { "..", FALSE },
        { "tab\there", FALSE },
    };
    g_autofree char *longName = g_strnfill(201, 'x');
    g_autoptr(GError) err = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean ok = vsDomainDefValidateName(cases[i].name, &err);

        g_assert_cmpint(ok, ==, cases[i].ok);
        if (!ok)
            g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR);
        g_clear_error(&err);
    }
    g_assert_false(vsDomainDefValidateName(longName, &err));
    g_clear_error(&err);
    longName[200] = '\0';
    g_assert_true(vsDomainDefValidateName(longName, NULL));
}


static void
testDiskIndex(void)
{
    g_assert_cmpint(vsDomainDiskNameToIndex("vda"), ==, 0);
    g_assert_cmpint(vsDomainDiskNameToIndex("hdc"), ==, 2);
    g_assert_cmpint(vsDomainDiskNameToIndex("sdz"), ==, 25);
    g_assert_cmpint(vsDomainDiskNameToIndex("vdaa"), ==, 26);
    g_assert_cmpint(vsDomainDiskNameToIndex("vd"), ==, -1);
    g_assert_cmpint(vsDomainDiskNameToIndex("vd1"), ==, -1);
    g_assert_cmpint(vsDomainDiskNameToIndex(NULL), ==, -1);
}


/* A missing UUID and MAC are generated once and then kept. */
static void
testGenerated(void)
{
    const char *xml =
        "<domain type='kvm'><name>g</name><memory>65536</memory>"
        "<os><type>hvm</type></os>"
        "<devices><interface type='user'/></devices></domain>";
    g_autoptr(vsDomainDef) def = vsDomainDefParseString(xml, 0, NULL);
    g_autoptr(vsDomainDef) copy = NULL;
    vsDomainNetDef *net;

    g_assert_nonnull(def);
    g_assert_false(vsUUIDIsNull(def->uuid));
    net = g_ptr_array_index(def->nets, 0);
    g_assert_cmpuint(net->mac[0], ==, 0x52);
    g_assert_cmpuint(net->mac[1], ==, 0x54);
    g_assert_cmpuint(net->mac[2], ==, 0x00);

    copy = vsDomainDefCopy(def, NULL);
    g_assert_nonnull(copy);
    g_assert_cmpmem(def->uuid, VS_UUID_BUFLEN, copy->uuid, VS_UUID_BUFLEN);
    g_assert_true(vsDomainDefCheckABIStability(def, copy, NULL));
}


/* The id attribute is runtime state: ignored unless reading status. */
static void
testStatusId(void)
{
    g_autofree char *in = testDataPath("minimal.xml");
    g_autoptr(vsDomainDef) def = vsDomainDefParseFile(in, 0, NULL);
    g_autoptr(vsDomainDef) status = NULL;
    g_autofree char *live = NULL;
    g_autofree char *inactive = NULL;

    g_assert_nonnull(def);
    g_assert_cmpint(def->id, ==, -1);
    live = vsDomainDefFormat(def, 5, VS_DOMAIN_DEF_FORMAT_STATUS, NULL);
    g_assert_nonnull(strstr(live, "<domain type='kvm' id='5'>"));
    g_assert_nonnull(strstr(live, "<alias name='balloon0'/>"));
    inactive = vsDomainDefFormat(def, 5, VS_DOMAIN_DEF_FORMAT_INACTIVE, NULL);
    g_assert_null(strstr(inactive, "id='5'"));
    g_assert_null(strstr(inactive, "<alias"));

    status = vsDomainDefParseString(live, VS_DOMAIN_DEF_PARSE_STATUS, NULL);
    g_assert_nonnull(status);
    g_assert_cmpint(status->id, ==, 5);
    g_clear_pointer(&status, vsDomainDefFree);
    status = vsDomainDefParseString(live, VS_DOMAIN_DEF_PARSE_INACTIVE, NULL);
    g_assert_nonnull(status);
    g_assert_cmpint(status->id, ==, -1);
}


static void
testParseFileMissing(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(vsDomainDefParseFile("/nonexistent/domain.xml", 0, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(validCases); i++) {
        g_autofree char *path = g_strdup_printf("/conf/domainxml/valid/%s",
                                                validCases[i]);
        g_test_add_data_func(path, validCases[i], testValid);
    }
    for (i = 0; i < G_N_ELEMENTS(invalidCases); i++) {
        g_autofree char *path = g_strdup_printf("/conf/domainxml/invalid/%s",
                                                invalidCases[i]);
        g_test_add_data_func(path, invalidCases[i], testInvalid);
    }
    for (i = 0; i < G_N_ELEMENTS(abiCases); i++) {
        g_autofree char *path = g_strdup_printf("/conf/domainxml/abi/%s",
                                                abiCases[i].name);
        g_test_add_data_func(path, &abiCases[i], testABI);
    }
    g_test_add_func("/conf/domainxml/memory-units", testMemoryUnits);
    g_test_add_func("/conf/domainxml/names", testNames);
    g_test_add_func("/conf/domainxml/disk-index", testDiskIndex);
    g_test_add_func("/conf/domainxml/generated", testGenerated);
    g_test_add_func("/conf/domainxml/status-id", testStatusId);
    g_test_add_func("/conf/domainxml/parse-file-missing", testParseFileMissing);

    return g_test_run();
}
