// Ledger: the school's local ledger store (one SQLite file, WAL).
//
// Every change goes through Edit(), which in one transaction validates the
// fields against shared/schema.h, drops unchanged fields, stamps the change
// with the device's HLC, updates the visible row and appends exactly one Op
// to the outbox. What the user sees is the server-confirmed state ("canon")
// with the outbox ops still unconfirmed re-applied on top by the merge rule of
// shared/merge.h; ApplyPulled/DropRejected rebuild rows that way.
//
// Domain commands (InitSchool, AddProblem, SetProblemStatus, …) sit on top of
// Edit(); each runs in one transaction and leaves the ledger unchanged when it
// returns an error.
//
// Thread-safety: not thread-safe; one Ledger per file per process, used from
// one thread at a time. Ownership: the Clock and IdSource passed to Open()
// must outlive the Ledger.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/ledger/id_source.h"
#include "client/ledger/import_row.h"
#include "shared/clock.h"
#include "shared/date.h"
#include "shared/domain.h"
#include "shared/hlc.h"
#include "shared/merge.h"
#include "shared/op.h"
#include "shared/role.h"
#include "shared/sqlite.h"
#include "shared/status.h"
#include "shared/x509_identity.h"

namespace rectify {

// Field name -> new value. Names are the ones in shared/schema.h.
using Fields = std::vector<std::pair<std::string, Value>>;

// A conflict reported by the server, kept locally for review.
struct LocalConflict {
  int64_t id = 0;         // local id (assigned by StoreConflicts)
  std::string server_id;  // the server's id; StoreConflicts skips ids already stored
  std::string entity, row_id, field;
  Value winner_value;
  std::string winner_author, winner_device;
  Hlc winner_hlc;
  Value loser_value;
  std::string loser_author, loser_device;
  Hlc loser_hlc;
  std::string rule;  // e.g. kMergeRuleName
  bool resolved = false;
};

struct ImportSummary {
  int aspects_created = 0;
  int categories_created = 0;
  int problems_created = 0;
  int problems_updated = 0;  // existing problems where at least one field changed
  int problems_unchanged = 0;
  int measures_written = 0;  // measures created or changed
  int ops_written = 0;       // ops appended to the outbox by the import
};

// Filter for ListProblems; empty members do not filter.
struct ProblemFilter {
  std::optional<ProblemStatus> status;
  std::string category_title;
  std::string department;
  // YYYY-MM-DD: only problems whose dated deadline is before this day and whose
  // status is not completed / long_term / verified.
  std::string overdue_as_of;
};

// Input of AddProblem. Text fields may be empty.
struct NewProblem {
  int64_t number = 0;    // 0: max+1 within the current inspection; else must be unused
  std::string aspect;    // title; find-or-created; empty: none
  std::string category;  // title under `aspect`; find-or-created; empty: none
  std::string title;     // required
  std::string detail;
  std::string kind;      // anything ParseKind accepts; empty: within_period
  std::string status;    // anything ParseStatus accepts; empty: not_started
  std::string deadline;  // YYYY-MM-DD, 长期 or empty
  std::string department, person, result;
  // A title that names no aspect of the current inspection is refused
  // (NotFound listing the aspects) unless this is set: then it is created.
  bool new_aspect = false;
};

// Where EditProblem moves a problem (see there).
struct ProblemPlacement {
  std::string aspect, category;
  bool new_aspect = false;  // as NewProblem::new_aspect
};

// Listings of the grouping and of the inspection's closing sections
// (ledger_entities.cpp). Items are addressed by the number shown here.
struct AspectEntry {
  AspectInfo aspect;               // with its categories, in order
  int problems = 0;                // live problems under the aspect
  std::vector<int> category_problems;  // live problems per category, same order
};
struct AccountabilityEntry {
  std::string id;
  int number = 0;  // 1…, in the order entered (as in the notice)
  AccountabilityInfo info;
};
struct NextStepEntry {
  std::string id;
  NextStepInfo info;  // info.ordinal addresses it
};

class Ledger {
 public:
  // Opens or creates the ledger file at `path`, migrating an older schema
  // (PRAGMA user_version) to the current one. A new file gets a device id
  // from `ids`, role "school" and no school id.
  // kCreate makes the file if it is missing (`rectify init`, a device's
  // first sync); kExisting refuses a missing file (NotFound naming it) and
  // opens a file this process may not write read-only, so reading commands
  // still work and every write says the file is read-only.
  static Result<std::unique_ptr<Ledger>> Open(
      const std::string& path, const Clock& clock, IdSource& ids,
      Database::OpenMode mode = Database::OpenMode::kCreate);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // ---- identity and meta ------------------------------------------------
  const std::string& device_id() const { return device_id_; }
  const std::string& school_id() const { return school_id_; }  // empty until set
  Role role() const { return role_; }
  uint64_t pull_cursor() const { return pull_cursor_; }
  Hlc hlc_last() const { return hlc_.last(); }
  // Sets the school and role (e.g. learnt from the device certificate).
  // Changing an already-set school id is refused (FailedPrecondition) unless
  // the ledger has no rows and no ops.
  Status SetIdentity(const std::string& school_id, Role role);
  // The same with the role by name ("school"/"auditor", as in certificates);
  // InvalidArgument for any other name.
  Status SetIdentity(const std::string& school_id, std::string_view role_name);
  // Free-form key/value store in the same file (the sync client keeps its
  // checkpoint there). Reserved keys: device_id, school_id, role, hlc_last,
  // pull_cursor, last_device_seq, and anything starting with "ledger.".
  std::optional<std::string> GetMeta(const std::string& key);
  Status SetMeta(const std::string& key, const std::string& value);

  // ---- the core: one edit, one op ----------------------------------------
  // Validates entity/field names and value types (kText: text or NULL; kInt:
  // integer or NULL; kDate: "YYYY-MM-DD" or NULL), drops fields whose value is
  // unchanged, and if anything is left, in ONE transaction: stamps the HLC,
  // sets each field's base to its current stamp, updates the row and appends
  // an Op (next device_seq) to the outbox. An edit that changes nothing writes
  // nothing and returns OK. Requires a school id (FailedPrecondition).
  // Performs no role checks: the domain commands below do.
  Status Edit(std::string_view entity, const std::string& row_id, Fields fields,
              const std::string& author);

  // A row's visible fields (all schema fields, NULL when unset), or nullopt.
  std::optional<std::map<std::string, Value>> GetRow(std::string_view entity,
                                                     const std::string& row_id);
  // Ids of the entity's rows not tombstoned, in id order.
  std::vector<std::string> RowIds(std::string_view entity);

  // ---- sync-facing -------------------------------------------------------
  // Pending (not yet acknowledged) ops in device_seq order, at most `limit`.
  // Up to `limit` pending ops with device_seq > after_seq, ascending.
  std::vector<Op> PendingOps(size_t limit, uint64_t after_seq = 0);
  uint64_t PendingCount();
  // The last device_seq issued by this device (0 if none).
  uint64_t LastDeviceSeq();
  // pending -> acked for these seqs (unknown seqs ignored). Acked ops stay in
  // the outbox, still re-applied on canon, until ApplyPulled brings them back.
  Status MarkAcked(const std::vector<uint64_t>& seqs);
  // Removes these ops from the outbox and rebuilds the rows they touched, so a
  // rejected change disappears from the view.
  Status DropRejected(const std::vector<uint64_t>& seqs);
  // In one transaction: merges every op into canon (MergeOp, per entity,row),
  // removes this device's outbox entries with the same device_seq as a pulled
  // op of this device, observes every op's hlc, rebuilds each touched row as
  // canon + remaining outbox ops (device_seq order), and stores `new_cursor`
  // (the cursor never moves backwards). Idempotent.
  Status ApplyPulled(const std::vector<Op>& ops, uint64_t new_cursor);

  // Stores server-reported conflicts; those whose server_id is already stored
  // are skipped.
  Status StoreConflicts(const std::vector<LocalConflict>& conflicts);
  std::vector<LocalConflict> Conflicts(bool include_resolved);
  Status MarkConflictResolved(int64_t id);
  // Resolves conflict `id` by writing `value` to its field as a new op (even
  // when the value is already the current one: a resolution is always
  // audited) and marks it resolved, in one transaction. A school role cannot
  // resolve a conflict on a verified problem (PermissionDenied).
  Status ResolveConflict(int64_t id, const Value& value, const std::string& author);

  // Every written field of every visible row (tombstoned rows included):
  // "entity/row_id/field" -> value text (ValueToString). For convergence tests:
  // DumpState() of a quiescent replica equals DumpCanon() and the server's.
  std::map<std::string, std::string> DumpState();
  std::map<std::string, std::string> DumpCanon();

  // ---- domain commands (ledger_commands.cpp) ------------------------------
  // `author` is the person's name as typed; it goes into every op.
  // Creates or renames the school row (row id = school id) and sets the
  // ledger's school id if unset; a different id than the ledger's is refused.
  Status InitSchool(const std::string& id, const std::string& name, const std::string& org_name,
                    const std::string& author);
  // Allowed: name, org_name, phone, postal, email, completion_rule
  // ("default"/"strict"), warn_days (integer, or digit text).
  Status EditSchool(const Fields& fields, const std::string& author);
  // Allowed fields: group_name, kind, onsite_from, onsite_to, feedback_date,
  // plan_date, phase, notice_date. The new inspection becomes current (highest
  // ordinal). Returns its id.
  Result<std::string> AddInspection(const Fields& fields, const std::string& author);
  Status EditInspection(const Fields& fields, const std::string& author);  // current one
  // The inspection this ledger works on: the one chosen with UseInspection,
  // else the newest. NotFound if none.
  Result<std::string> CurrentInspectionId();
  struct InspectionEntry {
    std::string id, group_name, kind, onsite_from;
    int64_t ordinal = 0, problems = 0;
    bool current = false;
  };
  // Every inspection, oldest first, with its problem count.
  Result<std::vector<InspectionEntry>> ListInspections();
  // Makes inspection `ref` (its ordinal "1" or its id) the current one, on
  // this device only (a local setting, not an op). NotFound if none matches.
  Result<std::string> UseInspection(const std::string& ref);

  // Find-or-create by title (within the current inspection / the aspect).
  Result<std::string> AddAspect(const std::string& title, const std::string& author);
  // `aspect_ref`: an aspect's title, its ordinal ("2") or its id; a title not
  // yet used creates the aspect, in the same transaction as the category.
  // An unknown aspect is created only when `new_aspect` (else NotFound
  // naming the aspects there are).
  Result<std::string> AddCategory(const std::string& aspect_ref, const std::string& title,
                                  const std::string& author, bool new_aspect = false);

  // ---- list / edit / delete of every entity (ledger_entities.cpp) -----------
  // Deletes set the tombstone field `deleted` (docs/design.md §2): an op like
  // any other, so a delete syncs and merges; a deleted row is gone from every
  // listing, the statistics and the notice. Each runs in one transaction.
  Result<std::vector<AspectEntry>> ListAspects();
  // `ref`: an aspect's title, ordinal or id. A title already used by another
  // aspect is refused.
  Status RenameAspect(const std::string& ref, const std::string& title, const std::string& author);
  // Refused (FailedPrecondition, naming the problems) while the aspect still
  // has live problems; its categories are deleted with it.
  Status DeleteAspect(const std::string& ref, const std::string& author);
  // `ref`: a category's title, ordinal or id within aspect `aspect_ref`.
  Status RenameCategory(const std::string& aspect_ref, const std::string& ref,
                        const std::string& title, const std::string& author);
  Status DeleteCategory(const std::string& aspect_ref, const std::string& ref,
                        const std::string& author);
  // A problem, with its measures; a school cannot delete a verified problem.
  Status DeleteProblem(const std::string& ref, const std::string& author);
  // Allowed: text, owner, deadline, done_date ("" clears all but text).
  Status EditMeasure(const std::string& problem_ref, int ordinal, const Fields& fields,
                     const std::string& author);
  Status DeleteMeasure(const std::string& problem_ref, int ordinal, const std::string& author);
  // Notes are shown by GetProblem (ProblemInfo::notes). They are append-only:
  // a wrong one is deleted (the history keeps it), never edited.
  // `ref`: the note's number in the problem's list, or its id.
  Status DeleteNote(const std::string& problem_ref, const std::string& ref,
                    const std::string& author);
  Result<std::vector<AccountabilityEntry>> ListAccountability();
  // `ref`: the number ListAccountability shows, or the id. Allowed: kind,
  // label, count, amount_fen, note; the result is checked as AddAccountability does.
  Status EditAccountability(const std::string& ref, const Fields& fields,
                            const std::string& author);
  Status DeleteAccountability(const std::string& ref, const std::string& author);
  Result<std::vector<NextStepEntry>> ListNextSteps();
  // `ref`: the next step's ordinal or id. Allowed: title, text (not both empty).
  Status EditNextStep(const std::string& ref, const Fields& fields, const std::string& author);
  Status DeleteNextStep(const std::string& ref, const std::string& author);

  // Problems are addressed by `ref`: a number within the current inspection
  // ("7") or a row id.
  Result<std::string> AddProblem(const NewProblem& p, const std::string& author);
  // Allowed: number, title, detail, kind, deadline, department, person, result,
  // aspect_id, category_id, deleted. Not status (use SetProblemStatus).
  // A school role cannot edit a verified problem (PermissionDenied).
  // `move` (optional) places the problem under another aspect (title, ordinal
  // or id; a new title creates it) and category (title within that aspect,
  // created if new). Everything is validated first and written in one
  // transaction: on any error nothing is written, no op is recorded.
  using Placement = ProblemPlacement;
  Status EditProblem(const std::string& ref, const Fields& fields, const std::string& author,
                     const Placement& move = {});
  // status_text: Chinese or English (ParseStatus). School role: never to
  // verified, never from verified. Auditor: verifies; reopening (verified or
  // completed -> in_progress) needs a non-empty reason, stored in status_reason.
  Status SetProblemStatus(const std::string& ref, const std::string& status_text,
                          const std::string& reason, const std::string& author);
  Result<ProblemInfo> GetProblem(const std::string& ref);
  Result<std::string> ResolveProblem(const std::string& ref);  // ref -> row id
  std::vector<ProblemInfo> ListProblems(const ProblemFilter& filter);

  // deadline: YYYY-MM-DD, 长期 or empty. Returns the measure id.
  Result<std::string> AddMeasure(const std::string& problem_ref, const std::string& text,
                                 const std::string& owner, const std::string& deadline,
                                 const std::string& author);
  Status MarkMeasureDone(const std::string& problem_ref, int ordinal, const std::string& date,
                         const std::string& author);
  // Progress notes are append-only and allowed on verified problems.
  Result<std::string> AddNote(const std::string& problem_ref, const std::string& date,
                              const std::string& author, const std::string& text);
  // kind: "funds" or "disposition".
  Result<std::string> AddAccountability(const std::string& kind, const std::string& label,
                                        int64_t count, int64_t amount_fen, const std::string& note,
                                        const std::string& author);
  Result<std::string> AddNextStep(const std::string& title, const std::string& text,
                                  const std::string& author);

  // Imports validated spreadsheet rows in one transaction (see import_row.h):
  // aspects/categories find-or-create by title, problems upserted by number in
  // the current inspection (one is created if none), measures set by ordinal.
  // Re-importing the same rows writes no op. `out` may be null.
  Status ImportRows(const std::vector<ImportRow>& rows, const std::string& author,
                    ImportSummary* out);

  // The current inspection as a plain value, in notice order (ledger_snapshot.cpp).
  Result<LedgerSnapshot> Snapshot();

  // The underlying database, for read-only queries by reports. Not for writes.
  Database& db() { return *db_; }

 private:
  Ledger(std::unique_ptr<Database> db, const Clock& clock, IdSource& ids);

  // ledger.cpp: transactions, meta, the edit path, row rebuilding.
  // Runs `body` in a transaction, or inside the caller's if one is open;
  // commits on OK, and on error rolls back and restores the cached identity.
  Status InTx(const std::function<Status()>& body);
  Status LoadIdentity();
  Status PutMeta(const std::string& key, const std::string& value);
  // The edit path without its own transaction. `wrote` (optional) tells
  // whether an op was appended.
  // `keep_unchanged` writes fields even when their value does not change
  // (a conflict resolution that keeps the current value is still an op).
  Status EditInTx(std::string_view entity, const std::string& row_id, Fields fields,
                  const std::string& author, bool* wrote = nullptr, bool keep_unchanged = false);
  Result<Stamp> FieldStampOf(std::string_view entity, const std::string& row_id,
                             const std::string& field);
  Result<RowState> LoadCanonRow(const std::string& entity, const std::string& row_id,
                                std::string* school_id);
  Status StoreCanonRow(const std::string& entity, const std::string& row_id,
                       const std::string& school_id, const RowState& row);
  // Visible row := canon + remaining outbox ops, merged in device_seq order.
  Status RebuildRow(const std::string& entity, const std::string& row_id);
  Status WriteVisibleRow(const std::string& entity, const std::string& row_id,
                         const std::string& school_id, const RowState& row);

  // ledger_commands.cpp helpers.
  Status CheckProblemWritable(const std::string& problem_id);
  Result<int64_t> NextOrdinal(std::string_view entity, const std::string& parent_field,
                              const std::string& parent_id);
  Result<std::string> FindOrAddAspect(const std::string& inspection_id, const std::string& title,
                                      const std::string& author, bool* created);
  Result<std::string> FindOrAddCategory(const std::string& aspect_id, const std::string& title,
                                        const std::string& author, bool* created);
  // An aspect of the current inspection by exact title, ordinal or id; a new
  // (non-numeric) title is created when `create`. NotFound otherwise.
  Result<std::string> ResolveAspect(const std::string& ref, bool create,
                                    const std::string& author);
  // ledger_entities.cpp helpers: a live row by its number in a list, or id.
  Result<std::string> ResolveCategory(const std::string& aspect_ref, const std::string& ref);
  Result<std::string> ResolveMeasure(const std::string& problem_id, int ordinal,
                                     const std::string& problem_ref);
  Result<std::string> ResolveAccountability(const std::string& ref);
  Result<std::string> ResolveNextStep(const std::string& ref);
  Status Tombstone(std::string_view entity, const std::string& row_id, const std::string& author);
  // The aspects there are, for a message: "1 政治建设, 2 …" or "none yet".
  std::string AspectNames();
  Result<std::string> EnsureInspection(const std::string& author);
  // ledger_import.cpp helpers.
  Status ImportOne(const std::string& inspection_id, const ImportRow& row,
                   const std::string& author, ImportSummary* sum);
  Status CheckImportAllowed(const std::string& problem_id, const Fields& fields);

  std::unique_ptr<Database> db_;
  const Clock& clock_;
  IdSource& ids_;
  HlcClock hlc_;
  std::string device_id_, school_id_;
  Role role_ = Role::kSchool;
  uint64_t pull_cursor_ = 0;
};


}  // namespace rectify
