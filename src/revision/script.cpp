#include "revision/script.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "common/direction.h"
#include "common/hash.h"
#include "common/strings.h"

namespace pgrevise::revision {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool all_word_chars(std::string_view s) {
  for (char c : s)
    if (!is_word_char(c)) return false;
  return true;
}

// One physical line of the file, without its line terminator.
struct Line {
  std::string_view text;
  size_t offset;  // of the first character
  size_t next;    // offset of the following line
  int number;
};

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
  }
  bool next(Line& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    size_t next = end == std::string_view::npos ? text_.size() : end + 1;
    if (end == std::string_view::npos) end = text_.size();
    std::string_view body = text_.substr(pos_, end - pos_);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    line = Line{body, pos_, next, ++number_};
    pos_ = next;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

// Offset of the first byte that makes `text` not well-formed UTF-8 (or is NUL, which libpq would take for the
// end of the statement text and silently drop the rest), or npos.
size_t first_bad_byte(std::string_view text) {
  return first_unfit_utf8(text, [](unsigned char c) { return c == 0; });
}

int line_at(std::string_view text, size_t offset) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

size_t skip_spaces(std::string_view text, size_t pos) {
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  return pos;
}

// Reads a double-quoted entry starting at text[pos] == '"' ("" stands for one quote) into `out`, leaving pos
// after the closing quote. False when the quote is not closed.
bool read_quoted(std::string_view text, size_t& pos, std::string& out) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] != '"') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '"') {
      out += '"';
      ++i;
    } else {
      pos = i + 1;
      return true;
    }
  }
  return false;
}

// A file that is not a migration at all (a stray data file, an editor's backup) would otherwise report every
// one of its lines; the first few problems say enough.
constexpr size_t kMaxProblemsPerFile = 10;

enum class Marker { kNone, kUpgrade, kDowngrade };

Marker marker_of(std::string_view line) {
  std::string_view t = trim(line);
  if (t == "-- +upgrade") return Marker::kUpgrade;
  if (t == "-- +downgrade") return Marker::kDowngrade;
  return Marker::kNone;
}

// "-- key: value" → key and value; false when the line is not shaped like a header entry.
bool split_header(std::string_view line, std::string_view& key, std::string_view& value) {
  std::string_view t = trim(line);
  if (t.substr(0, 2) != "--") return false;
  t = trim(t.substr(2));
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view k = t.substr(0, colon);
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  key = k;
  value = trim(t.substr(colon + 1));
  return true;
}

constexpr std::array<std::string_view, 7> kHeaderKeys = {
    "revision", "down_revision", "message", "branch_labels", "depends_on", "transactional", kNeedsSqlKey};

class ScriptParser {
 public:
  ScriptParser(std::string_view text, const std::string& file, std::vector<Problem>& problems)
      : text_(text), file_(file), problems_(problems) {}

  std::optional<Script> parse() {
    script_.file = file_;
    before_ = problems_.size();
    if (const size_t bad = first_bad_byte(text_); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(text_[bad])));
      add(line_at(text_, bad),
          std::string("not UTF-8 text: byte ") + byte + " at offset " + std::to_string(bad) +
              (text_[bad] == '\0' ? " (a NUL byte; is this a binary file?)" : " (save the file as UTF-8)"));
      return std::nullopt;
    }
    LineReader reader(text_);
    Line line;
    while (reader.next(line)) {
      Marker m = marker_of(line.text);
      if (m != Marker::kNone) {
        on_marker(m, line);
      } else if (state_ == Marker::kNone) {
        on_header_line(line);
      }
    }
    finish_section(text_.size());
    if (!seen_upgrade_) add(0, "missing '-- +upgrade' section");
    if (script_.revision.empty() && !seen_key_[0]) add(0, "missing '-- revision:' header");
    if (problems_.size() != before_) return std::nullopt;
    script_.checksum = sha256_hex(text_.substr(upgrade_marker_offset_));
    return std::move(script_);
  }

 private:
  void add(int line, std::string message) {
    const size_t found = problems_.size() - before_;
    if (found > kMaxProblemsPerFile) return;
    if (found == kMaxProblemsPerFile) message = "more problems not shown (is this a migration file?)";
    problems_.push_back(Problem{file_, line, RevisionErrorCode::kParse, std::move(message)});
  }

  void on_marker(Marker m, const Line& line) {
    if (m == Marker::kUpgrade) {
      if (seen_upgrade_) return add(line.number, "second '-- +upgrade' section");
      if (state_ == Marker::kDowngrade) return add(line.number, "'-- +upgrade' after '-- +downgrade'");
      seen_upgrade_ = true;
      upgrade_marker_offset_ = line.offset;
    } else {
      if (script_.downgrade) return add(line.number, "second '-- +downgrade' section");
      if (!seen_upgrade_) return add(line.number, "'-- +downgrade' before '-- +upgrade'");
      finish_section(line.offset);
      script_.downgrade = Section{};
    }
    state_ = m;
    current_ = m == Marker::kUpgrade ? &script_.upgrade : &*script_.downgrade;
    current_->offset = line.next;
    current_->first_line = line.number + 1;
  }

  void finish_section(size_t end) {
    if (current_ == nullptr) return;
    size_t start = std::min(current_->offset, end);
    current_->offset = start;
    current_->sql.assign(text_.substr(start, end - start));
    current_ = nullptr;
  }

  void on_header_line(const Line& line) {
    std::string_view t = trim(line.text);
    if (t.empty()) return;
    if (t.substr(0, 2) != "--") return add(line.number, "SQL before the '-- +upgrade' marker");
    std::string_view key, value;
    if (!split_header(t, key, value)) return;  // a free comment
    size_t index = 0;
    while (index < kHeaderKeys.size() && kHeaderKeys[index] != key) ++index;
    if (index == kHeaderKeys.size()) {
      return add(line.number, "unknown header key '" + std::string(key) +
                                  "' (expected revision, down_revision, message, branch_labels, depends_on, "
                                  "transactional, needs_sql)");
    }
    if (seen_key_[index]) return add(line.number, "duplicate header key '" + std::string(key) + "'");
    seen_key_[index] = true;
    apply_header(index, value, line.number);
  }

  void apply_header(size_t index, std::string_view value, int line) {
    switch (index) {
      case 0:
        if (auto ids = header_entries(value, line, "revision"); !ids) {
          return;
        } else if (ids->size() != 1) {
          add(line, ids->empty() ? std::string("revision: no id given")
                                 : "revision names one id (double-quote an id holding a comma: \"a,b\")");
        } else if (auto problem = revision_id_problem(ids->front()); !problem.empty()) {
          add(line, "revision id '" + ids->front() + "' " + problem);
        } else {
          script_.revision = std::move(ids->front());
        }
        return;
      case 1:
        script_.down_revisions = id_list(value, line, "down_revision", /*labels_ok=*/false);
        return;
      case 2:
        script_.message = std::string(value);
        return;
      case 3:
        script_.branch_labels = label_list(value, line);
        return;
      case 4:
        script_.depends_on = id_list(value, line, "depends_on", /*labels_ok=*/true);
        return;
      case 5:
        if (value == "true")
          script_.transactional = true;
        else if (value == "false")
          script_.transactional = false;
        else
          add(line, "transactional must be 'true' or 'false', not '" + std::string(value) + "'");
        return;
      case 6:
        return apply_needs_sql(value, line);
    }
  }

  void apply_needs_sql(std::string_view value, int line) {
    if (trim(value).empty())
      return add(line, "needs_sql: name the sections still to write (upgrade, downgrade)");
    for (const auto& item : split_trimmed(value, ',')) {
      const auto section = parse_direction(item);
      if (!section)
        add(line,
            "needs_sql lists the sections still to write, 'upgrade' and/or 'downgrade', not '" + item + "'");
      else if (*section == Direction::kUpgrade)
        script_.upgrade_needs_sql = true;
      else
        script_.downgrade_needs_sql = true;
    }
  }

  // The comma-separated entries of a header value: a double-quoted entry ("" for a quote) keeps its commas
  // and edge white space, an unquoted one is trimmed. nullopt, with a problem added, for a bad quote.
  std::optional<std::vector<std::string>> header_entries(std::string_view value, int line, const char* key) {
    std::vector<std::string> out;
    if (trim(value).empty()) return out;
    size_t pos = 0;
    while (true) {
      pos = skip_spaces(value, pos);
      std::string entry;
      if (pos < value.size() && value[pos] == '"') {
        if (!read_quoted(value, pos, entry)) {
          add(line, std::string(key) + ": unterminated double quote");
          return std::nullopt;
        }
        pos = skip_spaces(value, pos);
        if (pos < value.size() && value[pos] != ',') {
          add(line, std::string(key) + ": text after a double-quoted entry (separate entries with commas)");
          return std::nullopt;
        }
      } else {
        const size_t comma = std::min(value.find(',', pos), value.size());
        entry = std::string(trim(value.substr(pos, comma - pos)));
        pos = comma;
      }
      out.push_back(std::move(entry));
      if (pos >= value.size()) return out;
      ++pos;  // the comma
    }
  }

  std::vector<std::string> id_list(std::string_view value, int line, const char* key, bool labels_ok) {
    std::vector<std::string> out;
    auto entries = header_entries(value, line, key);
    if (!entries) return out;
    for (auto& item : *entries) {
      // depends_on may also name a branch label, which is always a valid id as well.
      const std::string problem = revision_id_problem(item);
      if (!problem.empty()) {
        add(line, std::string(key) + " entry '" + item + "' is not a revision id" +
                      (labels_ok ? " or branch label" : "") + ": it " + problem);
      } else if (std::find(out.begin(), out.end(), item) != out.end()) {
        add(line, std::string(key) + " names '" + item + "' twice");
      } else {
        out.push_back(std::move(item));
      }
    }
    return out;
  }

  std::vector<std::string> label_list(std::string_view value, int line) {
    std::vector<std::string> out;
    for (auto& item : split_trimmed(value, ',')) {
      if (!is_valid_branch_label(item)) {
        add(line, "branch label '" + item + "' must be 1 to 64 of [A-Za-z0-9_] and not head, heads or base");
      } else if (std::find(out.begin(), out.end(), item) == out.end()) {
        out.push_back(item);
      }
    }
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Problem>& problems_;
  Script script_;
  size_t before_ = 0;  // problems_ reported by earlier files
  Marker state_ = Marker::kNone;
  Section* current_ = nullptr;
  bool seen_upgrade_ = false;
  size_t upgrade_marker_offset_ = 0;
  std::array<bool, kHeaderKeys.size()> seen_key_{};
};

}  // namespace

std::string revision_id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.find_first_of("@-+") != std::string_view::npos) {
    return "holds '@', '-' or '+', which Alembic refuses in a revision id (they mark branch labels and "
           "relative "
           "steps in targets)";
  }
  if (id == "head" || id == "heads" || id == "base") {
    return "is a target word (head, heads, base): Alembic fails on a revision of that name once another "
           "builds "
           "on it";
  }
  if (id.find('\'') != std::string_view::npos) {
    return "holds a single quote: Alembic writes revision ids into its version-table SQL unescaped, so it "
           "could "
           "not run this revision";
  }
  if (id.find_first_of("\r\n") != std::string_view::npos) return "holds a line break";
  return "";
}

bool is_valid_revision_id(std::string_view id) {
  return revision_id_problem(id).empty();
}

std::string header_id(std::string_view id) {
  const bool plain = !id.empty() && trim(id).size() == id.size() && id.front() != '"' &&
                     id.find(',') == std::string_view::npos;
  if (plain) return std::string(id);
  std::string out = "\"";
  for (char c : id) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string header_id_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + header_id(id);
  return out;
}

std::string needs_sql_line(bool upgrade, bool downgrade) {
  if (!upgrade && !downgrade) return "";
  std::string sections = upgrade && downgrade ? "upgrade, downgrade" : upgrade ? "upgrade" : "downgrade";
  return "-- " + std::string(kNeedsSqlKey) + ": " + sections;
}

bool is_valid_branch_label(std::string_view label) {
  return !label.empty() && label.size() <= 64 && all_word_chars(label) && label != "head" &&
         label != "heads" && label != "base";
}

std::optional<Script> parse_script(std::string_view text, const std::string& file,
                                   std::vector<Problem>& problems) {
  return ScriptParser(text, file, problems).parse();
}

Script parse_script(std::string_view text, const std::string& file) {
  std::vector<Problem> problems;
  auto script = parse_script(text, file, problems);
  if (!script) throw RevisionError(std::move(problems));
  return std::move(*script);
}

}  // namespace pgrevise::revision
