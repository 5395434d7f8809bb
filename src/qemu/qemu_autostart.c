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

#include "qemu_driver.h"
#include "qemu_domain.h"
#include "qemu_conf.h"
#include "vslog.h"

VS_LOG_INIT("qemu.autostart");


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
                                 VS_CONNECT_LIST_DOMAINS_AUTOSTART, &err);
    if (!refs) {
        VS_ERROR("cannot list the autostart domains: %s", err->message);
    } else {
        for (i = 0; i < refs->len; i++) {
            if (i > 0 && delay > 0)
                g_usleep((gulong) delay * 1000);
            qemuAutostartOne(driver, g_ptr_array_index(refs, i));
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
