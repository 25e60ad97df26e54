// `rectify accountability add|list|edit|delete`, `rectify next-step
// add|list|edit|delete`. Items are addressed by the number `list` shows.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"

namespace rectify {

namespace {

struct AccountabilityArgs {
  std::string kind, label, amount, note, ref;
  int64_t count = 0;
  FieldOptions fields;  // edit: --kind --label --count --note
  CLI::Option* amount_opt = nullptr;
};

void RunAccountabilityAdd(CliContext& ctx, const AccountabilityArgs& a) {
  int64_t fen = 0;
  if (!a.amount.empty()) {
    auto parsed = ParseYuan(a.amount);
    if (!parsed.ok()) return ctx.Fail(parsed.status().Annotate("--amount-yuan"));
    fen = *parsed;
  }
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddAccountability(a.kind, a.label, a.count, fen, a.note, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"amount_fen", fen}, {"count", a.count}});
  *ctx.out << "accountability added: " << a.label;
  if (a.kind == "funds") *ctx.out << " " << FormatYuan(fen) << "元";
  if (a.count > 0) *ctx.out << " " << a.count << "人";
  *ctx.out << "\n";
}

void RunAccountabilityList(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto items = (*l)->ListAccountability();
  if (!items.ok()) return ctx.Fail(items.status());
  nlohmann::json j = nlohmann::json::array();
  std::string text = "序号 no.\t类别 kind\t事项 label\t人数 count\t金额(元) yuan\t备注 note\n";
  for (const auto& e : *items) {
    const AccountabilityInfo& a = e.info;
    j.push_back({{"id", e.id},
                 {"number", e.number},
                 {"kind", a.kind},
                 {"label", a.label},
                 {"count", a.count},
                 {"amount_fen", a.amount_fen},
                 {"note", a.note}});
    text += std::to_string(e.number) + "\t" + a.kind + "\t" + a.label + "\t" +
            std::to_string(a.count) + "\t" + FormatYuan(a.amount_fen) + "\t" +
            (a.note.empty() ? "-" : a.note) + "\n";
  }
  if (ctx.json) return PrintJson(ctx, j);
  *ctx.out << text << items->size() << " item(s)\n";
}

void RunAccountabilityEdit(CliContext& ctx, const AccountabilityArgs& a) {
  const bool amount = a.amount_opt->count() > 0;
  if (!a.fields.any() && !amount) return ctx.Fail("nothing to change; give at least one option");
  auto fields = a.fields.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  if (amount) {
    auto fen = a.amount.empty() ? Result<int64_t>(int64_t{0}) : ParseYuan(a.amount);
    if (!fen.ok()) return ctx.Fail(fen.status().Annotate("--amount-yuan"));
    fields->emplace_back("amount_fen", Value{*fen});
  }
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->EditAccountability(a.ref, *fields, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "accountability item " << a.ref << " updated\n";
}

void RunAccountabilityDelete(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteAccountability(ref, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "accountability item " << ref << " deleted\n";
}

struct NextStepArgs {
  std::string title, text, ref;
  FieldOptions fields;
};

void RunNextStepAdd(CliContext& ctx, const NextStepArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddNextStep(a.title, a.text, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}});
  *ctx.out << "next step added: " << a.title << "\n";
}

void RunNextStepList(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto steps = (*l)->ListNextSteps();
  if (!steps.ok()) return ctx.Fail(steps.status());
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : *steps)
      j.push_back({{"id", e.id},
                   {"ordinal", e.info.ordinal},
                   {"title", e.info.title},
                   {"text", e.info.text}});
    return PrintJson(ctx, j);
  }
  for (const auto& e : *steps) {
    *ctx.out << e.info.ordinal << ". " << e.info.title;
    if (!e.info.text.empty()) *ctx.out << " " << e.info.text;
    *ctx.out << "\n";
  }
}

void RunNextStepEdit(CliContext& ctx, const NextStepArgs& a) {
  if (!a.fields.any()) return ctx.Fail("nothing to change; give --title or --text");
  auto fields = a.fields.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->EditNextStep(a.ref, *fields, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "next step " << a.ref << " updated\n";
}

void RunNextStepDelete(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteNextStep(ref, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "next step " << ref << " deleted\n";
}

}  // namespace

void AddExtrasCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* acc = app.add_subcommand("accountability", "accountability (追责问责)");
  acc->require_subcommand(1);
  auto aa = std::make_shared<AccountabilityArgs>();
  CLI::App* add = acc->add_subcommand("add", "record funds recovered or a disposition");
  add->add_option("--kind", aa->kind, "funds or disposition")->required();
  add->add_option("--label", aa->label, "e.g. 追回资金, 政务处分, 诫勉谈话")->required();
  add->add_option("--count", aa->count, "number of people (dispositions)");
  add->add_option("--amount-yuan", aa->amount, "amount in yuan, e.g. 12345.60 (funds)");
  add->add_option("--note", aa->note, "free text");
  add->callback([&ctx, aa] { RunAccountabilityAdd(ctx, *aa); });
  acc->add_subcommand("list", "list the accountability items")->callback([&ctx] {
    RunAccountabilityList(ctx);
  });
  using K = FieldOptions::Kind;
  auto ae = std::make_shared<AccountabilityArgs>();
  CLI::App* edit = acc->add_subcommand("edit", "change an accountability item");
  edit->add_option("item", ae->ref, "item number (see accountability list) or id")->required();
  ae->fields.Add(edit, "--kind", "kind", "funds or disposition");
  ae->fields.Add(edit, "--label", "label", "e.g. 追回资金, 政务处分, 诫勉谈话");
  ae->fields.Add(edit, "--count", "count", "number of people", K::kInt);
  ae->fields.Add(edit, "--note", "note", "free text");
  ae->amount_opt = edit->add_option("--amount-yuan", ae->amount, "amount in yuan, e.g. 12345.60");
  edit->callback([&ctx, ae] { RunAccountabilityEdit(ctx, *ae); });
  auto adel = std::make_shared<std::string>();
  CLI::App* del = acc->add_subcommand("delete", "delete an accountability item");
  del->add_option("item", *adel, "item number (see accountability list) or id")->required();
  del->callback([&ctx, adel] { RunAccountabilityDelete(ctx, *adel); });

  CLI::App* ns = app.add_subcommand("next-step", "next steps (下一步工作安排)");
  ns->require_subcommand(1);
  auto na = std::make_shared<NextStepArgs>();
  CLI::App* nadd = ns->add_subcommand("add", "append a next step");
  nadd->add_option("--title", na->title, "short title")->required();
  nadd->add_option("--text", na->text, "the rest of the item");
  nadd->callback([&ctx, na] { RunNextStepAdd(ctx, *na); });
  ns->add_subcommand("list", "list the next steps")->callback([&ctx] { RunNextStepList(ctx); });
  auto ne = std::make_shared<NextStepArgs>();
  CLI::App* nedit = ns->add_subcommand("edit", "change a next step");
  nedit->add_option("step", ne->ref, "its number (see next-step list) or id")->required();
  ne->fields.Add(nedit, "--title", "title", "short title");
  ne->fields.Add(nedit, "--text", "text", "the rest of the item");
  nedit->callback([&ctx, ne] { RunNextStepEdit(ctx, *ne); });
  auto nd = std::make_shared<std::string>();
  CLI::App* ndel = ns->add_subcommand("delete", "delete a next step");
  ndel->add_option("step", *nd, "its number (see next-step list) or id")->required();
  ndel->callback([&ctx, nd] { RunNextStepDelete(ctx, *nd); });
}

}  // namespace rectify
