/*
 * logtest.c: log levels, filters and output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "vslog.h"
#include "vsfile.h"

VS_LOG_INIT("tests.log");

static void
testFilters(void)
{
    static const struct {
        const char *filters;
        const char *module;
        vsLogPriority prio;
        gboolean enabled;
    } cases[] = {
        { "", "qemu.save", VS_LOG_DEBUG, FALSE },
        { "", "qemu.save", VS_LOG_WARN, TRUE },
        /* The default level shows saves, restores and recovery steps. */
        { "", "qemu.save", VS_LOG_INFO, TRUE },
        { "qemu.*:debug", "qemu.save", VS_LOG_DEBUG, TRUE },
        { "qemu.*:debug", "qemu", VS_LOG_DEBUG, TRUE },
        { "qemu.*:debug", "qemux", VS_LOG_DEBUG, FALSE },
        { "qemu.*:debug", "rpc", VS_LOG_DEBUG, FALSE },
        { "qemu.*:debug,qemu.monitor:error", "qemu.monitor", VS_LOG_WARN,
          FALSE },
        { "qemu.*:debug qemu.monitor:error", "qemu.save", VS_LOG_INFO,
          TRUE },
        { "*:1", "anything", VS_LOG_DEBUG, TRUE },
        { "rpc:4", "rpc", VS_LOG_WARN, FALSE },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;

        vsLogReset();
        g_assert_true(vsLogSetFilters(cases[i].filters, &err));
        g_assert_no_error(err);
        g_assert_cmpint(vsLogEnabled(cases[i].module, cases[i].prio), ==,
                        cases[i].enabled);
    }
    vsLogReset();
}


static void
testBadFilters(void)
{
    static const char *const bad[] = {
        "qemu", "qemu:loud", ":debug", "qemu:debug,rpc",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(vsLogSetFilters(bad[i], &err));
        g_assert_nonnull(err);
    }

    {
        g_autoptr(GError) err = NULL;
        g_assert_false(vsLogSetDefaultPriority("verbose", &err));
        g_assert_nonnull(err);
    }
}


static void
testOutput(void)
{
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;

    fd = g_file_open_tmp("vslogtest-XXXXXX", &path, &err);
    g_assert_no_error(err);

    vsLogReset();
    g_assert_true(vsLogSetOutputFile(path, &err));
    g_assert_true(vsLogSetDefaultPriority("info", &err));
    VS_DEBUG("hidden %d", 1);
    VS_INFO("shown %d", 2);
    VS_ERROR("also shown");
    vsLogReset();

    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_null(strstr(text, "hidden"));
    g_assert_nonnull(strstr(text, "info : tests.log: testOutput:"));
    g_assert_nonnull(strstr(text, "shown 2\n"));
    g_assert_nonnull(strstr(text, "error : tests.log"));
    unlink(path);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log/filters", testFilters);
    g_test_add_func("/log/bad-filters", testBadFilters);
    g_test_add_func("/log/output", testOutput);
    return g_test_run();
}
