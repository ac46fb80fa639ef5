#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::revision {

// One statement of a script, for running statements one by one (non-transactional revisions).
struct Statement {
  std::string sql;    // without the terminating ';', leading comments and surrounding whitespace
  int line = 0;       // line of the statement's first character, counted from `first_line`
  size_t offset = 0;  // byte offset of that character, counted from `base_offset`
};

// Splits a script into statements with PostgreSQL's grammar (sql/parse.h). When the grammar refuses the
// script (a syntax error, or syntax newer than the grammar's version), falls back to split_sql_lexically: the
// server then decides.
std::vector<Statement> split_sql(std::string_view sql, int first_line = 1, size_t base_offset = 0);

// split_sql, and whether the grammar took the script: when it did not, `refused` holds the grammar's
// message with the file line and column it points at.
struct SplitStatements {
  std::vector<Statement> statements;
  struct Refusal {
    std::string message;
    int line = 0;
    int column = 0;
    size_t offset = 0;
  };
  std::optional<Refusal> refused;
};
SplitStatements split_statements(std::string_view sql, int first_line = 1, size_t base_offset = 0);

// Splits a script into statements at top-level semicolons the way psql does: semicolons inside single-quoted
// strings ('' escapes), E'' strings (backslash escapes), double-quoted identifiers, dollar quoting ($$ and
// $tag$), line comments (--), nested block comments (/* /* */ */) and the BEGIN ... END body of a
// CREATE FUNCTION / PROCEDURE (BEGIN ATOMIC) do not split. Statements that hold only whitespace and comments
// are dropped. An unterminated string, identifier, dollar quote or comment runs to the end and is returned as
// the last statement (the server reports it). `first_line` / `base_offset` say where `sql` starts in its
// file, so lines and offsets point into the file (pass Section::first_line and Section::offset).
std::vector<Statement> split_sql_lexically(std::string_view sql, int first_line = 1, size_t base_offset = 0);

// The position of the first character from `pos` that is neither white space nor inside a comment (-- to the
// end of the line, /* */ nested); sql.size() when there is none. For readers that look at a statement's first
// words.
size_t skip_sql_blanks(std::string_view sql, size_t pos);

}  // namespace pgrevise::revision
