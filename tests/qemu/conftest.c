/*
 * conftest.c: qemu.conf parsing and the driver's directory layout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case parses tests/qemu/data/conf/<case>.conf over the defaults and
 * compares the resulting settings, or the error, with <case>.expected;
 * VS_TEST_REGENERATE=1 rewrites the expected files.
 */

#include <config.h>

#include <unistd.h>

#include "qemu_conf.h"
#include "vserror.h"

static const char *const testCases[] = {
    "empty",
    "comments",
    "full",
    "escaped-string",
    "last-wins",
    "unknown-key",
    "channels-max",
    "bad-format",
    "bad-format-case",
    "bad-accel",
    "channels-zero",
    "channels-256",
    "bool-2",
    "string-for-int",
    "int-for-string",
    "empty-binary",
    "missing-equals",
    "missing-value",
    "unterminated-string",
    "trailing-text",
    "list-value",
    "bad-key",
    "hex-number",
    "restore-mode-lazy",
    "bad-restore-mode",
    "auto-shutdown",
    "bad-try-save",
    "bad-poweroff-case",
    "shutdown-wait-zero",
    "max-concurrent-zero",
    "max-concurrent-65",
};


static char *
testDataPath(const char *name,
             const char *ext)
{
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(srcdir ? srcdir : "tests", "qemu", "data",
                            "conf", file, NULL);
}


static char *
testFormatConfig(const qemuDriverConfig *cfg)
{
    return g_strdup_printf("qemu_binary = %s\n"
                           "accel = %s\n"
                           "save_image_format = %s\n"
                           "save_parallel_channels = %u\n"
                           "save_max_concurrent = %u\n"
                           "auto_start_bypass_cache = %d\n"
                           "auto_save_bypass_cache = %d\n"
                           "stop_timeout = %u\n"
                           "restore_mode = %s\n"
                           "restore_lazy_detach = %d\n"
                           "auto_start_delay = %u\n"
                           "auto_shutdown_try_save = %s\n"
                           "auto_shutdown_try_shutdown = %s\n"
                           "auto_shutdown_poweroff = %s\n"
                           "auto_shutdown_wait = %u\n"
                           "auto_shutdown_restore = %d\n"
                           "network_dir = %s\n",
                           cfg->qemuBinary,
                           qemuAccelTypeToString(cfg->accel),
                           qemuSaveFormatTypeToString(cfg->saveImageFormat),
                           cfg->saveParallelChannels,
                           cfg->saveMaxConcurrent,
                           cfg->autoStartBypassCache,
                           cfg->autoSaveBypassCache,
                           cfg->stopTimeout,
                           qemuRestoreModeTypeToString(cfg->restoreMode),
                           cfg->restoreLazyDetach,
                           cfg->autoStartDelay,
                           qemuShutdownScopeTypeToString(cfg->autoShutdownTrySave),
                           qemuShutdownScopeTypeToString(cfg->autoShutdownTryShutdown),
                           qemuShutdownScopeTypeToString(cfg->autoShutdownPoweroff),
                           cfg->autoShutdownWait,
                           cfg->autoShutdownRestore,
                           cfg->networkDir);
}


static void
testParseCase(gconstpointer data)
{
    const char *name = data;
    g_autofree char *confPath = testDataPath(name, ".conf");
    g_autofree char *expectedPath = testDataPath(name, ".expected");
    g_autofree char *content = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/nonexistent");
    g_autoptr(GError) err = NULL;

    g_assert_true(g_file_get_contents(confPath, &content, NULL, NULL));

    if (qemuDriverConfigParseString(cfg, content, "qemu.conf", &err)) {
        actual = testFormatConfig(cfg);
    } else {
        g_assert_nonnull(err);
        actual = g_strdup_printf("error: %s %d: %s\n",
                                 g_quark_to_string(err->domain), err->code,
                                 err->message);
    }

    if (g_getenv("VS_TEST_REGENERATE")) {
        g_assert_true(g_file_set_contents(expectedPath, actual, -1, NULL));
        return;
    }
    g_assert_true(g_file_get_contents(expectedPath, &expected, NULL, NULL));
    g_assert_cmpstr(actual, ==, expected);
}


static void
testDefaults(void)
{
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(NULL);

    g_assert_cmpstr(cfg->qemuBinary, ==, VS_QEMU_BINARY);
    g_assert_cmpint(cfg->accel, ==, QEMU_ACCEL_AUTO);
    g_assert_cmpint(cfg->saveImageFormat, ==, QEMU_SAVE_FORMAT_SPARSE);
    g_assert_cmpuint(cfg->saveParallelChannels, ==, 0);
    g_assert_false(cfg->autoStartBypassCache);
    g_assert_false(cfg->autoSaveBypassCache);
    g_assert_cmpuint(cfg->stopTimeout, ==, 30);
    g_assert_cmpint(cfg->restoreMode, ==, QEMU_RESTORE_MODE_EAGER);
    g_assert_cmpuint(cfg->autoStartDelay, ==, 0);
    g_assert_cmpint(cfg->autoShutdownTrySave, ==, QEMU_SHUTDOWN_SCOPE_NONE);
    g_assert_cmpint(cfg->autoShutdownTryShutdown, ==,
                    QEMU_SHUTDOWN_SCOPE_NONE);
    g_assert_cmpint(cfg->autoShutdownPoweroff, ==, QEMU_SHUTDOWN_SCOPE_NONE);
    g_assert_cmpuint(cfg->autoShutdownWait, ==, 30);
    g_assert_true(cfg->autoShutdownRestore);
    g_assert_null(cfg->root);
    g_assert_true(g_str_has_prefix(cfg->configFile, VS_SYSCONFDIR));
    g_assert_true(g_str_has_prefix(cfg->stateDir, VS_RUNSTATEDIR));
}


/* The installed sample shows every key with its default: uncommented,
 * it must parse to exactly the defaults. */
static void
testSample(void)
{
    const char *srcroot = g_getenv("VS_SOURCE_ROOT");
    g_autofree char *path = g_build_filename(srcroot ? srcroot : ".", "src",
                                             "qemu", "qemu.conf", NULL);
    g_autofree char *content = NULL;
    g_autoptr(GString) uncommented = g_string_new(NULL);
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/nonexistent");
    g_autoptr(qemuDriverConfig) defaults = qemuDriverConfigNew("/nonexistent");
    g_autofree char *actual = NULL;
    g_autofree char *expected = NULL;
    g_auto(GStrv) lines = NULL;
    size_t nkeys = 0;
    size_t i;

    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    lines = g_strsplit(content, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];

        if (line[0] == '#' && g_ascii_islower(line[1]) &&
            strstr(line, " = ")) {
            line++;
            nkeys++;
        }
        g_string_append_printf(uncommented, "%s\n", line);
    }
    g_assert_cmpuint(nkeys, ==, 17);

    g_assert_true(qemuDriverConfigParseString(cfg, uncommented->str,
                                              path, NULL));
    actual = testFormatConfig(cfg);
    expected = testFormatConfig(defaults);
    g_assert_cmpstr(actual, ==, expected);
}


static void
testRootLayout(void)
{
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/srv/vs/./");
    const struct {
        char *actual;
        const char *expected;
    } paths[] = {
        { g_strdup(cfg->configFile), "/srv/vs/etc/qemu.conf" },
        { qemuDriverConfigDomainPath(cfg, "vm1"), "/srv/vs/etc/qemu/vm1.xml" },
        { qemuDriverConfigAutostartPath(cfg, "vm1"),
          "/srv/vs/etc/qemu/autostart/vm1" },
        { qemuDriverConfigManagedSavePath(cfg, "vm1"),
          "/srv/vs/lib/save/vm1.save" },
        { qemuDriverConfigStatusPath(cfg, "vm1"), "/srv/vs/run/qemu/vm1.xml" },
        { qemuDriverConfigMonitorPath(cfg, "vm1"),
          "/srv/vs/run/qemu/vm1.monitor" },
        { qemuDriverConfigPidPath(cfg, "vm1"), "/srv/vs/run/qemu/vm1.pid" },
        { qemuDriverConfigLogPath(cfg, "vm1"), "/srv/vs/log/qemu/vm1.log" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_assert_cmpstr(paths[i].actual, ==, paths[i].expected);
        g_free(paths[i].actual);
    }
}


static void
testLoadFile(void)
{
    g_autofree char *dir = g_dir_make_tmp("conftest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qemu.conf", NULL);
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(dir);
    g_autoptr(GError) err = NULL;

    /* No file: the defaults stand. */
    g_assert_true(qemuDriverConfigLoadFile(cfg, path, &err));
    g_assert_no_error(err);
    g_assert_cmpint(cfg->saveImageFormat, ==, QEMU_SAVE_FORMAT_SPARSE);

    g_assert_true(g_file_set_contents(path, "save_image_format = \"raw\"\n"
                                      "accel = \"tcg\"\n", -1, NULL));
    g_assert_true(qemuDriverConfigLoadFile(cfg, path, &err));
    g_assert_cmpint(cfg->saveImageFormat, ==, QEMU_SAVE_FORMAT_RAW);
    g_assert_cmpint(qemuDriverConfigResolveAccel(cfg->accel), ==,
                    QEMU_ACCEL_TCG);

    /* Errors name the file and the line. */
    g_assert_true(g_file_set_contents(path, "\n\nstop_timeout = 0\n", -1,
                                      NULL));
    g_assert_false(qemuDriverConfigLoadFile(cfg, path, &err));
    g_assert_error(err, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX);
    g_assert_true(g_str_has_prefix(err->message, path));
    g_assert_nonnull(strstr(err->message, ":3: "));

    g_assert_cmpint(unlink(path), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}


static void
testMakeDirs(void)
{
    g_autofree char *dir = g_dir_make_tmp("conftest-XXXXXX", NULL);
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew(dir);
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = NULL;

    g_assert_true(qemuDriverConfigMakeDirs(cfg, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(cfg->autostartDir, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(cfg->saveDir, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(cfg->stateDir, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(cfg->logDir, G_FILE_TEST_IS_DIR));
    /* Twice is fine. */
    g_assert_true(qemuDriverConfigMakeDirs(cfg, &err));

    cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}


static void
testFindBinary(void)
{
    g_autoptr(qemuDriverConfig) cfg = qemuDriverConfigNew("/nonexistent");
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;

    g_free(cfg->qemuBinary);
    cfg->qemuBinary = g_strdup("sh");
    path = qemuDriverConfigFindBinary(cfg, &err);
    g_assert_no_error(err);
    g_assert_true(g_path_is_absolute(path));

    g_free(cfg->qemuBinary);
    cfg->qemuBinary = g_strdup("/nonexistent/qemu");
    g_assert_null(qemuDriverConfigFindBinary(cfg, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "cannot find QEMU binary '/nonexistent/qemu': "
                    "No such file or directory");
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(testCases); i++) {
        g_autofree char *name = g_strdup_printf("/qemu/conf/parse/%s",
                                                testCases[i]);

        g_test_add_data_func(name, testCases[i], testParseCase);
    }
    g_test_add_func("/qemu/conf/defaults", testDefaults);
    g_test_add_func("/qemu/conf/sample", testSample);
    g_test_add_func("/qemu/conf/root-layout", testRootLayout);
    g_test_add_func("/qemu/conf/load-file", testLoadFile);
    g_test_add_func("/qemu/conf/make-dirs", testMakeDirs);
    g_test_add_func("/qemu/conf/find-binary", testFindBinary);

    return g_test_run();
}
