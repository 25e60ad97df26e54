// Aspect lookup shared by the CLI's structure and problem commands.
#pragma once

#include <string>

#include "client/ledger/ledger.h"
#include "shared/status.h"

namespace rectify {

// Finds an aspect of the current inspection by exact title, else by ordinal
// ("2"). If none matches and `create` is set and `ref` is not a number, the
// aspect is created (one op). NotFound otherwise.
Result<std::string> ResolveAspect(Ledger& ledger, const std::string& ref, bool create,
                                  const std::string& author);

}  // namespace rectify
