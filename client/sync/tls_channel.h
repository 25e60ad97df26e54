// A blocking TLS 1.3 connection to the district server with a deadline on
// every step, for the sync client. Presents the device certificate of an
// identity directory (client/sync/identity.h) and accepts only a server whose
// certificate chains to that directory's ca.pem and names the host dialled.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

struct ChannelOptions {
  int64_t connect_timeout_ms = 10'000;  // resolve + TCP connect + TLS handshake
  int64_t io_timeout_ms = 30'000;       // each Write and each ReadSome
};

// Not thread-safe: one thread uses a channel at a time. After any error the
// channel is closed and every further call fails.
class TlsChannel {
 public:
  static Result<std::unique_ptr<TlsChannel>> Connect(const std::string& host, uint16_t port,
                                                     const std::string& identity_dir,
                                                     ChannelOptions options = {});
  ~TlsChannel();  // Close()
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // Writes all of `bytes`; Unavailable on timeout, IOError if the link broke.
  Status Write(std::string_view bytes);
  // Returns the bytes available now (waiting up to io_timeout for some);
  // an empty string on a clean close by the server (close_notify);
  // Unavailable on timeout, IOError if the connection was cut or refused.
  Result<std::string> ReadSome();
  // Sends close_notify (waiting briefly) and closes. Idempotent.
  void Close();
  bool is_open() const;

  uint64_t bytes_sent() const;
  uint64_t bytes_received() const;

 private:
  class Impl;
  explicit TlsChannel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rectify
