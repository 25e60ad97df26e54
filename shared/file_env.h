// A seam under the product's appended files (docs/security.md, "Storage
// faults"), in the spirit of leveldb's Env: the district's evidence store
// writes through FileEnv::Current(), which is the plain POSIX one unless a
// test installed a FaultFileEnv. SQLite files have their own seam
// (shared/fault_vfs.h); together they let tests fill the disk or fail an
// fsync under every write the server makes.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

class FileEnv {
 public:
  virtual ~FileEnv() = default;
  // See AppendToFile, SyncFile and RenameDurably in shared/file_io.h.
  virtual Status Append(const std::string& path, std::string_view bytes) = 0;
  virtual Status Sync(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // The env in use (thread-safe to read). InstallForTesting(nullptr)
  // restores the POSIX env; the caller keeps `env` alive while installed.
  static FileEnv& Current();
  static void InstallForTesting(FileEnv* env);
};

struct FileFaults {
  std::string path_contains;  // which files; "" = every file
  // A full disk after this many more appended bytes: the append that crosses
  // it writes the bytes that fit, then fails with "No space left on device".
  uint64_t bytes_before_full = UINT64_MAX;
  bool fail_syncs = false;    // Sync -> "Input/output error"
  bool fail_renames = false;  // Rename -> "Input/output error", nothing renamed
};

// Forwards to the POSIX env and injects the armed faults. Thread-safe.
class FaultFileEnv : public FileEnv {
 public:
  void Set(const FileFaults& faults);
  void Clear();
  uint64_t injected() const { return injected_; }

  Status Append(const std::string& path, std::string_view bytes) override;
  Status Sync(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;

 private:
  bool Applies(const std::string& path) const;

  mutable std::mutex mu_;
  FileFaults faults_;
  bool armed_ = false;
  std::atomic<uint64_t> injected_{0};
};

}  // namespace rectify
