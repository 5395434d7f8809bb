/*
 * qemu_autostart.c: start the autostart domains when the daemon starts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One thread walks the inactive domains marked for autostart, in name
 * order, and starts each one as `virsh start` would: a domain with a
 * managed save image is restored from it instead of booted. A failure is
 * logged with the domain's name and the walk goes on. qemu.conf's
 * auto_start_delay spaces the starts (docs/qemu.conf.md).
 */

#include <config.h>

#include <errno.h>
#include <unistd.h>

#include "qemu_driver.h"
#include "qemu_domain.h"
#include "qemu_conf.h"
#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.autostart");


/* virsh autostart --once marks: DOMAINDIR/autostart-once/<name>. */
static char *
qemuAutostartOncePath(qemuDriver *driver,
                      const char *name)
{
    return g_build_filename(driver->config->domainDir, "autostart-once",
                            name, NULL);
}


/**
 * qemuDriverGetAutostartOnce:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: 1 if the domain starts with the next daemon start only, 0 if
 * not, -1 with @error set.
 */
int
qemuDriverGetAutostartOnce(qemuDriver *driver,
                           const unsigned char *uuid,
                           GError **error)
{
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autofree char *path = NULL;

    if (!(ref = qemuDriverLookupByUUID(driver, uuid, error)))
        return -1;
    path = qemuAutostartOncePath(driver, ref->name);
    return g_file_test(path, G_FILE_TEST_EXISTS) ? 1 : 0;
}


/**
 * qemuDriverSetAutostartOnce:
 * @driver: the driver
 * @uuid: the domain
 * @once: the new setting
 * @error: return location for a #GError
 *
 * Marks a persistent domain for starting with the next daemon start
 * only: the mark is removed when that start is tried.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverSetAutostartOnce(qemuDriver *driver,
                           const unsigned char *uuid,
                           gboolean once,
                           GError **error)
{
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autofree char *path = NULL;
    g_autofree char *dir = NULL;
    g_autoptr(GError) err = NULL;
    int persistent;

    if (!(ref = qemuDriverLookupByUUID(driver, uuid, error)) ||
        (persistent = qemuDriverIsPersistent(driver, uuid, error)) < 0)
        return FALSE;
    if (!persistent) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot set autostart for transient domain"));
        return FALSE;
    }
    path = qemuAutostartOncePath(driver, ref->name);
    if (!once) {
        if (unlink(path) < 0 && errno != ENOENT) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot remove autostart file '%s'"), path);
            return FALSE;
        }
        return TRUE;
    }
    dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0755) < 0 ||
        !g_file_set_contents_full(path, ref->name, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                  &err)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED,
                    _("cannot create autostart file '%s': %s"), path,
                    err ? err->message : g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}


/* Whether @ref starts now; an autostart-once mark is used up here. */
static gboolean
qemuAutostartWanted(qemuDriver *driver,
                    const qemuDomainRef *ref)
{
    g_autofree char *once = qemuAutostartOncePath(driver, ref->name);
    gboolean wanted = qemuDriverGetAutostart(driver, ref->uuid, NULL) == 1;

    if (unlink(once) == 0) {
        VS_INFO("domain '%s': autostart-once mark used", ref->name);
        wanted = TRUE;
    }
    return wanted;
}


static void
qemuAutostartOne(qemuDriver *driver,
                 const qemuDomainRef *ref)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) started = NULL;

    VS_INFO("autostarting domain '%s'", ref->name);
    if (!(started = qemuDriverStart(driver, ref->uuid, 0, &err))) {
        VS_ERROR("cannot autostart domain '%s': %s", ref->name,
                 err->message);
        return;
    }
    VS_INFO("domain '%s' autostarted with id %d", ref->name, started->id);
}


static gpointer
qemuAutostartThread(gpointer opaque)
{
    qemuDriver *driver = opaque;
    unsigned int delay = driver->config->autoStartDelay;
    g_autoptr(GPtrArray) refs = NULL;
    g_autoptr(GError) err = NULL;
    size_t i;

    refs = qemuDriverListDomains(driver,
                                 VS_CONNECT_LIST_DOMAINS_INACTIVE |
                                 VS_CONNECT_LIST_DOMAINS_PERSISTENT, &err);
    if (!refs) {
        VS_ERROR("cannot list the autostart domains: %s", err->message);
    } else {
        gboolean first = TRUE;

        for (i = 0; i < refs->len; i++) {
            const qemuDomainRef *ref = g_ptr_array_index(refs, i);

            if (!qemuAutostartWanted(driver, ref))
                continue;
            if (!first && delay > 0)
                g_usleep((gulong) delay * 1000);
            first = FALSE;
            qemuAutostartOne(driver, ref);
        }
    }

    g_mutex_lock(&driver->workerLock);
    driver->workers--;
    g_cond_broadcast(&driver->workerCond);
    g_mutex_unlock(&driver->workerLock);
    return NULL;
}


/**
 * qemuDriverAutostart:
 * @driver: the driver
 *
 * Starts the autostart domains in a thread of their own, so that clients
 * are served meanwhile; qemuDriverFree() waits for it.
 */
void
qemuDriverAutostart(qemuDriver *driver)
{
    g_mutex_lock(&driver->workerLock);
    driver->workers++;
    g_mutex_unlock(&driver->workerLock);

    g_thread_unref(g_thread_new("autostart", qemuAutostartThread, driver));
}
