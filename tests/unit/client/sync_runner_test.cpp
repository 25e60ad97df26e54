#include <doctest/doctest.h>

#include "client/sync/sync_runner.h"

using namespace rectify;

TEST_CASE("adaptive size: doubles on quick answers, halves on slow ones and cuts, within bounds") {
  AdaptiveSize s;  // 100, [10, 2000], fast <= 1000 ms, slow > 6000 ms
  CHECK(s.OnAnswer(50) == 200);
  CHECK(s.OnAnswer(1000) == 400);
  CHECK(s.OnAnswer(3000) == 400);  // neither quick nor slow: kept
  CHECK(s.OnAnswer(6001) == 200);
  for (int i = 0; i < 10; ++i) s.OnAnswer(1);
  CHECK(s.next == 2000);
  for (int i = 0; i < 20; ++i) s.OnCut();
  CHECK(s.next == 10);
  CHECK(s.OnAnswer(99999) == 10);
}

TEST_CASE("adaptive size: two push batches in flight only after a quick answer, one after a cut") {
  AdaptiveSize s;
  CHECK(s.Window() == 1);  // nothing known about the link yet
  s.OnAnswer(120);
  CHECK(s.Window() == 2);
  s.OnAnswer(250);
  CHECK(s.Window() == 2);
  s.OnAnswer(251);  // a slow link: a cut would waste the second batch
  CHECK(s.Window() == 1);
  s.OnAnswer(10);
  CHECK(s.Window() == 2);
  s.OnCut();
  CHECK(s.Window() == 1);
}

TEST_CASE("backoff: full jitter under a doubling ceiling that stops at the cap") {
  CHECK(BackoffMillis(0, 0, 1000, 60000) == 0);
  CHECK(BackoffMillis(0, 1000, 1000, 60000) == 1000);
  CHECK(BackoffMillis(0, 1001, 1000, 60000) == 0);     // random mod (ceiling + 1)
  CHECK(BackoffMillis(3, 8000, 1000, 60000) == 8000);  // 1000 * 2^3
  CHECK(BackoffMillis(3, 8001, 1000, 60000) == 0);
  CHECK(BackoffMillis(40, 60000, 1000, 60000) == 60000);  // capped, no overflow
  CHECK(BackoffMillis(40, 60001, 1000, 60000) == 0);
}
