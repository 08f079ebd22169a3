#include "fbl/sources/maildir_source.h"

#include <algorithm>
#include <chrono>
#include <fstream>

#include "fbl/log/log.h"
#include "fbl/metrics/metrics.h"

namespace fbl {

namespace fs = std::filesystem;

namespace {

constexpr const char* kQuarantineFolder = ".Quarantine";
constexpr const char* kIgnoredFolder = ".Ignored";

UnixTime WallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads at most max_bytes + 1 bytes, so a file that grows past the cap is still caught.
Result<std::string> ReadCapped(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot stat: " + ec.message());
  if (size > max_bytes) {
    return MakeError(ErrorCode::kLimitExceeded,
                     "file of " + std::to_string(size) + " bytes exceeds " +
                         std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open");
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max_bytes) {
    return MakeError(ErrorCode::kLimitExceeded, "file grew past " + std::to_string(max_bytes));
  }
  return data;
}

std::string WithSeen(std::string flags) {
  if (flags.find('S') == std::string::npos) flags.push_back('S');
  std::sort(flags.begin(), flags.end());
  return flags;
}

Status MakeMaildir(const fs::path& dir) {
  std::error_code ec;
  for (const char* sub : {"new", "cur", "tmp"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot create " + (dir / sub).string() + ": " + ec.message());
  }
  return OkStatus();
}

}  // namespace

MaildirSource::MaildirSource(boost::asio::io_context& io, Pipeline* pipeline,
                             MaildirSourceOptions options, std::size_t max_file_bytes,
                             Metrics* metrics, Clock clock)
    : io_(io),
      pipeline_(pipeline),
      options_(std::move(options)),
      max_file_bytes_(max_file_bytes),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : Clock(WallClock)),
      name_("maildir:" + options_.path),
      root_(options_.path),
      timer_(io),
      backoff_(std::chrono::milliseconds(std::min(options_.poll_interval_ms, options_.retry_max_ms)),
               std::chrono::milliseconds(options_.retry_max_ms)) {}

Status MaildirSource::Start() {
  Status s = MakeMaildir(root_);
  if (!s.ok()) return s;
  stopped_ = false;
  Schedule(std::chrono::milliseconds(0));
  return OkStatus();
}

void MaildirSource::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void MaildirSource::Schedule(std::chrono::milliseconds delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || stopped_) return;
    OnTimer();
  });
}

void MaildirSource::OnTimer() {
  auto handled = PollOnce();
  if (!handled.ok()) {
    auto delay = backoff_.Next();
    Log(LogLevel::kWarn, "maildir", "store unavailable, messages left in place",
        {{"maildir", options_.path}, {"error", handled.error().ToString()},
         {"retry_ms", std::to_string(delay.count())}});
    if (metrics_ != nullptr) metrics_->source_errors.Add({{"source", "maildir"}}).Increment();
    Schedule(delay);
    return;
  }
  backoff_.Reset();
  if (metrics_ != nullptr) {
    metrics_->mailbox_last_poll.Add({{"mailbox", name_}}).Set(static_cast<double>(clock_()));
  }
  // A full batch means more may be waiting: go on at once (other handlers still get a turn).
  bool more = *handled >= options_.batch_size;
  Schedule(more ? std::chrono::milliseconds(0) : std::chrono::milliseconds(options_.poll_interval_ms));
}

void MaildirSource::ListDir(const fs::path& dir, bool need_unseen, std::size_t limit,
                            std::vector<Entry>* out) {
  std::error_code ec;
  std::vector<Entry> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !it->is_regular_file(ec)) continue;
    Entry e{it->path(), name, ""};
    std::size_t info = name.find(":2,");
    if (info != std::string::npos) {
      e.base = name.substr(0, info);
      e.flags = name.substr(info + 3);
    }
    if (need_unseen && e.flags.find('S') != std::string::npos) continue;
    found.push_back(std::move(e));
  }
  if (ec) {
    Log(LogLevel::kError, "maildir", "cannot list directory",
        {{"dir", dir.string()}, {"error", ec.message()}});
  }
  // Maildir names start with the delivery time: sorting processes older mail first.
  std::sort(found.begin(), found.end(), [](const Entry& a, const Entry& b) { return a.base < b.base; });
  for (auto& e : found) {
    if (out->size() >= limit) break;
    out->push_back(std::move(e));
  }
}

std::vector<MaildirSource::Entry> MaildirSource::Pending(std::size_t limit) {
  std::vector<Entry> entries;
  if (scan_cur_) ListDir(root_ / "cur", true, limit, &entries);
  ListDir(root_ / "new", false, limit, &entries);
  if (entries.size() < limit) scan_cur_ = false;  // cur/ leftovers all taken
  return entries;
}

Status MaildirSource::EnsureFolder(const std::string& folder) {
  Status s = MakeMaildir(root_ / folder);
  if (!s.ok()) return s;
  std::ofstream marker(root_ / folder / "maildirfolder", std::ios::app);
  return OkStatus();
}

Status MaildirSource::Move(const Entry& e, Disposition d, const std::string& reason) {
  fs::path target;
  if (d == Disposition::kProcessed) {
    target = root_ / "cur" / (e.base + ":2," + WithSeen(e.flags));
  } else {
    const char* folder = d == Disposition::kQuarantine ? kQuarantineFolder : kIgnoredFolder;
    Status s = EnsureFolder(folder);
    if (!s.ok()) return s;
    target = root_ / folder / "new" / e.base;
  }
  std::error_code ec;
  if (target != e.path) fs::rename(e.path, target, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot move to " + target.string() + ": " + ec.message());
  if (d != Disposition::kProcessed) {
    Log(LogLevel::kInfo, "maildir", "message moved aside",
        {{"file", e.base}, {"to", target.parent_path().parent_path().filename().string()},
         {"reason", reason}});
  }
  return OkStatus();
}

Result<int> MaildirSource::PollOnce() {
  std::vector<Entry> entries = Pending(static_cast<std::size_t>(options_.batch_size));
  std::vector<std::string> raws;
  std::vector<const Entry*> batch_entries;
  raws.reserve(entries.size());
  int handled = 0;
  for (const Entry& e : entries) {
    auto data = ReadCapped(e.path, max_file_bytes_);
    if (data.ok()) {
      raws.push_back(std::move(data.value()));
      batch_entries.push_back(&e);
      continue;
    }
    if (data.error().code == ErrorCode::kLimitExceeded) {
      Status s = Move(e, Disposition::kQuarantine, data.error().detail);
      if (s.ok()) ++handled;
    } else {
      Log(LogLevel::kWarn, "maildir", "cannot read message",
          {{"file", e.base}, {"error", data.error().ToString()}});
    }
  }
  std::vector<IncomingMessage> messages;
  for (const auto& raw : raws) messages.push_back({raw, name_});
  if (messages.empty()) return handled;
  auto results = pipeline_->ProcessBatch(messages, clock_());
  if (!results.ok()) return results.error();
  for (std::size_t i = 0; i < results->size(); ++i) {
    const ProcessResult& r = (*results)[i];
    Status s = Move(*batch_entries[i], r.disposition, r.reason);
    if (!s.ok()) {
      // Committed but not moved: it is reprocessed next time as a harmless duplicate.
      Log(LogLevel::kError, "maildir", "cannot move message", {{"error", s.error().ToString()}});
      if (metrics_ != nullptr) metrics_->source_errors.Add({{"source", "maildir"}}).Increment();
      continue;
    }
    ++handled;
  }
  return handled;
}

}  // namespace fbl
