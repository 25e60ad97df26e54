// shared/date.h: the one calendar rule of the ledger and the server.
#include <doctest/doctest.h>

#include "shared/date.h"

using namespace rectify;

TEST_CASE("dates: a real calendar day, in every spelling people type") {
  CHECK(IsValidDate("2024-02-29"));
  CHECK_FALSE(IsValidDate("2024-02-30"));
  CHECK_FALSE(IsValidDate("2023-02-29"));
  CHECK_FALSE(IsValidDate("1900-02-29"));
  CHECK_FALSE(IsValidDate(""));
  CHECK_FALSE(IsValidDate("2024-3-1"));
  CHECK(*NormalizeDate(" 2024年3月1日 ") == "2024-03-01");
  CHECK_FALSE(NormalizeDate("2024/2/30"));
}

TEST_CASE("deadlines: a date or 长期, 长期坚持 is the same as 长期") {
  CHECK(*NormalizeDeadline("2024/3/31") == "2024-03-31");
  CHECK(*NormalizeDeadline("长期") == "长期");
  CHECK(*NormalizeDeadline("长期坚持") == "长期");
  CHECK_FALSE(NormalizeDeadline(""));
  CHECK_FALSE(NormalizeDeadline("2024-02-30"));
  CHECK_FALSE(NormalizeDeadline("下周"));
  CHECK(IsValidDeadline("长期"));
  CHECK_FALSE(IsValidDeadline("长期坚持"));  // stored form is 长期 only
}

TEST_CASE("NormalizeDate accepts the four spellings of a real date only") {
  CHECK(NormalizeDate("2024年3月31日") == "2024-03-31");
  CHECK(NormalizeDate("2024/3/31") == "2024-03-31");
  CHECK(NormalizeDate("2024.03.31") == "2024-03-31");
  CHECK(NormalizeDate("2000-02-29") == "2000-02-29");
  CHECK_FALSE(NormalizeDate("1900-02-29"));
  CHECK_FALSE(NormalizeDate("2023-02-29"));
  CHECK_FALSE(NormalizeDate("2024-04-31"));
  CHECK_FALSE(NormalizeDate("2024-13-01"));
  CHECK_FALSE(NormalizeDate("2024/3-31"));
  CHECK_FALSE(NormalizeDate("2024-03-31x"));
  CHECK_FALSE(NormalizeDate("三月底"));
}
