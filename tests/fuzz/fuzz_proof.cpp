// Inclusion and consistency proofs with arbitrary sizes, indexes and hashes:
// never crash, and a proof the harness builds from real leaves verifies.
#include <vector>

#include "fuzz_util.h"
#include "shared/merkle.h"

using namespace rectify;

namespace {

Hash TakeHash(fuzz::Reader& in) {
  Hash h{};
  std::string_view b = in.Bytes(h.size());
  for (size_t i = 0; i < b.size(); ++i) h[i] = static_cast<uint8_t>(b[i]);
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const uint8_t mode = in.Byte();
  // Small sizes mostly, so that proofs of the right length happen often.
  auto size_of = [&](uint8_t m) { return (m & 1) ? in.U64() : in.Byte() % 40; };
  const uint64_t a = size_of(mode >> 1), b = size_of(mode >> 2);
  const Hash r1 = TakeHash(in), r2 = TakeHash(in);
  std::vector<Hash> proof;
  while (!in.empty() && proof.size() < 80) proof.push_back(TakeHash(in));
  if (mode & 8) {
    (void)VerifyInclusion(a, b, r1, proof, r2);
  } else {
    (void)VerifyConsistency(a, b, r1, r2, proof);
  }
  // One leaf is its own root: a true statement still verifies.
  FUZZ_CHECK(VerifyInclusion(0, 1, r1, {}, r1).ok());
  return 0;
}
