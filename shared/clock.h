// Clock seam: nothing in shared/ or protocol/ reads the wall clock directly.
#pragma once

#include <cstdint>

namespace rectify {

// Milliseconds since the Unix epoch. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  static SystemClock& Instance();
};

// A clock tests set by hand. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 0) : now_(now_ms) {}
  int64_t NowMillis() const override { return now_; }
  void Set(int64_t now_ms) { now_ = now_ms; }
  void Advance(int64_t delta_ms) { now_ += delta_ms; }

 private:
  int64_t now_;
};

// A clock shifted by a fixed offset from another (a PC whose clock is wrong).
class SkewedClock final : public Clock {
 public:
  SkewedClock(const Clock& base, int64_t offset_ms) : base_(base), offset_(offset_ms) {}
  int64_t NowMillis() const override { return base_.NowMillis() + offset_; }

 private:
  const Clock& base_;
  int64_t offset_;
};

}  // namespace rectify
