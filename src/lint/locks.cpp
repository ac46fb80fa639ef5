#include "lint/locks.h"

#include <algorithm>
#include <array>

#include "common/enum_names.h"
#include "lint/tree.h"

namespace pgrevise::lint {

namespace {

using nlohmann::json;
using L = LockLevel;

// As pg_locks.mode shows each level.
constexpr auto kLockModes = enum_names<LockLevel>({
    {L::kNone, ""},
    {L::kAccessShare, "AccessShareLock"},
    {L::kRowShare, "RowShareLock"},
    {L::kRowExclusive, "RowExclusiveLock"},
    {L::kShareUpdateExclusive, "ShareUpdateExclusiveLock"},
    {L::kShare, "ShareLock"},
    {L::kShareRowExclusive, "ShareRowExclusiveLock"},
    {L::kExclusive, "ExclusiveLock"},
    {L::kAccessExclusive, "AccessExclusiveLock"},
});

// Effects are built up from the statement's parts: the strongest lock per relation, rewrites and scans or'ed.
class EffectBuilder {
 public:
  void lock(const std::string& relation, LockLevel level) {
    if (relation.empty() || level == L::kNone) return;
    for (auto& l : effect_.locks) {
      if (l.relation == relation) {
        l.level = std::max(l.level, level);
        return;
      }
    }
    effect_.locks.push_back({relation, level});
  }
  void lock(const json& range_var, LockLevel level) { lock(tree::relation_name(range_var), level); }
  void rewrites(bool yes = true) { effect_.rewrites = effect_.rewrites || yes; }
  void scans(bool yes = true) { effect_.scans = effect_.scans || yes; }
  Effect take() { return std::move(effect_); }

 private:
  Effect effect_;
};

bool has_option(const json& options, std::string_view name) {
  for (const auto& o : options)
    if (tree::text(tree::body(o), "defname") == name) return true;
  return false;
}

// The built-in functions a default may call without making every row's value different (PostgreSQL marks
// them stable or immutable), and those known to be volatile.
constexpr std::array<std::string_view, 16> kStableFunctions = {"now",
                                                               "statement_timestamp",
                                                               "transaction_timestamp",
                                                               "current_date",
                                                               "current_timestamp",
                                                               "lower",
                                                               "upper",
                                                               "concat",
                                                               "coalesce",
                                                               "jsonb_build_object",
                                                               "json_build_object",
                                                               "array",
                                                               "make_interval",
                                                               "to_timestamp",
                                                               "length",
                                                               "current_setting"};

bool is_stable_function(const std::string& name) {
  return std::find(kStableFunctions.begin(), kStableFunctions.end(), name) != kStableFunctions.end();
}

}  // namespace

bool is_non_volatile(const json& expression, std::string* volatile_call) {
  const auto kind = tree::kind(expression);
  const json& node = tree::body(expression);
  if (kind == "A_Const" || kind == "SQLValueFunction") return true;
  if (kind == "TypeCast") return is_non_volatile(tree::field(node, "arg"), volatile_call);
  if (kind == "A_ArrayExpr") {
    for (const auto& e : tree::list(node, "elements"))
      if (!is_non_volatile(e, volatile_call)) return false;
    return true;
  }
  if (kind == "A_Expr") {
    return is_non_volatile(tree::field(node, "lexpr"), volatile_call) &&
           is_non_volatile(tree::field(node, "rexpr"), volatile_call);
  }
  if (kind == "FuncCall") {
    const auto names = tree::strings(tree::field(node, "funcname"));
    const std::string name = names.empty() ? "" : names.back();
    if (!is_stable_function(name)) {
      if (volatile_call) *volatile_call = name + "()";
      return false;
    }
    for (const auto& a : tree::list(node, "args"))
      if (!is_non_volatile(a, volatile_call)) return false;
    return true;
  }
  return expression.is_null();
}

std::string column_rewrite_reason(const json& column_def, int server_version) {
  const std::string type = tree::type_name(tree::field(column_def, "typeName"));
  if (type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial4" ||
      type == "serial8" || type == "serial2")
    return "a " + type + " column (its default, nextval(), differs for every row)";
  for (const json* c : tree::column_constraints(column_def)) {
    if (tree::is_constraint(*c, "CONSTR_IDENTITY"))
      return "an identity column (every row gets its own value)";
    if (tree::is_constraint(*c, "CONSTR_GENERATED")) return "a stored generated column";
    if (!tree::is_constraint(*c, "CONSTR_DEFAULT")) continue;
    if (server_version < 11) return "a default (before PostgreSQL 11 every default rewrites the table)";
    std::string call;
    if (!is_non_volatile(tree::field(*c, "raw_expr"), &call))
      return "a default that may differ per row (" + (call.empty() ? std::string("an expression") : call) +
             ")";
  }
  return "";
}

namespace {

LockLevel alter_command_lock(const std::string& subtype, const json& cmd, int version) {
  static const std::array<std::string_view, 9> kShareUpdateExclusive = {
      "AT_SetStatistics", "AT_ClusterOn",          "AT_DropCluster",
      "AT_SetRelOptions", "AT_ResetRelOptions",    "AT_SetOptions",
      "AT_ResetOptions",  "AT_ValidateConstraint", "AT_DetachPartitionFinalize"};
  if (std::find(kShareUpdateExclusive.begin(), kShareUpdateExclusive.end(), subtype) !=
      kShareUpdateExclusive.end())
    return L::kShareUpdateExclusive;
  if (subtype.rfind("AT_EnableTrig", 0) == 0 || subtype.rfind("AT_DisableTrig", 0) == 0 ||
      subtype.rfind("AT_EnableAlwaysTrig", 0) == 0 || subtype.rfind("AT_EnableReplicaTrig", 0) == 0)
    return L::kShareRowExclusive;
  if (subtype == "AT_AttachPartition") return version >= 12 ? L::kShareUpdateExclusive : L::kAccessExclusive;
  if (subtype == "AT_DetachPartition") {
    const bool concurrent = tree::flag(tree::body(tree::field(cmd, "def")), "concurrent");
    return concurrent && version >= 14 ? L::kShareUpdateExclusive : L::kAccessExclusive;
  }
  if (subtype == "AT_AddConstraint") {
    const json& c = tree::body(tree::field(cmd, "def"));
    if (tree::is_constraint(c, "CONSTR_FOREIGN")) return L::kShareRowExclusive;
  }
  return L::kAccessExclusive;
}

void alter_constraint(EffectBuilder& b, const json& c) {
  const bool validated = !tree::flag(c, "skip_validation");
  if (tree::is_constraint(c, "CONSTR_FOREIGN")) {
    b.lock(tree::field(c, "pktable"), L::kShareRowExclusive);
    b.scans(validated);
  } else if (tree::is_constraint(c, "CONSTR_CHECK")) {
    b.scans(validated);
  } else if (tree::is_constraint(c, "CONSTR_PRIMARY") || tree::is_constraint(c, "CONSTR_UNIQUE") ||
             tree::is_constraint(c, "CONSTR_EXCLUSION")) {
    b.scans(tree::text(c, "indexname").empty());
  }
}

void alter_column_effect(EffectBuilder& b, const json& column_def, int version) {
  b.rewrites(!column_rewrite_reason(column_def, version).empty());
  for (const json* c : tree::column_constraints(column_def)) {
    if (tree::is_constraint(*c, "CONSTR_FOREIGN")) b.lock(tree::field(*c, "pktable"), L::kShareRowExclusive);
    if (tree::is_constraint(*c, "CONSTR_CHECK") || tree::is_constraint(*c, "CONSTR_PRIMARY") ||
        tree::is_constraint(*c, "CONSTR_UNIQUE") || tree::is_constraint(*c, "CONSTR_FOREIGN"))
      b.scans();
  }
}

void alter_table_effect(EffectBuilder& b, const json& node, int version) {
  const json& relation = tree::field(node, "relation");
  const bool is_index = tree::text(node, "objtype") == "OBJECT_INDEX";
  for (const auto& item : tree::list(node, "cmds")) {
    const json& cmd = tree::body(item);
    const std::string subtype = tree::text(cmd, "subtype");
    LockLevel level = alter_command_lock(subtype, cmd, version);
    if (is_index && (subtype == "AT_SetRelOptions" || subtype == "AT_ResetRelOptions"))
      level = L::kShareUpdateExclusive;
    b.lock(relation, level);
    const json& def = tree::field(cmd, "def");
    if (subtype == "AT_AddColumn") alter_column_effect(b, tree::body(def), version);
    if (subtype == "AT_AddConstraint") alter_constraint(b, tree::body(def));
    if (subtype == "AT_AlterColumnType" || subtype == "AT_SetTableSpace" || subtype == "AT_SetLogged" ||
        subtype == "AT_SetUnLogged" || subtype == "AT_SetAccessMethod")
      b.rewrites();
    if (subtype == "AT_SetNotNull" || subtype == "AT_ValidateConstraint") b.scans();
    if (subtype == "AT_AttachPartition" || subtype == "AT_DetachPartition") {
      const json& partition = tree::field(tree::body(def), "name");
      b.lock(partition, subtype == "AT_AttachPartition" ? L::kAccessExclusive : level);
      b.scans(subtype == "AT_AttachPartition");
    }
  }
}

void create_table_effect(EffectBuilder& b, const json& node) {
  for (const auto& parent : tree::list(node, "inhRelations"))
    b.lock(tree::body(parent),
           tree::field(node, "partbound").is_null() ? L::kShareUpdateExclusive : L::kAccessExclusive);
  for (const auto& element : tree::list(node, "tableElts")) {
    const json& e = tree::body(element);
    if (tree::kind(element) == "Constraint" && tree::is_constraint(e, "CONSTR_FOREIGN"))
      b.lock(tree::field(e, "pktable"), L::kShareRowExclusive);
    if (tree::kind(element) != "ColumnDef") continue;
    for (const json* c : tree::column_constraints(e))
      if (tree::is_constraint(*c, "CONSTR_FOREIGN"))
        b.lock(tree::field(*c, "pktable"), L::kShareRowExclusive);
  }
}

void drop_effect(EffectBuilder& b, const json& node) {
  const std::string type = tree::text(node, "removeType");
  LockLevel level = L::kAccessExclusive;
  if (type == "OBJECT_INDEX" && tree::flag(node, "concurrent")) level = L::kShareUpdateExclusive;
  if (type != "OBJECT_TABLE" && type != "OBJECT_INDEX" && type != "OBJECT_VIEW" && type != "OBJECT_MATVIEW" &&
      type != "OBJECT_SEQUENCE" && type != "OBJECT_FOREIGN_TABLE") {
    if (type == "OBJECT_TRIGGER" || type == "OBJECT_RULE" || type == "OBJECT_POLICY") {
      // objects: [relation parts..., object name]
      for (const auto& o : tree::list(node, "objects")) {
        auto parts = tree::strings(tree::field(tree::body(o), "items"));
        if (parts.size() < 2) continue;
        parts.pop_back();
        std::string relation;
        for (const auto& p : parts) relation += (relation.empty() ? "" : ".") + tree::quote_identifier(p);
        b.lock(relation, L::kAccessExclusive);
      }
    }
    return;
  }
  for (const auto& o : tree::list(node, "objects"))
    b.lock(tree::dotted_name(tree::field(tree::body(o), "items")), level);
}

LockLevel lock_stmt_level(const json& node) {
  const int mode = tree::field(node, "mode").is_number() ? tree::field(node, "mode").get<int>() : 0;
  return mode >= 1 && mode <= 8 ? static_cast<LockLevel>(mode) : L::kAccessExclusive;
}

void vacuum_effect(EffectBuilder& b, const json& node) {
  const bool vacuum = tree::flag(node, "is_vacuumcmd");
  const bool full = has_option(tree::list(node, "options"), "full");
  for (const auto& r : tree::list(node, "rels")) {
    const json& relation = tree::field(tree::body(r), "relation");
    b.lock(relation, full ? L::kAccessExclusive : L::kShareUpdateExclusive);
  }
  if (full) b.rewrites();
  if (vacuum && !full) b.scans();
}

void index_effect(EffectBuilder& b, const json& node) {
  b.lock(tree::field(node, "relation"),
         tree::flag(node, "concurrent") ? L::kShareUpdateExclusive : L::kShare);
  b.scans();
}

void reindex_effect(EffectBuilder& b, const json& node) {
  const bool concurrent = has_option(tree::list(node, "params"), "concurrently");
  const std::string kind = tree::text(node, "kind");
  const json& relation = tree::field(node, "relation");
  if (kind == "REINDEX_OBJECT_INDEX") {
    b.lock(relation, concurrent ? L::kShareUpdateExclusive : L::kAccessExclusive);
  } else if (kind == "REINDEX_OBJECT_TABLE") {
    b.lock(relation, concurrent ? L::kShareUpdateExclusive : L::kShare);
  }
  b.scans();
}

void dml_effect(EffectBuilder& b, const json& node) {
  b.lock(tree::field(node, "relation"), L::kRowExclusive);
}

void statement_effect(EffectBuilder& b, std::string_view kind, const json& node, int version) {
  if (kind == "AlterTableStmt") return alter_table_effect(b, node, version);
  if (kind == "IndexStmt") return index_effect(b, node);
  if (kind == "CreateStmt") return create_table_effect(b, node);
  if (kind == "DropStmt") return drop_effect(b, node);
  if (kind == "ReindexStmt") return reindex_effect(b, node);
  if (kind == "VacuumStmt") return vacuum_effect(b, node);
  if (kind == "InsertStmt" || kind == "UpdateStmt" || kind == "DeleteStmt" || kind == "MergeStmt")
    return dml_effect(b, node);
  if (kind == "LockStmt") {
    for (const auto& r : tree::list(node, "relations")) b.lock(tree::body(r), lock_stmt_level(node));
  } else if (kind == "TruncateStmt") {
    for (const auto& r : tree::list(node, "relations")) b.lock(tree::body(r), L::kAccessExclusive);
  } else if (kind == "ClusterStmt") {
    b.lock(tree::field(node, "relation"), L::kAccessExclusive);
    b.rewrites(!tree::field(node, "relation").is_null());
  } else if (kind == "CreateTrigStmt") {
    b.lock(tree::field(node, "relation"), L::kShareRowExclusive);
  } else if (kind == "RuleStmt") {
    b.lock(tree::field(node, "relation"), L::kAccessExclusive);
  } else if (kind == "RefreshMatViewStmt") {
    b.lock(tree::field(node, "relation"),
           tree::flag(node, "concurrent") ? L::kExclusive : L::kAccessExclusive);
    b.rewrites();
  } else if (kind == "RenameStmt") {
    const std::string type = tree::text(node, "renameType");
    const bool light = type == "OBJECT_INDEX" && version >= 12;
    b.lock(tree::field(node, "relation"), light ? L::kShareUpdateExclusive : L::kAccessExclusive);
  } else if (kind == "CommentStmt") {
    // COMMENT ON TABLE / COLUMN: a SHARE UPDATE EXCLUSIVE lock on the table.
    const std::string type = tree::text(node, "objtype");
    if (type != "OBJECT_TABLE" && type != "OBJECT_COLUMN") return;
    auto parts = tree::strings(tree::field(tree::body(tree::field(node, "object")), "items"));
    if (type == "OBJECT_COLUMN" && !parts.empty()) parts.pop_back();
    std::string relation;
    for (const auto& p : parts) relation += (relation.empty() ? "" : ".") + tree::quote_identifier(p);
    b.lock(relation, L::kShareUpdateExclusive);
  }
}

}  // namespace

std::string_view lock_name(LockLevel level) {
  static constexpr auto kNames = enum_names<LockLevel>({
      {L::kNone, ""},
      {L::kAccessShare, "ACCESS SHARE"},
      {L::kRowShare, "ROW SHARE"},
      {L::kRowExclusive, "ROW EXCLUSIVE"},
      {L::kShareUpdateExclusive, "SHARE UPDATE EXCLUSIVE"},
      {L::kShare, "SHARE"},
      {L::kShareRowExclusive, "SHARE ROW EXCLUSIVE"},
      {L::kExclusive, "EXCLUSIVE"},
      {L::kAccessExclusive, "ACCESS EXCLUSIVE"},
  });
  return kNames.name(level);
}

std::string_view lock_mode(LockLevel level) {
  return kLockModes.name(level);
}

LockLevel level_of_mode(std::string_view mode) {
  return kLockModes.parse(mode).value_or(LockLevel::kNone);
}

LockLevel Effect::strongest() const {
  LockLevel out = LockLevel::kNone;
  for (const auto& l : locks) out = std::max(out, l.level);
  return out;
}

const RelationLock* Effect::primary() const {
  return locks.empty() ? nullptr : &locks.front();
}

std::string Effect::describe() const {
  if (locks.empty()) return "";
  std::string out = std::string(lock_name(locks.front().level)) + " on " + locks.front().relation;
  for (size_t i = 1; i < locks.size(); ++i)
    out += ", " + std::string(lock_name(locks[i].level)) + " on " + locks[i].relation;
  if (rewrites) out += ", rewrites";
  if (scans && !rewrites) out += ", scans";
  return out;
}

Effect effect_of(const json& statement, int server_version) {
  EffectBuilder b;
  statement_effect(b, tree::kind(statement), tree::body(statement), server_version);
  return b.take();
}

}  // namespace pgrevise::lint
