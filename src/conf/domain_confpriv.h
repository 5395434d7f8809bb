/*
 * domain_confpriv.h: what the parts of the domain XML model share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not for use outside src/conf and its tests.
 */

#pragma once

#include <libxml/tree.h>

#include "domain_conf.h"

#include <libxml/tree.h>

vsDomainDef *vsDomainDefNew(void);

char *vsDomainMetadataFromNode(xmlNodePtr node, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

vsDomainDiskDef *vsDomainDiskDefNew(void);
void vsDomainDiskDefFree(vsDomainDiskDef *disk);
vsDomainControllerDef *vsDomainControllerDefNew(void);
void vsDomainControllerDefFree(vsDomainControllerDef *cont);
vsDomainNetDef *vsDomainNetDefNew(void);
void vsDomainNetDefFree(vsDomainNetDef *net);
vsDomainChrDef *vsDomainChrDefNew(void);
void vsDomainChrDefFree(vsDomainChrDef *chr);
vsDomainInputDef *vsDomainInputDefNew(vsDomainInputType type);
void vsDomainInputDefFree(vsDomainInputDef *input);
vsDomainRNGDef *vsDomainRNGDefNew(void);
void vsDomainRNGDefFree(vsDomainRNGDef *rng);
vsDomainSeclabelDef *vsDomainSeclabelDefNew(void);
void vsDomainSeclabelDefFree(vsDomainSeclabelDef *seclabel);
vsDomainCPUFeature *vsDomainCPUFeatureNew(void);
void vsDomainCPUFeatureFree(vsDomainCPUFeature *feature);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainDiskDef, vsDomainDiskDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainControllerDef,
                              vsDomainControllerDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainNetDef, vsDomainNetDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainChrDef, vsDomainChrDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainRNGDef, vsDomainRNGDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainSeclabelDef, vsDomainSeclabelDefFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainCPUFeature, vsDomainCPUFeatureFree);

/* Enum tables for values that are optional in the XML: entry 0 (the
 * ABSENT/DEFAULT value) has no string. */
VS_ENUM_DECL(vsDomainTristateOnOff);
VS_ENUM_DECL(vsDomainTristateYesNo);

/* Completes a freshly parsed definition (defaults, addresses, aliases)
 * and checks the rules that span elements. */
gboolean vsDomainDefPostParse(vsDomainDef *def, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Index encoded in a disk target name after its two-letter prefix
 * ("vda" -> 0, "hdc" -> 2, "sdaa" -> 26); -1 when malformed. */
int vsDomainDiskNameToIndex(const char *dst);

/* Whether the definition, as formatted with
 * VS_DOMAIN_DEF_FORMAT_MIGRATABLE, leaves out the controller or input
 * because libvirt adds it back implicitly. */
gboolean vsDomainControllerIsImplicit(const vsDomainDef *def,
                                      const vsDomainControllerDef *cont);


/* ---- parsing helpers shared by domain_parse.c and the device files --- */

typedef struct _vsDomainParseState vsDomainParseState;
struct _vsDomainParseState {
    vsDomainDef *def;
    unsigned int flags;
    gboolean haveUUID;
    gboolean haveOSType;
};

typedef gboolean (*vsDomainChildParser)(vsDomainParseState *st,
                                        void *obj,
                                        xmlNodePtr node,
                                        GError **error);

/* One accepted child element: its name, parser and whether it may
 * appear more than once. */
typedef struct _vsDomainChildHandler vsDomainChildHandler;
struct _vsDomainChildHandler {
    const char *name;
    vsDomainChildParser parse;
    gboolean repeatable;
};

typedef int (*vsDomainEnumFromString)(const char *str);

/* Path of @node for error messages: (transfer full). */
char *vsXMLNodePath(xmlNodePtr node);
void vsXMLErrorUnsupportedElement(xmlNodePtr node, GError **error);
void vsXMLErrorMissingAttr(xmlNodePtr node, const char *name,
                           GError **error);
/* @name NULL: the value is the element's text. */
void vsXMLErrorBadValue(xmlNodePtr node, const char *name,
                        const char *value, GError **error);
void vsXMLErrorBadNumber(xmlNodePtr node, const char *name,
                         const char *value, GError **error);
/* Rejects attributes not in the NULL-terminated @allowed. */
gboolean vsXMLCheckAttrs(xmlNodePtr node, const char *const *allowed,
                         GError **error);
/* (transfer full) the attribute's value, or NULL when absent. */
char *vsXMLGetAttr(xmlNodePtr node, const char *name);
/* (transfer full) the text of an element that holds no elements. */
char *vsXMLGetText(xmlNodePtr node, GError **error);
/* An element that must be empty apart from whitespace and comments. */
gboolean vsXMLCheckEmpty(xmlNodePtr node, GError **error);
/* Optional (unless @required) unsigned attribute up to @max; *@out is
 * untouched when absent. */
gboolean vsXMLGetUIntAttr(xmlNodePtr node, const char *name,
                          unsigned int max, gboolean required,
                          unsigned int *out, GError **error);
gboolean vsXMLGetEnumAttr(xmlNodePtr node, const char *name,
                          vsDomainEnumFromString fromString,
                          gboolean required, int *out, GError **error);
/* Runs the handler of each child element of @parent, rejecting any
 * other element, repeated non-repeatable ones and stray text. */
gboolean vsDomainParseChildren(vsDomainParseState *st, void *obj,
                               xmlNodePtr parent,
                               const vsDomainChildHandler *handlers,
                               size_t nhandlers, GError **error);
/* Child parsers: <alias> (runtime only), <address> into the
 * vsDomainDeviceInfo @obj, and elements accepted and ignored. */
gboolean vsDomainParseAlias(vsDomainParseState *st, void *obj,
                            xmlNodePtr node, GError **error);
gboolean vsDomainParseAddress(vsDomainParseState *st, void *obj,
                              xmlNodePtr node, GError **error);
gboolean vsDomainParseIgnored(vsDomainParseState *st, void *obj,
                              xmlNodePtr node, GError **error);
/* Replaces *@field with the text of @node, which has no attributes. */
gboolean vsDomainParseTextField(xmlNodePtr node, char **field,
                                GError **error);

#define VS_XML_GET_ENUM(node, name, prefix, required, field, error) \
    ({ \
        int _val = (field); \
        gboolean _ok = vsXMLGetEnumAttr(node, name, prefix##TypeFromString, \
                                        required, &_val, error); \
        (field) = _val; \
        _ok; \
    })

/* ---- formatting helpers shared by domain_format.c and the device
 * files --------------------------------------------------------------- */

typedef struct _vsDomainFormatCtxt vsDomainFormatCtxt;
struct _vsDomainFormatCtxt {
    GString *buf;
    const vsDomainDef *def;
    unsigned int flags;
};

void vsBufIndent(GString *buf, unsigned int level);
void vsBufLine(GString *buf, unsigned int level, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* <@name>escaped text</@name> on its own line; nothing for NULL. */
void vsBufTextElement(GString *buf, unsigned int level, const char *name,
                      const char *text);
/* Appends " name='escaped value'" when @value is not NULL. */
void vsBufAttr(GString *buf, const char *name, const char *value);
gboolean vsDomainFormatShowAlias(const vsDomainFormatCtxt *ctxt);
/* Whether the device needs an element body for its alias or address. */
gboolean vsDomainDeviceInfoHasBody(const vsDomainFormatCtxt *ctxt,
                                   const vsDomainDeviceInfo *info);
void vsDomainFormatDeviceInfo(vsDomainFormatCtxt *ctxt,
                              const vsDomainDeviceInfo *info,
                              unsigned int level);

/* ---- domain_platform.c: firmware, <smm>, <hyperv>, timers ----------- */

gboolean vsDomainParseOSFirmwareAttr(vsDomainParseState *st, xmlNodePtr os,
                                     GError **error);
gboolean vsDomainParseOSFirmware(vsDomainParseState *st, void *obj,
                                 xmlNodePtr node, GError **error);
gboolean vsDomainParseLoader(vsDomainParseState *st, void *obj,
                             xmlNodePtr node, GError **error);
gboolean vsDomainParseNVRAM(vsDomainParseState *st, void *obj,
                            xmlNodePtr node, GError **error);
gboolean vsDomainParseSMM(vsDomainParseState *st, void *obj,
                          xmlNodePtr node, GError **error);
gboolean vsDomainParseHyperv(vsDomainParseState *st, void *obj,
                             xmlNodePtr node, GError **error);
gboolean vsDomainParseTimer(vsDomainParseState *st, void *obj,
                            xmlNodePtr node, GError **error);
void vsDomainTimerDefFree(vsDomainTimerDef *timer);
void vsDomainFirmwareDefClear(vsDomainFirmwareDef *fw);
gboolean vsDomainFormatFirmwareResolved(const vsDomainFormatCtxt *ctxt);
void vsDomainFormatFirmware(vsDomainFormatCtxt *ctxt);
void vsDomainFormatPlatformFeatures(vsDomainFormatCtxt *ctxt);
void vsDomainFormatTimers(vsDomainFormatCtxt *ctxt);
gboolean vsDomainDefSetupPlatform(vsDomainDef *def, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsDomainDefCheckPlatformABI(const vsDomainDef *src,
                                     const vsDomainDef *dst,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- domain_devices.c: displays, channels, sound, USB/virtio input,
 * watchdogs ------------------------------------------------------------ */

void vsDomainDefInitDevices(vsDomainDef *def);
void vsDomainDefFreeDevices(vsDomainDef *def);
gboolean vsDomainParseGraphics(vsDomainParseState *st, void *obj,
                               xmlNodePtr node, GError **error);
gboolean vsDomainParseVideoDevice(vsDomainParseState *st, void *obj,
                                  xmlNodePtr node, GError **error);
gboolean vsDomainParseSound(vsDomainParseState *st, void *obj,
                            xmlNodePtr node, GError **error);
gboolean vsDomainParseAudio(vsDomainParseState *st, void *obj,
                            xmlNodePtr node, GError **error);
gboolean vsDomainParseChannel(vsDomainParseState *st, void *obj,
                              xmlNodePtr node, GError **error);
gboolean vsDomainParseRedirdev(vsDomainParseState *st, void *obj,
                               xmlNodePtr node, GError **error);
gboolean vsDomainParseWatchdog(vsDomainParseState *st, void *obj,
                               xmlNodePtr node, GError **error);
gboolean vsDomainParseTPM(vsDomainParseState *st, void *obj,
                          xmlNodePtr node, GError **error);
/* An <input> on the usb or virtio bus. */
gboolean vsDomainParseInputDev(vsDomainParseState *st, xmlNodePtr node,
                               const char *bus, GError **error);
void vsDomainFormatChannels(vsDomainFormatCtxt *ctxt);
void vsDomainFormatInputDevs(vsDomainFormatCtxt *ctxt);
void vsDomainFormatDisplays(vsDomainFormatCtxt *ctxt);
void vsDomainFormatRedirdevsWatchdogs(vsDomainFormatCtxt *ctxt);
/* Adds the controllers the new devices imply (virtio-serial) and assigns
 * virtio-serial ports and USB ports; runs before PCI assignment. */
gboolean vsDomainDefSetupDevices(vsDomainDef *def, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Fixed PCI places: primary video, ich9 sound on q35. */
void vsDomainDefSetupDeviceFixedAddresses(vsDomainDef *def);
void vsDomainDefAssignDeviceAliases(vsDomainDef *def);
gboolean vsDomainDefCheckDevicesABI(const vsDomainDef *src,
                                    const vsDomainDef *dst,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- domain_storage.c: backing chains, block disks, SCSI, ICH9 USB -- */

gboolean vsDomainParseDiskBackingStore(vsDomainParseState *st, void *obj,
                                       xmlNodePtr node, GError **error);
void vsDomainFormatDiskBackingStore(vsDomainFormatCtxt *ctxt,
                                    const vsDomainDiskDef *disk);
/* EHCI1 and its UHCI companions: one USB bus, index 0, q35 only. */
gboolean vsDomainControllerIsICH9USB(const vsDomainControllerDef *cont);
/* Drive address of a SCSI disk: libvirt's seven units per controller. */
gboolean vsDomainDiskSetupSCSIAddress(vsDomainDiskDef *disk, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Every SCSI disk's controller exists and is a virtio-scsi one; the
 * ICH9 USB controllers form one complete set. Runs after controllers
 * are numbered. */
gboolean vsDomainDefCheckStorageControllers(const vsDomainDef *def,
                                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* The fixed PCI places of the ICH9 USB functions (00:1d.x). */
void vsDomainDefSetupUSBFixedAddresses(vsDomainDef *def);
