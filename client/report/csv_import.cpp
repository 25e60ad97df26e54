#include "client/report/csv_import.h"

#include <utility>

#include "client/report/text_encoding.h"

namespace rectify {

namespace {

// ---- RFC 4180 tokenizer -----------------------------------------------------

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
  bool Run(std::vector<TableRecord>* records, CsvError* error) {
    while (i_ < s_.size()) {
      TableRecord rec;
      rec.line = line_;
      if (!ReadTableRecord(&rec, error)) return false;
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

  bool ReadTableRecord(TableRecord* rec, CsvError* error) {
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

// "a.csv:7:9", and "line 7" for a whole record.
class CsvNamer : public CellNamer {
 public:
  explicit CsvNamer(const std::string& file) : file_(file) {}
  std::string Cell(int line, int column) const override {
    return file_ + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  std::string Line(int line) const override { return "line " + std::to_string(line); }

 private:
  std::string file_;
};

}  // namespace

Result<std::vector<ImportRow>> ParseLedgerCsv(std::string_view bytes,
                                              const std::string& file_name,
                                              std::vector<std::string>* row_errors) {
  CsvNamer namer(file_name);
  LedgerTableReader reader(namer);
  Result<std::string> text = ToUtf8(bytes, nullptr);
  if (!text.ok()) return reader.Fail(1, 1, text.status().message());
  // The records before a quoting error are checked first, so the error
  // reported is always the first one in file order.
  std::vector<TableRecord> records;
  CsvError error;
  bool well_formed = CsvTokenizer(*text).Run(&records, &error);
  std::vector<ImportRow> rows;
  for (const TableRecord& rec : records) {
    if (IsBlankRecord(rec)) continue;
    if (!reader.has_header()) {
      RECTIFY_RETURN_IF_ERROR(reader.ReadHeader(rec));
      continue;
    }
    ImportRow row;
    if (Status st = reader.ReadRow(rec, &row); !st.ok()) {
      if (!row_errors) return st;
      row_errors->push_back(st.message());
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (!well_formed)
    return reader.Fail(error.line, error.column,
                       reader.WithName(error.line, error.column, error.message));
  if (!reader.has_header()) return reader.Fail(1, 1, "empty file: no header row");
  if (row_errors && !row_errors->empty()) return Status::InvalidArgument(row_errors->front());
  return rows;
}

}  // namespace rectify
