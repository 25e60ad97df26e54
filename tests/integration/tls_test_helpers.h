// Helpers shared by the tls_*_test.cpp integration tests: temporary
// districts, waiting on conditions with generous bounds, reading frames.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/sync/tls_channel.h"
#include "protocol/codec.h"
#include "protocol/frame.h"
#include "server/service/pki.h"

namespace rectify::tls_test {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/rectify_tls_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

// Polls `pred` until it holds or a generous bound passes (never a speed assertion).
inline bool WaitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds bound = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Thread-safe sink for server log lines.
class LogSink {
 public:
  std::function<void(const std::string&)> Fn() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line);
    };
  }
  size_t Count(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& l : lines_) n += l.find(needle) != std::string::npos;
    return n;
  }
  // The first line holding every needle, or "".
  std::string Find(std::initializer_list<std::string> needles) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& l : lines_) {
      bool all = true;
      for (const auto& n : needles) all = all && l.find(n) != std::string::npos;
      if (all) return l;
    }
    return "";
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

inline std::string EncodeTestFrame(uint8_t type, const std::string& body) {
  return protocol::EncodeFrame({type, 1, 0, body});
}

// Reads until one whole frame arrived; fails on EOF, error or a bad frame.
inline Result<protocol::Frame> ReadFrame(TlsChannel& ch) {
  protocol::FrameDecoder dec;
  while (!dec.HasFrame()) {
    auto got = ch.ReadSome();
    if (!got.ok()) return got.status();
    if (got->empty()) return Status::IOError("closed before a whole frame");
    RECTIFY_RETURN_IF_ERROR(dec.Feed(*got));
  }
  return dec.Pop();
}

// Reads until the server ends the connection; true if no byte came before.
inline bool ReadsNothingUntilClosed(TlsChannel& ch) {
  for (;;) {
    auto got = ch.ReadSome();
    if (!got.ok()) return got.status().code() != Status::Code::kUnavailable;  // not a timeout
    if (got->empty()) return true;
    return false;
  }
}

// What a revoked device reads: one Error frame saying that it is revoked
// (PermissionDenied), then the close; nothing of any service.
inline bool ReadsRevocationThenClosed(TlsChannel& ch) {
  std::string bytes;
  for (;;) {
    auto got = ch.ReadSome();
    if (!got.ok() && got.status().code() == Status::Code::kUnavailable) return false;  // timeout
    if (!got.ok() || got->empty()) break;
    bytes += *got;
  }
  protocol::FrameDecoder decoder;
  if (!decoder.Feed(bytes).ok() || !decoder.HasFrame()) return false;
  const protocol::Frame frame = decoder.Pop();
  if (decoder.HasFrame() || frame.type != static_cast<uint8_t>(protocol::MsgType::kError))
    return false;
  const Status said = protocol::StatusFromErrorFrame(frame);
  return said.code() == Status::Code::kPermissionDenied &&
         said.message().find("revoked") != std::string::npos;
}

// A district with enrolled identities: pc1 (school s1), aud (auditor), gone (revoked).
struct TestDistrict {
  TempDir tmp;
  std::string dir = tmp.path + "/district";
  explicit TestDistrict(const std::string& name = "district") : dir(tmp.path + "/" + name) {
    REQUIRE(InitDistrict({dir, {"localhost"}, ""}).ok());
    REQUIRE(EnrollDevice({dir, "s1", "pc1", "school", Identity("pc1")}).ok());
    REQUIRE(EnrollDevice({dir, "", "aud", "auditor", Identity("aud")}).ok());
    REQUIRE(EnrollDevice({dir, "s1", "gone", "school", Identity("gone")}).ok());
    REQUIRE(RevokeDevice(dir, "gone").ok());
  }
  std::string Identity(const std::string& device) const { return tmp.path + "/id-" + device; }
};

}  // namespace rectify::tls_test
