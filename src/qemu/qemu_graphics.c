/*
 * qemu_graphics.c: display ports, runtime socket paths, display
 * passwords and the ptys of character devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Before QEMU starts, each display that listens on TCP with autoport
 * gets the lowest port from 5900 up that no other domain of this daemon
 * holds and that the host lets us bind, as libvirt allocates them; a
 * fixed port must be free too. UNIX sockets of displays and channels
 * that the XML leaves unnamed go under the daemon's runtime directory.
 * All of that is written into the live definition, so that live XML,
 * `virsh domdisplay`, `virsh vncdisplay` and the status file show it.
 * Once QEMU runs, display passwords are set over the monitor (they never
 * appear on its command line) and the ptys QEMU allocated for 'pty'
 * serial ports and consoles are read with query-chardev, for the live
 * XML's <source path> and tty (`virsh ttyconsole`, `virsh console`).
 */

#include <config.h>

#include "qemu_graphics.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.graphics");

/* libvirt's default range for display ports. */
#define QEMU_GRAPHICS_PORT_MIN 5900
#define QEMU_GRAPHICS_PORT_MAX 65535

/* Where displays listen unless the XML says otherwise, as in libvirt. */
#define QEMU_GRAPHICS_DEFAULT_LISTEN "127.0.0.1"


/**
 * qemuGraphicsPortsNew:
 *
 * Returns: (transfer full) an empty table of reserved display ports.
 */
qemuGraphicsPorts *
qemuGraphicsPortsNew(void)
{
    qemuGraphicsPorts *ports = g_new0(qemuGraphicsPorts, 1);

    g_mutex_init(&ports->lock);
    ports->owners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    return ports;
}


/**
 * qemuGraphicsPortsFree:
 * @ports: (nullable): a port table
 */
void
qemuGraphicsPortsFree(qemuGraphicsPorts *ports)
{
    if (!ports)
        return;
    g_hash_table_unref(ports->owners);
    g_mutex_clear(&ports->lock);
    g_free(ports);
}


/* Whether the host lets a socket bind @port on @address right now. */
static gboolean
qemuGraphicsPortIsFree(const char *address,
                       int port)
{
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    g_autofree char *service = g_strdup_printf("%d", port);
    gboolean ok = FALSE;
    int one = 1;
    int fd;

    if (getaddrinfo(address, service, &hints, &res) != 0 || !res)
        return FALSE;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        /* QEMU sets SO_REUSEADDR too: a port in TIME_WAIT is usable. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        ok = bind(fd, res->ai_addr, res->ai_addrlen) == 0;
        close(fd);
    }
    freeaddrinfo(res);
    return ok;
}


static gboolean
qemuGraphicsReservePort(qemuGraphicsPorts *ports,
                        const vsDomainDef *def,
                        vsDomainGraphicsDef *gfx,
                        GError **error)
{
    char uuid[VS_UUID_STRING_BUFLEN];
    int port = gfx->autoport ? QEMU_GRAPHICS_PORT_MIN : gfx->port;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ports->lock);

    vsUUIDFormat(def->uuid, uuid);
    for (; port <= QEMU_GRAPHICS_PORT_MAX; port++) {
        gboolean held = g_hash_table_contains(ports->owners,
                                              GINT_TO_POINTER(port));

        if (!held && qemuGraphicsPortIsFree(gfx->listenAddress, port))
            break;
        if (!gfx->autoport) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("port %d of element '/domain/devices/graphics' (type '%s') is already in use on '%s'"),
                        port, vsDomainGraphicsTypeToString(gfx->type),
                        gfx->listenAddress);
            return FALSE;
        }
    }
    if (port > QEMU_GRAPHICS_PORT_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("no free port for element '/domain/devices/graphics' (type '%s')"),
                    vsDomainGraphicsTypeToString(gfx->type));
        return FALSE;
    }
    g_hash_table_insert(ports->owners, GINT_TO_POINTER(port), g_strdup(uuid));
    gfx->port = port;
    VS_INFO("domain '%s': %s display on %s port %d", def->name,
            vsDomainGraphicsTypeToString(gfx->type), gfx->listenAddress, port);
    return TRUE;
}


/**
 * qemuGraphicsRelease:
 * @ports: the driver's port table
 * @def: a live definition that stopped or failed to start
 *
 * Gives back the display ports @def holds.
 */
void
qemuGraphicsRelease(qemuGraphicsPorts *ports,
                    const vsDomainDef *def)
{
    char uuid[VS_UUID_STRING_BUFLEN];
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ports->lock);
    size_t i;

    vsUUIDFormat(def->uuid, uuid);
    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);
        const char *owner = g_hash_table_lookup(ports->owners,
                                                GINT_TO_POINTER(gfx->port));

        if (gfx->port > 0 && owner && g_str_equal(owner, uuid))
            g_hash_table_remove(ports->owners, GINT_TO_POINTER(gfx->port));
    }
}


/* A UNIX socket path must fit sockaddr_un. */
static gboolean
qemuGraphicsCheckSocketPath(const char *path,
                            GError **error)
{
    struct sockaddr_un sun;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("socket path '%s' is too long for a UNIX socket"), path);
        return FALSE;
    }
    return TRUE;
}


static gboolean
qemuGraphicsPrepareChannels(const char *stateDir,
                            vsDomainDef *def,
                            GError **error)
{
    size_t i;

    for (i = 0; i < def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);
        g_autofree char *dir = NULL;

        if (chan->type != VS_DOMAIN_CHANNEL_UNIX)
            continue;
        if (!chan->path) {
            chan->path = g_build_filename(stateDir, "channel", def->name,
                                          chan->name, NULL);
            chan->autoPath = TRUE;
        }
        if (!qemuGraphicsCheckSocketPath(chan->path, error))
            return FALSE;
        dir = g_path_get_dirname(chan->path);
        if (g_mkdir_with_parents(dir, 0700) < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot create the channel directory '%s'"),
                            dir);
            return FALSE;
        }
        /* A socket left by a QEMU that was killed would make it fail. */
        unlink(chan->path);
    }
    return TRUE;
}


/**
 * qemuGraphicsPrepare:
 * @ports: the driver's port table
 * @stateDir: the daemon's runtime directory for domains
 * @def: the live definition about to be started
 * @error: return location for a #GError
 *
 * Chooses listen addresses, ports and socket paths for displays and
 * channels and writes them into @def. On failure nothing stays
 * reserved.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuGraphicsPrepare(qemuGraphicsPorts *ports,
                    const char *stateDir,
                    vsDomainDef *def,
                    GError **error)
{
    size_t i;

    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);

        if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS) {
            if (!gfx->listenAddress) {
                gfx->listenAddress = g_strdup(QEMU_GRAPHICS_DEFAULT_LISTEN);
                gfx->autoListen = TRUE;
            }
            if (gfx->autoport)
                gfx->port = -1;
            if (!qemuGraphicsReservePort(ports, def, gfx, error))
                goto error;
        } else if (gfx->listenType == VS_DOMAIN_GRAPHICS_LISTEN_SOCKET) {
            if (!gfx->socket) {
                g_autofree char *file =
                    g_strdup_printf("%s.%s", def->name,
                                    vsDomainGraphicsTypeToString(gfx->type));

                gfx->socket = g_build_filename(stateDir, file, NULL);
                gfx->autoSocket = TRUE;
            }
            if (!qemuGraphicsCheckSocketPath(gfx->socket, error))
                goto error;
            unlink(gfx->socket);
        }
    }
    if (!qemuGraphicsPrepareChannels(stateDir, def, error))
        goto error;
    return TRUE;

 error:
    qemuGraphicsRelease(ports, def);
    return FALSE;
}


/**
 * qemuGraphicsParseChardevPtys:
 * @reply: the return value of query-chardev
 * @def: the live definition
 *
 * Records the pty QEMU opened for each 'pty' serial port (chardev
 * "charserialN", filename "pty:/dev/pts/M") in the port and in the
 * console that mirrors it.
 */
void
qemuGraphicsParseChardevPtys(json_object *reply,
                             vsDomainDef *def)
{
    size_t i;
    size_t j;

    if (!reply || !json_object_is_type(reply, json_type_array))
        return;

    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);
        g_autofree char *label = g_strdup_printf("char%s", chr->info.alias);

        if (chr->type != VS_DOMAIN_CHR_PTY)
            continue;
        for (j = 0; j < json_object_array_length(reply); j++) {
            json_object *entry = json_object_array_get_idx(reply, j);
            json_object *name = NULL;
            json_object *file = NULL;
            const char *path;

            if (!json_object_object_get_ex(entry, "label", &name) ||
                !json_object_object_get_ex(entry, "filename", &file) ||
                !g_str_equal(json_object_get_string(name), label))
                continue;
            path = json_object_get_string(file);
            if (path && g_str_has_prefix(path, "pty:")) {
                g_free(chr->ptyPath);
                chr->ptyPath = g_strdup(path + strlen("pty:"));
            }
        }
        for (j = 0; j < def->consoles->len; j++) {
            vsDomainChrDef *con = g_ptr_array_index(def->consoles, j);

            if (con->type == VS_DOMAIN_CHR_PTY && con->port == chr->port) {
                g_free(con->ptyPath);
                con->ptyPath = g_strdup(chr->ptyPath);
            }
        }
    }
}


static gboolean
qemuGraphicsSetPasswords(qemuMonitor *mon,
                         const vsDomainDef *def,
                         GError **error)
{
    size_t i;

    for (i = 0; i < def->graphics->len; i++) {
        vsDomainGraphicsDef *gfx = g_ptr_array_index(def->graphics, i);
        json_object *args;

        if (!gfx->passwd)
            continue;
        args = json_object_new_object();
        json_object_object_add(args, "protocol", json_object_new_string(
                                   vsDomainGraphicsTypeToString(gfx->type)));
        json_object_object_add(args, "password",
                               json_object_new_string(gfx->passwd));
        if (!qemuMonitorCommand(mon, "set_password", args, NULL, 0, NULL,
                                error)) {
            g_prefix_error(error, _("cannot set the password of the '%s' display: "),
                           vsDomainGraphicsTypeToString(gfx->type));
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
qemuGraphicsHasPty(const vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);

        if (chr->type == VS_DOMAIN_CHR_PTY)
            return TRUE;
    }
    return FALSE;
}


/**
 * qemuGraphicsSetupMonitor:
 * @mon: the monitor of a QEMU that has just started (vCPUs stopped)
 * @def: its live definition
 * @error: return location for a #GError
 *
 * Sets display passwords and records the ptys of character devices.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuGraphicsSetupMonitor(qemuMonitor *mon,
                         vsDomainDef *def,
                         GError **error)
{
    json_object *reply = NULL;

    if (!qemuGraphicsSetPasswords(mon, def, error))
        return FALSE;
    if (!qemuGraphicsHasPty(def))
        return TRUE;
    if (!qemuMonitorCommand(mon, "query-chardev", NULL, NULL, 0, &reply,
                            error))
        return FALSE;
    qemuGraphicsParseChardevPtys(reply, def);
    json_object_put(reply);
    return TRUE;
}
