#include "fbl/pipeline/pipeline.h"

#include <memory>
#include <mutex>

#include "fbl/log/log.h"
#include "fbl/pipeline/attribution.h"
#include "fbl/pipeline/decision.h"
#include "fbl/pipeline/fbl_id.h"
#include "fbl/pipeline/trust.h"
#include "parsers/parse.h"

namespace fbl {

namespace {

// The parse options with the headers attribution reads added.
ParseOptions EffectiveParseOptions(const Config& config) {
  ParseOptions o = config.parse;
  for (const std::string& h : {config.pipeline.fbl_id_header, config.pipeline.identifier_header}) {
    if (!h.empty()) o.extra_headers.push_back(h);
  }
  return o;
}

std::unique_ptr<FblIdCodec> MakeCodec(const PipelineOptions& o) {
  if (o.fbl_id_keys.empty()) return nullptr;
  std::vector<FblIdKey> keys;
  for (const auto& k : o.fbl_id_keys) keys.push_back({k.id, k.secret});
  return std::make_unique<FblIdCodec>(std::move(keys));
}

Disposition DispositionFor(ReportKind kind) {
  switch (kind) {
    case ReportKind::kMalformed: return Disposition::kQuarantine;
    case ReportKind::kFeedback:
    case ReportKind::kBounce: return Disposition::kProcessed;
    default: return Disposition::kIgnored;
  }
}

// Metric label for the provider: a configured name (bounded by the config) or "none".
std::string ProviderLabel(const std::string& provider) { return provider.empty() ? "none" : provider; }

// One message on its way through the batch.
struct Work {
  const IncomingMessage* message = nullptr;
  ProcessResult result;
  Report report;
  Decision decision;
  std::optional<Attribution> attribution;
  int item_index = -1;  // into the IngestItem vector; -1 for a duplicate
};

}  // namespace

struct Pipeline::Impl {
  Store* store;
  ReportCounters* metrics;
  std::mutex mu;  // serialises batches and reconfiguration (sources may run on threads)
  Config config;
  ParseOptions parse_options;
  std::unique_ptr<FblIdCodec> codec;

  void Configure(const Config& c) {
    config = c;
    parse_options = EffectiveParseOptions(c);
    codec = MakeCodec(c.pipeline);
  }

  AttributionLookups Lookups() {
    AttributionLookups l;
    l.outbound = [this](std::string_view id) { return store->LookupOutbound(id); };
    if (codec) l.verify_fbl_id = [this](std::string_view t) { return codec->Verify(t); };
    return l;
  }

  Result<std::vector<std::string>> Allowlisted(const std::optional<std::string>& client,
                                               const std::vector<std::string>& rcpts) {
    std::vector<std::string> out;
    // Named, not a temporary inside the loop's initializer list (that would dangle).
    const std::string client_scope = client.value_or(std::string(kGlobalScope));
    for (const auto& r : rcpts) {
      for (std::string_view scope : {std::string_view(kGlobalScope), std::string_view(client_scope)}) {
        auto listed = store->IsAllowlisted(scope, r);
        if (!listed.ok()) return listed.error();
        if (*listed) {
          out.push_back(r);
          break;
        }
      }
    }
    return out;
  }

  Status DecideOne(Work* w, UnixTime now) {
    const Report& r = w->report;
    TrustDecision trust;
    DecisionInput in{&r, &trust, nullptr, w->result.sha256, now, {}};
    bool attribute = r.kind == ReportKind::kBounce;
    if (r.kind == ReportKind::kFeedback) {
      trust = EvaluateTrust(r, config.pipeline);
      attribute = trust.trusted;
    }
    if (attribute) {
      auto a = Attribute(r, config.pipeline, Lookups());
      if (!a.ok()) return a.error();
      w->attribution = std::move(a.value());
      in.attribution = &*w->attribution;
      auto allow = Allowlisted(w->attribution->client_id, w->attribution->recipients);
      if (!allow.ok()) return allow.error();
      in.allowlisted = std::move(allow.value());
    }
    w->decision = Decide(in, config);
    return OkStatus();
  }

  IngestItem MakeItem(const Work& w, UnixTime now) {
    const Report& r = w.report;
    const Decision& d = w.decision;
    IngestItem item;
    item.sha256 = w.result.sha256;
    item.source = w.message->source;
    item.raw = w.message->raw;
    item.received_at = now;
    item.kind = r.kind;
    item.provider = d.provider.empty() ? r.provider : d.provider;
    item.feedback_type = r.feedback_type;
    item.client_id = d.client_id;
    item.status = d.status;
    item.reason = d.reason;
    item.summary_json = SummaryJson(r, d, w.attribution ? &*w.attribution : nullptr);
    item.original_message_id = r.original.message_id;
    item.original_subject = r.original.subject;
    item.events = d.events;
    item.outbox = d.outbox;
    return item;
  }

  Status Prepare(Work* w, UnixTime now) {
    w->result.sha256 = ComputeSha256(w->message->raw);
    auto seen = store->HasReport(w->result.sha256);
    if (!seen.ok()) return seen.error();
    w->report = ParseMessage(w->message->raw, parse_options);
    w->result.kind = w->report.kind;
    w->result.disposition = DispositionFor(w->report.kind);
    if (*seen) {
      w->result.duplicate = true;
      w->result.reason = "already stored";
      return OkStatus();
    }
    Status s = DecideOne(w, now);
    if (!s.ok()) return s;
    w->result.status = w->decision.status;
    w->result.reason = w->decision.reason;
    return OkStatus();
  }

  void Count(const Work& w, const IngestOutcome& o) {
    if (metrics == nullptr || o.duplicate) return;
    const Report& r = w.report;
    std::string provider = ProviderLabel(w.decision.provider);
    metrics->CountReport(ReportKindName(r.kind), r.feedback_type ? FeedbackTypeName(*r.feedback_type) : "none",
                         provider, ReportStatusName(w.decision.status));
    for (SuppressionReason reason : o.added_reasons) metrics->CountSuppressionAdded(SuppressionReasonName(reason));
    if (w.decision.complaint && w.decision.status == ReportStatus::kProcessed) {
      metrics->CountComplaint(w.decision.client_id.value_or("unattributed"), provider);
    }
  }

  void LogOne(const Work& w) {
    const ProcessResult& p = w.result;
    std::string added = std::to_string(p.suppressions_added);
    std::string hash = HexDigest(p.sha256).substr(0, 16);
    Log(p.disposition == Disposition::kQuarantine ? LogLevel::kWarn : LogLevel::kInfo, "pipeline",
        p.duplicate ? "duplicate message" : "message stored",
        {{"sha256", hash},
         {"source", w.message->source},
         {"kind", ReportKindName(p.kind)},
         {"status", p.duplicate ? "duplicate" : ReportStatusName(p.status)},
         {"client", w.decision.client_id.value_or("-")},
         {"provider", w.decision.provider.empty() ? "-" : w.decision.provider},
         {"suppressions_added", added},
         {"disposition", DispositionName(p.disposition)},
         {"reason", p.reason}});
  }
};

Pipeline::Pipeline(Store* store, const Config& config, ReportCounters* metrics) : impl_(new Impl) {
  impl_->store = store;
  impl_->metrics = metrics;
  impl_->Configure(config);
}

Pipeline::~Pipeline() { delete impl_; }

void Pipeline::Reconfigure(const Config& config) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Configure(config);
}

Result<std::vector<ProcessResult>> Pipeline::ProcessBatch(
    const std::vector<IncomingMessage>& messages, UnixTime now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<Work> work(messages.size());
  std::vector<IngestItem> items;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    work[i].message = &messages[i];
    Status s = impl_->Prepare(&work[i], now);
    if (!s.ok()) return s.error();
    if (work[i].result.duplicate) continue;
    work[i].item_index = static_cast<int>(items.size());
    items.push_back(impl_->MakeItem(work[i], now));
  }
  std::vector<IngestOutcome> outcomes;
  if (!items.empty()) {
    auto committed = impl_->store->Ingest(items);
    if (!committed.ok()) return committed.error();
    outcomes = std::move(committed.value());
    if (outcomes.size() != items.size()) {
      return MakeError(ErrorCode::kInternal, "store returned a wrong number of outcomes");
    }
  }
  std::vector<ProcessResult> results;
  for (Work& w : work) {
    if (w.item_index >= 0) {
      const IngestOutcome& o = outcomes[static_cast<std::size_t>(w.item_index)];
      w.result.duplicate = o.duplicate;
      w.result.suppressions_added = o.suppressions_added;
      for (const auto& note : o.notes) Log(LogLevel::kInfo, "pipeline", "store note", {{"note", note}});
      impl_->Count(w, o);
    }
    impl_->LogOne(w);
    results.push_back(w.result);
  }
  return results;
}

Result<ProcessResult> Pipeline::Process(const IncomingMessage& message, UnixTime now) {
  auto batch = ProcessBatch({message}, now);
  if (!batch.ok()) return batch.error();
  return batch->front();
}

const char* DispositionName(Disposition d) {
  switch (d) {
    case Disposition::kProcessed: return "processed";
    case Disposition::kIgnored: return "ignored";
    case Disposition::kQuarantine: return "quarantine";
  }
  return "processed";
}

}  // namespace fbl
