// CliContext: state shared by every `rectify` subcommand (global options, the
// lazily opened Ledger, output streams) plus small helpers every command uses.
//
// Ownership: the context owns the Ledger it opens; commands borrow it for the
// duration of one invocation. `out`/`err` are borrowed and must outlive the
// context. Not thread-safe: the CLI runs one command on one thread.
//
// Exit codes: a command callback reports a user error with Fail(), which prints
// "rectify: error: <message>" on `err` and sets exit_code to 1. RunCli returns
// exit_code (2 is reserved for usage errors detected by CLI11).
#pragma once

#include <iostream>
#include <memory>
#include <string>

#include "client/ledger/ledger.h"
#include "shared/clock.h"
#include "shared/status.h"

namespace rectify {

// The author recorded when neither --author, $RECTIFY_AUTHOR nor $USER names one.
inline constexpr const char* kUnknownAuthor = "unknown";

struct CliContext {
  std::string db_path;  // --db, default $RECTIFY_DB, else ./rectify.db
  bool json = false;    // --json: machine-readable output
  std::string author;   // --author, default $RECTIFY_AUTHOR, else $USER
  // Where `author` came from: "--author", "$RECTIFY_AUTHOR", "$USER" or ""
  // (none of them: the placeholder kUnknownAuthor is recorded).
  std::string author_source;
  // --lang en / RECTIFY_LANG=en: the CLI's own messages in English; Chinese
  // otherwise (docs/decisions.md "CLI messages in Chinese").
  bool english = false;
  std::string today;    // --today YYYY-MM-DD; empty means the local date
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  int exit_code = 0;
  // Seams; default to the system clock and random UUIDs.
  const Clock* clock = nullptr;
  IdSource* ids = nullptr;

  CliContext();
  ~CliContext();
  CliContext(const CliContext&) = delete;
  CliContext& operator=(const CliContext&) = delete;

  // Only the commands that make a ledger (init; a new device's first sync or
  // bundle import) set this; every other command on a missing file fails.
  bool may_create = false;

  // Opens the ledger at db_path on first use; later calls return the same
  // object. The pointer stays valid for the context's lifetime.
  Result<Ledger*> ledger();
  // Like ledger(), but also requires a school id (i.e. `rectify init` was run).
  Result<Ledger*> school_ledger();
  // `today` if set, else the local calendar date, as YYYY-MM-DD.
  std::string Today() const;
  // Prints "rectify: error: <status message>" and sets exit_code = 1.
  void Fail(const Status& status);
  void Fail(const std::string& message);
  // Prints "警告：<message>" ("warning: " with --lang en) on err.
  void Warn(const std::string& message);
  // `zh` or, with --lang en, `en`: the one switch for the CLI's own messages.
  const char* Say(const char* zh, const char* en) const { return english ? en : zh; }

 private:
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace rectify
