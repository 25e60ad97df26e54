// The seam between a transport (Asio + TLS, or the simulated network) and a
// sans-I/O protocol session: bytes and time in, bytes and a verdict out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rectify::protocol {

// Who is on the other end, as proven by the TLS certificate (never by a message).
struct PeerIdentity {
  std::string school_id;  // empty for auditors, who are not bound to one school
  std::string device_id;
  std::string role;     // "school" or "auditor"
  std::string address;  // "ip:port", for the audit log and the session log line
};

// One per connection. Not thread-safe: the transport calls it from one strand.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Bytes received from the peer.
  virtual void OnBytes(std::string_view data) = 0;
  // Called periodically with the monotonic time; a handler may decide the
  // peer is too slow and finish.
  virtual void OnTick(int64_t now_ms) { (void)now_ms; }
  // Bytes to send now; empties the handler's output buffer.
  virtual std::string TakeOutput() = 0;
  // True once the session is over: the transport flushes TakeOutput() and closes.
  virtual bool Done() const = 0;
  // One line for the session log: what happened, without secrets.
  virtual std::string Summary() const = 0;
};

using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(const PeerIdentity&)>;

}  // namespace rectify::protocol
