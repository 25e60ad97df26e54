#include "shared/merkle_tree.h"

#include <bit>
#include <string>

namespace rectify {
namespace {

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

Status MerkleTree::Append(const Hash& leaf_hash) {
  uint64_t index = size_;
  RECTIFY_RETURN_IF_ERROR(store_.Put(0, index, leaf_hash));
  Hash h = leaf_hash;
  uint32_t level = 0;
  // An odd index is a right child: with its left sibling it completes the
  // parent, which is then final and can be stored once and for all.
  while ((index & 1) == 1) {
    Result<Hash> left = Node(level, index - 1);
    if (!left.ok()) return left.status();
    h = NodeHash(*left, h);
    index >>= 1;
    ++level;
    RECTIFY_RETURN_IF_ERROR(store_.Put(level, index, h));
  }
  ++size_;
  return Status::OK();
}

Result<Hash> MerkleTree::Root(uint64_t size) {
  if (size > size_) return Status::InvalidArgument("root: size beyond the tree");
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size);
}

Result<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t size) {
  if (size > size_ || index >= size) {
    return Status::InvalidArgument("inclusion proof: need index < size <= tree size");
  }
  std::vector<Hash> out;
  RECTIFY_RETURN_IF_ERROR(Path(index, 0, size, &out));
  return out;
}

Result<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t m, uint64_t n) {
  if (m > n || n > size_) return Status::InvalidArgument("consistency proof: need m <= n <= size");
  std::vector<Hash> out;
  if (m == 0 || m == n) return out;
  RECTIFY_RETURN_IF_ERROR(SubProof(m, 0, n, true, &out));
  return out;
}

Result<Hash> MerkleTree::Node(uint32_t level, uint64_t index) {
  std::optional<Hash> h = store_.Get(level, index);
  if (!h) {
    return Status::Corruption("merkle node missing at level " + std::to_string(level) + " index " +
                              std::to_string(index));
  }
  return *h;
}

// Precondition: [begin, end) is a range the RFC recursion visits, so `begin` is
// a multiple of the largest power of two <= end - begin. The left part of every
// split is then a stored perfect node and only the right spine recurses.
Result<Hash> MerkleTree::RangeHash(uint64_t begin, uint64_t end) {
  uint64_t n = end - begin;
  if (IsPowerOfTwo(n)) {
    uint32_t level = static_cast<uint32_t>(std::countr_zero(n));
    return Node(level, begin >> level);
  }
  uint64_t k = MerkleSplit(n);
  Result<Hash> left = RangeHash(begin, begin + k);
  if (!left.ok()) return left;
  Result<Hash> right = RangeHash(begin + k, end);
  if (!right.ok()) return right;
  return NodeHash(*left, *right);
}

Status MerkleTree::Path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>* out) {
  uint64_t n = end - begin;
  if (n == 1) return Status::OK();
  uint64_t k = MerkleSplit(n);
  Result<Hash> sibling = Status::Internal("unset");
  if (m < k) {
    RECTIFY_RETURN_IF_ERROR(Path(m, begin, begin + k, out));
    sibling = RangeHash(begin + k, end);
  } else {
    RECTIFY_RETURN_IF_ERROR(Path(m - k, begin + k, end, out));
    sibling = RangeHash(begin, begin + k);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::OK();
}

Status MerkleTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                            std::vector<Hash>* out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (whole) return Status::OK();
    Result<Hash> h = RangeHash(begin, end);
    if (!h.ok()) return h.status();
    out->push_back(*h);
    return Status::OK();
  }
  uint64_t k = MerkleSplit(n);
  Result<Hash> sibling = Status::Internal("unset");
  if (m <= k) {
    RECTIFY_RETURN_IF_ERROR(SubProof(m, begin, begin + k, whole, out));
    sibling = RangeHash(begin + k, end);
  } else {
    RECTIFY_RETURN_IF_ERROR(SubProof(m - k, begin + k, end, false, out));
    sibling = RangeHash(begin, begin + k);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::OK();
}

}  // namespace rectify
