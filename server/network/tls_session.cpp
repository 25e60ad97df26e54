#include "server/network/tls_session.h"

// GCC 12 with sanitizers flags the operator delete of asio's coroutine frames
// as mismatched; it is a compiler false positive (the frame's own allocator
// pairs them), silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <openssl/ssl.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <sstream>

#include "protocol/codec.h"
#include "shared/x509_identity.h"

namespace rectify {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr int64_t kCloseNotifyGraceMs = 1000;
// After our last frame and close_notify: how long and how much we keep
// reading (and discarding) so that closing does not reset the connection.
constexpr int64_t kLingerMs = 2000;
constexpr uint64_t kMaxLingerBytes = 64ull << 20;
constexpr size_t kWriteSlice = 64 * 1024;
constexpr size_t kMaxUnsent = 4 << 20;

std::string ReadErrorOutcome(const asio::error_code& ec) {
  if (ec == asio::error::eof) return "peer closed";
  if (ec == asio::ssl::error::stream_truncated) return "peer cut the connection";
  return "read error: " + ec.message();
}

// Quotes a value for the key=value log line.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out + "\"";
}

}  // namespace

TlsSession::TlsSession(asio::ip::tcp::socket socket, asio::ssl::context& ctx, const SessionEnv& env,
                       uint64_t id, std::string peer_address)
    : stream_(std::move(socket), ctx),
      env_(env),
      id_(id),
      watchdog_timer_(stream_.get_executor()),
      writer_signal_(stream_.get_executor()),
      writer_exit_(stream_.get_executor()),
      reader_resume_(stream_.get_executor()) {
  peer_.address = std::move(peer_address);
}

void TlsSession::Start() {
  auto self = shared_from_this();
  start_ = Clock::now();
  asio::co_spawn(stream_.get_executor(), Watchdog(self), [self](std::exception_ptr) {});
  asio::co_spawn(stream_.get_executor(), Run(self), [self](std::exception_ptr e) {
    // A handler that throws ends only its own session.
    if (e) {
      self->SetOutcome("internal error in the session handler");
      self->CloseSocket();
    }
    self->Finish();
  });
}

void TlsSession::Close(std::string reason) {
  auto self = shared_from_this();
  asio::post(stream_.get_executor(), [self, reason = std::move(reason)]() mutable {
    self->SetOutcome(std::move(reason));
    self->CloseSocket();
  });
}

asio::awaitable<void> TlsSession::Run(std::shared_ptr<TlsSession> self) {
  if (!co_await self->Authenticate()) co_return;
  self->phase_ = Phase::kSession;
  self->last_activity_ = Clock::now();
  self->Pump();  // a handler may speak first
  self->writer_running_ = true;
  asio::co_spawn(self->stream_.get_executor(), Writer(self), [self](std::exception_ptr) {});
  co_await self->ReadLoop();
  if (!self->done_) self->CloseSocket();
  self->writer_signal_.cancel();
  co_await self->WaitForWriter();
}

// Handshake, identity, revocation, handler. False: the session is over.
asio::awaitable<bool> TlsSession::Authenticate() {
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (ec) {
    std::string reason = ec.message();
    const long verify = SSL_get_verify_result(stream_.native_handle());
    if (verify != X509_V_OK)
      reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    SetOutcome("handshake failed: " + reason);
    CloseSocket();
    co_return false;
  }
  auto subject = ParseDeviceSubject(SSL_get0_peer_certificate(stream_.native_handle()));
  if (!subject.ok()) {
    SetOutcome("bad certificate: " + subject.status().message());
    co_await GracefulClose();
    co_return false;
  }
  peer_.school_id = subject->school_id;
  peer_.device_id = subject->device_id;
  peer_.role = subject->role;
  if (env_.options->is_revoked && env_.options->is_revoked(peer_.device_id)) {
    SetOutcome("revoked");
    // Said in the protocol's own words, so the device can tell its user that
    // it was revoked rather than that the connection closed (issue 11).
    const protocol::ErrorMsg err{
        static_cast<uint16_t>(Status::Code::kPermissionDenied),
        "device " + peer_.device_id +
            " is revoked by the district; ask the operator to enrol this computer again"};
    co_await WriteInSlices(
        protocol::EncodeMessage(protocol::MsgType::kError, err, protocol::kMinProtocolVersion));
    co_await GracefulClose();
    co_return false;
  }
  handler_ = (*env_.factory)(peer_);
  if (!handler_) {
    SetOutcome("refused by the server");
    co_await GracefulClose();
    co_return false;
  }
  co_return !closed_;
}

asio::awaitable<void> TlsSession::ReadLoop() {
  std::array<char, 16 * 1024> buf;
  reading_ = true;
  while (!closed_ && !done_) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buf), kNoThrow);
    if (ec) {
      SetOutcome(ReadErrorOutcome(ec));
      CloseSocket();
      break;
    }
    last_activity_ = Clock::now();
    bytes_in_ += n;
    handler_->OnBytes(std::string_view(buf.data(), n));
    Pump();
    // Back-pressure: a peer that sends requests but never reads the answers
    // must not grow our memory; stop reading until the writer catches up.
    while (!closed_ && !done_ && outbox_.size() + unsent_ > kMaxUnsent) {
      reader_resume_.expires_at(Clock::time_point::max());
      co_await reader_resume_.async_wait(kNoThrow);
    }
  }
  reading_ = false;
}

asio::awaitable<void> TlsSession::Writer(std::shared_ptr<TlsSession> self) {
  while (!self->closed_) {
    if (self->outbox_.empty()) {
      if (self->done_) {
        // close_notify may not overlap a pending read on the same TLS stream;
        // a handler that finished on a tick (reader still waiting) is cut plainly.
        if (self->reading_) {
          self->CloseSocket();
        } else {
          co_await self->GracefulClose();
        }
        break;
      }
      self->writer_signal_.expires_at(Clock::time_point::max());
      co_await self->writer_signal_.async_wait(kNoThrow);
      continue;
    }
    std::string pending;
    pending.swap(self->outbox_);
    if (!co_await self->WriteInSlices(pending)) break;
  }
  self->writer_running_ = false;
  self->writer_exit_.cancel();
}

// Slices make progress visible: each completed slice counts as activity, so a
// long download over a slow link is not mistaken for an idle peer, while a
// peer that stops reading stalls the slice and is cut by the idle deadline.
asio::awaitable<bool> TlsSession::WriteInSlices(const std::string& data) {
  unsent_ = data.size();
  for (size_t pos = 0; pos < data.size() && !closed_;) {
    const size_t len = std::min(kWriteSlice, data.size() - pos);
    auto [ec, n] =
        co_await asio::async_write(stream_, asio::buffer(data.data() + pos, len), kNoThrow);
    if (ec) {
      SetOutcome("write error: " + ec.message());
      CloseSocket();
      co_return false;
    }
    pos += n;
    unsent_ = data.size() - pos;
    reader_resume_.cancel();
    bytes_out_ += n;
    last_activity_ = Clock::now();
  }
  co_return !closed_;
}

asio::awaitable<void> TlsSession::WaitForWriter() {
  while (writer_running_) {
    writer_exit_.expires_at(Clock::time_point::max());
    co_await writer_exit_.async_wait(kNoThrow);
  }
}

// Sends close_notify, but never waits more than a moment for the peer's
// (the watchdog cancels the wait), then lingers before closing.
asio::awaitable<void> TlsSession::GracefulClose() {
  if (closed_) co_return;
  phase_ = Phase::kClosing;
  closing_deadline_ = Clock::now() + std::chrono::milliseconds(kCloseNotifyGraceMs);
  co_await stream_.async_shutdown(kNoThrow);
  co_await Linger();
  CloseSocket();
}

// Half-closes (the peer reads our last frame, close_notify, then EOF) and
// discards what the peer still sends until it closes, bounded in time and
// bytes. Closing a socket with unread input sends a TCP reset, and a reset
// destroys what the peer has not read yet: the Error frame that explains why
// the session ends (docs/security.md, "Mid-stream errors").
asio::awaitable<void> TlsSession::Linger() {
  if (closed_) co_return;
  lingering_ = true;
  closing_deadline_ = Clock::now() + std::chrono::milliseconds(kLingerMs);
  asio::error_code ignored;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  std::array<char, 16 * 1024> buf;
  uint64_t drained = 0;
  while (!closed_ && drained < kMaxLingerBytes) {
    auto [ec, n] = co_await stream_.next_layer().async_read_some(asio::buffer(buf), kNoThrow);
    if (ec) break;
    drained += n;
  }
}

asio::awaitable<void> TlsSession::Watchdog(std::shared_ptr<TlsSession> self) {
  const auto tick =
      std::chrono::milliseconds(std::max<int64_t>(1, self->env_.options->tick_interval_ms));
  while (!self->closed_) {
    self->watchdog_timer_.expires_after(tick);
    co_await self->watchdog_timer_.async_wait(kNoThrow);
    if (!self->closed_) self->CheckDeadlines();
  }
}

void TlsSession::CheckDeadlines() {
  const TlsServerOptions& o = *env_.options;
  const auto now = Clock::now();
  switch (phase_) {
    case Phase::kHandshake:
      if (ElapsedMs(start_) >= o.handshake_timeout_ms) {
        SetOutcome("handshake timeout");
        CloseSocket();
      }
      break;
    case Phase::kSession:
      if (ElapsedMs(last_activity_) >= o.idle_timeout_ms) {
        SetOutcome("idle timeout");
        CloseSocket();
      } else if (ElapsedMs(start_) >= o.session_limit_ms) {
        SetOutcome("session limit");
        CloseSocket();
      } else if (!done_) {
        handler_->OnTick(
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
        Pump();
      }
      break;
    case Phase::kClosing:
      if (now < closing_deadline_) break;
      if (lingering_) {
        CloseSocket();
      } else {  // the peer's close_notify is late: stop waiting, go on to linger
        asio::error_code ignored;
        stream_.next_layer().cancel(ignored);
      }
      break;
  }
}

void TlsSession::Pump() {
  outbox_ += handler_->TakeOutput();
  if (handler_->Done() && !done_) {
    done_ = true;
    SetOutcome("done");
  }
  writer_signal_.cancel();
}

void TlsSession::SetOutcome(std::string outcome) {
  if (outcome_.empty()) outcome_ = std::move(outcome);  // the first reason is the real one
}

void TlsSession::CloseSocket() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
  watchdog_timer_.cancel();
  writer_signal_.cancel();
  reader_resume_.cancel();
}

void TlsSession::Finish() {
  if (finished_) return;
  finished_ = true;
  CloseSocket();
  std::ostringstream line;
  line << "session peer=" << peer_.address << " device=" << Quoted(peer_.device_id)
       << " school=" << Quoted(peer_.school_id) << " role=" << Quoted(peer_.role)
       << " duration_ms=" << ElapsedMs(start_) << " bytes_in=" << bytes_in_
       << " bytes_out=" << bytes_out_ << " outcome=" << Quoted(outcome_)
       << " summary=" << Quoted(handler_ ? handler_->Summary() : "");
  if (env_.log) env_.log(line.str());
  if (env_.on_finish) env_.on_finish(id_);
}

int64_t TlsSession::ElapsedMs(Clock::time_point since) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

}  // namespace rectify
