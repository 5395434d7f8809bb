/*
 * domain_metadata.c: a domain's <title>, <description> and <metadata>
 * elements, read and changed one at a time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virDomainGetMetadata and virDomainSetMetadata: applications keep their
 * own element under <metadata>, one per XML namespace, and own the
 * namespace prefix they give it.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vserror.h"
#include "vsinternal.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);


static void
vsDomainMetadataNotFound(GError **error)
{
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_NO_DOMAIN_METADATA,
                _("Requested metadata element is not present"));
}


/* The stored children of <metadata> wrapped in one parsed document. */
static xmlDocPtr
vsDomainMetadataParse(const vsDomainDef *def,
                      GError **error)
{
    g_autofree char *text = g_strdup_printf("<metadata>%s</metadata>",
                                            def->metadata ? def->metadata : "");
    xmlDocPtr doc = xmlReadMemory(text, strlen(text), NULL, NULL,
                                  XML_PARSE_NONET);

    if (!doc)
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INTERNAL_ERROR,
                    _("the stored domain metadata cannot be parsed"));
    return doc;
}


static gboolean
vsDomainMetadataNodeHasNs(xmlNodePtr node,
                          const char *uri)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           g_str_equal((const char *) node->ns->href, uri);
}


/**
 * vsDomainDefGetMetadata:
 * @def: a definition
 * @type: a vsDomainMetadataType
 * @uri: the namespace of the element wanted (ELEMENT only)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the description, the title, or the element
 * of namespace @uri as an XML document of its own; NULL with @error set
 * (VS_ERR_NO_DOMAIN_METADATA) when there is none.
 */
char *
vsDomainDefGetMetadata(const vsDomainDef *def,
                       int type,
                       const char *uri,
                       GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNodePtr cur;

    switch (type) {
    case VS_DOMAIN_METADATA_DESCRIPTION:
    case VS_DOMAIN_METADATA_TITLE: {
        const char *value = type == VS_DOMAIN_METADATA_TITLE ?
                            def->title : def->description;

        if (!value) {
            vsDomainMetadataNotFound(error);
            return NULL;
        }
        return g_strdup(value);
    }
    case VS_DOMAIN_METADATA_ELEMENT:
        break;
    default:
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INVALID_ARG,
                    _("unknown metadata type '%d'"), type);
        return NULL;
    }

    if (!uri) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INVALID_ARG,
                    _("a namespace URI is required for metadata elements"));
        return NULL;
    }
    if (!(doc = vsDomainMetadataParse(def, error)))
        return NULL;
    for (cur = xmlDocGetRootElement(doc)->children; cur; cur = cur->next) {
        xmlBufferPtr buf;
        char *out;

        if (!vsDomainMetadataNodeHasNs(cur, uri))
            continue;
        buf = xmlBufferCreate();
        xmlNodeDump(buf, doc, cur, 0, 1);
        out = g_strdup((const char *) xmlBufferContent(buf));
        xmlBufferFree(buf);
        return out;
    }
    vsDomainMetadataNotFound(error);
    return NULL;
}


/* Replace the element of namespace @uri under <metadata> by @xml (NULL:
 * remove it), named with prefix @key. */
static gboolean
vsDomainDefSetMetadataElement(vsDomainDef *def,
                              const char *xml,
                              const char *key,
                              const char *uri,
                              GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) newDoc = NULL;
    xmlNodePtr root;
    xmlNodePtr cur;
    xmlNodePtr next;
    char *children;

    if (!uri || (xml && !key)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INVALID_ARG,
                    _("metadata elements need a namespace URI and, to be set, a key"));
        return FALSE;
    }
    if (!(doc = vsDomainMetadataParse(def, error)))
        return FALSE;
    root = xmlDocGetRootElement(doc);
    for (cur = root->children; cur; cur = next) {
        next = cur->next;
        if (vsDomainMetadataNodeHasNs(cur, uri)) {
            xmlUnlinkNode(cur);
            xmlFreeNode(cur);
        }
    }

    if (xml) {
        xmlNodePtr elem;
        xmlNsPtr ns;

        if (!(newDoc = xmlReadMemory(xml, strlen(xml), NULL, NULL,
                                     XML_PARSE_NONET)) ||
            !(elem = xmlDocGetRootElement(newDoc))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("the metadata is not a well-formed XML element"));
            return FALSE;
        }
        elem = xmlDocCopyNode(elem, doc, 1);
        ns = xmlNewNs(elem, (const xmlChar *) uri, (const xmlChar *) key);
        xmlSetNs(elem, ns);
        xmlAddChild(root, elem);
    }

    if (!(children = vsDomainMetadataFromNode(root, error)))
        return FALSE;
    g_free(def->metadata);
    def->metadata = children;
    return TRUE;
}


/**
 * vsDomainDefSetMetadata:
 * @def: a definition to change
 * @type: a vsDomainMetadataType
 * @metadata: the new value, or NULL (or "" for title and description)
 *   to remove it
 * @key: the namespace prefix of a new element (ELEMENT only)
 * @uri: the namespace of the element (ELEMENT only)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDefSetMetadata(vsDomainDef *def,
                       int type,
                       const char *metadata,
                       const char *key,
                       const char *uri,
                       GError **error)
{
    char **field;

    switch (type) {
    case VS_DOMAIN_METADATA_TITLE:
        if (metadata && strchr(metadata, '\n')) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INVALID_ARG,
                        _("a domain title cannot contain newlines"));
            return FALSE;
        }
        field = &def->title;
        break;
    case VS_DOMAIN_METADATA_DESCRIPTION:
        field = &def->description;
        break;
    case VS_DOMAIN_METADATA_ELEMENT:
        return vsDomainDefSetMetadataElement(def, metadata, key, uri, error);
    default:
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INVALID_ARG,
                    _("unknown metadata type '%d'"), type);
        return FALSE;
    }
    g_free(*field);
    *field = metadata && *metadata ? g_strdup(metadata) : NULL;
    return TRUE;
}
