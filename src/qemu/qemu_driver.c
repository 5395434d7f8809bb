/*
 * qemu_driver.c: the QEMU driver's API entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_driver.h"

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.driver");

/* Fail an entry point that this driver does not implement (yet). */
static void
qemuDriverNoSupport(GError **error,
                    const char *func)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_SUPPORT,
                _("this function is not supported by the connection driver: %s"),
                func);
}

#define QEMU_NO_SUPPORT(ret) \
    do { \
        qemuDriverNoSupport(error, __func__); \
        return ret; \
    } while (0)

/**
 * qemuDomainRefFree:
 * @ref: (nullable): a domain reference
 *
 * Frees @ref and its name.
 */
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
    QEMU_NO_SUPPORT(NULL);
}

void
qemuDriverFree(qemuDriver *driver)
{
}

gboolean
qemuDriverGetVersion(qemuDriver *driver, unsigned long long *version,
                     GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

char *
qemuDriverGetCapabilities(qemuDriver *driver, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

GPtrArray *
qemuDriverListDomains(qemuDriver *driver, unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

int
qemuDriverNumOfDomains(qemuDriver *driver, gboolean active)
{
    return 0;
}

qemuDomainRef *
qemuDriverLookupByName(qemuDriver *driver, const char *name, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

qemuDomainRef *
qemuDriverLookupByUUID(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

qemuDomainRef *
qemuDriverLookupByID(qemuDriver *driver, int id, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

qemuDomainRef *
qemuDriverDefineXML(qemuDriver *driver, const char *xml, unsigned int flags,
                    GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

qemuDomainRef *
qemuDriverCreateXML(qemuDriver *driver, const char *xml, unsigned int flags,
                    GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

gboolean
qemuDriverUndefine(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

qemuDomainRef *
qemuDriverStart(qemuDriver *driver, const unsigned char *uuid,
                unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

gboolean
qemuDriverDestroy(qemuDriver *driver, const unsigned char *uuid,
                  unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverShutdown(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverReboot(qemuDriver *driver, const unsigned char *uuid,
                 unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverSuspend(qemuDriver *driver, const unsigned char *uuid,
                  GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverResume(qemuDriver *driver, const unsigned char *uuid,
                 GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverGetInfo(qemuDriver *driver, const unsigned char *uuid,
                  qemuDomainInfo *info, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverGetState(qemuDriver *driver, const unsigned char *uuid,
                   int *state, int *reason, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

char *
qemuDriverGetXMLDesc(qemuDriver *driver, const unsigned char *uuid,
                     unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

int
qemuDriverIsActive(qemuDriver *driver, const unsigned char *uuid,
                   GError **error)
{
    QEMU_NO_SUPPORT(-1);
}

int
qemuDriverIsPersistent(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    QEMU_NO_SUPPORT(-1);
}

int
qemuDriverGetAutostart(qemuDriver *driver, const unsigned char *uuid,
                       GError **error)
{
    QEMU_NO_SUPPORT(-1);
}

gboolean
qemuDriverSetAutostart(qemuDriver *driver, const unsigned char *uuid,
                       gboolean autostart, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverSave(qemuDriver *driver, const unsigned char *uuid,
               const vsTypedParamList *params, unsigned int flags,
               GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverRestore(qemuDriver *driver, const vsTypedParamList *params,
                  unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverManagedSave(qemuDriver *driver, const unsigned char *uuid,
                      unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

int
qemuDriverHasManagedSaveImage(qemuDriver *driver, const unsigned char *uuid,
                              unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(-1);
}

gboolean
qemuDriverManagedSaveRemove(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

char *
qemuDriverManagedSaveGetXMLDesc(qemuDriver *driver, const unsigned char *uuid,
                                unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

gboolean
qemuDriverManagedSaveDefineXML(qemuDriver *driver, const unsigned char *uuid,
                               const char *dxml, unsigned int flags,
                               GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

char *
qemuDriverSaveImageGetXMLDesc(qemuDriver *driver, const char *path,
                              unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(NULL);
}

gboolean
qemuDriverSaveImageDefineXML(qemuDriver *driver, const char *path,
                             const char *dxml, unsigned int flags,
                             GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverGetJobStats(qemuDriver *driver, const unsigned char *uuid,
                      unsigned int flags, int *type,
                      vsTypedParamList **params, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}

gboolean
qemuDriverAbortJob(qemuDriver *driver, const unsigned char *uuid,
                   unsigned int flags, GError **error)
{
    QEMU_NO_SUPPORT(FALSE);
}
