// fblctl parse [--jobs N] [--header NAME]... PATH...
// Prints one JSON object per message (DESIGN.md contract 1). PATH is a file, "-" (stdin), a
// Maildir (cur/ then new/) or a directory walked recursively in sorted order. Exit 0 when every
// PATH was read (malformed messages included, as kind "malformed"); 64 on usage errors; 66 when
// a PATH does not exist, 74 when one cannot be read (reported on stderr, the others still
// parsed). Files are parsed by --jobs threads (default: one per core, at most 8); the output
// order is the walk order whatever the number of threads.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fbl/cli/commands.h"
#include "parsers/parse.h"
#include "parsers/report_json.h"

namespace fbl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitNoInput = 66;

// Collects output and writes it in large blocks.
class BufferedWriter {
 public:
  ~BufferedWriter() { Flush(); }
  void Line(const std::string& s) {
    buffer_ += s;
    buffer_ += '\n';
    if (buffer_.size() >= kFlushAt) Flush();
  }
  void Flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
    std::fflush(stdout);
  }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::string buffer_;
};

// Reads at most `limit` bytes of `fd` into `buf` (size hint from fstat); the parser cuts a
// message at its own limit, so reading further would only cost memory.
bool ReadAtMost(int fd, std::size_t limit, std::string* buf, std::string* why) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *why = std::strerror(errno);
    return false;
  }
  std::size_t want = st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
  buf->resize(std::min(want, limit) + 1);
  std::size_t have = 0;
  while (have < limit) {
    if (have == buf->size()) buf->resize(std::min(buf->size() * 2 + 4096, limit));
    ssize_t n = read(fd, buf->data() + have, buf->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  buf->resize(have);
  return true;
}

// One file to parse, or a failure found while walking; `line` is filled by ParseItem.
struct Item {
  std::string path;
  std::string error;  // non-empty: report on stderr with `code`, print nothing
  int code = kExitOk;
  std::string line;
};

void ParseItem(const ParseOptions& options, std::string& buffer, Item& item) {
  if (!item.error.empty()) return;
  int fd = item.path == "-" ? 0 : open(item.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    item.error = std::strerror(errno);
    item.code = errno == ENOENT ? kExitNoInput : kExitIoErr;
    return;
  }
  // One byte over the limit lets the parser see, and say, that the message was cut.
  bool ok = ReadAtMost(fd, options.limits.max_message_bytes + 1, &buffer, &item.error);
  if (fd != 0) close(fd);
  if (!ok) {
    item.code = kExitIoErr;
    return;
  }
  item.line = ReportToJsonLine(ParseMessage(buffer, options), item.path);
}

// Items are collected in walk order and parsed a window at a time by `jobs` threads, then
// written in order: memory stays bounded by one window whatever the size of the tree.
class ParseRun {
 public:
  ParseRun(ParseOptions options, int jobs) : options_(std::move(options)), jobs_(jobs) {}

  void AddFile(std::string path) {
    pending_.push_back(Item{std::move(path), "", kExitOk, ""});
    if (pending_.size() >= kWindow) RunWindow();
  }
  void AddFailure(std::string path, std::string why, int code) {
    pending_.push_back(Item{std::move(path), std::move(why), code, ""});
  }
  int Finish() {
    RunWindow();
    out_.Flush();
    return exit_code_;
  }

 private:
  static constexpr std::size_t kWindow = 1024;

  void RunWindow() {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      std::string buffer;  // reused for every file of this thread
      for (std::size_t i; (i = next.fetch_add(1)) < pending_.size();) ParseItem(options_, buffer, pending_[i]);
    };
    std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(jobs_), pending_.size() / 8 + 1);
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (std::thread& h : helpers) h.join();
    for (Item& item : pending_) {
      if (!item.error.empty()) {
        std::fprintf(stderr, "fblctl parse: %s: %s\n", item.path.c_str(), item.error.c_str());
        if (exit_code_ == kExitOk) exit_code_ = item.code;
      } else {
        out_.Line(item.line);
      }
    }
    pending_.clear();
  }

  ParseOptions options_;
  int jobs_;
  std::vector<Item> pending_;
  BufferedWriter out_;
  int exit_code_ = kExitOk;
};

// The entries of `dir` sorted by name; their file type comes from readdir (no stat per file).
std::vector<fs::directory_entry> SortedEntries(const fs::path& dir, std::error_code& ec) {
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path().filename() < b.path().filename(); });
  return entries;
}

bool IsMaildir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
}

void ParsePath(ParseRun& run, const fs::path& path, int depth);

void ParseEntry(ParseRun& run, const fs::directory_entry& entry, int depth) {
  std::error_code ec;
  if (entry.is_directory(ec)) {
    ParsePath(run, entry.path(), depth);
  } else if (entry.is_regular_file(ec)) {
    run.AddFile(entry.path().string());
  } else if (ec) {
    ParsePath(run, entry.path(), depth);  // a dangling symlink: reported as missing there
  }
}

void ParseDirectory(ParseRun& run, const fs::path& dir, int depth) {
  if (depth > 64) {
    run.AddFailure(dir.string(), "directory nesting too deep", kExitIoErr);
    return;
  }
  std::error_code ec;
  if (IsMaildir(dir)) {
    for (const char* sub : {"cur", "new"}) {
      for (const fs::directory_entry& entry : SortedEntries(dir / sub, ec)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        run.AddFile(entry.path().string());
      }
      if (ec) run.AddFailure((dir / sub).string(), ec.message(), kExitIoErr);
    }
    return;
  }
  std::vector<fs::directory_entry> entries = SortedEntries(dir, ec);
  if (ec) {
    run.AddFailure(dir.string(), ec.message(), kExitIoErr);
    return;
  }
  for (const fs::directory_entry& entry : entries) ParseEntry(run, entry, depth + 1);
}

void ParsePath(ParseRun& run, const fs::path& path, int depth) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    run.AddFailure(path.string(), ec ? ec.message() : "no such file or directory", kExitNoInput);
    return;
  }
  if (fs::is_directory(st)) {
    ParseDirectory(run, path, depth);
  } else if (fs::is_regular_file(st)) {
    run.AddFile(path.string());
  }
}

int DefaultJobs() {
  unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 8u));
}

int Usage(const char* why) {
  std::fprintf(stderr, "fblctl parse: %s\nusage: fblctl parse [--jobs N] [--header NAME]... PATH...\n", why);
  return kExitUsage;
}

}  // namespace

int CmdParse(const Args& args) {
  ParseOptions options;
  int jobs = DefaultJobs();
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--header") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return Usage("--header needs a NAME");
      options.extra_headers.push_back(args[++i]);
    } else if (a.rfind("--header=", 0) == 0 && a.size() > 9) {
      options.extra_headers.push_back(a.substr(9));
    } else if (a == "--jobs" || a == "-j") {
      const std::string v = i + 1 < args.size() ? args[++i] : "";
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), jobs);
      if (ec != std::errc() || end != v.data() + v.size() || jobs < 1 || jobs > 64) {
        return Usage("--jobs needs a number from 1 to 64");
      }
    } else if (a == "--help" || a == "-h") {
      return Usage("parses reports into JSON lines");
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return Usage(("unknown option " + a).c_str());
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return Usage("no PATH given");
  ParseRun run(std::move(options), jobs);
  for (const std::string& p : paths) {
    if (p == "-") run.AddFile(p);
    else ParsePath(run, p, 0);
  }
  return run.Finish();
}

}  // namespace fbl::cli
