// The server's TLS configuration: TLS 1.3 only, mutual authentication against
// the district CA, no session tickets (every connection proves its certificate
// afresh, so a revocation is never bypassed by resumption).
#pragma once

// A standard header before any asio one: asio 1.22 chooses its aligned
// allocator from libstdc++'s configuration macros, and every translation unit
// must choose the same (else coroutine frames are freed with the wrong
// deallocator, which ASan reports as alloc-dealloc-mismatch).
#include <cstddef>

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "shared/status.h"

namespace rectify {

struct ServerTlsFiles {
  std::string cert_file;  // server.pem
  std::string key_file;   // server.key
  std::string ca_file;    // ca.pem: the only trust anchor for client certificates
};

// The paths of a district directory made by `rectifyd init`.
ServerTlsFiles DistrictTlsFiles(const std::string& data_dir);

// Builds the context; fails with a clear Status on an unreadable or
// mismatched certificate/key. The context is immutable afterwards and may be
// shared by all connections.
Result<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const ServerTlsFiles& files);

}  // namespace rectify
