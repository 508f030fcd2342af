#ifndef SIGNBATCH_CLIBXML2_SHIM_H
#define SIGNBATCH_CLIBXML2_SHIM_H
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>
#endif
