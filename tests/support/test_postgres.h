#pragma once

#include <string>

namespace pgrevise::testing {

// The superuser URL of the shared throwaway cluster started by the `postgres` CTest fixture
// (scripts/dev-postgres). Fails the calling test loudly when the cluster is not there: a database test that
// silently skips proves nothing.
std::string admin_url();

// A fresh, empty database on the shared cluster, dropped (with its connections) when this object goes away.
// Every test gets its own so tests are independent and may run in parallel.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }
  // The same database through a URL with a wrong password, for authentication failure tests.
  std::string url_with_password(const std::string& password) const;

  // Runs SQL and returns the first column of every row, joined with '\n' (convenient for assertions).
  std::string query(const std::string& sql) const;
  void exec(const std::string& sql) const;
  bool table_exists(const std::string& qualified_name) const;

 private:
  std::string name_;
  std::string url_;
};

// Replaces the database name in a postgresql:// URL.
std::string url_for_database(const std::string& url, const std::string& dbname);

}  // namespace pgrevise::testing
