// The district's store of evidence files (佐证材料, docs/evidence.md):
// content-addressed blobs under one directory, DIR/<sha256 hex> when complete
// and verified, DIR/<sha256 hex>.part while an upload is under way.
//
// Writes only ever append at the offset the store already holds, so a
// resent, duplicated or out-of-order chunk writes nothing and is answered
// with the offset wanted next. When the last byte arrives the whole file is
// hashed; on a mismatch the partial file is deleted and the put refused.
// The store knows nothing about schools: callers check tenancy first.
//
// Ownership: owns nothing but its directory path.
// Thread-safety: thread-safe (one mutex serialises puts; reads of complete
// blobs are lock-free since complete files are never modified).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "protocol/messages.h"
#include "shared/status.h"

namespace rectify {

struct EvidenceStoreOptions {
  uint64_t max_file_bytes = 100ull << 20;  // larger uploads are refused
};

class EvidenceStore {
 public:
  // Creates `dir` if missing.
  static Result<std::unique_ptr<EvidenceStore>> Open(const std::string& dir,
                                                     EvidenceStoreOptions options = {});

  // True if `sha_hex` is 64 lowercase hex digits (the only names accepted).
  static bool ValidSha(const std::string& sha_hex);

  // Bytes held for the blob: its size if complete, else the .part length.
  uint64_t Held(const std::string& sha_hex, bool* complete) const;

  // Appends `put.bytes` if put.offset equals the bytes held; otherwise writes
  // nothing. Refuses (InvalidArgument) a bad hash name, a size over the limit,
  // a chunk beyond total_size or larger than kMaxEvidenceChunk, a chunk whose
  // chunk_sha256 is wrong ("chunk hash wrong", nothing written) and a file
  // whose SHA-256 is not its name ("file hash mismatch", .part deleted).
  Result<protocol::ChunkAck> Put(const protocol::ChunkPut& put);

  // Up to max_len (capped at kMaxEvidenceChunk) bytes of a complete blob from
  // `offset`. NotFound if the blob is not complete here.
  Result<protocol::ChunkData> Get(const protocol::ChunkGet& get) const;

  const std::string& dir() const { return dir_; }

 private:
  EvidenceStore(std::string dir, EvidenceStoreOptions options)
      : dir_(std::move(dir)), options_(options) {}
  std::string FinalPath(const std::string& sha) const { return dir_ + "/" + sha; }
  std::string PartPath(const std::string& sha) const { return dir_ + "/" + sha + ".part"; }
  Status Finish(const std::string& sha, uint64_t total_size);

  std::string dir_;
  EvidenceStoreOptions options_;
  mutable std::mutex mu_;
};

}  // namespace rectify
