// A problem's local history and the undo of an edit not yet sent
// (docs/desk.md "History and undo"). Built on the Ledger's outbox and its
// confirmed ("canon") fields; every write goes through the Ledger's domain
// commands, so an undo obeys the same rules as the edit it reverses.
//
// Thread-safety: like Ledger (one thread at a time). Ownership: borrows it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/ledger/ledger.h"

namespace rectify {

struct HistoryEntry {
  uint64_t device_seq = 0;  // 0 for a confirmed field (no local op)
  std::string entity, row_id, author, device_id;
  Hlc hlc;
  std::vector<std::pair<std::string, std::string>> fields;  // field -> value text
  bool pending = false;   // in the outbox, not yet acknowledged by the district
  bool undoable = false;  // pending and no later op changed the same fields
};

struct ProblemHistory {
  // This device's ops on the problem, its measures, notes and evidence, newest first.
  std::vector<HistoryEntry> local;
  // The problem's fields as the district confirmed them (pulled), with who
  // wrote each last; one entry per field, newest first.
  std::vector<HistoryEntry> confirmed;
};

Result<ProblemHistory> LoadProblemHistory(Ledger& ledger, const std::string& problem_ref);

// Reverses the pending op `device_seq` with a new op that writes back the
// values its fields had before it (an op that created a row deletes it).
// FailedPrecondition if the op was acknowledged already or a later op changed
// one of its fields (undo that first); NotFound if there is no such op; the
// errors of the domain commands otherwise (a school cannot withdraw 已完成, nor
// touch a verified problem). All or nothing.
Status UndoPendingOp(Ledger& ledger, uint64_t device_seq, const std::string& author);

struct NoteEntry {
  std::string id, date, author, text;
};
// A problem's progress notes (进展记录), visible ones, oldest first.
Result<std::vector<NoteEntry>> ListProgressNotes(Ledger& ledger, const std::string& problem_ref);

// The newest stamp among the confirmed fields (0 if none): a mark taken
// before a sync, to ask afterwards what the district changed.
uint64_t ConfirmedHighWater(Ledger& ledger);

// Problem fields written by other devices (the district, other clerks) and
// confirmed with a stamp above `after_hlc`, newest first: one entry per
// problem, holding the changed fields among number, title, status and
// status_reason (a new problem, 销号, 回头看 with its reason).
Result<std::vector<HistoryEntry>> ForeignProblemChanges(Ledger& ledger, uint64_t after_hlc);

}  // namespace rectify
