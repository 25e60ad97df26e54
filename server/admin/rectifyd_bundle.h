// `rectifyd bundle import` and `rectifyd bundle export`: offline bundles on
// the district side (docs/bundles.md). Not thread-safe; called once while
// building the app.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

// Registers `rectifyd bundle import --data DIR FILE` and
// `rectifyd bundle export --data DIR --school ID [--since SEQ]
// [--known-size N] [--no-evidence] [--max-evidence-mb N] FILE`, each storing its exit status in
// *exit_code.
void AddBundleCommand(CLI::App& app, int* exit_code);

}  // namespace rectify
