// Counts what operator new hands out on the calling thread while a probe is
// alive, so a test can assert that decoding hostile bytes stays bounded
// (docs/security.md). Linked into the suites that use it (tests/CMakeLists.txt).
#pragma once

#include <cstddef>

namespace rectify::testing {

class AllocationProbe {
 public:
  AllocationProbe();  // starts counting on this thread (probes do not nest)
  ~AllocationProbe();
  AllocationProbe(const AllocationProbe&) = delete;
  AllocationProbe& operator=(const AllocationProbe&) = delete;

  // The most bytes live at once since construction, counting only blocks
  // allocated since then.
  size_t peak_bytes() const;
  // The largest single request.
  size_t largest_request() const;
};

}  // namespace rectify::testing
