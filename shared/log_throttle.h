// Says whether a log line about `key` is the first one (docs/security.md,
// "Limits an operator can see"): a refused peer is logged once, not once per
// connection or per frame, so a hostile or misconfigured client cannot fill
// the log. Bounded: after `capacity` distinct keys it forgets them all and
// starts again (a peer may then be logged once more). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>

namespace rectify {

class LogThrottle {
 public:
  explicit LogThrottle(size_t capacity = 10000) : capacity_(capacity) {}
  // True the first time `key` is seen; false (and counted) afterwards.
  bool First(const std::string& key);
  uint64_t suppressed() const;

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::unordered_set<std::string> seen_;
  uint64_t suppressed_ = 0;
};

}  // namespace rectify
