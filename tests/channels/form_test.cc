#include <doctest/doctest.h>

#include "channels/form.h"

using namespace jiaoying;

TEST_CASE("form bodies round-trip Chinese text, JSON and reserved characters") {
  FormParams params{{"msg", R"({"a":"暴雨 & 100%"})"}, {"ids", "1,2"}, {"plus", "a+b"}};
  std::string body = form_encode(params);
  CHECK(body.find(' ') == std::string::npos);
  CHECK(body.find('+') == std::string::npos);
  FormParams back;
  REQUIRE(form_decode(body, back));
  CHECK(back == params);
}

TEST_CASE("'+' decodes as a space and a broken escape is refused") {
  FormParams out;
  REQUIRE(form_decode("a=x+y&b=%E6%9A%B4", out));
  CHECK(form_get(out, "a") == "x y");
  CHECK(form_get(out, "b") == "暴");
  CHECK_FALSE(form_decode("a=%E", out));
  CHECK_FALSE(form_decode("a=%ZZ", out));
}
