#include <doctest/doctest.h>

#include "channels/template_renderer.h"

using namespace jiaoying;

TEST_CASE("templates render values without HTML escaping, and an empty value is a false section") {
  LoadErrors errors;
  auto r = TemplateRenderer::from_strings({{"t", "{{#repeat}}【第{{attempt}}次】{{/repeat}}{{headline}}\n"}}, errors);
  REQUIRE(r);
  CHECK(r->render("t", {{"headline", "暴雨 <红色> & 预警"}, {"repeat", ""}, {"attempt", "1"}}) ==
        "暴雨 <红色> & 预警");
  CHECK(r->render("t", {{"headline", "暴雨"}, {"repeat", "yes"}, {"attempt", "2"}}) == "【第2次】暴雨");
}

TEST_CASE("a template that does not parse is refused with its name") {
  LoadErrors errors;
  CHECK_FALSE(TemplateRenderer::from_strings({{"zzd.body", "{{#open}} never closed"}}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "zzd.body.mustache");
}

TEST_CASE("the shipped templates parse") {
  LoadErrors errors;
  auto r = TemplateRenderer::load(JIAOYING_SOURCE_DIR "/templates", errors);
  REQUIRE_MESSAGE(r, (errors.empty() ? "" : errors[0].text()));
  CHECK(r->has("zzd.title"));
  CHECK(r->has("zzd.body"));
}
