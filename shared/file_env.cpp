#include "shared/file_env.h"

#include <algorithm>

#include "shared/file_io.h"

namespace rectify {

namespace {

class PosixFileEnv : public FileEnv {
 public:
  Status Append(const std::string& path, std::string_view bytes) override {
    return AppendToFile(path, bytes);
  }
  Status Sync(const std::string& path) override { return SyncFile(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return RenameDurably(from, to);
  }
};

PosixFileEnv& Posix() {
  static PosixFileEnv env;
  return env;
}

std::atomic<FileEnv*> g_current{nullptr};

}  // namespace

FileEnv& FileEnv::Current() {
  FileEnv* env = g_current.load(std::memory_order_acquire);
  return env ? *env : Posix();
}

void FileEnv::InstallForTesting(FileEnv* env) { g_current.store(env, std::memory_order_release); }

void FaultFileEnv::Set(const FileFaults& faults) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = faults;
  armed_ = true;
}

void FaultFileEnv::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = FileFaults{};
  armed_ = false;
}

bool FaultFileEnv::Applies(const std::string& path) const {
  return armed_ && (faults_.path_contains.empty() ||
                    path.find(faults_.path_contains) != std::string::npos);
}

Status FaultFileEnv::Append(const std::string& path, std::string_view bytes) {
  std::string_view fits = bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Applies(path) && faults_.bytes_before_full != UINT64_MAX) {
      const uint64_t room = std::min<uint64_t>(faults_.bytes_before_full, bytes.size());
      faults_.bytes_before_full -= room;
      fits = bytes.substr(0, static_cast<size_t>(room));
    }
  }
  RECTIFY_RETURN_IF_ERROR(Posix().Append(path, fits));
  if (fits.size() == bytes.size()) return Status::OK();
  ++injected_;
  return Status::IOError("cannot write " + path + ": No space left on device");
}

Status FaultFileEnv::Sync(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Applies(path) && faults_.fail_syncs) {
      ++injected_;
      return Status::IOError("cannot sync " + path + ": Input/output error");
    }
  }
  return Posix().Sync(path);
}

Status FaultFileEnv::Rename(const std::string& from, const std::string& to) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Applies(to) && faults_.fail_renames) {
      ++injected_;
      return Status::IOError("cannot rename " + from + " to " + to + ": Input/output error");
    }
  }
  return Posix().Rename(from, to);
}

}  // namespace rectify
