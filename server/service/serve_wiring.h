// Wires the district's data directory into a HandlerFactory for TlsServer:
// opens the store and the log-signing key, builds the SyncService and makes
// one protocol session per connection. Owned by `rectifyd serve`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "protocol/connection_handler.h"
#include "protocol/sync_service.h"
#include "server/storage/store.h"
#include "shared/ed25519.h"
#include "shared/status.h"

namespace rectify {

struct ServeOptions {
  int64_t max_skew_ms = 5 * 60 * 1000;  // clamp device stamps further ahead than this
  uint32_t max_frame_bytes = 16u << 20;
  int64_t session_deadline_ms = 10 * 60 * 1000;  // whole session
  // Server-side revocation list: true if the device must be refused.
  std::function<bool(const std::string& device_id)> is_revoked;
  // One line per notable event (refused tenant access, clamped clock …). No secrets.
  std::function<void(const std::string& line)> log;
  uint64_t max_evidence_bytes = 100ull << 20;  // larger evidence uploads are refused
  // The store (server/storage/store_factory.h): empty for DIR/rectifyd.db, or a
  // postgresql:// URI shared by several servers.
  std::string store;
};

class SyncServer {
 public:
  virtual ~SyncServer() = default;
  // Opens the store (options.store) and DIR/log.key. Fails with a clear Status if the
  // directory was not made by `rectifyd init`.
  static Result<std::unique_ptr<SyncServer>> Open(const std::string& data_dir,
                                                  ServeOptions options);
  // Valid while this SyncServer lives.
  virtual protocol::HandlerFactory handler_factory() = 0;
  // The store and the sync service sessions use; the console reads the one
  // and pushes its ops through the other (docs/console.md).
  virtual Store& store() = 0;
  virtual protocol::SyncService& sync_service() = 0;
  // The district's log key and name, for verifying checkpoints.
  virtual const SigningKey& log_key() const = 0;
  virtual const std::string& log_name() const = 0;
};

// The district's log name (DIR/district.json "origin"): key name of every
// checkpoint signature and prefix of every school's origin line.
Result<std::string> ReadDistrictLogName(const std::string& data_dir);
// The checkpoint-signing key DIR/log.key.
Result<SigningKey> ReadLogKey(const std::string& data_dir);

}  // namespace rectify
