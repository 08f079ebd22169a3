#include "tests/testing/test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fbl::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "fbl-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const fs::path& path, std::string_view content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

fs::path FixturePath(std::string_view rel) {
  return fs::path(FBL_SOURCE_DIR) / "tests" / "fixtures" / rel;
}

std::string ReadFixture(std::string_view rel) { return ReadFile(FixturePath(rel)); }

fs::path CorpusPath(std::string_view rel) {
  fs::path base = fs::path(FBL_CORPUS_DIR) / "set-of-emails";
  if (!fs::exists(base)) return {};
  return rel.empty() ? base : base / rel;
}

bool HaveCorpus() { return !CorpusPath().empty(); }

fs::path BinaryPath(std::string_view name) {
  const char* env = std::getenv("FBL_BINARY_DIR");
  fs::path dir = env != nullptr ? fs::path(env) : fs::path(FBL_BINARY_DIR);
  return dir / "fbl" / name;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace fbl::testing
