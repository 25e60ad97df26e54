#include "shared/merkle_node_store.h"

namespace rectify {

std::optional<Hash> InMemoryNodeStore::Get(uint32_t level, uint64_t index) {
  if (level >= levels_.size() || index >= levels_[level].size()) return std::nullopt;
  return levels_[level][index];
}

Status InMemoryNodeStore::Put(uint32_t level, uint64_t index, const Hash& hash) {
  if (level >= levels_.size()) levels_.resize(level + 1);
  auto& row = levels_[level];
  if (index >= row.size()) row.resize(index + 1);
  row[index] = hash;
  return Status::OK();
}

void InMemoryNodeStore::Tamper(uint32_t level, uint64_t index, const Hash& hash) {
  (void)Put(level, index, hash);
}

}  // namespace rectify
