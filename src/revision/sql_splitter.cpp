#include "revision/sql_splitter.h"

#include <algorithm>
#include <cctype>

#include "sql/parse.h"
#include "sql/text.h"

namespace pgrevise::revision {

namespace {

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80);
}
bool is_ident_char(char c) {
  return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

bool word_equals(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) return false;
  return true;
}

class Splitter {
 public:
  Splitter(std::string_view sql, int first_line, size_t base_offset)
      : s_(sql), first_line_(first_line), base_offset_(base_offset) {}

  std::vector<Statement> run() {
    while (pos_ < s_.size()) step();
    flush(s_.size());
    return std::move(out_);
  }

 private:
  void step() {
    char c = s_[pos_];
    if (c == '-' && peek(1) == '-') return skip_line_comment();
    if (c == '/' && peek(1) == '*') return skip_block_comment();
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++pos_;
      return;
    }
    mark_start();
    if (c == ';' && begin_depth_ == 0) {
      flush(pos_);
      ++pos_;
      return;
    }
    if (c == '\'') return skip_quoted('\'', pos_ > 0 && is_escape_prefix());
    if (c == '"') return skip_quoted('"', false);
    if (c == '$' && try_dollar_quote()) return;
    if (is_ident_start(c)) return word();
    ++pos_;
  }

  char peek(size_t ahead) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  void mark_start() {
    if (!in_statement_) {
      in_statement_ = true;
      start_ = pos_;
      words_ = 0;
      is_routine_ = false;
      begin_depth_ = 0;
    }
  }

  void flush(size_t end) {
    if (!in_statement_) return;
    size_t stop = end;
    while (stop > start_ && std::isspace(static_cast<unsigned char>(s_[stop - 1]))) --stop;
    Statement st;
    st.sql.assign(s_.substr(start_, stop - start_));
    st.offset = base_offset_ + start_;
    st.line = first_line_ + count_newlines(start_);
    if (!st.sql.empty()) out_.push_back(std::move(st));
    in_statement_ = false;
  }

  int count_newlines(size_t upto) {
    for (; counted_ < upto; ++counted_)
      if (s_[counted_] == '\n') ++lines_;
    return lines_;
  }

  void skip_line_comment() {
    size_t nl = s_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
  }

  void skip_block_comment() {
    int depth = 0;
    while (pos_ < s_.size()) {
      if (s_[pos_] == '/' && peek(1) == '*') {
        ++depth;
        pos_ += 2;
      } else if (s_[pos_] == '*' && peek(1) == '/') {
        pos_ += 2;
        if (--depth == 0) return;
      } else {
        ++pos_;
      }
    }
  }

  // The quote at pos_ opens an E'' string when it directly follows a lone E (not the end of a longer word).
  bool is_escape_prefix() const {
    char e = s_[pos_ - 1];
    if (e != 'E' && e != 'e') return false;
    return pos_ < 2 || !is_ident_char(s_[pos_ - 2]);
  }

  void skip_quoted(char quote, bool backslash_escapes) {
    ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (backslash_escapes && c == '\\') {
        pos_ += 2;
      } else if (c == quote) {
        if (peek(1) == quote) {
          pos_ += 2;
        } else {
          ++pos_;
          return;
        }
      } else {
        ++pos_;
      }
    }
    if (pos_ > s_.size()) pos_ = s_.size();
  }

  // $tag$ ... $tag$ (tag empty or an identifier not starting with a digit); `$1` and `a$b` are not quotes.
  bool try_dollar_quote() {
    if (pos_ > 0 && is_ident_char(s_[pos_ - 1])) return false;
    size_t i = pos_ + 1;
    if (i < s_.size() && s_[i] != '$') {
      if (!is_ident_start(s_[i])) return false;
      while (i < s_.size() && is_ident_char(s_[i]) && s_[i] != '$') ++i;
    }
    if (i >= s_.size() || s_[i] != '$') return false;
    std::string_view tag = s_.substr(pos_, i - pos_ + 1);
    size_t close = s_.find(tag, i + 1);
    pos_ = close == std::string_view::npos ? s_.size() : close + tag.size();
    return true;
  }

  // Keywords matter only for CREATE FUNCTION / PROCEDURE bodies written as BEGIN ATOMIC ... END, whose inner
  // semicolons belong to the body (psql counts BEGIN / CASE against END the same way).
  void word() {
    size_t begin = pos_;
    while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    std::string_view w = s_.substr(begin, pos_ - begin);
    ++words_;
    if (words_ == 1) {
      creating_ = word_equals(w, "create");
      return;
    }
    if (creating_ && words_ <= 4 && (word_equals(w, "function") || word_equals(w, "procedure")))
      is_routine_ = true;
    if (!is_routine_) return;
    if (word_equals(w, "begin")) {
      ++begin_depth_;
    } else if (begin_depth_ > 0 && word_equals(w, "case")) {
      ++begin_depth_;
    } else if (begin_depth_ > 0 && word_equals(w, "end")) {
      --begin_depth_;
    }
  }

  std::string_view s_;
  int first_line_;
  size_t base_offset_;
  size_t pos_ = 0;
  bool in_statement_ = false;
  size_t start_ = 0;
  int words_ = 0;
  bool creating_ = false;
  bool is_routine_ = false;
  int begin_depth_ = 0;
  size_t counted_ = 0;
  int lines_ = 0;
  std::vector<Statement> out_;
};

}  // namespace

std::vector<Statement> split_sql_lexically(std::string_view sql, int first_line, size_t base_offset) {
  return Splitter(sql, first_line, base_offset).run();
}

SplitStatements split_statements(std::string_view sql, int first_line, size_t base_offset) {
  SplitStatements out;
  const sql::Origin origin{first_line, base_offset};
  sql::ParseError error;
  const auto spans = sql::split(sql, &error, origin);
  if (!spans) {
    out.statements = split_sql_lexically(sql, first_line, base_offset);
    out.refused = SplitStatements::Refusal{std::move(error.message), error.position.line,
                                           error.position.column, error.position.offset};
    return out;
  }
  out.statements.reserve(spans->size());
  sql::LineCounter lines(sql, origin);
  for (const auto& span : *spans) {
    const auto at = lines.at(span.begin);
    out.statements.push_back(
        Statement{std::string(sql.substr(span.begin, span.end - span.begin)), at.line, at.offset});
  }
  return out;
}

std::vector<Statement> split_sql(std::string_view sql, int first_line, size_t base_offset) {
  return split_statements(sql, first_line, base_offset).statements;
}

size_t skip_sql_blanks(std::string_view sql, size_t pos) {
  return sql::skip_blanks(sql, pos);
}

}  // namespace pgrevise::revision
