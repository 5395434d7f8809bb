/*
 * savetest.c: save and restore of real QEMU guests through the driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every case boots the test guest (tests/guest), which fills its RAM
 * with a seeded pattern and verifies it forever, printing "VSGUEST
 * VERIFY OK pass=N" on its serial port (a file QEMU appends to). A
 * restore counts only if a new OK line follows it. Failure cases check
 * that the guest keeps running where it ran, that no partial image is
 * left behind and that the error says what went wrong.
 *
 * Cases that need loop devices or mounts skip when the host refuses
 * them. VS_TEST_ACCEL picks kvm or tcg (default: auto).
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdriverutils.h"

#include "qemu_saveimage.h"
#include "qemu_savepriv.h"
#include "vsfile.h"
#include "vsuuid.h"

#define ST_MEM_MIB 256
#define ST_FILL 50
#define ST_OK "VSGUEST VERIFY OK"

typedef struct {
    testRoot tr;
    qemuDriver *driver;
    char *name;
    unsigned char uuid[VS_UUID_BUFLEN];
    char *dir;                  /* where images go */
} stFixture;


static char *
stDomainXML(const testRoot *tr,
            const char *name,
            const char *uuid,
            unsigned int memMiB,
            unsigned int fill,
            const char *description)
{
    g_autofree char *serial = testSerialPath(tr, name);

    return g_strdup_printf(
        "<domain type='kvm'>\n"
        "  <name>%s</name>\n"
        "  <uuid>%s</uuid>\n"
        "  <description>%s</description>\n"
        "  <memory unit='MiB'>%u</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "    <kernel>%s</kernel>\n"
        "    <cmdline>seed=%u fill=%u</cmdline>\n"
        "  </os>\n"
        "  <devices>\n"
        "    <serial type='file'>\n"
        "      <source path='%s' append='on'/>\n"
        "    </serial>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "</domain>\n", name, uuid, description, memMiB, tr->guest,
        (unsigned int) g_str_hash(name), fill, serial);
}


static guint
stCountSerial(const testRoot *tr,
              const char *name,
              const char *text)
{
    g_autofree char *path = testSerialPath(tr, name);
    g_autofree char *content = NULL;
    const char *p;
    guint n = 0;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return 0;
    for (p = content; (p = strstr(p, text)); p++)
        n++;
    g_assert_null(strstr(content, "VSGUEST VERIFY BAD"));
    return n;
}


/* Wait for more than @after lines with @text; the serial file is QEMU's,
 * so this reads it at short intervals. */
static void
stWaitSerialMore(const testRoot *tr,
                 const char *name,
                 const char *text,
                 guint after)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) TEST_GUEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

    while (g_get_monotonic_time() < deadline) {
        if (stCountSerial(tr, name, text) > after)
            return;
        g_usleep(50 * 1000);
    }
    g_error("guest '%s' printed no new '%s' line", name, text);
}


/* Boot a persistent domain and wait until it verified its memory once. */
static gboolean
stSetup(stFixture *f,
        const char *name,
        unsigned int memMiB,
        unsigned int fill)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autofree char *xml = NULL;
    char uuidstr[VS_UUID_STRING_BUFLEN];

    memset(f, 0, sizeof(*f));
    if (!testRootInit(&f->tr))
        return FALSE;
    if (!(f->driver = qemuDriverNew(f->tr.root, &err))) {
        g_test_skip(err->message);
        return FALSE;
    }
    f->name = g_strdup(name);
    f->dir = g_build_filename(f->tr.root, "images", NULL);
    g_assert_cmpint(g_mkdir_with_parents(f->dir, 0700), ==, 0);

    vsUUIDGenerate(f->uuid);
    vsUUIDFormat(f->uuid, uuidstr);
    xml = stDomainXML(&f->tr, name, uuidstr, memMiB, fill, "first");
    ref = qemuDriverDefineXML(f->driver, xml, 0, &err);
    g_assert_no_error(err);
    started = qemuDriverStart(f->driver, f->uuid, 0, &err);
    g_assert_no_error(err);
    stWaitSerialMore(&f->tr, name, ST_OK, 0);
    return TRUE;
}


static void
stTeardown(stFixture *f)
{
    g_autoptr(GError) err = NULL;

    if (f->driver) {
        if (qemuDriverIsActive(f->driver, f->uuid, NULL) == 1)
            qemuDriverDestroy(f->driver, f->uuid, 0, NULL);
        qemuDriverUndefine(f->driver, f->uuid,
                           VS_DOMAIN_UNDEFINE_MANAGED_SAVE, NULL);
        qemuDriverFree(f->driver);
    }
    testRootClear(&f->tr);
    g_free(f->name);
    g_free(f->dir);
}


static vsTypedParamList *
stParams(const char *file,
         const char *format,
         int channels,
         const char *dxml)
{
    vsTypedParamList *p = vsTypedParamListNew();

    if (file)
        vsTypedParamListAddString(p, VS_DOMAIN_SAVE_PARAM_FILE, file);
    if (format)
        vsTypedParamListAddString(p, VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT,
                                  format);
    if (channels > 0)
        vsTypedParamListAddInt(p, VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS,
                               channels);
    if (dxml)
        vsTypedParamListAddString(p, VS_DOMAIN_SAVE_PARAM_DXML, dxml);
    return p;
}


/* Only the image itself may be in the directory: no temporary file. */
static void
stAssertDirHolds(const char *dir,
                 const char *only)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *e;

    g_assert_nonnull(d);
    while ((e = g_dir_read_name(d))) {
        if (only && g_str_equal(e, only))
            continue;
        g_error("unexpected file '%s' in '%s'", e, dir);
    }
}


/* Header and layout of a finished image. */
static void
stCheckImage(const char *path,
             qemuSaveFormat format,
             gboolean wasRunning)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuSaveMappedRamReport) report = NULL;
    VS_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    qemuSaveHeader hdr;
    uint64_t size;
    uint64_t allocated;

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(qemuSaveImageReadHeader(fd, &hdr, &err));
    g_assert_true(vsFileGetSizes(fd, &size, &allocated, &err));
    g_assert_true(qemuSaveImageCheckHeader(&hdr, size, 0, &err));
    g_assert_no_error(err);
    g_assert_true(qemuSaveImageIsComplete(&hdr));
    g_assert_cmpuint(hdr.format, ==, format);
    g_assert_cmpuint(hdr.wasRunning, ==, wasRunning);
    g_assert_cmpuint(qemuSaveImageDataOffset(&hdr) % QEMU_SAVE_ALIGN_MIN, ==, 0);
    g_assert_true(qemuSaveImageCheckPayload(fd, &hdr, size, &err));
    if (format == QEMU_SAVE_FORMAT_RAW || format == QEMU_SAVE_FORMAT_SPARSE)
        g_assert_true(qemuSaveImageCheckStreamEnd(fd, &hdr, size, NULL,
                                                  &err));
    if (format == QEMU_SAVE_FORMAT_SPARSE) {
        g_assert_true(qemuSaveImageCheckMappedRam(fd, &hdr, size, &report,
                                                  &err));
        g_assert_no_error(err);
        g_assert_cmpuint(report->ramTotal, >=,
                         (uint64_t) ST_MEM_MIB * 1024 * 1024);
    }
    g_test_message("image %s: %" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT
                   " allocated", path, size, allocated);
}


static gboolean
stSave(stFixture *f,
       const char *path,
       const char *format,
       int channels,
       unsigned int flags,
       GError **error)
{
    g_autoptr(vsTypedParamList) p = stParams(path, format, channels, NULL);

    return qemuDriverSave(f->driver, f->uuid, p, flags, error);
}


static gboolean
stRestore(stFixture *f,
          const char *path,
          int channels,
          const char *dxml,
          unsigned int flags,
          GError **error)
{
    g_autoptr(vsTypedParamList) p = stParams(path, NULL, channels, dxml);

    return qemuDriverRestore(f->driver, p, flags, error);
}


/* ---- round trips -------------------------------------------------- */

typedef struct {
    const char *format;
    int channels;
    unsigned int saveFlags;
    unsigned int restoreFlags;
    int restoreChannels;
    gboolean pauseFirst;
} stRoundTrip;

static const stRoundTrip stSparse1 = { "sparse", 1, 0, 0, 0, FALSE };
static const stRoundTrip stSparse4 = { "sparse", 4, 0, 0, 2, FALSE };
static const stRoundTrip stSparse1Bypass = {
    "sparse", 1, VS_DOMAIN_SAVE_BYPASS_CACHE, VS_DOMAIN_SAVE_BYPASS_CACHE,
    0, FALSE };
static const stRoundTrip stSparse4Bypass = {
    "sparse", 4, VS_DOMAIN_SAVE_BYPASS_CACHE, VS_DOMAIN_SAVE_BYPASS_CACHE,
    4, FALSE };
static const stRoundTrip stRaw = { "raw", 0, 0, 0, 0, FALSE };
/* Through the I/O helper. */
static const stRoundTrip stRawBypass = {
    "raw", 0, VS_DOMAIN_SAVE_BYPASS_CACHE, VS_DOMAIN_SAVE_BYPASS_CACHE,
    0, FALSE };
static const stRoundTrip stZstd = { "zstd", 0, 0, 0, 0, FALSE };
static const stRoundTrip stPaused = { "sparse", 2, 0, 0, 0, TRUE };
static const stRoundTrip stPausedRunning = {
    "sparse", 1, 0, VS_DOMAIN_SAVE_RUNNING, 0, TRUE };
static const stRoundTrip stRunningPaused = {
    "sparse", 1, 0, VS_DOMAIN_SAVE_PAUSED, 0, FALSE };


static void
testRoundTrip(gconstpointer data)
{
    const stRoundTrip *rt = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(vsTypedParamList) stats = NULL;
    g_autofree char *path = NULL;
    qemuSaveFormat format = qemuSaveFormatTypeFromString(rt->format);
    gboolean running;
    guint ok;
    int type = -1;
    stFixture f;

    if (!stSetup(&f, "rt", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "rt.img", NULL);

    if (rt->pauseFirst) {
        g_assert_true(qemuDriverSuspend(f.driver, f.uuid, &err));
        g_assert_no_error(err);
    }
    g_assert_true(stSave(&f, path, rt->format, rt->channels, rt->saveFlags,
                         &err));
    g_assert_no_error(err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);
    stAssertDirHolds(f.dir, "rt.img");
    stCheckImage(path, format, !rt->pauseFirst);

    g_assert_true(qemuDriverGetJobStats(f.driver, f.uuid,
                                        VS_DOMAIN_JOB_STATS_COMPLETED,
                                        &type, &stats, &err));
    g_assert_cmpint(type, ==, VS_DOMAIN_JOB_COMPLETED);
    g_assert_nonnull(vsTypedParamListFind(stats, "time_elapsed"));

    ok = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, path, rt->restoreChannels, NULL,
                            rt->restoreFlags, &err));
    g_assert_no_error(err);

    running = !rt->pauseFirst;
    if (rt->restoreFlags & VS_DOMAIN_SAVE_RUNNING)
        running = TRUE;
    if (rt->restoreFlags & VS_DOMAIN_SAVE_PAUSED)
        running = FALSE;
    if (running) {
        testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                        VS_DOMAIN_RUNNING_RESTORED);
    } else {
        testAssertState(f.driver, f.uuid, VS_DOMAIN_PAUSED,
                        VS_DOMAIN_PAUSED_MIGRATION);
        g_assert_true(qemuDriverResume(f.driver, f.uuid, &err));
    }
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* A second save over an existing image, then managed save and start. */
static void
testOverwriteAndManaged(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    guint ok;
    stFixture f;

    if (!stSetup(&f, "managed", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "again.img", NULL);

    g_assert_true(stSave(&f, path, "sparse", 0, 0, &err));
    g_assert_true(stRestore(&f, path, 0, NULL, 0, &err));
    g_assert_true(stSave(&f, path, "sparse", 2, 0, &err));
    g_assert_no_error(err);
    stAssertDirHolds(f.dir, "again.img");
    g_assert_true(stRestore(&f, path, 0, NULL, 0, &err));
    g_assert_no_error(err);
    /* Not over a running domain. */
    g_assert_false(stRestore(&f, path, 0, NULL, 0, &err));
    g_test_message("restore over a running domain: %s", err->message);
    g_clear_error(&err);

    g_assert_true(qemuDriverManagedSave(f.driver, f.uuid, 0, &err));
    g_assert_no_error(err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);
    g_assert_cmpint(qemuDriverHasManagedSaveImage(f.driver, f.uuid, 0, &err),
                    ==, 1);
    xml = qemuDriverManagedSaveGetXMLDesc(f.driver, f.uuid, 0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(xml, "<name>managed</name>"));

    ok = stCountSerial(&f.tr, f.name, ST_OK);
    started = qemuDriverStart(f.driver, f.uuid, 0, &err);
    g_assert_no_error(err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_RESTORED);
    g_assert_cmpint(qemuDriverHasManagedSaveImage(f.driver, f.uuid, 0, &err),
                    ==, 0);
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* A QEMU restored with direct-io keeps its migration settings: a raw
 * save from it must turn mapped-ram, multifd and direct-io off again
 * (a stale direct-io crashed QEMU 10.0 under libvirt). */
static void
testStaleSettings(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sparse = NULL;
    g_autofree char *raw = NULL;
    guint ok;
    stFixture f;

    if (!stSetup(&f, "stale", ST_MEM_MIB, ST_FILL))
        return;
    sparse = g_build_filename(f.dir, "sparse.img", NULL);
    raw = g_build_filename(f.dir, "raw.img", NULL);

    g_assert_true(stSave(&f, sparse, "sparse", 2, VS_DOMAIN_SAVE_BYPASS_CACHE,
                         &err));
    g_assert_true(stRestore(&f, sparse, 2, NULL, VS_DOMAIN_SAVE_BYPASS_CACHE,
                            &err));
    g_assert_no_error(err);
    g_assert_true(stSave(&f, raw, "raw", 0, 0, &err));
    g_assert_no_error(err);
    stCheckImage(raw, QEMU_SAVE_FORMAT_RAW, TRUE);
    ok = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, raw, 0, NULL, 0, &err));
    g_assert_no_error(err);
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* @text with its one occurrence of @from replaced by @to. */
static char *
stReplace(const char *text,
          const char *from,
          const char *to)
{
    const char *p = strstr(text, from);

    g_assert_nonnull(p);
    return g_strdup_printf("%.*s%s%s", (int) (p - text), text, to,
                           p + strlen(from));
}


/* dxml: a changed description is accepted, changed memory refused. */
static void
testDxml(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *good = NULL;
    g_autofree char *bad = NULL;
    g_autofree char *live = NULL;
    g_autofree char *imgxml = NULL;
    guint ok;
    stFixture f;

    if (!stSetup(&f, "dxml", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "dxml.img", NULL);

    g_assert_true(stSave(&f, path, "sparse", 0, 0, &err));
    g_assert_no_error(err);

    /* Edit what save-image-dumpxml shows, as a user would: it carries
     * the expanded machine type the ABI check compares. */
    imgxml = qemuDriverSaveImageGetXMLDesc(f.driver, path,
                                           VS_DOMAIN_XML_SECURE, &err);
    g_assert_no_error(err);
    good = stReplace(imgxml, "<description>first</description>",
                     "<description>second</description>");
    bad = stReplace(imgxml, "<memory unit='KiB'>262144</memory>",
                    "<memory unit='KiB'>524288</memory>");
    g_clear_pointer(&imgxml, g_free);

    g_assert_false(stRestore(&f, path, 0, bad, 0, &err));
    g_assert_nonnull(err);
    g_test_message("rejected dxml: %s", err->message);
    g_clear_error(&err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);
    g_assert_false(qemuDriverSaveImageDefineXML(f.driver, path, bad, 0, &err));
    g_clear_error(&err);

    g_assert_true(qemuDriverSaveImageDefineXML(f.driver, path, good,
                                               VS_DOMAIN_SAVE_PAUSED, &err));
    g_assert_no_error(err);
    imgxml = qemuDriverSaveImageGetXMLDesc(f.driver, path, 0, &err);
    g_assert_nonnull(strstr(imgxml, "second"));
    stCheckImage(path, QEMU_SAVE_FORMAT_SPARSE, FALSE);

    ok = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, path, 0, good, VS_DOMAIN_SAVE_RUNNING, &err));
    g_assert_no_error(err);
    live = qemuDriverGetXMLDesc(f.driver, f.uuid, 0, &err);
    g_assert_nonnull(strstr(live, "second"));
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* ---- images in libvirt's layout ----------------------------------- */

/* Write an image the way libvirt 11 does, straight from the domain's
 * QEMU: header and XML followed by 64 KiB of room, so the stream starts
 * at an unaligned offset, and QEMU writing through a buffered fd. */
static void
stMakeLibvirtImage(stFixture *f,
                   const char *path,
                   gboolean sparse)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) known = NULL;
    g_autoptr(GArray) caps = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *block = NULL;
    qemuMonitorMigrationParams params = { 0 };
    qemuSaveHeader hdr = { 0 };
    VS_AUTOCLOSE int fd = -1;
    qemuDomainObj *vm;
    qemuMonitor *mon;
    size_t xmlLen;

    xml = qemuDriverGetXMLDesc(f->driver, f->uuid,
                               VS_DOMAIN_XML_SECURE | VS_DOMAIN_XML_INACTIVE |
                               VS_DOMAIN_XML_MIGRATABLE, &err);
    g_assert_no_error(err);
    xmlLen = strlen(xml) + 1;
    memcpy(hdr.magic, QEMU_SAVE_PARTIAL, QEMU_SAVE_MAGIC_LEN);
    hdr.version = QEMU_SAVE_VERSION;
    hdr.dataLen = xmlLen + QEMU_SAVE_XML_SLACK;
    hdr.wasRunning = 1;
    hdr.format = sparse ? QEMU_SAVE_FORMAT_SPARSE : QEMU_SAVE_FORMAT_RAW;
    g_assert_cmpuint(qemuSaveImageDataOffset(&hdr) % 4096, !=, 0);
    block = g_malloc0(QEMU_SAVE_HEADER_SIZE + hdr.dataLen);
    memcpy(block, &hdr, sizeof(hdr));
    memcpy(block + QEMU_SAVE_HEADER_SIZE, xml, xmlLen);
    /* QEMU wants the access mode it asks for: write-only. */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(vsFileWriteFull(fd, block, QEMU_SAVE_HEADER_SIZE +
                                  hdr.dataLen, &err));

    vm = qemuDomainObjListFindByUUID(f->driver->domains, f->uuid);
    g_assert_nonnull(vm);
    g_assert_true(qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                                     VS_DOMAIN_JOB_OPERATION_UNKNOWN, &err));
    mon = qemuDomainObjEnterMonitor(vm, &err);
    g_assert_nonnull(mon);
    g_assert_true(qemuMonitorStop(mon, &err));
    g_assert_true(qemuMonitorAddFd(mon, 7, "libvirt-like", fd, NULL, &err));
    known = qemuMonitorQueryMigrationCapabilities(mon, &err);
    g_assert_nonnull(known);
    caps = qemuSaveBuildMigrationCaps(known, sparse);
    g_assert_true(qemuMonitorSetMigrationCapabilities(mon,
                                                      (qemuMonitorMigrationCap *) caps->data,
                                                      caps->len, &err));
    params.hasMaxBandwidth = TRUE;
    params.maxBandwidth = QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED;
    params.hasMultifdChannels = sparse;
    params.multifdChannels = 1;
    params.hasDirectIO = TRUE;
    g_assert_true(qemuMonitorSetMigrationParams(mon, &params, &err));
    uri = qemuSaveBuildURI(7, qemuSaveImageDataOffset(&hdr));
    qemuDomainObjExitMonitor(vm, mon);
    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    mon = qemuDomainObjEnterMonitor(vm, &err);
    if (!qemuMonitorMigrate(mon, uri, &err))
        g_error("migrate: %s", err->message);
    qemuDomainObjExitMonitor(vm, mon);
    g_assert_no_error(err);
    while (!qemuMonitorMigrationStatusIsFinal(vm->migrationStatus))
        qemuDomainObjWait(vm, 0);
    g_assert_cmpint(vm->migrationStatus, ==,
                    QEMU_MONITOR_MIGRATION_STATUS_COMPLETED);
    mon = qemuDomainObjEnterMonitor(vm, &err);
    g_assert_true(qemuMonitorRemoveFd(mon, 7, -1, &err));
    qemuDomainObjExitMonitor(vm, mon);
    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);

    vsFdClose(&fd);
    fd = open(path, O_RDWR | O_CLOEXEC);
    g_assert_true(qemuSaveImageMarkComplete(fd, &err));
    g_assert_true(qemuDriverDestroy(f->driver, f->uuid, 0, &err));
    g_assert_no_error(err);
}


static void
testLibvirtLayout(gconstpointer data)
{
    gboolean sparse = GPOINTER_TO_INT(data);
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    guint ok;
    stFixture f;

    if (!stSetup(&f, "libvirt", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "libvirt.img", NULL);
    stMakeLibvirtImage(&f, path, sparse);

    ok = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, path, sparse ? 2 : 0, NULL, 0, &err));
    g_assert_no_error(err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_RESTORED);
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* ---- page cache --------------------------------------------------- */

static unsigned long long
stCachedBytes(void)
{
    g_autofree char *text = NULL;
    const char *p;

    g_assert_true(g_file_get_contents("/proc/meminfo", &text, NULL, NULL));
    p = strstr(text, "\nCached:");
    g_assert_nonnull(p);
    return g_ascii_strtoull(p + strlen("\nCached:"), NULL, 10) * 1024;
}


/* Bytes of @path in the page cache (mincore on a mapping that is never
 * touched): unlike /proc/meminfo, immune to other activity on the host. */
static unsigned long long
stFileCachedBytes(const char *path)
{
    VS_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    long page = sysconf(_SC_PAGESIZE);
    g_autofree unsigned char *vec = NULL;
    unsigned long long n = 0;
    struct stat sb;
    size_t pages;
    size_t i;
    void *map;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &sb), ==, 0);
    pages = (sb.st_size + page - 1) / page;
    map = mmap(NULL, sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    vec = g_new0(unsigned char, pages);
    g_assert_cmpint(mincore(map, sb.st_size, vec), ==, 0);
    for (i = 0; i < pages; i++)
        n += vec[i] & 1;
    munmap(map, sb.st_size);
    return n * page;
}


static gboolean
stDropCaches(void)
{
    VS_AUTOCLOSE int fd = open("/proc/sys/vm/drop_caches",
                               O_WRONLY | O_CLOEXEC);

    sync();
    return fd >= 0 && write(fd, "1", 1) == 1;
}


static void
testPageCache(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    unsigned long long before;
    unsigned long long grow;
    unsigned long long cached;
    uint64_t size;
    uint64_t allocated;
    VS_AUTOCLOSE int fd = -1;
    guint ok;
    stFixture f;

    if (!stSetup(&f, "cache", ST_MEM_MIB, 90))
        return;
    path = g_build_filename(f.dir, "cache.img", NULL);
    if (!stDropCaches()) {
        g_test_skip("cannot drop the page cache (not root?)");
        stTeardown(&f);
        return;
    }

    before = stCachedBytes();
    g_assert_true(stSave(&f, path, "sparse", 2, VS_DOMAIN_SAVE_BYPASS_CACHE,
                         &err));
    g_assert_no_error(err);
    grow = stCachedBytes() > before ? stCachedBytes() - before : 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_true(vsFileGetSizes(fd, &size, &allocated, &err));
    cached = stFileCachedBytes(path);
    g_test_message("save: image %" G_GUINT64_FORMAT " bytes allocated, "
                   "%llu of them cached; host page cache grew by %llu",
                   allocated, cached, grow);
    g_assert_cmpuint(cached, <, allocated / 50);

    g_assert_true(stDropCaches());
    before = stCachedBytes();
    ok = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, path, 2, NULL, VS_DOMAIN_SAVE_BYPASS_CACHE,
                            &err));
    g_assert_no_error(err);
    grow = stCachedBytes() > before ? stCachedBytes() - before : 0;
    cached = stFileCachedBytes(path);
    g_test_message("restore: %llu bytes of the image cached; host page "
                   "cache grew by %llu", cached, grow);
    g_assert_cmpuint(cached, <, allocated / 50);
    stWaitSerialMore(&f.tr, f.name, ST_OK, ok);
    stTeardown(&f);
}


/* ---- failures ----------------------------------------------------- */

/* The guest runs again after a failed save and still verifies. */
static void
stAssertStillRunning(stFixture *f)
{
    guint ok = stCountSerial(&f->tr, f->name, ST_OK);

    testAssertState(f->driver, f->uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_SAVE_CANCELED);
    stWaitSerialMore(&f->tr, f->name, ST_OK, ok);
}


static void
testFailMissingDir(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    stFixture f;

    if (!stSetup(&f, "nodir", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "missing", "x.img", NULL);
    g_assert_false(stSave(&f, path, "sparse", 0, 0, &err));
    g_assert_nonnull(err);
    g_test_message("missing dir: %s", err->message);
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
    /* Refused before the pause: still running as booted. */
    testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_BOOTED);
    g_clear_error(&err);

    /* Validation failures never pause either. */
    g_assert_false(stSave(&f, path, "foo", 0, 0, &err));
    g_assert_cmpstr(err->message, ==, "Invalid image_format 'foo'");
    g_clear_error(&err);
    g_assert_false(stSave(&f, path, "raw", 2, 0, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_INVALID_ARG);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_BOOTED);
    stTeardown(&f);
}


static int
stRun(const char *cmd)
{
    g_autofree char *quiet = g_strdup_printf("%s >/dev/null 2>&1", cmd);

    return system(quiet);
}


static void
testFailReadOnly(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *ro = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *path = NULL;
    stFixture f;

    if (!stSetup(&f, "rodir", ST_MEM_MIB, ST_FILL))
        return;
    ro = g_build_filename(f.tr.root, "ro", NULL);
    g_assert_cmpint(g_mkdir_with_parents(ro, 0700), ==, 0);
    cmd = g_strdup_printf("mount --bind '%s' '%s' && "
                          "mount -o remount,bind,ro '%s'", f.dir, ro, ro);
    if (stRun(cmd) != 0) {
        g_test_skip("cannot make a read-only bind mount");
        stTeardown(&f);
        return;
    }
    path = g_build_filename(ro, "x.img", NULL);
    g_assert_false(stSave(&f, path, "sparse", 0, 0, &err));
    g_assert_nonnull(err);
    g_test_message("read-only: %s", err->message);
    g_assert_nonnull(strstr(err->message, "Read-only file system"));
    testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_BOOTED);
    g_free(cmd);
    cmd = g_strdup_printf("umount '%s'", ro);
    g_assert_cmpint(stRun(cmd), ==, 0);
    stAssertDirHolds(f.dir, NULL);
    stTeardown(&f);
}


/* A save running on another thread. */
typedef struct {
    stFixture *f;
    const char *path;
    unsigned int flags;
    gboolean ok;
    GError *err;
} stSaveThread;


static gpointer
stSaveThreadRun(gpointer data)
{
    stSaveThread *st = data;

    st->ok = stSave(st->f, st->path, "sparse", 2, st->flags, &st->err);
    return NULL;
}


/* Wait (on the domain's condition) until QEMU reports the save's
 * migration under way (or, with @atPause, until the save paused the
 * guest, which comes earlier), then freeze QEMU with SIGSTOP so the test
 * can act before the save completes. Returns QEMU's pid, or 0 when the
 * save ended first. */
static pid_t
stFreezeDuringSave(stFixture *f,
                   gboolean atPause)
{
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(f->driver->domains,
                                                    f->uuid);
    gint64 deadline = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
    pid_t pid = 0;

    g_assert_nonnull(vm);
    for (;;) {
        gboolean paused = vm->state == VS_DOMAIN_PAUSED &&
                          vm->reason == VS_DOMAIN_PAUSED_SAVE;

        if (vm->job.kind == QEMU_JOB_ASYNC &&
            ((atPause && paused) ||
             vm->migrationStatus == QEMU_MONITOR_MIGRATION_STATUS_SETUP ||
             vm->migrationStatus == QEMU_MONITOR_MIGRATION_STATUS_ACTIVE)) {
            pid = vm->pid;
            kill(pid, SIGSTOP);
            break;
        }
        if (vm->state == VS_DOMAIN_SHUTOFF ||
            (!qemuDomainObjWait(vm, deadline) &&
             g_get_monotonic_time() >= deadline))
            break;
    }
    qemuDomainObjEndAPI(&vm);
    return pid;
}


static void
testFailKilled(void)
{
    stSaveThread st = { 0 };
    g_autofree char *path = NULL;
    GThread *thread;
    pid_t pid;
    stFixture f;

    if (!stSetup(&f, "killed", 512, 90))
        return;
    path = g_build_filename(f.dir, "killed.img", NULL);
    st.f = &f;
    st.path = path;
    thread = g_thread_new("save", stSaveThreadRun, &st);
    pid = stFreezeDuringSave(&f, FALSE);
    if (pid > 0)
        kill(pid, SIGKILL);
    g_thread_join(thread);
    if (pid == 0) {
        g_test_skip("the save completed before QEMU could be killed");
        stTeardown(&f);
        return;
    }
    g_assert_false(st.ok);
    g_assert_nonnull(st.err);
    g_test_message("killed: %s", st.err->message);
    g_assert_nonnull(strstr(st.err->message, "not running"));
    g_clear_error(&st.err);
    g_assert_cmpint(testWaitState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                                  TEST_EVENT_TIMEOUT_MS), >=, 0);
    stAssertDirHolds(f.dir, NULL);
    stTeardown(&f);
}


static void
testFailAbort(void)
{
    stSaveThread st = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(vsTypedParamList) stats = NULL;
    g_autofree char *path = NULL;
    GThread *thread;
    int type = -1;
    pid_t pid;
    stFixture f;

    if (!stSetup(&f, "abort", 512, 90))
        return;
    path = g_build_filename(f.dir, "abort.img", NULL);
    st.f = &f;
    st.path = path;
    thread = g_thread_new("save", stSaveThreadRun, &st);
    pid = stFreezeDuringSave(&f, FALSE);
    if (pid > 0) {
        /* The abort's migrate_cancel is answered once QEMU runs again. */
        kill(pid, SIGCONT);
        /* Some 460 MiB are still to be written: the job runs. */
        g_assert_true(qemuDriverGetJobStats(f.driver, f.uuid, 0, &type,
                                            &stats, &err));
        g_assert_cmpint(type, ==, VS_DOMAIN_JOB_UNBOUNDED);
        g_assert_nonnull(vsTypedParamListFind(stats, "time_elapsed"));
        g_assert_cmpint(vsTypedParamListFind(stats, "operation")->value.i, ==,
                        VS_DOMAIN_JOB_OPERATION_SAVE);
        g_assert_true(qemuDriverAbortJob(f.driver, f.uuid, 0, &err));
        g_assert_no_error(err);
    }
    g_thread_join(thread);
    if (pid == 0 || st.ok) {
        g_test_skip("the save completed before it could be aborted");
        stTeardown(&f);
        return;
    }
    g_assert_nonnull(st.err);
    g_test_message("abort: %s", st.err->message);
    g_assert_cmpint(st.err->code, ==, VS_ERR_OPERATION_ABORTED);
    g_assert_nonnull(strstr(st.err->message, "canceled by client"));
    g_clear_error(&st.err);
    stAssertDirHolds(f.dir, NULL);
    stAssertStillRunning(&f);
    stTeardown(&f);
}


/* A small ext4 on a loop device fills up while QEMU writes. */
static void
testFailFull(void)
{
    stSaveThread st = { 0 };
    g_autofree char *fsimg = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *path = NULL;
    g_autofree char *mnt = NULL;
    g_autofree char *filler = NULL;
    GThread *thread;
    pid_t pid;
    stFixture f;

    if (!stSetup(&f, "full", ST_MEM_MIB, 90))
        return;
    fsimg = g_build_filename(f.tr.root, "fs.img", NULL);
    mnt = g_build_filename(f.tr.root, "small", NULL);
    g_assert_cmpint(g_mkdir_with_parents(mnt, 0700), ==, 0);
    cmd = g_strdup_printf("truncate -s 400M '%s' && mkfs.ext4 -q '%s' && "
                          "mount -o loop '%s' '%s'", fsimg, fsimg, fsimg, mnt);
    if (stRun(cmd) != 0) {
        g_test_skip("loop devices are not available");
        stTeardown(&f);
        return;
    }
    path = g_build_filename(mnt, "full.img", NULL);
    filler = g_build_filename(mnt, "filler", NULL);

    /* The free-space estimate passes; the disk fills while QEMU is
     * frozen between the pause and the migration. */
    st.f = &f;
    st.path = path;
    thread = g_thread_new("save", stSaveThreadRun, &st);
    pid = stFreezeDuringSave(&f, TRUE);
    if (pid > 0) {
        /* 1 MiB left: the header block fits, the guest's pages do not. */
        g_free(cmd);
        cmd = g_strdup_printf("fallocate -l $(( $(stat -f -c '%%a*%%S' '%s') - 1024*1024 )) '%s' "
                              "|| dd if=/dev/zero of='%s' bs=1M", mnt, filler, filler);
        stRun(cmd);
        kill(pid, SIGCONT);
    }
    g_thread_join(thread);
    if (pid == 0 || st.ok) {
        g_test_skip("the save completed before the disk filled");
    } else {
        g_test_message("full: %s", st.err->message);
        g_assert_nonnull(strstr(st.err->message, "No space left on device"));
        g_assert_cmpint(unlink(filler), ==, 0);
        stAssertDirHolds(mnt, "lost+found");
        stAssertStillRunning(&f);

        /* Leave 64 MiB: the estimate refuses before anything pauses. */
        g_clear_error(&st.err);
        g_free(cmd);
        cmd = g_strdup_printf("fallocate -l $(( $(stat -f -c '%%a*%%S' '%s') - 64*1024*1024 )) '%s'",
                              mnt, filler);
        g_assert_cmpint(stRun(cmd), ==, 0);
        g_assert_false(stSave(&f, path, "sparse", 0, 0, &st.err));
        g_test_message("no room: %s", st.err->message);
        g_assert_nonnull(strstr(st.err->message, "not enough free space"));
        testAssertState(f.driver, f.uuid, VS_DOMAIN_RUNNING,
                        VS_DOMAIN_RUNNING_SAVE_CANCELED);
        g_assert_cmpint(unlink(filler), ==, 0);
        stAssertDirHolds(mnt, "lost+found");
    }
    g_clear_error(&st.err);
    g_free(cmd);
    cmd = g_strdup_printf("umount '%s'", mnt);
    g_assert_cmpint(stRun(cmd), ==, 0);
    stTeardown(&f);
}


/* fsync() of a directory fails with EIO while stFailDirSync is set:
 * this binary is linked with --wrap=fsync (meson.build). */
static gint stFailDirSync;
static gint stDirSyncFailures;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int
__wrap_fsync(int fd)
{
    struct stat st;

    if (g_atomic_int_get(&stFailDirSync) &&
        fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_atomic_int_inc(&stDirSyncFailures);
        errno = EIO;
        return -1;
    }
    return __real_fsync(fd);
}


/* The directory cannot be synced after the rename. The image is
 * complete under its name by then, so the save has succeeded: the
 * domain stops as saved and the image restores. Reporting a failure
 * and resuming the guest would leave a complete image that a later
 * restore would run against disks that had moved on. */
static void
testDirSyncFails(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    gboolean ok;
    guint passes;
    stFixture f;

    if (!stSetup(&f, "dirsync", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "dirsync.img", NULL);

    g_atomic_int_set(&stDirSyncFailures, 0);
    g_atomic_int_set(&stFailDirSync, 1);
    ok = stSave(&f, path, "sparse", 2, VS_DOMAIN_SAVE_BYPASS_CACHE, &err);
    g_atomic_int_set(&stFailDirSync, 0);
    g_assert_no_error(err);
    g_assert_true(ok);
    /* Tried, and tried once more. */
    g_assert_cmpint(g_atomic_int_get(&stDirSyncFailures), ==, 2);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);
    stAssertDirHolds(f.dir, "dirsync.img");
    stCheckImage(path, QEMU_SAVE_FORMAT_SPARSE, TRUE);

    passes = stCountSerial(&f.tr, f.name, ST_OK);
    g_assert_true(stRestore(&f, path, 2, NULL, VS_DOMAIN_SAVE_BYPASS_CACHE,
                            &err));
    g_assert_no_error(err);
    stWaitSerialMore(&f.tr, f.name, ST_OK, passes);
    stTeardown(&f);
}


/* Restore refuses a truncated sparse image and a corrupted header
 * before QEMU starts. */
static void
testFailBadImages(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *cut = NULL;
    g_autofree char *bad = NULL;
    g_autofree char *cmd = NULL;
    struct stat sb;
    stFixture f;

    if (!stSetup(&f, "badimg", ST_MEM_MIB, ST_FILL))
        return;
    path = g_build_filename(f.dir, "good.img", NULL);
    cut = g_build_filename(f.dir, "cut.img", NULL);
    bad = g_build_filename(f.dir, "bad.img", NULL);
    g_assert_true(stSave(&f, path, "sparse", 0, 0, &err));
    g_assert_no_error(err);

    g_assert_cmpint(stat(path, &sb), ==, 0);
    cmd = g_strdup_printf("cp --sparse=always '%s' '%s' && truncate -s %lld '%s' && "
                          "cp --sparse=always '%s' '%s' && "
                          "printf XXXX | dd of='%s' conv=notrunc",
                          path, cut, (long long) sb.st_size / 2, cut,
                          path, bad, bad);
    g_assert_cmpint(stRun(cmd), ==, 0);

    g_assert_false(stRestore(&f, cut, 0, NULL, 0, &err));
    g_test_message("truncated: %s", err->message);
    g_assert_nonnull(strstr(err->message, "cut.img"));
    g_clear_error(&err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);

    g_assert_false(stRestore(&f, bad, 0, NULL, 0, &err));
    g_test_message("corrupted: %s", err->message);
    g_assert_nonnull(strstr(err->message, "image magic is incorrect"));
    g_clear_error(&err);
    testAssertState(f.driver, f.uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SAVED);

    /* The good image still restores. */
    g_assert_true(stRestore(&f, path, 0, NULL, 0, &err));
    g_assert_no_error(err);
    stTeardown(&f);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_data_func("/save/sparse/1", &stSparse1, testRoundTrip);
    g_test_add_data_func("/save/sparse/4", &stSparse4, testRoundTrip);
    g_test_add_data_func("/save/sparse/1-bypass", &stSparse1Bypass,
                         testRoundTrip);
    g_test_add_data_func("/save/sparse/4-bypass", &stSparse4Bypass,
                         testRoundTrip);
    g_test_add_data_func("/save/raw", &stRaw, testRoundTrip);
    g_test_add_data_func("/save/raw-bypass", &stRawBypass, testRoundTrip);
    g_test_add_data_func("/save/zstd", &stZstd, testRoundTrip);
    g_test_add_data_func("/save/paused", &stPaused, testRoundTrip);
    g_test_add_data_func("/save/paused-restore-running", &stPausedRunning,
                         testRoundTrip);
    g_test_add_data_func("/save/running-restore-paused", &stRunningPaused,
                         testRoundTrip);
    g_test_add_data_func("/save/libvirt-layout/sparse", GINT_TO_POINTER(1),
                         testLibvirtLayout);
    g_test_add_data_func("/save/libvirt-layout/raw", GINT_TO_POINTER(0),
                         testLibvirtLayout);
    g_test_add_func("/save/overwrite-and-managed", testOverwriteAndManaged);
    g_test_add_func("/save/stale-settings", testStaleSettings);
    g_test_add_func("/save/dxml", testDxml);
    g_test_add_func("/save/page-cache", testPageCache);
    g_test_add_func("/save/fail/missing-dir", testFailMissingDir);
    g_test_add_func("/save/fail/read-only", testFailReadOnly);
    g_test_add_func("/save/fail/killed", testFailKilled);
    g_test_add_func("/save/fail/abort", testFailAbort);
    g_test_add_func("/save/fail/full", testFailFull);
    g_test_add_func("/save/fail/bad-images", testFailBadImages);
    g_test_add_func("/save/dir-sync-fails", testDirSyncFails);

    return g_test_run();
}
