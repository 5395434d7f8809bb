/*
 * qemu_shutdown.c: what the running guests go through when the host
 * shuts down
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The daemon calls qemuDriverShutdownHost() once its clients are gone
 * when it was stopped for a host shutdown (SIGUSR2, docs/virtsaved.8).
 * Three steps, each on the guests of its qemu.conf scope that are still
 * running (docs/qemu.conf.md):
 *   1. auto_shutdown_try_save: managed saves through the driver's own
 *      entry point, several at once, the largest guest first;
 *   2. auto_shutdown_try_shutdown: the ACPI power button, then up to
 *      auto_shutdown_wait seconds for the guests to shut off;
 *   3. auto_shutdown_poweroff: a forced power-off.
 * A guest one step fails for (a full disk, a transient domain that has
 * no managed save) is logged by name and left to the next step; the
 * others are not held up. With auto_shutdown_restore, every persistent
 * guest saved or shut off here gets an autostart-once mark, so the next
 * daemon start restores or boots it (qemu_autostart.c).
 */

#include <config.h>

#include "qemu_driver.h"
#include "qemu_domain.h"
#include "qemu_conf.h"
#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.shutdown");

/* Managed saves in flight at once. Each one writes with one channel, so
 * a few together keep a disk busy; more only make them seek. */
#define QEMU_SHUTDOWN_SAVES_MAX 4

/* How often the ACPI step looks whether the guests are off. */
#define QEMU_SHUTDOWN_POLL_MS 200

typedef struct _qemuShutdownGuest qemuShutdownGuest;
struct _qemuShutdownGuest {
    qemuDomainRef *ref;
    gboolean persistent;
    unsigned long long memKiB;
    gboolean done;              /* saved: no further step */
};


static void
qemuShutdownGuestFree(gpointer opaque)
{
    qemuShutdownGuest *guest = opaque;

    qemuDomainRefFree(guest->ref);
    g_free(guest);
}


static gboolean
qemuShutdownInScope(qemuShutdownScope scope,
                    const qemuShutdownGuest *guest)
{
    switch (scope) {
    case QEMU_SHUTDOWN_SCOPE_ALL:
        return TRUE;
    case QEMU_SHUTDOWN_SCOPE_PERSISTENT:
        return guest->persistent;
    case QEMU_SHUTDOWN_SCOPE_TRANSIENT:
        return !guest->persistent;
    case QEMU_SHUTDOWN_SCOPE_NONE:
    case QEMU_SHUTDOWN_SCOPE_LAST:
        break;
    }
    return FALSE;
}


static gint
qemuShutdownCompareSize(gconstpointer a,
                        gconstpointer b)
{
    const qemuShutdownGuest *ga = *(qemuShutdownGuest * const *)a;
    const qemuShutdownGuest *gb = *(qemuShutdownGuest * const *)b;

    if (ga->memKiB != gb->memKiB)
        return ga->memKiB > gb->memKiB ? -1 : 1;
    return g_strcmp0(ga->ref->name, gb->ref->name);
}


/* The running guests, largest memory first. */
static GPtrArray *
qemuShutdownCollect(qemuDriver *driver)
{
    g_autoptr(GPtrArray) refs = NULL;
    g_autoptr(GError) err = NULL;
    GPtrArray *guests = g_ptr_array_new_with_free_func(qemuShutdownGuestFree);
    size_t i;

    refs = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_ACTIVE,
                                 &err);
    if (!refs) {
        VS_ERROR("cannot list the running domains: %s", err->message);
        return guests;
    }
    for (i = 0; i < refs->len; i++) {
        qemuShutdownGuest *guest = g_new0(qemuShutdownGuest, 1);
        qemuDomainInfo info = { 0 };

        guest->ref = g_steal_pointer(&g_ptr_array_index(refs, i));
        guest->persistent =
            qemuDriverIsPersistent(driver, guest->ref->uuid, NULL) == 1;
        if (qemuDriverGetInfo(driver, guest->ref->uuid, &info, NULL))
            guest->memKiB = info.maxMem;
        g_ptr_array_add(guests, guest);
    }
    g_ptr_array_sort(guests, qemuShutdownCompareSize);
    return guests;
}


static void
qemuShutdownSaveOne(gpointer data,
                    gpointer opaque)
{
    qemuShutdownGuest *guest = data;
    qemuDriver *driver = opaque;
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();

    VS_INFO("host shutdown: saving domain '%s'", guest->ref->name);
    if (!qemuDriverManagedSave(driver, guest->ref->uuid, 0, &err)) {
        VS_ERROR("host shutdown: cannot save domain '%s': %s",
                 guest->ref->name, err->message);
        return;
    }
    guest->done = TRUE;
    VS_INFO("host shutdown: domain '%s' saved in %lld ms", guest->ref->name,
            (long long)(g_get_monotonic_time() - start) / 1000);
}


/* Step 1: the managed saves, QEMU_SHUTDOWN_SAVES_MAX at a time, in the
 * order of @guests; returns when all have ended. */
static void
qemuShutdownSaveAll(qemuDriver *driver,
                    GPtrArray *guests)
{
    qemuShutdownScope scope = driver->config->autoShutdownTrySave;
    GThreadPool *pool = NULL;
    g_autoptr(GError) err = NULL;
    size_t i;

    if (scope == QEMU_SHUTDOWN_SCOPE_NONE || guests->len == 0)
        return;
    pool = g_thread_pool_new(qemuShutdownSaveOne, driver,
                             QEMU_SHUTDOWN_SAVES_MAX, TRUE, &err);
    if (!pool) {
        VS_ERROR("host shutdown: cannot start the saves: %s", err->message);
        return;
    }
    for (i = 0; i < guests->len; i++) {
        qemuShutdownGuest *guest = g_ptr_array_index(guests, i);

        if (qemuShutdownInScope(scope, guest) &&
            !g_thread_pool_push(pool, guest, &err)) {
            VS_ERROR("host shutdown: cannot save domain '%s': %s",
                     guest->ref->name, err->message);
            g_clear_error(&err);
        }
    }
    /* wait for every queued save */
    g_thread_pool_free(pool, FALSE, TRUE);
}


/* Whether @guest still runs; a guest that vanished counts as off. */
static gboolean
qemuShutdownIsRunning(qemuDriver *driver,
                      const qemuShutdownGuest *guest)
{
    return !guest->done &&
           qemuDriverIsActive(driver, guest->ref->uuid, NULL) == 1;
}


/* Step 2: the ACPI power button, then wait for the guests to go off. */
static void
qemuShutdownPowerdownAll(qemuDriver *driver,
                         GPtrArray *guests)
{
    qemuShutdownScope scope = driver->config->autoShutdownTryShutdown;
    gint64 deadline;
    gboolean waiting = FALSE;
    size_t i;

    if (scope == QEMU_SHUTDOWN_SCOPE_NONE)
        return;
    for (i = 0; i < guests->len; i++) {
        qemuShutdownGuest *guest = g_ptr_array_index(guests, i);
        g_autoptr(GError) err = NULL;

        if (!qemuShutdownInScope(scope, guest) ||
            !qemuShutdownIsRunning(driver, guest))
            continue;
        VS_INFO("host shutdown: asking domain '%s' to shut down",
                guest->ref->name);
        if (!qemuDriverShutdown(driver, guest->ref->uuid, 0, &err)) {
            VS_ERROR("host shutdown: cannot shut down domain '%s': %s",
                     guest->ref->name, err->message);
            continue;
        }
        waiting = TRUE;
    }
    if (!waiting)
        return;

    deadline = g_get_monotonic_time() +
               (gint64)driver->config->autoShutdownWait * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        gboolean running = FALSE;

        for (i = 0; i < guests->len && !running; i++) {
            qemuShutdownGuest *guest = g_ptr_array_index(guests, i);

            running = qemuShutdownInScope(scope, guest) &&
                      qemuShutdownIsRunning(driver, guest);
        }
        if (!running)
            return;
        g_usleep(QEMU_SHUTDOWN_POLL_MS * 1000);
    }
    VS_WARN("host shutdown: guests still running after %u s",
            driver->config->autoShutdownWait);
}


/* Step 3: a forced power-off. */
static void
qemuShutdownPoweroffAll(qemuDriver *driver,
                        GPtrArray *guests)
{
    qemuShutdownScope scope = driver->config->autoShutdownPoweroff;
    size_t i;

    for (i = 0; i < guests->len; i++) {
        qemuShutdownGuest *guest = g_ptr_array_index(guests, i);
        g_autoptr(GError) err = NULL;

        if (!qemuShutdownInScope(scope, guest) ||
            !qemuShutdownIsRunning(driver, guest))
            continue;
        VS_INFO("host shutdown: powering off domain '%s'", guest->ref->name);
        if (!qemuDriverDestroy(driver, guest->ref->uuid, 0, &err))
            VS_ERROR("host shutdown: cannot power off domain '%s': %s",
                     guest->ref->name, err->message);
    }
}


/* auto_shutdown_restore: the persistent guests that no longer run start
 * with the next daemon, from their managed save image if they have one. */
static void
qemuShutdownMarkRestore(qemuDriver *driver,
                        GPtrArray *guests)
{
    size_t i;

    if (!driver->config->autoShutdownRestore)
        return;
    for (i = 0; i < guests->len; i++) {
        qemuShutdownGuest *guest = g_ptr_array_index(guests, i);
        g_autoptr(GError) err = NULL;

        if (!guest->persistent || qemuShutdownIsRunning(driver, guest))
            continue;
        if (!qemuDriverSetAutostartOnce(driver, guest->ref->uuid, TRUE,
                                        &err))
            VS_ERROR("host shutdown: cannot mark domain '%s' for restore: %s",
                     guest->ref->name, err->message);
    }
}


/**
 * qemuDriverShutdownHost:
 * @driver: the driver, with no client calls running
 *
 * Saves, shuts down or powers off the running guests as qemu.conf's
 * auto_shutdown_* keys say, because the host shuts down. Guests no step
 * applies to keep running. Returns when every step has ended.
 */
void
qemuDriverShutdownHost(qemuDriver *driver)
{
    g_autoptr(GPtrArray) guests = qemuShutdownCollect(driver);
    gint64 start = g_get_monotonic_time();
    size_t i;
    guint left = 0;

    VS_INFO("host shutdown: %u running domains", guests->len);
    qemuShutdownSaveAll(driver, guests);
    qemuShutdownPowerdownAll(driver, guests);
    qemuShutdownPoweroffAll(driver, guests);
    qemuShutdownMarkRestore(driver, guests);

    for (i = 0; i < guests->len; i++) {
        qemuShutdownGuest *guest = g_ptr_array_index(guests, i);

        if (qemuShutdownIsRunning(driver, guest)) {
            VS_INFO("host shutdown: domain '%s' keeps running",
                    guest->ref->name);
            left++;
        }
    }
    VS_INFO("host shutdown: done in %lld ms, %u domains still running",
            (long long)(g_get_monotonic_time() - start) / 1000, left);
}
