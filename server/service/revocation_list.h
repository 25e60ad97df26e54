// The server-side revocation list (DIR/revoked.txt, written by `rectifyd revoke`).
// Re-read whenever the file's mtime or size changes, so a revocation takes
// effect for the next connection without a restart.
#pragma once

#include <ctime>
#include <mutex>
#include <set>
#include <string>

#include "shared/status.h"

namespace rectify {

// Thread-safe.
class RevocationList {
 public:
  explicit RevocationList(std::string path) : path_(std::move(path)) {}
  // Reads the file now; fails if it cannot be read (start-up must fail loudly).
  Status Load();
  // True if `device_id` is listed. If the file later becomes unreadable the
  // last list read stays in force (never fails open to an empty list).
  bool IsRevoked(const std::string& device_id);
  size_t size();

 private:
  Status ReloadIfChangedLocked();
  std::string path_;
  std::mutex mu_;
  std::set<std::string> revoked_;
  timespec mtime_{};
  off_t size_ = -1;
};

}  // namespace rectify
