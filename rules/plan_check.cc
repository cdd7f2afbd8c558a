#include "rules/plan_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "rules/notices.h"

namespace jiaoying {

std::string Finding::text() const {
  std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
  return fmt::format("{}: {}: {}", where, severity == Severity::error ? "error" : "warning", message);
}

namespace {

bool uses_seat_b(const Plan& plan) {
  for (const auto& step : plan.ladder)
    if (step.seat != SeatChoice::A && !step.channels.empty()) return true;
  return false;
}

std::set<std::string> channels_of(const Plan& plan) {
  std::set<std::string> out;
  for (const auto& step : plan.ladder) out.insert(step.channels.begin(), step.channels.end());
  if (plan.night) out.insert(plan.night->first.begin(), plan.night->first.end());
  return out;
}

// Areas of a tier in the directory.
std::vector<const Area*> areas_of(const Directory& directory, Tier tier) {
  std::vector<const Area*> out;
  for (const Area* a : directory.all_areas())
    if (a->tier == tier) out.push_back(a);
  return out;
}

}  // namespace

std::vector<Finding> check_plans(const std::vector<Plan>& plans, const Directory& directory,
                                 const std::set<std::string>& template_names) {
  std::vector<Finding> out;
  std::set<std::string> held_roles;
  for (const Post& post : directory.posts()) held_roles.insert(post.role);  // once over the posts: 200,000 at city scale
  for (const Plan& plan : plans) {
    for (const RecipientRule& rule : plan.recipients) {
      for (const std::string& role : rule.roles) {
        if (!held_roles.count(role))
          out.push_back({Finding::Severity::error, plan.file, rule.line,
                         fmt::format("role '{}' is held by nobody in the directory: this rule reaches nobody", role)});
      }
      if (rule.scope == RecipientRule::Scope::neighbours) {
        bool any = false;
        for (const Area* c : areas_of(directory, Tier::county)) any = any || !c->neighbours.empty();
        if (!any)
          out.push_back({Finding::Severity::warning, plan.file, rule.line,
                         "scope: neighbours, but no county of the directory lists neighbours: this rule reaches nobody"});
      }
      if (areas_of(directory, rule.tier).empty())
        out.push_back({Finding::Severity::warning, plan.file, rule.line,
                       fmt::format("the directory has no {} areas", tier_name(rule.tier))});
    }
    std::set<std::string> templated = channels_of(plan);
    if (plan.broadcast) templated.insert("broadcast");
    for (const std::string& channel : templated) {
      for (const char* part : {".title", ".body"})
        if (!template_names.count(channel + part))
          out.push_back({Finding::Severity::error, plan.file, 1,
                         fmt::format("channel '{}' has no template {}{}.mustache", channel, channel, part)});
    }
    for (const LadderStep& step : plan.ladder) {
      if (step.seat != SeatChoice::A && !step.channels.empty()) {
        bool any_b = false;
        for (const RecipientRule& rule : plan.recipients)
          for (const Area* a : areas_of(directory, rule.tier))
            for (const std::string& role : rule.roles) any_b = any_b || directory.holder(a->code, role, Seat::B);
        if (!any_b)
          out.push_back({Finding::Severity::warning, plan.file, step.line,
                         "this step calls the B seat, but no post of this plan has a B holder"});
      }
      if (step.notify == Notify::superior) {
        bool has_parent_tier = false;
        for (const RecipientRule& rule : plan.recipients)
          for (const RecipientRule& up : plan.recipients)
            has_parent_tier = has_parent_tier || static_cast<int>(up.tier) < static_cast<int>(rule.tier);
        if (!has_parent_tier)
          out.push_back({Finding::Severity::warning, plan.file, step.line,
                         "notify: superior needs recipients on two tiers (the superior is the plan's roles "
                         "one tier up); this step will reach nobody"});
      }
    }
  }
  return out;
}

std::vector<Finding> check_directory(const Directory& directory, const std::string& file,
                                     const std::vector<Plan>& plans) {
  std::vector<Finding> out;
  auto line_of = [](const Person& p) { return p.line; };
  for (const Plan& plan : plans) {
    const bool needs_b = uses_seat_b(plan);
    const std::set<std::string> channels = channels_of(plan);
    for (const RecipientRule& rule : plan.recipients) {
      for (const Area* area : areas_of(directory, rule.tier)) {
        for (const std::string& role : rule.roles) {
          const Person* a = directory.holder(area->code, role, Seat::A);
          const Person* b = directory.holder(area->code, role, Seat::B);
          if (!a && !b)
            out.push_back({Finding::Severity::error, file, 0,
                           fmt::format("{} {} {}: post has no holder (plan {})", area->code, area->name, role, plan.name)});
          else if (!a)
            out.push_back({Finding::Severity::error, file, 0,
                           fmt::format("{} {} {}: seat A is empty; the B seat would be called first (plan {})",
                                       area->code, area->name, role, plan.name)});
          else if (needs_b && !b)
            out.push_back({Finding::Severity::warning, file, 0,
                           fmt::format("{} {} {}: no B seat, which plan {} calls when A is silent", area->code,
                                       area->name, role, plan.name)});
          for (const Person* p : {a, b}) {
            if (!p) continue;
            for (const std::string& channel : channels)
              if (!reachable_on(channel, p->zzd_account, p->mobile, p->landline))
                out.push_back({Finding::Severity::error, file, line_of(*p),
                               fmt::format("{} ({}, {} {}) has no contact for channel {} (plan {})", p->name, p->id,
                                           area->name, role, channel, plan.name)});
          }
        }
      }
    }
  }
  // A broadcast rule plays where there are loudspeakers: say, per county, where there are none.
  std::set<Tier> broadcast_tiers;
  for (const Plan& plan : plans)
    if (plan.broadcast) broadcast_tiers.insert(plan.broadcast->tier);
  for (Tier tier : broadcast_tiers) {
    std::map<std::string, std::pair<int, std::vector<std::string>>> by_county;  // all, without
    for (const Area* area : areas_of(directory, tier)) {
      const Area* county = directory.county_of(area->code);
      auto& [all, without] = by_county[county ? county->code : area->code];
      ++all;
      if (area->broadcast.empty()) without.push_back(area->name);
    }
    for (const auto& [county_code, counts] : by_county) {
      const auto& [all, without] = counts;
      if (without.empty()) continue;
      const Area* county = directory.area(county_code);
      std::string some;
      for (size_t i = 0; i < without.size() && i < 3; ++i) some += (i ? "、" : "") + without[i];
      out.push_back({Finding::Severity::warning, file, 0,
                     fmt::format("{} {}: {} of {} {}s have no broadcast endpoint ({}{}): a broadcast rule cannot "
                                 "reach their loudspeakers",
                                 county_code, county ? county->name : "", without.size(), all, tier_name(tier), some,
                                 without.size() > 3 ? "…" : "")});
    }
  }
  // Every exhaustion goes to a duty officer of an area above; a county without one has nobody.
  for (const Area* county : areas_of(directory, Tier::county)) {
    bool found = directory.holder(county->code, "duty_officer", Seat::A) ||
                 directory.holder(county->code, "duty_officer", Seat::B);
    for (const Area* up : directory.ancestors(county->code))
      found = found || directory.holder(up->code, "duty_officer", Seat::A);
    if (!found)
      out.push_back({Finding::Severity::error, file, 0,
                     fmt::format("{} {}: no duty_officer post here or above: exhausted callouts would reach nobody",
                                 county->code, county->name)});
  }
  std::map<std::string, const Person*> by_mobile;
  for (const Person& p : directory.people()) {
    if (p.mobile.empty()) continue;
    auto [it, inserted] = by_mobile.emplace(p.mobile, &p);
    if (!inserted)
      out.push_back({Finding::Severity::warning, file, line_of(p),
                     fmt::format("{} ({}) has the same mobile as {} ({}): the same person twice?", p.name, p.id,
                                 it->second->name, it->second->id)});
  }
  return out;
}

std::vector<Finding> check_notice_templates(const std::set<std::string>& template_names) {
  std::vector<Finding> out;
  for (const NoticeTemplate& n : notice_templates())
    if (!template_names.count(std::string(n.name)))
      out.push_back({Finding::Severity::error, std::string(n.name) + ".mustache", 0,
                     fmt::format("is missing from the templates folder ({}): that text would go out empty", n.what)});
  return out;
}

std::vector<Finding> check_rules(const std::vector<Plan>& plans, const Directory& directory,
                                 const std::string& directory_file, const std::set<std::string>& template_names) {
  std::vector<Finding> out = check_plans(plans, directory, template_names);
  std::vector<Finding> more = check_directory(directory, directory_file, plans);
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  more = check_notice_templates(template_names);
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  std::stable_partition(out.begin(), out.end(), [](const Finding& f) { return f.severity == Finding::Severity::error; });
  return out;
}

int error_count(const std::vector<Finding>& findings) {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(),
                                        [](const Finding& f) { return f.severity == Finding::Severity::error; }));
}

std::string findings_text(const std::vector<Finding>& findings) {
  const int errors = error_count(findings);
  std::string text = fmt::format("{} error(s), {} warning(s)", errors, findings.size() - errors);
  for (const Finding& f : findings) text += "\n" + f.text();
  return text;
}

}  // namespace jiaoying
