// What the shipped templates say, rendered by the engine as a duty room would receive them:
// words for roles, senders and times, and each hazard family's own call and loudspeaker text.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "daemon/engine_fixture.h"
#include "text_edit.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kFirePlan = R"(plan: forest-fire
match: { hazards: [forest_fire] }
recipients:
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder:
  - { after: 0m, channels: [zzd, ivr] }
deadline: 30m
broadcast: { tier: village }
)";

// The fixture with the shipped templates and the zzd, ivr and broadcast channels.
struct ShippedWords : EngineFixture {
  explicit ShippedWords(const std::string& plan_yaml) {
    channel_names = {"zzd", "ivr", "broadcast"};
    broadcast_ebrid = "10133070200000000000";
    LoadErrors errors;
    directory = std::make_shared<const Directory>(*Directory::load_string(  // 岩头村 has loudspeakers
        replaced(kTestDirectory, R"(parent: "330702102", synthetic: true })",
                 R"(parent: "330702102", synthetic: true, broadcast: ["EB330702102201-01"] })"),
        "dir.yaml", errors));
    plans = {*load_plan(plan_yaml, "plan.yaml", channel_names, errors)};
    templates = std::make_shared<const TemplateRenderer>(
        *TemplateRenderer::load((std::filesystem::path(JIAOYING_SOURCE_DIR) / "templates").string(), errors));
    REQUIRE(errors.empty());
    restart();
  }
  // Every message queued, oldest first: "channel: title / body".
  std::vector<std::string> texts() {
    std::vector<std::string> out;
    for (const auto& [callout, m] : messages_anywhere()) out.push_back(m.channel + ": " + m.title + " / " + m.body);
    return out;
  }
  // What the loudspeakers were given to say (the first EBM).
  std::string broadcast_body() {
    for (int64_t w : made)
      for (const BroadcastRow& b : kept().broadcasts_of(w, false)) return b.body;
    return {};
  }
};

bool any_has(const std::vector<std::string>& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("a forest-fire call speaks for the forest-fire duty room, and the loudspeakers say what fire asks") {
  on_both_stores_of<ShippedWords>([](ShippedWords& f) {
    Warning w = f.warning();
    w.hazard = "forest_fire";
    w.source = "forestry";
    w.headline = "森林火险红色预警";
    f.ingest(w);
    const auto texts = f.texts();
    CHECK(any_has(texts, "ivr: "));
    CHECK(any_has(texts, "这里是森林防火叫应值班室"));
    CHECK_FALSE(any_has(texts, "防汛"));
    CHECK(any_has(texts, "您的岗位：安地镇 乡镇长（A岗）"));
    CHECK(any_has(texts, "发布单位：林业部门，6月15日 02:00"));  // no senderName: the agency in words
    CHECK_FALSE(any_has(texts, "township_head"));
    CHECK_FALSE(any_has(texts, "+08:00"));
    CHECK(f.broadcast_body().find("严禁野外用火") != std::string::npos);
    CHECK(f.broadcast_body().find("河道") == std::string::npos);
  }, std::string(kFirePlan));
}

TEST_CASE("a plan may choose another family's words; the sender is named as it names itself") {
  on_both_stores_of<ShippedWords>([](ShippedWords& f) {
    Warning w = f.warning();
    w.hazard = "forest_fire";
    w.sender_name = "义乌市林业局";
    f.ingest(w);
    const auto texts = f.texts();
    CHECK(any_has(texts, "这里是防汛叫应值班室"));
    CHECK(any_has(texts, "发布单位：义乌市林业局，6月15日 02:00"));
    CHECK(f.broadcast_body().find("河道") != std::string::npos);
  }, std::string(kFirePlan) + "templates: flood\n");
}

TEST_CASE("a plan naming a family that does not exist is refused with the names it may use") {
  LoadErrors errors;
  CHECK_FALSE(load_plan(std::string(kFirePlan) + "templates: fire\n", "plan.yaml", {"zzd", "ivr", "broadcast"}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "plan.yaml:10: templates 'fire' must be a hazard family: flood, wind, geological, "
                            "forest-fire, safety, weather");
}
