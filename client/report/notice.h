// The public notice (巡察整改阶段进展情况的通报) a school prints from its
// ledger, in the structure of the published notices (seeds 000 and 004), plus
// consistency warnings for the clerk to fix before publishing.
// Pure functions, no clock: `today` is an argument. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/domain.h"

namespace rectify {

enum class NoticeFormat { kMarkdown, kHtml };

// 内部稿: complete, for the school and the district: every problem, with its
// responsible department and person, deadline, kind and measures.
// 社会公开稿: for the public, as seed 004 was published: no 责任人 (personal
// names), no department, deadline or measures lines, no accountability notes,
// and a problem marked internal (ProblemInfo::internal) shows only its number
// and status. Counts are the same in both (the district knows them).
enum class NoticeEdition { kInternal, kPublic };

// "内部稿" / "社会公开稿".
std::string_view EditionLabel(NoticeEdition edition);

// The notice as format-neutral blocks, so that every output format prints the
// same facts. `lead` is emphasised (bold), `text` follows it in the same block.
struct NoticeBlock {
  enum class Kind { kTitle, kEdition, kSection, kAspect, kCategory, kParagraph, kSignature };
  Kind kind = Kind::kParagraph;
  std::string lead;
  std::string text;
};

// The blocks RenderNotice formats.
std::vector<NoticeBlock> BuildNoticeBlocks(const LedgerSnapshot& snapshot, const std::string& today,
                                           NoticeEdition edition = NoticeEdition::kInternal);

struct Notice {
  std::string text;  // Markdown, or a self-contained printable A4 HTML page (warnings on
                     // screen only)
  std::vector<std::string> warnings;  // each names the item concerned; empty when consistent
};

// Renders the notice. `today` (YYYY-MM-DD) is the signing date when
// snapshot.inspection.notice_date is empty. Never fails: missing facts are
// left as "（待补）" placeholders and reported in warnings.
Notice RenderNotice(const LedgerSnapshot& snapshot, NoticeFormat format, const std::string& today,
                    NoticeEdition edition = NoticeEdition::kInternal);

// Only the consistency warnings (what RenderNotice puts in .warnings).
std::vector<std::string> CheckNoticeConsistency(const LedgerSnapshot& snapshot,
                                                const std::string& today);

// 1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 33 -> 三十三 (1..99; else digits).
std::string ChineseNumeral(int n);

// "2024-02-22" -> "2024年2月22日"; other text is returned unchanged.
std::string ChineseDate(std::string_view iso_date);

// Fen to yuan with two decimals, trailing zeros trimmed: 123450 -> "1234.5",
// 100 -> "1", 5 -> "0.05".
std::string FenToYuan(int64_t fen);

}  // namespace rectify
