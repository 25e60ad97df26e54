#include "shared/checkpoint_signer.h"

#include "shared/merkle.h"

namespace rectify {

Status CheckpointSigner::CheckExtends(const Checkpoint& next,
                                      const std::vector<Hash>& proof) const {
  if (next.size == 0 && next.root != EmptyRoot()) {
    return Status::FailedPrecondition("checkpoint: empty tree with a non-empty root");
  }
  if (!last_) return Status::OK();
  if (next.origin != last_->origin) return Status::FailedPrecondition("checkpoint: origin changed");
  if (next.size < last_->size) return Status::FailedPrecondition("checkpoint: tree shrank");
  if (last_->size == 0) {
    if (!proof.empty()) return Status::FailedPrecondition("checkpoint: proof from empty tree");
    return Status::OK();
  }
  Status s = VerifyConsistency(last_->size, next.size, last_->root, next.root, proof);
  if (!s.ok())
    return Status::FailedPrecondition("checkpoint: not consistent with last: " + s.message());
  return Status::OK();
}

Result<std::string> CheckpointSigner::Sign(const Checkpoint& next,
                                           const std::vector<Hash>& consistency_proof_from_last) {
  RECTIFY_RETURN_IF_ERROR(CheckExtends(next, consistency_proof_from_last));
  // Round-trip first: never sign text that would parse back to something else
  // (an origin with a newline would frame a different checkpoint).
  std::string body = CheckpointBody(next);
  Result<Checkpoint> back = ParseCheckpointBody(body);
  if (!back.ok() || !(*back == next)) {
    return Status::InvalidArgument("checkpoint: origin or extension lines are not valid text");
  }
  Result<std::string> note = SignNote(body, key_name_, key_);
  if (!note.ok()) return note.status();
  last_ = next;
  return note;
}

}  // namespace rectify
