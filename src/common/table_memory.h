// Memory for large, read-mostly lookup tables (the moderation automaton's
// rows and cells): random lookups across megabytes of table otherwise miss
// the TLB on most steps, which on a virtual machine (nested page tables)
// costs as much as the lookup itself. Blocks of at least kHugePageBytes are
// aligned to 2 MB and marked for transparent huge pages (Linux
// madvise(MADV_HUGEPAGE); a hint: without THP it is ordinary memory).
// Measured in docs/moderation.md#results.
//
// TableAllocator<T> is a stateless standard allocator (all instances are
// equal), so std::vector<T, TableAllocator<T>> moves and swaps like a plain
// vector. Thread-safety: as malloc.
#ifndef QUN_COMMON_TABLE_MEMORY_H_
#define QUN_COMMON_TABLE_MEMORY_H_

#include <cstddef>
#include <limits>
#include <new>

namespace qun {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Returns at least `bytes` bytes (nullptr if out of memory); blocks of
// kHugePageBytes or more are kHugePageBytes-aligned and advised as huge
// pages. Free with FreeTable.
void* AllocateTable(size_t bytes) noexcept;
void FreeTable(void* p) noexcept;

template <typename T>
class TableAllocator {
 public:
  using value_type = T;
  TableAllocator() noexcept = default;
  template <typename U>
  TableAllocator(const TableAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    void* p = AllocateTable(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { FreeTable(p); }

  template <typename U>
  bool operator==(const TableAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace qun

#endif  // QUN_COMMON_TABLE_MEMORY_H_
