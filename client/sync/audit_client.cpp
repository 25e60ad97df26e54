#include "client/sync/audit_client.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "client/sync/identity.h"
#include "protocol/codec.h"
#include "shared/merkle.h"
#include "shared/op.h"

namespace rectify {

namespace {

Result<protocol::AuditResponse> QueryPage(const SyncTarget& target, const protocol::AuditQuery& q) {
  auto frame = RunRequest(
      target, {},
      [q](uint8_t v) { return protocol::EncodeMessage(protocol::MsgType::kAuditQuery, q, v); },
      protocol::MsgType::kAuditResponse);
  if (!frame.ok()) return frame.status();
  protocol::AuditResponse resp;
  RECTIFY_RETURN_IF_ERROR(
      protocol::DecodeMessage(*frame, protocol::MsgType::kAuditResponse, &resp));
  return resp;
}

// Asks page after page from q.from until the server says there is no more;
// `on_page` may set q.upto (it sees `q` by reference).
Status ForEachPage(const SyncTarget& target, protocol::AuditQuery& q,
                   const std::function<Status(const protocol::AuditResponse&)>& on_page) {
  if (target.school_id.empty()) return Status::InvalidArgument("name the school with --school ID");
  while (true) {
    auto page = QueryPage(target, q);
    if (!page.ok()) return page.status();
    RECTIFY_RETURN_IF_ERROR(on_page(*page));
    if (!page->more) return Status::OK();
    if (page->next <= q.from)
      return Status::Corruption("the server's audit answer does not advance (page at " +
                                std::to_string(q.from) + ")");
    q.from = page->next;
  }
}

// Appends the rows of `page` to `all`: an array's elements, or an object's
// "leaves" (history) or "rows" (as_of).
void MergePage(nlohmann::json& all, nlohmann::json page) {
  if (all.is_array() && page.is_array()) {
    for (auto& row : page) all.push_back(std::move(row));
    return;
  }
  if (!all.is_object() || !page.is_object()) return;
  for (const char* key : {"leaves", "rows"})
    if (all.contains(key) && page.contains(key))
      for (auto& row : page[key]) all[key].push_back(std::move(row));
}

}  // namespace

Result<protocol::AuditResponse> RunAuditQuery(const SyncTarget& target, const std::string& kind,
                                              const std::string& arg, int64_t since_ms,
                                              uint64_t page_bytes) {
  protocol::AuditQuery q{kind, target.school_id, arg, since_ms};
  q.max_bytes = page_bytes;
  protocol::AuditResponse merged;
  nlohmann::json all;
  bool first = true;
  RECTIFY_RETURN_IF_ERROR(ForEachPage(target, q, [&](const protocol::AuditResponse& page) {
    auto j = nlohmann::json::parse(page.json, nullptr, false);
    if (j.is_discarded()) return Status::Corruption("the server's answer is not JSON");
    if (first) {
      merged = page;
      all = std::move(j);
      first = false;
    } else {
      MergePage(all, std::move(j));
    }
    return Status::OK();
  }));
  merged.json = all.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  merged.more = false;
  return merged;
}

Status FetchAuditExport(const SyncTarget& target, uint64_t page_bytes,
                        const std::function<Status(const protocol::AuditResponse&)>& on_page) {
  protocol::AuditQuery q{"export", target.school_id, "", 0};
  q.max_bytes = page_bytes;
  return ForEachPage(target, q, [&](const protocol::AuditResponse& page) {
    // Later pages read the prefix the first page's checkpoint commits to.
    if (q.upto == 0 && !page.checkpoint.empty()) {
      auto text = NoteText(page.checkpoint);
      if (!text.ok()) return text.status().Annotate("export checkpoint");
      auto cp = ParseCheckpointBody(*text);
      if (!cp.ok()) return cp.status().Annotate("export checkpoint");
      q.upto = cp->size;
    }
    return on_page(page);
  });
}

Result<ProvenOp> ProveOwnOp(const SyncTarget& target, const std::string& device_id,
                            uint64_t device_seq) {
  protocol::ProofRequest q;
  q.device_id = device_id;
  q.device_seq = device_seq;
  auto frame = RunRequest(
      target, {},
      [q](uint8_t v) { return protocol::EncodeMessage(protocol::MsgType::kProofRequest, q, v); },
      protocol::MsgType::kProofResponse);
  if (!frame.ok()) return frame.status().Annotate("audit prove");
  protocol::ProofResponse resp;
  RECTIFY_RETURN_IF_ERROR(
      protocol::DecodeMessage(*frame, protocol::MsgType::kProofResponse, &resp));
  auto vkey = LoadLogKey(target.identity_dir);
  if (!vkey.ok()) return vkey.status();
  auto cp = VerifyNote(resp.checkpoint, vkey->name, vkey->key);
  if (!cp.ok()) return cp.status().Annotate("checkpoint");
  auto leaf = DecodeAuditLeaf(resp.leaf);
  if (!leaf.ok()) return leaf.status().Annotate("leaf");
  Op op;
  if (!DecodeOp(leaf->op_bytes, &op) || op.device_id != device_id || op.device_seq != device_seq)
    return Status::Corruption("the server returned a leaf that is not op " +
                              std::to_string(device_seq) + " of this device");
  std::vector<Hash> proof;
  for (const auto& h : resp.proof) {
    auto x = HashFromBytes(h);
    if (!x.ok()) return x.status();
    proof.push_back(*x);
  }
  Status st = VerifyInclusion(resp.leaf_index, cp->size, LeafHash(resp.leaf), proof, cp->root);
  if (!st.ok()) return st.Annotate("inclusion proof");
  return ProvenOp{resp.leaf_index, *cp, *leaf};
}

}  // namespace rectify
