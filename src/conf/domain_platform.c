/*
 * domain_platform.c: firmware, <smm>, <hyperv>, clock timers, <vcpu current>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parts of the machine that are not devices: which firmware runs
 * (<os firmware>, <loader>, <nvram>), System Management Mode, the
 * Hyper-V enlightenments and the timers. Choosing a firmware image from
 * QEMU's firmware descriptors needs files and is done by the driver
 * (src/qemu/qemu_firmware.c); this file only keeps what the XML says.
 * docs/formatdomain.md maps each element to QEMU.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include "vserror.h"
#include "vsinternal.h"

VS_ENUM_IMPL(vsDomainOSFirmware, VS_DOMAIN_OS_FIRMWARE_LAST,
             NULL, "bios", "efi");
VS_ENUM_IMPL(vsDomainLoaderType, VS_DOMAIN_LOADER_TYPE_LAST,
             NULL, "rom", "pflash");
VS_ENUM_IMPL(vsDomainTimerName, VS_DOMAIN_TIMER_LAST,
             "rtc", "pit", "hpet", "hypervclock", "kvmclock");
VS_ENUM_IMPL(vsDomainTimerTickPolicy, VS_DOMAIN_TIMER_TICK_LAST,
             NULL, "delay", "catchup", "merge", "discard");
VS_ENUM_IMPL(vsDomainHypervFeature, VS_DOMAIN_HYPERV_LAST,
             "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic",
             "stimer", "reset", "frequencies", "reenlightenment", "tlbflush",
             "ipi");

/* Hyper-V spinlock retries: QEMU and libvirt accept at least 4095. */
#define VS_HYPERV_SPINLOCKS_MIN 4095


/**
 * vsDomainTimerDefFree:
 * @timer: (nullable): a timer
 */
void
vsDomainTimerDefFree(vsDomainTimerDef *timer)
{
    g_free(timer);
}


/**
 * vsDomainFirmwareDefClear:
 * @fw: firmware settings
 *
 * Frees the paths @fw holds.
 */
void
vsDomainFirmwareDefClear(vsDomainFirmwareDef *fw)
{
    g_clear_pointer(&fw->loader, g_free);
    g_clear_pointer(&fw->nvram, g_free);
    g_clear_pointer(&fw->nvramTemplate, g_free);
}


/* ---- parsing ------------------------------------------------------------ */

/**
 * vsDomainParseOSFirmwareAttr:
 * @st: parse state
 * @os: the <os> element
 * @error: return location for a #GError
 *
 * Reads <os firmware='bios|efi'>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseOSFirmwareAttr(vsDomainParseState *st,
                            xmlNodePtr os,
                            GError **error)
{
    return VS_XML_GET_ENUM(os, "firmware", vsDomainOSFirmware, FALSE,
                           st->def->fw.firmware, error);
}


static gboolean
vsDomainParseFirmwareFeature(vsDomainParseState *st,
                             void *obj G_GNUC_UNUSED,
                             xmlNodePtr node,
                             GError **error)
{
    static const char *const attrs[] = { "enabled", "name", NULL };
    vsDomainFirmwareDef *fw = &st->def->fw;
    g_autofree char *name = vsXMLGetAttr(node, "name");
    vsDomainTristate *field;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!name) {
        vsXMLErrorMissingAttr(node, "name", error);
        return FALSE;
    }
    if (g_str_equal(name, "secure-boot")) {
        field = &fw->secureBoot;
    } else if (g_str_equal(name, "enrolled-keys")) {
        field = &fw->enrolledKeys;
    } else {
        vsXMLErrorBadValue(node, "name", name, error);
        return FALSE;
    }
    return VS_XML_GET_ENUM(node, "enabled", vsDomainTristateYesNo, TRUE,
                           *field, error);
}


/**
 * vsDomainParseOSFirmware:
 *
 * Reads <os><firmware> with its <feature enabled name> children.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseOSFirmware(vsDomainParseState *st,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "feature", vsDomainParseFirmwareFeature, TRUE },
    };

    return vsXMLCheckAttrs(node, NULL, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


static gboolean
vsDomainParseRawFormat(xmlNodePtr node,
                       const char *name,
                       GError **error)
{
    g_autofree char *format = vsXMLGetAttr(node, name);

    /* Only raw firmware images are supported. */
    if (format && !g_str_equal(format, "raw")) {
        vsXMLErrorBadValue(node, name, format, error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseAbsPath(xmlNodePtr node,
                     char **field,
                     GError **error)
{
    char *text = vsXMLGetText(node, error);

    if (!text)
        return FALSE;
    g_strstrip(text);
    g_free(*field);
    *field = text;
    if (!**field) {
        g_clear_pointer(field, g_free);
        return TRUE;
    }
    if (!g_path_is_absolute(*field)) {
        g_autofree char *path = vsXMLNodePath(node);

        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("path '%s' in element '%s' must be absolute"),
                    *field, path);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseLoader:
 *
 * Reads <loader readonly secure type format>PATH</loader>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseLoader(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = {
        "readonly", "secure", "type", "format", NULL,
    };
    vsDomainFirmwareDef *fw = &st->def->fw;

    return vsXMLCheckAttrs(node, attrs, error) &&
        VS_XML_GET_ENUM(node, "readonly", vsDomainTristateYesNo, FALSE,
                        fw->loaderReadonly, error) &&
        VS_XML_GET_ENUM(node, "secure", vsDomainTristateYesNo, FALSE,
                        fw->loaderSecure, error) &&
        VS_XML_GET_ENUM(node, "type", vsDomainLoaderType, FALSE,
                        fw->loaderType, error) &&
        vsDomainParseRawFormat(node, "format", error) &&
        vsDomainParseAbsPath(node, &fw->loader, error);
}


/**
 * vsDomainParseNVRAM:
 *
 * Reads <nvram template templateFormat format>PATH</nvram>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseNVRAM(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = {
        "template", "templateFormat", "format", NULL,
    };
    vsDomainFirmwareDef *fw = &st->def->fw;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !vsDomainParseRawFormat(node, "format", error) ||
        !vsDomainParseRawFormat(node, "templateFormat", error) ||
        !vsDomainParseAbsPath(node, &fw->nvram, error))
        return FALSE;
    g_free(fw->nvramTemplate);
    fw->nvramTemplate = vsXMLGetAttr(node, "template");
    if (fw->nvramTemplate && !g_path_is_absolute(fw->nvramTemplate)) {
        vsXMLErrorBadValue(node, "template", fw->nvramTemplate, error);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseSMM:
 *
 * Reads <features><smm state='on|off'/>; <smm/> means on.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseSMM(vsDomainParseState *st,
                 void *obj G_GNUC_UNUSED,
                 xmlNodePtr node,
                 GError **error)
{
    static const char *const attrs[] = { "state", NULL };

    st->def->smm = VS_DOMAIN_TRISTATE_ON;
    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "state", vsDomainTristateOnOff, FALSE,
                        st->def->smm, error);
}


static gboolean
vsDomainParseHypervFeature(vsDomainParseState *st,
                           void *obj G_GNUC_UNUSED,
                           xmlNodePtr node,
                           GError **error)
{
    static const char *const attrs[] = { "state", NULL };
    static const char *const spinAttrs[] = { "state", "retries", NULL };
    vsDomainHypervDef *hv = &st->def->hyperv;
    int feature = vsDomainHypervFeatureTypeFromString((const char *) node->name);
    gboolean spin = feature == VS_DOMAIN_HYPERV_SPINLOCKS;

    g_assert(feature >= 0);
    if (!vsXMLCheckAttrs(node, spin ? spinAttrs : attrs, error) ||
        !vsXMLCheckEmpty(node, error) ||
        !VS_XML_GET_ENUM(node, "state", vsDomainTristateOnOff, TRUE,
                         hv->state[feature], error))
        return FALSE;
    if (spin && hv->state[feature] == VS_DOMAIN_TRISTATE_ON) {
        if (!vsXMLGetUIntAttr(node, "retries", G_MAXUINT, TRUE,
                              &hv->spinlockRetries, error))
            return FALSE;
        if (hv->spinlockRetries < VS_HYPERV_SPINLOCKS_MIN) {
            g_autofree char *num = g_strdup_printf("%u", hv->spinlockRetries);

            vsXMLErrorBadValue(node, "retries", num, error);
            return FALSE;
        }
    }
    return TRUE;
}


/**
 * vsDomainParseHyperv:
 *
 * Reads <features><hyperv mode='custom'> and the on/off enlightenments
 * in vsDomainHypervFeature.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseHyperv(vsDomainParseState *st,
                    void *obj,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "mode", NULL };
    vsDomainChildHandler handlers[VS_DOMAIN_HYPERV_LAST];
    g_autofree char *mode = vsXMLGetAttr(node, "mode");
    size_t i;

    for (i = 0; i < VS_DOMAIN_HYPERV_LAST; i++) {
        handlers[i].name = vsDomainHypervFeatureTypeToString(i);
        handlers[i].parse = vsDomainParseHypervFeature;
        handlers[i].repeatable = FALSE;
    }
    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (mode && !g_str_equal(mode, "custom")) {
        vsXMLErrorBadValue(node, "mode", mode, error);
        return FALSE;
    }
    st->def->hyperv.present = TRUE;
    return vsDomainParseChildren(st, obj, node, handlers,
                                 G_N_ELEMENTS(handlers), error);
}


/**
 * vsDomainParseTimer:
 *
 * Reads <clock><timer name present tickpolicy/>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseTimer(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = {
        "name", "present", "tickpolicy", NULL,
    };
    g_autofree vsDomainTimerDef *timer = g_new0(vsDomainTimerDef, 1);
    size_t i;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !vsXMLCheckEmpty(node, error) ||
        !VS_XML_GET_ENUM(node, "name", vsDomainTimerName, TRUE, timer->name,
                         error) ||
        !VS_XML_GET_ENUM(node, "present", vsDomainTristateYesNo, FALSE,
                         timer->present, error) ||
        !VS_XML_GET_ENUM(node, "tickpolicy", vsDomainTimerTickPolicy, FALSE,
                         timer->tickpolicy, error))
        return FALSE;

    for (i = 0; i < st->def->timers->len; i++) {
        vsDomainTimerDef *other = g_ptr_array_index(st->def->timers, i);

        if (other->name == timer->name) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("timer '%s' is listed more than once"),
                        vsDomainTimerNameTypeToString(timer->name));
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->timers, g_steal_pointer(&timer));
    return TRUE;
}


/* ---- checks after parsing --------------------------------------------- */

static gboolean
vsDomainDefCheckTimers(const vsDomainDef *def,
                       GError **error)
{
    size_t i;

    for (i = 0; i < def->timers->len; i++) {
        vsDomainTimerDef *timer = g_ptr_array_index(def->timers, i);
        gboolean ok;

        /* What QEMU can do with each timer: the RTC catches up or not,
         * the PIT delays or discards lost ticks, the others are only
         * present or absent. */
        switch (timer->name) {
        case VS_DOMAIN_TIMER_RTC:
            ok = timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DEFAULT ||
                timer->tickpolicy == VS_DOMAIN_TIMER_TICK_CATCHUP ||
                timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DELAY;
            break;
        case VS_DOMAIN_TIMER_PIT:
            ok = timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DEFAULT ||
                timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DELAY ||
                timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DISCARD;
            break;
        case VS_DOMAIN_TIMER_HPET:
        case VS_DOMAIN_TIMER_HYPERVCLOCK:
        case VS_DOMAIN_TIMER_KVMCLOCK:
        case VS_DOMAIN_TIMER_LAST:
        default:
            ok = timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DEFAULT;
            break;
        }
        if (!ok) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("tickpolicy '%s' of timer '%s' is not supported"),
                        vsDomainTimerTickPolicyTypeToString(timer->tickpolicy),
                        vsDomainTimerNameTypeToString(timer->name));
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainDefCheckFirmware(vsDomainDef *def,
                         GError **error)
{
    vsDomainFirmwareDef *fw = &def->fw;

    if (fw->loader && fw->loaderType == VS_DOMAIN_LOADER_TYPE_DEFAULT)
        fw->loaderType = VS_DOMAIN_LOADER_TYPE_PFLASH;
    if ((fw->nvram || fw->nvramTemplate) &&
        fw->loaderType == VS_DOMAIN_LOADER_TYPE_ROM) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("an <nvram> needs a <loader> of type 'pflash'"));
        return FALSE;
    }
    if (fw->firmware == VS_DOMAIN_OS_FIRMWARE_BIOS &&
        (fw->loaderType == VS_DOMAIN_LOADER_TYPE_PFLASH || fw->nvram)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("firmware 'bios' cannot use a pflash <loader> or an <nvram>"));
        return FALSE;
    }
    if (fw->loaderSecure == VS_DOMAIN_TRISTATE_ON &&
        def->smm == VS_DOMAIN_TRISTATE_OFF) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a secure <loader> needs <smm state='on'/>"));
        return FALSE;
    }
    /* libvirt turns SMM on for a secure loader. */
    if (fw->loaderSecure == VS_DOMAIN_TRISTATE_ON)
        def->smm = VS_DOMAIN_TRISTATE_ON;
    if (def->smm == VS_DOMAIN_TRISTATE_ON &&
        def->os.family != VS_DOMAIN_MACHINE_Q35) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("<smm> is only supported on q35 machines"));
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainDefSetupPlatform:
 * @def: a definition fresh from the parser, machine family known
 * @error: return location for a #GError
 *
 * Checks the firmware, SMM, timer and vCPU settings against each other.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDefSetupPlatform(vsDomainDef *def,
                         GError **error)
{
    if (def->vcpusCurrent > def->vcpus) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("current vCPU count %u exceeds the maximum %u"),
                    def->vcpusCurrent, def->vcpus);
        return FALSE;
    }
    /* Like libvirt, start with @vcpusCurrent online and the rest
     * present as hot-pluggable slots; absent means all online. */
    if (def->vcpusCurrent == 0)
        def->vcpusCurrent = def->vcpus;
    return vsDomainDefCheckFirmware(def, error) &&
        vsDomainDefCheckTimers(def, error);
}


/* ---- formatting ---------------------------------------------------------- */

/**
 * vsDomainFormatFirmwareResolved:
 * @ctxt: format context
 *
 * Migratable XML (save images) names the chosen loader only, without
 * the <os firmware> request that chose it, as libvirt writes it.
 *
 * Returns: TRUE when the request is left out.
 */
gboolean
vsDomainFormatFirmwareResolved(const vsDomainFormatCtxt *ctxt)
{
    return (ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE) &&
        ctxt->def->fw.loader;
}


/**
 * vsDomainFormatFirmware:
 * @ctxt: format context
 *
 * Writes <firmware>, <loader> and <nvram> inside <os>.
 */
void
vsDomainFormatFirmware(vsDomainFormatCtxt *ctxt)
{
    const vsDomainFirmwareDef *fw = &ctxt->def->fw;
    GString *buf = ctxt->buf;

    if ((fw->secureBoot || fw->enrolledKeys) &&
        !vsDomainFormatFirmwareResolved(ctxt)) {
        vsBufLine(buf, 2, "<firmware>");
        if (fw->enrolledKeys)
            vsBufLine(buf, 3, "<feature enabled='%s' name='enrolled-keys'/>",
                      vsDomainTristateYesNoTypeToString(fw->enrolledKeys));
        if (fw->secureBoot)
            vsBufLine(buf, 3, "<feature enabled='%s' name='secure-boot'/>",
                      vsDomainTristateYesNoTypeToString(fw->secureBoot));
        vsBufLine(buf, 2, "</firmware>");
    }
    if (fw->loader) {
        g_autofree char *esc = g_markup_escape_text(fw->loader, -1);

        vsBufIndent(buf, 2);
        g_string_append(buf, "<loader");
        vsBufAttr(buf, "readonly",
                  vsDomainTristateYesNoTypeToString(fw->loaderReadonly));
        vsBufAttr(buf, "secure",
                  vsDomainTristateYesNoTypeToString(fw->loaderSecure));
        vsBufAttr(buf, "type", vsDomainLoaderTypeTypeToString(fw->loaderType));
        g_string_append_printf(buf, " format='raw'>%s</loader>\n", esc);
    }
    if (fw->nvram || fw->nvramTemplate) {
        vsBufIndent(buf, 2);
        g_string_append(buf, "<nvram");
        vsBufAttr(buf, "template", fw->nvramTemplate);
        if (fw->nvramTemplate)
            g_string_append(buf, " templateFormat='raw'");
        if (fw->nvram) {
            g_autofree char *esc = g_markup_escape_text(fw->nvram, -1);

            g_string_append_printf(buf, " format='raw'>%s</nvram>\n", esc);
        } else {
            g_string_append(buf, "/>\n");
        }
    }
}


/**
 * vsDomainFormatPlatformFeatures:
 * @ctxt: format context
 *
 * Writes <hyperv> inside <features>.
 */
void
vsDomainFormatPlatformFeatures(vsDomainFormatCtxt *ctxt)
{
    const vsDomainHypervDef *hv = &ctxt->def->hyperv;
    GString *buf = ctxt->buf;
    size_t i;

    if (!hv->present)
        return;
    vsBufLine(buf, 2, "<hyperv mode='custom'>");
    for (i = 0; i < VS_DOMAIN_HYPERV_LAST; i++) {
        const char *state = vsDomainTristateOnOffTypeToString(hv->state[i]);

        if (!state)
            continue;
        if (i == VS_DOMAIN_HYPERV_SPINLOCKS &&
            hv->state[i] == VS_DOMAIN_TRISTATE_ON)
            vsBufLine(buf, 3, "<spinlocks state='on' retries='%u'/>",
                      hv->spinlockRetries);
        else
            vsBufLine(buf, 3, "<%s state='%s'/>",
                      vsDomainHypervFeatureTypeToString(i), state);
    }
    vsBufLine(buf, 2, "</hyperv>");
}


/**
 * vsDomainFormatTimers:
 * @ctxt: format context
 *
 * Writes <clock> with its timers.
 */
void
vsDomainFormatTimers(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;
    size_t i;

    if (def->timers->len == 0) {
        vsBufLine(buf, 1, "<clock offset='%s'/>",
                  vsDomainClockOffsetTypeToString(def->clockOffset));
        return;
    }
    vsBufLine(buf, 1, "<clock offset='%s'>",
              vsDomainClockOffsetTypeToString(def->clockOffset));
    for (i = 0; i < def->timers->len; i++) {
        vsDomainTimerDef *timer = g_ptr_array_index(def->timers, i);

        vsBufIndent(buf, 2);
        g_string_append_printf(buf, "<timer name='%s'",
                               vsDomainTimerNameTypeToString(timer->name));
        vsBufAttr(buf, "tickpolicy",
                  vsDomainTimerTickPolicyTypeToString(timer->tickpolicy));
        vsBufAttr(buf, "present",
                  vsDomainTristateYesNoTypeToString(timer->present));
        g_string_append(buf, "/>\n");
    }
    vsBufLine(buf, 1, "</clock>");
}


/* ---- ABI ------------------------------------------------------------------ */

static gboolean
vsDomainTimersEqual(const vsDomainDef *src,
                    const vsDomainDef *dst)
{
    size_t i;

    if (src->timers->len != dst->timers->len)
        return FALSE;
    for (i = 0; i < src->timers->len; i++) {
        vsDomainTimerDef *a = g_ptr_array_index(src->timers, i);
        vsDomainTimerDef *b = g_ptr_array_index(dst->timers, i);

        if (a->name != b->name || a->present != b->present ||
            a->tickpolicy != b->tickpolicy)
            return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainDefCheckPlatformABI:
 * @src: the definition a guest runs (or was saved) with
 * @dst: a replacement definition
 * @error: return location for a #GError
 *
 * The firmware code, SMM, the enlightenments and the timers are what
 * the guest sees; the NVRAM file and its template may move.
 *
 * Returns: TRUE when @dst keeps @src's guest ABI.
 */
gboolean
vsDomainDefCheckPlatformABI(const vsDomainDef *src,
                            const vsDomainDef *dst,
                            GError **error)
{
    /* <os firmware> only asks for a loader; libvirt leaves it out of
     * migratable XML once the loader is chosen. */
    if (g_strcmp0(src->fw.loader, dst->fw.loader) != 0 ||
        src->fw.loaderType != dst->fw.loaderType) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("Target firmware loader '%s' does not match source '%s'"),
                    dst->fw.loader ? dst->fw.loader : "",
                    src->fw.loader ? src->fw.loader : "");
        return FALSE;
    }
    if (src->smm != dst->smm ||
        memcmp(&src->hyperv, &dst->hyperv, sizeof(src->hyperv)) != 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("Target domain features do not match source"));
        return FALSE;
    }
    if (!vsDomainTimersEqual(src, dst)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("Target domain timers do not match source"));
        return FALSE;
    }
    return TRUE;
}
