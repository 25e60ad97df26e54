#include "shared/domain.h"

#include <array>
#include <utility>

namespace rectify {

namespace {

std::string_view Trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  // Full-width space (U+3000) is common in Chinese spreadsheets.
  constexpr std::string_view kIdeographicSpace = "\xe3\x80\x80";
  while (s.starts_with(kIdeographicSpace)) s.remove_prefix(kIdeographicSpace.size());
  while (s.ends_with(kIdeographicSpace)) s.remove_suffix(kIdeographicSpace.size());
  return s;
}

}  // namespace

std::string_view StatusCode(ProblemStatus s) {
  switch (s) {
    case ProblemStatus::kNotStarted:
      return "not_started";
    case ProblemStatus::kInProgress:
      return "in_progress";
    case ProblemStatus::kCompleted:
      return "completed";
    case ProblemStatus::kLongTerm:
      return "long_term";
    case ProblemStatus::kVerified:
      return "verified";
  }
  return "not_started";
}

std::string_view StatusLabel(ProblemStatus s) {
  switch (s) {
    case ProblemStatus::kNotStarted:
      return "未开始";
    case ProblemStatus::kInProgress:
      return "推进中";
    case ProblemStatus::kCompleted:
      return "已完成";
    case ProblemStatus::kLongTerm:
      return "长期坚持";
    case ProblemStatus::kVerified:
      return "已销号";
  }
  return "未开始";
}

std::optional<ProblemStatus> ParseStatus(std::string_view text) {
  static const std::array<std::pair<std::string_view, ProblemStatus>, 22> kNames = {{
      {"not_started", ProblemStatus::kNotStarted}, {"未开始", ProblemStatus::kNotStarted},
      {"in_progress", ProblemStatus::kInProgress}, {"推进中", ProblemStatus::kInProgress},
      {"整改推进中", ProblemStatus::kInProgress},  {"正在整改", ProblemStatus::kInProgress},
      {"未完成", ProblemStatus::kInProgress},      {"整改中", ProblemStatus::kInProgress},
      {"completed", ProblemStatus::kCompleted},    {"已完成", ProblemStatus::kCompleted},
      {"整改完成", ProblemStatus::kCompleted},     {"完成", ProblemStatus::kCompleted},
      {"已整改", ProblemStatus::kCompleted},       {"done", ProblemStatus::kCompleted},
      {"long_term", ProblemStatus::kLongTerm},     {"长期坚持", ProblemStatus::kLongTerm},
      {"长期", ProblemStatus::kLongTerm},          {"ongoing", ProblemStatus::kLongTerm},
      {"verified", ProblemStatus::kVerified},      {"已销号", ProblemStatus::kVerified},
      {"销号", ProblemStatus::kVerified},          {"closed", ProblemStatus::kVerified},
  }};
  text = Trim(text);
  for (const auto& [name, status] : kNames)
    if (name == text) return status;
  return std::nullopt;
}

std::string_view KindCode(ProblemKind k) {
  switch (k) {
    case ProblemKind::kImmediate:
      return "immediate";
    case ProblemKind::kWithinPeriod:
      return "within_period";
    case ProblemKind::kOngoing:
      return "ongoing";
  }
  return "within_period";
}

std::string_view KindLabel(ProblemKind k) {
  switch (k) {
    case ProblemKind::kImmediate:
      return "立行立改";
    case ProblemKind::kWithinPeriod:
      return "限期整改";
    case ProblemKind::kOngoing:
      return "长期坚持";
  }
  return "限期整改";
}

std::optional<ProblemKind> ParseKind(std::string_view text) {
  text = Trim(text);
  if (text == "immediate" || text == "立行立改") return ProblemKind::kImmediate;
  if (text == "within_period" || text == "限期整改") return ProblemKind::kWithinPeriod;
  if (text == "ongoing" || text == "长期坚持" || text == "长期整改") return ProblemKind::kOngoing;
  return std::nullopt;
}

std::string CompletionRule::Describe() const {
  if (long_term_counts)
    return "完成率 =（已完成 + 长期坚持 + 已销号）/ 问题总数 "
           "(completed + long_term + verified) / total";
  return "完成率 =（已完成 + 已销号）/ 问题总数 (completed + verified) / total";
}

std::optional<CompletionRule> CompletionRule::Parse(std::string_view code) {
  code = Trim(code);
  if (code.empty() || code == "default") return CompletionRule{"default", true};
  if (code == "strict") return CompletionRule{"strict", false};
  return std::nullopt;
}

std::optional<std::string> CheckProblemEdit(Role role, ProblemStatus current,
                                            std::string_view name) {
  if (role == Role::kAuditor || current != ProblemStatus::kVerified) return std::nullopt;
  return "problem " + std::string(name) +
         " is verified (已销号) and read-only to a school; only an auditor can change it";
}

std::optional<std::string> CheckStatusChange(Role role, ProblemStatus from, ProblemStatus to,
                                             std::string_view reason, std::string_view name) {
  const std::string problem = "problem " + std::string(name);
  const bool auditor = role == Role::kAuditor;
  if (!auditor && from == ProblemStatus::kVerified)
    return problem + " is verified (已销号); only an auditor can reopen it (回头看)";
  if (!auditor && to == ProblemStatus::kVerified)
    return "only an auditor can set " + problem + " to verified (已销号)";
  if (from == to) return std::nullopt;
  const bool was_done = from == ProblemStatus::kVerified || from == ProblemStatus::kCompleted;
  const bool back_to_work = to == ProblemStatus::kInProgress || to == ProblemStatus::kNotStarted;
  const bool reopen = (was_done && back_to_work) || from == ProblemStatus::kVerified;
  if (!reopen) return std::nullopt;
  if (!auditor)
    return problem + " is " + std::string(StatusLabel(from)) + " (" +
           std::string(StatusCode(from)) + "); only an auditor can reopen it (回头看)";
  if (reason.empty()) return "reopening " + problem + " (回头看) needs a reason (status_reason)";
  return std::nullopt;
}

}  // namespace rectify
