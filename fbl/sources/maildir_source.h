// A local Maildir as the postmaster mailbox. Polls new/ on a timer in the io_context (and, on
// the first poll, cur/ entries without the S flag: a crash between the commit and the flag
// leaves those). Each file is read with a size cap, processed through the pipeline in batches,
// and moved ONLY after Pipeline::ProcessBatch returned ok:
//   processed  -> cur/<name>:2,S
//   ignored    -> .Ignored/new/<name>     (Maildir++ folder, created if missing)
//   quarantine -> .Quarantine/new/<name>  (also files over the size cap, never read whole)
// On a store error every file stays where it is and the poll is retried with backoff.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fbl/net/backoff.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/source_options.h"

namespace fbl {

class Metrics;

class MaildirSource {
 public:
  using Clock = std::function<UnixTime()>;

  // `max_file_bytes`: files larger than this are quarantined unread (the parse limit plus a
  // margin). REQUIRES: pipeline and metrics (may be null) outlive the source.
  MaildirSource(boost::asio::io_context& io, Pipeline* pipeline, MaildirSourceOptions options,
                std::size_t max_file_bytes, Metrics* metrics, Clock clock = {});

  // Creates new/, cur/, tmp/ if missing and schedules the first poll now.
  Status Start();
  // Cancels the timer. A batch in progress (synchronous, on the io thread) has finished by
  // the time the io_context runs this.
  void Stop();

  // One round: up to batch_size messages processed and moved. Returns how many files were
  // handled; an error (nothing moved) when the store failed. Tests call it directly.
  Result<int> PollOnce();

  const std::string& name() const { return name_; }

 private:
  struct Entry {
    std::filesystem::path path;
    std::string base;   // file name without ":2,<flags>"
    std::string flags;  // existing flags (cur/ entries)
  };

  std::vector<Entry> Pending(std::size_t limit);
  void ListDir(const std::filesystem::path& dir, bool need_unseen, std::size_t limit,
               std::vector<Entry>* out);
  Status Move(const Entry& e, Disposition d, const std::string& reason);
  Status EnsureFolder(const std::string& folder);
  void Schedule(std::chrono::milliseconds delay);
  void OnTimer();

  [[maybe_unused]] boost::asio::io_context& io_;  // not read; keeps clang -Werror quiet
  Pipeline* pipeline_;
  MaildirSourceOptions options_;
  std::size_t max_file_bytes_;
  Metrics* metrics_;
  Clock clock_;
  std::string name_;
  std::filesystem::path root_;
  boost::asio::steady_timer timer_;
  Backoff backoff_;
  bool scan_cur_ = true;  // first poll only: crash recovery
  bool stopped_ = false;
};

}  // namespace fbl
