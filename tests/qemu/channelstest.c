/*
 * channelstest.c: the channel count chosen for a sparse save or restore
 * that asks for none
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_channels.h"

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

typedef struct {
    unsigned int cpus;
    unsigned long long ram;
    unsigned int channels;
} ChannelCase;

static const ChannelCase cases[] = {
    { 2, 64 * MiB, 1 },
    { 64, 1 * GiB, 1 },
    { 64, 1 * GiB + 1, 2 },
    { 2, 2 * GiB, 2 },
    { 2, 16 * GiB, 2 },             /* no more than the CPUs */
    { 64, 4 * GiB, 4 },
    { 64, 256 * GiB, 8 },           /* no more than the cap */
    { 1, 256 * GiB, 1 },
    { 0, 8 * GiB, 1 },              /* unknown CPU count */
    { 8, 0, 1 },                    /* unknown memory */
};


static void
testChoose(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %zu: %u CPUs, %llu bytes", i, cases[i].cpus,
                       cases[i].ram);
        g_assert_cmpuint(qemuChannelsChoose(cases[i].cpus, cases[i].ram), ==,
                         cases[i].channels);
    }
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/channels/choose", testChoose);
    return g_test_run();
}
