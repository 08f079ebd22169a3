// Ingest: a report and every consequence of it in one transaction, keyed by its SHA-256.
// Suppression rules (issue 4, store/SCHEMA.md "Suppression semantics"):
//   complaint  -> (scope, address) at once; global '*' once complaints about the address come
//                 from global_after_clients distinct clients
//   opt-out    -> (scope, address) with reason 'unsubscribe'
//   hard bounce-> (scope, address) at once
//   soft bounce-> (scope, address) once soft_bounce_threshold soft bounces of that scope fall
//                 within soft_bounce_window_days
//   not-spam   -> nothing
// where scope is the report's client, or '*' when the report names no client. An allowlisted
// address is never suppressed; a note says so.
#include <set>
#include <utility>

#include "parsers/address.h"
#include "store/store_rules.h"
#include "store/compress.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {

struct SqliteStore::ItemContext {
  const IngestItem* item = nullptr;
  std::int64_t report_id = 0;
  std::string scope;  // client id or "*"
};

namespace {

constexpr std::int64_t kDay = 86400;

void BindSha(SQLite::Statement& st, int index, const Sha256& sha) {
  st.bind(index, sha.data(), static_cast<int>(sha.size()));
}

using store_rules::ComplaintFeedbackType;
using store_rules::Printable;

}  // namespace

Result<bool> SqliteStore::HasReport(const Sha256& sha256) {
  return sqlite::Guard("looking up report", [&]() -> Result<bool> {
    sqlite::Use st(Cached("SELECT 1 FROM reports WHERE sha256 = ?"));
    BindSha(*st, 1, sha256);
    return st->executeStep();
  });
}

Result<std::vector<IngestOutcome>> SqliteStore::Ingest(const std::vector<IngestItem>& items) {
  // Compress before taking the write lock: the transaction stays short.
  std::vector<std::string> blobs;
  blobs.reserve(items.size());
  ZlibCompressor compressor;
  for (const IngestItem& item : items) blobs.push_back(compressor.Compress(item.raw));
  return sqlite::Guard("ingesting reports", [&]() -> Result<std::vector<IngestOutcome>> {
    std::vector<IngestOutcome> outcomes(items.size());
    sqlite::WriteTxn txn(db_);
    for (std::size_t i = 0; i < items.size(); ++i) IngestOne(items[i], blobs[i], &outcomes[i]);
    txn.Commit();
    return outcomes;
  });
}

void SqliteStore::IngestOne(const IngestItem& item, const std::string& raw_zlib, IngestOutcome* out) {
  {
    sqlite::Use st(Cached("SELECT id FROM reports WHERE sha256 = ?"));
    BindSha(*st, 1, item.sha256);
    if (st->executeStep()) {
      out->duplicate = true;
      out->report_id = st->getColumn(0).getInt64();
      return;
    }
  }
  {
    sqlite::Use st(Cached(
        "INSERT INTO reports(sha256, source, received_at, kind, provider, feedback_type, client_id,"
        " status, reason, summary_json, raw_size, raw_zlib, raw_expires_at)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    BindSha(*st, 1, item.sha256);
    sqlite::BindText(*st, 2, item.source);
    st->bind(3, static_cast<int64_t>(item.received_at));
    st->bind(4, ReportKindName(item.kind));
    sqlite::BindText(*st, 5, item.provider);
    if (item.feedback_type) st->bind(6, FeedbackTypeName(*item.feedback_type));
    sqlite::BindOptText(*st, 7, item.client_id);
    st->bind(8, ReportStatusName(item.status));
    sqlite::BindText(*st, 9, item.reason);
    sqlite::BindText(*st, 10, item.summary_json.empty() ? std::string_view("{}") : item.summary_json);
    st->bind(11, static_cast<int64_t>(item.raw.size()));
    st->bind(12, raw_zlib.data(), static_cast<int>(raw_zlib.size()));
    if (options_.raw_retention_days > 0) {
      st->bind(13, static_cast<int64_t>(item.received_at + options_.raw_retention_days * kDay));
    }
    st->exec();
    out->report_id = db_.getLastInsertRowid();
  }
  if (item.status == ReportStatus::kProcessed) {
    ItemContext ctx{&item, out->report_id, item.client_id.value_or(std::string(kGlobalScope))};
    std::set<std::pair<int, std::string>> seen;  // one event per (type, address) and report
    for (const RecipientEvent& e : item.events) {
      if (!seen.emplace(static_cast<int>(e.type), e.address).second) continue;
      ApplyEvent(ctx, e, out);
    }
  }
  for (const NewOutboxItem& o : item.outbox) {
    // ON CONFLICT(message_id) only: a CHECK failure (bad channel) must still fail loudly.
    sqlite::Use st(Cached(
        "INSERT INTO outbox(client_id, channel, kind, report_id, payload_json, message_id,"
        " created_at, due_at) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(message_id) DO NOTHING"));
    sqlite::BindOptText(*st, 1, o.client_id);
    sqlite::BindText(*st, 2, o.channel);
    sqlite::BindText(*st, 3, o.kind);
    st->bind(4, static_cast<int64_t>(out->report_id));
    sqlite::BindText(*st, 5, o.payload_json);
    sqlite::BindText(*st, 6, o.message_id);
    st->bind(7, static_cast<int64_t>(item.received_at));
    st->bind(8, static_cast<int64_t>(o.due_at));
    st->exec();
  }
}

void SqliteStore::ApplyEvent(const ItemContext& ctx, const RecipientEvent& event, IngestOutcome* out) {
  using Type = RecipientEvent::Type;
  if (event.type == Type::kNotSpam) return;  // never suppresses
  auto addr = NormalizeAddress(event.address, options_.address);
  if (!addr.ok()) {
    out->notes.push_back("invalid recipient '" + Printable(event.address) +
                         "' not recorded: " + addr.error().detail);
    return;
  }
  const IngestItem& item = *ctx.item;
  const std::string& key = addr->key;
  if (event.type == Type::kComplaint || event.type == Type::kOptOut) {
    sqlite::Use st(Cached(
        "INSERT INTO complaints(report_id, client_id, address, provider, feedback_type, message_id,"
        " subject, created_at) VALUES(?,?,?,?,?,?,?,?)"));
    st->bind(1, static_cast<int64_t>(ctx.report_id));
    sqlite::BindOptText(*st, 2, item.client_id);
    sqlite::BindText(*st, 3, key);
    sqlite::BindText(*st, 4, item.provider);
    st->bind(5, event.type == Type::kOptOut ? std::string("opt-out") : ComplaintFeedbackType(item));
    sqlite::BindText(*st, 6, item.original_message_id);
    sqlite::BindText(*st, 7, item.original_subject);
    st->bind(8, static_cast<int64_t>(item.received_at));
    st->exec();
  } else {
    sqlite::Use st(Cached(
        "INSERT INTO bounces(report_id, client_id, address, class, status, diagnostic, created_at)"
        " VALUES(?,?,?,?,?,?,?)"));
    st->bind(1, static_cast<int64_t>(ctx.report_id));
    sqlite::BindOptText(*st, 2, item.client_id);
    sqlite::BindText(*st, 3, key);
    st->bind(4, event.type == Type::kHardBounce ? "hard" : "soft");
    sqlite::BindText(*st, 5, event.status);
    sqlite::BindText(*st, 6, event.diagnostic);
    st->bind(7, static_cast<int64_t>(item.received_at));
    st->exec();
  }
  switch (event.type) {
    case Type::kComplaint: {
      Suppress(ctx, ctx.scope, key, addr->original, SuppressionReason::kComplaint, out);
      if (ctx.scope == kGlobalScope) break;
      sqlite::Use st(Cached(
          "SELECT count(DISTINCT client_id) FROM complaints WHERE address = ?"
          " AND client_id IS NOT NULL AND feedback_type <> 'opt-out'"));
      sqlite::BindText(*st, 1, key);
      st->executeStep();
      if (st->getColumn(0).getInt64() >= options_.global_after_clients) {
        Suppress(ctx, std::string(kGlobalScope), key, addr->original, SuppressionReason::kComplaint, out);
      }
      break;
    }
    case Type::kOptOut:
      Suppress(ctx, ctx.scope, key, addr->original, SuppressionReason::kUnsubscribe, out);
      break;
    case Type::kHardBounce:
      Suppress(ctx, ctx.scope, key, addr->original, SuppressionReason::kHardBounce, out);
      break;
    case Type::kSoftBounce: {
      sqlite::Use st(Cached(
          "SELECT count(*) FROM bounces WHERE address = ? AND class = 'soft' AND client_id IS ?"
          " AND created_at > ?"));
      sqlite::BindText(*st, 1, key);
      sqlite::BindOptText(*st, 2, item.client_id);
      st->bind(3, static_cast<int64_t>(item.received_at - options_.soft_bounce_window_days * kDay));
      st->executeStep();
      if (st->getColumn(0).getInt64() >= options_.soft_bounce_threshold) {
        Suppress(ctx, ctx.scope, key, addr->original, SuppressionReason::kSoftBounce, out);
      }
      break;
    }
    case Type::kNotSpam:
      break;
  }
}

bool SqliteStore::AllowlistedInTxn(const std::string& scope, const std::string& key) {
  // A global entry protects every scope; a client entry protects that client's scope only.
  sqlite::Use st(Cached("SELECT 1 FROM allowlist WHERE address = ? AND scope IN (?, '*') LIMIT 1"));
  sqlite::BindText(*st, 1, key);
  sqlite::BindText(*st, 2, scope);
  return st->executeStep();
}

void SqliteStore::Suppress(const ItemContext& ctx, const std::string& scope, const std::string& key,
                           const std::string& original, SuppressionReason reason, IngestOutcome* out) {
  if (AllowlistedInTxn(scope, key)) {
    out->notes.push_back("allowlisted: " + key + " not suppressed (scope " + scope + ", reason " +
                         SuppressionReasonName(reason) + ")");
    return;
  }
  const auto now = static_cast<int64_t>(ctx.item->received_at);
  std::optional<std::int64_t> existing;
  {
    sqlite::Use st(Cached("SELECT id FROM suppressions WHERE scope = ? AND address = ?"));
    sqlite::BindText(*st, 1, scope);
    sqlite::BindText(*st, 2, key);
    if (st->executeStep()) existing = st->getColumn(0).getInt64();
  }
  if (existing) {
    // A stronger event replaces a soft-bounce reason; automatic suppressions never expire.
    sqlite::Use st(Cached(
        "UPDATE suppressions SET last_seen = max(last_seen, ?), count = count + 1, expires_at = NULL,"
        " reason = CASE WHEN reason = 'soft-bounce' THEN ? ELSE reason END WHERE id = ?"));
    st->bind(1, now);
    st->bind(2, SuppressionReasonName(reason));
    st->bind(3, static_cast<int64_t>(*existing));
    st->exec();
    ++out->suppressions_updated;
    return;
  }
  sqlite::Use st(Cached(
      "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen,"
      " count, source_report_id) VALUES(?,?,?,?,?,?,1,?)"));
  sqlite::BindText(*st, 1, scope);
  sqlite::BindText(*st, 2, key);
  sqlite::BindText(*st, 3, original);
  st->bind(4, SuppressionReasonName(reason));
  st->bind(5, now);
  st->bind(6, now);
  st->bind(7, static_cast<int64_t>(ctx.report_id));
  st->exec();
  ++out->suppressions_added;
  out->added_reasons.push_back(reason);
}

}  // namespace fbl
