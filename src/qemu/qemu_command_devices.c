/*
 * qemu_command_devices.c: QEMU arguments for firmware, timers, Hyper-V,
 * displays, video, sound, channels, USB and virtio input, watchdogs and
 * USB redirection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The devices keep the ids and properties libvirt gives them (video0,
 * sound0 with codec sound0-codec0, channel0 on virtio-serial0.0,
 * input0 on usb.0), so that a save image taken under either daemon
 * loads into a QEMU started by the other. Ports, socket paths and listen
 * addresses are chosen by the driver before the command line is built
 * and are read from the definition here.
 */

#include <config.h>

#include "qemu_command.h"
#include "qemu_commandpriv.h"

#include "vserror.h"
#include "vsinternal.h"

/* QEMU's VNC display numbers count from this TCP port. */
#define QEMU_VNC_PORT_MIN 5900


/**
 * qemuBuildFirmware:
 * @buf: the command being built
 *
 * A pflash loader becomes a read-only raw block node (pflash0) and its
 * NVRAM file a writable one (pflash1), as libvirt passes them; a rom
 * loader is given with -bios.
 */
void
qemuBuildFirmware(qemuCommandBuf *buf)
{
    const vsDomainFirmwareDef *fw = &buf->def->fw;
    json_object *file;
    json_object *fmt;

    if (!fw->loader)
        return;
    if (fw->loaderType == VS_DOMAIN_LOADER_TYPE_ROM) {
        qemuArgPair(buf, "-bios", fw->loader);
        return;
    }

    file = json_object_new_object();
    qemuJSONAddStr(file, "driver", "file");
    qemuJSONAddStr(file, "filename", fw->loader);
    qemuJSONAddStr(file, "node-name", "vs-pflash0-storage");
    qemuJSONAddBool(file, "auto-read-only", TRUE);
    qemuJSONAddStr(file, "discard", "unmap");
    qemuArgJSON(buf, "-blockdev", file);

    fmt = json_object_new_object();
    qemuJSONAddStr(fmt, "node-name", "vs-pflash0-format");
    qemuJSONAddBool(fmt, "read-only", TRUE);
    qemuJSONAddStr(fmt, "driver", "raw");
    qemuJSONAddStr(fmt, "file", "vs-pflash0-storage");
    qemuArgJSON(buf, "-blockdev", fmt);

    if (!fw->nvram)
        return;
    file = json_object_new_object();
    qemuJSONAddStr(file, "driver", "file");
    qemuJSONAddStr(file, "filename", fw->nvram);
    qemuJSONAddStr(file, "node-name", "vs-pflash1-storage");
    qemuJSONAddBool(file, "read-only", FALSE);
    qemuArgJSON(buf, "-blockdev", file);
}


static const vsDomainTimerDef *
qemuFindTimer(const vsDomainDef *def,
              vsDomainTimerName name)
{
    size_t i;

    for (i = 0; i < def->timers->len; i++) {
        vsDomainTimerDef *timer = g_ptr_array_index(def->timers, i);

        if (timer->name == name)
            return timer;
    }
    return NULL;
}


/**
 * qemuBuildMachineDeviceProps:
 * @buf: the command being built
 * @machine: the -machine value so far
 *
 * Adds smm=, pflash0=/pflash1= and hpet= to the machine.
 */
void
qemuBuildMachineDeviceProps(qemuCommandBuf *buf,
                            GString *machine)
{
    const vsDomainDef *def = buf->def;
    const vsDomainTimerDef *hpet = qemuFindTimer(def, VS_DOMAIN_TIMER_HPET);

    if (def->smm != VS_DOMAIN_TRISTATE_ABSENT)
        g_string_append_printf(machine, ",smm=%s",
                               def->smm == VS_DOMAIN_TRISTATE_ON ? "on" : "off");
    if (def->fw.loader && def->fw.loaderType == VS_DOMAIN_LOADER_TYPE_PFLASH) {
        g_string_append(machine, ",pflash0=vs-pflash0-format");
        if (def->fw.nvram)
            g_string_append(machine, ",pflash1=vs-pflash1-storage");
    }
    if (hpet && hpet->present != VS_DOMAIN_TRISTATE_ABSENT)
        g_string_append_printf(machine, ",hpet=%s",
                               hpet->present == VS_DOMAIN_TRISTATE_ON ?
                               "on" : "off");
}


/**
 * qemuBuildFirmwareGlobals:
 * @buf: the command being built
 *
 * A secure loader makes the flash accessible only in SMM.
 */
void
qemuBuildFirmwareGlobals(qemuCommandBuf *buf)
{
    if (buf->def->fw.loaderSecure == VS_DOMAIN_TRISTATE_ON)
        qemuArgPair(buf, "-global", "driver=cfi.pflash01,property=secure,value=on");
}


/**
 * qemuBuildCPUNeedsFlags:
 * @def: a complete definition
 *
 * Returns: whether Hyper-V or timer settings need -cpu flags.
 */
gboolean
qemuBuildCPUNeedsFlags(const vsDomainDef *def)
{
    const vsDomainTimerDef *hv = qemuFindTimer(def, VS_DOMAIN_TIMER_HYPERVCLOCK);
    const vsDomainTimerDef *kvm = qemuFindTimer(def, VS_DOMAIN_TIMER_KVMCLOCK);

    return def->hyperv.present ||
        (hv && hv->present != VS_DOMAIN_TRISTATE_ABSENT) ||
        (kvm && kvm->present != VS_DOMAIN_TRISTATE_ABSENT);
}


/**
 * qemuBuildCPUDeviceFlags:
 * @buf: the command being built
 * @cpu: the -cpu value so far
 *
 * Adds kvmclock, hv-time (hypervclock) and the hv-* enlightenments in
 * libvirt's order.
 */
void
qemuBuildCPUDeviceFlags(qemuCommandBuf *buf,
                        GString *cpu)
{
    const vsDomainDef *def = buf->def;
    const vsDomainHypervDef *hv = &def->hyperv;
    const vsDomainTimerDef *timer;
    size_t i;

    if ((timer = qemuFindTimer(def, VS_DOMAIN_TIMER_KVMCLOCK)) &&
        timer->present != VS_DOMAIN_TRISTATE_ABSENT)
        g_string_append_printf(cpu, ",kvmclock=%s",
                               timer->present == VS_DOMAIN_TRISTATE_ON ?
                               "on" : "off");
    if ((timer = qemuFindTimer(def, VS_DOMAIN_TIMER_HYPERVCLOCK)) &&
        timer->present != VS_DOMAIN_TRISTATE_ABSENT)
        g_string_append_printf(cpu, ",hv-time=%s",
                               timer->present == VS_DOMAIN_TRISTATE_ON ?
                               "on" : "off");

    for (i = 0; i < VS_DOMAIN_HYPERV_LAST; i++) {
        const char *name = vsDomainHypervFeatureTypeToString(i);

        if (hv->state[i] != VS_DOMAIN_TRISTATE_ON)
            continue;
        if (i == VS_DOMAIN_HYPERV_SPINLOCKS)
            g_string_append_printf(cpu, ",hv-spinlocks=0x%x",
                                   hv->spinlockRetries);
        else if (i == VS_DOMAIN_HYPERV_TLBFLUSH)
            g_string_append(cpu, ",hv-tlbflush=on");
        else
            g_string_append_printf(cpu, ",hv-%s=on", name);
    }
}


/**
 * qemuBuildRTCProps:
 * @buf: the command being built
 * @rtc: the -rtc value so far
 *
 * An RTC with tickpolicy 'catchup' re-injects lost ticks.
 */
void
qemuBuildRTCProps(qemuCommandBuf *buf,
                  GString *rtc)
{
    const vsDomainTimerDef *timer = qemuFindTimer(buf->def, VS_DOMAIN_TIMER_RTC);

    if (timer && timer->tickpolicy == VS_DOMAIN_TIMER_TICK_CATCHUP)
        g_string_append(rtc, ",driftfix=slew");
}


/**
 * qemuBuildTimerGlobals:
 * @buf: the command being built
 *
 * The PIT's lost tick policy is a property of KVM's in-kernel PIT; under
 * TCG the emulated PIT has no such setting and QEMU's default applies.
 */
void
qemuBuildTimerGlobals(qemuCommandBuf *buf)
{
    const vsDomainTimerDef *timer = qemuFindTimer(buf->def, VS_DOMAIN_TIMER_PIT);

    if (!timer || timer->tickpolicy == VS_DOMAIN_TIMER_TICK_DEFAULT || !buf->kvm)
        return;
    qemuArgPairf(buf, "-global", "kvm-pit.lost_tick_policy=%s",
                 vsDomainTimerTickPolicyTypeToString(timer->tickpolicy));
}


/**
 * qemuBuildVirtioSerialController:
 * @cont: a virtio-serial controller
 *
 * Returns: (transfer full) its device properties, without the address.
 */
json_object *
qemuBuildVirtioSerialController(const vsDomainControllerDef *cont)
{
    return qemuDeviceNew("virtio-serial-pci", cont->info.alias);
}


static void
qemuBuildChannels(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);
        g_autofree char *charId = g_strdup_printf("char%s", chan->info.alias);
        g_autofree char *bus = g_strdup_printf("virtio-serial%u.%u",
                                               chan->controller, chan->bus);
        g_autoptr(GString) chardev = g_string_new(NULL);
        json_object *props;

        if (chan->type == VS_DOMAIN_CHANNEL_UNIX) {
            g_string_append_printf(chardev, "socket,id=%s,path=", charId);
            qemuEscapeComma(chardev, chan->path ? chan->path : "");
            g_string_append(chardev, ",server=on,wait=off");
        } else {
            g_string_append_printf(chardev, "spicevmc,id=%s,name=vdagent",
                                   charId);
        }
        qemuArgPair(buf, "-chardev", chardev->str);

        props = qemuDeviceNew("virtserialport", NULL);
        qemuJSONAddStr(props, "bus", bus);
        qemuJSONAddInt(props, "nr", chan->port);
        qemuJSONAddStr(props, "chardev", charId);
        qemuJSONAddStr(props, "id", chan->info.alias);
        qemuJSONAddStr(props, "name", chan->name);
        qemuArgJSON(buf, "-device", props);
    }
}


static void
qemuBuildTPMs(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->tpms->len; i++) {
        vsDomainTPMDef *tpm = g_ptr_array_index(def->tpms, i);
        g_autofree char *tpmdev = g_strdup_printf("tpm-%s", tpm->info.alias);
        g_autoptr(GString) chardev = g_string_new("socket,id=chrtpm,path=");
        json_object *props;

        qemuEscapeComma(chardev, tpm->socket ? tpm->socket : "");
        qemuArgPair(buf, "-chardev", chardev->str);
        qemuArgPairf(buf, "-tpmdev", "emulator,id=%s,chardev=chrtpm", tpmdev);
        props = qemuDeviceNew(vsDomainTPMModelTypeToString(tpm->model), NULL);
        qemuJSONAddStr(props, "tpmdev", tpmdev);
        qemuJSONAddStr(props, "id", tpm->info.alias);
        qemuArgJSON(buf, "-device", props);
    }
}


static void
qemuJSONAddUSBPort(json_object *props,
                   unsigned int port)
{
    g_autofree char *str = g_strdup_printf("%u", port);

    qemuJSONAddStr(props, "bus", "usb.0");
    qemuJSONAddStr(props, "port", str);
}


static void
qemuBuildInputDevs(qemuCommandBuf *buf)
{
    static const char *const usbDrivers[] = {
        "usb-tablet", "usb-mouse", "usb-kbd",
    };
    static const char *const virtioDrivers[] = {
        "virtio-tablet-pci", "virtio-mouse-pci", "virtio-keyboard-pci",
    };
    const vsDomainDef *def = buf->def;
    size_t i;

    G_STATIC_ASSERT(G_N_ELEMENTS(usbDrivers) == VS_DOMAIN_INPUT_DEV_LAST);
    G_STATIC_ASSERT(G_N_ELEMENTS(virtioDrivers) == VS_DOMAIN_INPUT_DEV_LAST);

    for (i = 0; i < def->inputDevs->len; i++) {
        vsDomainInputDevDef *input = g_ptr_array_index(def->inputDevs, i);
        json_object *props;

        if (input->bus == VS_DOMAIN_INPUT_BUS_USB) {
            props = qemuDeviceNew(usbDrivers[input->type], input->info.alias);
            qemuJSONAddUSBPort(props, input->usbPort);
        } else {
            props = qemuDeviceNew(virtioDrivers[input->type], input->info.alias);
            qemuJSONAddPCIAddress(def, props, &input->info);
        }
        qemuArgJSON(buf, "-device", props);
    }
}


static void
qemuBuildAudio(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->audios->len; i++) {
        vsDomainAudioDef *audio = g_ptr_array_index(def->audios, i);
        g_autofree char *id = g_strdup_printf("audio%u", audio->id);
        json_object *props = json_object_new_object();

        qemuJSONAddStr(props, "id", id);
        qemuJSONAddStr(props, "driver", vsDomainAudioTypeToString(audio->type));
        qemuArgJSON(buf, "-audiodev", props);
    }
}


/* The id of the first audio backend, which displays and sound cards
 * without an explicit one use. */
static unsigned int
qemuDefaultAudioId(const vsDomainDef *def)
{
    vsDomainAudioDef *audio;

    if (def->audios->len == 0)
        return 0;
    audio = g_ptr_array_index(def->audios, 0);
    return audio->id;
}


static void
qemuBuildVNC(qemuCommandBuf *buf,
             const vsDomainGraphicsDef *gfx)
{
    g_autoptr(GString) vnc = g_string_new(NULL);
    unsigned int audio = qemuDefaultAudioId(buf->def);

    switch (gfx->listenType) {
    case VS_DOMAIN_GRAPHICS_LISTEN_SOCKET:
        g_string_append(vnc, "vnc=unix:");
        qemuEscapeComma(vnc, gfx->socket ? gfx->socket : "");
        break;
    case VS_DOMAIN_GRAPHICS_LISTEN_NONE:
        g_string_append(vnc, "none");
        break;
    case VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS:
    case VS_DOMAIN_GRAPHICS_LISTEN_LAST:
    default:
        qemuEscapeComma(vnc, gfx->listenAddress ? gfx->listenAddress :
                        "127.0.0.1");
        g_string_append_printf(vnc, ":%d", gfx->port - QEMU_VNC_PORT_MIN);
        break;
    }
    /* The password itself is set over the monitor after start. */
    if (gfx->passwd)
        g_string_append(vnc, ",password=on");
    if (audio)
        g_string_append_printf(vnc, ",audiodev=audio%u", audio);
    /* The keyboard layout is a global option of QEMU's VNC server. */
    if (gfx->keymap)
        qemuArgPair(buf, "-k", gfx->keymap);
    qemuArgPair(buf, "-vnc", vnc->str);
}


static void
qemuBuildSpice(qemuCommandBuf *buf,
               const vsDomainGraphicsDef *gfx)
{
    g_autoptr(GString) spice = g_string_new(NULL);

    switch (gfx->listenType) {
    case VS_DOMAIN_GRAPHICS_LISTEN_SOCKET:
        g_string_append(spice, "unix=on,addr=");
        qemuEscapeComma(spice, gfx->socket ? gfx->socket : "");
        break;
    case VS_DOMAIN_GRAPHICS_LISTEN_NONE:
        g_string_append(spice, "port=0");
        break;
    case VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS:
    case VS_DOMAIN_GRAPHICS_LISTEN_LAST:
    default:
        g_string_append_printf(spice, "port=%d,addr=", gfx->port);
        qemuEscapeComma(spice, gfx->listenAddress ? gfx->listenAddress :
                        "127.0.0.1");
        break;
    }
    /* Without a password anybody who reaches the port may connect, as
     * with libvirt; with one, the monitor sets it after start. */
    if (!gfx->passwd && gfx->listenType != VS_DOMAIN_GRAPHICS_LISTEN_NONE)
        g_string_append(spice, ",disable-ticketing=on");
    if (gfx->imageCompression)
        g_string_append_printf(spice, ",image-compression=%s",
                               gfx->imageCompression);
    g_string_append(spice, ",seamless-migration=on");
    qemuArgPair(buf, "-spice", spice->str);
}


static void
qemuBuildVideo(qemuCommandBuf *buf,
               const vsDomainVideoDef *video)
{
    static const char *const primary[] = {
        "virtio-vga", "qxl-vga", "VGA", "bochs-display", "ramfb", "cirrus-vga",
    };
    static const char *const secondary[] = {
        "virtio-gpu-pci", "qxl", NULL, NULL, NULL, NULL,
    };
    const char *driver = video->primary ? primary[video->model] :
        secondary[video->model];
    json_object *props;

    G_STATIC_ASSERT(G_N_ELEMENTS(primary) == VS_DOMAIN_VIDEO_LAST);
    G_STATIC_ASSERT(G_N_ELEMENTS(secondary) == VS_DOMAIN_VIDEO_LAST);

    props = qemuDeviceNew(driver, video->info.alias);
    switch (video->model) {
    case VS_DOMAIN_VIDEO_VIRTIO:
        qemuJSONAddInt(props, "max_outputs", video->heads);
        break;
    case VS_DOMAIN_VIDEO_QXL:
        qemuJSONAddInt(props, "max_outputs", video->heads);
        qemuJSONAddInt(props, "ram_size", (long long) video->ram * 1024);
        qemuJSONAddInt(props, "vram_size", (long long) video->vram * 1024);
        qemuJSONAddInt(props, "vram64_size_mb", 0);
        qemuJSONAddInt(props, "vgamem_mb", video->vgamem / 1024);
        break;
    case VS_DOMAIN_VIDEO_VGA:
        qemuJSONAddInt(props, "vgamem_mb", video->vram / 1024);
        break;
    case VS_DOMAIN_VIDEO_BOCHS:
        qemuJSONAddInt(props, "vgamem", (long long) video->vram * 1024);
        break;
    case VS_DOMAIN_VIDEO_RAMFB:
    case VS_DOMAIN_VIDEO_CIRRUS:
    case VS_DOMAIN_VIDEO_LAST:
    default:
        /* cirrus-vga has a fixed 4 MiB framebuffer; libvirt passes no
         * size for it. */
        break;
    }
    qemuJSONAddPCIAddress(buf->def, props, &video->info);
    qemuArgJSON(buf, "-device", props);
}


static void
qemuBuildSound(qemuCommandBuf *buf,
               const vsDomainSoundDef *sound)
{
    unsigned int audio = sound->audioId ? sound->audioId :
        qemuDefaultAudioId(buf->def);
    g_autofree char *audiodev = g_strdup_printf("audio%u", audio);
    g_autofree char *codecId = NULL;
    g_autofree char *codecBus = NULL;
    json_object *props;

    if (sound->model == VS_DOMAIN_SOUND_AC97) {
        props = qemuDeviceNew("AC97", sound->info.alias);
        qemuJSONAddStr(props, "audiodev", audiodev);
        qemuJSONAddPCIAddress(buf->def, props, &sound->info);
        qemuArgJSON(buf, "-device", props);
        return;
    }

    props = qemuDeviceNew(sound->model == VS_DOMAIN_SOUND_ICH9 ?
                          "ich9-intel-hda" : "intel-hda", sound->info.alias);
    qemuJSONAddPCIAddress(buf->def, props, &sound->info);
    qemuArgJSON(buf, "-device", props);

    /* libvirt's default codec: a duplex one at address 0. */
    codecId = g_strdup_printf("%s-codec0", sound->info.alias);
    codecBus = g_strdup_printf("%s.0", sound->info.alias);
    props = qemuDeviceNew("hda-duplex", codecId);
    qemuJSONAddStr(props, "bus", codecBus);
    qemuJSONAddInt(props, "cad", 0);
    qemuJSONAddStr(props, "audiodev", audiodev);
    qemuArgJSON(buf, "-device", props);
}


static void
qemuBuildWatchdogs(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->watchdogs->len; i++) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, i);

        if (wd->model == VS_DOMAIN_WATCHDOG_ITCO) {
            /* The ICH9 TCO timer only resets the guest with noreboot
             * off. */
            qemuArgPair(buf, "-global", "ICH9-LPC.noreboot=off");
        } else {
            json_object *props = qemuDeviceNew("i6300esb", wd->info.alias);

            qemuJSONAddPCIAddress(def, props, &wd->info);
            qemuArgJSON(buf, "-device", props);
        }
    }
    if (def->watchdogs->len) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, 0);

        /* The action names are QEMU's; libvirt's 'dump' is not offered. */
        qemuArgPair(buf, "-watchdog-action",
                    vsDomainWatchdogActionTypeToString(wd->action));
    }
}


static void
qemuBuildRedirdevs(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->redirdevs->len; i++) {
        vsDomainRedirdevDef *redir = g_ptr_array_index(def->redirdevs, i);
        g_autofree char *charId = g_strdup_printf("char%s", redir->info.alias);
        json_object *props;

        qemuArgPairf(buf, "-chardev", "spicevmc,id=%s,name=usbredir", charId);
        props = qemuDeviceNew("usb-redir", NULL);
        qemuJSONAddStr(props, "chardev", charId);
        qemuJSONAddStr(props, "id", redir->info.alias);
        qemuJSONAddUSBPort(props, redir->usbPort);
        qemuArgJSON(buf, "-device", props);
    }
}


/**
 * qemuBuildDisplayDevices:
 * @buf: the command being built
 *
 * Adds the devices of domain_devices.c in the order libvirt creates
 * them: channels, TPMs, inputs, audio backends, displays, video cards, sound
 * cards, watchdogs, USB redirection.
 */
void
qemuBuildDisplayDevices(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    qemuBuildChannels(buf);
    qemuBuildTPMs(buf);
    qemuBuildInputDevs(buf);
    qemuBuildAudio(buf);
    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);

        if (gfx->type == VS_DOMAIN_GRAPHICS_VNC)
            qemuBuildVNC(buf, gfx);
        else
            qemuBuildSpice(buf, gfx);
    }
    for (i = 0; i < def->videos->len; i++)
        qemuBuildVideo(buf, g_ptr_array_index(def->videos, i));
    for (i = 0; i < def->sounds->len; i++)
        qemuBuildSound(buf, g_ptr_array_index(def->sounds, i));
    qemuBuildWatchdogs(buf);
    qemuBuildRedirdevs(buf);
}


/**
 * qemuBuildCheckDevices:
 * @def: a complete definition
 * @error: return location for a #GError
 *
 * The driver chooses display ports and socket paths before building the
 * command line; a definition that still lacks one cannot be started.
 *
 * Returns: TRUE when the definition is ready, FALSE with @error set.
 */
gboolean
qemuBuildCheckDevices(const vsDomainDef *def,
                      GError **error)
{
    size_t i;

    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);
        gboolean vnc = gfx->type == VS_DOMAIN_GRAPHICS_VNC;

        if ((gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS &&
             gfx->port < (vnc ? QEMU_VNC_PORT_MIN : 1)) ||
            (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET &&
             !gfx->socket)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("no port or socket chosen for the '%s' display of domain '%s'"),
                        vsDomainGraphicsTypeToString(gfx->type), def->name);
            return FALSE;
        }
    }
    for (i = 0; i < def->tpms->len; i++) {
        vsDomainTPMDef *tpm = g_ptr_array_index(def->tpms, i);

        if (!tpm->socket) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("no swtpm socket for the TPM of domain '%s'"),
                        def->name);
            return FALSE;
        }
    }
    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);

        if (chan->type == VS_DOMAIN_CHANNEL_UNIX && !chan->path) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("no socket path chosen for channel '%s' of domain '%s'"),
                        chan->name, def->name);
            return FALSE;
        }
    }
    return TRUE;
}
