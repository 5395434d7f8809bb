/*
 * domain_devices.c: displays, video, sound, channels, USB and virtio
 * input, USB redirection, watchdogs and TPMs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The devices a desktop or server guest made by virt-install has beside
 * its disks and network cards. Each follows libvirt's meaning and
 * defaults: the same implicit <audio> backend and ICH9 watchdog, the
 * same virtio-serial and USB port numbers, the same aliases, so that the
 * same XML builds the same QEMU devices under both. docs/formatdomain.md
 * maps each element to its QEMU arguments.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include "vserror.h"
#include "vsinternal.h"

VS_ENUM_IMPL(vsDomainGraphics, VS_DOMAIN_GRAPHICS_LAST,
             "vnc", "spice");
VS_ENUM_IMPL(vsDomainGraphicsListen, VS_DOMAIN_GRAPHICS_LISTEN_LAST,
             "address", "socket", "none");
VS_ENUM_IMPL(vsDomainVideo, VS_DOMAIN_VIDEO_LAST,
             "virtio", "qxl", "vga", "bochs", "ramfb", "cirrus");
VS_ENUM_IMPL(vsDomainSound, VS_DOMAIN_SOUND_LAST,
             "ich9", "ich6", "ac97");
VS_ENUM_IMPL(vsDomainAudio, VS_DOMAIN_AUDIO_LAST,
             "none", "spice");
VS_ENUM_IMPL(vsDomainChannel, VS_DOMAIN_CHANNEL_LAST,
             "unix", "spicevmc");
VS_ENUM_IMPL(vsDomainInputBus, VS_DOMAIN_INPUT_BUS_LAST,
             "usb", "virtio");
VS_ENUM_IMPL(vsDomainInputDev, VS_DOMAIN_INPUT_DEV_LAST,
             "tablet", "mouse", "keyboard");
VS_ENUM_IMPL(vsDomainWatchdog, VS_DOMAIN_WATCHDOG_LAST,
             "itco", "i6300esb");
VS_ENUM_IMPL(vsDomainTPMModel, VS_DOMAIN_TPM_MODEL_LAST,
             "tpm-tis", "tpm-crb");
VS_ENUM_IMPL(vsDomainWatchdogAction, VS_DOMAIN_WATCHDOG_ACTION_LAST,
             "reset", "shutdown", "poweroff", "pause", "none", "inject-nmi");

/* USB ports of the controllers: PIIX3 UHCI has two, qemu-xhci four
 * unless <controller ports> says otherwise. */
#define VS_USB_UHCI_PORTS 2
#define VS_USB_EHCI_PORTS 6
#define VS_USB_XHCI_PORTS 4

/* Where the ICH9 HD Audio function sits on q35 (00:1b.0). */
#define VS_PCI_Q35_HDA_SLOT 0x1b


static void
vsDomainGraphicsDefFree(vsDomainGraphicsDef *gfx)
{
    if (!gfx)
        return;
    g_free(gfx->listenAddress);
    g_free(gfx->socket);
    g_free(gfx->passwd);
    g_free(gfx->keymap);
    g_free(gfx->imageCompression);
    g_free(gfx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainGraphicsDef, vsDomainGraphicsDefFree);


static void
vsDomainVideoDefFree(vsDomainVideoDef *video)
{
    if (!video)
        return;
    g_free(video->info.alias);
    g_free(video);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainVideoDef, vsDomainVideoDefFree);


static void
vsDomainSoundDefFree(vsDomainSoundDef *sound)
{
    if (!sound)
        return;
    g_free(sound->info.alias);
    g_free(sound);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainSoundDef, vsDomainSoundDefFree);


static void
vsDomainChannelDefFree(vsDomainChannelDef *chan)
{
    if (!chan)
        return;
    g_free(chan->path);
    g_free(chan->name);
    g_free(chan->info.alias);
    g_free(chan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainChannelDef, vsDomainChannelDefFree);


static void
vsDomainRedirdevDefFree(vsDomainRedirdevDef *redir)
{
    if (!redir)
        return;
    g_free(redir->info.alias);
    g_free(redir);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainRedirdevDef, vsDomainRedirdevDefFree);


static void
vsDomainInputDevDefFree(vsDomainInputDevDef *input)
{
    if (!input)
        return;
    g_free(input->info.alias);
    g_free(input);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainInputDevDef, vsDomainInputDevDefFree);


static void
vsDomainWatchdogDefFree(vsDomainWatchdogDef *wd)
{
    if (!wd)
        return;
    g_free(wd->info.alias);
    g_free(wd);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainWatchdogDef, vsDomainWatchdogDefFree);


static void
vsDomainTPMDefFree(vsDomainTPMDef *tpm)
{
    if (!tpm)
        return;
    g_free(tpm->socket);
    g_free(tpm->info.alias);
    g_free(tpm);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainTPMDef, vsDomainTPMDefFree);


/**
 * vsDomainDefInitDevices:
 * @def: a new definition
 *
 * Creates the empty lists of the devices (and timers) kept here.
 */
void
vsDomainDefInitDevices(vsDomainDef *def)
{
    def->timers =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainTimerDefFree);
    def->graphics =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainGraphicsDefFree);
    def->videos =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainVideoDefFree);
    def->sounds =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainSoundDefFree);
    def->audios = g_ptr_array_new_with_free_func(g_free);
    def->channels =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainChannelDefFree);
    def->redirdevs =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainRedirdevDefFree);
    def->inputDevs =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainInputDevDefFree);
    def->watchdogs =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainWatchdogDefFree);
    def->tpms =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainTPMDefFree);
}


/**
 * vsDomainDefFreeDevices:
 * @def: a definition being freed
 *
 * Frees what vsDomainDefInitDevices() created and the firmware paths.
 */
void
vsDomainDefFreeDevices(vsDomainDef *def)
{
    vsDomainFirmwareDefClear(&def->fw);
    g_ptr_array_unref(def->timers);
    g_ptr_array_unref(def->graphics);
    g_ptr_array_unref(def->videos);
    g_ptr_array_unref(def->sounds);
    g_ptr_array_unref(def->audios);
    g_ptr_array_unref(def->channels);
    g_ptr_array_unref(def->redirdevs);
    g_ptr_array_unref(def->inputDevs);
    g_ptr_array_unref(def->watchdogs);
    g_ptr_array_unref(def->tpms);
}


/* ---- <graphics> --------------------------------------------------------- */

static gboolean
vsDomainParseGraphicsListen(vsDomainParseState *st,
                            void *obj,
                            xmlNodePtr node,
                            GError **error)
{
    static const char *const attrs[] = {
        "type", "address", "socket", "autoGenerated", "fromConfig", NULL,
    };
    vsDomainGraphicsDef *gfx = obj;
    g_autofree char *address = vsXMLGetAttr(node, "address");
    g_autofree char *sock = vsXMLGetAttr(node, "socket");
    g_autofree char *generated = vsXMLGetAttr(node, "autoGenerated");
    gboolean status = (st->flags & VS_DOMAIN_DEF_PARSE_STATUS) &&
        generated && g_str_equal(generated, "yes");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainGraphicsListen, TRUE,
                         gfx->listenType, error))
        return FALSE;
    if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS && address) {
        g_free(gfx->listenAddress);
        gfx->listenAddress = g_steal_pointer(&address);
        gfx->autoListen = status;
    }
    if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET && sock) {
        if (!g_path_is_absolute(sock)) {
            vsXMLErrorBadValue(node, "socket", sock, error);
            return FALSE;
        }
        g_free(gfx->socket);
        gfx->socket = g_steal_pointer(&sock);
        gfx->autoSocket = status;
    }
    return TRUE;
}


static gboolean
vsDomainParseGraphicsImage(vsDomainParseState *st G_GNUC_UNUSED,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    static const char *const attrs[] = { "compression", NULL };
    static const char *const values[] = {
        "auto_glz", "auto_lz", "quic", "glz", "lz", "off", NULL,
    };
    vsDomainGraphicsDef *gfx = obj;
    g_autofree char *value = vsXMLGetAttr(node, "compression");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (gfx->type != VS_DOMAIN_GRAPHICS_SPICE) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!value || !g_strv_contains(values, value)) {
        vsXMLErrorBadValue(node, "compression", value ? value : "", error);
        return FALSE;
    }
    g_free(gfx->imageCompression);
    gfx->imageCompression = g_steal_pointer(&value);
    return TRUE;
}


static gboolean
vsDomainParseGraphicsPorts(vsDomainParseState *st,
                           vsDomainGraphicsDef *gfx,
                           xmlNodePtr node,
                           GError **error)
{
    g_autofree char *port = vsXMLGetAttr(node, "port");
    g_autofree char *tlsPort = vsXMLGetAttr(node, "tlsPort");
    g_autofree char *autoport = vsXMLGetAttr(node, "autoport");
    gint64 val;

    if (port) {
        if (!g_ascii_string_to_signed(port, 10, -1, 65535, &val, NULL)) {
            vsXMLErrorBadNumber(node, "port", port, error);
            return FALSE;
        }
        gfx->port = val;
    }
    if (tlsPort && !g_str_equal(tlsPort, "-1")) {
        /* TLS needs certificates virtsave does not manage. */
        vsXMLErrorBadValue(node, "tlsPort", tlsPort, error);
        return FALSE;
    }
    if (autoport && !g_str_equal(autoport, "yes") &&
        !g_str_equal(autoport, "no")) {
        vsXMLErrorBadValue(node, "autoport", autoport, error);
        return FALSE;
    }
    /* libvirt: no port, or port -1, means autoport. */
    gfx->autoport = (autoport && g_str_equal(autoport, "yes")) ||
        (!autoport && gfx->port <= 0);
    if (gfx->autoport && !(st->flags & VS_DOMAIN_DEF_PARSE_STATUS))
        gfx->port = -1;
    if (!gfx->autoport && gfx->port < 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a <graphics> with autoport='no' needs a port"));
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseGraphics:
 *
 * Reads <graphics type='vnc|spice'> with its listen settings.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseGraphics(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = {
        "type", "port", "tlsPort", "autoport", "listen", "passwd", "keymap",
        "websocket", "socket", NULL,
    };
    static const vsDomainChildHandler handlers[] = {
        { "listen", vsDomainParseGraphicsListen, FALSE },
        { "image", vsDomainParseGraphicsImage, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
    };
    g_autoptr(vsDomainGraphicsDef) gfx = g_new0(vsDomainGraphicsDef, 1);
    unsigned int websocket = G_MAXUINT;
    size_t i;

    gfx->port = -1;
    gfx->tlsPort = -1;
    gfx->websocket = -1;
    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainGraphics, TRUE, gfx->type,
                         error) ||
        !vsDomainParseGraphicsPorts(st, gfx, node, error) ||
        !vsXMLGetUIntAttr(node, "websocket", 65535, FALSE, &websocket, error))
        return FALSE;
    if (websocket != G_MAXUINT) {
        vsXMLErrorBadValue(node, "websocket", "", error);
        return FALSE;
    }
    /* SPICE written without any port or listen setting listens nowhere
     * (libvirt's meaning); VNC then takes a port automatically. */
    if (gfx->type == VS_DOMAIN_GRAPHICS_SPICE &&
        !xmlHasProp(node, (const xmlChar *) "port") &&
        !xmlHasProp(node, (const xmlChar *) "autoport") &&
        !xmlHasProp(node, (const xmlChar *) "listen") &&
        !xmlHasProp(node, (const xmlChar *) "socket")) {
        gfx->autoport = FALSE;
        gfx->listenType = VS_DOMAIN_GRAPHICS_LISTEN_NONE;
    }
    gfx->passwd = vsXMLGetAttr(node, "passwd");
    gfx->keymap = vsXMLGetAttr(node, "keymap");
    gfx->listenAddress = vsXMLGetAttr(node, "listen");
    gfx->socket = vsXMLGetAttr(node, "socket");
    if (gfx->socket)
        gfx->listenType = VS_DOMAIN_GRAPHICS_LISTEN_SOCKET;
    if (!vsDomainParseChildren(st, gfx, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS &&
        !gfx->autoport && gfx->port < 0)
        gfx->autoport = TRUE;

    for (i = 0; i < st->def->graphics->len; i++) {
        vsDomainGraphicsDef *other = g_ptr_array_index(st->def->graphics, i);

        if (other->type == gfx->type) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("only one <graphics type='%s'> is supported"),
                        vsDomainGraphicsTypeToString(gfx->type));
            return FALSE;
        }
    }
    if (gfx->type == VS_DOMAIN_GRAPHICS_SPICE &&
        gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET && gfx->passwd) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("a password for a SPICE UNIX socket is not supported"));
        return FALSE;
    }
    g_ptr_array_add(st->def->graphics, g_steal_pointer(&gfx));
    return TRUE;
}


/* ---- <video> ------------------------------------------------------------ */

static gboolean
vsDomainParseVideoModelAttrs(vsDomainVideoDef *video,
                             xmlNodePtr node,
                             GError **error)
{
    static const char *const attrs[] = {
        "type", "vram", "ram", "vgamem", "heads", "primary", NULL,
    };
    g_autofree char *primary = vsXMLGetAttr(node, "primary");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainVideo, TRUE, video->model,
                         error) ||
        !vsXMLGetUIntAttr(node, "vram", G_MAXINT, FALSE, &video->vram, error) ||
        !vsXMLGetUIntAttr(node, "ram", G_MAXINT, FALSE, &video->ram, error) ||
        !vsXMLGetUIntAttr(node, "vgamem", G_MAXINT, FALSE, &video->vgamem,
                          error) ||
        !vsXMLGetUIntAttr(node, "heads", 16, FALSE, &video->heads, error))
        return FALSE;
    if (primary && !g_str_equal(primary, "yes") && !g_str_equal(primary, "no")) {
        vsXMLErrorBadValue(node, "primary", primary, error);
        return FALSE;
    }
    video->primary = primary && g_str_equal(primary, "yes");
    return TRUE;
}


static gboolean
vsDomainParseVideoModelElem(vsDomainParseState *st G_GNUC_UNUSED,
                            void *obj,
                            xmlNodePtr node,
                            GError **error)
{
    vsDomainVideoDef *video = obj;
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (type && g_str_equal(type, "none")) {
        static const char *const attrs[] = { "type", NULL };

        /* Marked by model LAST until vsDomainParseVideoDevice() sees it. */
        video->model = VS_DOMAIN_VIDEO_LAST;
        return vsXMLCheckAttrs(node, attrs, error) &&
            vsXMLCheckEmpty(node, error);
    }
    return vsDomainParseVideoModelAttrs(video, node, error);
}


static gboolean
vsDomainParseVideoAddress(vsDomainParseState *st, void *obj,
                          xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainVideoDef *) obj)->info,
                                node, error);
}


/**
 * vsDomainParseVideoDevice:
 *
 * Reads <video><model type .../></video>; type 'none' is the absence of
 * any display adapter.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseVideoDevice(vsDomainParseState *st,
                         void *obj G_GNUC_UNUSED,
                         xmlNodePtr node,
                         GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "model", vsDomainParseVideoModelElem, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseVideoAddress, FALSE },
    };
    g_autoptr(vsDomainVideoDef) video = g_new0(vsDomainVideoDef, 1);

    video->model = VS_DOMAIN_VIDEO_LAST + 1;
    if (!vsXMLCheckAttrs(node, NULL, error) ||
        !vsDomainParseChildren(st, video, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    if (video->model == VS_DOMAIN_VIDEO_LAST + 1) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a <video> needs a <model type>"));
        return FALSE;
    }
    if ((st->def->videoNone && video->model != VS_DOMAIN_VIDEO_LAST) ||
        (video->model == VS_DOMAIN_VIDEO_LAST && st->def->videos->len)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("video model 'none' cannot be combined with other video devices"));
        return FALSE;
    }
    if (video->model == VS_DOMAIN_VIDEO_LAST) {
        if (video->info.type != VS_DOMAIN_ADDRESS_NONE) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("video model 'none' cannot have an address"));
            return FALSE;
        }
        st->def->videoNone = TRUE;
        return TRUE;
    }
    g_ptr_array_add(st->def->videos, g_steal_pointer(&video));
    return TRUE;
}


/* ---- <sound>, <audio> --------------------------------------------------- */

static gboolean
vsDomainParseSoundAudio(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = { "id", NULL };
    vsDomainSoundDef *sound = obj;

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        vsXMLGetUIntAttr(node, "id", G_MAXINT, TRUE, &sound->audioId, error);
}


static gboolean
vsDomainParseSoundAddress(vsDomainParseState *st, void *obj,
                          xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainSoundDef *) obj)->info,
                                node, error);
}


/**
 * vsDomainParseSound:
 *
 * Reads <sound model='ich9|ich6|ac97'>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseSound(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "audio", vsDomainParseSoundAudio, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseSoundAddress, FALSE },
    };
    g_autoptr(vsDomainSoundDef) sound = g_new0(vsDomainSoundDef, 1);

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "model", vsDomainSound, TRUE, sound->model,
                         error) ||
        !vsDomainParseChildren(st, sound, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    g_ptr_array_add(st->def->sounds, g_steal_pointer(&sound));
    return TRUE;
}


/**
 * vsDomainParseAudio:
 *
 * Reads <audio id type='none|spice'/>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseAudio(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = { "id", "type", NULL };
    g_autofree vsDomainAudioDef *audio = g_new0(vsDomainAudioDef, 1);
    size_t i;

    audio->id = st->def->audios->len + 1;
    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !vsXMLGetUIntAttr(node, "id", G_MAXINT, FALSE, &audio->id, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainAudio, TRUE, audio->type,
                         error))
        return FALSE;
    for (i = 0; i < st->def->audios->len; i++) {
        vsDomainAudioDef *other = g_ptr_array_index(st->def->audios, i);

        if (other->id == audio->id || audio->id == 0) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("audio id %u is invalid or used twice"), audio->id);
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->audios, g_steal_pointer(&audio));
    return TRUE;
}


/* ---- <channel> ------------------------------------------------------------ */

static gboolean
vsDomainParseChannelSource(vsDomainParseState *st,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    static const char *const attrs[] = { "mode", "path", NULL };
    static const char *const statusAttrs[] = {
        "mode", "path", "autoGenerated", NULL,
    };
    vsDomainChannelDef *chan = obj;
    g_autofree char *mode = vsXMLGetAttr(node, "mode");
    g_autofree char *generated = vsXMLGetAttr(node, "autoGenerated");
    gboolean status = st->flags & VS_DOMAIN_DEF_PARSE_STATUS;

    if (!vsXMLCheckAttrs(node, status ? statusAttrs : attrs, error) ||
        !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (chan->type != VS_DOMAIN_CHANNEL_UNIX) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    /* QEMU listens; connecting out to a guest agent is not offered. */
    if (mode && !g_str_equal(mode, "bind")) {
        vsXMLErrorBadValue(node, "mode", mode, error);
        return FALSE;
    }
    g_free(chan->path);
    chan->path = vsXMLGetAttr(node, "path");
    chan->autoPath = generated && g_str_equal(generated, "yes");
    if (chan->path && !g_path_is_absolute(chan->path)) {
        vsXMLErrorBadValue(node, "path", chan->path, error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseChannelTarget(vsDomainParseState *st G_GNUC_UNUSED,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    /* 'state' reports the guest side in live XML; it is not kept. */
    static const char *const attrs[] = { "type", "name", "state", NULL };
    vsDomainChannelDef *chan = obj;
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!type || !g_str_equal(type, "virtio")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    g_free(chan->name);
    chan->name = vsXMLGetAttr(node, "name");
    if (chan->name && (!*chan->name || strchr(chan->name, ','))) {
        vsXMLErrorBadValue(node, "name", chan->name, error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseChannelAddress(vsDomainParseState *st G_GNUC_UNUSED,
                            void *obj,
                            xmlNodePtr node,
                            GError **error)
{
    static const char *const attrs[] = {
        "type", "controller", "bus", "port", NULL,
    };
    vsDomainChannelDef *chan = obj;
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!type || !g_str_equal(type, "virtio-serial")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    return vsXMLGetUIntAttr(node, "controller", 0, FALSE, &chan->controller,
                            error) &&
        vsXMLGetUIntAttr(node, "bus", 0, FALSE, &chan->bus, error) &&
        vsXMLGetUIntAttr(node, "port", 30, FALSE, &chan->port, error);
}


/**
 * vsDomainParseChannel:
 *
 * Reads <channel type='unix|spicevmc'> with a virtio target.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseChannel(vsDomainParseState *st,
                     void *obj G_GNUC_UNUSED,
                     xmlNodePtr node,
                     GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "source", vsDomainParseChannelSource, FALSE },
        { "target", vsDomainParseChannelTarget, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseChannelAddress, FALSE },
    };
    g_autoptr(vsDomainChannelDef) chan = g_new0(vsDomainChannelDef, 1);

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainChannel, TRUE, chan->type,
                         error) ||
        !vsDomainParseChildren(st, chan, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    if (!chan->name) {
        /* libvirt's defaults: the SPICE agent's port name; a UNIX
         * channel must say which port it is. */
        if (chan->type == VS_DOMAIN_CHANNEL_SPICEVMC) {
            chan->name = g_strdup("com.redhat.spice.0");
        } else {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("a <channel type='unix'> needs a <target name>"));
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->channels, g_steal_pointer(&chan));
    return TRUE;
}


/* ---- <redirdev>, <input bus='usb|virtio'>, <watchdog>, <tpm> ------------- */

static gboolean
vsDomainParseUSBAddress(xmlNodePtr node,
                        unsigned int *port,
                        GError **error)
{
    static const char *const attrs[] = { "type", "bus", "port", NULL };
    g_autofree char *type = vsXMLGetAttr(node, "type");
    unsigned int bus = 0;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!type || !g_str_equal(type, "usb")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    if (!vsXMLGetUIntAttr(node, "bus", 0, FALSE, &bus, error) ||
        !vsXMLGetUIntAttr(node, "port", 15, TRUE, port, error))
        return FALSE;
    if (*port == 0) {
        vsXMLErrorBadNumber(node, "port", "0", error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseRedirdevAddress(vsDomainParseState *st G_GNUC_UNUSED,
                             void *obj,
                             xmlNodePtr node,
                             GError **error)
{
    return vsDomainParseUSBAddress(node, &((vsDomainRedirdevDef *) obj)->usbPort,
                                   error);
}


/**
 * vsDomainParseRedirdev:
 *
 * Reads <redirdev bus='usb' type='spicevmc'>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseRedirdev(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = { "bus", "type", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseRedirdevAddress, FALSE },
    };
    g_autoptr(vsDomainRedirdevDef) redir = g_new0(vsDomainRedirdevDef, 1);
    g_autofree char *bus = vsXMLGetAttr(node, "bus");
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (bus && !g_str_equal(bus, "usb")) {
        vsXMLErrorBadValue(node, "bus", bus, error);
        return FALSE;
    }
    if (!type || !g_str_equal(type, "spicevmc")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    if (!vsDomainParseChildren(st, redir, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    g_ptr_array_add(st->def->redirdevs, g_steal_pointer(&redir));
    return TRUE;
}


static gboolean
vsDomainParseInputDevAddress(vsDomainParseState *st,
                             void *obj,
                             xmlNodePtr node,
                             GError **error)
{
    vsDomainInputDevDef *input = obj;

    if (input->bus == VS_DOMAIN_INPUT_BUS_USB)
        return vsDomainParseUSBAddress(node, &input->usbPort, error);
    return vsDomainParseAddress(st, &input->info, node, error);
}


/**
 * vsDomainParseInputDev:
 * @st: parse state
 * @node: an <input> element
 * @bus: its bus: "usb" or "virtio"
 * @error: return location for a #GError
 *
 * Reads a tablet, mouse or keyboard on the USB or virtio bus.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseInputDev(vsDomainParseState *st,
                      xmlNodePtr node,
                      const char *bus,
                      GError **error)
{
    static const char *const attrs[] = { "type", "bus", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseInputDevAddress, FALSE },
    };
    g_autoptr(vsDomainInputDevDef) input = g_new0(vsDomainInputDevDef, 1);
    int val = vsDomainInputBusTypeFromString(bus);

    if (val < 0) {
        vsXMLErrorBadValue(node, "bus", bus, error);
        return FALSE;
    }
    input->bus = val;
    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainInputDev, TRUE, input->type,
                         error) ||
        !vsDomainParseChildren(st, input, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    g_ptr_array_add(st->def->inputDevs, g_steal_pointer(&input));
    return TRUE;
}


static gboolean
vsDomainParseWatchdogAddress(vsDomainParseState *st, void *obj,
                             xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainWatchdogDef *) obj)->info,
                                node, error);
}


/**
 * vsDomainParseWatchdog:
 *
 * Reads <watchdog model='itco|i6300esb' action>.
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseWatchdog(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = { "model", "action", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseWatchdogAddress, FALSE },
    };
    g_autoptr(vsDomainWatchdogDef) wd = g_new0(vsDomainWatchdogDef, 1);
    size_t i;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "model", vsDomainWatchdog, TRUE, wd->model,
                         error) ||
        !VS_XML_GET_ENUM(node, "action", vsDomainWatchdogAction, FALSE,
                         wd->action, error) ||
        !vsDomainParseChildren(st, wd, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    if (wd->model == VS_DOMAIN_WATCHDOG_ITCO &&
        wd->info.type != VS_DOMAIN_ADDRESS_NONE) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("the itco watchdog is part of the chipset and has no address"));
        return FALSE;
    }
    for (i = 0; i < st->def->watchdogs->len; i++) {
        vsDomainWatchdogDef *other = g_ptr_array_index(st->def->watchdogs, i);

        /* QEMU has one watchdog action for all watchdogs. */
        if (other->model == wd->model || other->action != wd->action) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("watchdogs must differ in model and share one action"));
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->watchdogs, g_steal_pointer(&wd));
    return TRUE;
}


static gboolean
vsDomainParseTPMBackend(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj G_GNUC_UNUSED,
                        xmlNodePtr node,
                        GError **error)
{
    /* 'persistent_state', encryption and other swtpm options are not
     * offered; libvirt's defaults apply. */
    static const char *const attrs[] = { "type", "version", NULL };
    g_autofree char *type = vsXMLGetAttr(node, "type");
    g_autofree char *version = vsXMLGetAttr(node, "version");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!type || !g_str_equal(type, "emulator")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    if (version && !g_str_equal(version, "2.0")) {
        vsXMLErrorBadValue(node, "version", version, error);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseTPM:
 *
 * Reads <tpm model='tpm-tis|tpm-crb'> with an emulated TPM 2.0 backend
 * (swtpm).
 *
 * Returns: TRUE on success.
 */
gboolean
vsDomainParseTPM(vsDomainParseState *st,
                 void *obj G_GNUC_UNUSED,
                 xmlNodePtr node,
                 GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "backend", vsDomainParseTPMBackend, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
    };
    g_autoptr(vsDomainTPMDef) tpm = g_new0(vsDomainTPMDef, 1);
    gboolean haveBackend = FALSE;
    xmlNodePtr cur;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "model", vsDomainTPMModel, FALSE, tpm->model,
                         error) ||
        !vsDomainParseChildren(st, tpm, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE &&
            g_str_equal((const char *) cur->name, "backend"))
            haveBackend = TRUE;
    }
    if (!haveBackend) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a <tpm> needs a <backend type='emulator'>"));
        return FALSE;
    }
    g_ptr_array_add(st->def->tpms, g_steal_pointer(&tpm));
    return TRUE;
}


/* ---- defaults and checks after parsing --------------------------------- */

static vsDomainGraphicsDef *
vsDomainDefFindGraphics(const vsDomainDef *def,
                        vsDomainGraphicsType type)
{
    size_t i;

    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);

        if (gfx->type == type)
            return gfx;
    }
    return NULL;
}


/* libvirt gives a guest with a display or a sound card one audio
 * backend: SPICE's own when SPICE is there, otherwise 'none' (a host
 * sound system is never used). */
static gboolean
vsDomainDefSetupAudio(vsDomainDef *def,
                      GError **error)
{
    gboolean spice = vsDomainDefFindGraphics(def, VS_DOMAIN_GRAPHICS_SPICE) != NULL;
    size_t i;
    size_t j;

    if (def->audios->len == 0 && (def->graphics->len || def->sounds->len)) {
        vsDomainAudioDef *audio = g_new0(vsDomainAudioDef, 1);

        audio->id = 1;
        audio->type = spice ? VS_DOMAIN_AUDIO_SPICE : VS_DOMAIN_AUDIO_NONE;
        g_ptr_array_add(def->audios, audio);
    }
    for (i = 0; i < def->audios->len; i++) {
        vsDomainAudioDef *audio = g_ptr_array_index(def->audios, i);

        if (audio->type == VS_DOMAIN_AUDIO_SPICE && !spice) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("<audio type='spice'> needs <graphics type='spice'>"));
            return FALSE;
        }
    }
    for (i = 0; i < def->sounds->len; i++) {
        vsDomainSoundDef *sound = g_ptr_array_index(def->sounds, i);
        gboolean found = sound->audioId == 0;

        for (j = 0; j < def->audios->len && !found; j++) {
            vsDomainAudioDef *audio = g_ptr_array_index(def->audios, j);

            found = audio->id == sound->audioId;
        }
        if (!found) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("no audio backend with id %u for sound device '%s'"),
                        sound->audioId, vsDomainSoundTypeToString(sound->model));
            return FALSE;
        }
    }
    return TRUE;
}


static void
vsDomainDefSetupVideos(vsDomainDef *def)
{
    size_t i;

    /* libvirt's default card for a display: qxl with SPICE, else vga. */
    if (def->videos->len == 0 && !def->videoNone && def->graphics->len) {
        vsDomainVideoDef *video = g_new0(vsDomainVideoDef, 1);

        video->model = vsDomainDefFindGraphics(def, VS_DOMAIN_GRAPHICS_SPICE) ?
            VS_DOMAIN_VIDEO_QXL : VS_DOMAIN_VIDEO_VGA;
        g_ptr_array_add(def->videos, video);
    }
    for (i = 0; i < def->videos->len; i++) {
        vsDomainVideoDef *video = g_ptr_array_index(def->videos, i);

        if (i == 0)
            video->primary = TRUE;
        if (video->heads == 0 && video->model != VS_DOMAIN_VIDEO_RAMFB)
            video->heads = 1;
        switch (video->model) {
        case VS_DOMAIN_VIDEO_QXL:
            if (!video->ram)
                video->ram = 65536;
            if (!video->vram)
                video->vram = 65536;
            if (!video->vgamem)
                video->vgamem = 16384;
            break;
        case VS_DOMAIN_VIDEO_VGA:
        case VS_DOMAIN_VIDEO_CIRRUS:
        case VS_DOMAIN_VIDEO_BOCHS:
            if (!video->vram)
                video->vram = 16384;
            break;
        case VS_DOMAIN_VIDEO_VIRTIO:
        case VS_DOMAIN_VIDEO_RAMFB:
        case VS_DOMAIN_VIDEO_LAST:
        default:
            break;
        }
    }
}


static gboolean
vsDomainDefCheckVideos(const vsDomainDef *def,
                       GError **error)
{
    size_t i;

    for (i = 0; i < def->videos->len; i++) {
        vsDomainVideoDef *video = g_ptr_array_index(def->videos, i);
        gboolean qxl = video->model == VS_DOMAIN_VIDEO_QXL;

        if ((!qxl && (video->ram || video->vgamem)) ||
            (video->vram && (video->model == VS_DOMAIN_VIDEO_VIRTIO ||
                             video->model == VS_DOMAIN_VIDEO_RAMFB))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("video model '%s' does not take these memory sizes"),
                        vsDomainVideoTypeToString(video->model));
            return FALSE;
        }
        /* Only a primary card may be VGA compatible, and QEMU builds
         * a secondary card only for qxl and virtio. */
        if (i > 0 && !qxl && video->model != VS_DOMAIN_VIDEO_VIRTIO) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("video model '%s' is only supported as the primary video device"),
                        vsDomainVideoTypeToString(video->model));
            return FALSE;
        }
    }
    return TRUE;
}


static vsDomainControllerDef *
vsDomainDefFindUSB(const vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == VS_DOMAIN_CONTROLLER_USB)
            return cont;
    }
    return NULL;
}


/* USB devices without a port take the lowest free one, inputs first,
 * then redirected devices, as libvirt assigns them. */
static gboolean
vsDomainDefAssignUSBPorts(vsDomainDef *def,
                          GError **error)
{
    g_autoptr(GPtrArray) ports = g_ptr_array_new();
    vsDomainControllerDef *usb = vsDomainDefFindUSB(def);
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;
    vsDomainControllerModel model = usb ? usb->model :
        VS_DOMAIN_CONTROLLER_MODEL_DEFAULT;
    unsigned int nports;
    guint32 used = 0;
    size_t i;

    for (i = 0; i < def->inputDevs->len; i++) {
        vsDomainInputDevDef *input = g_ptr_array_index(def->inputDevs, i);

        if (input->bus == VS_DOMAIN_INPUT_BUS_USB)
            g_ptr_array_add(ports, &input->usbPort);
    }
    for (i = 0; i < def->redirdevs->len; i++) {
        vsDomainRedirdevDef *redir = g_ptr_array_index(def->redirdevs, i);

        g_ptr_array_add(ports, &redir->usbPort);
    }
    if (ports->len == 0)
        return TRUE;

    if (model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT)
        model = q35 ? VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI :
            VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI;
    if (model == VS_DOMAIN_CONTROLLER_MODEL_USB_NONE) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("USB devices need a USB controller, but its model is 'none'"));
        return FALSE;
    }
    if (model == VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI)
        nports = VS_USB_UHCI_PORTS;
    else if (vsDomainControllerIsICH9USB(usb))
        nports = VS_USB_EHCI_PORTS;
    else
        nports = usb && usb->ports ? usb->ports : VS_USB_XHCI_PORTS;

    for (i = 0; i < ports->len; i++) {
        unsigned int *port = g_ptr_array_index(ports, i);

        if (*port == 0)
            continue;
        if (*port > nports || (used & (1u << *port))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("USB port %u is taken or does not exist"), *port);
            return FALSE;
        }
        used |= 1u << *port;
    }
    for (i = 0; i < ports->len; i++) {
        unsigned int *port = g_ptr_array_index(ports, i);
        unsigned int p;

        if (*port != 0)
            continue;
        for (p = 1; p <= nports && (used & (1u << p)); p++)
            ;
        if (p > nports) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("no free port is left on the USB controller"));
            return FALSE;
        }
        *port = p;
        used |= 1u << p;
    }
    return TRUE;
}


/* Channels are ports of virtio-serial controller 0, bus 0, numbered
 * from 1 (port 0 is kept for a virtio console). */
static gboolean
vsDomainDefSetupChannels(vsDomainDef *def,
                         GError **error)
{
    gboolean spice = vsDomainDefFindGraphics(def, VS_DOMAIN_GRAPHICS_SPICE) != NULL;
    guint32 used = 1;
    gboolean haveController = FALSE;
    size_t i;

    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);

        if (chan->type == VS_DOMAIN_CHANNEL_SPICEVMC && !spice) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("a <channel type='spicevmc'> needs <graphics type='spice'>"));
            return FALSE;
        }
        if (chan->port && (used & (1u << chan->port))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("virtio-serial port %u is used twice"), chan->port);
            return FALSE;
        }
        used |= 1u << chan->port;
    }
    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);

        if (chan->port == 0) {
            unsigned int p;

            for (p = 1; used & (1u << p); p++)
                ;
            chan->port = p;
            used |= 1u << p;
        }
    }
    if (def->redirdevs->len && !spice) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a <redirdev type='spicevmc'> needs <graphics type='spice'>"));
        return FALSE;
    }

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL)
            haveController = TRUE;
    }
    if (def->channels->len && !haveController) {
        vsDomainControllerDef *cont = vsDomainControllerDefNew();

        cont->type = VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL;
        g_ptr_array_add(def->controllers, cont);
    }
    return TRUE;
}


static gboolean
vsDomainDefCheckConventionalPCI(const vsDomainDef *def,
                                const char *what,
                                const char *model,
                                const vsDomainDeviceInfo *info,
                                GError **error)
{
    if (def->os.family != VS_DOMAIN_MACHINE_Q35 ||
        info->type != VS_DOMAIN_ADDRESS_NONE)
        return TRUE;
    /* libvirt puts conventional PCI devices of q35 guests behind a
     * pcie-to-pci-bridge it adds; virtsave has no such bridge. */
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                _("%s model '%s' is a conventional PCI device, which needs a pcie-to-pci-bridge on q35 machines; that bridge is not supported"),
                what, model);
    return FALSE;
}


static gboolean
vsDomainDefCheckQ35Devices(const vsDomainDef *def,
                           GError **error)
{
    size_t i;

    for (i = 0; i < def->sounds->len; i++) {
        vsDomainSoundDef *sound = g_ptr_array_index(def->sounds, i);

        if (sound->model != VS_DOMAIN_SOUND_ICH9 &&
            !vsDomainDefCheckConventionalPCI(def, "sound",
                                             vsDomainSoundTypeToString(sound->model),
                                             &sound->info, error))
            return FALSE;
    }
    for (i = 0; i < def->watchdogs->len; i++) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, i);

        if (wd->model == VS_DOMAIN_WATCHDOG_I6300ESB &&
            !vsDomainDefCheckConventionalPCI(def, "watchdog", "i6300esb",
                                             &wd->info, error))
            return FALSE;
    }
    for (i = 1; i < def->videos->len; i++) {
        vsDomainVideoDef *video = g_ptr_array_index(def->videos, i);

        if (video->model == VS_DOMAIN_VIDEO_QXL &&
            !vsDomainDefCheckConventionalPCI(def, "video", "qxl",
                                             &video->info, error))
            return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainDefSetupDevices:
 * @def: a definition fresh from the parser, machine family known
 * @error: return location for a #GError
 *
 * Applies libvirt's defaults to the devices of this file: an audio
 * backend, a video card for a display, video memory sizes, the ICH9
 * watchdog of q35 machines, a virtio-serial controller for channels,
 * virtio-serial and USB ports.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDefSetupDevices(vsDomainDef *def,
                        GError **error)
{
    size_t i;
    gboolean itco = FALSE;

    for (i = 0; i < def->watchdogs->len; i++) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, i);

        if (wd->model == VS_DOMAIN_WATCHDOG_ITCO) {
            if (def->os.family != VS_DOMAIN_MACHINE_Q35) {
                g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                            _("watchdog model 'itco' is only supported on q35 machines"));
                return FALSE;
            }
            itco = TRUE;
        }
    }
    /* The ICH9 chipset has a TCO watchdog, which libvirt lists. */
    if (def->os.family == VS_DOMAIN_MACHINE_Q35 && !itco) {
        vsDomainWatchdogDef *wd = g_new0(vsDomainWatchdogDef, 1);

        wd->model = VS_DOMAIN_WATCHDOG_ITCO;
        if (def->watchdogs->len) {
            vsDomainWatchdogDef *first = g_ptr_array_index(def->watchdogs, 0);

            wd->action = first->action;
        }
        g_ptr_array_add(def->watchdogs, wd);
    }

    vsDomainDefSetupVideos(def);
    return vsDomainDefCheckVideos(def, error) &&
        vsDomainDefCheckQ35Devices(def, error) &&
        vsDomainDefSetupAudio(def, error) &&
        vsDomainDefSetupChannels(def, error) &&
        vsDomainDefAssignUSBPorts(def, error);
}


/**
 * vsDomainDefSetupDeviceFixedAddresses:
 * @def: a definition being completed
 *
 * The primary video card takes the display slot (00:02.0 on i440fx,
 * 00:01.0 on q35) and an ich9 sound card on q35 the chipset's HD Audio
 * place (00:1b.0), as libvirt places them.
 */
void
vsDomainDefSetupDeviceFixedAddresses(vsDomainDef *def)
{
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;
    size_t i;

    if (def->videos->len) {
        vsDomainVideoDef *video = g_ptr_array_index(def->videos, 0);

        if (video->model != VS_DOMAIN_VIDEO_RAMFB &&
            video->info.type == VS_DOMAIN_ADDRESS_NONE) {
            video->info.type = VS_DOMAIN_ADDRESS_PCI;
            video->info.slot = q35 ? 1 : 2;
        }
    }
    for (i = 0; i < def->sounds->len && q35; i++) {
        vsDomainSoundDef *sound = g_ptr_array_index(def->sounds, i);

        if (sound->model == VS_DOMAIN_SOUND_ICH9 &&
            sound->info.type == VS_DOMAIN_ADDRESS_NONE) {
            sound->info.type = VS_DOMAIN_ADDRESS_PCI;
            sound->info.slot = VS_PCI_Q35_HDA_SLOT;
            break;
        }
    }
}


static void
vsDomainSetAliasf(vsDomainDeviceInfo *info,
                  const char *prefix,
                  size_t idx)
{
    g_free(info->alias);
    info->alias = g_strdup_printf("%s%zu", prefix, idx);
}


/**
 * vsDomainDefAssignDeviceAliases:
 * @def: a definition being completed
 *
 * Names the devices of this file as libvirt does: video0, sound0,
 * channel0, input0 (USB and virtio inputs come first), redir0,
 * watchdog0.
 */
void
vsDomainDefAssignDeviceAliases(vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->videos->len; i++)
        vsDomainSetAliasf(&((vsDomainVideoDef *)
                            g_ptr_array_index(def->videos, i))->info,
                          "video", i);
    for (i = 0; i < def->sounds->len; i++)
        vsDomainSetAliasf(&((vsDomainSoundDef *)
                            g_ptr_array_index(def->sounds, i))->info,
                          "sound", i);
    for (i = 0; i < def->channels->len; i++)
        vsDomainSetAliasf(&((vsDomainChannelDef *)
                            g_ptr_array_index(def->channels, i))->info,
                          "channel", i);
    for (i = 0; i < def->inputDevs->len; i++)
        vsDomainSetAliasf(&((vsDomainInputDevDef *)
                            g_ptr_array_index(def->inputDevs, i))->info,
                          "input", i);
    for (i = 0; i < def->redirdevs->len; i++)
        vsDomainSetAliasf(&((vsDomainRedirdevDef *)
                            g_ptr_array_index(def->redirdevs, i))->info,
                          "redir", i);
    for (i = 0; i < def->tpms->len; i++)
        vsDomainSetAliasf(&((vsDomainTPMDef *)
                            g_ptr_array_index(def->tpms, i))->info,
                          "tpm", i);
    for (i = 0; i < def->watchdogs->len; i++)
        vsDomainSetAliasf(&((vsDomainWatchdogDef *)
                            g_ptr_array_index(def->watchdogs, i))->info,
                          "watchdog", i);
}


/* ---- formatting ---------------------------------------------------------- */

/* Closes an element that may have an alias or address as its body. */
static void
vsDomainFormatDeviceEnd(vsDomainFormatCtxt *ctxt,
                        const char *element,
                        const vsDomainDeviceInfo *info,
                        gboolean open)
{
    GString *buf = ctxt->buf;

    if (!open && !vsDomainDeviceInfoHasBody(ctxt, info)) {
        g_string_append(buf, "/>\n");
        return;
    }
    if (!open)
        g_string_append(buf, ">\n");
    vsDomainFormatDeviceInfo(ctxt, info, 3);
    vsBufLine(buf, 2, "</%s>", element);
}


/**
 * vsDomainFormatChannels:
 * @ctxt: format context
 */
void
vsDomainFormatChannels(vsDomainFormatCtxt *ctxt)
{
    GString *buf = ctxt->buf;
    size_t i;

    gboolean migratable = ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE;

    for (i = 0; i < ctxt->def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(ctxt->def->channels, i);
        g_autofree char *name = g_markup_escape_text(chan->name, -1);

        vsBufLine(buf, 2, "<channel type='%s'>",
                  vsDomainChannelTypeToString(chan->type));
        if (chan->path && !(chan->autoPath && migratable)) {
            vsBufIndent(buf, 3);
            g_string_append(buf, "<source mode='bind'");
            vsBufAttr(buf, "path", chan->path);
            if (chan->autoPath && (ctxt->flags & VS_DOMAIN_DEF_FORMAT_STATUS))
                g_string_append(buf, " autoGenerated='yes'");
            g_string_append(buf, "/>\n");
        }
        vsBufLine(buf, 3, "<target type='virtio' name='%s'%s/>", name,
                  !vsDomainFormatShowAlias(ctxt) ? "" :
                  chan->state == VS_DOMAIN_CHANNEL_STATE_CONNECTED ?
                  " state='connected'" :
                  chan->state == VS_DOMAIN_CHANNEL_STATE_DISCONNECTED ?
                  " state='disconnected'" : "");
        if (chan->info.alias && vsDomainFormatShowAlias(ctxt))
            vsBufLine(buf, 3, "<alias name='%s'/>", chan->info.alias);
        vsBufLine(buf, 3, "<address type='virtio-serial' controller='%u' "
                  "bus='%u' port='%u'/>", chan->controller, chan->bus,
                  chan->port);
        vsBufLine(buf, 2, "</channel>");
    }
}


/**
 * vsDomainFormatInputDevs:
 * @ctxt: format context
 */
void
vsDomainFormatInputDevs(vsDomainFormatCtxt *ctxt)
{
    GString *buf = ctxt->buf;
    size_t i;

    for (i = 0; i < ctxt->def->inputDevs->len; i++) {
        vsDomainInputDevDef *input = g_ptr_array_index(ctxt->def->inputDevs, i);

        vsBufLine(buf, 2, "<input type='%s' bus='%s'>",
                  vsDomainInputDevTypeToString(input->type),
                  vsDomainInputBusTypeToString(input->bus));
        if (input->bus == VS_DOMAIN_INPUT_BUS_USB) {
            if (input->info.alias && vsDomainFormatShowAlias(ctxt))
                vsBufLine(buf, 3, "<alias name='%s'/>", input->info.alias);
            vsBufLine(buf, 3, "<address type='usb' bus='0' port='%u'/>",
                      input->usbPort);
        } else {
            vsDomainFormatDeviceInfo(ctxt, &input->info, 3);
        }
        vsBufLine(buf, 2, "</input>");
    }
}


static void
vsDomainFormatGraphics(vsDomainFormatCtxt *ctxt,
                       const vsDomainGraphicsDef *gfx)
{
    gboolean live = !(ctxt->flags & VS_DOMAIN_DEF_FORMAT_INACTIVE);
    gboolean migratable = ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE;
    gboolean status = ctxt->flags & VS_DOMAIN_DEF_FORMAT_STATUS;
    gboolean vnc = gfx->type == VS_DOMAIN_GRAPHICS_VNC;
    gboolean sock = gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET;
    const char *address = gfx->autoListen && migratable ? NULL :
        gfx->listenAddress;
    const char *socket = gfx->autoSocket && migratable ? NULL : gfx->socket;
    GString *buf = ctxt->buf;
    int port = gfx->autoport && !live ? -1 : gfx->port;

    vsBufIndent(buf, 2);
    g_string_append_printf(buf, "<graphics type='%s'",
                           vsDomainGraphicsTypeToString(gfx->type));
    if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS &&
        (vnc || port > 0))
        g_string_append_printf(buf, " port='%d'", port);
    if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS)
        vsBufAttr(buf, "autoport", gfx->autoport ? "yes" : "no");
    if (vnc && sock)
        vsBufAttr(buf, "socket", socket);
    vsBufAttr(buf, "listen", address);
    vsBufAttr(buf, "keymap", gfx->keymap);
    if (ctxt->flags & VS_DOMAIN_DEF_FORMAT_SECURE)
        vsBufAttr(buf, "passwd", gfx->passwd);
    g_string_append(buf, ">\n");

    vsBufIndent(buf, 3);
    g_string_append_printf(buf, "<listen type='%s'",
                           vsDomainGraphicsListenTypeToString(gfx->listenType));
    vsBufAttr(buf, "address", address);
    vsBufAttr(buf, "socket", sock ? socket : NULL);
    if (status && ((address && gfx->autoListen) || (socket && gfx->autoSocket)))
        g_string_append(buf, " autoGenerated='yes'");
    g_string_append(buf, "/>\n");
    if (gfx->imageCompression)
        vsBufLine(buf, 3, "<image compression='%s'/>", gfx->imageCompression);
    vsBufLine(buf, 2, "</graphics>");
}


static void
vsDomainFormatVideo(vsDomainFormatCtxt *ctxt,
                    const vsDomainVideoDef *video)
{
    GString *buf = ctxt->buf;

    vsBufLine(buf, 2, "<video>");
    vsBufIndent(buf, 3);
    g_string_append_printf(buf, "<model type='%s'",
                           vsDomainVideoTypeToString(video->model));
    if (video->ram)
        g_string_append_printf(buf, " ram='%u'", video->ram);
    if (video->vram)
        g_string_append_printf(buf, " vram='%u'", video->vram);
    if (video->vgamem)
        g_string_append_printf(buf, " vgamem='%u'", video->vgamem);
    if (video->heads)
        g_string_append_printf(buf, " heads='%u'", video->heads);
    if (video->primary)
        g_string_append(buf, " primary='yes'");
    g_string_append(buf, "/>\n");
    vsDomainFormatDeviceInfo(ctxt, &video->info, 3);
    vsBufLine(buf, 2, "</video>");
}


/**
 * vsDomainFormatDisplays:
 * @ctxt: format context
 *
 * Writes <graphics>, <sound>, <audio> and <video> in libvirt's order.
 */
void
vsDomainFormatDisplays(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;
    size_t i;

    for (i = 0; i < def->tpms->len; i++) {
        vsDomainTPMDef *tpm = g_ptr_array_index(def->tpms, i);

        vsBufLine(buf, 2, "<tpm model='%s'>",
                  vsDomainTPMModelTypeToString(tpm->model));
        vsBufLine(buf, 3, "<backend type='emulator' version='2.0'/>");
        if (tpm->info.alias && vsDomainFormatShowAlias(ctxt))
            vsBufLine(buf, 3, "<alias name='%s'/>", tpm->info.alias);
        vsBufLine(buf, 2, "</tpm>");
    }
    for (i = 0; i < def->graphics->len; i++)
        vsDomainFormatGraphics(ctxt, g_ptr_array_index(def->graphics, i));
    for (i = 0; i < def->sounds->len; i++) {
        vsDomainSoundDef *sound = g_ptr_array_index(def->sounds, i);

        vsBufLine(buf, 2, "<sound model='%s'>",
                  vsDomainSoundTypeToString(sound->model));
        if (sound->audioId)
            vsBufLine(buf, 3, "<audio id='%u'/>", sound->audioId);
        vsDomainFormatDeviceInfo(ctxt, &sound->info, 3);
        vsBufLine(buf, 2, "</sound>");
    }
    for (i = 0; i < def->audios->len; i++) {
        vsDomainAudioDef *audio = g_ptr_array_index(def->audios, i);

        vsBufLine(buf, 2, "<audio id='%u' type='%s'/>", audio->id,
                  vsDomainAudioTypeToString(audio->type));
    }
    for (i = 0; i < def->videos->len; i++)
        vsDomainFormatVideo(ctxt, g_ptr_array_index(def->videos, i));
}


/**
 * vsDomainFormatRedirdevsWatchdogs:
 * @ctxt: format context
 */
void
vsDomainFormatRedirdevsWatchdogs(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;
    size_t i;

    for (i = 0; i < def->redirdevs->len; i++) {
        vsDomainRedirdevDef *redir = g_ptr_array_index(def->redirdevs, i);

        vsBufLine(buf, 2, "<redirdev bus='usb' type='spicevmc'>");
        if (redir->info.alias && vsDomainFormatShowAlias(ctxt))
            vsBufLine(buf, 3, "<alias name='%s'/>", redir->info.alias);
        vsBufLine(buf, 3, "<address type='usb' bus='0' port='%u'/>",
                  redir->usbPort);
        vsBufLine(buf, 2, "</redirdev>");
    }
    for (i = 0; i < def->watchdogs->len; i++) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, i);

        vsBufIndent(buf, 2);
        g_string_append_printf(buf, "<watchdog model='%s' action='%s'",
                               vsDomainWatchdogTypeToString(wd->model),
                               vsDomainWatchdogActionTypeToString(wd->action));
        vsDomainFormatDeviceEnd(ctxt, "watchdog", &wd->info, FALSE);
    }
}


/* ---- ABI ------------------------------------------------------------------ */

static gboolean
vsDomainInfoEqual(const vsDomainDeviceInfo *a,
                  const vsDomainDeviceInfo *b)
{
    return a->type == b->type && a->bus == b->bus && a->slot == b->slot &&
        a->function == b->function;
}


static gboolean
vsDomainABIMismatch(const char *what,
                    size_t idx,
                    GError **error)
{
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                _("Target %s %zu does not match source"), what, idx);
    return FALSE;
}


static gboolean
vsDomainABICheckLen(const char *what,
                    guint src,
                    guint dst,
                    GError **error)
{
    if (src == dst)
        return TRUE;
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                _("Target domain %s count %u does not match source %u"),
                what, dst, src);
    return FALSE;
}


static gboolean
vsDomainDefCheckVideoSoundABI(const vsDomainDef *src,
                              const vsDomainDef *dst,
                              GError **error)
{
    size_t i;

    for (i = 0; i < src->videos->len; i++) {
        vsDomainVideoDef *a = g_ptr_array_index(src->videos, i);
        vsDomainVideoDef *b = g_ptr_array_index(dst->videos, i);

        if (a->model != b->model || a->vram != b->vram || a->ram != b->ram ||
            a->vgamem != b->vgamem || a->heads != b->heads ||
            !vsDomainInfoEqual(&a->info, &b->info))
            return vsDomainABIMismatch("video device", i, error);
    }
    for (i = 0; i < src->sounds->len; i++) {
        vsDomainSoundDef *a = g_ptr_array_index(src->sounds, i);
        vsDomainSoundDef *b = g_ptr_array_index(dst->sounds, i);

        if (a->model != b->model || !vsDomainInfoEqual(&a->info, &b->info))
            return vsDomainABIMismatch("sound device", i, error);
    }
    return TRUE;
}


static gboolean
vsDomainDefCheckPortsABI(const vsDomainDef *src,
                         const vsDomainDef *dst,
                         GError **error)
{
    size_t i;

    for (i = 0; i < src->channels->len; i++) {
        vsDomainChannelDef *a = g_ptr_array_index(src->channels, i);
        vsDomainChannelDef *b = g_ptr_array_index(dst->channels, i);

        if (a->type != b->type || a->port != b->port ||
            !g_str_equal(a->name, b->name))
            return vsDomainABIMismatch("channel", i, error);
    }
    for (i = 0; i < src->inputDevs->len; i++) {
        vsDomainInputDevDef *a = g_ptr_array_index(src->inputDevs, i);
        vsDomainInputDevDef *b = g_ptr_array_index(dst->inputDevs, i);

        if (a->type != b->type || a->bus != b->bus ||
            a->usbPort != b->usbPort || !vsDomainInfoEqual(&a->info, &b->info))
            return vsDomainABIMismatch("input device", i, error);
    }
    for (i = 0; i < src->redirdevs->len; i++) {
        vsDomainRedirdevDef *a = g_ptr_array_index(src->redirdevs, i);
        vsDomainRedirdevDef *b = g_ptr_array_index(dst->redirdevs, i);

        if (a->usbPort != b->usbPort)
            return vsDomainABIMismatch("redirected USB device", i, error);
    }
    for (i = 0; i < src->watchdogs->len; i++) {
        vsDomainWatchdogDef *a = g_ptr_array_index(src->watchdogs, i);
        vsDomainWatchdogDef *b = g_ptr_array_index(dst->watchdogs, i);

        if (a->model != b->model || !vsDomainInfoEqual(&a->info, &b->info))
            return vsDomainABIMismatch("watchdog", i, error);
    }
    return TRUE;
}


/**
 * vsDomainDefCheckDevicesABI:
 * @src: the definition a guest runs (or was saved) with
 * @dst: a replacement definition
 * @error: return location for a #GError
 *
 * Video and sound cards, channels, USB and virtio inputs, redirected USB
 * ports and watchdogs must match; display ports, listen addresses,
 * passwords and socket paths may change.
 *
 * Returns: TRUE when @dst keeps @src's guest ABI.
 */
gboolean
vsDomainDefCheckDevicesABI(const vsDomainDef *src,
                           const vsDomainDef *dst,
                           GError **error)
{
    size_t i;

    if (!vsDomainABICheckLen("graphics", src->graphics->len,
                             dst->graphics->len, error) ||
        !vsDomainABICheckLen("video", src->videos->len, dst->videos->len,
                             error) ||
        !vsDomainABICheckLen("sound", src->sounds->len, dst->sounds->len,
                             error) ||
        !vsDomainABICheckLen("channel", src->channels->len,
                             dst->channels->len, error) ||
        !vsDomainABICheckLen("input", src->inputDevs->len,
                             dst->inputDevs->len, error) ||
        !vsDomainABICheckLen("redirdev", src->redirdevs->len,
                             dst->redirdevs->len, error) ||
        !vsDomainABICheckLen("watchdog", src->watchdogs->len,
                             dst->watchdogs->len, error) ||
        !vsDomainABICheckLen("TPM", src->tpms->len, dst->tpms->len, error))
        return FALSE;
    for (i = 0; i < src->tpms->len; i++) {
        vsDomainTPMDef *a = g_ptr_array_index(src->tpms, i);
        vsDomainTPMDef *b = g_ptr_array_index(dst->tpms, i);

        if (a->model != b->model)
            return vsDomainABIMismatch("TPM", i, error);
    }
    for (i = 0; i < src->graphics->len; i++) {
        vsDomainGraphicsDef *a = g_ptr_array_index(src->graphics, i);
        vsDomainGraphicsDef *b = g_ptr_array_index(dst->graphics, i);

        if (a->type != b->type)
            return vsDomainABIMismatch("graphics device", i, error);
    }
    return vsDomainDefCheckVideoSoundABI(src, dst, error) &&
        vsDomainDefCheckPortsABI(src, dst, error);
}
