// `rectifyd user add|list|disable` (docs/console.md): console accounts.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

void AddUserCommand(CLI::App& app, int* exit_code);

}  // namespace rectify
