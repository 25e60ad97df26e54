#include "server/serve_wiring.h"

namespace rectify {

// Placeholder until the sync service lands; replaced by the real wiring.
Result<std::unique_ptr<SyncServer>> SyncServer::Open(const std::string& data_dir, ServeOptions) {
  return Status::Unavailable("sync service not built yet for " + data_dir);
}

}  // namespace rectify
