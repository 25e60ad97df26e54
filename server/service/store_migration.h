// `rectifyd migrate`: moving a district up from its SQLite store to
// PostgreSQL (docs/operations.md "Moving a district to PostgreSQL"). Every
// school is copied in one PostgreSQL transaction; both sides are verified
// against the district's log key; a re-run skips schools already copied and
// refuses any school whose PostgreSQL history differs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/ed25519.h"
#include "shared/status.h"

namespace rectify {

struct MigratedSchool {
  std::string school_id;
  uint64_t leaves = 0;
  uint64_t ops = 0;
  bool copied = false;  // false: already there from an earlier run
};

Result<std::vector<MigratedSchool>> MigrateToPostgres(const std::string& data_dir,
                                                      const std::string& uri,
                                                      const VerifyingKey& key,
                                                      const std::string& log_name);

}  // namespace rectify
