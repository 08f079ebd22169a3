// Shared by bench/store_*.cpp: wall and CPU clocks, the machine line, a scratch directory.
#pragma once

#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"

namespace fbl::bench {

struct Clock {
  double wall = 0, cpu = 0;
  static Clock Now() {
    timespec w{}, c{};
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return {w.tv_sec + w.tv_nsec / 1e9, c.tv_sec + c.tv_nsec / 1e9};
  }
  Clock operator-(const Clock& o) const { return {wall - o.wall, cpu - o.cpu}; }
};

inline void PrintMachine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("machine: %s, %ld cpus, load average %.1f\n", model.c_str(), sysconf(_SC_NPROCESSORS_ONLN), load[0]);
}

// A rate measured both ways: wall clock (what a user waits) and process CPU time (what the
// code costs, independent of other processes on a shared machine).
inline void PrintRate(const char* what, double n, const Clock& t, const char* unit) {
  std::printf("%-44s %10.0f %s/s wall (%.2f s)   %10.0f %s/s cpu (%.2f s)\n", what, n / t.wall, unit, t.wall,
              n / t.cpu, unit, t.cpu);
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fbl-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A ~2.5 KB AOL-style ARF report about user<i>@aol.example (bench/store_*.cpp).
inline std::string RawReport(long i) {
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

// Report i as the pipeline hands it to Store::Ingest: distinct hash, client i % 95, one
// complaint, one outbox row.
inline fbl::IngestItem Item(long i, const std::string& raw) {
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


}  // namespace fbl::bench
