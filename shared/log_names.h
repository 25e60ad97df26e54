// Names that tie a school's audit log to its checkpoints. The server signs
// with these and every verifier checks them, so they live in one place.
//
// A district has one log name (set by `rectifyd init --origin`, default
// "<first hostname>/rectify"): it is the signing key's name in every note and
// the prefix of every school's origin line.
#pragma once

#include <string>
#include <string_view>

namespace rectify {

// The log name used when none is configured (tests, the simulation).
inline constexpr char kDefaultLogName[] = "rectify.district";

// The C2SP checkpoint origin line of one school's log: "<log_name>/<school_id>".
inline std::string LogOrigin(std::string_view log_name, std::string_view school_id) {
  return std::string(log_name) + "/" + std::string(school_id);
}

}  // namespace rectify
