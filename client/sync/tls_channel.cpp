#include "client/sync/tls_channel.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>

#include "client/sync/identity.h"

namespace rectify {
namespace {

constexpr int64_t kCloseNotifyWaitMs = 1000;

bool IsIpLiteral(const std::string& host) {
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

class TlsChannel::Impl {
 public:
  explicit Impl(ChannelOptions options)
      : options_(options), ctx_(asio::ssl::context::tls_client), resolver_(io_) {}

  Status Connect(const std::string& host, uint16_t port, const std::string& identity_dir) {
    auto identity = LoadIdentity(identity_dir);
    if (!identity.ok()) return identity.status();
    RECTIFY_RETURN_IF_ERROR(ConfigureContext(IdentityFilesIn(identity_dir)));
    stream_.emplace(io_, ctx_);
    RECTIFY_RETURN_IF_ERROR(ExpectServerName(host));

    const auto deadline = Now() + std::chrono::milliseconds(options_.connect_timeout_ms);
    asio::error_code ec;
    asio::ip::tcp::resolver::results_type endpoints;
    RECTIFY_RETURN_IF_ERROR(RunUntil(
        [&](auto done) {
          resolver_.async_resolve(host, std::to_string(port),
                                  [&, done](const asio::error_code& e, auto results) {
                                    endpoints = results;
                                    done(e);
                                  });
        },
        deadline, "resolving " + host, ec));
    if (ec) return Fail(Status::Unavailable("cannot resolve " + host + ": " + ec.message()));
    RECTIFY_RETURN_IF_ERROR(RunUntil(
        [&](auto done) {
          asio::async_connect(stream_->lowest_layer(), endpoints,
                              [done](const asio::error_code& e, const auto&) { done(e); });
        },
        deadline, "connecting to " + host, ec));
    if (ec)
      return Fail(Status::Unavailable("cannot connect to " + host + ":" + std::to_string(port) +
                                      ": " + ec.message()));
    RECTIFY_RETURN_IF_ERROR(RunUntil(
        [&](auto done) {
          stream_->async_handshake(asio::ssl::stream_base::client,
                                   [done](const asio::error_code& e) { done(e); });
        },
        deadline, "TLS handshake with " + host, ec));
    if (ec) return Fail(Status::IOError("TLS handshake with " + host + " failed: " + Describe(ec)));
    open_ = true;
    return Status::OK();
  }

  Status Write(std::string_view bytes) {
    if (!open_) return Status::FailedPrecondition("channel is closed");
    asio::error_code ec;
    size_t n = 0;
    RECTIFY_RETURN_IF_ERROR(RunUntil(
        [&](auto done) {
          asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()),
                            [&n, done](const asio::error_code& e, size_t written) {
                              n = written;
                              done(e);
                            });
        },
        IoDeadline(), "writing", ec));
    sent_ += n;
    if (ec) return Fail(Status::IOError("write failed: " + Describe(ec)));
    return Status::OK();
  }

  Result<std::string> ReadSome() {
    if (!open_) return Status::FailedPrecondition("channel is closed");
    std::array<char, 16 * 1024> buf;
    asio::error_code ec;
    size_t n = 0;
    Status st = RunUntil(
        [&](auto done) {
          stream_->async_read_some(asio::buffer(buf),
                                   [&n, done](const asio::error_code& e, size_t got) {
                                     n = got;
                                     done(e);
                                   });
        },
        IoDeadline(), "reading", ec);
    if (!st.ok()) return st;
    received_ += n;
    if (n > 0) return std::string(buf.data(), n);
    if (ec == asio::error::eof) {  // close_notify: the server ended the session cleanly
      CloseSocket();
      return std::string();
    }
    if (ec == asio::ssl::error::stream_truncated)
      return Fail(Status::IOError("connection cut by the server (no close_notify)"));
    return Fail(Status::IOError("read failed: " + Describe(ec)));
  }

  void Close() {
    if (!open_) return;
    asio::error_code ec;
    const auto deadline =
        Now() + std::chrono::milliseconds(std::min(options_.io_timeout_ms, kCloseNotifyWaitMs));
    (void)RunUntil(
        [&](auto done) { stream_->async_shutdown([done](const asio::error_code& e) { done(e); }); },
        deadline, "closing", ec);
    CloseSocket();
  }

  bool is_open() const { return open_; }
  uint64_t sent() const { return sent_; }
  uint64_t received() const { return received_; }

 private:
  using Clock = std::chrono::steady_clock;
  static Clock::time_point Now() { return Clock::now(); }
  Clock::time_point IoDeadline() const {
    return Now() + std::chrono::milliseconds(options_.io_timeout_ms);
  }

  Status ConfigureContext(const IdentityFiles& files) {
    SSL_CTX* native = ctx_.native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1)
      return Status::Internal("this OpenSSL cannot restrict itself to TLS 1.3");
    asio::error_code ec;
    ctx_.load_verify_file(files.ca_file, ec);
    if (!ec) ctx_.use_certificate_file(files.cert_file, asio::ssl::context::pem, ec);
    if (!ec) ctx_.use_private_key_file(files.key_file, asio::ssl::context::pem, ec);
    if (ec) return Status::FailedPrecondition("cannot load the device identity: " + ec.message());
    if (SSL_CTX_check_private_key(native) != 1)
      return Status::FailedPrecondition(files.key_file + " does not match " + files.cert_file);
    ctx_.set_verify_mode(asio::ssl::verify_peer);
    SSL_CTX_set_verify_depth(native, 2);
    return Status::OK();
  }

  // The server certificate must name the host we dialled (DNS name or IP SAN).
  Status ExpectServerName(const std::string& host) {
    SSL* ssl = stream_->native_handle();
    if (IsIpLiteral(host)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
        return Status::InvalidArgument("bad IP address " + host);
      return Status::OK();
    }
    if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 || SSL_set1_host(ssl, host.c_str()) != 1)
      return Status::InvalidArgument("bad host name " + host);
    return Status::OK();
  }

  // Starts one asynchronous operation and runs the private io_context until
  // it completes or `deadline` passes; on a deadline the socket is closed
  // (the only portable way to abandon a TLS operation) and Unavailable returned.
  template <typename StartOp>
  Status RunUntil(StartOp start, Clock::time_point deadline, const std::string& what,
                  asio::error_code& ec) {
    bool finished = false;
    auto done = [&finished, &ec](const asio::error_code& e) {
      finished = true;
      ec = e;
    };
    start(done);
    io_.restart();
    while (!finished && Now() < deadline) io_.run_one_until(deadline);
    if (finished) return Status::OK();
    CloseSocket();
    resolver_.cancel();
    io_.restart();
    io_.run();  // lets the aborted operation unwind before `done` goes out of scope
    return Status::Unavailable(what + " timed out");
  }

  std::string Describe(const asio::error_code& ec) {
    if (stream_ && ec.category() == asio::error::get_ssl_category()) {
      const long verify = SSL_get_verify_result(stream_->native_handle());
      if (verify != X509_V_OK)
        return ec.message() + " (" + X509_verify_cert_error_string(verify) + ")";
    }
    return ec.message();
  }

  Status Fail(Status st) {
    CloseSocket();
    return st;
  }

  void CloseSocket() {
    open_ = false;
    if (!stream_) return;
    asio::error_code ignored;
    stream_->lowest_layer().close(ignored);
  }

  ChannelOptions options_;
  asio::io_context io_;
  asio::ssl::context ctx_;
  asio::ip::tcp::resolver resolver_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
  bool open_ = false;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
};

Result<std::unique_ptr<TlsChannel>> TlsChannel::Connect(const std::string& host, uint16_t port,
                                                        const std::string& identity_dir,
                                                        ChannelOptions options) {
  auto impl = std::make_unique<Impl>(options);
  RECTIFY_RETURN_IF_ERROR(impl->Connect(host, port, identity_dir));
  return std::unique_ptr<TlsChannel>(new TlsChannel(std::move(impl)));
}

TlsChannel::TlsChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsChannel::~TlsChannel() { Close(); }
Status TlsChannel::Write(std::string_view bytes) { return impl_->Write(bytes); }
Result<std::string> TlsChannel::ReadSome() { return impl_->ReadSome(); }
void TlsChannel::Close() { impl_->Close(); }
bool TlsChannel::is_open() const { return impl_->is_open(); }
uint64_t TlsChannel::bytes_sent() const { return impl_->sent(); }
uint64_t TlsChannel::bytes_received() const { return impl_->received(); }

}  // namespace rectify
