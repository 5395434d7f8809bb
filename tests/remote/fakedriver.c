/*
 * fakedriver.c: an in-memory stand-in for the QEMU driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Compiled only into tests of the RPC and remote layers. Domains live in
 * a table: defining parses <name> and <uuid> out of the XML, starting
 * hands out ids, and a save to a path containing "slow" runs for about
 * two seconds, reporting progress and honouring abort, so that tests can
 * exercise pipelining and the priority pool without QEMU.
 */

#include <config.h>

#include <string.h>

#include "qemu_driver.h"
#include "qemu_guest.h"
#include "qemu_stats.h"
#include "vserror.h"
#include "vsinternal.h"

typedef struct _fakeDomain fakeDomain;
struct _fakeDomain {
    char *name;
    unsigned char uuid[VS_UUID_BUFLEN];
    char *xml;
    int id;
    int state;
    int reason;
    gboolean persistent;
    gboolean autostart;
    gboolean inJob;
    gboolean abort;
    gint64 jobStart;
    guint64 processed;
};

struct _qemuDriver {
    GMutex lock;
    GPtrArray *doms;
    int nextID;
};

#define FAKE_SAVE_TOTAL (64ULL << 20)


static void
fakeDomainFree(fakeDomain *dom)
{
    g_free(dom->name);
    g_free(dom->xml);
    g_free(dom);
}


void
qemuDomainRefFree(qemuDomainRef *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}


qemuDriver *
qemuDriverNew(const char *root, GError **error)
{
    qemuDriver *driver = g_new0(qemuDriver, 1);

    g_mutex_init(&driver->lock);
    driver->doms = g_ptr_array_new_with_free_func((GDestroyNotify) fakeDomainFree);
    driver->nextID = 1;
    return driver;
}


/* The fake driver keeps no autostart marks: nothing to start. */
void
qemuDriverAutostart(qemuDriver *driver G_GNUC_UNUSED)
{
}


/* The fake driver runs no guests: a host shutdown has nothing to stop. */
void
qemuDriverShutdownHost(qemuDriver *driver G_GNUC_UNUSED)
{
}


int
qemuDriverGetAutostartOnce(qemuDriver *driver G_GNUC_UNUSED,
                           const unsigned char *uuid G_GNUC_UNUSED,
                           GError **error G_GNUC_UNUSED)
{
    return 0;
}


gboolean
qemuDriverSetAutostartOnce(qemuDriver *driver G_GNUC_UNUSED,
                           const unsigned char *uuid G_GNUC_UNUSED,
                           gboolean once G_GNUC_UNUSED,
                           GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                "the fake driver keeps no autostart marks");
    return FALSE;
}


void
qemuDriverFree(qemuDriver *driver)
{
    if (!driver)
        return;
    g_ptr_array_unref(driver->doms);
    g_mutex_clear(&driver->lock);
    g_free(driver);
}


static qemuDomainRef *
fakeRef(const fakeDomain *dom)
{
    qemuDomainRef *ref = g_new0(qemuDomainRef, 1);

    ref->name = g_strdup(dom->name);
    memcpy(ref->uuid, dom->uuid, VS_UUID_BUFLEN);
    ref->id = dom->id;
    return ref;
}


static fakeDomain *
fakeFindUUID(qemuDriver *driver, const unsigned char *uuid, GError **error)
{
    size_t i;

    for (i = 0; i < driver->doms->len; i++) {
        fakeDomain *dom = driver->doms->pdata[i];

        if (memcmp(dom->uuid, uuid, VS_UUID_BUFLEN) == 0)
            return dom;
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                "no domain with matching uuid");
    return NULL;
}


static fakeDomain *
fakeFindName(qemuDriver *driver, const char *name)
{
    size_t i;

    for (i = 0; i < driver->doms->len; i++) {
        fakeDomain *dom = driver->doms->pdata[i];

        if (g_str_equal(dom->name, name))
            return dom;
    }
    return NULL;
}


static fakeDomain *
fakeRunning(qemuDriver *driver, const unsigned char *uuid, GError **error)
{
    fakeDomain *dom = fakeFindUUID(driver, uuid, error);

    if (dom && dom->id < 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                    "domain is not running");
        return NULL;
    }
    return dom;
}


gboolean
qemuDriverGetVersion(qemuDriver *driver, unsigned long long *version,
                     GError **error)
{
    *version = 10000002;
    return TRUE;
}


char *
qemuDriverGetCapabilities(qemuDriver *driver, GError **error)
{
    return g_strdup("<capabilities/>\n");
}


GPtrArray *
qemuDriverListDomains(qemuDriver *driver, unsigned int flags, GError **error)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuDomainRefFree);
    gboolean wantActive = flags & VS_CONNECT_LIST_DOMAINS_ACTIVE;
    gboolean wantInactive = flags & VS_CONNECT_LIST_DOMAINS_INACTIVE;
    size_t i;

    if (!wantActive && !wantInactive)
        wantActive = wantInactive = TRUE;
    g_mutex_lock(&driver->lock);
    for (i = 0; i < driver->doms->len; i++) {
        fakeDomain *dom = driver->doms->pdata[i];

        if ((dom->id >= 0 && wantActive) || (dom->id < 0 && wantInactive))
            g_ptr_array_add(refs, fakeRef(dom));
    }
    g_mutex_unlock(&driver->lock);
    return refs;
}


int
qemuDriverNumOfDomains(qemuDriver *driver, gboolean active)
{
    int n = 0;
    size_t i;

    g_mutex_lock(&driver->lock);
    for (i = 0; i < driver->doms->len; i++) {
        fakeDomain *dom = driver->doms->pdata[i];

        if ((dom->id >= 0) == active)
            n++;
    }
    g_mutex_unlock(&driver->lock);
    return n;
}


qemuDomainRef *
qemuDriverLookupByName(qemuDriver *driver, const char *name, GError **error)
{
    qemuDomainRef *ref = NULL;
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindName(driver, name)))
        ref = fakeRef(dom);
    else
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                    "no domain with matching name '%s'", name);
    g_mutex_unlock(&driver->lock);
    return ref;
}


qemuDomainRef *
qemuDriverLookupByUUID(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    qemuDomainRef *ref = NULL;
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error)))
        ref = fakeRef(dom);
    g_mutex_unlock(&driver->lock);
    return ref;
}


qemuDomainRef *
qemuDriverLookupByID(qemuDriver *driver, int id, GError **error)
{
    qemuDomainRef *ref = NULL;
    size_t i;

    g_mutex_lock(&driver->lock);
    for (i = 0; i < driver->doms->len && !ref; i++) {
        fakeDomain *dom = driver->doms->pdata[i];

        if (dom->id == id && id >= 0)
            ref = fakeRef(dom);
    }
    g_mutex_unlock(&driver->lock);
    if (!ref)
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                    "no domain with matching id %d", id);
    return ref;
}


static char *
fakeXMLElement(const char *xml, const char *elem)
{
    g_autofree char *open = g_strdup_printf("<%s>", elem);
    g_autofree char *close = g_strdup_printf("</%s>", elem);
    const char *start = strstr(xml, open);
    const char *end;

    if (!start)
        return NULL;
    start += strlen(open);
    if (!(end = strstr(start, close)))
        return NULL;
    return g_strndup(start, end - start);
}


static qemuDomainRef *
fakeDefine(qemuDriver *driver, const char *xml, gboolean persistent,
           gboolean start, GError **error)
{
    g_autofree char *name = fakeXMLElement(xml, "name");
    g_autofree char *uuidstr = fakeXMLElement(xml, "uuid");
    fakeDomain *dom;
    qemuDomainRef *ref;

    if (!name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    "missing domain name information");
        return NULL;
    }
    g_mutex_lock(&driver->lock);
    if (!(dom = fakeFindName(driver, name))) {
        dom = g_new0(fakeDomain, 1);
        dom->name = g_strdup(name);
        if (!uuidstr || !vsUUIDParse(uuidstr, dom->uuid, NULL))
            vsUUIDGenerate(dom->uuid);
        dom->id = -1;
        dom->state = VS_DOMAIN_SHUTOFF;
        g_ptr_array_add(driver->doms, dom);
    }
    g_free(dom->xml);
    dom->xml = g_strdup(xml);
    dom->persistent = dom->persistent || persistent;
    if (start && dom->id < 0) {
        dom->id = driver->nextID++;
        dom->state = VS_DOMAIN_RUNNING;
        dom->reason = VS_DOMAIN_RUNNING_BOOTED;
    }
    ref = fakeRef(dom);
    g_mutex_unlock(&driver->lock);
    return ref;
}


qemuDomainRef *
qemuDriverDefineXML(qemuDriver *driver, const char *xml, unsigned int flags,
                    GError **error)
{
    return fakeDefine(driver, xml, TRUE, FALSE, error);
}


qemuDomainRef *
qemuDriverCreateXML(qemuDriver *driver, const char *xml, unsigned int flags,
                    GError **error)
{
    return fakeDefine(driver, xml, FALSE, TRUE, error);
}


gboolean
qemuDriverUndefine(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        if (dom->id >= 0)
            dom->persistent = FALSE;
        else
            g_ptr_array_remove(driver->doms, dom);
    }
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


qemuDomainRef *
qemuDriverStart(qemuDriver *driver, const unsigned char *uuid,
                unsigned int flags, GError **error)
{
    qemuDomainRef *ref = NULL;
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        if (dom->id >= 0) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                        "domain is already running");
        } else {
            dom->id = driver->nextID++;
            dom->state = (flags & VS_DOMAIN_START_PAUSED) ?
                         VS_DOMAIN_PAUSED : VS_DOMAIN_RUNNING;
            dom->reason = (flags & VS_DOMAIN_START_PAUSED) ?
                          VS_DOMAIN_PAUSED_USER : VS_DOMAIN_RUNNING_BOOTED;
            ref = fakeRef(dom);
        }
    }
    g_mutex_unlock(&driver->lock);
    return ref;
}


static gboolean
fakeStop(qemuDriver *driver, const unsigned char *uuid, int reason,
         GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeRunning(driver, uuid, error))) {
        dom->id = -1;
        dom->state = VS_DOMAIN_SHUTOFF;
        dom->reason = reason;
        if (!dom->persistent)
            g_ptr_array_remove(driver->doms, dom);
    }
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


gboolean
qemuDriverDestroy(qemuDriver *driver, const unsigned char *uuid,
                  unsigned int flags, GError **error)
{
    return fakeStop(driver, uuid, VS_DOMAIN_SHUTOFF_DESTROYED, error);
}


gboolean
qemuDriverShutdown(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    return fakeStop(driver, uuid, VS_DOMAIN_SHUTOFF_SHUTDOWN, error);
}


gboolean
qemuDriverReboot(qemuDriver *driver, const unsigned char *uuid,
                 unsigned int flags, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    dom = fakeRunning(driver, uuid, error);
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


static gboolean
fakeSetState(qemuDriver *driver, const unsigned char *uuid, int state,
             int reason, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeRunning(driver, uuid, error))) {
        dom->state = state;
        dom->reason = reason;
    }
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


gboolean
qemuDriverSuspend(qemuDriver *driver, const unsigned char *uuid,
                  GError **error)
{
    return fakeSetState(driver, uuid, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_USER,
                        error);
}


gboolean
qemuDriverResume(qemuDriver *driver, const unsigned char *uuid,
                 GError **error)
{
    return fakeSetState(driver, uuid, VS_DOMAIN_RUNNING,
                        VS_DOMAIN_RUNNING_UNPAUSED, error);
}


gboolean
qemuDriverGetInfo(qemuDriver *driver, const unsigned char *uuid,
                  qemuDomainInfo *info, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        info->state = dom->state;
        info->maxMem = 65536;
        info->memory = 65536;
        info->nrVirtCpu = 1;
        info->cpuTime = dom->id >= 0 ? 1000000 : 0;
    }
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


gboolean
qemuDriverGetState(qemuDriver *driver, const unsigned char *uuid,
                   int *state, int *reason, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        *state = dom->state;
        *reason = dom->reason;
    }
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


char *
qemuDriverGetXMLDesc(qemuDriver *driver, const unsigned char *uuid,
                     unsigned int flags, GError **error)
{
    char *xml = NULL;
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error)))
        xml = g_strdup(dom->xml);
    g_mutex_unlock(&driver->lock);
    return xml;
}


static int
fakeFlag(qemuDriver *driver, const unsigned char *uuid, size_t offset,
         GError **error)
{
    int ret = -1;
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        if (offset == 0)
            ret = dom->id >= 0;
        else
            ret = *(gboolean *)((char *)dom + offset) ? 1 : 0;
    }
    g_mutex_unlock(&driver->lock);
    return ret;
}


int
qemuDriverIsActive(qemuDriver *driver, const unsigned char *uuid,
                   GError **error)
{
    return fakeFlag(driver, uuid, 0, error);
}


int
qemuDriverIsPersistent(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    return fakeFlag(driver, uuid, G_STRUCT_OFFSET(fakeDomain, persistent),
                    error);
}


int
qemuDriverGetAutostart(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    return fakeFlag(driver, uuid, G_STRUCT_OFFSET(fakeDomain, autostart),
                    error);
}


gboolean
qemuDriverSetAutostart(qemuDriver *driver, const unsigned char *uuid,
                       gboolean autostart, GError **error)
{
    fakeDomain *dom;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error)))
        dom->autostart = autostart;
    g_mutex_unlock(&driver->lock);
    return dom != NULL;
}


/* A "slow" save: 20 steps of 100 ms, abortable between steps. */
static gboolean
fakeSlowSave(qemuDriver *driver, fakeDomain *dom, GError **error)
{
    int step;

    for (step = 1; step <= 20; step++) {
        g_mutex_unlock(&driver->lock);
        g_usleep(100 * 1000);
        g_mutex_lock(&driver->lock);
        dom->processed = FAKE_SAVE_TOTAL / 20 * step;
        if (dom->abort) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_ABORTED,
                        "save job: canceled by client");
            return FALSE;
        }
    }
    return TRUE;
}


gboolean
qemuDriverSave(qemuDriver *driver, const unsigned char *uuid,
               const vsTypedParamList *params, unsigned int flags,
               GError **error)
{
    const char *file = NULL;
    gboolean ok = FALSE;
    fakeDomain *dom;

    if (vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_FILE, &file,
                                  error) < 0)
        return FALSE;
    if (!file) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    "missing file parameter");
        return FALSE;
    }

    g_mutex_lock(&driver->lock);
    if ((dom = fakeRunning(driver, uuid, error)) && !dom->inJob) {
        dom->inJob = TRUE;
        dom->abort = FALSE;
        dom->processed = 0;
        dom->jobStart = g_get_monotonic_time();
        ok = !strstr(file, "slow") || fakeSlowSave(driver, dom, error);
        dom->inJob = FALSE;
        if (ok) {
            dom->id = -1;
            dom->state = VS_DOMAIN_SHUTOFF;
            dom->reason = VS_DOMAIN_SHUTOFF_SAVED;
        }
    } else if (dom) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    "another job is running");
    }
    g_mutex_unlock(&driver->lock);
    return ok;
}


gboolean
qemuDriverRestore(qemuDriver *driver, const vsTypedParamList *params,
                  unsigned int flags, GError **error)
{
    const char *file = NULL;

    if (vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_FILE, &file,
                                  error) < 0)
        return FALSE;
    vsSetErrorSystem(error, 2, "Failed to open file '%s'", file ? file : "");
    return FALSE;
}


gboolean
qemuDriverManagedSave(qemuDriver *driver, const unsigned char *uuid,
                      unsigned int flags, GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_SUPPORT, "managed save");
    return FALSE;
}


int
qemuDriverHasManagedSaveImage(qemuDriver *driver, const unsigned char *uuid,
                              unsigned int flags, GError **error)
{
    return fakeFindUUID(driver, uuid, error) ? 0 : -1;
}


gboolean
qemuDriverManagedSaveRemove(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error)
{
    return TRUE;
}


char *
qemuDriverManagedSaveGetXMLDesc(qemuDriver *driver, const unsigned char *uuid,
                                unsigned int flags, GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                "domain does not have managed save image");
    return NULL;
}


gboolean
qemuDriverManagedSaveDefineXML(qemuDriver *driver, const unsigned char *uuid,
                               const char *dxml, unsigned int flags,
                               GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                "domain does not have managed save image");
    return FALSE;
}


char *
qemuDriverSaveImageGetXMLDesc(qemuDriver *driver, const char *path,
                              unsigned int flags, GError **error)
{
    vsSetErrorSystem(error, 2, "Failed to open file '%s'", path);
    return NULL;
}


gboolean
qemuDriverSaveImageDefineXML(qemuDriver *driver, const char *path,
                             const char *dxml, unsigned int flags,
                             GError **error)
{
    vsSetErrorSystem(error, 2, "Failed to open file '%s'", path);
    return FALSE;
}


gboolean
qemuDriverGetJobStats(qemuDriver *driver, const unsigned char *uuid,
                      unsigned int flags, int *type,
                      vsTypedParamList **params, GError **error)
{
    fakeDomain *dom;

    *params = vsTypedParamListNew();
    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        *type = dom->inJob ? VS_DOMAIN_JOB_UNBOUNDED : VS_DOMAIN_JOB_NONE;
        if (dom->inJob) {
            guint64 ms = (g_get_monotonic_time() - dom->jobStart) / 1000;

            vsTypedParamListAddInt(*params, "operation",
                                   VS_DOMAIN_JOB_OPERATION_SAVE);
            vsTypedParamListAddULLong(*params, "time_elapsed", ms);
            vsTypedParamListAddULLong(*params, "data_total", FAKE_SAVE_TOTAL);
            vsTypedParamListAddULLong(*params, "data_processed", dom->processed);
            vsTypedParamListAddULLong(*params, "data_remaining",
                                      FAKE_SAVE_TOTAL - dom->processed);
        }
    }
    g_mutex_unlock(&driver->lock);
    if (!dom)
        g_clear_pointer(params, vsTypedParamListFree);
    return dom != NULL;
}


gboolean
qemuDriverAbortJob(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    fakeDomain *dom;
    gboolean ok = FALSE;

    g_mutex_lock(&driver->lock);
    if ((dom = fakeFindUUID(driver, uuid, error))) {
        if (dom->inJob) {
            dom->abort = TRUE;
            ok = TRUE;
        } else {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                        "no job is active on the domain");
        }
    }
    g_mutex_unlock(&driver->lock);
    return ok;
}


/* ---- host and statistics: answered with a fixed host, no domain data */

static gboolean
fakeNoStats(GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_SUPPORT,
                "the fake driver keeps no statistics");
    return FALSE;
}


char *
qemuDriverGetDomainCapabilities(qemuDriver *driver, const char *emulator,
                                const char *arch, const char *machine,
                                const char *virttype, GError **error)
{
    return g_strdup("<domainCapabilities/>\n");
}


int
qemuDriverConnectGetMaxVcpus(qemuDriver *driver, const char *type,
                             GError **error)
{
    return 16;
}


char *
qemuDriverGetSysinfo(qemuDriver *driver, GError **error)
{
    return g_strdup("<sysinfo type='smbios'/>\n");
}


gboolean
qemuDriverNodeGetInfo(qemuDriver *driver, qemuHostNodeInfo *info,
                      GError **error)
{
    memset(info, 0, sizeof(*info));
    g_strlcpy(info->model, "x86_64", sizeof(info->model));
    info->memory = 1024 * 1024;
    info->cpus = info->nodes = info->sockets = info->threads = 1;
    info->cores = 1;
    return TRUE;
}


int
qemuDriverNodeGetCPUStats(int cpuNum, qemuHostStat *stats, GError **error)
{
    stats[0] = (qemuHostStat) { "kernel", 1 };
    return 1;
}


int
qemuDriverNodeGetMemoryStats(int cellNum, qemuHostStat *stats, GError **error)
{
    stats[0] = (qemuHostStat) { "total", 1024 };
    stats[1] = (qemuHostStat) { "free", 512 };
    return 2;
}


char *
qemuDriverGetMetadata(qemuDriver *driver, const unsigned char *uuid,
                      int type, const char *uri, unsigned int flags,
                      GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverSetMetadata(qemuDriver *driver, const unsigned char *uuid,
                      int type, const char *metadata, const char *key,
                      const char *uri, unsigned int flags, GError **error)
{
    return fakeNoStats(error);
}


gboolean
qemuDriverGetMaxMemory(qemuDriver *driver, const unsigned char *uuid,
                       unsigned long long *kib, GError **error)
{
    return fakeNoStats(error);
}


int
qemuDriverGetMaxVcpus(qemuDriver *driver, const unsigned char *uuid,
                      GError **error)
{
    fakeNoStats(error);
    return -1;
}


int
qemuDriverGetVcpusFlags(qemuDriver *driver, const unsigned char *uuid,
                        unsigned int flags, GError **error)
{
    fakeNoStats(error);
    return -1;
}


GArray *
qemuDriverGetVcpus(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int *hostCPUs, GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverGetControlInfo(qemuDriver *driver, const unsigned char *uuid,
                         unsigned int *state, unsigned int *details,
                         unsigned long long *stateTime, GError **error)
{
    return fakeNoStats(error);
}


vsTypedParamList *
qemuDriverGetCPUStats(qemuDriver *driver, const unsigned char *uuid,
                      int startCPU, unsigned int ncpus,
                      unsigned int *hostCPUs, GError **error)
{
    fakeNoStats(error);
    return NULL;
}


GArray *
qemuDriverMemoryStats(qemuDriver *driver, const unsigned char *uuid,
                      GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverGetBlockInfo(qemuDriver *driver, const unsigned char *uuid,
                       const char *path, unsigned long long *capacity,
                       unsigned long long *allocation,
                       unsigned long long *physical, GError **error)
{
    return fakeNoStats(error);
}


gboolean
qemuDriverBlockStats(qemuDriver *driver, const unsigned char *uuid,
                     const char *path, qemuStatsBlock *stats, GError **error)
{
    return fakeNoStats(error);
}


gboolean
qemuDriverUpdateDevice(qemuDriver *driver, const unsigned char *uuid,
                       const char *xml, unsigned int flags, GError **error)
{
    return fakeNoStats(error);
}


gboolean
qemuDriverInterfaceStats(qemuDriver *driver, const unsigned char *uuid,
                         const char *path, vsNetDevStats *stats,
                         GError **error)
{
    return fakeNoStats(error);
}


GPtrArray *
qemuDriverInterfaceAddresses(qemuDriver *driver, const unsigned char *uuid,
                             unsigned int source, GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverGetTime(qemuDriver *driver, const unsigned char *uuid,
                  unsigned int flags, long long *seconds,
                  unsigned int *nseconds, GError **error)
{
    return fakeNoStats(error);
}


GPtrArray *
qemuDriverGetCPUModelNames(qemuDriver *driver, const char *arch,
                           GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverCompareCPU(qemuDriver *driver, GError **error)
{
    return fakeNoStats(error);
}


vsTypedParamList *
qemuDriverGetGuestInfo(qemuDriver *driver, const unsigned char *uuid,
                       unsigned int types, unsigned int flags,
                       GError **error)
{
    fakeNoStats(error);
    return NULL;
}


gboolean
qemuDriverSetTime(qemuDriver *driver, const unsigned char *uuid,
                  long long seconds, unsigned int nseconds,
                  unsigned int flags, GError **error)
{
    return fakeNoStats(error);
}


char *
qemuDriverGetHostname(qemuDriver *driver, const unsigned char *uuid,
                      unsigned int flags, GError **error)
{
    fakeNoStats(error);
    return NULL;
}


int
qemuDriverFSFreeze(qemuDriver *driver, const unsigned char *uuid,
                   const char *const *mountpoints, unsigned int flags,
                   GError **error)
{
    fakeNoStats(error);
    return -1;
}


int
qemuDriverFSThaw(qemuDriver *driver, const unsigned char *uuid,
                 const char *const *mountpoints, unsigned int flags,
                 GError **error)
{
    fakeNoStats(error);
    return -1;
}


GPtrArray *
qemuDriverGetAllDomainStats(qemuDriver *driver, GPtrArray *refs,
                            unsigned int stats, unsigned int flags,
                            GError **error)
{
    return g_ptr_array_new();
}


void
qemuDriverSetEventCallback(qemuDriver *driver, qemuDriverEventFunc func,
                           gpointer opaque)
{
}


int
qemuDriverOpenConsole(qemuDriver *driver, const unsigned char *uuid,
                      const char *devname, GError **error)
{
    fakeNoStats(error);
    return -1;
}
