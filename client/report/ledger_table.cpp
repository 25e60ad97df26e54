#include "client/report/ledger_table.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

#include "shared/date.h"
#include "shared/domain.h"
#include "shared/limits.h"

namespace rectify {

enum class LedgerTableReader::Column {
  kNumber,
  kAspect,
  kCategory,
  kTitle,
  kDetail,
  kMeasures,
  kDepartment,
  kPerson,
  kDeadline,
  kKind,
  kStatus,
  kResult,
};

namespace {

constexpr std::string_view kIdeographicSpace = "\xe3\x80\x80";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// ---- header -----------------------------------------------------------------

// Chinese names first; English aliases are matched case-insensitively.
const std::map<std::string, LedgerTableReader::Column>& HeaderAliases() {
  static const auto* kAliases = new std::map<std::string, LedgerTableReader::Column>{
      {"序号", LedgerTableReader::Column::kNumber},
      {"编号", LedgerTableReader::Column::kNumber},
      {"问题序号", LedgerTableReader::Column::kNumber},
      {"no", LedgerTableReader::Column::kNumber},
      {"no.", LedgerTableReader::Column::kNumber},
      {"number", LedgerTableReader::Column::kNumber},
      {"方面", LedgerTableReader::Column::kAspect},
      {"问题方面", LedgerTableReader::Column::kAspect},
      {"aspect", LedgerTableReader::Column::kAspect},
      {"类别", LedgerTableReader::Column::kCategory},
      {"问题类别", LedgerTableReader::Column::kCategory},
      {"分类", LedgerTableReader::Column::kCategory},
      {"category", LedgerTableReader::Column::kCategory},
      {"问题", LedgerTableReader::Column::kTitle},
      {"存在问题", LedgerTableReader::Column::kTitle},
      {"问题名称", LedgerTableReader::Column::kTitle},
      {"问题标题", LedgerTableReader::Column::kTitle},
      {"problem", LedgerTableReader::Column::kTitle},
      {"title", LedgerTableReader::Column::kTitle},
      {"问题详情", LedgerTableReader::Column::kDetail},
      {"问题描述", LedgerTableReader::Column::kDetail},
      {"具体表现", LedgerTableReader::Column::kDetail},
      {"detail", LedgerTableReader::Column::kDetail},
      {"整改措施", LedgerTableReader::Column::kMeasures},
      {"措施", LedgerTableReader::Column::kMeasures},
      {"measures", LedgerTableReader::Column::kMeasures},
      {"责任部门", LedgerTableReader::Column::kDepartment},
      {"责任单位", LedgerTableReader::Column::kDepartment},
      {"department", LedgerTableReader::Column::kDepartment},
      {"责任人", LedgerTableReader::Column::kPerson},
      {"person", LedgerTableReader::Column::kPerson},
      {"整改时限", LedgerTableReader::Column::kDeadline},
      {"完成时限", LedgerTableReader::Column::kDeadline},
      {"时限", LedgerTableReader::Column::kDeadline},
      {"deadline", LedgerTableReader::Column::kDeadline},
      {"整改类型", LedgerTableReader::Column::kKind},
      {"类型", LedgerTableReader::Column::kKind},
      {"kind", LedgerTableReader::Column::kKind},
      {"整改状态", LedgerTableReader::Column::kStatus},
      {"状态", LedgerTableReader::Column::kStatus},
      {"status", LedgerTableReader::Column::kStatus},
      {"整改结果", LedgerTableReader::Column::kResult},
      {"整改落实情况", LedgerTableReader::Column::kResult},
      {"整改情况", LedgerTableReader::Column::kResult},
      {"result", LedgerTableReader::Column::kResult},
  };
  return *kAliases;
}

// ---- measures ------------------------------------------------------------------

constexpr std::array<std::string_view, 10> kChineseDigits = {"一", "二", "三", "四", "五",
                                                             "六", "七", "八", "九", "十"};

// Length of a run of Chinese numerals at the start of `s`.
size_t ChineseNumeralPrefix(std::string_view s) {
  size_t n = 0;
  for (bool more = true; more;) {
    more = false;
    for (std::string_view d : kChineseDigits) {
      if (s.substr(n).starts_with(d)) {
        n += d.size();
        more = true;
        break;
      }
    }
  }
  return n;
}

size_t AsciiDigitPrefix(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  return n;
}

// Bytes of a leading enumeration marker, or 0.
size_t EnumerationLength(std::string_view s) {
  if (size_t n = ChineseNumeralPrefix(s); n > 0 && s.substr(n).starts_with("是")) {
    n += std::string_view("是").size();
    for (std::string_view p : {"，", "：", ",", ":"})
      if (s.substr(n).starts_with(p)) return n + p.size();
    return n;
  }
  if (size_t n = AsciiDigitPrefix(s); n > 0) {
    std::string_view rest = s.substr(n);
    // "1.2m" is a number, not a marker.
    if (rest.starts_with(".") && rest.size() > 1 && AsciiDigitPrefix(rest.substr(1)) > 0) return 0;
    for (std::string_view p : {".", "、", "．", ")", "）"})
      if (rest.starts_with(p)) return n + p.size();
    return 0;
  }
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"（", "）"},
                             std::pair<std::string_view, std::string_view>{"(", ")"}}) {
    if (!s.starts_with(open)) continue;
    std::string_view rest = s.substr(open.size());
    size_t n = AsciiDigitPrefix(rest);
    if (n == 0) n = ChineseNumeralPrefix(rest);
    if (n > 0 && rest.substr(n).starts_with(close)) return open.size() + n + close.size();
  }
  // Circled digits ① (U+2460) … ⑳ (U+2473): E2 91 A0 … E2 91 B3.
  if (s.size() >= 3 && s[0] == '\xE2' && s[1] == '\x91' &&
      static_cast<unsigned char>(s[2]) >= 0xA0 && static_cast<unsigned char>(s[2]) <= 0xB3)
    return 3;
  return 0;
}

}  // namespace

std::string_view TrimCell(std::string_view s) {
  for (;;) {
    size_t before = s.size();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (s.starts_with(kIdeographicSpace)) s.remove_prefix(kIdeographicSpace.size());
    if (s.ends_with(kIdeographicSpace)) s.remove_suffix(kIdeographicSpace.size());
    if (s.size() == before) return s;
  }
}

bool IsBlankRecord(const TableRecord& rec) {
  for (const std::string& f : rec.fields)
    if (!TrimCell(f).empty()) return false;
  return true;
}

bool IsLedgerHeaderName(std::string_view name) {
  return HeaderAliases().contains(Lower(TrimCell(name)));
}

bool IsNumberHeaderName(std::string_view name) {
  auto it = HeaderAliases().find(Lower(TrimCell(name)));
  return it != HeaderAliases().end() && it->second == LedgerTableReader::Column::kNumber;
}

bool IsTitleHeaderName(std::string_view name) {
  auto it = HeaderAliases().find(Lower(TrimCell(name)));
  return it != HeaderAliases().end() && it->second == LedgerTableReader::Column::kTitle;
}

Status LedgerTableReader::Fail(int line, int column, const std::string& message) const {
  return Status::InvalidArgument(namer_.Cell(line, column) + ": " + message);
}

std::string LedgerTableReader::WithName(int line, int column, const std::string& message) const {
  if (header_line_ == 0 || line <= header_line_) return message;
  if (column < 1 || column > static_cast<int>(names_.size())) return message;
  return names_[column - 1] + ": " + message;
}

Status LedgerTableReader::ReadHeader(const TableRecord& rec) {
  header_line_ = rec.line;
  std::map<Column, int> seen;
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    int column = static_cast<int>(i) + 1;
    std::string name(TrimCell(rec.fields[i]));
    auto it = HeaderAliases().find(Lower(name));
    if (it == HeaderAliases().end()) {
      return Fail(rec.line, column,
                  "unknown header \"" + name +
                      "\" (expected 序号, 方面, 类别, 问题, 问题详情, 整改措施, 责任部门, "
                      "责任人, 整改时限, 整改类型, 整改状态, 整改结果)");
    }
    auto [prev, inserted] = seen.emplace(it->second, column);
    if (!inserted) {
      return Fail(rec.line, column,
                  "duplicate header \"" + name + "\" (same column as header " +
                      std::to_string(prev->second) + " \"" + names_[prev->second - 1] + "\")");
    }
    columns_.push_back(it->second);
    names_.push_back(name);
  }
  if (!seen.contains(Column::kNumber))
    return Fail(rec.line, 1, "missing required column 序号 (number)");
  if (!seen.contains(Column::kTitle))
    return Fail(rec.line, 1, "missing required column 问题 (problem)");
  return Status::OK();
}

Status LedgerTableReader::ReadRow(const TableRecord& rec, ImportRow* row) {
  size_t want = columns_.size();
  if (rec.fields.size() < want) {
    return Fail(rec.line, static_cast<int>(rec.fields.size()) + 1,
                "wrong field count: expected " + std::to_string(want) + " fields, found " +
                    std::to_string(rec.fields.size()));
  }
  // Extra cells are tolerated only when blank: Excel writes them for
  // formatted but empty columns to the right of the table.
  for (size_t i = want; i < rec.fields.size(); ++i) {
    if (!TrimCell(rec.fields[i]).empty()) {
      return Fail(rec.line, static_cast<int>(i) + 1,
                  "wrong field count: expected " + std::to_string(want) + " fields, found " +
                      std::to_string(rec.fields.size()));
    }
  }
  row->line = rec.line;
  for (size_t i = 0; i < want; ++i) {
    int column = static_cast<int>(i) + 1;
    std::string value(TrimCell(rec.fields[i]));
    RECTIFY_RETURN_IF_ERROR(SetField(rec.line, column, columns_[i], value, row));
  }
  return CheckUniqueNumber(*row);
}

Status LedgerTableReader::FieldError(int line, int column, const std::string& message) const {
  return Fail(line, column, names_[column - 1] + ": " + message);
}

Status LedgerTableReader::SetField(int line, int column, Column c, const std::string& value,
                                   ImportRow* row) {
  // Every cell becomes one field of one op: refused here, with its position,
  // before anything is imported (docs/protocol.md "Limits").
  if (auto too_large = TextFieldTooLarge("cell", Value{value}))
    return FieldError(line, column, *too_large);
  switch (c) {
    case Column::kNumber:
      if (!AllDigits(value) || value.size() > 6 || std::stoi(value) == 0)
        return FieldError(line, column, "序号 \"" + value + "\" is not a positive number");
      row->number = std::to_string(std::stoi(value));  // drops leading zeros
      number_column_ = column;
      return Status::OK();
    case Column::kTitle:
      if (value.empty()) return FieldError(line, column, "empty 问题 (problem title)");
      row->title = value;
      return Status::OK();
    case Column::kDeadline:
      return SetDeadline(line, column, value, row);
    case Column::kKind:
      if (value.empty()) return Status::OK();
      if (auto kind = ParseKind(value)) {
        row->kind = std::string(KindLabel(*kind));
        return Status::OK();
      }
      return FieldError(line, column,
                        "unknown kind \"" + value + "\" (expected 立行立改, 限期整改 or 长期坚持)");
    case Column::kStatus:
      if (value.empty()) return Status::OK();
      if (auto status = ParseStatus(value)) {
        row->status = std::string(StatusLabel(*status));
        return Status::OK();
      }
      return FieldError(
          line, column,
          "unknown status \"" + value + "\" (expected 未开始, 推进中, 已完成, 长期坚持 or 已销号)");
    case Column::kMeasures:
      row->measures = SplitMeasures(value);
      return Status::OK();
    case Column::kAspect:
      row->aspect = value;
      return Status::OK();
    case Column::kCategory:
      row->category = value;
      return Status::OK();
    case Column::kDetail:
      row->detail = value;
      return Status::OK();
    case Column::kDepartment:
      row->department = value;
      return Status::OK();
    case Column::kPerson:
      row->person = value;
      return Status::OK();
    case Column::kResult:
      row->result = value;
      return Status::OK();
  }
  return Status::OK();
}

Status LedgerTableReader::SetDeadline(int line, int column, const std::string& value,
                                      ImportRow* row) {
  if (value.empty()) return Status::OK();
  if (auto deadline = NormalizeDeadline(TrimCell(value))) {  // shared/date.h
    row->deadline = *deadline;
    return Status::OK();
  }
  return FieldError(line, column,
                    "bad date \"" + value +
                        "\" (expected a real date like 2024-03-31, 2024/3/31, 2024年3月31日, "
                        "or 长期)");
}

Status LedgerTableReader::CheckUniqueNumber(const ImportRow& row) {
  auto [it, inserted] = first_line_of_number_.emplace(row.number, row.line);
  if (inserted) return Status::OK();
  return FieldError(
      row.line, number_column_,
      "duplicate 序号 " + row.number + " (first used on " + namer_.Line(it->second) + ")");
}

std::vector<std::string> SplitMeasures(std::string_view cell) {
  std::vector<std::string> out;
  auto emit = [&out](std::string_view piece) {
    piece = TrimCell(piece);
    piece.remove_prefix(EnumerationLength(piece));
    piece = TrimCell(piece);
    if (!piece.empty()) out.emplace_back(piece);
  };
  size_t start = 0;
  size_t i = 0;
  while (i < cell.size()) {
    size_t sep = 0;
    if (cell[i] == ';' || cell[i] == '\n' || cell[i] == '\r') {
      sep = 1;
    } else if (cell.substr(i).starts_with("；")) {
      sep = std::string_view("；").size();
    }
    if (sep == 0) {
      ++i;
      continue;
    }
    emit(cell.substr(start, i - start));
    i += sep;
    start = i;
  }
  emit(cell.substr(start));
  return out;
}

}  // namespace rectify
