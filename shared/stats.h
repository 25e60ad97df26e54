// Ledger statistics and deadline warnings (三色预警), computed from a
// LedgerSnapshot, the same rule on a school PC and in the district console
// (docs/design.md §2). Pure functions, no clock:
// "today" is an argument. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/date.h"
#include "shared/domain.h"

namespace rectify {

struct LedgerStats {
  int total = 0;
  int not_started = 0, in_progress = 0, completed = 0, long_term = 0, verified = 0;
  int measures = 0, measures_done = 0;  // done = has a done_date
  int aspects = 0;
  double completion_rate = 0;  // 0..1 under `rule`; 0 when total is 0
  std::string rule;            // CompletionRule code: "default" or "strict"
};

// Counts problems by status and computes the completion rate under
// snapshot.rule: default (completed + long_term + verified) / total, strict
// (completed + verified) / total.
LedgerStats ComputeStats(const LedgerSnapshot& snapshot);

// Keys: total, not_started, in_progress, completed, long_term, verified,
// measures, completion_rate (0..1), rule; extras: measures_done, aspects,
// completion_percent ("93%"), rule_text.
nlohmann::json StatsToJson(const LedgerStats& stats);

// "93%": the rate rounded half up to a whole percent.
std::string FormatPercent(double rate);

enum class DueColor { kGreen, kYellow, kRed };
std::string_view DueColorName(DueColor c);  // "green" / "yellow" / "red"

struct DueItem {
  int number = 0;
  std::string title, deadline, department, person;
  DueColor color = DueColor::kGreen;
  int days_left = 0;  // deadline - today; negative when overdue
};

// Open problems (not completed, verified or long_term) whose deadline is a
// date: red when overdue, yellow when 0 <= days_left <= snapshot.warn_days,
// green otherwise. Sorted most urgent first (days_left, then number).
// Returns an empty list when `today` is not YYYY-MM-DD.
std::vector<DueItem> ComputeDue(const LedgerSnapshot& snapshot, const std::string& today);


}  // namespace rectify

namespace rectify {

// "YYYY-MM-DD" of the instant `unix_ms` at the given offset from UTC (the
// district's "today" is UTC+8). Pure.
std::string IsoDateAt(int64_t unix_ms, int64_t utc_offset_minutes);

}  // namespace rectify
