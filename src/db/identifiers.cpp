#include "db/identifiers.h"

namespace pgrevise::db {

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string quote_literal(std::string_view text) {
  const bool has_backslash = text.find('\\') != std::string_view::npos;
  std::string out;
  out.reserve(text.size() + 3);
  if (has_backslash) out += 'E';
  out += '\'';
  for (char ch : text) {
    if (ch == '\'') out += '\'';
    if (ch == '\\') out += '\\';
    out += ch;
  }
  out += '\'';
  return out;
}

std::string dollar_quote(std::string_view body) {
  std::string tag = "$pgrevise$";
  for (int i = 0; body.find(tag) != std::string_view::npos; ++i) tag = "$pgrevise" + std::to_string(i) + "$";
  return tag + std::string(body) + tag;
}

}  // namespace pgrevise::db
