// Markdown rendering of the notice blocks (client/report/notice.h). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/report/notice.h"

namespace rectify {

// CommonMark text; ledger text is escaped so it cannot inject markup.
std::string RenderNoticeMarkdown(const std::vector<NoticeBlock>& blocks);

// Backslash-escapes the characters CommonMark treats as inline markup.
std::string EscapeMarkdown(std::string_view text);

}  // namespace rectify
