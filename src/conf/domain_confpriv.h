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
