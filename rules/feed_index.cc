#include "rules/feed_index.h"

#include <pugixml.hpp>

namespace jiaoying {

namespace {

std::string_view local_name(const char* qualified) {
  std::string_view n(qualified);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node c : parent.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

std::string resolve(std::string_view link, std::string_view base_url) {
  if (link.starts_with("http://") || link.starts_with("https://")) return std::string(link);
  auto scheme = base_url.find("://");
  if (scheme == std::string_view::npos) return std::string(link);
  if (link.starts_with('/')) {
    auto path = base_url.find('/', scheme + 3);
    return std::string(base_url.substr(0, path)) + std::string(link);
  }
  auto last = base_url.rfind('/');
  return std::string(base_url.substr(0, last + 1)) + std::string(link);
}

}  // namespace

FeedIndex parse_feed_index(std::string_view body, std::string_view base_url) {
  FeedIndex out;
  if (body.find("<!DOCTYPE") != std::string_view::npos || body.find("<!ENTITY") != std::string_view::npos) {
    out.error = "a DOCTYPE or ENTITY declaration is refused";
    return out;
  }
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    out.error = std::string("not well-formed XML: ") + parsed.description();
    return out;
  }
  pugi::xml_node root = doc.document_element();
  std::string_view name = local_name(root.name());
  if (name == "alert") {
    out.kind = FeedIndex::Kind::single_alert;
    return out;
  }
  if (name == "feed") {
    for (pugi::xml_node entry : root.children()) {
      if (entry.type() != pugi::node_element || local_name(entry.name()) != "entry") continue;
      std::string href;
      for (pugi::xml_node link : entry.children()) {
        if (link.type() != pugi::node_element || local_name(link.name()) != "link") continue;
        std::string rel = link.attribute("rel").as_string("alternate");
        if (href.empty() || rel == "alternate") href = link.attribute("href").as_string();
        if (rel == "alternate") break;
      }
      if (!href.empty()) out.links.push_back(resolve(href, base_url));
    }
    out.kind = FeedIndex::Kind::index;
    return out;
  }
  if (name == "rss") {
    for (pugi::xml_node item : child(root, "channel").children()) {
      if (item.type() != pugi::node_element || local_name(item.name()) != "item") continue;
      std::string link = child(item, "link").text().as_string();
      if (!link.empty()) out.links.push_back(resolve(link, base_url));
    }
    out.kind = FeedIndex::Kind::index;
    return out;
  }
  out.error = "the root element <" + std::string(root.name()) + "> is not an Atom feed, an RSS feed or a CAP alert";
  return out;
}

}  // namespace jiaoying
