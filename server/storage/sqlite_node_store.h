// NodeStore (shared/merkle_node_store.h) over a SchoolTxn, so Merkle nodes are
// written in the same unit of work as the leaves they hash: a batch commits
// its leaves, nodes and checkpoint together or not at all. Despite the file
// name it works over any Store implementation (SQLite today).
//
// Ownership: borrows `txn`, which must outlive this object. Not thread-safe
// (a SchoolTxn belongs to one thread).
#pragma once

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "server/storage/store.h"
#include "shared/merkle_node_store.h"

namespace rectify {

class SqliteNodeStore final : public NodeStore {
 public:
  explicit SqliteNodeStore(SchoolTxn& txn) : txn_(txn) {}

  // nullopt for a missing node and for a read error; the error is kept in
  // last_error() so the caller can tell "tampered" from "disk failed".
  std::optional<Hash> Get(uint32_t level, uint64_t index) override;
  Status Put(uint32_t level, uint64_t index, const Hash& hash) override;

  const Status& last_error() const { return last_error_; }

 private:
  SchoolTxn& txn_;
  Status last_error_;
  // Per level, the last even and the last odd node Put (written through;
  // nodes never change).
  std::vector<std::array<std::optional<std::pair<uint64_t, Hash>>, 2>> recent_;
};

}  // namespace rectify
