/*
 * qemu_commandpriv.h: what the parts of the command line builder share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not for use outside qemu_command*.c and their tests.
 */

#pragma once

#include <json-c/json.h>

#include "qemu_command.h"

typedef struct _qemuCommandBuf qemuCommandBuf;
struct _qemuCommandBuf {
    GPtrArray *args;
    const vsDomainDef *def;
    const qemuCommandOptions *opts;
    gboolean kvm;
};

/* Argument helpers: one argument; an option and its value; an option and
 * a formatted value; an option and a JSON value (@obj: transfer full). */
void qemuArg(qemuCommandBuf *buf, const char *arg);
void qemuArgPair(qemuCommandBuf *buf, const char *opt, const char *value);
void qemuArgPairf(qemuCommandBuf *buf, const char *opt, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void qemuArgJSON(qemuCommandBuf *buf, const char *opt, json_object *obj);
/* Appends @value with each ',' doubled for QEMU's key=value syntax. */
void qemuEscapeComma(GString *str, const char *value);
void qemuJSONAddStr(json_object *obj, const char *key, const char *value);
void qemuJSONAddInt(json_object *obj, const char *key, long long value);
void qemuJSONAddBool(json_object *obj, const char *key, gboolean value);
/* QEMU's id of PCI bus @bus (the controller's alias). */
const char *qemuPCIBusName(const vsDomainDef *def, unsigned int bus);
/* Adds "bus" and "addr" for a device with a PCI address. */
void qemuJSONAddPCIAddress(const vsDomainDef *def, json_object *props,
                           const vsDomainDeviceInfo *info);
/* (transfer full) {"driver": @driver, "id": @id}; @id may be NULL. */
json_object *qemuDeviceNew(const char *driver, const char *id);

/* ---- qemu_command_devices.c ------------------------------------------- */

/* Firmware block nodes (before -machine). */
void qemuBuildFirmware(qemuCommandBuf *buf);
/* Appends smm, pflash and hpet properties to the -machine value. */
void qemuBuildMachineDeviceProps(qemuCommandBuf *buf, GString *machine);
/* Globals after -machine: pflash secure. */
void qemuBuildFirmwareGlobals(qemuCommandBuf *buf);
/* Whether the CPU needs a -cpu argument for Hyper-V or timer flags even
 * without <cpu>. */
gboolean qemuBuildCPUNeedsFlags(const vsDomainDef *def);
/* Appends Hyper-V and clock flags to the -cpu value. */
void qemuBuildCPUDeviceFlags(qemuCommandBuf *buf, GString *cpu);
/* Appends ",driftfix=slew" for an RTC that catches up. */
void qemuBuildRTCProps(qemuCommandBuf *buf, GString *rtc);
/* -global for the PIT's lost tick policy. */
void qemuBuildTimerGlobals(qemuCommandBuf *buf);
/* virtio-serial-pci for a virtio-serial controller. */
json_object *qemuBuildVirtioSerialController(const vsDomainControllerDef *cont);
/* Channels, USB/virtio inputs, audio, displays, video, sound, watchdogs
 * and USB redirection, in libvirt's order. */
void qemuBuildDisplayDevices(qemuCommandBuf *buf);
/* Whether the driver chose every port and socket path. */
gboolean qemuBuildCheckDevices(const vsDomainDef *def, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
