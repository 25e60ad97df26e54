#include "client/report/xlsx_reader.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>

#include "client/report/ledger_table.h"

namespace rectify {

namespace {

constexpr int kMaxRow = 1'048'576;  // Excel's grid
constexpr int kMaxColumn = 16'384;
constexpr size_t kHeaderSearchRows = 10;

std::string Mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// ---- the zip archive (libzip) --------------------------------------------------

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// A read-only archive over bytes in memory that refuses to inflate more than
// the limits allow.
class Archive {
 public:
  static Result<Archive> Open(std::string_view bytes, const XlsxLimits& limits) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    zip_t* z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err) : nullptr;
    if (z == nullptr) {
      std::string why = zip_error_strerror(&err);
      if (src) zip_source_free(src);
      zip_error_fini(&err);
      return Status::InvalidArgument("not a readable .xlsx file (a zip archive): " + why);
    }
    zip_error_fini(&err);
    Archive a(z, limits);
    RECTIFY_RETURN_IF_ERROR(a.CheckDirectory());
    return a;
  }

  bool Has(const std::string& name) const { return Locate(name) >= 0; }

  // Inflates one entry, within the limits.
  Result<std::string> Read(const std::string& name) {
    zip_int64_t index = Locate(name);
    if (index < 0) return Status::NotFound(name + " is missing");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0)
      return Status::InvalidArgument(name + ": " + zip_strerror(zip_.get()));
    const int64_t declared = static_cast<int64_t>(st.size);
    RECTIFY_RETURN_IF_ERROR(CheckEntry(name, declared, static_cast<int64_t>(st.comp_size)));
    std::unique_ptr<zip_file_t, ZipFileClose> f(
        zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
    if (!f) return Status::InvalidArgument(name + ": " + zip_strerror(zip_.get()));
    std::string out;
    out.reserve(static_cast<size_t>(declared));
    char buf[1 << 16];
    for (;;) {
      zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
      if (n < 0)
        return Status::InvalidArgument(name + ": " +
                                       zip_error_strerror(zip_file_get_error(f.get())));
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
      // The directory may lie about sizes: count what really comes out.
      if (static_cast<int64_t>(out.size()) > declared)
        return Status::InvalidArgument(name + " inflates past its declared size of " +
                                       std::to_string(declared) + " bytes: refusing a forged zip");
      if (total_read_ + static_cast<int64_t>(out.size()) > limits_.max_total_bytes)
        return TooLarge("the parts read", total_read_ + static_cast<int64_t>(out.size()),
                        limits_.max_total_bytes);
    }
    total_read_ += static_cast<int64_t>(out.size());
    return out;
  }

 private:
  Archive(zip_t* z, const XlsxLimits& limits) : zip_(z), limits_(limits) {}

  zip_int64_t Locate(const std::string& name) const {
    return zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_NOCASE);
  }

  static Status TooLarge(const std::string& what, int64_t size, int64_t limit) {
    return Status::InvalidArgument(what + " would expand to " + Mib(size) + ", more than the " +
                                   Mib(limit) + " allowed: refusing a possible zip bomb");
  }

  // Every entry's declared sizes, before anything is inflated.
  Status CheckDirectory() {
    zip_int64_t n = zip_get_num_entries(zip_.get(), 0);
    if (n < 0) return Status::InvalidArgument("unreadable zip directory");
    if (n > limits_.max_entries)
      return Status::InvalidArgument(
          "the zip holds " + std::to_string(n) + " entries, more than the " +
          std::to_string(limits_.max_entries) + " allowed: refusing a possible zip bomb");
    int64_t total = 0;
    for (zip_int64_t i = 0; i < n; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
        return Status::InvalidArgument(std::string("zip entry: ") + zip_strerror(zip_.get()));
      std::string name = st.name ? st.name : "entry " + std::to_string(i);
      RECTIFY_RETURN_IF_ERROR(
          CheckEntry(name, static_cast<int64_t>(st.size), static_cast<int64_t>(st.comp_size)));
      total += static_cast<int64_t>(st.size);
      if (total > limits_.max_total_bytes)
        return TooLarge("the archive", total, limits_.max_total_bytes);
    }
    return Status::OK();
  }

  Status CheckEntry(const std::string& name, int64_t size, int64_t comp_size) const {
    if (size > limits_.max_entry_bytes) return TooLarge(name, size, limits_.max_entry_bytes);
    if (size > limits_.ratio_applies_above &&
        size > limits_.max_ratio * std::max<int64_t>(comp_size, 1)) {
      return Status::InvalidArgument(
          name + " would expand " + std::to_string(size / std::max<int64_t>(comp_size, 1)) +
          ":1 (" + Mib(size) + "), more than the " + std::to_string(limits_.max_ratio) +
          ":1 allowed: refusing a possible zip bomb");
    }
    return Status::OK();
  }

  std::unique_ptr<zip_t, ZipDiscard> zip_;
  XlsxLimits limits_;
  int64_t total_read_ = 0;
};

// ---- XML (expat) ------------------------------------------------------------------

std::string_view LocalName(const XML_Char* name) {
  std::string_view n(name);
  size_t bar = n.rfind('|');
  return bar == std::string_view::npos ? n : n.substr(bar + 1);
}

std::string Attr(const XML_Char** attrs, std::string_view local) {
  for (const XML_Char** a = attrs; *a; a += 2)
    if (LocalName(a[0]) == local) return a[1];
  return "";
}

// An integer attribute; 0 when absent or not a number in range.
int IntAttr(const XML_Char** attrs, std::string_view local) {
  std::string v = Attr(attrs, local);
  int out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() ? out : 0;
}

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(std::string_view name, const XML_Char** attrs) = 0;
  virtual void End(std::string_view /*name*/) {}
  virtual void Text(std::string_view /*text*/) {}
  Status error;  // set by a handler to stop with an error
};

struct ExpatFree {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

// Parses one part. Document type declarations are refused: an .xlsx part never
// has one, and refusing them rules out entity expansion attacks.
Status ParseXml(std::string_view xml, const std::string& part, XmlHandler* h) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ExpatFree> parser(
      XML_ParserCreateNS(nullptr, '|'));
  if (!parser) return Status::Internal("out of memory creating an XML parser");
  struct Ctx {
    XML_Parser parser;
    XmlHandler* h;
    bool doctype = false;
  } ctx{parser.get(), h};
  XML_SetUserData(parser.get(), &ctx);
  XML_SetElementHandler(
      parser.get(),
      [](void* u, const XML_Char* name, const XML_Char** attrs) {
        auto* c = static_cast<Ctx*>(u);
        c->h->Start(LocalName(name), attrs);
        if (!c->h->error.ok()) XML_StopParser(c->parser, XML_FALSE);
      },
      [](void* u, const XML_Char* name) {
        auto* c = static_cast<Ctx*>(u);
        c->h->End(LocalName(name));
        if (!c->h->error.ok()) XML_StopParser(c->parser, XML_FALSE);
      });
  XML_SetCharacterDataHandler(parser.get(), [](void* u, const XML_Char* s, int len) {
    static_cast<Ctx*>(u)->h->Text(std::string_view(s, static_cast<size_t>(len)));
  });
  XML_SetStartDoctypeDeclHandler(
      parser.get(), [](void* u, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        auto* c = static_cast<Ctx*>(u);
        c->doctype = true;
        XML_StopParser(c->parser, XML_FALSE);
      });
  if (xml.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Status::InvalidArgument(part + ": too large");
  XML_Status st = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (!h->error.ok()) return h->error;
  if (ctx.doctype)
    return Status::InvalidArgument(part + ": a document type declaration is not allowed");
  if (st != XML_STATUS_OK) {
    return Status::InvalidArgument(part + ": malformed XML at line " +
                                   std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                                   XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  return Status::OK();
}

// ---- the parts of a workbook ------------------------------------------------------

struct SheetRef {
  std::string name, rel_id;
};

class WorkbookHandler : public XmlHandler {
 public:
  void Start(std::string_view name, const XML_Char** attrs) override {
    if (name == "sheet") sheets.push_back({Attr(attrs, "name"), Attr(attrs, "id")});
    if (name == "workbookPr") {
      std::string v = Attr(attrs, "date1904");
      date1904 = v == "1" || v == "true";
    }
  }
  std::vector<SheetRef> sheets;
  bool date1904 = false;
};

struct Relationship {
  std::string type, target;
};

class RelsHandler : public XmlHandler {
 public:
  void Start(std::string_view name, const XML_Char** attrs) override {
    if (name == "Relationship")
      rels[Attr(attrs, "Id")] = {Attr(attrs, "Type"), Attr(attrs, "Target")};
  }
  std::map<std::string, Relationship> rels;
};

// A target of xl/_rels/workbook.xml.rels, as a path inside the zip: relative
// to xl/ unless absolute; "." and ".." segments resolved.
std::string PartPath(const std::string& target) {
  std::vector<std::string> parts;
  if (!target.starts_with("/")) parts.push_back("xl");
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    if (slash == std::string::npos) slash = target.size();
    std::string seg = target.substr(start, slash - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// Collects the text of <t> runs, leaving out phonetic guides (<rPh>).
class RichText {
 public:
  void Start(std::string_view name) {
    if (name == "rPh") ++phonetic_;
    if (name == "t") in_t_ = true;
  }
  void End(std::string_view name) {
    if (name == "rPh") --phonetic_;
    if (name == "t") in_t_ = false;
  }
  void Text(std::string_view s) {
    if (in_t_ && phonetic_ == 0) text_ += s;
  }
  std::string Take() { return std::exchange(text_, {}); }

 private:
  int phonetic_ = 0;
  bool in_t_ = false;
  std::string text_;
};

class SharedStringsHandler : public XmlHandler {
 public:
  void Start(std::string_view name, const XML_Char**) override {
    if (name == "si") text_.Take();
    text_.Start(name);
  }
  void End(std::string_view name) override {
    text_.End(name);
    if (name == "si") strings.push_back(text_.Take());
  }
  void Text(std::string_view s) override { text_.Text(s); }
  std::vector<std::string> strings;

 private:
  RichText text_;
};

class StylesHandler : public XmlHandler {
 public:
  void Start(std::string_view name, const XML_Char** attrs) override {
    if (name == "numFmt") custom_[IntAttr(attrs, "numFmtId")] = Attr(attrs, "formatCode");
    if (name == "cellXfs") in_cell_xfs_ = true;
    if (name == "xf" && in_cell_xfs_) xf_formats_.push_back(IntAttr(attrs, "numFmtId"));
  }
  void End(std::string_view name) override {
    if (name == "cellXfs") in_cell_xfs_ = false;
  }
  // Whether cell style index i shows a date.
  std::vector<bool> DateStyles() const {
    std::vector<bool> out;
    for (int id : xf_formats_) {
      auto it = custom_.find(id);
      out.push_back(IsDateFormat(id, it == custom_.end() ? std::string_view() : it->second));
    }
    return out;
  }

 private:
  std::map<int, std::string> custom_;
  std::vector<int> xf_formats_;
  bool in_cell_xfs_ = false;
};

// ---- the worksheet --------------------------------------------------------------

struct CellRef {
  int row = 0, column = 0;
};

// "D7" -> {7, 4}; false when malformed or outside Excel's grid.
bool ParseCellRef(std::string_view ref, CellRef* out) {
  size_t i = 0;
  int col = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && col <= kMaxColumn)
    col = col * 26 + (ref[i++] - 'A' + 1);
  int row = 0;
  auto [p, ec] = std::from_chars(ref.data() + i, ref.data() + ref.size(), row);
  if (col < 1 || col > kMaxColumn || ec != std::errc() || p != ref.data() + ref.size() || row < 1 ||
      row > kMaxRow)
    return false;
  *out = {row, col};
  return true;
}

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

struct Grid {
  std::map<int, std::map<int, std::string>> cells;    // row -> column -> text
  std::map<std::pair<int, int>, std::string> errors;  // (row, column) -> "#N/A"
  struct Range {
    CellRef from, to;
  };
  std::vector<Range> merges;
  int64_t stored = 0;  // cells with a value, as read
};

class SheetHandler : public XmlHandler {
 public:
  SheetHandler(const std::vector<std::string>& strings, const std::vector<bool>& date_styles,
               bool date1904, const std::string& sheet, int64_t max_cells)
      : strings_(strings),
        date_styles_(date_styles),
        date1904_(date1904),
        sheet_(sheet),
        max_cells_(max_cells) {}

  void Start(std::string_view name, const XML_Char** attrs) override {
    if (name == "row") {
      std::string r = Attr(attrs, "r");
      row_ = r.empty() ? row_ + 1 : IntAttr(attrs, "r");
      column_ = 0;
      if (row_ < 1 || row_ > kMaxRow) Fail("row number \"" + r + "\" is outside the sheet");
    } else if (name == "c") {
      in_cell_ = true;
      value_.clear();
      type_ = Attr(attrs, "t");
      style_ = IntAttr(attrs, "s");
      std::string r = Attr(attrs, "r");
      CellRef ref{row_, column_ + 1};
      if (!r.empty() && !ParseCellRef(r, &ref)) return Fail("bad cell reference \"" + r + "\"");
      row_ = ref.row;
      column_ = ref.column;
    } else if (name == "v" && in_cell_) {
      in_v_ = true;
    } else if (name == "is" && in_cell_) {
      in_inline_ = true;
    } else if (name == "mergeCell") {
      std::string ref = Attr(attrs, "ref");
      size_t colon = ref.find(':');
      Grid::Range range;
      if (colon == std::string::npos || !ParseCellRef(ref.substr(0, colon), &range.from) ||
          !ParseCellRef(ref.substr(colon + 1), &range.to))
        return Fail("bad merged range \"" + ref + "\"");
      grid.merges.push_back(range);
    }
    if (in_inline_) inline_.Start(name);
  }

  void End(std::string_view name) override {
    if (in_inline_) inline_.End(name);
    if (name == "v") in_v_ = false;
    if (name == "is") in_inline_ = false;
    if (name == "c" && in_cell_) {
      in_cell_ = false;
      StoreCell();
    }
  }

  void Text(std::string_view s) override {
    if (in_v_) value_ += s;
    if (in_inline_) inline_.Text(s);
  }

  Grid grid;

 private:
  void Fail(const std::string& what) {
    if (error.ok())
      error = Status::InvalidArgument(sheet_ + "!" + ColumnLetters(std::max(column_, 1)) +
                                      std::to_string(std::max(row_, 1)) + ": " + what);
  }

  void StoreCell() {
    std::string text;
    if (type_ == "s") {
      int index = -1;
      auto [p, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), index);
      if (ec != std::errc() || index < 0 || index >= static_cast<int>(strings_.size()))
        return Fail("shared string \"" + value_ + "\" does not exist");
      text = strings_[static_cast<size_t>(index)];
    } else if (type_ == "inlineStr") {
      text = inline_.Take();
    } else if (type_ == "str") {
      text = value_;
    } else if (type_ == "b") {
      text = value_ == "1" ? "TRUE" : "FALSE";
    } else if (type_ == "e") {
      grid.errors[{row_, column_}] = value_;
      return;
    } else if (type_ == "d") {
      text = value_.substr(0, value_.find('T'));  // ISO 8601: the date part
    } else if (!value_.empty()) {
      double v = 0;
      auto [p, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), v);
      if (ec != std::errc()) return Fail("\"" + value_ + "\" is not a number");
      bool date = style_ >= 0 && style_ < static_cast<int>(date_styles_.size()) &&
                  date_styles_[static_cast<size_t>(style_)];
      // Beyond 9999-12-31 (serial 2958465) Excel shows #### : keep the number.
      date = date && v >= 0 && v < 2958466;
      text = date ? ExcelSerialToDate(v, date1904_) : FormatNumber(v);
    }
    if (text.empty()) return;
    if (++grid.stored > max_cells_)
      return Fail("the sheet holds more than " + std::to_string(max_cells_) + " cells");
    grid.cells[row_][column_] = std::move(text);
  }

  const std::vector<std::string>& strings_;
  const std::vector<bool>& date_styles_;
  bool date1904_;
  std::string sheet_;
  int64_t max_cells_;
  int row_ = 0, column_ = 0, style_ = 0;
  bool in_cell_ = false, in_v_ = false, in_inline_ = false;
  std::string type_, value_;
  RichText inline_;
};

// A merged range's value goes to every cell it covers, within the cells in use
// (a title merged over A1:XFD1 must not make 16,384 columns).
Status FillMerges(Grid* g, const XlsxLimits& limits) {
  int max_row = 0, max_col = 0;
  for (const auto& [r, cols] : g->cells) {
    max_row = std::max(max_row, r);
    if (!cols.empty()) max_col = std::max(max_col, cols.rbegin()->first);
  }
  int64_t covered = g->stored;
  for (const Grid::Range& m : g->merges) {
    int r2 = std::min(m.to.row, max_row), c2 = std::min(m.to.column, max_col);
    if (m.from.row > r2 || m.from.column > c2) continue;
    covered += int64_t{r2 - m.from.row + 1} * (c2 - m.from.column + 1);
    if (covered > limits.max_cells)
      return Status::InvalidArgument("the sheet with its merged ranges holds more than " +
                                     std::to_string(limits.max_cells) + " cells");
    auto row_it = g->cells.find(m.from.row);
    if (row_it == g->cells.end()) continue;
    auto cell_it = row_it->second.find(m.from.column);
    if (cell_it == row_it->second.end()) continue;
    const std::string value = cell_it->second;
    for (int r = m.from.row; r <= r2; ++r)
      for (int c = m.from.column; c <= c2; ++c) g->cells[r][c] = value;
  }
  return Status::OK();
}

std::string QuotedSheet(const std::string& sheet) {
  if (sheet.find_first_of(" !'-()") == std::string::npos) return sheet;
  std::string out = "'";
  for (char c : sheet) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// "a.xlsx:Sheet1!D7" and "Sheet1 row 7".
class SheetNamer : public CellNamer {
 public:
  SheetNamer(const std::string& file, const std::string& sheet) : file_(file), sheet_(sheet) {}
  std::string Cell(int line, int column) const override { return file_ + ":" + Ref(line, column); }
  std::string Line(int line) const override { return sheet_ + " row " + std::to_string(line); }
  std::string Ref(int line, int column) const {
    return sheet_ + "!" + ColumnLetters(column) + std::to_string(line);
  }

 private:
  std::string file_, sheet_;
};

// The non-blank rows of a filled grid as records.
Result<std::vector<TableRecord>> Records(const Grid& g, int64_t max_cells) {
  std::vector<TableRecord> out;
  int64_t cells = 0;
  for (const auto& [r, cols] : g.cells) {
    if (cols.empty()) continue;
    cells += cols.rbegin()->first;
    if (cells > max_cells)
      return Status::InvalidArgument("the rows hold more than " + std::to_string(max_cells) +
                                     " cells (blank ones up to each row's last value included)");
    TableRecord rec;
    rec.line = r;
    rec.fields.resize(static_cast<size_t>(cols.rbegin()->first));
    for (const auto& [c, text] : cols) rec.fields[static_cast<size_t>(c - 1)] = text;
    if (!IsBlankRecord(rec)) out.push_back(std::move(rec));
  }
  return out;
}

bool IsHeaderRow(const TableRecord& rec) {
  bool number = false, title = false;
  for (const std::string& f : rec.fields) {
    number |= IsNumberHeaderName(f);
    title |= IsTitleHeaderName(f);
  }
  return number && title;
}

// Every non-blank cell is a header name: the second row of a two-row header.
bool IsHeaderContinuation(const TableRecord& rec) {
  for (const std::string& f : rec.fields)
    if (!TrimCell(f).empty() && !IsLedgerHeaderName(f)) return false;
  return true;
}

// Column by column, the lower row's header name wins over the group cell above.
TableRecord CombineHeader(const TableRecord& upper, const TableRecord& lower) {
  TableRecord out = upper;
  out.fields.resize(std::max(upper.fields.size(), lower.fields.size()));
  for (size_t i = 0; i < lower.fields.size(); ++i)
    if (!TrimCell(lower.fields[i]).empty()) out.fields[i] = lower.fields[i];
  return out;
}

class XlsxParser {
 public:
  XlsxParser(const std::string& file, const XlsxOptions& options)
      : file_(file), options_(options) {}

  Result<std::vector<ImportRow>> Parse(std::string_view bytes, XlsxInfo* info) {
    if (bytes.starts_with("\xD0\xCF\x11\xE0"))
      return FileError("an Excel 97-2003 .xls file is not supported; save it as .xlsx");
    auto archive = Archive::Open(bytes, options_.limits);
    if (!archive.ok()) return FileError(archive.status().message());
    Archive& zip = *archive;
    auto wb = ReadPart<WorkbookHandler>(zip, "xl/workbook.xml", "the workbook (xl/workbook.xml)");
    if (!wb.ok()) return wb.status();
    auto rels = ReadPart<RelsHandler>(zip, "xl/_rels/workbook.xml.rels",
                                      "the workbook relationships (xl/_rels/workbook.xml.rels)");
    if (!rels.ok()) return rels.status();
    auto sheet = PickSheet(wb->sheets, rels->rels);
    if (!sheet.ok()) return sheet.status();
    std::vector<std::string> strings;
    std::vector<bool> date_styles;
    RECTIFY_RETURN_IF_ERROR(ReadSharedParts(zip, rels->rels, &strings, &date_styles));
    SheetHandler sh(strings, date_styles, wb->date1904, QuotedSheet(sheet_name_),
                    options_.limits.max_cells);
    auto xml = zip.Read(*sheet);
    if (!xml.ok()) {
      if (xml.status().code() == Status::Code::kNotFound)
        return FileError("the workbook names sheet \"" + sheet_name_ + "\" at " + *sheet +
                         ", which is not in the file");
      return FileError(xml.status().message());
    }
    Status st = ParseXml(*xml, *sheet, &sh);
    if (!st.ok()) return FileError(st.message());
    st = FillMerges(&sh.grid, options_.limits);
    if (!st.ok()) return FileError(sheet_name_ + ": " + st.message());
    return ReadTable(sh.grid, info);
  }

 private:
  Status FileError(const std::string& what) const {
    return Status::InvalidArgument(file_ + ": " + what);
  }

  template <typename Handler>
  Result<Handler> ReadPart(Archive& zip, const std::string& path, const std::string& what) {
    auto xml = zip.Read(path);
    if (!xml.ok()) {
      if (xml.status().code() == Status::Code::kNotFound)
        return FileError("not an Excel workbook: " + what + " is missing");
      return FileError(xml.status().message());
    }
    Handler h;
    Status st = ParseXml(*xml, path, &h);
    if (!st.ok()) return FileError(st.message());
    return h;
  }

  Result<std::string> PickSheet(const std::vector<SheetRef>& sheets,
                                const std::map<std::string, Relationship>& rels) {
    if (sheets.empty()) return FileError("the workbook has no worksheet");
    const SheetRef* pick = &sheets.front();
    if (!options_.sheet.empty()) {
      pick = nullptr;
      std::string names;
      for (const SheetRef& s : sheets) {
        if (s.name == options_.sheet) pick = &s;
        names += (names.empty() ? "" : ", ") + s.name;
      }
      if (!pick)
        return FileError("no sheet named \"" + options_.sheet + "\" (sheets: " + names + ")");
    }
    sheet_name_ = pick->name;
    auto it = rels.find(pick->rel_id);
    if (it == rels.end())
      return FileError("sheet \"" + pick->name + "\" has no part in the workbook relationships");
    return PartPath(it->second.target);
  }

  Status ReadSharedParts(Archive& zip, const std::map<std::string, Relationship>& rels,
                         std::vector<std::string>* strings, std::vector<bool>* date_styles) {
    std::string strings_path = "xl/sharedStrings.xml", styles_path = "xl/styles.xml";
    for (const auto& [id, rel] : rels) {
      if (rel.type.ends_with("/sharedStrings")) strings_path = PartPath(rel.target);
      if (rel.type.ends_with("/styles")) styles_path = PartPath(rel.target);
    }
    // Both parts are optional: a sheet of numbers has no strings.
    if (zip.Has(strings_path)) {
      auto h = ReadPart<SharedStringsHandler>(zip, strings_path, strings_path);
      if (!h.ok()) return h.status();
      *strings = std::move(h->strings);
    }
    if (zip.Has(styles_path)) {
      auto h = ReadPart<StylesHandler>(zip, styles_path, styles_path);
      if (!h.ok()) return h.status();
      *date_styles = h->DateStyles();
    }
    return Status::OK();
  }

  Result<std::vector<ImportRow>> ReadTable(const Grid& grid, XlsxInfo* info) {
    SheetNamer namer(file_, QuotedSheet(sheet_name_));
    LedgerTableReader reader(namer);
    auto all = Records(grid, options_.limits.max_cells);
    if (!all.ok()) return FileError(sheet_name_ + ": " + all.status().message());
    std::vector<TableRecord>& records = *all;
    if (records.empty()) return FileError("sheet \"" + sheet_name_ + "\" is empty: no header row");
    size_t header = 0;
    while (header < records.size() && header < kHeaderSearchRows && !IsHeaderRow(records[header]))
      ++header;
    // No row names both required columns: report what is wrong with the first.
    if (header == records.size() || header == kHeaderSearchRows) header = 0;
    TableRecord head = records[header];
    size_t first_data = header + 1;
    int header_rows = 1;
    if (first_data < records.size() && records[first_data].line == head.line + 1 &&
        IsHeaderContinuation(records[first_data])) {
      head = CombineHeader(head, records[first_data]);
      ++first_data;
      header_rows = 2;
    }
    RECTIFY_RETURN_IF_ERROR(CheckErrorCells(grid, head, reader));
    RECTIFY_RETURN_IF_ERROR(reader.ReadHeader(head));
    std::vector<ImportRow> rows;
    if (static_cast<int64_t>(head.fields.size()) * static_cast<int64_t>(records.size()) >
        options_.limits.max_cells)
      return FileError(sheet_name_ + ": " + std::to_string(records.size()) + " rows of " +
                       std::to_string(head.fields.size()) + " columns: more than the " +
                       std::to_string(options_.limits.max_cells) + " cells allowed");
    for (size_t i = first_data; i < records.size(); ++i) {
      // Excel writes no cell for a blank one: a row ends at its last value.
      if (records[i].fields.size() < head.fields.size())
        records[i].fields.resize(head.fields.size());
      ImportRow row;
      Status st = CheckErrorCells(grid, records[i], reader);
      if (st.ok()) st = reader.ReadRow(records[i], &row);
      if (!st.ok()) {
        if (!options_.row_errors) return st;
        options_.row_errors->push_back(st.message());
        continue;
      }
      row.where = namer.Ref(row.line, reader.number_column());
      rows.push_back(std::move(row));
    }
    if (info) *info = {sheet_name_, head.line, header_rows, static_cast<int>(header)};
    if (options_.row_errors && !options_.row_errors->empty())
      return Status::InvalidArgument(options_.row_errors->front());
    return rows;
  }

  // A formula that failed (#DIV/0!, #N/A …) has no value to import.
  static Status CheckErrorCells(const Grid& g, const TableRecord& rec,
                                const LedgerTableReader& reader) {
    auto it = g.errors.lower_bound({rec.line, 0});
    if (it == g.errors.end() || it->first.first != rec.line) return Status::OK();
    int column = it->first.second;
    return reader.Fail(rec.line, column,
                       reader.WithName(rec.line, column,
                                       "the cell shows the error " + it->second +
                                           " (a formula that failed); fix it in Excel"));
  }

  std::string file_;
  XlsxOptions options_;
  std::string sheet_name_;
};

}  // namespace

bool LooksLikeZip(std::string_view bytes) { return bytes.starts_with("PK\x03\x04"); }

std::string ColumnLetters(int column) {
  std::string out;
  for (int c = column; c > 0; c = (c - 1) / 26)
    out.insert(out.begin(), static_cast<char>('A' + (c - 1) % 26));
  return out;
}

std::string ExcelSerialToDate(double serial, bool date1904) {
  using namespace std::chrono;
  if (!(serial >= 0 && serial < 2958466)) return "";
  int64_t days = static_cast<int64_t>(std::floor(serial));
  // 1900 system: day 1 is 1900-01-01 and day 60 the 1900-02-29 Lotus had.
  if (!date1904 && days == 60) return "1900-02-29";
  sys_days base = date1904 ? sys_days(year(1904) / January / 1)
                           : sys_days(year(1899) / December / (days < 60 ? 31 : 30));
  year_month_day ymd(base + std::chrono::days(days));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

bool IsDateFormat(int id, std::string_view code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58))
    return true;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') {
      size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      i = close;
    } else if (c == '[') {
      size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) return false;
      i = close;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or padding)
    } else if (std::string_view("ymdhsYMDHS").find(c) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

Result<std::vector<ImportRow>> ParseLedgerXlsx(std::string_view bytes, const std::string& file_name,
                                               const XlsxOptions& options, XlsxInfo* info) {
  return XlsxParser(file_name, options).Parse(bytes, info);
}

}  // namespace rectify
