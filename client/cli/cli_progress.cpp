#include "client/cli/cli_progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

namespace rectify {

namespace {

constexpr int kBarWidth = 30;
constexpr int64_t kRedrawMs = 200;  // a terminal is redrawn at most this often

std::string Count(ProgressUnit unit, uint64_t n) {
  return unit == ProgressUnit::kBytes ? HumanBytes(n) : std::to_string(n);
}

struct State {
  ProgressStyle style;
  bool tty = false;
  bool started = false;
  std::chrono::steady_clock::time_point start, last_draw;
  uint64_t first_done = 0;
  int last_decile = -1;
  bool finished = false;
};

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string ProgressText(const ProgressStyle& style, uint64_t done, uint64_t total, uint64_t moved,
                         int64_t elapsed_ms, bool bar) {
  std::string s = style.label.empty() ? "" : style.label + (bar ? " " : ": ");
  const uint64_t shown = std::min(done, total);
  if (bar) {
    const int filled = total == 0 ? kBarWidth : static_cast<int>(kBarWidth * shown / total);
    s += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  }
  s += Count(style.unit, done) + "/" + Count(style.unit, total);
  if (style.unit == ProgressUnit::kOps) s += " ops";
  const int percent = total == 0 ? 100 : static_cast<int>(100 * shown / total);
  s += bar ? " " + std::to_string(percent) + "%" : " (" + std::to_string(percent) + "%)";
  if (elapsed_ms >= 1000) {
    const uint64_t per_s = moved * 1000 / static_cast<uint64_t>(elapsed_ms);
    s += (bar ? " " : ", ") + Count(style.unit, per_s) +
         (style.unit == ProgressUnit::kOps ? " ops/s" : "/s");
  }
  return s;
}

std::function<void(uint64_t, uint64_t)> ProgressBar(CliContext& ctx, ProgressStyle style) {
  if (ctx.json) return {};
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (!tty && !style.lines_when_not_tty) return {};
  auto st = std::make_shared<State>();
  st->style = std::move(style);
  st->tty = tty;
  return [&ctx, st](uint64_t done, uint64_t total) {
    if (total == 0 || st->finished) return;
    const auto now = std::chrono::steady_clock::now();
    if (!st->started) {
      st->started = true;
      st->start = now;
      st->first_done = done;
    }
    const bool end = done >= total;
    const int64_t elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - st->start).count();
    const uint64_t moved = done > st->first_done ? done - st->first_done : 0;
    if (st->tty) {
      if (!end && st->last_draw != std::chrono::steady_clock::time_point{} &&
          now - st->last_draw < std::chrono::milliseconds(kRedrawMs))
        return;
      st->last_draw = now;
      // "\033[K" clears what a longer earlier line left behind.
      *ctx.err << "\r" << ProgressText(st->style, done, total, moved, elapsed, true) << "\033[K"
               << std::flush;
      if (end) *ctx.err << "\n";
    } else {
      const int decile = static_cast<int>(10 * std::min(done, total) / total);
      if (decile == st->last_decile) return;
      st->last_decile = decile;
      *ctx.err << ProgressText(st->style, done, total, moved, elapsed, false) << "\n";
    }
    st->finished = end;
  };
}

}  // namespace rectify
