#include "client/sync/audit_client.h"

#include <vector>

#include "client/sync/identity.h"
#include "protocol/codec.h"
#include "shared/merkle.h"
#include "shared/op.h"

namespace rectify {

Result<protocol::AuditResponse> RunAuditQuery(const SyncTarget& target, const std::string& kind,
                                              const std::string& arg, int64_t since_ms) {
  if (target.school_id.empty()) return Status::InvalidArgument("name the school with --school ID");
  protocol::AuditQuery q{kind, target.school_id, arg, since_ms};
  auto frame = RunRequest(
      target, {},
      [q](uint8_t v) { return protocol::EncodeMessage(protocol::MsgType::kAuditQuery, q, v); },
      protocol::MsgType::kAuditResponse);
  if (!frame.ok()) return frame.status();
  protocol::AuditResponse resp;
  RECTIFY_RETURN_IF_ERROR(
      protocol::DecodeMessage(*frame, protocol::MsgType::kAuditResponse, &resp));
  return resp;
}

Result<ProvenOp> ProveOwnOp(const SyncTarget& target, const std::string& device_id,
                            uint64_t device_seq) {
  protocol::ProofRequest q;
  q.device_id = device_id;
  q.device_seq = device_seq;
  auto frame = RunRequest(
      target, {},
      [q](uint8_t v) { return protocol::EncodeMessage(protocol::MsgType::kProofRequest, q, v); },
      protocol::MsgType::kProofResponse);
  if (!frame.ok()) return frame.status().Annotate("audit prove");
  protocol::ProofResponse resp;
  RECTIFY_RETURN_IF_ERROR(
      protocol::DecodeMessage(*frame, protocol::MsgType::kProofResponse, &resp));
  auto vkey = LoadLogKey(target.identity_dir);
  if (!vkey.ok()) return vkey.status();
  auto cp = VerifyNote(resp.checkpoint, vkey->name, vkey->key);
  if (!cp.ok()) return cp.status().Annotate("checkpoint");
  auto leaf = DecodeAuditLeaf(resp.leaf);
  if (!leaf.ok()) return leaf.status().Annotate("leaf");
  Op op;
  if (!DecodeOp(leaf->op_bytes, &op) || op.device_id != device_id || op.device_seq != device_seq)
    return Status::Corruption("the server returned a leaf that is not op " +
                              std::to_string(device_seq) + " of this device");
  std::vector<Hash> proof;
  for (const auto& h : resp.proof) {
    auto x = HashFromBytes(h);
    if (!x.ok()) return x.status();
    proof.push_back(*x);
  }
  Status st = VerifyInclusion(resp.leaf_index, cp->size, LeafHash(resp.leaf), proof, cp->root);
  if (!st.ok()) return st.Annotate("inclusion proof");
  return ProvenOp{resp.leaf_index, *cp, *leaf};
}

}  // namespace rectify
