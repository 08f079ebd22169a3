// Address normalisation: the one function every comparison of addresses goes through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl {

struct AddressOptions {
  // Compare local parts case-insensitively (RFC 5321 says they are case-sensitive, but no
  // mailbox provider treats them so).
  bool fold_local_case = true;
  // Domains (lowercase ASCII/IDNA) where "user+tag" is the same mailbox as "user".
  std::vector<std::string> subaddress_domains;
  char subaddress_separator = '+';
};

struct NormalizedAddress {
  std::string key;       // the comparison key: folded local part "@" IDNA (A-label) domain
  std::string original;  // the spelling as given, trimmed of <> and whitespace
  std::string domain;    // IDNA A-label, lowercase
};

// Maximum lengths (RFC 5321 4.5.3.1): local part 64, domain 255, whole path 254.
// Returns kInvalidArgument for anything that is not a plausible mailbox: no '@', empty parts,
// control or NUL bytes, over-long parts, a domain that IDNA (UTS 46) refuses (mixed scripts).
Result<NormalizedAddress> NormalizeAddress(std::string_view address, const AddressOptions& options);

}  // namespace fbl
