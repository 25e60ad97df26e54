// Calendar dates of the ledger (docs/design.md §2): "YYYY-MM-DD", a real day
// of the proleptic Gregorian calendar from 1900 on. The one check used by the
// ledger, the CSV import, the statistics, the server's resolver and its audit
// queries. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rectify {

// The value a deadline field holds for an ongoing problem or measure.
inline constexpr std::string_view kDeadlineOngoing = "长期";

// True for "YYYY-MM-DD" naming a real day (no 2024-02-30, no 2023-02-29), year >= 1900.
bool IsValidDate(std::string_view s);

// A deadline: a real date or 长期.
bool IsValidDeadline(std::string_view s);

// A date as people type it: 2024-03-31, 2024/3/31, 2024.3.31 or 2024年3月31日
// (surrounding spaces ignored) -> "2024-03-31"; nullopt unless a real day
// between the years 1900 and 2999. The CSV import, the CLI and the ledger use it.
std::optional<std::string> NormalizeDate(std::string_view text);
// A deadline as people type it: a date as above, or 长期 / 长期坚持 -> 长期.
std::optional<std::string> NormalizeDeadline(std::string_view text);

// Days since 1970-01-01 of a valid date; nullopt for anything IsValidDate refuses.
std::optional<int> DayNumber(std::string_view s);

// Days since 1970-01-01 of year/month/day (Howard Hinnant's days_from_civil);
// exact for every Gregorian date. No validation.
int DaysFromCivil(int y, int m, int d);

}  // namespace rectify
