#include "support/test_postgres.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

namespace pgrevise::testing {

std::string admin_url() {
  const char* dir = std::getenv("PGREVISE_TEST_PG_DIR");
  if (dir == nullptr) {
    throw std::runtime_error("PGREVISE_TEST_PG_DIR is not set: run database tests through ctest");
  }
  std::ifstream in(std::string(dir) + "/url");
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    throw std::runtime_error(std::string("no PostgreSQL test cluster at ") + dir +
                             " (postgres.start fixture)");
  }
  return url;
}

std::string url_for_database(const std::string& url, const std::string& dbname) {
  auto slash = url.rfind('/');
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + dbname + (query == std::string::npos ? "" : url.substr(query));
}

namespace {
std::string unique_name() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}
}  // namespace

TestDatabase::TestDatabase() : name_(unique_name()) {
  pqxx::connection admin(admin_url());
  pqxx::nontransaction tx(admin);
  tx.exec0("CREATE DATABASE " + tx.quote_name(name_));
  url_ = url_for_database(admin_url(), name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop test database " << name_ << ": " << e.what();
  }
}

std::string TestDatabase::url_with_password(const std::string& password) const {
  auto scheme_end = url_.find("://") + 3;
  auto colon = url_.find(':', scheme_end);
  auto at = url_.find('@', scheme_end);
  return url_.substr(0, colon + 1) + password + url_.substr(at);
}

std::string TestDatabase::query(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  std::string out;
  for (const auto& row : tx.exec(sql)) {
    if (!out.empty()) out += "\n";
    out += row[0].is_null() ? "NULL" : row[0].c_str();
  }
  return out;
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

bool TestDatabase::table_exists(const std::string& qualified_name) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  return !tx.exec1("SELECT to_regclass(" + tx.quote(qualified_name) + ") IS NOT NULL")[0].as<bool>() ? false
                                                                                                     : true;
}

}  // namespace pgrevise::testing
