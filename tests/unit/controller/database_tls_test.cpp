// TLS to the database with a CA of the test's own: a throwaway server (scripts/dev-postgres) given a
// certificate signed by it. verify-full passes through the operator's probe, with the CA read from a Secret
// or a ConfigMap and written to a private file, and through the runner's connection with the environment and
// paths a Job has; a certificate signed by another CA is refused as a certificate rejection, not as an
// unreachable database.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "common/error.h"
#include "common/process.h"
#include "controller/database_target.h"
#include "controller/postgres_probe.h"
#include "controller/tls_files.h"
#include "db/connection.h"
#include "support/openssl_cli.h"
#include "support/pgrevise_cli.h"
#include "unit/controller/fake_cluster.h"

namespace pgrevise::testing {
namespace {

namespace fs = std::filesystem;

ProcessResult run(const std::vector<std::string>& argv, const fs::path& dir = {}) {
  return run_process({.argv = argv, .working_dir = dir.string(), .timeout = std::chrono::seconds(120)});
}

// A CA and a server certificate for 127.0.0.1 signed by it, and a second CA that signed nothing of this
// server. A throwaway PostgreSQL serving TLS with that certificate.
class TlsPostgres {
 public:
  fs::path dir = fs::temp_directory_path() / ("pgrevise-db-tls-" + std::to_string(::getpid()));
  fs::path server = dir / "server";
  std::string ca, other_ca, admin_url;

  void start() {
    fs::create_directories(dir / "pki");
    const fs::path pki = dir / "pki";
    std::ofstream(pki / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    for (const std::string name : {"ca", "other-ca"}) {
      openssl(pki, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                    name + ".crt", "-days", "1", "-subj", "/CN=" + name});
    }
    openssl(pki, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                  "-subj", "/CN=127.0.0.1"});
    openssl(pki, {"x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                  "-out", "server.crt", "-days", "1", "-extfile", "server.ext"});
    ca = slurp(pki / "ca.crt");
    other_ca = slurp(pki / "other-ca.crt");
    const char* source = std::getenv("PGREVISE_SOURCE_DIR");
    ASSERT_NE(source, nullptr) << "run through ctest";
    const ProcessResult started =
        run({"bash", std::string(source) + "/scripts/dev-postgres", "start", server});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    admin_url = started.out.substr(0, started.out.find('\n'));
    // The server reads its certificate and key from its data folder, the key private to the server's user.
    for (const std::string file : {"server.crt", "server.key"}) {
      fs::copy_file(pki / file, server / "data" / file, fs::copy_options::overwrite_existing);
      ::chmod((server / "data" / file).c_str(), 0600);
      if (::geteuid() == 0) {
        ASSERT_EQ(run({"chown", "postgres:", server / "data" / file}).exit_code, 0);
      }
    }
    pqxx::connection admin(admin_url);
    pqxx::nontransaction tx(admin);
    tx.exec("ALTER SYSTEM SET ssl_cert_file = 'server.crt'");
    tx.exec("ALTER SYSTEM SET ssl_key_file = 'server.key'");
    tx.exec("ALTER SYSTEM SET ssl = on");
    tx.exec("SELECT pg_reload_conf()");
    // The server applies the reload on its own; a new connection with sslmode=require succeeds once it has.
    for (int attempt = 0; attempt < 600; ++attempt) {
      try {
        pqxx::connection probe(admin_url + "?sslmode=require");
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    FAIL() << "the server did not start serving TLS";
  }

  ~TlsPostgres() {
    if (const char* source = std::getenv("PGREVISE_SOURCE_DIR")) {
      run({"bash", std::string(source) + "/scripts/dev-postgres", "stop", server});
    }
    fs::remove_all(dir);
    fs::remove_all(controller::tls_files_folder());
  }

  // The password of admin_url (postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres).
  std::string password() const {
    const auto colon = admin_url.find(':', std::string("postgresql://").size());
    return admin_url.substr(colon + 1, admin_url.find('@') - colon - 1);
  }
  int port() const {
    const auto at = admin_url.find('@');
    const auto colon = admin_url.find(':', at);
    return std::stoi(admin_url.substr(colon + 1, admin_url.find('/', colon) - colon - 1));
  }
};

// Started by the first test, stopped and deleted when the program exits.
TlsPostgres& server() {
  static TlsPostgres instance;
  static const bool started = [] {
    instance.start();
    return true;
  }();
  (void)started;
  return instance;
}

class DatabaseTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_FALSE(server().admin_url.empty());
    cluster.put_secret("shop", "db", {{"password", server().password()}});
  }

  api::Spec spec(api::DatabaseTlsSpec tls, const std::string& ssl_mode = "verify-full") const {
    api::Spec s;
    s.database.host = "127.0.0.1";
    s.database.port = server().port();
    s.database.dbname = "postgres";
    s.database.user = "postgres";
    s.database.password_secret_ref = api::SecretKeyRef{"db", "password"};
    s.database.ssl_mode = ssl_mode;
    s.database.tls = std::move(tls);
    return s;
  }

  FakeCluster cluster;
  controller::PostgresProbe probe{std::chrono::seconds(10)};
};

TEST_F(DatabaseTlsTest, VerifyFullWithTheCaFromASecretPassesThroughTheProbe) {
  cluster.put_secret("shop", "db-ca", {{"ca.crt", server().ca}});
  const auto resolution = controller::resolve_database(
      cluster, "shop", spec({.ca_secret_ref = api::SecretKeyRef{"db-ca", "ca.crt"}}));
  ASSERT_TRUE(resolution.target.has_value()) << resolution.message;
  EXPECT_TRUE(probe.read_heads(*resolution.target).empty());
  // The CA went to a private file named in the connection settings; the display names no file content.
  const std::string& conninfo = resolution.target->conninfo;
  const auto at = conninfo.find("sslrootcert='");
  ASSERT_NE(at, std::string::npos) << resolution.target->display;
  const std::string path = conninfo.substr(at + 13, conninfo.find('\'', at + 13) - at - 13);
  EXPECT_EQ(slurp(path), server().ca);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(fs::path(path).parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(resolution.target->display.find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST_F(DatabaseTlsTest, VerifyFullWithTheCaFromAConfigMapPassesThroughTheProbe) {
  cluster.put_config_map("shop", "db-ca", {{"root.pem", server().ca}});
  const auto resolution = controller::resolve_database(
      cluster, "shop", spec({.ca_config_map_ref = api::SecretKeyRef{"db-ca", "root.pem"}}));
  ASSERT_TRUE(resolution.target.has_value()) << resolution.message;
  EXPECT_TRUE(probe.read_heads(*resolution.target).empty());
}

TEST_F(DatabaseTlsTest, AnotherCaIsACertificateRejection) {
  cluster.put_secret("shop", "wrong-ca", {{"ca.crt", server().other_ca}});
  const auto resolution = controller::resolve_database(
      cluster, "shop", spec({.ca_secret_ref = api::SecretKeyRef{"wrong-ca", "ca.crt"}}));
  ASSERT_TRUE(resolution.target.has_value()) << resolution.message;
  try {
    probe.read_heads(*resolution.target);
    FAIL() << "a server certificate from another CA was trusted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConnection);
    EXPECT_TRUE(controller::is_certificate_rejection(e.what())) << e.what();
    EXPECT_EQ(std::string(e.what()).find("BEGIN CERTIFICATE"), std::string::npos);
  }
}

TEST_F(DatabaseTlsTest, AMissingCaSecretIsNamed) {
  const auto resolution = controller::resolve_database(
      cluster, "shop", spec({.ca_secret_ref = api::SecretKeyRef{"absent", "ca.crt"}}));
  EXPECT_FALSE(resolution.target.has_value());
  EXPECT_EQ(resolution.reason, "SecretNotFound");
  EXPECT_NE(resolution.message.find("spec.database.tls.caSecretRef"), std::string::npos)
      << resolution.message;
}

// The runner's connection as a Job makes it: the URL without TLS settings, and libpq's environment pointing
// at the mounted CA (PGSSLMODE, PGSSLROOTCERT).
TEST_F(DatabaseTlsTest, TheRunnersConnectionUsesTheJobsEnvironment) {
  const fs::path mounted = server().dir / "mounted";
  fs::create_directories(mounted);
  std::ofstream(mounted / "ca.crt") << server().ca;
  std::ofstream(mounted / "other.crt") << server().other_ca;
  ::setenv("PGSSLMODE", "verify-full", 1);
  ::setenv("PGSSLROOTCERT", (mounted / "ca.crt").c_str(), 1);
  const db::ConnectionConfig config = db::resolve_connection(server().admin_url);
  EXPECT_NO_THROW(db::connect(config));
  ::setenv("PGSSLROOTCERT", (mounted / "other.crt").c_str(), 1);
  try {
    db::connect(config);
    ADD_FAILURE() << "a server certificate from another CA was trusted";
  } catch (const Error& e) {
    EXPECT_TRUE(controller::is_certificate_rejection(e.what())) << e.what();
  }
  ::unsetenv("PGSSLMODE");
  ::unsetenv("PGSSLROOTCERT");
}

// The runner itself as the migrate Job runs it: DATABASE_URL with no TLS settings, and PGSSLMODE and
// PGSSLROOTCERT pointing at the mounted CA.
TEST_F(DatabaseTlsTest, TheRunnerMigratesWithTheJobsEnvironment) {
  {
    pqxx::connection admin(server().admin_url);
    pqxx::nontransaction(admin).exec("CREATE DATABASE tls_runner");
  }
  const std::string url = server().admin_url.substr(0, server().admin_url.rfind('/')) + "/tls_runner";
  TempDir work;
  work.write("migrations/001.sql",
             migration("001", "", "CREATE TABLE tls_checked (id int);", "DROP TABLE tls_checked;"));
  const fs::path ca = work.write("mounted/ca.crt", server().ca);
  const fs::path other = work.write("mounted/other.crt", server().other_ca);
  const std::string dir = (work.path() / "migrations").string();
  std::map<std::string, std::string> env = {
      {"DATABASE_URL", url}, {"PGSSLMODE", "verify-full"}, {"PGSSLROOTCERT", other.string()}};
  const ProcessResult refused = run_pgrevise({"migrate", "upgrade", "heads", "--dir", dir}, env);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE((refused.out + refused.err).find("certificate verify failed"), std::string::npos) << refused.err;
  env["PGSSLROOTCERT"] = ca.string();
  const ProcessResult applied = run_pgrevise({"migrate", "upgrade", "heads", "--dir", dir}, env);
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  const ProcessResult current = run_pgrevise({"migrate", "current", "--dir", dir}, env);
  EXPECT_NE(current.out.find("001"), std::string::npos) << current.out << current.err;
}

}  // namespace
}  // namespace pgrevise::testing
