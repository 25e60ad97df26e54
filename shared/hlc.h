// Hybrid logical clock (Kulkarni et al.): 48 bits of physical milliseconds,
// 16 bits of logical counter, packed in one uint64 so stamps compare as integers.
#pragma once

#include <cstdint>
#include <string>

#include "shared/clock.h"

namespace rectify {

struct Hlc {
  uint64_t raw = 0;

  static Hlc Make(int64_t millis, uint16_t logical) {
    return Hlc{(static_cast<uint64_t>(millis) << 16) | logical};
  }
  int64_t millis() const { return static_cast<int64_t>(raw >> 16); }
  uint16_t logical() const { return static_cast<uint16_t>(raw & 0xffff); }
  bool is_zero() const { return raw == 0; }
  // "2024-02-19T08:00:00.000Z+3" (UTC, logical counter after '+').
  std::string ToString() const;

  auto operator<=>(const Hlc&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(raw);
  }
};

// Issues monotonically increasing stamps. Never goes backwards, even when the
// underlying clock does. Not thread-safe: one per device/process, guarded by its owner.
class HlcClock {
 public:
  explicit HlcClock(const Clock& clock, Hlc last = {}) : clock_(clock), last_(last) {}
  // A stamp greater than every stamp issued or observed before.
  Hlc Now();
  // Merges a stamp received from elsewhere so later Now() calls exceed it.
  void Observe(Hlc remote);
  Hlc last() const { return last_; }

 private:
  const Clock& clock_;
  Hlc last_;
};

}  // namespace rectify
