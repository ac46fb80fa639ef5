#include "common/redact.h"

#include <mutex>
#include <regex>
#include <set>

namespace pgrevise {

namespace {

std::mutex& secrets_mutex() {
  static std::mutex mu;
  return mu;
}

std::set<std::string, std::greater<>>& secrets() {
  // Longest first so that a secret containing another is masked whole.
  static std::set<std::string, std::greater<>> values;
  return values;
}

std::string mask_registered(std::string text) {
  std::lock_guard lock(secrets_mutex());
  for (const auto& secret : secrets()) {
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

}  // namespace

void register_secret(std::string_view secret) {
  // Very short values would mask ordinary words; a real password is longer than three characters.
  if (secret.size() < 4) return;
  std::lock_guard lock(secrets_mutex());
  secrets().emplace(secret);
}

std::string redact_connection_string(std::string_view conn) {
  static const std::regex url_password(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)([^@\s]*)(@))");
  static const std::regex keyword_password(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+))",
                                           std::regex::icase);
  std::string out = std::regex_replace(std::string(conn), url_password, "$1" + std::string(kRedacted) + "$3");
  out = std::regex_replace(out, keyword_password, "$1" + std::string(kRedacted));
  return out;
}

std::string redact(std::string_view text) {
  return mask_registered(redact_connection_string(text));
}

}  // namespace pgrevise
