/*
 * qemu_conf.h: the QEMU driver's directories and qemu.conf settings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The layout of the directories and every qemu.conf key are described in
 * docs/qemu.conf.md.
 */

#pragma once

#include <glib.h>

#include "vsenum.h"
#include "qemu_saveimage.h"

/* How QEMU runs guest code (qemu.conf "accel"). */
typedef enum {
    QEMU_ACCEL_AUTO = 0,    /* kvm when /dev/kvm is usable, else tcg */
    QEMU_ACCEL_KVM,
    QEMU_ACCEL_TCG,

    QEMU_ACCEL_LAST
} qemuAccel;

VS_ENUM_DECL(qemuAccel);

/* How a sparse image is restored (qemu.conf "restore_mode"). */
typedef enum {
    QEMU_RESTORE_MODE_EAGER = 0,    /* QEMU reads every page first */
    QEMU_RESTORE_MODE_LAZY,         /* RAM maps the image copy-on-write */

    QEMU_RESTORE_MODE_LAST
} qemuRestoreMode;

VS_ENUM_DECL(qemuRestoreMode);
/* Which running guests a host-shutdown step applies to (qemu.conf
 * "auto_shutdown_try_save", "auto_shutdown_try_shutdown" and
 * "auto_shutdown_poweroff"), with libvirt's names. */
typedef enum {
    QEMU_SHUTDOWN_SCOPE_NONE = 0,
    QEMU_SHUTDOWN_SCOPE_PERSISTENT,
    QEMU_SHUTDOWN_SCOPE_TRANSIENT,
    QEMU_SHUTDOWN_SCOPE_ALL,

    QEMU_SHUTDOWN_SCOPE_LAST
} qemuShutdownScope;

VS_ENUM_DECL(qemuShutdownScope);

/* Limits of qemu.conf "save_parallel_channels" (QEMU's multifd range). */
#define QEMU_CONF_CHANNELS_MIN 1
#define QEMU_CONF_CHANNELS_MAX 255
/* qemu.conf "save_max_concurrent": its default and largest value. */
#define QEMU_CONF_MAX_CONCURRENT_DEFAULT 4
#define QEMU_CONF_MAX_CONCURRENT_MAX 64

typedef struct _qemuDriverConfig qemuDriverConfig;
struct _qemuDriverConfig {
    /* Directories, all absolute. */
    char *root;             /* --root DIR, or NULL for system paths */
    char *configDir;        /* DIR/etc */
    char *configFile;       /* DIR/etc/qemu.conf */
    char *domainDir;        /* DIR/etc/qemu: <name>.xml definitions */
    char *autostartDir;     /* DIR/etc/qemu/autostart: <name> flag files */
    char *libDir;           /* DIR/lib */
    char *saveDir;          /* DIR/lib/save: <name>.save managed images */
    char *stateDir;         /* DIR/run/qemu: status, monitor, pid files */
    char *logDir;           /* DIR/log/qemu: <name>.log QEMU output */

    /* qemu.conf settings. */
    char *qemuBinary;       /* as configured; looked up in PATH if bare */
    qemuAccel accel;
    qemuSaveFormat saveImageFormat;
    unsigned int saveParallelChannels;
    unsigned int saveMaxConcurrent; /* 0: no bound (qemu_iosched.c) */
    gboolean autoStartBypassCache;
    gboolean autoSaveBypassCache;
    qemuRestoreMode restoreMode;
    gboolean restoreLazyDetach;     /* copy a lazy guest's memory out of
                                     * the image once it is warm */
    unsigned int stopTimeout;       /* seconds */
    unsigned int autoStartDelay;    /* milliseconds between two starts */
    qemuShutdownScope autoShutdownTrySave;
    qemuShutdownScope autoShutdownTryShutdown;
    qemuShutdownScope autoShutdownPoweroff;
    unsigned int autoShutdownWait;  /* seconds for ACPI shutdowns */
    gboolean autoShutdownRestore;
    /* Where <interface type='network'> finds NAME.xml (absolute). */
    char *networkDir;
};

qemuDriverConfig *qemuDriverConfigNew(const char *root);
void qemuDriverConfigFree(qemuDriverConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriverConfig, qemuDriverConfigFree);

gboolean qemuDriverConfigParseString(qemuDriverConfig *cfg,
                                     const char *content,
                                     const char *filename,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuDriverConfigLoadFile(qemuDriverConfig *cfg,
                                  const char *path,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuDriverConfigMakeDirs(const qemuDriverConfig *cfg,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *qemuDriverConfigFindBinary(const qemuDriverConfig *cfg,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuAccel qemuDriverConfigResolveAccel(qemuAccel accel);

/* Paths of one domain's files. (transfer full) */
char *qemuDriverConfigDomainPath(const qemuDriverConfig *cfg,
                                 const char *name);
char *qemuDriverConfigAutostartPath(const qemuDriverConfig *cfg,
                                    const char *name);
char *qemuDriverConfigManagedSavePath(const qemuDriverConfig *cfg,
                                      const char *name);
char *qemuDriverConfigStatusPath(const qemuDriverConfig *cfg,
                                 const char *name);
char *qemuDriverConfigMonitorPath(const qemuDriverConfig *cfg,
                                  const char *name);
char *qemuDriverConfigPidPath(const qemuDriverConfig *cfg,
                              const char *name);
char *qemuDriverConfigLogPath(const qemuDriverConfig *cfg,
                              const char *name);
