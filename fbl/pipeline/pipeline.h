// The pipeline: one raw message from any source (Maildir, IMAP, pipe) → parse → trust →
// attribution → one store transaction. Sources call it and move/flag the message only after it
// returned ok (the store has committed). Reprocessing the same bytes is harmless: the second
// call reports duplicate=true and changes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fbl/config/config.h"
#include "fbl/metrics/report_counters.h"
#include "parsers/report.h"
#include "parsers/result.h"
#include "store/store.h"

namespace fbl {

// Where a source should put the message once it was committed.
enum class Disposition {
  kProcessed,   // a report that was acted on (or stored for the admin: untrusted, unattributed)
  kIgnored,     // not a report (a person wrote to postmaster, auto-replies, DMARC aggregates)
  kQuarantine,  // malformed or over a limit
};

struct ProcessResult {
  Sha256 sha256{};
  bool duplicate = false;
  ReportKind kind = ReportKind::kUnknown;
  ReportStatus status = ReportStatus::kIgnored;
  Disposition disposition = Disposition::kIgnored;
  std::string reason;
  int suppressions_added = 0;
};

struct IncomingMessage {
  std::string_view raw;
  std::string source;  // "maildir:var/postmaster", "imap:postmaster@host/INBOX", "pipe"
};

class Pipeline {
 public:
  // REQUIRES: store and metrics (may be null: nothing counted) outlive the pipeline. fbld
  // passes its Metrics (fbl/metrics/metrics.h), which counts into its prometheus families.
  Pipeline(Store* store, const Config& config, ReportCounters* metrics);
  ~Pipeline();

  // Processes a batch in one store transaction. On error (kUnavailable: database busy or
  // gone, kIo: disk) nothing was committed and the caller must leave every message in place
  // and retry later. `now` is the receive time (Unix seconds).
  Result<std::vector<ProcessResult>> ProcessBatch(const std::vector<IncomingMessage>& messages,
                                                  UnixTime now);
  Result<ProcessResult> Process(const IncomingMessage& message, UnixTime now);

  // Replaces the configuration parts that can change at run time (SIGHUP): providers,
  // clients, trust, parse limits.
  void Reconfigure(const Config& config);

 private:
  struct Impl;
  Impl* impl_;
};

const char* DispositionName(Disposition d);

}  // namespace fbl
