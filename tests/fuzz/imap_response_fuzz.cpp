// libFuzzer target: arbitrary server bytes, fed in two pieces, must parse or fail cleanly and
// give the same responses however they were split. Every response that parses also goes
// through the readers ImapSource applies to server answers (capabilities, FETCH, SELECT,
// LIST, NAMESPACE), which must not crash on any of them.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "fbl/sources/imap_parser.h"
#include "fbl/sources/imap_protocol.h"

namespace {

// A digest of what the readers made of one response, so that the whole and the split runs
// can be compared beyond the count of responses.
std::size_t ReadAsTheSourceDoes(const fbl::imap::Response& r) {
  std::size_t digest = r.data.size();
  fbl::imap::Capabilities caps;
  if (fbl::imap::UpdateCapabilities(r, &caps)) digest += caps.idle ? 3 : 2;
  fbl::imap::SelectInfo select;
  fbl::imap::UpdateSelectInfo(r, &select);
  digest += select.uidvalidity % 7 + select.exists % 5;
  auto list = fbl::imap::ParseList(r);
  if (list.ok() && list->has_value()) digest += (*list)->name.size() + (*list)->flags.size();
  if (auto prefix = fbl::imap::PersonalNamespacePrefix(r)) digest += prefix->size();
  fbl::imap::Response copy = r;
  auto fetch = fbl::imap::ParseFetch(std::move(copy));
  if (fetch.ok() && fetch->has_value()) {
    digest += (*fetch)->uid.value_or(0) % 11;
    if ((*fetch)->body) digest += (*fetch)->body->size();
  }
  return digest;
}

std::size_t ParseAll(std::string_view a, std::string_view b) {
  fbl::imap::ParserLimits limits;
  limits.max_literal_bytes = 1 << 16;
  limits.max_line_bytes = 1 << 12;
  limits.max_depth = 8;
  limits.max_items = 1000;
  fbl::imap::ResponseParser parser(limits);
  std::size_t digest = 0;
  for (std::string_view piece : {a, b}) {
    parser.Feed(piece);
    while (auto r = parser.Next()) {
      if (!r->ok()) return digest + 1000000;
      digest = digest * 31 + 1 + ReadAsTheSourceDoes(r->value());
    }
  }
  return digest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t whole = ParseAll(input, "");
  std::size_t split = ParseAll(input.substr(0, size / 2), input.substr(size / 2));
  if (whole != split) __builtin_trap();
  return 0;
}
