#include "server/service/audit_log.h"

#include "shared/audit_export_verify.h"
#include "shared/checkpoint_signer.h"
#include "shared/merkle.h"

namespace rectify {

Result<std::unique_ptr<AuditLog>> AuditLog::Open(SchoolTxn& txn) {
  auto size = txn.LeafCount();
  if (!size.ok()) return size.status();
  return std::unique_ptr<AuditLog>(new AuditLog(txn, *size));
}

Result<uint64_t> AuditLog::Append(const AuditLeaf& leaf) {
  AuditLeaf indexed = leaf;
  indexed.index = tree_.size();
  auto bytes = EncodeAuditLeaf(indexed);
  if (!bytes.ok()) return bytes.status();
  const Hash leaf_hash = LeafHash(*bytes);
  auto index = txn_.AppendLeaf(*bytes, leaf_hash);
  if (!index.ok()) return index.status();
  if (*index != indexed.index)
    return Status::Corruption("leaf table and Merkle tree disagree on the log size (" +
                              std::to_string(*index) + " vs " + std::to_string(indexed.index) +
                              ")");
  RECTIFY_RETURN_IF_ERROR(tree_.Append(leaf_hash));
  return *index;
}

Status AuditLog::SignCheckpoint(const SigningKey& key, const std::string& log_name) {
  auto stored = txn_.LatestCheckpoint();
  if (!stored.ok()) return stored.status();
  std::optional<Checkpoint> last;
  if (stored->has_value()) {
    // The stored note is re-verified rather than trusted: signing on top of
    // a tampered checkpoint would launder the tampering.
    auto cp = VerifyNote((*stored)->note, log_name, VerifyingKey::FromSigningKey(key));
    if (!cp.ok()) return cp.status().Annotate("latest stored checkpoint");
    last = *cp;
  }
  const uint64_t size = tree_.size();
  if (size == 0 || (last && last->size == size)) return Status::OK();
  auto root = tree_.Root(size);
  if (!root.ok()) return root.status();
  auto proof = tree_.ConsistencyProof(last ? last->size : 0, size);
  if (!proof.ok()) return proof.status();
  Checkpoint next{LogOrigin(log_name, txn_.school_id()), size, *root, {}};
  CheckpointSigner signer(key, log_name, last);
  auto note = signer.Sign(next, *proof);
  if (!note.ok()) return note.status();
  return txn_.SaveCheckpoint(StoredCheckpoint{size, *note});
}

namespace {

// Names the first leaf whose hash differs from the stored level-0 node: an
// edit of the leaf table alone is pinned to the exact leaf this way.
Status CheckAgainstNodes(SchoolTxn& txn, const std::vector<std::string>& leaves) {
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    auto node = txn.GetNode(0, i);
    if (!node.ok()) return node.status();
    if (!node->has_value())
      return Status::Corruption("leaf " + std::to_string(i) + ": no stored Merkle node");
    if (**node != LeafHash(leaves[i]))
      return Status::Corruption("leaf " + std::to_string(i) +
                                ": does not match the hash recorded when it was appended");
  }
  return Status::OK();
}

}  // namespace

Status VerifySchoolLog(Store& store, const std::string& school_id, const VerifyingKey& key,
                       const std::string& log_name) {
  auto txn = store.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  auto count = (*txn)->LeafCount();
  if (!count.ok()) return count.status();
  auto leaves = (*txn)->ReadLeaves(0, *count);
  if (!leaves.ok()) return leaves.status();
  if (leaves->size() != *count)
    return Status::Corruption("school " + school_id + ": " + std::to_string(*count) +
                              " leaf indexes but " + std::to_string(leaves->size()) +
                              " leaves stored (a leaf was deleted)");
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  if (!cp->has_value()) {
    if (leaves->empty()) return Status::OK();
    return Status::Corruption("school " + school_id + ": leaves but no signed checkpoint");
  }
  std::vector<std::string> signed_part(
      leaves->begin(), leaves->begin() + static_cast<std::ptrdiff_t>(
                                             std::min<uint64_t>((*cp)->size, leaves->size())));
  Status nodes = CheckAgainstNodes(**txn, signed_part);
  Checkpoint verified;
  Status st = VerifyExport(signed_part, (*cp)->note, log_name, key, {}, &verified);
  if (!st.ok()) {
    // Prefer the exact leaf the node comparison names.
    if (!nodes.ok()) return nodes.Annotate("school " + school_id);
    return st.Annotate("school " + school_id);
  }
  if (!nodes.ok()) return nodes.Annotate("school " + school_id);
  if (verified.origin != LogOrigin(log_name, school_id))
    return Status::Corruption("school " + school_id + ": checkpoint origin is '" + verified.origin +
                              "'");
  if (leaves->size() != verified.size)
    return Status::Corruption("school " + school_id + ": " + std::to_string(leaves->size()) +
                              " leaves but the signed checkpoint covers " +
                              std::to_string(verified.size));
  // The stored tree must agree too, or later proofs would not verify.
  SqliteNodeStore node_store(**txn);
  MerkleTree tree(node_store, *count);
  auto root = tree.Root(verified.size);
  if (!root.ok() || *root != verified.root)
    return Status::Corruption("school " + school_id +
                              ": stored Merkle nodes do not match the signed root");
  return Status::OK();
}

Status VerifyAllLogs(Store& store, const VerifyingKey& key, const std::string& log_name) {
  auto schools = store.ListSchools();
  if (!schools.ok()) return schools.status();
  for (const auto& school : *schools)
    RECTIFY_RETURN_IF_ERROR(VerifySchoolLog(store, school, key, log_name));
  return Status::OK();
}

}  // namespace rectify
