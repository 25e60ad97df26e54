#include <doctest/doctest.h>

#include "shared/merge.h"

using namespace rectify;

namespace {
Op MakeOp(const std::string& dev, uint64_t hlc, const std::string& value, Stamp base = {}) {
  Op op;
  op.device_id = dev;
  op.device_seq = 1;
  op.entity = "problem";
  op.row_id = "r1";
  op.hlc = Hlc{hlc};
  op.author = dev + "-author";
  op.fields = {{"result", value, base}};
  return op;
}
}  // namespace

TEST_CASE("merge: higher stamp wins regardless of order") {
  Op a = MakeOp("devA", 100, "A");
  Op b = MakeOp("devB", 200, "B");
  RowState r1, r2;
  MergeOp(r1, a);
  MergeOp(r1, b);
  MergeOp(r2, b);
  MergeOp(r2, a);
  CHECK(ValueToString(r1["result"].value) == "B");
  CHECK(ValueToString(r2["result"].value) == "B");
}

TEST_CASE("merge: hlc tie broken by device id") {
  RowState r;
  MergeOp(r, MakeOp("devB", 100, "B"));
  auto res = MergeOp(r, MakeOp("devA", 100, "A"));
  CHECK(res.outcomes[0] == FieldOutcome::kLost);
  CHECK(ValueToString(r["result"].value) == "B");
}

TEST_CASE("merge: duplicate op is recognised") {
  RowState r;
  MergeOp(r, MakeOp("devA", 100, "A"));
  auto res = MergeOp(r, MakeOp("devA", 100, "A"));
  CHECK(res.all_duplicate());
  CHECK(res.conflicts.empty());
}

TEST_CASE("merge: concurrent differing writes are conflicts, sequential ones are not") {
  RowState r;
  MergeOp(r, MakeOp("devA", 100, "A"));
  // devB saw A's write (base = A's stamp): no conflict.
  auto seq = MergeOp(r, MakeOp("devB", 200, "B", Stamp{Hlc{100}, "devA"}));
  CHECK(seq.conflicts.empty());
  // devC did not see B: conflict, C wins.
  auto conc = MergeOp(r, MakeOp("devC", 300, "C", Stamp{Hlc{100}, "devA"}));
  REQUIRE(conc.conflicts.size() == 1);
  CHECK(ValueToString(conc.conflicts[0].winner.value) == "C");
  CHECK(ValueToString(conc.conflicts[0].loser.value) == "B");
  // A late, older, unseen write loses and is a conflict too.
  auto late = MergeOp(r, MakeOp("devD", 150, "D"));
  CHECK(late.outcomes[0] == FieldOutcome::kLost);
  REQUIRE(late.conflicts.size() == 1);
  CHECK(ValueToString(late.conflicts[0].loser.value) == "D");
}
