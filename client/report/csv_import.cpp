#include "client/report/csv_import.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <utility>

#include "client/report/text_encoding.h"
#include "shared/date.h"
#include "shared/domain.h"
#include "shared/limits.h"

namespace rectify {

namespace {

// ---- small text helpers ---------------------------------------------------

constexpr std::string_view kIdeographicSpace = "\xe3\x80\x80";

std::string_view Trim(std::string_view s) {
  for (;;) {
    size_t before = s.size();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (s.starts_with(kIdeographicSpace)) s.remove_prefix(kIdeographicSpace.size());
    if (s.ends_with(kIdeographicSpace)) s.remove_suffix(kIdeographicSpace.size());
    if (s.size() == before) return s;
  }
}

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

// ---- RFC 4180 tokenizer -----------------------------------------------------

struct Record {
  int line = 0;  // physical line the record starts on
  std::vector<std::string> fields;
};

struct CsvError {
  int line = 0;
  int column = 0;
  std::string message;
};

// Splits UTF-8 text into records. Quoted fields keep their line breaks as
// "\n" so a cell typed with Alt+Enter in Excel survives on every platform.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::string_view text) : s_(text) {}

  // Returns false and fills `error` on malformed quoting.
  bool Run(std::vector<Record>* records, CsvError* error) {
    while (i_ < s_.size()) {
      Record rec;
      rec.line = line_;
      if (!ReadRecord(&rec, error)) return false;
      records->push_back(std::move(rec));
    }
    return true;
  }

 private:
  bool AtLineEnd() const { return i_ < s_.size() && (s_[i_] == '\r' || s_[i_] == '\n'); }

  void ConsumeLineEnd() {
    if (s_[i_] == '\r' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') ++i_;
    ++i_;
    ++line_;
  }

  bool ReadRecord(Record* rec, CsvError* error) {
    for (;;) {
      std::string field;
      int column = static_cast<int>(rec->fields.size()) + 1;
      if (i_ < s_.size() && s_[i_] == '"') {
        if (!ReadQuoted(rec->line, column, &field, error)) return false;
      } else {
        while (i_ < s_.size() && s_[i_] != ',' && !AtLineEnd()) field += s_[i_++];
      }
      rec->fields.push_back(std::move(field));
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (AtLineEnd()) ConsumeLineEnd();
      return true;
    }
  }

  bool ReadQuoted(int record_line, int column, std::string* field, CsvError* error) {
    int open_line = line_;
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= s_.size()) {
        *error = {
            record_line, column,
            "unterminated quoted field (quote opened on line " + std::to_string(open_line) + ")"};
        return false;
      }
      char c = s_[i_];
      if (c == '"') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '"') {
          *field += '"';
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      if (c == '\r' || c == '\n') {
        ConsumeLineEnd();
        *field += '\n';
        continue;
      }
      *field += c;
      ++i_;
    }
    if (i_ < s_.size() && s_[i_] != ',' && !AtLineEnd()) {
      *error = {record_line, column, "unexpected text after a closing quote"};
      return false;
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
};

// ---- header -----------------------------------------------------------------

enum class Column {
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

// Chinese names first; English aliases are matched case-insensitively.
const std::map<std::string, Column>& HeaderAliases() {
  static const auto* kAliases = new std::map<std::string, Column>{
      {"序号", Column::kNumber},
      {"编号", Column::kNumber},
      {"问题序号", Column::kNumber},
      {"no", Column::kNumber},
      {"no.", Column::kNumber},
      {"number", Column::kNumber},
      {"方面", Column::kAspect},
      {"问题方面", Column::kAspect},
      {"aspect", Column::kAspect},
      {"类别", Column::kCategory},
      {"问题类别", Column::kCategory},
      {"分类", Column::kCategory},
      {"category", Column::kCategory},
      {"问题", Column::kTitle},
      {"存在问题", Column::kTitle},
      {"问题名称", Column::kTitle},
      {"问题标题", Column::kTitle},
      {"problem", Column::kTitle},
      {"title", Column::kTitle},
      {"问题详情", Column::kDetail},
      {"问题描述", Column::kDetail},
      {"具体表现", Column::kDetail},
      {"detail", Column::kDetail},
      {"整改措施", Column::kMeasures},
      {"措施", Column::kMeasures},
      {"measures", Column::kMeasures},
      {"责任部门", Column::kDepartment},
      {"责任单位", Column::kDepartment},
      {"department", Column::kDepartment},
      {"责任人", Column::kPerson},
      {"person", Column::kPerson},
      {"整改时限", Column::kDeadline},
      {"完成时限", Column::kDeadline},
      {"时限", Column::kDeadline},
      {"deadline", Column::kDeadline},
      {"整改类型", Column::kKind},
      {"类型", Column::kKind},
      {"kind", Column::kKind},
      {"整改状态", Column::kStatus},
      {"状态", Column::kStatus},
      {"status", Column::kStatus},
      {"整改结果", Column::kResult},
      {"整改落实情况", Column::kResult},
      {"整改情况", Column::kResult},
      {"result", Column::kResult},
  };
  return *kAliases;
}

struct Header {
  int line = 0;
  std::vector<Column> columns;     // by field index
  std::vector<std::string> names;  // as written in the file, trimmed
};

// ---- the parser -------------------------------------------------------------

class LedgerParser {
 public:
  explicit LedgerParser(const std::string& file_name) : file_(file_name) {}

  Result<std::vector<ImportRow>> Parse(std::string_view bytes) {
    Result<std::string> text = ToUtf8(bytes, nullptr);
    if (!text.ok()) return Fail(1, 1, text.status().message());
    // The records before a quoting error are checked first, so the error
    // reported is always the first one in file order.
    std::vector<Record> records;
    CsvError error;
    bool well_formed = CsvTokenizer(*text).Run(&records, &error);
    std::vector<ImportRow> rows;
    for (Record& rec : records) {
      if (IsBlank(rec)) continue;
      if (header_.line == 0) {
        RECTIFY_RETURN_IF_ERROR(ReadHeader(rec));
        continue;
      }
      ImportRow row;
      RECTIFY_RETURN_IF_ERROR(ReadRow(rec, &row));
      rows.push_back(std::move(row));
    }
    if (!well_formed)
      return Fail(error.line, error.column, WithName(error.line, error.column, error.message));
    if (header_.line == 0) return Fail(1, 1, "empty file: no header row");
    return rows;
  }

 private:
  static bool IsBlank(const Record& rec) {
    for (const std::string& f : rec.fields)
      if (!Trim(f).empty()) return false;
    return true;
  }

  Status Fail(int line, int column, const std::string& message) const {
    return Status::InvalidArgument(file_ + ":" + std::to_string(line) + ":" +
                                   std::to_string(column) + ": " + message);
  }

  // Prefixes the header name of `column` once the header is known.
  std::string WithName(int line, int column, const std::string& message) const {
    if (header_.line == 0 || line <= header_.line) return message;
    if (column < 1 || column > static_cast<int>(header_.names.size())) return message;
    return header_.names[column - 1] + ": " + message;
  }

  Status ReadHeader(const Record& rec) {
    header_.line = rec.line;
    std::map<Column, int> seen;
    for (size_t i = 0; i < rec.fields.size(); ++i) {
      int column = static_cast<int>(i) + 1;
      std::string name(Trim(rec.fields[i]));
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
                        std::to_string(prev->second) + " \"" + header_.names[prev->second - 1] +
                        "\")");
      }
      header_.columns.push_back(it->second);
      header_.names.push_back(name);
    }
    if (!seen.contains(Column::kNumber))
      return Fail(rec.line, 1, "missing required column 序号 (number)");
    if (!seen.contains(Column::kTitle))
      return Fail(rec.line, 1, "missing required column 问题 (problem)");
    return Status::OK();
  }

  Status ReadRow(const Record& rec, ImportRow* row) {
    size_t want = header_.columns.size();
    if (rec.fields.size() < want) {
      return Fail(rec.line, static_cast<int>(rec.fields.size()) + 1,
                  "wrong field count: expected " + std::to_string(want) + " fields, found " +
                      std::to_string(rec.fields.size()));
    }
    // Extra cells are tolerated only when blank: Excel writes them for
    // formatted but empty columns to the right of the table.
    for (size_t i = want; i < rec.fields.size(); ++i) {
      if (!Trim(rec.fields[i]).empty()) {
        return Fail(rec.line, static_cast<int>(i) + 1,
                    "wrong field count: expected " + std::to_string(want) + " fields, found " +
                        std::to_string(rec.fields.size()));
      }
    }
    row->line = rec.line;
    for (size_t i = 0; i < want; ++i) {
      int column = static_cast<int>(i) + 1;
      std::string value(Trim(rec.fields[i]));
      RECTIFY_RETURN_IF_ERROR(SetField(rec.line, column, header_.columns[i], value, row));
    }
    return CheckUniqueNumber(*row);
  }

  Status FieldError(int line, int column, const std::string& message) const {
    return Fail(line, column, header_.names[column - 1] + ": " + message);
  }

  Status SetField(int line, int column, Column c, const std::string& value, ImportRow* row) {
    // Every cell becomes one field of one op: refused here, with its
    // position, before anything is imported (docs/protocol.md "Limits").
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
        return FieldError(
            line, column,
            "unknown kind \"" + value + "\" (expected 立行立改, 限期整改 or 长期坚持)");
      case Column::kStatus:
        if (value.empty()) return Status::OK();
        if (auto status = ParseStatus(value)) {
          row->status = std::string(StatusLabel(*status));
          return Status::OK();
        }
        return FieldError(line, column,
                          "unknown status \"" + value +
                              "\" (expected 未开始, 推进中, 已完成, 长期坚持 or 已销号)");
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

  Status SetDeadline(int line, int column, const std::string& value, ImportRow* row) {
    if (value.empty()) return Status::OK();
    if (auto deadline = NormalizeDeadline(value)) {
      row->deadline = *deadline;
      return Status::OK();
    }
    return FieldError(line, column,
                      "bad date \"" + value +
                          "\" (expected a real date like 2024-03-31, 2024/3/31, 2024年3月31日, "
                          "or 长期)");
  }

  Status CheckUniqueNumber(const ImportRow& row) {
    auto [it, inserted] = first_line_of_number_.emplace(row.number, row.line);
    if (inserted) return Status::OK();
    return FieldError(row.line, number_column_,
                      "duplicate 序号 " + row.number + " (first used on line " +
                          std::to_string(it->second) + ")");
  }

  std::string file_;
  Header header_;
  int number_column_ = 1;
  std::map<std::string, int> first_line_of_number_;
};

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

std::vector<std::string> SplitMeasures(std::string_view cell) {
  std::vector<std::string> out;
  auto emit = [&out](std::string_view piece) {
    piece = Trim(piece);
    piece.remove_prefix(EnumerationLength(piece));
    piece = Trim(piece);
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

Result<std::vector<ImportRow>> ParseLedgerCsv(std::string_view bytes,
                                              const std::string& file_name) {
  return LedgerParser(file_name).Parse(bytes);
}

}  // namespace rectify
