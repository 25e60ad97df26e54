// The `rectify` command-line tool (docs/cli.md). main() only calls RunCli and
// catches exceptions; everything else lives here and in client/cli_*.cpp.
#pragma once

#include <iostream>

namespace rectify {

// Parses argv, runs one command against the ledger file and returns the
// process exit code: 0 success, 1 user error (bad input; the ledger is left
// unchanged), 2 usage error (unknown option, missing argument...). Output goes
// to `out`, errors and warnings to `err`. Not thread-safe.
int RunCli(int argc, char** argv, std::ostream& out = std::cout, std::ostream& err = std::cerr);

}  // namespace rectify
