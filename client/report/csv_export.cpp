#include "client/report/csv_export.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace rectify {

namespace {

constexpr std::array<std::string_view, 12> kHeader = {
    "序号",     "方面",   "类别",     "问题",     "问题详情", "整改措施",
    "责任部门", "责任人", "整改时限", "整改类型", "整改状态", "整改结果"};

bool NeedsQuotes(std::string_view f) {
  if (f.empty()) return false;
  if (f.find_first_of(",\"\r\n") != std::string_view::npos) return true;
  // The importer trims cells, so edge spaces survive only when quoted, and
  // even then they are trimmed: quoting at least keeps Excel from eating them.
  return f.front() == ' ' || f.back() == ' ';
}

void AppendField(std::string_view f, std::string* out) {
  if (!NeedsQuotes(f)) {
    out->append(f);
    return;
  }
  out->push_back('"');
  for (char c : f) {
    if (c == '"') out->push_back('"');
    // Excel writes an in-cell line break as a bare LF inside the quotes.
    if (c == '\r') continue;
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendRecord(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendField(fields[i], out);
  }
  out->append("\r\n");
}

struct Titles {
  std::string aspect, category;
};

Titles FindTitles(const LedgerSnapshot& s, const ProblemInfo& p) {
  Titles t;
  for (const AspectInfo& a : s.aspects) {
    if (a.id != p.aspect_id) continue;
    t.aspect = a.title;
    for (const CategoryInfo& c : a.categories)
      if (c.id == p.category_id) t.category = c.title;
  }
  return t;
}

std::string JoinMeasures(const ProblemInfo& p) {
  std::vector<const MeasureInfo*> sorted;
  for (const MeasureInfo& m : p.measures) sorted.push_back(&m);
  std::stable_sort(sorted.begin(), sorted.end(), [](const MeasureInfo* a, const MeasureInfo* b) {
    return a->ordinal < b->ordinal;
  });
  std::string out;
  for (const MeasureInfo* m : sorted) {
    if (!out.empty()) out += "；";
    out += m->text;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& LedgerExportHeader() {
  static const auto* kNames = new std::vector<std::string>(kHeader.begin(), kHeader.end());
  return *kNames;
}

std::vector<std::vector<std::string>> LedgerExportRecords(const LedgerSnapshot& snapshot) {
  std::vector<std::vector<std::string>> out;
  for (const ProblemInfo& p : snapshot.problems) {
    Titles t = FindTitles(snapshot, p);
    out.push_back({std::to_string(p.number), t.aspect, t.category, p.title, p.detail,
                   JoinMeasures(p), p.department, p.person, p.deadline,
                   std::string(KindLabel(p.kind)), std::string(StatusLabel(p.status)), p.result});
  }
  return out;
}

std::string ExportLedgerCsv(const LedgerSnapshot& snapshot) {
  std::string out = "\xEF\xBB\xBF";
  AppendRecord(LedgerExportHeader(), &out);
  for (const auto& record : LedgerExportRecords(snapshot)) AppendRecord(record, &out);
  return out;
}

}  // namespace rectify
