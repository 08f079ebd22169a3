// fblctl parse [--header NAME]... PATH...
// Prints one JSON object per message (DESIGN.md contract 1). PATH is a file, "-" (stdin), a
// Maildir (cur/ then new/) or a directory walked recursively in sorted order. Exit 0 when every
// PATH was read (malformed messages included, as kind "malformed"); 64 on usage errors; 66 when
// a PATH does not exist, 74 when one cannot be read (reported on stderr, the others still
// parsed).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
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

struct ParseRun {
  ParseOptions options;
  BufferedWriter out;
  std::string buffer;  // reused for every file
  int exit_code = kExitOk;

  void Fail(const std::string& path, const std::string& why, int code) {
    std::fprintf(stderr, "fblctl parse: %s: %s\n", path.c_str(), why.c_str());
    if (exit_code == kExitOk) exit_code = code;
  }
};

// Reads the whole file with one read() into `buf` (size from fstat).
bool ReadWhole(int fd, std::string* buf, std::string* why) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *why = std::strerror(errno);
    return false;
  }
  std::size_t want = st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
  buf->resize(want + 1);
  std::size_t have = 0;
  for (;;) {
    if (have == buf->size()) buf->resize(buf->size() * 2 + 4096);
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

void ParseFile(ParseRun& run, const std::string& path) {
  int fd = path == "-" ? 0 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    run.Fail(path, std::strerror(errno), errno == ENOENT ? kExitNoInput : kExitIoErr);
    return;
  }
  std::string why;
  bool ok = ReadWhole(fd, &run.buffer, &why);
  if (fd != 0) close(fd);
  if (!ok) {
    run.Fail(path, why, kExitIoErr);
    return;
  }
  Report report = ParseMessage(run.buffer, run.options);
  run.out.Line(ReportToJsonLine(report, path));
}

std::vector<std::string> SortedEntries(const fs::path& dir, std::error_code& ec) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool IsMaildir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
}

void ParsePath(ParseRun& run, const fs::path& path, int depth);

void ParseDirectory(ParseRun& run, const fs::path& dir, int depth) {
  if (depth > 64) {
    run.Fail(dir.string(), "directory nesting too deep", kExitIoErr);
    return;
  }
  std::error_code ec;
  if (IsMaildir(dir)) {
    for (const char* sub : {"cur", "new"}) {
      for (const std::string& name : SortedEntries(dir / sub, ec)) {
        if (name.empty() || name[0] == '.') continue;
        ParseFile(run, (dir / sub / name).string());
      }
      if (ec) run.Fail((dir / sub).string(), ec.message(), kExitIoErr);
    }
    return;
  }
  std::vector<std::string> names = SortedEntries(dir, ec);
  if (ec) {
    run.Fail(dir.string(), ec.message(), kExitIoErr);
    return;
  }
  for (const std::string& name : names) ParsePath(run, dir / name, depth + 1);
}

void ParsePath(ParseRun& run, const fs::path& path, int depth) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    run.Fail(path.string(), ec ? ec.message() : "no such file or directory", kExitNoInput);
    return;
  }
  if (fs::is_directory(st)) {
    ParseDirectory(run, path, depth);
  } else if (fs::is_regular_file(st)) {
    ParseFile(run, path.string());
  }
}

int Usage(const char* why) {
  std::fprintf(stderr, "fblctl parse: %s\nusage: fblctl parse [--header NAME]... PATH...\n", why);
  return kExitUsage;
}

}  // namespace

int CmdParse(const Args& args) {
  ParseRun run;
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--header") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return Usage("--header needs a NAME");
      run.options.extra_headers.push_back(args[++i]);
    } else if (a.rfind("--header=", 0) == 0 && a.size() > 9) {
      run.options.extra_headers.push_back(a.substr(9));
    } else if (a == "--help" || a == "-h") {
      return Usage("parses reports into JSON lines");
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return Usage(("unknown option " + a).c_str());
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return Usage("no PATH given");
  for (const std::string& p : paths) {
    if (p == "-") ParseFile(run, p);
    else ParsePath(run, p, 0);
  }
  run.out.Flush();
  return run.exit_code;
}

}  // namespace fbl::cli
