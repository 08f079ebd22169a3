// fblctl parse [--jobs N] [--header NAME]... PATH...
// Prints one JSON object per message (DESIGN.md contract 1). PATH is a file, "-" (stdin), a
// Maildir (cur/ then new/) or a directory walked recursively in sorted order. Exit 0 when every
// PATH was read (malformed messages included, as kind "malformed"); 64 on usage errors; 66 when
// a PATH does not exist, 74 when one cannot be read (reported on stderr, the others still
// parsed). Files are parsed by --jobs threads (default: one per core, at most 8); the output
// order is the walk order whatever the number of threads.
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
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

// Collects output and writes it in blocks; the block is allocated once and reused, so the
// output costs no page faults after the first block.
class BufferedWriter {
 public:
  BufferedWriter() { buffer_.reserve(kFlushAt + 4096); }
  ~BufferedWriter() { Flush(); }
  void Line(std::string_view s) {
    if (buffer_.size() + s.size() + 1 > kFlushAt) Flush();
    buffer_ += s;
    buffer_ += '\n';
  }
  void Flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
    std::fflush(stdout);
  }

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  std::string buffer_;
};

// A read buffer that only grows: reused for every file of a thread, never zero-filled.
class ReadBuffer {
 public:
  char* data() { return data_.get(); }
  std::size_t capacity() const { return capacity_; }
  // Grows the buffer to `n` bytes (n > capacity()), keeping its content.
  void Grow(std::size_t n) {
    std::unique_ptr<char[]> bigger(new char[n]);
    if (capacity_ > 0) std::memcpy(bigger.get(), data_.get(), capacity_);
    data_ = std::move(bigger);
    capacity_ = n;
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
};

// Reads at most `limit` bytes of `fd` into `buf`, until end of file (no fstat: the buffer is
// reused and grown when a file fills it); the parser cuts a message at its own limit, so
// reading further would only cost memory. With `short_read_is_end` (a regular file found by
// the directory walk: a short read of a regular file is its end) no read is spent to see end
// of file. Returns the number of bytes read, or -1 with `why`.
std::ptrdiff_t ReadAtMost(int fd, std::size_t limit, bool short_read_is_end, ReadBuffer* buf,
                          std::string* why) {
  constexpr std::size_t kFirst = 256 * 1024;
  if (buf->capacity() == 0) buf->Grow(std::min(kFirst, limit));
  std::size_t have = 0;
  while (have < limit) {
    if (have == buf->capacity()) buf->Grow(std::min(buf->capacity() * 2, limit));
    std::size_t want = std::min(buf->capacity(), limit) - have;
    ssize_t n = read(fd, buf->data() + have, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = std::strerror(errno);
      return -1;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    if (short_read_is_end && static_cast<std::size_t>(n) < want) break;
  }
  return static_cast<std::ptrdiff_t>(have);
}

// `dir` joined with `name` as fs::path's operator/ does.
std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + '/' + name;
}

// A directory opened by the walk, so that its files are opened relative to it (openat: the
// kernel walks one path component per file instead of the whole path). Shared by the items of
// the directory and the walk; closed with the last of them. `open_count` counts the live ones.
class DirHandle {
 public:
  DirHandle(int fd, int* open_count) : fd_(fd), open_count_(open_count) { ++*open_count_; }
  ~DirHandle() {
    close(fd_);
    --*open_count_;
  }
  DirHandle(const DirHandle&) = delete;
  DirHandle& operator=(const DirHandle&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
  int* open_count_;
};

// Faults in at least `bytes` of the calling thread's malloc arena at once, instead of one page
// fault per page as parsing first touches them: on the benchmark VM a page fault costs ~20 us,
// populating 2 MiB of 4 KiB pages ~0.5 ms and one 2 MiB transparent huge page ~0.15 ms. So the
// memory handed to the parses starts on a 2 MiB boundary: the bytes from the arena's free space
// up to that boundary are left allocated and never touched (address space only: the returned
// block, which the caller frees when the thread has parsed everything), the block after them is
// marked for huge pages (where the kernel allows them on request: THP "madvise"; elsewhere the
// advice is ignored) and populated with one system call, then freed. The memory stays in the
// arena for the parses (CmdParse sets mallopt so that it is not trimmed); later allocations are
// carved from it. Only hints: where malloc places blocks differently, parsing takes some page
// faults, nothing else changes. Returns null after the first call in a thread.
constexpr std::size_t kPrefaultBytes = 2 << 20;  // per parsing thread (4 MiB saved no more faults)

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using HeldBlock = std::unique_ptr<void, FreeDeleter>;

HeldBlock PrefaultHeap(std::size_t bytes) {
  thread_local bool done = false;  // once per thread: the memory stays in its arena
  if (done) return nullptr;
  done = true;
  constexpr std::uintptr_t kHuge = 2 << 20;
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::size_t kProbe = 64 << 10;  // larger than any free chunk this early: from the top
  void* probe = std::malloc(kProbe);
  if (probe == nullptr) return nullptr;
  const auto top = reinterpret_cast<std::uintptr_t>(probe);
  const std::uintptr_t boundary = (top + kHuge - 1) & ~(kHuge - 1);
  std::free(probe);
  void* volatile skipped = nullptr;  // volatile: the allocation is not elided though never used
  if (boundary - top > 2 * kPage) {
    // Ends a page before the boundary: the block's own header lands there, its data on it.
    skipped = std::malloc(boundary - top - kPage);
  }
  HeldBlock held(skipped);
  char* block = static_cast<char*>(std::malloc(bytes + kPage));
  if (block == nullptr) return held;
  const auto at = reinterpret_cast<std::uintptr_t>(block);
  const std::uintptr_t huge_begin = (at + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t huge_end = (at + bytes + kPage) & ~(kHuge - 1);  // within the block
  const std::uintptr_t begin = at & ~(kPage - 1);
  if (huge_end > huge_begin) madvise(reinterpret_cast<void*>(huge_begin), huge_end - huge_begin, MADV_HUGEPAGE);
  const std::uintptr_t end = huge_end > huge_begin ? huge_end : (at + bytes) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  std::free(block);
  return held;
}

// The JSON lines one thread wrote in a window, in chunks that never move (a line is a view into
// one): a few large allocations per window instead of one per message.
class LineStore {
 public:
  std::string_view Add(std::string_view line) {
    if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < line.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::max(kChunk, line.size()));
    }
    std::string& chunk = chunks_.back();
    std::size_t at = chunk.size();
    chunk.append(line);  // within capacity: earlier views stay valid
    return std::string_view(chunk).substr(at);
  }

 private:
  static constexpr std::size_t kChunk = 256 * 1024;
  std::vector<std::string> chunks_;  // moving the vector moves no chunk's characters
};

// What one parsing thread reuses from file to file.
struct ThreadBuffers {
  ReadBuffer read;
  std::string json;  // one line, built here then copied into `lines`
  LineStore* lines;
};

// One file to parse, or a failure found while walking; `line` is filled by ParseItem.
struct Item {
  std::string path;
  std::string error;  // non-empty: report on stderr with `code`, print nothing
  int code = kExitOk;
  std::string_view line;  // in a LineStore of the window
  // Set for a regular file of a walked directory: opened as path.substr(name_at) in `dir`.
  std::shared_ptr<const DirHandle> dir;
  std::size_t name_at = 0;
};

void ParseItem(const ParseOptions& options, ThreadBuffers& buffers, Item& item) {
  if (!item.error.empty()) return;
  int fd = item.path == "-" ? 0
           : item.dir     ? openat(item.dir->fd(), item.path.c_str() + item.name_at, O_RDONLY | O_CLOEXEC)
                          : open(item.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    item.error = std::strerror(errno);
    item.code = errno == ENOENT ? kExitNoInput : kExitIoErr;
    return;
  }
  // One byte over the limit lets the parser see, and say, that the message was cut.
  std::ptrdiff_t size = ReadAtMost(fd, options.limits.max_message_bytes + 1, item.dir != nullptr, &buffers.read, &item.error);
  if (fd != 0) close(fd);
  if (size < 0) {
    item.code = kExitIoErr;
    return;
  }
  std::string_view message(buffers.read.data(), static_cast<std::size_t>(size));
  buffers.json.clear();
  AppendReportJsonLine(ParseMessage(message, options), item.path, &buffers.json);
  item.line = buffers.lines->Add(buffers.json);
}

// Items are collected in walk order and parsed a window at a time by `jobs` threads, and
// written in order: memory stays bounded by one window whatever the size of the tree. The
// walking thread writes the parsed items of the window's head between its own parses, so that
// the output costs no time after the last parse but the last few lines.
class ParseRun {
 public:
  ParseRun(ParseOptions options, int jobs)
      : options_(std::move(options)), jobs_(jobs), done_(new std::atomic<bool>[kWindow]) {
    for (std::size_t i = 0; i < kWindow; ++i) done_[i].store(false, std::memory_order_relaxed);
  }
  ~ParseRun() {  // left by an exception during the walk: let the helpers finish
    if (helpers_.empty()) return;
    Publish(true);
    for (std::thread& h : helpers_) h.join();
  }
  ParseRun(const ParseRun&) = delete;
  ParseRun& operator=(const ParseRun&) = delete;

  void AddFile(std::string path) { AddItem(Item{std::move(path), "", kExitOk, "", nullptr, 0}); }
  // A regular file named `name` in the walked directory `dir` (whose path is `dir_path`); with
  // a null `dir` (OpenDir failed) the file is opened by its path.
  void AddFileIn(const std::shared_ptr<const DirHandle>& dir, const std::string& dir_path, const std::string& name) {
    std::string path = JoinPath(dir_path, name);
    std::size_t name_at = path.size() - name.size();
    AddItem(Item{std::move(path), "", kExitOk, "", dir, name_at});
  }
  void AddFailure(std::string path, std::string why, int code) {
    AddItem(Item{std::move(path), std::move(why), code, "", nullptr, 0});
  }
  // Opens `dir` for AddFileIn, or returns null (its files are then opened by path). Directory
  // handles stay open while pending items use them: past kMaxOpenDirs the window runs early.
  std::shared_ptr<const DirHandle> OpenDir(const std::string& dir) {
    if (open_dirs_ >= kMaxOpenDirs) RunWindow();
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    return std::make_shared<const DirHandle>(fd, &open_dirs_);
  }
  int Finish() {
    RunWindow();
    out_.Flush();
    return exit_code_;
  }

 private:
  static constexpr std::size_t kWindow = 1024;
  static constexpr int kMaxOpenDirs = 64;
  static constexpr std::size_t kManyFiles = 64;

  // Items are parsed while the walk goes on: once a window holds kManyFiles items its storage is
  // reserved for the whole window (items never move) and helper threads parse each item as
  // soon as it is published; the walking thread joins them at the end of the window.
  void AddItem(Item item) {
    if (pending_.size() == kManyFiles) StartHelpers();
    pending_.push_back(std::move(item));
    Publish(false);
    if (pending_.size() >= kWindow) RunWindow();
  }

  void StartHelpers() {  // the walking thread's heap was faulted in by CmdParse
    pending_.reserve(kWindow);
    for (std::size_t t = 1; t < Threads(); ++t) helpers_.emplace_back([this] { Work(true, false); });
  }

  // Parsing threads for the items pending so far: one per 8 items, at most jobs_.
  std::size_t Threads() const {
    return std::min<std::size_t>(static_cast<std::size_t>(jobs_), pending_.size() / 8 + 1);
  }

  // Makes pending_[0, size) visible to the parsing threads; `last`: no more in this window.
  void Publish(bool last) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      published_.store(pending_.size(), std::memory_order_release);
      if (last) closed_ = true;
    }
    cv_.notify_all();  // no system call when nobody waits
  }

  // True once item `i` is published; false when the window closed without it.
  bool WaitFor(std::size_t i) {
    if (i < published_.load(std::memory_order_acquire)) return true;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return i < published_.load(std::memory_order_relaxed) || closed_; });
    return i < published_.load(std::memory_order_relaxed);
  }

  // Parses items until the window is closed and empty; the `writer` (the walking thread) also
  // writes the items parsed so far, in order, after each of its own.
  void Work(bool prefault, bool writer) {
    HeldBlock held = prefault ? PrefaultHeap(kPrefaultBytes) : nullptr;  // not for a few files
    ThreadBuffers buffers;  // reused for every file of this thread
    buffers.json.reserve(4096);
    {
      std::lock_guard<std::mutex> lock(mu_);
      buffers.lines = &line_stores_.emplace_back();  // a deque: stores never move
    }
    for (std::size_t i; WaitFor(i = next_.fetch_add(1));) {
      ParseItem(options_, buffers, pending_[i]);
      done_[i].store(true, std::memory_order_release);
      if (writer) WriteParsed();
    }
  }

  // Writes the items parsed since the last call up to the first one not parsed yet, in order.
  // Only the walking thread calls it (pending_ does not grow meanwhile: it is in Work or done).
  void WriteParsed() {
    while (written_ < pending_.size() && done_[written_].load(std::memory_order_acquire)) {
      Item& item = pending_[written_++];
      if (!item.error.empty()) {
        std::fprintf(stderr, "fblctl parse: %s: %s\n", item.path.c_str(), item.error.c_str());
        if (exit_code_ == kExitOk) exit_code_ = item.code;
      } else {
        out_.Line(item.line);
      }
    }
  }

  void RunWindow() {
    if (helpers_.empty()) {  // fewer than kManyFiles items: parsed only now
      for (std::size_t t = 1; t < Threads(); ++t) helpers_.emplace_back([this] { Work(false, false); });
    }
    Publish(true);
    Work(false, true);  // this thread's heap was faulted in by CmdParse
    for (std::thread& h : helpers_) h.join();
    helpers_.clear();
    WriteParsed();  // the items the helpers finished last
    for (std::size_t i = 0; i < pending_.size(); ++i) done_[i].store(false, std::memory_order_relaxed);
    written_ = 0;
    pending_.clear();
    line_stores_.clear();
    next_.store(0);
    published_.store(0);
    closed_ = false;
  }

  ParseOptions options_;
  int jobs_;
  std::vector<Item> pending_;  // the window: written by the walk, items parsed by Work()
  std::vector<std::thread> helpers_;
  std::atomic<std::size_t> next_{0};       // the next item a thread takes
  std::atomic<std::size_t> published_{0};  // items of pending_ ready to parse
  std::mutex mu_;                          // with cv_: waiting for published_ or closed_
  std::condition_variable cv_;
  bool closed_ = false;                    // the window takes no more items
  std::deque<LineStore> line_stores_;      // one per thread of the window; guarded by mu_
  std::unique_ptr<std::atomic<bool>[]> done_;  // done_[i]: pending_[i] parsed (release/acquire)
  std::size_t written_ = 0;                // items of the window written (walking thread only)
  BufferedWriter out_;
  int exit_code_ = kExitOk;
  int open_dirs_ = 0;  // live DirHandles
};

// One name read from a directory, with the file type readdir gives (DT_UNKNOWN on some file
// systems, DT_LNK for symlinks: those are resolved with stat).
struct DirEntry {
  std::string name;
  unsigned char type;
};

// The entries of `dir` (without "." and "..") sorted by name, with no stat per file and no
// std::filesystem objects (which cost more than the parse of a small report). On a read error
// `ec` is set and the entries read so far are returned.
std::vector<DirEntry> SortedEntries(const std::string& dir, std::error_code& ec) {
  std::vector<DirEntry> entries;
  ec.clear();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    ec.assign(errno, std::generic_category());
    return entries;
  }
  for (;;) {
    errno = 0;
    const struct dirent* e = readdir(d);
    if (e == nullptr) {
      if (errno != 0) ec.assign(errno, std::generic_category());
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    entries.push_back(DirEntry{std::string(name), e->d_type});
  }
  closedir(d);
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

bool IsMaildir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
}

void ParsePath(ParseRun& run, const fs::path& path, int depth);

void ParseEntry(ParseRun& run, const std::shared_ptr<const DirHandle>& handle, const std::string& dir,
                const DirEntry& entry, int depth) {
  if (entry.type == DT_DIR) {
    ParsePath(run, JoinPath(dir, entry.name), depth);
    return;
  }
  if (entry.type == DT_REG) {
    run.AddFileIn(handle, dir, entry.name);
    return;
  }
  if (entry.type != DT_LNK && entry.type != DT_UNKNOWN) return;  // fifo, socket, device
  fs::path path = JoinPath(dir, entry.name);
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) {
    ParsePath(run, path, depth);
  } else if (fs::is_regular_file(st)) {
    run.AddFile(path.string());
  } else if (ec) {
    ParsePath(run, path, depth);  // a dangling symlink: reported as missing there
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
      std::string subdir = (dir / sub).string();
      std::shared_ptr<const DirHandle> handle = run.OpenDir(subdir);
      for (const DirEntry& entry : SortedEntries(subdir, ec)) {
        if (entry.name.empty() || entry.name[0] == '.') continue;
        run.AddFileIn(handle, subdir, entry.name);
      }
      if (ec) run.AddFailure(subdir, ec.message(), kExitIoErr);
    }
    return;
  }
  std::string dir_name = dir.string();
  std::vector<DirEntry> entries = SortedEntries(dir_name, ec);
  if (ec) {
    run.AddFailure(dir_name, ec.message(), kExitIoErr);
    return;
  }
  std::shared_ptr<const DirHandle> handle;
  if (std::any_of(entries.begin(), entries.end(), [](const DirEntry& e) { return e.type == DT_REG; })) {
    handle = run.OpenDir(dir_name);
  }
  for (const DirEntry& entry : entries) ParseEntry(run, handle, dir_name, entry, depth + 1);
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
  // Each message allocates and frees a few hundred blocks: keep freed memory in the process
  // (no trimming, no mmap per large block) instead of returning it to the kernel and taking
  // page faults to get it back for the next message. Peak RSS is unchanged.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 4 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // Before the walk: its entries, paths and items, and the output buffer, take no page faults.
  HeldBlock held = PrefaultHeap(kPrefaultBytes);  // freed after `run`
  ParseRun run(std::move(options), jobs);
  for (const std::string& p : paths) {
    if (p == "-") run.AddFile(p);
    else ParsePath(run, p, 0);
  }
  return run.Finish();
}

}  // namespace fbl::cli
