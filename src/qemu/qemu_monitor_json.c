/*
 * qemu_monitor_json.c: build QMP arguments and read QMP replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_monitor_json.h"

#include <limits.h>
#include <string.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.monitor");

VS_ENUM_IMPL(qemuMonitorVMStatus, QEMU_MONITOR_VM_STATUS_LAST,
             "debug",
             "inmigrate",
             "internal-error",
             "io-error",
             "paused",
             "postmigrate",
             "prelaunch",
             "finish-migrate",
             "restore-vm",
             "running",
             "save-vm",
             "shutdown",
             "suspended",
             "watchdog",
             "guest-panicked",
             "colo",
             "unknown",
);

VS_ENUM_IMPL(qemuMonitorMigrationStatus, QEMU_MONITOR_MIGRATION_STATUS_LAST,
             "none",
             "setup",
             "cancelling",
             "cancelled",
             "active",
             "postcopy-active",
             "postcopy-paused",
             "postcopy-recover-setup",
             "postcopy-recover",
             "completed",
             "failed",
             "colo",
             "pre-switchover",
             "device",
             "wait-unplug",
             "unknown",
);

VS_ENUM_IMPL(qemuMonitorEvent, QEMU_MONITOR_EVENT_LAST,
             "STOP",
             "RESUME",
             "SHUTDOWN",
             "POWERDOWN",
             "RESET",
             "MIGRATION",
             "MIGRATION_PASS",
             "VSERPORT_CHANGE",
);


/* Report a reply that does not have the shape QEMU's schema promises. */
static void
qemuMonitorJSONSetBadReply(GError **error,
                           const char *what)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("unexpected QEMU monitor reply: %s"), what);
}


/*
 * Look up member @key of @obj and check it has @type. An absent member
 * is an error only when @required; *@value is NULL then.
 */
static gboolean
qemuMonitorJSONMember(json_object *obj,
                      const char *key,
                      json_type type,
                      gboolean required,
                      json_object **value,
                      GError **error)
{
    json_object *val = NULL;

    *value = NULL;

    if (!json_object_is_type(obj, json_type_object)) {
        qemuMonitorJSONSetBadReply(error, _("not a JSON object"));
        return FALSE;
    }

    if (!json_object_object_get_ex(obj, key, &val) || !val) {
        if (!required)
            return TRUE;
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("unexpected QEMU monitor reply: member '%s' is missing"),
                    key);
        return FALSE;
    }

    /* json-c reads 1.0 as a double; a number is a number for doubles. */
    if (!json_object_is_type(val, type) &&
        !(type == json_type_double && json_object_is_type(val, json_type_int))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("unexpected QEMU monitor reply: member '%s' is not of type '%s'"),
                    key, json_type_to_name(type));
        return FALSE;
    }

    *value = val;
    return TRUE;
}


static gboolean
qemuMonitorJSONGetU64(json_object *obj,
                      const char *key,
                      gboolean required,
                      gboolean *has,
                      unsigned long long *value,
                      GError **error)
{
    json_object *val = NULL;

    if (!qemuMonitorJSONMember(obj, key, json_type_int, required, &val, error))
        return FALSE;

    if (has)
        *has = !!val;
    if (!val)
        return TRUE;

    /* json-c keeps numbers above INT64_MAX unsigned and clamps them here. */
    if (json_object_get_int64(val) < 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("unexpected QEMU monitor reply: member '%s' is negative"),
                    key);
        return FALSE;
    }
    *value = json_object_get_uint64(val);
    return TRUE;
}


static gboolean
qemuMonitorJSONGetInt(json_object *obj,
                      const char *key,
                      int *value,
                      GError **error)
{
    json_object *val = NULL;
    int64_t num;

    if (!qemuMonitorJSONMember(obj, key, json_type_int, TRUE, &val, error))
        return FALSE;

    num = json_object_get_int64(val);
    if (num < INT_MIN || num > INT_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("unexpected QEMU monitor reply: member '%s' is out of range"),
                    key);
        return FALSE;
    }
    *value = num;
    return TRUE;
}


static gboolean
qemuMonitorJSONGetBool(json_object *obj,
                       const char *key,
                       gboolean required,
                       gboolean *has,
                       gboolean *value,
                       GError **error)
{
    json_object *val = NULL;

    if (!qemuMonitorJSONMember(obj, key, json_type_boolean, required, &val, error))
        return FALSE;

    if (has)
        *has = !!val;
    if (val)
        *value = json_object_get_boolean(val);
    return TRUE;
}


/* Returns the string member (transfer none), or NULL when it is absent
 * (*@ok TRUE) or invalid (*@ok FALSE, @error set). */
static const char *
qemuMonitorJSONGetString(json_object *obj,
                         const char *key,
                         gboolean required,
                         gboolean *ok,
                         GError **error)
{
    json_object *val = NULL;

    *ok = qemuMonitorJSONMember(obj, key, json_type_string, required,
                                &val, error);
    if (!val)
        return NULL;
    return json_object_get_string(val);
}


/**
 * qemuMonitorVersionClear:
 * @version: a version filled by a parse function
 *
 * Frees what @version owns and zeroes it.
 */
void
qemuMonitorVersionClear(qemuMonitorVersion *version)
{
    g_free(version->package);
    memset(version, 0, sizeof(*version));
}


/**
 * qemuMonitorParseVersion:
 * @value: the "version" member of the greeting or query-version's return
 * @version: filled on success
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseVersion(json_object *value,
                        qemuMonitorVersion *version,
                        GError **error)
{
    json_object *qemu = NULL;
    const char *package = NULL;
    int major = 0;
    int minor = 0;
    int micro = 0;
    gboolean ok = FALSE;

    memset(version, 0, sizeof(*version));

    if (!qemuMonitorJSONMember(value, "qemu", json_type_object, TRUE,
                               &qemu, error) ||
        !qemuMonitorJSONGetInt(qemu, "major", &major, error) ||
        !qemuMonitorJSONGetInt(qemu, "minor", &minor, error) ||
        !qemuMonitorJSONGetInt(qemu, "micro", &micro, error))
        return FALSE;

    package = qemuMonitorJSONGetString(value, "package", FALSE, &ok, error);
    if (!ok)
        return FALSE;

    if (major < 0 || minor < 0 || micro < 0) {
        qemuMonitorJSONSetBadReply(error, _("negative version number"));
        return FALSE;
    }

    version->major = major;
    version->minor = minor;
    version->micro = micro;
    version->package = g_strdup(package ? package : "");
    return TRUE;
}


/**
 * qemuMonitorParseGreeting:
 * @msg: the first message QEMU sends on a QMP socket
 * @version: filled on success
 * @error: return location for a #GError
 *
 * Returns: TRUE when @msg is a QMP greeting, FALSE with @error set.
 */
gboolean
qemuMonitorParseGreeting(json_object *msg,
                         qemuMonitorVersion *version,
                         GError **error)
{
    json_object *qmp = NULL;
    json_object *ver = NULL;

    memset(version, 0, sizeof(*version));

    if (!json_object_is_type(msg, json_type_object) ||
        !json_object_object_get_ex(msg, "QMP", &qmp)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("QEMU sent a message that is not a QMP greeting"));
        return FALSE;
    }

    if (!qemuMonitorJSONMember(qmp, "version", json_type_object, TRUE,
                               &ver, error) ||
        !qemuMonitorParseVersion(ver, version, error)) {
        g_prefix_error(error, _("invalid QMP greeting: "));
        return FALSE;
    }

    return TRUE;
}


/**
 * qemuMonitorParseStatus:
 * @reply: query-status's return
 * @status: filled on success
 * @error: return location for a #GError
 *
 * A run state newer than this code becomes QEMU_MONITOR_VM_STATUS_UNKNOWN.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseStatus(json_object *reply,
                       qemuMonitorStatus *status,
                       GError **error)
{
    const char *str = NULL;
    gboolean ok = FALSE;
    int val;

    memset(status, 0, sizeof(*status));

    if (!qemuMonitorJSONGetBool(reply, "running", TRUE, NULL,
                                &status->running, error))
        return FALSE;

    str = qemuMonitorJSONGetString(reply, "status", TRUE, &ok, error);
    if (!ok)
        return FALSE;

    val = qemuMonitorVMStatusTypeFromString(str);
    if (val < 0 || val == QEMU_MONITOR_VM_STATUS_UNKNOWN) {
        VS_DEBUG("unknown QEMU run state '%s'", str);
        val = QEMU_MONITOR_VM_STATUS_UNKNOWN;
    }
    status->status = val;
    return TRUE;
}


/**
 * qemuMonitorParseMigrationStatus:
 * @str: QEMU's MigrationStatus word, may be NULL
 *
 * Returns: its value; NULL is NONE, an unknown word UNKNOWN.
 */
qemuMonitorMigrationStatus
qemuMonitorParseMigrationStatus(const char *str)
{
    int val;

    if (!str)
        return QEMU_MONITOR_MIGRATION_STATUS_NONE;

    val = qemuMonitorMigrationStatusTypeFromString(str);
    if (val < 0)
        return QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN;
    return val;
}


/**
 * qemuMonitorMigrationStatusIsFinal:
 * @status: a migration status
 *
 * Returns: TRUE when the migration is over: completed, failed or
 * cancelled. QEMU sends no further MIGRATION event after one of these.
 */
gboolean
qemuMonitorMigrationStatusIsFinal(qemuMonitorMigrationStatus status)
{
    return status == QEMU_MONITOR_MIGRATION_STATUS_COMPLETED ||
           status == QEMU_MONITOR_MIGRATION_STATUS_FAILED ||
           status == QEMU_MONITOR_MIGRATION_STATUS_CANCELLED;
}


/**
 * qemuMonitorMigrationStatsClear:
 * @stats: statistics filled by qemuMonitorParseMigrateStats()
 *
 * Frees what @stats owns and zeroes it.
 */
void
qemuMonitorMigrationStatsClear(qemuMonitorMigrationStats *stats)
{
    g_free(stats->statusStr);
    g_free(stats->errorDesc);
    g_strfreev(stats->blockedReasons);
    memset(stats, 0, sizeof(*stats));
}


static gboolean
qemuMonitorParseMigrateRam(json_object *ram,
                           qemuMonitorMigrationStats *stats,
                           GError **error)
{
    json_object *mbps = NULL;

    stats->hasRam = TRUE;
    if (!qemuMonitorJSONGetU64(ram, "total", FALSE, NULL,
                               &stats->ramTotal, error) ||
        !qemuMonitorJSONGetU64(ram, "remaining", FALSE, NULL,
                               &stats->ramRemaining, error) ||
        !qemuMonitorJSONGetU64(ram, "transferred", FALSE, NULL,
                               &stats->ramTransferred, error) ||
        !qemuMonitorJSONGetU64(ram, "normal", FALSE, NULL,
                               &stats->ramNormal, error) ||
        !qemuMonitorJSONGetU64(ram, "normal-bytes", FALSE, NULL,
                               &stats->ramNormalBytes, error) ||
        !qemuMonitorJSONGetU64(ram, "duplicate", FALSE, NULL,
                               &stats->ramDuplicate, error) ||
        !qemuMonitorJSONGetU64(ram, "page-size", FALSE, NULL,
                               &stats->ramPageSize, error) ||
        !qemuMonitorJSONGetU64(ram, "dirty-pages-rate", FALSE, NULL,
                               &stats->ramDirtyPagesRate, error) ||
        !qemuMonitorJSONGetU64(ram, "dirty-sync-count", FALSE, NULL,
                               &stats->ramDirtySyncCount, error) ||
        !qemuMonitorJSONMember(ram, "mbps", json_type_double, FALSE,
                               &mbps, error))
        return FALSE;

    if (mbps)
        stats->ramMbps = json_object_get_double(mbps);
    return TRUE;
}


static gboolean
qemuMonitorParseBlockedReasons(json_object *reply,
                               qemuMonitorMigrationStats *stats,
                               GError **error)
{
    json_object *arr = NULL;
    size_t n;
    size_t i;

    if (!qemuMonitorJSONMember(reply, "blocked-reasons", json_type_array,
                               FALSE, &arr, error))
        return FALSE;
    if (!arr)
        return TRUE;

    n = json_object_array_length(arr);
    stats->blockedReasons = g_new0(char *, n + 1);
    for (i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(arr, i);

        if (!json_object_is_type(item, json_type_string)) {
            qemuMonitorJSONSetBadReply(error,
                                       _("'blocked-reasons' holds a non-string"));
            return FALSE;
        }
        stats->blockedReasons[i] = g_strdup(json_object_get_string(item));
    }
    return TRUE;
}


static gboolean
qemuMonitorParseMigrateStatsMembers(json_object *reply,
                                    qemuMonitorMigrationStats *stats,
                                    GError **error)
{
    json_object *ram = NULL;
    const char *str = NULL;
    gboolean ok = FALSE;

    str = qemuMonitorJSONGetString(reply, "status", FALSE, &ok, error);
    if (!ok)
        return FALSE;
    stats->status = qemuMonitorParseMigrationStatus(str);
    stats->statusStr = g_strdup(str);

    if (!qemuMonitorJSONMember(reply, "ram", json_type_object, FALSE,
                               &ram, error) ||
        (ram && !qemuMonitorParseMigrateRam(ram, stats, error)))
        return FALSE;

    if (!qemuMonitorJSONGetU64(reply, "total-time", FALSE,
                               &stats->hasTotalTime, &stats->totalTime, error) ||
        !qemuMonitorJSONGetU64(reply, "downtime", FALSE,
                               &stats->hasDowntime, &stats->downtime, error) ||
        !qemuMonitorJSONGetU64(reply, "setup-time", FALSE,
                               &stats->hasSetupTime, &stats->setupTime, error) ||
        !qemuMonitorJSONGetU64(reply, "expected-downtime", FALSE,
                               &stats->hasExpectedDowntime,
                               &stats->expectedDowntime, error))
        return FALSE;

    str = qemuMonitorJSONGetString(reply, "error-desc", FALSE, &ok, error);
    if (!ok)
        return FALSE;
    stats->errorDesc = g_strdup(str);

    return qemuMonitorParseBlockedReasons(reply, stats, error);
}


/**
 * qemuMonitorParseMigrateStats:
 * @reply: query-migrate's return
 * @stats: filled on success (clear with qemuMonitorMigrationStatsClear())
 * @error: return location for a #GError
 *
 * Before any migration QEMU answers {}: that is status NONE.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseMigrateStats(json_object *reply,
                             qemuMonitorMigrationStats *stats,
                             GError **error)
{
    memset(stats, 0, sizeof(*stats));

    if (!qemuMonitorParseMigrateStatsMembers(reply, stats, error)) {
        qemuMonitorMigrationStatsClear(stats);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuMonitorMigrationCapClear:
 * @cap: one capability
 *
 * Frees its name; usable as a GArray clear function.
 */
void
qemuMonitorMigrationCapClear(qemuMonitorMigrationCap *cap)
{
    g_clear_pointer(&cap->name, g_free);
}


/**
 * qemuMonitorBuildMigrationCaps:
 * @caps: capabilities, each with its state
 * @ncaps: how many
 *
 * Returns: (transfer full) migrate-set-capabilities' arguments.
 */
json_object *
qemuMonitorBuildMigrationCaps(const qemuMonitorMigrationCap *caps,
                              size_t ncaps)
{
    json_object *args = json_object_new_object();
    json_object *list = json_object_new_array_ext(ncaps);
    size_t i;

    for (i = 0; i < ncaps; i++) {
        json_object *cap = json_object_new_object();

        json_object_object_add(cap, "capability",
                               json_object_new_string(caps[i].name));
        json_object_object_add(cap, "state",
                               json_object_new_boolean(caps[i].state));
        json_object_array_add(list, cap);
    }
    json_object_object_add(args, "capabilities", list);
    return args;
}


static void
qemuMonitorMigrationCapClearFunc(gpointer data)
{
    qemuMonitorMigrationCapClear(data);
}


/**
 * qemuMonitorParseMigrationCaps:
 * @reply: query-migrate-capabilities' return
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a GArray of qemuMonitorMigrationCap in QEMU's
 * order, or NULL with @error set.
 */
GArray *
qemuMonitorParseMigrationCaps(json_object *reply,
                              GError **error)
{
    g_autoptr(GArray) caps = NULL;
    size_t n;
    size_t i;

    if (!json_object_is_type(reply, json_type_array)) {
        qemuMonitorJSONSetBadReply(error, _("capabilities are not a list"));
        return NULL;
    }

    n = json_object_array_length(reply);
    caps = g_array_sized_new(FALSE, TRUE, sizeof(qemuMonitorMigrationCap), n);
    g_array_set_clear_func(caps, qemuMonitorMigrationCapClearFunc);

    for (i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(reply, i);
        qemuMonitorMigrationCap cap = { 0 };
        const char *name = NULL;
        gboolean ok = FALSE;

        name = qemuMonitorJSONGetString(item, "capability", TRUE, &ok, error);
        if (!ok ||
            !qemuMonitorJSONGetBool(item, "state", TRUE, NULL, &cap.state, error))
            return NULL;

        cap.name = g_strdup(name);
        g_array_append_val(caps, cap);
    }

    return g_steal_pointer(&caps);
}


static qemuMonitorMigrationCap *
qemuMonitorMigrationCapsFind(const GArray *caps,
                             const char *name)
{
    size_t i;

    for (i = 0; i < caps->len; i++) {
        qemuMonitorMigrationCap *cap = &g_array_index(caps,
                                                      qemuMonitorMigrationCap, i);

        if (g_str_equal(cap->name, name))
            return cap;
    }
    return NULL;
}


/**
 * qemuMonitorMigrationCapsSet:
 * @caps: a GArray of qemuMonitorMigrationCap
 * @name: capability to change
 * @state: its new state
 *
 * Returns: FALSE when @caps has no capability @name.
 */
gboolean
qemuMonitorMigrationCapsSet(GArray *caps,
                            const char *name,
                            gboolean state)
{
    qemuMonitorMigrationCap *cap = qemuMonitorMigrationCapsFind(caps, name);

    if (!cap)
        return FALSE;
    cap->state = state;
    return TRUE;
}


/**
 * qemuMonitorMigrationCapsGet:
 * @caps: a GArray of qemuMonitorMigrationCap
 * @name: capability to look up
 *
 * Returns: 1 or 0 for its state, -1 when @caps has no capability @name.
 */
int
qemuMonitorMigrationCapsGet(const GArray *caps,
                            const char *name)
{
    qemuMonitorMigrationCap *cap = qemuMonitorMigrationCapsFind(caps, name);

    if (!cap)
        return -1;
    return cap->state ? 1 : 0;
}


/**
 * qemuMonitorBuildMigrationParams:
 * @params: parameters; only those with their has* flag set are used
 *
 * Returns: (transfer full) migrate-set-parameters' arguments.
 */
json_object *
qemuMonitorBuildMigrationParams(const qemuMonitorMigrationParams *params)
{
    json_object *args = json_object_new_object();

    if (params->hasMultifdChannels)
        json_object_object_add(args, "multifd-channels",
                               json_object_new_int64(params->multifdChannels));
    if (params->hasDirectIO)
        json_object_object_add(args, "direct-io",
                               json_object_new_boolean(params->directIO));
    if (params->hasMaxBandwidth)
        json_object_object_add(args, "max-bandwidth",
                               json_object_new_uint64(params->maxBandwidth));
    if (params->hasDowntimeLimit)
        json_object_object_add(args, "downtime-limit",
                               json_object_new_uint64(params->downtimeLimit));
    return args;
}


/**
 * qemuMonitorParseMigrationParams:
 * @reply: query-migrate-parameters' return
 * @params: filled on success; has* tells which parameters QEMU knows
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseMigrationParams(json_object *reply,
                                qemuMonitorMigrationParams *params,
                                GError **error)
{
    unsigned long long channels = 0;

    memset(params, 0, sizeof(*params));

    if (!qemuMonitorJSONGetU64(reply, "multifd-channels", FALSE,
                               &params->hasMultifdChannels, &channels, error) ||
        !qemuMonitorJSONGetBool(reply, "direct-io", FALSE,
                                &params->hasDirectIO, &params->directIO, error) ||
        !qemuMonitorJSONGetU64(reply, "max-bandwidth", FALSE,
                               &params->hasMaxBandwidth,
                               &params->maxBandwidth, error) ||
        !qemuMonitorJSONGetU64(reply, "downtime-limit", FALSE,
                               &params->hasDowntimeLimit,
                               &params->downtimeLimit, error)) {
        memset(params, 0, sizeof(*params));
        return FALSE;
    }

    if (channels > G_MAXUINT8) {
        memset(params, 0, sizeof(*params));
        qemuMonitorJSONSetBadReply(error,
                                   _("'multifd-channels' is out of range"));
        return FALSE;
    }
    params->multifdChannels = channels;
    return TRUE;
}


/**
 * qemuMonitorBuildMigrate:
 * @uri: destination
 *
 * QEMU 10 accepts "detach" but ignores it (migration always runs in the
 * background) and "resume" only recovers a paused postcopy migration, so
 * neither is sent.
 *
 * Returns: (transfer full) migrate's arguments.
 */
json_object *
qemuMonitorBuildMigrate(const char *uri)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "uri", json_object_new_string(uri));
    return args;
}


/**
 * qemuMonitorBuildMigrateIncoming:
 * @uri: source
 *
 * "exit-on-error": false keeps QEMU alive after a failed load, so that the
 * failure can be read with query-migrate ("error-desc") instead of being
 * lost with the process.
 *
 * Returns: (transfer full) migrate-incoming's arguments.
 */
json_object *
qemuMonitorBuildMigrateIncoming(const char *uri)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "uri", json_object_new_string(uri));
    json_object_object_add(args, "exit-on-error", json_object_new_boolean(FALSE));
    return args;
}


/**
 * qemuMonitorBuildAddFd:
 * @fdsetId: set to add to, or < 0 to let QEMU create one
 * @opaque: label stored beside the descriptor, may be NULL
 *
 * Returns: (transfer full) add-fd's arguments.
 */
json_object *
qemuMonitorBuildAddFd(int fdsetId,
                      const char *opaque)
{
    json_object *args = json_object_new_object();

    if (fdsetId >= 0)
        json_object_object_add(args, "fdset-id", json_object_new_int(fdsetId));
    if (opaque)
        json_object_object_add(args, "opaque", json_object_new_string(opaque));
    return args;
}


/**
 * qemuMonitorParseAddFd:
 * @reply: add-fd's return
 * @info: filled on success
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseAddFd(json_object *reply,
                      qemuMonitorAddFdInfo *info,
                      GError **error)
{
    memset(info, 0, sizeof(*info));

    if (!qemuMonitorJSONGetInt(reply, "fdset-id", &info->fdsetId, error) ||
        !qemuMonitorJSONGetInt(reply, "fd", &info->fd, error)) {
        memset(info, 0, sizeof(*info));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuMonitorBuildRemoveFd:
 * @fdsetId: the set
 * @fd: QEMU's descriptor number in it, or < 0 for the whole set
 *
 * Returns: (transfer full) remove-fd's arguments.
 */
json_object *
qemuMonitorBuildRemoveFd(int fdsetId,
                         int fd)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "fdset-id", json_object_new_int(fdsetId));
    if (fd >= 0)
        json_object_object_add(args, "fd", json_object_new_int(fd));
    return args;
}


/**
 * qemuMonitorFdsetFree:
 * @set: an fdset from qemuMonitorParseFdsets(), may be NULL
 */
void
qemuMonitorFdsetFree(qemuMonitorFdset *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->nfds; i++)
        g_free(set->fds[i].opaque);
    g_free(set->fds);
    g_free(set);
}


static void
qemuMonitorFdsetFreeFunc(gpointer data)
{
    qemuMonitorFdsetFree(data);
}


static qemuMonitorFdset *
qemuMonitorParseFdset(json_object *item,
                      GError **error)
{
    g_autoptr(qemuMonitorFdset) set = g_new0(qemuMonitorFdset, 1);
    json_object *fds = NULL;
    size_t i;

    if (!qemuMonitorJSONGetInt(item, "fdset-id", &set->id, error) ||
        !qemuMonitorJSONMember(item, "fds", json_type_array, TRUE, &fds, error))
        return NULL;

    set->fds = g_new0(qemuMonitorFdsetFd, json_object_array_length(fds));
    for (i = 0; i < json_object_array_length(fds); i++) {
        json_object *fd = json_object_array_get_idx(fds, i);
        const char *opaque = NULL;
        gboolean ok = FALSE;

        if (!qemuMonitorJSONGetInt(fd, "fd", &set->fds[i].fd, error))
            return NULL;
        opaque = qemuMonitorJSONGetString(fd, "opaque", FALSE, &ok, error);
        if (!ok)
            return NULL;
        set->fds[i].opaque = g_strdup(opaque);
        set->nfds++;
    }

    return g_steal_pointer(&set);
}


/**
 * qemuMonitorParseFdsets:
 * @reply: query-fdsets' return
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a GPtrArray of qemuMonitorFdset that frees its
 * elements, or NULL with @error set.
 */
GPtrArray *
qemuMonitorParseFdsets(json_object *reply,
                       GError **error)
{
    g_autoptr(GPtrArray) sets = NULL;
    size_t i;

    if (!json_object_is_type(reply, json_type_array)) {
        qemuMonitorJSONSetBadReply(error, _("fdsets are not a list"));
        return NULL;
    }

    sets = g_ptr_array_new_with_free_func(qemuMonitorFdsetFreeFunc);
    for (i = 0; i < json_object_array_length(reply); i++) {
        qemuMonitorFdset *set = NULL;

        set = qemuMonitorParseFdset(json_object_array_get_idx(reply, i), error);
        if (!set)
            return NULL;
        g_ptr_array_add(sets, set);
    }

    return g_steal_pointer(&sets);
}


/**
 * qemuMonitorBuildFdname:
 * @fdname: name of a passed descriptor
 *
 * Returns: (transfer full) getfd's or closefd's arguments.
 */
json_object *
qemuMonitorBuildFdname(const char *fdname)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "fdname", json_object_new_string(fdname));
    return args;
}


/**
 * qemuMonitorParseMigrationEvent:
 * @data: the MIGRATION event's data
 * @status: filled on success (UNKNOWN for a word newer than this code)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseMigrationEvent(json_object *data,
                               qemuMonitorMigrationStatus *status,
                               GError **error)
{
    const char *str = NULL;
    gboolean ok = FALSE;

    *status = QEMU_MONITOR_MIGRATION_STATUS_NONE;

    str = qemuMonitorJSONGetString(data, "status", TRUE, &ok, error);
    if (!ok) {
        g_prefix_error(error, _("invalid MIGRATION event: "));
        return FALSE;
    }
    *status = qemuMonitorParseMigrationStatus(str);
    return TRUE;
}


/**
 * qemuMonitorParseMigrationPassEvent:
 * @data: the MIGRATION_PASS event's data
 * @pass: filled with the pass number on success
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseMigrationPassEvent(json_object *data,
                                   long long *pass,
                                   GError **error)
{
    json_object *val = NULL;

    *pass = 0;
    if (!qemuMonitorJSONMember(data, "pass", json_type_int, TRUE, &val, error)) {
        g_prefix_error(error, _("invalid MIGRATION_PASS event: "));
        return FALSE;
    }
    *pass = json_object_get_int64(val);
    return TRUE;
}


/**
 * qemuMonitorParseShutdownEvent:
 * @data: the SHUTDOWN or RESET event's data
 * @guest: filled with whether the guest caused it
 * @reason: (transfer full) filled with QEMU's cause word
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParseShutdownEvent(json_object *data,
                              gboolean *guest,
                              char **reason,
                              GError **error)
{
    const char *str = NULL;
    gboolean ok = FALSE;

    *guest = FALSE;
    *reason = NULL;

    if (!qemuMonitorJSONGetBool(data, "guest", TRUE, NULL, guest, error)) {
        g_prefix_error(error, _("invalid shutdown event: "));
        return FALSE;
    }
    str = qemuMonitorJSONGetString(data, "reason", TRUE, &ok, error);
    if (!ok) {
        *guest = FALSE;
        g_prefix_error(error, _("invalid shutdown event: "));
        return FALSE;
    }
    *reason = g_strdup(str);
    return TRUE;
}
