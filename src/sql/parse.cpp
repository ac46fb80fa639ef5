#include "sql/parse.h"

#include <pg_query.h>

#include <algorithm>

#include "sql/text.h"

namespace pgrevise::sql {

namespace {

// The byte offset of character `index` (0-based) of UTF-8 `text`.
size_t byte_offset(std::string_view text, size_t index) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (seen++ == index) return i;
  }
  return text.size();
}

// The library reports a position as a 1-based character count into the text (0 when unknown), as the server
// does.
ParseError error_of(const PgQueryError& error, std::string_view text, Origin origin) {
  const size_t offset = error.cursorpos > 0 ? byte_offset(text, static_cast<size_t>(error.cursorpos) - 1) : 0;
  return ParseError{error.message ? error.message : "syntax error", position_of(text, offset, origin)};
}

// A statement of the library's output, [location, location + length) with length 0 for "to the end",
// narrowed to its text.
std::optional<Span> narrow(std::string_view text, size_t location, size_t length) {
  const size_t stop = length == 0 ? text.size() : std::min(text.size(), location + length);
  const size_t begin = skip_blanks(text, std::min(location, text.size()));
  if (begin >= stop) return std::nullopt;
  return Span{begin, trim_end(text, begin, stop)};
}

}  // namespace

LineCounter::LineCounter(std::string_view text, Origin origin)
    : text_(text), origin_(origin), line_(origin.first_line) {}

Position LineCounter::at(size_t offset) {
  offset = std::min(offset, text_.size());
  if (offset < counted_) {  // out of order: count again from the start
    counted_ = 0;
    line_ = origin_.first_line;
    line_start_ = 0;
  }
  for (; counted_ < offset; ++counted_) {
    if (text_[counted_] == '\n') {
      ++line_;
      line_start_ = counted_ + 1;
    }
  }
  return Position{origin_.base_offset + offset, line_, static_cast<int>(offset - line_start_) + 1};
}

Position position_of(std::string_view text, size_t offset, Origin origin) {
  return LineCounter(text, origin).at(offset);
}

int grammar_version() {
  return PG_VERSION_NUM / 10000;
}

ParseResult parse(std::string_view text, Origin origin) {
  ParseResult out;
  const std::string input(text);
  PgQueryParseResult result = pg_query_parse(input.c_str());
  if (result.error) {
    out.error = error_of(*result.error, text, origin);
    pg_query_free_parse_result(result);
    return out;
  }
  nlohmann::json tree = nlohmann::json::parse(result.parse_tree);
  pg_query_free_parse_result(result);
  LineCounter lines(text, origin);
  for (auto& raw : tree["stmts"]) {
    const auto span = narrow(text, raw.value("stmt_location", size_t{0}), raw.value("stmt_len", size_t{0}));
    if (!span) continue;
    out.statements.push_back(Statement{std::string(text.substr(span->begin, span->end - span->begin)),
                                       lines.at(span->begin), std::move(raw["stmt"])});
  }
  return out;
}

std::optional<std::vector<Span>> split(std::string_view text, ParseError* error, Origin origin) {
  const std::string input(text);
  PgQuerySplitResult result = pg_query_split_with_parser(input.c_str());
  if (result.error) {
    if (error) *error = error_of(*result.error, text, origin);
    pg_query_free_split_result(result);
    return std::nullopt;
  }
  std::vector<Span> out;
  out.reserve(static_cast<size_t>(result.n_stmts));
  for (int i = 0; i < result.n_stmts; ++i) {
    const PgQuerySplitStmt& stmt = *result.stmts[i];
    auto span = narrow(text, static_cast<size_t>(stmt.stmt_location), static_cast<size_t>(stmt.stmt_len));
    if (span) out.push_back(*span);
  }
  pg_query_free_split_result(result);
  return out;
}

}  // namespace pgrevise::sql
