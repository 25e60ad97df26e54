// `rectify aspect add|list|rename|delete`, `rectify category
// add|list|rename|delete`: the two-level grouping of problems (方面, then
// （一）（二）… categories). `add` finds an existing title or creates it.
#include <memory>
#include <sstream>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"

namespace rectify {

namespace {

struct TitleArgs {
  std::string title, aspect, ref;
  bool new_aspect = false;
};

void RunAspectAdd(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddAspect(a.title, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"title", a.title}});
  *ctx.out << "aspect: " << a.title << " (" << *id << ")\n";
}

void RunCategoryAdd(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddCategory(a.aspect, a.title, ctx.author, a.new_aspect);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"title", a.title}});
  *ctx.out << "category: " << a.title << " (" << *id << ")\n";
}

// Both lists print the same table: aspects, and each one's categories
// indented under it, with their live problem counts.
void RunStructureList(CliContext& ctx, const std::string& only_aspect) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto aspects = (*l)->ListAspects();
  if (!aspects.ok()) return ctx.Fail(aspects.status());
  nlohmann::json j = nlohmann::json::array();
  std::ostringstream text;
  text << "序号 no.\t问题数 problems\t标题 title\n";
  bool found = only_aspect.empty();
  for (const auto& e : *aspects) {
    const AspectInfo& a = e.aspect;
    if (!only_aspect.empty() && a.id != only_aspect && a.title != only_aspect &&
        std::to_string(a.ordinal) != only_aspect)
      continue;
    found = true;
    nlohmann::json cats = nlohmann::json::array();
    text << a.ordinal << "\t" << e.problems << "\t" << a.title << "\n";
    for (size_t i = 0; i < a.categories.size(); ++i) {
      const CategoryInfo& c = a.categories[i];
      cats.push_back({{"id", c.id},
                      {"ordinal", c.ordinal},
                      {"title", c.title},
                      {"problems", e.category_problems[i]}});
      text << "  " << a.ordinal << "." << c.ordinal << "\t" << e.category_problems[i] << "\t"
           << c.title << "\n";
    }
    j.push_back({{"id", a.id},
                 {"ordinal", a.ordinal},
                 {"title", a.title},
                 {"problems", e.problems},
                 {"categories", cats}});
  }
  if (!found) return ctx.Fail("no aspect titled or numbered '" + only_aspect + "'");
  if (ctx.json) return PrintJson(ctx, j);
  *ctx.out << text.str() << j.size() << " aspect(s)\n";
}

void RunAspectRename(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->RenameAspect(a.ref, a.title, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}, {"title", a.title}});
  *ctx.out << "aspect " << a.ref << " renamed to " << a.title << "\n";
}

void RunAspectDelete(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteAspect(a.ref, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "aspect " << a.ref << " deleted\n";
}

void RunCategoryRename(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->RenameCategory(a.aspect, a.ref, a.title, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}, {"title", a.title}});
  *ctx.out << "category " << a.ref << " renamed to " << a.title << "\n";
}

void RunCategoryDelete(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteCategory(a.aspect, a.ref, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "category " << a.ref << " deleted\n";
}

}  // namespace

void AddStructureCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* aspect = app.add_subcommand("aspect", "aspects (方面) of the current inspection");
  aspect->require_subcommand(1);
  auto aa = std::make_shared<TitleArgs>();
  CLI::App* add = aspect->add_subcommand("add", "add an aspect (or find it by title)");
  add->add_option("title", aa->title, "aspect title")->required();
  add->callback([&ctx, aa] { RunAspectAdd(ctx, *aa); });
  aspect->add_subcommand("list", "list the aspects and their categories")->callback([&ctx] {
    RunStructureList(ctx, "");
  });
  auto ar = std::make_shared<TitleArgs>();
  CLI::App* ren = aspect->add_subcommand("rename", "give an aspect a new title");
  ren->add_option("aspect", ar->ref, "aspect title, ordinal or id")->required();
  ren->add_option("title", ar->title, "the new title")->required();
  ren->callback([&ctx, ar] { RunAspectRename(ctx, *ar); });
  auto ad = std::make_shared<TitleArgs>();
  CLI::App* del = aspect->add_subcommand("delete", "delete an aspect that has no problems");
  del->add_option("aspect", ad->ref, "aspect title, ordinal or id")->required();
  del->callback([&ctx, ad] { RunAspectDelete(ctx, *ad); });

  CLI::App* cat = app.add_subcommand("category", "categories (（一）（二）…) within an aspect");
  cat->require_subcommand(1);
  auto ca = std::make_shared<TitleArgs>();
  CLI::App* cadd = cat->add_subcommand("add", "add a category (or find it by title)");
  cadd->add_option("--aspect", ca->aspect, "aspect title, ordinal or id")->required();
  cadd->add_flag("--new-aspect", ca->new_aspect, "create the aspect if no aspect has that title");
  cadd->add_option("title", ca->title, "category title")->required();
  cadd->callback([&ctx, ca] { RunCategoryAdd(ctx, *ca); });
  auto cl = std::make_shared<std::string>();
  CLI::App* clist = cat->add_subcommand("list", "list the categories (of one aspect)");
  clist->add_option("--aspect", *cl, "only this aspect (title, ordinal or id)");
  clist->callback([&ctx, cl] { RunStructureList(ctx, *cl); });
  auto cr = std::make_shared<TitleArgs>();
  CLI::App* cren = cat->add_subcommand("rename", "give a category a new title");
  cren->add_option("--aspect", cr->aspect, "its aspect (title, ordinal or id)")->required();
  cren->add_option("category", cr->ref, "category title, ordinal or id")->required();
  cren->add_option("title", cr->title, "the new title")->required();
  cren->callback([&ctx, cr] { RunCategoryRename(ctx, *cr); });
  auto cd = std::make_shared<TitleArgs>();
  CLI::App* cdel = cat->add_subcommand("delete", "delete a category that has no problems");
  cdel->add_option("--aspect", cd->aspect, "its aspect (title, ordinal or id)")->required();
  cdel->add_option("category", cd->ref, "category title, ordinal or id")->required();
  cdel->callback([&ctx, cd] { RunCategoryDelete(ctx, *cd); });
}

}  // namespace rectify
