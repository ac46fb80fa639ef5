// The lock levels pgrevise lint claims, checked against the server: each statement runs inside a transaction
// on tables that exist, another session reads pg_locks, and the strongest lock the server granted on each
// relation the claim names must be the claimed one. Runs on every server version of the matrix.
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "lint/locks.h"
#include "sql/parse.h"
#include "support/test_postgres.h"

namespace pgrevise::lint {
namespace {

using pgrevise::testing::TestDatabase;

constexpr const char* kSetup = R"sql(
CREATE SCHEMA app;
CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, owner_id bigint, amount numeric, legacy text, ref text,
                state text);
CREATE INDEX i ON t (a);
CREATE UNIQUE INDEX t_ref_idx ON t (ref);
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
ALTER TABLE orders ADD CONSTRAINT orders_customer_nv FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
CREATE TABLE app.t (id bigint, a int);
CREATE TABLE "Sales"(id bigint, "Qty" int);
CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE measurements_2025 (at date NOT NULL, v int);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE VIEW v AS SELECT id FROM t;
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit();
INSERT INTO customers VALUES (1);
INSERT INTO t VALUES (1, 1, 1, 1, 1, 'x', 'r1', 's');
)sql";

// One statement of each kind the analysis tells apart that can run inside a transaction block.
const std::vector<std::string> kStatements = {
    "CREATE INDEX i2 ON t (b)",
    "CREATE UNIQUE INDEX app_i ON app.t (id)",
    "DROP INDEX i",
    "REINDEX INDEX i",
    "REINDEX TABLE t",
    "ALTER INDEX i RENAME TO i_renamed",
    "ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false",
    "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()",
    "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE t ALTER COLUMN owner_id SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN owner_id DROP NOT NULL",
    "ALTER TABLE t DROP COLUMN legacy",
    "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12, 2)",
    "ALTER TABLE t RENAME COLUMN a TO a2",
    "ALTER TABLE \"Sales\" RENAME COLUMN \"Qty\" TO qty",
    "ALTER TABLE t ALTER COLUMN a SET STATISTICS 500",
    "ALTER TABLE t SET (autovacuum_vacuum_scale_factor = 0.01)",
    "ALTER TABLE t ALTER COLUMN state SET DEFAULT 'new'",
    "ALTER TABLE t ADD CONSTRAINT positive CHECK (amount > 0)",
    "ALTER TABLE t ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID",
    "ALTER TABLE t ADD CONSTRAINT t_ref UNIQUE (ref)",
    "ALTER TABLE t ADD CONSTRAINT t_ref_u UNIQUE USING INDEX t_ref_idx",
    "ALTER TABLE t ALTER COLUMN b SET STATISTICS 10, ALTER COLUMN a TYPE bigint",
    "ALTER TABLE t DISABLE TRIGGER t_audit",
    "ALTER TABLE t SET UNLOGGED",
    "ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)",
    "ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) "
    "NOT "
    "VALID",
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_nv",
    "ALTER TABLE orders ADD COLUMN customer2 bigint REFERENCES customers (id)",
    "CREATE TABLE invoices (id bigint, customer_id bigint REFERENCES customers (id))",
    "CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO "
    "('2027-01-01')",
    "ALTER TABLE measurements ATTACH PARTITION measurements_2025 FOR VALUES FROM ('2025-01-01') TO "
    "('2026-01-01')",
    "ALTER TABLE measurements DETACH PARTITION measurements_2020",
    "ALTER TABLE measurements ALTER COLUMN v SET NOT NULL",
    "DROP TABLE app.t",
    "DROP VIEW v",
    "ALTER TABLE t RENAME TO t_old",
    "TRUNCATE t",
    "TRUNCATE TABLE t, customers CASCADE",
    "ANALYZE t",
    "CLUSTER t USING t_pkey",
    "LOCK TABLE t IN SHARE MODE",
    "LOCK TABLE t IN ROW EXCLUSIVE MODE",
    "LOCK t",
    "CREATE TRIGGER t_audit2 AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit()",
    "DROP TRIGGER t_audit ON t",
    "CREATE RULE t_log AS ON INSERT TO t DO ALSO NOTHING",
    "REFRESH MATERIALIZED VIEW mv",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    "COMMENT ON TABLE t IS 'orders'",
    "INSERT INTO t (id) VALUES (2)",
    "UPDATE t SET b = 2",
    "DELETE FROM t WHERE id = 99",
};

// "app.t" -> {"app", "t"}; unqualified names are in public. Quotes are dropped ("" stands for one).
std::pair<std::string, std::string> split_name(const std::string& relation) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (size_t i = 0; i < relation.size(); ++i) {
    const char c = relation[i];
    if (c == '"' && quoted && i + 1 < relation.size() && relation[i + 1] == '"') {
      parts.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  if (parts.size() == 1) return {"public", parts[0]};
  return {parts[0], parts[1]};
}

// The strongest granted lock mode of backend `pid` on each relation, as "schema.name" -> level.
std::map<std::string, LockLevel> held_locks(pqxx::connection& observer, int pid) {
  pqxx::nontransaction tx(observer);
  std::map<std::string, LockLevel> out;
  const auto rows = tx.exec_params(
      "SELECT n.nspname, c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = $1 AND l.locktype = 'relation' AND "
      "l.granted",
      pid);
  for (const auto& row : rows) {
    LockLevel level = LockLevel::kNone;
    for (int m = 1; m <= 8; ++m)
      if (lock_mode(static_cast<LockLevel>(m)) == row[2].as<std::string>()) level = static_cast<LockLevel>(m);
    auto& slot = out[row[0].as<std::string>() + "." + row[1].as<std::string>()];
    slot = std::max(slot, level);
  }
  return out;
}

TEST(LintLocks, TheClaimedLockIsTheOneTheServerTakes) {
  TestDatabase db;
  db.exec(kSetup);
  pqxx::connection session(db.url());
  pqxx::connection observer(db.url());
  const int version = std::stoi(db.query("SHOW server_version_num")) / 10000;
  std::cout << "PostgreSQL " << version << "\n";
  for (const auto& statement : kStatements) {
    const auto parsed = sql::parse(statement);
    ASSERT_FALSE(parsed.error) << statement;
    const Effect claim = effect_of(parsed.statements.front().tree, version);
    ASSERT_FALSE(claim.locks.empty()) << "no lock claimed for " << statement;
    std::map<std::string, LockLevel> held;
    try {
      pqxx::work tx(session);
      tx.exec0(statement);
      held = held_locks(observer, session.backendpid());
      tx.abort();
    } catch (const std::exception& e) {
      ADD_FAILURE() << statement << ": " << e.what();
      continue;
    }
    for (const auto& lock : claim.locks) {
      const auto [schema, name] = split_name(lock.relation);
      const auto it = held.find(schema + "." + name);
      const LockLevel server = it == held.end() ? LockLevel::kNone : it->second;
      EXPECT_EQ(lock_name(server), lock_name(lock.level)) << statement << ": on " << lock.relation;
      std::cout << "  " << statement << "  |  " << lock_name(lock.level) << " on " << lock.relation
                << "  |  server: " << lock_name(server) << "\n";
    }
  }
}

// CREATE INDEX CONCURRENTLY cannot run in a transaction block: it is caught while it waits for a transaction
// that holds a conflicting lock, with the lock it has already taken.
TEST(LintLocks, ConcurrentIndexBuildHoldsShareUpdateExclusive) {
  TestDatabase db;
  db.exec(kSetup);
  pqxx::connection blocker(db.url());
  pqxx::connection session(db.url());
  pqxx::connection observer(db.url());
  const int version = std::stoi(db.query("SHOW server_version_num")) / 10000;
  for (const std::string statement : {"CREATE INDEX CONCURRENTLY i3 ON t (b)", "REINDEX INDEX CONCURRENTLY i",
                                      "DROP INDEX CONCURRENTLY i"}) {
    const Effect claim = effect_of(sql::parse(statement).statements.front().tree, version);
    pqxx::work hold(blocker);
    hold.exec0("INSERT INTO t (id) VALUES (100)");
    const int pid = session.backendpid();
    std::string error;
    std::thread run([&] {
      try {
        pqxx::nontransaction tx(session);
        tx.exec0(statement);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    std::map<std::string, LockLevel> held;
    for (int i = 0; i < 500; ++i) {  // until the statement waits (bounded; not a timing assertion)
      pqxx::nontransaction tx(observer);
      if (tx.exec_params1("SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", pid)[0].as<int>() >
          0) {
        tx.commit();
        held = held_locks(observer, pid);
        break;
      }
      tx.commit();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    hold.abort();
    run.join();
    EXPECT_EQ(error, "") << statement;
    const auto& lock = claim.locks.front();
    const auto [schema, name] = split_name(lock.relation);
    EXPECT_EQ(lock_name(held[schema + "." + name]), lock_name(lock.level)) << statement;
    std::cout << "  " << statement << "  |  " << lock_name(lock.level) << " on " << lock.relation
              << "  |  server: " << lock_name(held[schema + "." + name]) << "\n";
  }
}

}  // namespace
}  // namespace pgrevise::lint
