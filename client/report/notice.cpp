#include "client/report/notice.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "client/report/notice_html.h"
#include "client/report/notice_markdown.h"
#include "shared/stats.h"

namespace rectify {

namespace {

constexpr std::string_view kMissing = "（待补）";
// A next step sharing this many consecutive characters with a problem's title
// or a measure is taken to be about that problem: long enough to skip stock
// phrases like 整改工作, short enough to catch 物理实验室操作台.
constexpr size_t kMentionRunLength = 6;

std::string Or(const std::string& value, std::string_view fallback) {
  return value.empty() ? std::string(fallback) : value;
}

bool EndsWithPunctuation(std::string_view s) {
  for (std::string_view p : {"。", "；", "！", "？", ".", "：", "）"})
    if (s.ends_with(p)) return true;
  return false;
}

// Appends "。" unless the sentence already ends in punctuation.
std::string Sentence(const std::string& s) { return EndsWithPunctuation(s) ? s : s + "。"; }

std::string Bracketed(int n) { return "（" + ChineseNumeral(n) + "）"; }

std::string DateOrMissing(const std::string& iso) {
  return iso.empty() ? std::string(kMissing) : ChineseDate(iso);
}

// "2023年10月14日至11月17日": the year is not repeated within one year.
std::string DateRange(const std::string& from, const std::string& to) {
  std::string a = DateOrMissing(from);
  std::string b = DateOrMissing(to);
  if (DayNumber(from) && DayNumber(to) && from.substr(0, 4) == to.substr(0, 4))
    b = b.substr(b.find("年") + std::string_view("年").size());
  return a + "至" + b;
}

bool CountsAsDone(ProblemStatus s) {
  return s == ProblemStatus::kCompleted || s == ProblemStatus::kVerified;
}

std::string ProblemLabel(const ProblemInfo& p) {
  return "问题" + std::to_string(p.number) + "「" + p.title + "」";
}

// ---- code points, for the next-steps match ----------------------------------

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : c & (0xFF >> (len + 1));
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

size_t LongestCommonRun(const std::u32string& a, const std::u32string& b) {
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  size_t best = 0;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : 0;
      best = std::max(best, cur[j]);
    }
    std::swap(prev, cur);
  }
  return best;
}

bool Mentions(const std::string& step, const ProblemInfo& p) {
  for (const std::string& ref :
       {"问题" + std::to_string(p.number), "第" + std::to_string(p.number) + "个问题",
        "第" + std::to_string(p.number) + "项"}) {
    size_t pos = step.find(ref);
    // "问题1" must not match "问题12".
    if (pos != std::string::npos) {
      size_t end = pos + ref.size();
      if (end >= step.size() || step[end] < '0' || step[end] > '9') return true;
    }
  }
  if (!p.title.empty() && step.find(p.title) != std::string::npos) return true;
  std::u32string text = CodePoints(step);
  if (LongestCommonRun(text, CodePoints(p.title)) >= kMentionRunLength) return true;
  for (const MeasureInfo& m : p.measures)
    if (LongestCommonRun(text, CodePoints(m.text)) >= kMentionRunLength) return true;
  return false;
}

// ---- the notice, block by block ---------------------------------------------------

class NoticeBuilder {
 public:
  NoticeBuilder(const LedgerSnapshot& s, const std::string& today, NoticeEdition edition)
      : s_(s), today_(today), stats_(ComputeStats(s)), public_(edition == NoticeEdition::kPublic) {}

  std::vector<NoticeBlock> Build() {
    Title();
    Preamble();
    SectionOne();
    SectionTwo();
    SectionThree();
    Closing();
    return std::move(blocks_);
  }

 private:
  void Add(NoticeBlock::Kind kind, std::string lead, std::string text) {
    blocks_.push_back({kind, std::move(lead), std::move(text)});
  }
  void Para(std::string text) { Add(NoticeBlock::Kind::kParagraph, "", std::move(text)); }

  std::string Org() const { return Or(s_.school.org_name, Or(s_.school.name, kMissing)); }
  std::string School() const { return Or(s_.school.name, kMissing); }
  std::string Group() const { return Or(s_.inspection.group_name, "区委巡察组"); }

  void Title() {
    Add(NoticeBlock::Kind::kTitle, "", Org() + "关于巡察整改工作阶段进展情况的通报");
    Add(NoticeBlock::Kind::kEdition, "",
        "（" +
            std::string(EditionLabel(public_ ? NoticeEdition::kPublic : NoticeEdition::kInternal)) +
            "）");
  }

  void Preamble() {
    const InspectionInfo& in = s_.inspection;
    Para("根据区委统一部署，" + DateRange(in.onsite_from, in.onsite_to) + "，" + Group() + "对" +
         School() + "进行了" + Or(in.kind, "巡察") + "。" + DateOrMissing(in.feedback_date) + "，" +
         Group() + "向" + Org() +
         "反馈了巡察意见。按照党务公开原则和巡察工作有关要求，现将巡察整改阶段进展情况予以公布。");
  }

  void SectionOne() {
    Add(NoticeBlock::Kind::kSection, "", "一、强化政治引领、推动整改深入落实");
    Para(Org() +
         "从思想上高度重视此次巡察整改工作，把巡察整改工作作为一项严肃的政治任务，压实政治责任，"
         "确保巡察反馈意见的整改工作真正落实落地，取得整改实效。");
    std::string plan = s_.inspection.plan_date.empty()
                           ? "学校制定整改方案"
                           : "学校于" + ChineseDate(s_.inspection.plan_date) + "制定整改方案";
    Add(NoticeBlock::Kind::kParagraph, "（一）落实整改问题。",
        "对巡察反馈的问题，" + plan + "，明确整改要求，逐项落实到位。" + KindSentence());
    Add(NoticeBlock::Kind::kParagraph, "（二）建立整改台账。",
        "对照问题清单逐项明确责任部门、责任人和整改时限，实行台账管理、对账销号。");
  }

  std::string KindSentence() const {
    std::map<ProblemKind, int> counts;
    for (const ProblemInfo& p : s_.problems) ++counts[p.kind];
    std::vector<std::string> parts;
    if (int n = counts[ProblemKind::kImmediate])
      parts.push_back("需要立行立改问题" + std::to_string(n) + "个");
    if (int n = counts[ProblemKind::kWithinPeriod])
      parts.push_back("需要限期整改问题" + std::to_string(n) + "个");
    if (int n = counts[ProblemKind::kOngoing])
      parts.push_back("需要长期坚持问题" + std::to_string(n) + "个");
    if (parts.empty()) return "";
    std::string out = "明确了";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "，" : "") + parts[i];
    return out + "。";
  }

  void SectionTwo() {
    Add(NoticeBlock::Kind::kSection, "", "二、坚持问题导向、推进整改取得成效");
    Para(StatsSentence());
    if (std::string a = AccountabilitySentence(); !a.empty()) Para(a);
    std::set<std::string> known;
    for (size_t i = 0; i < s_.aspects.size(); ++i) {
      const AspectInfo& a = s_.aspects[i];
      known.insert(a.id);
      Add(NoticeBlock::Kind::kAspect, "",
          "第" + ChineseNumeral(static_cast<int>(i) + 1) + "方面：" + a.title);
      Problems(a.id, "");
      for (size_t k = 0; k < a.categories.size(); ++k) {
        Add(NoticeBlock::Kind::kCategory, "",
            Bracketed(static_cast<int>(k) + 1) + a.categories[k].title);
        Problems(a.id, a.categories[k].id);
      }
    }
    bool orphans = std::any_of(s_.problems.begin(), s_.problems.end(),
                               [&](const ProblemInfo& p) { return !known.contains(p.aspect_id); });
    if (!orphans) return;
    Add(NoticeBlock::Kind::kAspect, "", "其他问题");
    for (const ProblemInfo& p : s_.problems)
      if (!known.contains(p.aspect_id)) Problem(p);
  }

  std::string StatsSentence() const {
    const LedgerStats& st = stats_;
    std::string aspects = st.aspects == 2 ? "两" : ChineseNumeral(st.aspects);
    std::string out =
        "截至目前，巡察反馈的" + aspects + "个方面" + std::to_string(st.total) + "个问题";
    if (st.measures > 0) out += "，制定措施" + std::to_string(st.measures) + "条";
    std::vector<std::string> parts;
    if (int done = st.completed + st.verified) {
      std::string p = std::to_string(done) + "个问题已完成整改";
      if (st.verified > 0) p += "（其中" + std::to_string(st.verified) + "个已销号）";
      parts.push_back(p);
    }
    if (st.in_progress) parts.push_back(std::to_string(st.in_progress) + "个问题整改推进中");
    if (st.not_started) parts.push_back(std::to_string(st.not_started) + "个问题尚未开始整改");
    if (st.long_term) parts.push_back(std::to_string(st.long_term) + "个问题长期坚持");
    if (!parts.empty()) {
      out += "，其中";
      for (size_t i = 0; i < parts.size(); ++i) out += (i ? "，" : "") + parts[i];
    }
    out += "，完成率" + FormatPercent(st.completion_rate) + "（" + RuleInWords() + "）";
    return out + "，巡察整改工作取得阶段性成效。";
  }

  std::string RuleInWords() const {
    return s_.rule.long_term_counts ? "按已完成、已销号和长期坚持的问题数占问题总数计算"
                                    : "按已完成、已销号的问题数占问题总数计算，长期坚持问题不计入";
  }

  std::string AccountabilitySentence() const {
    std::vector<std::string> parts;
    for (const AccountabilityInfo& a : s_.accountability) {
      if (a.kind == "funds") {
        parts.push_back(Or(a.label, "追回资金") + FenToYuan(a.amount_fen) + "元");
      } else {
        std::string part = a.label + std::to_string(a.count) + "人";
        if (!public_ && !a.note.empty()) part += "（" + a.note + "）";
        parts.push_back(part);
      }
    }
    if (parts.empty()) return "";
    std::string out = "在追责问责方面，";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "，" : "") + parts[i];
    return out + "。";
  }

  void Problems(const std::string& aspect_id, const std::string& category_id) {
    for (const ProblemInfo& p : s_.problems)
      if (p.aspect_id == aspect_id && p.category_id == category_id) Problem(p);
  }

  void Problem(const ProblemInfo& p) {
    const std::string status = "（" + std::string(StatusLabel(p.status)) + "）";
    if (public_ && p.internal) {
      Add(NoticeBlock::Kind::kParagraph, std::to_string(p.number) + ".",
          "本项为内部事项，不予公开。" + status);
      return;
    }
    std::string text = p.detail.empty() ? "" : Sentence(p.detail);
    text += status;
    std::string lead = std::to_string(p.number) + "." + (p.internal ? "【内部】" : "");
    Add(NoticeBlock::Kind::kParagraph, lead + Sentence(p.title), text);
    if (!public_) Responsibility(p);
    if (!p.result.empty()) {
      Add(NoticeBlock::Kind::kParagraph, "整改落实情况：", p.result);
      if (!public_) Measures(p);
    } else {
      Measures(p);
    }
  }

  // 内部稿 only: who answers for the problem, by when.
  void Responsibility(const ProblemInfo& p) {
    std::vector<std::string> parts;
    if (!p.department.empty()) parts.push_back("责任部门：" + p.department);
    if (!p.person.empty()) parts.push_back("责任人：" + p.person);
    if (!p.deadline.empty()) parts.push_back("整改时限：" + ChineseDate(p.deadline));
    parts.push_back("整改类型：" + std::string(KindLabel(p.kind)));
    std::string text;
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? "；" : "") + parts[i];
    Add(NoticeBlock::Kind::kParagraph, "", text + "。");
  }

  void Measures(const ProblemInfo& p) {
    if (!p.measures.empty()) {
      std::string m;
      for (size_t i = 0; i < p.measures.size(); ++i) {
        m += (i ? "；" : "") + ChineseNumeral(static_cast<int>(i) + 1) + "是" + p.measures[i].text;
      }
      Add(NoticeBlock::Kind::kParagraph, "整改措施：", Sentence(m));
    }
  }

  void SectionThree() {
    Add(NoticeBlock::Kind::kSection, "", "三、下一步工作安排");
    if (s_.next_steps.empty()) {
      Para("持续巩固巡察整改成果，健全长效机制，确保整改工作常态化、长效化。");
      return;
    }
    for (size_t i = 0; i < s_.next_steps.size(); ++i) {
      const NextStepInfo& n = s_.next_steps[i];
      std::string lead = Bracketed(static_cast<int>(i) + 1);
      if (!n.title.empty()) lead += Sentence(n.title);
      Add(NoticeBlock::Kind::kParagraph, lead, n.text);
    }
  }

  void Closing() {
    const SchoolInfo& sc = s_.school;
    std::vector<std::string> parts;
    if (!sc.phone.empty()) parts.push_back("电话" + sc.phone);
    if (!sc.postal.empty()) parts.push_back("邮政信箱：" + sc.postal);
    if (!sc.email.empty()) parts.push_back("电子邮箱：" + sc.email);
    std::string text =
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。";
    if (!parts.empty()) {
      text += "联系方式：";
      for (size_t i = 0; i < parts.size(); ++i) text += (i ? "；" : "") + parts[i];
      text += "。";
    }
    Para(text);
    std::string date = Or(s_.inspection.notice_date, today_);
    Add(NoticeBlock::Kind::kSignature, "", Org() + "\n" + ChineseDate(date));
  }

  const LedgerSnapshot& s_;
  std::string today_;
  LedgerStats stats_;
  bool public_;
  std::vector<NoticeBlock> blocks_;
};

// ---- consistency warnings ------------------------------------------------------------

// Each missing fact names the command that fills it in (docs/cli.md "Notice").
void CheckFacts(const LedgerSnapshot& s, const std::string& today, std::vector<std::string>* w) {
  if (s.school.org_name.empty())
    w->push_back(
        "缺少党组织名称（school.org_name），标题和落款用学校名称代替：运行 rectify school edit "
        "--org-name 名称");
  if (s.inspection.group_name.empty())
    w->push_back("缺少巡察组名称（inspection.group_name）：运行 rectify inspection edit --group 名称");
  const std::pair<const std::string*, const char*> dates[] = {
      {&s.inspection.onsite_from,
       "缺少巡察进驻开始日期（inspection.onsite_from）：运行 rectify inspection edit --onsite-from "
       "日期"},
      {&s.inspection.onsite_to,
       "缺少巡察进驻结束日期（inspection.onsite_to）：运行 rectify inspection edit --onsite-to 日期"},
      {&s.inspection.feedback_date,
       "缺少巡察反馈日期（inspection.feedback_date）：运行 rectify inspection edit --feedback-date "
       "日期"},
  };
  for (const auto& [value, message] : dates)
    if (value->empty()) w->push_back(message);
  if (s.inspection.notice_date.empty())
    w->push_back("缺少通报日期（inspection.notice_date），落款使用今天 " + today +
                 "：运行 rectify inspection edit --notice-date 日期");
  if (s.school.phone.empty())
    w->push_back("缺少联系电话（school.phone）：运行 rectify school edit --phone 电话");
  if (s.school.postal.empty())
    w->push_back("缺少邮政信箱（school.postal）：运行 rectify school edit --postal 信箱");
  if (s.school.email.empty())
    w->push_back("缺少电子邮箱（school.email）：运行 rectify school edit --email 邮箱");
  if (s.next_steps.empty())
    w->push_back(
        "缺少下一步工作安排（next_steps）：运行 rectify next-step add --title 标题 --text 内容");
}

void CheckCounts(const LedgerSnapshot& s, std::vector<std::string>* w) {
  if (s.problems.empty()) w->push_back("台账中没有问题");
  std::set<std::string> used_aspects, used_categories;
  for (const ProblemInfo& p : s.problems) {
    used_aspects.insert(p.aspect_id);
    used_categories.insert(p.category_id);
  }
  std::set<std::string> known;
  for (const AspectInfo& a : s.aspects) {
    known.insert(a.id);
    if (!used_aspects.contains(a.id)) w->push_back("方面「" + a.title + "」下没有问题");
    for (const CategoryInfo& c : a.categories)
      if (!used_categories.contains(c.id)) w->push_back("类别「" + c.title + "」下没有问题");
  }
  std::map<int, int> seen;
  for (const ProblemInfo& p : s.problems) {
    if (!known.contains(p.aspect_id)) w->push_back(ProblemLabel(p) + "不属于任何方面");
    if (++seen[p.number] == 2) w->push_back("问题序号" + std::to_string(p.number) + "重复");
    if (p.measures.empty() && p.result.empty())
      w->push_back(ProblemLabel(p) + "既没有整改措施也没有整改结果");
  }
  std::string missing;
  for (int n = 1; n <= static_cast<int>(s.problems.size()); ++n)
    if (!seen.contains(n)) missing += (missing.empty() ? "" : "、") + std::to_string(n);
  if (!missing.empty())
    w->push_back("问题序号不是连续的1至" + std::to_string(s.problems.size()) + "，缺少" + missing);
}

// A completed problem that the next steps still talk about means either the
// status or the plan is wrong: the public would read both in one notice.
// Long-term items are meant to continue, so they are not flagged.
void CheckNextSteps(const LedgerSnapshot& s, std::vector<std::string>* w) {
  for (size_t i = 0; i < s.next_steps.size(); ++i) {
    std::string step = s.next_steps[i].title + "。" + s.next_steps[i].text;
    for (const ProblemInfo& p : s.problems) {
      if (!CountsAsDone(p.status) || !Mentions(step, p)) continue;
      w->push_back(ProblemLabel(p) + "已计为完成（" + std::string(StatusLabel(p.status)) +
                   "），但下一步工作安排" + Bracketed(static_cast<int>(i) + 1) + "仍提到它");
    }
  }
}

}  // namespace

std::string ChineseNumeral(int n) {
  static constexpr std::array<std::string_view, 10> kDigits = {"零", "一", "二", "三", "四",
                                                               "五", "六", "七", "八", "九"};
  if (n < 1 || n > 99) return std::to_string(n);
  if (n < 10) return std::string(kDigits[n]);
  std::string out = n / 10 == 1 ? "" : std::string(kDigits[n / 10]);
  out += "十";
  if (n % 10) out += kDigits[n % 10];
  return out;
}

std::string ChineseDate(std::string_view iso) {
  if (!DayNumber(iso)) return std::string(iso);
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(iso.substr(pos, len))); };
  return std::to_string(num(0, 4)) + "年" + std::to_string(num(5, 2)) + "月" +
         std::to_string(num(8, 2)) + "日";
}

std::string FenToYuan(int64_t fen) {
  std::string sign = fen < 0 ? "-" : "";
  uint64_t v = fen < 0 ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  std::string out = sign + std::to_string(v / 100);
  uint64_t cents = v % 100;
  if (cents == 0) return out;
  out += "." + std::to_string(cents / 10);
  if (cents % 10) out += std::to_string(cents % 10);
  return out;
}

std::string_view EditionLabel(NoticeEdition edition) {
  return edition == NoticeEdition::kPublic ? "社会公开稿" : "内部稿";
}

std::vector<NoticeBlock> BuildNoticeBlocks(const LedgerSnapshot& snapshot, const std::string& today,
                                           NoticeEdition edition) {
  return NoticeBuilder(snapshot, today, edition).Build();
}

std::vector<std::string> CheckNoticeConsistency(const LedgerSnapshot& snapshot,
                                                const std::string& today) {
  std::vector<std::string> warnings;
  CheckFacts(snapshot, today, &warnings);
  CheckCounts(snapshot, &warnings);
  CheckNextSteps(snapshot, &warnings);
  return warnings;
}

Notice RenderNotice(const LedgerSnapshot& snapshot, NoticeFormat format, const std::string& today,
                    NoticeEdition edition) {
  std::vector<NoticeBlock> blocks = BuildNoticeBlocks(snapshot, today, edition);
  Notice notice;
  notice.warnings = CheckNoticeConsistency(snapshot, today);
  notice.text = format == NoticeFormat::kHtml ? RenderNoticeHtml(blocks, notice.warnings)
                                              : RenderNoticeMarkdown(blocks);
  return notice;
}

}  // namespace rectify
