#include "server/service/bundle_import.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <variant>

#include "protocol/messages.h"
#include "server/service/pki.h"
#include "server/service/revocation_list.h"
#include "server/service/serve_wiring.h"
#include "server/service/sync_service_impl.h"
#include "server/storage/evidence_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/audit_leaf.h"
#include "shared/bundle_format.h"
#include "shared/checkpoint.h"
#include "shared/sha256.h"
#include "shared/x509_identity.h"

namespace rectify {

namespace {

// Push batches: the same size the online client uses by default.
constexpr size_t kBatchOps = 500;
constexpr uint32_t kPullLimit = 5000;
constexpr uint64_t kLeafChunk = 1000;
// The exporting "peer": an auditor-like role so Admit lets it read any school.
constexpr char kExportDevice[] = "rectifyd-bundle-export";

struct Service {
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<EvidenceStore> evidence;  // DIR/evidence, as `rectifyd serve`
  std::unique_ptr<SyncServiceImpl> impl;
};

Result<Service> OpenService(const std::string& data_dir,
                            std::function<bool(const std::string&)> is_revoked,
                            std::function<void(const std::string&)> log) {
  auto name = ReadDistrictLogName(data_dir);
  if (!name.ok()) return name.status();
  auto key = ReadLogKey(data_dir);
  if (!key.ok()) return key.status();
  auto store = SqliteStore::Open(data_dir);
  if (!store.ok()) return store.status().Annotate("opening " + data_dir + "/rectifyd.db");
  auto evidence = EvidenceStore::Open(data_dir + "/evidence");
  if (!evidence.ok()) return evidence.status();
  SyncServiceOptions so;
  so.is_revoked = std::move(is_revoked);
  so.log = std::move(log);
  so.log_name = *name;
  so.evidence = evidence->get();
  Service s;
  s.store = std::move(*store);
  s.evidence = std::move(*evidence);
  s.impl =
      std::make_unique<SyncServiceImpl>(*s.store, std::move(*key), SystemClock::Instance(), so);
  return s;
}

// Authenticates a school bundle: intact, of the right kind, signed by a
// device certified by this district and not revoked.
Result<Bundle> OpenSchoolBundle(const std::string& data_dir, const std::string& bytes,
                                RevocationList& revoked, DeviceSubject* subject) {
  auto ca = ReadDistrictFile(data_dir + "/ca.pem");
  if (!ca.ok()) return ca.status();
  auto bundle = OpenBundle(bytes, *ca);
  if (!bundle.ok()) return bundle.status();
  if (bundle->kind != BundleKind::kSchoolToDistrict)
    return Status::InvalidArgument(std::string("this is a ") + BundleKindName(bundle->kind) +
                                   " bundle; import it on a school device with "
                                   "`rectify bundle import`");
  auto who = ParseDeviceCertificatePem(bundle->signer_cert_pem);
  if (!who.ok()) return who.status().Annotate("bundle signer is not a device");
  if (revoked.IsRevoked(who->device_id))
    return Status::PermissionDenied("device " + who->device_id + " is revoked");
  if (ParseRole(who->role) == Role::kSchool && bundle->contents.school_id != who->school_id)
    return Status::PermissionDenied("device " + who->device_id + " belongs to school " +
                                    who->school_id + ", but the bundle is for school " +
                                    bundle->contents.school_id);
  *subject = *who;
  return bundle;
}

void Tally(const protocol::PushAck& ack, BundleImportSummary* s) {
  for (const auto& r : ack.results) {
    ++s->ops;
    if (r.outcome == protocol::Outcome::kApplied) ++s->applied;
    if (r.outcome == protocol::Outcome::kSuperseded) ++s->superseded;
    if (r.outcome == protocol::Outcome::kRejected) {
      ++s->rejected;
      s->rejections.push_back("seq " + std::to_string(r.device_seq) + ": " + r.reason);
    }
  }
}

Result<uint64_t> LeafCount(Store& store, const std::string& school) {
  auto txn = store.BeginRead(school);
  if (!txn.ok()) return txn.status();
  return (*txn)->LeafCount();
}

// Rejected ops of the school's log, from the leaves (rejected ops never get a
// server_seq, so the op stream does not carry them).
Result<std::vector<BundleRejection>> Rejections(Store& store, const std::string& school) {
  auto txn = store.BeginRead(school);
  if (!txn.ok()) return txn.status();
  auto count = (*txn)->LeafCount();
  if (!count.ok()) return count.status();
  std::vector<BundleRejection> out;
  for (uint64_t from = 0; from < *count; from += kLeafChunk) {
    auto leaves = (*txn)->ReadLeaves(from, kLeafChunk);
    if (!leaves.ok()) return leaves.status();
    for (const auto& bytes : *leaves) {
      auto leaf = DecodeAuditLeaf(bytes);
      if (!leaf.ok()) return leaf.status().Annotate("reading the audit log");
      if (leaf->outcome != "rejected") continue;
      Op op;
      if (!DecodeOp(leaf->op_bytes, &op))
        return Status::Corruption("leaf " + std::to_string(leaf->index) + " holds no valid op");
      out.push_back({op.device_id, op.device_seq, leaf->reason});
    }
  }
  return out;
}

// Puts one verified file through the online path (tenancy rule, chunk and
// whole-file hashes), continuing from whatever the store already holds.
// True if this call completed it, false if it was complete already.
Result<bool> PutWholeEvidence(SyncServiceImpl& impl, const EvidenceStore& store,
                              const protocol::SessionContext& ctx, const std::string& sha,
                              const std::string& bytes) {
  bool was_complete = false;
  store.Held(sha, &was_complete);
  protocol::ChunkPut put;
  put.sha256 = sha;
  put.total_size = bytes.size();
  uint64_t offset = 0;
  bool retried = false;
  while (true) {
    put.offset = offset;
    put.bytes = bytes.substr(static_cast<size_t>(offset), protocol::kMaxEvidenceChunk);
    put.chunk_sha256 = HashBytes(Sha256(put.bytes));
    auto ack = impl.PutEvidenceChunk(ctx, put);
    if (!ack.ok()) {
      // A leftover .part of another upload that did not match: the store
      // deleted it; start once more from the beginning.
      if (!retried && ack.status().message().find("file hash mismatch") != std::string::npos) {
        retried = true;
        offset = 0;
        continue;
      }
      return ack.status();
    }
    if (ack->complete) return !was_complete;
    if (ack->next_offset == offset || ack->next_offset > bytes.size())
      return Status::Internal("evidence " + sha + ": the store made no progress at offset " +
                              std::to_string(offset));
    offset = ack->next_offset;
  }
}

// After the ops: every bundled file whose hash the school records.
Status StoreSchoolEvidence(Service& service, const protocol::SessionContext& ctx,
                           const std::vector<BundleEvidence>& evidence, BundleImportSummary* s) {
  for (const BundleEvidence& e : evidence) {
    ++s->evidence_files;
    auto stored =
        PutWholeEvidence(*service.impl, *service.evidence, ctx, e.sha256, JoinBundleEvidence(e));
    if (!stored.ok()) {
      const Status& st = stored.status();
      // Not recorded in the school (e.g. its op was rejected) or over the
      // server's size limit: the same answers an online upload gets.
      if (st.code() == Status::Code::kPermissionDenied ||
          st.code() == Status::Code::kInvalidArgument) {
        s->evidence_skipped.push_back(e.sha256 + ": " + st.message());
        continue;
      }
      return st.Annotate("storing evidence " + e.sha256);
    }
    if (*stored) {
      ++s->evidence_stored;
      s->evidence_bytes += e.size;
    } else {
      ++s->evidence_held;
    }
  }
  return Status::OK();
}

// The distinct evidence hashes the ops name, in op order.
std::vector<std::string> EvidenceNamedBy(const std::vector<protocol::ServerOp>& ops) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& [seq, op] : ops) {
    if (op.entity != "evidence") continue;
    const FieldChange* f = op.Find("sha256");
    if (!f || !std::holds_alternative<std::string>(f->value)) continue;
    const std::string& sha = std::get<std::string>(f->value);
    if (EvidenceStore::ValidSha(sha) && seen.insert(sha).second) out.push_back(sha);
  }
  return out;
}

// Reads a complete blob through the online path (tenancy rule included).
Result<std::string> GetWholeEvidence(SyncServiceImpl& impl, const protocol::SessionContext& ctx,
                                     const std::string& sha, uint64_t max_bytes) {
  std::string bytes;
  protocol::ChunkGet get;
  get.sha256 = sha;
  while (true) {
    get.offset = bytes.size();
    auto data = impl.GetEvidenceChunk(ctx, get);
    if (!data.ok()) return data.status();
    if (data->total_size > max_bytes)
      return Status::FailedPrecondition(std::to_string(data->total_size) +
                                        " bytes would pass --max-evidence-mb");
    bytes += data->bytes;
    if (bytes.size() >= data->total_size) return bytes;
    if (data->bytes.empty()) return Status::IOError("evidence " + sha + " ended early");
  }
}

Status AddDistrictEvidence(SyncServiceImpl& impl, const protocol::SessionContext& ctx,
                           const DistrictExportOptions& o,
                           const std::vector<protocol::ServerOp>& ops, BundleContents* c,
                           DistrictExportSummary* s) {
  uint64_t budget = o.max_evidence_bytes;
  for (const std::string& sha : EvidenceNamedBy(ops)) {
    auto bytes = GetWholeEvidence(impl, ctx, sha, budget);
    if (!bytes.ok()) {
      const Status& st = bytes.status();
      if (st.code() == Status::Code::kNotFound) {
        ++s->evidence_missing;
        s->notes.push_back("evidence " + sha + " not carried: not uploaded to the district yet");
        continue;
      }
      if (st.code() == Status::Code::kPermissionDenied) {
        ++s->evidence_missing;
        s->notes.push_back("evidence " + sha + " not carried: " + st.message());
        continue;
      }
      if (st.code() == Status::Code::kFailedPrecondition) {
        ++s->evidence_left_out;
        s->notes.push_back("evidence " + sha + " left out: " + st.message());
        continue;
      }
      return st.Annotate("reading evidence " + sha);
    }
    BundleEvidence e = MakeBundleEvidence(*bytes);
    if (e.sha256 != sha)
      return Status::Corruption("evidence " + sha + " in " + o.data_dir +
                                "/evidence is damaged (it hashes to " + e.sha256 + ")");
    budget -= e.size;
    ++s->evidence_files;
    s->evidence_bytes += e.size;
    c->evidence.push_back(std::move(e));
  }
  return Status::OK();
}

}  // namespace

Result<BundleImportSummary> ImportSchoolBundle(const std::string& data_dir,
                                               const std::string& bundle_path,
                                               std::function<void(const std::string&)> log) {
  auto bytes = ReadDistrictFile(bundle_path);
  if (!bytes.ok()) return bytes.status();
  auto revoked = std::make_shared<RevocationList>(data_dir + "/revoked.txt");
  RECTIFY_RETURN_IF_ERROR(revoked->Load().Annotate("is " + data_dir + " a district?"));
  DeviceSubject who;
  auto bundle = OpenSchoolBundle(data_dir, *bytes, *revoked, &who);
  if (!bundle.ok()) return bundle.status().Annotate(bundle_path);
  protocol::PushBatch batch;
  if (Status st = protocol::DecodeBody(bundle->contents.body, &batch); !st.ok())
    return Status::Corruption("bundle ops are malformed: " + st.message());

  auto service = OpenService(
      data_dir, [revoked](const std::string& d) { return revoked->IsRevoked(d); }, log);
  if (!service.ok()) return service.status();
  protocol::SessionContext ctx;
  ctx.peer = {ParseRole(who.role) == Role::kSchool ? who.school_id : "", who.device_id, who.role,
              "bundle:" + std::filesystem::path(bundle_path).filename().string()};
  ctx.school_id = bundle->contents.school_id;
  ctx.batch_prefix = ctx.peer.address;

  BundleImportSummary summary;
  summary.school_id = ctx.school_id;
  summary.device_id = who.device_id;
  summary.role = who.role;
  auto before = LeafCount(*service->store, ctx.school_id);
  if (!before.ok()) return before.status();
  for (size_t i = 0; i < batch.ops.size(); i += kBatchOps) {
    protocol::PushBatch part;
    part.batch_id = batch.batch_id + "/" + std::to_string(i / kBatchOps);
    const size_t end = std::min(batch.ops.size(), i + kBatchOps);
    part.ops.assign(batch.ops.begin() + static_cast<std::ptrdiff_t>(i),
                    batch.ops.begin() + static_cast<std::ptrdiff_t>(end));
    auto ack = service->impl->Push(ctx, part);
    if (!ack.ok())
      return ack.status().Annotate("importing ops " + std::to_string(i + 1) + ".." +
                                   std::to_string(end));
    Tally(*ack, &summary);
  }
  auto after = LeafCount(*service->store, ctx.school_id);
  if (!after.ok()) return after.status();
  summary.tree_size = *after;
  // Every new op adds exactly one leaf; the others were already held. (A
  // server running beside us may add leaves too: never report below zero.)
  const uint64_t added = *after - *before;
  summary.replayed = added >= summary.ops ? 0 : summary.ops - added;
  RECTIFY_RETURN_IF_ERROR(StoreSchoolEvidence(*service, ctx, bundle->contents.evidence, &summary));
  return summary;
}

Result<std::string> ExportDistrictBundle(const DistrictExportOptions& o,
                                         DistrictExportSummary* summary) {
  auto service = OpenService(o.data_dir, {}, {});
  if (!service.ok()) return service.status();
  protocol::SessionContext ctx;
  ctx.peer = {"", kExportDevice, std::string(RoleName(Role::kAuditor)), "bundle-export"};
  ctx.school_id = o.school_id;

  protocol::PullResponse all;
  all.from_cursor = o.since;
  all.proof_from_size = o.known_size;
  uint64_t cursor = o.since;
  while (true) {
    auto part = service->impl->Pull(ctx, {cursor, kPullLimit, o.known_size});
    if (!part.ok()) return part.status();
    for (auto& op : part->ops) all.ops.push_back(std::move(op));
    for (auto& c : part->conflicts) all.conflicts.push_back(std::move(c));
    all.checkpoint = part->checkpoint;
    all.consistency_proof = part->consistency_proof;
    all.next_cursor = part->next_cursor;
    if (!part->more || part->next_cursor <= cursor) break;
    cursor = part->next_cursor;
  }
  if (all.checkpoint.empty())
    return Status::NotFound("school " + o.school_id + " has no audit log yet: nothing to export");
  auto rejections = Rejections(*service->store, o.school_id);
  if (!rejections.ok()) return rejections.status();

  auto cert = ReadDistrictFile(o.data_dir + "/server.pem");
  if (!cert.ok()) return cert.status();
  auto key = ReadDistrictFile(o.data_dir + "/server.key");
  if (!key.ok()) return key.status();
  Bundle b;
  b.kind = BundleKind::kDistrictToSchool;
  b.contents.school_id = o.school_id;
  b.contents.body = protocol::EncodeBody(all);
  b.contents.rejections = std::move(*rejections);
  b.signer_cert_pem = *cert;
  DistrictExportSummary s;
  if (o.evidence)
    RECTIFY_RETURN_IF_ERROR(AddDistrictEvidence(*service->impl, ctx, o, all.ops, &b.contents, &s));
  auto sealed = SealBundle(b, *key);
  if (!sealed.ok()) return sealed.status();
  if (summary) {
    *summary = std::move(s);
    summary->ops = all.ops.size();
    summary->conflicts = all.conflicts.size();
    summary->rejections = b.contents.rejections.size();
    summary->next_cursor = all.next_cursor;
    auto text = NoteText(all.checkpoint);
    auto cp = text.ok() ? ParseCheckpointBody(*text) : Result<Checkpoint>(text.status());
    summary->tree_size = cp.ok() ? cp->size : 0;
  }
  return sealed;
}

}  // namespace rectify
