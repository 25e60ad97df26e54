#include "shared/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rectify {

namespace {

bool IsDone(ProblemStatus s, const CompletionRule& rule) {
  switch (s) {
    case ProblemStatus::kCompleted:
    case ProblemStatus::kVerified:
      return true;
    case ProblemStatus::kLongTerm:
      return rule.long_term_counts;
    default:
      return false;
  }
}

bool IsOpen(ProblemStatus s) {
  return s == ProblemStatus::kNotStarted || s == ProblemStatus::kInProgress;
}

}  // namespace

LedgerStats ComputeStats(const LedgerSnapshot& snapshot) {
  LedgerStats st;
  st.rule = snapshot.rule.code;
  st.aspects = static_cast<int>(snapshot.aspects.size());
  int done = 0;
  for (const ProblemInfo& p : snapshot.problems) {
    ++st.total;
    switch (p.status) {
      case ProblemStatus::kNotStarted:
        ++st.not_started;
        break;
      case ProblemStatus::kInProgress:
        ++st.in_progress;
        break;
      case ProblemStatus::kCompleted:
        ++st.completed;
        break;
      case ProblemStatus::kLongTerm:
        ++st.long_term;
        break;
      case ProblemStatus::kVerified:
        ++st.verified;
        break;
    }
    if (IsDone(p.status, snapshot.rule)) ++done;
    for (const MeasureInfo& m : p.measures) {
      ++st.measures;
      if (!m.done_date.empty()) ++st.measures_done;
    }
  }
  st.completion_rate = st.total == 0 ? 0.0 : static_cast<double>(done) / st.total;
  return st;
}

std::string FormatPercent(double rate) {
  return std::to_string(static_cast<long>(std::floor(rate * 100.0 + 0.5))) + "%";
}

nlohmann::json StatsToJson(const LedgerStats& st) {
  auto rule = CompletionRule::Parse(st.rule);
  return nlohmann::json{
      {"total", st.total},
      {"not_started", st.not_started},
      {"in_progress", st.in_progress},
      {"completed", st.completed},
      {"long_term", st.long_term},
      {"verified", st.verified},
      {"measures", st.measures},
      {"measures_done", st.measures_done},
      {"aspects", st.aspects},
      {"completion_rate", st.completion_rate},
      {"completion_percent", FormatPercent(st.completion_rate)},
      {"rule", st.rule},
      {"rule_text", rule ? rule->Describe() : std::string()},
  };
}

std::string_view DueColorName(DueColor c) {
  switch (c) {
    case DueColor::kGreen:
      return "green";
    case DueColor::kYellow:
      return "yellow";
    case DueColor::kRed:
      return "red";
  }
  return "green";
}

std::vector<DueItem> ComputeDue(const LedgerSnapshot& snapshot, const std::string& today) {
  std::vector<DueItem> out;
  auto now = DayNumber(today);
  if (!now) return out;
  for (const ProblemInfo& p : snapshot.problems) {
    if (!IsOpen(p.status)) continue;
    auto due = DayNumber(p.deadline);
    if (!due) continue;  // 长期 or empty: nothing to count down to
    DueItem item{p.number, p.title,          p.deadline, p.department,
                 p.person, DueColor::kGreen, *due - *now};
    if (item.days_left < 0) {
      item.color = DueColor::kRed;
    } else if (item.days_left <= snapshot.warn_days) {
      item.color = DueColor::kYellow;
    }
    out.push_back(std::move(item));
  }
  std::stable_sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) {
    return a.days_left != b.days_left ? a.days_left < b.days_left : a.number < b.number;
  });
  return out;
}

}  // namespace rectify

namespace rectify {

std::string IsoDateAt(int64_t unix_ms, int64_t utc_offset_minutes) {
  const int64_t local_ms = unix_ms + utc_offset_minutes * 60'000;
  int64_t z = (local_ms >= 0 ? local_ms : local_ms - 86'399'999) / 86'400'000;
  // Days since 1970-01-01 to a proleptic Gregorian date (era arithmetic).
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

}  // namespace rectify
