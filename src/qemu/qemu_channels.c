/*
 * qemu_channels.c: the channel count of a sparse save or restore that
 * asks for none
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When neither the client ("parallel.channels") nor qemu.conf
 * (save_parallel_channels) gives a count, one channel per started GiB of
 * guest memory, no more than the host CPUs the job gets (each channel is
 * a QEMU thread that copies pages; concurrent jobs share the CPUs, see
 * qemu_iosched.c) and no more than
 * QEMU_CHANNELS_AUTO_MAX (past that the disk, not the threads, is the
 * limit). A small guest keeps one channel: more cost a thread and a
 * descriptor each and save nothing. docs/save-restore.md, "Channels".
 */

#include <config.h>

#include "qemu_channels.h"


/**
 * qemuChannelsChoose:
 * @hostCPUs: the host CPUs the job may use
 * @ramBytes: the guest's memory
 *
 * Returns: the channel count for the guest, 1 at least.
 */
unsigned int
qemuChannelsChoose(unsigned int hostCPUs,
                   unsigned long long ramBytes)
{
    unsigned long long n = (ramBytes + QEMU_CHANNELS_AUTO_BYTES - 1) /
                           QEMU_CHANNELS_AUTO_BYTES;

    n = MIN(n, (unsigned long long) hostCPUs);
    n = MIN(n, (unsigned long long) QEMU_CHANNELS_AUTO_MAX);
    return n > 0 ? (unsigned int) n : 1;
}
