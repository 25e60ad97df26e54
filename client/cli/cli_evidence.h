// `rectify evidence add|list|get|push` (docs/evidence.md) and the hook that
// uploads evidence after every successful `rectify sync`.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/cli/cli_context.h"
#include "client/sync/sync_runner.h"

namespace rectify {

void AddEvidenceCommands(CLI::App& app, CliContext& ctx);

// Uploads the ledger's missing evidence to `target` and learns which files
// other devices uploaded, printing one line on ctx.err only when a file was
// uploaded (never with --json); a failure is a warning, never a sync failure
// (the next sync resumes). Returns the report as JSON for `sync --json`.
// Honours RECTIFY_EVIDENCE_MAX_CHUNKS (test hook).
nlohmann::json SyncEvidenceAfterSync(CliContext& ctx, Ledger& ledger, const SyncTarget& target);

}  // namespace rectify
