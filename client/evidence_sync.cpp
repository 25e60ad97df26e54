#include "client/evidence_sync.h"

#include <set>

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
  so.max_chunks = o.max_chunks;
  so.progress = o.progress;
  return so;
}

Status Drive(const SyncTarget& target, const ChannelOptions& channel_options,
             protocol::EvidenceSession& session) {
  auto channel =
      TlsChannel::Connect(target.host, target.port, target.identity_dir, channel_options);
  if (!channel.ok()) return channel.status();
  Status st = DriveOverChannel(**channel, session).Annotate(target.host);
  (*channel)->Close();
  // The session's own verdict explains a cut better than the channel's.
  if (!session.status().ok() && session.Done()) return session.status();
  RECTIFY_RETURN_IF_ERROR(st);
  return session.status();
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
  for (const auto& row : ListEvidenceRows(ledger)) {
    if (row.sha256.empty() || !seen.insert(row.sha256).second) continue;
    ++report.referenced;
    if (!store.Has(row.sha256) || row.size <= 0) continue;
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
  if (uploads.empty()) return report;
  auto session =
      protocol::EvidenceSession::Upload(target.school_id, uploads, SessionOptions(options));
  Status st = Drive(target, options.channel, *session);
  const auto& stats = session->stats();
  report.bytes_uploaded = stats.bytes_sent;
  report.chunks = stats.chunks_sent;
  report.uploaded = stats.files_completed;
  const auto& state = stats.state;
  for (size_t i = 0; i < state.complete.size() && i < uploads.size(); ++i) {
    if (state.complete[i])
      ++report.already_on_server;
    else if (state.held[i] > 0)
      ++report.resumed;
  }
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
  auto session = protocol::EvidenceSession::Download(target.school_id, d, SessionOptions(options));
  RECTIFY_RETURN_IF_ERROR(Drive(target, options.channel, *session));
  return store.CommitPart(sha256);
}

}  // namespace rectify
