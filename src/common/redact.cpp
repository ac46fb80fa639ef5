#include "common/redact.h"

#include <algorithm>
#include <cctype>
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

namespace {

// The end of the dollar quote opened at sql[start] ('$'), or npos when sql[start] opens none.
size_t dollar_tag_end(std::string_view sql, size_t start) {
  size_t i = start + 1;
  while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) != 0 || sql[i] == '_' ||
                            static_cast<unsigned char>(sql[i]) >= 0x80)) {
    ++i;
  }
  if (i >= sql.size() || sql[i] != '$') return std::string_view::npos;
  if (i > start + 1 && std::isdigit(static_cast<unsigned char>(sql[start + 1])) != 0)
    return std::string_view::npos;  // $1 is a parameter, not a tag
  return i + 1;
}

// The end (one past the closing quote) of the quoted literal opening at sql[start] ('\''); backslash escapes
// count in an E'' string.
size_t quoted_end(std::string_view sql, size_t start, bool backslashes) {
  for (size_t i = start + 1; i < sql.size(); ++i) {
    if (backslashes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == '\'') {
      if (i + 1 < sql.size() && sql[i + 1] == '\'') {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

std::string mask_sql_literals(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const bool word_before = i > 0 && (std::isalnum(static_cast<unsigned char>(sql[i - 1])) != 0 ||
                                       sql[i - 1] == '_' || sql[i - 1] == '"');
    if (c == '"') {  // a quoted identifier stays as it is
      const size_t end = std::min(sql.find('"', i + 1), sql.size() - 1) + 1;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '\'') {
      const bool e_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      out += "'...'";
      i = quoted_end(sql, i, e_string);
    } else if (c == '$' && !word_before && dollar_tag_end(sql, i) != std::string_view::npos) {
      const size_t body = dollar_tag_end(sql, i);
      const std::string_view tag = sql.substr(i, body - i);
      const size_t close = sql.find(tag, body);
      out.append(tag).append("...").append(tag);
      i = close == std::string_view::npos ? sql.size() : close + tag.size();
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // a comment may quote a value too
      const size_t end = std::min(sql.find('\n', i), sql.size());
      out += "--";
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string redact_sql(std::string_view sql) {
  return redact(mask_sql_literals(sql));
}

std::string redact(std::string_view text) {
  return mask_registered(redact_connection_string(text));
}

}  // namespace pgrevise
