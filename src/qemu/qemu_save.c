/*
 * qemu_save.c: saving a running domain to a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The sequence, its failure handling and the reasons for each step are
 * in docs/save-restore.md. In short: validate everything, pause, write
 * the header block of a new image under a temporary name, pass the
 * image's descriptors to QEMU in an fdset, let QEMU migrate to
 * "file:/dev/fdset/N,offset=...", follow the MIGRATION events, then make
 * the image durable, flip its magic and rename it into place.
 */

#include <config.h>

#include "qemu_save.h"
#include "qemu_savepriv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_process.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.save");

#define QEMU_SAVE_JOB_NAME _("domain save")

/* How long a failed or aborted save waits for QEMU to stop writing
 * before it cleans up anyway. */
#define QEMU_SAVE_CANCEL_WAIT_MS 30000


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
    { NULL, 0 },
};


/* Flags shared by save and restore; RESET_NVRAM is refused since
 * virtsave domains have no NVRAM. */
static gboolean
qemuSaveParseFlags(unsigned int flags,
                   qemuSaveOptions *opts,
                   GError **error)
{
    unsigned int known = VS_DOMAIN_SAVE_BYPASS_CACHE |
                         VS_DOMAIN_SAVE_RUNNING |
                         VS_DOMAIN_SAVE_PAUSED |
                         VS_DOMAIN_SAVE_RESET_NVRAM;

    if (flags & ~known) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x)"), flags & ~known);
        return FALSE;
    }
    if ((flags & VS_DOMAIN_SAVE_RUNNING) && (flags & VS_DOMAIN_SAVE_PAUSED)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive"));
        return FALSE;
    }
    if (flags & VS_DOMAIN_SAVE_RESET_NVRAM) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("resetting NVRAM is not supported: virtsave domains have no NVRAM"));
        return FALSE;
    }

    opts->bypassCache = !!(flags & VS_DOMAIN_SAVE_BYPASS_CACHE);
    opts->running = -1;
    if (flags & VS_DOMAIN_SAVE_RUNNING)
        opts->running = 1;
    else if (flags & VS_DOMAIN_SAVE_PAUSED)
        opts->running = 0;
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
        !vsTypedParamListValidate(params, qemuSaveParamSpec, error) ||
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

    if (channels == 0)
        channels = defaultChannels ? defaultChannels : 1;
    opts->channels = opts->format == QEMU_SAVE_FORMAT_SPARSE ? channels : 1;

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
        !qemuSaveParseChannels(params, &opts->channels, error))
        return FALSE;

    if (!opts->path || !*opts->path) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("missing the path of the save image to restore"));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuSaveCheckFormat:
 * @format: an image format
 * @bypassCache: whether the page cache is to be bypassed
 * @error: return location for a #GError
 *
 * Formats that need a copying process between QEMU and the file
 * (compressed ones, and raw with O_DIRECT, whose writes must be aligned)
 * are refused: the engine passes QEMU the file itself.
 *
 * Returns: TRUE if the engine can handle @format, else FALSE with @error.
 */
gboolean
qemuSaveCheckFormat(qemuSaveFormat format,
                    gboolean bypassCache,
                    GError **error)
{
    switch (format) {
    case QEMU_SAVE_FORMAT_SPARSE:
        return TRUE;
    case QEMU_SAVE_FORMAT_RAW:
        if (!bypassCache)
            return TRUE;
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("save image format 'raw' with bypass cache needs the I/O helper, which is not supported yet; use the 'sparse' format"));
        return FALSE;
    case QEMU_SAVE_FORMAT_GZIP:
    case QEMU_SAVE_FORMAT_BZIP2:
    case QEMU_SAVE_FORMAT_XZ:
    case QEMU_SAVE_FORMAT_LZOP:
    case QEMU_SAVE_FORMAT_ZSTD:
    case QEMU_SAVE_FORMAT_LAST:
    default:
        break;
    }

    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                _("compressed save image format '%s' needs the I/O helper, which is not supported yet"),
                qemuSaveFormatTypeToString(format));
    return FALSE;
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
 * image) leaks into this one. Only multifd and mapped-ram are ever on.
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
    g_autoptr(GArray) known = NULL;
    g_autoptr(GArray) caps = NULL;
    qemuMonitorMigrationParams params;
    qemuMonitor *mon;
    gboolean ok;

    memset(saved, 0, sizeof(*saved));
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;

    ok = (known = qemuMonitorQueryMigrationCapabilities(mon, error)) &&
         qemuMonitorQueryMigrationParams(mon, saved, error);
    if (ok) {
        caps = qemuSaveBuildMigrationCaps(known, mappedRam);
        qemuSaveBuildMigrationParams(saved, mappedRam, channels, directIO,
                                     forSave, &params);
        VS_DEBUG("domain '%s': %u capabilities, mapped-ram=%d channels=%u "
                 "direct-io=%d unlimited bandwidth=%d", vm->name, caps->len,
                 mappedRam, channels, params.directIO, forSave);
        ok = qemuMonitorSetMigrationCapabilities(mon,
                                                 (qemuMonitorMigrationCap *) caps->data,
                                                 caps->len, error) &&
             qemuMonitorSetMigrationParams(mon, &params, error);
    }
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

    if (!qemuDomainObjCheckAlive(vm, NULL) ||
        !(mon = qemuDomainObjEnterMonitor(vm, &err)))
        return;

    params.hasDirectIO = saved->hasDirectIO;
    params.directIO = FALSE;
    params.hasMaxBandwidth = saved->hasMaxBandwidth;
    params.maxBandwidth = saved->maxBandwidth;

    if ((known = qemuMonitorQueryMigrationCapabilities(mon, &err)))
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


/* ---- the save ----------------------------------------------------- */

/* Everything one save owns while it runs. */
typedef struct _qemuSaveJob qemuSaveJob;
struct _qemuSaveJob {
    const qemuSaveOptions *opts;
    const char *path;           /* final image path */
    char *tmpPath;              /* where it is written */
    char *dir;
    char *xml;                  /* domain XML for the image */
    gboolean wasRunning;        /* the vCPUs ran when the save began */
    gboolean paused;            /* this save paused them */
    int fd;                     /* buffered O_WRONLY */
    int directFd;               /* O_DIRECT O_WRONLY, or -1 */
    uint64_t offset;            /* stream start */
    int fdset;                  /* -1 until an add-fd succeeded */
    gboolean migrating;         /* migrate was accepted */
    gboolean created;           /* tmpPath exists and is ours */
    qemuMonitorMigrationParams savedParams;
    gboolean settingsChanged;
};


static void
qemuSaveJobClear(qemuSaveJob *job)
{
    vsFdClose(&job->fd);
    vsFdClose(&job->directFd);
    g_free(job->tmpPath);
    g_free(job->dir);
    g_free(job->xml);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuSaveJob, qemuSaveJobClear);


/* The domain XML stored in the image: the running definition, or @dxml
 * when it passes the ABI check against it. Runs under vm->lock. */
static char *
qemuSaveFormatXML(qemuDomainObj *vm,
                  const char *dxml,
                  GError **error)
{
    g_autoptr(vsDomainDef) newdef = NULL;
    const vsDomainDef *def = vm->def;
    unsigned int fmt = VS_DOMAIN_DEF_FORMAT_INACTIVE |
                       VS_DOMAIN_DEF_FORMAT_SECURE |
                       VS_DOMAIN_DEF_FORMAT_MIGRATABLE;

    if (dxml) {
        if (!(newdef = vsDomainDefParseString(dxml,
                                              VS_DOMAIN_DEF_PARSE_INACTIVE,
                                              error)) ||
            !vsDomainDefCheckABIStability(vm->def, newdef, error))
            return NULL;
        def = newdef;
    }
    return vsDomainDefFormat(def, -1, fmt, error);
}


/* Space the image will need. Guest pages that were never touched are
 * zero: the sparse format skips them and the raw format stores a marker
 * of a few bytes per page, so QEMU's resident set size bounds what is
 * written (it also counts QEMU's own memory, a harmless overestimate).
 * Without it, assume every guest page is written. */
static gboolean
qemuSaveEstimateSize(pid_t pid,
                     unsigned long long ramBytes,
                     unsigned long long *need)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
    g_autofree char *status = NULL;
    unsigned long long rss;

    if (pid > 0 && g_file_get_contents(path, &status, NULL, NULL) &&
        qemuSaveParseVmRSS(status, &rss)) {
        *need = MIN(rss, ramBytes) + QEMU_SAVE_SPACE_MARGIN;
        return TRUE;
    }
    *need = ramBytes + QEMU_SAVE_SPACE_MARGIN;
    return FALSE;
}


/* Target directory checks, before the guest is paused. */
static gboolean
qemuSaveCheckTarget(qemuDomainObj *vm,
                    qemuSaveJob *job,
                    unsigned long long ramBytes,
                    GError **error)
{
    struct statvfs sv;
    unsigned long long avail;
    unsigned long long need;

    if (access(job->dir, W_OK | X_OK) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot create save image '%s' of domain '%s'"),
                        job->path, vm->name);
        return FALSE;
    }
    if (g_file_test(job->path, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot save domain '%s': '%s' is a directory"),
                    vm->name, job->path);
        return FALSE;
    }

    if (job->opts->bypassCache &&
        !vsFileProbeDirectIO(job->dir, error)) {
        g_prefix_error(error, _("cannot bypass the cache for save image '%s': "),
                       job->path);
        return FALSE;
    }

    if (statvfs(job->dir, &sv) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot read the free space of '%s'"), job->dir);
        return FALSE;
    }
    avail = (unsigned long long) sv.f_bavail * sv.f_frsize;
    qemuSaveEstimateSize(vm->pid, ramBytes, &need);
    VS_DEBUG("domain '%s': save needs about %llu bytes, %llu available in '%s'",
             vm->name, need, avail, job->dir);
    if (avail < need) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("not enough free space in '%s' to save domain '%s': about %llu MiB needed, %llu MiB available"),
                    job->dir, vm->name, need >> 20, avail >> 20);
        return FALSE;
    }
    return TRUE;
}


/* Create the temporary image and write its header block: O_DIRECT when
 * bypassing the cache (one aligned pwrite), then open the buffered
 * descriptor QEMU's main channel uses. No lock held. */
static gboolean
qemuSaveCreateImage(qemuSaveJob *job,
                    GError **error)
{
    VS_AUTOALIGNED void *block = NULL;
    VS_AUTOCLOSE int first = -1;
    size_t memAlign = 0;
    size_t offAlign = 0;
    size_t align = QEMU_SAVE_ALIGN_MIN;
    size_t len;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;

    if (job->opts->bypassCache)
        flags |= O_DIRECT;
    if ((first = vsFileOpen(job->tmpPath, flags, 0600, error)) < 0)
        return FALSE;
    job->created = TRUE;

    if (job->opts->bypassCache &&
        vsFileGetDirectIOAlign(first, &memAlign, &offAlign))
        align = MAX(align, MAX(memAlign, offAlign));

    if (!(block = qemuSaveImageNewBlock(job->xml, NULL, job->opts->format,
                                        job->wasRunning, align, NULL, &len,
                                        error)))
        return FALSE;
    if (!vsFilePwriteFull(first, block, len, 0, error)) {
        g_prefix_error(error, _("cannot write the header of save image '%s': "),
                       job->tmpPath);
        return FALSE;
    }
    job->offset = len;

    if (job->opts->bypassCache) {
        job->directFd = vsFdSteal(&first);
        if ((job->fd = vsFileOpen(job->tmpPath, O_WRONLY | O_CLOEXEC, 0,
                                  error)) < 0)
            return FALSE;
    } else {
        job->fd = vsFdSteal(&first);
    }
    VS_DEBUG("created '%s': stream at 0x%" PRIx64 ", fd %d, direct fd %d",
             job->tmpPath, job->offset, job->fd, job->directFd);
    return TRUE;
}


/* Pass the descriptors to QEMU and start the migration. */
static gboolean
qemuSaveStartMigration(qemuDomainObj *vm,
                       qemuSaveJob *job,
                       GError **error)
{
    gboolean sparse = job->opts->format == QEMU_SAVE_FORMAT_SPARSE;
    g_autoptr(GPtrArray) sets = NULL;
    g_autofree char *uri = NULL;
    qemuMonitorAddFdInfo info = { -1, -1 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = (sets = qemuMonitorQueryFdsets(mon, error)) &&
         qemuMonitorAddFd(mon, qemuSavePickFdsetId(sets),
                          QEMU_SAVE_FD_OPAQUE_OUT, job->fd, &info, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    job->fdset = info.fdsetId;

    if (job->directFd >= 0) {
        if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
            return FALSE;
        ok = qemuMonitorAddFd(mon, job->fdset, QEMU_SAVE_FD_OPAQUE_OUT_DIRECT,
                              job->directFd, NULL, error);
        qemuDomainObjExitMonitor(vm, mon);
        if (!ok)
            return FALSE;
    }

    job->settingsChanged = TRUE;
    if (!qemuSaveSetupMigration(vm, sparse, job->opts->channels,
                                job->directFd >= 0, TRUE,
                                &job->savedParams, error))
        return FALSE;

    uri = qemuSaveBuildURI(job->fdset, job->offset);
    VS_INFO("domain '%s': saving to '%s' (%s, %u channel(s)%s) via %s",
            vm->name, job->path, qemuSaveFormatTypeToString(job->opts->format),
            job->opts->channels, job->directFd >= 0 ? ", direct I/O" : "",
            uri);

    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorMigrate(mon, uri, error);
    qemuDomainObjExitMonitor(vm, mon);
    job->migrating = ok;
    return ok;
}


/* Abort hook: runs on the client's thread without vm->lock. */
static void
qemuSaveAbort(qemuDomainObj *vm,
              gpointer opaque G_GNUC_UNUSED)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;

    qemuDomainObjLock(vm);
    if (vm->mon && !vm->exited)
        mon = qemuMonitorRef(vm->mon);
    qemuDomainObjUnlock(vm);
    if (!mon)
        return;
    if (!qemuMonitorMigrateCancel(mon, &err))
        VS_WARN("domain '%s': migrate_cancel failed: %s",
                vm->name, err->message);
    qemuMonitorUnref(mon);
}


/* Sleep on vm->cond until the migration reaches a final status or QEMU
 * goes away; the MIGRATION events wake us. @timeoutMs 0: no limit. */
static gboolean
qemuSaveWaitFinal(qemuDomainObj *vm,
                  unsigned int timeoutMs,
                  GError **error)
{
    gint64 deadline = 0;

    if (timeoutMs)
        deadline = g_get_monotonic_time() +
                   (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;

    while (!qemuMonitorMigrationStatusIsFinal(vm->migrationStatus)) {
        if (!qemuDomainObjCheckAlive(vm, error))
            return FALSE;
        if (!qemuDomainObjWait(vm, deadline) &&
            !qemuMonitorMigrationStatusIsFinal(vm->migrationStatus)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT,
                        _("timed out waiting for the migration of domain '%s' to end"),
                        vm->name);
            return FALSE;
        }
    }
    return TRUE;
}


/* Copy QEMU's final counters into the job's statistics. */
static void
qemuSaveUpdateStats(qemuDomainObj *vm)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, NULL)))
        return;
    ok = qemuMonitorQueryMigrate(mon, &stats, NULL);
    qemuDomainObjExitMonitor(vm, mon);
    if (ok && vm->job.current)
        qemuDomainJobInfoUpdate(vm->job.current, &stats);
    qemuMonitorMigrationStatsClear(&stats);
}


/* The migration ended: turn its status into the save's result. */
static gboolean
qemuSaveCheckResult(qemuDomainObj *vm,
                    GError **error)
{
    g_autofree char *desc = NULL;

    switch (vm->migrationStatus) {
    case QEMU_MONITOR_MIGRATION_STATUS_COMPLETED:
        return TRUE;
    case QEMU_MONITOR_MIGRATION_STATUS_CANCELLED:
        if (!qemuDomainJobCheckAbort(vm, QEMU_SAVE_JOB_NAME, error))
            return FALSE;
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("job '%s' failed: migration was cancelled by QEMU"),
                    QEMU_SAVE_JOB_NAME);
        return FALSE;
    default:
        break;
    }

    desc = qemuSaveMigrationError(vm);
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("job '%s' failed: %s"), QEMU_SAVE_JOB_NAME,
                desc ? desc : _("unexpectedly failed"));
    return FALSE;
}


/* Data first, then the magic, then the name: a crash at any point
 * leaves either the old image or a complete new one under @path. */
static gboolean
qemuSaveFinishImage(qemuSaveJob *job,
                    GError **error)
{
    VS_AUTOCLOSE int fd = -1;

    if ((fd = vsFileOpen(job->tmpPath, O_RDWR | O_CLOEXEC, 0, error)) < 0 ||
        !vsFileSync(fd, error) ||
        !qemuSaveImageMarkComplete(fd, error) ||
        !vsFileSync(fd, error))
        goto error;
    if (close(vsFdSteal(&fd)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED, errno,
                        _("cannot close save image '%s'"), job->tmpPath);
        return FALSE;
    }
    if (rename(job->tmpPath, job->path) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED, errno,
                        _("cannot rename save image '%s' to '%s'"),
                        job->tmpPath, job->path);
        return FALSE;
    }
    job->created = FALSE;
    if (!vsFileSyncDir(job->dir, error))
        goto error;
    return TRUE;

 error:
    g_prefix_error(error, _("cannot complete save image '%s': "), job->path);
    return FALSE;
}


/* Undo a failed save; @vm locked, job owned. */
static void
qemuSaveRollback(qemuDomainObj *vm,
                 qemuSaveJob *job)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;

    if (job->migrating &&
        !qemuMonitorMigrationStatusIsFinal(vm->migrationStatus) &&
        (mon = qemuDomainObjEnterMonitor(vm, NULL))) {
        if (!qemuMonitorMigrateCancel(mon, &err))
            VS_WARN("domain '%s': migrate_cancel failed: %s",
                    vm->name, err->message);
        qemuDomainObjExitMonitor(vm, mon);
        g_clear_error(&err);
        if (!qemuSaveWaitFinal(vm, QEMU_SAVE_CANCEL_WAIT_MS, &err))
            VS_WARN("domain '%s': %s", vm->name, err->message);
        g_clear_error(&err);
    }
    if (job->fdset >= 0)
        qemuSaveRemoveFdset(vm, job->fdset);
    if (job->created && unlink(job->tmpPath) < 0 && errno != ENOENT)
        VS_WARN("cannot remove partial save image '%s': %s",
                job->tmpPath, g_strerror(errno));
    job->created = FALSE;
    if (job->settingsChanged)
        qemuSaveResetMigration(vm, &job->savedParams);

    if (!job->paused || !qemuDomainObjCheckAlive(vm, NULL))
        return;
    if ((mon = qemuDomainObjEnterMonitor(vm, NULL))) {
        gboolean ok = qemuMonitorCont(mon, &err);

        qemuDomainObjExitMonitor(vm, mon);
        if (ok) {
            qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                                  VS_DOMAIN_RUNNING_SAVE_CANCELED);
            return;
        }
        VS_WARN("domain '%s': cannot resume after a failed save: %s",
                vm->name, err->message);
    }
    qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_API_ERROR);
}


/* Pause the vCPUs if they run. */
static gboolean
qemuSavePause(qemuDomainObj *vm,
              qemuSaveJob *job,
              GError **error)
{
    qemuMonitor *mon;
    gboolean ok;

    job->wasRunning = vm->state == VS_DOMAIN_RUNNING;
    if (!job->wasRunning)
        return TRUE;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorStop(mon, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    job->paused = TRUE;
    qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_SAVE);
    return TRUE;
}


/* Everything between pausing and the complete image; @vm locked. */
static gboolean
qemuSaveRunLocked(qemuDomainObj *vm,
                  qemuSaveJob *job,
                  GError **error)
{
    gboolean ok;

    if (!qemuSavePause(vm, job, error))
        return FALSE;
    if (job->opts->running >= 0)
        job->wasRunning = job->opts->running;

    qemuDomainObjUnlock(vm);
    ok = qemuSaveCreateImage(job, error);
    qemuDomainObjLock(vm);
    if (!ok || !qemuSaveStartMigration(vm, job, error))
        return FALSE;

    qemuDomainJobSetAbortFunc(vm, qemuSaveAbort, NULL);
    /* An abort requested before the hook was installed. */
    if (vm->job.abortRequested) {
        qemuDomainObjUnlock(vm);
        qemuSaveAbort(vm, NULL);
        qemuDomainObjLock(vm);
    }
    ok = qemuSaveWaitFinal(vm, 0, error);
    qemuDomainJobSetAbortFunc(vm, NULL, NULL);
    if (!ok)
        return FALSE;

    qemuSaveUpdateStats(vm);
    if (!qemuSaveCheckResult(vm, error))
        return FALSE;

    qemuDomainObjUnlock(vm);
    ok = qemuSaveFinishImage(job, error);
    qemuDomainObjLock(vm);
    return ok;
}


/* The successful end: QEMU no longer needs the image, stop it. */
static void
qemuSaveStopDomain(qemuDriver *driver,
                   qemuDomainObj *vm,
                   qemuSaveJob *job)
{
    qemuSaveRemoveFdset(vm, job->fdset);
    job->fdset = -1;
    qemuSaveResetMigration(vm, &job->savedParams);
    qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_SAVED, 0);
    if (!job->opts->path)
        vm->hasManagedSave = TRUE;
    if (!vm->persistent)
        qemuDomainObjListRemove(driver->domains, vm);
}


/* Inside the job: checks, then the save itself. */
static gboolean
qemuSaveInJob(qemuDriver *driver,
              qemuDomainObj *vm,
              qemuSaveJob *job,
              GError **error)
{
    unsigned long long ram;

    if (!qemuDomainObjCheckActive(vm, error))
        return FALSE;
    if (vm->caps &&
        !qemuSaveCheckQemuCaps(vm->caps, job->opts->format,
                               job->opts->bypassCache, error))
        return FALSE;
    if (!(job->xml = qemuSaveFormatXML(vm, job->opts->dxml, error)))
        return FALSE;
    ram = vm->def->maxMemory * 1024;

    qemuDomainObjUnlock(vm);
    if (!qemuSaveCheckTarget(vm, job, ram, error)) {
        qemuDomainObjLock(vm);
        return FALSE;
    }
    qemuDomainObjLock(vm);

    if (!qemuSaveRunLocked(vm, job, error)) {
        qemuSaveRollback(vm, job);
        return FALSE;
    }
    qemuSaveStopDomain(driver, vm, job);
    return TRUE;
}


/* Save the domain @uuid as @opts says; @path NULL: managed save. */
static gboolean
qemuSaveRun(qemuDriver *driver,
            const unsigned char *uuid,
            const qemuSaveOptions *opts,
            GError **error)
{
    qemuDomainObj *vm;
    g_auto(qemuSaveJob) job = { 0 };
    g_autofree char *managed = NULL;
    gint64 start = g_get_monotonic_time();
    gboolean ok;

    job.opts = opts;
    job.fd = -1;
    job.directFd = -1;
    job.fdset = -1;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!opts->path) {
        if (!vm->persistent) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        _("cannot do managed save for transient domain '%s'"),
                        vm->name);
            qemuDomainObjEndAPI(&vm);
            return FALSE;
        }
        managed = qemuDriverConfigManagedSavePath(driver->config, vm->name);
    }
    job.path = opts->path ? opts->path : managed;
    job.dir = g_path_get_dirname(job.path);
    /* Unique per call; O_EXCL still guards the creation. */
    job.tmpPath = g_strdup_printf("%s.%d.%" G_GINT64_FORMAT ".part",
                                  job.path, (int) getpid(), start);

    if (!qemuDomainJobBegin(vm, QEMU_JOB_ASYNC, VS_DOMAIN_JOB_OPERATION_SAVE,
                            error)) {
        qemuDomainObjEndAPI(&vm);
        return FALSE;
    }

    ok = qemuSaveInJob(driver, vm, &job, error);
    qemuDomainJobSetResult(vm, ok ? VS_DOMAIN_JOB_COMPLETED :
                           vm->job.abortRequested ? VS_DOMAIN_JOB_CANCELLED :
                           VS_DOMAIN_JOB_FAILED);
    qemuDomainJobEnd(vm);
    VS_INFO("domain '%s': save to '%s' %s after %" G_GINT64_FORMAT " ms",
            vm->name, job.path, ok ? "completed" : "failed",
            (g_get_monotonic_time() - start) / 1000);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/**
 * qemuSaveDomainParams:
 * @driver: the driver
 * @uuid: the domain
 * @params: "file", "dxml", "image_format", "parallel.channels"
 * @flags: vsDomainSaveRestoreFlags
 * @error: return location for a #GError
 *
 * Saves a running domain and stops it. Without "file" this is a managed
 * save (and the other parameters are ignored, as libvirt does).
 *
 * Returns: TRUE, or FALSE with @error set (the domain then runs or is
 * paused as before, and no image or temporary file is left).
 */
gboolean
qemuSaveDomainParams(qemuDriver *driver,
                     const unsigned char *uuid,
                     const vsTypedParamList *params,
                     unsigned int flags,
                     GError **error)
{
    const qemuDriverConfig *cfg = driver->config;
    qemuSaveOptions opts;

    if (!vsTypedParamListFind(params, VS_DOMAIN_SAVE_PARAM_FILE))
        return qemuSaveManagedSave(driver, uuid, flags, error);

    if (!qemuSaveParseOptions(params, flags, cfg->saveImageFormat,
                              cfg->saveParallelChannels, &opts, error))
        return FALSE;
    return qemuSaveRun(driver, uuid, &opts, error);
}


/**
 * qemuSaveManagedSave:
 * @driver: the driver
 * @uuid: a persistent, running domain
 * @flags: vsDomainSaveRestoreFlags
 * @error: return location for a #GError
 *
 * Saves to <saveDir>/<name>.save in the configured format with one
 * channel; the next start restores it.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveManagedSave(qemuDriver *driver,
                    const unsigned char *uuid,
                    unsigned int flags,
                    GError **error)
{
    const qemuDriverConfig *cfg = driver->config;
    qemuSaveOptions opts;

    if (cfg->autoSaveBypassCache)
        flags |= VS_DOMAIN_SAVE_BYPASS_CACHE;
    if (!qemuSaveParseOptions(NULL, flags, cfg->saveImageFormat, 1,
                              &opts, error))
        return FALSE;
    return qemuSaveRun(driver, uuid, &opts, error);
}


/* ---- job statistics and abort ------------------------------------- */

/* Ask QEMU for the progress of a running save or restore. */
static void
qemuSaveRefreshJobStats(qemuDomainObj *vm)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    gint64 started = vm->job.started;
    gboolean ok;

    if (!vm->mon || vm->exited)
        return;
    mon = qemuMonitorRef(vm->mon);
    qemuDomainObjUnlock(vm);
    ok = qemuMonitorQueryMigrate(mon, &stats, NULL);
    qemuMonitorUnref(mon);
    qemuDomainObjLock(vm);

    /* The job may have ended while the lock was dropped. */
    if (ok && vm->job.current && vm->job.started == started &&
        stats.status != QEMU_MONITOR_MIGRATION_STATUS_NONE)
        qemuDomainJobInfoUpdate(vm->job.current, &stats);
    qemuMonitorMigrationStatsClear(&stats);
}


/**
 * qemuSaveGetJobStats:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainGetJobStatsFlags
 * @type: return location for a vsDomainJobType
 * @params: return location for the statistics (transfer full)
 * @error: return location for a #GError
 *
 * The running save, restore or start, with fresh counters from QEMU; or
 * with COMPLETED the statistics of the last finished one (forgotten
 * after this call unless KEEP_COMPLETED).
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveGetJobStats(qemuDriver *driver,
                    const unsigned char *uuid,
                    unsigned int flags,
                    int *type,
                    vsTypedParamList **params,
                    GError **error)
{
    qemuDomainObj *vm;
    unsigned int known = VS_DOMAIN_JOB_STATS_COMPLETED |
                         VS_DOMAIN_JOB_STATS_KEEP_COMPLETED;

    if (flags & ~known) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x)"), flags & ~known);
        return FALSE;
    }
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;

    if (flags & VS_DOMAIN_JOB_STATS_COMPLETED) {
        if (vm->job.completed) {
            *type = vm->job.completed->type;
            *params = qemuDomainJobInfoToParams(vm->job.completed);
            if (!(flags & VS_DOMAIN_JOB_STATS_KEEP_COMPLETED))
                g_clear_pointer(&vm->job.completed, qemuDomainJobInfoFree);
        } else {
            *type = VS_DOMAIN_JOB_NONE;
            *params = vsTypedParamListNew();
        }
        qemuDomainObjEndAPI(&vm);
        return TRUE;
    }

    if (vm->job.kind == QEMU_JOB_ASYNC && vm->job.current &&
        (vm->job.operation == VS_DOMAIN_JOB_OPERATION_SAVE ||
         vm->job.operation == VS_DOMAIN_JOB_OPERATION_RESTORE))
        qemuSaveRefreshJobStats(vm);

    if (vm->job.kind == QEMU_JOB_ASYNC && vm->job.current) {
        *type = vm->job.current->type;
        *params = qemuDomainJobInfoToParams(vm->job.current);
    } else {
        *type = VS_DOMAIN_JOB_NONE;
        *params = vsTypedParamListNew();
    }
    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuSaveAbortJob:
 * @driver: the driver
 * @uuid: the domain
 * @flags: none supported
 * @error: return location for a #GError
 *
 * Asks a running save (or restore) to stop: migrate_cancel; the save
 * then fails with "operation aborted" and the guest runs again.
 *
 * Returns: TRUE once the request is delivered, FALSE with @error set.
 */
gboolean
qemuSaveAbortJob(qemuDriver *driver,
                 const unsigned char *uuid,
                 unsigned int flags,
                 GError **error)
{
    qemuDomainObj *vm;
    gboolean ok;

    if (flags) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x)"), flags);
        return FALSE;
    }
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    ok = qemuDomainObjCheckActive(vm, error) &&
         qemuDomainJobRequestAbort(vm, error);
    qemuDomainObjEndAPI(&vm);
    return ok;
}
