// The `rectify` command-line tool (docs/cli.md). main() only calls RunCli and
// catches exceptions; everything else lives here and in client/cli_*.cpp.
#pragma once

#include <iostream>
#include <string>

namespace rectify {

// Parses argv, runs one command against the ledger file and returns the
// process exit code: 0 success, 1 user error (bad input; the ledger is left
// unchanged), 2 usage error (unknown option, missing argument...). Output goes
// to `out`, errors and warnings to `err`. Not thread-safe.
// With --json every error is instead one JSON object on one line of `err`
// (stderr): {"code": "...", "error": "<message>", "exit": N} (docs/cli.md).
int RunCli(int argc, char** argv, std::ostream& out = std::cout, std::ostream& err = std::cerr);

// That JSON object as text (no newline); used by main() for internal errors.
std::string JsonError(const std::string& code, const std::string& message, int exit_code);

// True if argv holds the global --json flag (for errors before parsing ends).
bool WantsJson(int argc, char** argv);

}  // namespace rectify
