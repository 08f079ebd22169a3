// bench_page_read FILE [PAGES]
//
// What one database page costs to read on this machine when it is already in the kernel's page
// cache but not in the process: the price of a suppression check whose addresses are not in
// SQLite's own cache (BENCHMARKS.md "## API"). Reads PAGES (default 20,000) random 4 KiB pages
// of FILE three ways, three rounds each:
//   pread        one system call per page, as SQLite reads with mmap_size = 0 (fbl's default);
//   mmap, first  memcpy from a fresh read-only mapping: one page fault per page (the kernel maps
//                neighbours already cached too), as SQLite with mmap_size > 0 on pages not yet
//                touched; every such page then counts in the process's resident memory;
//   mmap, warm   the same pages again through the same mapping: no kernel entry at all.
// Read the file once beforehand (cat FILE >/dev/null) so that every page is cached.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr std::size_t kPage = 4096;

double MicrosPerPage(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to,
                     std::size_t pages) {
  return std::chrono::duration<double, std::micro>(to - from).count() / static_cast<double>(pages);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_page_read FILE [PAGES]\n");
    return 64;
  }
  const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < kPage) {
    std::perror(argv[1]);
    return 66;
  }
  const std::size_t file_pages = static_cast<std::size_t>(st.st_size) / kPage;
  const std::size_t n = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20000;
  std::mt19937_64 rng(20261129);
  std::vector<std::size_t> at(n);
  for (std::size_t& p : at) p = rng() % file_pages;
  std::vector<char> buf(kPage);
  std::uint64_t sum = 0;  // keeps the copies from being optimised away
  std::printf("%s: %zu pages of 4 KiB, %zu random reads per round\n", argv[1], file_pages, n);
  for (int round = 1; round <= 3; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t p : at) {
      if (pread(fd, buf.data(), kPage, static_cast<off_t>(p * kPage)) != static_cast<ssize_t>(kPage)) return 74;
      sum += static_cast<unsigned char>(buf[100]);
    }
    const auto t1 = std::chrono::steady_clock::now();
    void* mapped = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) return 71;
    const char* m = static_cast<const char*>(mapped);
    const auto t2 = std::chrono::steady_clock::now();
    for (std::size_t p : at) std::memcpy(buf.data(), m + p * kPage, kPage), sum += static_cast<unsigned char>(buf[100]);
    const auto t3 = std::chrono::steady_clock::now();
    for (std::size_t p : at) std::memcpy(buf.data(), m + p * kPage, kPage), sum += static_cast<unsigned char>(buf[100]);
    const auto t4 = std::chrono::steady_clock::now();
    munmap(mapped, static_cast<std::size_t>(st.st_size));
    std::printf("round %d: pread %.2f us/page, mmap first touch %.2f us/page, mmap warm %.2f us/page\n", round,
                MicrosPerPage(t0, t1, n), MicrosPerPage(t2, t3, n), MicrosPerPage(t3, t4, n));
  }
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(sum));
  close(fd);
  return 0;
}
