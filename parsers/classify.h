// Turns a parsed MIME tree into a Report: which kind of message it is and what it says.
#pragma once

#include "parsers/mime_tree.h"
#include "parsers/parse.h"
#include "parsers/report.h"

namespace fbl {

// Classifies `root` in this order: ARF feedback report, SES JSON notification, Apple
// unsubscribe notice, Microsoft JMRP (old form), DMARC aggregate report, bounce, auto-reply,
// human forward of a spam message, unknown. Fills every field it can; `r->errors` may already
// hold guard warnings and is appended to.
void BuildReport(const Entity& root, const ParseOptions& options, Report* r);

}  // namespace fbl
