// Instants as people read them (docs/cli.md "Times"): the one rule for every
// time the CLI prints, whatever it came from (a sync's wall clock, an audit
// leaf's server time, a conflict's HLC stamp).
//
// Text: local time of the process's time zone (the TZ environment variable,
// else /etc/localtime) with its UTC offset, "2026-12-04 20:34:48 +08:00".
// JSON: RFC 3339 with the same offset, "2026-12-04T20:34:48+08:00".
// Both name the same instant the same way for anyone who reads the offset.
//
// Thread-safe (tzset + localtime_r) as long as nobody changes TZ meanwhile.
#pragma once

#include <cstdint>
#include <string>

#include "shared/hlc.h"

namespace rectify {

// "YYYY-MM-DD HH:MM:SS +HH:MM" in the local zone; "" for unix_ms <= 0 (never).
std::string FormatLocalTime(int64_t unix_ms);
// "YYYY-MM-DDTHH:MM:SS+HH:MM" in the local zone; "" for unix_ms <= 0.
std::string FormatRfc3339(int64_t unix_ms);
// An HLC stamp's physical time, formatted by the rules above (the logical
// counter only orders stamps of the same millisecond and is not shown).
inline std::string FormatLocalTime(Hlc stamp) { return FormatLocalTime(stamp.millis()); }
inline std::string FormatRfc3339(Hlc stamp) { return FormatRfc3339(stamp.millis()); }

// Unix milliseconds of the local midnight that starts `date` (YYYY-MM-DD);
// -1 for a date IsValidDate refuses.
int64_t LocalMidnightMillis(const std::string& date);

}  // namespace rectify
