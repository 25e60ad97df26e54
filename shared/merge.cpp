#include "shared/merge.h"

#include <algorithm>

namespace rectify {

bool MergeResult::any_won() const {
  return std::find(outcomes.begin(), outcomes.end(), FieldOutcome::kWon) != outcomes.end();
}

bool MergeResult::all_duplicate() const {
  return !outcomes.empty() && std::all_of(outcomes.begin(), outcomes.end(), [](FieldOutcome o) {
    return o == FieldOutcome::kDuplicate;
  });
}

MergeResult MergeOp(RowState& row, const Op& op) {
  MergeResult result;
  const Stamp stamp = op.stamp();
  for (const auto& change : op.fields) {
    FieldState incoming{change.value, stamp, op.author};
    auto it = row.find(change.field);
    if (it == row.end()) {
      row.emplace(change.field, std::move(incoming));
      result.outcomes.push_back(FieldOutcome::kWon);
      continue;
    }
    FieldState& current = it->second;
    if (current.stamp == stamp) {
      result.outcomes.push_back(FieldOutcome::kDuplicate);
      continue;
    }
    // A conflict is a write made without having seen the value it meets,
    // where the two values differ. Equal values are convergent, not conflicting.
    const bool unseen = change.base != current.stamp && current.stamp > change.base;
    const bool differ = current.value != change.value;
    if (stamp > current.stamp) {
      if (unseen && differ) result.conflicts.push_back({change.field, incoming, current});
      current = std::move(incoming);
      result.outcomes.push_back(FieldOutcome::kWon);
    } else {
      if (differ && change.base != current.stamp)
        result.conflicts.push_back({change.field, current, incoming});
      result.outcomes.push_back(FieldOutcome::kLost);
    }
  }
  return result;
}

}  // namespace rectify
