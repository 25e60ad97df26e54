#include "client/report/notice_html.h"

namespace rectify {

namespace {

// Official documents use FangSong/SimSun-like serif faces; the fallbacks keep
// Linux and macOS printers legible.
constexpr std::string_view kStyle = R"css(
body { font-family: "FangSong", "STFangsong", "SimSun", "Noto Serif CJK SC", serif;
       font-size: 16pt; line-height: 1.8; max-width: 46em; margin: 2em auto; color: #000; }
h1 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 22pt;
     text-align: center; font-weight: bold; margin: 1em 0; }
h2 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 16pt; margin: .6em 0; }
h3, h4 { font-size: 16pt; margin: .4em 0; }
h4 { font-family: "KaiTi", "STKaiti", serif; font-weight: normal; }
p { text-indent: 2em; margin: 0; }
.sign { text-align: right; margin-top: 2em; text-indent: 0; }
@media print {
  @page { size: A4; margin: 3.7cm 2.6cm 3.5cm 2.8cm; }
  body { margin: 0; max-width: none; }
  h2, h3, h4 { page-break-after: avoid; }
  p { orphans: 2; widows: 2; }
}
)css";

std::string Body(const NoticeBlock& b) {
  std::string out;
  if (!b.lead.empty()) out += "<strong>" + EscapeHtml(b.lead) + "</strong>";
  std::string text = EscapeHtml(b.text);
  for (size_t pos = 0; (pos = text.find('\n', pos)) != std::string::npos; pos += 5)
    text.replace(pos, 1, "<br>\n");
  return out + text;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderNoticeHtml(const std::vector<NoticeBlock>& blocks) {
  std::string title;
  for (const NoticeBlock& b : blocks)
    if (b.kind == NoticeBlock::Kind::kTitle) title = b.lead + b.text;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      EscapeHtml(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  for (const NoticeBlock& b : blocks) {
    switch (b.kind) {
      case NoticeBlock::Kind::kTitle:
        out += "<h1>" + Body(b) + "</h1>\n";
        break;
      case NoticeBlock::Kind::kSection:
        out += "<h2>" + Body(b) + "</h2>\n";
        break;
      case NoticeBlock::Kind::kAspect:
        out += "<h3>" + Body(b) + "</h3>\n";
        break;
      case NoticeBlock::Kind::kCategory:
        out += "<h4>" + Body(b) + "</h4>\n";
        break;
      case NoticeBlock::Kind::kParagraph:
        out += "<p>" + Body(b) + "</p>\n";
        break;
      case NoticeBlock::Kind::kSignature:
        out += "<p class=\"sign\">" + Body(b) + "</p>\n";
        break;
    }
  }
  return out + "</body>\n</html>\n";
}

}  // namespace rectify
