// The one progress display of the command line, shared by `rectify sync`
// (ops pushed) and evidence transfers (bytes): on a terminal a bar redrawn in
// place on stderr with count, percent and rate; elsewhere, if asked for,
// quiet lines (one per 10 %) so logs of cron jobs show that a long transfer
// moves. Never anything with --json, so machine output stays as it was.
//
// Ownership: the returned callback shares its state and borrows `ctx`, which
// must outlive it. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "client/cli/cli_context.h"

namespace rectify {

enum class ProgressUnit { kOps, kBytes };

struct ProgressStyle {
  ProgressUnit unit = ProgressUnit::kOps;
  std::string label;                // printed before the bar, e.g. "upload 3f2a9c1b0d4e"
  bool lines_when_not_tty = false;  // else: nothing when stderr is not a terminal
};

// A callback taking (done, total), or an empty function when nothing would
// be shown (then callers skip the work of reporting).
std::function<void(uint64_t done, uint64_t total)> ProgressBar(CliContext& ctx,
                                                               ProgressStyle style = {});

// "1.5 MiB", "812 B": binary units with one decimal.
std::string HumanBytes(uint64_t bytes);

// The text of one progress report (no "\r", no newline); `elapsed_ms` and
// `moved` (units since the display started) give the rate. Exposed for tests.
std::string ProgressText(const ProgressStyle& style, uint64_t done, uint64_t total, uint64_t moved,
                         int64_t elapsed_ms, bool bar);

}  // namespace rectify
