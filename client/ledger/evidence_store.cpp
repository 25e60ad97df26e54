#include "client/ledger/evidence_store.h"

#include <filesystem>
#include <fstream>

#include "shared/sha256.h"

namespace rectify {

namespace fs = std::filesystem;

Status LocalEvidenceStore::EnsureDir() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create " + dir_ + ": " + ec.message());
  return Status::OK();
}

std::string LocalEvidenceStore::PathOf(const std::string& sha256) const {
  return dir_ + "/" + sha256;
}

bool LocalEvidenceStore::Has(const std::string& sha256) const {
  std::error_code ec;
  return !sha256.empty() && fs::is_regular_file(PathOf(sha256), ec);
}

uint64_t LocalEvidenceStore::PartSize(const std::string& sha256) const {
  std::error_code ec;
  const uint64_t size = fs::file_size(PartPath(sha256), ec);
  return ec ? 0 : size;
}

Result<BlobInfo> LocalEvidenceStore::AddFile(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  const uint64_t pre = fs::file_size(path, ec);
  if (ec) return Status::NotFound("cannot read " + path + ": " + ec.message());
  if (pre == 0) return Status::InvalidArgument(path + " is empty");
  // Checked before hashing so a huge file is refused at once.
  if (pre > max_bytes)
    return Status::InvalidArgument(path + " is " + std::to_string(pre) +
                                   " bytes, over the limit of " + std::to_string(max_bytes) +
                                   " (--max-bytes)");
  BlobInfo info;
  auto sha = FileSha256Hex(path, &info.size);
  if (!sha.ok()) return sha.status();
  info.sha256 = *sha;
  if (Has(info.sha256)) return info;
  RECTIFY_RETURN_IF_ERROR(EnsureDir());
  const std::string tmp = PathOf(info.sha256) + ".adding";
  fs::copy_file(path, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IOError("cannot copy " + path + " into " + dir_ + ": " + ec.message());
  auto again = FileSha256Hex(tmp, nullptr);
  if (!again.ok() || *again != info.sha256) {
    fs::remove(tmp, ec);
    return Status::FailedPrecondition(path + " changed while it was being added; try again");
  }
  fs::rename(tmp, PathOf(info.sha256), ec);
  if (ec) return Status::IOError("cannot store " + path + ": " + ec.message());
  return info;
}

Result<std::string> LocalEvidenceStore::Read(const std::string& sha256, uint64_t offset,
                                             uint32_t len) const {
  std::ifstream in(PathOf(sha256), std::ios::binary);
  if (!in) return Status::NotFound("evidence " + sha256 + " is not in " + dir_);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(len, '\0');
  in.read(out.data(), len);
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

Status LocalEvidenceStore::AppendPart(const std::string& sha256, uint64_t offset,
                                      const std::string& bytes) {
  RECTIFY_RETURN_IF_ERROR(EnsureDir());
  if (offset != PartSize(sha256))
    return Status::InvalidArgument("evidence " + sha256 + ": chunk at " + std::to_string(offset) +
                                   " does not continue the partial download");
  std::ofstream out(PartPath(sha256), std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) return Status::IOError("cannot write " + PartPath(sha256));
  return Status::OK();
}

Status LocalEvidenceStore::CommitPart(const std::string& sha256) {
  auto hex = FileSha256Hex(PartPath(sha256), nullptr);
  if (!hex.ok()) return hex.status();
  std::error_code ec;
  if (*hex != sha256) {
    fs::remove(PartPath(sha256), ec);
    return Status::Corruption("downloaded evidence " + sha256 + " has hash " + *hex +
                              "; discarded");
  }
  fs::rename(PartPath(sha256), PathOf(sha256), ec);
  if (ec) return Status::IOError("cannot store evidence " + sha256 + ": " + ec.message());
  return Status::OK();
}

Status LocalEvidenceStore::PutBlob(const std::string& sha256, std::string_view bytes) {
  if (HashToHex(Sha256(bytes)) != sha256)
    return Status::Corruption("evidence " + sha256 + ": the bytes do not hash to the name");
  if (Has(sha256)) return Status::OK();
  RECTIFY_RETURN_IF_ERROR(EnsureDir());
  const std::string tmp = PathOf(sha256) + ".adding";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Status::IOError("cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, PathOf(sha256), ec);
  if (ec) return Status::IOError("cannot store evidence " + sha256 + ": " + ec.message());
  return Status::OK();
}

Status LocalEvidenceStore::Export(const std::string& sha256, const std::string& out_path) const {
  auto hex = FileSha256Hex(PathOf(sha256), nullptr);
  if (!hex.ok()) return hex.status();
  if (*hex != sha256) return Status::Corruption("local copy of evidence " + sha256 + " is damaged");
  const std::string tmp = out_path + ".rectify-tmp";
  std::error_code ec;
  fs::copy_file(PathOf(sha256), tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IOError("cannot write " + tmp + ": " + ec.message());
  fs::rename(tmp, out_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::IOError("cannot write " + out_path);
  }
  return Status::OK();
}

}  // namespace rectify
