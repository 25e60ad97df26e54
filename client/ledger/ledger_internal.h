// Helpers shared by the ledger_*.cpp files. Internal to the client module.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
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

// A field of a row from Ledger::GetRow, as text ("" for NULL) or integer.
inline std::string RowText(const std::map<std::string, Value>& row, const char* field) {
  return ValueToString(row.at(field));
}
inline int64_t RowInt(const std::map<std::string, Value>& row, const char* field,
                      int64_t fallback = 0) {
  const Value& v = row.at(field);
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : fallback;
}

// Ids of live rows of `entity` whose `parent_field` is `parent_id`, in
// `order_by` order (an ORDER BY clause over the entity's own columns).
std::vector<std::string> ChildIds(Database& db, std::string_view entity,
                                  const std::string& parent_field, const std::string& parent_id,
                                  const std::string& order_by);

// Refuses any field not in `allowed`, naming the ones that are.
Status CheckAllowed(std::string_view what, const std::vector<std::pair<std::string, Value>>& fields,
                    const std::set<std::string>& allowed);
// Turns user-typed values into the stored form: digit text into integers,
// empty dates into NULL, kind/status/rule names into their codes. Validates
// what the schema types cannot (deadline, kind, completion rule).
Status Normalize(std::string_view entity, std::vector<std::pair<std::string, Value>>& fields);
// The one check of an accountability row, for adding and editing alike.
Status CheckAccountability(const std::string& kind, const std::string& label, int64_t count,
                           int64_t amount_fen);

}  // namespace rectify::ledger_internal
