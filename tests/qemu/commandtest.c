/*
 * commandtest.c: domain definition to QEMU argv, golden files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * data/command/<case>.xml is built with the options of its table row and
 * compared with <case>.args (one argument per line), or, for a rejected
 * configuration, with the error message in <case>.err.
 * VS_TEST_REGENERATE=1 rewrites the expected files.
 *
 * With --launch (or VS_TEST_QEMU_LAUNCH=1) every valid case is also run
 * by the real QEMU: host paths are moved into a scratch directory, the
 * monitor is a socket this test listens on, and the case passes when
 * QEMU sends its QMP greeting and then quits on request. This catches
 * option syntax QEMU would refuse, which the golden files cannot.
 */

#include <config.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "qemu_command.h"
#include "qemu_qcow2.h"
#include "vserror.h"
#include "vsfile.h"

#define TEST_MONITOR_PATH "/run/virtsave/domain-1-vs1/monitor.sock"
#define TEST_PIDFILE "/run/virtsave/domain-1-vs1/qemu.pid"

typedef struct _commandCase commandCase;
struct _commandCase {
    const char *name;
    const char *accel;          /* NULL: from the domain type */
    gboolean incoming;          /* -incoming defer with two fds */
    gboolean monitorFd;         /* the monitor is an inherited socket */
    gboolean noEmulator;        /* no binary in the options */
    gboolean noMonitor;         /* neither monitor fd nor path */
    gboolean badFd;             /* an fdset entry on stdin */
    gboolean lazyRam;           /* RAM mapped from a save image */
    gboolean fail;              /* expect <case>.err */
};

static const commandCase cases[] = {
    { .name = "kernel-kvm" },
    { .name = "kernel-tcg" },
    { .name = "kvm-forced-tcg", .accel = "tcg" },
    { .name = "disks-i440fx" },
    { .name = "disks-q35" },
    { .name = "storage-q35" },
    { .name = "disks-options" },
    { .name = "q35-root-ports" },
    { .name = "serial-file" },
    { .name = "serial-pty" },
    { .name = "serial-null" },
    { .name = "cpu-custom" },
    { .name = "boot-order" },
    { .name = "pm-features" },
    { .name = "escaping" },
    { .name = "virtinst-bios-server" },
    { .name = "virtinst-uefi-desktop" },
    { .name = "virtinst-win11" },
    { .name = "devices-i440fx" },
    { .name = "devices-q35-video" },
    { .name = "devices-q35-vga" },
    { .name = "devices-q35-bochs" },
    { .name = "devices-q35-ramfb" },
    { .name = "tpm-crb" },
    { .name = "tpm-tis" },
    { .name = "incoming-fdset", .incoming = TRUE, .monitorFd = TRUE },
    { .name = "incoming-lazy-ram", .incoming = TRUE, .monitorFd = TRUE,
      .lazyRam = TRUE },
    { .name = "err-kvm-for-qemu-type", .accel = "kvm", .fail = TRUE },
    { .name = "err-accel", .accel = "hvf", .fail = TRUE },
    { .name = "err-no-emulator", .noEmulator = TRUE, .fail = TRUE },
    { .name = "err-no-monitor", .noMonitor = TRUE, .fail = TRUE },
    { .name = "err-fd-stdin", .badFd = TRUE, .fail = TRUE },
};

/* Descriptors a restore passes: the buffered and the O_DIRECT one. */
static const qemuCommandFd incomingFds[] = {
    { 0, 4, "vs-incoming-buffered" },
    { 0, 5, "vs-incoming-direct" },
};
static const qemuCommandFd badFds[] = {
    { 1, 0, NULL },
};


static char *
testDataPath(const char *name,
             const char *suffix)
{
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    if (!srcdir)
        g_error("VS_TEST_SRCDIR must name the tests directory");
    return g_build_filename(srcdir, "qemu", "data", "command", file, NULL);
}


static void
testCompareFile(const char *path,
                const char *actual)
{
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    if (g_strcmp0(g_getenv("VS_TEST_REGENERATE"), "1") == 0) {
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


static void
testOptions(const commandCase *tc,
            qemuCommandOptions *opts)
{
    qemuCommandOptionsInit(opts);
    opts->emulator = tc->noEmulator ? NULL : "qemu-system-x86_64";
    opts->accel = tc->accel;
    if (tc->monitorFd)
        opts->monitorFd = 3;
    else if (!tc->noMonitor)
        opts->monitorPath = TEST_MONITOR_PATH;
    opts->pidfile = TEST_PIDFILE;
    opts->incoming = tc->incoming;
    if (tc->incoming) {
        opts->fds = incomingFds;
        opts->nfds = G_N_ELEMENTS(incomingFds);
    } else if (tc->badFd) {
        opts->fds = badFds;
        opts->nfds = G_N_ELEMENTS(badFds);
    }
    if (tc->lazyRam) {
        opts->ramPath = "/proc/self/fd/6";
        opts->ramOffset = 1048576;
    }
}


static vsDomainDef *
testLoadDef(const commandCase *tc)
{
    g_autofree char *xmlPath = testDataPath(tc->name, ".xml");
    g_autoptr(GError) err = NULL;
    vsDomainDef *def;
    size_t i;

    def = vsDomainDefParseFile(xmlPath, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    /* The driver starts swtpm and records its socket before building. */
    for (i = 0; i < def->tpms->len; i++) {
        vsDomainTPMDef *tpm = g_ptr_array_index(def->tpms, i);

        tpm->socket = g_strdup("/run/virtsave/qemu/swtpm/vs1-swtpm.sock");
    }
    return def;
}


/* The chains the driver hands over once it has checked a <backingStore>
 * of the XML against the files (qemuQcow2CheckChain()). */
static GHashTable *
testDiskChains(const vsDomainDef *def)
{
    GHashTable *chains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) g_ptr_array_unref);
    size_t i;
    size_t j;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        GPtrArray *chain;

        if (!disk->backing)
            continue;
        chain = g_ptr_array_new_with_free_func((GDestroyNotify) qemuQcow2LayerFree);
        for (j = 0; j < disk->backing->len; j++) {
            vsDomainDiskBacking *given = g_ptr_array_index(disk->backing, j);
            qemuQcow2Layer *layer = g_new0(qemuQcow2Layer, 1);

            layer->path = g_strdup(given->path);
            layer->format = given->format;
            g_ptr_array_add(chain, layer);
        }
        g_hash_table_insert(chains, disk->info.alias, chain);
    }
    return chains;
}


static void
testCommand(gconstpointer data)
{
    const commandCase *tc = data;
    g_autoptr(vsDomainDef) def = testLoadDef(tc);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GHashTable) chains = testDiskChains(def);
    qemuCommandOptions opts;

    testOptions(tc, &opts);
    opts.diskChains = chains;
    argv = qemuBuildCommandLine(def, &opts, &err);

    if (tc->fail) {
        g_autofree char *errPath = testDataPath(tc->name, ".err");
        g_autofree char *msg = NULL;

        g_assert_null(argv);
        g_assert_nonnull(err);
        g_assert_true(err->domain == VS_ERROR_QEMU);
        msg = vsErrorFormatMessage(err);
        text = g_strdup_printf("%s\n", msg);
        testCompareFile(errPath, text);
    } else {
        g_autofree char *argsPath = testDataPath(tc->name, ".args");
        g_autofree char *joined = NULL;
        g_auto(GStrv) again = NULL;

        g_assert_no_error(err);
        joined = g_strjoinv("\n", argv);
        text = g_strdup_printf("%s\n", joined);
        testCompareFile(argsPath, text);

        /* Pure: the same input gives the same argv. */
        again = qemuBuildCommandLine(def, &opts, &err);
        g_assert_no_error(err);
        g_assert_true(g_strv_equal((const char *const *) argv,
                                   (const char *const *) again));
    }
}


static void
testSerialAlias(void)
{
    g_autoptr(vsDomainDef) def = testLoadDef(&cases[0]);
    vsDomainChrDef *serial = g_ptr_array_index(def->serials, 0);
    g_autofree char *alias = qemuBuildSerialChardevAlias(serial);

    g_assert_cmpstr(alias, ==, "charserial0");
}


/* ---- launching the real QEMU ---------------------------------------- */

static const char *
testQEMUBinary(void)
{
    const char *bin = g_getenv("VS_TEST_QEMU");

    return bin ? bin : VS_QEMU_BINARY;
}


static void
testMakeImage(const char *path,
              vsDomainDiskFormat format)
{
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (format == VS_DOMAIN_DISK_FORMAT_QCOW2) {
        const char *argv[] = {
            "qemu-img", "create", "-q", "-f", "qcow2", path, "16M", NULL,
        };

        g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL,
                                   G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                   NULL, &status, &err));
        g_assert_no_error(err);
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    } else {
        VS_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(ftruncate(fd, 16 << 20), ==, 0);
    }
}


/* A TCP port nobody listens on now, for a display. */
static int
testFreePort(void)
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port;

    g_assert_cmpint(fd, >=, 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *) &addr, &len), ==, 0);
    port = ntohs(addr.sin_port);
    close(fd);
    return port;
}


/* Display ports, socket paths and the NVRAM file of @def, moved into
 * @dir (the NVRAM copied from its template). */
static void
testRelocateDevices(vsDomainDef *def,
                    const char *dir)
{
    size_t i;

    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);

        if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS) {
            g_free(gfx->listenAddress);
            gfx->listenAddress = g_strdup("127.0.0.1");
            gfx->port = testFreePort();
        } else if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET) {
            g_free(gfx->socket);
            gfx->socket = g_strdup_printf("%s/display%zu.sock", dir, i);
        }
    }
    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);

        if (chan->type != VS_DOMAIN_CHANNEL_UNIX)
            continue;
        g_free(chan->path);
        chan->path = g_strdup_printf("%s/channel%zu.sock", dir, i);
    }
    if (def->fw.nvram) {
        g_autofree char *data = NULL;
        gsize len = 0;

        g_free(def->fw.nvram);
        def->fw.nvram = g_strdup_printf("%s/VARS.fd", dir);
        g_assert_true(g_file_get_contents(def->fw.nvramTemplate, &data, &len,
                                          NULL));
        g_assert_true(g_file_set_contents(def->fw.nvram, data, len, NULL));
    }
}


/* Points every host path of @def into @dir, creating the files. */
static void
testRelocate(vsDomainDef *def,
             const char *dir)
{
    const char *kernel = g_getenv("VS_TEST_GUEST_KERNEL");
    size_t i;

    g_clear_pointer(&def->emulator, g_free);
    if (def->os.kernel && kernel) {
        g_free(def->os.kernel);
        def->os.kernel = g_strdup(kernel);
    } else {
        g_clear_pointer(&def->os.kernel, g_free);
    }
    /* An initrd and command line need a kernel to go with. */
    g_clear_pointer(&def->os.initrd, g_free);
    if (!def->os.kernel)
        g_clear_pointer(&def->os.cmdline, g_free);

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (!disk->src)
            continue;
        /* Plain image files stand in for devices and chains. */
        disk->block = FALSE;
        g_clear_pointer(&disk->backing, g_ptr_array_unref);
        g_free(disk->src);
        disk->src = g_strdup_printf("%s/disk%zu, img", dir, i);
        testMakeImage(disk->src, disk->format);
    }
    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);

        if (chr->type != VS_DOMAIN_CHR_FILE)
            continue;
        g_free(chr->path);
        chr->path = g_strdup_printf("%s/serial%zu,log", dir, i);
    }
    testRelocateDevices(def, dir);
}


static int
testListen(const char *path,
           int *client)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(lfd, >=, 0);
    g_assert_cmpint(cfd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    memcpy(addr.sun_path, path, strlen(path) + 1);
    g_assert_cmpint(bind(lfd, (struct sockaddr *) &addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    /* Completes at once into the backlog; QEMU accepts it later. */
    g_assert_cmpint(connect(cfd, (struct sockaddr *) &addr, sizeof(addr)), ==, 0);
    *client = cfd;
    return lfd;
}


/* Reads one line from @fd; an empty string when QEMU went away. */
static char *
testReadLine(int fd)
{
    g_autoptr(GString) line = g_string_new(NULL);
    char c;

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        if (poll(&pfd, 1, 60 * 1000) <= 0 || read(fd, &c, 1) != 1)
            break;
        if (c == '\n')
            break;
        if (c == '\r')
            continue;
        g_string_append_c(line, c);
    }
    return g_string_free(g_steal_pointer(&line), FALSE);
}


/* Reads until QEMU closes the connection (or a minute passes). */
static void
testDrain(int fd)
{
    char buf[4096];

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        if (poll(&pfd, 1, 60 * 1000) <= 0 || read(fd, buf, sizeof(buf)) <= 0)
            return;
    }
}


static void
testSend(int fd,
         const char *cmd)
{
    g_assert_true(vsFileWriteFull(fd, cmd, strlen(cmd), NULL));
}


static void
testLaunch(gconstpointer data)
{
    const commandCase *tc = data;
    g_autoptr(vsDomainDef) def = testLoadDef(tc);
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vscommand-XXXXXX", &err);
    g_autofree char *sock = g_build_filename(dir, "monitor.sock", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "qemu.pid", NULL);
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *greeting = NULL;
    g_autofree char *reply = NULL;
    qemuCommandOptions opts;
    int client = -1;
    int lfd;
    size_t i;

    g_assert_no_error(err);
    if (def->tpms->len) {
        /* Its swtpm is run by the driver, see test_real_vms.py. */
        g_test_skip("a TPM needs swtpm running");
        return;
    }
    testRelocate(def, dir);
    testOptions(tc, &opts);
    opts.emulator = testQEMUBinary();
    opts.monitorPath = NULL;
    opts.monitorFd = 3;
    opts.pidfile = pidfile;
    if (!g_file_test("/dev/kvm", G_FILE_TEST_EXISTS) ||
        access("/dev/kvm", R_OK | W_OK) != 0)
        opts.accel = "tcg";

    /* Software-nested KVM cannot set IA32_ARCH_CAPABILITIES (MSR 0x10a)
     * that "-cpu host" and "-cpu max" expose: QEMU 10 aborts at vCPU
     * reset. Such hosts need this feature disabled in the XML. */
    if (g_strcmp0(opts.accel, "tcg") != 0 &&
        (def->cpu.mode == VS_DOMAIN_CPU_MODE_HOST_PASSTHROUGH ||
         def->cpu.mode == VS_DOMAIN_CPU_MODE_HOST_MODEL)) {
        vsDomainCPUFeature *feature = g_new0(vsDomainCPUFeature, 1);

        feature->policy = VS_DOMAIN_CPU_FEATURE_DISABLE;
        feature->name = g_strdup("arch-capabilities");
        g_ptr_array_add(def->cpu.features, feature);
    }

    argv = qemuBuildCommandLine(def, &opts, &err);
    g_assert_no_error(err);

    lfd = testListen(sock, &client);
    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_subprocess_launcher_take_fd(launcher, lfd, 3);
    for (i = 0; i < opts.nfds; i++)
        g_subprocess_launcher_take_fd(launcher,
                                      open("/dev/null", O_RDONLY | O_CLOEXEC),
                                      opts.fds[i].fd);
    proc = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv,
                                        &err);
    g_assert_no_error(err);
    /* The launcher holds the last copies of the passed descriptors. */
    g_clear_object(&launcher);

    greeting = testReadLine(client);
    if (!g_str_has_prefix(greeting, "{\"QMP\"")) {
        g_autofree char *cmd = g_strjoinv(" ", argv);

        g_printerr("QEMU did not greet; command was:\n%s\n", cmd);
        g_test_fail();
    } else {
        testSend(client, "{\"execute\":\"qmp_capabilities\"}\n");
        reply = testReadLine(client);
        if (!g_str_equal(reply, "{\"return\": {}}")) {
            g_printerr("QEMU answered '%s' to qmp_capabilities\n", reply);
            g_test_fail();
        }
        /* QEMU drops queued commands of a client that disconnects:
         * stay until it closes the connection itself. */
        testSend(client, "{\"execute\":\"quit\"}\n");
        testDrain(client);
    }
    close(client);
    g_assert_true(g_subprocess_wait(proc, NULL, &err));
    g_assert_no_error(err);
    if (g_subprocess_get_if_exited(proc))
        g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);

    {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_unlink(path);
        }
        g_rmdir(dir);
    }
}


int
main(int argc,
     char **argv)
{
    gboolean launch = g_strcmp0(g_getenv("VS_TEST_QEMU_LAUNCH"), "1") == 0;
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 1; i < (size_t) argc; i++) {
        if (g_str_equal(argv[i], "--launch"))
            launch = TRUE;
    }

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/command/%s",
                                                cases[i].name);
        g_test_add_data_func(path, &cases[i], testCommand);
    }
    g_test_add_func("/qemu/command/serial-alias", testSerialAlias);

    for (i = 0; launch && i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = NULL;

        /* A lazy case needs a real save image to map. */
        if (cases[i].fail || cases[i].lazyRam)
            continue;
        path = g_strdup_printf("/qemu/command/launch/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], testLaunch);
    }

    return g_test_run();
}
