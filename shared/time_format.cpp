#include "shared/time_format.h"

#include <cstdio>
#include <ctime>

#include "shared/date.h"

namespace rectify {

namespace {

// Broken-down local time and its offset east of UTC in seconds.
bool LocalParts(int64_t unix_ms, std::tm* tm, long* offset) {
  tzset();  // reads TZ again: a changed TZ applies from the next call
  // Floor division: a time before 1970 still names its own second.
  const int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
  const std::time_t t = static_cast<std::time_t>(secs);
  if (localtime_r(&t, tm) == nullptr) return false;
  *offset = tm->tm_gmtoff;
  return true;
}

std::string Format(int64_t unix_ms, char date_time_sep, const char* offset_sep) {
  if (unix_ms <= 0) return "";
  std::tm tm{};
  long offset = 0;
  if (!LocalParts(unix_ms, &tm, &offset)) return "";
  const char sign = offset < 0 ? '-' : '+';
  const long abs_min = (offset < 0 ? -offset : offset) / 60;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d:%02d:%02d%s%c%02ld:%02ld",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, date_time_sep, tm.tm_hour,
                tm.tm_min, tm.tm_sec, offset_sep, sign, abs_min / 60, abs_min % 60);
  return buf;
}

}  // namespace

std::string FormatLocalTime(int64_t unix_ms) { return Format(unix_ms, ' ', " "); }

std::string FormatRfc3339(int64_t unix_ms) { return Format(unix_ms, 'T', ""); }

int64_t LocalMidnightMillis(const std::string& date) {
  if (!IsValidDate(date)) return -1;
  std::tm tm{};
  tm.tm_year = std::stoi(date.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(date.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(date.substr(8, 2));
  tm.tm_isdst = -1;  // let the zone decide
  return static_cast<int64_t>(std::mktime(&tm)) * 1000;
}

}  // namespace rectify
