// NodeStore: where a MerkleTree keeps its perfect-subtree hashes.
//
// Node (level, index) is the root of the perfect subtree over leaves
// [index * 2^level, (index + 1) * 2^level); level 0 holds the leaf hashes.
// Only perfect subtrees are ever stored, so a node once written never changes
// (the log is append-only). The server implements this over SQL; the
// implementation must make Put durable together with the caller's transaction.
//
// Thread-safety: implementations need not be thread-safe; a MerkleTree and its
// store are used by one thread at a time (external locking otherwise).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "shared/sha256.h"
#include "shared/status.h"

namespace rectify {

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // The stored hash, or nullopt if the node was never written (or the backing
  // store failed to read it; MerkleTree reports either as Corruption).
  virtual std::optional<Hash> Get(uint32_t level, uint64_t index) = 0;
  virtual Status Put(uint32_t level, uint64_t index, const Hash& hash) = 0;
};

// In-memory NodeStore (dense vectors per level). For tests, benchmarks and the
// offline verifier. Not thread-safe.
class InMemoryNodeStore : public NodeStore {
 public:
  std::optional<Hash> Get(uint32_t level, uint64_t index) override;
  Status Put(uint32_t level, uint64_t index, const Hash& hash) override;

  // Test hook: overwrite a stored node as an attacker with disk access would.
  void Tamper(uint32_t level, uint64_t index, const Hash& hash);

 private:
  std::vector<std::vector<std::optional<Hash>>> levels_;
};

}  // namespace rectify
