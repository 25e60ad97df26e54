// Names that tie a school's audit log to its checkpoints. The server signs
// with these and every verifier checks them, so they live in one place.
#pragma once

#include <string>

namespace rectify {

// The C2SP checkpoint origin line of one school's log.
inline std::string CheckpointOrigin(const std::string& school_id) {
  return "rectify.district/" + school_id;
}

// The signed-note key name of the district's log-signing key.
inline constexpr const char* kLogKeyName = "rectify.district";

}  // namespace rectify
