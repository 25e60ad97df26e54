#include "client/sync/evidence_sync.h"

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "protocol/evidence_session.h"

namespace rectify {

namespace {

std::string Text(const std::map<std::string, Value>& row, const std::string& field) {
  auto it = row.find(field);
  return it == row.end() ? "" : ValueToString(it->second);
}

protocol::EvidenceSessionOptions SessionOptions(const EvidenceSyncOptions& o) {
  protocol::EvidenceSessionOptions so;
  so.chunk_bytes = o.chunk_bytes;
  so.window_bytes = o.window_bytes;
  so.max_chunks = o.max_chunks;
  so.progress = o.progress;
  return so;
}

// One connection. `stop` (optional) is polled after every read: once true
// the session sends nothing new and ends when what is in flight is answered.
Status Drive(const SyncTarget& target, const ChannelOptions& channel_options,
             protocol::EvidenceSession& session, const std::function<bool()>& stop = {}) {
  auto channel =
      TlsChannel::Connect(target.host, target.port, target.identity_dir, channel_options);
  if (!channel.ok()) return channel.status();
  Status st = DriveOverChannel(**channel, session, [&] {
                if (stop && stop()) session.RequestStop();
              }).Annotate(target.host);
  (*channel)->Close();
  // The session's own verdict explains a cut better than the channel's.
  if (!session.status().ok() && session.Done()) return session.status();
  RECTIFY_RETURN_IF_ERROR(st);
  return session.status();
}

bool IsTransportFailure(const Status& st) {
  return st.code() == Status::Code::kUnavailable || st.code() == Status::Code::kIOError;
}

// Runs sessions made by `make` until one succeeds. A transport failure after
// progress reconnects at once; `max_idle_reconnects` failures in a row
// without progress (with backoff between them) give up. `on_session` sees
// every finished session.
Status DriveWithReconnects(
    const SyncTarget& target, const EvidenceSyncOptions& options,
    const std::function<std::unique_ptr<protocol::EvidenceSession>()>& make,
    const std::function<void(const protocol::EvidenceSession&)>& on_session) {
  std::mt19937_64 rng{std::random_device{}()};
  int idle = 0;
  while (true) {
    auto session = make();
    Status st = Drive(target, options.channel, *session, options.stop);
    on_session(*session);
    if (st.ok() || !IsTransportFailure(st) || session->stats().stopped_by_limit ||
        session->stats().stopped_on_request)
      return st;
    if (session->stats().bytes_progressed > 0) {
      idle = 0;
    } else if (++idle > options.max_idle_reconnects) {
      return st;
    } else {
      const int64_t wait = BackoffMillis(idle - 1, rng(), options.base_backoff_ms, 30'000);
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
      while (std::chrono::steady_clock::now() < until && !(options.stop && options.stop()))
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(wait, 100)));
    }
    if (options.stop && options.stop()) return st;
  }
}

// Which of `hashes` the server holds complete, recorded as uploaded. Only
// informative: a failure leaves them unknown until the next sync.
void AskServerAbout(Ledger& ledger, const SyncTarget& target, const EvidenceSyncOptions& options,
                    const std::vector<std::string>& hashes, EvidenceSyncReport* report) {
  std::vector<uint8_t> complete;
  Status st = DriveWithReconnects(
      target, options,
      [&] {
        return protocol::EvidenceSession::Query(target.school_id, hashes, SessionOptions(options));
      },
      [&](const protocol::EvidenceSession& session) {
        if (session.stats().state.complete.size() == hashes.size())
          complete = session.stats().state.complete;
      });
  if (!st.ok()) return;
  for (size_t i = 0; i < complete.size(); ++i) {
    if (!complete[i]) continue;
    if (ledger.SetMeta(EvidenceUploadedKey(hashes[i]), "1").ok()) ++report->held_by_server;
  }
}

}  // namespace

std::string EvidenceUploadedKey(const std::string& sha256) { return "evidence.uploaded." + sha256; }

std::vector<EvidenceRow> ListEvidenceRows(Ledger& ledger, const std::string& problem_id) {
  std::vector<EvidenceRow> out;
  for (const auto& id : ledger.RowIds("evidence")) {
    auto row = ledger.GetRow("evidence", id);
    if (!row) continue;
    if (Text(*row, "deleted") == "1") continue;
    EvidenceRow e{id,
                  Text(*row, "problem_id"),
                  Text(*row, "measure_id"),
                  Text(*row, "sha256"),
                  Text(*row, "name"),
                  0};
    if (auto it = row->find("size");
        it != row->end() && std::holds_alternative<int64_t>(it->second))
      e.size = std::get<int64_t>(it->second);
    if (!problem_id.empty() && e.problem_id != problem_id) continue;
    out.push_back(std::move(e));
  }
  return out;
}

Result<EvidenceSyncReport> SyncEvidence(Ledger& ledger, const LocalEvidenceStore& store,
                                        const SyncTarget& target,
                                        const EvidenceSyncOptions& options) {
  EvidenceSyncReport report;
  std::set<std::string> seen;
  std::vector<protocol::EvidenceUpload> uploads;
  std::vector<std::string> elsewhere;  // not here and not known to be on the server
  for (const auto& row : ListEvidenceRows(ledger)) {
    if (row.sha256.empty() || !seen.insert(row.sha256).second) continue;
    ++report.referenced;
    if (!store.Has(row.sha256) || row.size <= 0) {
      if (!ledger.GetMeta(EvidenceUploadedKey(row.sha256))) elsewhere.push_back(row.sha256);
      continue;
    }
    ++report.local;
    if (ledger.GetMeta(EvidenceUploadedKey(row.sha256))) {
      ++report.already_on_server;  // known from an earlier run: no need to ask
      continue;
    }
    const std::string sha = row.sha256;
    uploads.push_back(
        {sha, static_cast<uint64_t>(row.size),
         [&store, sha](uint64_t offset, uint32_t len) { return store.Read(sha, offset, len); }});
  }
  if (!elsewhere.empty()) AskServerAbout(ledger, target, options, elsewhere, &report);
  if (uploads.empty()) return report;
  bool first = true;
  Status st = DriveWithReconnects(
      target, options,
      [&] {
        return protocol::EvidenceSession::Upload(target.school_id, uploads,
                                                 SessionOptions(options));
      },
      [&](const protocol::EvidenceSession& session) {
        const auto& stats = session.stats();
        report.connections++;
        report.bytes_uploaded += stats.bytes_sent;
        report.chunks += stats.chunks_sent;
        report.uploaded += stats.files_completed;
        if (!first || stats.state.complete.size() != uploads.size()) return;
        // What the server held before this run: from the first answered query.
        first = false;
        for (size_t i = 0; i < uploads.size(); ++i) {
          if (stats.state.complete[i])
            ++report.already_on_server;
          else if (stats.state.held[i] > 0)
            ++report.resumed;
        }
      });
  if (!st.ok()) return st;
  // Everything was either complete before or completed now.
  for (const auto& u : uploads) (void)ledger.SetMeta(EvidenceUploadedKey(u.sha256), "1");
  return report;
}

Status FetchEvidence(LocalEvidenceStore& store, const std::string& sha256, const SyncTarget& target,
                     const EvidenceSyncOptions& options) {
  if (store.Has(sha256)) return Status::OK();
  protocol::EvidenceDownload d;
  d.sha256 = sha256;
  d.offset = store.PartSize(sha256);
  d.write = [&store, sha256](uint64_t, uint64_t offset, const std::string& bytes) {
    return store.AppendPart(sha256, offset, bytes);
  };
  // Each connection resumes from the part file as it is now.
  RECTIFY_RETURN_IF_ERROR(DriveWithReconnects(
      target, options,
      [&] {
        d.offset = store.PartSize(sha256);
        return protocol::EvidenceSession::Download(target.school_id, d, SessionOptions(options));
      },
      [](const protocol::EvidenceSession&) {}));
  return store.CommitPart(sha256);
}

}  // namespace rectify
