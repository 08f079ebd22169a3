// Store benchmark: 100,000 parsed reports committed through Store::Ingest in batches, each
// report with its raw message (~2.5 KB, compressed), one complaint, the client suppression
// and one outbox row.
//   bench_store_ingest [REPORTS] [BATCH] [full|normal]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/store_bench_util.h"
#include "store/sqlite_store.h"

using fbl::bench::Clock;

namespace {

std::string RawReport(long i) {
  std::string id = std::to_string(i);
  std::string raw =
      "Return-Path: <>\r\nFrom: Feedback Loop <fbl@aol.example>\r\nTo: postmaster@provider.example\r\n"
      "Subject: Email Feedback Report for IP 192.0.2.1\r\nMessage-ID: <fbl-" + id + "@aol.example>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report for an email message received.\r\n"
      "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: AOL SComp\r\n"
      "Version: 1\r\nOriginal-Mail-From: <bounce-" + id + "@acme.example>\r\nOriginal-Rcpt-To: <user" + id +
      "@aol.example>\r\nSource-IP: 192.0.2.1\r\nArrival-Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: news@acme.example\r\nTo: user" + id + "@aol.example\r\n"
      "Subject: Our November newsletter " + id + "\r\nMessage-ID: <news-" + id + "@acme.example>\r\n"
      "DKIM-Signature: v=1; a=rsa-sha256; d=acme.example; s=s1; h=from:to:subject; bh=abc; b=def\r\n\r\n";
  while (raw.size() < 2500) raw += "Lorem ipsum dolor sit amet, newsletter body text line " + id + ".\r\n";
  return raw + "--b--\r\n";
}

fbl::IngestItem Item(long i, const std::string& raw) {
  fbl::IngestItem item;
  for (int k = 0; k < 8; ++k) item.sha256[k] = static_cast<std::uint8_t>(i >> (8 * k));
  item.source = "bench";
  item.raw = raw;
  item.received_at = 1'800'000'000 + i;
  item.kind = fbl::ReportKind::kFeedback;
  item.provider = "aol";
  item.feedback_type = fbl::FeedbackType::kAbuse;
  item.client_id = "client" + std::to_string(i % 95);
  item.status = fbl::ReportStatus::kProcessed;
  item.summary_json = "{\"kind\":\"feedback\",\"recipients\":[\"user" + std::to_string(i) + "@aol.example\"]}";
  item.original_message_id = "news-" + std::to_string(i) + "@acme.example";
  item.original_subject = "Our November newsletter";
  item.events.push_back({fbl::RecipientEvent::Type::kComplaint, "user" + std::to_string(i) + "@aol.example", "", ""});
  item.outbox.push_back({item.client_id, "email", "complaint", "{}", "fbl-" + std::to_string(i) + "@fbl.example",
                         item.received_at});
  return item;
}

}  // namespace

int main(int argc, char** argv) {
  const long reports = argc > 1 ? std::atol(argv[1]) : 100'000;
  const long batch = argc > 2 ? std::atol(argv[2]) : 500;
  const std::string sync = argc > 3 ? argv[3] : "full";
  fbl::bench::PrintMachine();
  fbl::bench::ScratchDir dir;
  fbl::StoreOptions options;
  options.path = dir.File("bench.db");
  options.synchronous = sync;
  auto store = fbl::SqliteStore::Open(options);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.error().ToString().c_str()), 1;
  std::printf("reports %ld, batch %ld, synchronous=%s\n", reports, batch, sync.c_str());

  std::vector<std::string> raws;
  raws.reserve(reports);
  for (long i = 0; i < reports; ++i) raws.push_back(RawReport(i));
  std::vector<std::vector<fbl::IngestItem>> batches;
  for (long i = 0; i < reports; i += batch) {
    std::vector<fbl::IngestItem> b;
    for (long j = i; j < std::min(reports, i + batch); ++j) b.push_back(Item(j, raws[j]));
    batches.push_back(std::move(b));
  }
  long added = 0;
  Clock t0 = Clock::Now();
  for (const auto& b : batches) {
    auto r = (*store)->Ingest(b);
    if (!r.ok()) return std::fprintf(stderr, "%s\n", r.error().ToString().c_str()), 1;
    for (const auto& o : *r) added += o.suppressions_added;
  }
  Clock t = Clock::Now() - t0;
  fbl::bench::PrintRate("Ingest (report+raw+complaint+suppr.+outbox)", reports, t, "reports");
  std::printf("%-44s %10ld\n", "suppressions added", added);

  // The same items again: every one is a duplicate (the reprocessing path).
  t0 = Clock::Now();
  for (const auto& b : batches) {
    auto r = (*store)->Ingest(b);
    if (!r.ok() || !r->front().duplicate) return std::fprintf(stderr, "duplicate pass failed\n"), 1;
  }
  fbl::bench::PrintRate("Ingest of the same reports (duplicates)", reports, Clock::Now() - t0, "reports");
  (*store)->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::printf("%-44s %10.1f bytes/report\n", "database size",
              double(std::filesystem::file_size(options.path)) / reports);
  return 0;
}
