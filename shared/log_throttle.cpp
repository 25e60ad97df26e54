#include "shared/log_throttle.h"

namespace rectify {

bool LogThrottle::First(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.count(key)) {
    ++suppressed_;
    return false;
  }
  if (seen_.size() >= capacity_) seen_.clear();
  seen_.insert(key);
  return true;
}

uint64_t LogThrottle::suppressed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return suppressed_;
}

}  // namespace rectify
