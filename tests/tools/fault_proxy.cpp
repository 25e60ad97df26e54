// fault_proxy: a test-only TCP proxy that makes a link bad on purpose.
//
//   fault_proxy --listen 127.0.0.1:0 --target HOST:PORT [--latency-ms N]
//               [--bandwidth-kbit N] [--cut-every-bytes N] [--cut-jitter 0..1]
//               [--stall-ms N --stall-every-bytes N] [--half-open] [--seed S]
//
// Prints "listening on 127.0.0.1:PORT" on stdout once ready. Forwards raw TCP
// both ways (it never sees plaintext: TLS runs through it), delaying each
// chunk by the latency, pacing each direction to the bandwidth, and cutting
// every connection after a seeded pseudo-random number of bytes counted over
// both directions, so cuts land anywhere, also in the middle of a frame or of
// the TLS handshake. With --half-open a "cut" instead stops forwarding and
// leaves both sockets open, which only a deadline on the client can detect.
// One stats line per connection goes to stderr:
//   conn N c2s=BYTES s2c=BYTES cut=yes|no
// where the byte counts are the bytes actually delivered to the other side.
// The same --seed gives the same cut points for the same sequence of
// connections, so a failing run can be replayed (docs/bad-links.md).
//
// Single-threaded Asio with C++20 coroutines. It only ever connects to the
// --target it was given.
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "shared/host_port.h"

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

struct Options {
  std::string listen = "127.0.0.1:0", target;
  int64_t latency_ms = 0, bandwidth_kbit = 0, cut_every = 0, stall_ms = 0, stall_every = 0;
  double cut_jitter = 0.5;
  bool half_open = false;
  uint64_t seed = 1;
};

bool SplitHostPort(const std::string& text, std::string* host, std::string* port) {
  auto hp = rectify::ParseHostPort(text, rectify::PortZero::kAllow);
  if (!hp.ok()) return false;
  *host = hp->host;
  *port = std::to_string(hp->port);
  return true;
}

struct Chunk {
  std::string data;
  Clock::time_point at;    // earliest delivery time
  bool eof = false;        // the source closed its sending side after `data`
  bool cut_after = false;  // the cut point: end the connection after `data`
};

// One direction of one connection: a reader fills the queue as fast as the
// source sends, a writer drains it no earlier than each chunk's time, so
// latency does not serialize with the reads (a pipe, not stop-and-wait).
struct Direction {
  explicit Direction(asio::any_io_executor ex) : wake(ex) {}
  std::deque<Chunk> queue;
  asio::steady_timer wake;
  Clock::time_point line_free{};  // when the paced link finishes the last queued chunk
  uint64_t delivered = 0;
};

class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(tcp::socket client, const Options& opts, int id, int64_t cut_at)
      : client_(std::move(client)),
        server_(client_.get_executor()),
        c2s_(client_.get_executor()),
        s2c_(client_.get_executor()),
        opts_(opts),
        id_(id),
        cut_at_(cut_at),
        next_stall_(opts.stall_every) {}

  // Ends the link now (used at shutdown so every connection gets its stats line).
  void Stop() { Close(false); }

  asio::awaitable<void> Run(tcp::resolver::results_type endpoints) {
    auto self = shared_from_this();  // the acceptor keeps only a weak reference
    auto [ec, ep] = co_await asio::async_connect(server_, endpoints, kTuple);
    if (ec) {
      std::fprintf(stderr, "conn %d target unreachable: %s\n", id_, ec.message().c_str());
      Close(false);
      co_return;
    }
    auto ex = client_.get_executor();
    asio::co_spawn(ex, Read(client_, c2s_), asio::detached);
    asio::co_spawn(ex, Read(server_, s2c_), asio::detached);
    asio::co_spawn(ex, Write(c2s_, server_), asio::detached);
    asio::co_spawn(ex, Write(s2c_, client_), asio::detached);
  }

 private:
  asio::awaitable<void> Read(tcp::socket& from, Direction& dir) {
    auto self = shared_from_this();
    std::string buf(16 * 1024, '\0');
    while (!closed_) {
      auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), kTuple);
      if (closed_) break;
      if (frozen_ && ec) {  // the peer gave up on a frozen link
        Close(false);
        break;
      }
      if (ec == asio::error::eof) {
        Enqueue(dir, std::string(), true);
        break;
      }
      if (ec) {
        Close(false);
        break;
      }
      if (frozen_) continue;  // past the cut point: nothing more gets through
      std::string data = buf.substr(0, n);
      if (cut_at_ > 0 && seen_ + data.size() >= static_cast<uint64_t>(cut_at_)) {
        data.resize(static_cast<size_t>(cut_at_) - seen_);
        seen_ += data.size();
        cut_ = true;
        frozen_ = true;
        // Deliver the bytes before the cut point, then cut (or, half-open, go silent).
        Enqueue(dir, std::move(data), false, true);
        continue;
      }
      seen_ += data.size();
      MaybeStall();
      Enqueue(dir, std::move(data), false);
    }
  }

  void MaybeStall() {
    if (opts_.stall_every <= 0 || opts_.stall_ms <= 0) return;
    if (seen_ < static_cast<uint64_t>(next_stall_)) return;
    next_stall_ += opts_.stall_every;
    stalled_until_ = Clock::now() + std::chrono::milliseconds(opts_.stall_ms);
  }

  void Enqueue(Direction& dir, std::string data, bool eof, bool cut_after = false) {
    const auto now = Clock::now();
    auto at = std::max(now + std::chrono::milliseconds(opts_.latency_ms), dir.line_free);
    at = std::max(at, stalled_until_);
    if (opts_.bandwidth_kbit > 0)  // kbit/s == bits per ms
      at += std::chrono::microseconds(static_cast<int64_t>(data.size()) * 8 * 1000 /
                                      opts_.bandwidth_kbit);
    dir.line_free = at;
    dir.queue.push_back({std::move(data), at, eof, cut_after});
    dir.wake.cancel();
  }

  asio::awaitable<void> Write(Direction& dir, tcp::socket& to) {
    auto self = shared_from_this();
    while (!closed_) {
      if (dir.queue.empty()) {
        dir.wake.expires_at(Clock::time_point::max());
        co_await dir.wake.async_wait(kTuple);
        continue;
      }
      if (Clock::now() < dir.queue.front().at) {
        dir.wake.expires_at(dir.queue.front().at);
        co_await dir.wake.async_wait(kTuple);
        continue;
      }
      Chunk c = std::move(dir.queue.front());
      dir.queue.pop_front();
      if (!c.data.empty()) {
        auto [ec, n] = co_await asio::async_write(to, asio::buffer(c.data), kTuple);
        if (closed_) break;
        if (ec) {
          Close(false);
          break;
        }
        dir.delivered += n;
      }
      if (c.cut_after) {
        if (!opts_.half_open) Close(true);
        continue;
      }
      if (c.eof) {
        std::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        if (++eofs_ == 2) Close(false);
        break;
      }
    }
  }

  // Ends both sides; with `reset` the peers see a RST rather than a FIN,
  // like a dropped mobile link seen by the next packet.
  void Close(bool reset) {
    if (closed_) return;
    closed_ = true;
    for (tcp::socket* s : {&client_, &server_}) {
      std::error_code ignored;
      if (reset && s->is_open()) s->set_option(asio::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
    c2s_.wake.cancel();
    s2c_.wake.cancel();
    std::fprintf(stderr, "conn %d c2s=%llu s2c=%llu cut=%s\n", id_,
                 static_cast<unsigned long long>(c2s_.delivered),
                 static_cast<unsigned long long>(s2c_.delivered), cut_ ? "yes" : "no");
  }

  tcp::socket client_, server_;
  Direction c2s_, s2c_;
  const Options& opts_;
  const int id_;
  const int64_t cut_at_;  // 0: never
  int64_t next_stall_;
  uint64_t seen_ = 0;  // bytes read from both sides
  Clock::time_point stalled_until_{};
  bool cut_ = false, frozen_ = false, closed_ = false;
  int eofs_ = 0;
};

asio::awaitable<void> Accept(tcp::acceptor& acceptor, const Options& opts,
                             tcp::resolver::results_type endpoints,
                             std::vector<std::weak_ptr<Link>>* links) {
  std::mt19937_64 rng(opts.seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int id = 1;; ++id) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) co_return;
    int64_t cut_at = 0;
    if (opts.cut_every > 0) {
      // One draw per connection, in accept order: the seed fixes every cut point.
      const double factor = 1.0 + opts.cut_jitter * unit(rng);
      cut_at =
          std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(opts.cut_every) * factor));
    }
    auto link = std::make_shared<Link>(std::move(socket), opts, id, cut_at);
    links->push_back(link);
    asio::co_spawn(acceptor.get_executor(), link->Run(endpoints), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"fault-injecting TCP proxy for tests"};
  app.add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: any)");
  app.add_option("--target", o.target, "HOST:PORT to forward to")->required();
  app.add_option("--latency-ms", o.latency_ms, "one-way delay per chunk")
      ->check(CLI::Range(0, 600000));
  app.add_option("--bandwidth-kbit", o.bandwidth_kbit, "cap per direction (0: none)")
      ->check(CLI::Range(0, 100000000));
  app.add_option("--cut-every-bytes", o.cut_every, "cut each connection after about N bytes");
  app.add_option("--cut-jitter", o.cut_jitter, "cut point spread, fraction of N")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--stall-ms", o.stall_ms, "pause forwarding this long ...");
  app.add_option("--stall-every-bytes", o.stall_every, "... every N bytes");
  app.add_flag("--half-open", o.half_open,
               "at the cut point stop forwarding but keep sockets open");
  app.add_option("--seed", o.seed, "seed of the cut points");
  CLI11_PARSE(app, argc, argv);

  try {
    std::string lhost, lport, thost, tport;
    if (!SplitHostPort(o.listen, &lhost, &lport) || !SplitHostPort(o.target, &thost, &tport)) {
      std::fprintf(stderr, "fault_proxy: addresses must be HOST:PORT\n");
      return 2;
    }
    asio::io_context io;
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(thost, tport);
    tcp::endpoint listen_ep(asio::ip::make_address(lhost),
                            static_cast<uint16_t>(std::stoul(lport)));
    tcp::acceptor acceptor(io, listen_ep);
    std::printf("listening on %s:%u\n", lhost.c_str(),
                static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    std::vector<std::weak_ptr<Link>> links;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const std::error_code&, int) {
      for (auto& weak : links)
        if (auto link = weak.lock()) link->Stop();
      io.stop();
    });
    asio::co_spawn(io, Accept(acceptor, o, endpoints, &links), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fault_proxy: %s\n", e.what());
    return 1;
  }
  return 0;
}
