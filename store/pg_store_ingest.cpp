// Ingest for PostgreSQL: the rules of sqlite_store_ingest.cpp (store/SCHEMA.md "Suppression
// semantics"), written so that several instances may ingest at once:
//   - the report row is inserted with ON CONFLICT (sha256) DO NOTHING: a report another
//     instance committed first is a duplicate here, never an error;
//   - the addresses of the batch are locked (transaction-scoped advisory locks, in hash order,
//     so two batches never deadlock) before any complaint or bounce is counted, so the global
//     and soft-bounce thresholds see every committed event;
//   - a suppression is one upsert (INSERT ... ON CONFLICT DO UPDATE), added or updated.
#include <algorithm>
#include <set>
#include <utility>

#include "parsers/address.h"
#include "store/store_rules.h"
#include "store/compress.h"
#include "store/pg_store.h"

namespace fbl {

// One item with its compressed message and its recipients normalised before the transaction.
struct PgStore::Prepared {
  const IngestItem* item = nullptr;
  std::string raw_zlib;
  // Per event (same order as item->events): the normalised key and spelling, or the error.
  std::vector<Result<NormalizedAddress>> addresses;
};

struct PgStore::ItemContext {
  const IngestItem* item = nullptr;
  std::int64_t report_id = 0;
  std::string scope;  // client id or "*"
};

namespace {

constexpr std::int64_t kDay = 86400;

using store_rules::ComplaintFeedbackType;
using store_rules::Printable;

// Every key the batch may count or suppress, for the advisory locks.
std::vector<std::string> KeysToLock(const std::vector<PgStore::Prepared>& items);

}  // namespace

Result<bool> PgStore::HasReport(const Sha256& sha256) {
  return Run("looking up report", Txn::kNone, [&](pg::Conn& c) -> Result<bool> {
    return !c.Exec("SELECT 1 FROM reports WHERE sha256 = $1", pg::Params().Bytes(sha256.data(), sha256.size()))
                .empty();
  });
}

Result<std::vector<IngestOutcome>> PgStore::Ingest(const std::vector<IngestItem>& items) {
  std::vector<Prepared> prepared(items.size());
  ZlibCompressor compressor;
  for (std::size_t i = 0; i < items.size(); ++i) {
    prepared[i].item = &items[i];
    prepared[i].raw_zlib = compressor.Compress(items[i].raw);
    for (const RecipientEvent& e : items[i].events) {
      prepared[i].addresses.push_back(NormalizeAddress(e.address, options_.address));
    }
  }
  const std::vector<std::string> keys = KeysToLock(prepared);
  return Run("ingesting reports", Txn::kWrite, [&](pg::Conn& c) -> Result<std::vector<IngestOutcome>> {
    std::vector<IngestOutcome> outcomes(items.size());
    if (!keys.empty()) {
      c.Exec("SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h"
             " FROM unnest($1::text[]) AS k) AS l ORDER BY h",
             pg::Params().TextArray(keys));
    }
    for (std::size_t i = 0; i < prepared.size(); ++i) IngestOne(c, prepared[i], &outcomes[i]);
    return outcomes;
  });
}

namespace {

std::vector<std::string> KeysToLock(const std::vector<PgStore::Prepared>& items) {
  std::set<std::string> keys;
  for (const auto& p : items) {
    if (p.item->status != ReportStatus::kProcessed) continue;
    for (const auto& a : p.addresses) {
      if (a.ok()) keys.insert(a->key);
    }
  }
  return {keys.begin(), keys.end()};
}

}  // namespace

void PgStore::IngestOne(pg::Conn& c, const Prepared& p, IngestOutcome* out) {
  const IngestItem& item = *p.item;
  pg::Params report;
  report.Bytes(item.sha256.data(), item.sha256.size())
      .Text(item.source)
      .Int(item.received_at)
      .Text(ReportKindName(item.kind))
      .Text(item.provider);
  if (item.feedback_type) {
    report.Text(FeedbackTypeName(*item.feedback_type));
  } else {
    report.Null();
  }
  report.OptText(item.client_id)
      .Text(ReportStatusName(item.status))
      .Text(item.reason)
      .Text(item.summary_json.empty() ? std::string_view("{}") : std::string_view(item.summary_json))
      .Int(static_cast<std::int64_t>(item.raw.size()))
      .Bytes(p.raw_zlib.data(), p.raw_zlib.size());
  if (options_.raw_retention_days > 0) {
    report.Int(item.received_at + options_.raw_retention_days * kDay);
  } else {
    report.Null();
  }
  pg::Rows inserted = c.Exec(
      "INSERT INTO reports(sha256, source, received_at, kind, provider, feedback_type, client_id,"
      " status, reason, summary_json, raw_size, raw_zlib, raw_expires_at)"
      " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (sha256) DO NOTHING RETURNING id",
      report);
  if (inserted.empty()) {
    pg::Rows existing = c.Exec("SELECT id FROM reports WHERE sha256 = $1",
                               pg::Params().Bytes(item.sha256.data(), item.sha256.size()));
    out->duplicate = true;
    out->report_id = existing.empty() ? 0 : existing.Int(0, 0);
    return;
  }
  out->report_id = inserted.Int(0, 0);
  if (item.status == ReportStatus::kProcessed) {
    ItemContext ctx{&item, out->report_id, item.client_id.value_or(std::string(kGlobalScope))};
    std::set<std::pair<int, std::string>> seen;  // one event per (type, address) and report
    for (std::size_t i = 0; i < item.events.size(); ++i) {
      const RecipientEvent& e = item.events[i];
      if (!seen.emplace(static_cast<int>(e.type), e.address).second) continue;
      if (e.type == RecipientEvent::Type::kNotSpam) continue;  // never suppresses
      const auto& addr = p.addresses[i];
      if (!addr.ok()) {
        out->notes.push_back("invalid recipient '" + Printable(e.address) +
                             "' not recorded: " + addr.error().detail);
        continue;
      }
      ApplyEvent(c, ctx, e, addr->key, addr->original, out);
    }
  }
  for (const NewOutboxItem& o : item.outbox) {
    // ON CONFLICT (message_id) only: a CHECK failure (bad channel) must still fail loudly.
    c.Exec("INSERT INTO outbox(client_id, channel, kind, report_id, payload_json, message_id,"
           " created_at, due_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (message_id) DO NOTHING",
           pg::Params()
               .OptText(o.client_id)
               .Text(o.channel)
               .Text(o.kind)
               .Int(out->report_id)
               .Text(o.payload_json)
               .Text(o.message_id)
               .Int(item.received_at)
               .Int(o.due_at));
  }
}

void PgStore::ApplyEvent(pg::Conn& c, const ItemContext& ctx, const RecipientEvent& event,
                         const std::string& key, const std::string& original, IngestOutcome* out) {
  using Type = RecipientEvent::Type;
  const IngestItem& item = *ctx.item;
  if (event.type == Type::kComplaint || event.type == Type::kOptOut) {
    c.Exec("INSERT INTO complaints(report_id, client_id, address, provider, feedback_type, message_id,"
           " subject, created_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
           pg::Params()
               .Int(ctx.report_id)
               .OptText(item.client_id)
               .Text(key)
               .Text(item.provider)
               .Text(event.type == Type::kOptOut ? std::string("opt-out") : ComplaintFeedbackType(item))
               .Text(item.original_message_id)
               .Text(item.original_subject)
               .Int(item.received_at));
  } else {
    c.Exec("INSERT INTO bounces(report_id, client_id, address, class, status, diagnostic, created_at)"
           " VALUES($1,$2,$3,$4,$5,$6,$7)",
           pg::Params()
               .Int(ctx.report_id)
               .OptText(item.client_id)
               .Text(key)
               .Text(event.type == Type::kHardBounce ? "hard" : "soft")
               .Text(event.status)
               .Text(event.diagnostic)
               .Int(item.received_at));
  }
  switch (event.type) {
    case Type::kComplaint: {
      Suppress(c, ctx, ctx.scope, key, original, SuppressionReason::kComplaint, out);
      if (ctx.scope == kGlobalScope) break;
      pg::Rows n = c.Exec(
          "SELECT count(DISTINCT client_id) FROM complaints WHERE address = $1"
          " AND client_id IS NOT NULL AND feedback_type <> 'opt-out'",
          pg::Params().Text(key));
      if (n.Int(0, 0) >= options_.global_after_clients) {
        Suppress(c, ctx, std::string(kGlobalScope), key, original, SuppressionReason::kComplaint, out);
      }
      break;
    }
    case Type::kOptOut:
      Suppress(c, ctx, ctx.scope, key, original, SuppressionReason::kUnsubscribe, out);
      break;
    case Type::kHardBounce:
      Suppress(c, ctx, ctx.scope, key, original, SuppressionReason::kHardBounce, out);
      break;
    case Type::kSoftBounce: {
      pg::Rows n = c.Exec(
          "SELECT count(*) FROM bounces WHERE address = $1 AND class = 'soft'"
          " AND client_id IS NOT DISTINCT FROM $2 AND created_at > $3",
          pg::Params()
              .Text(key)
              .OptText(item.client_id)
              .Int(item.received_at - options_.soft_bounce_window_days * kDay));
      if (n.Int(0, 0) >= options_.soft_bounce_threshold) {
        Suppress(c, ctx, ctx.scope, key, original, SuppressionReason::kSoftBounce, out);
      }
      break;
    }
    case Type::kNotSpam:
      break;
  }
}

void PgStore::Suppress(pg::Conn& c, const ItemContext& ctx, const std::string& scope, const std::string& key,
                       const std::string& original, SuppressionReason reason, IngestOutcome* out) {
  // A global entry protects every scope; a client entry protects that client's scope only.
  pg::Rows allowed = c.Exec("SELECT 1 FROM allowlist WHERE address = $1 AND scope IN ($2, '*') LIMIT 1",
                            pg::Params().Text(key).Text(scope));
  if (!allowed.empty()) {
    out->notes.push_back("allowlisted: " + key + " not suppressed (scope " + scope + ", reason " +
                         SuppressionReasonName(reason) + ")");
    return;
  }
  // A stronger event replaces a soft-bounce reason; automatic suppressions never expire.
  // (xmax = 0) is true for a freshly inserted row, false for one the upsert updated.
  pg::Rows r = c.Exec(
      "INSERT INTO suppressions AS s(scope, address, address_original, reason, first_seen, last_seen,"
      " count, source_report_id) VALUES($1,$2,$3,$4,$5,$5,1,$6) ON CONFLICT (scope, address) DO UPDATE"
      " SET last_seen = GREATEST(s.last_seen, excluded.last_seen), count = s.count + 1, expires_at = NULL,"
      " reason = CASE WHEN s.reason = 'soft-bounce' THEN excluded.reason ELSE s.reason END"
      " RETURNING (xmax = 0)",
      pg::Params()
          .Text(scope)
          .Text(key)
          .Text(original)
          .Text(SuppressionReasonName(reason))
          .Int(ctx.item->received_at)
          .Int(ctx.report_id));
  if (r.Bool(0, 0)) {
    ++out->suppressions_added;
    out->added_reasons.push_back(reason);
  } else {
    ++out->suppressions_updated;
  }
}

}  // namespace fbl
