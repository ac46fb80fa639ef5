#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// PostgreSQL's own grammar (libpg_query) behind a small interface: statements with their place in the file
// and their parse trees as JSON. The only code that includes pg_query.h.
namespace pgrevise::sql {

// Where a statement or an error sits: byte offset, 1-based line and 1-based column (in bytes), all counted
// in the file the text came from (see `Origin`).
struct Position {
  size_t offset = 0;
  int line = 1;
  int column = 1;
};

// Where the parsed text starts in its file, so that positions point into the file: the offset of its first
// byte and the line it is on. The text is taken to start at the beginning of that line.
struct Origin {
  int first_line = 1;
  size_t base_offset = 0;
};

// One statement: its text (without leading comments and white space, trailing white space and the ';'),
// where that text starts, and its parse tree: one object keyed by the node type, e.g.
// {"IndexStmt": {"idxname": "i", "relation": {...}, "concurrent": true}}, as libpg_query prints it.
struct Statement {
  std::string text;
  Position position;
  nlohmann::json tree;
};

// A text the grammar refused: the server's message and the position it points at.
struct ParseError {
  std::string message;
  Position position;
};

struct ParseResult {
  std::vector<Statement> statements;  // empty when `error` is set
  std::optional<ParseError> error;
};

// A statement's extent in the text, without its parse tree: from `begin` (its first byte that is not a
// comment or white space) to `end` (after its last byte that is not white space, before the ';').
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// Parses `text` as PostgreSQL 15's grammar does (the version is grammar_version()).
ParseResult parse(std::string_view text, Origin origin = {});

// The statements' extents only: cheaper than parse() (no trees). nullopt, with `error` filled when given,
// when the grammar refuses the text.
std::optional<std::vector<Span>> split(std::string_view text, ParseError* error = nullptr,
                                       Origin origin = {});

// The PostgreSQL major version whose grammar the library carries (15).
int grammar_version();

// Positions in one text, for offsets mostly in increasing order (each call counts on from the last).
class LineCounter {
 public:
  LineCounter(std::string_view text, Origin origin);
  Position at(size_t offset);

 private:
  std::string_view text_;
  Origin origin_;
  size_t counted_ = 0;
  int line_;
  size_t line_start_ = 0;
};

// The position of byte `offset` of `text`, counted from `origin`.
Position position_of(std::string_view text, size_t offset, Origin origin = {});

}  // namespace pgrevise::sql
