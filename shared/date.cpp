#include "shared/date.h"

#include <cstdio>

namespace rectify {

int DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int> DayNumber(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 1900 || m < 1 || m > 12 || d < 1) return std::nullopt;
  // A day exists if it comes before the first of the next month.
  const int next_month = m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1);
  const int day = DaysFromCivil(y, m, d);
  if (day >= next_month) return std::nullopt;
  return day;
}

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads 1..max_len ASCII digits from the front of `s`.
std::optional<int> TakeNumber(std::string_view* s, size_t max_len) {
  size_t n = 0;
  int v = 0;
  while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9') v = v * 10 + ((*s)[n++] - '0');
  if (n == 0 || n > max_len) return std::nullopt;
  s->remove_prefix(n);
  return v;
}

bool TakePrefix(std::string_view* s, std::string_view p) {
  if (!s->starts_with(p)) return false;
  s->remove_prefix(p.size());
  return true;
}

}  // namespace

std::optional<std::string> NormalizeDate(std::string_view text) {
  std::string_view s = TrimSpaces(text);
  auto year = TakeNumber(&s, 4);
  if (!year || *year > 2999) return std::nullopt;
  std::string_view sep2;
  if (TakePrefix(&s, "年")) {
    sep2 = "月";
  } else {
    for (std::string_view sep : {"-", "/", "."}) {
      if (TakePrefix(&s, sep)) {
        sep2 = sep;
        break;
      }
    }
    if (sep2.empty()) return std::nullopt;
  }
  auto month = TakeNumber(&s, 2);
  if (!month || !TakePrefix(&s, sep2)) return std::nullopt;
  auto day = TakeNumber(&s, 2);
  if (!day) return std::nullopt;
  if (sep2 == "月") TakePrefix(&s, "日");
  if (!s.empty()) return std::nullopt;
  char buf[48];  // room for any three ints: -Wformat-truncation cannot see the ranges
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", *year, *month, *day);
  if (!IsValidDate(buf)) return std::nullopt;
  return std::string(buf);
}

std::optional<std::string> NormalizeDeadline(std::string_view text) {
  std::string_view s = TrimSpaces(text);
  if (s == kDeadlineOngoing || s == "长期坚持") return std::string(kDeadlineOngoing);
  return NormalizeDate(s);
}

bool IsValidDate(std::string_view s) { return DayNumber(s).has_value(); }

bool IsValidDeadline(std::string_view s) { return s == kDeadlineOngoing || IsValidDate(s); }

}  // namespace rectify
