// How heavy one EBM is when a warning names many villages: building the EBD XML and signing it
// (SM2/SM3), packing the EBDT tar and the multipart body, and — on the platform's side —
// unpacking, parsing and verifying it. Default 8,000 villages (about 金华市's count); the
// argument sets it. Prints; never fails on time.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "channels/broadcast/broadcast_channel.h"

using namespace jiaoying;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int villages = argc > 1 ? std::atoi(argv[1]) : 8'000;
  const std::string ours = "10433070200000001030101", county = "10433070200000000010101";
  ebd::Sm2Key key = ebd::Sm2Key::generate();
  std::string error;
  auto verifier = ebd::Sm2Key::from_pem(key.public_pem(), error);
  auto county_pub = ebd::Sm2Key::from_pem(ebd::Sm2Key::generate().public_pem(), error);
  BroadcastChannel channel({"http://county/ebd", ours, county, "金华市防汛防台抗旱指挥部", "SN", {}, std::chrono::seconds(5)},
                           std::move(key), std::move(*county_pub), [] { return std::chrono::system_clock::now(); });
  BroadcastOrder order;
  order.broadcast_id = 1;
  order.ebm_id = ours + "202606150001";
  order.hazard = "rainstorm";
  order.level = Level::red;
  order.title = "金华市暴雨红色预警";
  std::string once = "各位村民请注意：金华市暴雨红色预警。未来3小时雨量将达100毫米以上。请远离河道、山塘、低洼地带和山体边坡，听从村干部安排，需要转移的立即转移。";
  order.text = once + "\n" + once + "\n" + once;
  for (int i = 0; i < villages; ++i)
    order.area_codes.push_back(fmt::format("3307{:02}{:03}{:03}", 1 + i / 100000 % 99, 100 + i / 200 % 900, 200 + i % 200));

  const int rounds = 20;
  auto t0 = std::chrono::steady_clock::now();
  ebd::Package p;
  for (int i = 0; i < rounds; ++i) p = channel.package(order);
  const double seal_ms = ms_since(t0) / rounds;
  t0 = std::chrono::steady_clock::now();
  std::string tar;
  for (int i = 0; i < rounds; ++i) tar = ebd::pack(p);
  const double pack_ms = ms_since(t0) / rounds;
  ebd::Multipart form = ebd::multipart_file("file", "EBDT.tar", tar);
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    auto file = ebd::multipart_field(form.content_type, form.body, "file", error);
    auto opened = ebd::open(*file, *verifier, error);
    if (!opened || !opened->signature_ok) {
      fmt::print("the package did not open: {}\n", error);
      return 1;
    }
  }
  const double open_ms = ms_since(t0) / rounds;
  fmt::print("one EBM naming {} villages (text played 3 times, {} bytes)\n", villages, order.text.size());
  fmt::print("  EBDB XML {:.1f} KB, signature file {} B, EBDT tar {:.1f} KB, multipart body {:.1f} KB\n",
             p.ebdb.size() / 1024.0, p.ebds.size(), tar.size() / 1024.0, form.body.size() / 1024.0);
  fmt::print("  build XML + SM3 digest + SM2 sign   {:8.2f} ms\n", seal_ms);
  fmt::print("  pack the tar (libarchive, memory)   {:8.2f} ms\n", pack_ms);
  fmt::print("  platform side: multipart, untar, parse, verify {:8.2f} ms\n", open_ms);
  return 0;
}
