// CheckpointSigner: the only way the server signs checkpoints, so that it
// never signs two checkpoints that are inconsistent with each other.
//
// It remembers the last checkpoint it signed (given at construction; the
// caller persists it durably BEFORE publishing a returned note, and passes it
// back after a restart). Thread-compatible: serialize calls per log.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "shared/checkpoint.h"
#include "shared/ed25519.h"

namespace rectify {

class CheckpointSigner {
 public:
  // `last`: the last checkpoint signed for this log, or nullopt for a new log.
  CheckpointSigner(SigningKey key, std::string key_name, std::optional<Checkpoint> last)
      : key_(std::move(key)), key_name_(std::move(key_name)), last_(std::move(last)) {}

  // Signs `next` and makes it the new last checkpoint. FailedPrecondition
  // (and nothing signed) if `next` changes the origin, is smaller than the
  // last one, or `consistency_proof_from_last` does not prove that the last
  // tree is a prefix of `next` (RFC 9162 §2.1.4.2). From a last size of 0, or
  // at the same size with the same root, the proof must be empty.
  Result<std::string> Sign(const Checkpoint& next,
                           const std::vector<Hash>& consistency_proof_from_last);

  const std::optional<Checkpoint>& last() const { return last_; }
  const std::string& key_name() const { return key_name_; }

 private:
  Status CheckExtends(const Checkpoint& next, const std::vector<Hash>& proof) const;

  SigningKey key_;
  std::string key_name_;
  std::optional<Checkpoint> last_;
};

}  // namespace rectify
