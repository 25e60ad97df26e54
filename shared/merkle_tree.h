// MerkleTree: an append-only RFC 9162 Merkle tree over a NodeStore, producing
// roots and inclusion/consistency proofs for any size up to the current one.
//
// Cost: Append does O(log n) Get/Put calls on the store (it stores the leaf and
// every perfect subtree the leaf completes); Root, InclusionProof and
// ConsistencyProof do O(log n) Gets, composing a non-perfect range from at most
// log2(n) perfect nodes.
//
// Ownership: borrows `store`, which must outlive the tree. The caller persists
// the size (e.g. in the same transaction as the Puts) and passes it back at
// construction. Thread-compatible: external locking for concurrent use.
#pragma once

#include <cstdint>
#include <vector>

#include "shared/merkle.h"
#include "shared/merkle_node_store.h"

namespace rectify {

class MerkleTree {
 public:
  // `size` is the number of leaves already in `store`.
  MerkleTree(NodeStore& store, uint64_t size) : store_(store), size_(size) {}

  uint64_t size() const { return size_; }

  // Appends one leaf hash (LeafHash(bytes)). Not atomic if the store fails
  // midway: the caller must roll back its transaction on error.
  Status Append(const Hash& leaf_hash);

  // Root of the tree of the first `size` leaves; EmptyRoot() for 0.
  // Precondition (else InvalidArgument): size <= this->size().
  Result<Hash> Root(uint64_t size);
  Result<Hash> Root() { return Root(size_); }

  // RFC 9162 §2.1.3.1 PATH(index, D[0:size]). Requires index < size <= size().
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);

  // RFC 9162 §2.1.4.1 PROOF(m, D[0:n]). Requires m <= n <= size(); empty for
  // m == n and for m == 0 (see VerifyConsistency about size 0).
  Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n);

 private:
  Result<Hash> Node(uint32_t level, uint64_t index);
  Result<Hash> RangeHash(uint64_t begin, uint64_t end);
  Status Path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>* out);
  Status SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<Hash>* out);

  NodeStore& store_;
  uint64_t size_;
};

}  // namespace rectify
