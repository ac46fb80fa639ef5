#include "backup/pg_tools.h"

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "backup/progress.h"
#include "common/error.h"

namespace pgrevise::backup {
namespace {

TEST(ToolVersion, ParsesDebianAndPlainOutput) {
  auto v = parse_tool_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major_code, 1500);
  EXPECT_EQ(v->text, "15.18");
  auto old = parse_tool_version("pg_dump (PostgreSQL) 9.6.24");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->major_code, 906);
  EXPECT_EQ(old->major_text(), "9.6");
  auto beta = parse_tool_version("pg_dump (PostgreSQL) 17beta2");
  ASSERT_TRUE(beta);
  EXPECT_EQ(beta->major_code, 1700);
  EXPECT_FALSE(parse_tool_version("command not found"));
}

TEST(ToolVersion, ServerVersionNum) {
  EXPECT_EQ(server_version(150004, "15.4 (Debian)").major_code, 1500);
  EXPECT_EQ(server_version(150004, "15.4 (Debian)").text, "15.4");
  EXPECT_EQ(server_version(90624, "9.6.24").major_code, 906);
}

ClientTools tools(const std::string& bindir, const std::string& version) {
  return ClientTools{bindir, *parse_tool_version("pg_dump (PostgreSQL) " + version)};
}

TEST(ChooseClientTools, TheServersOwnVersionFirstThenTheOldestNewer) {
  const std::vector<ClientTools> image = {tools("", "15.18"), tools("/usr/lib/postgresql/18/bin", "18.6")};
  EXPECT_EQ(choose_client_tools(image, server_version(150004, "15.4"))->bindir, "");
  EXPECT_EQ(choose_client_tools(image, server_version(170002, "17.2"))->bindir, "/usr/lib/postgresql/18/bin");
  EXPECT_EQ(choose_client_tools(image, server_version(180001, "18.1"))->bindir, "/usr/lib/postgresql/18/bin");
  // Older servers take the oldest tools that are newer, whose dumps they can run.
  EXPECT_EQ(choose_client_tools(image, server_version(140009, "14.9"))->version.text, "15.18");
  const std::vector<ClientTools> three = {tools("/a", "18.6"), tools("/b", "17.12"), tools("/c", "15.18")};
  EXPECT_EQ(choose_client_tools(three, server_version(160004, "16.4"))->bindir, "/b");
  EXPECT_EQ(choose_client_tools(three, server_version(90624, "9.6.24"))->bindir, "/c");
  // The first of two of the same version: PATH's before the installed folders.
  const std::vector<ClientTools> twice = {tools("", "15.18"), tools("/usr/lib/postgresql/15/bin", "15.18")};
  EXPECT_EQ(choose_client_tools(twice, server_version(150004, "15.4"))->bindir, "");
}

TEST(ChooseClientTools, NoneWhenEveryPgDumpIsOlder) {
  const std::vector<ClientTools> image = {tools("", "15.18"), tools("/usr/lib/postgresql/18/bin", "18.6")};
  EXPECT_FALSE(choose_client_tools(image, server_version(190000, "19.0")));
  EXPECT_FALSE(choose_client_tools({}, server_version(150004, "15.4")));
}

TEST(RefuseNewerServer, NamesTheServerTheNewestPgDumpAndTheRemedy) {
  const std::vector<ClientTools> image = {tools("/usr/lib/postgresql/18/bin", "18.6"), tools("", "15.18")};
  try {
    refuse_newer_server(image, server_version(190001, "19.1 (Debian 19.1-1)"));
    FAIL() << "expected PgDumpTooOld";
  } catch (const PgDumpTooOld& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(msg.find("PostgreSQL 19.1 is newer than every pg_dump"), std::string::npos) << msg;
    EXPECT_NE(msg.find("18.6 (/usr/lib/postgresql/18/bin/pg_dump)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("client tools are 19 or newer (spec.job.image)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("postgresql-client-19"), std::string::npos) << msg;
  }
  try {
    refuse_newer_server({tools("", "14.9")}, server_version(150004, "15.4"));
    FAIL() << "expected PgDumpTooOld";
  } catch (const PgDumpTooOld& e) {
    EXPECT_NE(std::string(e.what()).find("14.9 (pg_dump on PATH)"), std::string::npos) << e.what();
  }
}

TEST(InstalledClientDirs, DebiansLayoutByVersion) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("pg_tools_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* major : {"18", "9", "15"}) {
    fs::create_directories(root / major / "bin");
    std::ofstream(root / major / "bin" / "pg_dump") << "#!/bin/sh\n";
  }
  fs::create_directories(root / "17" / "bin");  // a server without the client tools
  fs::create_directories(root / "lib" / "bin");
  std::ofstream(root / "lib" / "bin" / "pg_dump") << "#!/bin/sh\n";
  EXPECT_EQ(installed_client_dirs(root.string()),
            (std::vector<std::string>{(root / "9" / "bin").string(), (root / "15" / "bin").string(),
                                      (root / "18" / "bin").string()}));
  EXPECT_TRUE(installed_client_dirs((root / "missing").string()).empty());
  fs::remove_all(root);
}

TEST(DumpSpec, PasswordOnlyInTheEnvironment) {
  ChildConnection c{"host='db' port='5432' dbname='app' user='app'", "s3cret-canary", 7};
  DumpPlan plan{"pg_dump", Format::kDirectory, 3, 4, "/out/.x.dir.partial", std::nullopt};
  const ProcessSpec spec = pg_dump_spec(plan, c);
  for (const auto& a : spec.argv) EXPECT_EQ(a.find("s3cret-canary"), std::string::npos) << a;
  EXPECT_EQ(spec.env_set.at("PGPASSWORD"), "s3cret-canary");
  EXPECT_EQ(spec.env_set.at("PGCONNECT_TIMEOUT"), "7");
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"pg_dump", "--format=directory", "--file=/out/.x.dir.partial",
                                      "--no-password", "--compress=3", "--jobs=4",
                                      "--dbname=host='db' port='5432' dbname='app' user='app'"}));
}

TEST(DumpSpec, NoPasswordNoDbnameWhenFromEnvironment) {
  const ProcessSpec spec = pg_dump_spec(DumpPlan{.output = "/o"}, ChildConnection{});
  EXPECT_EQ(spec.env_set.count("PGPASSWORD"), 0u);
  for (const auto& a : spec.argv) EXPECT_NE(a.rfind("--dbname", 0), 0u);
}

TEST(RestoreSpec, CustomDefaultsToSingleTransaction) {
  RestorePlan plan;
  plan.archive = "/b/x.dump";
  const ProcessSpec spec = restore_spec(plan, ChildConnection{"dbname='app'", "pw-canary", 10});
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"pg_restore", "--no-password", "--exit-on-error",
                                      "--single-transaction", "--dbname=dbname='app'", "/b/x.dump"}));
  EXPECT_EQ(spec.env_set.at("PGPASSWORD"), "pw-canary");
}

TEST(RestoreSpec, CleanDropsAndRestoresInOnePsqlTransaction) {
  RestorePlan plan;
  plan.clean = true;
  const ProcessSpec spec = clean_restore_spec(plan, "/t/drop.sql", "/t/restore.sql",
                                              ChildConnection{"dbname='app'", "pw-canary", 10});
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"psql", "--no-psqlrc", "--quiet", "--no-password",
                                      "--set=ON_ERROR_STOP=1", "--single-transaction", "--file=/t/drop.sql",
                                      "--file=/t/restore.sql", "--dbname=dbname='app'"}));
  for (const auto& a : spec.argv) EXPECT_EQ(a.find("pw-canary"), std::string::npos);
}

TEST(RestoreSpec, BadCombinationsAreNamed) {
  RestorePlan jobs_custom;
  jobs_custom.jobs = 4;
  jobs_custom.single_transaction = false;
  EXPECT_THROW(validate_restore_plan(jobs_custom), Error);
  RestorePlan jobs_tx;
  jobs_tx.format = Format::kDirectory;
  jobs_tx.jobs = 4;
  EXPECT_THROW(validate_restore_plan(jobs_tx), Error);
  jobs_tx.single_transaction = false;
  EXPECT_NO_THROW(validate_restore_plan(jobs_tx));
  RestorePlan clean_jobs;
  clean_jobs.format = Format::kDirectory;
  clean_jobs.clean = true;
  clean_jobs.jobs = 2;
  clean_jobs.single_transaction = false;
  EXPECT_THROW(validate_restore_plan(clean_jobs), Error);
}

TEST(Toc, CountsEntriesAndTableData) {
  const std::string list =
      ";\n; Archive created at 2026-11-22 22:51:32 UTC\n;     dbname: bk\n;\n"
      "215; 1259 16385 TABLE public a postgres\n"
      "216; 1259 16390 TABLE public alembic_version postgres\n"
      "3320; 0 16385 TABLE DATA public a postgres\n"
      "3321; 0 16390 TABLE DATA public alembic_version postgres\n"
      "3170; 2606 16391 CONSTRAINT public a a_pkey postgres\n";
  const TocSummary s = parse_toc_list(list);
  EXPECT_EQ(s.entries, 5);
  EXPECT_EQ(s.tables, 2);
  EXPECT_EQ(s.table_data, 2);
  EXPECT_EQ(parse_toc_list(";\n; only comments\n").entries, 0);
}

TEST(PlainTrailer, DetectsTruncation) {
  EXPECT_TRUE(plain_dump_trailer_present("...\n--\n-- PostgreSQL database dump complete\n--\n\n"));
  EXPECT_FALSE(plain_dump_trailer_present("COPY public.a (id) FROM stdin;\n1\n2\n"));
}

TEST(Progress, RendersBytesAndElapsedInPlace) {
  const std::string line =
      render_progress("backing up app", 5 * 1024 * 1024 + 300 * 1024, std::chrono::milliseconds(4200));
  EXPECT_EQ(line.rfind("\rbacking up app: 5.29 MiB written, 4.2s elapsed", 0), 0u) << line;
  EXPECT_GE(line.size(), 72u);
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_duration(std::chrono::milliseconds(185'000)), "3m05s");
}

}  // namespace
}  // namespace pgrevise::backup
