/*
 * domain_conf.h: the domain XML model: parse, validate, format, compare
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virtsave understands a subset of libvirt's domain XML (see
 * docs/formatdomain.md). Everything in that subset is kept in the public
 * structures below; anything outside it is rejected when parsing, with an
 * error that names the element, attribute or value, so that nothing a
 * client asked for is ever dropped silently.
 *
 * After parsing, the definition is complete: the defaults libvirt would
 * apply (a UUID, the implicit USB controller, the memory balloon, PS/2
 * input devices, MAC addresses, PCI and drive addresses, device aliases)
 * are filled in, so that the same XML describes the same virtual hardware
 * here and under libvirt, and a formatted definition parses back to an
 * identical model.
 */

#pragma once

#include <glib.h>

#include "vsenum.h"
#include "vsuuid.h"

/* Flags of vsDomainDefParseString() and vsDomainDefParseFile(). */
typedef enum {
    /* Parse a persistent (inactive) definition: runtime-only details
     * (the domain id, device aliases, dynamic security labels) are
     * ignored. This is what XML from clients and save images is. */
    VS_DOMAIN_DEF_PARSE_INACTIVE = 1 << 0,
    /* Parse a status file written with VS_DOMAIN_DEF_FORMAT_STATUS:
     * the domain id is read into vsDomainDef.id. */
    VS_DOMAIN_DEF_PARSE_STATUS = 1 << 1,
} vsDomainDefParseFlags;

/* Flags of vsDomainDefFormat(). The first four have the values of
 * libvirt's virDomainXMLFlags (VS_DOMAIN_XML_* in qemu_driver.h), so the
 * driver may pass a client's flags through unchanged. */
typedef enum {
    /* Include secrets. The supported subset holds none; accepted so that
     * callers need not filter it. */
    VS_DOMAIN_DEF_FORMAT_SECURE = 1 << 0,
    /* The persistent form: no id attribute, no device aliases. */
    VS_DOMAIN_DEF_FORMAT_INACTIVE = 1 << 1,
    /* Accepted and ignored, as libvirt does for this subset. */
    VS_DOMAIN_DEF_FORMAT_UPDATE_CPU = 1 << 2,
    /* Leave out what libvirt leaves out for migration and save images:
     * the implicit USB controller of i440fx machines, the implicit
     * pci-root controller and the implicit PS/2 input devices. */
    VS_DOMAIN_DEF_FORMAT_MIGRATABLE = 1 << 3,
    /* The driver's status file: the id and device aliases included. */
    VS_DOMAIN_DEF_FORMAT_STATUS = 1 << 16,
} vsDomainDefFormatFlags;

/* An optional on/off (or yes/no) setting: ABSENT when not written. */
typedef enum {
    VS_DOMAIN_TRISTATE_ABSENT = 0,
    VS_DOMAIN_TRISTATE_ON,
    VS_DOMAIN_TRISTATE_OFF,

    VS_DOMAIN_TRISTATE_LAST
} vsDomainTristate;

typedef enum {
    VS_DOMAIN_VIRT_QEMU = 0,
    VS_DOMAIN_VIRT_KVM,

    VS_DOMAIN_VIRT_LAST
} vsDomainVirtType;
VS_ENUM_DECL(vsDomainVirt);

typedef enum {
    VS_DOMAIN_ARCH_X86_64 = 0,
    VS_DOMAIN_ARCH_I686,

    VS_DOMAIN_ARCH_LAST
} vsDomainArch;
VS_ENUM_DECL(vsDomainArch);

/* The machine family, derived from the machine type name. */
typedef enum {
    VS_DOMAIN_MACHINE_I440FX = 0,   /* "pc", "pc-i440fx-*" */
    VS_DOMAIN_MACHINE_Q35,          /* "q35", "pc-q35-*" */

    VS_DOMAIN_MACHINE_LAST
} vsDomainMachineFamily;

typedef enum {
    VS_DOMAIN_BOOT_HD = 0,
    VS_DOMAIN_BOOT_CDROM,
    VS_DOMAIN_BOOT_NETWORK,

    VS_DOMAIN_BOOT_LAST
} vsDomainBootDev;
VS_ENUM_DECL(vsDomainBoot);

typedef enum {
    VS_DOMAIN_CPU_MODE_NONE = 0,        /* no <cpu> element */
    VS_DOMAIN_CPU_MODE_CUSTOM,
    VS_DOMAIN_CPU_MODE_HOST_MODEL,
    VS_DOMAIN_CPU_MODE_HOST_PASSTHROUGH,

    VS_DOMAIN_CPU_MODE_LAST
} vsDomainCPUMode;
VS_ENUM_DECL(vsDomainCPUMode);

typedef enum {
    VS_DOMAIN_CPU_CHECK_DEFAULT = 0,    /* attribute absent */
    VS_DOMAIN_CPU_CHECK_NONE,
    VS_DOMAIN_CPU_CHECK_PARTIAL,
    VS_DOMAIN_CPU_CHECK_FULL,

    VS_DOMAIN_CPU_CHECK_LAST
} vsDomainCPUCheck;
VS_ENUM_DECL(vsDomainCPUCheck);

typedef enum {
    VS_DOMAIN_CPU_MATCH_DEFAULT = 0,    /* attribute absent */
    VS_DOMAIN_CPU_MATCH_MINIMUM,
    VS_DOMAIN_CPU_MATCH_EXACT,
    VS_DOMAIN_CPU_MATCH_STRICT,

    VS_DOMAIN_CPU_MATCH_LAST
} vsDomainCPUMatch;
VS_ENUM_DECL(vsDomainCPUMatch);

typedef enum {
    VS_DOMAIN_CPU_FALLBACK_DEFAULT = 0, /* attribute absent */
    VS_DOMAIN_CPU_FALLBACK_ALLOW,
    VS_DOMAIN_CPU_FALLBACK_FORBID,

    VS_DOMAIN_CPU_FALLBACK_LAST
} vsDomainCPUFallback;
VS_ENUM_DECL(vsDomainCPUFallback);

typedef enum {
    VS_DOMAIN_CPU_FEATURE_FORCE = 0,
    VS_DOMAIN_CPU_FEATURE_REQUIRE,
    VS_DOMAIN_CPU_FEATURE_OPTIONAL,
    VS_DOMAIN_CPU_FEATURE_DISABLE,
    VS_DOMAIN_CPU_FEATURE_FORBID,

    VS_DOMAIN_CPU_FEATURE_LAST
} vsDomainCPUFeaturePolicy;
VS_ENUM_DECL(vsDomainCPUFeaturePolicy);

typedef enum {
    VS_DOMAIN_CLOCK_OFFSET_UTC = 0,
    VS_DOMAIN_CLOCK_OFFSET_LOCALTIME,

    VS_DOMAIN_CLOCK_OFFSET_LAST
} vsDomainClockOffset;
VS_ENUM_DECL(vsDomainClockOffset);

typedef enum {
    VS_DOMAIN_LIFECYCLE_DESTROY = 0,
    VS_DOMAIN_LIFECYCLE_RESTART,
    VS_DOMAIN_LIFECYCLE_RENAME_RESTART,
    VS_DOMAIN_LIFECYCLE_PRESERVE,
    VS_DOMAIN_LIFECYCLE_COREDUMP_DESTROY,
    VS_DOMAIN_LIFECYCLE_COREDUMP_RESTART,

    VS_DOMAIN_LIFECYCLE_LAST
} vsDomainLifecycleAction;
VS_ENUM_DECL(vsDomainLifecycle);

/* Where a device sits. PCI and drive addresses are assigned after
 * parsing when the XML gives none (see vsDomainDefAssignAddresses()). */
typedef enum {
    VS_DOMAIN_ADDRESS_NONE = 0,
    VS_DOMAIN_ADDRESS_PCI,
    VS_DOMAIN_ADDRESS_DRIVE,

    VS_DOMAIN_ADDRESS_LAST
} vsDomainAddressType;
VS_ENUM_DECL(vsDomainAddress);

typedef struct _vsDomainDeviceInfo vsDomainDeviceInfo;
struct _vsDomainDeviceInfo {
    vsDomainAddressType type;
    /* VS_DOMAIN_ADDRESS_PCI */
    unsigned int domain;            /* always 0 */
    unsigned int bus;               /* 0 is the root bus */
    unsigned int slot;              /* 0..31 */
    unsigned int function;          /* 0..7 */
    vsDomainTristate multifunction;
    /* VS_DOMAIN_ADDRESS_DRIVE */
    unsigned int controller;
    unsigned int driveBus;
    unsigned int target;
    unsigned int unit;
    /* QEMU device id: libvirt's alias naming ("virtio-disk0", "net0",
     * "serial0", ...); assigned after parsing, never NULL afterwards. */
    char *alias;
};

typedef enum {
    VS_DOMAIN_DISK_DEVICE_DISK = 0,
    VS_DOMAIN_DISK_DEVICE_CDROM,

    VS_DOMAIN_DISK_DEVICE_LAST
} vsDomainDiskDevice;
VS_ENUM_DECL(vsDomainDiskDevice);

typedef enum {
    VS_DOMAIN_DISK_BUS_VIRTIO = 0,
    VS_DOMAIN_DISK_BUS_IDE,
    VS_DOMAIN_DISK_BUS_SATA,
    VS_DOMAIN_DISK_BUS_SCSI,

    VS_DOMAIN_DISK_BUS_LAST
} vsDomainDiskBus;
VS_ENUM_DECL(vsDomainDiskBus);

typedef enum {
    VS_DOMAIN_DISK_FORMAT_RAW = 0,
    VS_DOMAIN_DISK_FORMAT_QCOW2,

    VS_DOMAIN_DISK_FORMAT_LAST
} vsDomainDiskFormat;
VS_ENUM_DECL(vsDomainDiskFormat);

typedef enum {
    VS_DOMAIN_DISK_CACHE_DEFAULT = 0,   /* attribute absent: writeback */
    VS_DOMAIN_DISK_CACHE_NONE,
    VS_DOMAIN_DISK_CACHE_WRITETHROUGH,
    VS_DOMAIN_DISK_CACHE_WRITEBACK,
    VS_DOMAIN_DISK_CACHE_DIRECTSYNC,
    VS_DOMAIN_DISK_CACHE_UNSAFE,

    VS_DOMAIN_DISK_CACHE_LAST
} vsDomainDiskCache;
VS_ENUM_DECL(vsDomainDiskCache);

typedef enum {
    VS_DOMAIN_DISK_IO_DEFAULT = 0,      /* attribute absent */
    VS_DOMAIN_DISK_IO_NATIVE,
    VS_DOMAIN_DISK_IO_THREADS,
    VS_DOMAIN_DISK_IO_URING,

    VS_DOMAIN_DISK_IO_LAST
} vsDomainDiskIO;
VS_ENUM_DECL(vsDomainDiskIO);

typedef enum {
    VS_DOMAIN_DISK_DISCARD_DEFAULT = 0, /* attribute absent */
    VS_DOMAIN_DISK_DISCARD_UNMAP,
    VS_DOMAIN_DISK_DISCARD_IGNORE,

    VS_DOMAIN_DISK_DISCARD_LAST
} vsDomainDiskDiscard;
VS_ENUM_DECL(vsDomainDiskDiscard);

typedef enum {
    VS_DOMAIN_DISK_DETECT_ZEROES_DEFAULT = 0,   /* attribute absent */
    VS_DOMAIN_DISK_DETECT_ZEROES_OFF,
    VS_DOMAIN_DISK_DETECT_ZEROES_ON,
    VS_DOMAIN_DISK_DETECT_ZEROES_UNMAP,

    VS_DOMAIN_DISK_DETECT_ZEROES_LAST
} vsDomainDiskDetectZeroes;
VS_ENUM_DECL(vsDomainDiskDetectZeroes);

/* One image below a disk's own in a <backingStore> chain. */
typedef struct _vsDomainDiskBacking vsDomainDiskBacking;
struct _vsDomainDiskBacking {
    char *path;                     /* <source file> */
    vsDomainDiskFormat format;      /* <format type> */
};

vsDomainDiskBacking *vsDomainDiskBackingNew(const char *path,
                                            vsDomainDiskFormat format);
void vsDomainDiskBackingFree(vsDomainDiskBacking *layer);

/* <disk type='file'> or <disk type='block'> */
typedef struct _vsDomainDiskDef vsDomainDiskDef;
struct _vsDomainDiskDef {
    vsDomainDiskDevice device;
    vsDomainDiskFormat format;      /* <driver type>; raw when absent */
    vsDomainDiskCache cache;
    vsDomainDiskIO io;
    vsDomainDiskDiscard discard;    /* <driver discard> */
    vsDomainDiskDetectZeroes detectZeroes;  /* <driver detect_zeroes> */
    char *serial;                   /* <serial>; guest visible; NULL: none */
    gboolean block;                 /* type='block': @src is a device */
    char *src;                      /* <source file> or <source dev>;
                                     * NULL: empty cdrom */
    /* The <backingStore> chain of the XML, top first, an empty array for
     * an empty <backingStore/>; NULL when the XML gives none and the
     * driver reads the chain from the images. */
    GPtrArray *backing;             /* vsDomainDiskBacking */
    /* The chain the driver read from the images of a running domain,
     * for live XML only; NULL when not read. */
    GPtrArray *backingDetected;     /* vsDomainDiskBacking */
    char *dst;                      /* <target dev>: "vda", "hdc", "sda" */
    vsDomainDiskBus bus;            /* <target bus> */
    gboolean readonly;              /* <readonly/>; always set for cdrom */
    gboolean shareable;             /* <shareable/> */
    unsigned int bootIndex;         /* <boot order>; 0 when absent */
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_CONTROLLER_USB = 0,
    VS_DOMAIN_CONTROLLER_PCI,
    VS_DOMAIN_CONTROLLER_IDE,
    VS_DOMAIN_CONTROLLER_SATA,
    VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL,
    VS_DOMAIN_CONTROLLER_SCSI,

    VS_DOMAIN_CONTROLLER_LAST
} vsDomainControllerType;
VS_ENUM_DECL(vsDomainController);

typedef enum {
    VS_DOMAIN_CONTROLLER_MODEL_DEFAULT = 0,     /* attribute absent */
    VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI,
    VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI,
    VS_DOMAIN_CONTROLLER_MODEL_USB_NONE,        /* "none" */
    VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT,
    VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT,
    VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT,
    VS_DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI,
    VS_DOMAIN_CONTROLLER_MODEL_ICH9_EHCI1,
    VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1,
    VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI2,
    VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI3,

    VS_DOMAIN_CONTROLLER_MODEL_LAST
} vsDomainControllerModel;
VS_ENUM_DECL(vsDomainControllerModel);

/* <controller>: USB and PCI controllers become QEMU devices (except the
 * root buses); IDE and SATA controllers are the ones built into the
 * chipset and are kept only so that the XML round-trips. */
typedef struct _vsDomainControllerDef vsDomainControllerDef;
struct _vsDomainControllerDef {
    vsDomainControllerType type;
    unsigned int idx;               /* index; for PCI also the bus number */
    vsDomainControllerModel model;
    unsigned int ports;             /* USB <controller ports>; 0: default */
    /* pcie-root-port: <model name>, <target chassis port> */
    char *modelName;
    int chassis;                    /* -1 when absent */
    int port;                       /* -1 when absent */
    unsigned int queues;            /* virtio-scsi <driver queues>; 0: absent */
    int startport;                  /* UHCI companion <master startport>;
                                     * -1 when absent */
    unsigned int order;             /* place in the XML; G_MAXUINT for
                                     * controllers added implicitly */
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_NET_MODEL_DEFAULT = 0,    /* no <model>: rtl8139 */
    VS_DOMAIN_NET_MODEL_VIRTIO,
    VS_DOMAIN_NET_MODEL_E1000,
    VS_DOMAIN_NET_MODEL_E1000E,
    VS_DOMAIN_NET_MODEL_RTL8139,

    VS_DOMAIN_NET_MODEL_LAST
} vsDomainNetModel;
VS_ENUM_DECL(vsDomainNetModel);

#define VS_MAC_BUFLEN 6
#define VS_MAC_STRING_BUFLEN 18

typedef enum {
    VS_DOMAIN_NET_TYPE_USER = 0,    /* QEMU's user-mode network stack */
    VS_DOMAIN_NET_TYPE_BRIDGE,      /* a tap on an existing host bridge */
    VS_DOMAIN_NET_TYPE_NETWORK,     /* a tap on a named network's bridge */
    VS_DOMAIN_NET_TYPE_ETHERNET,    /* a tap on no bridge */

    VS_DOMAIN_NET_TYPE_LAST
} vsDomainNetType;
VS_ENUM_DECL(vsDomainNetType);

/* <driver name> of an interface: who moves the packets of a tap */
typedef enum {
    VS_DOMAIN_NET_BACKEND_DEFAULT = 0,  /* vhost-net when the host has it */
    VS_DOMAIN_NET_BACKEND_QEMU,         /* QEMU's own thread, no vhost */
    VS_DOMAIN_NET_BACKEND_VHOST,        /* vhost-net, required */

    VS_DOMAIN_NET_BACKEND_LAST
} vsDomainNetBackend;
VS_ENUM_DECL(vsDomainNetBackend);

/* An <interface>: docs/formatdomain.md gives each type's host side. */
typedef struct _vsDomainNetDef vsDomainNetDef;
struct _vsDomainNetDef {
    vsDomainNetType type;
    unsigned char mac[VS_MAC_BUFLEN];   /* generated when absent */
    vsDomainNetModel model;
    unsigned int bootIndex;
    char *bridge;                   /* <source bridge>, type bridge */
    char *network;                  /* <source network>, type network */
    /* Live only: the bridge a network resolved to at start. */
    char *actualBridge;
    /* <target dev>: the tap. A name the daemon chose (vnetN) is kept
     * only while the domain runs. */
    char *ifname;
    /* <target managed='no'>: @ifname exists already and is used as it
     * is (type ethernet only). */
    gboolean unmanagedTap;
    vsDomainNetBackend backend;
    gboolean linkDown;              /* <link state='down'/> */
    unsigned int mtu;               /* <mtu size>; 0: the bridge's */
    vsDomainDeviceInfo info;
};

/* Prefix of the tap names the daemon generates, as libvirt's. */
#define VS_DOMAIN_NET_GENERATED_PREFIX "vnet"

typedef enum {
    VS_DOMAIN_CHR_NULL = 0,
    VS_DOMAIN_CHR_PTY,
    VS_DOMAIN_CHR_FILE,

    VS_DOMAIN_CHR_LAST
} vsDomainChrType;
VS_ENUM_DECL(vsDomainChr);

/* <serial> with target type isa-serial, or a <console> with target type
 * serial, which names serial port @port and shares its source. */
typedef struct _vsDomainChrDef vsDomainChrDef;
struct _vsDomainChrDef {
    vsDomainChrType type;
    char *path;                     /* file: <source path>; pty: NULL */
    char *ptyPath;                  /* pty of a running domain, else NULL */
    vsDomainTristate append;        /* file: <source append> */
    unsigned int port;              /* <target port> */
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_INPUT_MOUSE = 0,
    VS_DOMAIN_INPUT_KEYBOARD,

    VS_DOMAIN_INPUT_LAST
} vsDomainInputType;
VS_ENUM_DECL(vsDomainInput);

/* <input bus='ps2'>: built into the chipset, no QEMU argument. */
typedef struct _vsDomainInputDef vsDomainInputDef;
struct _vsDomainInputDef {
    vsDomainInputType type;
};

typedef enum {
    VS_DOMAIN_MEMBALLOON_VIRTIO = 0,
    VS_DOMAIN_MEMBALLOON_NONE,

    VS_DOMAIN_MEMBALLOON_LAST
} vsDomainMemballoonModel;
VS_ENUM_DECL(vsDomainMemballoon);

typedef struct _vsDomainMemballoonDef vsDomainMemballoonDef;
struct _vsDomainMemballoonDef {
    vsDomainMemballoonModel model;
    vsDomainDeviceInfo info;
};

/* <rng model='virtio'><backend model='random'>PATH</backend></rng> */
typedef struct _vsDomainRNGDef vsDomainRNGDef;
struct _vsDomainRNGDef {
    char *source;                   /* "/dev/urandom" when empty */
    vsDomainDeviceInfo info;
};

/* <seclabel>: kept for round trips; virtsave applies no labels. */
typedef struct _vsDomainSeclabelDef vsDomainSeclabelDef;
struct _vsDomainSeclabelDef {
    char *type;                     /* "dynamic" or "none" */
    char *model;                    /* NULL, "dac", "selinux", ... */
    vsDomainTristate relabel;
};

typedef struct _vsDomainCPUFeature vsDomainCPUFeature;
struct _vsDomainCPUFeature {
    vsDomainCPUFeaturePolicy policy;
    char *name;
};

typedef struct _vsDomainCPUDef vsDomainCPUDef;
struct _vsDomainCPUDef {
    vsDomainCPUMode mode;
    vsDomainCPUMatch match;
    vsDomainCPUCheck check;
    vsDomainTristate migratable;    /* host-passthrough only */
    char *model;                    /* custom: <model> */
    vsDomainCPUFallback fallback;
    GPtrArray *features;            /* vsDomainCPUFeature, never NULL */
    /* <topology>: all zero when absent */
    unsigned int sockets;
    unsigned int dies;
    unsigned int clusters;
    unsigned int cores;
    unsigned int threads;
};

/* ---- firmware, platform features and timers (domain_platform.c) ---- */

typedef enum {
    VS_DOMAIN_OS_FIRMWARE_NONE = 0,     /* attribute absent */
    VS_DOMAIN_OS_FIRMWARE_BIOS,
    VS_DOMAIN_OS_FIRMWARE_EFI,

    VS_DOMAIN_OS_FIRMWARE_LAST
} vsDomainOSFirmware;
VS_ENUM_DECL(vsDomainOSFirmware);

typedef enum {
    VS_DOMAIN_LOADER_TYPE_DEFAULT = 0,  /* attribute absent */
    VS_DOMAIN_LOADER_TYPE_ROM,
    VS_DOMAIN_LOADER_TYPE_PFLASH,

    VS_DOMAIN_LOADER_TYPE_LAST
} vsDomainLoaderType;
VS_ENUM_DECL(vsDomainLoaderType);

/* <os firmware>, <firmware><feature>, <loader>, <nvram> */
typedef struct _vsDomainFirmwareDef vsDomainFirmwareDef;
struct _vsDomainFirmwareDef {
    vsDomainOSFirmware firmware;
    vsDomainTristate secureBoot;    /* <feature name='secure-boot'> */
    vsDomainTristate enrolledKeys;  /* <feature name='enrolled-keys'> */
    char *loader;                   /* <loader> path */
    vsDomainTristate loaderReadonly;
    vsDomainTristate loaderSecure;
    vsDomainLoaderType loaderType;
    char *nvram;                    /* <nvram> path */
    char *nvramTemplate;            /* <nvram template> */
};

typedef enum {
    VS_DOMAIN_TIMER_RTC = 0,
    VS_DOMAIN_TIMER_PIT,
    VS_DOMAIN_TIMER_HPET,
    VS_DOMAIN_TIMER_HYPERVCLOCK,
    VS_DOMAIN_TIMER_KVMCLOCK,

    VS_DOMAIN_TIMER_LAST
} vsDomainTimerName;
VS_ENUM_DECL(vsDomainTimerName);

typedef enum {
    VS_DOMAIN_TIMER_TICK_DEFAULT = 0,   /* attribute absent */
    VS_DOMAIN_TIMER_TICK_DELAY,
    VS_DOMAIN_TIMER_TICK_CATCHUP,
    VS_DOMAIN_TIMER_TICK_MERGE,
    VS_DOMAIN_TIMER_TICK_DISCARD,

    VS_DOMAIN_TIMER_TICK_LAST
} vsDomainTimerTickPolicy;
VS_ENUM_DECL(vsDomainTimerTickPolicy);

/* <clock><timer>, in XML order */
typedef struct _vsDomainTimerDef vsDomainTimerDef;
struct _vsDomainTimerDef {
    vsDomainTimerName name;
    vsDomainTristate present;       /* <timer present='yes|no'> */
    vsDomainTimerTickPolicy tickpolicy;
};

/* Hyper-V enlightenments that are a plain state='on|off'. */
typedef enum {
    VS_DOMAIN_HYPERV_RELAXED = 0,
    VS_DOMAIN_HYPERV_VAPIC,
    VS_DOMAIN_HYPERV_SPINLOCKS,     /* with retries */
    VS_DOMAIN_HYPERV_VPINDEX,
    VS_DOMAIN_HYPERV_RUNTIME,
    VS_DOMAIN_HYPERV_SYNIC,
    VS_DOMAIN_HYPERV_STIMER,
    VS_DOMAIN_HYPERV_RESET,
    VS_DOMAIN_HYPERV_FREQUENCIES,
    VS_DOMAIN_HYPERV_REENLIGHTENMENT,
    VS_DOMAIN_HYPERV_TLBFLUSH,
    VS_DOMAIN_HYPERV_IPI,

    VS_DOMAIN_HYPERV_LAST
} vsDomainHypervFeature;
VS_ENUM_DECL(vsDomainHypervFeature);

typedef struct _vsDomainHypervDef vsDomainHypervDef;
struct _vsDomainHypervDef {
    gboolean present;               /* <hyperv> written */
    vsDomainTristate state[VS_DOMAIN_HYPERV_LAST];
    unsigned int spinlockRetries;   /* 0 when absent */
};

/* ---- displays, channels, sound and other devices (domain_devices.c) -- */

typedef enum {
    VS_DOMAIN_GRAPHICS_VNC = 0,
    VS_DOMAIN_GRAPHICS_SPICE,

    VS_DOMAIN_GRAPHICS_LAST
} vsDomainGraphicsType;
VS_ENUM_DECL(vsDomainGraphics);

typedef enum {
    VS_DOMAIN_GRAPHICS_LISTEN_ADDRESS = 0,
    VS_DOMAIN_GRAPHICS_LISTEN_SOCKET,
    VS_DOMAIN_GRAPHICS_LISTEN_NONE,

    VS_DOMAIN_GRAPHICS_LISTEN_LAST
} vsDomainGraphicsListenType;
VS_ENUM_DECL(vsDomainGraphicsListen);

/* <graphics type='vnc|spice'> with at most one <listen>. */
typedef struct _vsDomainGraphicsDef vsDomainGraphicsDef;
struct _vsDomainGraphicsDef {
    vsDomainGraphicsType type;
    int port;                       /* -1: none chosen yet */
    int tlsPort;                    /* spice; -1: none */
    gboolean autoport;
    vsDomainGraphicsListenType listenType;
    char *listenAddress;            /* NULL: the configured default */
    char *socket;                   /* listen type socket; NULL: generated */
    /* Chosen by the driver, not the user: left out of migratable XML
     * (save images), as libvirt leaves them out, and chosen again by
     * whichever daemon restores the image. */
    gboolean autoListen;
    gboolean autoSocket;
    char *passwd;                   /* shown only with FORMAT_SECURE */
    char *keymap;
    char *imageCompression;         /* spice <image compression> */
    int websocket;                  /* vnc; -1 when absent */
};

typedef enum {
    VS_DOMAIN_VIDEO_VIRTIO = 0,
    VS_DOMAIN_VIDEO_QXL,
    VS_DOMAIN_VIDEO_VGA,
    VS_DOMAIN_VIDEO_BOCHS,
    VS_DOMAIN_VIDEO_RAMFB,
    VS_DOMAIN_VIDEO_CIRRUS,

    VS_DOMAIN_VIDEO_LAST
} vsDomainVideoModel;
VS_ENUM_DECL(vsDomainVideo);

typedef struct _vsDomainVideoDef vsDomainVideoDef;
struct _vsDomainVideoDef {
    vsDomainVideoModel model;
    unsigned int ram;               /* KiB; qxl only; 0: default */
    unsigned int vram;              /* KiB; 0: default */
    unsigned int vgamem;            /* KiB; qxl only; 0: default */
    unsigned int heads;             /* 0: default (1) */
    gboolean primary;
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_SOUND_ICH9 = 0,
    VS_DOMAIN_SOUND_ICH6,
    VS_DOMAIN_SOUND_AC97,

    VS_DOMAIN_SOUND_LAST
} vsDomainSoundModel;
VS_ENUM_DECL(vsDomainSound);

typedef struct _vsDomainSoundDef vsDomainSoundDef;
struct _vsDomainSoundDef {
    vsDomainSoundModel model;
    unsigned int audioId;           /* <audio id>; 0: the first backend */
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_AUDIO_NONE = 0,
    VS_DOMAIN_AUDIO_SPICE,

    VS_DOMAIN_AUDIO_LAST
} vsDomainAudioType;
VS_ENUM_DECL(vsDomainAudio);

/* <audio id type>: a host audio backend that needs no sound system. */
typedef struct _vsDomainAudioDef vsDomainAudioDef;
struct _vsDomainAudioDef {
    unsigned int id;                /* >= 1 */
    vsDomainAudioType type;
};

typedef enum {
    VS_DOMAIN_CHANNEL_UNIX = 0,
    VS_DOMAIN_CHANNEL_SPICEVMC,

    VS_DOMAIN_CHANNEL_LAST
} vsDomainChannelType;
VS_ENUM_DECL(vsDomainChannel);

/* The guest side of a channel, as live XML shows it (<target state>). */
typedef enum {
    VS_DOMAIN_CHANNEL_STATE_NONE = 0,   /* not known: not shown */
    VS_DOMAIN_CHANNEL_STATE_CONNECTED,
    VS_DOMAIN_CHANNEL_STATE_DISCONNECTED,
} vsDomainChannelState;

/* <channel> with a virtio target: a port of the virtio-serial bus. */
typedef struct _vsDomainChannelDef vsDomainChannelDef;
struct _vsDomainChannelDef {
    vsDomainChannelType type;
    vsDomainChannelState state;     /* live only */
    char *path;                     /* unix: socket; NULL: generated */
    gboolean autoPath;              /* @path chosen by the driver */
    char *name;                     /* <target name> */
    /* <address type='virtio-serial'> */
    unsigned int controller;
    unsigned int bus;
    unsigned int port;              /* 0: not assigned yet */
    vsDomainDeviceInfo info;
};

/* <redirdev bus='usb' type='spicevmc'> */
typedef struct _vsDomainRedirdevDef vsDomainRedirdevDef;
struct _vsDomainRedirdevDef {
    unsigned int usbPort;           /* <address type='usb' port>; 0: none */
    vsDomainDeviceInfo info;
};

typedef enum {
    VS_DOMAIN_INPUT_BUS_USB = 0,
    VS_DOMAIN_INPUT_BUS_VIRTIO,

    VS_DOMAIN_INPUT_BUS_LAST
} vsDomainInputBus;
VS_ENUM_DECL(vsDomainInputBus);

typedef enum {
    VS_DOMAIN_INPUT_DEV_TABLET = 0,
    VS_DOMAIN_INPUT_DEV_MOUSE,
    VS_DOMAIN_INPUT_DEV_KEYBOARD,

    VS_DOMAIN_INPUT_DEV_LAST
} vsDomainInputDevType;
VS_ENUM_DECL(vsDomainInputDev);

/* <input> on the USB or virtio bus (PS/2 ones are vsDomainInputDef). */
typedef struct _vsDomainInputDevDef vsDomainInputDevDef;
struct _vsDomainInputDevDef {
    vsDomainInputDevType type;
    vsDomainInputBus bus;
    unsigned int usbPort;           /* USB: <address type='usb' port> */
    vsDomainDeviceInfo info;        /* virtio: PCI address */
};

typedef enum {
    VS_DOMAIN_WATCHDOG_ITCO = 0,
    VS_DOMAIN_WATCHDOG_I6300ESB,

    VS_DOMAIN_WATCHDOG_LAST
} vsDomainWatchdogModel;
VS_ENUM_DECL(vsDomainWatchdog);

typedef enum {
    VS_DOMAIN_WATCHDOG_ACTION_RESET = 0,
    VS_DOMAIN_WATCHDOG_ACTION_SHUTDOWN,
    VS_DOMAIN_WATCHDOG_ACTION_POWEROFF,
    VS_DOMAIN_WATCHDOG_ACTION_PAUSE,
    VS_DOMAIN_WATCHDOG_ACTION_NONE,
    VS_DOMAIN_WATCHDOG_ACTION_INJECT_NMI,

    VS_DOMAIN_WATCHDOG_ACTION_LAST
} vsDomainWatchdogAction;
VS_ENUM_DECL(vsDomainWatchdogAction);

typedef enum {
    VS_DOMAIN_TPM_MODEL_TIS = 0,
    VS_DOMAIN_TPM_MODEL_CRB,

    VS_DOMAIN_TPM_MODEL_LAST
} vsDomainTPMModel;
VS_ENUM_DECL(vsDomainTPMModel);

/* <tpm model><backend type='emulator' version='2.0'/></tpm>: a TPM 2.0
 * emulated by an swtpm process beside QEMU. */
typedef struct _vsDomainTPMDef vsDomainTPMDef;
struct _vsDomainTPMDef {
    vsDomainTPMModel model;
    char *socket;                   /* swtpm's control socket; runtime */
    vsDomainDeviceInfo info;
};

typedef struct _vsDomainWatchdogDef vsDomainWatchdogDef;
struct _vsDomainWatchdogDef {
    vsDomainWatchdogModel model;
    vsDomainWatchdogAction action;
    vsDomainDeviceInfo info;        /* i6300esb: PCI address */
};

typedef struct _vsDomainOSDef vsDomainOSDef;
struct _vsDomainOSDef {
    vsDomainArch arch;
    char *machine;                  /* as written: "pc", "pc-q35-10.0" */
    vsDomainMachineFamily family;   /* derived from @machine */
    char *kernel;
    char *initrd;
    char *cmdline;
    vsDomainBootDev boot[VS_DOMAIN_BOOT_LAST];
    size_t nboot;
};

typedef struct _vsDomainDef vsDomainDef;
struct _vsDomainDef {
    vsDomainVirtType virtType;
    int id;                         /* -1 unless parsed from a status file */
    char *name;
    unsigned char uuid[VS_UUID_BUFLEN];
    char *title;
    char *description;
    char *metadata;                 /* children of <metadata> as XML,
                                     * laid out for their depth in the
                                     * document (see domain_parse.c) */

    unsigned long long maxMemory;   /* <memory>, KiB, a multiple of 1024 */
    unsigned long long curMemory;   /* <currentMemory>, KiB, <= max */
    unsigned int vcpus;             /* <vcpu> */
    char *resourcePartition;        /* <resource><partition> */

    vsDomainOSDef os;
    /* <features> */
    vsDomainTristate acpi;
    vsDomainTristate apic;
    vsDomainTristate pae;
    vsDomainTristate vmport;        /* <vmport state> */
    vsDomainCPUDef cpu;
    vsDomainClockOffset clockOffset;
    vsDomainLifecycleAction onPoweroff;
    vsDomainLifecycleAction onReboot;
    vsDomainLifecycleAction onCrash;
    vsDomainTristate pmSuspendToMem;
    vsDomainTristate pmSuspendToDisk;

    /* <devices> */
    char *emulator;
    GPtrArray *disks;               /* vsDomainDiskDef */
    GPtrArray *controllers;         /* vsDomainControllerDef */
    GPtrArray *nets;                /* vsDomainNetDef */
    GPtrArray *serials;             /* vsDomainChrDef */
    GPtrArray *consoles;            /* vsDomainChrDef, type copied */
    GPtrArray *inputs;              /* vsDomainInputDef */
    GPtrArray *rngs;                /* vsDomainRNGDef */
    gboolean videoNone;             /* <video><model type='none'/> */
    vsDomainMemballoonDef memballoon;

    GPtrArray *seclabels;           /* vsDomainSeclabelDef */

    /* Firmware, platform features, timers (domain_platform.c) */
    vsDomainFirmwareDef fw;
    vsDomainTristate smm;           /* <features><smm state> */
    vsDomainHypervDef hyperv;
    GPtrArray *timers;              /* vsDomainTimerDef */
    unsigned int vcpusCurrent;      /* <vcpu current>; 0 when absent */

    /* Displays, channels, sound and other devices (domain_devices.c) */
    GPtrArray *graphics;            /* vsDomainGraphicsDef */
    GPtrArray *videos;              /* vsDomainVideoDef */
    GPtrArray *sounds;              /* vsDomainSoundDef */
    GPtrArray *audios;              /* vsDomainAudioDef */
    GPtrArray *channels;            /* vsDomainChannelDef */
    GPtrArray *redirdevs;           /* vsDomainRedirdevDef */
    GPtrArray *inputDevs;           /* vsDomainInputDevDef */
    GPtrArray *watchdogs;           /* vsDomainWatchdogDef */
    GPtrArray *tpms;                /* vsDomainTPMDef, at most one */
};

void vsDomainDefFree(vsDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainDef, vsDomainDefFree);

void vsDomainNetDefFree(vsDomainNetDef *net);
vsDomainNetDef *vsDomainNetDefParseString(const char *xml,
                                          gboolean *hasMac,
                                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
vsDomainDef *vsDomainDefParseString(const char *xml,
                                    unsigned int flags,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

vsDomainDef *vsDomainDefParseFile(const char *path,
                                  unsigned int flags,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainMetadataType */
typedef enum {
    VS_DOMAIN_METADATA_DESCRIPTION = 0,
    VS_DOMAIN_METADATA_TITLE = 1,
    VS_DOMAIN_METADATA_ELEMENT = 2,
} vsDomainMetadataType;

char *vsDomainDefGetMetadata(const vsDomainDef *def,
                             int type,
                             const char *uri,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean vsDomainDefSetMetadata(vsDomainDef *def,
                                int type,
                                const char *metadata,
                                const char *key,
                                const char *uri,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *vsDomainDefFormat(const vsDomainDef *def,
                        int id,
                        unsigned int flags,
                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

vsDomainDef *vsDomainDefCopy(const vsDomainDef *def,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean vsDomainDefCheckABIStability(const vsDomainDef *src,
                                      const vsDomainDef *dst,
                                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean vsDomainDefValidateName(const char *name,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *vsDomainMacFormat(const unsigned char mac[VS_MAC_BUFLEN],
                        char out[VS_MAC_STRING_BUFLEN]);

const char *vsDomainDefPCIRootBusName(const vsDomainDef *def);
