#include "runner/index_scope.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "revision/sql_splitter.h"

namespace pgrevise::runner {

namespace {

// A word, a quoted identifier or one character of punctuation at the start of a statement.
struct Token {
  std::string text;     // words folded to lower case; quoted identifiers without their quotes
  bool quoted = false;  // a quoted identifier, never a keyword
};

bool is_word_start(unsigned char ch) {
  return std::isalpha(ch) != 0 || ch == '_' || ch >= 0x80;
}

bool is_word_part(unsigned char ch) {
  return is_word_start(ch) || std::isdigit(ch) != 0 || ch == '$';
}

// The statement's first tokens: enough for the clauses before the table name of CREATE INDEX and REINDEX.
std::vector<Token> leading_tokens(std::string_view sql, size_t limit) {
  std::vector<Token> tokens;
  size_t at = revision::skip_sql_blanks(sql, 0);
  while (at < sql.size() && tokens.size() < limit) {
    const auto ch = static_cast<unsigned char>(sql[at]);
    Token token;
    if (ch == '"') {
      token.quoted = true;
      for (++at; at < sql.size(); ++at) {
        if (sql[at] != '"') {
          token.text += sql[at];
        } else if (at + 1 < sql.size() && sql[at + 1] == '"') {
          token.text += '"';
          ++at;
        } else {
          ++at;
          break;
        }
      }
    } else if (is_word_start(ch)) {
      for (; at < sql.size() && is_word_part(static_cast<unsigned char>(sql[at])); ++at) {
        token.text += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[at])));
      }
    } else {
      token.text = sql[at++];
    }
    tokens.push_back(std::move(token));
    at = revision::skip_sql_blanks(sql, at);
  }
  return tokens;
}

class Reader {
 public:
  explicit Reader(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  bool keyword(std::string_view word) {
    if (at_ >= tokens_.size() || tokens_[at_].quoted || tokens_[at_].text != word) return false;
    ++at_;
    return true;
  }
  bool keywords(std::initializer_list<std::string_view> words) {
    const size_t start = at_;
    for (auto word : words) {
      if (!keyword(word)) {
        at_ = start;
        return false;
      }
    }
    return true;
  }
  // An identifier that is not one of the keywords that may stand where it is optional.
  std::optional<std::string> name(std::initializer_list<std::string_view> not_these = {}) {
    if (at_ >= tokens_.size()) return std::nullopt;
    const Token& t = tokens_[at_];
    if (!t.quoted && (!is_word_start(static_cast<unsigned char>(t.text[0])) ||
                      std::find(not_these.begin(), not_these.end(), t.text) != not_these.end())) {
      return std::nullopt;
    }
    ++at_;
    return t.text;
  }
  // [catalog.][schema.]name
  std::optional<RelationRef> relation() {
    std::vector<std::string> parts;
    for (auto part = name(); part; part = keyword(".") ? name() : std::nullopt) parts.push_back(*part);
    if (parts.empty()) return std::nullopt;
    return RelationRef{parts.size() > 1 ? parts[parts.size() - 2] : "", parts.back()};
  }
  // REINDEX's ( option [, ...] ) list.
  void skip_parenthesised() {
    if (!keyword("(")) return;
    while (at_ < tokens_.size() && !keyword(")")) ++at_;
  }

 private:
  std::vector<Token> tokens_;
  size_t at_ = 0;
};

// CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table: an index is always created in
// its table's schema.
void add_create_index(Reader& r, IndexScope& scope) {
  r.keyword("unique");
  if (!r.keyword("index")) return;
  r.keyword("concurrently");
  r.keywords({"if", "not", "exists"});
  const auto index = r.name({"on"});
  if (!r.keyword("on")) return;
  r.keyword("only");
  const auto table = r.relation();
  if (!table) return;
  if (index) {
    scope.indexes.push_back({table->schema, *index});
  } else {
    scope.tables.push_back(*table);
  }
}

// REINDEX [(options)] {INDEX | TABLE | SCHEMA | DATABASE | SYSTEM} [CONCURRENTLY] [name]
void add_reindex(Reader& r, IndexScope& scope) {
  r.skip_parenthesised();
  if (r.keyword("database") || r.keyword("system")) {
    scope.whole_database = true;
  } else if (r.keyword("schema")) {
    r.keyword("concurrently");
    if (auto schema = r.name()) scope.schemas.push_back(*schema);
  } else if (r.keyword("index")) {
    r.keyword("concurrently");
    if (auto index = r.relation()) scope.indexes.push_back(*index);
  } else if (r.keyword("table")) {
    r.keyword("concurrently");
    if (auto table = r.relation()) scope.tables.push_back(*table);
  }
}

bool matches(const RelationRef& ref, const std::string& schema, const std::string& name) {
  return ref.name == name && (ref.schema.empty() || ref.schema == schema);
}

// The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes).
constexpr size_t kMaxIdentifierBytes = 63;

bool is_copy_of(std::string_view name, const std::string& index) {
  const auto base = concurrent_copy_base(name);
  if (!base) return false;
  // A name cut short to fit ends on a character boundary: at most three bytes short of the limit.
  const bool cut_short = name.size() + 3 >= kMaxIdentifierBytes;
  return *base == index || (cut_short && std::string_view(index).starts_with(*base));
}

}  // namespace

IndexScope index_scope(const std::vector<std::string>& statements) {
  IndexScope scope;
  for (const auto& statement : statements) {
    Reader r(leading_tokens(statement, 64));
    if (r.keyword("create")) {
      add_create_index(r, scope);
    } else if (r.keyword("reindex")) {
      add_reindex(r, scope);
    }
  }
  return scope;
}

std::optional<std::string_view> concurrent_copy_base(std::string_view name) {
  for (const std::string_view label : {"_ccnew", "_ccold"}) {
    const size_t at = name.rfind(label);
    if (at == std::string_view::npos || at == 0) continue;
    if (name.find_first_not_of("0123456789", at + label.size()) == std::string_view::npos) {
      return name.substr(0, at);
    }
  }
  return std::nullopt;
}

bool left_by(const db::InvalidIndex& index, const IndexScope& scope) {
  if (index.created_during_attempt || scope.whole_database) return true;
  if (std::find(scope.schemas.begin(), scope.schemas.end(), index.schema) != scope.schemas.end()) return true;
  for (const auto& table : scope.tables) {
    if (matches(table, index.table_schema, index.table_name)) return true;
  }
  for (const auto& named : scope.indexes) {
    if (named.schema.empty() || named.schema == index.schema) {
      if (named.name == index.name || is_copy_of(index.name, named.name)) return true;
    }
  }
  return false;
}

}  // namespace pgrevise::runner
