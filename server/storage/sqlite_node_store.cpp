#include "server/storage/sqlite_node_store.h"

namespace rectify {

std::optional<Hash> SqliteNodeStore::Get(uint32_t level, uint64_t index) {
  // An append's left sibling is one of the two nodes Put last at its level
  // (the append Puts its own node first): served from memory, so an append
  // writes rows and reads none.
  if (level < recent_.size()) {
    for (const auto& put : recent_[level])
      if (put && put->first == index) return put->second;
  }
  auto node = txn_.GetNode(level, index);
  if (!node.ok()) {
    last_error_ = node.status();
    return std::nullopt;
  }
  return *node;
}

Status SqliteNodeStore::Put(uint32_t level, uint64_t index, const Hash& hash) {
  // Level 0 was stored with the leaf (SchoolTxn::AppendLeaf).
  if (level > 0) RECTIFY_RETURN_IF_ERROR(txn_.PutNode(level, index, hash));
  if (recent_.size() <= level) recent_.resize(level + 1);
  auto& slots = recent_[level];
  slots[index & 1] = std::make_pair(index, hash);
  return Status::OK();
}

}  // namespace rectify
