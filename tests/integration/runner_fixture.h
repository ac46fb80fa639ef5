#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/pgrevise_cli.h"
#include "support/test_postgres.h"

namespace pgrevise::testing {

// A fresh database and a migrations directory, with `pgrevise migrate` pointed at both.
class RunnerTest : public ::testing::Test {
 protected:
  TestDatabase db;
  TempDir dir;

  ProcessResult migrate(std::vector<std::string> args, const std::string& url = "") {
    args.insert(args.begin(), "migrate");
    args.insert(args.begin() + 2, {"--dir", dir.str(), "--database-url", url.empty() ? db.url() : url});
    return run_pgrevise(args);
  }
  std::string heads() const {
    if (!db.table_exists("public.alembic_version")) return "<no table>";
    return db.query("SELECT version_num FROM alembic_version ORDER BY 1");
  }
  std::string tables() const {
    return db.query(
        "SELECT coalesce(string_agg(table_name, ',' ORDER BY table_name), '') FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_name NOT LIKE 'alembic_version%'");
  }
  // linear chain a -> b -> c, each creating a table named after itself
  void write_linear() {
    dir.write("a.sql", migration("a", "", "CREATE TABLE ta (id int);", "DROP TABLE ta;"));
    dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (id int);", "DROP TABLE tb;"));
    dir.write("c.sql", migration("c", "b", "CREATE TABLE tc (id int);", "DROP TABLE tc;"));
  }
};

// pg_dump's \restrict and \unrestrict lines carry a random key that differs on every run.
inline std::string without_restrict_lines(const std::string& dump) {
  std::string out;
  size_t start = 0;
  while (start < dump.size()) {
    size_t end = dump.find('\n', start);
    end = end == std::string::npos ? dump.size() : end + 1;
    std::string_view line(dump.data() + start, end - start);
    if (line.rfind("\\restrict", 0) != 0 && line.rfind("\\unrestrict", 0) != 0) out.append(line);
    start = end;
  }
  return out;
}

inline std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

}  // namespace pgrevise::testing
