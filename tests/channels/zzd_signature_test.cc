#include <doctest/doctest.h>

#include "channels/zzd/open_platform.h"
#include "channels/zzd/signature.h"

using namespace jiaoying;

namespace {

// The known-answer vector of docs/protocols/zzd.md.
const FormParams kParams{
    {"tenantId", "196729"},
    {"receiverIds", "1001,1002"},
    {"bizMsgId", "w42-p1001-s0-a1"},
    {"msg", R"({"msgtype":"text","text":{"content":"暴雨红色预警"}})"},
};
const char* kTimestamp = "2026-06-15T02:05:00.000+08:00";
const char* kNonce = "17814000000001234";

}  // namespace

TEST_CASE("the string to sign sorts parameters by key and does not URL-encode values") {
  CHECK(zzd::string_to_sign("POST", kTimestamp, kNonce, "/message/workNotification", kParams) ==
        "POST\n2026-06-15T02:05:00.000+08:00\n17814000000001234\n/message/workNotification\n"
        "bizMsgId=w42-p1001-s0-a1&msg={\"msgtype\":\"text\",\"text\":{\"content\":\"暴雨红色预警\"}}"
        "&receiverIds=1001,1002&tenantId=196729");
}

TEST_CASE("the signature matches the known-answer vector") {
  std::string text = zzd::string_to_sign("POST", kTimestamp, kNonce, "/message/workNotification", kParams);
  CHECK(zzd::hmac_sha256_base64("test-secret-key", text) == "cWK39Y8nAsHE3GzxWHxULERMVsAIAE0lo2KVNsOVarU=");
}

TEST_CASE("keys sort without regard to case, empty values are dropped, no parameters add no line") {
  FormParams params{{"b", "2"}, {"A", "1"}, {"c", ""}};
  CHECK(zzd::string_to_sign("GET", "t", "n", "/p", params) == "GET\nt\nn\n/p\nA=1&b=2");
  CHECK(zzd::string_to_sign("GET", "t", "n", "/p", {}) == "GET\nt\nn\n/p");
}

TEST_CASE("a signed request carries the signature headers and a form body") {
  HttpRequest req = zzd::make_signed_post("http://127.0.0.1:9", "/message/workNotification", kParams,
                                          {"key", "test-secret-key"}, kTimestamp, kNonce);
  CHECK(req.url == "http://127.0.0.1:9/message/workNotification");
  bool signed_ok = false;
  for (const auto& [name, value] : req.headers)
    if (name == "X-Hmac-Auth-Signature") signed_ok = value == "cWK39Y8nAsHE3GzxWHxULERMVsAIAE0lo2KVNsOVarU=";
  CHECK(signed_ok);
  FormParams decoded;
  REQUIRE(form_decode(req.body, decoded));
  CHECK(decoded == kParams);
}

TEST_CASE("timestamps are written in China time with milliseconds") {
  auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'781'460'300'123));
  CHECK(zzd::format_timestamp(t) == "2026-06-15T02:05:00.123+08:00");
}

TEST_CASE("the envelope tells success, the message id and error codes apart") {
  auto ok = zzd::parse_envelope(zzd::success_envelope("r1", "msg-1"));
  REQUIRE(ok);
  CHECK(ok->success);
  CHECK(ok->data == "msg-1");
  auto dup = zzd::parse_envelope(zzd::error_envelope("r2", zzd::kErrorDuplicateBizMsgId, "used"));
  REQUIRE(dup);
  CHECK_FALSE(dup->success);
  CHECK(dup->code == zzd::kErrorDuplicateBizMsgId);
  auto inner = zzd::parse_envelope(
      R"({"success":true,"content":{"success":false,"responseCode":"143105","responseMessage":"daily limit"}})");
  REQUIRE(inner);
  CHECK_FALSE(inner->success);
  CHECK(inner->code == "143105");
  CHECK_FALSE(zzd::parse_envelope("<html>bad gateway</html>"));
}
