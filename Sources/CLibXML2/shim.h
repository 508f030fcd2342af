#ifndef SIGNBATCH_CLIBXML2_SHIM_H
#define SIGNBATCH_CLIBXML2_SHIM_H
/* libxml2's headers pull in the system ICU when it was built with it; those types clash
   with the ICU that Foundation ships, and signbatch never uses libxml2's ICU API. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>
#endif
