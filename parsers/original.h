// Extraction of the reported (original) message's identifying headers.
#pragma once

#include <string>
#include <vector>

#include "parsers/mime_tree.h"
#include "parsers/report.h"

namespace fbl {

// Fills `out` from the original's header fields: From, To, Subject (RFC 2047 decoded to UTF-8),
// Message-ID (without <>), Date, every DKIM-Signature d= (lowercase, in order, no duplicates),
// List-Id, List-Unsubscribe, Feedback-ID, Return-Path (address only), and the headers named in
// `extra_headers` (first occurrence of each, in the order requested). Values are made valid
// UTF-8. Fields already set in `out` are kept when the headers lack them.
void ExtractOriginal(const FieldList& headers, const std::vector<std::string>& extra_headers,
                     OriginalMessage* out);

// The d= tag of one DKIM-Signature value, lowercase; "" when absent.
std::string DkimDomain(std::string_view signature);

}  // namespace fbl
