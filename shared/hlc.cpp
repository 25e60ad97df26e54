#include "shared/hlc.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace rectify {

std::string Hlc::ToString() const {
  int64_t ms = millis();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ+%u", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000), static_cast<unsigned>(logical()));
  return buf;
}

Hlc HlcClock::Now() {
  int64_t wall = std::max<int64_t>(clock_.NowMillis(), 0);
  if (wall > last_.millis()) {
    last_ = Hlc::Make(wall, 0);
  } else if (last_.logical() == 0xffff) {
    // Counter exhausted: borrow the next millisecond rather than wrap.
    last_ = Hlc::Make(last_.millis() + 1, 0);
  } else {
    last_ = Hlc{last_.raw + 1};
  }
  return last_;
}

void HlcClock::Observe(Hlc remote) {
  if (remote > last_) last_ = remote;
}

}  // namespace rectify
