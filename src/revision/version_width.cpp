#include "revision/version_width.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "common/strings.h"
#include "revision/sql_splitter.h"

namespace pgrevise::revision {

size_t id_length(std::string_view id, LengthUnit unit) {
  if (unit == LengthUnit::kBytes) return id.size();
  // Every UTF-8 sequence has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<size_t>(std::count_if(
      id.begin(), id.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

size_t width_for_length(size_t length) {
  if (length <= kAlembicVersionWidth) return kAlembicVersionWidth;
  size_t width = 2 * kAlembicVersionWidth;
  while (width < length) width *= 2;
  return width;
}

size_t created_version_width(const RevisionGraph& graph, LengthUnit unit) {
  size_t longest = 0;
  for (const auto& r : graph.revisions()) longest = std::max(longest, id_length(r.id(), unit));
  return width_for_length(longest);
}

namespace {

// A token of a statement, as far as recognising ALTER TABLE needs: a word (folded to lower case, as
// PostgreSQL folds unquoted names; numbers are words too), a "quoted" identifier (as written), or one
// punctuation character. String literals and comments are skipped.
struct Token {
  bool quoted = false;
  std::string text;
  bool is(std::string_view word) const { return !quoted && text == word; }
};

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         u >= 0x80;
}

// Reads a '...' literal or a "..." identifier (a doubled quote stands for one) starting at sql[pos].
std::string read_quoted(std::string_view sql, size_t& pos) {
  const char quote = sql[pos];
  std::string out;
  for (++pos; pos < sql.size(); ++pos) {
    if (sql[pos] != quote) {
      out += sql[pos];
    } else if (pos + 1 < sql.size() && sql[pos + 1] == quote) {
      out += quote;
      ++pos;
    } else {
      ++pos;
      break;
    }
  }
  return out;
}

std::vector<Token> tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t pos = skip_sql_blanks(sql, 0);
  while (pos < sql.size()) {
    const char c = sql[pos];
    if (c == '\'') {
      read_quoted(sql, pos);
    } else if (c == '"') {
      out.push_back({true, read_quoted(sql, pos)});
    } else if (is_word_byte(c)) {
      const size_t start = pos;
      while (pos < sql.size() && is_word_byte(sql[pos])) ++pos;
      out.push_back({false, to_lower(sql.substr(start, pos - start))});
    } else {
      out.push_back({false, std::string(1, c)});
      ++pos;
    }
    pos = skip_sql_blanks(sql, pos);
  }
  return out;
}

class AlterTableReader {
 public:
  AlterTableReader(const std::vector<Token>& tokens, const VersionColumnRef& table)
      : t_(tokens), table_(table) {}

  // The width the statement gives version_num; nullopt when it is not an ALTER TABLE of the version table
  // changing that column to a known type.
  std::optional<VersionWidth> read() {
    if (!accept("alter") || !accept("table")) return std::nullopt;
    if (accept("if") && !accept("exists")) return std::nullopt;
    accept("only");
    if (!names_version_table()) return std::nullopt;
    accept("*");
    std::optional<VersionWidth> result;
    while (i_ < t_.size()) {
      if (auto width = column_type_change()) result = *width;
      skip_to_next_action();
    }
    return result;
  }

 private:
  bool accept(std::string_view word) {
    if (i_ < t_.size() && t_[i_].is(word)) {
      ++i_;
      return true;
    }
    return false;
  }
  const Token* next() { return i_ < t_.size() ? &t_[i_++] : nullptr; }

  bool names_version_table() {
    const Token* first = next();
    if (first == nullptr) return false;
    if (!accept(".")) return first->text == table_.name;
    const Token* second = next();
    return second != nullptr && first->text == table_.schema && second->text == table_.name;
  }

  // ALTER [COLUMN] version_num [SET DATA] TYPE type: the width of the type.
  std::optional<VersionWidth> column_type_change() {
    if (!accept("alter")) return std::nullopt;
    accept("column");
    const Token* column = next();
    if (column == nullptr || column->text != "version_num") return std::nullopt;
    if (accept("set") && !accept("data")) return std::nullopt;
    if (!accept("type")) return std::nullopt;
    return type_width();
  }

  std::optional<VersionWidth> type_width() {
    if (accept("pg_catalog") && !accept(".")) return std::nullopt;
    const Token* type = next();
    if (type == nullptr || type->quoted) return std::nullopt;
    const bool varying = type->is("varchar") || (type->is("character") && accept("varying"));
    const bool fixed = !varying && (type->is("char") || type->is("character") || type->is("bpchar"));
    if (type->is("text")) return VersionWidth{};
    if (!varying && !fixed) return std::nullopt;
    std::optional<size_t> length;
    if (accept("(")) {
      const Token* number = next();
      size_t n = 0;
      if (number == nullptr ||
          std::from_chars(number->text.data(), number->text.data() + number->text.size(), n).ec !=
              std::errc{})
        return std::nullopt;
      length = n;
    }
    if (length) return VersionWidth{*length};
    if (fixed && !type->is("bpchar")) return VersionWidth{1};  // char alone is char(1)
    return VersionWidth{};
  }

  void skip_to_next_action() {
    int depth = 0;
    while (i_ < t_.size()) {
      const Token& tok = t_[i_++];
      if (tok.is("(")) ++depth;
      if (tok.is(")")) --depth;
      if (tok.is(",") && depth == 0) return;
    }
  }

  const std::vector<Token>& t_;
  const VersionColumnRef& table_;
  size_t i_ = 0;
};

bool contains_ci(std::string_view text, std::string_view word) {
  return !word.empty() &&
         std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

}  // namespace

std::optional<VersionWidth> version_width_set_by(std::string_view sql, const VersionColumnRef& table) {
  // Most sections never mention the table: they cost one scan, not a split into statements.
  if (!contains_ci(sql, table.name) || !contains_ci(sql, "version_num")) return std::nullopt;
  std::optional<VersionWidth> result;
  for (const auto& statement : split_sql(sql)) {
    if (!starts_with_ci(statement.sql, "alter") || !contains_ci(statement.sql, table.name)) continue;
    const auto tokens = tokenize(statement.sql);
    if (auto width = AlterTableReader(tokens, table).read()) result = *width;
  }
  return result;
}

std::optional<IdTooLong> find_id_too_long(const RevisionGraph& graph, const Plan& plan,
                                          VersionWidth width_before, const VersionColumnRef& table,
                                          LengthUnit unit) {
  VersionWidth width = width_before;
  std::optional<size_t> set_by;
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const PlanStep& step = plan.steps[k];
    const Script& script = graph.at(step.revision).script;
    const Section* section = step.direction == Direction::kUpgrade ? &script.upgrade
                             : script.downgrade                    ? &*script.downgrade
                                                                   : nullptr;
    if (section != nullptr) {
      if (auto changed = version_width_set_by(section->sql, table)) {
        width = *changed;
        set_by = k;
      }
    }
    if (!width) continue;
    for (const VersionChange& change : step.version_changes) {
      if (change.kind == VersionChange::Kind::kDelete) continue;
      const size_t length = id_length(change.to, unit);
      if (length > *width) return IdTooLong{k, change.to, length, *width, set_by};
    }
  }
  return std::nullopt;
}

namespace {

std::string widen_advice(const VersionColumnRef& table, size_t length) {
  return "Widen the column first: ALTER TABLE " + table.sql_name + " ALTER COLUMN version_num TYPE varchar(" +
         std::to_string(width_for_length(length)) + ")";
}

std::string unit_name(LengthUnit unit) {
  return unit == LengthUnit::kBytes ? " bytes" : " characters";
}

}  // namespace

void check_ids_fit(const RevisionGraph& graph, const Plan& plan, VersionWidth width_before,
                   const VersionColumnRef& table, LengthUnit unit) {
  const auto found = find_id_too_long(graph, plan, width_before, table, unit);
  if (!found) return;
  const PlanStep& step = plan.steps[found->step];
  const Script& script = graph.at(step.revision).script;
  std::string message = "revision " + step.revision_id + " (" + script.file + "): ";
  message += found->id == step.revision_id ? "its id has "
                                           : "its " + std::string(to_string(step.direction)) +
                                                 " writes revision id '" + found->id + "', of ";
  message += std::to_string(found->length) + unit_name(unit) + ", which does not fit " + table.display +
             ".version_num, varchar(" + std::to_string(found->width) + ")";
  if (found->width_set_by) {
    // The run's own widening is too narrow: a column widened by hand would be narrowed again by it.
    const std::string& widening = plan.steps[*found->width_set_by].revision_id;
    message += " as revision " + widening + " leaves it; nothing was run. Make revision " + widening +
               " widen it enough: ALTER TABLE " + table.sql_name + " ALTER COLUMN version_num TYPE varchar(" +
               std::to_string(width_for_length(found->length)) + ")";
  } else {
    message += "; nothing was run. " + widen_advice(table, found->length) +
               " (on the database, or in a revision that runs before " + step.revision_id + ")";
  }
  throw RevisionError(RevisionErrorCode::kIdTooLong, message, {step.revision_id, found->id});
}

void check_stamp_fits(const std::vector<std::string>& heads, VersionWidth width,
                      const VersionColumnRef& table, LengthUnit unit) {
  if (!width) return;
  for (const auto& id : heads) {
    const size_t length = id_length(id, unit);
    if (length <= *width) continue;
    throw RevisionError(RevisionErrorCode::kIdTooLong,
                        "revision id '" + id + "' has " + std::to_string(length) + unit_name(unit) +
                            ", which does not fit " + table.display + ".version_num, varchar(" +
                            std::to_string(*width) + "); nothing was stamped. " + widen_advice(table, length),
                        {id});
  }
}

}  // namespace pgrevise::revision
