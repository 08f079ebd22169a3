#include "parsers/parse.h"

#include <exception>

#include "parsers/classify.h"
#include "parsers/mime_guard.h"
#include "parsers/mime_tree.h"

namespace fbl {
namespace {

Report Malformed(const Error& error, std::vector<std::string> warnings) {
  Report r;
  r.kind = ReportKind::kMalformed;
  r.errors.push_back(error.detail);
  for (auto& w : warnings) r.errors.push_back(std::move(w));
  return r;
}

Report ParseGuarded(std::string_view raw, const ParseOptions& options) {
  if (raw.empty()) return Malformed(MakeError(ErrorCode::kMalformed, "empty message"), {});
  Result<GuardedText> guarded = GuardMessage(raw, options.limits);
  if (!guarded.ok()) return Malformed(guarded.error(), {});
  std::vector<std::string> warnings = std::move(guarded->warnings);
  // The report reads nothing below the original message's header fields: kReport skips it.
  Result<Entity> tree = ParseMimeTree(*guarded, options.limits, &warnings, 0, TreeDetail::kReport);
  if (!tree.ok()) return Malformed(tree.error(), std::move(warnings));
  if (tree->headers.empty()) {
    return Malformed(MakeError(ErrorCode::kMalformed, "no header fields: not an Internet message"), std::move(warnings));
  }
  Report r;
  r.errors = std::move(warnings);
  BuildReport(*tree, options, &r);
  RecycleGuardedText(std::move(*guarded));
  return r;
}

}  // namespace

Report ParseMessage(std::string_view raw, const ParseOptions& options) {
  // The guard and tree builder return errors as values; this catch is for allocation failure.
  try {
    return ParseGuarded(raw, options);
  } catch (const std::exception& e) {
    return Malformed(MakeError(ErrorCode::kMalformed, std::string("parser failed: ") + e.what()), {});
  }
}

}  // namespace fbl
