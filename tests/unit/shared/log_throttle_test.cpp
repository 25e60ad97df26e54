#include "shared/log_throttle.h"

#include <doctest/doctest.h>

using namespace rectify;

TEST_CASE("log throttle: a key is logged once, and memory stays bounded") {
  LogThrottle t(3);
  CHECK(t.First("10.0.0.7"));
  CHECK_FALSE(t.First("10.0.0.7"));
  CHECK_FALSE(t.First("10.0.0.7"));
  CHECK(t.suppressed() == 2);
  CHECK(t.First("10.0.0.8"));
  CHECK(t.First("10.0.0.9"));
  // Full: it forgets everything, so a peer may be logged once more.
  CHECK(t.First("10.0.0.10"));
  CHECK(t.First("10.0.0.7"));
  CHECK_FALSE(t.First("10.0.0.10"));
}
