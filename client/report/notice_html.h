// Printable HTML rendering of the notice blocks (client/report/notice.h): one
// self-contained page (inline CSS, no external resources) laid out for A4 with
// the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm)
// in serif CJK faces (仿宋 …, "Noto Serif CJK SC"). The consistency warnings
// are listed on screen above the notice and never printed. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/report/notice.h"

namespace rectify {

std::string RenderNoticeHtml(const std::vector<NoticeBlock>& blocks,
                             const std::vector<std::string>& warnings = {});

// Escapes & < > " ' for element content and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace rectify
