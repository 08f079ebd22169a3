// The C library's allocator, set up for a long-running server.
#pragma once

namespace fbl {

// glibc gives the free memory at the top of a heap back to the kernel as soon as it exceeds
// 128 KiB, and moves its mmap threshold with the sizes freed. A check of 1,000 addresses on
// the API allocates and frees about 250 KiB (request body, rows, answer), so every call shrank
// the heap and grew it again: a system call and some sixty page faults per call, 16% of the
// check's CPU (BENCHMARKS.md, "## API", sixth session). This keeps up to 2 MiB free per heap
// and sends blocks of 1 MiB or more straight to mmap (returned to the kernel when freed).
// Process-wide: call once at the start of main, before any thread starts. Does nothing on a
// C library other than glibc.
void TuneAllocatorForServing();

}  // namespace fbl
