// RFC 6962 / RFC 9162 §2.1 Merkle tree hashing and proof verification.
//
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   empty root = SHA-256("")
//   MTH(D[0:n]) splits at k = the largest power of two strictly less than n.
//
// Pure, thread-safe functions. The tree that produces proofs is MerkleTree
// (shared/merkle_tree.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "shared/sha256.h"
#include "shared/status.h"

namespace rectify {

Hash LeafHash(std::string_view leaf_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// The largest power of two strictly less than n. Precondition: n >= 2.
uint64_t MerkleSplit(uint64_t n);

// Reference MTH over all leaf hashes (O(n) time). For tests, for verifying
// a whole export, and for the server's low tree levels (at most 8 leaves).
Hash RootOf(const std::vector<Hash>& leaf_hashes);

// RFC 9162 §2.1.3.2. OK iff `proof` proves that `leaf_hash` is leaf `index` of
// the tree of `size` leaves whose root is `root`; Corruption otherwise.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 §2.1.4.2. OK iff `proof` proves that the tree of `size1` leaves with
// `root1` is a prefix of the tree of `size2` leaves with `root2`. size1 == size2
// needs an empty proof and equal roots. size1 == 0 is rejected: every tree
// extends the empty tree, so there is nothing to verify and callers that have
// no previous checkpoint must skip the check instead.
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         const std::vector<Hash>& proof);

}  // namespace rectify
