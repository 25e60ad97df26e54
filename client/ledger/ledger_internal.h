// Helpers shared by the ledger_*.cpp files. Internal to the client module.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/merge.h"
#include "shared/op.h"
#include "shared/schema.h"
#include "shared/sqlite.h"
#include "shared/status.h"

namespace rectify::ledger_internal {

// An SQL identifier in double quotes. Only ever called with names taken from
// shared/schema.h, never with user input.
std::string Quote(std::string_view name);

// Type check of one value against its field definition.

// The value a field of a row that was never written reads as.
Value DefaultValue(std::string_view field);

// All schema fields of a view row, or nullopt when the row does not exist.
Result<std::optional<std::map<std::string, Value>>> ReadViewRow(Database& db, const EntityDef& def,
                                                                const std::string& row_id);

// Inserts the row if missing, then sets the given fields and their stamps.
Status SetViewFields(Database& db, const EntityDef& def, const std::string& row_id,
                     const std::string& school_id, const RowState& fields);

// Runs a single-row query returning one integer column; `fallback` when no row or NULL.
Result<int64_t> QueryInt(Database& db, std::string_view sql, const std::vector<Value>& params,
                         int64_t fallback);
// Runs a query and returns column 0 of every row as text.
Result<std::vector<std::string>> QueryTexts(Database& db, std::string_view sql,
                                            const std::vector<Value>& params);

}  // namespace rectify::ledger_internal
