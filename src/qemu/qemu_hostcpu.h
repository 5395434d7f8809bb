/*
 * qemu_hostcpu.h: the host CPU as capabilities describe it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "qemu_capabilities.h"

/* The host CPU read from /proc/cpuinfo (its first processor). */
typedef struct _qemuHostCPU qemuHostCPU;
struct _qemuHostCPU {
    char *vendorId;                 /* "GenuineIntel", "AuthenticAMD" */
    unsigned int family;
    unsigned int model;
    unsigned int stepping;
    gboolean hasMicrocode;
    unsigned long long microcode;
    unsigned int physBits;          /* 0: unknown */
    GPtrArray *features;            /* canonical names, cpuinfo order */
};

void qemuHostCPUFree(qemuHostCPU *cpu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuHostCPU, qemuHostCPUFree);

/* A feature name in one spelling for QEMU's properties, cpuinfo flags
 * and libvirt's names: lower case, '-' for '_' and '.', QEMU's aliases
 * folded. (transfer full) */
char *qemuHostCPUCanonical(const char *name);
/* Whether the canonical @name of a boolean CPU property is a CPUID
 * feature rather than an accelerator or QEMU setting. */
gboolean qemuHostCPUIsFeature(const char *name);
/* libvirt's name of canonical feature @name. (transfer none) */
const char *qemuHostCPUFeatureName(const char *name);

/* Parse @cpuinfo; only flags naming a feature in @known (canonical names
 * of QEMU's CPU properties; NULL: keep all) are kept. */
qemuHostCPU *qemuHostCPUParse(const char *cpuinfo,
                              GHashTable *known);

/* The CPU model of @caps closest to @cpu (see qemu_hostcpu.c), or NULL.
 * (transfer none) */
const qemuCapsCPUModel *qemuHostCPUSelectModel(const qemuHostCPU *cpu,
                                               const qemuCaps *caps);

/* <cpu> of the capabilities' <host>: arch, model, vendor, microcode,
 * signature, the given topology, address size and the features the
 * model lacks. */
void qemuHostCPUFormatHost(GString *buf,
                           const qemuHostCPU *cpu,
                           const qemuCaps *caps,
                           const char *arch,
                           int sockets,
                           int cores,
                           int threads);
