// libFuzzer target: the SMTP reply parser and EHLO capability parsing must accept any bytes
// without crashing, stay within their limits, and never consume more than they were given.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fbl/notify/smtp_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fbl::notify::SmtpReplyParser parser({/*max_line_bytes=*/512, /*max_lines=*/16});
  // The first byte picks a split point so that incremental feeding is exercised too.
  std::size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  for (std::string_view piece : {input.substr(0, cut), input.substr(cut)}) {
    while (!piece.empty()) {
      fbl::Result<std::size_t> used = parser.Feed(piece);
      if (!used.ok()) return 0;
      if (used.value() == 0 || used.value() > piece.size()) __builtin_trap();
      piece.remove_prefix(used.value());
      if (parser.done()) {
        fbl::notify::SmtpReply reply = parser.TakeReply();
        if (reply.code < 200 || reply.code > 599 || reply.lines.size() > 16) __builtin_trap();
        (void)fbl::notify::ParseEhlo(reply);
        (void)reply.Summary();
      }
    }
  }
  (void)fbl::notify::DotStuff(input);
  return 0;
}
