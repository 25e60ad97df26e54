// Helpers shared by the libFuzzer harnesses (docs/security.md, "Fuzzing").
// Each harness is one file with LLVMFuzzerTestOneInput; a harness aborts
// (FUZZ_CHECK) only when an invariant of a decoder breaks, never because the
// input is bad.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace rectify::fuzz {

// Consumes a fuzzer input front to back; past the end everything is zero/empty.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : in_(reinterpret_cast<const char*>(data), size) {}
  uint8_t Byte() { return pos_ < in_.size() ? static_cast<uint8_t>(in_[pos_++]) : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }
  std::string_view Bytes(size_t n) {
    n = n < in_.size() - pos_ ? n : in_.size() - pos_;
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view Rest() { return Bytes(in_.size() - pos_); }
  bool empty() const { return pos_ >= in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace rectify::fuzz
