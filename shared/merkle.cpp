#include "shared/merkle.h"

#include <string>

namespace rectify {
namespace {

std::string_view View(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Hash RootOfRange(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return leaves[begin];
  size_t k = MerkleSplit(n);
  return NodeHash(RootOfRange(leaves, begin, begin + k), RootOfRange(leaves, begin + k, end));
}

// RFC 9162 step "right-shift fn and sn equally until either LSB(fn) is set or fn is 0".
void ShiftUntilOddOrZero(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash LeafHash(std::string_view leaf_bytes) {
  static const char kPrefix = 0x00;
  return Sha256Concat({std::string_view(&kPrefix, 1), leaf_bytes});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  static const char kPrefix = 0x01;
  return Sha256Concat({std::string_view(&kPrefix, 1), View(left), View(right)});
}

Hash EmptyRoot() { return Sha256(""); }

uint64_t MerkleSplit(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) k <<= 1;  // k * 2 < n without overflow
  return k;
}

Hash RootOf(const std::vector<Hash>& leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyRoot();
  return RootOfRange(leaf_hashes, 0, leaf_hashes.size());
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) return Status::Corruption("inclusion: index beyond tree size");
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::Corruption("inclusion: proof too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("inclusion: proof too short");
  if (r != root) return Status::Corruption("inclusion: root mismatch");
  return Status::OK();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         const std::vector<Hash>& proof) {
  if (size2 < size1) return Status::Corruption("consistency: size2 < size1");
  if (size1 == 0)
    return Status::Corruption("consistency: proof from the empty tree is meaningless");
  if (size1 == size2) {
    if (!proof.empty()) return Status::Corruption("consistency: equal sizes need an empty proof");
    if (root1 != root2) return Status::Corruption("consistency: equal sizes, different roots");
    return Status::OK();
  }
  if (proof.empty()) return Status::Corruption("consistency: empty proof");

  // A power-of-two first tree is itself a node of the second one, so the
  // proof omits it and the verifier starts from root1.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if ((size1 & (size1 - 1)) == 0) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Status::Corruption("consistency: proof too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("consistency: proof too short");
  if (fr != root1) return Status::Corruption("consistency: first root mismatch");
  if (sr != root2) return Status::Corruption("consistency: second root mismatch");
  return Status::OK();
}

}  // namespace rectify
