#include "common/table_memory.h"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qun {

void* AllocateTable(size_t bytes) noexcept {
  if (bytes < kHugePageBytes) return std::malloc(bytes == 0 ? 1 : bytes);
  // aligned_alloc wants a multiple of the alignment; whole huge pages also
  // keep the block's tail from sharing a huge page with other data.
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  if (rounded < bytes) return nullptr;  // overflow
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Before the first touch, so the pages are huge from the start. A failure
  // (no THP in this kernel) leaves ordinary pages: nothing to report.
  if (p != nullptr) (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

void FreeTable(void* p) noexcept { std::free(p); }

}  // namespace qun
