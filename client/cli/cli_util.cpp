#include "client/cli/cli_util.h"

#include "client/sync/identity.h"
#include "client/sync/sync_runner.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "client/report/csv_import.h"
#include "shared/schema.h"
#include "shared/date.h"
#include "shared/file_io.h"

namespace rectify {

void FieldOptions::Add(CLI::App* app, const std::string& flag, const std::string& field,
                       const std::string& help, Kind kind) {
  auto e = std::make_unique<Entry>();
  e->flag = flag;
  e->field = field;
  e->kind = kind;
  e->opt = app->add_option(flag, e->value, help);
  entries_.push_back(std::move(e));
}

bool FieldOptions::any() const {
  for (const auto& e : entries_)
    if (e->opt->count() > 0) return true;
  return false;
}

Result<Fields> FieldOptions::Collect() const {
  Fields fields;
  for (const auto& e : entries_) {
    if (e->opt->count() == 0) continue;
    if (e->value.empty()) {
      fields.emplace_back(e->field, Value{});
      continue;
    }
    switch (e->kind) {
      case Kind::kText:
        fields.emplace_back(e->field, Value{e->value});
        break;
      case Kind::kDate:
      case Kind::kDeadline: {
        // The ledger checks again; asking the rule here names the flag.
        auto ok = e->kind == Kind::kDate ? NormalizeDate(e->value) : NormalizeDeadline(e->value);
        if (!ok)
          return Status::InvalidArgument(
              e->flag + (e->kind == Kind::kDate ? ": not a real date (YYYY-MM-DD): "
                                                : ": not a deadline (YYYY-MM-DD or 长期): ") +
              e->value);
        fields.emplace_back(e->field, Value{*ok});
        break;
      }
      case Kind::kInt: {
        const std::string& v = e->value;
        bool digits = !v.empty() && v.size() < 18;
        for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (!digits) return Status::InvalidArgument(e->flag + ": not a whole number: " + v);
        fields.emplace_back(e->field, Value{static_cast<int64_t>(std::stoll(v))});
        break;
      }
    }
  }
  return fields;
}

void PrintJson(CliContext& ctx, const nlohmann::json& j) {
  *ctx.out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

nlohmann::json MeasureJson(const MeasureInfo& m) {
  return {{"id", m.id},       {"ordinal", m.ordinal},   {"text", m.text},
          {"owner", m.owner}, {"deadline", m.deadline}, {"done_date", m.done_date}};
}

nlohmann::json ProblemJson(const ProblemInfo& p) {
  nlohmann::json measures = nlohmann::json::array();
  for (const auto& m : p.measures) measures.push_back(MeasureJson(m));
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : p.notes) notes.push_back(NoteJson(n));
  return {{"id", p.id},
          {"number", p.number},
          {"aspect_id", p.aspect_id},
          {"category_id", p.category_id},
          {"title", p.title},
          {"detail", p.detail},
          {"kind", std::string(KindCode(p.kind))},
          {"kind_label", std::string(KindLabel(p.kind))},
          {"status", std::string(StatusCode(p.status))},
          {"status_label", std::string(StatusLabel(p.status))},
          {"deadline", p.deadline},
          {"department", p.department},
          {"person", p.person},
          {"result", p.result},
          {"measures", measures},
          {"notes", notes}};
}

nlohmann::json NoteJson(const NoteInfo& n) {
  return {{"id", n.id}, {"number", n.number}, {"date", n.date}, {"author", n.author},
          {"text", n.text}};
}

nlohmann::json RowJson(const std::map<std::string, Value>& row) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : row) {
    if (IsNull(v))
      j[k] = nullptr;
    else if (const auto* i = std::get_if<int64_t>(&v))
      j[k] = *i;
    else
      j[k] = std::get<std::string>(v);
  }
  return j;
}

void PrintRow(CliContext& ctx, const std::map<std::string, Value>& row) {
  for (const auto& [k, v] : row) {
    if (IsNull(v) || k == kDeletedField) continue;
    *ctx.out << k << ": " << ValueToString(v) << "\n";
  }
}

Result<int64_t> ParseYuan(const std::string& text) {
  std::string digits;
  int frac = -1;  // digits seen after the point; -1 before it
  for (char c : text) {
    if (c == ',') continue;
    if (c == '.' && frac < 0) {
      frac = 0;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c)) || frac >= 2)
      return Status::InvalidArgument("not an amount in yuan with at most 2 decimals: " + text);
    digits.push_back(c);
    if (frac >= 0) ++frac;
  }
  if (digits.empty() || digits.size() > 15)
    return Status::InvalidArgument("not an amount in yuan: " + text);
  int64_t fen = std::stoll(digits);
  for (int i = frac < 0 ? 0 : frac; i < 2; ++i) fen *= 10;
  return fen;
}

std::string FormatYuan(int64_t fen) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return buf;
}

std::string ShortId(const std::string& id) { return id.substr(0, 8); }

std::string ValueLabel(const CliContext& ctx, const std::string& field, const Value& v) {
  if (IsNull(v)) return ctx.Say("（空）", "(empty)");
  std::string text = ValueToString(v);
  if (field == "status" && !ctx.english)
    if (auto s = ParseStatus(text)) return std::string(StatusLabel(*s));
  return text;
}

namespace {

std::string ProblemLabel(const CliContext& ctx, Ledger& ledger, const std::string& problem_id) {
  auto p = ledger.GetProblem(problem_id);
  if (!p.ok()) return "";
  return ctx.Say("问题 ", "problem ") + std::to_string(p->number);
}

// The Chinese name of a child entity of a problem, for RowLabel.
std::string ChildLabel(const CliContext& ctx, const std::string& entity) {
  if (ctx.english) return entity;
  if (entity == entity::kMeasure) return "措施";
  if (entity == entity::kProgressNote) return "进展记录";
  if (entity == entity::kEvidence) return "佐证材料";
  return entity;
}

}  // namespace

std::string RowLabel(const CliContext& ctx, Ledger& ledger, const std::string& entity,
                     const std::string& row_id) {
  if (entity == entity::kProblem) {
    std::string label = ProblemLabel(ctx, ledger, row_id);
    if (!label.empty()) return label;
  } else if (auto row = ledger.GetRow(entity, row_id)) {
    auto parent = row->find("problem_id");
    std::string problem =
        parent == row->end() ? "" : ProblemLabel(ctx, ledger, ValueToString(parent->second));
    if (!problem.empty()) {
      auto ordinal = row->find("ordinal");
      std::string n = ordinal == row->end() || IsNull(ordinal->second)
                          ? ""
                          : " " + ValueToString(ordinal->second);
      return problem + " " + ChildLabel(ctx, entity) + n;
    }
  }
  return ChildLabel(ctx, entity) + " " + ShortId(row_id);
}

DeviceNames::DeviceNames(Ledger& ledger) : own_id_(ledger.device_id()) {
  const std::string dir = ledger.GetMeta(kMetaIdentity).value_or("");
  if (dir.empty()) return;
  auto id = LoadIdentity(dir);
  if (id.ok()) own_name_ = id->device_id;
}

std::string DeviceNames::Label(const CliContext& ctx, const std::string& device_id,
                               const std::string& known, bool mark_own) const {
  std::string name = !known.empty()                                ? known
                     : device_id == own_id_ && !own_name_.empty() ? own_name_
                                                                  : ShortId(device_id);
  if (mark_own && device_id == own_id_) name += ctx.Say("（本机）", " (this device)");
  return name;
}

Result<std::string> ReadInputFile(const std::string& path) { return ReadFileBytes(path); }

// Every file the CLI writes goes through the one atomic writer (shared/file_io.h).
Status WriteOutputFile(const std::string& path, const std::string& bytes) {
  return WriteFileAtomic(path, bytes);
}

}  // namespace rectify
