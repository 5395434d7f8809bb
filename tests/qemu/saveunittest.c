/*
 * saveunittest.c: the save/restore engine's pure parts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Option validation (the messages clients see before anything is
 * paused), the capability list and parameters sent to QEMU, the
 * migration URI, fdset selection and the RSS parser. No QEMU involved.
 */

#include <config.h>

#include <string.h>

#include "qemu_driver.h"
#include "qemu_savepriv.h"
#include "vserror.h"

/* ---- save options ------------------------------------------------- */

typedef struct {
    const char *name;
    const char *format;         /* image_format param, NULL: absent */
    int channels;               /* parallel.channels, 0: absent */
    unsigned int flags;
    qemuSaveFormat defFormat;
    unsigned int defChannels;
    /* expectations */
    int code;                   /* 0: success */
    const char *message;        /* substring of the error */
    qemuSaveFormat outFormat;
    unsigned int outChannels;
    int outRunning;
} SaveOptCase;

static const SaveOptCase saveOptCases[] = {
    { "sparse-default", "sparse", 0, 0, QEMU_SAVE_FORMAT_RAW, 0,
      0, NULL, QEMU_SAVE_FORMAT_SPARSE, 0, -1 },
    { "sparse-4", "sparse", 4, VS_DOMAIN_SAVE_BYPASS_CACHE,
      QEMU_SAVE_FORMAT_RAW, 0,
      0, NULL, QEMU_SAVE_FORMAT_SPARSE, 4, -1 },
    { "conf-default", NULL, 0, VS_DOMAIN_SAVE_PAUSED,
      QEMU_SAVE_FORMAT_SPARSE, 3,
      0, NULL, QEMU_SAVE_FORMAT_SPARSE, 3, 0 },
    { "raw", "raw", 0, VS_DOMAIN_SAVE_RUNNING, QEMU_SAVE_FORMAT_SPARSE, 4,
      0, NULL, QEMU_SAVE_FORMAT_RAW, 1, 1 },
    { "channels-255", "sparse", 255, 0, QEMU_SAVE_FORMAT_RAW, 0,
      0, NULL, QEMU_SAVE_FORMAT_SPARSE, 255, -1 },
    { "channels-raw", "raw", 2, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG,
      "Parallel save is only supported with the 'sparse' save image format" },
    { "channels-default-raw", NULL, 2, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG, "only supported with the 'sparse'" },
    { "channels-0", "sparse", -1000, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG,
      "number of parallel save channels cannot be less than 1" },
    { "channels-256", "sparse", 256, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG, "cannot be more than 255" },
    { "bad-format", "foo", 0, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_OPERATION_FAILED, "Invalid image_format 'foo'" },
    { "format-case", "Sparse", 0, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_OPERATION_FAILED, "Invalid image_format 'Sparse'" },
    /* main() points VIRTSAVE_IOHELPER at a missing file. */
    { "gzip", "gzip", 0, 0, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_OPERATION_FAILED,
      "save image format 'gzip' is not available: cannot run the I/O helper" },
    { "raw-bypass", "raw", 0, VS_DOMAIN_SAVE_BYPASS_CACHE,
      QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_OPERATION_FAILED, "format 'raw' is not available" },
    { "running-paused", "sparse", 0,
      VS_DOMAIN_SAVE_RUNNING | VS_DOMAIN_SAVE_PAUSED,
      QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG,
      "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive" },
    { "reset-nvram", "sparse", 0, VS_DOMAIN_SAVE_RESET_NVRAM,
      QEMU_SAVE_FORMAT_RAW, 0,
      0, NULL, QEMU_SAVE_FORMAT_SPARSE, 0, -1 },
    { "unknown-flag", "sparse", 0, 1 << 9, QEMU_SAVE_FORMAT_RAW, 0,
      VS_ERR_INVALID_ARG, "unsupported flags (0x200)" },
};


static void
testSaveOptions(gconstpointer data)
{
    const SaveOptCase *tc = data;
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    qemuSaveOptions opts;
    gboolean ok;

    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, "/x/y");
    if (tc->format)
        vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT,
                                  tc->format);
    if (tc->channels)
        vsTypedParamListAddInt(params, VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS,
                               tc->channels == -1000 ? 0 : tc->channels);

    ok = qemuSaveParseOptions(params, tc->flags, tc->defFormat,
                              tc->defChannels, &opts, &err);
    if (tc->code == 0) {
        g_assert_no_error(err);
        g_assert_true(ok);
        g_assert_cmpstr(opts.path, ==, "/x/y");
        g_assert_cmpint(opts.format, ==, tc->outFormat);
        g_assert_cmpuint(opts.channels, ==, tc->outChannels);
        g_assert_cmpint(opts.running, ==, tc->outRunning);
        g_assert_cmpint(opts.bypassCache, ==,
                        !!(tc->flags & VS_DOMAIN_SAVE_BYPASS_CACHE));
        g_assert_cmpint(opts.resetNVRAM, ==,
                        !!(tc->flags & VS_DOMAIN_SAVE_RESET_NVRAM));
    } else {
        g_assert_false(ok);
        g_assert_nonnull(err);
        g_assert_cmpint(err->code, ==, tc->code);
        if (!strstr(err->message, tc->message))
            g_error("'%s' does not contain '%s'", err->message, tc->message);
    }
}


/* A relative path would name a file in the daemon's working directory. */
static void
testRelativePaths(void)
{
    const char *paths[] = { "rel.img", "./rel.img", "../x/rel.img" };
    g_autoptr(GError) err = NULL;
    qemuSaveOptions opts;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_autoptr(vsTypedParamList) params = vsTypedParamListNew();

        vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, paths[i]);
        g_assert_false(qemuSaveParseOptions(params, 0, QEMU_SAVE_FORMAT_RAW,
                                            0, &opts, &err));
        g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG);
        g_assert_true(strstr(err->message, "is not absolute") != NULL);
        g_clear_error(&err);

        g_assert_false(qemuSaveParseRestoreOptions(params, 0, &opts, &err));
        g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG);
        g_clear_error(&err);
    }
}


static void
testSaveOptionsManaged(void)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    qemuSaveOptions opts;

    /* No file: a managed save, path NULL. */
    g_assert_true(qemuSaveParseOptions(NULL, 0, QEMU_SAVE_FORMAT_SPARSE, 0,
                                       &opts, &err));
    g_assert_null(opts.path);
    g_assert_cmpint(opts.format, ==, QEMU_SAVE_FORMAT_SPARSE);

    vsTypedParamListAddString(params, "bogus", "x");
    g_assert_false(qemuSaveParseOptions(params, 0, QEMU_SAVE_FORMAT_RAW, 0,
                                        &opts, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_INVALID_ARG);
}


/* The names and types of a save's parameters, checked before a managed
 * save too: an unknown name, a string where an integer belongs, and an
 * integer of another width (python3-libvirt 9.0 sends ULLONG). */
static void
testCheckParams(void)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;

    vsTypedParamListAddString(params, "file", "/nonexistent/x");
    vsTypedParamListAddString(params, "bogus", "1");
    g_assert_false(qemuSaveCheckParams(params, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "parameter 'bogus' not supported");
    g_clear_error(&err);

    g_clear_pointer(&params, vsTypedParamListFree);
    params = vsTypedParamListNew();
    vsTypedParamListAddString(params, "parallel.channels", "2");
    g_assert_false(qemuSaveCheckParams(params, &err));
    g_clear_error(&err);

    g_clear_pointer(&params, vsTypedParamListFree);
    params = vsTypedParamListNew();
    vsTypedParamListAddString(params, "file", "/tmp/x");
    vsTypedParamListAddULLong(params, "parallel.channels", 2);
    g_assert_true(qemuSaveCheckParams(params, &err));
    g_assert_no_error(err);
}


static void
testRestoreOptions(void)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) fmt = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    qemuSaveOptions opts;

    g_assert_false(qemuSaveParseRestoreOptions(params, 0, &opts, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_INVALID_ARG);
    g_clear_error(&err);

    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, "/img");
    g_assert_true(qemuSaveParseRestoreOptions(params,
                                              VS_DOMAIN_SAVE_PAUSED |
                                              VS_DOMAIN_SAVE_BYPASS_CACHE,
                                              &opts, &err));
    g_assert_cmpstr(opts.path, ==, "/img");
    g_assert_cmpuint(opts.channels, ==, 0);
    g_assert_cmpint(opts.running, ==, 0);
    g_assert_true(opts.bypassCache);

    vsTypedParamListAddInt(params, VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS, 3);
    g_assert_true(qemuSaveParseRestoreOptions(params, 0, &opts, &err));
    g_assert_cmpuint(opts.channels, ==, 3);

    /* The format comes from the image, not from the caller. */
    vsTypedParamListAddString(fmt, VS_DOMAIN_SAVE_PARAM_FILE, "/img");
    vsTypedParamListAddString(fmt, VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT, "raw");
    g_assert_false(qemuSaveParseRestoreOptions(fmt, 0, &opts, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_INVALID_ARG);
}


/* ---- QEMU capabilities -------------------------------------------- */

static void
testQemuCaps(void)
{
    qemuCaps caps = { .binary = (char *) "/q", .multifd = TRUE,
                      .mappedRam = TRUE, .directIO = FALSE };
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuSaveCheckQemuCaps(&caps, QEMU_SAVE_FORMAT_SPARSE,
                                        FALSE, &err));
    g_assert_false(qemuSaveCheckQemuCaps(&caps, QEMU_SAVE_FORMAT_SPARSE,
                                         TRUE, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_OPERATION_UNSUPPORTED);
    g_clear_error(&err);

    caps.mappedRam = FALSE;
    g_assert_true(qemuSaveCheckQemuCaps(&caps, QEMU_SAVE_FORMAT_RAW,
                                        FALSE, &err));
    g_assert_false(qemuSaveCheckQemuCaps(&caps, QEMU_SAVE_FORMAT_SPARSE,
                                         FALSE, &err));
    g_assert_cmpstr(err->message, ==,
                    "save image format sparse is not supported by this QEMU binary");
}


/* The running QEMU's answer decides a save, not the binary on disk. */
static void
testMigrationSupport(void)
{
    static const char *const names[] = { "events", "multifd", "mapped-ram" };
    qemuMonitorMigrationSupport support = { 0 };
    g_autoptr(GError) err = NULL;
    size_t i;

    support.caps = g_array_new(FALSE, TRUE, sizeof(qemuMonitorMigrationCap));
    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        qemuMonitorMigrationCap cap = { (char *) names[i], FALSE };

        g_array_append_val(support.caps, cap);
    }

    g_assert_true(qemuSaveCheckMigrationSupport(&support, "d",
                                                QEMU_SAVE_FORMAT_SPARSE,
                                                FALSE, &err));
    g_assert_false(qemuSaveCheckMigrationSupport(&support, "d",
                                                 QEMU_SAVE_FORMAT_SPARSE,
                                                 TRUE, &err));
    g_assert_cmpstr(err->message, ==,
                    "the QEMU of domain 'd' lacks the direct-io migration parameter needed to bypass the cache");
    g_clear_error(&err);
    support.params.hasDirectIO = TRUE;
    g_assert_true(qemuSaveCheckMigrationSupport(&support, "d",
                                                QEMU_SAVE_FORMAT_SPARSE,
                                                TRUE, &err));

    /* A QEMU without mapped-ram still writes the stream formats. */
    g_array_remove_index(support.caps, 2);
    g_assert_false(qemuMonitorMigrationSupportHasCap(&support, "mapped-ram"));
    g_assert_true(qemuSaveCheckMigrationSupport(&support, "d",
                                                QEMU_SAVE_FORMAT_ZSTD,
                                                TRUE, &err));
    g_assert_false(qemuSaveCheckMigrationSupport(&support, "d",
                                                 QEMU_SAVE_FORMAT_SPARSE,
                                                 FALSE, &err));
    g_assert_cmpint(err->code, ==, VS_ERR_OPERATION_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "save image format sparse is not supported by the QEMU of domain 'd': it lacks mapped-ram or multifd migration");
    g_array_unref(support.caps);
}


/* ---- migration settings ------------------------------------------- */

static GArray *
testKnownCaps(void)
{
    static const char *const names[] = {
        "xbzrle", "auto-converge", "rdma-pin-all", "events", "postcopy-ram",
        "pause-before-switchover", "late-block-activate", "multifd",
        "dirty-bitmaps", "return-path", "zero-copy-send",
        "postcopy-preempt", "switchover-ack", "mapped-ram",
    };
    GArray *known = g_array_new(FALSE, TRUE, sizeof(qemuMonitorMigrationCap));
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        /* Leftovers of an earlier migration: every other one is on. */
        qemuMonitorMigrationCap cap = { (char *) names[i], i % 2 == 0 };

        g_array_append_val(known, cap);
    }
    return known;
}


static void
testMigrationCaps(void)
{
    g_autoptr(GArray) known = testKnownCaps();
    size_t pass;
    size_t i;

    for (pass = 0; pass < 2; pass++) {
        gboolean sparse = pass == 1;
        g_autoptr(GArray) caps = qemuSaveBuildMigrationCaps(known, sparse);

        /* Every capability, in QEMU's order, each explicit. */
        g_assert_cmpuint(caps->len, ==, known->len);
        for (i = 0; i < caps->len; i++) {
            qemuMonitorMigrationCap *c =
                &g_array_index(caps, qemuMonitorMigrationCap, i);
            qemuMonitorMigrationCap *k =
                &g_array_index(known, qemuMonitorMigrationCap, i);
            gboolean on = g_str_equal(c->name, "multifd") ||
                          g_str_equal(c->name, "mapped-ram");

            g_assert_cmpstr(c->name, ==, k->name);
            g_assert_true(c->name != k->name);
            if (g_str_equal(c->name, "events"))
                g_assert_true(c->state);
            else
                g_assert_cmpint(c->state, ==, sparse && on);
        }
    }
}


typedef struct {
    const char *name;
    gboolean qemuHasDirectIO;
    gboolean sparse;
    unsigned int channels;
    gboolean directIO;
    gboolean save;
    /* expected */
    gboolean hasChannels;
    gboolean hasDirectIO;
    gboolean outDirectIO;
    gboolean hasBandwidth;
} ParamsCase;

static const ParamsCase paramsCases[] = {
    { "sparse-direct-save", TRUE, TRUE, 4, TRUE, TRUE,
      TRUE, TRUE, TRUE, TRUE },
    /* A stale direct-io=true must be turned off explicitly. */
    { "sparse-buffered-save", TRUE, TRUE, 1, FALSE, TRUE,
      TRUE, TRUE, FALSE, TRUE },
    { "raw-save", TRUE, FALSE, 1, TRUE, TRUE,
      FALSE, TRUE, FALSE, TRUE },
    { "old-qemu", FALSE, TRUE, 2, FALSE, TRUE,
      TRUE, FALSE, FALSE, TRUE },
    { "sparse-restore", TRUE, TRUE, 3, TRUE, FALSE,
      TRUE, TRUE, TRUE, FALSE },
};


static void
testMigrationParams(gconstpointer data)
{
    const ParamsCase *tc = data;
    qemuMonitorMigrationParams current = { 0 };
    qemuMonitorMigrationParams out;

    current.hasDirectIO = tc->qemuHasDirectIO;
    current.directIO = TRUE;
    current.hasMaxBandwidth = TRUE;
    current.maxBandwidth = 134217728;

    qemuSaveBuildMigrationParams(&current, tc->sparse, tc->channels,
                                 tc->directIO, tc->save, &out);
    g_assert_cmpint(out.hasMultifdChannels, ==, tc->hasChannels);
    if (tc->hasChannels)
        g_assert_cmpuint(out.multifdChannels, ==, tc->channels);
    g_assert_cmpint(out.hasDirectIO, ==, tc->hasDirectIO);
    g_assert_cmpint(out.directIO, ==, tc->outDirectIO);
    g_assert_cmpint(out.hasMaxBandwidth, ==, tc->hasBandwidth);
    if (tc->hasBandwidth)
        g_assert_cmpuint(out.maxBandwidth, ==, 0x7FFFFFFFFFF00000ULL);
    g_assert_false(out.hasDowntimeLimit);
}


static void
testURI(void)
{
    static const struct {
        int fdset;
        uint64_t offset;
        const char *uri;
    } cases[] = {
        { 0, 0x10961, "file:/dev/fdset/0,offset=0x10961" },
        { 3, 0x11000, "file:/dev/fdset/3,offset=0x11000" },
        { 12, 0x100000000ULL, "file:/dev/fdset/12,offset=0x100000000" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *uri = qemuSaveBuildURI(cases[i].fdset,
                                                cases[i].offset);

        g_assert_cmpstr(uri, ==, cases[i].uri);
    }
}


static qemuMonitorFdset *
testFdset(int id)
{
    qemuMonitorFdset *set = g_new0(qemuMonitorFdset, 1);

    set->id = id;
    return set;
}


static void
testPickFdset(void)
{
    static const struct {
        int ids[4];
        size_t n;
        int expect;
    } cases[] = {
        { { 0 }, 0, 0 },
        { { 0 }, 1, 1 },
        { { 1, 0 }, 2, 2 },
        { { 2, 0 }, 2, 1 },
        { { 5, 3 }, 2, 0 },
        { { 3, 0, 2, 1 }, 4, 4 },
    };
    size_t i;
    size_t j;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) sets =
            g_ptr_array_new_with_free_func((GDestroyNotify) qemuMonitorFdsetFree);

        for (j = 0; j < cases[i].n; j++)
            g_ptr_array_add(sets, testFdset(cases[i].ids[j]));
        g_assert_cmpint(qemuSavePickFdsetId(sets), ==, cases[i].expect);
    }
}


static void
testVmRSS(void)
{
    static const struct {
        const char *text;
        gboolean ok;
        unsigned long long bytes;
    } cases[] = {
        { "Name:\tqemu\nVmPeak:\t  100 kB\nVmRSS:\t  262144 kB\nRssAnon: 1 kB\n",
          TRUE, 268435456ULL },
        { "VmRSS: 4 kB", TRUE, 4096 },
        { "Name:\tqemu\nVmHWM:\t 5 kB\n", FALSE, 0 },
        { "VmRSS:\t  x kB\n", FALSE, 0 },
        { "VmRSS:\t  12 MB\n", FALSE, 0 },
        { "", FALSE, 0 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        unsigned long long bytes = 0;

        g_assert_cmpint(qemuSaveParseVmRSS(cases[i].text, &bytes), ==,
                        cases[i].ok);
        if (cases[i].ok)
            g_assert_cmpuint(bytes, ==, cases[i].bytes);
    }
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    /* The stream formats need the I/O helper: make it missing, so their
     * cases fail the same way on every machine. */
    g_setenv("VIRTSAVE_IOHELPER", "/nonexistent/virtsave_iohelper", TRUE);

    for (i = 0; i < G_N_ELEMENTS(saveOptCases); i++) {
        g_autofree char *name = g_strdup_printf("/save/options/%s",
                                                saveOptCases[i].name);

        g_test_add_data_func(name, &saveOptCases[i], testSaveOptions);
    }
    g_test_add_func("/save/options/managed", testSaveOptionsManaged);
    g_test_add_func("/save/check-params", testCheckParams);
    g_test_add_func("/save/restore-options", testRestoreOptions);
    g_test_add_func("/save/relative-paths", testRelativePaths);
    g_test_add_func("/save/qemu-caps", testQemuCaps);
    g_test_add_func("/save/migration-support", testMigrationSupport);
    g_test_add_func("/save/migration-caps", testMigrationCaps);
    for (i = 0; i < G_N_ELEMENTS(paramsCases); i++) {
        g_autofree char *name = g_strdup_printf("/save/migration-params/%s",
                                                paramsCases[i].name);

        g_test_add_data_func(name, &paramsCases[i], testMigrationParams);
    }
    g_test_add_func("/save/uri", testURI);
    g_test_add_func("/save/pick-fdset", testPickFdset);
    g_test_add_func("/save/vmrss", testVmRSS);

    return g_test_run();
}
