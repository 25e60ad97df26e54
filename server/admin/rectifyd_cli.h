// The `rectifyd` command line: one function per subcommand, each registering
// itself on the CLI::App (docs/operations.md). A subcommand prints its result
// (text, or one JSON object with --json) to stdout, errors to stderr, and
// stores its exit status in *exit_code (0 ok, 1 failure). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "shared/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

void AddInitCommand(CLI::App& app, int* exit_code);
void AddEnrollCommand(CLI::App& app, int* exit_code);
void AddRevokeCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);

// Reports a failed subcommand the same way everywhere: "rectifyd COMMAND:
// error: …" on stderr, and {"ok":false,"error","code"} on stdout with --json.
// Returns the exit status (1).
int ReportFailure(const std::string& command, const Status& st, bool json);
// Adds --store (sqlite or a postgresql:// URI) to a subcommand.
void AddStoreOption(CLI::App* cmd, std::string* store);
// Parses "HOST:PORT" or "[IPv6]:PORT".
Status ParseListen(const std::string& text, std::string* host, uint16_t* port);

// Entry point of the rectifyd binary; returns the process exit status
// (2 for a usage error).
int RunRectifyd(int argc, char** argv);

}  // namespace rectify
