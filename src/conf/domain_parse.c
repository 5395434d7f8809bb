/*
 * domain_parse.c: domain XML to vsDomainDef, with a strict accept-list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every element and attribute the parser meets must be in the tables
 * below; anything else fails the parse with VS_ERR_CONFIG_UNSUPPORTED and
 * the element's path, so an unsupported request is never dropped. A few
 * runtime-only details that libvirt itself ignores when it reads XML
 * back (device aliases, dynamic security labels, the tty of a pty) are
 * accepted and ignored; docs/formatdomain.md lists them.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("conf.domain");

/* Bytes of XML accepted: far more than any definition in the subset. */
#define VS_DOMAIN_XML_MAX (4 * 1024 * 1024)

/* Largest memory size, in KiB, whose byte count fits a signed 64-bit
 * integer (QEMU's size type). */
#define VS_DOMAIN_MEMORY_MAX_KIB ((unsigned long long) G_MAXINT64 >> 10)



/**
 * vsXMLNodePath:
 *
 * Returns: (transfer full) the XPath-like path of @node, for messages.
 */
char *
vsXMLNodePath(xmlNodePtr node)
{
    xmlChar *path = xmlGetNodePath(node);
    char *ret = g_strdup(path ? (const char *) path : (const char *) node->name);

    xmlFree(path);
    return ret;
}


/**
 * vsXMLErrorUnsupportedElement:
 *
 * Sets @error: @node is outside the supported subset.
 */
void
vsXMLErrorUnsupportedElement(xmlNodePtr node,
                             GError **error)
{
    g_autofree char *path = vsXMLNodePath(node);

    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                _("element '%s' is not supported"), path);
}


/**
 * vsXMLErrorMissingAttr:
 *
 * Sets @error: attribute @name of @node is required.
 */
void
vsXMLErrorMissingAttr(xmlNodePtr node,
                      const char *name,
                      GError **error)
{
    g_autofree char *path = vsXMLNodePath(node);

    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                _("missing attribute '%s' in element '%s'"), name, path);
}


/**
 * vsXMLErrorBadValue:
 *
 * Sets @error: @value of attribute @name (NULL: of the text) is not supported.
 */
void
vsXMLErrorBadValue(xmlNodePtr node,
                   const char *name,
                   const char *value,
                   GError **error)
{
    g_autofree char *path = vsXMLNodePath(node);

    if (name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("value '%s' of attribute '%s' in element '%s' is not supported"),
                    value, name, path);
    } else {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("value '%s' of element '%s' is not supported"),
                    value, path);
    }
}


/**
 * vsXMLErrorBadNumber:
 *
 * Sets @error: @value of attribute @name (NULL: of the text) is no valid number.
 */
void
vsXMLErrorBadNumber(xmlNodePtr node,
                    const char *name,
                    const char *value,
                    GError **error)
{
    g_autofree char *path = vsXMLNodePath(node);

    if (name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("invalid number '%s' in attribute '%s' of element '%s'"),
                    value, name, path);
    } else {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("invalid number '%s' in element '%s'"), value, path);
    }
}


/**
 * vsXMLCheckAttrs:
 *
 * Rejects attributes of @node that are not in the NULL-terminated @allowed.
 *
 * Returns: TRUE when all are allowed, FALSE with @error set.
 */
gboolean
vsXMLCheckAttrs(xmlNodePtr node,
                const char *const *allowed,
                GError **error)
{
    xmlAttrPtr attr;

    for (attr = node->properties; attr; attr = attr->next) {
        const char *name = (const char *) attr->name;

        if (!attr->ns && allowed && g_strv_contains(allowed, name))
            continue;

        {
            g_autofree char *path = vsXMLNodePath(node);

            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("attribute '%s%s%s' of element '%s' is not supported"),
                        attr->ns && attr->ns->prefix ?
                        (const char *) attr->ns->prefix : "",
                        attr->ns && attr->ns->prefix ? ":" : "",
                        name, path);
        }
        return FALSE;
    }
    return TRUE;
}


/**
 * vsXMLGetAttr:
 *
 * Returns: (transfer full) the value of attribute @name, or NULL when absent.
 */
char *
vsXMLGetAttr(xmlNodePtr node,
             const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *) name);
    char *ret;

    if (!value)
        return NULL;
    ret = g_strdup((const char *) value);
    xmlFree(value);
    return ret;
}


static gboolean
vsXMLIsBlank(xmlNodePtr node)
{
    return xmlIsBlankNode(node) != 0;
}


/**
 * vsXMLGetText:
 *
 * Returns: (transfer full) the text of @node, which must hold no elements,
 * or NULL with @error set.
 */
char *
vsXMLGetText(xmlNodePtr node,
             GError **error)
{
    xmlNodePtr cur;
    xmlChar *content;
    char *ret;

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE) {
            vsXMLErrorUnsupportedElement(cur, error);
            return NULL;
        }
    }

    content = xmlNodeGetContent(node);
    ret = g_strdup(content ? (const char *) content : "");
    xmlFree(content);
    return ret;
}


/**
 * vsXMLCheckEmpty:
 *
 * Returns: TRUE when @node holds nothing but whitespace and comments,
 * FALSE with @error set.
 */
gboolean
vsXMLCheckEmpty(xmlNodePtr node,
                GError **error)
{
    xmlNodePtr cur;

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE) {
            vsXMLErrorUnsupportedElement(cur, error);
            return FALSE;
        }
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) &&
            !vsXMLIsBlank(cur)) {
            g_autofree char *path = vsXMLNodePath(node);

            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("element '%s' must be empty"), path);
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsParseUInt64(const char *str,
              guint64 max,
              guint64 *out)
{
    unsigned int base = 10;

    if (g_str_has_prefix(str, "0x") || g_str_has_prefix(str, "0X")) {
        base = 16;
        str += 2;
    }
    return g_ascii_string_to_unsigned(str, base, 0, max, out, NULL);
}


/**
 * vsXMLGetUIntAttr:
 *
 * Reads optional (or @required) unsigned attribute @name, at most @max,
 * into *@out, which is untouched when the attribute is absent.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsXMLGetUIntAttr(xmlNodePtr node,
                 const char *name,
                 unsigned int max,
                 gboolean required,
                 unsigned int *out,
                 GError **error)
{
    g_autofree char *str = vsXMLGetAttr(node, name);
    guint64 val;

    if (!str) {
        if (required) {
            vsXMLErrorMissingAttr(node, name, error);
            return FALSE;
        }
        return TRUE;
    }
    if (!vsParseUInt64(str, max, &val)) {
        vsXMLErrorBadNumber(node, name, str, error);
        return FALSE;
    }
    *out = val;
    return TRUE;
}


/**
 * vsXMLGetEnumAttr:
 *
 * Reads enum attribute @name with @fromString into *@out, which is
 * untouched when the attribute is absent.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsXMLGetEnumAttr(xmlNodePtr node,
                 const char *name,
                 vsDomainEnumFromString fromString,
                 gboolean required,
                 int *out,
                 GError **error)
{
    g_autofree char *str = vsXMLGetAttr(node, name);
    int val;

    if (!str) {
        if (required) {
            vsXMLErrorMissingAttr(node, name, error);
            return FALSE;
        }
        return TRUE;
    }
    val = fromString(str);
    if (val < 0) {
        vsXMLErrorBadValue(node, name, str, error);
        return FALSE;
    }
    *out = val;
    return TRUE;
}



/* Text of an element that holds an enum value. */
static gboolean
vsXMLGetEnumText(xmlNodePtr node,
                 vsDomainEnumFromString fromString,
                 int *out,
                 GError **error)
{
    g_autofree char *text = NULL;
    int val;

    if (!vsXMLCheckAttrs(node, NULL, error) ||
        !(text = vsXMLGetText(node, error)))
        return FALSE;
    g_strstrip(text);
    val = fromString(text);
    if (val < 0) {
        vsXMLErrorBadValue(node, NULL, text, error);
        return FALSE;
    }
    *out = val;
    return TRUE;
}


/**
 * vsDomainParseChildren:
 *
 * Runs the handler of each child element of @parent, rejecting other
 * elements, repeated non-repeatable ones and stray text.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainParseChildren(vsDomainParseState *st,
                      void *obj,
                      xmlNodePtr parent,
                      const vsDomainChildHandler *handlers,
                      size_t nhandlers,
                      GError **error)
{
    g_autofree gboolean *seen = g_new0(gboolean, nhandlers + 1);
    xmlNodePtr cur;
    size_t i;

    for (cur = parent->children; cur; cur = cur->next) {
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) &&
            !vsXMLIsBlank(cur)) {
            g_autofree char *path = vsXMLNodePath(parent);

            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("unexpected text in element '%s'"), path);
            return FALSE;
        }
        if (cur->type != XML_ELEMENT_NODE)
            continue;

        for (i = 0; i < nhandlers; i++) {
            if (!cur->ns && g_str_equal((const char *) cur->name,
                                        handlers[i].name))
                break;
        }
        if (i == nhandlers) {
            vsXMLErrorUnsupportedElement(cur, error);
            return FALSE;
        }
        if (seen[i] && !handlers[i].repeatable) {
            g_autofree char *path = vsXMLNodePath(cur);

            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("element '%s' appears more than once"), path);
            return FALSE;
        }
        seen[i] = TRUE;
        if (!handlers[i].parse(st, obj, cur, error))
            return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseIgnored:
 *
 * Child parser for runtime-only elements that are accepted and ignored.
 *
 * Returns: TRUE.
 */
gboolean
vsDomainParseIgnored(vsDomainParseState *st G_GNUC_UNUSED,
                     void *obj G_GNUC_UNUSED,
                     xmlNodePtr node G_GNUC_UNUSED,
                     GError **error G_GNUC_UNUSED)
{
    return TRUE;
}


/**
 * vsDomainParseAlias:
 *
 * Child parser for <alias>: user aliases ("ua-") are refused, others are
 * derived again after parsing.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainParseAlias(vsDomainParseState *st G_GNUC_UNUSED,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = { "name", NULL };
    g_autofree char *name = NULL;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;

    /* Aliases chosen by users ("ua-" prefix) name devices for hotplug,
     * which virtsave does not offer; the others are derived again. */
    name = vsXMLGetAttr(node, "name");
    if (name && g_str_has_prefix(name, "ua-")) {
        vsXMLErrorBadValue(node, "name", name, error);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainParseAddress:
 *
 * Child parser for <address> into the #vsDomainDeviceInfo @obj.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainParseAddress(vsDomainParseState *st G_GNUC_UNUSED,
                     void *obj,
                     xmlNodePtr node,
                     GError **error)
{
    static const char *const pciAttrs[] = {
        "type", "domain", "bus", "slot", "function", "multifunction", NULL,
    };
    static const char *const driveAttrs[] = {
        "type", "controller", "bus", "target", "unit", NULL,
    };
    vsDomainDeviceInfo *info = obj;

    if (!VS_XML_GET_ENUM(node, "type", vsDomainAddress, TRUE, info->type,
                         error) ||
        !vsXMLCheckEmpty(node, error))
        return FALSE;

    if (info->type == VS_DOMAIN_ADDRESS_PCI) {
        return vsXMLCheckAttrs(node, pciAttrs, error) &&
            vsXMLGetUIntAttr(node, "domain", 0xffff, FALSE, &info->domain, error) &&
            vsXMLGetUIntAttr(node, "bus", 0xff, FALSE, &info->bus, error) &&
            vsXMLGetUIntAttr(node, "slot", 0x1f, FALSE, &info->slot, error) &&
            vsXMLGetUIntAttr(node, "function", 7, FALSE, &info->function,
                             error) &&
            VS_XML_GET_ENUM(node, "multifunction", vsDomainTristateOnOff,
                            FALSE, info->multifunction, error);
    }

    return vsXMLCheckAttrs(node, driveAttrs, error) &&
        vsXMLGetUIntAttr(node, "controller", 255, FALSE, &info->controller,
                         error) &&
        vsXMLGetUIntAttr(node, "bus", 255, FALSE, &info->driveBus, error) &&
        vsXMLGetUIntAttr(node, "target", 255, FALSE, &info->target, error) &&
        vsXMLGetUIntAttr(node, "unit", 255, FALSE, &info->unit, error);
}


static gboolean
vsDomainParseBootOrder(vsDomainParseState *st G_GNUC_UNUSED,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "order", NULL };
    unsigned int *order = obj;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !vsXMLGetUIntAttr(node, "order", G_MAXINT, TRUE, order, error))
        return FALSE;
    if (*order == 0) {
        vsXMLErrorBadNumber(node, "order", "0", error);
        return FALSE;
    }
    return TRUE;
}


/* ---- top-level scalar elements ---------------------------------------- */

/**
 * vsDomainParseTextField:
 *
 * Replaces *@field with the text of @node, which takes no attributes.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainParseTextField(xmlNodePtr node,
                       char **field,
                       GError **error)
{
    char *text;

    if (!vsXMLCheckAttrs(node, NULL, error) ||
        !(text = vsXMLGetText(node, error)))
        return FALSE;
    g_free(*field);
    *field = text;
    return TRUE;
}


static gboolean
vsDomainParseName(vsDomainParseState *st,
                  void *obj G_GNUC_UNUSED,
                  xmlNodePtr node,
                  GError **error)
{
    if (!vsDomainParseTextField(node, &st->def->name, error))
        return FALSE;
    g_strstrip(st->def->name);
    return TRUE;
}


static gboolean
vsDomainParseUUID(vsDomainParseState *st,
                  void *obj G_GNUC_UNUSED,
                  xmlNodePtr node,
                  GError **error)
{
    g_autofree char *text = NULL;

    if (!vsDomainParseTextField(node, &text, error))
        return FALSE;
    if (!vsUUIDParse(text, st->def->uuid, NULL)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("malformed uuid element '%s'"), text);
        return FALSE;
    }
    st->haveUUID = TRUE;
    return TRUE;
}


static gboolean
vsDomainParseTitle(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    if (!vsDomainParseTextField(node, &st->def->title, error))
        return FALSE;
    if (strchr(st->def->title, '\n')) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("domain title can't contain newlines"));
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseDescription(vsDomainParseState *st,
                         void *obj G_GNUC_UNUSED,
                         xmlNodePtr node,
                         GError **error)
{
    return vsDomainParseTextField(node, &st->def->description, error);
}


/**
 * vsDomainMetadataFromNode:
 * @node: a <metadata> element
 * @error: return location for a #GError
 *
 * Keeps each child element as a self-contained document fragment: a
 * copy with its namespaces reconciled, dumped with libxml2's indentation,
 * so that formatting and parsing again yields the same text.
 *
 * Returns: (transfer full) the children as vsDomainDef.metadata holds
 * them, or NULL with @error set.
 */
char *
vsDomainMetadataFromNode(xmlNodePtr node,
                         GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);
    xmlNodePtr cur;

    for (cur = node->children; cur; cur = cur->next) {
        xmlDocPtr doc;
        xmlNodePtr copy;
        xmlBufferPtr buf;

        if (cur->type != XML_ELEMENT_NODE)
            continue;
        doc = xmlNewDoc((const xmlChar *) "1.0");
        copy = xmlDocCopyNode(cur, doc, 1);
        buf = xmlBufferCreate();
        if (!copy || !buf) {
            xmlBufferFree(buf);
            xmlFreeDoc(doc);
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_NO_MEMORY,
                        _("cannot copy the domain metadata"));
            return NULL;
        }
        xmlDocSetRootElement(doc, copy);
        xmlReconciliateNs(doc, copy);
        /* Laid out by libxml2 for the depth <metadata>'s children have in
         * a formatted domain (level 2), so that the formatter can write
         * the text unchanged: re-indenting it line by line would also
         * shift lines inside text content, and every format and parse
         * cycle would change the metadata. */
        xmlNodeDump(buf, doc, copy, 2, 1);
        if (out->len > 0)
            g_string_append(out, "\n    ");
        g_string_append(out, (const char *) xmlBufferContent(buf));
        xmlBufferFree(buf);
        xmlFreeDoc(doc);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}


static gboolean
vsDomainParseMetadata(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    char *metadata;

    if (!vsXMLCheckAttrs(node, NULL, error) ||
        !(metadata = vsDomainMetadataFromNode(node, error)))
        return FALSE;
    g_free(st->def->metadata);
    st->def->metadata = metadata;
    return TRUE;
}


static gboolean
vsDomainUnitScale(const char *unit,
                  guint64 *scale)
{
    static const char prefixes[] = "kmgtpe";
    const char *p;
    unsigned int power;
    guint64 base;
    unsigned int i;

    if (!unit || g_ascii_strcasecmp(unit, "KiB") == 0) {
        *scale = 1024;
        return TRUE;
    }
    if (g_str_equal(unit, "b") || g_str_equal(unit, "byte") ||
        g_str_equal(unit, "bytes")) {
        *scale = 1;
        return TRUE;
    }

    p = strchr(prefixes, g_ascii_tolower(unit[0]));
    if (!unit[0] || !p)
        return FALSE;
    power = p - prefixes + 1;

    /* "k", "KiB": powers of 1024; "KB": powers of 1000. */
    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return FALSE;

    *scale = 1;
    for (i = 0; i < power; i++)
        *scale *= base;
    return TRUE;
}


static gboolean
vsDomainParseMemorySize(xmlNodePtr node,
                        unsigned long long *kib,
                        GError **error)
{
    static const char *const attrs[] = { "unit", NULL };
    g_autofree char *unit = NULL;
    g_autofree char *text = NULL;
    guint64 scale;
    guint64 val;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !(text = vsXMLGetText(node, error)))
        return FALSE;
    g_strstrip(text);

    unit = vsXMLGetAttr(node, "unit");
    if (!vsDomainUnitScale(unit, &scale)) {
        vsXMLErrorBadValue(node, "unit", unit, error);
        return FALSE;
    }
    if (!vsParseUInt64(text, G_MAXUINT64, &val) || g_str_has_prefix(text, "0x")) {
        vsXMLErrorBadNumber(node, NULL, text, error);
        return FALSE;
    }
    if (val > G_MAXUINT64 / scale ||
        (val * scale) / 1024 + 1 > VS_DOMAIN_MEMORY_MAX_KIB) {
        g_autofree char *path = vsXMLNodePath(node);

        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("memory size '%s %s' in element '%s' is too large"),
                    text, unit ? unit : "KiB", path);
        return FALSE;
    }

    /* libvirt rounds byte counts up to whole KiB. */
    *kib = (val * scale + 1023) / 1024;
    return TRUE;
}


static gboolean
vsDomainParseMemory(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    return vsDomainParseMemorySize(node, &st->def->maxMemory, error);
}


static gboolean
vsDomainParseCurrentMemory(vsDomainParseState *st,
                           void *obj G_GNUC_UNUSED,
                           xmlNodePtr node,
                           GError **error)
{
    return vsDomainParseMemorySize(node, &st->def->curMemory, error);
}


static gboolean
vsDomainParseVcpu(vsDomainParseState *st,
                  void *obj G_GNUC_UNUSED,
                  xmlNodePtr node,
                  GError **error)
{
    static const char *const attrs[] = { "placement", "current", NULL };
    g_autofree char *placement = vsXMLGetAttr(node, "placement");
    g_autofree char *text = NULL;
    guint64 val;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !vsXMLGetUIntAttr(node, "current", G_MAXUINT, FALSE,
                          &st->def->vcpusCurrent, error) ||
        !(text = vsXMLGetText(node, error)))
        return FALSE;

    /* 'auto' placement needs numad, which virtsave does not use. */
    if (placement && !g_str_equal(placement, "static")) {
        vsXMLErrorBadValue(node, "placement", placement, error);
        return FALSE;
    }
    g_strstrip(text);
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT, &val, NULL)) {
        vsXMLErrorBadNumber(node, NULL, text, error);
        return FALSE;
    }
    st->def->vcpus = val;
    return TRUE;
}


static gboolean
vsDomainParsePartition(vsDomainParseState *st,
                       void *obj G_GNUC_UNUSED,
                       xmlNodePtr node,
                       GError **error)
{
    return vsDomainParseTextField(node, &st->def->resourcePartition, error);
}


static gboolean
vsDomainParseResource(vsDomainParseState *st,
                      void *obj,
                      xmlNodePtr node,
                      GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "partition", vsDomainParsePartition, FALSE },
    };

    return vsXMLCheckAttrs(node, NULL, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


/* ---- <os> --------------------------------------------------------------- */

static gboolean
vsDomainParseOSType(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "arch", "machine", NULL };
    vsDomainOSDef *os = &st->def->os;
    g_autofree char *text = NULL;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !(text = vsXMLGetText(node, error)) ||
        !VS_XML_GET_ENUM(node, "arch", vsDomainArch, FALSE, os->arch, error))
        return FALSE;

    g_strstrip(text);
    if (!g_str_equal(text, "hvm")) {
        vsXMLErrorBadValue(node, NULL, text, error);
        return FALSE;
    }
    g_free(os->machine);
    os->machine = vsXMLGetAttr(node, "machine");
    st->haveOSType = TRUE;
    return TRUE;
}


static gboolean
vsDomainParseOSPath(xmlNodePtr node,
                    char **field,
                    GError **error)
{
    if (!vsDomainParseTextField(node, field, error))
        return FALSE;
    if (!g_path_is_absolute(*field)) {
        g_autofree char *path = vsXMLNodePath(node);

        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("path '%s' in element '%s' must be absolute"),
                    *field, path);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseKernel(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    return vsDomainParseOSPath(node, &st->def->os.kernel, error);
}


static gboolean
vsDomainParseInitrd(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    return vsDomainParseOSPath(node, &st->def->os.initrd, error);
}


static gboolean
vsDomainParseCmdline(vsDomainParseState *st,
                     void *obj G_GNUC_UNUSED,
                     xmlNodePtr node,
                     GError **error)
{
    return vsDomainParseTextField(node, &st->def->os.cmdline, error);
}


static gboolean
vsDomainParseOSBoot(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "dev", NULL };
    vsDomainOSDef *os = &st->def->os;
    int dev = 0;
    size_t i;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !vsXMLGetEnumAttr(node, "dev", vsDomainBootTypeFromString, TRUE,
                          &dev, error))
        return FALSE;

    for (i = 0; i < os->nboot; i++) {
        if (os->boot[i] == (vsDomainBootDev) dev) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("boot device '%s' is listed more than once"),
                        vsDomainBootTypeToString(dev));
            return FALSE;
        }
    }
    os->boot[os->nboot++] = dev;
    return TRUE;
}


static gboolean
vsDomainParseOS(vsDomainParseState *st,
                void *obj,
                xmlNodePtr node,
                GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "type", vsDomainParseOSType, FALSE },
        { "kernel", vsDomainParseKernel, FALSE },
        { "initrd", vsDomainParseInitrd, FALSE },
        { "cmdline", vsDomainParseCmdline, FALSE },
        { "boot", vsDomainParseOSBoot, TRUE },
        { "firmware", vsDomainParseOSFirmware, FALSE },
        { "loader", vsDomainParseLoader, FALSE },
        { "nvram", vsDomainParseNVRAM, FALSE },
    };
    static const char *const attrs[] = { "firmware", NULL };

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsDomainParseOSFirmwareAttr(st, node, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


/* ---- <features>, <cpu>, <clock>, lifecycle, <pm> ---------------------- */

static gboolean
vsDomainParseFeatureFlag(xmlNodePtr node,
                         vsDomainTristate *field,
                         GError **error)
{
    if (!vsXMLCheckAttrs(node, NULL, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    *field = VS_DOMAIN_TRISTATE_ON;
    return TRUE;
}


static gboolean
vsDomainParseACPI(vsDomainParseState *st, void *obj G_GNUC_UNUSED,
                  xmlNodePtr node, GError **error)
{
    return vsDomainParseFeatureFlag(node, &st->def->acpi, error);
}


static gboolean
vsDomainParseAPIC(vsDomainParseState *st, void *obj G_GNUC_UNUSED,
                  xmlNodePtr node, GError **error)
{
    return vsDomainParseFeatureFlag(node, &st->def->apic, error);
}


static gboolean
vsDomainParsePAE(vsDomainParseState *st, void *obj G_GNUC_UNUSED,
                 xmlNodePtr node, GError **error)
{
    return vsDomainParseFeatureFlag(node, &st->def->pae, error);
}


static gboolean
vsDomainParseVMPort(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "state", NULL };

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "state", vsDomainTristateOnOff, TRUE,
                        st->def->vmport, error);
}


static gboolean
vsDomainParseFeatures(vsDomainParseState *st,
                      void *obj,
                      xmlNodePtr node,
                      GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "acpi", vsDomainParseACPI, FALSE },
        { "apic", vsDomainParseAPIC, FALSE },
        { "pae", vsDomainParsePAE, FALSE },
        { "vmport", vsDomainParseVMPort, FALSE },
        { "smm", vsDomainParseSMM, FALSE },
        { "hyperv", vsDomainParseHyperv, FALSE },
    };

    return vsXMLCheckAttrs(node, NULL, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


static gboolean
vsDomainParseCPUModel(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = { "fallback", NULL };
    vsDomainCPUDef *cpu = &st->def->cpu;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "fallback", vsDomainCPUFallback, FALSE,
                         cpu->fallback, error) ||
        !(cpu->model = vsXMLGetText(node, error)))
        return FALSE;
    g_strstrip(cpu->model);
    if (!*cpu->model) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("CPU <model> must not be empty"));
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseCPUTopology(vsDomainParseState *st,
                         void *obj G_GNUC_UNUSED,
                         xmlNodePtr node,
                         GError **error)
{
    static const char *const attrs[] = {
        "sockets", "dies", "clusters", "cores", "threads", NULL,
    };
    const char *const *name;
    vsDomainCPUDef *cpu = &st->def->cpu;
    unsigned int *fields[] = {
        &cpu->sockets, &cpu->dies, &cpu->clusters, &cpu->cores, &cpu->threads,
    };
    size_t i = 0;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;

    for (name = attrs; *name; name++, i++) {
        /* dies and clusters default to 1; the others are required. */
        gboolean required = i != 1 && i != 2;

        *fields[i] = 1;
        if (!vsXMLGetUIntAttr(node, *name, 4096, required, fields[i], error))
            return FALSE;
        if (*fields[i] == 0) {
            vsXMLErrorBadNumber(node, *name, "0", error);
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainParseCPUFeature(vsDomainParseState *st,
                        void *obj G_GNUC_UNUSED,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = { "policy", "name", NULL };
    g_autoptr(vsDomainCPUFeature) feature = vsDomainCPUFeatureNew();
    size_t i;

    feature->policy = VS_DOMAIN_CPU_FEATURE_REQUIRE;
    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !VS_XML_GET_ENUM(node, "policy", vsDomainCPUFeaturePolicy, FALSE,
                         feature->policy, error))
        return FALSE;

    feature->name = vsXMLGetAttr(node, "name");
    if (!feature->name) {
        vsXMLErrorMissingAttr(node, "name", error);
        return FALSE;
    }
    /* QEMU's property syntax cannot carry these characters. */
    if (!*feature->name || strpbrk(feature->name, ",=+ ")) {
        vsXMLErrorBadValue(node, "name", feature->name, error);
        return FALSE;
    }
    for (i = 0; i < st->def->cpu.features->len; i++) {
        vsDomainCPUFeature *other = g_ptr_array_index(st->def->cpu.features, i);

        if (g_str_equal(other->name, feature->name)) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("CPU feature '%s' specified more than once"),
                        feature->name);
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->cpu.features, g_steal_pointer(&feature));
    return TRUE;
}


static gboolean
vsDomainParseCPU(vsDomainParseState *st,
                 void *obj,
                 xmlNodePtr node,
                 GError **error)
{
    static const char *const attrs[] = {
        "mode", "match", "check", "migratable", NULL,
    };
    static const vsDomainChildHandler handlers[] = {
        { "model", vsDomainParseCPUModel, FALSE },
        { "topology", vsDomainParseCPUTopology, FALSE },
        { "feature", vsDomainParseCPUFeature, TRUE },
    };
    vsDomainCPUDef *cpu = &st->def->cpu;

    cpu->mode = VS_DOMAIN_CPU_MODE_CUSTOM;
    return vsXMLCheckAttrs(node, attrs, error) &&
        VS_XML_GET_ENUM(node, "mode", vsDomainCPUMode, FALSE, cpu->mode,
                        error) &&
        VS_XML_GET_ENUM(node, "match", vsDomainCPUMatch, FALSE, cpu->match,
                        error) &&
        VS_XML_GET_ENUM(node, "check", vsDomainCPUCheck, FALSE, cpu->check,
                        error) &&
        VS_XML_GET_ENUM(node, "migratable", vsDomainTristateOnOff, FALSE,
                        cpu->migratable, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


static gboolean
vsDomainParseClock(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = { "offset", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "timer", vsDomainParseTimer, TRUE },
    };

    return vsXMLCheckAttrs(node, attrs, error) &&
        VS_XML_GET_ENUM(node, "offset", vsDomainClockOffset, FALSE,
                        st->def->clockOffset, error) &&
        vsDomainParseChildren(st, NULL, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


static gboolean
vsDomainParseLifecycle(vsDomainParseState *st,
                       void *obj G_GNUC_UNUSED,
                       xmlNodePtr node,
                       GError **error)
{
    vsDomainDef *def = st->def;
    const char *name = (const char *) node->name;
    vsDomainLifecycleAction *field = &def->onCrash;
    int val = 0;

    if (g_str_equal(name, "on_poweroff"))
        field = &def->onPoweroff;
    else if (g_str_equal(name, "on_reboot"))
        field = &def->onReboot;

    if (!vsXMLGetEnumText(node, vsDomainLifecycleTypeFromString, &val, error))
        return FALSE;
    *field = val;
    return TRUE;
}


static gboolean
vsDomainParsePMState(vsDomainParseState *st,
                     void *obj G_GNUC_UNUSED,
                     xmlNodePtr node,
                     GError **error)
{
    static const char *const attrs[] = { "enabled", NULL };
    vsDomainTristate *field = &st->def->pmSuspendToMem;

    if (g_str_equal((const char *) node->name, "suspend-to-disk"))
        field = &st->def->pmSuspendToDisk;

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "enabled", vsDomainTristateYesNo, TRUE,
                        *field, error);
}


static gboolean
vsDomainParsePM(vsDomainParseState *st,
                void *obj,
                xmlNodePtr node,
                GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "suspend-to-mem", vsDomainParsePMState, FALSE },
        { "suspend-to-disk", vsDomainParsePMState, FALSE },
    };

    return vsXMLCheckAttrs(node, NULL, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


static gboolean
vsDomainParseSeclabel(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = { "type", "model", "relabel", NULL };
    /* Labels of dynamic seclabels are generated at each start. */
    static const vsDomainChildHandler handlers[] = {
        { "label", vsDomainParseIgnored, FALSE },
        { "imagelabel", vsDomainParseIgnored, FALSE },
    };
    g_autoptr(vsDomainSeclabelDef) seclabel = vsDomainSeclabelDefNew();

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "relabel", vsDomainTristateYesNo, FALSE,
                         seclabel->relabel, error))
        return FALSE;

    seclabel->type = vsXMLGetAttr(node, "type");
    seclabel->model = vsXMLGetAttr(node, "model");
    if (!seclabel->type) {
        seclabel->type = g_strdup("dynamic");
    } else if (!g_str_equal(seclabel->type, "dynamic") &&
               !g_str_equal(seclabel->type, "none")) {
        vsXMLErrorBadValue(node, "type", seclabel->type, error);
        return FALSE;
    }
    if (g_str_equal(seclabel->type, "none") ? !vsXMLCheckEmpty(node, error) :
        !vsDomainParseChildren(st, NULL, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    g_ptr_array_add(st->def->seclabels, g_steal_pointer(&seclabel));
    return TRUE;
}


/* ---- <disk> ------------------------------------------------------------- */

static gboolean
vsDomainParseDiskDriver(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = {
        "name", "type", "cache", "io", "discard", "detect_zeroes", NULL,
    };
    vsDomainDiskDef *disk = obj;
    g_autofree char *name = vsXMLGetAttr(node, "name");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (name && !g_str_equal(name, "qemu")) {
        vsXMLErrorBadValue(node, "name", name, error);
        return FALSE;
    }
    return VS_XML_GET_ENUM(node, "type", vsDomainDiskFormat, FALSE,
                           disk->format, error) &&
        VS_XML_GET_ENUM(node, "cache", vsDomainDiskCache, FALSE,
                        disk->cache, error) &&
        VS_XML_GET_ENUM(node, "io", vsDomainDiskIO, FALSE, disk->io, error) &&
        VS_XML_GET_ENUM(node, "discard", vsDomainDiskDiscard, FALSE,
                        disk->discard, error) &&
        VS_XML_GET_ENUM(node, "detect_zeroes", vsDomainDiskDetectZeroes, FALSE,
                        disk->detectZeroes, error);
}


/* <serial> of a disk: the characters libvirt accepts, which QEMU passes
 * to the guest unchanged. */
static gboolean
vsDomainParseDiskSerial(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    vsDomainDiskDef *disk = obj;
    g_autofree char *text = NULL;
    const char *p;

    if (!vsXMLCheckAttrs(node, NULL, error) ||
        !(text = vsXMLGetText(node, error)))
        return FALSE;
    for (p = text; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_ .+-", *p))
            break;
    }
    if (!*text || *p) {
        vsXMLErrorBadValue(node, NULL, text, error);
        return FALSE;
    }
    g_free(disk->serial);
    disk->serial = g_steal_pointer(&text);
    return TRUE;
}


static gboolean
vsDomainParseDiskSource(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    /* 'index' numbers the storage chain in live XML; it is derived. */
    static const char *const fileAttrs[] = { "file", "index", NULL };
    static const char *const blockAttrs[] = { "dev", "index", NULL };
    vsDomainDiskDef *disk = obj;

    if (!vsXMLCheckAttrs(node, disk->block ? blockAttrs : fileAttrs, error) ||
        !vsXMLCheckEmpty(node, error))
        return FALSE;
    g_free(disk->src);
    disk->src = vsXMLGetAttr(node, disk->block ? "dev" : "file");
    if (disk->src && !g_path_is_absolute(disk->src)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("disk source '%s' must be an absolute path"), disk->src);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseDiskTarget(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = { "dev", "bus", NULL };
    vsDomainDiskDef *disk = obj;
    g_autofree char *bus = vsXMLGetAttr(node, "bus");
    int val;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    disk->dst = vsXMLGetAttr(node, "dev");
    if (!disk->dst) {
        vsXMLErrorMissingAttr(node, "dev", error);
        return FALSE;
    }

    /* Like libvirt, derive a missing bus from the name's prefix; "sd"
     * means SCSI there, which is not supported here. */
    if (!bus) {
        if (g_str_has_prefix(disk->dst, "vd"))
            bus = g_strdup("virtio");
        else if (g_str_has_prefix(disk->dst, "hd"))
            bus = g_strdup("ide");
        else
            bus = g_strdup("scsi");
    }
    val = vsDomainDiskBusTypeFromString(bus);
    if (val < 0) {
        vsXMLErrorBadValue(node, "bus", bus, error);
        return FALSE;
    }
    disk->bus = val;
    return TRUE;
}


static gboolean
vsDomainParseDiskReadonly(vsDomainParseState *st G_GNUC_UNUSED,
                          void *obj,
                          xmlNodePtr node,
                          GError **error)
{
    vsDomainDiskDef *disk = obj;

    if (!vsXMLCheckAttrs(node, NULL, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    disk->readonly = TRUE;
    return TRUE;
}


static gboolean
vsDomainParseDiskShareable(vsDomainParseState *st G_GNUC_UNUSED,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    vsDomainDiskDef *disk = obj;

    if (!vsXMLCheckAttrs(node, NULL, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    disk->shareable = TRUE;
    return TRUE;
}


static gboolean
vsDomainParseDiskBoot(vsDomainParseState *st, void *obj,
                      xmlNodePtr node, GError **error)
{
    return vsDomainParseBootOrder(st, &((vsDomainDiskDef *) obj)->bootIndex,
                                  node, error);
}


static gboolean
vsDomainParseDiskAddress(vsDomainParseState *st, void *obj,
                         xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainDiskDef *) obj)->info,
                                node, error);
}


static gboolean
vsDomainParseDisk(vsDomainParseState *st,
                  void *obj G_GNUC_UNUSED,
                  xmlNodePtr node,
                  GError **error)
{
    static const char *const attrs[] = { "type", "device", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "driver", vsDomainParseDiskDriver, FALSE },
        { "source", vsDomainParseDiskSource, FALSE },
        { "backingStore", vsDomainParseDiskBackingStore, FALSE },
        { "target", vsDomainParseDiskTarget, FALSE },
        { "readonly", vsDomainParseDiskReadonly, FALSE },
        { "shareable", vsDomainParseDiskShareable, FALSE },
        { "serial", vsDomainParseDiskSerial, FALSE },
        { "boot", vsDomainParseDiskBoot, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseDiskAddress, FALSE },
    };
    g_autoptr(vsDomainDiskDef) disk = vsDomainDiskDefNew();
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (type && !g_str_equal(type, "file") && !g_str_equal(type, "block")) {
        vsXMLErrorBadValue(node, "type", type, error);
        return FALSE;
    }
    disk->block = type && g_str_equal(type, "block");
    if (!VS_XML_GET_ENUM(node, "device", vsDomainDiskDevice, FALSE,
                         disk->device, error) ||
        !vsDomainParseChildren(st, disk, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    if (!disk->dst) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("missing <target dev> in a <disk>"));
        return FALSE;
    }
    g_ptr_array_add(st->def->disks, g_steal_pointer(&disk));
    return TRUE;
}


/* ---- <controller> ------------------------------------------------------- */

static gboolean
vsDomainParseControllerModel(vsDomainParseState *st G_GNUC_UNUSED,
                             void *obj,
                             xmlNodePtr node,
                             GError **error)
{
    static const char *const attrs[] = { "name", NULL };
    vsDomainControllerDef *cont = obj;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    g_free(cont->modelName);
    cont->modelName = vsXMLGetAttr(node, "name");
    if (cont->model != VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT ||
        !cont->modelName || !g_str_equal(cont->modelName, "pcie-root-port")) {
        vsXMLErrorBadValue(node, "name", cont->modelName ? cont->modelName : "",
                           error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseControllerTarget(vsDomainParseState *st G_GNUC_UNUSED,
                              void *obj,
                              xmlNodePtr node,
                              GError **error)
{
    static const char *const attrs[] = { "chassis", "port", NULL };
    vsDomainControllerDef *cont = obj;
    unsigned int chassis = G_MAXUINT;
    unsigned int port = G_MAXUINT;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (cont->model != VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!vsXMLGetUIntAttr(node, "chassis", 255, FALSE, &chassis, error) ||
        !vsXMLGetUIntAttr(node, "port", 255, FALSE, &port, error))
        return FALSE;
    if (chassis != G_MAXUINT)
        cont->chassis = chassis;
    if (port != G_MAXUINT)
        cont->port = port;
    return TRUE;
}


/* <driver queues> of a virtio-scsi controller. */
static gboolean
vsDomainParseControllerDriver(vsDomainParseState *st G_GNUC_UNUSED,
                              void *obj,
                              xmlNodePtr node,
                              GError **error)
{
    static const char *const attrs[] = { "queues", NULL };
    vsDomainControllerDef *cont = obj;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (cont->model != VS_DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!vsXMLGetUIntAttr(node, "queues", 1024, TRUE, &cont->queues, error))
        return FALSE;
    if (cont->queues == 0) {
        vsXMLErrorBadValue(node, "queues", "0", error);
        return FALSE;
    }
    return TRUE;
}


/* <master startport> of a UHCI companion of an EHCI controller. */
static gboolean
vsDomainParseControllerMaster(vsDomainParseState *st G_GNUC_UNUSED,
                              void *obj,
                              xmlNodePtr node,
                              GError **error)
{
    static const char *const attrs[] = { "startport", NULL };
    vsDomainControllerDef *cont = obj;
    unsigned int startport = G_MAXUINT;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (cont->model != VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1 &&
        cont->model != VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI2 &&
        cont->model != VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI3) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!vsXMLGetUIntAttr(node, "startport", 5, TRUE, &startport, error))
        return FALSE;
    cont->startport = startport;
    return TRUE;
}


static gboolean
vsDomainParseControllerAddress(vsDomainParseState *st, void *obj,
                               xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainControllerDef *) obj)->info,
                                node, error);
}


static gboolean
vsDomainParseController(vsDomainParseState *st,
                        void *obj G_GNUC_UNUSED,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = {
        "type", "index", "model", "ports", NULL,
    };
    static const vsDomainChildHandler handlers[] = {
        { "model", vsDomainParseControllerModel, FALSE },
        { "target", vsDomainParseControllerTarget, FALSE },
        { "driver", vsDomainParseControllerDriver, FALSE },
        { "master", vsDomainParseControllerMaster, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseControllerAddress, FALSE },
    };
    g_autoptr(vsDomainControllerDef) cont = vsDomainControllerDefNew();

    /* Numbered after parsing when absent (vsDomainDefPostParse()). */
    cont->idx = G_MAXUINT;
    cont->order = st->def->controllers->len;
    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainController, TRUE, cont->type,
                         error) ||
        !vsXMLGetUIntAttr(node, "index", 255, FALSE, &cont->idx, error) ||
        !VS_XML_GET_ENUM(node, "model", vsDomainControllerModel, FALSE,
                         cont->model, error) ||
        !vsXMLGetUIntAttr(node, "ports", 15, FALSE, &cont->ports, error) ||
        !vsDomainParseChildren(st, cont, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    if (cont->ports != 0 && cont->model != VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("attribute 'ports' is only supported for USB model 'qemu-xhci'"));
        return FALSE;
    }
    g_ptr_array_add(st->def->controllers, g_steal_pointer(&cont));
    return TRUE;
}


/* ---- <interface> -------------------------------------------------------- */

static gboolean
vsDomainParseMac(const char *str,
                 unsigned char mac[VS_MAC_BUFLEN])
{
    size_t i;

    if (strlen(str) != VS_MAC_STRING_BUFLEN - 1)
        return FALSE;
    for (i = 0; i < VS_MAC_BUFLEN; i++) {
        int hi = g_ascii_xdigit_value(str[i * 3]);
        int lo = g_ascii_xdigit_value(str[i * 3 + 1]);

        if (hi < 0 || lo < 0 || (i < VS_MAC_BUFLEN - 1 && str[i * 3 + 2] != ':'))
            return FALSE;
        mac[i] = (hi << 4) | lo;
    }
    return TRUE;
}


static gboolean
vsDomainParseNetMac(vsDomainParseState *st G_GNUC_UNUSED,
                    void *obj,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "address", NULL };
    vsDomainNetDef *net = obj;
    g_autofree char *addr = vsXMLGetAttr(node, "address");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!addr) {
        vsXMLErrorMissingAttr(node, "address", error);
        return FALSE;
    }
    if (!vsDomainParseMac(addr, net->mac) || (net->mac[0] & 1)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("unable to parse mac address '%s'"), addr);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseNetModel(vsDomainParseState *st G_GNUC_UNUSED,
                      void *obj,
                      xmlNodePtr node,
                      GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    vsDomainNetDef *net = obj;

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "type", vsDomainNetModel, TRUE, net->model,
                        error);
}


static gboolean
vsDomainParseNetBoot(vsDomainParseState *st, void *obj,
                     xmlNodePtr node, GError **error)
{
    return vsDomainParseBootOrder(st, &((vsDomainNetDef *) obj)->bootIndex,
                                  node, error);
}


static gboolean
vsDomainParseNetAddress(vsDomainParseState *st, void *obj,
                        xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainNetDef *) obj)->info,
                                node, error);
}


static void
vsDomainNetGenerateMac(unsigned char mac[VS_MAC_BUFLEN])
{
    guint32 r = g_random_int();

    /* QEMU's OUI, as libvirt uses for generated addresses. */
    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = (r >> 16) & 0xff;
    mac[4] = (r >> 8) & 0xff;
    mac[5] = r & 0xff;
}


/* A host interface name: what the kernel accepts (IFNAMSIZ less the
 * terminator, no '/', ':' or white space, not "." or ".."), without '%',
 * which would make the kernel pick a number for a tap's name. */
static gboolean
vsDomainNetCheckIfname(xmlNodePtr node,
                       const char *attr,
                       const char *name,
                       GError **error)
{
    const char *p;

    if (!*name || strlen(name) > 15 || g_str_equal(name, ".") ||
        g_str_equal(name, "..")) {
        vsXMLErrorBadValue(node, attr, name, error);
        return FALSE;
    }
    for (p = name; *p; p++) {
        if (*p == '/' || *p == ':' || *p == '%' || g_ascii_isspace(*p) ||
            g_ascii_iscntrl(*p)) {
            vsXMLErrorBadValue(node, attr, name, error);
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainParseNetSource(vsDomainParseState *st,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    /* 'portid': libvirt's live XML names the network port it made; a
     * port belongs to one run and is not kept. */
    static const char *const attrs[] = {
        "bridge", "network", "portid", NULL,
    };
    vsDomainNetDef *net = obj;
    const char *want = net->type == VS_DOMAIN_NET_TYPE_BRIDGE ? "bridge" :
        net->type == VS_DOMAIN_NET_TYPE_NETWORK ? "network" : NULL;
    g_autofree char *bridge = vsXMLGetAttr(node, "bridge");
    g_autofree char *network = vsXMLGetAttr(node, "network");

    if (!want) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (net->type == VS_DOMAIN_NET_TYPE_BRIDGE) {
        if (network) {
            vsXMLErrorBadValue(node, "network", network, error);
            return FALSE;
        }
        if (bridge && !vsDomainNetCheckIfname(node, "bridge", bridge, error))
            return FALSE;
        net->bridge = g_steal_pointer(&bridge);
        return TRUE;
    }
    if (network && (!*network || strchr(network, '/'))) {
        vsXMLErrorBadValue(node, "network", network, error);
        return FALSE;
    }
    net->network = g_steal_pointer(&network);
    /* The bridge of a network is resolved at each start; live XML shows
     * it, and only the daemon's own status keeps it. */
    if (bridge && (st->flags & VS_DOMAIN_DEF_PARSE_STATUS))
        net->actualBridge = g_steal_pointer(&bridge);
    return TRUE;
}


static gboolean
vsDomainParseNetTarget(vsDomainParseState *st,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "dev", "managed", NULL };
    vsDomainNetDef *net = obj;
    g_autofree char *dev = vsXMLGetAttr(node, "dev");
    g_autofree char *managed = vsXMLGetAttr(node, "managed");

    if (net->type == VS_DOMAIN_NET_TYPE_USER) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (managed) {
        if (net->type != VS_DOMAIN_NET_TYPE_ETHERNET ||
            (!g_str_equal(managed, "no") && !g_str_equal(managed, "yes"))) {
            vsXMLErrorBadValue(node, "managed", managed, error);
            return FALSE;
        }
        net->unmanagedTap = g_str_equal(managed, "no");
    }
    if (!dev)
        return TRUE;
    if (!vsDomainNetCheckIfname(node, "dev", dev, error))
        return FALSE;
    /* A generated name belongs to one run of the domain: a definition
     * or a save image read back gets a fresh one, as with libvirt. */
    if (g_str_has_prefix(dev, VS_DOMAIN_NET_GENERATED_PREFIX) &&
        !net->unmanagedTap && !(st->flags & VS_DOMAIN_DEF_PARSE_STATUS))
        return TRUE;
    net->ifname = g_steal_pointer(&dev);
    return TRUE;
}


static gboolean
vsDomainParseNetDriver(vsDomainParseState *st G_GNUC_UNUSED,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "name", NULL };
    vsDomainNetDef *net = obj;

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "name", vsDomainNetBackend, FALSE,
                        net->backend, error);
}


static gboolean
vsDomainParseNetLink(vsDomainParseState *st G_GNUC_UNUSED,
                     void *obj,
                     xmlNodePtr node,
                     GError **error)
{
    static const char *const attrs[] = { "state", NULL };
    vsDomainNetDef *net = obj;
    g_autofree char *state = vsXMLGetAttr(node, "state");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (state && !g_str_equal(state, "up") && !g_str_equal(state, "down")) {
        vsXMLErrorBadValue(node, "state", state, error);
        return FALSE;
    }
    net->linkDown = g_strcmp0(state, "down") == 0;
    return TRUE;
}


static gboolean
vsDomainParseNetMtu(vsDomainParseState *st G_GNUC_UNUSED,
                    void *obj,
                    xmlNodePtr node,
                    GError **error)
{
    static const char *const attrs[] = { "size", NULL };
    vsDomainNetDef *net = obj;

    /* 68 is the smallest MTU of IPv4, 65535 the largest a tap takes. */
    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error) ||
        !vsXMLGetUIntAttr(node, "size", 65535, TRUE, &net->mtu, error))
        return FALSE;
    if (net->mtu < 68) {
        g_autofree char *size = g_strdup_printf("%u", net->mtu);

        vsXMLErrorBadValue(node, "size", size, error);
        return FALSE;
    }
    return TRUE;
}


/* What each type needs beyond its elements taken one at a time. */
static gboolean
vsDomainNetCheck(xmlNodePtr node,
                 const vsDomainNetDef *net,
                 GError **error)
{
    g_autofree char *path = vsXMLNodePath(node);

    if (net->type == VS_DOMAIN_NET_TYPE_BRIDGE && !net->bridge) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s' of type 'bridge' needs <source bridge='...'/>"),
                    path);
        return FALSE;
    }
    if (net->type == VS_DOMAIN_NET_TYPE_NETWORK && !net->network) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s' of type 'network' needs <source network='...'/>"),
                    path);
        return FALSE;
    }
    if (net->unmanagedTap && !net->ifname) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s' with <target managed='no'/> needs the name of an existing tap in 'dev'"),
                    path);
        return FALSE;
    }
    if (net->type == VS_DOMAIN_NET_TYPE_USER &&
        (net->mtu || net->backend == VS_DOMAIN_NET_BACKEND_VHOST)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("element '%s' of type 'user' takes neither <mtu> nor <driver name='vhost'/>"),
                    path);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseInterface(vsDomainParseState *st,
                       void *obj G_GNUC_UNUSED,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "mac", vsDomainParseNetMac, FALSE },
        { "source", vsDomainParseNetSource, FALSE },
        { "target", vsDomainParseNetTarget, FALSE },
        { "model", vsDomainParseNetModel, FALSE },
        { "driver", vsDomainParseNetDriver, FALSE },
        { "link", vsDomainParseNetLink, FALSE },
        { "mtu", vsDomainParseNetMtu, FALSE },
        { "boot", vsDomainParseNetBoot, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseNetAddress, FALSE },
    };
    g_autoptr(vsDomainNetDef) net = vsDomainNetDefNew();
    static const unsigned char zero[VS_MAC_BUFLEN] = { 0 };

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainNetType, TRUE, net->type,
                         error) ||
        !vsDomainParseChildren(st, net, node, handlers,
                               G_N_ELEMENTS(handlers), error) ||
        !vsDomainNetCheck(node, net, error))
        return FALSE;

    if (memcmp(net->mac, zero, VS_MAC_BUFLEN) == 0)
        vsDomainNetGenerateMac(net->mac);
    g_ptr_array_add(st->def->nets, g_steal_pointer(&net));
    return TRUE;
}


/* ---- <serial>, <console> ------------------------------------------------ */

static gboolean
vsDomainParseChrSource(vsDomainParseState *st,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "path", "append", NULL };
    vsDomainChrDef *chr = obj;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;

    if (chr->type == VS_DOMAIN_CHR_PTY) {
        /* Live XML shows the allocated pty; it is chosen at each start
         * and kept only in the daemon's status file. */
        if (st->flags & VS_DOMAIN_DEF_PARSE_STATUS) {
            g_free(chr->ptyPath);
            chr->ptyPath = vsXMLGetAttr(node, "path");
        }
        return TRUE;
    }
    if (chr->type != VS_DOMAIN_CHR_FILE) {
        vsXMLErrorUnsupportedElement(node, error);
        return FALSE;
    }
    if (!VS_XML_GET_ENUM(node, "append", vsDomainTristateOnOff, FALSE,
                         chr->append, error))
        return FALSE;
    g_free(chr->path);
    chr->path = vsXMLGetAttr(node, "path");
    if (!chr->path || !g_path_is_absolute(chr->path)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a character device of type 'file' needs an absolute <source path>"));
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseChrTargetModel(vsDomainParseState *st G_GNUC_UNUSED,
                            void *obj G_GNUC_UNUSED,
                            xmlNodePtr node,
                            GError **error)
{
    static const char *const attrs[] = { "name", NULL };
    g_autofree char *name = vsXMLGetAttr(node, "name");

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    if (!name || !g_str_equal(name, "isa-serial")) {
        vsXMLErrorBadValue(node, "name", name ? name : "", error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseChrTarget(vsDomainParseState *st,
                       void *obj,
                       xmlNodePtr node,
                       GError **error)
{
    static const char *const attrs[] = { "type", "port", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "model", vsDomainParseChrTargetModel, FALSE },
    };
    vsDomainChrDef *chr = obj;
    gboolean console = g_str_equal((const char *) node->parent->name, "console");
    const char *expect = console ? "serial" : "isa-serial";
    g_autofree char *type = vsXMLGetAttr(node, "type");

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (type && !g_str_equal(type, expect)) {
        vsXMLErrorBadValue(node, "type", type, error);
        return FALSE;
    }
    if (console) {
        if (!vsXMLCheckEmpty(node, error))
            return FALSE;
    } else if (!vsDomainParseChildren(st, chr, node, handlers,
                                      G_N_ELEMENTS(handlers), error)) {
        return FALSE;
    }
    return vsXMLGetUIntAttr(node, "port", 255, FALSE, &chr->port, error);
}


static vsDomainChrDef *
vsDomainParseChr(vsDomainParseState *st,
                 xmlNodePtr node,
                 GError **error)
{
    /* 'tty' names the allocated pty in live XML. */
    static const char *const attrs[] = { "type", "tty", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "source", vsDomainParseChrSource, FALSE },
        { "target", vsDomainParseChrTarget, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
    };
    g_autoptr(vsDomainChrDef) chr = vsDomainChrDefNew();

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "type", vsDomainChr, TRUE, chr->type, error) ||
        !vsDomainParseChildren(st, chr, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return NULL;

    if (chr->type == VS_DOMAIN_CHR_FILE && !chr->path) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("a character device of type 'file' needs an absolute <source path>"));
        return NULL;
    }
    return g_steal_pointer(&chr);
}


static gboolean
vsDomainParseSerial(vsDomainParseState *st,
                    void *obj G_GNUC_UNUSED,
                    xmlNodePtr node,
                    GError **error)
{
    vsDomainChrDef *chr = vsDomainParseChr(st, node, error);

    if (!chr)
        return FALSE;
    g_ptr_array_add(st->def->serials, chr);
    return TRUE;
}


static gboolean
vsDomainParseConsole(vsDomainParseState *st,
                     void *obj G_GNUC_UNUSED,
                     xmlNodePtr node,
                     GError **error)
{
    vsDomainChrDef *chr = vsDomainParseChr(st, node, error);

    if (!chr)
        return FALSE;
    g_ptr_array_add(st->def->consoles, chr);
    return TRUE;
}


/* ---- <input>, <memballoon>, <rng> ----------------------------- */

static gboolean
vsDomainParseInput(vsDomainParseState *st,
                   void *obj G_GNUC_UNUSED,
                   xmlNodePtr node,
                   GError **error)
{
    static const char *const attrs[] = { "type", "bus", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "alias", vsDomainParseAlias, FALSE },
    };
    g_autofree char *bus = vsXMLGetAttr(node, "bus");
    g_autofree char *typeStr = vsXMLGetAttr(node, "type");
    int type = 0;
    size_t i;

    /* A tablet has no PS/2 form: libvirt puts it on USB by default. */
    if (!bus && typeStr && g_str_equal(typeStr, "tablet"))
        return vsDomainParseInputDev(st, node, "usb", error);
    if (bus && !g_str_equal(bus, "ps2"))
        return vsDomainParseInputDev(st, node, bus, error);
    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !vsXMLGetEnumAttr(node, "type", vsDomainInputTypeFromString, TRUE,
                          &type, error) ||
        !vsDomainParseChildren(st, NULL, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    for (i = 0; i < st->def->inputs->len; i++) {
        vsDomainInputDef *other = g_ptr_array_index(st->def->inputs, i);

        if (other->type == (vsDomainInputType) type) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("only one PS/2 %s is supported"),
                        vsDomainInputTypeToString(type));
            return FALSE;
        }
    }
    g_ptr_array_add(st->def->inputs, vsDomainInputDefNew(type));
    return TRUE;
}


static gboolean
vsDomainParseMemballoonAddress(vsDomainParseState *st, void *obj,
                               xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainMemballoonDef *) obj)->info,
                                node, error);
}


static gboolean
vsDomainParseMemballoon(vsDomainParseState *st,
                        void *obj G_GNUC_UNUSED,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseMemballoonAddress, FALSE },
    };
    vsDomainMemballoonDef *balloon = &st->def->memballoon;

    if (!vsXMLCheckAttrs(node, attrs, error) ||
        !VS_XML_GET_ENUM(node, "model", vsDomainMemballoon, TRUE,
                         balloon->model, error) ||
        !vsDomainParseChildren(st, balloon, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    if (balloon->model == VS_DOMAIN_MEMBALLOON_NONE &&
        balloon->info.type != VS_DOMAIN_ADDRESS_NONE) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("memballoon model 'none' cannot have an address"));
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseRNGBackend(vsDomainParseState *st G_GNUC_UNUSED,
                        void *obj,
                        xmlNodePtr node,
                        GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    vsDomainRNGDef *rng = obj;
    g_autofree char *model = vsXMLGetAttr(node, "model");
    char *text;

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (!model || !g_str_equal(model, "random")) {
        vsXMLErrorBadValue(node, "model", model ? model : "", error);
        return FALSE;
    }
    if (!(text = vsXMLGetText(node, error)))
        return FALSE;
    g_strstrip(text);
    g_free(rng->source);
    rng->source = text;
    if (!*rng->source)
        g_clear_pointer(&rng->source, g_free);

    /* libvirt allows only these two entropy sources. */
    if (rng->source && !g_str_equal(rng->source, "/dev/urandom") &&
        !g_str_equal(rng->source, "/dev/random") &&
        !g_str_equal(rng->source, "/dev/hwrng")) {
        vsXMLErrorBadValue(node, NULL, rng->source, error);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseRNGAddress(vsDomainParseState *st, void *obj,
                        xmlNodePtr node, GError **error)
{
    return vsDomainParseAddress(st, &((vsDomainRNGDef *) obj)->info,
                                node, error);
}


static gboolean
vsDomainParseRNG(vsDomainParseState *st,
                 void *obj G_GNUC_UNUSED,
                 xmlNodePtr node,
                 GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "backend", vsDomainParseRNGBackend, FALSE },
        { "alias", vsDomainParseAlias, FALSE },
        { "address", vsDomainParseRNGAddress, FALSE },
    };
    g_autoptr(vsDomainRNGDef) rng = vsDomainRNGDefNew();
    g_autofree char *model = vsXMLGetAttr(node, "model");

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (!model || !g_str_equal(model, "virtio")) {
        vsXMLErrorBadValue(node, "model", model ? model : "", error);
        return FALSE;
    }
    if (!vsDomainParseChildren(st, rng, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;
    g_ptr_array_add(st->def->rngs, g_steal_pointer(&rng));
    return TRUE;
}


static gboolean
vsDomainParseEmulator(vsDomainParseState *st,
                      void *obj G_GNUC_UNUSED,
                      xmlNodePtr node,
                      GError **error)
{
    if (!vsDomainParseTextField(node, &st->def->emulator, error))
        return FALSE;
    g_strstrip(st->def->emulator);
    if (!g_path_is_absolute(st->def->emulator)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("emulator '%s' must be an absolute path"),
                    st->def->emulator);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainParseDevices(vsDomainParseState *st,
                     void *obj,
                     xmlNodePtr node,
                     GError **error)
{
    static const vsDomainChildHandler handlers[] = {
        { "emulator", vsDomainParseEmulator, FALSE },
        { "disk", vsDomainParseDisk, TRUE },
        { "controller", vsDomainParseController, TRUE },
        { "interface", vsDomainParseInterface, TRUE },
        { "serial", vsDomainParseSerial, TRUE },
        { "console", vsDomainParseConsole, TRUE },
        { "input", vsDomainParseInput, TRUE },
        { "video", vsDomainParseVideoDevice, TRUE },
        { "memballoon", vsDomainParseMemballoon, FALSE },
        { "rng", vsDomainParseRNG, TRUE },
        { "graphics", vsDomainParseGraphics, TRUE },
        { "sound", vsDomainParseSound, TRUE },
        { "audio", vsDomainParseAudio, TRUE },
        { "channel", vsDomainParseChannel, TRUE },
        { "redirdev", vsDomainParseRedirdev, TRUE },
        { "watchdog", vsDomainParseWatchdog, TRUE },
        { "tpm", vsDomainParseTPM, FALSE },
    };

    return vsXMLCheckAttrs(node, NULL, error) &&
        vsDomainParseChildren(st, obj, node, handlers,
                              G_N_ELEMENTS(handlers), error);
}


/* ---- <domain> ----------------------------------------------------------- */

static gboolean
vsDomainParseRoot(vsDomainParseState *st,
                  xmlNodePtr root,
                  GError **error)
{
    static const char *const attrs[] = { "type", "id", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "name", vsDomainParseName, FALSE },
        { "uuid", vsDomainParseUUID, FALSE },
        { "title", vsDomainParseTitle, FALSE },
        { "description", vsDomainParseDescription, FALSE },
        { "metadata", vsDomainParseMetadata, FALSE },
        { "memory", vsDomainParseMemory, FALSE },
        { "currentMemory", vsDomainParseCurrentMemory, FALSE },
        { "vcpu", vsDomainParseVcpu, FALSE },
        { "resource", vsDomainParseResource, FALSE },
        { "os", vsDomainParseOS, FALSE },
        { "features", vsDomainParseFeatures, FALSE },
        { "cpu", vsDomainParseCPU, FALSE },
        { "clock", vsDomainParseClock, FALSE },
        { "on_poweroff", vsDomainParseLifecycle, FALSE },
        { "on_reboot", vsDomainParseLifecycle, FALSE },
        { "on_crash", vsDomainParseLifecycle, FALSE },
        { "pm", vsDomainParsePM, FALSE },
        { "devices", vsDomainParseDevices, FALSE },
        { "seclabel", vsDomainParseSeclabel, TRUE },
    };
    vsDomainDef *def = st->def;

    if (root->ns || !g_str_equal((const char *) root->name, "domain")) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("expected root element <domain>, not <%s>"),
                    (const char *) root->name);
        return FALSE;
    }
    if (!vsXMLCheckAttrs(root, attrs, error) ||
        !VS_XML_GET_ENUM(root, "type", vsDomainVirt, TRUE, def->virtType,
                         error))
        return FALSE;

    if (st->flags & VS_DOMAIN_DEF_PARSE_STATUS) {
        unsigned int id = G_MAXUINT;

        if (!vsXMLGetUIntAttr(root, "id", G_MAXINT, FALSE, &id, error))
            return FALSE;
        def->id = id == G_MAXUINT ? -1 : (int) id;
    }

    if (!vsDomainParseChildren(st, NULL, root, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    if (!def->name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("missing domain name information"));
        return FALSE;
    }
    if (!st->haveOSType) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("an os <type> must be specified"));
        return FALSE;
    }
    return TRUE;
}


static gsize vsDomainXMLInitOnce;


/**
 * vsDomainDefParseString:
 * @xml: a domain XML document
 * @flags: bitwise-OR of #vsDomainDefParseFlags
 * @error: return location for a #GError
 *
 * Parses and validates @xml and completes it with libvirt's defaults
 * (see the file comment of domain_conf.h). Errors are
 * VS_ERR_XML_ERROR for malformed or incomplete XML and
 * VS_ERR_CONFIG_UNSUPPORTED for anything outside the supported subset,
 * both in the VS_ERROR_DOMAIN domain.
 *
 * Returns: (transfer full) the definition, or NULL with @error set.
 */
vsDomainDef *
vsDomainDefParseString(const char *xml,
                       unsigned int flags,
                       GError **error)
{
    g_autoptr(vsDomainDef) def = vsDomainDefNew();
    vsDomainParseState st = { .def = def, .flags = flags };
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    gboolean ok = FALSE;
    size_t len = xml ? strlen(xml) : 0;

    if (len == 0 || len > VS_DOMAIN_XML_MAX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("domain XML is empty or larger than %d bytes"),
                    VS_DOMAIN_XML_MAX);
        return NULL;
    }

    /* libxml2's global set-up is not safe to race: do it once. */
    if (g_once_init_enter(&vsDomainXMLInitOnce)) {
        xmlInitParser();
        g_once_init_leave(&vsDomainXMLInitOnce, 1);
    }

    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_NO_MEMORY,
                    _("cannot allocate an XML parser"));
        return NULL;
    }
    /* No network, no entities, no DTD loading: the input is untrusted. */
    doc = xmlCtxtReadMemory(ctxt, xml, len, "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !xmlDocGetRootElement(doc)) {
        const xmlError *xerr = xmlCtxtGetLastError(ctxt);
        g_autofree char *detail = g_strdup(xerr && xerr->message ?
                                           xerr->message : "no root element");

        g_strchomp(detail);
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("malformed domain XML (line %d): %s"),
                    xerr ? xerr->line : 0, detail);
        goto cleanup;
    }

    if (!vsDomainParseRoot(&st, xmlDocGetRootElement(doc), error))
        goto cleanup;
    ok = TRUE;

 cleanup:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    if (!ok)
        return NULL;

    if (!st.haveUUID)
        vsUUIDGenerate(def->uuid);
    if (!vsDomainDefPostParse(def, error))
        return NULL;
    return g_steal_pointer(&def);
}


/**
 * vsDomainNetDefParseString:
 * @xml: one <interface> element, as virDomainUpdateDeviceFlags takes it
 * @hasMac: (out): whether it gives a <mac> (else one was generated)
 * @error: return location for a #GError
 *
 * Parses with the rules of an interface in a domain definition
 * (VS_DOMAIN_DEF_PARSE_INACTIVE); the alias and address are not
 * assigned.
 *
 * Returns: (transfer full) the interface, or NULL with @error set.
 */
vsDomainNetDef *
vsDomainNetDefParseString(const char *xml,
                          gboolean *hasMac,
                          GError **error)
{
    g_autoptr(vsDomainDef) def = vsDomainDefNew();
    vsDomainParseState st = {
        .def = def, .flags = VS_DOMAIN_DEF_PARSE_INACTIVE,
    };
    size_t len = xml ? strlen(xml) : 0;
    xmlDocPtr doc = NULL;
    xmlNodePtr root = NULL;
    xmlNodePtr cur;
    gboolean ok = FALSE;

    *hasMac = FALSE;
    if (len > 0 && len <= VS_DOMAIN_XML_MAX)
        doc = xmlReadMemory(xml, len, "device.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !(root = xmlDocGetRootElement(doc)) ||
        !xmlStrEqual(root->name, BAD_CAST "interface")) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("the device XML is no <interface> element"));
        goto cleanup;
    }
    for (cur = root->children; cur; cur = cur->next)
        *hasMac |= cur->type == XML_ELEMENT_NODE &&
                   xmlStrEqual(cur->name, BAD_CAST "mac");
    ok = vsDomainParseInterface(&st, NULL, root, error);

 cleanup:
    xmlFreeDoc(doc);
    if (!ok)
        return NULL;
    return g_ptr_array_steal_index(def->nets, 0);
}


/**
 * vsDomainDefParseFile:
 * @path: a file holding a domain XML document
 * @flags: bitwise-OR of #vsDomainDefParseFlags
 * @error: return location for a #GError
 *
 * Reads @path and parses it with vsDomainDefParseString().
 *
 * Returns: (transfer full) the definition, or NULL with @error set.
 */
vsDomainDef *
vsDomainDefParseFile(const char *path,
                     unsigned int flags,
                     GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) local = NULL;
    vsDomainDef *def;

    if (!g_file_get_contents(path, &xml, NULL, &local)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR,
                    _("cannot read domain XML: %s"), local->message);
        return NULL;
    }

    def = vsDomainDefParseString(xml, flags, error);
    if (!def)
        g_prefix_error(error, _("cannot parse domain XML file '%s': "), path);
    return def;
}
