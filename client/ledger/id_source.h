// IdSource: where row ids and device ids come from. A seam so that tests and
// the simulation get deterministic ids.
#pragma once

#include <cstdint>
#include <string>

namespace rectify {

// Not thread-safe unless stated by the implementation.
class IdSource {
 public:
  virtual ~IdSource() = default;
  // A new unique id: UUID v4 text, e.g. "0b6e1a7c-2f4d-4c1e-9a53-6f0e2d1b8c47".
  virtual std::string NewId() = 0;
};

// UUID v4 from OpenSSL RAND_bytes. Thread-safe.
class RandomIdSource final : public IdSource {
 public:
  std::string NewId() override;
  static RandomIdSource& Instance();
};

// "<prefix>-000001", "<prefix>-000002", … deterministic, for tests and simulation.
class SequentialIdSource final : public IdSource {
 public:
  explicit SequentialIdSource(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string NewId() override;

 private:
  std::string prefix_;
  uint64_t next_ = 1;
};

}  // namespace rectify
