// Test helper: builds a LedgerSnapshot from a ledger CSV plus a profile JSON
// (tests/data/<name>.csv and <name>.profile.json). The profile format is
// documented in docs/csv-format.md:
//   {"school": {"id","name","org_name","phone","postal","email"},
//    "inspection": {"group_name","kind","onsite_from","onsite_to","feedback_date",
//                   "plan_date","phase","notice_date"},
//    "rule": "default"|"strict", "warn_days": 10,
//    "accountability": [{"kind":"funds"|"disposition","label","count","amount_fen","note"}],
//    "next_steps": [{"title","text"}]}
// Aspects and categories are created in first-appearance order, as the
// ledger importer does.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/report/csv_import.h"
#include "client/ledger/import_row.h"
#include "shared/domain.h"

namespace rectify::testing {

inline std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(RECTIFY_TEST_DATA) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing test data file ", name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<ImportRow> ParseTestCsv(const std::string& name) {
  auto rows = ParseLedgerCsv(ReadTestFile(name), name);
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  return *rows;
}

inline std::string Str(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? j.at(key).get<std::string>() : std::string();
}

inline void ApplyProfile(const nlohmann::json& p, LedgerSnapshot* s) {
  const auto& sc = p.at("school");
  s->school = {Str(sc, "id"),    Str(sc, "name"),   Str(sc, "org_name"),
               Str(sc, "phone"), Str(sc, "postal"), Str(sc, "email")};
  const auto& in = p.at("inspection");
  s->inspection = {"",
                   Str(in, "group_name"),
                   Str(in, "kind"),
                   Str(in, "onsite_from"),
                   Str(in, "onsite_to"),
                   Str(in, "feedback_date"),
                   Str(in, "plan_date"),
                   Str(in, "phase"),
                   Str(in, "notice_date")};
  s->rule = *CompletionRule::Parse(p.value("rule", "default"));
  s->warn_days = p.value("warn_days", 10);
  for (const auto& a : p.value("accountability", nlohmann::json::array())) {
    s->accountability.push_back({Str(a, "kind"), Str(a, "label"), a.value("count", int64_t{0}),
                                 a.value("amount_fen", int64_t{0}), Str(a, "note")});
  }
  int ordinal = 0;
  for (const auto& n : p.value("next_steps", nlohmann::json::array()))
    s->next_steps.push_back({++ordinal, Str(n, "title"), Str(n, "text")});
}

inline LedgerSnapshot SnapshotFromRows(const std::vector<ImportRow>& rows) {
  LedgerSnapshot s;
  for (const ImportRow& r : rows) {
    ProblemInfo p;
    p.id = "p" + r.number;
    p.number = std::stoi(r.number);
    AspectInfo* aspect = nullptr;
    for (AspectInfo& a : s.aspects)
      if (a.title == r.aspect) aspect = &a;
    if (aspect == nullptr) {
      int n = static_cast<int>(s.aspects.size()) + 1;
      s.aspects.push_back({"a" + std::to_string(n), n, r.aspect, {}});
      aspect = &s.aspects.back();
    }
    p.aspect_id = aspect->id;
    if (!r.category.empty()) {
      const CategoryInfo* cat = nullptr;
      for (const CategoryInfo& c : aspect->categories)
        if (c.title == r.category) cat = &c;
      if (cat == nullptr) {
        int n = static_cast<int>(aspect->categories.size()) + 1;
        aspect->categories.push_back({aspect->id + "c" + std::to_string(n), n, r.category});
        cat = &aspect->categories.back();
      }
      p.category_id = cat->id;
    }
    p.title = r.title;
    p.detail = r.detail;
    p.kind = r.kind.empty() ? ProblemKind::kWithinPeriod : *ParseKind(r.kind);
    p.status = r.status.empty() ? ProblemStatus::kNotStarted : *ParseStatus(r.status);
    p.deadline = r.deadline;
    p.department = r.department;
    p.person = r.person;
    p.result = r.result;
    for (size_t i = 0; i < r.measures.size(); ++i) {
      p.measures.push_back(
          {p.id + "m" + std::to_string(i + 1), static_cast<int>(i) + 1, r.measures[i], "", "", ""});
    }
    s.problems.push_back(std::move(p));
  }
  return s;
}

// Loads tests/data/<stem>.csv and, when present, <stem>.profile.json.
inline LedgerSnapshot LoadFixture(const std::string& stem) {
  LedgerSnapshot s = SnapshotFromRows(ParseTestCsv(stem + ".csv"));
  std::ifstream in(std::string(RECTIFY_TEST_DATA) + "/" + stem + ".profile.json");
  if (in.good()) ApplyProfile(nlohmann::json::parse(in), &s);
  return s;
}

}  // namespace rectify::testing
