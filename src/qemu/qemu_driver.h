/*
 * qemu_driver.h: the QEMU driver's API, as the remote layer calls it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every entry point mirrors one libvirt public API (named beside it) and
 * takes libvirt's flag values. Domains are named by UUID: the remote
 * layer looks them up once and passes the UUID, as libvirtd does, since
 * the name and id a client sends may be stale. Each function that can
 * fail returns FALSE/NULL with @error set to one error with a libvirt
 * code and domain (src/util/vserror.h). All of them may be called from
 * any thread, concurrently; long operations (save, restore, start) block
 * only the calling thread.
 */

#pragma once

#include <glib.h>
#include <stdint.h>

#include "vstypedparam.h"
#include "vsuuid.h"
#include "domain_state.h"
#include "qemu_host.h"

typedef struct _qemuDriver qemuDriver;

/* What a client needs to name a domain: libvirt's nonnull_domain. */
typedef struct _qemuDomainRef qemuDomainRef;
struct _qemuDomainRef {
    char *name;
    unsigned char uuid[VS_UUID_BUFLEN];
    int id;     /* -1 when inactive */
};
void qemuDomainRefFree(qemuDomainRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainRef, qemuDomainRefFree);

typedef struct _qemuDomainInfo qemuDomainInfo;
struct _qemuDomainInfo {
    int state;                  /* vsDomainState */
    unsigned long long maxMem;  /* KiB */
    unsigned long long memory;  /* KiB */
    unsigned int nrVirtCpu;
    unsigned long long cpuTime; /* ns */
};

/* libvirt flag values the driver understands. */
typedef enum {
    VS_DOMAIN_SAVE_BYPASS_CACHE = 1 << 0,
    VS_DOMAIN_SAVE_RUNNING = 1 << 1,
    VS_DOMAIN_SAVE_PAUSED = 1 << 2,
    VS_DOMAIN_SAVE_RESET_NVRAM = 1 << 3,
} vsDomainSaveRestoreFlags;

typedef enum {
    VS_DOMAIN_START_PAUSED = 1 << 0,
    VS_DOMAIN_START_AUTODESTROY = 1 << 1,
    VS_DOMAIN_START_BYPASS_CACHE = 1 << 2,
    VS_DOMAIN_START_FORCE_BOOT = 1 << 3,
    VS_DOMAIN_START_VALIDATE = 1 << 4,
    VS_DOMAIN_START_RESET_NVRAM = 1 << 5,
} vsDomainCreateFlags;

typedef enum {
    VS_DOMAIN_XML_SECURE = 1 << 0,
    VS_DOMAIN_XML_INACTIVE = 1 << 1,
    VS_DOMAIN_XML_UPDATE_CPU = 1 << 2,
    VS_DOMAIN_XML_MIGRATABLE = 1 << 3,
} vsDomainXMLFlags;

typedef enum {
    VS_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0,
    VS_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1,
    VS_DOMAIN_UNDEFINE_NVRAM = 1 << 2,
    VS_DOMAIN_UNDEFINE_KEEP_NVRAM = 1 << 3,
    VS_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 1 << 4,
    VS_DOMAIN_UNDEFINE_TPM = 1 << 5,
    VS_DOMAIN_UNDEFINE_KEEP_TPM = 1 << 6,
} vsDomainUndefineFlags;

typedef enum {
    VS_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0,
    VS_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1,
    VS_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2,
    VS_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3,
    VS_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4,
    VS_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5,
    VS_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6,
    VS_CONNECT_LIST_DOMAINS_OTHER = 1 << 7,
    VS_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8,
    VS_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    VS_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10,
    VS_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
    VS_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12,
    VS_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13,
    VS_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14,
    VS_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15,
} vsConnectListAllDomainsFlags;

typedef enum {
    VS_DOMAIN_JOB_STATS_COMPLETED = 1 << 0,
    VS_DOMAIN_JOB_STATS_KEEP_COMPLETED = 1 << 1,
} vsDomainGetJobStatsFlags;

/* Typed parameter names of virDomainSaveParams/virDomainRestoreParams. */
#define VS_DOMAIN_SAVE_PARAM_FILE "file"
#define VS_DOMAIN_SAVE_PARAM_DXML "dxml"
#define VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT "image_format"
#define VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS "parallel.channels"
/* virtsave's own restore parameter: "eager" or "lazy" (a string); it
 * overrides qemu.conf restore_mode, and "lazy" given here fails instead
 * of falling back. See docs/save-restore.md. */
#define VS_DOMAIN_SAVE_PARAM_RESTORE_MODE "virtsave.restore_mode"

/* Lifetime. @root NULL: system paths; otherwise everything under @root
 * (see docs/virtsaved.rst). Loads persistent definitions and reattaches
 * to every QEMU that a previous daemon left running. */
qemuDriver *qemuDriverNew(const char *root, GError **error);
/* Starts the autostart domains in the background (qemu_autostart.c). */
void qemuDriverAutostart(qemuDriver *driver);
/* virDomainGetAutostartOnce, virDomainSetAutostartOnce */
int qemuDriverGetAutostartOnce(qemuDriver *driver, const unsigned char *uuid,
                               GError **error);
gboolean qemuDriverSetAutostartOnce(qemuDriver *driver,
                                    const unsigned char *uuid,
                                    gboolean once, GError **error);
/* Saves, shuts down or powers off the running guests for a host
 * shutdown as qemu.conf says (qemu_shutdown.c). */
void qemuDriverShutdownHost(qemuDriver *driver);
/* Detaches from running QEMU processes (they keep running) and frees. */
void qemuDriverFree(qemuDriver *driver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriver, qemuDriverFree);

/* virConnectGetVersion: QEMU's version as major*1000000+minor*1000+micro */
gboolean qemuDriverGetVersion(qemuDriver *driver, unsigned long long *version,
                              GError **error);
/* virConnectGetCapabilities */
char *qemuDriverGetCapabilities(qemuDriver *driver, GError **error);
/* virConnectGetCPUModelNames */
GPtrArray *qemuDriverGetCPUModelNames(qemuDriver *driver, const char *arch,
                                      GError **error);
/* virConnectCompare(Hypervisor)CPU, virConnectBaseline(Hypervisor)CPU */
gboolean qemuDriverCompareCPU(qemuDriver *driver, GError **error);

/* Lifecycle events (libvirt's virDomainEventType and detail numbers),
 * reported with the domain locked: the listener must not block. */
typedef void (*qemuDriverEventFunc)(const qemuDomainRef *dom, int event,
                                    int detail, gpointer opaque);
void qemuDriverSetEventCallback(qemuDriver *driver, qemuDriverEventFunc func,
                                gpointer opaque);
char *qemuDriverGetDomainCapabilities(qemuDriver *driver,
                                      const char *emulator,
                                      const char *arch,
                                      const char *machine,
                                      const char *virttype,
                                      GError **error);
char *qemuDriverGetMetadata(qemuDriver *driver, const unsigned char *uuid,
                            int type, const char *uri, unsigned int flags,
                            GError **error);
gboolean qemuDriverUpdateDevice(qemuDriver *driver, const unsigned char *uuid,
                                const char *xml, unsigned int flags,
                                GError **error);
gboolean qemuDriverSetMetadata(qemuDriver *driver, const unsigned char *uuid,
                               int type, const char *metadata,
                               const char *key, const char *uri,
                               unsigned int flags, GError **error);
int qemuDriverConnectGetMaxVcpus(qemuDriver *driver, const char *type,
                                 GError **error);
char *qemuDriverGetSysinfo(qemuDriver *driver, GError **error);
int qemuDriverOpenConsole(qemuDriver *driver, const unsigned char *uuid,
                          const char *devname, GError **error);
gboolean qemuDriverNodeGetInfo(qemuDriver *driver, qemuHostNodeInfo *info,
                               GError **error);
int qemuDriverNodeGetCPUStats(int cpuNum, qemuHostStat *stats,
                              GError **error);
int qemuDriverNodeGetMemoryStats(int cellNum, qemuHostStat *stats,
                                 GError **error);

/* virConnectListAllDomains: (transfer full) array of qemuDomainRef */
GPtrArray *qemuDriverListDomains(qemuDriver *driver, unsigned int flags,
                                 GError **error);
/* virConnectNumOfDomains / NumOfDefinedDomains */
int qemuDriverNumOfDomains(qemuDriver *driver, gboolean active);

qemuDomainRef *qemuDriverLookupByName(qemuDriver *driver, const char *name,
                                      GError **error);
qemuDomainRef *qemuDriverLookupByUUID(qemuDriver *driver,
                                      const unsigned char *uuid,
                                      GError **error);
qemuDomainRef *qemuDriverLookupByID(qemuDriver *driver, int id,
                                    GError **error);

/* virDomainDefineXMLFlags */
qemuDomainRef *qemuDriverDefineXML(qemuDriver *driver, const char *xml,
                                   unsigned int flags, GError **error);
/* virDomainCreateXML: a transient domain, started */
qemuDomainRef *qemuDriverCreateXML(qemuDriver *driver, const char *xml,
                                   unsigned int flags, GError **error);
/* virDomainUndefineFlags */
gboolean qemuDriverUndefine(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error);
/* virDomainCreateWithFlags; restores a managed save image if there is one
 * (unless FORCE_BOOT). Returns the domain with its new id. */
qemuDomainRef *qemuDriverStart(qemuDriver *driver, const unsigned char *uuid,
                               unsigned int flags, GError **error);
/* virDomainDestroyFlags, virDomainShutdownFlags, virDomainReboot */
gboolean qemuDriverDestroy(qemuDriver *driver, const unsigned char *uuid,
                           unsigned int flags, GError **error);
gboolean qemuDriverShutdown(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error);
gboolean qemuDriverReboot(qemuDriver *driver, const unsigned char *uuid,
                          unsigned int flags, GError **error);
/* virDomainSuspend, virDomainResume */
gboolean qemuDriverSuspend(qemuDriver *driver, const unsigned char *uuid,
                           GError **error);
gboolean qemuDriverResume(qemuDriver *driver, const unsigned char *uuid,
                          GError **error);

/* virDomainGetInfo, virDomainGetState, virDomainGetXMLDesc */
gboolean qemuDriverGetInfo(qemuDriver *driver, const unsigned char *uuid,
                           qemuDomainInfo *info, GError **error);
gboolean qemuDriverGetState(qemuDriver *driver, const unsigned char *uuid,
                            int *state, int *reason, GError **error);
char *qemuDriverGetXMLDesc(qemuDriver *driver, const unsigned char *uuid,
                           unsigned int flags, GError **error);
/* virDomainIsActive, IsPersistent, GetAutostart: 0/1, or -1 */
int qemuDriverIsActive(qemuDriver *driver, const unsigned char *uuid,
                       GError **error);
int qemuDriverIsPersistent(qemuDriver *driver, const unsigned char *uuid,
                           GError **error);
int qemuDriverGetAutostart(qemuDriver *driver, const unsigned char *uuid,
                           GError **error);
gboolean qemuDriverSetAutostart(qemuDriver *driver,
                                const unsigned char *uuid,
                                gboolean autostart, GError **error);

/* virDomainSaveParams (virDomainSave and virDomainSaveFlags too: the
 * remote layer puts "file" and "dxml" into @params). */
gboolean qemuDriverSave(qemuDriver *driver, const unsigned char *uuid,
                        const vsTypedParamList *params, unsigned int flags,
                        GError **error);
/* virDomainRestoreParams (and Restore, RestoreFlags likewise) */
gboolean qemuDriverRestore(qemuDriver *driver,
                           const vsTypedParamList *params,
                           unsigned int flags, GError **error);
/* virDomainManagedSave, HasManagedSaveImage, ManagedSaveRemove,
 * ManagedSaveGetXMLDesc, ManagedSaveDefineXML */
gboolean qemuDriverManagedSave(qemuDriver *driver, const unsigned char *uuid,
                               unsigned int flags, GError **error);
int qemuDriverHasManagedSaveImage(qemuDriver *driver,
                                  const unsigned char *uuid,
                                  unsigned int flags, GError **error);
gboolean qemuDriverManagedSaveRemove(qemuDriver *driver,
                                     const unsigned char *uuid,
                                     unsigned int flags, GError **error);
char *qemuDriverManagedSaveGetXMLDesc(qemuDriver *driver,
                                      const unsigned char *uuid,
                                      unsigned int flags, GError **error);
gboolean qemuDriverManagedSaveDefineXML(qemuDriver *driver,
                                        const unsigned char *uuid,
                                        const char *dxml,
                                        unsigned int flags, GError **error);

/* virDomainSaveImageGetXMLDesc, virDomainSaveImageDefineXML */
char *qemuDriverSaveImageGetXMLDesc(qemuDriver *driver, const char *path,
                                    unsigned int flags, GError **error);
gboolean qemuDriverSaveImageDefineXML(qemuDriver *driver, const char *path,
                                      const char *dxml, unsigned int flags,
                                      GError **error);

/* virDomainGetJobStats: *@type is a vsDomainJobType; *@params gets
 * libvirt's field names ("operation", "time_elapsed", "data_total", ...).
 * virDomainGetJobInfo is derived from the same fields by the caller. */
gboolean qemuDriverGetJobStats(qemuDriver *driver, const unsigned char *uuid,
                               unsigned int flags, int *type,
                               vsTypedParamList **params, GError **error);
/* virDomainAbortJob / AbortJobFlags */
gboolean qemuDriverAbortJob(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error);
