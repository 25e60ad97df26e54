// shared/time_format.h: the one rule for times the CLI prints (issue 11,
// defect 12), under two zones, checked against hand-computed strings.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "shared/time_format.h"

namespace rectify {

namespace {

// Sets TZ for one scope and restores it (tzset runs on every format call).
struct Zone {
  std::optional<std::string> old;
  explicit Zone(const char* tz) {
    if (const char* v = std::getenv("TZ")) old = v;
    ::setenv("TZ", tz, 1);
  }
  ~Zone() {
    if (old)
      ::setenv("TZ", old->c_str(), 1);
    else
      ::unsetenv("TZ");
    tzset();
  }
};

// 2026-12-04T12:34:48.195Z
constexpr int64_t kInstant = 1796387688195;

}  // namespace

TEST_CASE("time format: local time with its offset, RFC 3339 in JSON, per TZ") {
  {
    Zone z("Asia/Shanghai");
    CHECK(FormatLocalTime(kInstant) == "2026-12-04 20:34:48 +08:00");
    CHECK(FormatRfc3339(kInstant) == "2026-12-04T20:34:48+08:00");
    // An HLC stamp shows its physical time only.
    CHECK(FormatLocalTime(Hlc::Make(kInstant, 7)) == "2026-12-04 20:34:48 +08:00");
    CHECK(LocalMidnightMillis("2026-12-05") == 1796428800000 - 8 * 3600 * 1000);
  }
  {
    Zone z("UTC");
    CHECK(FormatLocalTime(kInstant) == "2026-12-04 12:34:48 +00:00");
    CHECK(FormatRfc3339(kInstant) == "2026-12-04T12:34:48+00:00");
    CHECK(LocalMidnightMillis("2026-12-05") == 1796428800000);
  }
  {
    Zone z("America/St_Johns");  // a half-hour offset west of UTC
    CHECK(FormatLocalTime(kInstant) == "2026-12-04 09:04:48 -03:30");
  }
  CHECK(FormatLocalTime(0) == "");  // never
  CHECK(FormatRfc3339(-5) == "");
  CHECK(LocalMidnightMillis("2026-02-30") == -1);
}

}  // namespace rectify
