#include "server/sqlite_node_store.h"

namespace rectify {

std::optional<Hash> SqliteNodeStore::Get(uint32_t level, uint64_t index) {
  auto node = txn_.GetNode(level, index);
  if (!node.ok()) {
    last_error_ = node.status();
    return std::nullopt;
  }
  return *node;
}

Status SqliteNodeStore::Put(uint32_t level, uint64_t index, const Hash& hash) {
  return txn_.PutNode(level, index, hash);
}

}  // namespace rectify
