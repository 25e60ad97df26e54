#include "shared/stats.h"

#include <doctest/doctest.h>

#include "tests/unit/client/ledger_fixture.h"

namespace rectify {
namespace {

ProblemInfo Problem(int number, ProblemStatus status, std::string deadline = "") {
  ProblemInfo p;
  p.number = number;
  p.title = "问题" + std::to_string(number);
  p.status = status;
  p.deadline = std::move(deadline);
  return p;
}

TEST_CASE("the 57-item ledger is 93% under the default rule, from both encodings") {
  for (const char* file : {"unseen57_utf8", "unseen57_gb18030"}) {
    CAPTURE(file);
    LedgerSnapshot s = testing::LoadFixture(file);
    LedgerStats st = ComputeStats(s);
    CHECK(st.total == 57);
    CHECK(st.completed == 48);
    CHECK(st.in_progress == 4);
    CHECK(st.long_term == 5);
    CHECK(st.not_started == 0);
    CHECK(st.aspects == 3);
    CHECK(st.completion_rate == doctest::Approx(53.0 / 57.0));
    CHECK(FormatPercent(st.completion_rate) == "93%");
    CHECK(st.rule == "default");

    s.rule = *CompletionRule::Parse("strict");
    LedgerStats strict = ComputeStats(s);
    CHECK(strict.completion_rate == doctest::Approx(48.0 / 57.0));
    CHECK(FormatPercent(strict.completion_rate) == "84%");
    CHECK(strict.rule == "strict");
  }
}

TEST_CASE("ComputeStats counts verified as done under both rules, and measures") {
  LedgerSnapshot s;
  s.problems = {Problem(1, ProblemStatus::kVerified), Problem(2, ProblemStatus::kNotStarted),
                Problem(3, ProblemStatus::kLongTerm), Problem(4, ProblemStatus::kInProgress)};
  s.problems[0].measures = {{"m1", 1, "a", "", "", "2024-01-02"}, {"m2", 2, "b", "", "", ""}};
  LedgerStats st = ComputeStats(s);
  CHECK(st.verified == 1);
  CHECK(st.not_started == 1);
  CHECK(st.measures == 2);
  CHECK(st.measures_done == 1);
  CHECK(st.completion_rate == doctest::Approx(0.5));
  s.rule = *CompletionRule::Parse("strict");
  CHECK(ComputeStats(s).completion_rate == doctest::Approx(0.25));
}

TEST_CASE("an empty ledger has rate 0") {
  LedgerStats st = ComputeStats(LedgerSnapshot{});
  CHECK(st.total == 0);
  CHECK(st.completion_rate == 0.0);
  CHECK(FormatPercent(st.completion_rate) == "0%");
}

TEST_CASE("FormatPercent rounds half up") {
  CHECK(FormatPercent(0.925) == "93%");
  CHECK(FormatPercent(0.9249) == "92%");
  CHECK(FormatPercent(1.0) == "100%");
}

TEST_CASE("StatsToJson has exactly the documented keys and values") {
  LedgerSnapshot s = testing::LoadFixture("seed000");
  nlohmann::json j = StatsToJson(ComputeStats(s));
  for (const char* key : {"total", "not_started", "in_progress", "completed", "long_term",
                          "verified", "measures", "completion_rate", "rule"})
    CHECK_MESSAGE(j.contains(key), key);
  CHECK(j["total"] == 15);
  CHECK(j["completed"] == 14);
  CHECK(j["in_progress"] == 1);
  CHECK(j["measures"] == 26);
  CHECK(j["rule"] == "default");
  CHECK(j["completion_rate"].is_number());
  CHECK(j["completion_rate"].get<double>() == doctest::Approx(14.0 / 15.0));
  CHECK(j["completion_percent"] == "93%");
}

TEST_CASE("DayNumber counts calendar days across leap years") {
  CHECK(DayNumber("1970-01-01") == 0);
  CHECK(*DayNumber("2024-03-01") - *DayNumber("2024-02-28") == 2);
  CHECK(*DayNumber("2023-03-01") - *DayNumber("2023-02-28") == 1);
  CHECK(*DayNumber("2025-01-01") - *DayNumber("2024-01-01") == 366);
  CHECK_FALSE(DayNumber("2023-02-29"));
  CHECK_FALSE(DayNumber("2024-04-31"));
  CHECK_FALSE(DayNumber("2024-3-1"));
  CHECK_FALSE(DayNumber("长期"));
}

TEST_CASE("ComputeDue colours at the boundaries and sorts most urgent first") {
  LedgerSnapshot s;
  s.warn_days = 10;
  s.problems = {
      Problem(1, ProblemStatus::kInProgress, "2024-03-12"),  // 11 days: green
      Problem(2, ProblemStatus::kNotStarted, "2024-03-11"),  // 10 days: yellow
      Problem(3, ProblemStatus::kInProgress, "2024-03-01"),  // today: yellow
      Problem(4, ProblemStatus::kInProgress, "2024-02-29"),  // yesterday (leap day): red
      Problem(5, ProblemStatus::kCompleted, "2024-01-01"),   // done: not listed
      Problem(6, ProblemStatus::kLongTerm, "2024-01-01"),    // long term: not listed
      Problem(7, ProblemStatus::kVerified, "2024-01-01"),    // verified: not listed
      Problem(8, ProblemStatus::kInProgress, "长期"),        // no date: not listed
      Problem(9, ProblemStatus::kInProgress, ""),
      Problem(10, ProblemStatus::kInProgress, "2024-03-11"),  // tie with 2: by number
  };
  auto due = ComputeDue(s, "2024-03-01");
  REQUIRE(due.size() == 5);
  CHECK(due[0].number == 4);
  CHECK(due[0].color == DueColor::kRed);
  CHECK(due[0].days_left == -1);
  CHECK(due[1].number == 3);
  CHECK(due[1].color == DueColor::kYellow);
  CHECK(due[1].days_left == 0);
  CHECK(due[2].number == 2);
  CHECK(due[2].color == DueColor::kYellow);
  CHECK(due[2].days_left == 10);
  CHECK(due[3].number == 10);
  CHECK(due[4].number == 1);
  CHECK(due[4].color == DueColor::kGreen);
  CHECK(due[4].days_left == 11);
  CHECK(DueColorName(due[0].color) == "red");

  s.warn_days = 0;
  due = ComputeDue(s, "2024-03-01");
  CHECK(due[1].color == DueColor::kYellow);  // due today is still a warning
  CHECK(due[2].color == DueColor::kGreen);
}

TEST_CASE("ComputeDue returns nothing for a malformed today") {
  LedgerSnapshot s;
  s.problems = {Problem(1, ProblemStatus::kInProgress, "2024-03-12")};
  CHECK(ComputeDue(s, "2024/03/01").empty());
  CHECK(ComputeDue(s, "").empty());
}

TEST_CASE("ComputeDue on the 57-item fixture finds the four open problems") {
  auto due = ComputeDue(testing::LoadFixture("unseen57_utf8"), "2024-07-10");
  REQUIRE(due.size() == 4);
  CHECK(due[0].deadline == "2024-06-30");
  CHECK(due[0].color == DueColor::kRed);
  CHECK(due[1].deadline == "2024-07-15");
  CHECK(due[1].color == DueColor::kYellow);
  CHECK(due[3].color == DueColor::kGreen);
}

}  // namespace
}  // namespace rectify
