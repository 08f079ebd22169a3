// A main() for the fuzz targets when they are built without libFuzzer (g++, the CI build):
// runs LLVMFuzzerTestOneInput over every seed file given (files or directories), then over
// deterministic mutations of them (truncation, byte flips, insertions, splices), so every
// CI run replays the seed corpus plus a fixed, reproducible neighbourhood of it. A crash,
// sanitizer report or __builtin_trap fails the test.
//   fuzz_replay_<name> [--mutations N] PATH...     (default N = 64 per seed)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Collect(const fs::path& path, std::vector<std::string>* seeds) {
  if (fs::is_directory(path)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(path)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());  // a fixed order keeps the mutations reproducible
    for (const auto& f : files) seeds->push_back(ReadAll(f));
  } else if (fs::is_regular_file(path)) {
    seeds->push_back(ReadAll(path));
  } else {
    std::fprintf(stderr, "no such seed: %s\n", path.c_str());
    std::exit(2);
  }
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  std::string s = seeds[pick(seeds.size())];
  int rounds = 1 + static_cast<int>(pick(4));
  for (int r = 0; r < rounds; ++r) {
    switch (pick(6)) {
      case 0: s.resize(pick(s.size() + 1)); break;                                  // truncate
      case 1: if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << pick(8)); break;  // flip
      case 2: s.insert(pick(s.size() + 1), 1, static_cast<char>(pick(256))); break;  // insert byte
      case 3: {                                                                       // splice
        const std::string& other = seeds[pick(seeds.size())];
        std::size_t at = pick(other.size() + 1);
        s = s.substr(0, pick(s.size() + 1)) + other.substr(at);
        break;
      }
      case 4: {                                                                       // repeat a chunk
        std::size_t at = pick(s.size() + 1);
        std::string chunk = s.substr(at, pick(64));
        for (int i = 0; i < 32 && s.size() < (1 << 20); ++i) s.insert(at, chunk);
        break;
      }
      default: if (!s.empty()) s[pick(s.size())] = "\0\r\n\"\\{}[]=:%<>@"[pick(15)]; break;  // special byte
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 64;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
    } else {
      Collect(a, &seeds);
    }
  }
  if (seeds.empty()) seeds.push_back("");
  for (const auto& s : seeds) Run(s);
  std::mt19937 rng(20261128);
  long total = mutations * static_cast<long>(seeds.size());
  for (long i = 0; i < total; ++i) Run(Mutate(seeds, rng));
  std::printf("replayed %zu seeds and %ld mutations\n", seeds.size(), total);
  return 0;
}
