#include "server/storage/evidence_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "protocol/evidence_session.h"
#include "shared/file_env.h"
#include "shared/sha256.h"

namespace rectify {

namespace fs = std::filesystem;

// The reason of a file error without the server's path: clients are told
// why their upload stopped, never where the district keeps its files.
static std::string Reason(const Status& st) {
  const std::string& m = st.message();
  const size_t colon = m.rfind(": ");
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

Result<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(const std::string& dir,
                                                           EvidenceStoreOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  return std::unique_ptr<EvidenceStore>(new EvidenceStore(dir, options));
}

bool EvidenceStore::ValidSha(const std::string& sha_hex) {
  if (sha_hex.size() != 64) return false;
  for (char c : sha_hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

uint64_t EvidenceStore::Held(const std::string& sha, bool* complete) const {
  *complete = false;
  if (!ValidSha(sha)) return 0;
  std::error_code ec;
  uint64_t size = fs::file_size(FinalPath(sha), ec);
  if (!ec) {
    *complete = true;
    return size;
  }
  size = fs::file_size(PartPath(sha), ec);
  return ec ? 0 : size;
}

Result<protocol::ChunkAck> EvidenceStore::Put(const protocol::ChunkPut& put) {
  if (!ValidSha(put.sha256)) return Status::InvalidArgument("bad evidence hash name");
  if (put.total_size == 0)
    return Status::InvalidArgument("evidence " + put.sha256 + ": empty file");
  if (put.total_size > options_.max_file_bytes)
    return Status::InvalidArgument(
        "evidence " + put.sha256 + ": " + std::to_string(put.total_size) +
        " bytes is over the server's limit of " + std::to_string(options_.max_file_bytes));
  if (put.bytes.size() > protocol::kMaxEvidenceChunk || put.offset > put.total_size ||
      put.bytes.size() > put.total_size - put.offset)
    return Status::InvalidArgument("evidence " + put.sha256 + ": chunk out of bounds");
  if (HashBytes(Sha256(put.bytes)) != put.chunk_sha256)
    return Status::InvalidArgument("evidence " + put.sha256 + ": chunk hash wrong");

  std::lock_guard<std::mutex> lock(mu_);
  protocol::ChunkAck ack;
  ack.sha256 = put.sha256;
  bool complete = false;
  const uint64_t held = Held(put.sha256, &complete);
  // A duplicate, a stale resend or a chunk from the future: write nothing,
  // tell the client where to go on. Dedupe across devices falls out of this.
  // A .part that holds every byte but was never finished (the disk failed
  // between the last write and the rename): finish it now.
  if (!complete && held == put.total_size && held > 0) {
    RECTIFY_RETURN_IF_ERROR(Finish(put.sha256, put.total_size));
    ack.next_offset = held;
    ack.complete = true;
    return ack;
  }
  if (complete || put.offset != held || put.bytes.empty()) {
    ack.next_offset = held;
    ack.complete = complete;
    return ack;
  }
  // A failed append may leave a prefix of the chunk: the bytes are right
  // (content-addressed), so the next put resumes after them (docs/evidence.md).
  if (Status st = FileEnv::Current().Append(PartPath(put.sha256), put.bytes); !st.ok())
    return Status::IOError("cannot store evidence " + put.sha256 + ": " + Reason(st));
  ack.next_offset = held + put.bytes.size();
  if (ack.next_offset == put.total_size) {
    RECTIFY_RETURN_IF_ERROR(Finish(put.sha256, put.total_size));
    ack.complete = true;
  }
  return ack;
}

Status EvidenceStore::Finish(const std::string& sha, uint64_t total_size) {
  const std::string part = PartPath(sha);
  uint64_t size = 0;
  auto hex = FileSha256Hex(part, &size);
  if (!hex.ok()) return hex.status();
  if (*hex != sha || size != total_size) {
    std::error_code ec;
    fs::remove(part, ec);
    return Status::InvalidArgument("evidence " + sha + ": file hash mismatch, upload discarded");
  }
  // Durable before it is visible: a complete blob is never short after a crash.
  FileEnv& env = FileEnv::Current();
  Status st = env.Sync(part);
  if (st.ok()) st = env.Rename(part, FinalPath(sha));
  if (!st.ok()) return Status::IOError("cannot store evidence " + sha + ": " + Reason(st));
  return Status::OK();
}

Result<protocol::ChunkData> EvidenceStore::Get(const protocol::ChunkGet& get) const {
  if (!ValidSha(get.sha256)) return Status::InvalidArgument("bad evidence hash name");
  std::ifstream in(FinalPath(get.sha256), std::ios::binary);
  if (!in) return Status::NotFound("the server does not hold evidence " + get.sha256);
  protocol::ChunkData data;
  data.sha256 = get.sha256;
  in.seekg(0, std::ios::end);
  data.total_size = static_cast<uint64_t>(in.tellg());
  if (get.offset > data.total_size)
    return Status::InvalidArgument("evidence " + get.sha256 + ": offset beyond the end");
  data.offset = get.offset;
  const uint64_t len =
      std::min<uint64_t>({get.max_len, protocol::kMaxEvidenceChunk, data.total_size - get.offset});
  data.bytes.resize(len);
  in.seekg(static_cast<std::streamoff>(get.offset));
  in.read(data.bytes.data(), static_cast<std::streamsize>(len));
  if (!in) return Status::IOError("cannot read evidence " + get.sha256);
  return data;
}

}  // namespace rectify
