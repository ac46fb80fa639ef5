#include "common/database_url.h"

#include <cctype>

#include "common/error.h"
#include "common/strings.h"

namespace pgrevise {

namespace {

// The scheme of `scheme://…` (RFC 3986: a letter, then letters, digits, '+', '-' or '.'), or empty when the
// text is not a URL. Keyword/value settings start with a keyword and '=', so they never match.
std::string_view url_scheme(std::string_view text) {
  const size_t end = text.find("://");
  if (end == std::string_view::npos || end == 0 || !std::isalpha(static_cast<unsigned char>(text[0])))
    return {};
  for (char c : text.substr(0, end)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return text.substr(0, end);
}

bool is_postgres_dialect(std::string_view dialect) {
  return dialect == "postgresql" || dialect == "postgres";
}

}  // namespace

std::optional<std::string> url_scheme_problem(std::string_view text) {
  const std::string scheme(url_scheme(text));
  if (scheme.empty()) return std::nullopt;
  const std::string lower = to_lower(scheme);
  const size_t plus = lower.find('+');
  if (is_postgres_dialect(lower.substr(0, plus)) && (plus == std::string::npos || plus + 1 < lower.size()))
    return std::nullopt;
  return "unsupported URL scheme '" + scheme +
         "': pgrevise connects to PostgreSQL only (postgresql://, postgres:// or SQLAlchemy's "
         "postgresql+DRIVER://)";
}

std::string libpq_connection_text(std::string_view text, std::string_view source) {
  if (auto problem = url_scheme_problem(text)) throw_bad_input(std::string(source) + ": " + *problem);
  const std::string_view scheme = url_scheme(text);
  if (scheme.empty()) return std::string(text);
  return "postgresql" + std::string(text.substr(scheme.size()));
}

}  // namespace pgrevise
