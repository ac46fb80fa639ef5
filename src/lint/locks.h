#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// The table-level locks a statement takes, as the server's lock manager names them, and whether it rewrites
// or scans a table while holding them. Worked out from the statement alone (docs/safety.md has the table, and
// tests/integration/lint_locks_test.cpp checks it against pg_locks on each server version).
namespace pgrevise::lint {

// The server's table lock modes, weakest first (the numbering of LOCK TABLE's modes).
enum class LockLevel {
  kNone = 0,
  kAccessShare,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
};

std::string_view lock_name(LockLevel level);     // "ACCESS EXCLUSIVE"; "" for kNone
std::string_view lock_mode(LockLevel level);     // as pg_locks.mode shows it: "AccessExclusiveLock"
LockLevel level_of_mode(std::string_view mode);  // the level of a pg_locks.mode; kNone for another word

struct RelationLock {
  std::string relation;  // as written, schema-qualified when it was
  LockLevel level = LockLevel::kNone;
};

struct Effect {
  std::vector<RelationLock> locks;  // the statement's target first
  bool rewrites = false;            // writes a new copy of the table (and its indexes)
  bool scans = false;               // reads the whole table (to check a constraint, build an index, ...)

  LockLevel strongest() const;
  // The lock on the statement's target (the first), or nullptr when it takes none.
  const RelationLock* primary() const;
  // "ACCESS EXCLUSIVE on public.t, rewrites"; "" when the statement takes no lock.
  std::string describe() const;
};

// What `tree` (one statement's parse tree, as sql::Statement::tree) takes on a server of major version
// `server_version`.
Effect effect_of(const nlohmann::json& tree, int server_version);

}  // namespace pgrevise::lint

namespace pgrevise::lint {

// Why adding the column `column_def` (a ColumnDef body) rewrites the table on that server ("a volatile
// default (random())", "an identity column", ...); empty when it does not.
std::string column_rewrite_reason(const nlohmann::json& column_def, int server_version);

// Whether a default expression (a raw_expr) is one the server evaluates once for all existing rows:
// constants, casts of constants, and calls of stable or immutable built-in functions. `volatile_call` is set
// to the name of a function known to be volatile, or of an unknown one (which may be).
bool is_non_volatile(const nlohmann::json& expression, std::string* volatile_call = nullptr);

}  // namespace pgrevise::lint
