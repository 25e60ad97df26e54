#include "client/report/notice.h"
#include "client/report/notice_html.h"

#include <doctest/doctest.h>

#include "tests/unit/client/ledger_fixture.h"

namespace rectify {
namespace {

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

bool AnyWarning(const Notice& n, const std::string& needle) {
  for (const std::string& w : n.warnings)
    if (Has(w, needle)) return true;
  return false;
}

TEST_CASE("seed 000 notice states the facts of the published notice") {
  LedgerSnapshot s = testing::LoadFixture("seed000");
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2024-02-22");
  const std::string& t = n.text;
  CAPTURE(t);
  CHECK(t.starts_with("# 中共城子河区杏花学校支部委员会关于巡察整改工作阶段进展情况的通报"));
  CHECK(Has(t,
            "根据区委统一部署，2023年10月14日至11月17日，区委第一巡察组对杏花学校进行了常规巡察。"
            "2024年1月29日，区委第一巡察组向中共城子河区杏花学校支部委员会反馈了巡察意见。"));
  CHECK(Has(t, "学校于2024年2月19日制定整改方案"));
  CHECK(Has(t, "明确了需要立行立改问题8个，需要限期整改问题7个。"));
  CHECK(Has(t,
            "截至目前，巡察反馈的两个方面15个问题，制定措施26条，其中14个问题已完成整改，"
            "1个问题整改推进中，完成率93%（按已完成、已销号和长期坚持的问题数占问题总数计算）"));
  CHECK(Has(t, "### 第一方面：严格落实党中央在基层的决策部署"));
  CHECK(Has(t, "### 第二方面：严格落实群众身边腐败问题"));
  CHECK(Has(t, "**1.硬件设施进行升级改造，完善学科教师配备。**（推进中）"));
  CHECK(Has(t, "**15.规范学校现金支付。**（已完成）"));
  CHECK(Has(t, "## 三、下一步工作安排"));
  CHECK(Has(t, "**（三）提升教具安全质量。**物理实验室操作台维修问题"));
  CHECK(Has(t, "联系方式：电话18646773896；邮政信箱：158170；电子邮箱：myfls@126.com。"));
  CHECK(Has(t, "中共城子河区杏花学校支部委员会  \n2024年2月22日"));  // signed today
  // The published notice lists the 物理实验室操作台 repair (problem 7, done)
  // as a next step: exactly the inconsistency the clerk must see.
  CHECK(AnyWarning(n, "问题7「规范实验室管理」已计为完成"));
  CHECK_FALSE(AnyWarning(n, "问题1「"));  // still in progress: fine to plan for it
  CHECK(AnyWarning(n, "inspection.notice_date"));
  CHECK_FALSE(AnyWarning(n, "school.phone"));
}

TEST_CASE("seed 004 notice: three aspects, 33 problems, all completed") {
  LedgerSnapshot s = testing::LoadFixture("seed004");
  // Seed 004 was published as the 社会公开稿.
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2030-01-01", NoticeEdition::kPublic);
  const std::string& t = n.text;
  CAPTURE(t);
  CHECK(
      t.starts_with("# 中共哈尔滨市中山路小学校党总支部委员会关于巡察整改工作阶段进展情况的通报"));
  CHECK(Has(t, "2022年9月18日至10月19日，区委第三巡察组对中山路小学进行了常规巡察。2023年1月19日"));
  CHECK(Has(t, "巡察反馈的三个方面33个问题，其中33个问题已完成整改，完成率100%"));
  CHECK_FALSE(Has(t, "制定措施"));  // the notice does not count measures
  CHECK(Has(t, "在追责问责方面，班子分工调整1人。"));
  CHECK(Has(t, "### 第三方面：聚焦基层党组织建设"));
  CHECK(Has(t, "#### （六）对团建队建会建工作不重视"));
  CHECK(Has(t, "#### （五）财务管理不规范"));
  CHECK(Has(t, "**33.二是混淆工会与教代会的概念与职能，工会作用发挥不充分。**（已完成）"));
  CHECK(Has(t, "**整改落实情况：**明晰了工会和教代会的职能与区别"));
  CHECK(Has(t, "邮政信箱：哈尔滨市中山路小学校（香坊区和平二道街92号，邮编150040）"));
  CHECK(Has(t, "2023年6月25日"));
  CHECK_FALSE(Has(t, "2030年"));  // the notice date wins over today
  CHECK_MESSAGE(n.warnings.empty(), n.warnings.front());
}

TEST_CASE("the HTML notice is a printable, self-contained, escaped page") {
  LedgerSnapshot s = testing::LoadFixture("seed000");
  s.problems[1].title = "<script>alert('x')</script> & 更多";
  Notice n = RenderNotice(s, NoticeFormat::kHtml, "2024-02-22");
  const std::string& t = n.text;
  CHECK(t.starts_with("<!DOCTYPE html>"));
  CHECK(Has(t, "<meta charset=\"utf-8\">"));
  CHECK(Has(t, "@media print"));
  CHECK_FALSE(Has(t, "<script>"));
  CHECK_FALSE(Has(t, "<link"));
  CHECK(Has(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 更多"));
  CHECK(Has(t, "<h1>中共城子河区杏花学校支部委员会关于巡察整改工作阶段进展情况的通报</h1>"));
  CHECK(Has(t, "其中14个问题已完成整改，1个问题整改推进中"));
  CHECK(Has(t, "<p class=\"sign\">中共城子河区杏花学校支部委员会<br>\n2024年2月22日</p>"));
}

TEST_CASE("内部稿 and 社会公开稿: names and internal problems only in the internal one") {
  LedgerSnapshot s = testing::LoadFixture("seed004");
  s.problems[0].person = "张明华";
  s.problems[0].department = "党总支";
  s.problems[0].deadline = "2023-03-31";
  s.problems[4].internal = true;
  s.accountability[0].note = "副校长王某不再担任纪检委员";
  Notice in = RenderNotice(s, NoticeFormat::kMarkdown, "2030-01-01", NoticeEdition::kInternal);
  Notice pub = RenderNotice(s, NoticeFormat::kMarkdown, "2030-01-01", NoticeEdition::kPublic);
  CAPTURE(pub.text);
  CHECK(Has(in.text, "（内部稿）"));
  CHECK(Has(pub.text, "（社会公开稿）"));
  CHECK(Has(in.text,
            "责任部门：党总支；责任人：张明华；整改时限：2023年3月31日；整改类型：限期整改。"));
  CHECK_FALSE(Has(pub.text, "张明华"));
  CHECK_FALSE(Has(pub.text, "王某"));
  CHECK(Has(in.text, "班子分工调整1人（副校长王某不再担任纪检委员）"));
  CHECK(Has(in.text, "**5.【内部】班子成员对意识形态工作认识不足。**"));
  CHECK(Has(pub.text, "**5.**本项为内部事项，不予公开。（已完成）"));
  CHECK_FALSE(Has(pub.text, "班子成员对意识形态工作认识不足"));
  for (const std::string& t : {in.text, pub.text})  // the figures are the same in both
    CHECK(Has(t, "巡察反馈的三个方面33个问题，其中33个问题已完成整改，完成率100%"));
}

TEST_CASE("the HTML notice prints on A4 with GB/T 9704 margins, warnings on screen only") {
  LedgerSnapshot s = testing::LoadFixture("seed000");
  Notice n = RenderNotice(s, NoticeFormat::kHtml, "2024-02-22", NoticeEdition::kPublic);
  const std::string& t = n.text;
  CHECK(Has(t, "@page { size: A4; margin: 37mm 26mm 35mm 28mm; }"));
  CHECK(Has(t, "\"仿宋\""));
  CHECK(Has(t, "\"FangSong\""));
  CHECK(Has(t, "\"Noto Serif CJK SC\""));
  const size_t print = t.find("@media print {");
  REQUIRE(print != std::string::npos);
  CHECK(t.find(".warnings { display: none; }", print) != std::string::npos);
  REQUIRE_FALSE(n.warnings.empty());
  CHECK(Has(t, "<div class=\"warnings\">"));
  CHECK(Has(t, "<li>" + EscapeHtml(n.warnings.front()) + "</li>"));
  CHECK(Has(t, "<p class=\"edition\">（社会公开稿）</p>"));
  LedgerSnapshot clean = testing::LoadFixture("seed004");
  Notice c = RenderNotice(clean, NoticeFormat::kHtml, "2030-01-01");
  CHECK(c.warnings.empty());
  CHECK_FALSE(Has(c.text, "<div class=\"warnings\">"));
}

TEST_CASE("Markdown escapes ledger text") {
  LedgerSnapshot s = testing::LoadFixture("seed000");
  s.problems[1].title = "*加粗*_[链接](x)";
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2024-02-22");
  CHECK(Has(n.text, "\\*加粗\\*\\_\\[链接\\](x)"));
}

TEST_CASE("strict rule, long-term, verified and accountability are worded") {
  LedgerSnapshot s = testing::LoadFixture("unseen57_utf8");
  s.rule = *CompletionRule::Parse("strict");
  s.problems[0].status = ProblemStatus::kVerified;
  s.accountability = {{"funds", "追回资金", 0, 123450, ""},
                      {"disposition", "政务处分", 1, 0, ""},
                      {"disposition", "批评教育", 2, 0, ""}};
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2024-07-01");
  CHECK(Has(n.text, "三个方面57个问题，制定措施"));
  CHECK(Has(n.text,
            "其中48个问题已完成整改（其中1个已销号），4个问题整改推进中，5个问题长期坚持，"
            "完成率84%（按已完成、已销号的问题数占问题总数计算，长期坚持问题不计入）"));
  CHECK(Has(n.text, "在追责问责方面，追回资金1234.5元，政务处分1人，批评教育2人。"));
}

TEST_CASE("warnings name missing contacts, dates and broken counts") {
  LedgerSnapshot s = testing::LoadFixture("seed004");
  s.school.phone.clear();
  s.school.email.clear();
  s.inspection.feedback_date.clear();
  s.problems.erase(s.problems.begin() + 4);  // problem 5 gone
  s.problems[0].result.clear();
  s.aspects.push_back({"empty", 4, "空方面", {}});
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2024-01-01");
  CHECK(AnyWarning(n, "school.phone"));
  CHECK(AnyWarning(n, "school.email"));
  // Each missing fact names the command that fixes it (issue 11 friction).
  CHECK(AnyWarning(n, "rectify school edit --phone"));
  CHECK(AnyWarning(n, "rectify school edit --email"));
  CHECK(AnyWarning(n, "rectify inspection edit --feedback-date"));
  CHECK_FALSE(AnyWarning(n, "school.postal"));
  CHECK(AnyWarning(n, "inspection.feedback_date"));
  CHECK(AnyWarning(n, "缺少5"));
  CHECK(AnyWarning(n, "问题1「支委会组织学习不力」既没有整改措施也没有整改结果"));
  CHECK(AnyWarning(n, "方面「空方面」下没有问题"));
  CHECK(Has(n.text, "联系方式：邮政信箱："));
  CHECK(Has(n.text, "（待补）"));
}

TEST_CASE("a done problem named by number in the next steps is flagged") {
  LedgerSnapshot s = testing::LoadFixture("seed004");
  s.next_steps = {{1, "继续整改", "巩固问题12的整改成果"}};
  Notice n = RenderNotice(s, NoticeFormat::kMarkdown, "2024-01-01");
  CHECK(AnyWarning(n, "问题12「落实“双减”走过场」已计为完成"));
  CHECK_FALSE(AnyWarning(n, "问题1「"));
  s.problems[11].status = ProblemStatus::kLongTerm;  // ongoing work may stay in the plan
  CHECK(CheckNoticeConsistency(s, "2024-01-01").empty());
}

TEST_CASE("Chinese numerals, dates and yuan") {
  CHECK(ChineseNumeral(1) == "一");
  CHECK(ChineseNumeral(10) == "十");
  CHECK(ChineseNumeral(12) == "十二");
  CHECK(ChineseNumeral(20) == "二十");
  CHECK(ChineseNumeral(33) == "三十三");
  CHECK(ChineseNumeral(100) == "100");
  CHECK(ChineseDate("2024-02-22") == "2024年2月22日");
  CHECK(ChineseDate("2023-10-04") == "2023年10月4日");
  CHECK(ChineseDate("长期") == "长期");
  CHECK(FenToYuan(123450) == "1234.5");
  CHECK(FenToYuan(100) == "1");
  CHECK(FenToYuan(5) == "0.05");
  CHECK(FenToYuan(1234567) == "12345.67");
  CHECK(FenToYuan(-250) == "-2.5");
}

}  // namespace
}  // namespace rectify
