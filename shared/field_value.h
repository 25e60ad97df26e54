// The one check of a field's value against the schema (docs/design.md §2):
// the ledger runs it before it writes anything, the CSV import before it
// stores a row, and the server's resolver on every op a device pushes, so a
// value one side refuses is refused by the other too. Pure, thread-safe.
#pragma once

#include <string_view>

#include "shared/op.h"
#include "shared/schema.h"
#include "shared/status.h"

namespace rectify {

// OK if `v` may be stored in `entity`.`def`: null always; an int field holds
// an integer; every other field holds text, and a date, deadline, status or
// kind field only text of its form (empty text is not a date: unset is null).
// InvalidArgument names "entity.field", what it must be, and the value.
Status CheckFieldValue(std::string_view entity, const FieldDef& def, const Value& v);

}  // namespace rectify
