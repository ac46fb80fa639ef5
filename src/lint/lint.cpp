#include "lint/lint.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "lint/ignores.h"
#include "lint/tree.h"
#include "revision/sql_splitter.h"

namespace pgrevise::lint {

namespace {

// A statement to analyse: parsed, or refused by the grammar (then `refusal` says why).
struct Item {
  sql::Statement statement;
  bool parsed = true;
  std::string refusal;
};

std::vector<Item> items_of(const Source& source) {
  std::vector<Item> out;
  auto parsed = sql::parse(source.sql, source.origin);
  if (!parsed.error) {
    for (auto& st : parsed.statements) out.push_back({std::move(st), true, ""});
    return out;
  }
  // The grammar refused something: split as the server's client would and parse statement by statement, so
  // that only the statements it cannot read go unlinted.
  sql::LineCounter lines(source.sql, source.origin);
  for (auto& st :
       revision::split_sql_lexically(source.sql, source.origin.first_line, source.origin.base_offset)) {
    Item item{{st.sql, lines.at(st.offset - source.origin.base_offset), nullptr}, true, ""};
    auto one = sql::parse(st.sql);
    if (one.error || one.statements.size() != 1) {
      item.parsed = false;
      item.refusal = one.error ? one.error->message : "not one statement";
    } else {
      item.statement.tree = std::move(one.statements.front().tree);
    }
    out.push_back(std::move(item));
  }
  return out;
}

class Analyzer {
 public:
  Analyzer(const Source& source, const LintOptions& options) : source_(source), options_(options) {
    state_.transactional = source.transactional;
    for (const auto& rule : all_rules()) {
      if (rule.server_version_excluded(options.server_version) ||
          severity_of(rule, options) == Severity::kOff)
        continue;
      active_.push_back(&rule);
    }
  }

  SourceResult run() {
    size_t previous_end = 0;
    for (auto& item : items_of(source_)) {
      const size_t begin = item.statement.position.offset - source_.origin.base_offset;
      const size_t end = begin + item.statement.text.size();
      size_t region = 0;
      if (previous_end > 0) {
        const size_t newline = source_.sql.find('\n', previous_end);
        region = newline == std::string_view::npos ? begin : std::min(newline + 1, begin);
      }
      statement(item, region, end);
      previous_end = end;
    }
    if (state_.explicit_transaction && last_begin_) {
      report(
          std::string(kUncommittedTransaction), *last_begin_,
          {"BEGIN without a COMMIT before the end of the revision: the transaction stays open (or is rolled "
           "back when the session ends)",
           "COMMIT before the end of the revision"});
    }
    return std::move(result_);
  }

 private:
  void statement(const Item& item, size_t region, size_t end) {
    current_ = &item;
    StatementAnalysis analysis{item.statement.text, item.statement.position, {}, item.parsed, item.refusal};
    if (item.parsed) analysis.effect = effect_of(item.statement.tree, options_.server_version);
    if (const auto* target = analysis.effect.primary())
      analysis.new_table = state_.created_tables.count(target->relation) > 0;
    effect_ = &analysis.effect;
    auto ignores = find_ignores(source_.sql.substr(region, end - region));
    std::vector<Finding> found;
    if (!item.parsed) {
      found_hit(found, std::string(kUnsupportedSyntax),
                {"the PostgreSQL " + std::to_string(sql::grammar_version()) +
                     " grammar cannot parse this statement (" + item.refusal + "), so it is not linted",
                 "newer syntax is fine: the server decides; a typo is reported when the revision runs"});
    } else {
      run_rules(item, found);
    }
    apply_ignores(found, ignores, region);
    for (auto& f : found) result_.findings.push_back(std::move(f));
    if (item.parsed) {
      const auto kind = tree::kind(item.statement.tree);
      if (kind == "TransactionStmt" &&
          tree::text(tree::body(item.statement.tree), "kind").rfind("TRANS_STMT_BEGIN", 0) == 0)
        last_begin_ = item.statement.position;
      advance(state_, kind, tree::body(item.statement.tree));
    }
    result_.statements.push_back(std::move(analysis));
  }

  void run_rules(const Item& item, std::vector<Finding>& found) {
    const StatementContext context{tree::kind(item.statement.tree),
                                   tree::body(item.statement.tree),
                                   item.statement.text,
                                   *effect_,
                                   options_,
                                   state_};
    std::vector<Hit> hits;
    for (const Rule* rule : active_) {
      rule->check(context, hits);
      for (auto& hit : hits) found_hit(found, std::string(rule->name), std::move(hit));
      hits.clear();
    }
  }

  void found_hit(std::vector<Finding>& found, std::string rule, Hit hit) {
    const Rule* r = find_rule(rule);
    const Severity severity = r ? severity_of(*r, options_) : Severity::kWarning;
    if (severity == Severity::kOff) return;
    found.push_back(make(std::move(rule), severity, current_->statement.position, std::move(hit)));
  }

  Finding make(std::string rule, Severity severity, const sql::Position& at, Hit hit) const {
    Finding f{std::move(rule), severity,  source_.file,           source_.revision,
              at.line,         at.column, std::move(hit.message), std::move(hit.help)};
    if (current_ != nullptr) f.statement = current_->statement.text;
    if (effect_ != nullptr && effect_->primary() != nullptr) {
      f.lock = std::string(lock_name(effect_->strongest()));
      f.relation = effect_->primary()->relation;
    }
    return f;
  }

  void report(std::string rule, const sql::Position& at, Hit hit) {
    const Rule* r = find_rule(rule);
    if (r == nullptr || severity_of(*r, options_) == Severity::kOff) return;
    current_ = nullptr;
    effect_ = nullptr;
    result_.findings.push_back(make(std::move(rule), severity_of(*r, options_), at, std::move(hit)));
  }

  void apply_ignores(std::vector<Finding>& found, std::vector<Ignore>& ignores, size_t region) {
    for (auto& ignore : ignores) {
      const auto at = sql::position_of(source_.sql, region + ignore.offset, source_.origin);
      if (ignore.reason.empty()) {
        found_hit(found, std::string(kIgnoreWithoutReason),
                  {"`-- lint: ignore` without a reason is not honoured",
                   "say why after the rule names: -- lint: ignore RULE the table is empty"});
        found.back().line = at.line;
        found.back().column = at.column;
        continue;
      }
      auto kept = std::remove_if(found.begin(), found.end(), [&](const Finding& f) {
        const bool hit = std::find(ignore.rules.begin(), ignore.rules.end(), f.rule) != ignore.rules.end();
        ignore.used = ignore.used || hit;
        return hit;
      });
      found.erase(kept, found.end());
      if (!ignore.used) unused_ignore(found, ignore, at);
    }
  }

  void unused_ignore(std::vector<Finding>& found, const Ignore& ignore, const sql::Position& at) {
    std::string names;
    for (const auto& r : ignore.rules) names += (names.empty() ? "" : ", ") + r;
    std::string message = "`-- lint: ignore " + names + "` matches no finding of this statement";
    for (const auto& r : ignore.rules)
      if (find_rule(r) == nullptr) message = "`-- lint: ignore` names an unknown rule '" + r + "'";
    found_hit(found, std::string(kUnusedIgnore), {message, "remove the comment, or fix the rule's name"});
    found.back().line = at.line;
    found.back().column = at.column;
  }

  const Source& source_;
  const LintOptions& options_;
  std::vector<const Rule*> active_;  // the rules on for this server version
  RevisionState state_;
  SourceResult result_;
  const Item* current_ = nullptr;
  const Effect* effect_ = nullptr;
  std::optional<sql::Position> last_begin_;
};

}  // namespace

LintOptions options_from(const Config& config) {
  LintOptions options;
  if (config.server_version) options.server_version = *config.server_version;
  if (config.runner_lock_timeout) options.runner_lock_timeout = *config.runner_lock_timeout;
  options.severities = config.severities;
  options.evidence = config.evidence;
  return options;
}

Severity severity_of(const Rule& rule, const LintOptions& options) {
  auto it = options.severities.find(rule.name);
  return it == options.severities.end() ? rule.severity : it->second;
}

SourceResult lint_source(const Source& source, const LintOptions& options) {
  return Analyzer(source, options).run();
}

std::vector<SourceResult> lint_sources(const std::vector<Source>& sources, const LintOptions& options,
                                       unsigned threads) {
  constexpr size_t kPerThread = 64;  // sources below which one more thread costs more than it saves
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers = std::min<size_t>(threads, (sources.size() + kPerThread - 1) / kPerThread);
  std::vector<SourceResult> out(sources.size());
  std::atomic<size_t> next{0};
  std::vector<std::exception_ptr> failures(std::max<size_t>(workers, 1));
  auto work = [&](size_t worker) {
    try {
      for (size_t i = next++; i < sources.size(); i = next++) out[i] = lint_source(sources[i], options);
    } catch (...) {
      failures[worker] = std::current_exception();
      next = sources.size();  // the others stop at their next source
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  return out;
}

Source source_of(const revision::Script& script) {
  return Source{script.file, script.revision, script.transactional, script.upgrade.sql,
                sql::Origin{script.upgrade.first_line, script.upgrade.offset}};
}

}  // namespace pgrevise::lint
