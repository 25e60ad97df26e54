// Printable HTML rendering of the notice blocks (client/report/notice.h): one
// self-contained page (inline CSS, A4 print rules, no external resources).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/report/notice.h"

namespace rectify {

std::string RenderNoticeHtml(const std::vector<NoticeBlock>& blocks);

// Escapes & < > " ' for element content and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace rectify
