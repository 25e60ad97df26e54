// The merge rule, used by client and server alike (docs/design.md §4): per field,
// the higher (hlc, device_id) wins. Pure and deterministic: replicas that
// hold the same set of ops hold the same state, whatever the order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "shared/op.h"

namespace rectify {

inline constexpr const char* kMergeRuleName = "last-writer-wins per field by (hlc, device_id)";

struct FieldState {
  Value value;
  Stamp stamp;
  // Who wrote the winning value (for conflict listings).
  std::string author;
};

using RowState = std::map<std::string, FieldState>;  // field -> state

enum class FieldOutcome {
  kWon,        // the op's value is now the field's value
  kLost,       // a newer write already holds the field
  kDuplicate,  // this exact write (same stamp) is already there
};

// A concurrent write detected while merging: the writer had not seen the
// value it overwrote (or lost to). Both sides are kept for review.
struct FieldConflict {
  std::string field;
  FieldState winner;
  FieldState loser;
};

struct MergeResult {
  std::vector<FieldOutcome> outcomes;  // parallel to op.fields
  std::vector<FieldConflict> conflicts;
  bool any_won() const;
  bool all_duplicate() const;
};

// Applies `op` to `row` with the rule above. `row` is updated in place.
MergeResult MergeOp(RowState& row, const Op& op);

}  // namespace rectify
