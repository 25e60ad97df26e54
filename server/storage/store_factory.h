// Opens the district's store named by `rectifyd … --store`: empty (the
// embedded default) means SQLite in DIR/rectifyd.db; a postgresql:// URI
// means PostgreSQL (docs/operations.md). Anything else is refused.
#pragma once

#include <memory>
#include <string>

#include "server/storage/store.h"

namespace rectify {

Result<std::unique_ptr<Store>> OpenStore(const std::string& data_dir, const std::string& spec);
// For messages: "DIR/rectifyd.db" or the URI without its password.
std::string DescribeStore(const std::string& data_dir, const std::string& spec);

}  // namespace rectify
