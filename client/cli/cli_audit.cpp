// `rectify audit ...`: the auditor's view of a school's audit log through the
// server (log, history, as-of, conflicts, rejected, export), the offline
// verifier of an export, and `audit prove`, which any device may use to get
// and check the inclusion proof of one of its own ops.
#include "client/cli/cli_audit.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <CLI/CLI.hpp>

#include "client/cli/cli_context.h"
#include "client/cli/cli_sync.h"
#include "client/cli/cli_util.h"
#include "client/sync/audit_client.h"
#include "client/sync/identity.h"
#include "shared/audit_export_verify.h"
#include "shared/audit_leaf.h"
#include "shared/checkpoint.h"
#include "shared/merkle.h"
#include "shared/role.h"
#include "shared/time_format.h"

namespace rectify {

namespace {

struct AuditArgs {
  std::string server, identity, school, since, arg, out_dir, key_file;
  int64_t seq = 0;
  uint64_t page_bytes = 0;  // 0: the server's page size
};

void AddTargetOptions(CLI::App* cmd, AuditArgs& a) {
  cmd->add_option("--server", a.server, "HOST:PORT of rectifyd (default: the one sync remembers)");
  cmd->add_option("--identity", a.identity, "identity directory (default: the one sync remembers)");
  cmd->add_option("--school", a.school, "the school whose log to read (auditors)");
  // Hidden (an empty group): smaller answer pages, so tests page a small log.
  cmd->add_option("--page-bytes", a.page_bytes, "bytes per answer page (default: the server's)")
      ->group("");
}

// "2024-03-01" (local midnight in the TZ zone, as every time the CLI
// prints: shared/time_format.h), or "7d"/"12h" ago.
Result<int64_t> ParseSince(const std::string& text) {
  if (text.empty()) return int64_t{0};
  if (IsValidDate(text)) return LocalMidnightMillis(text);
  auto d = ParseDuration(text);
  if (!d.ok())
    return Status::InvalidArgument("--since: '" + text +
                                   "' is neither YYYY-MM-DD nor a duration like 7d");
  return SystemClock::Instance().NowMillis() - *d;
}

Result<protocol::AuditResponse> Query(CliContext& ctx, const AuditArgs& a, const std::string& kind,
                                      int64_t since_ms) {
  auto l = ctx.ledger();
  if (!l.ok()) return l.status();
  auto target = ResolveSyncTarget(**l, a.server, a.identity, a.school);
  if (!target.ok()) return target.status();
  return RunAuditQuery(*target, kind, a.arg, since_ms, a.page_bytes);
}

Value JsonValue(const nlohmann::json& v) {
  if (v.is_number_integer()) return Value{v.get<int64_t>()};
  if (v.is_string()) return Value{v.get<std::string>()};
  return Value{};
}

// Renders the server's answers for people: names instead of ids, the one time
// rule, outcomes and roles in words, and each field as old → new.
class AuditPrinter {
 public:
  AuditPrinter(CliContext& ctx, Ledger& ledger) : ctx_(ctx), ledger_(ledger), names_(ledger) {}

  // "#12 2026-12-04 20:34:48 +08:00 已应用 问题 3 — 张三，设备 pc1（学校）"
  // then one line per field. Values of applied leaves are remembered, so a
  // later leaf shows what it changed from.
  void Leaf(const nlohmann::json& r) {
    std::ostream& o = *ctx_.out;
    const std::string outcome = r.value("outcome", "");
    const std::string entity = r.value("entity", ""), row = r.value("row", "");
    const auto role = ParseRole(r.value("role", ""));
    o << "#" << r.value("index", uint64_t{0}) << " "
      << FormatLocalTime(r.value("server_time_ms", int64_t{0})) << " "
      << (ctx_.english ? outcome : std::string(AuditOutcomeLabel(outcome))) << " "
      << RowLabel(ctx_, ledger_, entity, row) << " — " << r.value("author", "")
      << ctx_.Say("，设备 ", " on ") << r.value("device", "") << ctx_.Say("（", " (")
      << (role ? (ctx_.english ? RoleName(*role) : RoleLabel(*role)) : r.value("role", ""))
      << ctx_.Say("）", ")");
    if (!r.value("reason", "").empty()) o << ctx_.Say("：", ": ") << r.value("reason", "");
    if (r.value("clamped_from_hlc", uint64_t{0}) != 0)
      o << ctx_.Say(" [设备时钟超前，已按服务器时间记]", " [clock clamped]");
    o << "\n";
    // Bound to a name: items() of a temporary would walk a destroyed object.
    const nlohmann::json fields = r.value("fields", nlohmann::json::object());
    for (const auto& [field, value] : fields.items()) {
      const std::string key = entity + "/" + row + "/" + field;
      o << "    " << field << ": ";
      auto before = last_.find(key);
      if (outcome != "applied") {
        o << Shown(field, JsonValue(value)) << ctx_.Say("（未生效）", " (not applied)") << "\n";
        continue;
      }
      if (before != last_.end()) o << Shown(field, before->second) << " → ";
      o << Shown(field, JsonValue(value)) << "\n";
      last_[key] = JsonValue(value);
    }
  }

  void Leaves(const nlohmann::json& rows) {
    if (!rows.is_array() || rows.empty()) {
      *ctx_.out << ctx_.Say("（无）\n", "(none)\n");
      return;
    }
    for (const auto& r : rows) Leaf(r);
  }

  // A conflict the server recorded: both sides with who, device and when.
  void Conflict(const nlohmann::json& c) {
    const std::string field = c.value("field", "");
    *ctx_.out << ctx_.Say("冲突 #", "conflict #") << c.value("id", uint64_t{0}) << " "
              << RowLabel(ctx_, ledger_, c.value("entity", ""), c.value("row", ""))
              << ctx_.Say(" 字段 ", " field ") << field << "\n";
    Side(ctx_.Say("  保留：", "  kept: "), field, c.value("winner", nlohmann::json::object()));
    Side(ctx_.Say("  落选：", "  lost: "), field, c.value("loser", nlohmann::json::object()));
    *ctx_.out << ctx_.Say("  规则：", "  rule: ") << c.value("rule", "") << "\n";
  }

  // The answer made easier for programs too: each time also in RFC 3339 and
  // each device id with its name (the server's fields stay as they are).
  nlohmann::json Enrich(nlohmann::json j) const {
    auto leaf = [](nlohmann::json& r) {
      if (r.is_object() && r.contains("server_time_ms"))
        r["time"] = FormatRfc3339(r.value("server_time_ms", int64_t{0}));
    };
    auto conflict = [this](nlohmann::json& c) {
      for (const char* side : {"winner", "loser"}) {
        if (!c.is_object() || !c.contains(side)) continue;
        nlohmann::json& s = c[side];
        s["time"] = FormatRfc3339(Hlc{s.value("hlc", uint64_t{0})});
        s["device_name"] = names_.Label(ctx_, s.value("device", ""), s.value("device_name", ""));
      }
    };
    if (j.is_array())
      for (auto& r : j) r.contains("winner") ? conflict(r) : leaf(r);
    if (j.is_object()) {
      if (j.contains("leaves"))
        for (auto& r : j["leaves"]) leaf(r);
      if (j.contains("conflicts"))
        for (auto& c : j["conflicts"]) conflict(c);
      if (j.contains("cutoff_ms")) j["cutoff"] = FormatRfc3339(j.value("cutoff_ms", int64_t{0}));
    }
    return j;
  }

 private:
  std::string Shown(const std::string& field, const Value& v) const {
    if (!IsNull(v) && field.size() > 3 && field.ends_with("_id")) return ShortId(ValueToString(v));
    return ValueLabel(ctx_, field, v);
  }

  void Side(const char* label, const std::string& field, const nlohmann::json& s) {
    *ctx_.out << label << ctx_.Say("“", "\"") << Shown(field, JsonValue(s.value("value", nlohmann::json())))
              << ctx_.Say("” — ", "\" by ") << s.value("author", "") << ctx_.Say("，设备 ", " on ")
              << names_.Label(ctx_, s.value("device", ""), s.value("device_name", ""))
              << ctx_.Say("，", " at ") << FormatLocalTime(Hlc{s.value("hlc", uint64_t{0})})
              << "\n";
  }

  CliContext& ctx_;
  Ledger& ledger_;
  DeviceNames names_;
  std::map<std::string, Value> last_;  // entity/row/field -> value after the last applied leaf
};

void RunList(CliContext& ctx, const AuditArgs& a, const std::string& kind) {
  auto since = ParseSince(a.since);
  if (!since.ok()) return ctx.Fail(since.status());
  auto resp = Query(ctx, a, kind, *since);
  if (!resp.ok()) return ctx.Fail(resp.status().Annotate("audit " + kind));
  auto j = nlohmann::json::parse(resp->json, nullptr, false);
  if (j.is_discarded()) return ctx.Fail("the server's answer is not JSON");
  auto l = ctx.ledger();  // opened by Query
  if (!l.ok()) return ctx.Fail(l.status());
  AuditPrinter printer(ctx, **l);
  if (ctx.json) return PrintJson(ctx, printer.Enrich(std::move(j)));
  if (kind == "history") {
    const auto leaves = j.value("leaves", nlohmann::json::array());
    *ctx.out << ctx.Say("问题 ", "every change of problem ") << a.arg
             << ctx.Say(" 的全部改动（", " (") << leaves.size()
             << ctx.Say(" 条）：\n", " leaves):\n");
    printer.Leaves(leaves);
    const auto conflicts = j.value("conflicts", nlohmann::json::array());
    *ctx.out << ctx.Say("冲突：", "conflicts: ") << conflicts.size() << "\n";
    for (const auto& c : conflicts) printer.Conflict(c);
    return;
  }
  if (kind == "as_of") {
    *ctx.out << "ledger as of " << j.value("date", "") << " (server time before "
             << FormatLocalTime(j.value("cutoff_ms", int64_t{0})) << ")\n";
    // Bound to a name: iterating items() of the temporary value() returns
    // would walk a destroyed object (issue 11, defect 1).
    const nlohmann::json counts = j.value("problem_status_counts", nlohmann::json::object());
    for (const auto& [status, n] : counts.items()) *ctx.out << "  " << status << ": " << n << "\n";
    *ctx.out << "rows: " << j.value("rows", nlohmann::json::array()).size()
             << " (use --json for every field)\n";
    return;
  }
  if (kind == "conflicts") {
    if (!j.is_array() || j.empty())
      *ctx.out << ctx.Say("没有冲突\n", "no conflicts\n");
    else
      for (const auto& c : j) printer.Conflict(c);
    return;
  }
  printer.Leaves(j);
}

// The export arrives in pages (docs/protocol.md "Limits"): each page's leaves
// are appended to DIR/leaves.jsonl.partial as they come, the whole is
// verified, and only then renamed to leaves.jsonl next to its checkpoint and
// key (docs/audit-log.md §4).
void RunExport(CliContext& ctx, const AuditArgs& a) {
  if (a.out_dir.empty()) return ctx.Fail("give --out DIR");
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto target = ResolveSyncTarget(**l, a.server, a.identity, a.school);
  if (!target.ok()) return ctx.Fail(target.status());
  std::error_code ec;
  std::filesystem::create_directories(a.out_dir, ec);
  if (ec) return ctx.Fail("cannot create " + a.out_dir + ": " + ec.message());
  const std::string partial = a.out_dir + "/leaves.jsonl.partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) return ctx.Fail("cannot write " + partial);
  std::string checkpoint, public_key;
  uint64_t pages = 0;
  Status fetched = FetchAuditExport(*target, a.page_bytes, [&](const protocol::AuditResponse& p) {
    if (pages++ == 0) checkpoint = p.checkpoint, public_key = p.public_key;
    for (const auto& leaf : p.leaves) out << leaf << '\n';
    return out ? Status::OK() : Status::IOError("writing " + partial);
  });
  out.close();
  if (!fetched.ok()) return ctx.Fail(fetched.Annotate("audit export"));
  auto vkey = ParseVerifierKey(public_key);
  if (!vkey.ok()) return ctx.Fail(vkey.status().Annotate("server's verifier key"));
  auto written = ReadFileBytes(partial);
  if (!written.ok()) return ctx.Fail(written.status());
  auto leaves = SplitLeavesJsonl(*written);
  if (!leaves.ok()) return ctx.Fail(leaves.status().Annotate(partial));
  // Verify before keeping: an export we cannot verify is not worth keeping.
  Checkpoint cp;
  Status ok = VerifyExport(*leaves, checkpoint, vkey->name, vkey->key, {}, &cp);
  if (!ok.ok()) return ctx.Fail(ok.Annotate("the server's export does not verify"));
  Status st = WriteOutputFile(a.out_dir + "/checkpoint", checkpoint);
  if (st.ok()) st = WriteOutputFile(a.out_dir + "/log.pub", public_key + "\n" + vkey->key.ToPem());
  std::filesystem::rename(partial, a.out_dir + "/leaves.jsonl", ec);
  if (st.ok() && ec) st = Status::IOError("renaming " + partial + ": " + ec.message());
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json)
    return PrintJson(ctx, {{"dir", a.out_dir},
                           {"leaves", cp.size},
                           {"pages", pages},
                           {"origin", cp.origin},
                           {"root", HashToHex(cp.root)}});
  *ctx.out << "exported " << cp.size << " leaves of " << cp.origin << " to " << a.out_dir
           << " (verified)\n";
}

void RunVerify(CliContext& ctx, const AuditArgs& a) {
  const std::string& dir = a.arg;
  auto leaves_text = ReadFileBytes(dir + "/leaves.jsonl");
  if (!leaves_text.ok()) return ctx.Fail(leaves_text.status());
  auto note = ReadFileBytes(dir + "/checkpoint");
  if (!note.ok()) return ctx.Fail(note.status());
  const std::string key_path = a.key_file.empty() ? dir + "/log.pub" : a.key_file;
  auto key_text = ReadFileBytes(key_path);
  if (!key_text.ok()) return ctx.Fail(key_text.status());
  // Either form: the export's log.pub or the district's PEM (issue 11, defect 5).
  auto vkey = ParseLogKeyFile(*key_text, *note);
  if (!vkey.ok()) return ctx.Fail(vkey.status().Annotate(key_path));
  if (a.key_file.empty())
    ctx.Warn(ctx.Say("用的是导出目录里自带的公钥；加上 --key 区里公布的 log.pub 才能排除伪造的导出",
                     "using the key inside the export; pass --key with the district's published "
                     "log.pub to rule out a forged export"));
  auto leaves = SplitLeavesJsonl(*leaves_text);
  if (!leaves.ok()) return ctx.Fail(leaves.status().Annotate(dir + "/leaves.jsonl"));
  Checkpoint cp;
  Status st = VerifyExport(*leaves, *note, vkey->name, vkey->key, {}, &cp);
  if (!st.ok()) return ctx.Fail(st.Annotate("verification FAILED"));
  if (ctx.json)
    return PrintJson(ctx, {{"ok", true},
                           {"origin", cp.origin},
                           {"leaves", cp.size},
                           {"root", HashToHex(cp.root)},
                           {"key", vkey->name}});
  *ctx.out << "OK: " << cp.origin << ", " << cp.size << " leaves, root " << HashToHex(cp.root)
           << ", signed by " << vkey->name << "\n";
}

// The inclusion proof of one of this device's own ops, checked against the
// signed checkpoint and the checkpoint this ledger already verified.
void RunProve(CliContext& ctx, const AuditArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto target = ResolveSyncTarget(**l, a.server, a.identity, a.school);
  if (!target.ok()) return ctx.Fail(target.status());
  auto proven = ProveOwnOp(*target, (*l)->device_id(), static_cast<uint64_t>(a.seq));
  if (!proven.ok()) return ctx.Fail(proven.status());
  const Checkpoint* cp = &proven->checkpoint;
  const AuditLeaf* leaf = &proven->leaf;
  const auto& resp = *proven;
  if (ctx.json)
    return PrintJson(ctx, {{"seq", a.seq},
                           {"leaf_index", resp.leaf_index},
                           {"tree_size", cp->size},
                           {"outcome", leaf->outcome},
                           {"root", HashToHex(cp->root)},
                           {"verified", true}});
  *ctx.out << "op " << a.seq << " is leaf " << resp.leaf_index << " of " << cp->origin << " (size "
           << cp->size << "), outcome " << leaf->outcome
           << ": inclusion proof verified against the signed checkpoint\n";
}

}  // namespace

void AddAuditCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* audit =
      app.add_subcommand("audit", "the tamper-evident audit log: query, export, verify");
  audit->require_subcommand(1);

  auto list = [&](const std::string& name, const std::string& kind, const std::string& help) {
    CLI::App* cmd = audit->add_subcommand(name, help);
    AddTargetOptions(cmd, *args);
    cmd->add_option("--since", args->since, "only leaves since YYYY-MM-DD or a duration ago (7d)");
    cmd->callback([&ctx, args, kind] { RunList(ctx, *args, kind); });
    return cmd;
  };
  list("log", "log", "every op the server received for the school, with its outcome (auditors)");
  list("rejected", "rejected", "ops the server rejected, with the reason (auditors)");
  list("conflicts", "conflicts", "every conflict recorded for the school (auditors)");
  CLI::App* history = list("history", "history",
                           "every change of one problem: who, device, times, outcome, conflicts");
  history->add_option("PROBLEM", args->arg, "problem number or id")->required();
  CLI::App* asof = list("as-of", "as_of", "the ledger and its statistics as they stood on a date");
  asof->add_option("DATE", args->arg, "YYYY-MM-DD (district time)")
      ->required()
      ->check([](const std::string& s) {
        return IsValidDate(s) ? std::string() : "not a YYYY-MM-DD date";
      });

  CLI::App* exp =
      audit->add_subcommand("export", "write the school's leaves, checkpoint and key to DIR");
  AddTargetOptions(exp, *args);
  exp->add_option("--out", args->out_dir, "output directory")->required();
  exp->callback([&ctx, args] { RunExport(ctx, *args); });

  CLI::App* verify = audit->add_subcommand("verify", "verify an export offline (no server needed)");
  verify->add_option("DIR", args->arg, "directory written by `rectify audit export`")->required();
  verify->add_option("--key", args->key_file,
                     "the district's published log.pub (default: the copy inside DIR)");
  verify->callback([&ctx, args] { RunVerify(ctx, *args); });

  CLI::App* prove = audit->add_subcommand(
      "prove", "get and check the inclusion proof of one of this device's own ops");
  AddTargetOptions(prove, *args);
  prove->add_option("SEQ", args->seq, "the op's device sequence number")
      ->required()
      ->check(CLI::PositiveNumber);
  prove->callback([&ctx, args] { RunProve(ctx, *args); });
}

}  // namespace rectify
