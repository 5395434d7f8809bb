/*
 * qemu_domain.c: domain objects, the domain list, jobs and status files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_domain.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.domain");

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree);

VS_ENUM_IMPL(qemuDomainJobKind, QEMU_JOB_LAST,
             "none",
             "modify",
             "async",
);

VS_ENUM_IMPL(qemuDomainState, VS_DOMAIN_STATE_LAST,
             "nostate",
             "running",
             "blocked",
             "paused",
             "shutdown",
             "shutoff",
             "crashed",
             "pmsuspended",
);

/* Reason names, indexed by the reason enums of domain_state.h. */
static const char *const qemuDomainRunningReasons[] = {
    "unknown", "booted", "migrated", "restored", "from snapshot",
    "unpaused", "migration canceled", "save canceled", "wakeup", "crashed",
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuDomainRunningReasons) ==
                VS_DOMAIN_RUNNING_CRASHED + 1);

static const char *const qemuDomainPausedReasons[] = {
    "unknown", "user", "migration", "save", "dump", "ioerror", "watchdog",
    "from snapshot", "shutdown", "snapshot", "panicked", "starting up",
    "post-copy", "post-copy failed", "api error",
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuDomainPausedReasons) ==
                VS_DOMAIN_PAUSED_API_ERROR + 1);

static const char *const qemuDomainShutdownReasons[] = {
    "unknown", "user",
};

static const char *const qemuDomainShutoffReasons[] = {
    "unknown", "shutdown", "destroyed", "crashed", "migrated", "saved",
    "failed", "from snapshot", "daemon",
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuDomainShutoffReasons) ==
                VS_DOMAIN_SHUTOFF_DAEMON + 1);

static const char *const qemuDomainCrashedReasons[] = {
    "unknown", "panicked",
};

static const char *const qemuDomainOtherReasons[] = {
    "unknown",
};

/* Names of job operations for messages, indexed by vsDomainJobOperation. */
static const char *const qemuDomainJobOperationNames[] = {
    N_("unknown"), N_("domain start"), N_("domain save"),
    N_("domain restore"), N_("incoming migration"),
    N_("outgoing migration"), N_("snapshot"), N_("snapshot revert"),
    N_("domain dump"),
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuDomainJobOperationNames) ==
                VS_DOMAIN_JOB_OPERATION_DUMP + 1);


static const char *const *
qemuDomainReasonTable(vsDomainState state,
                      size_t *n)
{
    switch (state) {
    case VS_DOMAIN_RUNNING:
        *n = G_N_ELEMENTS(qemuDomainRunningReasons);
        return qemuDomainRunningReasons;
    case VS_DOMAIN_PAUSED:
        *n = G_N_ELEMENTS(qemuDomainPausedReasons);
        return qemuDomainPausedReasons;
    case VS_DOMAIN_SHUTDOWN:
        *n = G_N_ELEMENTS(qemuDomainShutdownReasons);
        return qemuDomainShutdownReasons;
    case VS_DOMAIN_SHUTOFF:
        *n = G_N_ELEMENTS(qemuDomainShutoffReasons);
        return qemuDomainShutoffReasons;
    case VS_DOMAIN_CRASHED:
        *n = G_N_ELEMENTS(qemuDomainCrashedReasons);
        return qemuDomainCrashedReasons;
    case VS_DOMAIN_NOSTATE:
    case VS_DOMAIN_BLOCKED:
    case VS_DOMAIN_PMSUSPENDED:
    case VS_DOMAIN_STATE_LAST:
        break;
    }
    *n = G_N_ELEMENTS(qemuDomainOtherReasons);
    return qemuDomainOtherReasons;
}


/**
 * qemuDomainStateReasonToString:
 * @state: a domain state
 * @reason: a reason of that state
 *
 * Returns: (transfer none) libvirt's name for @reason, or NULL when out of
 * range.
 */
const char *
qemuDomainStateReasonToString(vsDomainState state,
                              int reason)
{
    size_t n;
    const char *const *table = qemuDomainReasonTable(state, &n);

    return vsEnumToString(table, n, reason);
}


/**
 * qemuDomainStateReasonFromString:
 * @state: a domain state
 * @reason: a reason name
 *
 * Returns: the reason's number, or -1 if @state has no such reason.
 */
int
qemuDomainStateReasonFromString(vsDomainState state,
                                const char *reason)
{
    size_t n;
    const char *const *table = qemuDomainReasonTable(state, &n);

    return vsEnumFromString(table, n, reason);
}


/* ---- objects ------------------------------------------------------ */

/**
 * qemuDomainObjNew:
 * @driver: (transfer none) the driver the domain belongs to
 * @def: (transfer full) the domain's definition
 *
 * Returns: (transfer full) a new, inactive, unlocked object with one
 * reference.
 */
qemuDomainObj *
qemuDomainObjNew(qemuDriver *driver,
                 vsDomainDef *def)
{
    qemuDomainObj *vm = g_new0(qemuDomainObj, 1);

    g_mutex_init(&vm->lock);
    g_cond_init(&vm->cond);
    g_mutex_init(&vm->agentLock);
    vm->refs = 1;
    vm->driver = driver;
    vm->name = g_strdup(def->name);
    memcpy(vm->uuid, def->uuid, VS_UUID_BUFLEN);
    vm->def = def;
    vm->id = -1;
    vm->pidfd = -1;
    vm->state = VS_DOMAIN_SHUTOFF;
    vm->reason = VS_DOMAIN_SHUTOFF_UNKNOWN;
    return vm;
}


/**
 * qemuDomainObjRef:
 * @vm: a domain object
 *
 * Returns: (transfer full) @vm with one more reference.
 */
qemuDomainObj *
qemuDomainObjRef(qemuDomainObj *vm)
{
    g_atomic_int_inc(&vm->refs);
    return vm;
}


/**
 * qemuDomainObjUnref:
 * @vm: (nullable): a domain object, unlocked
 *
 * Drops one reference; the last one frees the object. By then the
 * domain is inactive, so its monitor is already closed.
 */
void
qemuDomainObjUnref(qemuDomainObj *vm)
{
    if (!vm || !g_atomic_int_dec_and_test(&vm->refs))
        return;

    qemuMonitorClose(vm->mon);
    vsFdClose(&vm->pidfd);
    g_clear_pointer(&vm->caps, qemuCapsUnref);
    qemuMonitorMigrationSupportFree(vm->migration);
    vsDomainDefFree(vm->def);
    vsDomainDefFree(vm->persistentDef);
    qemuDomainJobInfoFree(vm->job.current);
    qemuDomainJobInfoFree(vm->job.completed);
    g_free(vm->monitorPath);
    qemuDomainSaveRecordFree(vm->saveRecord);
    g_free(vm->lastExit);
    g_free(vm->name);
    g_cond_clear(&vm->cond);
    g_mutex_clear(&vm->lock);
    g_mutex_clear(&vm->agentLock);
    g_free(vm);
}


/**
 * qemuDomainObjLock:
 * @vm: a domain object
 */
void
qemuDomainObjLock(qemuDomainObj *vm)
{
    g_mutex_lock(&vm->lock);
}


/**
 * qemuDomainObjUnlock:
 * @vm: a domain object
 */
void
qemuDomainObjUnlock(qemuDomainObj *vm)
{
    g_mutex_unlock(&vm->lock);
}


/**
 * qemuDomainObjEndAPI:
 * @vm: (nullable): pointer to a locked, referenced object or NULL
 *
 * Unlocks and unreferences *@vm and clears the pointer.
 */
void
qemuDomainObjEndAPI(qemuDomainObj **vm)
{
    if (!*vm)
        return;
    qemuDomainObjUnlock(*vm);
    g_clear_pointer(vm, qemuDomainObjUnref);
}


/**
 * qemuDomainObjIsActive:
 * @vm: a locked domain object
 *
 * Returns: TRUE while a QEMU process belongs to the domain.
 */
gboolean
qemuDomainObjIsActive(const qemuDomainObj *vm)
{
    return vm->id != -1;
}


/**
 * qemuDomainObjCheckActive:
 * @vm: a locked domain object
 * @error: return location for a #GError
 *
 * Returns: TRUE if active, else FALSE with @error set.
 */
gboolean
qemuDomainObjCheckActive(const qemuDomainObj *vm,
                         GError **error)
{
    if (qemuDomainObjIsActive(vm))
        return TRUE;
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                _("domain is not running"));
    return FALSE;
}


/**
 * qemuDomainObjCheckInactive:
 * @vm: a locked domain object
 * @error: return location for a #GError
 *
 * Returns: TRUE if inactive, else FALSE with @error set.
 */
gboolean
qemuDomainObjCheckInactive(const qemuDomainObj *vm,
                           GError **error)
{
    if (!qemuDomainObjIsActive(vm))
        return TRUE;
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                _("domain is already running"));
    return FALSE;
}


/**
 * qemuDomainObjCheckAlive:
 * @vm: a locked domain object
 * @error: return location for a #GError
 *
 * Returns: TRUE while the domain's QEMU is running and its monitor
 * usable, else FALSE with @error set.
 */
gboolean
qemuDomainObjCheckAlive(const qemuDomainObj *vm,
                        GError **error)
{
    if (qemuDomainObjIsActive(vm) && !vm->exited && vm->mon)
        return TRUE;
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("domain is not running"));
    return FALSE;
}


/**
 * qemuDomainObjSetState:
 * @vm: a locked domain object
 * @state: new state
 * @reason: its reason
 *
 * Records the state, rewrites the status file of an active domain (a
 * failure to do so is logged: the state in memory stays right, and a
 * later write or the next reattach's query-status repairs the file) and
 * wakes waiters.
 */
void
qemuDomainObjSetState(qemuDomainObj *vm,
                      vsDomainState state,
                      int reason)
{
    g_autoptr(GError) err = NULL;
    int events[2][2];
    size_t nevents;
    size_t i;

    if (vm->state != state || vm->reason != reason) {
        VS_DEBUG("domain '%s': %s (%s) -> %s (%s)", vm->name,
                 qemuDomainStateTypeToString(vm->state),
                 qemuDomainStateReasonToString(vm->state, vm->reason),
                 qemuDomainStateTypeToString(state),
                 qemuDomainStateReasonToString(state, reason));
    }
    nevents = qemuDomainEventsForState(vm->state, vm->reason, state, reason,
                                       events);
    vm->state = state;
    vm->reason = reason;

    if (qemuDomainObjIsActive(vm) && !qemuDomainSaveStatus(vm, &err))
        VS_WARN("domain '%s': %s", vm->name, err->message);
    for (i = 0; i < nevents; i++)
        qemuDomainEmitEvent(vm, events[i][0], events[i][1]);

    qemuDomainObjBroadcast(vm);
}


/**
 * qemuDomainEventsForState:
 * @oldState: the state before (vsDomainState)
 * @oldReason: its reason
 * @state: the new state
 * @reason: its reason
 * @events: (out) (event, detail) pairs
 *
 * libvirt's lifecycle events for a state change: a start is STARTED once
 * the vCPUs run (or once a start asked to stay paused is done), a
 * restore STARTED/RESTORED, a pause SUSPENDED, a continue RESUMED, and
 * the end of QEMU STOPPED with why. Intermediate states of a start or a
 * restore report nothing.
 *
 * Returns: the number of pairs written, 0 to 2.
 */
size_t
qemuDomainEventsForState(int oldState,
                         int oldReason,
                         int state,
                         int reason,
                         int events[2][2])
{
    gboolean starting = oldState == VS_DOMAIN_PAUSED &&
                        oldReason == VS_DOMAIN_PAUSED_STARTING_UP;
    gboolean restoring = oldState == VS_DOMAIN_PAUSED &&
                         oldReason == VS_DOMAIN_PAUSED_MIGRATION;
    gboolean wasActive = oldState == VS_DOMAIN_RUNNING ||
                         oldState == VS_DOMAIN_PAUSED ||
                         oldState == VS_DOMAIN_SHUTDOWN;
    size_t n = 0;

#define QEMU_ADD_EVENT(e, d) \
    do { events[n][0] = (e); events[n][1] = (d); n++; } while (0)

    switch ((vsDomainState) state) {
    case VS_DOMAIN_RUNNING:
        if (oldState == VS_DOMAIN_RUNNING)
            break;
        /* QEMU's RESUME event and the end of the restore race to set
         * this; whichever comes first reports the restore */
        if (reason == VS_DOMAIN_RUNNING_RESTORED || restoring)
            QEMU_ADD_EVENT(QEMU_EVENT_STARTED, QEMU_EVENT_STARTED_RESTORED);
        else if (reason == VS_DOMAIN_RUNNING_BOOTED || !wasActive || starting)
            QEMU_ADD_EVENT(QEMU_EVENT_STARTED, QEMU_EVENT_STARTED_BOOTED);
        else
            QEMU_ADD_EVENT(QEMU_EVENT_RESUMED, QEMU_EVENT_RESUMED_UNPAUSED);
        break;
    case VS_DOMAIN_PAUSED:
        if (reason == VS_DOMAIN_PAUSED_STARTING_UP ||
            reason == VS_DOMAIN_PAUSED_MIGRATION ||
            oldState == VS_DOMAIN_PAUSED)
            break;
        if (starting || !wasActive)
            QEMU_ADD_EVENT(QEMU_EVENT_STARTED, QEMU_EVENT_STARTED_BOOTED);
        QEMU_ADD_EVENT(QEMU_EVENT_SUSPENDED,
                       reason == VS_DOMAIN_PAUSED_IOERROR ?
                       QEMU_EVENT_SUSPENDED_IOERROR :
                       QEMU_EVENT_SUSPENDED_PAUSED);
        break;
    case VS_DOMAIN_SHUTDOWN:
        if (oldState != VS_DOMAIN_SHUTDOWN)
            QEMU_ADD_EVENT(QEMU_EVENT_SHUTDOWN, QEMU_EVENT_SHUTDOWN_FINISHED);
        break;
    case VS_DOMAIN_SHUTOFF:
        if (!wasActive)
            break;
        switch (reason) {
        case VS_DOMAIN_SHUTOFF_SHUTDOWN:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_SHUTDOWN);
            break;
        case VS_DOMAIN_SHUTOFF_DESTROYED:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_DESTROYED);
            break;
        case VS_DOMAIN_SHUTOFF_CRASHED:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_CRASHED);
            break;
        case VS_DOMAIN_SHUTOFF_MIGRATED:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_MIGRATED);
            break;
        case VS_DOMAIN_SHUTOFF_SAVED:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_SAVED);
            break;
        default:
            QEMU_ADD_EVENT(QEMU_EVENT_STOPPED, QEMU_EVENT_STOPPED_FAILED);
            break;
        }
        break;
    case VS_DOMAIN_NOSTATE:
    case VS_DOMAIN_BLOCKED:
    case VS_DOMAIN_CRASHED:
    case VS_DOMAIN_PMSUSPENDED:
    case VS_DOMAIN_STATE_LAST:
        break;
    }
#undef QEMU_ADD_EVENT
    return n;
}


/**
 * qemuDomainEmitEvent:
 * @vm: a locked domain object
 * @event: a qemuDomainEventType
 * @detail: its detail
 *
 * Hands the event to the listener the daemon installed, if any.
 */
void
qemuDomainEmitEvent(qemuDomainObj *vm,
                    int event,
                    int detail)
{
    g_autoptr(qemuDomainRef) ref = NULL;
    qemuDriver *driver = vm->driver;

    VS_DEBUG("domain '%s': event %d detail %d", vm->name, event, detail);
    if (!driver || !driver->eventFunc)
        return;
    ref = qemuDomainObjToRef(vm);
    driver->eventFunc(ref, event, detail, driver->eventOpaque);
}


/**
 * qemuDomainObjGetPersistentDef:
 * @vm: a locked domain object
 *
 * Returns: (transfer none) the definition the next start uses.
 */
vsDomainDef *
qemuDomainObjGetPersistentDef(qemuDomainObj *vm)
{
    if (qemuDomainObjIsActive(vm) && vm->persistentDef)
        return vm->persistentDef;
    return vm->def;
}


/**
 * qemuDomainObjSetDefTransient:
 * @vm: a locked, activating domain object
 * @live: (transfer full) the definition QEMU is started with
 *
 * The current @def becomes @persistentDef (persistent domains) or is
 * dropped (transient ones) and @live takes its place.
 */
void
qemuDomainObjSetDefTransient(qemuDomainObj *vm,
                             vsDomainDef *live)
{
    if (vm->persistent && !vm->persistentDef)
        vm->persistentDef = g_steal_pointer(&vm->def);
    vsDomainDefFree(vm->def);
    vm->def = live;
}


/**
 * qemuDomainObjAssignId:
 * @vm: a locked, activating domain object
 *
 * Returns: the id now set in @vm and its live definition.
 */
int
qemuDomainObjAssignId(qemuDomainObj *vm)
{
    vm->id = g_atomic_int_add(&vm->driver->nextId, 1);
    vm->def->id = vm->id;
    return vm->id;
}


/**
 * qemuDomainObjWait:
 * @vm: a locked domain object
 * @deadline: monotonic time in microseconds, 0 for none
 *
 * Sleeps until vm->cond is broadcast or @deadline passes; vm->lock is
 * released meanwhile. Spurious wake-ups happen: recheck.
 *
 * Returns: FALSE if @deadline passed.
 */
gboolean
qemuDomainObjWait(qemuDomainObj *vm,
                  gint64 deadline)
{
    if (deadline <= 0) {
        g_cond_wait(&vm->cond, &vm->lock);
        return TRUE;
    }
    return g_cond_wait_until(&vm->cond, &vm->lock, deadline);
}


/**
 * qemuDomainObjBroadcast:
 * @vm: a locked domain object
 *
 * Wakes every thread in qemuDomainObjWait() on @vm.
 */
void
qemuDomainObjBroadcast(qemuDomainObj *vm)
{
    g_cond_broadcast(&vm->cond);
}


/**
 * qemuDomainObjEnterMonitor:
 * @vm: a locked domain object whose job the caller owns
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a reference to the domain's monitor, with
 * vm->lock released, or NULL with vm->lock still held and @error set.
 */
qemuMonitor *
qemuDomainObjEnterMonitor(qemuDomainObj *vm,
                          GError **error)
{
    qemuMonitor *mon;

    if (!qemuDomainObjCheckAlive(vm, error))
        return NULL;

    mon = qemuMonitorRef(vm->mon);
    qemuDomainObjUnlock(vm);
    return mon;
}


/**
 * qemuDomainObjExitMonitor:
 * @vm: the domain object given to qemuDomainObjEnterMonitor()
 * @mon: (transfer full) the monitor it returned
 *
 * Drops the monitor reference and locks @vm again.
 */
void
qemuDomainObjExitMonitor(qemuDomainObj *vm,
                         qemuMonitor *mon)
{
    qemuMonitorUnref(mon);
    qemuDomainObjLock(vm);
}


/**
 * qemuDomainObjToRef:
 * @vm: a locked domain object
 *
 * Returns: (transfer full) what a client needs to name the domain.
 */
qemuDomainRef *
qemuDomainObjToRef(const qemuDomainObj *vm)
{
    qemuDomainRef *ref = g_new0(qemuDomainRef, 1);

    ref->name = g_strdup(vm->name);
    memcpy(ref->uuid, vm->uuid, VS_UUID_BUFLEN);
    ref->id = vm->id;
    return ref;
}


/* ---- status files ------------------------------------------------- */

/**
 * qemuDomainSaveRecordFree:
 * @rec: (nullable): a save record
 */
void
qemuDomainSaveRecordFree(qemuDomainSaveRecord *rec)
{
    if (!rec)
        return;
    g_free(rec->path);
    g_free(rec->tmpPath);
    g_free(rec);
}


static void
qemuDomainSaveRecordFormat(GString *buf,
                           const qemuDomainSaveRecord *rec)
{
    g_autofree char *path = g_markup_escape_text(rec->path, -1);
    g_autofree char *part = g_markup_escape_text(rec->tmpPath, -1);

    g_string_append_printf(buf,
                           "  <savejob path='%s' part='%s' state='%s' "
                           "reason='%s' fdset='%d' managed='%s' "
                           "owner='%lld' started='%" G_GINT64_FORMAT "'",
                           path, part,
                           qemuDomainStateTypeToString(rec->prevState),
                           qemuDomainStateReasonToString(rec->prevState,
                                                         rec->prevReason),
                           rec->fdset, rec->managed ? "yes" : "no",
                           rec->owner, rec->started);
    if (rec->hasMaxBandwidth)
        g_string_append_printf(buf, " maxbandwidth='%llu'",
                               rec->maxBandwidth);
    g_string_append(buf, "/>\n");
}


static gboolean
qemuDomainSaveRecordParseNums(xmlNodePtr node,
                              qemuDomainSaveRecord *rec)
{
    g_autofree char *fdset = (char *) xmlGetProp(node, BAD_CAST "fdset");
    g_autofree char *owner = (char *) xmlGetProp(node, BAD_CAST "owner");
    g_autofree char *started = (char *) xmlGetProp(node, BAD_CAST "started");
    g_autofree char *bw = (char *) xmlGetProp(node, BAD_CAST "maxbandwidth");
    gint64 fdsetval = -1;
    gint64 ownerval = 0;
    guint64 bwval = 0;

    if (!fdset || !owner || !started ||
        !g_ascii_string_to_signed(fdset, 10, -1, G_MAXINT32, &fdsetval,
                                  NULL) ||
        !g_ascii_string_to_signed(owner, 10, 0, G_MAXINT32, &ownerval,
                                  NULL) ||
        !g_ascii_string_to_signed(started, 10, 0, G_MAXINT64, &rec->started,
                                  NULL) ||
        (bw && !g_ascii_string_to_unsigned(bw, 10, 0, G_MAXUINT64, &bwval,
                                           NULL)))
        return FALSE;
    rec->fdset = fdsetval;
    rec->owner = ownerval;
    rec->hasMaxBandwidth = bw != NULL;
    rec->maxBandwidth = bwval;
    return TRUE;
}


/* The <savejob> element of a status file, if any. */
static gboolean
qemuDomainSaveRecordParse(xmlNodePtr root,
                          qemuDomainSaveRecord **out,
                          GError **error)
{
    g_autoptr(qemuDomainSaveRecord) rec = NULL;
    g_autofree char *state = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *managed = NULL;
    xmlNodePtr node;

    for (node = root->children; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE &&
            xmlStrEqual(node->name, BAD_CAST "savejob"))
            break;
    }
    if (!node)
        return TRUE;

    rec = g_new0(qemuDomainSaveRecord, 1);
    rec->path = (char *) xmlGetProp(node, BAD_CAST "path");
    rec->tmpPath = (char *) xmlGetProp(node, BAD_CAST "part");
    state = (char *) xmlGetProp(node, BAD_CAST "state");
    reason = (char *) xmlGetProp(node, BAD_CAST "reason");
    managed = (char *) xmlGetProp(node, BAD_CAST "managed");
    if (!rec->path || !g_path_is_absolute(rec->path) ||
        !rec->tmpPath || !g_path_is_absolute(rec->tmpPath) ||
        !state || !reason || !managed ||
        (rec->prevState = qemuDomainStateTypeFromString(state)) < 0 ||
        (rec->prevReason = qemuDomainStateReasonFromString(rec->prevState,
                                                           reason)) < 0 ||
        !qemuDomainSaveRecordParseNums(node, rec)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("missing or invalid attributes of <savejob>"));
        return FALSE;
    }
    rec->managed = g_str_equal(managed, "yes");
    *out = g_steal_pointer(&rec);
    return TRUE;
}


/**
 * qemuDomainStatusClear:
 * @status: a status read by qemuDomainStatusParse()
 *
 * Frees the members of @status.
 */
void
qemuDomainStatusClear(qemuDomainStatus *status)
{
    g_clear_pointer(&status->def, vsDomainDefFree);
    g_clear_pointer(&status->monitorPath, g_free);
    g_clear_pointer(&status->save, qemuDomainSaveRecordFree);
}


/**
 * qemuDomainStatusFormat:
 * @vm: a locked, active domain object
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the status file's text: the runtime facts as
 * attributes of <domstatus> around the live definition, or NULL with
 * @error set.
 */
char *
qemuDomainStatusFormat(const qemuDomainObj *vm,
                       GError **error)
{
    g_autofree char *defxml = NULL;
    g_autofree char *monitor = NULL;
    g_autoptr(GString) buf = g_string_new(NULL);

    defxml = vsDomainDefFormat(vm->def, vm->id,
                               VS_DOMAIN_DEF_FORMAT_STATUS |
                               VS_DOMAIN_DEF_FORMAT_SECURE, error);
    if (!defxml)
        return NULL;
    monitor = g_markup_escape_text(vm->monitorPath ? vm->monitorPath : "",
                                   -1);

    g_string_append_printf(buf,
                           "<domstatus state='%s' reason='%s' pid='%lld' "
                           "starttime='%llu' monitor='%s'>\n",
                           qemuDomainStateTypeToString(vm->state),
                           qemuDomainStateReasonToString(vm->state,
                                                         vm->reason),
                           (long long) vm->pid, vm->startTime, monitor);
    if (vm->saveRecord)
        qemuDomainSaveRecordFormat(buf, vm->saveRecord);
    g_string_append(buf, defxml);
    if (buf->len && buf->str[buf->len - 1] != '\n')
        g_string_append_c(buf, '\n');
    g_string_append(buf, "</domstatus>\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


static gboolean
qemuDomainStatusParseAttrs(xmlNodePtr root,
                           qemuDomainStatus *status,
                           GError **error)
{
    g_autofree char *state = (char *) xmlGetProp(root, BAD_CAST "state");
    g_autofree char *reason = (char *) xmlGetProp(root, BAD_CAST "reason");
    g_autofree char *pid = (char *) xmlGetProp(root, BAD_CAST "pid");
    g_autofree char *start = (char *) xmlGetProp(root, BAD_CAST "starttime");
    g_autofree char *monitor = (char *) xmlGetProp(root, BAD_CAST "monitor");
    gint64 pidval = 0;
    guint64 startval = 0;

    if (!state || !reason || !pid || !start || !monitor ||
        (status->state = qemuDomainStateTypeFromString(state)) < 0 ||
        (status->reason = qemuDomainStateReasonFromString(status->state,
                                                          reason)) < 0 ||
        !g_ascii_string_to_signed(pid, 10, 1, G_MAXINT32, &pidval, NULL) ||
        !g_ascii_string_to_unsigned(start, 10, 0, G_MAXUINT64, &startval,
                                    NULL) ||
        !*monitor) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("missing or invalid attributes of <domstatus>"));
        return FALSE;
    }
    status->pid = pidval;
    status->startTime = startval;
    status->monitorPath = g_steal_pointer(&monitor);
    return TRUE;
}


static char *
qemuDomainStatusDumpDef(xmlDocPtr doc,
                        xmlNodePtr root,
                        GError **error)
{
    xmlNodePtr node;
    g_autoptr(xmlBuffer) buf = NULL;

    for (node = root->children; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE &&
            xmlStrEqual(node->name, BAD_CAST "domain"))
            break;
    }
    if (!node) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("no <domain> in <domstatus>"));
        return NULL;
    }

    buf = xmlBufferCreate();
    if (xmlNodeDump(buf, doc, node, 0, 0) < 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("cannot extract <domain> from <domstatus>"));
        return NULL;
    }
    return g_strdup((const char *) xmlBufferContent(buf));
}


/**
 * qemuDomainStatusParse:
 * @xml: a status file's text
 * @status: filled in on success (clear it with qemuDomainStatusClear())
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDomainStatusParse(const char *xml,
                      qemuDomainStatus *status,
                      GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *defxml = NULL;
    xmlNodePtr root;

    memset(status, 0, sizeof(*status));
    doc = xmlReadMemory(xml, strlen(xml), "domstatus.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING);
    if (!doc || !(root = xmlDocGetRootElement(doc)) ||
        !xmlStrEqual(root->name, BAD_CAST "domstatus")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("not a domain status document"));
        return FALSE;
    }

    if (!qemuDomainStatusParseAttrs(root, status, error) ||
        !qemuDomainSaveRecordParse(root, &status->save, error) ||
        !(defxml = qemuDomainStatusDumpDef(doc, root, error)) ||
        !(status->def = vsDomainDefParseString(defxml,
                                               VS_DOMAIN_DEF_PARSE_STATUS,
                                               error))) {
        qemuDomainStatusClear(status);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuDomainSaveStatus:
 * @vm: a locked, active domain object
 * @error: return location for a #GError
 *
 * Atomically replaces the domain's status file (temporary file, then
 * rename), so that a daemon started after a crash finds either the old
 * or the new status, never a torn one.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDomainSaveStatus(const qemuDomainObj *vm,
                     GError **error)
{
    g_autofree char *path =
        qemuDriverConfigStatusPath(vm->driver->config, vm->name);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;

    if (!(xml = qemuDomainStatusFormat(vm, error)))
        return FALSE;

    if (!g_file_set_contents_full(path, xml, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                  &err)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED,
                    _("cannot write status file '%s': %s"),
                    path, err->message);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuDomainRemoveStatus:
 * @vm: a locked domain object
 *
 * Removes the status file, if any (failures are logged: a stale file
 * names a dead process, which the next reattach discards).
 */
void
qemuDomainRemoveStatus(const qemuDomainObj *vm)
{
    g_autofree char *path =
        qemuDriverConfigStatusPath(vm->driver->config, vm->name);

    if (unlink(path) < 0 && errno != ENOENT)
        VS_WARN("cannot remove '%s': %s", path, g_strerror(errno));
}


/* ---- jobs --------------------------------------------------------- */

/**
 * qemuDomainJobInfoFree:
 * @info: (nullable): job statistics
 */
void
qemuDomainJobInfoFree(qemuDomainJobInfo *info)
{
    g_free(info);
}


static const char *
qemuDomainJobName(vsDomainJobOperation operation)
{
    const char *name = vsEnumToString(qemuDomainJobOperationNames,
                                      G_N_ELEMENTS(qemuDomainJobOperationNames),
                                      operation);

    return _(name ? name : qemuDomainJobOperationNames[0]);
}


/**
 * qemuDomainJobBegin:
 * @vm: a locked domain object
 * @kind: QEMU_JOB_MODIFY or QEMU_JOB_ASYNC
 * @operation: what the job does (for statistics and messages)
 * @error: return location for a #GError
 *
 * Takes the domain's job slot; see qemu_domain.h.
 *
 * Returns: TRUE with the job owned, FALSE with @error set.
 */
gboolean
qemuDomainJobBegin(qemuDomainObj *vm,
                   qemuDomainJobKind kind,
                   vsDomainJobOperation operation,
                   GError **error)
{
    gint64 deadline = g_get_monotonic_time() +
                      QEMU_DOMAIN_JOB_WAIT_MS * G_TIME_SPAN_MILLISECOND;

    VS_RETURN_VAL_IF_FAIL(kind != QEMU_JOB_NONE, FALSE, error);

    while (vm->job.kind != QEMU_JOB_NONE) {
        VS_DEBUG("domain '%s': waiting for job %s (%s)", vm->name,
                 qemuDomainJobKindTypeToString(vm->job.kind),
                 qemuDomainJobName(vm->job.operation));
        if (!qemuDomainObjWait(vm, deadline) &&
            vm->job.kind != QEMU_JOB_NONE) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT,
                        _("cannot acquire state change lock (held by job '%s')"),
                        qemuDomainJobName(vm->job.operation));
            return FALSE;
        }
    }

    vm->job.kind = kind;
    vm->job.operation = operation;
    vm->job.owner = g_thread_self();
    vm->job.started = g_get_monotonic_time();
    vm->job.abortRequested = FALSE;
    vm->job.abortFunc = NULL;
    vm->job.abortOpaque = NULL;

    if (kind == QEMU_JOB_ASYNC) {
        g_clear_pointer(&vm->job.current, qemuDomainJobInfoFree);
        vm->job.current = g_new0(qemuDomainJobInfo, 1);
        vm->job.current->type = VS_DOMAIN_JOB_UNBOUNDED;
        vm->job.current->operation = operation;
        vm->job.current->started = vm->job.started;
        /* A MIGRATION status left from an earlier job means nothing. */
        vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    }

    VS_DEBUG("domain '%s': began %s job (%s)", vm->name,
             qemuDomainJobKindTypeToString(kind),
             qemuDomainJobName(operation));
    return TRUE;
}


/**
 * qemuDomainJobSetResult:
 * @vm: a locked domain object whose ASYNC job the caller owns
 * @result: VS_DOMAIN_JOB_COMPLETED, _FAILED or _CANCELLED
 */
void
qemuDomainJobSetResult(qemuDomainObj *vm,
                       vsDomainJobType result)
{
    if (vm->job.current)
        vm->job.current->type = result;
}


/**
 * qemuDomainJobEnd:
 * @vm: a locked domain object whose job the caller owns
 *
 * Frees the job slot and wakes waiters; see qemu_domain.h.
 */
void
qemuDomainJobEnd(qemuDomainObj *vm)
{
    qemuDomainJobInfo *info = g_steal_pointer(&vm->job.current);

    VS_DEBUG("domain '%s': ended %s job (%s)", vm->name,
             qemuDomainJobKindTypeToString(vm->job.kind),
             qemuDomainJobName(vm->job.operation));

    if (info) {
        info->stopped = g_get_monotonic_time();
        if (info->type == VS_DOMAIN_JOB_UNBOUNDED ||
            info->type == VS_DOMAIN_JOB_BOUNDED)
            info->type = VS_DOMAIN_JOB_FAILED;
        qemuDomainJobInfoFree(vm->job.completed);
        vm->job.completed = info;
    }

    vm->job.kind = QEMU_JOB_NONE;
    vm->job.operation = VS_DOMAIN_JOB_OPERATION_UNKNOWN;
    vm->job.owner = NULL;
    vm->job.started = 0;
    vm->job.abortRequested = FALSE;
    vm->job.abortFunc = NULL;
    vm->job.abortOpaque = NULL;
    qemuDomainObjBroadcast(vm);
}


/**
 * qemuDomainJobSetAbortFunc:
 * @vm: a locked domain object whose ASYNC job the caller owns
 * @func: (nullable): hook run by qemuDomainJobRequestAbort()
 * @opaque: its data (transfer none; must outlive the job)
 */
void
qemuDomainJobSetAbortFunc(qemuDomainObj *vm,
                          qemuDomainJobAbortFunc func,
                          gpointer opaque)
{
    vm->job.abortFunc = func;
    vm->job.abortOpaque = opaque;
}


/**
 * qemuDomainJobRequestAbort:
 * @vm: a locked domain object
 * @error: return location for a #GError
 *
 * Asks the running ASYNC job to stop; see qemu_domain.h. vm->lock is
 * released while the hook runs, so the job may have ended on return.
 *
 * Returns: TRUE if the request was delivered, FALSE with @error set.
 */
gboolean
qemuDomainJobRequestAbort(qemuDomainObj *vm,
                          GError **error)
{
    qemuDomainJobAbortFunc func;
    gpointer opaque;

    if (vm->job.kind != QEMU_JOB_ASYNC) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID,
                    _("no job is active on the domain"));
        return FALSE;
    }

    VS_INFO("domain '%s': abort of job '%s' requested", vm->name,
            qemuDomainJobName(vm->job.operation));
    vm->job.abortRequested = TRUE;
    qemuDomainObjBroadcast(vm);

    func = vm->job.abortFunc;
    opaque = vm->job.abortOpaque;
    if (func) {
        qemuDomainObjUnlock(vm);
        func(vm, opaque);
        qemuDomainObjLock(vm);
    }
    return TRUE;
}


/**
 * qemuDomainJobCheckAbort:
 * @vm: a locked domain object whose ASYNC job the caller owns
 * @what: the job's name for the message, e.g. _("domain save")
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set (VS_ERR_OPERATION_ABORTED) once an
 * abort was requested, else TRUE.
 */
gboolean
qemuDomainJobCheckAbort(qemuDomainObj *vm,
                        const char *what,
                        GError **error)
{
    if (!vm->job.abortRequested)
        return TRUE;
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_ABORTED,
                _("job '%s' canceled by client"), what);
    return FALSE;
}


/**
 * qemuDomainJobInfoUpdate:
 * @info: statistics of a running job
 * @stats: a query-migrate reply
 *
 * Copies the counters QEMU reported; a save or restore moves only
 * memory, so the data counters equal the memory ones.
 */
void
qemuDomainJobInfoUpdate(qemuDomainJobInfo *info,
                        const qemuMonitorMigrationStats *stats)
{
    if (stats->hasRam) {
        info->memTotal = stats->ramTotal;
        info->memProcessed = stats->ramTransferred;
        info->memRemaining = stats->ramRemaining;
        /* QEMU reports megabits per second. */
        info->memBps = stats->ramMbps * (1000.0 * 1000.0 / 8.0);
        info->memConstant = stats->ramDuplicate;
        info->memNormal = stats->ramNormal;
        info->memNormalBytes = stats->ramNormalBytes;
        info->memDirtyRate = stats->ramDirtyPagesRate;
        info->memIteration = stats->ramDirtySyncCount;
        info->memPageSize = stats->ramPageSize;

        info->dataTotal = info->memTotal;
        info->dataProcessed = info->memProcessed;
        info->dataRemaining = info->memRemaining;
    }
    if (stats->hasDowntime) {
        info->hasDowntime = TRUE;
        info->downtime = stats->downtime;
    }
    if (stats->hasSetupTime) {
        info->hasSetupTime = TRUE;
        info->setupTime = stats->setupTime;
    }
}


/**
 * qemuDomainJobInfoElapsed:
 * @info: job statistics
 *
 * Returns: milliseconds from the job's start to its end, or to now.
 */
unsigned long long
qemuDomainJobInfoElapsed(const qemuDomainJobInfo *info)
{
    gint64 end = info->stopped ? info->stopped : g_get_monotonic_time();

    if (end < info->started)
        return 0;
    return (end - info->started) / G_TIME_SPAN_MILLISECOND;
}


/**
 * qemuDomainJobInfoToParams:
 * @info: job statistics
 *
 * Returns: (transfer full) the fields of virDomainGetJobStats.
 */
vsTypedParamList *
qemuDomainJobInfoToParams(const qemuDomainJobInfo *info)
{
    vsTypedParamList *list = vsTypedParamListNew();

    vsTypedParamListAddInt(list, "operation", info->operation);
    vsTypedParamListAddULLong(list, "time_elapsed",
                              qemuDomainJobInfoElapsed(info));
    if (info->hasDowntime)
        vsTypedParamListAddULLong(list, "downtime", info->downtime);
    if (info->hasSetupTime)
        vsTypedParamListAddULLong(list, "setup_time", info->setupTime);
    vsTypedParamListAddULLong(list, "data_total", info->dataTotal);
    vsTypedParamListAddULLong(list, "data_processed", info->dataProcessed);
    vsTypedParamListAddULLong(list, "data_remaining", info->dataRemaining);
    vsTypedParamListAddULLong(list, "memory_total", info->memTotal);
    vsTypedParamListAddULLong(list, "memory_processed", info->memProcessed);
    vsTypedParamListAddULLong(list, "memory_remaining", info->memRemaining);
    vsTypedParamListAddULLong(list, "memory_bps", info->memBps);
    vsTypedParamListAddULLong(list, "memory_constant", info->memConstant);
    vsTypedParamListAddULLong(list, "memory_normal", info->memNormal);
    vsTypedParamListAddULLong(list, "memory_normal_bytes",
                              info->memNormalBytes);
    vsTypedParamListAddULLong(list, "memory_dirty_rate", info->memDirtyRate);
    vsTypedParamListAddULLong(list, "memory_iteration", info->memIteration);
    vsTypedParamListAddULLong(list, "memory_postcopy_requests", 0);
    vsTypedParamListAddULLong(list, "memory_page_size", info->memPageSize);
    if (info->channels > 0)
        vsTypedParamListAddUInt(list, "virtsave.parallel_channels",
                                info->channels);
    return list;
}


/* ---- the domain list ---------------------------------------------- */

struct _qemuDomainObjList {
    GMutex lock;
    GHashTable *byUUID;     /* uuid string -> qemuDomainObj (a reference) */
    GHashTable *byName;     /* name -> qemuDomainObj (transfer none) */
};


/**
 * qemuDomainObjListNew:
 *
 * Returns: (transfer full) an empty domain list.
 */
qemuDomainObjList *
qemuDomainObjListNew(void)
{
    qemuDomainObjList *list = g_new0(qemuDomainObjList, 1);

    g_mutex_init(&list->lock);
    list->byUUID = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) qemuDomainObjUnref);
    list->byName = g_hash_table_new(g_str_hash, g_str_equal);
    return list;
}


/**
 * qemuDomainObjListFree:
 * @list: (nullable): a domain list
 *
 * Drops the list's references to its objects.
 */
void
qemuDomainObjListFree(qemuDomainObjList *list)
{
    if (!list)
        return;
    g_hash_table_destroy(list->byName);
    g_hash_table_destroy(list->byUUID);
    g_mutex_clear(&list->lock);
    g_free(list);
}


/**
 * qemuDomainObjListAdd:
 * @list: the domain list
 * @driver: the driver
 * @def: (transfer full on success) a new domain's definition
 * @persistent: whether the domain is defined (or only running)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the new object, locked, or NULL with @error
 * set (and @def still the caller's).
 */
qemuDomainObj *
qemuDomainObjListAdd(qemuDomainObjList *list,
                     qemuDriver *driver,
                     vsDomainDef *def,
                     gboolean persistent,
                     GError **error)
{
    char uuidstr[VS_UUID_STRING_BUFLEN];
    qemuDomainObj *other;
    qemuDomainObj *vm;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    vsUUIDFormat(def->uuid, uuidstr);

    if ((other = g_hash_table_lookup(list->byUUID, uuidstr))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain '%s' is already defined with uuid %s"),
                    other->name, uuidstr);
        return NULL;
    }
    if ((other = g_hash_table_lookup(list->byName, def->name))) {
        char otheruuid[VS_UUID_STRING_BUFLEN];

        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain '%s' already exists with uuid %s"),
                    def->name, vsUUIDFormat(other->uuid, otheruuid));
        return NULL;
    }

    vm = qemuDomainObjNew(driver, def);
    vm->persistent = persistent;
    g_hash_table_insert(list->byUUID, g_strdup(uuidstr), vm);
    g_hash_table_insert(list->byName, vm->name, vm);

    /* Lock order allows domain after list only for a new object nobody
     * else can reach before the list lock is released. */
    qemuDomainObjLock(vm);
    return qemuDomainObjRef(vm);
}


/**
 * qemuDomainObjListRemove:
 * @list: the domain list
 * @vm: a locked object of @list
 *
 * Removes @vm from @list; it stays locked, and valid for as long as the
 * caller holds its own reference.
 */
void
qemuDomainObjListRemove(qemuDomainObjList *list,
                        qemuDomainObj *vm)
{
    char uuidstr[VS_UUID_STRING_BUFLEN];
    g_autoptr(GMutexLocker) locker = NULL;

    if (vm->removed)
        return;
    vm->removed = TRUE;
    qemuDomainObjBroadcast(vm);

    vsUUIDFormat(vm->uuid, uuidstr);
    locker = g_mutex_locker_new(&list->lock);
    g_hash_table_remove(list->byName, vm->name);
    /* Drops the list's reference; the caller still holds one. */
    g_hash_table_remove(list->byUUID, uuidstr);
}


/* Lock the object found under the list lock, unless it was removed
 * between the lookup and the lock. */
static qemuDomainObj *
qemuDomainObjListLockFound(qemuDomainObj *vm)
{
    if (!vm)
        return NULL;
    qemuDomainObjLock(vm);
    if (vm->removed) {
        qemuDomainObjEndAPI(&vm);
        return NULL;
    }
    return vm;
}


/**
 * qemuDomainObjListFindByUUID:
 * @list: the domain list
 * @uuid: raw uuid
 *
 * Returns: (transfer full) the object, referenced and locked, or NULL.
 */
qemuDomainObj *
qemuDomainObjListFindByUUID(qemuDomainObjList *list,
                            const unsigned char *uuid)
{
    char uuidstr[VS_UUID_STRING_BUFLEN];
    qemuDomainObj *vm;

    vsUUIDFormat(uuid, uuidstr);
    g_mutex_lock(&list->lock);
    if ((vm = g_hash_table_lookup(list->byUUID, uuidstr)))
        qemuDomainObjRef(vm);
    g_mutex_unlock(&list->lock);

    return qemuDomainObjListLockFound(vm);
}


/**
 * qemuDomainObjListFindByName:
 * @list: the domain list
 * @name: domain name
 *
 * Returns: (transfer full) the object, referenced and locked, or NULL.
 */
qemuDomainObj *
qemuDomainObjListFindByName(qemuDomainObjList *list,
                            const char *name)
{
    qemuDomainObj *vm;

    g_mutex_lock(&list->lock);
    if ((vm = g_hash_table_lookup(list->byName, name)))
        qemuDomainObjRef(vm);
    g_mutex_unlock(&list->lock);

    return qemuDomainObjListLockFound(vm);
}


/**
 * qemuDomainObjListFindByID:
 * @list: the domain list
 * @id: a running domain's id
 *
 * Returns: (transfer full) the object, referenced and locked, or NULL.
 */
qemuDomainObj *
qemuDomainObjListFindByID(qemuDomainObjList *list,
                          int id)
{
    g_autoptr(GPtrArray) all = qemuDomainObjListCollect(list);
    size_t i;

    if (id < 0)
        return NULL;

    for (i = 0; i < all->len; i++) {
        qemuDomainObj *vm = g_ptr_array_index(all, i);

        qemuDomainObjLock(vm);
        if (!vm->removed && vm->id == id)
            return qemuDomainObjRef(vm);
        qemuDomainObjUnlock(vm);
    }
    return NULL;
}


static gint
qemuDomainObjCompareName(gconstpointer a,
                         gconstpointer b)
{
    const qemuDomainObj *va = *(qemuDomainObj * const *) a;
    const qemuDomainObj *vb = *(qemuDomainObj * const *) b;

    return g_strcmp0(va->name, vb->name);
}


/**
 * qemuDomainObjListCollect:
 * @list: the domain list
 *
 * Returns: (transfer full) a snapshot of the list: referenced, unlocked
 * objects sorted by name (the array unreferences them when freed).
 */
GPtrArray *
qemuDomainObjListCollect(qemuDomainObjList *list)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuDomainObjUnref);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&list->lock);
    g_hash_table_iter_init(&iter, list->byUUID);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(all, qemuDomainObjRef(value));
    g_mutex_unlock(&list->lock);

    g_ptr_array_sort(all, qemuDomainObjCompareName);
    return all;
}


/**
 * qemuDomainObjFromUUID:
 * @driver: the driver
 * @uuid: raw uuid from a client
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the object, referenced and locked, or NULL
 * with @error set (VS_ERROR_QEMU, VS_ERR_NO_DOMAIN).
 */
qemuDomainObj *
qemuDomainObjFromUUID(qemuDriver *driver,
                      const unsigned char *uuid,
                      GError **error)
{
    char uuidstr[VS_UUID_STRING_BUFLEN];
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(driver->domains, uuid);

    if (!vm) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                    _("no domain with matching uuid '%s'"),
                    vsUUIDFormat(uuid, uuidstr));
    }
    return vm;
}
