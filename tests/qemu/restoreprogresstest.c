/*
 * restoreprogresstest.c: a restore's progress from recorded /proc/PID/io
 * text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_restoreprogress.h"

typedef struct {
    const char *text;
    gboolean ok;
    unsigned long long rchar;
} ParseCase;

static const ParseCase parseCases[] = {
    { "rchar: 123456\nwchar: 10\nsyscr: 5\nread_bytes: 4096\n", TRUE,
      123456 },
    { "wchar: 10\nrchar: 18446744073709551615\n", TRUE,
      18446744073709551615ULL },
    { "rchar:\t42", TRUE, 42 },
    /* only the whole field name counts */
    { "xrchar: 5\n", FALSE, 0 },
    { "rchar: \n", FALSE, 0 },
    { "rchar: 12abc\n", FALSE, 0 },
    { "read_bytes: 4096\n", FALSE, 0 },
    { "", FALSE, 0 },
};


static void
testParse(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(parseCases); i++) {
        const ParseCase *c = &parseCases[i];
        unsigned long long rchar = 0;

        g_test_message("case %zu: '%s'", i, c->text);
        g_assert_cmpint(qemuRestoreProgressParseIO(c->text, &rchar), ==,
                        c->ok);
        if (c->ok)
            g_assert_cmpuint(rchar, ==, c->rchar);
    }
}


typedef struct {
    unsigned long long total;
    unsigned long long base;
    unsigned long long rchar;
    unsigned long long processed;
} ComputeCase;

static const ComputeCase computeCases[] = {
    { 1000, 500, 500, 0 },
    { 1000, 500, 800, 300 },
    { 1000, 500, 1500, 1000 },
    /* metadata and pages read twice never make it more than the total */
    { 1000, 500, 9000, 1000 },
    /* a counter behind the start (a new process) is no progress */
    { 1000, 500, 100, 0 },
    { 0, 0, 100, 0 },
};


static void
testCompute(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(computeCases); i++) {
        const ComputeCase *c = &computeCases[i];
        qemuDomainJobInfo info = { 0 };

        info.dataTotal = c->total;
        info.readBase = c->base;
        qemuRestoreProgressCompute(&info, c->rchar);
        g_assert_cmpuint(info.dataProcessed, ==, c->processed);
        g_assert_cmpuint(info.dataRemaining, ==, c->total - c->processed);
    }
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/restoreprogress/parse", testParse);
    g_test_add_func("/restoreprogress/compute", testCompute);
    return g_test_run();
}
