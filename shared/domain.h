// Domain vocabulary (docs/design.md §2): statuses, kinds and their Chinese labels,
// the completion-rate rule, and LedgerSnapshot, the plain value that reports,
// statistics and warnings are computed from (no SQLite, no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/role.h"

namespace rectify {

enum class ProblemStatus { kNotStarted, kInProgress, kCompleted, kLongTerm, kVerified };

// English code: "not_started", "in_progress", "completed", "long_term", "verified".
std::string_view StatusCode(ProblemStatus s);
// Chinese label: 未开始 推进中 已完成 长期坚持 已销号.
std::string_view StatusLabel(ProblemStatus s);
// Accepts the English code, the Chinese label and the aliases seen in real
// ledgers (整改推进中, 正在整改, 未完成, 整改完成, 完成, 销号 …). Trims spaces.
std::optional<ProblemStatus> ParseStatus(std::string_view text);

// Who may change a problem, and how (docs/design.md §2), for the ledger and
// the server's resolver alike. `name` is how the problem is shown (its number).
// nullopt: allowed; otherwise why not, in the user's terms.
//  - a verified (已销号) problem is read-only to a school: no edit at all;
//  - only an auditor sets 已销号;
//  - reopening (回头看: from completed or verified back to not started or in
//    progress, or out of verified at all) is an auditor's, with a reason.
std::optional<std::string> CheckProblemEdit(Role role, ProblemStatus current,
                                            std::string_view name);
std::optional<std::string> CheckStatusChange(Role role, ProblemStatus from, ProblemStatus to,
                                             std::string_view reason, std::string_view name);

enum class ProblemKind { kImmediate, kWithinPeriod, kOngoing };
std::string_view KindCode(ProblemKind k);   // immediate / within_period / ongoing
std::string_view KindLabel(ProblemKind k);  // 立行立改 / 限期整改 / 长期坚持
std::optional<ProblemKind> ParseKind(std::string_view text);

// Which statuses count as done in the completion rate. Stored per ledger as
// its code: "default" = completed+long_term+verified, "strict" = completed+verified.
struct CompletionRule {
  std::string code = "default";
  bool long_term_counts = true;
  std::string Describe() const;  // the formula in words (Chinese and English)
  static std::optional<CompletionRule> Parse(std::string_view code);
};

struct MeasureInfo {
  std::string id;
  int ordinal = 0;
  std::string text, owner, deadline, done_date;
};

// A progress note (进展记录). `number` is its place in the problem's list
// (1…, oldest date first), how the CLI and the desk address it.
struct NoteInfo {
  std::string id;
  int number = 0;
  std::string date, author, text;
};

struct ProblemInfo {
  std::string id;
  int number = 0;
  std::string aspect_id, category_id;
  std::string title, detail;
  ProblemKind kind = ProblemKind::kWithinPeriod;
  ProblemStatus status = ProblemStatus::kNotStarted;
  std::string deadline;  // YYYY-MM-DD, 长期, or empty
  std::string department, person, result;
  bool internal = false;  // marked 内部: not in the public notice (社会公开稿)
  std::vector<MeasureInfo> measures;
  std::vector<NoteInfo> notes;  // live progress notes, oldest date first
};

struct CategoryInfo {
  std::string id;
  int ordinal = 0;
  std::string title;
};

struct AspectInfo {
  std::string id;
  int ordinal = 0;
  std::string title;
  std::vector<CategoryInfo> categories;  // ordered
};

struct AccountabilityInfo {
  std::string kind;  // "funds" or "disposition"
  std::string label;
  int64_t count = 0;
  int64_t amount_fen = 0;
  std::string note;
};

struct NextStepInfo {
  int ordinal = 0;
  std::string title, text;
};

struct SchoolInfo {
  std::string id, name, org_name, phone, postal, email;
};

struct InspectionInfo {
  std::string id;
  std::string group_name, kind, onsite_from, onsite_to, feedback_date, plan_date, phase,
      notice_date;
};

// Everything a notice, the statistics and the warnings need, in display order.
struct LedgerSnapshot {
  SchoolInfo school;
  InspectionInfo inspection;
  CompletionRule rule;
  int warn_days = 10;
  std::vector<AspectInfo> aspects;    // ordered by ordinal
  std::vector<ProblemInfo> problems;  // ordered by number
  std::vector<AccountabilityInfo> accountability;
  std::vector<NextStepInfo> next_steps;  // ordered
};

}  // namespace rectify
