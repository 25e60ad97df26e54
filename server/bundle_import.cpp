#include "server/bundle_import.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "protocol/messages.h"
#include "server/pki.h"
#include "server/revocation_list.h"
#include "server/serve_wiring.h"
#include "server/sqlite_store.h"
#include "server/sync_service_impl.h"
#include "shared/audit_leaf.h"
#include "shared/bundle_format.h"
#include "shared/checkpoint.h"
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
  SyncServiceOptions so;
  so.is_revoked = std::move(is_revoked);
  so.log = std::move(log);
  so.log_name = *name;
  Service s;
  s.store = std::move(*store);
  s.impl =
      std::make_unique<SyncServiceImpl>(*s.store, std::move(*key), SystemClock::Instance(), so);
  return s;
}

// Authenticates a school bundle: intact, of the right kind, signed by a
// device certified by this district and not revoked.
Result<Bundle> OpenSchoolBundle(const std::string& data_dir, const std::string& bytes,
                                RevocationList& revoked, DeviceSubject* subject) {
  auto bundle = OpenBundle(bytes);
  if (!bundle.ok()) return bundle.status();
  if (bundle->kind != BundleKind::kSchoolToDistrict)
    return Status::InvalidArgument(std::string("this is a ") + BundleKindName(bundle->kind) +
                                   " bundle; import it on a school device with "
                                   "`rectify bundle import`");
  auto ca = ReadDistrictFile(data_dir + "/ca.pem");
  if (!ca.ok()) return ca.status();
  RECTIFY_RETURN_IF_ERROR(VerifyBundleSigner(bundle->signer_cert_pem, *ca));
  auto who = ParseDeviceCertificatePem(bundle->signer_cert_pem);
  if (!who.ok()) return who.status().Annotate("bundle signer is not a device");
  if (revoked.IsRevoked(who->device_id))
    return Status::PermissionDenied("device " + who->device_id + " is revoked");
  if (who->role == kRoleSchool && bundle->contents.school_id != who->school_id)
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
  ctx.peer = {who.role == kRoleSchool ? who.school_id : "", who.device_id, who.role,
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
  return summary;
}

Result<std::string> ExportDistrictBundle(const DistrictExportOptions& o,
                                         DistrictExportSummary* summary) {
  auto service = OpenService(o.data_dir, {}, {});
  if (!service.ok()) return service.status();
  protocol::SessionContext ctx;
  ctx.peer = {"", kExportDevice, kRoleAuditor, "bundle-export"};
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
  auto sealed = SealBundle(b, *key);
  if (!sealed.ok()) return sealed.status();
  if (summary) {
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
