/*
 * qemu_channels.h: the channel count of a sparse save or restore that
 * asks for none
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* Guest memory each channel is worth, and the most channels chosen. */
#define QEMU_CHANNELS_AUTO_BYTES (1024ULL * 1024 * 1024)
#define QEMU_CHANNELS_AUTO_MAX 8

unsigned int qemuChannelsChoose(unsigned int hostCPUs,
                                unsigned long long ramBytes);
