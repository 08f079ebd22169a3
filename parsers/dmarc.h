// DMARC aggregate reports (RFC 7489 appendix C): an XML <feedback> document, usually gzip or
// zip compressed, attached to (or forming) the message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl {

// gzip (RFC 1952) → bytes; at most `max_out` bytes are produced (then kLimitExceeded).
Result<std::string> Gunzip(std::string_view data, std::size_t max_out);
// The first file of a zip archive (stored or deflated), at most `max_out` bytes.
Result<std::string> UnzipFirst(std::string_view data, std::size_t max_out);

// True when `xml` is a DMARC aggregate report; stores the <policy_published><domain> in
// `domain` (may stay empty).
bool IsDmarcAggregateXml(std::string_view xml, std::string* domain);

// Decompresses `data` as gzip, zip or plain XML (chosen by magic bytes) and applies
// IsDmarcAggregateXml.
bool LooksLikeDmarcAggregate(std::string_view data, std::size_t max_decompressed, std::string* domain);

}  // namespace fbl
