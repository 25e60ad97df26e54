// The shared progress display (client/cli/cli_progress.h): its text, and that it
// stays silent with --json and off a terminal unless quiet lines are asked for.
#include "client/cli/cli_progress.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <sstream>

using namespace rectify;

TEST_CASE("progress: human byte counts") {
  CHECK(HumanBytes(0) == "0 B");
  CHECK(HumanBytes(1023) == "1023 B");
  CHECK(HumanBytes(1024) == "1.0 KiB");
  CHECK(HumanBytes(1536) == "1.5 KiB");
  CHECK(HumanBytes(20ull * 1000 * 1000) == "19.1 MiB");
  CHECK(HumanBytes(3ull << 30) == "3.0 GiB");
}

TEST_CASE("progress: bar and quiet line texts carry count, percent and rate") {
  ProgressStyle bytes{ProgressUnit::kBytes, "upload 3f2a9c1b0d4e", true};
  // 6 MiB of 20 MiB, 3 MiB of it moved in 100 s.
  CHECK(ProgressText(bytes, 6u << 20, 20u << 20, 3u << 20, 100'000, true) ==
        "upload 3f2a9c1b0d4e [#########.....................] 6.0 MiB/20.0 MiB 30% 30.7 KiB/s");
  CHECK(ProgressText(bytes, 6u << 20, 20u << 20, 3u << 20, 100'000, false) ==
        "upload 3f2a9c1b0d4e: 6.0 MiB/20.0 MiB (30%), 30.7 KiB/s");
  // No rate before a second has passed; done never shown beyond the total.
  CHECK(ProgressText(bytes, 10, 100, 10, 999, false) == "upload 3f2a9c1b0d4e: 10 B/100 B (10%)");
  CHECK(ProgressText(bytes, 200, 100, 0, 0, true).find("] 200 B/100 B 100%") != std::string::npos);
  ProgressStyle ops;  // what `rectify sync` shows for pushed ops
  CHECK(ProgressText(ops, 1200, 10029, 1200, 2000, true) ==
        "[###...........................] 1200/10029 ops 11% 600 ops/s");
}

TEST_CASE("progress: nothing with --json, nothing off a terminal unless asked") {
  // The display asks whether stderr is a terminal; under ctest it is not.
  if (isatty(STDERR_FILENO) == 1) return;
  CliContext ctx;
  std::ostringstream err;
  ctx.err = &err;
  // Off a terminal the ops bar (rectify sync) stays silent.
  CHECK_FALSE(ProgressBar(ctx, {}));
  ctx.json = true;
  CHECK_FALSE(ProgressBar(ctx, {ProgressUnit::kBytes, "upload x", true}));
  ctx.json = false;
  auto bar = ProgressBar(ctx, {ProgressUnit::kBytes, "upload x", true});
  REQUIRE(bar);
  // Quiet lines: one per 10 % step, the end once.
  for (uint64_t done = 0; done <= 1000; done += 50) bar(done, 1000);
  bar(1000, 1000);
  const std::string out = err.str();
  size_t lines = 0;
  for (char c : out) lines += c == '\n';
  CHECK(lines == 11);  // 0 %, 10 %, ..., 100 %
  CHECK(out.find("upload x: 0 B/1000 B (0%)\n") == 0);
  CHECK(out.find("upload x: 1000 B/1000 B (100%)") != std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
}
