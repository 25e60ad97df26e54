#include "support/alloc_probe.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace rectify::testing {
namespace {

struct Counters {
  bool armed = false;
  long long live = 0;
  long long peak = 0;
  size_t largest = 0;
};
thread_local Counters tls;

void* Allocate(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  if (tls.armed) {
    tls.live += static_cast<long long>(malloc_usable_size(p));
    if (tls.live > tls.peak) tls.peak = tls.live;
    if (n > tls.largest) tls.largest = n;
  }
  return p;
}

void Release(void* p) {
  if (!p) return;
  if (tls.armed) tls.live -= static_cast<long long>(malloc_usable_size(p));
  std::free(p);
}

}  // namespace

AllocationProbe::AllocationProbe() { tls = Counters{true, 0, 0, 0}; }
AllocationProbe::~AllocationProbe() { tls.armed = false; }
size_t AllocationProbe::peak_bytes() const { return static_cast<size_t>(tls.peak); }
size_t AllocationProbe::largest_request() const { return tls.largest; }

}  // namespace rectify::testing

// Replacements of the global allocation functions (the aligned and nothrow
// forms keep their defaults, which end in these or in their own pairs).
void* operator new(size_t n) { return rectify::testing::Allocate(n); }
void* operator new[](size_t n) { return rectify::testing::Allocate(n); }
void operator delete(void* p) noexcept { rectify::testing::Release(p); }
void operator delete[](void* p) noexcept { rectify::testing::Release(p); }
void operator delete(void* p, size_t) noexcept { rectify::testing::Release(p); }
void operator delete[](void* p, size_t) noexcept { rectify::testing::Release(p); }
