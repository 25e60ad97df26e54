#include "client/sync/sync_runner.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "client/sync/identity.h"
#include "client/sync/ledger_sync_store.h"
#include "shared/checkpoint.h"
#include "shared/host_port.h"
#include "shared/role.h"

namespace rectify {

namespace {

// Stores what a successful sync used, in one step each (docs/cli.md "Sync").
Status RememberSyncTarget(Ledger& ledger, const SyncTarget& target,
                          const protocol::PeerIdentity& identity, int64_t now_ms) {
  if (!target.server.empty()) RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(kMetaServer, target.server));
  RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(kMetaIdentity, target.identity_dir));
  if (identity.role == RoleName(Role::kAuditor) && !target.school_id.empty())
    RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(kMetaSchool, target.school_id));
  return ledger.SetMeta(kMetaLastSync, std::to_string(now_ms));
}

}  // namespace

Status ParseServerAddress(const std::string& text, SyncTarget* target) {
  auto hp = ParseHostPort(text);
  if (!hp.ok()) return hp.status().Annotate("server address");
  target->server = text;
  target->host = hp->host;
  target->port = hp->port;
  return Status::OK();
}

Result<SyncTarget> ResolveSyncTarget(Ledger& ledger, const std::string& server_flag,
                                     const std::string& identity_flag,
                                     const std::string& school_flag) {
  SyncTarget t;
  std::string server = server_flag.empty() ? ledger.GetMeta(kMetaServer).value_or("") : server_flag;
  t.identity_dir =
      identity_flag.empty() ? ledger.GetMeta(kMetaIdentity).value_or("") : identity_flag;
  t.school_id = school_flag.empty() ? ledger.GetMeta(kMetaSchool).value_or("") : school_flag;
  if (t.school_id.empty() && ledger.role() == Role::kAuditor) t.school_id = ledger.school_id();
  if (server.empty()) return Status::InvalidArgument("no server: give --server HOST:PORT once");
  if (t.identity_dir.empty())
    return Status::InvalidArgument("no identity: give --identity DIR once");
  RECTIFY_RETURN_IF_ERROR(ParseServerAddress(server, &t));
  return t;
}

Status CheckIdentityFitsLedger(const Ledger& ledger, const protocol::PeerIdentity& identity,
                               const std::string& school) {
  if (ledger.school_id().empty()) return Status::OK();  // a new ledger: the first sync decides
  if (identity.role != RoleName(ledger.role()))
    return Status::PermissionDenied(
        std::string("this ledger is ") +
        (ledger.role() == Role::kAuditor ? "an auditor's" : "a school's") + " ledger (school '" +
        ledger.school_id() + "') but the identity is " +
        (identity.role == RoleName(Role::kAuditor) ? "an auditor's" : "a school device's") +
        "; use a ledger of its own for it (--db NEW.db); nothing was changed");
  const std::string wanted = identity.role == RoleName(Role::kAuditor) ? school : identity.school_id;
  if (!wanted.empty() && wanted != ledger.school_id())
    return Status::PermissionDenied("this ledger is school '" + ledger.school_id() + "', not '" +
                                    wanted +
                                    "'; use a ledger of its own for it (--db NEW.db); nothing "
                                    "was changed");
  return Status::OK();
}

Result<SyncRun> RunSyncOnce(Ledger& ledger, const SyncTarget& target, const SyncRunOptions& options,
                            const Clock& clock) {
  auto identity = LoadIdentity(target.identity_dir);
  if (!identity.ok()) return identity.status();
  std::string school = target.school_id;
  if (identity->role == RoleName(Role::kAuditor) && school.empty()) school = ledger.school_id();
  RECTIFY_RETURN_IF_ERROR(CheckIdentityFitsLedger(ledger, *identity, school)
                              .Annotate("the identity in " + target.identity_dir));
  if (identity->role == RoleName(Role::kAuditor) && school.empty())
    return Status::InvalidArgument("an auditor must name the school to work on (--school ID)");
  auto key = LoadLogKey(target.identity_dir);
  if (!key.ok()) return key.status();

  LedgerSyncStore store(ledger, key->name, key->key);
  if (auto halted = store.HaltReason(); !halted.empty())
    return Status::Corruption("sync is halted for this ledger: " + halted);

  const int64_t start = clock.NowMillis();
  auto channel =
      TlsChannel::Connect(target.host, target.port, target.identity_dir, options.channel);
  if (!channel.ok()) return channel.status();

  protocol::ClientSessionOptions sopts;
  sopts.batch_ops = options.batch_ops;
  sopts.school_id = identity->role == RoleName(Role::kAuditor) ? school : "";
  // Each answer is timed from the previous one (or the connect): the session
  // sends the next request as soon as it handles an answer, so that interval
  // is one request's round trip, upload included.
  int64_t last_answer = start;
  auto elapsed = [&] {
    const int64_t now = clock.NowMillis();
    const int64_t e = now - last_answer;
    last_answer = now;
    return e;
  };
  if (options.push_size) {
    sopts.batch_ops = options.push_size->next;
    sopts.next_batch_ops = [&](size_t) { return options.push_size->OnAnswer(elapsed()); };
    sopts.push_window = options.push_size->Window();
    sopts.next_push_window = [&] { return options.push_size->Window(); };
  }
  if (options.pull_size) {
    sopts.pull_limit = static_cast<uint32_t>(options.pull_size->next);
    sopts.next_pull_limit = [&](uint32_t) {
      return static_cast<uint32_t>(options.pull_size->OnAnswer(elapsed()));
    };
  }
  const uint64_t pending_at_start = ledger.PendingCount();
  protocol::ClientSession session(store, sopts);
  Status driven = DriveOverChannel(**channel, session, [&] {
    if (options.progress) options.progress(session.summary().pushed, pending_at_start);
  });
  if (!driven.ok()) {
    if (options.push_size) options.push_size->OnCut();
    if (options.pull_size) options.pull_size->OnCut();
    return driven.Annotate(target.host);
  }
  SyncRun run;
  run.summary = session.summary();
  run.bytes_sent = (*channel)->bytes_sent();
  run.bytes_received = (*channel)->bytes_received();
  (*channel)->Close();
  run.millis = clock.NowMillis() - start;
  if (!session.status().ok()) return session.status();
  SyncTarget used = target;
  used.school_id = school;
  RECTIFY_RETURN_IF_ERROR(RememberSyncTarget(ledger, used, *identity, clock.NowMillis()));
  return run;
}

Status DriveOverChannel(TlsChannel& channel, protocol::ConnectionHandler& handler,
                        const std::function<void()>& on_chunk) {
  while (true) {
    std::string out = handler.TakeOutput();
    if (!out.empty()) RECTIFY_RETURN_IF_ERROR(channel.Write(out).Annotate("sending"));
    if (handler.Done()) return Status::OK();
    auto in = channel.ReadSome();
    if (!in.ok()) return in.status().Annotate("receiving");
    if (in->empty())
      return Status::Unavailable("the server closed the connection before the exchange finished");
    handler.OnBytes(*in);
    if (on_chunk) on_chunk();
  }
}

Result<protocol::Frame> RunRequest(const SyncTarget& target, const ChannelOptions& options,
                                   std::function<std::string(uint8_t version)> make_request,
                                   protocol::MsgType answer_type) {
  auto channel = TlsChannel::Connect(target.host, target.port, target.identity_dir, options);
  if (!channel.ok()) return channel.status();
  protocol::RequestSession session(target.school_id, std::move(make_request), answer_type);
  RECTIFY_RETURN_IF_ERROR(DriveOverChannel(**channel, session).Annotate(target.host));
  (*channel)->Close();
  if (!session.status().ok()) return session.status();
  return session.answer();
}

size_t AdaptiveSize::OnAnswer(int64_t elapsed_ms) {
  last_ms = elapsed_ms;
  if (elapsed_ms <= fast_ms)
    next = std::min(max, next * 2);
  else if (elapsed_ms > slow_ms)
    next = std::max(min, next / 2);
  return next;
}

void AdaptiveSize::OnCut() {
  next = std::max(min, next / 2);
  last_ms = -1;
}

int64_t BackoffMillis(int attempt, uint64_t random, int64_t base_ms, int64_t cap_ms) {
  int64_t ceiling = base_ms;
  for (int i = 0; i < attempt && ceiling < cap_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap_ms);
  return static_cast<int64_t>(random % static_cast<uint64_t>(ceiling + 1));
}

}  // namespace rectify
