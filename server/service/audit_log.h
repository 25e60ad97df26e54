// A school's append-only audit log (docs/design.md §5) inside one unit of work:
// leaves are stored through the SchoolTxn, hashed into an RFC 9162 Merkle
// tree whose nodes live in the same txn (SqliteNodeStore), and after each
// batch a checkpoint is signed with the district's log key by
// CheckpointSigner, which refuses to sign anything inconsistent with the
// previous checkpoint. Leaves, nodes and checkpoint commit together.
//
// Ownership: borrows the SchoolTxn, which must outlive the AuditLog.
// Thread-safety: none (a SchoolTxn belongs to one thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/service/resolver.h"
#include "server/storage/sqlite_node_store.h"
#include "server/storage/store.h"
#include "shared/checkpoint.h"
#include "shared/ed25519.h"
#include "shared/log_names.h"
#include "shared/merkle_tree.h"

namespace rectify {

class AuditLog final : public LeafSink {
 public:
  // Reads the current size of the school's log from `txn`.
  static Result<std::unique_ptr<AuditLog>> Open(SchoolTxn& txn);

  // Encodes `leaf` with its index set to the next position, stores it and
  // appends its hash to the tree. Needs a write txn.
  Result<uint64_t> Append(const AuditLeaf& leaf) override;
  uint64_t size() const { return tree_.size(); }

  // Signs and stores a checkpoint of the current size if the log grew since
  // the latest stored checkpoint (or none was ever signed and size > 0).
  // Corruption if the stored checkpoint does not verify with `key`;
  // FailedPrecondition if the new tree does not extend it.
  Status SignCheckpoint(const SigningKey& key, const std::string& log_name);

  Result<std::optional<StoredCheckpoint>> LatestCheckpoint() { return txn_.LatestCheckpoint(); }
  Result<Hash> Root(uint64_t size) { return tree_.Root(size); }
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) {
    return tree_.InclusionProof(index, size);
  }
  Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n) {
    return tree_.ConsistencyProof(m, n);
  }

 private:
  AuditLog(SchoolTxn& txn, uint64_t size) : txn_(txn), nodes_(txn), tree_(nodes_, size) {}

  SchoolTxn& txn_;
  SqliteNodeStore nodes_;
  MerkleTree tree_;
};

// Rebuilds the school's tree from its stored leaves and checks it against the
// latest stored signed checkpoint (signature, size, root, leaf indexes) and
// against the stored Merkle nodes. OK, or Corruption naming the first bad
// leaf ("leaf 17: ..."). A school with no leaves and no checkpoint is OK.
Status VerifySchoolLog(Store& store, const std::string& school_id, const VerifyingKey& key,
                       const std::string& log_name = kDefaultLogName);
// VerifySchoolLog for every school of the store; stops at the first failure,
// naming the school.
Status VerifyAllLogs(Store& store, const VerifyingKey& key,
                     const std::string& log_name = kDefaultLogName);

}  // namespace rectify
