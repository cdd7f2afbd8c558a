#include "cli/warning_check.h"

#include "rules/warning_reader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/plan_commands.h"
#include "rules/cap.h"

namespace jiaoying {
namespace {

// Reads at most `limit` + 1 bytes, so an oversized file is reported, not slurped.
bool read_file(const std::string& path, size_t limit, std::string& out, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "is a directory, not a warning file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot be read: " + std::string(std::strerror(errno));
    return false;
  }
  out.resize(limit + 1);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    error = "cannot be read: " + std::string(std::strerror(errno));
    return false;
  }
  if (out.size() > limit) {
    error = fmt::format("is larger than {} bytes; no warning is that large", limit);
    return false;
  }
  return true;
}

std::string capitalised(std::string_view name) {
  std::string s(name);
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string status_line(WarningStatus status) {
  switch (status) {
    case WarningStatus::actual: return "Actual (实际) — a real warning";
    case WarningStatus::exercise: return "Exercise (演练) — a drill, not a real warning";
    case WarningStatus::system: return "System — between systems, not a warning";
    case WarningStatus::test: return "Test (测试) — a test, not a real warning";
    case WarningStatus::draft: return "Draft — not to be acted on";
  }
  return "unknown";
}

void row(std::string& out, std::string_view label, std::string_view value) {
  out += fmt::format("  {:<11} {}\n", label, value);
}

}  // namespace

std::string describe_warning(const Warning& w) {
  std::string out;
  row(out, "identifier", w.identifier);
  row(out, "sender", w.sender);
  row(out, "sent", format_china_time(w.sent));
  row(out, "status", status_line(w.status));
  row(out, "msgType", capitalised(msg_type_name(w.msg_type)));
  if (w.has_info) {
    const HazardInfo* h = find_hazard(w.hazard);
    row(out, "hazard", fmt::format("{} {}", h ? h->zh : "", w.hazard));
    row(out, "level", fmt::format("{} {}", level_zh(w.level), level_name(w.level)));
    std::string event = w.event;
    if (!w.event_code.empty()) event += (event.empty() ? "" : " ") + ("(" + w.event_code + ")");
    if (!event.empty()) row(out, "event", event);
    row(out, "source", w.source);
    std::string areas;
    for (const auto& a : w.areas) areas += (areas.empty() ? "" : " ") + a;
    row(out, "areas", areas.empty() ? "—" : areas);
    if (!w.polygons.empty() || !w.circles.empty())
      row(out, "geometry",
          fmt::format("{} polygon(s), {} circle(s)", w.polygons.size(), w.circles.size()));
  } else {
    row(out, "hazard",
        "— (no event: " +
            std::string(w.msg_type == MsgType::cancel ? "it ends the warnings it references"
                                                      : "nothing to call out") +
            ")");
  }
  for (size_t i = 0; i < w.references.size(); ++i) {
    const auto& r = w.references[i];
    row(out, i == 0 ? "references" : "",
        r.sender + "," + r.identifier + "," + format_china_time(r.sent));
  }
  if (w.effective) row(out, "effective", format_china_time(*w.effective));
  if (w.onset) row(out, "onset", format_china_time(*w.onset));
  if (w.expires) row(out, "expires", format_china_time(*w.expires));
  if (!w.headline.empty()) row(out, "headline", w.headline);
  if (!w.language.empty()) row(out, "language", w.language);
  // The other info blocks: other languages' words, or blocks of this language merged into it
  // (their areas are among the areas above; the warning takes the most severe one's level).
  for (size_t i = 0; i < w.other_infos.size(); ++i) {
    const auto& t = w.other_infos[i];
    const bool merged = t.language == w.language;
    row(out, i == 0 ? "other infos" : "",
        fmt::format("{}{} {}", t.language.empty() ? "(unstated)" : t.language, merged ? " (merged: same hazard)" : "",
                    t.headline.empty() ? t.event : t.headline));
  }
  if (!w.signature_xml.empty()) row(out, "signature", "present, kept verbatim (--verify CERT checks it)");
  return out;
}

int run_warning_check(const std::vector<std::string>& files, bool json, std::ostream& out,
                      std::ostream& err, const Directory* directory, const std::vector<TrustedSigner>* verify) {
  int status = 0;
  for (const auto& file : files) {
    std::string bytes, error;
    if (!read_file(file, kMaxCapBytes, bytes, error)) {
      err << file << ": error: " << error << '\n';
      status = 1;
      continue;
    }
    WarningParse parsed = parse_warning_bytes(bytes);
    if (!parsed.warning) {
      err << file << ": error: " << parsed.error.text() << '\n';
      status = 1;
      continue;
    }
    std::string areas_line;
    if (verify) {
      const SignatureCheck check = first_sign(bytes) == '<' ? verify_cap_signature(bytes, *verify)
                                                             : SignatureCheck{false, "a JSON warning carries no XML signature"};
      if (!check.ok) {
        err << file << ": error: signature: " << check.detail << '\n';
        status = 1;
        continue;
      }
      areas_line += fmt::format("  {:<11} {}\n", "verified", check.detail);
    }
    if (directory) {
      std::string refusal;
      const AreaSplit split = split_warning_areas(*parsed.warning, *directory, refusal);
      if (!refusal.empty()) {
        err << file << ": error: " << refusal << '\n';
        status = 1;
        continue;
      }
      std::string ours, not_ours;
      for (const auto& code : split.ours)
        ours += fmt::format("{}{} {}", ours.empty() ? "" : ", ", code, directory->area(code)->name);
      for (const auto& code : split.not_ours) not_ours += (not_ours.empty() ? "" : " ") + code;
      areas_line += fmt::format("  {:<11} {}\n", "called out", ours.empty() ? "— (by its geometry)" : ours);
      if (!not_ours.empty()) areas_line += fmt::format("  {:<11} {} (another county's to call)\n", "not ours", not_ours);
    }
    if (json) {
      out << warning_to_json(*parsed.warning) << '\n';
    } else {
      out << file << ": ok (" << (first_sign(bytes) == '<' ? "CAP 1.2" : "JSON") << ")\n"
          << describe_warning(*parsed.warning) << areas_line;
    }
  }
  return status;
}

int run_warning_check(const std::vector<std::string>& files, bool json, const Directory* directory,
                      const std::vector<TrustedSigner>* verify) {
  return run_warning_check(files, json, std::cout, std::cerr, directory, verify);
}

}  // namespace jiaoying
