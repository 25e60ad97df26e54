// The device's content-addressed store of evidence files (docs/evidence.md):
// DIR/<sha256 hex> for complete, verified blobs; DIR/<sha256 hex>.part while
// a download is under way. DIR is the ledger file's path + ".evidence".
// Blobs are never modified once complete.
//
// Ownership: owns nothing but the directory path.
// Thread-safety: not thread-safe; one command uses it at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

struct BlobInfo {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
};

class LocalEvidenceStore {
 public:
  explicit LocalEvidenceStore(std::string dir) : dir_(std::move(dir)) {}
  static std::string DirFor(const std::string& db_path) { return db_path + ".evidence"; }

  // Hashes `path` while streaming it, refuses it (InvalidArgument) if larger
  // than max_bytes or empty, and copies it in unless already held. The copy
  // is hashed again, so a file changed while being added is refused.
  Result<BlobInfo> AddFile(const std::string& path, uint64_t max_bytes);

  bool Has(const std::string& sha256) const;            // complete blob present
  std::string PathOf(const std::string& sha256) const;  // of the complete blob
  uint64_t PartSize(const std::string& sha256) const;   // bytes of a download so far
  // Up to `len` bytes from `offset` of a complete blob.
  Result<std::string> Read(const std::string& sha256, uint64_t offset, uint32_t len) const;
  // Appends to the .part file; `offset` must equal PartSize (else InvalidArgument).
  Status AppendPart(const std::string& sha256, uint64_t offset, const std::string& bytes);
  // Verifies the .part against its name and makes it the blob; on a mismatch
  // the .part is deleted and Corruption returned.
  Status CommitPart(const std::string& sha256);
  // Stores `bytes` as the blob `sha256` (temp file + rename) unless already
  // held; Corruption if the bytes do not hash to the name (nothing written).
  // For files that arrive whole, e.g. inside an offline bundle.
  Status PutBlob(const std::string& sha256, std::string_view bytes);
  // Copies a complete blob to `out_path` atomically (temp file + rename),
  // checking its hash first.
  Status Export(const std::string& sha256, const std::string& out_path) const;

  const std::string& dir() const { return dir_; }

 private:
  Status EnsureDir() const;
  std::string PartPath(const std::string& sha256) const { return PathOf(sha256) + ".part"; }

  std::string dir_;
};

}  // namespace rectify
