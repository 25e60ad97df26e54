#include "client/report/notice_html.h"

namespace rectify {

namespace {

// GB/T 9704 lays official documents out on A4 with these margins, the body in
// 仿宋 and the title in 小标宋; the fallbacks keep Linux (fonts-noto-cjk) and
// macOS printers legible. The warnings are for the clerk's screen only.
constexpr std::string_view kStyle = R"css(
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "仿宋", "仿宋_GB2312", "FangSong", "STFangsong", "Noto Serif CJK SC",
       "Source Han Serif SC", serif;
       font-size: 16pt; line-height: 1.8; max-width: 156mm; margin: 2em auto; color: #000; }
h1 { font-family: "方正小标宋简体", "华文中宋", "STZhongsong", "Noto Serif CJK SC", serif;
     font-size: 22pt; text-align: center; font-weight: bold; margin: 1em 0 .2em; }
.edition { text-align: center; text-indent: 0; margin-bottom: 1em; }
h2 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 16pt;
     font-weight: normal; margin: .6em 0; }
h3, h4 { font-size: 16pt; margin: .4em 0; }
h4 { font-family: "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC", serif; font-weight: normal; }
p { text-indent: 2em; margin: 0; }
.sign { text-align: right; margin-top: 2em; text-indent: 0; }
.warnings { font-family: sans-serif; font-size: 11pt; line-height: 1.5; border: 2px solid #c00;
            background: #fff4f4; padding: .5em 1em; margin-bottom: 2em; }
.warnings h2 { font-size: 12pt; color: #c00; margin: 0 0 .3em; }
@media print {
  .warnings { display: none; }
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

std::string RenderNoticeHtml(const std::vector<NoticeBlock>& blocks,
                             const std::vector<std::string>& warnings) {
  std::string title;
  for (const NoticeBlock& b : blocks)
    if (b.kind == NoticeBlock::Kind::kTitle) title = b.lead + b.text;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      EscapeHtml(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  if (!warnings.empty()) {
    out += "<div class=\"warnings\">\n<h2>发布前请核对（" + std::to_string(warnings.size()) +
           " 条，打印时不显示）</h2>\n<ul>\n";
    for (const std::string& w : warnings) out += "<li>" + EscapeHtml(w) + "</li>\n";
    out += "</ul>\n</div>\n";
  }
  for (const NoticeBlock& b : blocks) {
    switch (b.kind) {
      case NoticeBlock::Kind::kTitle:
        out += "<h1>" + Body(b) + "</h1>\n";
        break;
      case NoticeBlock::Kind::kEdition:
        out += "<p class=\"edition\">" + Body(b) + "</p>\n";
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
