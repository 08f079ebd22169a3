#include "tests/testing/fbld.h"

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include "tests/testing/test_util.h"

namespace fbl::testing {

namespace fs = std::filesystem;

Fbld::Fbld(fs::path dir, FbldSettings settings)
    : dir_(std::move(dir)), settings_(std::move(settings)), port_(FreePort()) {}

Fbld::~Fbld() {
  if (process_.running()) Stop(SIGTERM);
}

std::string Fbld::ConfigText() const {
  std::string d = dir_.string();
  std::string trust = settings_.provider_trust;
  return "[log]\nlevel = \"" + settings_.log_level + "\"\n"
         "[store]\npath = \"" + (settings_.store_path.empty() ? d + "/fbl.db" : settings_.store_path) + "\"\n" +
         settings_.store_toml +
         "[[maildir]]\npath = \"" + d + "/postmaster\"\npoll_interval_ms = 100\n"
         "[trust]\nauthserv_id = \"" + settings_.authserv_id + "\"\n"
         "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"" + trust + "\"\n"
         "[[provider]]\nname = \"aol\"\ndomains = [\"aol.com\"]\ntrust = \"" + trust + "\"\n"
         "[[client]]\nid = \"demo\"\nnotify_email = \"postmaster@example.com\"\n"
         "domains = [\"example.com\"]\ndkim_domains = [\"example.com\"]\n"
         "[api]\nlisten = \"127.0.0.1:" + std::to_string(port_) + "\"\n"
         "allow_anonymous_reads = true\n"
         "[notify]\ntransport = \"" + settings_.notify_transport + "\"\nmaildir = \"" + d + "/outbox\"\n" +
         settings_.extra_toml;
}

void Fbld::WriteConfig() const { WriteFile(config_path(), ConfigText()); }

bool Fbld::Start() {
  WriteConfig();
  if (!process_.Start({BinaryPath("fbld").string(), "--config", config_path().string()},
                      log_path().string())) {
    return false;
  }
  return WaitForPort(port_, std::chrono::seconds(30));
}

int Fbld::Stop(int sig) {
  int status = process_.Stop(sig, std::chrono::seconds(20));
  if (status < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void Fbld::Signal(int sig) {
  if (process_.pid() > 0) kill(process_.pid(), sig);
}

void Fbld::Deliver(std::string_view name, std::string_view content) const {
  fs::create_directories(maildir() / "tmp");
  fs::create_directories(maildir() / "new");
  fs::path tmp = maildir() / "tmp" / name;
  WriteFile(tmp, content);
  fs::rename(tmp, maildir() / "new" / name);
}

int Fbld::HttpGet(const std::string& path, std::string* body) const {
  std::string out;
  std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
  int rc = RunCommand({"curl", "-s", "-w", "\n%{http_code}", url}, &out, false);
  if (rc != 0) return -1;
  std::size_t nl = out.rfind('\n');
  if (nl == std::string::npos) return -1;
  if (body != nullptr) *body = out.substr(0, nl);
  return std::atoi(out.c_str() + nl + 1);
}

int Fbld::Fblctl(std::vector<std::string> args, std::string* output) const {
  args.insert(args.begin(), BinaryPath("fblctl").string());
  args.push_back("--config");
  args.push_back(config_path().string());
  return RunCommand(args, output);
}

std::string Fbld::Log() const { return fs::exists(log_path()) ? ReadFile(log_path()) : ""; }

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

int CountFiles(const fs::path& dir) {
  std::error_code ec;
  int n = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

}  // namespace fbl::testing
