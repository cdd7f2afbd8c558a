#include "channels/sms/aliyun_sms.h"

#include <boost/json.hpp>

namespace jiaoying::sms {

namespace json = boost::json;

size_t characters(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8)
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes, not continuation bytes
  return n;
}

int segments(std::string_view sign_name, std::string_view text) {
  const size_t n = characters(sign_name) + 2 + characters(text);  // 【】 around the signature
  if (n <= 70) return 1;
  return static_cast<int>((n + 66) / 67);
}

namespace {

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return {};
}

std::optional<json::array> parse_array(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_array()) return std::nullopt;
  for (const auto& e : v.as_array())
    if (!e.is_object()) return std::nullopt;
  return v.as_array();
}

}  // namespace

std::optional<Answer> parse_answer(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  Answer a{str(o, "Code"), str(o, "Message"), str(o, "BizId"), str(o, "RequestId")};
  if (a.code.empty()) return std::nullopt;
  return a;
}

std::string answer_json(const Answer& a) {
  json::object o{{"Code", a.code}, {"Message", a.message}, {"RequestId", a.request_id}};
  if (!a.biz_id.empty()) o["BizId"] = a.biz_id;
  return json::serialize(o);
}

bool is_mainland_mobile(std::string_view number) {
  return number.size() == 11 && number[0] == '1' && number.find_first_not_of("0123456789") == std::string_view::npos;
}

bool is_throttled(std::string_view code) { return code == kThrottled; }

bool is_temporary(std::string_view code) {
  return code == "isv.BUSINESS_LIMIT_CONTROL" || code == "Throttling.User" || code == "isp.SYSTEM_ERROR" ||
         code == "isv.DAY_LIMIT_CONTROL";
}

std::optional<std::vector<DeliveryReport>> parse_delivery_reports(std::string_view body) {
  auto array = parse_array(body);
  if (!array) return std::nullopt;
  std::vector<DeliveryReport> out;
  for (const auto& e : *array) {
    const json::object& o = e.as_object();
    DeliveryReport r;
    r.phone_number = str(o, "phone_number");
    const json::value* success = o.if_contains("success");
    r.success = success && success->is_bool() && success->as_bool();
    r.err_code = str(o, "err_code");
    r.err_msg = str(o, "err_msg");
    r.biz_id = str(o, "biz_id");
    r.out_id = str(o, "out_id");
    r.report_time = str(o, "report_time");
    if (r.phone_number.empty() || !success || !success->is_bool()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

std::string delivery_reports_json(const std::vector<DeliveryReport>& reports) {
  json::array a;
  for (const auto& r : reports)
    a.push_back(json::object{{"phone_number", r.phone_number}, {"success", r.success}, {"err_code", r.err_code},
                             {"err_msg", r.err_msg}, {"biz_id", r.biz_id}, {"out_id", r.out_id},
                             {"report_time", r.report_time}, {"sms_size", "1"}});
  return json::serialize(a);
}

std::optional<std::vector<Reply>> parse_replies(std::string_view body) {
  auto array = parse_array(body);
  if (!array) return std::nullopt;
  std::vector<Reply> out;
  for (const auto& e : *array) {
    const json::object& o = e.as_object();
    Reply r{str(o, "phone_number"), str(o, "content"), str(o, "send_time"), str(o, "dest_code"),
            str(o, "sequence_id")};
    if (r.phone_number.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

std::string replies_json(const std::vector<Reply>& replies) {
  json::array a;
  for (const auto& r : replies)
    a.push_back(json::object{{"phone_number", r.phone_number}, {"content", r.content}, {"send_time", r.send_time},
                             {"dest_code", r.dest_code}, {"sequence_id", r.sequence_id}});
  return json::serialize(a);
}

std::string push_ack() { return R"({"code":0,"msg":"接收成功"})"; }

std::optional<int> reply_code_of(std::string_view content) {
  size_t i = 0;
  while (i < content.size() && (content[i] == ' ' || content[i] == '\t')) ++i;
  int code = 0, digits = 0;
  while (i < content.size() && content[i] >= '0' && content[i] <= '9' && digits < 4) {
    code = code * 10 + (content[i] - '0');
    ++i, ++digits;
  }
  if (digits == 0 || digits == 4 || code == 0) return std::nullopt;  // "0", or a long number: not a code
  return code;
}

bool is_bare_receipt(std::string_view content) {
  std::string t;
  for (char c : content)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '.' && c != '!') t += c;
  for (std::string_view word : {"收到", "收", "已收到", "收到了", "好", "好的", "ok", "OK", "Ok", "收到。", "收到！"})
    if (t == word) return true;
  return false;
}

}  // namespace jiaoying::sms
