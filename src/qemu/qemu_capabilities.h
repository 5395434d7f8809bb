/*
 * qemu_capabilities.h: what a QEMU binary can do, probed once and cached
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A probe starts the binary with no guest (-machine none) under -S with a
 * QMP socket, reads its version from the greeting and asks for its
 * migration capabilities and parameters, then makes it quit. The result
 * is cached per binary and probed again when the binary's modification
 * time changes (a package upgrade).
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <time.h>

typedef struct _qemuCaps qemuCaps;
struct _qemuCaps {
    gint refs;                      /* atomic */
    char *binary;                   /* absolute path */
    gint64 mtime;                   /* of @binary when probed, us */
    unsigned int major;
    unsigned int minor;
    unsigned int micro;
    gboolean multifd;               /* capability "multifd" */
    gboolean mappedRam;             /* capability "mapped-ram" (9.0) */
    gboolean directIO;              /* parameter "direct-io" (9.1) */
    gboolean kvm;                   /* query-kvm: present and enabled */
    GHashTable *machineAliases;     /* alias ("pc") -> versioned name */
    GPtrArray *machines;            /* qemuCapsMachine, as QEMU lists them */
    GPtrArray *cpuModels;           /* qemuCapsCPUModel */
    GHashTable *deviceTypes;        /* set of QOM type names */
    /* Canonical names (qemuHostCPUCanonical) of every CPUID feature
     * property the models' expansions have; NULL before expansion. */
    GHashTable *cpuFeatures;
};

/* One machine type of query-machines. */
typedef struct _qemuCapsMachine qemuCapsMachine;
struct _qemuCapsMachine {
    char *name;
    char *alias;                    /* NULL when it has none */
    unsigned int maxCpus;
    gboolean isDefault;
    gboolean deprecated;
};

/* One CPU model of query-cpu-definitions. */
typedef struct _qemuCapsCPUModel qemuCapsCPUModel;
struct _qemuCapsCPUModel {
    char *name;
    gboolean usable;                /* no unavailable features here */
    gboolean deprecated;
    char *aliasOf;                  /* the versioned model, or NULL */
    /* From query-cpu-model-expansion (not for aliases, "host", "max"
     * and "base"): the CPUID vendor string and the canonical names of
     * the features the model enables; NULL when not expanded. */
    char *vendor;
    GPtrArray *features;
};

/* Parse query-machines, query-cpu-definitions and qom-list-types
 * replies into @caps. */
gboolean qemuCapsParseMachineList(qemuCaps *caps,
                                  json_object *reply,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuCapsParseCPUModels(qemuCaps *caps,
                                json_object *reply,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Parse a full query-cpu-model-expansion of @model into it and into
 * caps->cpuFeatures. */
gboolean qemuCapsParseCPUExpansion(qemuCaps *caps,
                                   qemuCapsCPUModel *model,
                                   json_object *reply,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuCapsParseDeviceTypes(qemuCaps *caps,
                                  json_object *reply,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Whether the binary has the QOM type @name (a -device or -object). */
gboolean qemuCapsHasType(const qemuCaps *caps,
                         const char *name);

/* The machine QEMU picks without -machine, or NULL. (transfer none) */
const qemuCapsMachine *qemuCapsGetDefaultMachine(const qemuCaps *caps);
/* The machine named @name (alias or versioned name), or NULL. */
const qemuCapsMachine *qemuCapsFindMachine(const qemuCaps *caps,
                                           const char *name);

qemuCaps *qemuCapsRef(qemuCaps *caps);
void qemuCapsUnref(qemuCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuCaps, qemuCapsUnref);

/* The versioned machine type @machine stands for ("pc" ->
 * "pc-i440fx-10.0"), or @machine itself when it is no alias. */
const char *qemuCapsGetCanonicalMachine(const qemuCaps *caps,
                                        const char *machine);

/* Parse a query-machines reply into @aliases (alias -> name). */
gboolean qemuCapsParseMachines(json_object *reply,
                               GHashTable *aliases,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* major * 1000000 + minor * 1000 + micro, as virConnectGetVersion. */
unsigned long long qemuCapsGetVersion(const qemuCaps *caps);

/* Probe @binary (an absolute path) now, using @tmpdir for the QMP
 * socket. (transfer full) */
qemuCaps *qemuCapsProbe(const char *binary,
                        const char *tmpdir,
                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

typedef struct _qemuCapsCache qemuCapsCache;

/* @tmpdir: a private directory for probe sockets. */
qemuCapsCache *qemuCapsCacheNew(const char *tmpdir);
void qemuCapsCacheFree(qemuCapsCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuCapsCache, qemuCapsCacheFree);

/* The cached capabilities of @binary (absolute path), probing it first
 * when unknown or changed on disk. Concurrent callers for one binary
 * share one probe. (transfer full) a reference. */
qemuCaps *qemuCapsCacheLookup(qemuCapsCache *cache,
                              const char *binary,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
