// The sync-facing half of Ledger: outbox, canon, conflicts, state dumps.
#include <algorithm>
#include <set>
#include <utility>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

using namespace ledger_internal;

namespace {

using RowKey = std::pair<std::string, std::string>;  // entity, row id

Result<std::vector<Op>> ReadOps(Statement& stmt) {
  std::vector<Op> ops;
  for (;;) {
    auto more = stmt.Step();
    if (!more.ok()) return more.status();
    if (!*more) return ops;
    Op op;
    if (!DecodeOp(stmt.ColumnBlob(0), &op)) return Status::Corruption("undecodable op in outbox");
    ops.push_back(std::move(op));
  }
}

}  // namespace

std::vector<Op> Ledger::PendingOps(size_t limit, uint64_t after_seq) {
  auto stmt = db_->Prepare(
      "SELECT op FROM outbox WHERE state = 'pending' AND device_seq > ?2 ORDER BY device_seq "
      "LIMIT ?1");
  if (!stmt.ok()) return {};
  if (!stmt->Bind(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX))).ok()) return {};
  if (!stmt->Bind(2, static_cast<int64_t>(std::min<uint64_t>(after_seq, INT64_MAX))).ok())
    return {};
  auto ops = ReadOps(*stmt);
  return ops.ok() ? std::move(ops).value() : std::vector<Op>{};
}

uint64_t Ledger::PendingCount() {
  auto n = QueryInt(*db_, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'", {}, 0);
  return n.ok() ? static_cast<uint64_t>(*n) : 0;
}

uint64_t Ledger::LastDeviceSeq() { return std::stoull(GetMeta("last_device_seq").value_or("0")); }

Status Ledger::MarkAcked(const std::vector<uint64_t>& seqs) {
  return InTx([&]() -> Status {
    // One statement per run of consecutive seqs (an ack usually is one run):
    // a statement per op was 45% of the client's cost of a long push.
    auto stmt = db_->Prepare(
        "UPDATE outbox SET state = 'acked' WHERE device_seq BETWEEN ?1 AND ?2 AND state = "
        "'pending'");
    if (!stmt.ok()) return stmt.status();
    std::vector<uint64_t> sorted(seqs);
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size();) {
      size_t j = i;
      while (j + 1 < sorted.size() && sorted[j + 1] <= sorted[j] + 1) ++j;
      RECTIFY_RETURN_IF_ERROR(stmt->Reset());
      RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, static_cast<int64_t>(sorted[i])));
      RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, static_cast<int64_t>(sorted[j])));
      RECTIFY_RETURN_IF_ERROR(stmt->Run());
      i = j + 1;
    }
    return Status::OK();
  });
}

Status Ledger::DropRejected(const std::vector<uint64_t>& seqs) {
  return InTx([&]() -> Status {
    auto find = db_->Prepare("SELECT entity, row_id FROM outbox WHERE device_seq = ?1");
    auto del = db_->Prepare("DELETE FROM outbox WHERE device_seq = ?1");
    if (!find.ok()) return find.status();
    if (!del.ok()) return del.status();
    std::set<RowKey> touched;
    for (uint64_t seq : seqs) {
      RECTIFY_RETURN_IF_ERROR(find->Reset());
      RECTIFY_RETURN_IF_ERROR(find->Bind(1, static_cast<int64_t>(seq)));
      auto row = find->Step();
      if (!row.ok()) return row.status();
      if (!*row) continue;
      touched.emplace(find->ColumnText(0), find->ColumnText(1));
      RECTIFY_RETURN_IF_ERROR(del->Reset());
      RECTIFY_RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(seq)));
      RECTIFY_RETURN_IF_ERROR(del->Run());
    }
    for (const auto& [entity, row_id] : touched)
      RECTIFY_RETURN_IF_ERROR(RebuildRow(entity, row_id));
    return Status::OK();
  });
}

Status Ledger::ApplyPulled(const std::vector<Op>& ops, uint64_t new_cursor) {
  return InTx([&]() -> Status {
    std::map<RowKey, std::pair<std::string, RowState>> canon;  // -> (school id, state)
    auto del = db_->Prepare("DELETE FROM outbox WHERE device_seq = ?1");
    if (!del.ok()) return del.status();
    for (const Op& op : ops) {
      if (op.entity.empty() || op.row_id.empty())
        return Status::InvalidArgument("pulled op without entity or row id");
      RowKey key{op.entity, op.row_id};
      auto it = canon.find(key);
      if (it == canon.end()) {
        std::string school;
        auto row = LoadCanonRow(op.entity, op.row_id, &school);
        if (!row.ok()) return row.status();
        it = canon.emplace(key, std::make_pair(school, std::move(row).value())).first;
      }
      if (it->second.first.empty()) it->second.first = op.school_id;
      // Client-side conflicts are not recorded here: the server, which sees
      // every op, reports them (StoreConflicts).
      MergeOp(it->second.second, op);
      if (op.device_id == device_id_) {
        RECTIFY_RETURN_IF_ERROR(del->Reset());
        RECTIFY_RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(op.device_seq)));
        RECTIFY_RETURN_IF_ERROR(del->Run());
      }
      hlc_.Observe(op.hlc);
    }
    for (const auto& [key, school_and_row] : canon) {
      RECTIFY_RETURN_IF_ERROR(
          StoreCanonRow(key.first, key.second, school_and_row.first, school_and_row.second));
      RECTIFY_RETURN_IF_ERROR(RebuildRow(key.first, key.second));
    }
    RECTIFY_RETURN_IF_ERROR(PutMeta("hlc_last", std::to_string(hlc_.last().raw)));
    if (new_cursor > pull_cursor_) {
      RECTIFY_RETURN_IF_ERROR(PutMeta("pull_cursor", std::to_string(new_cursor)));
      pull_cursor_ = new_cursor;
    }
    return Status::OK();
  });
}

// ---- conflicts -------------------------------------------------------------------

Status Ledger::StoreConflicts(const std::vector<LocalConflict>& conflicts) {
  return InTx([&]() -> Status {
    auto seen = db_->Prepare("SELECT 1 FROM conflicts WHERE server_id = ?1");
    auto ins = db_->Prepare(
        "INSERT INTO conflicts(server_id, entity, row_id, field, winner_value, winner_author, "
        "winner_device, winner_hlc, loser_value, loser_author, loser_device, loser_hlc, rule, "
        "resolved) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!seen.ok()) return seen.status();
    if (!ins.ok()) return ins.status();
    for (const auto& c : conflicts) {
      if (!c.server_id.empty()) {
        RECTIFY_RETURN_IF_ERROR(seen->Reset());
        RECTIFY_RETURN_IF_ERROR(seen->Bind(1, c.server_id));
        auto row = seen->Step();
        if (!row.ok()) return row.status();
        if (*row) continue;
      }
      RECTIFY_RETURN_IF_ERROR(ins->Reset());
      RECTIFY_RETURN_IF_ERROR(ins->Bind(1, c.server_id));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(2, c.entity));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(3, c.row_id));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(4, c.field));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(5, c.winner_value));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(6, c.winner_author));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(7, c.winner_device));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(8, static_cast<int64_t>(c.winner_hlc.raw)));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(9, c.loser_value));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(10, c.loser_author));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(11, c.loser_device));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(12, static_cast<int64_t>(c.loser_hlc.raw)));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(13, c.rule));
      RECTIFY_RETURN_IF_ERROR(ins->Bind(14, int64_t{c.resolved ? 1 : 0}));
      RECTIFY_RETURN_IF_ERROR(ins->Run());
    }
    return Status::OK();
  });
}

std::vector<LocalConflict> Ledger::Conflicts(bool include_resolved) {
  auto stmt = db_->Prepare(
      "SELECT id, server_id, entity, row_id, field, winner_value, winner_author, winner_device, "
      "winner_hlc, loser_value, loser_author, loser_device, loser_hlc, rule, resolved "
      "FROM conflicts WHERE resolved = 0 OR ?1 = 1 ORDER BY id");
  std::vector<LocalConflict> out;
  if (!stmt.ok() || !stmt->Bind(1, int64_t{include_resolved ? 1 : 0}).ok()) return out;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok() || !*more) return out;
    LocalConflict c;
    c.id = stmt->ColumnInt(0);
    c.server_id = stmt->ColumnText(1);
    c.entity = stmt->ColumnText(2);
    c.row_id = stmt->ColumnText(3);
    c.field = stmt->ColumnText(4);
    c.winner_value = stmt->ColumnValue(5);
    c.winner_author = stmt->ColumnText(6);
    c.winner_device = stmt->ColumnText(7);
    c.winner_hlc = Hlc{static_cast<uint64_t>(stmt->ColumnInt(8))};
    c.loser_value = stmt->ColumnValue(9);
    c.loser_author = stmt->ColumnText(10);
    c.loser_device = stmt->ColumnText(11);
    c.loser_hlc = Hlc{static_cast<uint64_t>(stmt->ColumnInt(12))};
    c.rule = stmt->ColumnText(13);
    c.resolved = stmt->ColumnInt(14) != 0;
    out.push_back(std::move(c));
  }
}

Status Ledger::MarkConflictResolved(int64_t id) {
  return InTx([&]() -> Status {
    auto stmt = db_->Prepare("UPDATE conflicts SET resolved = 1 WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, id));
    RECTIFY_RETURN_IF_ERROR(stmt->Run());
    if (db_->Changes() == 0) return Status::NotFound("no conflict " + std::to_string(id));
    return Status::OK();
  });
}

Status Ledger::ResolveConflict(int64_t id, const Value& value, const std::string& author) {
  return InTx([&]() -> Status {
    const LocalConflict* found = nullptr;
    auto all = Conflicts(true);
    for (const auto& c : all)
      if (c.id == id) found = &c;
    if (found == nullptr) return Status::NotFound("no conflict #" + std::to_string(id));
    if (found->resolved)
      return Status::FailedPrecondition("conflict #" + std::to_string(id) + " is already resolved");
    if (found->entity == "problem")
      RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(found->row_id));
    RECTIFY_RETURN_IF_ERROR(EditInTx(found->entity, found->row_id, {{found->field, value}}, author,
                                     nullptr, /*keep_unchanged=*/true));
    return MarkConflictResolved(id);
  });
}

// ---- dumps -----------------------------------------------------------------------

std::map<std::string, std::string> Ledger::DumpState() {
  std::map<std::string, std::string> out;
  auto stmt = db_->Prepare("SELECT entity, row_id, field FROM field_stamp ORDER BY 1, 2, 3");
  if (!stmt.ok()) return out;
  RowKey cached_key;
  std::map<std::string, Value> cached_row;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok() || !*more) return out;
    RowKey key{stmt->ColumnText(0), stmt->ColumnText(1)};
    std::string field = stmt->ColumnText(2);
    if (key != cached_key) {
      cached_key = key;
      auto row = GetRow(key.first, key.second);
      cached_row = row ? *row : std::map<std::string, Value>{};
    }
    auto it = cached_row.find(field);
    out[key.first + "/" + key.second + "/" + field] =
        it == cached_row.end() ? "" : ValueToString(it->second);
  }
}

std::map<std::string, std::string> Ledger::DumpCanon() {
  std::map<std::string, std::string> out;
  auto stmt = db_->Prepare("SELECT entity, row_id, field, value FROM canon_field");
  if (!stmt.ok()) return out;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok() || !*more) return out;
    out[stmt->ColumnText(0) + "/" + stmt->ColumnText(1) + "/" + stmt->ColumnText(2)] =
        ValueToString(stmt->ColumnValue(3));
  }
}

}  // namespace rectify
