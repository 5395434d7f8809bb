/*
 * qemu_saveopts.c: the save/restore engine's options and migration
 * settings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Validation of the arguments of a save or restore (everything that can
 * be checked before the guest is paused), the capability list and the
 * parameters sent to QEMU around each operation, and the small monitor
 * helpers that save and restore share. Kept apart from qemu_save.c and
 * qemu_restore.c so that tests reach the pure parts without a QEMU.
 */

#include <config.h>

#include "qemu_savepriv.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "qemu_channels.h"
#include "qemu_conf.h"
#include "qemu_driver.h"
#include "qemu_iohelper.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.saveopts");


/* ---- option parsing (pure) ---------------------------------------- */

static const vsTypedParamSpec qemuSaveParamSpec[] = {
    { VS_DOMAIN_SAVE_PARAM_FILE, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_DXML, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS, VS_TYPED_PARAM_INT },
    { NULL, 0 },
};

static const vsTypedParamSpec qemuRestoreParamSpec[] = {
    { VS_DOMAIN_SAVE_PARAM_FILE, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_DXML, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS, VS_TYPED_PARAM_INT },
    { VS_DOMAIN_SAVE_PARAM_RESTORE_MODE, VS_TYPED_PARAM_STRING },
    { NULL, 0 },
};


/**
 * qemuSaveCheckParams:
 * @params: the typed parameters of virDomainSaveParams
 * @error: return location for a #GError
 *
 * The names and types of a save's parameters, checked before anything
 * else, also for a managed save (no "file"), which then ignores them.
 * Integers of any width are taken for "parallel.channels":
 * python3-libvirt 9.0 sends Python ints as ULLONG.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveCheckParams(const vsTypedParamList *params,
                    GError **error)
{
    const char *str;
    int num;
    size_t i;

    if (!vsTypedParamListValidate(params, qemuSaveParamSpec, error))
        return FALSE;
    for (i = 0; qemuSaveParamSpec[i].field; i++) {
        const char *field = qemuSaveParamSpec[i].field;

        if (qemuSaveParamSpec[i].type == VS_TYPED_PARAM_STRING) {
            if (vsTypedParamListGetString(params, field, &str, error) < 0)
                return FALSE;
        } else if (vsTypedParamListGetInt(params, field, &num, error) < 0) {
            return FALSE;
        }
    }
    return TRUE;
}


/* The restore mode a caller asked for by name, -1 when none. */
static gboolean
qemuSaveParseRestoreMode(const vsTypedParamList *params,
                         int *mode,
                         GError **error)
{
    const char *str = NULL;

    *mode = -1;
    if (vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_RESTORE_MODE,
                                  &str, error) < 0)
        return FALSE;
    if (str && (*mode = qemuRestoreModeTypeFromString(str)) < 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("invalid restore mode '%s': use 'eager' or 'lazy'"),
                    str);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuSaveParseRunningFlags:
 * @flags: vsDomainSaveRestoreFlags
 * @running: (out): 1 RUNNING, 0 PAUSED, -1 neither (as saved)
 * @error: return location for a #GError
 *
 * The one check of the RUNNING/PAUSED pair, for every call that takes it.
 *
 * Returns: TRUE, or FALSE with @error set when both are given.
 */
gboolean
qemuSaveParseRunningFlags(unsigned int flags,
                          int *running,
                          GError **error)
{
    if ((flags & VS_DOMAIN_SAVE_RUNNING) && (flags & VS_DOMAIN_SAVE_PAUSED)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive"));
        return FALSE;
    }
    *running = -1;
    if (flags & VS_DOMAIN_SAVE_RUNNING)
        *running = 1;
    else if (flags & VS_DOMAIN_SAVE_PAUSED)
        *running = 0;
    return TRUE;
}


/* Flags shared by save and restore; RESET_NVRAM matters only to a
 * restore, which recreates the NVRAM file from its template. */
static gboolean
qemuSaveParseFlags(unsigned int flags,
                   qemuSaveOptions *opts,
                   GError **error)
{
    unsigned int known = VS_DOMAIN_SAVE_BYPASS_CACHE |
                         VS_DOMAIN_SAVE_RUNNING |
                         VS_DOMAIN_SAVE_PAUSED |
                         VS_DOMAIN_SAVE_RESET_NVRAM;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, known, G_STRFUNC, error) ||
        !qemuSaveParseRunningFlags(flags, &opts->running, error))
        return FALSE;
    opts->bypassCache = !!(flags & VS_DOMAIN_SAVE_BYPASS_CACHE);
    opts->resetNVRAM = !!(flags & VS_DOMAIN_SAVE_RESET_NVRAM);
    return TRUE;
}


/* The channel count of "parallel.channels": *@channels stays 0 when the
 * parameter is absent. */
static gboolean
qemuSaveParseChannels(const vsTypedParamList *params,
                      unsigned int *channels,
                      GError **error)
{
    int value = 0;
    int rc;

    if ((rc = vsTypedParamListGetInt(params,
                                     VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS,
                                     &value, error)) < 0)
        return FALSE;
    if (rc == 0)
        return TRUE;

    if (value < QEMU_CONF_CHANNELS_MIN) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("number of parallel save channels cannot be less than 1"));
        return FALSE;
    }
    /* QEMU's multifd-channels parameter is a uint8. */
    if (value > QEMU_CONF_CHANNELS_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("number of parallel save channels cannot be more than %d"),
                    QEMU_CONF_CHANNELS_MAX);
        return FALSE;
    }
    *channels = value;
    return TRUE;
}


/**
 * qemuSaveParseOptions:
 * @params: (nullable) the typed parameters of virDomainSaveParams
 * @flags: vsDomainSaveRestoreFlags
 * @defaultFormat: qemu.conf save_image_format
 * @defaultChannels: qemu.conf save_parallel_channels (0: unset)
 * @opts: return location; its strings point into @params
 * @error: return location for a #GError
 *
 * Checks the arguments of a save without looking at the domain, QEMU or
 * the file system. A missing "file" leaves @opts->path NULL: the caller
 * then does a managed save, which ignores the other parameters.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveParseOptions(const vsTypedParamList *params,
                     unsigned int flags,
                     qemuSaveFormat defaultFormat,
                     unsigned int defaultChannels,
                     qemuSaveOptions *opts,
                     GError **error)
{
    g_autoptr(vsTypedParamList) empty = vsTypedParamListNew();
    const char *format = NULL;
    unsigned int channels = 0;
    int fmt;

    memset(opts, 0, sizeof(*opts));
    if (!params)
        params = empty;

    if (!qemuSaveParseFlags(flags, opts, error) ||
        !qemuSaveCheckParams(params, error) ||
        vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_FILE,
                                  &opts->path, error) < 0 ||
        vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_DXML,
                                  &opts->dxml, error) < 0 ||
        vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT,
                                  &format, error) < 0 ||
        !qemuSaveParseChannels(params, &channels, error))
        return FALSE;

    if (opts->path && !*opts->path) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("the save image path must not be empty"));
        return FALSE;
    }
    if (opts->path && !vsFileCheckAbsolute(opts->path, error))
        return FALSE;

    opts->format = defaultFormat;
    if (format) {
        if ((fmt = qemuSaveFormatTypeFromString(format)) < 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("Invalid image_format '%s'"), format);
            return FALSE;
        }
        opts->format = fmt;
    }

    if (channels > 0 && opts->format != QEMU_SAVE_FORMAT_SPARSE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("Parallel save is only supported with the 'sparse' save image format"));
        return FALSE;
    }

    /* 0 for sparse: the save chooses from the guest (qemu_channels.c) */
    if (channels == 0)
        channels = defaultChannels;
    opts->channels = opts->format == QEMU_SAVE_FORMAT_SPARSE ? channels : 1;
    opts->viaHelper = qemuIOHelperNeeded(opts->format, opts->bypassCache);

    return qemuSaveCheckFormat(opts->format, opts->bypassCache, error);
}


/**
 * qemuSaveParseRestoreOptions:
 * @params: (nullable) the typed parameters of virDomainRestoreParams
 * @flags: vsDomainSaveRestoreFlags
 * @opts: return location; its strings point into @params
 * @error: return location for a #GError
 *
 * As qemuSaveParseOptions() for a restore: "file" is required, the
 * format comes from the image, @opts->channels stays 0 when not given.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveParseRestoreOptions(const vsTypedParamList *params,
                            unsigned int flags,
                            qemuSaveOptions *opts,
                            GError **error)
{
    g_autoptr(vsTypedParamList) empty = vsTypedParamListNew();

    memset(opts, 0, sizeof(*opts));
    if (!params)
        params = empty;

    if (!qemuSaveParseFlags(flags, opts, error) ||
        !vsTypedParamListValidate(params, qemuRestoreParamSpec, error) ||
        vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_FILE,
                                  &opts->path, error) < 0 ||
        vsTypedParamListGetString(params, VS_DOMAIN_SAVE_PARAM_DXML,
                                  &opts->dxml, error) < 0 ||
        !qemuSaveParseChannels(params, &opts->channels, error) ||
        !qemuSaveParseRestoreMode(params, &opts->restoreMode, error))
        return FALSE;

    if (!opts->path || !*opts->path) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("missing the path of the save image to restore"));
        return FALSE;
    }
    if (!vsFileCheckAbsolute(opts->path, error))
        return FALSE;
    return TRUE;
}


/**
 * qemuSaveCheckFormat:
 * @format: an image format
 * @bypassCache: whether the page cache is to be bypassed
 * @error: return location for a #GError
 *
 * Sparse and raw go from QEMU straight to the file. The compressed
 * formats, and raw with O_DIRECT (QEMU's raw stream is not aligned), go
 * through virtsave_iohelper: check that it and the format's program are
 * there, before anything is paused.
 *
 * Returns: TRUE if @format can be handled, else FALSE with @error.
 */
gboolean
qemuSaveCheckFormat(qemuSaveFormat format,
                    gboolean bypassCache,
                    GError **error)
{
    g_autofree char *helper = NULL;

    if (format >= QEMU_SAVE_FORMAT_LAST) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unsupported save image format: %u"), format);
        return FALSE;
    }
    if (!qemuIOHelperNeeded(format, bypassCache))
        return TRUE;
    if (!(helper = qemuIOHelperFindBinary(error)) ||
        !qemuIOHelperCheckFormatAvailable(format, error)) {
        g_prefix_error(error, _("save image format '%s' is not available: "),
                       qemuSaveFormatTypeToString(format));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuSaveCheckQemuCaps:
 * @caps: the QEMU binary's capabilities
 * @format: the image format
 * @bypassCache: whether O_DIRECT is wanted
 * @error: return location for a #GError
 *
 * Returns: TRUE if this QEMU can write or read @format that way.
 */
gboolean
qemuSaveCheckQemuCaps(const qemuCaps *caps,
                      qemuSaveFormat format,
                      gboolean bypassCache,
                      GError **error)
{
    if (format != QEMU_SAVE_FORMAT_SPARSE)
        return TRUE;

    if (!caps->mappedRam || !caps->multifd) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("save image format sparse is not supported by this QEMU binary"));
        return FALSE;
    }
    if (bypassCache && !caps->directIO) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("QEMU binary '%s' lacks the direct-io migration parameter needed to bypass the cache"),
                    caps->binary);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuSaveCheckMigrationSupport:
 * @support: what the running QEMU of domain @name offers
 * @name: the domain, for messages
 * @format: the image format
 * @bypassCache: whether O_DIRECT is wanted
 * @error: return location for a #GError
 *
 * The save's counterpart of qemuSaveCheckQemuCaps(): a running QEMU is
 * asked, not the binary that is on disk now.
 *
 * Returns: TRUE if that QEMU can write @format that way.
 */
gboolean
qemuSaveCheckMigrationSupport(const qemuMonitorMigrationSupport *support,
                              const char *name,
                              qemuSaveFormat format,
                              gboolean bypassCache,
                              GError **error)
{
    if (format != QEMU_SAVE_FORMAT_SPARSE)
        return TRUE;

    if (!qemuMonitorMigrationSupportHasCap(support, "mapped-ram") ||
        !qemuMonitorMigrationSupportHasCap(support, "multifd")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("save image format sparse is not supported by the QEMU of domain '%s': it lacks mapped-ram or multifd migration"),
                    name);
        return FALSE;
    }
    if (bypassCache && !support->params.hasDirectIO) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the QEMU of domain '%s' lacks the direct-io migration parameter needed to bypass the cache"),
                    name);
        return FALSE;
    }
    return TRUE;
}


/* ---- migration settings (pure builders) --------------------------- */

static void
qemuSaveCapClear(gpointer data)
{
    qemuMonitorMigrationCapClear(data);
}


/**
 * qemuSaveBuildMigrationCaps:
 * @known: GArray of qemuMonitorMigrationCap, every capability QEMU knows
 * @mappedRam: whether the stream uses mapped-ram (the sparse format)
 *
 * Builds the capability list for a save or restore: every capability
 * QEMU knows, each with an explicit state, so that nothing an earlier
 * migration turned on (e.g. mapped-ram in a QEMU restored from a sparse
 * image) leaks into this one. Only multifd and mapped-ram are ever on,
 * plus "events": without it QEMU sends no MIGRATION events, and the
 * engine waits for those rather than polling.
 *
 * Returns: (transfer full) a new GArray of qemuMonitorMigrationCap.
 */
GArray *
qemuSaveBuildMigrationCaps(const GArray *known,
                           gboolean mappedRam)
{
    GArray *caps = g_array_sized_new(FALSE, TRUE,
                                     sizeof(qemuMonitorMigrationCap),
                                     known->len);
    size_t i;

    g_array_set_clear_func(caps, qemuSaveCapClear);
    for (i = 0; i < known->len; i++) {
        const qemuMonitorMigrationCap *k =
            &g_array_index(known, qemuMonitorMigrationCap, i);
        qemuMonitorMigrationCap cap = { 0 };

        cap.name = g_strdup(k->name);
        if (g_str_equal(k->name, "events"))
            cap.state = TRUE;
        else
            cap.state = mappedRam &&
                        (g_str_equal(k->name, "multifd") ||
                         g_str_equal(k->name, "mapped-ram"));
        g_array_append_val(caps, cap);
    }
    return caps;
}


/**
 * qemuSaveBuildMigrationParams:
 * @current: the parameters QEMU reported (its has* flags say what it knows)
 * @mappedRam: whether the stream uses mapped-ram
 * @channels: multifd channel count (mapped-ram only)
 * @directIO: whether the multifd channels use O_DIRECT
 * @unlimitedBandwidth: lift QEMU's bandwidth cap (outgoing only)
 * @params: return location
 *
 * direct-io is always sent, TRUE or FALSE, when QEMU knows it: QEMU keeps
 * migration parameters for the life of the process, and a stale TRUE
 * with no O_DIRECT descriptor in the fdset crashes QEMU 10.0.
 */
void
qemuSaveBuildMigrationParams(const qemuMonitorMigrationParams *current,
                             gboolean mappedRam,
                             unsigned int channels,
                             gboolean directIO,
                             gboolean unlimitedBandwidth,
                             qemuMonitorMigrationParams *params)
{
    memset(params, 0, sizeof(*params));

    if (mappedRam) {
        params->hasMultifdChannels = TRUE;
        params->multifdChannels = channels;
    }
    if (current->hasDirectIO) {
        params->hasDirectIO = TRUE;
        params->directIO = mappedRam && directIO;
    }
    if (unlimitedBandwidth) {
        params->hasMaxBandwidth = TRUE;
        params->maxBandwidth = QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED;
    }
}


/**
 * qemuSaveBuildURI:
 * @fdset: the fdset holding the image descriptors
 * @offset: where the QEMU stream starts in the file
 *
 * Returns: (transfer full) "file:/dev/fdset/N,offset=0x...".
 */
char *
qemuSaveBuildURI(int fdset,
                 uint64_t offset)
{
    return g_strdup_printf("file:/dev/fdset/%d,offset=0x%" PRIx64,
                           fdset, offset);
}


/**
 * qemuSavePickFdsetId:
 * @fdsets: GPtrArray of qemuMonitorFdset (query-fdsets)
 *
 * Returns: the smallest fdset id that is not in use.
 */
int
qemuSavePickFdsetId(const GPtrArray *fdsets)
{
    int id = 0;
    gboolean clash = TRUE;
    size_t i;

    while (clash) {
        clash = FALSE;
        for (i = 0; i < fdsets->len; i++) {
            const qemuMonitorFdset *set = g_ptr_array_index(fdsets, i);

            if (set->id == id) {
                clash = TRUE;
                id++;
                break;
            }
        }
    }
    return id;
}


/**
 * qemuSaveParseVmRSS:
 * @status: the text of /proc/<pid>/status
 * @bytes: return location for the resident set size in bytes
 *
 * Returns: TRUE if a "VmRSS:" line was found.
 */
gboolean
qemuSaveParseVmRSS(const char *status,
                   unsigned long long *bytes)
{
    const char *line = status;
    unsigned long long kib;
    char *end;

    while (line && *line) {
        if (g_str_has_prefix(line, "VmRSS:")) {
            const char *p = line + strlen("VmRSS:");

            while (*p == ' ' || *p == '\t')
                p++;
            errno = 0;
            kib = g_ascii_strtoull(p, &end, 10);
            if (errno != 0 || end == p || !g_str_has_prefix(end, " kB"))
                return FALSE;
            *bytes = kib * 1024;
            return TRUE;
        }
        if ((line = strchr(line, '\n')))
            line++;
    }
    return FALSE;
}


/* ---- migration settings (monitor) --------------------------------- */

/**
 * qemuSaveGetMigrationSupport:
 * @vm: a locked, active domain whose job the caller owns
 * @error: return location for a #GError
 *
 * What the running QEMU offers for migration: asked once per process,
 * by its first save or restore, and kept in vm->migration. A reattached
 * QEMU is asked too, whatever binary is on disk now.
 *
 * Returns: (transfer none) the answer, or NULL with @error set.
 */
const qemuMonitorMigrationSupport *
qemuSaveGetMigrationSupport(qemuDomainObj *vm,
                            GError **error)
{
    qemuMonitorMigrationSupport *support;
    qemuMonitor *mon;

    if (vm->migration)
        return vm->migration;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return NULL;
    support = qemuMonitorProbeMigration(mon, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!support)
        return NULL;
    VS_DEBUG("domain '%s': QEMU knows %u migration capabilities, direct-io %s",
             vm->name, support->caps->len,
             support->params.hasDirectIO ? "yes" : "no");
    return vm->migration = support;
}


/**
 * qemuSaveSetupMigration:
 * @vm: a locked, active domain whose job the caller owns
 * @mappedRam: the sparse format
 * @channels: multifd channels
 * @directIO: O_DIRECT for the multifd channels
 * @forSave: outgoing (lifts the bandwidth cap)
 * @saved: return location for the parameters to restore afterwards
 * @error: return location for a #GError
 *
 * Sends the full capability list and the parameters of one save or
 * restore.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveSetupMigration(qemuDomainObj *vm,
                       gboolean mappedRam,
                       unsigned int channels,
                       gboolean directIO,
                       gboolean forSave,
                       qemuMonitorMigrationParams *saved,
                       GError **error)
{
    const qemuMonitorMigrationSupport *support;
    g_autoptr(GArray) caps = NULL;
    qemuMonitorMigrationParams params;
    qemuMonitor *mon;
    gboolean ok;

    memset(saved, 0, sizeof(*saved));
    if (!(support = qemuSaveGetMigrationSupport(vm, error)))
        return FALSE;
    /* Only the engine changes these, and it puts them back after each
     * operation: what QEMU had when first asked is what it has now. */
    *saved = support->params;
    caps = qemuSaveBuildMigrationCaps(support->caps, mappedRam);
    qemuSaveBuildMigrationParams(saved, mappedRam, channels, directIO,
                                 forSave, &params);
    VS_DEBUG("domain '%s': %u capabilities, mapped-ram=%d channels=%u "
             "direct-io=%d unlimited bandwidth=%d", vm->name, caps->len,
             mappedRam, channels, params.directIO, forSave);

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorSetMigrationCapabilities(mon,
                                             (qemuMonitorMigrationCap *) caps->data,
                                             caps->len, error) &&
         qemuMonitorSetMigrationParams(mon, &params, error);
    qemuDomainObjExitMonitor(vm, mon);
    return ok;
}


/**
 * qemuSaveResetMigration:
 * @vm: a locked domain whose job the caller owns
 * @saved: what qemuSaveSetupMigration() recorded
 *
 * Turns every capability off and direct-io off, and puts the bandwidth
 * back, so a later migration starts clean. Best effort: errors are
 * logged (QEMU may be gone).
 */
void
qemuSaveResetMigration(qemuDomainObj *vm,
                       const qemuMonitorMigrationParams *saved)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) known = NULL;
    g_autoptr(GArray) caps = NULL;
    qemuMonitorMigrationParams params = { 0 };
    qemuMonitor *mon;

    if (!qemuDomainObjCheckAlive(vm, NULL))
        return;

    params.hasDirectIO = saved->hasDirectIO;
    params.directIO = FALSE;
    params.hasMaxBandwidth = saved->hasMaxBandwidth;
    params.maxBandwidth = saved->maxBandwidth;

    if (vm->migration)
        caps = qemuSaveBuildMigrationCaps(vm->migration->caps, FALSE);
    if (!(mon = qemuDomainObjEnterMonitor(vm, &err)))
        return;
    if (!caps && (known = qemuMonitorQueryMigrationCapabilities(mon, &err)))
        caps = qemuSaveBuildMigrationCaps(known, FALSE);
    if (!caps ||
        !qemuMonitorSetMigrationCapabilities(mon,
                                             (qemuMonitorMigrationCap *) caps->data,
                                             caps->len, &err) ||
        !qemuMonitorSetMigrationParams(mon, &params, &err))
        VS_WARN("domain '%s': cannot reset migration settings: %s",
                vm->name, err->message);
    qemuDomainObjExitMonitor(vm, mon);
}


/* Keep waiting for a turn unless the client aborted the job. */
static gboolean
qemuSaveKeepWaiting(gpointer opaque)
{
    qemuDomainObj *vm = opaque;
    gboolean keep;

    qemuDomainObjLock(vm);
    keep = !vm->job.abortRequested;
    qemuDomainObjUnlock(vm);
    return keep;
}


/**
 * qemuSaveWaitTurn:
 * @driver: the driver
 * @vm: a locked domain whose ASYNC job the caller owns
 * @jobName: the job's name for an abort's message
 * @ramBytes: the guest's memory
 * @channels: (inout): the channel count; 0 is chosen here from the
 *   host CPUs this job gets (qemu_iosched.c) and @ramBytes
 * @turn: (out): the turn, for the caller to hold until its data has
 *   moved (g_autoptr(qemuIOSchedTurn))
 * @error: return location for a #GError
 *
 * Waits, with @vm unlocked, until the scheduler lets this save or
 * restore move data. An abort requested meanwhile ends the wait.
 *
 * Returns: TRUE, or FALSE with @error set (aborted).
 */
gboolean
qemuSaveWaitTurn(qemuDriver *driver,
                 qemuDomainObj *vm,
                 const char *jobName,
                 unsigned long long ramBytes,
                 unsigned int *channels,
                 qemuIOSchedTurn **turn,
                 GError **error)
{
    g_autofree char *what = g_strdup_printf(_("%s of domain '%s'"), jobName,
                                            vm->name);
    unsigned int share = 1;
    gboolean ok;

    qemuDomainObjUnlock(vm);
    ok = qemuIOSchedAcquire(driver->iosched, what, qemuSaveKeepWaiting, vm,
                            &share);
    qemuDomainObjLock(vm);
    if (!ok) {
        if (qemuDomainJobCheckAbort(vm, jobName, error))
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_ABORTED,
                        _("job '%s' canceled by client"), jobName);
        return FALSE;
    }
    *turn = driver->iosched;
    if (*channels == 0)
        *channels = qemuChannelsChoose(share, ramBytes);
    return TRUE;
}


/**
 * qemuSaveCanCancel:
 * @mappedRam: the migration writes a mapped-ram image
 * @multifd: through multifd channels
 *
 * QEMU 10.0 cannot cancel a mapped-ram migration that runs multifd
 * channels safely: migrate_cancel frees the image's page bitmap before
 * it joins the channel threads, and a channel whose write completes
 * after that sets a bit in the freed bitmap and crashes QEMU (a segfault
 * in thread "mig/src/send_N"; a slow disk makes it likely). Such a save
 * is not cancelled: QEMU finishes writing the image, which is then
 * discarded. The guest stays paused meanwhile, as it was for the save.
 *
 * Returns: whether migrate_cancel is safe for such a migration.
 */
gboolean
qemuSaveCanCancel(gboolean mappedRam,
                  gboolean multifd)
{
    return !(mappedRam && multifd);
}


/**
 * qemuSaveCancelMigration:
 * @mon: the domain's monitor, referenced by the caller
 * @name: the domain's name, for the log
 * @canCancel: from qemuSaveCanCancel()
 *
 * Stops a save's migration: migrate_cancel, or nothing but a log line
 * when @canCancel is FALSE (QEMU then completes the image). Needs no
 * domain lock; the caller waits for the final status. Errors are
 * logged.
 */
void
qemuSaveCancelMigration(qemuMonitor *mon,
                        const char *name,
                        gboolean canCancel)
{
    g_autoptr(GError) err = NULL;

    if (!canCancel) {
        VS_INFO("domain '%s': QEMU finishes writing the image, which is "
                "then discarded (a multifd mapped-ram migration is not "
                "cancelled)", name);
        return;
    }
    if (!qemuMonitorMigrateCancel(mon, &err))
        VS_WARN("domain '%s': migrate_cancel failed: %s", name, err->message);
}


/**
 * qemuSaveRemoveFdset:
 * @vm: a locked domain whose job the caller owns
 * @fdset: the set to drop
 *
 * Makes QEMU close its copies of the image descriptors, so an unlinked
 * partial image frees its space and a restored image is not held open.
 * Best effort: errors are logged.
 */
void
qemuSaveRemoveFdset(qemuDomainObj *vm,
                    int fdset)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;

    if (!qemuDomainObjCheckAlive(vm, NULL) ||
        !(mon = qemuDomainObjEnterMonitor(vm, &err)))
        return;
    VS_DEBUG("domain '%s': removing fdset %d", vm->name, fdset);
    if (!qemuMonitorRemoveFd(mon, fdset, -1, &err))
        VS_WARN("domain '%s': cannot remove fdset %d: %s",
                vm->name, fdset, err->message);
    qemuDomainObjExitMonitor(vm, mon);
}


/**
 * qemuSaveMigrationError:
 * @vm: a locked domain whose job the caller owns
 *
 * Returns: (transfer full) QEMU's description of a failed migration, or
 * NULL when it has none (or cannot be asked).
 */
char *
qemuSaveMigrationError(qemuDomainObj *vm)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    char *desc = NULL;

    if (!qemuDomainObjCheckAlive(vm, NULL) ||
        !(mon = qemuDomainObjEnterMonitor(vm, NULL)))
        return NULL;
    if (qemuMonitorQueryMigrate(mon, &stats, NULL))
        desc = g_steal_pointer(&stats.errorDesc);
    qemuMonitorMigrationStatsClear(&stats);
    qemuDomainObjExitMonitor(vm, mon);
    return desc;
}
