#include "client/report/notice_markdown.h"

namespace rectify {

std::string EscapeMarkdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '#':
      case '|':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += "  \n";
        break;  // hard line break, as typed in the cell
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderNoticeMarkdown(const std::vector<NoticeBlock>& blocks) {
  std::string out;
  for (const NoticeBlock& b : blocks) {
    std::string body;
    if (!b.lead.empty()) body += "**" + EscapeMarkdown(b.lead) + "**";
    body += EscapeMarkdown(b.text);
    switch (b.kind) {
      case NoticeBlock::Kind::kTitle:
        out += "# " + body;
        break;
      case NoticeBlock::Kind::kEdition:
        out += body;
        break;
      case NoticeBlock::Kind::kSection:
        out += "## " + body;
        break;
      case NoticeBlock::Kind::kAspect:
        out += "### " + body;
        break;
      case NoticeBlock::Kind::kCategory:
        out += "#### " + body;
        break;
      case NoticeBlock::Kind::kParagraph:
        out += body;
        break;
      case NoticeBlock::Kind::kSignature:
        out += body;
        break;
    }
    out += "\n\n";
  }
  return out;
}

}  // namespace rectify
